"""reportgen: tests the claim that Russell 2000 breakouts lead crypto, and writes the report."""

__version__ = "0.1.0"
