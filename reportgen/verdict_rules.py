"""Per-claim extractors: pick each claim's primary evidence from the analysis results and
apply :func:`reportgen.verdict.decide`. One function per claim, registered in ``RULES``."""

from __future__ import annotations

from reportgen.config import Config
from reportgen.data.bundle import DataBundle
from reportgen.analysis.common import HypothesisTest, NotTestable
from reportgen.verdict import UNFALSIFIABLE, Claim, ClaimVerdict, Evidence, Verdict, decide


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
        adjustment={"holm": "Holm", "bh": "BH", "raw": "un"}[adjusted], source=source or t.name,
    )


def selfcheck_power(results: dict, design: str) -> float | None:
    """Power at the economic minimum effect from the Monte Carlo self-check, if it ran."""
    sc = results.get("selfcheck")
    if sc is None or isinstance(sc, NotTestable):
        return None
    d = sc.design(design)
    return None if d is None or isinstance(d, NotTestable) else d.power_at_min_effect


def _scaled(t: HypothesisTest, scale: float) -> HypothesisTest:
    """A test whose effect and CI are rescaled (e.g. coefficient -> return per 1-s.d. move)."""
    import dataclasses

    f = lambda v: None if v is None else v * scale  # noqa: E731
    return dataclasses.replace(t, effect=f(t.effect), ci_low=f(t.ci_low), ci_high=f(t.ci_high))


def c3(claim: Claim, results: dict, bundle: DataBundle, cfg: Config) -> ClaimVerdict:
    """C3: RUT Granger-causes crypto at 1-3 months (robust test), confirmed by the VAR responses."""
    ll, var = results["leadlag"], results["var"]
    t = ll.c3_primary
    if isinstance(t, NotTestable):
        return ClaimVerdict(claim, Verdict.NOT_TESTABLE, "missing", None, notes=(t.reason,))
    scaled = _scaled(t, ll.c3_cause_sd or 1.0)
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
        notes.append(f"Conditional on the S&P 500, the smallest Holm-adjusted p over RUT → crypto is {best.pvalue_holm:.2f}: "
                     + ("small caps add predictive content beyond large caps." if (best.pvalue_holm or 1) < cfg.rules.alpha
                        else "small caps add nothing significant beyond large caps."))
    return ClaimVerdict(claim, verdict, reason, ev, notes=tuple(notes),
                        would_change="A significant positive RUT → crypto coefficient after adjustment, of at least the economic minimum, confirmed by the VAR responses.")


def _chain_verdict(claim: Claim, t: HypothesisTest, label: str, cfg: Config, extra_notes: list[str],
                   ordered: bool | None, source: str) -> ClaimVerdict:
    ev = Evidence(label=label, effect=None, ci_low=None, ci_high=None, pvalue_adj=t.pvalue, power=None,
                  n=t.nobs, effect_unit="p", adjustment="intersection–union (largest link p)", source=source)
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
        return ClaimVerdict(claim, Verdict.NOT_TESTABLE, "missing", None, notes=(t.reason,))
    notes = ["The chain holds only if every link holds, so the test is an intersection–union test: its p-value is the largest link p-value."]
    weakest = max(ll.c5_family, key=lambda x: x.pvalue) if ll.c5_family else None
    if weakest is not None:
        notes.append(f"Weakest link: {weakest.name} (p = {weakest.pvalue:.3f}).")
    ordered = None
    if not isinstance(var, NotTestable) and not isinstance(var.c5, NotTestable):
        ordered = var.c5.order_strict
        peaks = ", ".join(f"{k} month {h}" for k, h in zip(var.c5.responders, var.c5.peak_horizon, strict=True))
        notes.append(f"Impulse-response peaks after a credit-spread shock: {peaks}; strictly ordered as claimed in "
                     f"{var.c5.prob_strict_order:.0%} of bootstrap draws.")
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
        return ClaimVerdict(claim, Verdict.NOT_TESTABLE, "missing", None, notes=(t.reason,))
    notes = ["Both links (net liquidity → RUT and → BTC) must hold: intersection–union test."]
    for link in ll.c6_family:
        notes.append(f"{link.name}: bootstrap p = {link.pvalue:.3f}, Holm p = {link.pvalue_holm:.3f}.")
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
        return ClaimVerdict(claim, Verdict.NOT_TESTABLE, "missing", None, notes=(r.reason,))
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


def c9(claim: Claim, results: dict, bundle: DataBundle, cfg: Config) -> ClaimVerdict:
    """C9 is not falsifiable as stated; the recovery-speed proxy is shown, labelled as such."""
    return ClaimVerdict(
        claim, Verdict.NOT_TESTABLE, UNFALSIFIABLE, None,
        notes=("“Dips get absorbed” and “capital rotates rather than leaves” name no quantity, horizon or threshold that data could refute.",),
        would_change="A precise version of the claim (e.g. 'drawdowns beyond 30% now recover within N months') could be tested on the proxy shown below.",
    )


RULES = {"C3": c3, "C5": c5, "C6": c6, "C7": c7, "C9": c9}
