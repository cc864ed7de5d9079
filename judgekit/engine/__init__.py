"""Trials -> verdicts."""
