"""Time, size and power of every self-check design on the real snapshot, as the build runs it.

Run from the project folder after ``.venv/bin/reportgen import ../shared/data/market``:

    .venv/bin/python benchmarks/selfcheck_time.py            # designs alone, then the whole self-check
    .venv/bin/python benchmarks/selfcheck_time.py --results  # with the lead-lag and event results first
                                                             # (the primary lag and event dates, as in a build)

Wall time depends on what else runs on the machine; CPU time (all threads of this process)
does not, so both are printed. Budget: the whole self-check within ~8 s wall on 2 free cores.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reportgen.analysis import selfcheck as sc  # noqa: E402
from reportgen.config import load_config  # noqa: E402
from reportgen.data.store import load_cached_bundle  # noqa: E402
from reportgen.pipeline import run_family  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--results", action="store_true", help="run leadlag and events first and pass their results")
    ap.add_argument("--config", default=str(ROOT / "config.toml"))
    args = ap.parse_args(argv)
    cfg = load_config(args.config)
    bundle = load_cached_bundle(cfg, None)
    results = {}
    if args.results:
        for name in ("leadlag", "events"):
            results[name] = run_family(name, bundle, cfg)
    one = dataclasses.replace(cfg, analysis=dataclasses.replace(cfg.analysis, n_jobs=1))
    print(f"{cfg.selfcheck.simulations:,} simulations per effect; alpha = {cfg.rules.alpha:g}")
    for name in sc.DESIGNS:
        t0, c0 = time.perf_counter(), time.process_time()
        d = sc.run_selfcheck(bundle, one, results, designs=(name,)).design(name)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        if isinstance(d, sc.DesignResult):
            mde = "not reached" if d.mde_80 is None else f"{d.mde_80:.4f}"
            print(f"{name:12s} {d.claim} {'primary  ' if d.primary else 'secondary'} wall {wall:5.1f} s  cpu {cpu:5.1f} s  "
                  f"size {d.size:.3f} [{d.size_ci[0]:.3f}, {d.size_ci[1]:.3f}] in range {d.size_in_range}  "
                  f"power at min {d.power_at_min_effect:.3f} (min {d.min_effect:.4f})  mde80 {mde}  "
                  f"effects {len(d.curve_effect)}  inner draws {d.inner_draws}")
        else:
            print(f"{name:12s} {d.claim} not testable: {d.reason}")
    t0, c0 = time.perf_counter(), time.process_time()
    res = sc.run_selfcheck(bundle, cfg, results)
    print(f"whole self-check (n_jobs = {cfg.analysis.n_jobs}, joblib threads): wall {time.perf_counter() - t0:.1f} s, "
          f"cpu {time.process_time() - c0:.1f} s; ran {', '.join(d.name for d in res.ran)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
