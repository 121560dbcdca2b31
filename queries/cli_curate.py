"""Curator commands: flag, unflag, flags, set, unset, corrections, merge, split, review, history.

Every write goes through registry.curate in one short transaction and lands in the append-only audit log.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from queries.cli_common import (
    MAX_ROWS,
    ConfigOpt,
    DbOpt,
    Format,
    FormatOpt,
    OhrError,
    app,
    emit,
    existing_db_path,
    flag_kinds,
    lookup_id,
    open_reader,
    resolve_id,
)

__all__ = ["curator", "open_writer"]

ByOpt = Annotated[str | None, typer.Option("--by", help="who is acting (default: $OHR_CURATOR, else your login)")]
NoteOpt = Annotated[str | None, typer.Option("--note", "-n", help="why (kept in the audit log)")]
RefArg = Annotated[str, typer.Argument(help="project id, URL, GitHub owner/name or unique id fragment")]


def curator(by: str | None) -> str:
    """Who is acting: --by, else $OHR_CURATOR, else the login name."""
    if by and by.strip():
        return by.strip()
    if os.environ.get("OHR_CURATOR"):
        return os.environ["OHR_CURATOR"]
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "unknown"


@contextmanager
def open_writer(config: Path | None, db: Path | None) -> Iterator[Any]:
    """A write connection on an existing registry, one transaction; curation errors become user errors."""
    from registry.curate import CurationError
    from registry.db import writer

    with writer(existing_db_path(config, db), create=False) as con:
        con.execute("BEGIN TRANSACTION")
        try:
            yield con
            con.execute("COMMIT")
        except CurationError as exc:
            con.execute("ROLLBACK")
            raise OhrError(str(exc)) from None
        except BaseException:
            con.execute("ROLLBACK")
            raise


def _rows(items: list[dict[str, Any]], cols: list[str]) -> list[list[Any]]:
    return [[i.get(c) for c in cols] for i in items]


def _arrow(old: Any, new: Any) -> str:
    return f"{'∅' if old is None else old} → {'∅' if new is None else new}"


# -- flags ----------------------------------------------------------------------------------------
@app.command()
def flag(
    ref: RefArg,
    kind: Annotated[str, typer.Option("--kind", "-k", help="verified, unsafe, not-open, dead-link, duplicate, "
                                                            "needs-review or medical-claim")],
    note: Annotated[str, typer.Option("--note", "-n", help="why (shown to readers and kept in the audit log)")],
    of: Annotated[str | None, typer.Option("--of", help="with --kind duplicate: the project it duplicates")] = None,
    by: ByOpt = None,
    config: ConfigOpt = None,
    db: DbOpt = None,
) -> None:
    """Flag a project for readers and curators; a flag never deletes it (re-flagging replaces the note).

    Example: ohr flag github.com/jul/zephyr --kind unsafe --note "no pressure relief valve"
    """
    from registry import curate

    with open_writer(config, db) as con:
        pid = resolve_id(con, ref)
        of_id = resolve_id(con, of) if of else None
        e = curate.flag(con, pid, kind, note, curator(by), of_id)
    typer.echo(f"flagged {e['project_id']}: {e['new_value']} — {e['note']}")
    if e["target"] == "duplicate":
        typer.echo(f"  to merge them: ohr merge {of_id} {pid}")


@app.command()
def unflag(
    ref: RefArg,
    kind: Annotated[str, typer.Option("--kind", "-k", help="the flag to take off")],
    note: NoteOpt = None,
    by: ByOpt = None,
    config: ConfigOpt = None,
    db: DbOpt = None,
) -> None:
    """Take a flag off a project (the audit log keeps that it was there).

    Example: ohr unflag github.com/jul/zephyr --kind unsafe --note "relief valve added in v2"
    """
    from registry import curate

    with open_writer(config, db) as con:
        pid = resolve_id(con, ref)
        e = curate.unflag(con, pid, kind, curator(by), note)
    typer.echo(f"unflagged {pid}: {e['target']}")


@app.command()
def flags(
    kind: Annotated[str | None, typer.Option("--kind", "-k", help="only this kind")] = None,
    project: Annotated[str | None, typer.Option("--project", "-p", help="only this project")] = None,
    fmt: FormatOpt = Format.table,
    config: ConfigOpt = None,
    db: DbOpt = None,
) -> None:
    """List curator flags, newest first.

    Example: ohr flags --kind unsafe --format csv
    """
    kinds = flag_kinds([kind] if kind else None)
    with open_reader(config, db) as con:
        pid = resolve_id(con, project) if project else None
        cur = con.execute(
            "SELECT f.project_id, p.name, f.kind, f.of_project, f.note, f.flagged_by, f.flagged_at "
            "FROM v_flags f LEFT JOIN projects p ON p.id = f.project_id "
            "WHERE ($kind IS NULL OR f.kind = $kind) AND ($pid IS NULL OR f.project_id = $pid) "
            "ORDER BY f.flagged_at DESC, f.project_id, f.kind",
            {"kind": kinds[0] if kinds else None, "pid": pid})
        cols = [d[0] for d in cur.description]
        rows = cur.fetchall()
    emit(cols, rows, fmt, title="flags")


# -- corrections ----------------------------------------------------------------------------------
@app.command("set")
def set_(
    ref: RefArg,
    field: Annotated[str, typer.Argument(help="name, description, homepage, category, hardware_licence, "
                                              "documentation_licence, software_licence, openness, copyleft, "
                                              "maturity, maturity_state or medical_caution")],
    value: Annotated[str, typer.Argument(help="the right value ('' clears an optional field)")],
    note: Annotated[str, typer.Option("--note", "-n", help="why, or where the right value comes from")],
    by: ByOpt = None,
    config: ConfigOpt = None,
    db: DbOpt = None,
) -> None:
    """Correct a normalized field; the correction wins over what the crawler derives until `ohr unset`.

    Example: ohr set github.com/jul/zephyr hardware_licence CERN-OHL-S-2.0 --note "LICENSE file in v2 branch"
    """
    from registry import curate

    with open_writer(config, db) as con:
        pid = resolve_id(con, ref)
        e = curate.set_field(con, pid, field, value, note, curator(by))
    typer.echo(f"{pid} {e['target']}: {_arrow(e['old_value'], e['new_value'])} (crawler: "
               f"{'∅' if e['crawler_value'] is None else e['crawler_value']})")
    for f, (was, now) in e["derived"].items():
        typer.echo(f"  {f}: {_arrow(was, now)} (follows the corrected licence)")


@app.command()
def unset(
    ref: RefArg,
    field: Annotated[str, typer.Argument(help="the corrected field")],
    note: NoteOpt = None,
    by: ByOpt = None,
    config: ConfigOpt = None,
    db: DbOpt = None,
) -> None:
    """Drop a correction: the field shows the crawler's value again.

    Example: ohr unset github.com/jul/zephyr maturity --note "crawler now reads the OKH manifest"
    """
    from registry import curate

    with open_writer(config, db) as con:
        pid = resolve_id(con, ref)
        e = curate.unset_field(con, pid, field, curator(by), note)
    typer.echo(f"{pid} {e['target']}: {_arrow(e['old_value'], e['new_value'])} (the crawler's value again)")
    for f, (was, now) in e["derived"].items():
        typer.echo(f"  {f}: {_arrow(was, now)}")


@app.command()
def corrections(
    project: Annotated[str | None, typer.Option("--project", "-p", help="only this project")] = None,
    field: Annotated[str | None, typer.Option("--field", help="only this field")] = None,
    fmt: FormatOpt = Format.table,
    config: ConfigOpt = None,
    db: DbOpt = None,
) -> None:
    """List curator corrections next to the value the crawler derived.

    Example: ohr corrections --field maturity
    """
    from registry.curate import CurationError, field_name

    try:
        fname = field_name(field) if field else None
    except CurationError as exc:
        raise OhrError(str(exc)) from None
    with open_reader(config, db) as con:
        pid = resolve_id(con, project) if project else None
        from registry.curate import curation_details

        ids = [pid] if pid else [r[0] for r in con.execute(
            "SELECT DISTINCT project_id FROM corrections ORDER BY 1").fetchall()]
        rows = []
        for p in ids:
            for c in curation_details(con, p)["corrections"]:
                if fname is None or c["field"] == fname:
                    rows.append([p, c["field"], c["value"], c["crawler_value"], c["note"], c["set_by"], c["set_at"]])
    emit(["project_id", "field", "value", "crawler_value", "note", "set_by", "set_at"], rows, fmt,
         title="corrections")


# -- merges ---------------------------------------------------------------------------------------
@app.command()
def merge(
    keep: Annotated[str, typer.Argument(help="the project that stays")],
    absorb: Annotated[list[str], typer.Argument(help="duplicate project(s) it absorbs")],
    note: NoteOpt = None,
    by: ByOpt = None,
    config: ConfigOpt = None,
    db: DbOpt = None,
) -> None:
    """Merge duplicates the resolver missed: absorbed ids resolve to the kept project; nothing is deleted.

    Example: ohr merge github.com/amb/ambovent ambovent.example.org --note "same design, site and repo"
    """
    from registry import curate

    with open_writer(config, db) as con:
        kept = resolve_id(con, keep)
        for ref in absorb:
            e = curate.merge(con, kept, lookup_id(con, ref), curator(by), note)
            typer.echo(f"merged {e['project_id']} into {e['target']} (undo: ohr split {e['project_id']})")


@app.command()
def split(
    alias: Annotated[str, typer.Argument(help="a project id that was merged into another")],
    note: NoteOpt = None,
    by: ByOpt = None,
    config: ConfigOpt = None,
    db: DbOpt = None,
) -> None:
    """Undo a merge: the absorbed id is a project of its own again, with everything it had.

    Example: ohr split ambovent.example.org --note "two different designs after all"
    """
    from registry import curate

    with open_writer(config, db) as con:
        e = curate.split(con, lookup_id(con, alias), curator(by), note)
    typer.echo(f"split {e['project_id']} from {e['target']}")


# -- review ---------------------------------------------------------------------------------------
@app.command()
def review(
    refs: Annotated[list[str] | None, typer.Argument(help="projects: with --done, mark them reviewed; "
                                                          "without, show only their queue entries")] = None,
    done: Annotated[bool, typer.Option("--done", help="mark the given projects reviewed as they are now")] = False,
    done_all: Annotated[bool, typer.Option("--done-all", help="mark the whole current queue reviewed")] = False,
    what: Annotated[str | None, typer.Option("--what", help="only: new, licence, maturity, bom, archived, status")]
    = None,
    limit: Annotated[int, typer.Option(min=1, max=MAX_ROWS, help="at most this many rows")] = 100,
    note: NoteOpt = None,
    by: ByOpt = None,
    fmt: FormatOpt = Format.table,
    config: ConfigOpt = None,
    db: DbOpt = None,
) -> None:
    """The review queue: projects new, or changed (licence, maturity, BOM, archived, gone) since last reviewed.

    Example: ohr review --what licence        then: ohr review --done github.com/jul/zephyr --note "checked"
    """
    from registry import curate

    if done or done_all:
        if done and not refs:
            raise OhrError("--done needs the project ids to mark reviewed")
        with open_writer(config, db) as con:
            if done_all:
                ids = [q["id"] for q in curate.review_queue(con, None, what)]
            else:
                ids = [resolve_id(con, r) for r in refs or []]
            marked = curate.mark_reviewed(con, ids, curator(by), note)
        typer.echo(f"reviewed {len(marked)} project(s)" + (f": {', '.join(marked)}" if len(marked) <= 10 else ""))
        return
    from registry.curate import CurationError

    with open_reader(config, db) as con:
        ids = [resolve_id(con, r) for r in refs] if refs else None
        try:
            queue = curate.review_queue(con, ids, what)
        except CurationError as exc:
            raise OhrError(str(exc)) from None
    cols = ["id", "name", "status", "what", "changes", "since", "last_reviewed", "flags"]
    emit(cols, _rows(queue[:limit], cols), fmt, title=f"review queue ({len(queue)})")


# -- history --------------------------------------------------------------------------------------
@app.command()
def history(
    ref: RefArg,
    only: Annotated[str | None, typer.Option("--only", help="crawler or curator")] = None,
    limit: Annotated[int | None, typer.Option(min=1, max=MAX_ROWS, help="only the last N entries")] = None,
    fmt: FormatOpt = Format.table,
    config: ConfigOpt = None,
    db: DbOpt = None,
) -> None:
    """What happened to a project: curator actions (who, when, before → after, note) and crawler-seen changes.

    Example: ohr history github.com/jul/zephyr --only curator
    """
    from registry import curate

    with open_reader(config, db) as con:
        pid = resolve_id(con, ref)
        try:
            items = curate.history(con, pid, only)
        except curate.CurationError as exc:
            raise OhrError(str(exc)) from None
    if limit:
        items = items[-limit:]
    cols = ["at", "who", "action", "field", "old_value", "new_value", "note"]
    if fmt is not Format.table or any(i["project_id"] != pid for i in items):
        cols.append("project_id")  # which id an entry belongs to, when ids were merged into this one
    emit(cols, _rows(items, cols), fmt, title=f"history of {pid}")
