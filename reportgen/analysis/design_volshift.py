"""Self-check design of C8's primary test: size and power of the volatility level-shift test.

The design runs :func:`reportgen.analysis.volatility.level_shift_test` -- the function that
computes C8's primary p-value in :func:`reportgen.analysis.volatility.volatility_level_shift`
-- batched over simulated samples of ``d_t = log RV_BTC,t - log RV_RUT,t`` that keep the
real series' persistence and tails but have no shift at the ETF date (null), and with a
planted shift there (power).

Effect unit and sign are those of ``RegimeResults.c8_primary``: the relative change in BTC's
volatility relative to the Russell 2000's, ``exp(shift / 2) - 1``; the claim is a decrease, so
planted effects and the minimum effect (``rules.min_volatility_change``) are magnitudes of a
decrease: effect ``e`` plants ``shift = 2 log(1 - e)``.
"""

from __future__ import annotations

import numpy as np

from reportgen.errors import InsufficientDataError

PRIMARY_ASSET = "BTC"
CONTROL = "RUT"
INNER_DRAWS = 199  # bootstrap draws per simulated sample (alpha * (B + 1) = 10 at 5%)
NULL_BLOCK = 24.0  # mean block (months) of the stationary bootstrap that builds the null samples
MAX_EFFECT = 0.95  # a relative decrease of 100% or more cannot be planted

__all__ = ["build_design", "simulate_volshift_design", "real_d"]


def real_d(bundle, etf_date, min_days: int | None = None):
    """The real ``d_t`` of the primary test: ``(d (pd.Series), post (bool array), dropped month)``."""
    import pandas as pd

    from reportgen.analysis.volatility import MIN_MONTH_DAYS, log_rv_difference, split_at_date

    def rets(key):
        s = bundle.series(key)
        return np.log(s.loc[pd.Timestamp(bundle.sample_start):]).diff().dropna()

    d = log_rv_difference(rets(PRIMARY_ASSET), rets(CONTROL), MIN_MONTH_DAYS if min_days is None else min_days)
    return split_at_date(d, etf_date)


def simulate_volshift_design(d: np.ndarray, post: np.ndarray, effects: np.ndarray, n_sim: int,
                             rng: np.random.Generator, alpha: float, *, maxlags: int, block: int,
                             inner_draws: int = INNER_DRAWS, null_block: float = NULL_BLOCK) -> dict:
    """Rejection matrix of the level-shift test on simulated ``d_t``.

    Parameters
    ----------
    d : array (n,)
        Real ``d_t``.
    post : bool array (n,)
        Post-date dummy of the real test.
    effects : array (E,)
        Planted relative decreases in volatility (0 = null), each in ``[0, 1)``.
    n_sim : int
        Samples per effect.
    rng : numpy.random.Generator
    alpha : float
        Level of the one-sided test.
    maxlags, block : int
        Newey-West lags and block length of the real test.
    inner_draws : int
        Bootstrap draws per simulated sample.
    null_block : float
        Mean block length (months) of the stationary bootstrap building the null samples.

    Returns
    -------
    dict with ``reject`` (bool (E, n_sim)), ``pvalue_dir`` (float (E, n_sim)), ``estimate``
    (relative change, (E, n_sim)) and ``failed`` (int).

    Notes
    -----
    Null samples: stationary bootstrap (Politis and Romano 1994, mean block ``null_block``
    months) of the regime-demeaned real ``d_t`` -- its persistence and tails without the
    shift. A different scheme from the test's own moving-block bootstrap, so that a correct
    size is not built in. The same null samples and bootstrap draws serve every effect
    (common random numbers: the power curve is smooth); planted effect ``e`` adds
    ``2 log(1 - e)`` to the post months (``level_shift_test(..., planted=...)``, equal to
    testing each shifted sample separately).
    """
    from reportgen.analysis.selfcheck import stationary_bootstrap_indices
    from reportgen.analysis.volatility import level_shift_test

    d = np.asarray(d, dtype=float)
    post = np.asarray(post, dtype=bool)
    n = d.size
    u = d - np.where(post, d[post].mean(), d[~post].mean())
    idx = stationary_bootstrap_indices(n, n_sim, null_block, rng)  # (n_sim, n)
    base = u[idx].T  # (n, n_sim)
    shifts = 2.0 * np.log1p(-np.minimum(np.asarray(effects, dtype=float), MAX_EFFECT))
    res = level_shift_test(base, post, maxlags=maxlags, block=block, reps=inner_draws, rng=rng, alpha=alpha,
                           planted=shifts)
    ok = np.isfinite(res["pvalue"]) & np.isfinite(res["stat"])
    pdir = np.where(ok, res["pvalue"], np.nan)
    reject = ok & (res["pvalue"] <= alpha + 1e-12)
    return {"reject": reject, "pvalue_dir": pdir, "estimate": np.expm1(res["shift"] / 2),
            "failed": int((~ok).sum())}


def build_design(bundle, cfg, results: dict, rng_seq: np.random.SeedSequence, n_sim: int, alpha: float,
                 grid_se: tuple[float, ...]):
    """The C8 design (registered as ``"vol_shift"``); see the module docstring.

    Raises
    ------
    MissingSeriesError
        BTC or RUT is missing.
    InsufficientDataError
        Fewer than 12 usable months in a regime.
    """
    from reportgen.analysis.selfcheck import _extend, _grid, _summarise
    from reportgen.analysis.volatility import SHIFT_BLOCK, _shift_ols, newey_west_lags

    bundle.require(PRIMARY_ASSET, CONTROL)
    etf = cfg.volatility.etf_date
    d, post, dropped = real_d(bundle, etf)
    n1, n0 = int(post.sum()), int((~post).sum())
    if min(n0, n1) < 12:
        raise InsufficientDataError(f"need 12 months in each regime for the C8 design; have {n0} before and "
                                    f"{n1} from {etf}")
    y = d.to_numpy(float)
    L = newey_west_lags(y.size)
    block = min(SHIFT_BLOCK, y.size)
    se_shift = float(_shift_ols(y[:, None], post, L)[1][0])
    se = se_shift / 2.0  # d(exp(s/2) - 1)/ds at s = 0
    min_eff = float(cfg.rules.min_volatility_change)
    eff, eff_se = _grid(grid_se, se, min_eff)
    keep = eff < MAX_EFFECT
    eff, eff_se = eff[keep], eff_se[keep]
    rng = np.random.default_rng(rng_seq)
    sim, eff, eff_se = _extend(
        lambda e: simulate_volshift_design(y, post, e, n_sim, rng, alpha, maxlags=L, block=block),
        eff, eff_se, se, max(grid_se), alpha)
    first, last = d.index[0].start_time.date(), d.index[-1].end_time.date()
    return _summarise(
        "vol_shift", sim, eff, eff_se, se, min_eff, n_sim, alpha, rng_seq,
        claim="C8",
        title=f"Shift in BTC's volatility relative to the Russell 2000 after {etf}",
        test=(f"OLS of d_t = log RV(BTC) - log RV(RUT) (monthly) on a post-{etf} dummy, Newey-West t ({L} lags), "
              f"one-sided p from a null-imposed moving-block bootstrap ({block}-month blocks) <= {alpha:g}; "
              f"the same function as the real test, with {INNER_DRAWS} bootstrap draws per simulated sample "
              "instead of 1,999"),
        null="BTC's volatility relative to the Russell 2000's did not fall after the ETF date",
        dgp=(f"stationary bootstrap (mean block {NULL_BLOCK:g} months) of the real d_t, {first} to {last}, "
             "demeaned by regime (its persistence and tails, no shift); "
             + (f"month {dropped:%Y-%m} (contains the date) left out" if dropped else "no month left out")),
        planted=f"2 log(1 - effect) added to d_t in the {n1} months after the date",
        effect_unit=("relative change in BTC's volatility relative to the Russell 2000's after the ETF date, "
                     "exp(shift/2) - 1; claimed sign negative; planted effects and the minimum are magnitudes "
                     f"of the decrease ({min_eff:.2f} = {min_eff:.0%} lower)"),
        nobs=int(y.size), n_events=0, lags=L, horizon=n1, inner_draws=INNER_DRAWS,
    )
