"""The `ohr` command line: crawl sources into the registry, then search, show and query it.

Exit codes: 0 ok; 1 internal error; 2 usage error; 3 user error (missing registry, unknown id or
source, bad SQL, bad config); 4 crawl finished but a source failed, was unreachable or left work
pending (also when SIGTERM/Ctrl-C stopped it cleanly); 5 registry busy (another process held it too long).
`ohr schedule` exits 0 after a clean stop on SIGTERM/SIGINT and 3 when a schedule cannot be read or no
source has one; `ohr runs` is a read command (0, 3 without a registry, 5 busy).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from queries.output import Format, emit

__all__ = ["app", "main", "OhrError", "EXIT"]

EXIT = {"ok": 0, "internal": 1, "usage": 2, "user": 3, "partial": 4, "busy": 5}


class OhrError(Exception):
    """A user error: printed as one line, exits with ``code``."""

    def __init__(self, message: str, code: int = EXIT["user"]) -> None:
        super().__init__(message)
        self.code = code


app = typer.Typer(
    name="ohr",
    help="ohr — the open-hardware registry. Crawl open-hardware projects into one DuckDB file and query it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

ConfigOpt = Annotated[
    Path | None, typer.Option("--config", "-c", help="config file (default: $OHR_CONFIG or ./config.toml)")
]
DbOpt = Annotated[Path | None, typer.Option("--db", help="registry file (default: [registry] path of the config)")]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="output format: table, json or csv")]


def load(config: Path | None, db: Path | None) -> Any:
    """The configuration, with user errors turned into OhrError."""
    from crawler.config import ConfigError, load_config

    try:
        return load_config(config, db)
    except ConfigError as exc:
        raise OhrError(str(exc)) from None


def db_path(config: Path | None, db: Path | None) -> Path:
    """Where the registry is, without importing more than needed."""
    if db is not None:
        return db
    if os.environ.get("OHR_DB") and config is None:
        return Path(os.environ["OHR_DB"])
    return load(config, None).registry_path


def open_reader(config: Path | None, db: Path | None) -> Any:
    """A read-only registry connection (context manager); waits briefly for a crawl's batch write."""
    from registry.db import reader

    return reader(db_path(config, db))


class Stage(StrEnum):
    """The ordered maturity scale."""

    concept = "concept"
    prototype = "prototype"
    tested = "tested"
    production = "production"


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
    with reporting(quiet=quiet) as progress, _stop_on_signals() as stop:
        summaries = run_crawl(cfg, names, progress=progress, stop=stop)
    bad = False
    skipped = [n for n in (names or [x.name for x in cfg.sources]) if n not in {x.source for x in summaries}]
    if skipped:
        typer.echo(f"stopped before crawling: {', '.join(skipped)}", err=True)
        bad = True
    for s in summaries:
        if s.status in ("unreachable", "failed"):
            typer.echo(summary_line(s), err=True)
            bad = True
            continue
        if not quiet or s.status != "ok":
            typer.echo(summary_line(s))
        if s.problems and not quiet:
            typer.echo(f"  {len(s.problems)} problem(s) recorded, e.g. {s.problems[0].item}: "
                       f"{s.problems[0].message} (see: ohr runs --errors --run {s.run_id})")
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
    limit: Annotated[int, typer.Option(min=1, help="at most this many rows")] = 20,
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


_RUNS_WIDE = ("trigger", "finished_at", "rate_reset_at", "rate_waited", "skipped")


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


# -- search ---------------------------------------------------------------------------------------
@app.command()
def search(
    text: Annotated[str, typer.Argument(help="words to look for (all must match); '' lists everything")] = "",
    category: Annotated[str | None, typer.Option(help="only projects listed under this heading")] = None,
    source: Annotated[str | None, typer.Option(help="only projects from this source")] = None,
    licence: Annotated[str | None, typer.Option(
        "--licence", "--license",
        help="openness verdict (open, restricted, proprietary, unknown) or a licence id prefix, e.g. CERN-OHL")]
    = None,
    has_bom: Annotated[bool, typer.Option("--has-bom", help="only projects with a bill of materials")] = False,
    maturity: Annotated[Stage | None, typer.Option(
        help="only projects at least this mature: concept < prototype < tested < production")] = None,
    flag: Annotated[list[str] | None, typer.Option("--flag", help="only projects flagged KIND (repeatable; 'any')")]
    = None,
    no_flag: Annotated[list[str] | None, typer.Option("--no-flag", help="hide projects flagged KIND (repeatable; "
                                                      "'any' hides every flagged one)")] = None,
    limit: Annotated[int, typer.Option(min=1, help="at most this many rows")] = 20,
    fmt: FormatOpt = Format.table,
    config: ConfigOpt = None,
    db: DbOpt = None,
) -> None:
    """Search projects by name, description, category and README; best matches first.

    Example: ohr search ventilator --licence open --has-bom --maturity tested
    Example: ohr search ventilator --category "Most Buildable" --format json
    Example: ohr search ventilator --no-flag unsafe --no-flag duplicate
    """
    from queries.cli_curate import flag_kinds
    from queries.search_plan import search as run_search

    terms = [t.lower() for t in text.split() if t]
    values = {"terms": terms, "category": category, "source": source, "licence": licence, "has_bom": has_bom,
              "maturity": maturity.value if maturity else None, "lim": limit, "flag": flag_kinds(flag),
              "no_flag": flag_kinds(no_flag)}
    with open_reader(config, db) as con:
        cols, rows = run_search(con, values)
    emit(cols, rows, fmt)


# -- show -----------------------------------------------------------------------------------------
def resolve_id(con: Any, ref: str) -> str:
    """A project id from an id, a URL, `owner/name`, or a unique id fragment; merged ids resolve to the survivor."""
    from registry.curate import follow_aliases

    return follow_aliases(con, lookup_id(con, ref))


def lookup_id(con: Any, ref: str) -> str:
    """A project id from an id, a URL, `owner/name`, or a unique id fragment (merges not followed)."""
    from registry.urls import canonical_url, project_id

    ref = ref.strip()
    row = con.execute("SELECT id FROM projects WHERE id = ?", [ref.lower()]).fetchone()
    if row:
        return row[0]
    canon = canonical_url(ref) if "." in ref.split("/")[0] or "://" in ref else None
    if canon:
        row = con.execute("SELECT project_id FROM project_urls WHERE url = ?", [canon]).fetchone()
        if row:
            return row[0]
        pid = project_id(ref)
        row = con.execute("SELECT id FROM projects WHERE id = ?", [pid]).fetchone()
        if row:
            return row[0]
    if ref.count("/") == 1 and "." not in ref.split("/")[0]:
        row = con.execute("SELECT project_id FROM project_urls WHERE url = ?",
                          [f"https://github.com/{ref.lower()}"]).fetchone()
        if row:
            return row[0]
    rows = con.execute("SELECT id FROM projects WHERE id LIKE ? LIMIT 6", [f"%{ref.lower()}%"]).fetchall()
    if len(rows) == 1:
        return rows[0][0]
    if rows:
        raise OhrError(f"{ref!r} matches several projects: {', '.join(r[0] for r in rows[:5])}")
    raise OhrError(f"no project {ref!r} (try `ohr search`)")


def project_details(con: Any, pid: str) -> dict[str, Any]:
    """Everything the registry knows about one project, as nested plain data."""

    def rows_of(sql: str, params: list[Any]) -> list[dict[str, Any]]:
        cur = con.execute(sql, params)
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]

    from registry.curate import curation_details

    project = rows_of("SELECT * FROM v_projects WHERE id = ?", [pid])[0]
    repo = rows_of("SELECT * EXCLUDE (readme, tree_paths), len(tree_paths) AS tree_files, "
                   "len(readme) AS readme_chars FROM repos WHERE project_id = ?", [pid])
    return {
        "project": project,
        "urls": rows_of("SELECT url, url_kind, first_seen, last_seen FROM project_urls WHERE project_id = ? "
                        "ORDER BY first_seen, url", [pid]),
        "provenance": rows_of(
            "SELECT source, name, category, array_to_string(heading_path, ' > ') AS heading_path, description, "
            "urls, document_url, position, first_seen, last_seen FROM source_records WHERE project_id = ? "
            "ORDER BY source, record_key", [pid]),
        "repository": repo[0] if repo else None,
        "licences": rows_of("SELECT scope, expression, openness, copyleft, source, confidence, evidence, original "
                            "FROM licences WHERE project_id = ? ORDER BY list_position(['hardware', "
                            "'documentation', 'software'], scope)", [pid]),
        "maturity": rows_of("SELECT stage, declared, derived, state, medical_caution, declared_evidence, "
                            "derived_evidence, state_evidence, caveats FROM maturity WHERE project_id = ?", [pid]),
        "manifests": rows_of("SELECT path, format, title, version, licence, development_stage, otrl, odrl, bom, "
                             "issues, error FROM manifests WHERE project_id = ? ORDER BY path", [pid]),
        "boms": rows_of("SELECT path, format, line_count, cost, error FROM bom_files WHERE project_id = ? "
                        "ORDER BY path", [pid]),
        "documents": rows_of("SELECT doc_kind, path, url, status, size, error, fetched_at FROM documents "
                             "WHERE project_id = ? ORDER BY doc_kind, path", [pid]),
        "problems": rows_of("SELECT source, kind, message, url, occurred_at FROM crawl_errors WHERE item IN "
                            "(SELECT full_name FROM repos WHERE project_id = $1) OR url IN "
                            "(SELECT url FROM documents WHERE project_id = $1) ORDER BY occurred_at DESC LIMIT 20",
                            [pid]),
        **curation_details(con, pid),  # flags, corrections (with the crawler's value), merged ids
    }


@app.command()
def show(
    ref: Annotated[str, typer.Argument(help="project id, URL, or GitHub owner/name")],
    fmt: FormatOpt = Format.table,
    config: ConfigOpt = None,
    db: DbOpt = None,
) -> None:
    """Show everything known about one project, with where each piece came from.

    Example: ohr show github.com/ambovent/ambovent   (or: ohr show AmboVent/AmboVent)
    """
    with open_reader(config, db) as con:
        pid = resolve_id(con, ref)
        details = project_details(con, pid)
    if fmt is Format.json:
        import json

        from queries.output import jsonable

        typer.echo(json.dumps(jsonable(details), ensure_ascii=False, indent=2))
        return
    if fmt is Format.csv:
        rows = [("project", k, v) for k, v in details["project"].items()]
        rows += [("repository", k, v) for k, v in (details["repository"] or {}).items()]
        rows += [("url", u["url_kind"], u["url"]) for u in details["urls"]]
        rows += [("provenance", p["source"], f"{p['heading_path']}: {p['name']}") for p in details["provenance"]]
        rows += [("licence", lic["scope"], f"{lic['expression']} ({lic['evidence']})") for lic in details["licences"]]
        rows += [("maturity", k, v) for m in details["maturity"] for k, v in m.items()]
        rows += [("bom", b["path"], b["error"] or b["line_count"]) for b in details["boms"]]
        emit(["section", "field", "value"], rows, fmt)
        return
    emit(["field", "value"], list(details["project"].items()), fmt, title=f"project {pid}")
    if details["repository"]:
        emit(["field", "value"], list(details["repository"].items()), fmt, title="GitHub repository")
    for section in ("flags", "corrections", "merged", "licences"):
        items = details[section]
        if items:
            emit(list(items[0].keys()), [list(i.values()) for i in items], fmt, title=section)
    for m in details["maturity"]:
        emit(["field", "value"], list(m.items()), fmt, title="maturity")
    for section in ("manifests", "boms", "urls", "provenance", "documents", "problems"):
        items = details[section]
        if items:
            emit(list(items[0].keys()), [list(i.values()) for i in items], fmt, title=section)


# -- sql ------------------------------------------------------------------------------------------
@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="a SQL query, or - to read it from stdin")],
    fmt: FormatOpt = Format.table,
    config: ConfigOpt = None,
    db: DbOpt = None,
) -> None:
    """Run read-only SQL on the registry (writes and file access are refused); see docs/schema.md.

    Example: ohr sql "SELECT category, count(*) FROM v_projects GROUP BY ALL ORDER BY 2 DESC"
    """
    import duckdb

    from registry.db import RegistryMissing

    text = sys.stdin.read() if query == "-" else query
    if not text.strip():
        raise OhrError("empty query")
    path = db_path(config, db)
    if not path.exists():
        raise RegistryMissing(f"no registry at {path}; run `ohr crawl` first (or pass --db)")
    from registry.db import sql_reader

    con = sql_reader(path)
    try:
        cur = con.execute(text)
        if cur.description is None:
            raise OhrError("the statement returned no rows (ohr sql is read-only)")
        cols = [d[0] for d in cur.description]
        rows = cur.fetchall()
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0]
        raise OhrError(f"SQL error: {first}") from None
    finally:
        con.close()
    emit(cols, rows, fmt)


# -- stats ----------------------------------------------------------------------------------------
@app.command()
def stats(fmt: FormatOpt = Format.table, config: ConfigOpt = None, db: DbOpt = None) -> None:
    """Count what the registry holds: projects by source and kind, repositories by status, last runs.

    Example: ohr stats --format json
    """
    from queries.sqlfiles import load as load_sql

    q = load_sql("_stats")
    with open_reader(config, db) as con:
        cur = con.execute(q.sql)
        cols = [d[0] for d in cur.description]
        rows = cur.fetchall()
    emit(cols, rows, fmt, title="registry")


# -- sources --------------------------------------------------------------------------------------
@app.command()
def sources(fmt: FormatOpt = Format.table, config: ConfigOpt = None, db: DbOpt = None) -> None:
    """List the configured sources with their last run, its counts and errors, and the projects each lists.

    Example: ohr sources --format json
    """
    from queries.sqlfiles import load as load_sql
    from registry.db import RegistryMissing

    cfg = load(config, db)
    q = load_sql("_sources")
    params = q.bind({"names": [s.name for s in cfg.sources], "kinds": [s.kind for s in cfg.sources]})
    try:
        with open_reader(config, db) as con:
            cur = con.execute(q.sql, params)
            cols = [d[0] for d in cur.description]
            rows = cur.fetchall()
    except RegistryMissing:  # nothing crawled yet: the configured sources, never run
        cols = ["source", "kind", "configured", "last_run", "last_status"]
        rows = [(s.name, s.kind, True, None, "never run") for s in cfg.sources]
    emit(cols, rows, fmt, title="sources")


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
    counts = run(cfg, progress=lambda msg: typer.echo(msg, err=True))
    typer.echo(", ".join(f"{k}: {v}" for k, v in counts.items()))


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app; user errors become one line and a documented exit code."""
    from registry.db import RegistryBusy, RegistryMissing

    try:
        app(args=argv, prog_name="ohr")  # exits itself: 0, or 2 for usage errors
        code = 0
    except OhrError as exc:
        typer.echo(f"error: {exc}", err=True)
        code = exc.code
    except RegistryMissing as exc:
        typer.echo(f"error: {exc}", err=True)
        code = EXIT["user"]
    except RegistryBusy as exc:
        typer.echo(f"error: {exc}", err=True)
        code = EXIT["busy"]
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        code = 130
    except BrokenPipeError:
        code = 0
    except Exception as exc:  # noqa: BLE001 - the CLI never shows a traceback unless asked
        if os.environ.get("OHR_DEBUG"):
            raise
        typer.echo(f"internal error: {type(exc).__name__}: {exc} (set OHR_DEBUG=1 for the traceback)", err=True)
        code = EXIT["internal"]
    sys.exit(code)


from queries import cli_curate, cli_export  # noqa: E402, F401 - registers curator and analyst commands

if __name__ == "__main__":
    main()
