"""C8 (steadier crypto since spot ETFs) and C9 (the "super cycle" proxy): entry point.

:func:`run_regimes` gathers the volatility-level shift test, the break-date estimate, the
volatility-regime models, the break scans, realised volatility and the drawdown statistics
into one :class:`RegimeResults` for the verdict engine and the report.

What the verdict engine reads
-----------------------------
* ``c8_primary`` -- the primary test (a direct measure of the volatility level): the shift
  in the mean of ``d_t = log RV_BTC,t - log RV_RUT,t`` (monthly log realised variances)
  after ``cfg.volatility.etf_date``, OLS with a Newey-West t and a null-imposed
  moving-block bootstrap p-value (one-sided, H1: BTC calmer relative to the Russell 2000).
  ``effect = exp(shift / 2) - 1`` is the relative change in BTC's volatility relative to
  the RUT's (claimed sign: negative), with a ``1 - alpha`` studentised-bootstrap interval
  (its upper bound is below 0 exactly when ``pvalue <= alpha/2``). ``c8_shift`` holds the
  full result.
* ``min_effect`` -- ``cfg.rules.min_volatility_change`` (positive magnitude: at least 10%
  lower volatility).
* ``c8_break`` -- least-squares date of the largest shift in the mean of ``d_t`` with Bai's
  interval; ``c8_break.reference_in_ci`` (also ``break_near_etf``) says whether the ETF
  date lies inside it. A shift is attributable to the ETF launch only when it does.
* ``c8_secondary`` -- the secondary tests, Holm/BH-adjusted among themselves only
  (family ``"C8"``; the primary's family is ``"C8-primary"``): the same shift for BTC minus the S&P 500 and for BTC alone,
  the GARCH regime LR tests (the Wald test of the same delta is not repeated), the
  split-sample Chow tests and the variance-break scans (the fits and scans hold the same
  adjusted objects). ``c8_tests`` (a property) is the primary followed by the secondaries.
* ``drawdown_rates`` -- frequency of drawdowns worse than each threshold, pre vs post.
* ``confounded`` / ``c8_verdict_cap`` -- one break date cannot separate the ETFs from
  everything else that changed around it; the verdict for C8 is capped at
  ``c8_verdict_cap`` ("partly supported").
* ``c9_testable = False`` with ``c9_reason``; ``c9_proxy`` holds recovery-speed numbers,
  labelled as a proxy.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from reportgen.analysis.common import HypothesisTest, NotTestable
from reportgen.analysis.drawdowns import (
    DrawdownRateComparison,
    DrawdownTable,
    RecoveryProxy,
    compare_drawdown_rates,
    drawdown_table,
    recovery_proxy,
)
from reportgen.analysis.multiple import adjust_family
from reportgen.analysis.resampling import seed_stream
from reportgen.analysis.volatility import (
    CRYPTO_YEAR,
    EQUITY_YEAR,
    BreakDateResult,
    BreakScanResult,
    LevelShiftResult,
    RealisedVolSeries,
    RegimeGarch,
    RegimeGarchResult,
    SampleVolByRegime,
    SplitSampleResult,
    pct_log_returns,
    realised_vol,
    log_rv_difference,
    mean_shift_break,
    sample_vol_by_regime,
    split_sample_garch,
    variance_break_scan,
    volatility_level_shift,
)
from reportgen.errors import InsufficientDataError, MissingSeriesError

CRYPTO = ("BTC", "ETH")
EQUITIES = ("RUT", "GSPC")
PRIMARY_ASSET = "BTC"
PRIMARY_MODEL = "garch"
PRIMARY_CONTROL = "RUT"
SECONDARY_SHIFTS = (("BTC", "GSPC"), ("BTC", ""))  # (crypto, control); "" = the crypto asset alone
SHIFT_REPS = 1999  # bootstrap draws of the level-shift tests
BREAK_REPS = 499  # GARCH-bootstrap draws of the variance-break scans (critical values carry their MC s.e.)
MIN_POST_DAYS = 250
CONFOUNDERS = (
    "Federal Reserve rate cuts from September 2024 and the 2022-2023 hiking cycle",
    "the Bitcoin halving of April 2024 and the four-year cycle narrative",
    "the collapse of FTX, Celsius and Terra in 2022 (deleveraging before the ETF date)",
    "a larger, older market (market capitalisation, institutional participation, derivatives)",
    "US election and regulatory changes in 2024-2025",
    "volatility falling across assets (compare RUT and GSPC as controls)",
)
C9_REASON = (
    "C9 ('dips get absorbed, capital rotates rather than leaves, high-beta assets revive') "
    "names no measurable quantity, horizon or threshold, so no data could contradict it; "
    "recovery speed of drawdowns is reported only as the closest measurable proxy"
)


@dataclass(frozen=True, slots=True)
class RegimeResults:
    """Everything C8 and C9 need. Volatilities are annualised fractions; dates are ``date``."""

    etf_date: dt.date
    as_of: dt.date
    thresholds: tuple[float, ...]
    # --- C8 primary: shift in the level of BTC's volatility relative to the RUT
    c8_primary: HypothesisTest | NotTestable
    c8_shift: LevelShiftResult | NotTestable
    c8_shift_secondary: tuple[LevelShiftResult, ...]
    c8_break: BreakDateResult | NotTestable
    min_effect: float  # cfg.rules.min_volatility_change: relative volatility change that matters (magnitude)
    c8_secondary: tuple[HypothesisTest, ...]  # Holm/BH among the secondaries only
    # --- C8, GARCH with a regime term (our likelihood) and split-sample arch fits
    c8_primary_integrated: bool | None  # primary GARCH at persistence 1: delta is a ratio of intercepts
    regime_fits: tuple[RegimeGarchResult, ...]
    split_fits: tuple[SplitSampleResult, ...]
    # --- C8, when did volatility change? (break_distance_months / break_near_etf: from c8_break)
    break_primary: BreakScanResult | NotTestable
    break_scans: tuple[BreakScanResult, ...]
    break_distance_months: int | None
    break_near_etf: bool | None
    # --- C8, descriptive volatility and drawdowns
    realised_vol: tuple[RealisedVolSeries, ...]
    vol_by_regime: tuple[SampleVolByRegime, ...]
    drawdowns: tuple[DrawdownTable, ...]
    drawdown_rates: tuple[DrawdownRateComparison, ...]
    # --- honesty flags for the verdict engine
    confounded: bool
    c8_verdict_cap: str
    confounders: tuple[str, ...]  # c8_verdict_cap applies unless c8_break.reference_in_ci
    # --- C9
    c9_testable: bool
    c9_reason: str
    c9_proxy: tuple[RecoveryProxy, ...]
    # --- what could not be computed, and notes for the report
    not_testable: tuple[tuple[str, NotTestable], ...]
    notes: tuple[str, ...]

    @property
    def c8_tests(self) -> tuple[HypothesisTest, ...]:
        """The primary test followed by the secondaries (for the appendix; a view, not stored twice)."""
        return ((self.c8_primary,) if isinstance(self.c8_primary, HypothesisTest) else ()) + self.c8_secondary

    @property
    def c8_attributable(self) -> bool | None:
        """The ETF date lies in the break-date interval (``None`` when no break date was estimated).

        Only then can a shift be attributed to the launch; otherwise C8 is at most "partly supported"."""
        return None if isinstance(self.c8_break, NotTestable) else self.c8_break.reference_in_ci

    @property
    def c8_primary_fit(self) -> RegimeGarchResult | None:
        """The regime fit behind ``c8_primary`` (``None`` when it could not be computed)."""
        return next((f for f in self.regime_fits if f.asset == PRIMARY_ASSET and f.model == PRIMARY_MODEL), None)


def _years(asset: str) -> int:
    return CRYPTO_YEAR if asset in CRYPTO else EQUITY_YEAR


def shift_test(v: LevelShiftResult, family: str = "") -> HypothesisTest:
    """The :class:`HypothesisTest` of a level-shift result (effect: relative volatility change)."""
    rel = f"{v.crypto}'s volatility relative to {v.control}'s" if v.control else f"{v.crypto}'s volatility"
    return HypothesisTest(
        name=f"level_shift_{v.crypto}_{v.control or 'alone'}",
        null=(f"{rel} did not fall from {v.date}: the mean monthly log realised variance "
              f"{'difference ' if v.control else ''}is not lower after the date (shift >= 0)"),
        alternative=f"{rel} is lower after {v.date} (shift < 0)",
        stat=v.stat, pvalue=v.pvalue, df=(), nobs=v.nobs, sample_start=v.sample_start, sample_end=v.sample_end,
        method=(f"OLS of the monthly log realised variance{' difference' if v.control else ''} on a post-date "
                f"dummy, Newey-West t ({v.maxlags} lags); one-sided p from a moving-block bootstrap "
                f"({v.block}-month blocks, null imposed), {v.reps:,} draws; {v.ci_level:.0%} studentised interval"),
        family=family,
        effect=v.effect, ci_low=v.ci_low, ci_high=v.ci_high,
        effect_label=(f"relative change in {rel} after the date, exp(shift/2) - 1 "
                      "(negative = calmer, the claimed direction)"),
    )


def run_regimes(bundle, cfg) -> RegimeResults:
    """Run the C8/C9 analyses on a bundle.

    Parameters
    ----------
    bundle : reportgen.data.bundle.DataBundle
    cfg : reportgen.config.Config
        Uses ``volatility.etf_date``, ``volatility.drawdown_thresholds``,
        ``rules.alpha`` and ``analysis.seed``.

    Returns
    -------
    RegimeResults

    Notes
    -----
    Never raises for a missing series or too little data: the affected part becomes a
    :class:`NotTestable` listed in ``not_testable``. Sample: daily closes from
    ``bundle.sample_start`` (ETH starts later, 2017-11 on Yahoo); drawdown peaks use the
    full history. Break scans: BTC and ETH, (a) the full sample and (b) a window symmetric
    around the ETF date (as long before it as the data run after it); (b) for BTC is the
    pre-specified primary scan, because a 12-year crypto sample has more than one
    volatility regime and a one-break model on it finds the largest, not the ETF one.
    """
    etf = cfg.volatility.etf_date
    thresholds = tuple(sorted(cfg.volatility.drawdown_thresholds))
    alpha = cfg.rules.alpha
    start = bundle.sample_start
    nt: list[tuple[str, NotTestable]] = []

    def attempt(name, fn, keys=()):
        try:
            return fn()
        except MissingSeriesError as exc:
            nt.append((name, NotTestable(str(exc), missing=tuple(exc.keys))))
        except InsufficientDataError as exc:
            nt.append((name, NotTestable(str(exc), missing=tuple(keys))))
        return None

    def returns(key):
        s = bundle.series(key)
        return pct_log_returns(s.loc[pd.Timestamp(start):])

    # C8 primary and secondary: shift in the monthly log realised-variance difference
    def daily_log_returns(key):
        s = bundle.series(key)
        return np.log(s.loc[pd.Timestamp(start):]).diff().dropna()

    def shift(crypto, control):
        name = f"level_shift_{crypto}_{control or 'alone'}"
        return volatility_level_shift(
            daily_log_returns(crypto), daily_log_returns(control) if control else None, etf, crypto=crypto,
            control=control, reps=SHIFT_REPS, seed=np.random.default_rng(seed_stream(cfg.analysis.seed, "regimes", name)),
            alpha=alpha)

    c8_shift = attempt("level_shift_primary", lambda: shift(PRIMARY_ASSET, PRIMARY_CONTROL),
                       (PRIMARY_ASSET, PRIMARY_CONTROL))
    shift_secondary = []
    for crypto, control in SECONDARY_SHIFTS:
        v = attempt(f"level_shift_{crypto}_{control or 'alone'}", lambda c=crypto, e=control: shift(c, e),
                    tuple(k for k in (crypto, control) if k))
        if v is not None:
            shift_secondary.append(v)
    c8_break = attempt(
        "break_date_primary",
        lambda: mean_shift_break(log_rv_difference(daily_log_returns(PRIMARY_ASSET), daily_log_returns(PRIMARY_CONTROL)),
                                 etf, level=1 - alpha, label=f"{PRIMARY_ASSET} minus {PRIMARY_CONTROL}"),
        (PRIMARY_ASSET, PRIMARY_CONTROL))

    # GARCH with regime term, split-sample fits
    fits, splits = [], []
    for key in CRYPTO:
        for model in ("garch", "gjr"):
            f = attempt(f"regime_{key}_{model}",
                        lambda key=key, model=model: RegimeGarch(returns(key), etf, model, key, CRYPTO_YEAR,
                                                                 alpha).fit(), (key,))
            if f is not None:
                fits.append(f)
            s = attempt(f"split_{key}_{model}",
                        lambda key=key, model=model: split_sample_garch(returns(key), etf, model, key, CRYPTO_YEAR),
                        (key,))
            if s is not None:
                splits.append(s)

    # break scans
    scans = []
    for i, key in enumerate(CRYPTO):
        for j, label in enumerate(("window", "full")):
            def scan(key=key, label=label, i=i, j=j):
                r = returns(key)
                if label == "window":
                    span = r.index[-1] - pd.Timestamp(etf)
                    if span.days < MIN_POST_DAYS:
                        raise InsufficientDataError(
                            f"need {MIN_POST_DAYS} days after {etf} for a window scan; have {max(0, span.days)}")
                    r = r.loc[pd.Timestamp(etf) - span:]
                seed = seed_stream(cfg.analysis.seed, "regimes", f"break_{key}_{label}")
                return variance_break_scan(r, etf, asset=key, label=label, reps=BREAK_REPS,
                                           seed=np.random.default_rng(seed), alpha=alpha)
            b = attempt(f"break_{key}_{label}", scan, (key,))
            if b is not None:
                scans.append(b)
    primary_scan = next((b for b in scans if b.asset == PRIMARY_ASSET and b.label == "window"), None)

    # realised vol, sample vol and drawdowns for crypto and the equity controls
    rvs, vols, tables, rates, proxies = [], [], [], [], []
    for key in CRYPTO + EQUITIES:
        py = _years(key)
        rv = attempt(f"realised_vol_{key}", lambda key=key, py=py: realised_vol(bundle.series(key), py, 30, start, key),
                     (key,))
        if rv is not None:
            rvs.append(rv)
        v = attempt(f"vol_by_regime_{key}",
                    lambda key=key, py=py: sample_vol_by_regime(bundle.series(key), etf, py, start, key), (key,))
        if v is not None:
            vols.append(v)
        t = attempt(f"drawdowns_{key}",
                    lambda key=key: drawdown_table(bundle.series(key), start, thresholds[0], thresholds, key), (key,))
        if t is None:
            continue
        tables.append(t)
        if t.end <= etf or t.start >= etf:
            nt.append((f"drawdown_rate_{key}", NotTestable(
                f"{key} data {t.start}..{t.end} do not span the ETF date {etf}", missing=(key,))))
            continue
        for th in thresholds:
            c = attempt(f"drawdown_rate_{key}_{th:g}",
                        lambda t=t, th=th, key=key: compare_drawdown_rates(t.episodes, th, etf, t.start, t.end, key,
                                                                           alpha), (key,))
            if c is not None:
                rates.append(c)
        if key in CRYPTO:
            proxies.extend(recovery_proxy(t.episodes, etf, t.end, thresholds[0], key))

    # C8: the primary test at alpha; secondaries Holm/BH-adjusted among themselves only
    primary_fit = next((f for f in fits if f.asset == PRIMARY_ASSET and f.model == PRIMARY_MODEL), None)
    if c8_shift is not None:
        c8_primary = shift_test(c8_shift, family="C8-primary")
    else:
        c8_primary = dict(nt).get("level_shift_primary", NotTestable("primary level-shift test not computed"))
    secondary: list[HypothesisTest] = [shift_test(v, family="C8") for v in shift_secondary]
    ordered = sorted(fits, key=lambda f: (f is not primary_fit, f.asset, f.model))
    secondary.extend(f.lr_test for f in ordered)  # the Wald test of the same delta is not repeated
    secondary.extend(s.chow_test for s in splits if s.chow_test is not None)
    secondary.extend(b.test for b in scans)
    c8_secondary = adjust_family(secondary, family="C8") if secondary else ()
    # the fits and scans hold the same (adjusted) test objects, so every test appears once in results
    adjusted = {t.name: t for t in c8_secondary}
    fits = [dataclasses.replace(f, lr_test=adjusted[f.lr_test.name]) for f in fits]
    splits = [dataclasses.replace(x, chow_test=adjusted[x.chow_test.name]) if x.chow_test is not None else x
              for x in splits]
    scans = [dataclasses.replace(b, test=adjusted[b.test.name]) for b in scans]
    primary_scan = next((b for b in scans if b.asset == PRIMARY_ASSET and b.label == "window"), None)
    primary_fit = next((f for f in fits if f.asset == PRIMARY_ASSET and f.model == PRIMARY_MODEL), None)
    notes = [
        "Primary test: the shift in the mean of d_t = log RV(BTC) - log RV(RUT), monthly realised variances "
        "(sums of squared daily log returns, months with at least 15 trading days), after the ETF date; the "
        "month containing the date is left out. Newey-West t; p-value from a moving-block bootstrap "
        "(24-month blocks) of d_t with the null imposed (one mean), one-sided (H1: BTC calmer relative to the "
        "Russell 2000). Secondary tests are Holm-adjusted among themselves only.",
        "The GARCH regime term is a shift in the variance intercept: h_t = tau_t g_t with tau_t = "
        "exp(c + delta * 1[t >= ETF date]) and a unit-mean GARCH g_t, alpha, beta and nu shared by both "
        "regimes. With persistence near 1 exp(delta/2) is a ratio of intercepts, not a change in the level of "
        "volatility (the intercept's level is not identified, and the ratio can exceed 1 while plain volatility "
        "falls), so the "
        "GARCH LR tests are secondary; delta is unrestricted, so the LR test of delta = 0 is chi2(1).",
        "Unconditional volatility, persistence and t degrees of freedom per regime come from arch "
        "fits on each regime separately (robust standard errors; volatility s.e. by the delta method).",
        "A shift is attributed to the ETF launch only when the launch date lies in the interval of the data's "
        "own break date (least squares, Bai's 95% interval); otherwise C8 is at most 'partly supported'. Even "
        "then one date cannot separate the spot ETFs from other changes around 2024.",
        "Drawdowns are measured from the running all-time high; days are calendar days; an episode "
        "is counted in the regime where it first crosses the threshold.",
    ]
    if primary_fit is not None and primary_fit.integrated:
        notes.append("BTC's GARCH is integrated (persistence at 1): volatility shows no reversion to a fixed "
                     "level, so exp(delta/2) measures a jump in conditional volatility at the ETF date, not a "
                     "change in an unconditional level; the sample volatilities and split-sample fits describe "
                     "the levels.")
    notes.append(f"Variance-break scans use {BREAK_REPS:,} GARCH-bootstrap draws; their critical values are Monte "
                 "Carlo quantiles and are shown with their Monte Carlo standard error (a relative 1e-7 change of the "
                 "input closes moves them by about that much, through the fitted GARCH).")
    if primary_scan is not None:
        notes.append("Break scan p-values bracket the truth: the null-imposed GARCH bootstrap is conservative "
                     "(powerless when the no-break GARCH is integrated), the bootstrap with dynamics from the fit "
                     "with the break is liberal (about 10% size at 5%).")
    return RegimeResults(
        etf_date=etf, as_of=bundle.as_of, thresholds=thresholds,
        c8_primary=c8_primary,
        c8_shift=c8_shift if c8_shift is not None else c8_primary,
        c8_shift_secondary=tuple(shift_secondary),
        c8_break=c8_break if c8_break is not None else dict(nt).get(
            "break_date_primary", NotTestable("break date not estimated")),
        min_effect=float(cfg.rules.min_volatility_change),
        c8_secondary=tuple(c8_secondary),
        c8_primary_integrated=primary_fit.integrated if primary_fit is not None else None,
        regime_fits=tuple(fits), split_fits=tuple(splits),
        break_primary=primary_scan if primary_scan is not None else dict(nt).get(
            f"break_{PRIMARY_ASSET}_window", NotTestable("break scan not computed")),
        break_scans=tuple(scans),
        break_distance_months=c8_break.distance_months if c8_break is not None else None,
        break_near_etf=c8_break.reference_in_ci if c8_break is not None else None,
        realised_vol=tuple(rvs), vol_by_regime=tuple(vols), drawdowns=tuple(tables), drawdown_rates=tuple(rates),
        confounded=True, c8_verdict_cap="partly supported", confounders=CONFOUNDERS,
        c9_testable=False, c9_reason=C9_REASON, c9_proxy=tuple(proxies),
        not_testable=tuple(nt), notes=tuple(notes),
    )


__all__ = ["RegimeResults", "run_regimes"]
