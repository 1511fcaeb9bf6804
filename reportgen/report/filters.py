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


_EVENT = r"(?P<d>(?:ath_after_dd\d+|high52w_after_\d+m|[A-Za-z0-9_]+?))_(?P<a>[A-Z][A-Z0-9]*)_(?P<h>\d+)m"
_NAMED = tuple((re.compile(p), f) for p, f in (
    (r"^regime_lr_(?P<a>\w+?)_(?P<m>garch|gjr)$", "{a}: GARCH regime term δ, LR test ({M})"),
    (r"^regime_chow_(?P<a>\w+?)_(?P<m>garch|gjr)$", "{a}: all {M} parameters change at the ETF date (Chow)"),
    (r"^level_shift_(?P<a>\w+?)_alone$", "{a}: shift in log realised variance"),
    (r"^level_shift_(?P<a>\w+?)_(?P<b>\w+)$", "{a} − {b}: shift in relative log realised variance"),
    (r"^vol_break_(?P<a>\w+?)_(?P<w>full|window)$", "{a}: volatility break scan ({w} sample)"),
    (r"^placebo_" + _EVENT + "$", "{d} × {a} × {h} m: placebo test"),
    (r"^hac_" + _EVENT + "$", "{d} × {a} × {h} m: HAC t-test"),
    (r"^sign_" + _EVENT + "$", "{d} × {a} × {h} m: sign test"),
    (r"^wilcoxon_" + _EVENT + "$", "{d} × {a} × {h} m: Wilcoxon test"),
    (r"^irf_(?P<s>\w+?)_(?P<k>orth|gen)_(?P<x>[A-Za-z0-9]+)_(?P<y>[A-Za-z0-9]+)_cum(?P<i>\d+)to(?P<j>\d+)$",
     "{x} → {y}: cumulative response, months {i}–{j} ({K}; {S})"),
    (r"^irf_(?P<s>\w+?)_(?P<k>orth|gen)_(?P<x>[A-Za-z0-9]+)_(?P<y>[A-Za-z0-9]+)_h(?P<i>\d+)$",
     "{x} → {y}: response in month {i} ({K}; {S})"),
    (r"^credit_beta_diff_(?P<s>[A-Za-z0-9]+)$", "β(RUT) − β(S&P 500), {s}: wild bootstrap"),
    (r"^credit_beta_diff_(?P<s>[A-Za-z0-9]+)_(?P<v>nw|hc3)$", "β(RUT) − β(S&P 500), {s}: {V}"),
    (r"^credit_beta_(?P<a>[A-Za-z0-9]+)_(?P<s>[A-Za-z0-9]+)$", "β({a}) to {s} changes"),
    (r"^relative_strength_corr_(?P<s>[A-Za-z0-9]+)$", "relative strength vs {s}: correlation"),
    (r"^c(?P<c>\d+)_intersection_union_l(?P<l>\d+)$", "C{c} chain: intersection–union, lag {l}"),
    (r"^arch_lm_(?P<x>\w+)$", "ARCH-LM, {x} equation"),
    (r"^jarque_bera_multivariate$", "Jarque–Bera, multivariate"),
    (r"^jarque_bera_(?P<x>\w+)$", "Jarque–Bera, {x} equation"),
    (r"^portmanteau$", "Portmanteau (residual autocorrelation)"),
))
_WORDS = {"garch": "GARCH(1,1)-t", "gjr": "GJR-GARCH-t", "orth": "orthogonalised", "gen": "generalised",
          "nw": "Newey–West", "hc3": "HC3", "rut_crypto": "C3 VAR", "rut_crypto_p3": "C3 VAR, 3 lags imposed",
          "liquidity": "C6 VAR", "credit": "C5 VAR"}


def fmt_test_name(name: str) -> str:
    """Readable label for a machine test name: 'granger_RUT_BTC_m_l3_bootstrap' -> 'RUT → BTC,
    monthly, lag 3'; 'regime_lr_BTC_garch' -> 'BTC: GARCH regime term δ, LR test (GARCH(1,1)-t)'.
    Unknown names are returned as they are."""
    m = _GRANGER_NAME.match(name or "")
    if m:
        freq = "monthly" if m["f"] == "m" else "weekly"
        given = f" given {m['z']}" if m["z"] else ""
        return f"{m['x']} → {m['y']}{given}, {freq}, lag {m['lag']}"
    for pattern, fmt in _NAMED:
        m = pattern.match(name or "")
        if m:
            g = m.groupdict()
            extra = {k.upper(): _WORDS.get(v, v) for k, v in g.items() if v is not None}
            return fmt.format(**g, **extra)
    return name


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
