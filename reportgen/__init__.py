"""reportgen: tests the claim that Russell 2000 breakouts lead crypto, and writes the report.

``reportgen.load("2026-11")`` reads a built report as pandas objects (:mod:`reportgen.api`).
"""

__version__ = "0.1.0"

_API = ("load", "Report", "ReportNotFoundError", "available_months")


def __getattr__(name: str):
    # imported on first use, so `import reportgen` (and the CLI) stays light
    if name in _API:
        from reportgen import api

        return getattr(api, name)
    raise AttributeError(f"module 'reportgen' has no attribute {name!r}")


__all__ = ["__version__", *_API]
