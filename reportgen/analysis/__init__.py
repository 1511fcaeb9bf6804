"""Analyses: one module per test family, each returning frozen ``*Result`` objects."""
