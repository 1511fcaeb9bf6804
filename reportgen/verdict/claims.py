"""Claim specifications + analysis results -> one :class:`ClaimVerdict` per claim.

Nothing here is claim-specific wiring beyond what a :class:`~reportgen.verdict.specs.ClaimSpec`
says: the primary test's result is looked up by the spec's ``family``/``result``, its effect is
put into the claim's unit, the minimum effect follows from the spec's ``minimum`` kind and the
one config key, power and size come from the self-check design the spec names (which runs the
same test), and :func:`reportgen.verdict.rules.decide` gives the verdict. The few claim-level
extras (C3's VAR confirmation, C8's attribution by break date) are notes and caps listed in
:func:`_extras`. This module never computes a statistic and never formats a number.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from reportgen.analysis.common import HypothesisTest, NotTestable, iter_tests
from reportgen.config import Config
from reportgen.verdict import rules as R
from reportgen.verdict.rules import Evidence, Verdict, decide
from reportgen.verdict.specs import ClaimSpec, claim_specs, minimum_effect


@dataclass(frozen=True, slots=True)
class Note:
    """A caveat with numbers: ``kind`` selects the sentence in templates/partials/note.html,
    which formats ``values`` through the number filters. Plain-text notes are ``str``."""

    kind: str
    values: tuple = ()


@dataclass(frozen=True, slots=True)
class SecondarySummary:
    """How many tests of one secondary family reject at alpha after Holm adjustment."""

    family: str
    tests: int
    significant: int
    smallest_holm: float | None


@dataclass(frozen=True, slots=True)
class ClaimVerdict:
    claim: ClaimSpec
    verdict: Verdict
    reason: str
    evidence: Evidence | None
    notes: tuple = ()
    secondary: tuple[SecondarySummary, ...] = ()

    @property
    def badge(self) -> str:
        return self.verdict.name.lower()

    @property
    def would_change(self) -> str:
        return self.claim.would_change


@dataclass(frozen=True, slots=True)
class OverallVerdict:
    """The verdict on the articles' thesis as a whole (the core claims carry it)."""

    verdict: Verdict
    reason: str
    core_claims: tuple[str, ...]


# --------------------------------------------------------------------------- evidence


def _scaled(t: HypothesisTest, k: float) -> tuple[float | None, float | None, float | None]:
    f = lambda v: None if v is None else v * k  # noqa: E731
    return f(t.effect), f(t.ci_low), f(t.ci_high)


def resolve(obj, path: str):
    """Follow a dotted path of attributes and mapping keys (``"primaries.M1"``)."""
    for part in path.split("."):
        obj = obj[part] if isinstance(obj, Mapping) else getattr(obj, part)
    return obj


def _design(results: dict, name: str | None, claim_id: str):
    """(design result, why power is unknown). ``family:key`` names a design that the family
    ran itself (``results[family].designs[key]``); other names are self-check designs."""
    if name is None:
        return None, "no self-check design simulates this test"
    if ":" in name:
        family, key = name.split(":", 1)
        host = results.get(family)
        d = None if host is None or isinstance(host, NotTestable) else host.designs.get(key)
        if d is None:
            return None, f"the {family} family ran no design '{key}'"
    else:
        sc = results.get("selfcheck")
        if sc is None:
            return None, "the self-check did not run"
        if isinstance(sc, NotTestable):
            return None, f"the self-check could not run: {sc.reason}"
        d = sc.design(name)
    if isinstance(d, NotTestable):
        return None, f"the self-check design '{name}' could not run: {d.reason}"
    if d.claim != claim_id:
        return None, f"the self-check design '{name}' is registered for {d.claim}, not {claim_id}"
    return d, ""


def primary_evidence(spec: ClaimSpec, results: dict, cfg: Config) -> Evidence | NotTestable:
    """The claim's primary evidence, in its effect unit, with minimum, power and size."""
    p = spec.primary
    fam = results.get(p.family)
    if fam is None:
        return NotTestable(f"the {p.family} analysis did not run")
    if isinstance(fam, NotTestable):
        return fam
    obj = resolve(fam, p.result)
    if isinstance(obj, NotTestable):
        return obj
    per_sd = resolve(fam, p.per_sd_result) if p.per_sd_result else None
    implied = resolve(fam, p.implied_result) if p.implied_result else None
    if isinstance(obj, HypothesisTest):
        effect, lo, hi = obj.effect, obj.ci_low, obj.ci_high
        pvalue, n, n_unit = obj.pvalue, obj.nobs, ("events" if p.events_based else "months")
        if p.scale_result:
            k = resolve(fam, p.scale_result)
            if k is None:
                return NotTestable(f"the scale of the effect ({p.family}.{p.scale_result}) is unknown")
            effect, lo, hi = _scaled(obj, k)
    else:  # an event-study summary (C4)
        effect, lo, hi = obj.excess_car, obj.excess_ci_low, obj.excess_ci_high
        pvalue, n, n_unit = obj.pvalue, obj.n_events, "events"
    min_eff = minimum_effect(p.minimum, p.horizon_months, cfg, per_sd, p.min_effect_monthly)
    design, why = _design(results, p.design, spec.id)
    power = size = size_ci = None
    if design is not None:
        if min_eff is not None and not math.isclose(abs(design.min_effect), min_eff, rel_tol=1e-9, abs_tol=1e-12):
            why = (f"the self-check design '{p.design}' planted a minimum of {abs(design.min_effect):.6g}, "
                   f"not the claim's {min_eff:.6g}")
        else:
            power = design.power_at_min_effect
        size, size_ci = design.size, tuple(design.size_ci)
    return Evidence(
        label=p.effect_label, effect=effect, ci_low=lo, ci_high=hi, pvalue=pvalue, n=n, n_unit=n_unit,
        expected_sign=p.expected_sign, min_effect=min_eff, effect_unit=p.effect_unit,
        horizon_months=p.horizon_months, implied_effect=implied, implied_label=p.implied,
        power=power, power_note="" if power is not None else why, size=size, size_ci=size_ci,
        design=p.design or "", method=p.method, source=f"results.{p.family}.{p.result}",
    )


def secondary_summaries(spec: ClaimSpec, results: dict, alpha: float) -> tuple[SecondarySummary, ...]:
    """Holm-adjusted rejections per secondary family named in the spec (families that ran)."""
    by_family: dict[str, list[Mapping]] = {f: [] for f in spec.secondary}
    seen: set[tuple[str, str]] = set()
    for _, t in iter_tests({k: results.get(k) for k in spec.families if k != "selfcheck"}):
        if t["family"] in by_family and (t["family"], t["name"]) not in seen:
            seen.add((t["family"], t["name"]))
            by_family[t["family"]].append(t)
    out = []
    for fam, tests in by_family.items():
        if not tests:
            continue
        holm = [t["pvalue_holm"] for t in tests if t["pvalue_holm"] is not None]
        out.append(SecondarySummary(fam, len(tests), sum(1 for q in holm if q < alpha), min(holm) if holm else None))
    return tuple(out)


# --------------------------------------------------------------------------- per-rule verdicts


def _not_testable(spec: ClaimSpec, why: str) -> ClaimVerdict:
    return ClaimVerdict(spec, Verdict.NOT_TESTABLE, R.MISSING, None, notes=(why,))


def _fact(spec: ClaimSpec, results: dict, cfg: Config) -> ClaimVerdict:
    f = results["events"].c1
    if isinstance(f, NotTestable):
        return _not_testable(spec, f.reason)
    volume_ok = None if isinstance(f.iwm, NotTestable) else f.iwm.heavy
    checks = [f.check_threshold, f.check_ath, f.check_ytd] + ([volume_ok] if volume_ok is not None else [])
    if all(checks):
        verdict, reason = Verdict.SUPPORTED, R.FACT_TRUE
    elif f.check_threshold and f.check_ath:
        verdict, reason = Verdict.PARTLY, R.FACT_PARTLY
    else:
        verdict, reason = Verdict.NOT_SUPPORTED, R.FACT_FALSE
    ev = Evidence(label="year-to-date change of the Russell 2000 on the breakout date", effect=f.ytd_change,
                  ci_low=None, ci_high=None, pvalue=None, n=None, effect_unit="simple return",
                  source="results.events.c1")
    notes = ("Index closes are official closes (Yahoo ^RUT, cross-checked with Interactive Brokers in the data provenance).",)
    return ClaimVerdict(spec, verdict, reason, ev, notes=notes)


def _post_hoc(spec: ClaimSpec, results: dict, cfg: Config) -> ClaimVerdict:
    r = results["events"]
    horizon = max(cfg.events.horizons_months)
    pair = next((p for p in r.episode_pairs if p.reading == "index" and p.asset == "BTC"
                 and p.horizon_months == horizon), None)
    if pair is None:
        return _not_testable(spec, "no BTC data around the named episodes")
    ev = Evidence(label=f"mean BTC log return over the {horizon} months after the index's own late-2016 and late-2020 breakouts",
                  effect=pair.mean_ret, ci_low=None, ci_high=None, pvalue=None, n=pair.n, n_unit="events",
                  horizon_months=horizon, source="results.events.episode_pairs")
    notes = (Note("post_hoc_rank", (pair.percentile,)),
             "Both episodes fell in crypto bull markets that had other causes (the 2016–17 ICO boom, 2020–21 pandemic stimulus).")
    return ClaimVerdict(spec, Verdict.INSUFFICIENT, R.POST_HOC, ev, notes=notes)


def _universal(spec: ClaimSpec, results: dict, cfg: Config) -> ClaimVerdict:
    h = results["events"].c10_primary
    if isinstance(h, NotTestable):
        return _not_testable(spec, h.reason)
    ev = Evidence(label=f"share of breakouts ({h.definition}) followed by a positive {h.asset} return over {h.horizon_months} months",
                  effect=h.rate, ci_low=h.ci_low, ci_high=h.ci_high, pvalue=h.pvalue, n=h.n, n_unit="events",
                  effect_unit="share", horizon_months=h.horizon_months, source="results.events.c10_primary", k=h.hits)
    if h.hits < h.n:
        verdict, reason = Verdict.NOT_SUPPORTED, R.COUNTEREXAMPLE
    else:
        r = cfg.rules
        verdict, reason = decide(ev, alpha=r.alpha, min_power=r.min_power, min_events=r.min_events, events_based=True)
    notes = ("Hit rates for every definition, asset and horizon, with Wilson intervals and the rate after random dates, are in the appendix.",)
    return ClaimVerdict(spec, verdict, reason, ev, notes=notes)


def _unfalsifiable(spec: ClaimSpec, results: dict, cfg: Config) -> ClaimVerdict:
    return ClaimVerdict(spec, Verdict.NOT_TESTABLE, R.UNFALSIFIABLE, None,
                        notes=("“Dips get absorbed” and “capital rotates rather than leaves” name no quantity, horizon or threshold that data could refute.",))


def _extras(spec: ClaimSpec, results: dict, cfg: Config, verdict: Verdict, reason: str) -> tuple[Verdict, str, list]:
    """Claim-level confirmations and caps that the specification's primary test cannot carry."""
    notes: list = []
    alpha = cfg.rules.alpha
    if spec.id == "C3":
        var = results.get("var")
        if var is not None and not isinstance(var, NotTestable) and var.c3_primary:
            irf = var.c3_primary[0]
            irf_sig = irf.ci_low is not None and (irf.ci_low > 0 or irf.ci_high < 0)
            notes.append(Note("var_check", (irf.effect, irf.ci_low, irf.ci_high, irf_sig)))
            if verdict == Verdict.SUPPORTED and not irf_sig:
                verdict, reason = Verdict.PARTLY, R.MIXED
        ll = results["leadlag"]
        if ll.c3_conditional_family:
            best = min(ll.c3_conditional_family, key=lambda x: x.pvalue_holm or 1.0)
            notes.append(Note("conditional_on_gspc", (best.pvalue_holm, (best.pvalue_holm or 1.0) < alpha)))
    elif spec.id == "C4":
        r = results["events"]
        b = r.c4_best
        if not isinstance(b, NotTestable):
            notes.append(Note("best_in_family", (b.definition, b.asset, b.horizon_months, b.n_events, b.pvalue_romano_wolf)))
    elif spec.id == "C5":
        ll, var = results["leadlag"], results.get("var")
        weakest = max(ll.c5_family, key=lambda x: x.pvalue) if ll.c5_family else None
        if weakest is not None:
            notes.append(Note("weakest_link", (weakest.name, weakest.pvalue)))
        if var is not None and not isinstance(var, NotTestable) and not isinstance(var.c5, NotTestable):
            peaks = tuple(zip(var.c5.responders, var.c5.peak_horizon, strict=True))
            notes.append(Note("peak_order", (peaks, var.c5.prob_strict_order)))
            if verdict in (Verdict.SUPPORTED, Verdict.PARTLY) and not var.c5.order_strict:
                verdict, reason = Verdict.PARTLY, R.MIXED
    elif spec.id == "C6":
        for link in results["leadlag"].c6_family:
            notes.append(Note("link_p", (link.name, link.pvalue, link.pvalue_holm)))
    elif spec.id == "C8":
        r = results["regimes"]
        brk = r.c8_break
        if not isinstance(brk, NotTestable):
            notes.append(Note("break_date", (brk.label, brk.break_month, brk.ci_low, brk.ci_high,
                                             brk.distance_months, brk.reference_in_ci)))
            if verdict == Verdict.SUPPORTED and not brk.reference_in_ci:
                verdict, reason = Verdict.PARTLY, R.CAPPED
        elif verdict == Verdict.SUPPORTED:
            verdict, reason = Verdict.PARTLY, R.CAPPED
        for v in r.vol_by_regime:
            if v.asset in ("BTC", "RUT"):
                notes.append(Note("sample_vol", (v.asset, v.vol_pre, v.vol_post, v.ratio)))
    return verdict, reason, notes


def _test(spec: ClaimSpec, results: dict, cfg: Config) -> ClaimVerdict:
    ev = primary_evidence(spec, results, cfg)
    if isinstance(ev, NotTestable):
        return _not_testable(spec, ev.reason)
    r = cfg.rules
    verdict, reason = decide(ev, alpha=r.alpha, min_power=r.min_power, min_events=r.min_events,
                             events_based=spec.primary.events_based)
    verdict, reason, notes = _extras(spec, results, cfg, verdict, reason)
    return ClaimVerdict(spec, verdict, reason, ev, notes=tuple(notes),
                        secondary=secondary_summaries(spec, results, r.alpha))


_BY_RULE = {"test": _test, "chain": _test, "fact": _fact, "post_hoc": _post_hoc, "universal": _universal,
            "unfalsifiable": _unfalsifiable}


def decide_claim(spec: ClaimSpec, results: dict, cfg: Config) -> ClaimVerdict:
    """The verdict on one claim: not testable when a family it needs did not run."""
    if spec.rule == "unfalsifiable":
        return _unfalsifiable(spec, results, cfg)
    for fam in spec.families:
        if fam == "selfcheck":
            continue
        r = results.get(fam)
        if r is None:
            return _not_testable(spec, f"the {fam} analysis did not run")
        if isinstance(r, NotTestable):
            return _not_testable(spec, r.reason)
    return _BY_RULE[spec.rule](spec, results, cfg)


def decide_all(results: dict, cfg: Config, specs: tuple[ClaimSpec, ...] | None = None) -> tuple[ClaimVerdict, ...]:
    """One verdict per registered claim, in registry order."""
    return tuple(decide_claim(s, results, cfg) for s in (specs or claim_specs(cfg)))


def overall_verdict(verdicts: tuple[ClaimVerdict, ...]) -> OverallVerdict:
    """The thesis stands or falls with its core claims (C3 and C4 for the Russell thesis).

    Supported only if every core claim is supported; contradicted if any is; partly
    supported if any is supported or partly; not supported if any is not supported (the
    rest insufficient); else insufficient evidence (or not testable if none could run).
    """
    core = tuple(v.claim.id for v in verdicts if v.claim.core)
    vals = {v.verdict for v in verdicts if v.claim.core}
    if vals == {Verdict.SUPPORTED}:
        v = Verdict.SUPPORTED
    elif Verdict.CONTRADICTED in vals:
        v = Verdict.CONTRADICTED
    elif Verdict.SUPPORTED in vals or Verdict.PARTLY in vals:
        v = Verdict.PARTLY
    elif Verdict.NOT_SUPPORTED in vals:
        v = Verdict.NOT_SUPPORTED
    elif vals <= {Verdict.NOT_TESTABLE}:
        v = Verdict.NOT_TESTABLE
    else:
        v = Verdict.INSUFFICIENT
    return OverallVerdict(v, R.MIXED if len(vals) > 1 else "", core)
