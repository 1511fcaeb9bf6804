"""Number-format filters used by the templates."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from reportgen.report.filters import (
    DASH,
    FILTERS,
    fmt_ci,
    fmt_date,
    fmt_df,
    fmt_int,
    fmt_num,
    fmt_p,
    fmt_pct,
    fmt_signed_pct,
    fmt_stat,
    fmt_test_name,
    fmt_p_eq,
)

MINUS = "\u2212"



@pytest.mark.parametrize("f", [fmt_num, fmt_int, fmt_pct, fmt_signed_pct, fmt_p, fmt_stat])
@pytest.mark.parametrize("missing", [None, math.nan, np.float64("nan")])
def test_missing_is_a_dash(f, missing):
    assert f(missing) == DASH == "–"


@pytest.mark.parametrize(
    ("x", "digits", "out"),
    [(1234.5678, 2, "1,234.57"), (-1234.5, 1, f"{MINUS}1,234.5"), (0.0, 2, "0.00"), (3, 0, "3"), (np.float64(2.5), 3, "2.500")],
)
def test_fmt_num(x, digits, out):
    assert fmt_num(x, digits) == out


def test_fmt_int():
    assert fmt_int(1234567) == "1,234,567"
    assert fmt_int(np.int64(42)) == "42"
    assert fmt_int(12.0) == "12"


@pytest.mark.parametrize(
    ("x", "out"), [(0.0123, "1.2%"), (-0.0123, f"{MINUS}1.2%"), (1.5, "150.0%"), (12.3456, "1,234.6%")]
)
def test_fmt_pct(x, out):
    assert fmt_pct(x) == out


def test_fmt_pct_digits():
    assert fmt_pct(0.012345, 2) == "1.23%"


@pytest.mark.parametrize(("x", "out"), [(0.0123, "+1.2%"), (-0.0123, f"{MINUS}1.2%"), (0.0, "+0.0%")])
def test_fmt_signed_pct(x, out):
    assert fmt_signed_pct(x) == out


@pytest.mark.parametrize(
    ("p", "out"),
    [(0.0, "<0.001"), (0.00099, "<0.001"), (0.001, "0.001"), (0.0123, "0.012"), (0.05, "0.050"), (1.0, "1.000")],
)
def test_fmt_p(p, out):
    assert fmt_p(p) == out


@pytest.mark.parametrize(("x", "out"), [(1.23456, "1.235"), (-2.5, f"{MINUS}2.500"), (999.9994, "999.999"), (12345.6, "12,346")])
def test_fmt_stat(x, out):
    assert fmt_stat(x) == out
def test_fmt_stat_large_negative_uses_minus_sign():
    assert fmt_stat(-12345.6) == f"{MINUS}12,346"


def test_fmt_ci():
    assert fmt_ci((-0.0123, 0.0456)) == f"[{MINUS}0.01, 0.05]"
    assert fmt_ci((-0.0123, 0.0456), digits=1, pct=True) == f"[{MINUS}1.2%, 4.6%]"
    assert fmt_ci(None) == DASH
    assert fmt_ci((None, 1.0)) == DASH
    assert fmt_ci((0.1, math.nan)) == DASH


def test_fmt_date():
    assert fmt_date(dt.date(2026, 1, 8)) == "2026-01-08"
    assert fmt_date(dt.datetime(2026, 1, 8, 9, 30)) == "2026-01-08T09:30:00"
    assert fmt_date("2026-01") == "2026-01"
    assert fmt_date(None) == DASH


def test_fmt_df():
    assert fmt_df((2, 140.0)) == "2, 140"
    assert fmt_df((1.5,)) == "1.5"
    assert fmt_df(()) == DASH
    assert fmt_df(None) == DASH


def test_registry_is_complete():
    assert FILTERS == {
        "fmt_num": fmt_num, "fmt_int": fmt_int, "fmt_pct": fmt_pct, "fmt_signed_pct": fmt_signed_pct,
        "fmt_p": fmt_p, "fmt_p_eq": fmt_p_eq, "fmt_stat": fmt_stat, "fmt_ci": fmt_ci, "fmt_date": fmt_date, "fmt_df": fmt_df,
        "fmt_test_name": fmt_test_name,
    }


def test_fmt_p_eq():
    assert fmt_p_eq(0.0342) == "= 0.034"
    assert fmt_p_eq(1e-7) == "< 0.001"
    assert fmt_p_eq(None) == "= –"


def test_fmt_test_name():
    assert fmt_test_name("granger_RUT_BTC_m_l3_bootstrap") == "RUT → BTC, monthly, lag 3"
    assert fmt_test_name("granger_RUT_ETH_given_GSPC_w_l13") == "RUT → ETH given GSPC, weekly, lag 13"
    assert fmt_test_name("credit_beta_diff_HYOAS") == "β(RUT) − β(S&P 500), HYOAS: wild bootstrap"
    # no internal id reaches the reader: every kind of test name in the report has a label
    assert fmt_test_name("regime_lr_BTC_garch") == "BTC: GARCH regime term δ, LR test (GARCH(1,1)-t)"
    assert fmt_test_name("placebo_ath_after_dd10_BTC_3m") == "ath_after_dd10 × BTC × 3 m: placebo test"
    assert fmt_test_name("irf_rut_crypto_p3_orth_RUT_BTC_cum1to3") == (
        "RUT → BTC: cumulative response, months 1–3 (orthogonalised; C3 VAR, 3 lags imposed)")
    assert fmt_test_name("level_shift_BTC_RUT") == "BTC − RUT: shift in relative log realised variance"
    assert fmt_test_name("something_new") == "something_new"  # unknown names pass through


@pytest.mark.parametrize("name", [
    "arch_lm_BTC", "arch_lm_dHYOAS", "c5_intersection_union_l3", "credit_beta_RUT_HYOAS", "credit_beta_diff_BAA10Y",
    "credit_beta_diff_HYOAS_hc3", "credit_beta_diff_HYOAS_nw", "granger_RUT_BTC_given_GSPC_m_l2_bootstrap",
    "granger_BTC_RUT_w_l4_hc3", "hac_ath_after_dd10_BTC_3m", "hac_high52w_after_6m_ETH_1m",
    "irf_liquidity_orth_NETLIQ_BTC_h3", "irf_rut_crypto_orth_RUT_ETH_cum1to2", "jarque_bera_BTC",
    "jarque_bera_multivariate", "level_shift_BTC_GSPC", "level_shift_BTC_alone", "placebo_high52w_after_6m_BTC_2m",
    "portmanteau", "regime_chow_ETH_garch", "regime_lr_BTC_gjr", "relative_strength_corr_HYOAS",
    "sign_ath_after_dd20_ETH_3m", "vol_break_BTC_window", "wilcoxon_ath_after_dd10_BTC_1m",
])
def test_every_kind_of_test_name_gets_a_label(name):
    """Each name pattern of a real report's tests.csv (2026-08) has a readable label."""
    label = fmt_test_name(name)
    assert label != name and "_l" not in label and not label.startswith(name.split("_")[0] + "_")


def test_filters_in_jinja():
    from jinja2 import Environment, StrictUndefined

    env = Environment(undefined=StrictUndefined, autoescape=True)
    env.filters.update(FILTERS)
    out = env.from_string("{{ p | fmt_p }} {{ x | fmt_pct(2) }} {{ ci | fmt_ci(1, true) }}").render(
        p=0.0004, x=0.05, ci=(0.01, 0.02)
    )
    assert out == "&lt;0.001 5.00% [1.0%, 2.0%]"  # autoescaped, as in the report
