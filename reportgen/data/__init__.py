"""Data layer: sources (yfinance, FRED, CSV), cache, validation, alignment, the DataBundle."""
