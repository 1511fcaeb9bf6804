"""The build's progress: step N of M from the pipeline's own stage list, per-stage timings."""

from __future__ import annotations

import itertools

from reportgen.pipeline import build_stages
from reportgen.progress import StageClock


def test_stage_clock_counts_steps_and_times_stages():
    ticks = itertools.count(0.0, 1.5)
    clock = StageClock(("fetch", "load data", "analysis events", "write"), clock=lambda: next(ticks))
    e = clock.message("fetch")
    assert (e.step, e.total, e.stage, e.new_stage) == (1, 4, "fetch", True)
    e = clock.message("fetch RUT: ok")  # a detail within the stage
    assert (e.step, e.stage, e.detail, e.new_stage) == (1, "fetch", "fetch RUT: ok", False)
    assert clock.message("load data").step == 2
    assert clock.message("analysis events").step == 3
    assert clock.message("write").step == 4
    assert clock.finish() == (("fetch", 3.0), ("load data", 1.5), ("analysis events", 1.5), ("write", 1.5))


def test_build_stages_follow_the_narrative(config):
    stages = build_stages(config, offline=True)
    assert stages[0] == "load data" and stages[-4:] == ("verdicts", "tables", "documents", "write")
    assert "analysis selfcheck" in stages and "fetch" not in stages
    assert build_stages(config, offline=False)[0] == "fetch"


def test_a_family_computed_beside_equals_the_same_family_inline(snapshot_bundle, config):
    """The family run in a second process (pipeline.BESIDE) gives the same bytes as inline."""
    from reportgen.pipeline import _Beside, run_family
    from reportgen.serialize import dumps

    beside = _Beside.start("credit_beta", snapshot_bundle, config).result()
    assert dumps(beside) == dumps(run_family("credit_beta", snapshot_bundle, config))
