"""CSV import in the snapshot schema: ``<SYMBOL>.csv`` with ``date,close[,volume]`` (prices)
or ``date,value`` (FRED). Index symbols drop the leading caret (``^RUT`` -> ``RUT.csv``).

Files are read as bytes and checked before pandas sees them: a file larger than
:data:`MAX_CSV_BYTES`, a file with NUL bytes (binary) or bytes that are not UTF-8 is
rejected with the file name and the offset of the first bad byte. A UTF-8 byte-order mark
(as Excel writes it) is accepted.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from reportgen.config import SeriesConfig
from reportgen.errors import DataValidationError

MAX_CSV_BYTES = 64 * 1024 * 1024  # the largest snapshot file is ~0.5 MB; 64 MB is ~100 years of daily rows × 100


def csv_filename(series: SeriesConfig) -> str:
    """File name of a series in a snapshot folder."""
    return series.symbol.lstrip("^") + ".csv"


def parse_csv_bytes(data: bytes, name: str) -> pd.DataFrame:
    """CSV bytes -> frame of strings, or :class:`DataValidationError` naming ``name``.

    Raises
    ------
    DataValidationError : too large, NUL bytes, not UTF-8, empty, or not parseable as CSV.
    """
    if len(data) > MAX_CSV_BYTES:
        raise DataValidationError(
            f"{name}: {len(data) / 2**20:.1f} MB is larger than the {MAX_CSV_BYTES // 2**20} MB limit for one series"
        )
    nul = data.find(b"\x00")
    if nul >= 0:
        raise DataValidationError(f"{name}: contains a NUL byte at offset {nul}; a binary file, not a CSV text file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        offset = exc.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)
        raise DataValidationError(
            f"{name}: not UTF-8 text (byte 0x{data[offset]:02x} at offset {offset}); save the file as UTF-8"
        ) from None
    if not text.strip():
        raise DataValidationError(f"{name}: empty file; expected a header line date,close or date,value")
    try:
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, engine="c")
    except (pd.errors.EmptyDataError, pd.errors.ParserError, csv.Error, ValueError, OverflowError, MemoryError) as exc:
        reason = " ".join(str(exc).split())[:200]
        raise DataValidationError(f"{name}: empty file or not a CSV ({reason})") from None


def read_csv_file(path: Path) -> pd.DataFrame:
    """Read a snapshot CSV as strings; validation (reportgen.data.validate) does the parsing."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_CSV_BYTES:
            raise DataValidationError(
                f"{path.name}: {size / 2**20:.1f} MB is larger than the {MAX_CSV_BYTES // 2**20} MB limit for one series"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise DataValidationError(f"{path.name}: cannot be read ({exc.strerror or type(exc).__name__})",
                                  hint=f"check the file's permissions: {path}") from None
    return parse_csv_bytes(data, path.name)
