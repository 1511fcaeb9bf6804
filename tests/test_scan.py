"""`reportgen scan`: planted leads found, independent pairs not called significant after BH,
the scan's numbers equal granger_causality's, deterministic CSV bytes on every backend
(local threads and a distributed.LocalCluster), clean errors."""

from __future__ import annotations

import tomllib

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from reportgen.analysis.event_study import wilson_interval
from reportgen.analysis.granger import granger_causality
from reportgen.analysis.resampling import seed_stream
from reportgen.cli import main
from reportgen.config import parse_config
from reportgen.data.bundle import bundle_from_frames
from reportgen.errors import ConfigError
from reportgen.scan import ScanError, UnknownSeriesError, dask_parallel, run_scan, scan_inputs
from reportgen.scan.engine import pair_sample, run_scan_frames, stationary_frames, transform_for
from reportgen.scan.output import heatmap_svg, promote_snippet, scan_csv, scan_html
from tests import dgp
from tests.conftest import ROOT

SEED = 20260121


def planted_frame(n: int = 160, seed: int = 3) -> pd.DataFrame:
    """Monthly stationary series: X leads Y by 2 months (b = 0.5); Z1, Z2 independent of all."""
    rng = np.random.default_rng(seed)
    xy = dgp.var_lead(n, rng, lag=2, b=0.5)
    z = dgp.independent_returns(n, rng, k=2, t_df=None, garch=False)
    idx = pd.date_range("2012-01-31", periods=n, freq="ME")
    return pd.DataFrame({"X": xy[:, 0], "Y": xy[:, 1], "Z1": z[:, 0], "Z2": z[:, 1]}, index=idx)


def scan_planted(frame=None, **kw):
    frame = planted_frame() if frame is None else frame
    opts = dict(reps=499, seed=SEED, alpha=0.05, size_simulations=0, n_jobs=1)
    opts.update(kw)
    return run_scan_frames({"monthly": frame}, {"monthly": (1, 2, 3)}, {k: "log_return" for k in frame}, **opts)


@pytest.fixture(scope="module")
def planted():
    return scan_planted()


# --------------------------------------------------------------------------- known answers


def test_planted_lead_ranks_first_and_independent_pairs_are_not_significant(planted):
    assert len(planted.rows) == 4 * 3 * 3
    top = planted.rows[0]
    assert (top.leader, top.follower, top.rank) == ("X", "Y", 1)
    assert top.qvalue < 0.05 and top.pvalue == pytest.approx(1 / 500)
    assert top.expected_sign == "+" and top.effect > 0 and top.ci_low > 0
    sig = planted.significant
    assert {(r.leader, r.follower) for r in sig} == {("X", "Y")}
    assert {r.lags for r in sig} == {2, 3}  # the lag-2 effect is invisible to a 1-lag test
    for r in planted.rows:
        if (r.leader, r.follower) != ("X", "Y"):
            assert r.qvalue >= 0.05, r.unit


def test_ranking_is_by_q_then_p_and_bh_is_statsmodels(planted):
    from statsmodels.stats.multitest import multipletests

    q = [r.qvalue for r in planted.rows]
    assert q == sorted(q)
    assert [r.rank for r in planted.rows] == list(range(1, 37))
    ref = multipletests([r.pvalue for r in planted.rows], method="fdr_bh")[1]
    np.testing.assert_allclose(q, ref, rtol=0, atol=1e-15)


def test_golden_equals_granger_causality_for_the_same_data_and_seed(planted):
    frame = planted_frame()
    for row in (planted.rows[0], next(r for r in planted.rows if r.unit == "Z2->X:monthly:1")):
        ref = granger_causality(pair_sample(frame, row.leader, row.follower), cause=row.leader,
                                target=row.follower, lags=row.lags, reps=499,
                                seed=seed_stream(SEED, "scan", row.unit))
        assert row.stat == pytest.approx(ref.f_hc3, abs=1e-10)
        assert row.pvalue == ref.p_boot
        assert row.p_hc3 == pytest.approx(ref.p_hc3, abs=1e-12)
        assert row.nobs == ref.nobs
        assert (row.sample_start, row.sample_end) == (ref.sample_start, ref.sample_end)
        sd = frame[row.leader].loc[pair_sample(frame, row.leader, row.follower).index].std(ddof=1)
        assert row.effect == pytest.approx(ref.coef_sum * sd, abs=1e-12)
        assert row.ci_low == pytest.approx(ref.ci_low * sd, abs=1e-12)
        assert row.ci_high == pytest.approx(ref.ci_high * sd, abs=1e-12)


def test_effect_is_the_summed_lag_coefficients_times_the_leader_sd(planted):
    import statsmodels.api as sm

    frame = planted_frame()
    row = next(r for r in planted.rows if r.unit == "X->Y:monthly:2")
    d = pd.DataFrame({"y": frame.Y, "y1": frame.Y.shift(1), "y2": frame.Y.shift(2),
                      "x1": frame.X.shift(1), "x2": frame.X.shift(2)}).dropna()
    fit = sm.OLS(d.y, sm.add_constant(d[["y1", "y2", "x1", "x2"]])).fit(cov_type="HC3")
    assert row.coef_sum == pytest.approx(fit.params.x1 + fit.params.x2, abs=1e-10)
    se = np.sqrt(np.ones(2) @ fit.cov_params().loc[["x1", "x2"], ["x1", "x2"]].to_numpy() @ np.ones(2))
    assert row.coef_se == pytest.approx(se, abs=1e-10)
    assert row.effect == pytest.approx(row.coef_sum * frame.X.std(ddof=1), abs=1e-12)


@pytest.mark.slow
def test_size_of_the_grid_test_is_near_nominal_on_independent_series():
    rng = np.random.default_rng(11)
    z = dgp.independent_returns(150, rng, k=4, t_df=5.0, garch=True)
    frame = pd.DataFrame(z, columns=list("ABCD"), index=pd.date_range("2010-01-31", periods=150, freq="ME"))
    res = scan_planted(frame, reps=199, size_simulations=150)
    s = res.size
    assert s.simulations == 36 * 150
    assert s.rejections == sum(r.size_rejections for r in res.rows)
    assert 0.03 <= s.rate <= 0.07
    assert (s.ci_low, s.ci_high) == pytest.approx(wilson_interval(s.rejections, s.simulations, 0.05), abs=1e-15)
    assert [b[:2] for b in s.by_lag] == [("monthly", 1), ("monthly", 2), ("monthly", 3)]


def test_size_check_draws_from_its_own_stream():
    a = scan_planted(size_simulations=99)
    b = scan_planted(size_simulations=0)
    assert [(r.unit, r.pvalue) for r in a.rows] == [(r.unit, r.pvalue) for r in b.rows]
    assert b.size is None and a.size.simulations == 36 * 99
    with pytest.raises(ValueError, match=r"size_simulations must be 0 or at least 19 .* got 10"):
        scan_planted(size_simulations=10)


# --------------------------------------------------------------------------- data and transforms


def test_transforms_by_source_and_sampling():
    assert transform_for("yfinance") == "log_return"
    assert transform_for("fred") == "difference"
    with pytest.raises(ValueError, match=r"source must be one of \('yfinance', 'fred'\), got 'csvx'"):
        transform_for("csvx")
    days = pd.date_range("2020-01-01", "2020-06-30", freq="D")
    price = pd.Series(np.exp(np.linspace(0, 1, len(days))), index=days)
    spread = pd.Series(np.linspace(3, 5, len(days)), index=days)
    frames = stationary_frames({"P": price, "S": spread}, {"P": "log_return", "S": "difference"}, ["monthly"])
    m = frames["monthly"]
    ends = price.resample("ME").last()
    np.testing.assert_allclose(m.P, np.log(ends).diff().iloc[1:], atol=1e-15)
    np.testing.assert_allclose(m.S, spread.resample("ME").last().diff().iloc[1:], atol=1e-15)
    with pytest.raises(ValueError, match=r"frequency must be one of \('monthly', 'weekly'\), got 'daily'"):
        stationary_frames({"P": price}, {"P": "log_return"}, ["daily"])


def test_each_pair_uses_its_own_overlapping_sample_and_short_ones_are_not_testable():
    frame = planted_frame()
    frame.loc[frame.index[:-15], "Z2"] = np.nan  # Z2 has only its last 15 months
    frame.loc[frame.index[:40], "Z1"] = np.nan
    res = scan_planted(frame)
    short = [r for r in res.rows if "Z2" in (r.leader, r.follower)]
    assert all(r.testable == (r.lags == 1) for r in short)  # 15 months: enough for 1 lag (14), not 2 (17)
    r3 = next(r for r in short if r.unit == "Z2->X:monthly:3")
    assert r3.reason == "need 20 monthly observations for 3 lags; have 15"
    assert r3.rank > len(res.tested)
    z1 = next(r for r in res.rows if r.unit == "Z1->X:monthly:1")
    assert (z1.nobs, z1.sample_start) == (119, frame.index[41].date())
    full = next(r for r in res.rows if r.unit == "X->Y:monthly:1")
    assert (full.nobs, full.sample_start, full.sample_end) == (159, frame.index[1].date(), frame.index[-1].date())
    # BH runs over the testable units only
    assert len(res.tested) == 36 - 2 * 6


def test_constant_series_is_not_testable():
    frame = planted_frame()
    frame["Z2"] = 0.0
    res = scan_planted(frame)
    row = next(r for r in res.rows if r.unit == "Z2->Y:monthly:2")
    assert not row.testable and row.reason == "Z2 is constant over the sample; nothing to test"


# --------------------------------------------------------------------------- bytes and backends


@pytest.mark.slow  # starts two local worker processes
def test_csv_bytes_are_deterministic_and_independent_of_workers(planted, monkeypatch):
    from joblib import parallel_config

    from reportgen.scan.engine import local_parallel

    data = scan_csv(planted)
    assert data == scan_csv(scan_planted(n_jobs=2))  # two worker processes
    with parallel_config(backend="threading"):
        assert data == scan_csv(scan_planted(n_jobs=2))  # two threads
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    assert local_parallel(2)._backend_kwargs["prefer"] == "threads"
    lines = data.decode().splitlines()
    assert lines[0].startswith("rank,leader,follower,frequency,lags,expected_sign,qvalue,pvalue,stat")
    first = lines[1].split(",")
    assert first[:6] == ["1", "X", "Y", "monthly", first[4], "+"]
    assert first[7] == "0.002000"  # p = 1/500, six decimals
    assert not data.endswith(b"\n\n") and b"\r" not in data


@pytest.fixture
def inproc_ip(monkeypatch):
    """distributed finds its own IP with a UDP connect to 8.8.8.8 (no packet is sent, but the
    no-network fixture refuses every connect): the in-process cluster is told it is 127.0.0.1."""
    import distributed.comm.inproc
    import distributed.comm.utils
    import distributed.utils

    for mod in (distributed.utils, distributed.comm.inproc, distributed.comm.utils):
        monkeypatch.setattr(mod, "get_ip", lambda *a, **k: "127.0.0.1", raising=False)


@pytest.mark.slow  # starts an in-process Dask cluster (about 5 s on a busy 2-core machine)
def test_same_scan_on_a_dask_localcluster_gives_identical_csv(planted, inproc_ip):
    from distributed import LocalCluster

    cfg = _cfg("\n[scan]\nbootstrap_reps = 199\nsize_simulations = 99\nn_jobs = 1\n")
    local = run_scan(_bundle(), cfg, ["RUT", "BTC", "HYOAS"])
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        with dask_parallel(cluster.scheduler_address):
            remote = scan_planted(n_jobs=2)
        ran = sorted(cluster.scheduler.task_prefixes)
        # the CLI's path: run_scan(..., scheduler=ADDRESS), as `reportgen scan --scheduler ADDRESS`
        via_address = run_scan(_bundle(), cfg, ["RUT", "BTC", "HYOAS"], scheduler=cluster.scheduler_address)
    assert any("scan_pair" in name for name in ran), ran  # the pairs really ran on the cluster
    assert scan_csv(remote) == scan_csv(planted)
    assert scan_csv(via_address) == scan_csv(local)
    assert via_address.size == local.size


def test_unreachable_scheduler_is_a_clean_error(inproc_ip):
    with pytest.raises(ScanError, match=r"could not connect to the Dask scheduler at inproc://nowhere/1/2"):
        with dask_parallel("inproc://nowhere/1/2"):
            pass


# --------------------------------------------------------------------------- output


def test_heatmap_is_deterministic_with_prefixed_ids(planted):
    svg = heatmap_svg(planted)
    assert svg == heatmap_svg(planted)
    import re

    ids = re.findall(r'\bid="([^"]+)"', svg)
    assert ids and all(i.startswith("scan-") for i in ids)
    assert len(ids) == len(set(ids))
    for ref in re.findall(r"url\(#([^)]+)\)", svg):
        assert ref in ids


def test_html_says_exploratory_and_shows_size_and_rows(config):
    res = scan_planted(size_simulations=99)
    import datetime as dt

    html = scan_html(res, config, dt.date(2026, 12, 1))
    assert "Exploratory — not a test of any claim." in html
    assert "Benjamini–Hochberg controls the false-discovery" in html
    assert "X → Y" in html and 'role="img" aria-label="Heatmaps of Benjamini–Hochberg q-values' in html
    assert "of 3,564 simulated tests" in html


def test_promote_prints_a_toml_claim_that_a_narrative_file_accepts(planted, config):
    from reportgen.narrative import parse_narrative

    text = promote_snippet(planted, 1)
    lags = planted.rows[0].lags
    claim = tomllib.loads(text)["claims"][0]
    assert {k: v for k, v in claim.items() if k not in ("title", "article_says")} == {
        "id": f"X-Y-m{lags}", "leader": "X", "follower": "Y", "method": "granger", "frequency": "monthly",
        "lags": lags, "expected_sign": 1, "reverse": True}
    assert text.startswith("# promoted from `reportgen scan` row 1 of 36: EXPLORATORY")
    series = "".join(f'[[series]]\nkey = "{k}"\nsymbol = "{k}"\nsource = "yfinance"\nrole = "crypto"\n\n' for k in "XY")
    narrative = parse_narrative('[narrative]\nname = "promoted"\ntitle = "t"\nthesis = "x leads y"\n\n' + series + text,
                                "promoted.toml", config)
    assert [(c.leader, c.follower, c.lags, c.expected_sign) for c in narrative.lead_lag] == [("X", "Y", lags, 1)]
    with pytest.raises(ScanError, match=r"row 37 does not exist; the table has rows 1..36"):
        promote_snippet(planted, 37)


def test_promote_refuses_a_not_testable_row():
    frame = planted_frame()
    frame["Z2"] = 0.0
    res = scan_planted(frame)
    last = res.rows[-1]
    with pytest.raises(ScanError, match=rf"row {last.rank} \({last.unit}\) was not testable: Z2 is constant"):
        promote_snippet(res, last.rank)


# --------------------------------------------------------------------------- config, series, CLI


def _cfg(extra: str = ""):
    return parse_config((ROOT / "config.toml").read_text(encoding="utf-8").split("\n[scan]")[0] + extra)


def test_scan_config_defaults_and_errors():
    sc = _cfg().scan
    assert (sc.frequencies, sc.monthly_lags, sc.bootstrap_reps, sc.scheduler) == (("monthly",), (1, 2, 3), 1999, "")
    with pytest.raises(ConfigError, match=r"scan.monthly_lags must be in 1..12, got 0"):
        _cfg("\n[scan]\nmonthly_lags = [0]\n")
    with pytest.raises(ConfigError, match=r"scan.frequencies\[0\] must be one of \('monthly', 'weekly'\), got 'daily'"):
        _cfg('\n[scan]\nfrequencies = ["daily"]\n')
    with pytest.raises(ConfigError, match=r"scan.series names unknown series 'FOO'; configured: RUT, GSPC"):
        _cfg('\n[scan]\nseries = ["FOO"]\n')
    with pytest.raises(ConfigError, match=r"scan.scheduler must be empty or an address like 'tcp://HOST:8786', got 'host'"):
        _cfg('\n[scan]\nscheduler = "host"\n')
    with pytest.raises(ConfigError, match=r"scan.size_simulations must be 0 \(no size check\) or in 99..10000, got 20"):
        _cfg("\n[scan]\nsize_simulations = 20\n")
    with pytest.raises(ConfigError, match=r"scan.bootstrap_reps must be in 99..100000, got 10"):
        _cfg("\n[scan]\nbootstrap_reps = 10\n")


def _bundle():
    days = pd.date_range("2014-01-01", "2024-12-31", freq="D")
    rng = np.random.default_rng(5)
    close = {k: pd.Series(100 * np.exp(np.cumsum(0.01 * rng.standard_normal(len(days)))), index=days)
             for k in ("RUT", "BTC", "HYOAS")}
    return bundle_from_frames(close, {"RUT": "small_caps", "BTC": "crypto", "HYOAS": "credit_spread"})


def test_unknown_series_is_a_one_line_error():
    cfg = _cfg()
    with pytest.raises(UnknownSeriesError, match=r"^unknown series 'FOO'; cached series: RUT, BTC, HYOAS$"):
        scan_inputs(_bundle(), cfg, ["RUT", "FOO"])
    with pytest.raises(UnknownSeriesError, match=r"a scan needs at least two series; got RUT"):
        scan_inputs(_bundle(), cfg, ["RUT"])
    close, transforms = scan_inputs(_bundle(), cfg, None)
    assert list(close) == ["RUT", "BTC", "HYOAS"]
    assert transforms == {"RUT": "log_return", "BTC": "log_return", "HYOAS": "difference"}


def test_run_scan_on_a_bundle_uses_config_and_seed_streams():
    cfg = _cfg("\n[scan]\nbootstrap_reps = 99\nsize_simulations = 0\nn_jobs = 1\n")
    res = run_scan(_bundle(), cfg, ["RUT", "HYOAS"])
    assert [r.unit for r in sorted(res.rows, key=lambda r: r.unit)] == [
        "HYOAS->RUT:monthly:1", "HYOAS->RUT:monthly:2", "HYOAS->RUT:monthly:3",
        "RUT->HYOAS:monthly:1", "RUT->HYOAS:monthly:2", "RUT->HYOAS:monthly:3"]
    assert res.rows[0].sample_start >= cfg.data.sample_start
    assert res.transforms == (("RUT", "log_return"), ("HYOAS", "difference"))


def _write_folder(folder):
    folder.mkdir(parents=True)
    rng = np.random.default_rng(8)
    bdays = pd.bdate_range("2015-01-02", "2024-12-31")
    days = pd.date_range("2015-01-01", "2024-12-31", freq="D")
    for name, idx in (("RUT.csv", bdays), ("GSPC.csv", bdays), ("BTC-USD.csv", days)):
        closes = np.round(100 * np.exp(np.cumsum(0.01 * rng.standard_normal(len(idx)))), 6)
        pd.DataFrame({"date": idx.strftime("%Y-%m-%d"), "close": closes}).to_csv(folder / name, index=False)
    return folder


def test_cli_scan_writes_csv_and_html_and_promotes(tmp_path):
    cfg = tmp_path / "proj" / "config.toml"
    cfg.parent.mkdir()
    text = (ROOT / "config.toml").read_text(encoding="utf-8").split("\n[scan]")[0]
    cfg.write_text(text + "\n[scan]\nbootstrap_reps = 99\nsize_simulations = 99\nn_jobs = 1\n", encoding="utf-8")
    run = CliRunner().invoke
    assert run(main, ["--config", str(cfg), "import", str(_write_folder(tmp_path / "snap"))]).exit_code == 0
    out = tmp_path / "scanout"
    r = run(main, ["--config", str(cfg), "scan", "--out", str(out), "--promote", "1"])
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in out.iterdir()) == ["scan.csv", "scan.html"]
    rows = pd.read_csv(out / "scan.csv")
    assert len(rows) == 6 * 3 and list(rows["rank"]) == list(range(1, 19))
    assert "[[claims]]" in r.output and "EXPLORATORY" in r.output
    # default folder: <output_dir>/scan-<date>
    r = run(main, ["--config", str(cfg), "scan", "--series", "RUT,BTC", "--as-of", "2024-06-30"])
    assert r.exit_code == 0, r.output
    assert (cfg.parent / "output" / "scan-2024-06-30" / "scan.csv").is_file()
    r = run(main, ["--config", str(cfg), "scan", "--series", "RUT,FOO"])
    assert r.exit_code == 2 and "error: unknown series 'FOO'; cached series: RUT, GSPC, BTC" in " ".join(r.output.split())
    assert "Traceback" not in r.output
    r = run(main, ["--config", str(cfg), "scan", "--series", "RUT,BTC", "--out", str(out), "--promote", "99"])
    assert r.exit_code == 1 and "row 99 does not exist; the table has rows 1..6" in " ".join(r.output.split())
