"""Command line: a thin layer over the library. Library errors -> one clean message, a hint
and a documented exit code; no traceback for anything the user can fix.

Exit codes: 0 ok · 1 other reportgen error · 2 bad config or usage · 3 invalid data ·
4 live source failed (fetch) · 5 no cached data · 6 report could not be built.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import sys
import tempfile
import traceback
from functools import wraps
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from reportgen import __version__
from reportgen.config import Config, load_config
from reportgen.errors import ConfigError, ReportgenError, SourceError

console = Console(stderr=True, highlight=False, soft_wrap=True)


def _fail(exc: ReportgenError) -> None:
    console.print(f"[bold red]error:[/] {escape(str(exc))}")
    if exc.hint:
        console.print(f"[dim]hint:[/] {escape(exc.hint)}")
    sys.exit(exc.exit_code)


INTERNAL_ERROR_EXIT = 1


def crash_log_dir() -> Path:
    """Where tracebacks of unexpected errors go: ``$REPORTGEN_LOG_DIR``, else
    ``$XDG_STATE_HOME/reportgen`` (``~/.local/state/reportgen``), else the temp folder."""
    env = os.environ.get("REPORTGEN_LOG_DIR")
    if env:
        return Path(env)
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "reportgen"


def write_crash_log(exc: BaseException) -> Path | None:
    """Write the traceback of ``exc`` to a new log file; return its path (None if no folder
    could be written: the terminal still gets only the one line)."""
    now = dt.datetime.now(dt.timezone.utc)
    name = f"crash-{now:%Y%m%dT%H%M%SZ}-{os.getpid()}.log"
    text = (
        f"reportgen {__version__} internal error at {now.isoformat(timespec='seconds')}\n"
        f"command: {' '.join(sys.argv)}\ncwd: {os.getcwd()}\n"
        f"python: {platform.python_version()} on {platform.platform()}\n\n"
        + "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    )
    for folder in (crash_log_dir(), Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / name
            path.write_text(text, encoding="utf-8")
            return path
        except OSError:
            continue
    return None


def clean_errors(func):
    """Turn ReportgenError (and Ctrl-C) into a message and an exit code.

    Anything else is a bug: exit 1 with one line naming the log file that holds the
    traceback; the traceback never reaches the terminal.
    """

    @wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except ReportgenError as exc:
            if isinstance(exc, ConfigError) and exc.hint == ConfigError.hint:
                ctx = click.get_current_context(silent=True)
                path = ((ctx.find_root().obj or {}) if ctx else {}).get("config_path")
                if path:  # name the file actually in use, not the default
                    exc.hint = f"fix the key named above in {path} (the file given by --config, default config.toml)"
            _fail(exc)
        except KeyboardInterrupt:
            console.print("[yellow]interrupted; nothing was written[/]")
            sys.exit(130)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as exc:  # noqa: BLE001 - the one top-level catch-all, by design  # noqa: broad
            path = write_crash_log(exc)
            where = f"details in {path}" if path else "no log file could be written"
            console.print(f"[bold red]error:[/] internal error, please report; {escape(where)}")
            sys.exit(INTERNAL_ERROR_EXIT)

    wrapper.clean_errors = True  # marks the command as wrapped (checked by the tests)
    return wrapper


def _date(ctx, param, value):
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"expected YYYY-MM-DD, got {value!r}") from None


@click.group(help="Test the 'Russell 2000 breakouts lead crypto' claims and write the research report.")
@click.version_option(__version__, "--version", prog_name="reportgen", message="%(prog)s %(version)s",
                      help="Show the version and exit.")
@click.option("--config", "config_path", default="config.toml", show_default=True, type=click.Path(dir_okay=False),
              help="Configuration file.")
@click.pass_context
def main(ctx: click.Context, config_path: str) -> None:
    ctx.obj = {"config_path": config_path}


def _config(ctx: click.Context) -> Config:
    return load_config(ctx.obj["config_path"])


@main.command(help="Refresh the cache from the live sources (yfinance, FRED). Failed series keep their cached copy.")
@click.pass_context
@clean_errors
def fetch(ctx: click.Context) -> None:
    from rich.progress import Progress

    from reportgen.data.store import default_fetcher, fetch_all, summarize_failures

    cfg = _config(ctx)
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("fetching", total=len(cfg.series))

        def step(series, outcome):
            progress.update(task, advance=1, description=f"{series.key}")
            if outcome.ok:  # failures are condensed below: one line per source
                progress.console.print(f"{series.key:<8} [green]ok[/]  {escape(outcome.message)}")

        outcomes = fetch_all(cfg, now, default_fetcher(cfg, now), on_series=step)
    for line in summarize_failures(outcomes):
        console.print(f"[red]failed[/] {escape(line)}")
    failed = [o for o in outcomes if not o.ok]
    if failed and len(failed) == len(outcomes):
        raise SourceError(
            f"every live source failed (first: {failed[0].message}); the cache is unchanged",
            hint="check the network, or run `reportgen import ../shared/data/market` and `reportgen build --offline`",
        )
    if failed:
        console.print(f"[yellow]{len(failed)} of {len(outcomes)} series failed; their cached copies are kept[/]")


@main.command(name="import", help="Validate a folder of CSVs (snapshot schema) and load it into the cache.")
@click.argument("folder", type=click.Path(file_okay=False))
@click.pass_context
@clean_errors
def import_(ctx: click.Context, folder: str) -> None:
    from reportgen.data.store import cache_dir, import_folder

    cfg = _config(ctx)
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    outcomes = import_folder(cfg, Path(folder), now)
    for o in outcomes:
        mark = "[green]imported[/]" if o.ok else "[yellow]skipped[/]"
        console.print(f"{o.key:<8} {mark}  {escape(o.message)}")
    console.print(f"cache: {escape(str(cache_dir(cfg)))}")


@main.command(help="Run every analysis and write output/<YYYY-MM>/note.pdf (the monthly note), appendix.pdf, "
                   "report.html (both, for the screen), results.json and the take-away tables "
                   "(YYYY-MM: the data's last complete month).")
@click.option("--as-of", "as_of", callback=_date, default=None, metavar="YYYY-MM-DD",
              help="Truncate all data at this date: the report as it would have been written then, "
                   "in its own folder output/<YYYY-MM>-as-of-<YYYY-MM-DD>/.")
@click.option("--offline", is_flag=True, help="Do not try a live refresh; use the cache as it is.")
@click.option("--no-pdf", is_flag=True, help="Skip the two PDFs (HTML, results.json and tables only); existing PDFs are kept.")
@click.option("--narrative", "narrative", default=None, metavar="FILE", type=click.Path(dir_okay=False),
              help="Test this narrative file instead of the configured one (report.narrative); "
                   "its reports go to output/<narrative name>/<YYYY-MM>/.")
@click.pass_context
@clean_errors
def build(ctx: click.Context, as_of: dt.date | None, offline: bool, no_pdf: bool, narrative: str | None) -> None:
    import time

    from reportgen.narrative import narrative_config
    from reportgen.pipeline import build as run_build

    cfg = narrative_config(_config(ctx), narrative)
    started = time.perf_counter()
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)  # the run's one clock reading
    from reportgen.data.store import summarize_failures
    from reportgen.pipeline import build_stages
    from reportgen.progress import StageClock

    clock = StageClock(build_stages(cfg, offline))
    if console.is_terminal:
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console,
                      transient=True) as bar:
            task = bar.add_task("starting", total=len(clock.stages))

            def show(msg: str) -> None:
                e = clock.message(msg)
                bar.update(task, completed=e.step - 1, description=f"[{e.step}/{e.total}] {escape(e.detail or e.stage)}")

            outcome = run_build(cfg, now=now, as_of=as_of, offline=offline, pdf=not no_pdf, progress=show)
    else:  # no terminal (cron, a pipe): plain timestamped lines, one per stage
        def log(msg: str) -> None:
            e = clock.message(msg)
            if e.new_stage:
                stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
                console.print(f"{stamp} [{e.step}/{e.total}] {escape(e.stage)} (+{e.elapsed:.1f} s)", soft_wrap=True)

        outcome = run_build(cfg, now=now, as_of=as_of, offline=offline, pdf=not no_pdf, progress=log)
    timings = clock.finish()
    for line in summarize_failures(outcome.refresh_failures):  # one condensed line per source
        console.print(f"[yellow]live refresh failed[/] {escape(line)}")
    if outcome.refresh_failures:
        console.print("[yellow]using cached data; the report says so on its cover[/]")
    for v in outcome.verdicts:
        console.print(f"{v.claim.id:<4} {v.verdict.value:<22} {v.claim.title}")
    names = [p.name for p in outcome.files]
    main_files = [n for n in names if not n.startswith("figure_")]
    n_fig = len(names) - len(main_files)
    console.print(f"wrote {len(names)} files to {escape(str(outcome.folder))}: {escape(', '.join(main_files))}"
                  + (f" and {n_fig} figure tables (figure_*.csv)" if n_fig else ""))
    kept = sorted(p.name for p in outcome.folder.glob("*.pdf")) if no_pdf else []
    if kept:
        console.print(f"[yellow]kept[/] {escape(', '.join(kept))} in {escape(str(outcome.folder))} from an earlier "
                      "build (not rebuilt: --no-pdf)")
    console.print("[dim]time per stage: " + ", ".join(f"{escape(st)} {sec:.1f} s" for st, sec in timings) + "[/]")
    console.print(f"[dim]done in {time.perf_counter() - started:.1f} s[/]")


@main.command(help="Show what changed from report MONTH_A to report MONTH_B (folder names in the output folder, "
                   "e.g. 2026-10 2026-11): changed verdicts first, in the report's units.")
@click.argument("month_a")
@click.argument("month_b")
@click.pass_context
@clean_errors
def diff(ctx: click.Context, month_a: str, month_b: str) -> None:
    from rich.table import Table

    from reportgen.api import read_results, report_folder
    from reportgen.report.changes import compare_with_previous

    config_path = ctx.obj["config_path"]
    config = config_path if Path(config_path).is_file() else None
    before, after = (read_results(report_folder(m, config=config)) for m in (month_a, month_b))
    changes = compare_with_previous(after, before)
    out = Console(highlight=False, width=None if sys.stdout.isatty() else 120)  # piped: no wrapping at 80
    if not changes:
        out.print(f"{escape(month_a)} → {escape(month_b)}: no change in verdicts, key statistics or data coverage")
        return
    table = Table(title=f"What changed from {escape(month_a)} to {escape(month_b)}", title_justify="left")
    for name, justify in (("kind", "left"), ("subject", "left"), ("what", "left"),
                          (month_a, "right"), (month_b, "right")):
        table.add_column(escape(name), justify=justify, no_wrap=name != "what")
    for c in changes:
        table.add_row(*(escape(x) for x in (c.kind, c.subject, c.what, c.before_text, c.after_text)),
                      style="bold" if c.kind == "verdict" else None)
    out.print(table)


@main.command(help="Explain one claim's verdict: the decision rule step by step with the report's numbers "
                   "(effect, interval, p, size, power against each threshold), then where the evidence is.")
@click.argument("claim_id", metavar="CLAIM")
@click.option("--month", default=None, metavar="YYYY-MM", help="Report month (default: the newest in the output folder).")
@click.pass_context
@clean_errors
def explain(ctx: click.Context, claim_id: str, month: str | None) -> None:
    from reportgen.api import available_months, read_results, report_folder
    from reportgen.pipeline import output_dir
    from reportgen.report.filters import fmt_p, fmt_pct, fmt_signed_pct
    from reportgen.verdict.explain import explain_claim

    cfg = _config(ctx)
    if month is None:
        months = available_months(output_dir(cfg))
        if not months:
            raise ReportgenError(f"no report in {output_dir(cfg)}", hint="run `reportgen build` first")
        month = months[-1]
    x = explain_claim(read_results(report_folder(month, output_dir(cfg))), claim_id)
    out = Console(highlight=False, width=None if sys.stdout.isatty() else 120)
    ev = x.evidence

    def num(v, kind="effect"):
        if v is None:
            return "—"
        if kind == "p":
            return fmt_p(v)
        if kind == "share":
            return fmt_pct(v, 1)
        if kind in ("count", "sign"):
            return f"{v:+d}" if kind == "sign" else str(v)
        if isinstance(v, float) and ev is not None and ev.effect_unit in ("log return", "simple return", "change"):
            return fmt_signed_pct(v)
        return f"{v:.4g}" if isinstance(v, float) else str(v)

    out.print(f"[bold]{escape(x.claim)} · {escape(x.title)}[/]  (report {escape(month)}; rule kind: {x.rule_kind})")
    if ev is not None:
        out.print(f"  effect      {num(ev.effect)}  95% CI [{num(ev.ci_low)}, {num(ev.ci_high)}]  ({escape(ev.label)})")
        if ev.pvalue is not None:
            out.print(f"  p           {fmt_p(ev.pvalue)}  ({escape(ev.method or 'primary test')}, judged alone)")
        signed_min = None if ev.min_effect is None else ev.expected_sign * ev.min_effect
        out.print(f"  minimum     {num(signed_min)} (in the claimed direction)   implied by the thesis: {num(ev.implied_effect)}")
        if x.rule_kind in ("test", "chain"):
            out.print(f"  size        {fmt_pct(ev.size) if ev.size is not None else 'not checked'}   "
                      f"power at the minimum: {fmt_pct(ev.power, 0) if ev.power is not None else 'unknown (' + escape(ev.power_note) + ')'}")
    for st in x.steps:
        vals = ", ".join(num(v, k) for v, k in zip(st.values, st.kinds or ("effect",) * len(st.values)))
        out.print(f"  rule {st.rule}: {escape(st.question)}? [{'green' if st.answer else 'dim'}]{'yes' if st.answer else 'no'}[/]  ({escape(vals)})")
    if x.rule_verdict is not None:
        out.print(f"  decision rule → {x.rule_verdict}")
    if x.adjusted_by:
        out.print(f"  claim-level → {x.verdict}: {escape(x.adjusted_by)}")
    out.print(f"[bold]verdict: {x.verdict}[/] (reason: {x.reason})")
    for s2 in x.secondary:
        out.print(f"  secondary {escape(str(s2.get('family')))}: {s2.get('significant')} of {s2.get('tests')} significant after Holm")
    for w in x.where:
        out.print(f"  see {escape(w)}")


@main.command(help="Exploratory scan of every ordered leader -> follower pair of the cached series (wild-bootstrap "
                   "Granger, Benjamini-Hochberg over the grid); writes output/scan-<YYYY-MM-DD>/scan.csv and scan.html.")
@click.option("--series", default=None, metavar="A,B,C",
              help="Series keys to scan (default: scan.series, else every cached series).")
@click.option("--out", "out_dir", default=None, type=click.Path(file_okay=False),
              help="Folder to write (default: <report.output_dir>/scan-<YYYY-MM-DD>).")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Run on an existing Dask cluster, e.g. tcp://HOST:8786 (default: scan.scheduler, else local).")
@click.option("--promote", type=click.IntRange(min=1), default=None, metavar="RANK",
              help="Also print the narrative-claim TOML of the row ranked RANK in scan.csv.")
@click.option("--as-of", "as_of", callback=_date, default=None, metavar="YYYY-MM-DD",
              help="Truncate all data at this date.")
@click.pass_context
@clean_errors
def scan(ctx: click.Context, series: str | None, out_dir: str | None, scheduler: str | None,
         promote: int | None, as_of: dt.date | None) -> None:
    import time

    if "numpy" not in sys.modules:  # one BLAS thread per worker: the scan's small solves run 2-3x faster
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(var, "1")
    from reportgen.data.store import load_cached_bundle
    from reportgen.pipeline import output_dir
    from reportgen.scan import folder_name, run_scan
    from reportgen.scan.output import promote_snippet, write_scan

    cfg = _config(ctx)
    started = time.perf_counter()
    day = as_of or dt.date.today()
    keys = [k.strip() for k in series.split(",") if k.strip()] if series is not None else None
    bundle = load_cached_bundle(cfg, as_of)
    with console.status("scanning"):
        result = run_scan(bundle, cfg, keys, scheduler)
    files = write_scan(result, cfg, Path(out_dir) if out_dir else output_dir(cfg) / folder_name(day), day)
    console.print(f"EXPLORATORY: {len(result.significant)} of {len(result.tested)} tests with BH q < {result.alpha:g}"
                  f" over the grid; {len(result.not_testable)} not testable")
    if result.size is not None:
        s = result.size
        console.print(f"size of the grid's test under the null: {100 * s.rate:.1f}% "
                      f"[{100 * s.ci_low:.1f}%, {100 * s.ci_high:.1f}%] of {s.simulations:,} simulations")
    for r in result.tested[:5]:
        console.print(f"{r.rank:>4} {escape(r.leader)} → {escape(r.follower)} {r.frequency} {r.lags} lags: "
                      f"q = {r.qvalue:.3f}, p = {r.pvalue:.4f}, effect {r.effect:+.4g}")
    for path in files:
        console.print(f"wrote {escape(str(path))}")
    if promote is not None:
        click.echo(promote_snippet(result, promote), nl=False)
    console.print(f"[dim]done in {time.perf_counter() - started:.1f} s[/]")


if __name__ == "__main__":  # pragma: no cover
    main()
