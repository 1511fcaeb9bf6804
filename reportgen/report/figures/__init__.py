"""Figures: one module per result family; each function takes result objects, returns SVG text."""
