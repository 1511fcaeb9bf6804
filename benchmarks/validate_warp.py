"""Check the warp-speed bootstrap of the IRF self-check against a full nested bootstrap.

The self-check evaluates the VAR band test with one bootstrap draw per simulated sample
(warp-speed, Giacomini, Politis and White 2013). Here the *same* simulated samples are also
tested with a full residual bootstrap each (``reportgen.analysis.var.bootstrap_irf_draws``,
``--reps`` draws per sample, percentile band), and the rejection rates are compared.

    .venv/bin/python benchmarks/validate_warp.py [--samples 300] [--reps 499]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reportgen.analysis import selfcheck as sc  # noqa: E402
from reportgen.analysis.var import bootstrap_irf_draws, resample_indices  # noqa: E402
from reportgen.config import load_config  # noqa: E402
from reportgen.data.assemble import bundle_from_folder  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--samples", type=int, default=300)
    ap.add_argument("--reps", type=int, default=499)
    args = ap.parse_args(argv)
    cfg = load_config(ROOT / "config.toml")
    bundle = bundle_from_folder(cfg, ROOT.parent / "shared" / "data" / "market")
    y = bundle.returns(["RUT", "BTC", "ETH"], "monthly").to_numpy(float)
    from reportgen.analysis.var import select_lags

    lags = max(1, select_lags(y).chosen)
    T, K = y.shape
    n = T - lags
    H = max(sc.IRF_HORIZONS)
    rng = np.random.default_rng(cfg.analysis.seed)
    c, A, U, _ = sc.var_fit_batch(y[None], lags)
    c, A, U = c[0], A[0], U[0]
    A0 = A.copy()
    A0[:, 1:, 0] = 0.0
    sigma = U.T @ U / n
    alpha = cfg.rules.alpha
    print(f"VAR({lags}), T = {T}; {args.samples} samples per design; nested bootstrap {args.reps} draws each")
    print("| planted effect | warp-speed, raw deviations, 1 draw | studentised warp-speed (self-check) | "
          "full bootstrap per sample | time (full) |")
    print("|---:|---:|---:|---:|---:|")
    for target in (0.0, cfg.rules.min_effect_monthly_return, 0.05):
        Ab, _ = sc._planted_coef(A0, sigma, 1, 0, target, sc.IRF_HORIZONS)
        eta = 2.0 * rng.integers(0, 2, size=(args.samples, n)) - 1.0
        ystar = sc.simulate_var_paths(y[:lags], c, Ab, U[None] * eta[..., None])
        # warp-speed on these samples: R draws each, global pool and local pool
        R = sc.WARP_DRAWS
        cb, Ah, Uh, Sh = sc.var_fit_batch(ystar, lags)
        est = sc.irf_cum_response(Ah, Sh, 1, 0)
        Uc = np.repeat(Uh - Uh.mean(axis=1, keepdims=True), R, axis=0)
        ub = np.take_along_axis(Uc, rng.integers(0, n, size=(args.samples * R, n))[..., None], axis=1)
        yb = sc.simulate_var_paths(np.repeat(ystar[:, :lags], R, axis=0), np.repeat(cb, R, axis=0),
                                   np.repeat(Ah, R, axis=0), ub)
        _, Abb, _, Sbb = sc.var_fit_batch(yb, lags)
        dev = sc.irf_cum_response(Abb, Sbb, 1, 0).reshape(-1, R) - est[:, None]
        lo_g, hi_g = sc.warp_bands(est, dev[:, :1], alpha)
        lo_w, hi_w = sc.warp_bands(est, dev, alpha, sc.delta_se_cum_response(ystar, Ah, Uh, Sh, 1, 0))
        # nested: a full bootstrap per sample
        t0 = time.perf_counter()
        lo_n, hi_n = np.empty(args.samples), np.empty(args.samples)
        for b in range(args.samples):
            d = bootstrap_irf_draws(ystar[b], lags, H, resample_indices(n, args.reps, rng))["orth"]
            cum = d[:, 1 : H + 1, 1, 0].sum(axis=1)
            lo_n[b], hi_n[b] = np.quantile(cum, [alpha / 2, 1 - alpha / 2])
        secs = time.perf_counter() - t0
        def rej(lo, hi):
            return lo > 0 if target > 0 else (lo > 0) | (hi < 0)

        rn = rej(lo_n, hi_n)
        pn = sc.rejection_rate(rn)
        cells = []
        for lo, hi in ((lo_g, hi_g), (lo_w, hi_w)):
            r = rej(lo, hi)
            p = sc.rejection_rate(r)
            cells.append(f"{p[0]:.3f} [{p[1]:.3f}, {p[2]:.3f}] (agree {np.mean(r == rn):.0%})")
        print(f"| {target:.3f} | {cells[0]} | {cells[1]} | {pn[0]:.3f} [{pn[1]:.3f}, {pn[2]:.3f}] | {secs:.0f} s |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
