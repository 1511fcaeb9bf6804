"""Named exceptions. The CLI catches :class:`ReportgenError` and prints ``message`` + ``hint``."""

from __future__ import annotations


class ReportgenError(Exception):
    """Base class of every error the CLI turns into a clean message."""

    hint: str = ""
    exit_code: int = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        if hint is not None:
            self.hint = hint


class ConfigError(ReportgenError):
    """config.toml has an unknown key, a wrong type or an impossible value."""

    hint = "fix the key named above in config.toml (or pass --config PATH)"
    exit_code = 2


class DataValidationError(ReportgenError):
    """A series failed validation (columns, dates, duplicates, non-positive values...)."""

    hint = "fix the file named above, or remove it from the import folder"
    exit_code = 3


class SourceError(ReportgenError):
    """A live source (yfinance, FRED) failed: network down, rate limit, empty answer.

    ``transient=False`` marks failures that waiting will not fix within a run (the host
    name does not resolve): they are not retried, and the source is skipped for the rest of
    the run.
    """

    hint = "retry online later, or run `reportgen build --offline` to use the cache"
    exit_code = 4

    def __init__(self, message: str, hint: str | None = None, transient: bool = True) -> None:
        super().__init__(message, hint)
        self.transient = transient


class NoCachedDataError(ReportgenError):
    """Neither live data nor a cache is available for a required series."""

    hint = "run `reportgen import ../shared/data/market` (offline) or `reportgen fetch` (online)"
    exit_code = 5


class MissingSeriesError(ReportgenError):
    """An analysis needs series that are absent or stale; the claim becomes 'not testable'."""

    def __init__(self, keys: tuple[str, ...], reason: str) -> None:
        super().__init__(f"missing series {', '.join(keys)}: {reason}")
        self.keys = keys
        self.reason = reason


class InsufficientDataError(ReportgenError):
    """Too few observations or events for the requested test."""

    hint = "use an earlier sample start, fewer lags, or a later --as-of date"


class BuildError(ReportgenError):
    """Rendering or writing the report failed; the previous report is untouched."""

    exit_code = 6
