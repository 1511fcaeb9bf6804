"""CSV import in the snapshot schema: ``<SYMBOL>.csv`` with ``date,close[,volume]`` (prices)
or ``date,value`` (FRED). Index symbols drop the leading caret (``^RUT`` -> ``RUT.csv``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from reportgen.config import SeriesConfig
from reportgen.errors import DataValidationError


def csv_filename(series: SeriesConfig) -> str:
    """File name of a series in a snapshot folder."""
    return series.symbol.lstrip("^") + ".csv"


def read_csv_file(path: Path) -> pd.DataFrame:
    """Read a snapshot CSV as strings; validation (reportgen.data.validate) does the parsing."""
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.EmptyDataError, pd.errors.ParserError) as exc:
        raise DataValidationError(f"{Path(path).name}: empty file or not a CSV ({exc})") from None
