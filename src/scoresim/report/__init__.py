"""Seeing results: the report, its figures and charts, the audit and group disparities."""
