"""The generic lead-lag family: every ``method = "granger"`` claim of a narrative file.

For a claim "``leader`` leads ``follower`` by ``lags`` months" (:class:`reportgen.narrative.
LeadLagClaim`) it runs

* the **primary** test: wild-bootstrap HC3 Granger test leader -> follower at the declared
  lags (:func:`reportgen.analysis.granger.granger_causality`), judged alone at
  ``rules.alpha``; its effect is the follower's cumulative log return over the ``lags``
  months after a one-s.d. leader month (sum of the lag coefficients x s.d. of the leader),
  with the HC3 interval scaled the same way;
* the **secondary** tests: the other declared lags, and the reverse direction at every lag,
  Holm-adjusted within ``<id>-secondary`` and ``<id>-reverse``;
* the effect the thesis implies: the follower's contemporaneous beta to the leader times one
  s.d. of the leader (full lagged transmission of the co-movement);
* the claim's **self-check design**: the same wild-bootstrap Granger test on samples rebuilt
  from the follower's restricted AR fit with wild residuals, the real leader held fixed,
  under the null and under planted effects (:func:`reportgen.analysis.selfcheck.
  simulate_granger_design`), for size, power at the minimum and MDE.

Series are transformed as the narrative declares (log returns for prices, log differences for
growth, differences for rates and spreads), month-end values, and a series published with a
lag (e.g. M2, about four weeks after the month) is shifted so that each month's value is used
only from the month it became public.

References
----------
Granger (1969); Goncalves and Kilian (2004); Davidson and Flachaire (2008); Holm (1979).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from reportgen.analysis.common import HypothesisTest, NotTestable, as_date
from reportgen.analysis.granger import GrangerResult, granger_causality
from reportgen.analysis.multiple import adjust_family
from reportgen.analysis.ols import ols_slope
from reportgen.analysis.resampling import seed_stream
from reportgen.data.align import sample
from reportgen.errors import InsufficientDataError, MissingSeriesError

__all__ = ["LeadLagClaimResult", "NarrativeResults", "run_narrative", "transformed_monthly", "granger_pair_design"]


@dataclass(frozen=True, slots=True)
class LeadLagClaimResult:
    """Everything computed for one lead-lag claim."""

    claim: str
    leader: str
    follower: str
    frequency: str
    lags: int
    leader_transform: str
    follower_transform: str
    publication_lag_months: int
    leader_sd: float
    contemp_beta: float
    implied_effect: float
    primary: HypothesisTest
    secondary: tuple[HypothesisTest, ...]
    reverse: tuple[HypothesisTest, ...]
    granger: tuple[GrangerResult, ...]
    design: object  # DesignResult | DesignNotTestable


@dataclass(frozen=True, slots=True)
class NarrativeResults:
    """The lead-lag claims of a narrative; ``untestable`` holds ``(claim id, reason)``."""

    narrative: str
    claims: tuple[LeadLagClaimResult | EventClaimResult, ...]
    untestable: tuple[tuple[str, NotTestable], ...]

    @property
    def primaries(self) -> dict:
        out: dict = {c.claim: c.primary for c in self.claims}
        out.update(dict(self.untestable))
        return out

    @property
    def designs(self) -> dict:
        return {c.claim: c.design for c in self.claims}

    @property
    def implied(self) -> dict:
        out: dict = {c.claim: c.implied_effect for c in self.claims}
        out.update({cid: None for cid, _ in self.untestable})
        return out


def transformed_monthly(bundle, key: str, transform: str, publication_lag_months: int = 0) -> pd.Series:
    """Month-end values of ``key`` transformed to a stationary series, shifted by the
    publication lag (the value for month m enters at month m + lag). A series that ended
    early (stale) is used on its own sample; the claim's sample then ends with it."""
    raw = bundle.series(key, allow_stale=True)  # a series that ended early still informs its own sample
    level = sample(raw, "monthly").loc[pd.Timestamp(bundle.sample_start):].dropna()
    if transform in ("log_return", "log_diff"):
        if (level <= 0).any():
            raise InsufficientDataError(f"{key} has non-positive values: a log transform is not defined")
        out = np.log(level).diff()
    elif transform == "diff":
        out = level.diff()
    else:
        raise ValueError(f"transform must be one of ('log_return', 'diff', 'log_diff'), got {transform!r}")
    if publication_lag_months:
        out = out.shift(publication_lag_months)
    return out.dropna().rename(key)


def granger_pair_design(y: np.ndarray, x: np.ndarray, lags: int, min_effect: float, rng_seq, n_sim: int,
                        alpha: float, grid_se, *, name: str, claim: str, leader: str, follower: str,
                        report_reps: int):
    """Size and power of the wild-bootstrap Granger test x -> y on samples like this one
    (the design of C3's primary test, for any pair)."""
    from reportgen.analysis import selfcheck as sc

    sim, eff, eff_se, se, _ = sc.granger_design_runs(y, x, lags, min_effect, rng_seq, n_sim, alpha, grid_se)
    B = sc.GRANGER_INNER_DRAWS
    return sc._summarise(
        name, sim, eff, eff_se, se, min_effect, n_sim, alpha, rng_seq,
        claim=claim, title=f"Granger {leader} → {follower}, monthly, {lags} lags, wild-bootstrap HC3 test",
        test=(f"the claim's primary test (wild_bootstrap_granger) on simulated samples; {B} Rademacher draws per "
              f"sample (the report's test uses {report_reps:,}); rejects when p ≤ {alpha:g}"),
        null=f"{leader} does not Granger-cause {follower}",
        dgp=(f"real {leader} held fixed; {follower} rebuilt from its restricted AR({lags}) fit with its residuals "
             "times Rademacher draws (recursive-design wild bootstrap)"),
        planted=f"{follower}_t += (s/{lags}) · ({leader}_t-1 + … + {leader}_t-{lags}); effect = s · sd({leader})",
        effect_unit=f"cumulative {follower} log return over months 1–{lags} per one-s.d. monthly {leader} move",
        nobs=int(y.size - lags), n_events=0, lags=lags, horizon=lags, inner_draws=B,
    )


def _with_family(t: HypothesisTest, family: str) -> HypothesisTest:
    return dataclasses.replace(t, family=family)


def _pair_frame(bundle, narrative, c) -> tuple[pd.DataFrame, str, str, int]:
    """Leader and follower as the narrative declares them (transform, publication lag), on
    their common months: (frame, leader transform, follower transform, leader's lag)."""
    sl, sf = narrative.series_for(c.leader), narrative.series_for(c.follower)
    tl = sl.transform if sl else "log_return"
    tf = sf.transform if sf else "log_return"
    lag_pub = sl.publication_lag_months if sl else 0
    lead = transformed_monthly(bundle, c.leader, tl, lag_pub)
    foll = transformed_monthly(bundle, c.follower, tf, sf.publication_lag_months if sf else 0)
    return pd.concat([lead, foll], axis=1, join="inner").dropna(), tl, tf, lag_pub


def _one_claim(bundle, cfg, narrative, c) -> LeadLagClaimResult:
    frame, tl, tf, lag_pub = _pair_frame(bundle, narrative, c)
    a, alpha, seed = cfg.analysis, cfg.rules.alpha, cfg.analysis.seed
    variable = f"{c.leader}: {tl.replace('_', ' ')}; {c.follower}: {tf.replace('_', ' ')}"

    def test(cause, target, lags):
        rng = np.random.default_rng(seed_stream(seed, "narrative", f"{c.id}:{cause}>{target}:m{lags}"))
        return granger_causality(frame, cause, target, lags, reps=a.bootstrap_reps, seed=rng, alpha=alpha,
                                 frequency="monthly", lag_choice="fixed", variable=variable)

    prim = test(c.leader, c.follower, c.lags)
    sample = frame.loc[pd.Timestamp(prim.sample_start): pd.Timestamp(prim.sample_end)]
    sd = float(sample[c.leader].std(ddof=1))
    beta = ols_slope(sample[c.follower].to_numpy(float), sample[c.leader].to_numpy(float))
    t = prim.hypothesis_test("bootstrap")
    primary = dataclasses.replace(
        t, family=f"{c.id}-primary", effect=t.effect * sd, ci_low=t.ci_low * sd, ci_high=t.ci_high * sd,
        effect_label=f"{c.follower} log return over the {c.lags} months after a one-s.d. {c.leader} month "
                     f"(sum of the lag coefficients × {sd:.4g}; HC3 interval)")
    others = [lag for lag in dict.fromkeys(c.secondary_lags) if lag != c.lags]
    sec_res = [test(c.leader, c.follower, lag) for lag in others]
    rev_res = [test(c.follower, c.leader, lag) for lag in [c.lags, *others]] if c.reverse else []
    secondary = adjust_family([r.hypothesis_test("bootstrap") for r in sec_res], f"{c.id}-secondary") if sec_res else ()
    reverse = adjust_family([r.hypothesis_test("bootstrap") for r in rev_res], f"{c.id}-reverse") if rev_res else ()
    x = frame[c.leader].to_numpy(float) * c.expected_sign  # planted effects in the claimed direction
    y = frame[c.follower].to_numpy(float)
    min_eff = (c.min_effect_monthly_return or cfg.rules.min_effect_monthly_return) * c.lags
    from reportgen.analysis.selfcheck import DesignNotTestable

    try:
        design = granger_pair_design(
            y, x, c.lags, min_eff, seed_stream(seed, "narrative-selfcheck", c.id), cfg.selfcheck.simulations, alpha,
            tuple(float(g) for g in cfg.selfcheck.effect_grid), name=f"narrative:{c.id}", claim=c.id,
            leader=c.leader, follower=c.follower, report_reps=a.bootstrap_reps)
    except InsufficientDataError as exc:
        design = DesignNotTestable(name=f"narrative:{c.id}", claim=c.id, reason=str(exc))
    return LeadLagClaimResult(
        claim=c.id, leader=c.leader, follower=c.follower, frequency=c.frequency, lags=c.lags,
        leader_transform=tl, follower_transform=tf, publication_lag_months=lag_pub, leader_sd=sd,
        contemp_beta=beta, implied_effect=beta * sd, primary=primary, secondary=tuple(secondary),
        reverse=tuple(reverse), granger=tuple([prim, *sec_res, *rev_res]), design=design,
    )


@dataclass(frozen=True, slots=True)
class EventClaimResult:
    """A breakout event-study claim: ``follower``'s return after ``leader``'s breakouts."""

    claim: str
    leader: str
    follower: str
    definition: str
    horizon_months: int
    event_dates: tuple
    primary: HypothesisTest
    secondary: tuple[HypothesisTest, ...]
    design: object
    implied_effect: None = None


def _placebo_test(bundle, cfg, c, h, rng):
    """The placebo test of one horizon: the event-study grid of the follower on the leader's
    trading days, real mean CAR against stationary-bootstrap placebo date sets."""
    from reportgen.analysis import event_study as es
    from reportgen.analysis.breakouts import detect_breakouts
    from reportgen.analysis.events import EST_WINDOW, MIN_EST
    from reportgen.analysis.selfcheck import placebo_grid

    leader = bundle.series(c.leader).dropna()
    defn = next(d for d in cfg.events.definitions if d.name == c.definition)
    dates = detect_breakouts(leader, defn, max(cfg.events.horizons_months)).dates
    grid = placebo_grid(bundle.series(c.follower), leader.index, h, dates, EST_WINDOW, MIN_EST)
    if grid.pos.size < 1:
        raise InsufficientDataError(f"need at least 1 {c.leader} breakout with a full {h}-month {c.follower} window; have 0")
    car = grid.car(grid.r[None])[0]
    real_cars = car[np.searchsorted(grid.valid_idx, grid.pos)]
    offs = es.placebo_positions(grid.pos, grid.valid_idx.size, cfg.events.placebo_draws,
                                float(cfg.events.block_length_days), rng)
    null = car[offs].mean(axis=1)
    real = float(real_cars.mean())
    up, low, _ = es.placebo_pvalue(real, null)
    t = HypothesisTest(
        name=f"placebo_{c.definition}_{c.leader}_{c.follower}_{h}m",
        null=f"{c.follower}'s mean {h}-month log return after {c.leader} breakouts ({c.definition}) equals that after random dates",
        alternative="it is higher after breakouts" if c.expected_sign > 0 else "it is lower after breakouts",
        stat=real, pvalue=float(up if c.expected_sign > 0 else low), df=(),
        nobs=int(grid.pos.size), sample_start=as_date(grid.days[0]), sample_end=as_date(grid.days[-1]),
        method=f"stationary-bootstrap placebo dates ({null.size:,} draws, mean block {cfg.events.block_length_days} days), one-sided",
        effect=real - float(null.mean()), ci_low=real - float(np.quantile(null, 0.975)),
        ci_high=real - float(np.quantile(null, 0.025)), effect_label="mean CAR minus placebo mean")
    return t, grid, tuple(as_date(d) for d in dates)


def placebo_pair_design(grid, min_effect: float, rng_seq, n_sim: int, alpha: float, grid_se, *, cfg, name: str,
                        claim: str, leader: str, follower: str, h: int):
    """Size and power of the placebo test of any follower after any leader's breakouts (the
    design of C4's primary test, for any pair)."""
    from reportgen.analysis import selfcheck as sc

    block, draws = float(cfg.events.block_length_days), int(cfg.events.placebo_draws)
    sim, eff, eff_se, se = sc.placebo_design_runs(grid, min_effect, rng_seq, n_sim, alpha, grid_se, block, draws)
    return sc._summarise(
        name, sim, eff, eff_se, se, min_effect, n_sim, alpha, rng_seq,
        claim=claim, title=f"Breakout placebo test, {leader} → {follower}, {h} months",
        test=f"the claim's primary placebo test (placebo_positions, placebo_pvalue), {draws:,} placebo date sets, p ≤ {alpha:g}",
        null=f"{follower} returns after {leader} breakouts are no higher than after random dates",
        dgp=f"stationary bootstrap (mean block {block:g} days) of real {follower} calendar-day log returns; events at the real dates",
        planted=f"+effect spread evenly over the calendar-day returns of every event's {h}-month window",
        effect_unit=f"{follower} log return over the {h} calendar months after an event (mean over events)",
        nobs=int(grid.valid_idx.size), n_events=int(grid.pos.size), lags=0, horizon=h, inner_draws=draws,
    )


def _event_claim(bundle, cfg, c) -> EventClaimResult:
    from reportgen.analysis.selfcheck import DesignNotTestable

    seed, alpha = cfg.analysis.seed, cfg.rules.alpha
    tests = {}
    for h in sorted({c.horizon_months, *cfg.events.horizons_months}):
        rng = np.random.default_rng(seed_stream(seed, "narrative", f"{c.id}:{c.leader}>{c.follower}:{h}m"))
        tests[h] = _placebo_test(bundle, cfg, c, h, rng)
    prim, grid, dates = tests[c.horizon_months]
    primary = dataclasses.replace(prim, family=f"{c.id}-primary")
    others = [tests[h][0] for h in tests if h != c.horizon_months]
    secondary = tuple(adjust_family(others, f"{c.id}-secondary")) if others else ()
    min_eff = (c.min_effect_monthly_return or cfg.rules.min_effect_monthly_return) * c.horizon_months
    if c.expected_sign < 0:
        design = DesignNotTestable(name=f"narrative:{c.id}", claim=c.id,
                                   reason="the placebo design plants rallies only (claimed sign +1)")
    else:
        design = placebo_pair_design(
            grid, min_eff, seed_stream(seed, "narrative-selfcheck", c.id), cfg.selfcheck.simulations, alpha,
            tuple(float(g) for g in cfg.selfcheck.effect_grid), cfg=cfg, name=f"narrative:{c.id}", claim=c.id,
            leader=c.leader, follower=c.follower, h=c.horizon_months)
    return EventClaimResult(claim=c.id, leader=c.leader, follower=c.follower, definition=c.definition,
                            horizon_months=c.horizon_months, event_dates=dates, primary=primary, secondary=secondary,
                            design=design)


@dataclass(frozen=True, slots=True)
class VarClaimResult:
    """A VAR impulse-response claim: cumulative response of ``follower`` to ``leader``."""

    claim: str
    leader: str
    follower: str
    var_lags: int
    horizon_months: int
    primary: HypothesisTest
    secondary: tuple[HypothesisTest, ...]
    failed_diagnostics: tuple[str, ...]
    design: object
    implied_effect: None = None


def _var_claim(bundle, cfg, narrative, c) -> VarClaimResult:
    from reportgen.analysis import selfcheck as sc
    from reportgen.analysis.var import _response_test, estimate_system

    frame = _pair_frame(bundle, narrative, c)[0]
    seed, alpha, h = cfg.analysis.seed, cfg.rules.alpha, c.horizon_months
    system, draws = estimate_system(
        frame, f"narrative_{c.id}", f"{c.leader} → {c.follower} ({c.id})", ("change",) * 2, max(h, 3),
        cfg.analysis.bootstrap_reps, seed_stream(seed, "narrative", f"{c.id}:var"), alpha=alpha, fixed_lags=c.lags)
    tests = {k: _response_test(system, draws, "orth", c.follower, c.leader, k, True, f"{c.id}-secondary").test
             for k in sorted({h, 1, 2, 3})}
    primary = dataclasses.replace(tests[h], family=f"{c.id}-primary")
    others = [t for k, t in tests.items() if k != h]
    secondary = tuple(adjust_family(others, f"{c.id}-secondary")) if others else ()
    y = frame[[c.leader, c.follower]].to_numpy(float).copy()
    y[:, 0] *= c.expected_sign  # planted responses in the claimed direction
    min_eff = (c.min_effect_monthly_return or cfg.rules.min_effect_monthly_return) * h
    rng_seq = seed_stream(seed, "narrative-selfcheck", c.id)
    grid_se = tuple(float(g) for g in cfg.selfcheck.effect_grid)
    sim, eff, eff_se, se = sc.irf_design_runs(y, c.lags, tuple(range(1, h + 1)), min_eff, rng_seq,
                                              cfg.selfcheck.simulations, alpha, grid_se)
    design = sc._summarise(
        f"narrative:{c.id}", sim, eff, eff_se, se, min_eff, cfg.selfcheck.simulations, alpha, rng_seq,
        claim=c.id, title=f"VAR({c.lags}) impulse response {c.leader} → {c.follower}, months 1–{h}",
        test=(f"the claim's band test (cumulative orthogonalised response, 0 outside the {1 - alpha:.0%} residual-bootstrap "
              f"band), warp-speed: {sc.WARP_DRAWS} bootstrap draws per sample, studentised deviations pooled"),
        null=f"the cumulative {c.follower} response over months 1–{h} to a {c.leader} shock is zero",
        dgp=f"real VAR({c.lags}) with the {c.leader} lags in the {c.follower} equation set so that the true response equals the planted effect; wild residuals",
        planted=f"true cumulative response over months 1–{h} set to the effect",
        effect_unit=f"cumulative {c.follower} log return over months 1–{h} after a one-s.d. {c.leader} shock",
        nobs=int(y.shape[0] - c.lags), n_events=0, lags=c.lags, horizon=h, inner_draws=sc.WARP_DRAWS,
    )
    return VarClaimResult(claim=c.id, leader=c.leader, follower=c.follower, var_lags=c.lags, horizon_months=h,
                          primary=primary, secondary=secondary, failed_diagnostics=tuple(system.failures), design=design)


def run_narrative(bundle, cfg) -> NarrativeResults:
    """Run every lead-lag claim of the configured narrative; a claim whose series are missing
    or too short becomes not testable with the reason."""
    from reportgen.narrative import load_narrative

    narrative = load_narrative(cfg)
    done, untestable = [], []
    for c in narrative.lead_lag:
        try:
            if c.method == "breakout_event_study":
                done.append(_event_claim(bundle, cfg, c))
            elif c.method == "var_response":
                done.append(_var_claim(bundle, cfg, narrative, c))
            else:
                done.append(_one_claim(bundle, cfg, narrative, c))
        except MissingSeriesError as exc:
            untestable.append((c.id, NotTestable(str(exc), tuple(exc.keys))))
        except InsufficientDataError as exc:
            untestable.append((c.id, NotTestable(str(exc))))
    return NarrativeResults(narrative=narrative.name, claims=tuple(done), untestable=tuple(untestable))
