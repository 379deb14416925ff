"""Experiments at scale: sweep designs, seeded runs on any executor, a results folder."""
