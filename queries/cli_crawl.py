"""Crawling commands: crawl, runs, schedule, renormalize (the registry's writers, and their record)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer

from queries.cli_common import (
    EXIT,
    MAX_ROWS,
    ConfigOpt,
    DbOpt,
    Format,
    FormatOpt,
    OhrError,
    app,
    check_source,
    checked,
    emit,
    load,
    open_reader,
)


# -- crawl ----------------------------------------------------------------------------------------
@app.command()
def crawl(
    source: Annotated[list[str] | None, typer.Option("--source", "-s", help="crawl only this source (repeatable)")]
    = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="print only problems (for cron)")] = False,
    config: ConfigOpt = None,
    db: DbOpt = None,
) -> None:
    """Crawl the sources of the config into the registry and say what was found.

    A progress bar on a terminal, timestamped log lines on stderr otherwise. SIGTERM or Ctrl-C stops
    cleanly: requests in flight finish and are written, the rest is pending for the next run.

    Example: ohr crawl --source covid19-vent-list
    """
    from crawler.progress import reporting
    from crawler.run import crawl as run_crawl
    from crawler.run import summary_line

    cfg = load(config, db)
    if not cfg.sources:
        raise OhrError(f"no [[sources]] in {cfg.path or 'the config'}; nothing to crawl")
    names = list(source) if source else None
    if names:
        for n in names:
            if not _has_source(cfg, n):
                _unknown_source(cfg, n)
    checked(cfg, names)  # a misspelt or mistyped option stops the crawl before any request
    from crawler.run import CrawlLocked

    try:
        with reporting(quiet=quiet) as progress, _stop_on_signals() as stop:
            summaries = run_crawl(cfg, names, progress=progress, stop=stop)
    except CrawlLocked as exc:
        raise OhrError(str(exc), EXIT["crawling"]) from None
    bad = False
    skipped = [n for n in (names or [x.name for x in cfg.sources]) if n not in {x.source for x in summaries}]
    if skipped:
        typer.echo(f"stopped before crawling: {', '.join(skipped)}", err=True)
        bad = True
    for s in summaries:
        if s.status == "skipped":  # a credential the environment lacks: said once, not a failure
            if not quiet:
                typer.echo(summary_line(s))
            continue
        if s.status in ("unreachable", "failed"):
            typer.echo(summary_line(s), err=True)
            bad = True
            continue
        if not quiet or s.status != "ok":
            typer.echo(summary_line(s))
        if s.problems and not quiet:
            from crawler.run import NOTICE_KINDS

            first = next((p for p in s.problems if p.kind not in NOTICE_KINDS), s.problems[0])
            typer.echo(f"  {len(s.problems)} problem(s) recorded, e.g. {first.item}: "
                       f"{first.message} (see: ohr runs --errors --run {s.run_id})")
        if s.status != "ok":
            bad = True
            if s.message:
                typer.echo(f"  {s.source}: {s.message}", err=True)
    if not quiet:
        typer.echo(f"registry: {cfg.registry_path}")
    if bad:
        raise typer.Exit(EXIT["partial"])


@contextmanager
def _stop_on_signals() -> Iterator[Any]:
    """An event set by the first SIGTERM/SIGINT (a clean stop); the second one interrupts at once."""
    import signal
    import threading

    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def handler(signum: int, _frame: object) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        typer.echo(f"{signal.Signals(signum).name}: stopping after the requests in flight "
                   "(again to abort)", err=True)
        stop.set()

    old = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield stop
    finally:
        for sig, h in old.items():
            signal.signal(sig, h)


@app.command()
def runs(
    source: Annotated[str | None, typer.Option("--source", "-s", help="only runs of this source")] = None,
    run: Annotated[str | None, typer.Option("--run", help="only this run id")] = None,
    errors: Annotated[bool, typer.Option("--errors", help="list the problems recorded by the runs instead")]
    = False,
    limit: Annotated[int, typer.Option(min=1, max=MAX_ROWS, help="at most this many rows")] = 20,
    fmt: FormatOpt = Format.table,
    config: ConfigOpt = None,
    db: DbOpt = None,
) -> None:
    """Show recent crawl runs (newest first): status, counts, requests, 304s, rate limit; or their errors.

    A run whose process died shows as 'interrupted' (the next crawl records it so).
    Example: ohr runs --source covid19-vent-list --limit 5   (or: ohr runs --errors --run 3f2a9c1b0d4e)
    """
    from queries.sqlfiles import load as load_sql

    q = load_sql("_run_errors" if errors else "_runs")
    params = q.bind({"source": source, "run": run, "lim": limit})
    with open_reader(config, db) as con:
        check_source(con, source, config)
        cur = con.execute(q.sql, params)
        cols = [d[0] for d in cur.description]
        rows = cur.fetchall()
    if not errors and rows:
        from crawler.run import run_is_dead
        from registry.db import now

        at = now()
        i, extra = cols.index("status"), [cols.index(c) for c in ("run_id", "pid", "host", "heartbeat_at")]
        rows = [tuple("interrupted" if k == i and r[i] == "running"
                      and run_is_dead(*(r[j] for j in extra), at) else v for k, v in enumerate(r)) for r in rows]
    if not errors:  # a terminal table gets the columns that fit; json and csv get them all
        keep = [c for c in cols if c not in ("pid", "host", "heartbeat_at")
                and (fmt is not Format.table or c not in _RUNS_WIDE)]
        idx = [cols.index(c) for c in keep]
        rows = [tuple(r[i] for i in idx) for r in rows]
        cols = keep
    emit(cols, rows, fmt, title="crawl errors" if errors else "crawl runs")


_RUNS_WIDE = ("trigger", "finished_at", "rate_reset_at", "rate_waited", "skipped", "graphql_queries", "graphql_points",
              "raw_requests")


@app.command()
def schedule(
    source: Annotated[list[str] | None, typer.Option("--source", "-s", help="schedule only this source (repeatable)")]
    = None,
    now: Annotated[bool, typer.Option("--now", help="also crawl every scheduled source once at start")] = False,
    check: Annotated[bool, typer.Option("--check", help="print each schedule and its next runs, then exit")]
    = False,
    config: ConfigOpt = None,
    db: DbOpt = None,
) -> None:
    """Crawl each source on its schedule (config: schedule = "cron: 0 */6 * * *" or "interval: 6h").

    Runs in the foreground and logs each run to stderr; SIGTERM or Ctrl-C stops it cleanly (exit 0).
    Example: ohr schedule --check   (then: ohr schedule, under systemd or nohup)
    """
    from crawler.progress import plain_handler
    from crawler.schedule import ScheduleError, next_runs, run_schedule, source_schedules

    cfg = load(config, db)
    names = list(source) if source else None
    for n in names or []:
        if not _has_source(cfg, n):
            _unknown_source(cfg, n)
    checked(cfg, names)
    try:
        pairs = source_schedules(cfg, names)
        if not pairs:
            raise ScheduleError("no source has a schedule: give a [[sources]] a schedule = \"interval: 6h\" "
                                "(or set [schedule] default); see docs/config.md")
        if check:
            rows = [(s.name, str(sch), ", ".join(t.isoformat(timespec="minutes")
                                                 for t in next_runs(sch, cfg.schedule.timezone)))
                    for s, sch in pairs]
            emit(["source", "schedule", "next runs"], rows, Format.table)
            return
    except ScheduleError as exc:
        raise OhrError(str(exc)) from None
    import logging

    logger = logging.getLogger("ohr")
    handler = plain_handler(sys.stderr)
    old_level, old_propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        code = run_schedule(cfg, names, now=now)
    except ScheduleError as exc:
        raise OhrError(str(exc)) from None
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
        logger.propagate = old_propagate
    if code:
        raise typer.Exit(code)


def _has_source(cfg: Any, name: str) -> bool:
    return any(s.name == name for s in cfg.sources)


def _unknown_source(cfg: Any, name: str) -> None:
    known = ", ".join(s.name for s in cfg.sources)
    raise OhrError(f"no source named {name!r} (known: {known})")


# -- renormalize ----------------------------------------------------------------------------------
@app.command()
def renormalize(config: ConfigOpt = None, db: DbOpt = None) -> None:
    """Re-derive every normalized field from the stored raw documents, without the network.

    Works in short transactions (one per source document whose records changed, then per chunk of 50,000
    projects), and reads and runs the normalizers of each chunk under a read-only open, so searches keep
    working meanwhile. If it is stopped, running it again finishes the job. Progress goes to stderr.

    Example: ohr renormalize --db registry.duckdb
    """
    from crawler.renormalize import renormalize as run
    from registry.db import RegistryMissing

    cfg = load(config, db)
    if not cfg.registry_path.exists():
        raise RegistryMissing(f"no registry at {cfg.registry_path}; run `ohr crawl` first (or pass --db)")
    with open_reader(config, db):
        pass  # refuses a file that is not an ohr registry before anything writes to it
    counts = run(cfg, progress=lambda msg: typer.echo(msg, err=True))
    typer.echo(", ".join(f"{k}: {v}" for k, v in counts.items()))
