"""Lead-lag family (claims C3, C5, C6): unit-root pre-flight and Granger causality.

Entry point :func:`run_leadlag`. What is tested, and what the verdict engine should read:

* **C3** (RUT leads crypto by one to three months). Pairwise Granger tests of RUT -> each
  crypto and the reverse, on log returns, monthly at ``cfg.analysis.monthly_lags`` plus the
  AIC choice (max ``max(monthly_lags)``), weekly at lags 1, 4, 8 and
  ``cfg.analysis.weekly_max_lag`` plus the AIC choice (max ``weekly_max_lag``); a lag the AIC
  picks that is already in the list is not tested twice. Three variants side by side
  (classic F, HC3 Wald, wild bootstrap of the HC3 Wald). Verdict variant: the wild
  bootstrap p-value. **Primary** ``c3_primary`` = RUT -> BTC, monthly, lag
  ``analysis.granger_primary_lag`` (= 3: the only fixed lag that covers the whole "one to
  three months" window and is not chosen from the data), family ``C3-primary``: a single
  pre-declared test, judged alone at ``rules.alpha`` (``pvalue_holm`` is ``None``);
  ``effect`` is the sum of the lag coefficients with an HC3 interval. **Family C3** = the
  secondary RUT -> crypto tests (every other crypto, lag and frequency), bootstrap
  variant, Holm and BH adjusted among themselves. The same test for every crypto is in
  ``c3_by_crypto``. Conditional tests RUT -> crypto given GSPC lags form their own
  family ``C3-conditional`` (does RUT add anything beyond large caps?), the reverse
  directions the family ``C3-reverse``. Toda-Yamamoto tests on log levels and the rolling
  / expanding windows are robustness checks, not part of a family.
* **C5** (credit -> large caps -> small caps -> crypto). Each link of the chain, monthly,
  lags ``monthly_lags``, on the common sample of the four series (spread: monthly change
  of the month-end level in percentage points; prices: log returns). Family ``C5`` =
  forward links at every lag; ``C5-reverse`` = reverse links. The chain holds only if
  every link holds, so ``c5_primary`` is the intersection-union test at the primary lag:
  p = max of the three forward links' bootstrap p-values (valid at level alpha without a
  multiplicity adjustment; Berger 1982). Its ``effect`` is ``None``: the links' units
  differ; the link effects (credit -> GSPC is expected negative) are in ``c5_links``.
* **C6** (net liquidity leads RUT and crypto). Monthly log change of month-end net
  liquidity -> RUT and -> BTC, lags ``monthly_lags``; family ``C6``, reverse ``C6-reverse``,
  ``c6_primary`` = intersection-union test over the two targets at the primary lag.

References
----------
Berger, R. L. (1982). Multiparameter hypothesis testing and acceptance sampling.
Technometrics 24, 295-300.
Holm (1979); Benjamini and Hochberg (1995): see :mod:`reportgen.analysis.multiple`.
"""

from __future__ import annotations

import dataclasses
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from reportgen.analysis.common import HypothesisTest, NotTestable
from reportgen.analysis.granger import (
    GrangerResult,
    RollingGrangerResult,
    TodaYamamotoResult,
    granger_causality,
    rolling_granger,
    select_lag_aic,
    toda_yamamoto,
)
from reportgen.analysis.ols import ols_slope
from reportgen.analysis.multiple import adjust_family
from reportgen.analysis.unitroot import IntegrationOrderResult, integration_order
from reportgen.data.align import sample
from reportgen.errors import InsufficientDataError, MissingSeriesError

__all__ = ["IcChoice", "LeadLagResults", "run_leadlag", "weekly_lags"]

_SKIP = (MissingSeriesError, InsufficientDataError)


@dataclass(frozen=True, slots=True)
class IcChoice:
    """The lag order AIC picked for one system (and whether it was already tested)."""

    frequency: str
    variables: tuple[str, ...]
    maxlags: int
    lags: int
    duplicate: bool  # True when ``lags`` is one of the fixed lags (no separate test)


@dataclass(frozen=True, slots=True)
class LeadLagResults:
    """Everything the lead-lag family computed.

    Fields for the verdict engine
    -----------------------------
    c3_primary, c5_primary, c6_primary : HypothesisTest (or NotTestable)
        One pre-specified test per claim, judged alone at ``rules.alpha`` on ``pvalue``
        (C3: wild-bootstrap p; C5/C6: intersection-union p), and for C3 ``effect``/``ci_low``/``ci_high`` (sum of lag coefficients, monthly log
        return of BTC per unit monthly log return of RUT).
    c3_cause_sd : float or None
        Standard deviation of RUT's monthly log return over the primary test's sample:
        ``c3_primary.effect * c3_cause_sd`` is the BTC log return (summed over the next
        ``primary_lag`` months) that follows a one-standard-deviation RUT month, the scale
        on which ``rules.min_effect_monthly_return`` can be compared.
    c3_contemp_beta, c3_implied_effect : float or None
        Slope of BTC's monthly log return on RUT's in the same month (same sample), and
        ``c3_contemp_beta * c3_cause_sd``: the lagged effect the thesis implies if crypto's
        whole co-movement with the Russell arrived with a lag.
    c3_family, c5_family, c6_family : tuple[HypothesisTest, ...]
        The secondary families (bootstrap variant), Holm/BH adjusted among themselves.

    variant_tests : tuple[HypothesisTest, ...]
        The classic-F and HC3 variants of every pairwise test (unadjusted; shown side by
        side with the bootstrap variant, not used by the verdicts).

    Everything else is detail for the report: pairwise and conditional Granger results
    (``granger``, ``conditional``, each with classic/HC3/bootstrap p-values), unit-root
    pre-flight, Toda-Yamamoto, rolling and expanding windows, AIC choices.
    """

    small_caps: str
    large_caps: str | None
    crypto: tuple[str, ...]
    credit_spread: str | None
    primary_lag: int
    monthly_lags: tuple[int, ...]
    weekly_lags: tuple[int, ...]
    alpha: float
    reps: int
    seed: int
    unit_roots: tuple[IntegrationOrderResult, ...]
    unit_root_skipped: tuple[NotTestable, ...]
    ic_choices: tuple[IcChoice, ...]
    granger: tuple[GrangerResult, ...] | NotTestable
    conditional: tuple[GrangerResult, ...] | NotTestable
    toda_yamamoto: tuple[TodaYamamotoResult, ...] | NotTestable
    rolling: RollingGrangerResult | NotTestable
    expanding: RollingGrangerResult | NotTestable
    c3_family: tuple[HypothesisTest, ...]
    c3_reverse_family: tuple[HypothesisTest, ...]
    c3_conditional_family: tuple[HypothesisTest, ...]
    c3_primary: HypothesisTest | NotTestable
    c3_cause_sd: float | None
    c3_contemp_beta: float | None
    c3_implied_effect: float | None
    c3_by_crypto: tuple[HypothesisTest, ...]
    variant_tests: tuple[HypothesisTest, ...]
    c5_links: tuple[GrangerResult, ...] | NotTestable
    c5_family: tuple[HypothesisTest, ...]
    c5_reverse_family: tuple[HypothesisTest, ...]
    c5_primary: HypothesisTest | NotTestable
    c6_links: tuple[GrangerResult, ...] | NotTestable
    c6_family: tuple[HypothesisTest, ...]
    c6_reverse_family: tuple[HypothesisTest, ...]
    c6_primary: HypothesisTest | NotTestable

    # -- convenience views for templates (no computation beyond filtering)
    @property
    def c3_tests(self) -> tuple[GrangerResult, ...]:
        """Pairwise RUT -> crypto results in family C3 (with Holm/BH filled in)."""
        return _members(self.granger, "C3")

    @property
    def c3_reverse_tests(self) -> tuple[GrangerResult, ...]:
        return _members(self.granger, "C3-reverse")

    @property
    def c5_tests(self) -> tuple[GrangerResult, ...]:
        return _members(self.c5_links, "C5")

    @property
    def c6_tests(self) -> tuple[GrangerResult, ...]:
        return _members(self.c6_links, "C6")


def _members(results, family: str) -> tuple[GrangerResult, ...]:
    if isinstance(results, NotTestable):
        return ()
    return tuple(r for r in results if r.family == family)


# --------------------------------------------------------------------------- helpers


def weekly_lags(max_lag: int) -> tuple[int, ...]:
    """Weekly lags tested: 1, 4, 8 and ``max_lag`` (those not above ``max_lag``)."""
    return tuple(sorted({lag for lag in (1, 4, 8, max_lag) if lag <= max_lag}))


def _seed(seed: int, name: str) -> np.random.SeedSequence:
    """Sub-seed for one test, derived from the config seed and the test's name only."""
    return np.random.SeedSequence([seed, zlib.crc32(name.encode())])


def _not_testable(exc: Exception) -> NotTestable:
    return NotTestable(reason=str(exc), missing=tuple(getattr(exc, "keys", ()) or ()))


def _attempt(fn: Callable, *args, **kw):
    try:
        return fn(*args, **kw)
    except _SKIP as exc:
        return _not_testable(exc)


def _adjust(results: Sequence[GrangerResult], family: str) -> tuple[list[GrangerResult], tuple[HypothesisTest, ...]]:
    """Holm/BH over the bootstrap p-values of ``results``; returns updated results and tests."""
    tests = adjust_family([r.hypothesis_test("bootstrap") for r in results], family)
    updated = [
        dataclasses.replace(r, family=family, p_holm=t.pvalue_holm, p_bh=t.pvalue_bh)
        for r, t in zip(results, tests, strict=True)
    ]
    return updated, tests


def _intersection_union(links: Sequence[GrangerResult], claim: str, null: str, alternative: str) -> HypothesisTest:
    """All links must hold: p = max of the link p-values (Berger 1982)."""
    worst = max(links, key=lambda r: r.p_boot)
    return HypothesisTest(
        name=f"{claim.lower()}_intersection_union_l{worst.lags}",
        null=null,
        alternative=alternative,
        stat=worst.f_hc3,
        pvalue=worst.p_boot,
        df=(float(worst.df_num), float(worst.df_denom)),
        nobs=min(r.nobs for r in links),
        sample_start=max(r.sample_start for r in links),
        sample_end=min(r.sample_end for r in links),
        method=(
            "intersection-union test: largest wild-bootstrap p-value of the links "
            + ", ".join(f"{r.cause}→{r.target}" for r in links)
            + f" (weakest: {worst.cause}→{worst.target})"
        ),
        family=claim + "-chain",
        pvalue_holm=worst.p_boot,
        pvalue_bh=worst.p_boot,
        effect=None,
        effect_label="none (links in different units; see the link tests)",
    )


def _find(results: Sequence[GrangerResult], cause: str, target: str, freq: str, lags: int, cond=()) -> GrangerResult | None:
    for r in results:
        if (r.cause, r.target, r.frequency, r.lags, r.conditioning) == (cause, target, freq, lags, tuple(cond)):
            return r
    return None


# --------------------------------------------------------------------------- stages


def _unit_roots(bundle, keys_m, keys_w, spread, alpha):
    done, skipped = [], []
    start = pd.Timestamp(bundle.sample_start)
    jobs = [(k, "monthly", lambda k=k: bundle.levels([k], "monthly")[k], True) for k in keys_m]
    jobs += [(k, "weekly", lambda k=k: bundle.levels([k], "weekly")[k], True) for k in keys_w]
    if spread:
        jobs.append((spread, "monthly", lambda: bundle.levels([spread], "monthly")[spread], False))
    jobs.append(("NETLIQ", "monthly", lambda: sample(bundle.net_liquidity(), "monthly").loc[start:], True))
    for key, freq, get, log in jobs:
        try:
            done.append(integration_order(get(), key, freq, alpha=alpha, log=log))
        except _SKIP as exc:
            skipped.append(NotTestable(reason=f"{key} ({freq}): {exc}", missing=tuple(getattr(exc, "keys", ()) or ())))
    return tuple(done), tuple(skipped)


def _order(unit_roots, key: str, freq: str) -> int:
    for u in unit_roots:
        if u.series == key and u.frequency == freq:
            return u.order
    return 1


def _pair_tests(frame, cause, target, lags, freq, ic, seed, reps, alpha, cond=()):
    """Granger tests at fixed lags plus the AIC lag when it is new."""
    out = []
    ic_lag = ic.lags if ic is not None else None
    for lag in lags:
        choice = "fixed+aic" if lag == ic_lag else "fixed"
        out.append(_one(frame, cause, target, lag, freq, choice, seed, reps, alpha, cond))
    if ic_lag is not None and ic_lag not in lags:
        out.append(_one(frame, cause, target, ic_lag, freq, "aic", seed, reps, alpha, cond))
    return [r for r in out if not isinstance(r, NotTestable)]


def _one(frame, cause, target, lag, freq, choice, seed, reps, alpha, cond=(), variable="log returns"):
    cond_s = "_".join(cond)
    name = f"{cause}>{target}|{cond_s}|{freq}|{lag}"
    return _attempt(
        granger_causality, frame, cause, target, lag, conditioning=cond, reps=reps,
        seed=np.random.default_rng(_seed(seed, name)), alpha=alpha, frequency=freq,
        lag_choice=choice, variable=variable,
    )


def _ic(frame, cols, freq, maxlags, fixed) -> IcChoice | None:
    lag = _attempt(select_lag_aic, frame, cols, maxlags)
    if isinstance(lag, NotTestable):
        return None
    return IcChoice(frequency=freq, variables=tuple(cols), maxlags=maxlags, lags=int(lag), duplicate=lag in fixed)


# --------------------------------------------------------------------------- entry point


def run_leadlag(bundle, cfg) -> LeadLagResults:
    """Unit-root pre-flight and Granger causality for claims C3, C5 and C6.

    Parameters
    ----------
    bundle : DataBundle
    cfg : Config (uses ``cfg.analysis``: alpha, seed, bootstrap_reps, monthly_lags,
        weekly_max_lag, rolling_window_months)

    Returns
    -------
    LeadLagResults
        Never raises for missing series or short samples: the affected parts are
        :class:`NotTestable`.

    Notes
    -----
    See the module docstring for the families and primary tests. Every bootstrap uses its
    own generator seeded from ``cfg.analysis.seed`` and the test's name, so adding or
    removing a test never changes another test's p-value.
    """
    a = cfg.analysis
    alpha, reps, seed = cfg.rules.alpha, a.bootstrap_reps, a.seed
    m_lags = tuple(sorted(set(a.monthly_lags)))
    w_lags = weekly_lags(a.weekly_max_lag)
    primary_lag = a.granger_primary_lag
    rut = bundle.key_for_role("small_caps") or "RUT"
    gspc = bundle.key_for_role("large_caps")
    cryptos = bundle.keys_with_role("crypto")
    spread = bundle.key_for_role("credit_spread")
    btc = "BTC" if "BTC" in cryptos else (cryptos[0] if cryptos else None)

    # ---- pre-flight
    equity = tuple(k for k in (rut, gspc) if k)
    unit_roots, ur_skipped = _unit_roots(bundle, equity + cryptos, equity + cryptos, spread, alpha)

    # ---- pairwise Granger (C3)
    pairwise: list[GrangerResult] = []
    ic_choices: list[IcChoice] = []
    reasons: list[str] = []
    for c in cryptos:
        for freq, lags, maxlag in (("monthly", m_lags, max(m_lags)), ("weekly", w_lags, a.weekly_max_lag)):
            try:
                frame = bundle.returns([rut, c], freq)
            except _SKIP as exc:
                reasons.append(str(exc))
                continue
            ic = _ic(frame, [c, rut], freq, maxlag, lags)
            if ic is not None:
                ic_choices.append(ic)
            pairwise += _pair_tests(frame, rut, c, lags, freq, ic, seed, reps, alpha)
            pairwise += _pair_tests(frame, c, rut, lags, freq, ic, seed, reps, alpha)
    fwd = [r for r in pairwise if r.cause == rut]
    rev = [r for r in pairwise if r.cause != rut]
    # the pre-declared primary is judged alone at alpha; only the secondaries are adjusted
    prim = _find(fwd, rut, btc, "monthly", primary_lag) if btc else None
    secondary = [r for r in fwd if r is not prim]
    secondary, c3_family = _adjust(secondary, "C3") if secondary else ([], ())
    fwd = ([dataclasses.replace(prim, family="C3-primary")] if prim is not None else []) + secondary
    rev, c3_reverse = _adjust(rev, "C3-reverse") if rev else ([], ())
    granger = tuple(fwd + rev) if fwd or rev else NotTestable(
        reason="no RUT/crypto pair could be tested: " + "; ".join(reasons or ["no crypto series"]),
        missing=() if cryptos else ("crypto",),
    )
    c3_by_crypto = tuple(
        r.hypothesis_test("bootstrap") for c in cryptos
        if (r := _find(fwd, rut, c, "monthly", primary_lag)) is not None
    )
    prim = _find(fwd, rut, btc, "monthly", primary_lag) if btc else None
    c3_cause_sd = c3_beta = c3_implied = None
    if prim is not None:
        both = bundle.returns([rut, btc], "monthly").loc[pd.Timestamp(prim.sample_start) : pd.Timestamp(prim.sample_end)]
        c3_cause_sd = float(both[rut].std(ddof=1))
        # the thesis' implied lagged effect: full transmission of BTC's contemporaneous beta
        c3_beta = ols_slope(both[btc].to_numpy(float), both[rut].to_numpy(float))
        c3_implied = c3_beta * c3_cause_sd
    c3_primary = prim.hypothesis_test("bootstrap") if prim else NotTestable(
        reason=f"monthly {rut}→BTC Granger test at lag {primary_lag} could not be computed",
        missing=("BTC",) if not btc else (),
    )

    # ---- conditional on large caps
    cond: list[GrangerResult] = []
    if gspc is None:
        conditional = NotTestable(reason="no series with role 'large_caps'", missing=("large_caps",))
    else:
        for c in cryptos:
            for freq, lags in (("monthly", m_lags), ("weekly", w_lags)):
                try:
                    frame = bundle.returns([rut, c, gspc], freq)
                except _SKIP:
                    continue
                cond += _pair_tests(frame, rut, c, lags, freq, None, seed, reps, alpha, cond=(gspc,))
        conditional = NotTestable(reason="conditional tests could not be computed") if not cond else None
    c3_cond = ()
    if cond:
        cond, c3_cond = _adjust(cond, "C3-conditional")
        conditional = tuple(cond)

    # ---- Toda-Yamamoto on monthly log levels
    ty: list[TodaYamamotoResult] = []
    ty_reason = "no RUT/crypto pair in log levels"
    for c in cryptos:
        try:
            lv = bundle.levels([rut, c], "monthly", log=True)
        except _SKIP as exc:
            ty_reason = str(exc)
            continue
        d_max = max(1, _order(unit_roots, rut, "monthly"), _order(unit_roots, c, "monthly"))
        ic = _attempt(select_lag_aic, lv, [c, rut], max(m_lags))
        p_set = sorted(set(m_lags) | ({int(ic)} if not isinstance(ic, NotTestable) else set()))
        for lag in p_set:
            for cause, target in ((rut, c), (c, rut)):
                res = _attempt(toda_yamamoto, lv, cause, target, lag, d_max)
                if isinstance(res, NotTestable):
                    ty_reason = res.reason
                else:
                    ty.append(res)
    toda = tuple(ty) if ty else NotTestable(reason=ty_reason)

    # ---- rolling and expanding windows, RUT -> BTC monthly
    if btc is None:
        rolling = expanding = NotTestable(reason="no crypto series", missing=("BTC",))
    else:
        try:
            frame = bundle.returns([rut, btc], "monthly")
            rolling = _attempt(rolling_granger, frame, rut, btc, primary_lag, a.rolling_window_months, "rolling", alpha)
            expanding = _attempt(rolling_granger, frame, rut, btc, primary_lag, a.rolling_window_months, "expanding", alpha)
        except _SKIP as exc:
            rolling = expanding = _not_testable(exc)

    # ---- C5: credit spread -> GSPC -> RUT -> BTC
    c5_links, c5_family, c5_rev, c5_primary = _c5(bundle, spread, gspc, rut, btc, m_lags, primary_lag, seed, reps, alpha)
    # ---- C6: net liquidity -> RUT, BTC
    c6_links, c6_family, c6_rev, c6_primary = _c6(bundle, rut, btc, m_lags, primary_lag, seed, reps, alpha)

    return LeadLagResults(
        small_caps=rut,
        large_caps=gspc,
        crypto=tuple(cryptos),
        credit_spread=spread,
        primary_lag=primary_lag,
        monthly_lags=m_lags,
        weekly_lags=w_lags,
        alpha=alpha,
        reps=reps,
        seed=seed,
        unit_roots=unit_roots,
        unit_root_skipped=ur_skipped,
        ic_choices=tuple(ic_choices),
        granger=granger,
        conditional=conditional,
        toda_yamamoto=toda,
        rolling=rolling,
        expanding=expanding,
        c3_family=c3_family,
        c3_reverse_family=c3_reverse,
        c3_conditional_family=c3_cond,
        c3_primary=c3_primary,
        c3_cause_sd=c3_cause_sd,
        c3_contemp_beta=c3_beta,
        c3_implied_effect=c3_implied,
        c3_by_crypto=tuple(_primary_from_family(t, c3_family) for t in c3_by_crypto),
        variant_tests=tuple(t.hypothesis_test(v) for t in fwd + rev for v in ("classic", "hc3")),
        c5_links=c5_links,
        c5_family=c5_family,
        c5_reverse_family=c5_rev,
        c5_primary=c5_primary,
        c6_links=c6_links,
        c6_family=c6_family,
        c6_reverse_family=c6_rev,
        c6_primary=c6_primary,
    )


def _primary_from_family(test, family: tuple[HypothesisTest, ...]):
    """The family member with the same name (it carries the adjusted p-values)."""
    if isinstance(test, NotTestable):
        return test
    return next((t for t in family if t.name == test.name), test)


def _chain(frame, links, m_lags, primary_lag, seed, reps, alpha, claim, null, alternative, variables):
    fwd, rev = [], []
    for cause, target in links:
        for lag in m_lags:
            for c, t, bucket in ((cause, target, fwd), (target, cause, rev)):
                r = _one(frame, c, t, lag, "monthly", "fixed", seed, reps, alpha, variable=variables)
                if not isinstance(r, NotTestable):
                    bucket.append(r)
    if not fwd:
        reason = f"{claim}: too few monthly observations ({len(frame)}) for the link tests"
        nt = NotTestable(reason=reason)
        return nt, (), (), nt
    fwd, fam = _adjust(fwd, claim)
    rev, fam_rev = _adjust(rev, claim + "-reverse") if rev else ([], ())
    prim_links = [_find(fwd, c, t, "monthly", primary_lag) for c, t in links]
    if any(r is None for r in prim_links):
        primary = NotTestable(reason=f"{claim}: a link could not be tested at lag {primary_lag}")
    else:
        primary = _intersection_union(prim_links, claim, null, alternative)
    return tuple(fwd + rev), fam, fam_rev, primary


def _c5(bundle, spread, gspc, rut, btc, m_lags, primary_lag, seed, reps, alpha):
    missing = tuple(name for name, k in (("credit_spread", spread), ("large_caps", gspc), ("crypto", btc)) if k is None)
    if missing:
        nt = NotTestable(reason="C5 needs a credit spread, a large-cap index and a crypto series", missing=missing)
        return nt, (), (), nt
    try:
        rets = bundle.returns([gspc, rut, btc], "monthly")
        chg = bundle.levels([spread], "monthly")[spread].diff()
    except _SKIP as exc:
        nt = _not_testable(exc)
        return nt, (), (), nt
    frame = pd.concat([chg, rets], axis=1, join="inner").dropna()
    links = ((spread, gspc), (gspc, rut), (rut, btc))
    return _chain(
        frame, links, m_lags, primary_lag, seed, reps, alpha, "C5",
        null=f"at least one link of {spread}→{gspc}→{rut}→{btc} is absent (no Granger causality)",
        alternative=f"every link of {spread}→{gspc}→{rut}→{btc} Granger-causes the next",
        variables=f"{spread}: monthly change in percentage points; prices: log returns",
    )


def _c6(bundle, rut, btc, m_lags, primary_lag, seed, reps, alpha):
    if btc is None:
        nt = NotTestable(reason="C6 needs a crypto series", missing=("crypto",))
        return nt, (), (), nt
    try:
        nl = sample(bundle.net_liquidity(), "monthly")
        rets = bundle.returns([rut, btc], "monthly")
    except _SKIP as exc:
        nt = _not_testable(exc)
        return nt, (), (), nt
    growth = np.log(nl).diff().rename("NETLIQ")
    frame = pd.concat([growth, rets], axis=1, join="inner").dropna()
    links = (("NETLIQ", rut), ("NETLIQ", btc))
    return _chain(
        frame, links, m_lags, primary_lag, seed, reps, alpha, "C6",
        null=f"net-liquidity growth does not Granger-cause {rut} or does not Granger-cause {btc}",
        alternative=f"net-liquidity growth Granger-causes both {rut} and {btc}",
        variables="net liquidity: log change of month-end values; prices: log returns",
    )
