"""Seeing results: the audit (and the report and figures to come)."""
