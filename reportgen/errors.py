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

    def __init__(self, message: str, hint: str | None = None, transient: bool = True,
                 series_only: bool = False, skipped: bool = False) -> None:
        super().__init__(message, hint)
        self.transient = transient
        # True when only this series failed (delisted, wrong symbol, no rows): the source
        # itself answered, so the other series of the source are still tried.
        self.series_only = series_only
        # True when the series was not tried: its source had already failed in this run.
        self.skipped = skipped


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


class AsOfError(ReportgenError):
    """``--as-of`` names a date the data cannot answer for (before the sample or the first
    Russell 2000 observation): a usage error, exit code 2."""

    hint = "choose an --as-of date inside the sample (after data.sample_start)"
    exit_code = 2


class CacheError(ReportgenError):
    """The cache could not be written (disk full, no permission, cache_dir is a file, or
    another run holds the cache lock). The cache is unchanged; exit code 7."""

    hint = "free disk space or fix the permissions of the cache folder, then run the command again"
    exit_code = 7


class CacheLockedError(CacheError):
    """Another reportgen run holds the cache's exclusive lock past the wait limit."""

    hint = "try again when the other run (import, fetch or online build) finishes"


class BuildError(ReportgenError):
    """Rendering or writing the report failed; the previous report is untouched."""

    exit_code = 6
