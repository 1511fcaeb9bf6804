"""Data to take away: every hypothesis test as one table, the verdicts, and the table behind
every figure, as pandas DataFrames and as deterministic CSV (and Parquet) bytes.

Built from the *result objects* (or their JSON form in ``results.json``), never from the
rendered report. The test walker is generic: it visits any tree of dataclasses, mappings and
tuples and collects every :class:`~reportgen.analysis.common.HypothesisTest` (or its JSON
form, ``{"type": "HypothesisTest", ...}``), so renamed or added result fields need no change
here. The claim of a test comes from its ``family`` ("C3-reverse" -> "C3") or, for tests
outside a claim family, from a ``c<N>_...`` component of its path in the tree.

Figure tables hold the numbers as drawn (percent where the figure plots percent; the unit is
in the column name, e.g. ``point_pct``) in long format, one file per figure, named
``figure_<family>_<figure>.csv`` after the figure keys of :mod:`reportgen.report.figures`.

Bytes are deterministic: fixed row order, fixed float format (``%.12g``), ``\\n`` line ends,
so the same results give the same files.
"""

from __future__ import annotations

import dataclasses
import io
import math
import re
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from reportgen.analysis.common import NotTestable, iter_tests
from reportgen.serialize import to_jsonable

PCT = 100.0  # fraction / log return -> percent, as the figures draw it
FLOAT_FORMAT = "%.12g"
FIGURE_PREFIX = "figure_"  # figure tables are figure_<family>_<figure>.csv

TEST_COLUMNS: tuple[str, ...] = (
    "claim", "family", "name", "null", "alternative", "stat", "df1", "df2", "pvalue", "pvalue_holm",
    "pvalue_bh", "effect", "ci_low", "ci_high", "effect_label", "nobs", "sample_start", "sample_end",
    "method", "result", "path",
)
"""Columns of ``tests.csv`` in order. ``result`` is the analysis family (``leadlag``, ``var``, ...),
``path`` where the test sits in ``results.json`` (e.g. ``results.leadlag.c3_primary``)."""

VERDICT_COLUMNS: tuple[str, ...] = (
    "claim", "title", "verdict", "reason", "label", "effect", "ci_low", "ci_high", "effect_unit", "min_effect",
    "expected_sign", "horizon_months", "pvalue", "power", "n", "n_unit", "k", "method", "source", "would_change",
)
"""Leading columns of ``verdicts.csv``; scalar evidence fields not listed here follow, sorted."""

_FAMILY_CLAIM = re.compile(r"^([A-Za-z]{1,3}\d+)(?![0-9])")
_PATH_CLAIM = re.compile(r"(?:^|[._])c(\d+)(?=_|\[|\.|$)")


class TableError(ValueError):
    """A result cannot be put into the take-away tables (e.g. a test with 3 degrees of freedom)."""


# --------------------------------------------------------------------------- the test walker


def claim_of(family: str, path: str) -> str:
    """The claim a test bears on: the family prefix ("C3-VAR" -> "C3"), else a ``c<N>_``
    component of its path ("results.regimes.c8_tests[0]" -> "C8"), else ``""``."""
    m = _FAMILY_CLAIM.match(family or "")
    if m:
        return m.group(1)
    m = _PATH_CLAIM.search(path.lower())
    return f"C{m.group(1)}" if m else ""


def _claim_number(claim: str) -> int:
    return int(claim[1:]) if claim else 10**6


def _path_key(path: str) -> tuple:
    """Natural order of paths: ``x[2]`` before ``x[10]``."""
    return tuple((0, int(t), "") if t.isdigit() else (1, 0, t) for t in re.split(r"[.\[\]]+", path) if t)


def _num(x) -> float:
    return math.nan if x is None else float(x)


def _date_text(x) -> str:
    if x is None:
        return ""
    return x.isoformat() if hasattr(x, "isoformat") else str(x)


def _test_row(path: str, t: Mapping) -> dict:
    df = tuple(t.get("df") or ())
    if len(df) > 2:
        raise TableError(f"test {t.get('name')!r} at {path} has {len(df)} degrees of freedom; tests.csv holds at most 2")
    family = t.get("family") or ""
    return {
        "claim": claim_of(family, path),
        "family": family,
        "name": t.get("name", ""),
        "null": t.get("null", ""),
        "alternative": t.get("alternative", ""),
        "stat": _num(t.get("stat")),
        "df1": _num(df[0]) if len(df) > 0 else math.nan,
        "df2": _num(df[1]) if len(df) > 1 else math.nan,
        "pvalue": _num(t.get("pvalue")),
        "pvalue_holm": _num(t.get("pvalue_holm")),
        "pvalue_bh": _num(t.get("pvalue_bh")),
        "effect": _num(t.get("effect")),
        "ci_low": _num(t.get("ci_low")),
        "ci_high": _num(t.get("ci_high")),
        "effect_label": t.get("effect_label", "") or "",
        "nobs": int(t["nobs"]) if t.get("nobs") is not None else -1,
        "sample_start": _date_text(t.get("sample_start")),
        "sample_end": _date_text(t.get("sample_end")),
        "method": t.get("method", ""),
        "result": path.split(".")[1].split("[")[0] if path.count(".") else "",
        "path": path,
    }


def _identity(row: dict) -> tuple:
    """The test's own fields, NaN made comparable: the same test reached twice is one row."""
    return tuple("nan" if isinstance(v, float) and math.isnan(v) else v for k, v in row.items()
                 if k not in ("path", "claim", "result"))


def tests_frame(results) -> pd.DataFrame:
    """One row per hypothesis test in ``results`` (columns :data:`TEST_COLUMNS`).

    A test reachable from several places (e.g. ``c3_primary`` and ``c3_family[2]``) is one
    row, under the path that sorts first. Rows are ordered by claim (C1, C2, ..., C10, then
    tests outside a claim), family and path, so the result objects and their JSON form give
    the same table.
    """
    rows: dict[tuple, dict] = {}
    for path, t in iter_tests(results):
        row = _test_row(path, t)
        key = _identity(row)
        if key not in rows or _path_key(path) < _path_key(rows[key]["path"]):
            rows[key] = row
    ordered = sorted(rows.values(), key=lambda r: (_claim_number(r["claim"]), r["family"], _path_key(r["path"])))
    frame = pd.DataFrame(ordered, columns=list(TEST_COLUMNS))
    return frame.astype({"nobs": "int64"}) if len(frame) else frame


# --------------------------------------------------------------------------- verdicts


def _is_scalar(v) -> bool:
    return v is None or isinstance(v, (str, int, float, bool))


def verdicts_frame(verdicts) -> pd.DataFrame:
    """One row per claim: the verdict and its primary evidence, flattened.

    ``verdicts`` is the tuple of ``ClaimVerdict`` objects or its JSON form
    (``results.json["verdicts"]``). Scalar evidence fields become columns under their own
    names (``effect``, ``ci_low``, ``pvalue``, ...); lists and nested records are left out.
    """
    rows = []
    for v in to_jsonable(tuple(verdicts)):
        claim = v.get("claim") or {}
        row = {"claim": claim.get("id", ""), "title": claim.get("title", "")}
        for key, value in v.items():
            if key not in ("claim", "evidence", "type", "notes") and _is_scalar(value):
                row[key] = value
        for key, value in (v.get("evidence") or {}).items():
            if key != "type" and _is_scalar(value):
                row[f"evidence_{key}" if key in row else key] = value
        rows.append(row)
    extra = sorted({k for r in rows for k in r} - set(VERDICT_COLUMNS))
    columns = list(VERDICT_COLUMNS) + extra
    frame = pd.DataFrame(rows, columns=columns)
    for col in ("effect", "ci_low", "ci_high", "min_effect", "pvalue", "power"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(float)
    return frame


def scorecard_frame(verdicts) -> pd.DataFrame | None:
    """The claim scorecard: each test-based claim's effect and interval against the minimum
    effect, with its verdict (claims without an effect and interval are left out)."""
    v = verdicts_frame(verdicts)
    v = v[v["effect"].notna() & v["ci_low"].notna() & v["ci_high"].notna()]
    if not len(v):
        return None
    cols = ["claim", "title", "verdict", "label", "effect", "ci_low", "ci_high", "min_effect", "expected_sign",
            "effect_unit", "horizon_months", "pvalue", "power"]
    return v[cols].reset_index(drop=True)


# --------------------------------------------------------------------------- figure tables


def _testable(x) -> bool:
    return x is not None and not isinstance(x, NotTestable)


def _pct(values) -> np.ndarray:
    return PCT * np.array([np.nan if v is None else v for v in values], dtype=float)


def _leadlag_rolling(r) -> pd.DataFrame | None:
    if not _testable(r.rolling):
        return None
    parts = []
    for window, w in (("rolling", r.rolling), ("expanding", r.expanding)):
        if not _testable(w):
            continue
        parts.append(pd.DataFrame({
            "window": window, "cause": r.rolling.cause, "target": r.rolling.target, "lags": r.rolling.lags,
            "window_end": [_date_text(d) for d in w.dates], "p_hc3": np.asarray(w.p_hc3, dtype=float),
            "coef_sum": np.asarray(w.coef_sum, dtype=float),
            "ci_low": np.asarray(w.ci_low, dtype=float) if window == "rolling" else np.nan,
            "ci_high": np.asarray(w.ci_high, dtype=float) if window == "rolling" else np.nan,
        }))
    return pd.concat(parts, ignore_index=True)


def _leadlag_pvalues(r) -> pd.DataFrame | None:
    rows = []
    for kind, group in (("pairwise", r.granger), ("conditional", r.conditional)):
        if not _testable(group):
            continue
        rows += [{"kind": kind, "direction": g.direction, "frequency": g.frequency, "lags": g.lags,
                  "p_boot": _num(g.p_boot)} for g in group]
    return pd.DataFrame(rows) if rows else None


_IRF_BANDS = ("point", "lower95", "upper95", "lower90", "upper90")


def _irf_rows(system, responses, shock: str) -> pd.DataFrame:
    """Orthogonalised and generalised responses (per month and cumulative), percent."""
    parts = []
    for bands in (system.orth, system.gen):
        for response in responses:
            cols = {"system": system.name, "lags": system.lags,
                    "irf": "orthogonalised" if bands.orth else "generalised",
                    "response": response, "shock": shock, "horizon": np.arange(bands.horizon + 1)}
            for pre in ("", "cum_"):
                for b in _IRF_BANDS:
                    cols[f"{pre}{b}_pct"] = PCT * bands.response(response, shock, pre + b)
            parts.append(pd.DataFrame(cols))
    return pd.concat(parts, ignore_index=True)


def _var_c3(r) -> pd.DataFrame | None:
    if not _testable(r.rut_crypto):
        return None
    parts = [_irf_rows(r.rut_crypto, [v for v in ("BTC", "ETH") if v in r.rut_crypto.variables], "RUT")]
    if _testable(r.rut_crypto_p3):
        parts.append(_irf_rows(r.rut_crypto_p3, [v for v in ("BTC", "ETH") if v in r.rut_crypto_p3.variables], "RUT"))
    return pd.concat(parts, ignore_index=True)


def _var_fevd(r) -> pd.DataFrame | None:
    if not _testable(r.rut_crypto):
        return None
    rows = [{"target": f.target, "source": f.source, "horizon": h, "share_pct": PCT * s,
             "ci_low_pct": PCT * lo, "ci_high_pct": PCT * hi, "level": f.level}
            for f in r.rut_crypto.fevd for h, s, lo, hi in zip(f.horizons, f.share, f.ci_low, f.ci_high, strict=True)]
    return pd.DataFrame(rows)


def _var_c5(r) -> pd.DataFrame | None:
    if not _testable(r.credit):
        return None
    frame = _irf_rows(r.credit, list(r.c5.responders) if _testable(r.c5) else list(r.credit.variables[1:]),
                      r.credit.variables[0])
    frame["is_peak"] = False
    if _testable(r.c5):
        for name, h in zip(r.c5.responders, r.c5.peak_horizon, strict=True):
            frame.loc[(frame["response"] == name) & (frame["horizon"] == h) & (frame["irf"] == "orthogonalised"),
                      "is_peak"] = True
    return frame


def _var_c5_peaks(r) -> pd.DataFrame | None:
    if not _testable(r.credit) or not _testable(r.c5):
        return None
    rows = [{"response": name, "horizon": h, "share_of_draws_pct": PCT * s}
            for name, dist in zip(r.c5.responders, r.c5.peak_distribution, strict=True)
            for h, s in zip(r.c5.horizons, dist, strict=True)]
    return pd.DataFrame(rows)


def _var_c6(r) -> pd.DataFrame | None:
    if not _testable(r.liquidity):
        return None
    return _irf_rows(r.liquidity, list(r.liquidity.variables[1:]), r.liquidity.variables[0])


def _events_timeline(r) -> pd.DataFrame | None:
    if not _testable(r.timeline):
        return None
    tl = r.timeline
    dates = [_date_text(d) for d in tl.dates]
    parts = [pd.DataFrame({"series": name, "date": dates, "value": np.array([np.nan if v is None else v for v in vals],
                                                                           dtype=float)})
             for name, vals in (("RUT", tl.rut), ("BTC", tl.btc), ("ETH", tl.eth))]
    if _testable(r.definitions):
        start = tl.dates[0]
        for d in r.definitions:
            pts = [(e, c) for e, c in zip(d.dates, d.closes, strict=True) if e >= start]
            parts.append(pd.DataFrame({"series": f"breakout: {d.name}", "date": [_date_text(e) for e, _ in pts],
                                       "value": np.array([c for _, c in pts], dtype=float)}))
    return pd.concat(parts, ignore_index=True)


def _events_cars(r) -> pd.DataFrame | None:
    if not any(c.measure == "raw" for c in r.cars):
        return None
    rows = [{"asset": c.asset, "definition": c.definition, "horizon_months": c.horizon_months, "measure": c.measure,
             "n_events": c.n_events, "mean_car_pct": PCT * c.mean_car, "ci_low_pct": PCT * _num(c.ci_low),
             "ci_high_pct": PCT * _num(c.ci_high), "placebo_mean_pct": PCT * _num(c.placebo_mean),
             "placebo_p05_pct": PCT * _num(c.placebo_p05), "placebo_p95_pct": PCT * _num(c.placebo_p95),
             "pvalue": _num(c.pvalue)} for c in r.cars]
    return pd.DataFrame(rows)


def _events_hits(r) -> pd.DataFrame | None:
    if not r.hit_rates:
        return None
    rows = [{"asset": x.asset, "definition": x.definition, "horizon_months": x.horizon_months, "n": x.n,
             "hits": x.hits, "rate_pct": PCT * x.rate, "ci_low_pct": PCT * x.ci_low, "ci_high_pct": PCT * x.ci_high,
             "placebo_rate_pct": PCT * x.placebo_rate, "placebo_p05_pct": PCT * x.placebo_p05,
             "placebo_p95_pct": PCT * x.placebo_p95, "pvalue": _num(x.pvalue)} for x in r.hit_rates]
    return pd.DataFrame(rows)


def _series_frame(items, value_of, dates_of, column: str, **extra) -> pd.DataFrame:
    parts = [pd.DataFrame({"asset": s.asset, **{k: f(s) for k, f in extra.items()},
                           "date": [_date_text(d) for d in dates_of(s)], column: _pct(value_of(s))}) for s in items]
    return pd.concat(parts, ignore_index=True)


def _regimes_level_shift(r) -> pd.DataFrame | None:
    v = getattr(r, "c8_shift", None)
    if not _testable(v):
        return None
    b = getattr(r, "c8_break", None)
    post = np.asarray(v.post, dtype=bool)
    return pd.DataFrame({
        "month": [_date_text(m) for m in v.months], "crypto": v.crypto, "control": v.control,
        "log_variance_ratio": np.asarray(v.d, dtype=float), "post_launch": post,
        "regime_mean": np.where(post, _num(v.mean_post), _num(v.mean_pre)),
        "break_month": _date_text(b.break_month) if _testable(b) else "",
        "break_ci_low": _date_text(b.ci_low) if _testable(b) else "",
        "break_ci_high": _date_text(b.ci_high) if _testable(b) else "",
    })


def _regimes_realised(r) -> pd.DataFrame | None:
    if not r.realised_vol:
        return None
    return _series_frame(r.realised_vol, lambda s: s.values, lambda s: s.dates, "vol_pct_a_year")


def _regimes_conditional(r) -> pd.DataFrame | None:
    fits = [f for f in r.regime_fits if f.model == "garch"]
    if not fits:
        return None
    return _series_frame(fits, lambda f: f.cond_vol, lambda f: f.cond_vol_dates, "cond_vol_pct_a_year",
                         model=lambda f: f.model_label,
                         uncond_vol_pre_pct=lambda f: math.nan if f.integrated else PCT * f.uncond_vol_pre,
                         uncond_vol_post_pct=lambda f: math.nan if f.integrated else PCT * f.uncond_vol_post)


def _regimes_breaks(r) -> pd.DataFrame | None:
    scans = [b for b in r.break_scans if b.label == "window"]
    if not scans:
        return None
    parts = [pd.DataFrame({"asset": b.asset, "candidate_date": [_date_text(d) for d in b.scan_dates],
                           "wald_stat": np.asarray(b.scan_stat, dtype=float), "break_date": _date_text(b.break_date),
                           "break_ci_low": _date_text(b.ci_low), "break_ci_high": _date_text(b.ci_high)})
             for b in scans]
    return pd.concat(parts, ignore_index=True)


def _regimes_underwater(r) -> pd.DataFrame | None:
    if not r.drawdowns:
        return None
    return _series_frame(r.drawdowns, lambda t: t.underwater, lambda t: t.underwater_dates, "below_high_pct")


def _designs(r) -> list:
    """Self-check designs that ran (those with a power curve)."""
    return [d for d in getattr(r, "designs", ()) if hasattr(d, "curve_effect")]


_RATE_CURVES = ("curve_power", "curve_ci_low", "curve_ci_high", "curve_power_adjusted")


def _selfcheck_power(r) -> pd.DataFrame | None:
    designs = _designs(r)
    if not designs:
        return None
    parts = []
    for d in designs:
        cols = {"design": d.name, "claim": getattr(d, "claim", ""), "effect_unit": getattr(d, "effect_unit", "")}
        for f in dataclasses.fields(d):  # every curve_* field: planted effects, rates, their intervals
            if f.name.startswith("curve_"):
                values = getattr(d, f.name)
                if f.name in _RATE_CURVES:
                    cols[f"{f.name[6:]}_pct"] = _pct(values)
                else:
                    cols[f.name[6:]] = np.array([np.nan if v is None else v for v in values], dtype=float)
        cols["min_effect"] = _num(getattr(d, "min_effect", None))
        cols["mde_80"] = _num(getattr(d, "mde_80", None))
        cols["alpha_pct"] = PCT * _num(getattr(d, "alpha", None))
        parts.append(pd.DataFrame(cols))
    return pd.concat(parts, ignore_index=True)


def _selfcheck_size(r) -> pd.DataFrame | None:
    designs = _designs(r)
    if not designs:
        return None
    return pd.DataFrame([{"design": d.name, "claim": getattr(d, "claim", ""), "size_pct": PCT * d.size,
                          "ci_low_pct": PCT * d.size_ci[0], "ci_high_pct": PCT * d.size_ci[1],
                          "alpha_pct": PCT * d.alpha, "level_pct": PCT * _num(getattr(d, "level", d.alpha))}
                         for d in designs])


def _credit_betas(r) -> pd.DataFrame | None:
    if not getattr(r, "testable", False):
        return None
    rows = [("RUT beta", r.spread_key, r.beta_rut), ("GSPC beta", r.spread_key, r.beta_gspc),
            ("RUT − GSPC", r.spread_key, r.difference)]
    rows += [("RUT − GSPC, robustness", key, t) for key, t in zip(r.robustness_keys, r.robustness, strict=True)]
    out = [{"label": label, "spread": key, "test": t.name, "effect_pct": PCT * _num(t.effect),
            "ci_low_pct": PCT * _num(t.ci_low), "ci_high_pct": PCT * _num(t.ci_high), "pvalue": _num(t.pvalue)}
           for label, key, t in rows if _testable(t)]
    return pd.DataFrame(out) if out else None


FigureTable = Callable[[object], "pd.DataFrame | None"]

FIGURE_TABLES: dict[str, dict[str, FigureTable]] = {
    "leadlag": {"rolling": _leadlag_rolling, "granger_pvalues": _leadlag_pvalues},
    "var": {"c3_irf": _var_c3, "fevd": _var_fevd, "c5_credit": _var_c5, "c5_peaks": _var_c5_peaks,
            "c6_liquidity": _var_c6},
    "events": {"timeline": _events_timeline, "car_bands": _events_cars, "hit_rates": _events_hits},
    "regimes": {"level_shift": _regimes_level_shift, "realised_vol": _regimes_realised, "conditional_vol": _regimes_conditional,
                "break_scan": _regimes_breaks, "underwater": _regimes_underwater},
    "selfcheck": {"power_curves": _selfcheck_power, "size": _selfcheck_size},
    "credit_beta": {"betas": _credit_betas},
}
"""family -> figure key (as in the family's ``figures(result)``) -> table builder."""


def figure_tables(results: Mapping, verdicts=()) -> dict[str, pd.DataFrame]:
    """The table behind every figure that can be drawn, as ``"<family>_<figure>" -> DataFrame``.

    Families that are :class:`NotTestable` or absent give no tables; so does a figure whose
    part was not testable (the same conditions as the figure code). ``note_scorecard`` is
    the claim scorecard from ``verdicts``.
    """
    out: dict[str, pd.DataFrame] = {}
    for family, builders in FIGURE_TABLES.items():
        result = results.get(family)
        if not _testable(result):
            continue
        for figure, build in builders.items():
            try:
                frame = build(result)
            except AttributeError as exc:  # a result field was renamed: say where to follow it
                raise TableError(f"figure table {family}_{figure}: {exc}; update FIGURE_TABLES in "
                                 "reportgen/report/tables.py") from exc
            if frame is not None:
                out[f"{family}_{figure}"] = frame.reset_index(drop=True)
    score = scorecard_frame(verdicts) if verdicts else None
    if score is not None:
        out["note_scorecard"] = score
    return out


# --------------------------------------------------------------------------- bytes


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """Deterministic CSV: no index, ``%.12g`` floats, empty cells for missing, ``\\n`` ends."""
    return frame.to_csv(index=False, float_format=FLOAT_FORMAT, na_rep="", lineterminator="\n").encode("utf-8")


def to_parquet_bytes(frame: pd.DataFrame) -> bytes:
    """Parquet bytes (pyarrow, zstd); the same frame gives the same bytes."""
    buf = io.BytesIO()
    frame.to_parquet(buf, engine="pyarrow", index=False, compression="zstd")
    return buf.getvalue()


def export_files(results: Mapping, verdicts=(), *, parquet: bool = True) -> dict[str, bytes]:
    """Every take-away file as ``file name -> bytes`` for the report folder (flat names).

    ``tests.csv`` (one row per hypothesis test), ``verdicts.csv`` (one row per claim) and
    ``figure_<family>_<figure>.csv`` (the numbers behind each figure); with ``parquet``,
    ``tests.parquet`` and ``verdicts.parquet`` too (typed columns for pandas/Arrow users).
    """
    tests, claims = tests_frame(results), verdicts_frame(verdicts)
    files = {"tests.csv": to_csv_bytes(tests), "verdicts.csv": to_csv_bytes(claims)}
    if parquet:
        files["tests.parquet"] = to_parquet_bytes(tests)
        files["verdicts.parquet"] = to_parquet_bytes(claims)
    for name, frame in figure_tables(results, verdicts).items():
        files[f"{FIGURE_PREFIX}{name}.csv"] = to_csv_bytes(frame)
    return files


__all__ = [
    "FIGURE_PREFIX", "FIGURE_TABLES", "TEST_COLUMNS", "VERDICT_COLUMNS", "TableError", "claim_of", "export_files", "figure_tables",
    "iter_tests", "scorecard_frame", "tests_frame", "to_csv_bytes", "to_parquet_bytes", "verdicts_frame",
]
