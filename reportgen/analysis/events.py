"""Breakout event study for claims C1, C2, C4 and C10 (entry point :func:`run_events`).

* C1: fact check of the January 2026 breakout above ``events.round_threshold``.
* C2: the two named episodes, in the index's reading (first breakouts of late 2016 and late
  2020) and the articles' reading (first new all-time high in 2017 and in 2021).
* C4: event study over every pre-declared definition x horizon x asset, placebo tests from
  stationary-bootstrap random dates, Holm and Romano-Wolf adjustment, power; out of sample
  forecasts and a timing rule.
* C10: hit rates with Wilson intervals against the hit rate after random dates.

The pre-registered primary test is the first definition in ``config.toml`` x BTC x the longest
horizon, raw log return, placebo test.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from reportgen.analysis import event_study as es
from reportgen.analysis import out_of_sample as oos
from reportgen.analysis.breakouts import BreakoutSet, detect_breakouts
from reportgen.analysis.common import HypothesisTest, NotTestable, as_date
from reportgen.analysis.multiple import adjust_family, holm
from reportgen.analysis.ols import ols_slope
from reportgen.config import Config
from reportgen.errors import InsufficientDataError, MissingSeriesError

ASSETS = ("BTC", "ETH", "SOL")
EST_WINDOW, MIN_EST = 250, 60
YTD_CLAIMED, YTD_TOLERANCE = 0.15, 0.03
HEAVY_VOLUME_RATIO = 1.5
MIN_FAMILY_EVENTS = 2  # a one-event "mean" is an anecdote (reported, but not in the C4 family)
HORIZON_NOTE = ("calendar months: log return from the crypto close on the event day t to the crypto "
                "close on t + h months")


# =========================================================================== results


@dataclass(frozen=True, slots=True)
class DefinitionEvents:
    """Events of one definition: all of RUT's history, and those inside the crypto sample."""

    name: str
    kind: str
    description: str
    n_raw: int
    dates: tuple[dt.date, ...]  # declustered, full RUT history
    closes: tuple[float, ...]
    details: tuple[float, ...]  # drawdown depth / months without a 52w high / level
    dates_in_sample: tuple[dt.date, ...]  # inside the BTC sample (the crypto study)


@dataclass(frozen=True, slots=True)
class IwmVolume:
    """IWM share volume around the breakout vs its trailing 3-month (63 trading days) median."""

    event_date: dt.date
    volume: float
    trailing_median: float
    ratio: float
    window_ratio: float  # mean volume t-2..t+2 / trailing median
    percentile_1y: float  # share of the prior 252 days with lower volume
    heavy: bool  # ratio >= HEAVY_VOLUME_RATIO
    heavy_ratio: float
    data_end: dt.date
    stale: bool


@dataclass(frozen=True, slots=True)
class C1Facts:
    threshold: float
    first_close_date: dt.date
    first_close: float
    prior_record_date: dt.date
    prior_record: float
    is_all_time_high: bool
    prev_year_end_date: dt.date
    prev_year_end_close: float
    ytd_change: float
    max_ytd_january: float
    max_ytd_january_date: dt.date
    one_year_change: float
    ytd_claimed: float
    ytd_tolerance: float
    check_threshold: bool  # first close above the threshold in January 2026 (the articles' month)
    check_date: bool  # equals events.articles_breakout_date
    check_ath: bool
    check_ytd: bool  # |ytd - 15%| <= tolerance
    rut_volume_available: bool
    rut_volume_note: str
    iwm: IwmVolume | NotTestable


FAN_LEVELS = (5.0, 25.0, 50.0, 75.0, 95.0)
"""Percentiles of the h-month returns after every trading day kept with each episode return."""


@dataclass(frozen=True, slots=True)
class EpisodeReturn:
    asset: str
    horizon_months: int
    ret: float | None
    percentile: float | None  # in the distribution of h-month returns from every trading day
    note: str = ""
    fan: tuple[float, ...] = ()  # that distribution's percentiles FAN_LEVELS (the placebo fan)


@dataclass(frozen=True, slots=True)
class Episode:
    label: str
    reading: str  # "index" | "articles" | "forecast"
    date: dt.date
    rut_close: float
    rule: str
    returns: tuple[EpisodeReturn, ...]


@dataclass(frozen=True, slots=True)
class EpisodePair:
    """Mean return of the two named episodes against placebo pairs of random dates."""

    reading: str
    asset: str
    horizon_months: int
    n: int
    mean_ret: float
    pvalue: float
    percentile: float


@dataclass(frozen=True, slots=True)
class CarResult:
    """Mean cumulative return after the events of one definition, asset, horizon and measure."""

    definition: str
    asset: str
    horizon_months: int
    measure: str  # raw | mean_adj | market
    n_events: int
    event_dates: tuple[dt.date, ...]
    cars: tuple[float, ...]
    mean_car: float
    median_car: float
    ci_low: float
    ci_high: float
    excess_car: float  # mean_car - placebo_mean: the effect tested against random dates
    placebo_mean: float
    placebo_p05: float
    placebo_p95: float
    percentile: float
    pvalue: float  # one-sided, H1: higher than after random dates
    pvalue_lower: float
    mde: float
    mde_family: float
    power_at_min_effect: float
    min_effect: float
    sample_start: dt.date
    sample_end: dt.date


@dataclass(frozen=True, slots=True)
class FamilyTest:
    test: HypothesisTest  # carries pvalue_holm
    definition: str
    asset: str
    horizon_months: int
    pvalue_romano_wolf: float


@dataclass(frozen=True, slots=True)
class HitRateResult:
    definition: str
    asset: str
    horizon_months: int
    n: int
    hits: int
    rate: float
    ci_low: float
    ci_high: float
    placebo_rate: float
    placebo_p05: float
    placebo_p95: float
    pvalue: float  # one-sided, H1: hit rate above random dates


@dataclass(frozen=True, slots=True)
class C4Summary:
    label: str  # "primary" | "best adjusted"
    definition: str
    asset: str
    horizon_months: int
    n_events: int
    mean_car: float
    ci_low: float
    ci_high: float
    excess_car: float  # mean CAR minus the placebo mean (use as the verdict's effect)
    excess_ci_low: float
    excess_ci_high: float
    placebo_mean: float
    pvalue: float  # one-sided placebo p (H1: higher than after random dates)
    pvalue_lower: float  # one-sided placebo p (H1: lower), for "contradicted"
    pvalue_holm: float
    pvalue_romano_wolf: float
    percentile: float
    mde: float
    mde_family: float
    power_at_min_effect: float
    min_effect: float
    family_size: int
    hac_pvalue: float | None
    contemp_beta: float | None = None  # slope of the asset's monthly log return on RUT's, same month
    rut_run_up: float | None = None  # mean RUT log return over the horizon before the events
    implied_effect: float | None = None  # contemp_beta * rut_run_up: what the thesis implies


@dataclass(frozen=True, slots=True)
class OosResults:
    forecasts: tuple[oos.ForecastComparison, ...]
    timing: tuple[oos.TimingResult, ...]
    signal_definition: str
    hold_months: int
    min_train_months: int


@dataclass(frozen=True, slots=True)
class Timeline:
    """Weekly (Friday) closes for the timeline figure."""

    dates: tuple[dt.date, ...]
    rut: tuple[float, ...]
    btc: tuple[float | None, ...]
    eth: tuple[float | None, ...]


@dataclass(frozen=True, slots=True)
class EventSettings:
    horizons_months: tuple[int, ...]
    horizon_note: str
    placebo_draws: int
    block_length_days: int
    seed: int
    alpha: float
    est_window: int
    min_est: int
    primary_definition: str
    primary_asset: str
    primary_horizon: int
    asset_samples: tuple[tuple[str, dt.date, dt.date, bool], ...]  # asset, first, last, stale
    placebo_note: str


@dataclass(frozen=True, slots=True)
class EventResults:
    settings: EventSettings
    definitions: tuple[DefinitionEvents, ...] | NotTestable
    c1: C1Facts | NotTestable
    episodes: tuple[Episode, ...] | NotTestable
    episode_pairs: tuple[EpisodePair, ...]
    forecast_case: Episode | NotTestable
    cars: tuple[CarResult, ...]
    family: tuple[FamilyTest, ...]
    robustness: tuple[HypothesisTest, ...]
    c4_primary: C4Summary | NotTestable
    c4_best: C4Summary | NotTestable
    hit_rates: tuple[HitRateResult, ...]
    c10_primary: HitRateResult | NotTestable
    oos: OosResults | NotTestable
    timeline: Timeline | NotTestable

    def car(self, definition: str, asset: str, horizon: int, measure: str = "raw") -> CarResult | None:
        """Look up one CarResult (None when not computed)."""
        for c in self.cars:
            if (c.definition, c.asset, c.horizon_months, c.measure) == (definition, asset, horizon, measure):
                return c
        return None


# =========================================================================== C1


def iwm_volume(close: pd.Series, volume: pd.Series, event: dt.date, stale: bool) -> IwmVolume:
    """IWM volume on the event day vs the median of the 63 trading days before t-2."""
    v = volume.dropna()
    t = pd.Timestamp(event)
    if t not in v.index:
        raise InsufficientDataError(f"no IWM volume on {event}; IWM ends {as_date(v.index[-1])}")
    i = v.index.get_loc(t)
    if i < 252 + 2:
        raise InsufficientDataError(f"need 254 IWM volume days before {event}; have {i}")
    base = v.iloc[i - 2 - 63 : i - 2]
    med = float(base.median())
    win = v.iloc[max(i - 2, 0) : i + 3]
    year = v.iloc[i - 252 : i]
    ratio = float(v.iloc[i] / med)
    return IwmVolume(event, float(v.iloc[i]), med, ratio, float(win.mean() / med),
                     float(np.mean(year.to_numpy() < v.iloc[i])), ratio >= HEAVY_VOLUME_RATIO,
                     HEAVY_VOLUME_RATIO, as_date(v.index[-1]), stale)


def c1_facts(rut: pd.Series, cfg: Config, iwm: IwmVolume | NotTestable) -> C1Facts:
    """Fact check of C1 on RUT's daily closes."""
    thr = cfg.events.round_threshold
    above = rut[rut > thr]
    if above.empty:
        raise InsufficientDataError(f"RUT never closed above {thr:,.0f} (last close {rut.iloc[-1]:,.2f})")
    t = above.index[0]
    before = rut.loc[: t - pd.Timedelta(days=1)]
    prev_year = rut.loc[: pd.Timestamp(t.year - 1, 12, 31)]
    if before.empty or prev_year.empty:
        raise InsufficientDataError(
            f"need RUT closes before {t.year} to check C1 (first close above {thr:,.0f} on {as_date(t)}); "
            f"the data starts {as_date(rut.index[0])}"
        )
    rec_date = before.idxmax()
    ye_date, ye = prev_year.index[-1], float(prev_year.iloc[-1])
    jan = rut.loc[pd.Timestamp(t.year, 1, 1) : pd.Timestamp(t.year, 1, 31)]
    ytd_jan = jan / ye - 1
    yr = rut.loc[: t - pd.DateOffset(years=1)]
    close = float(rut.loc[t])
    ytd = close / ye - 1
    return C1Facts(
        threshold=thr, first_close_date=as_date(t), first_close=close,
        prior_record_date=as_date(rec_date), prior_record=float(before.max()),
        is_all_time_high=bool(close > before.max()),
        prev_year_end_date=as_date(ye_date), prev_year_end_close=ye, ytd_change=float(ytd),
        max_ytd_january=float(ytd_jan.max()), max_ytd_january_date=as_date(ytd_jan.idxmax()),
        one_year_change=float(close / yr.iloc[-1] - 1) if len(yr) else float("nan"),
        ytd_claimed=YTD_CLAIMED, ytd_tolerance=YTD_TOLERANCE,
        check_threshold=bool(t.year == 2026 and t.month == 1),
        check_date=as_date(t) == cfg.events.articles_breakout_date,
        check_ath=bool(close > before.max()),
        check_ytd=bool(abs(ytd - YTD_CLAIMED) <= YTD_TOLERANCE),
        rut_volume_available=False,
        rut_volume_note=("Yahoo's ^RUT volume equals its ^GSPC volume on 97-99.7% of days since 2010 "
                         "(exchange-wide figure), so it is not in the data; IWM share volume is the proxy."),
        iwm=iwm,
    )


# =========================================================================== helpers


def _seed(cfg: Config, k: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([cfg.analysis.seed, 4, k]))


def _crypto_series(bundle, key: str) -> tuple[pd.Series, bool]:
    if bundle.has(key):
        return bundle.series(key), False
    return bundle.series(key, allow_stale=True), True


def _pct_in(dist: np.ndarray, x: float) -> float:
    return float(np.mean(dist < x) + 0.5 * np.mean(dist == x))


def _episode_returns(win: dict[str, es.AssetWindows], date: dt.date, horizons, skip=()) -> tuple[EpisodeReturn, ...]:
    out = []
    for a in ("BTC", "ETH"):
        for h in horizons:
            w = win.get(a)
            if w is None or a in skip:
                out.append(EpisodeReturn(a, h, None, None, f"{a} not available"))
                continue
            t = pd.Timestamp(date)
            if t < w.days[0]:
                out.append(EpisodeReturn(a, h, None, None, f"{a} data start {as_date(w.days[0])} is after the date"))
                continue
            if t > w.days[-1]:
                out.append(EpisodeReturn(a, h, None, None, f"{a} data end {as_date(w.days[-1])} is before the date"))
                continue
            j = int(w.days.searchsorted(t))  # the date itself, or the next trading day
            ret = w.car[("raw", h)][j]
            if not np.isfinite(ret):
                out.append(EpisodeReturn(a, h, None, None, f"window ends after the data ({as_date(w.data_end)})"))
                continue
            dist = w.car[("raw", h)][np.isfinite(w.car[("raw", h)])]
            out.append(EpisodeReturn(a, h, float(ret), _pct_in(dist, ret),
                                     fan=tuple(float(q) for q in np.percentile(dist, FAN_LEVELS))))
    return tuple(out)


def _first_ath_in_year(rut: pd.Series, year: int) -> pd.Timestamp | None:
    prior_max = rut.cummax().shift(1)
    hits = rut[(rut > prior_max) & (rut.index.year == year)]
    return hits.index[0] if len(hits) else None


# =========================================================================== entry point


def run_events(bundle, cfg: Config) -> EventResults:
    """Run the breakout event study (C1, C2, C4, C10) on a data bundle.

    Parameters
    ----------
    bundle : DataBundle
    cfg : Config

    Returns
    -------
    EventResults
        Never raises for a missing series: parts that cannot be computed are ``NotTestable``.
    """
    ev = cfg.events
    H = tuple(sorted(ev.horizons_months))
    hmax = max(H)
    alpha = cfg.rules.alpha
    defs = ev.definitions
    primary = ev.primary_definition
    settings_kw = dict(
        horizons_months=H, horizon_note=HORIZON_NOTE, placebo_draws=ev.placebo_draws,
        block_length_days=ev.block_length_days, seed=cfg.analysis.seed, alpha=alpha,
        est_window=EST_WINDOW, min_est=MIN_EST, primary_definition=primary, primary_asset=ev.primary_asset,
        primary_horizon=ev.primary_horizon_months,
        placebo_note=("placebo dates drawn with a stationary-bootstrap index chain on the asset's trading "
                      "days; draws are shared by the definitions and horizons of one asset and independent "
                      "across assets (Romano-Wolf is then conservative across assets)"),
    )
    nt = lambda reason, missing=(): NotTestable(reason, tuple(missing))  # noqa: E731
    try:
        rut = bundle.series("RUT")
    except MissingSeriesError as exc:
        miss = nt(str(exc), exc.keys)
        return EventResults(EventSettings(asset_samples=(), **settings_kw), miss, miss, miss, (), miss,
                            (), (), (), miss, miss, (), miss, miss, miss)

    # ---------------------------------------------------------------- detection
    sets: dict[str, BreakoutSet] = {d.name: detect_breakouts(rut, d, hmax) for d in defs}

    # ---------------------------------------------------------------- windows per asset
    windows: dict[str, es.AssetWindows] = {}
    samples, crypto = [], {}
    for a in ASSETS:
        try:
            s, stale = _crypto_series(bundle, a)
            crypto[a] = s
            mkt = bundle.series("GSPC") if bundle.has("GSPC") else None
            windows[a] = es.build_windows(a, s, mkt, rut.index, H, EST_WINDOW, MIN_EST)
            samples.append((a, as_date(s.index[0]), as_date(s.index[-1]), stale))
        except (MissingSeriesError, InsufficientDataError):
            continue
    settings = EventSettings(asset_samples=tuple(samples), **settings_kw)
    btc_start = windows["BTC"].days[0] if "BTC" in windows else pd.Timestamp(bundle.sample_start)
    definitions = tuple(
        DefinitionEvents(
            name=b.definition, kind=b.kind, description=b.description, n_raw=len(b.raw),
            dates=b.dates, closes=tuple(e.close for e in b.events), details=tuple(e.detail for e in b.events),
            dates_in_sample=tuple(d for d in b.dates if pd.Timestamp(d) >= btc_start),
        )
        for b in sets.values()
    )

    # ---------------------------------------------------------------- C1
    try:
        try:
            iwm_close = bundle.series("IWM", allow_stale=True)
            if "IWM" not in bundle.volume:
                raise MissingSeriesError(("IWM",), "no volume column")
            first = rut[rut > ev.round_threshold].index
            iwm: IwmVolume | NotTestable = iwm_volume(
                iwm_close, bundle.volume["IWM"], as_date(first[0]) if len(first) else ev.articles_breakout_date,
                stale=not bundle.has("IWM"))
        except (MissingSeriesError, InsufficientDataError) as exc:
            iwm = nt(str(exc), ("IWM",))
        c1: C1Facts | NotTestable = c1_facts(rut, cfg, iwm)
    except InsufficientDataError as exc:
        c1 = nt(str(exc))

    # ---------------------------------------------------------------- placebo draws per asset
    tests_meta, cars, hit_rates = [], [], []
    null_all: dict[tuple, np.ndarray] = {}
    robustness: list[HypothesisTest] = []
    for ai, (a, w) in enumerate(windows.items()):
        valid_idx = np.flatnonzero(w.valid)
        if valid_idx.size == 0:
            continue
        lo, hi = w.days[valid_idx[0]], w.days[valid_idx[-1]]
        ev_pos = {}
        for name, b in sets.items():
            dates = [d for d in b.dates if lo <= pd.Timestamp(d) <= hi]
            ev_pos[name] = (dates, w.position(dates) if dates else np.array([], dtype=int))
        union = np.unique(np.concatenate([p for _, p in ev_pos.values()]).astype(int))
        if union.size == 0:
            continue
        offs = es.placebo_positions(union, valid_idx.size, ev.placebo_draws, ev.block_length_days, _seed(cfg, ai))
        grid_pos = valid_idx[offs]  # (draws, n_union)
        for name, (dates, pos) in ev_pos.items():
            if len(dates) == 0:
                continue
            cols = np.searchsorted(union, pos)
            gp = grid_pos[:, cols]
            for h in H:
                for m in w.measures:
                    x = w.car[(m, h)]
                    real = x[pos]
                    null = x[gp].mean(axis=1)
                    up, low, pct = es.placebo_pvalue(real.mean(), null)
                    centre = null.mean()  # CI: real mean minus the placebo's deviations (basic interval)
                    q_lo, q_hi = np.quantile(null, [0.025, 0.975])
                    min_eff = cfg.rules.min_effect_monthly_return * h
                    cars.append(CarResult(
                        definition=name, asset=a, horizon_months=h, measure=m, n_events=len(dates),
                        event_dates=tuple(dates), cars=tuple(float(v) for v in real),
                        mean_car=float(real.mean()), median_car=float(np.median(real)),
                        ci_low=float(real.mean() - (q_hi - centre)), ci_high=float(real.mean() - (q_lo - centre)),
                        excess_car=float(real.mean() - null.mean()), placebo_mean=float(null.mean()), placebo_p05=float(np.quantile(null, 0.05)),
                        placebo_p95=float(np.quantile(null, 0.95)), percentile=pct, pvalue=up, pvalue_lower=low,
                        mde=es.minimum_detectable_effect(null, alpha, cfg.rules.min_power),
                        mde_family=float("nan"),  # filled in once the family size is known
                        power_at_min_effect=es.power_at(null, min_eff, alpha), min_effect=min_eff,
                        sample_start=as_date(lo), sample_end=as_date(hi),
                    ))
                    null_all[(name, a, h, m)] = null
                    if m == "raw":
                        if len(dates) >= MIN_FAMILY_EVENTS:
                            tests_meta.append((name, a, h, real, null, up, lo, hi))
                        # hit rate vs random dates
                        hits = int(np.sum(real > 0))
                        n = len(real)
                        ci = es.wilson_interval(hits, n, alpha)
                        null_hit = (x[gp] > 0).mean(axis=1)
                        hit_rates.append(HitRateResult(
                            name, a, h, n, hits, hits / n, ci[0], ci[1], float(null_hit.mean()),
                            float(np.quantile(null_hit, 0.05)), float(np.quantile(null_hit, 0.95)),
                            float((1 + np.sum(null_hit >= hits / n)) / (1 + null_hit.size)),
                        ))
                # robustness tests: HAC dummy regression, Wilcoxon, binomial sign test
                robustness.extend(_robustness_tests(a, name, h, w, pos, dates, crypto[a], lo, hi,
                                                    cfg.rules.min_events))

    # ---------------------------------------------------------------- family: Holm + Romano-Wolf
    family: tuple[FamilyTest, ...] = ()
    if tests_meta:
        hts = [
            HypothesisTest(
                name=f"placebo_{name}_{a}_{h}m", stat=float(real.mean()), pvalue=float(up), df=(),
                null=f"mean {h}-month {a} log return after '{name}' breakouts equals that after random dates",
                alternative="it is higher after breakouts", nobs=len(real),
                sample_start=as_date(lo), sample_end=as_date(hi),
                method=f"stationary-bootstrap placebo dates, {len(null):,} draws, one-sided",
                effect=float(real.mean() - null.mean()),
                ci_low=float(real.mean() - np.quantile(null, 0.975)),
                ci_high=float(real.mean() - np.quantile(null, 0.025)),
                effect_label="mean CAR minus placebo mean",
            )
            for (name, a, h, real, null, up, lo, hi) in tests_meta
        ]
        # the pre-declared primary is judged alone at alpha; Holm and Romano-Wolf run over
        # the secondary tests only
        pkey = (primary, ev.primary_asset, ev.primary_horizon_months)
        is_prim = [(m[0], m[1], m[2]) == pkey for m in tests_meta]
        sec = [i for i, f in enumerate(is_prim) if not f]
        fam_tests: dict[int, FamilyTest] = {}
        for i, f in enumerate(is_prim):
            if f:
                t = dataclasses.replace(hts[i], family="C4-primary")
                fam_tests[i] = FamilyTest(t, *tests_meta[i][:3], float(t.pvalue))
        if sec:
            adjusted = adjust_family([hts[i] for i in sec], family="C4")
            stat = np.array([(tests_meta[i][3].mean() - tests_meta[i][4].mean()) / tests_meta[i][4].std() for i in sec])
            draws = min(len(tests_meta[i][4]) for i in sec)
            null_stat = np.column_stack([(tests_meta[i][4][:draws] - tests_meta[i][4].mean()) / tests_meta[i][4].std()
                                         for i in sec])
            rw = es.romano_wolf(stat, null_stat)
            for i, t, p_rw in zip(sec, adjusted, rw, strict=True):
                fam_tests[i] = FamilyTest(t, *tests_meta[i][:3], float(p_rw))
        family = tuple(fam_tests[i] for i in range(len(tests_meta)))
    m_fam = max(sum(1 for f in family if f.test.family == "C4"), 1)
    cars = [dataclasses.replace(c, mde_family=es.minimum_detectable_effect(
        null_all[(c.definition, c.asset, c.horizon_months, c.measure)], alpha / m_fam, cfg.rules.min_power))
        for c in cars]
    robustness = [t for t in robustness if np.isfinite(t.pvalue)]  # e.g. a degenerate Wilcoxon
    if robustness:
        p = holm([t.pvalue for t in robustness])
        robustness = [dataclasses.replace(t, family="C4-robustness", pvalue_holm=float(q)) for t, q in zip(robustness, p, strict=True)]

    def summary(label, ft: FamilyTest) -> C4Summary:
        c = next(c for c in cars if (c.definition, c.asset, c.horizon_months, c.measure)
                 == (ft.definition, ft.asset, ft.horizon_months, "raw"))
        hac = next((t.pvalue for t in robustness if t.name == f"hac_{ft.definition}_{ft.asset}_{ft.horizon_months}m"), None)
        # what the thesis implies: the asset's beta to RUT times RUT's run-up into the breakouts
        beta = run_up = implied = None
        m = bundle.returns(["RUT", ft.asset], "monthly") if bundle.has("RUT", ft.asset) else None
        if m is not None and len(m) >= 3 and m["RUT"].nunique() > 1:  # ols_slope's conditions
            beta = ols_slope(m[ft.asset].to_numpy(float), m["RUT"].to_numpy(float))
            lr = np.log(rut.dropna())
            ends = pd.DatetimeIndex(pd.to_datetime(list(c.event_dates)))
            starts = ends - pd.DateOffset(months=ft.horizon_months)
            ok = starts >= lr.index[0]
            if ok.any():
                run_up = float(np.mean(lr.asof(ends[ok]).to_numpy() - lr.asof(starts[ok]).to_numpy()))
                implied = beta * run_up
        return C4Summary(label, ft.definition, ft.asset, ft.horizon_months, c.n_events, c.mean_car, c.ci_low,
                         c.ci_high, c.excess_car, c.ci_low - c.placebo_mean, c.ci_high - c.placebo_mean,
                         c.placebo_mean, c.pvalue, c.pvalue_lower,
                         float(ft.test.pvalue if ft.test.pvalue_holm is None else ft.test.pvalue_holm),
                         ft.pvalue_romano_wolf, c.percentile, c.mde, c.mde_family, c.power_at_min_effect, c.min_effect,
                         m_fam, hac, contemp_beta=beta, rut_run_up=run_up, implied_effect=implied)

    key = (primary, ev.primary_asset, ev.primary_horizon_months)
    prim = next((f for f in family if (f.definition, f.asset, f.horizon_months) == key), None)
    c4_primary = summary("primary", prim) if prim else nt(f"no {primary} events with {ev.primary_asset} data")
    c4_best = summary("best adjusted", min(family, key=lambda f: (f.pvalue_romano_wolf, f.test.pvalue))) if family \
        else nt("no tests in the family")
    c10 = next((x for x in hit_rates if (x.definition, x.asset, x.horizon_months) == key), None)
    c10_primary = c10 if c10 else nt(f"no {primary} events with BTC data")

    # ---------------------------------------------------------------- C2 episodes + Jan 2026 case
    episodes, pairs = _episodes(rut, sets, windows, H, cfg)
    forecast_case: Episode | NotTestable
    first = rut[rut > ev.round_threshold].index
    if len(first) and windows:
        t = first[0]
        forecast_case = Episode("January 2026 breakout (the articles' forecast)", "forecast", as_date(t),
                                float(rut.loc[t]), f"first close above {ev.round_threshold:,.0f}",
                                _episode_returns(windows, as_date(t), H))
    else:
        forecast_case = nt(f"RUT never closed above {ev.round_threshold:,.0f}" if not len(first) else "no crypto data")

    # ---------------------------------------------------------------- out of sample
    oos_res = _out_of_sample(bundle, cfg, rut, sets, crypto, H, primary)

    # ---------------------------------------------------------------- timeline
    try:
        wk = lambda s: s.resample("W-FRI").last()  # noqa: E731
        r_w = wk(rut.loc[pd.Timestamp(bundle.sample_start):])
        b_w = wk(crypto["BTC"]).reindex(r_w.index) if "BTC" in crypto else pd.Series(np.nan, index=r_w.index)
        e_w = wk(crypto["ETH"]).reindex(r_w.index) if "ETH" in crypto else pd.Series(np.nan, index=r_w.index)
        opt = lambda v: tuple(None if not np.isfinite(x) else float(x) for v_ in [v] for x in v_.to_numpy())  # noqa: E731
        timeline: Timeline | NotTestable = Timeline(tuple(as_date(d) for d in r_w.index), opt(r_w), opt(b_w), opt(e_w))
    except Exception as exc:  # pragma: no cover - figure data only
        timeline = nt(f"timeline data: {exc}")

    return EventResults(
        settings=settings, definitions=definitions, c1=c1, episodes=episodes, episode_pairs=pairs,
        forecast_case=forecast_case, cars=tuple(cars), family=family, robustness=tuple(robustness),
        c4_primary=c4_primary, c4_best=c4_best, hit_rates=tuple(hit_rates), c10_primary=c10_primary,
        oos=oos_res, timeline=timeline,
    )


def _robustness_tests(a, name, h, w, pos, dates, crypto, lo, hi, min_events) -> list[HypothesisTest]:
    out = []
    start, end = as_date(lo), as_date(hi)
    if len(dates) < 2:
        return out
    try:
        r = es.hac_dummy_test(crypto, dates, h, start=w.days[0], min_events=min_events)
        out.append(HypothesisTest(
            name=f"hac_{name}_{a}_{h}m", null=f"{h}-month {a} returns after breakout months equal other months",
            alternative="higher after breakout months", stat=r["t"], pvalue=r["p_one"], df=(), nobs=r["nobs"],
            sample_start=r["start"], sample_end=r["end"],
            method=f"OLS of overlapping {h}-month returns on an event-month dummy, Newey-West {h - 1} lags, one-sided",
            effect=r["coef"], effect_label="dummy coefficient (log return)",
        ))
    except InsufficientDataError:
        pass
    adj = w.car[("mean_adj", h)][pos]
    if len(adj) >= 1 and np.any(adj != 0):
        wx = stats.wilcoxon(adj, alternative="greater")
        out.append(HypothesisTest(
            name=f"wilcoxon_{name}_{a}_{h}m", null=f"median {h}-month mean-adjusted {a} CAR after breakouts is 0",
            alternative="it is positive", stat=float(wx.statistic), pvalue=float(wx.pvalue), df=(), nobs=len(adj),
            sample_start=start, sample_end=end, method="Wilcoxon signed-rank, one-sided",
            effect=float(np.median(adj)), effect_label="median mean-adjusted CAR",
        ))
    raw = w.car[("raw", h)]
    p0 = float(np.mean(raw[w.valid] > 0))
    k = int(np.sum(raw[pos] > 0))
    bt = stats.binomtest(k, len(pos), p0, alternative="greater")
    out.append(HypothesisTest(
        name=f"sign_{name}_{a}_{h}m", null=f"P({h}-month {a} return > 0 after a breakout) = {p0:.3f} (all days)",
        alternative="higher after breakouts", stat=float(k), pvalue=float(bt.pvalue), df=(float(len(pos)),),
        nobs=len(pos), sample_start=start, sample_end=end, method="exact binomial sign test vs unconditional share, one-sided",
        effect=k / len(pos) - p0, effect_label="hit rate minus unconditional share",
    ))
    return out


def _episodes(rut, sets, windows, H, cfg):
    """C2: index reading (first breakout of the primary definition in late 2016 / late 2020)
    and the articles' reading (first new all-time-high close in 2017 / 2021)."""
    if "BTC" not in windows:
        return NotTestable("BTC not available", ("BTC",)), ()
    primary = cfg.events.primary
    out = []
    idx_dates = {}
    for yr in (2016, 2020):
        cands = [d for b in [sets[primary.name]] for d in b.dates if d.year == yr and d.month >= 7]
        if not cands:  # fall back to any definition
            cands = sorted(d for b in sets.values() for d in b.dates if d.year == yr and d.month >= 7)
        if cands:
            d = cands[0]
            idx_dates[yr] = d
            out.append(Episode(f"late {yr} (index breakout)", "index", d, float(rut.loc[pd.Timestamp(d)]),
                               primary.name, _episode_returns(windows, d, H)))
    art_dates = {}
    for yr in (2017, 2021):
        t = _first_ath_in_year(rut, yr)
        if t is not None:
            art_dates[yr] = as_date(t)
            out.append(Episode(f"{yr} (articles' year)", "articles", as_date(t), float(rut.loc[t]),
                               f"first new all-time-high close in {yr}", _episode_returns(windows, as_date(t), H)))
    pairs = []
    for reading, dd in (("index", idx_dates), ("articles", art_dates)):
        for a, w in windows.items():
            vi = np.flatnonzero(w.valid)
            ds = sorted(d for d in dd.values() if w.days[vi[0]] <= pd.Timestamp(d) <= w.days[vi[-1]])
            if len(ds) < 2:
                continue
            pos = w.position(ds)
            offs = es.placebo_positions(pos, vi.size, cfg.events.placebo_draws, cfg.events.block_length_days,
                                        _seed(cfg, 100 + len(pairs)))
            for h in H:
                x = w.car[("raw", h)]
                null = x[vi[offs]].mean(axis=1)
                real = float(x[pos].mean())
                up, _, pct = es.placebo_pvalue(real, null)
                pairs.append(EpisodePair(reading, a, h, len(ds), real, up, pct))
    return tuple(out), tuple(pairs)


def _out_of_sample(bundle, cfg, rut, sets, crypto, H, primary) -> OosResults | NotTestable:
    from reportgen.data.align import sample

    hold = max(H)
    try:
        rut_m = np.log(sample(rut, "monthly"))
        fcs, timing = [], []
        for k, a in enumerate(("BTC", "ETH")):
            if a not in crypto:
                continue
            c = crypto[a].loc[pd.Timestamp(bundle.sample_start):]
            c_m = np.log(sample(c, "monthly"))
            sig = oos.monthly_signal(c_m.index, sets[primary].dates, hold)
            fcs.extend(oos.forecast_comparisons(a, c_m, rut_m.reindex(c_m.index), sig, H))
            timing.append(oos.timing_rules(
                a, c, {n: b.dates for n, b in sets.items()}, H, reps=cfg.analysis.bootstrap_reps,
                block=cfg.events.block_length_days, seed=np.random.SeedSequence([cfg.analysis.seed, 4, 200 + k])))
        if not fcs:
            return NotTestable("no crypto series available", ("BTC", "ETH"))
        return OosResults(tuple(fcs), tuple(timing), primary, hold, 36)
    except (MissingSeriesError, InsufficientDataError) as exc:
        return NotTestable(str(exc))
