"""Per-claim extractors: pick each claim's primary evidence from the analysis results and
apply :func:`reportgen.verdict.decide`. One function per claim, registered in ``RULES``."""

from __future__ import annotations

import dataclasses

from reportgen.config import Config
from reportgen.data.bundle import DataBundle
from reportgen.analysis.common import HypothesisTest, NotTestable
from reportgen.verdict import (
    COUNTEREXAMPLE,
    FACT_FALSE,
    FACT_PARTLY,
    FACT_TRUE,
    UNFALSIFIABLE,
    Claim,
    ClaimVerdict,
    Evidence,
    Note,
    Verdict,
    decide,
    not_testable,
)


def evidence_from_test(t: HypothesisTest, *, label: str, sign: int = 1, power: float | None = None,
                       n: int | None = None, min_effect: float | None = None, unit: str = "log return",
                       adjusted: str = "holm", source: str = "") -> Evidence:
    """Evidence from one HypothesisTest; ``adjusted`` picks holm / bh / raw p-value."""
    p = {"holm": t.pvalue_holm, "bh": t.pvalue_bh, "raw": t.pvalue}[adjusted]
    if p is None:
        p, adjusted = t.pvalue, "raw"
    return Evidence(
        label=label, effect=t.effect, ci_low=t.ci_low, ci_high=t.ci_high, pvalue_adj=p, power=power,
        n=t.nobs if n is None else n, expected_sign=sign, min_effect=min_effect, effect_unit=unit,
        adjustment={"holm": "Holm", "bh": "BH", "raw": "none"}[adjusted], source=source or t.name,
    )


def selfcheck_power(results: dict, design: str) -> float | None:
    """Power at the economic minimum effect from the Monte Carlo self-check, if it ran.

    Verdicts read multiplicity-adjusted p-values, so the power that matters is the power of
    the adjusted test (``power_at_min_effect_adjusted``: the test at alpha / family size, a
    lower bound for Holm and Romano-Wolf).
    """
    sc = results.get("selfcheck")
    if sc is None or isinstance(sc, NotTestable):
        return None
    d = sc.design(design)
    return None if d is None or isinstance(d, NotTestable) else d.power_at_min_effect_adjusted


def _map_effect(t: HypothesisTest, f) -> HypothesisTest:
    """A copy of ``t`` with ``f`` applied to its effect and CI bounds (``None`` stays ``None``),
    e.g. coefficient -> return per 1-s.d. move, or ratio -> proportional change."""
    g = lambda v: None if v is None else f(v)  # noqa: E731
    return dataclasses.replace(t, effect=g(t.effect), ci_low=g(t.ci_low), ci_high=g(t.ci_high))


def c3(claim: Claim, results: dict, bundle: DataBundle, cfg: Config) -> ClaimVerdict:
    """C3: RUT Granger-causes crypto at 1-3 months (robust test), confirmed by the VAR responses."""
    ll, var = results["leadlag"], results["var"]
    t = ll.c3_primary
    if isinstance(t, NotTestable):
        return not_testable(claim, t.reason)
    sd = ll.c3_cause_sd or 1.0
    scaled = _map_effect(t, lambda v: v * sd)
    ev = evidence_from_test(
        scaled,
        label=(f"BTC log return over the {ll.primary_lag} months after a one-s.d. RUT month "
               f"(Granger, {ll.primary_lag} lags, wild-bootstrap HC3 test)"),
        power=selfcheck_power(results, "granger"), min_effect=cfg.rules.min_effect_monthly_return,
        source="results.leadlag.c3_primary",
    )
    verdict, reason = decide(ev, cfg.rules)
    notes = [f"Family C3: {len(ll.c3_family)} RUT → crypto tests (BTC, ETH; monthly lags {', '.join(map(str, ll.monthly_lags))}; weekly lags {', '.join(map(str, ll.weekly_lags))}), Holm-adjusted."]
    if not isinstance(var, NotTestable) and var.c3_primary:
        irf = var.c3_primary[0]
        irf_sig = irf.ci_low is not None and (irf.ci_low > 0 or irf.ci_high < 0)
        notes.append(
            "VAR check: the cumulative BTC response in months 1–3 to a one-s.d. RUT shock has a bootstrap 95% band "
            + ("that excludes zero." if irf_sig else "that includes zero.")
        )
        granger_sig = verdict in (Verdict.SUPPORTED, Verdict.PARTLY)
        if granger_sig != irf_sig and verdict == Verdict.SUPPORTED:
            verdict, reason = Verdict.PARTLY, "mixed"
        sysr = var.rut_crypto
        if not isinstance(sysr, NotTestable) and sysr.failures:
            notes.append(f"VAR diagnostics failed: {', '.join(sysr.failures)} (bands are bootstrap-based, which tolerates non-normality).")
    if ll.c3_conditional_family:
        best = min(ll.c3_conditional_family, key=lambda x: x.pvalue_holm or 1.0)
        notes.append(Note("conditional_on_gspc", (best.pvalue_holm, (best.pvalue_holm or 1.0) < cfg.rules.alpha)))
    return ClaimVerdict(claim, verdict, reason, ev, notes=tuple(notes),
                        would_change="A significant positive RUT → crypto coefficient after adjustment, of at least the economic minimum, confirmed by the VAR responses.")


def _chain_verdict(claim: Claim, t: HypothesisTest, label: str, cfg: Config, extra_notes: list[str],
                   ordered: bool | None, source: str) -> ClaimVerdict:
    ev = Evidence(label=label, effect=None, ci_low=None, ci_high=None, pvalue_adj=t.pvalue, power=None,
                  n=t.nobs, effect_unit="p", adjustment="intersection–union", source=source)
    if t.pvalue < cfg.rules.alpha:
        verdict, reason = (Verdict.SUPPORTED, "significant") if ordered in (True, None) else (Verdict.PARTLY, "mixed")
    else:
        verdict, reason = Verdict.INSUFFICIENT, "null_underpowered"
    return ClaimVerdict(claim, verdict, reason, ev, notes=tuple(extra_notes))


def c5(claim: Claim, results: dict, bundle: DataBundle, cfg: Config) -> ClaimVerdict:
    """C5: every Granger link of credit -> large caps -> small caps -> crypto holds, and IRF peaks are ordered."""
    ll, var = results["leadlag"], results["var"]
    t = ll.c5_primary
    if isinstance(t, NotTestable):
        return not_testable(claim, t.reason)
    notes = ["The chain holds only if every link holds, so the test is an intersection–union test: its p-value is the largest link p-value."]
    weakest = max(ll.c5_family, key=lambda x: x.pvalue) if ll.c5_family else None
    if weakest is not None:
        notes.append(Note("weakest_link", (weakest.name, weakest.pvalue)))
    ordered = None
    if not isinstance(var, NotTestable) and not isinstance(var.c5, NotTestable):
        ordered = var.c5.order_strict
        peaks = tuple(zip(var.c5.responders, var.c5.peak_horizon, strict=True))
        notes.append(Note("peak_order", (peaks, var.c5.prob_strict_order)))
        if len(set(var.c5.peak_horizon)) == 1:
            notes.append("All assets respond most in the same month: monthly data cannot resolve staging within a month.")
    notes.append("Power of the chain test was not simulated; a non-significant chain is therefore 'insufficient evidence', not 'not supported'.")
    return _chain_verdict(claim, t, "Granger chain credit spread → S&P 500 → Russell 2000 → BTC (monthly, lag 3)", cfg, notes,
                          ordered, "results.leadlag.c5_primary")


def c6(claim: Claim, results: dict, bundle: DataBundle, cfg: Config) -> ClaimVerdict:
    """C6: net-liquidity growth leads both RUT and crypto."""
    ll, var = results["leadlag"], results["var"]
    t = ll.c6_primary
    if isinstance(t, NotTestable):
        return not_testable(claim, t.reason)
    notes = ["Both links (net liquidity → RUT and → BTC) must hold: intersection–union test."]
    for link in ll.c6_family:
        notes.append(Note("link_p", (link.name, link.pvalue, link.pvalue_holm)))
    if not isinstance(var, NotTestable) and var.c6_tests:
        sig = [r for r in var.c6_tests if r.test.pvalue_holm is not None and r.test.pvalue_holm < cfg.rules.alpha]
        notes.append(f"VAR: {len(sig)} of {len(var.c6_tests)} responses to a net-liquidity shock (months 1–3) are significant after Holm adjustment.")
    notes.append("Power of the chain test was not simulated; a non-significant result is 'insufficient evidence', not 'not supported'.")
    return _chain_verdict(claim, t, "Net-liquidity growth Granger-causes both RUT and BTC (monthly, lag 3)", cfg, notes,
                          None, "results.leadlag.c6_primary")


def c7(claim: Claim, results: dict, bundle: DataBundle, cfg: Config) -> ClaimVerdict:
    """C7: RUT's beta to credit-spread changes is more negative than the S&P 500's."""
    r = results["credit_beta"]
    if not r.testable or isinstance(r.difference, NotTestable):
        return not_testable(claim, r.reason)
    d = r.difference
    ev = evidence_from_test(d, label="β(RUT) − β(S&P 500) to a 1 pp spread widening (log return per pp)",
                            sign=r.claimed_sign, unit="beta", adjusted="raw",
                            source="results.credit_beta.difference")
    verdict, reason = decide(ev, cfg.rules)
    notes = [f"Spread series: {r.spread_key} ({r.spread_units}); one pre-declared test, so no multiplicity adjustment."]
    for key, t in zip(r.robustness_keys, r.robustness, strict=True):
        agrees = (t.pvalue < cfg.rules.alpha) == (d.pvalue < cfg.rules.alpha) and (t.effect or 0) * (d.effect or 0) > 0
        notes.append(f"Robustness with {key}: {'same conclusion' if agrees else 'different conclusion'} (see appendix).")
    notes.append("Sensitivity to credit is one reading of “barometer of risk appetite”; it does not show that small caps lead anything.")
    return ClaimVerdict(claim, verdict, reason, ev, notes=tuple(notes),
                        would_change="The difference losing significance in a longer sample or with the other spread measure.")


def c1(claim: Claim, results: dict, bundle: DataBundle, cfg: Config) -> ClaimVerdict:
    """C1 is a fact check: level, date, record, year-to-date change, volume."""
    f = results["events"].c1
    if isinstance(f, NotTestable):
        return not_testable(claim, f.reason)
    volume_ok = None if isinstance(f.iwm, NotTestable) else f.iwm.heavy
    checks = [f.check_threshold, f.check_ath, f.check_ytd] + ([volume_ok] if volume_ok is not None else [])
    if all(checks):
        verdict, reason = Verdict.SUPPORTED, FACT_TRUE
    elif f.check_threshold and f.check_ath:
        verdict, reason = Verdict.PARTLY, FACT_PARTLY
    else:
        verdict, reason = Verdict.NOT_SUPPORTED, FACT_FALSE
    ev = Evidence(label="fact check", effect=f.ytd_change, ci_low=None, ci_high=None, pvalue_adj=None, power=None,
                  n=None, effect_unit="log return", source="results.events.c1")
    notes = ("Index closes are official closes (Yahoo ^RUT, cross-checked with Interactive Brokers in the data provenance).",)
    return ClaimVerdict(claim, verdict, reason, ev, notes=notes,
                        would_change="Nothing: these are historical facts. A different reading of “since the start of the year” (e.g. 12 months) is shown beside the year-to-date figure.")


def c2(claim: Claim, results: dict, bundle: DataBundle, cfg: Config) -> ClaimVerdict:
    """C2: the two named episodes. Two events are anecdotes: at most 'insufficient evidence'."""
    r = results["events"]
    horizon = max(cfg.events.horizons_months)
    pair = next((p for p in r.episode_pairs if p.reading == "index" and p.asset == "BTC" and p.horizon_months == horizon), None)
    if pair is None:
        return not_testable(claim, "no BTC data around the named episodes")
    ev = Evidence(label=f"mean BTC log return over the {horizon} months after the index's own late-2016 and late-2020 breakouts",
                  effect=pair.mean_ret, ci_low=None, ci_high=None, pvalue_adj=pair.pvalue, power=None, n=pair.n,
                  adjustment="none", source="results.events.episode_pairs")
    verdict, reason = decide(ev, cfg.rules, events_based=True)
    notes = ("Crypto did rise strongly after both episodes; but two hand-picked events cannot establish a pattern "
             "(the rules need at least %d), and both fell in crypto bull markets that had other causes (the 2016–17 ICO boom, "
             "2020–21 pandemic stimulus)." % cfg.rules.min_events,
             "Both readings (the index's own breakouts and the articles' calendar years) are in the event section; "
             "claims C4 and C10 test every breakout in the sample instead of the chosen two.")
    return ClaimVerdict(claim, verdict, reason, ev, notes=notes,
                        would_change="Nothing that two episodes can show; see C4 and C10 for the full sample.")


def c4(claim: Claim, results: dict, bundle: DataBundle, cfg: Config) -> ClaimVerdict:
    """C4: crypto returns after breakouts exceed those after random dates (placebo, Romano-Wolf adjusted)."""
    r = results["events"]
    c = r.c4_primary
    if isinstance(c, NotTestable):
        return not_testable(claim, c.reason)
    power_sc = selfcheck_power(results, "placebo")
    power = power_sc if power_sc is not None else c.power_at_min_effect
    ev = Evidence(
        label=(f"{c.asset} log return over the {c.horizon_months} months after a breakout ({c.definition}), "
               "in excess of the average after random dates"),
        effect=c.excess_car, ci_low=c.excess_ci_low, ci_high=c.excess_ci_high, pvalue_adj=c.pvalue_romano_wolf,
        power=power, n=c.n_events, min_effect=c.min_effect, adjustment="Romano–Wolf step-down",
        source="results.events.c4_primary",
    )
    verdict, reason = decide(ev, cfg.rules, events_based=True)
    if verdict != Verdict.CONTRADICTED and min(1.0, c.pvalue_lower * c.family_size) < cfg.rules.alpha and c.n_events >= cfg.rules.min_events:
        verdict, reason = Verdict.CONTRADICTED, "opposite"
    notes = [f"Pre-declared primary test: definition {c.definition}, {c.asset}, +{c.horizon_months} months; "
             f"the family has {c.family_size} tests (definitions × horizons × assets)."]
    b = r.c4_best
    if not isinstance(b, NotTestable):
        notes.append(f"Best test in the family after adjustment: {b.definition} × {b.asset} × {b.horizon_months} months "
                     f"({b.n_events} events).")
    notes.append("The timing rule and out-of-sample forecasts are in the event section; they are the practical test of the signal.")
    return ClaimVerdict(claim, verdict, reason, ev, notes=tuple(notes),
                        would_change="More breakouts with crypto data (each month adds little: breakouts are rare), or a consistent excess return across definitions large enough to clear the adjusted threshold.")


def c10(claim: Claim, results: dict, bundle: DataBundle, cfg: Config) -> ClaimVerdict:
    """C10: 'each breakout has been followed by an upswing' is universal: any miss refutes it."""
    h = results["events"].c10_primary
    if isinstance(h, NotTestable):
        return not_testable(claim, h.reason)
    ev = Evidence(label=f"share of breakouts ({h.definition}) followed by a positive {h.asset} return over {h.horizon_months} months",
                  effect=h.rate, ci_low=h.ci_low, ci_high=h.ci_high, pvalue_adj=h.pvalue, power=None, n=h.n,
                  effect_unit="share", adjustment="none", source="results.events.c10_primary", k=h.hits)
    if h.hits < h.n:
        verdict, reason = Verdict.NOT_SUPPORTED, COUNTEREXAMPLE
    else:
        verdict, reason = decide(ev, cfg.rules, events_based=True)
    notes = ("Hit rates for every definition, asset and horizon, with Wilson intervals and the rate after random dates, are in the event section.",)
    return ClaimVerdict(claim, verdict, reason, ev, notes=notes,
                        would_change="Every breakout in the sample being followed by a crypto rise, at a rate clearly above the rate after random dates.")


def c8(claim: Claim, results: dict, bundle: DataBundle, cfg: Config) -> ClaimVerdict:
    """C8: lower volatility from the spot-ETF date. One break date cannot identify the cause: capped."""
    r = results["regimes"]
    t = r.c8_primary
    if isinstance(t, NotTestable):
        return not_testable(claim, t.reason)
    as_change = _map_effect(t, lambda v: v - 1.0)  # variance-level ratio -> proportional change
    ev = evidence_from_test(as_change, label="change in BTC's GARCH volatility level at the spot-ETF date (GARCH(1,1)-t with a regime term, LR test)",
                            sign=-1, unit="change", source="results.regimes.c8_primary")
    cap = Verdict.PARTLY if r.confounded else None
    verdict, reason = decide(ev, cfg.rules, cap=cap)
    notes = []
    if r.c8_primary_integrated:
        notes.append("BTC's GARCH persistence is at its upper bound (integrated): the regime term measures a jump in volatility at the date, not a change in its long-run level.")
    for v in r.vol_by_regime:
        if v.asset in ("BTC", "RUT"):
            notes.append(Note("sample_vol", (v.asset, v.vol_pre, v.vol_post, v.ratio)))
    b = r.break_primary
    if not isinstance(b, NotTestable):
        notes.append(Note("break_date", (b.asset, b.break_date, b.ci_low, b.ci_high, b.distance_days, b.reference_in_ci)))
    notes.append("Equities also became calmer after January 2024, and rates, the halving cycle and the investor base changed at the same time: "
                 "a before/after comparison cannot attribute the change to ETFs, so the verdict can be at most “partly supported”.")
    return ClaimVerdict(claim, verdict, reason, ev, notes=tuple(notes),
                        would_change="A significant drop at the ETF date that is absent in equities and in a placebo date, and fewer deep drawdowns over a longer post-ETF sample.")


def c9(claim: Claim, results: dict, bundle: DataBundle, cfg: Config) -> ClaimVerdict:
    """C9 is not falsifiable as stated; the recovery-speed proxy is shown, labelled as such."""
    return ClaimVerdict(
        claim, Verdict.NOT_TESTABLE, UNFALSIFIABLE, None,
        notes=("“Dips get absorbed” and “capital rotates rather than leaves” name no quantity, horizon or threshold that data could refute.",),
        would_change="A precise version of the claim (e.g. 'drawdowns beyond 30% now recover within N months') could be tested on the proxy shown below.",
    )


RULES = {"C1": c1, "C2": c2, "C4": c4, "C10": c10, "C3": c3, "C5": c5, "C6": c6, "C7": c7, "C8": c8, "C9": c9}
