"""Number-format filters for Jinja. Analysis never formats numbers; templates use these."""

from __future__ import annotations

import datetime as dt
import math
import re

DASH = "–"


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def fmt_num(x, digits: int = 2) -> str:
    """Fixed decimals with thousands separators; '–' for missing."""
    if _missing(x):
        return DASH
    return f"{x:,.{digits}f}".replace("-", "−")


def fmt_int(x) -> str:
    if _missing(x):
        return DASH
    return f"{int(x):,}"


def fmt_pct(x, digits: int = 1) -> str:
    """A fraction as percent: 0.0123 -> '1.2%'."""
    if _missing(x):
        return DASH
    return f"{100 * x:,.{digits}f}%".replace("-", "−")


def fmt_signed_pct(x, digits: int = 1) -> str:
    if _missing(x):
        return DASH
    return f"{100 * x:+,.{digits}f}%".replace("-", "−")


def fmt_p(p) -> str:
    """p-values: 3 decimals, '<0.001' below that."""
    if _missing(p):
        return DASH
    if p < 0.001:
        return "<0.001"
    return f"{p:.3f}"


def fmt_p_eq(p) -> str:
    """A p-value with its relation, for running text: '= 0.034' or '< 0.001'."""
    text = fmt_p(p)
    return text.replace("<", "< ") if text.startswith("<") else f"= {text}"


def fmt_stat(x) -> str:
    """Test statistics: 3 significant-ish decimals."""
    if _missing(x):
        return DASH
    return (f"{x:.3f}" if abs(x) < 1000 else f"{x:,.0f}").replace("-", "−")


def fmt_ci(pair, digits: int = 2, pct: bool = False) -> str:
    """An interval (lo, hi) as '[lo, hi]'."""
    if pair is None or any(_missing(v) for v in pair):
        return DASH
    f = (lambda v: fmt_pct(v, digits)) if pct else (lambda v: fmt_num(v, digits))
    return f"[{f(pair[0])}, {f(pair[1])}]"


def fmt_date(d) -> str:
    if d is None:
        return DASH
    if isinstance(d, str):
        return d
    return d.isoformat() if isinstance(d, (dt.date, dt.datetime)) else str(d)


def fmt_df(df) -> str:
    """Degrees of freedom tuple -> '2, 140'."""
    if not df:
        return DASH
    return ", ".join(f"{v:g}" for v in df)


_GRANGER_NAME = re.compile(r"^granger_(?P<x>[A-Za-z0-9]+)_(?P<y>[A-Za-z0-9]+)(?:_given_(?P<z>[A-Za-z0-9]+))?_(?P<f>[mw])_l(?P<lag>\d+)(?:_(?P<v>\w+))?$")


def fmt_test_name(name: str) -> str:
    """Readable label for a machine test name: 'granger_RUT_BTC_m_l3_bootstrap' -> 'RUT → BTC, monthly, lag 3'."""
    m = _GRANGER_NAME.match(name or "")
    if not m:
        return name
    freq = "monthly" if m["f"] == "m" else "weekly"
    given = f" given {m['z']}" if m["z"] else ""
    return f"{m['x']} → {m['y']}{given}, {freq}, lag {m['lag']}"


FILTERS = {
    "fmt_num": fmt_num,
    "fmt_int": fmt_int,
    "fmt_pct": fmt_pct,
    "fmt_signed_pct": fmt_signed_pct,
    "fmt_p": fmt_p,
    "fmt_p_eq": fmt_p_eq,
    "fmt_stat": fmt_stat,
    "fmt_ci": fmt_ci,
    "fmt_date": fmt_date,
    "fmt_df": fmt_df,
    "fmt_test_name": fmt_test_name,
}
