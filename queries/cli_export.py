"""Analyst commands: `ohr queries`, `ohr query NAME`, `ohr export` (csv, json, parquet, markdown, okh)."""

from __future__ import annotations

import json
import re
import sys
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from queries.cli_common import (
    ConfigOpt,
    DbOpt,
    Format,
    FormatOpt,
    OhrError,
    app,
    emit,
    existing_db_path,
    flag_kinds,
    open_reader,
)

__all__ = ["ExportFormat", "load_query", "parse_params"]

ParamOpt = Annotated[list[str] | None, typer.Option("--param", "-p", help="a query parameter as NAME=VALUE "
                                                                          "(repeatable)")]


class ExportFormat(StrEnum):
    """What `ohr export` writes."""

    csv = "csv"
    json = "json"
    parquet = "parquet"
    markdown = "markdown"
    okh = "okh"


def parse_params(items: list[str] | None) -> dict[str, str]:
    """NAME=VALUE pairs from --param options."""
    out = {}
    for item in items or []:
        k, sep, v = item.partition("=")
        if not sep or not k.strip():
            raise OhrError(f"--param wants NAME=VALUE, not {item!r}")
        out[k.strip()] = v
    return out


def load_query(name: str) -> Any:
    """A shipped query by name, or an analyst's own `.sql` file (same header format) by path."""
    from queries.sqlfiles import available, load, parse

    if name.endswith(".sql") and Path(name).is_file():
        return parse(Path(name).stem, Path(name).read_text(encoding="utf-8"))
    if name not in available():
        raise OhrError(f"no query {name!r}; queries: {', '.join(available())} (or a path to a .sql file)")
    return load(name)


def _bind(q: Any, params: dict[str, str]) -> dict[str, Any]:
    try:
        return q.bind(params)
    except KeyError as exc:
        raise OhrError(str(exc.args[0])) from None


def _run(con: Any, sql: str, params: dict[str, Any], name: str) -> tuple[list[str], list[str], list[tuple]]:
    import duckdb

    try:
        cur = con.execute(sql, params)
        cols = [d[0] for d in cur.description]
        types = [str(d[1]) for d in cur.description]
        return cols, types, cur.fetchall()
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0]
        raise OhrError(f"query {name}: {first}") from None


@app.command("queries")
def queries_(fmt: FormatOpt = Format.table, config: ConfigOpt = None, db: DbOpt = None) -> None:
    """List the curated queries shipped with ohr, with their parameters and defaults.

    Example: ohr queries --format json
    """
    del config, db  # accepted like every read command; the list does not depend on the registry
    from queries.sqlfiles import available, load

    rows = []
    for name in available():
        q = load(name)
        params = "; ".join(f"{k}={v}" + (f" ({q.notes.get(k)})" if q.notes.get(k) else "")
                           for k, v in q.params.items())
        rows.append([name, q.title, params, q.description])
    emit(["name", "title", "params", "description"], rows, fmt, title="curated queries (ohr query NAME)")


@app.command()
def query(
    name: Annotated[str, typer.Argument(help="a query from `ohr queries`, or a path to your own .sql file")],
    param: ParamOpt = None,
    fmt: FormatOpt = Format.table,
    config: ConfigOpt = None,
    db: DbOpt = None,
) -> None:
    """Run a curated query with parameters; unsafe projects are marked in its `flags` column.

    Example: ohr query inactive --param days=365 --format csv
    """
    q = load_query(name)
    params = _bind(q, parse_params(param))
    if name.endswith(".sql"):  # an analyst's file runs like `ohr sql`: read-only, no file access
        from registry.db import sql_reader

        con = sql_reader(existing_db_path(config, db))
        try:
            cols, _, rows = _run(con, q.sql, params, q.name)
        finally:
            con.close()
    else:
        with open_reader(config, db) as con:
            cols, _, rows = _run(con, q.sql, params, q.name)
    emit(cols, rows, fmt, title=q.title)


_FLAG_FILTER = """
WHERE list_has_all(flags, list_filter($flag::VARCHAR[], lambda k: k <> 'any'))
  AND (NOT list_contains($flag::VARCHAR[], 'any') OR len(flags) > 0)
  AND NOT list_has_any(flags, $no_flag::VARCHAR[])
  AND NOT (list_contains($no_flag::VARCHAR[], 'any') AND len(flags) > 0)
"""

_LISTED = """
WITH listed AS (
    SELECT coalesce(a.project_id, s.project_id) AS project_id, min(s.position) AS list_position,
           min(s.first_seen) AS listed_at
    FROM source_records s LEFT JOIN v_aliases a ON a.alias_id = s.project_id
    GROUP BY 1
)
SELECT v.*, l.list_position
FROM v_projects v
LEFT JOIN listed l ON l.project_id = v.id
WHERE v.id IN (SELECT UNNEST($ids::VARCHAR[]))
ORDER BY coalesce(l.listed_at, v.first_seen), l.list_position NULLS LAST, lower(v.name), v.id
"""


def _projects(con: Any, ids: list[str]) -> list[dict[str, Any]]:
    cur = con.execute(_LISTED, {"ids": ids})
    cols = [d[0] for d in cur.description]
    rows = [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
    notes = dict(con.execute("SELECT project_id, string_agg(note, '; ' ORDER BY flagged_at) FROM v_flags "
                             "WHERE kind = 'unsafe' GROUP BY project_id").fetchall())
    for r in rows:
        r["unsafe_note"] = notes.get(r["id"])
    # categories in the order lists first show them, projects in list order within a category
    first: dict[str, int] = {}
    for i, r in enumerate(rows):
        first.setdefault(r.get("category") or "Other", i)
    rows.sort(key=lambda r: (first[r.get("category") or "Other"], r["list_position"] is None,
                             r["list_position"] or 0, (r.get("name") or "").lower()))
    return rows


def _okh_extras(con: Any, rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    ids = [r["id"] for r in rows]
    extras: dict[str, dict[str, Any]] = {r["id"]: {"unsafe_note": r.get("unsafe_note")} for r in rows}
    for pid, licensor, version in con.execute(
            "SELECT project_id, first(licensor ORDER BY path), first(version ORDER BY path) FROM manifests "
            "WHERE error IS NULL AND project_id IN (SELECT UNNEST($1::VARCHAR[])) GROUP BY project_id",
            [ids]).fetchall():
        extras[pid].update(licensor=licensor, version=version)
    for pid, full, branch, path in con.execute(
            "SELECT b.project_id, r.full_name, r.default_branch, first(b.path ORDER BY b.line_count DESC, b.path) "
            "FROM bom_files b JOIN repos r ON r.project_id = b.project_id "
            "WHERE b.error IS NULL AND b.line_count > 0 AND b.path NOT LIKE '%#%' AND b.origin = 'published' "
            "AND b.project_id IN (SELECT UNNEST($1::VARCHAR[])) GROUP BY ALL", [ids]).fetchall():
        if full and branch:
            from urllib.parse import quote

            extras[pid]["bom"] = f"https://github.com/{full}/blob/{quote(branch)}/{quote(path)}"
    return extras


def _check_writable(out: Path, folder: bool) -> None:
    """A user error, before the export runs, when --out cannot be written (no such folder allowed, read-only,
    /proc, a file where a folder should be)."""
    try:
        if folder:
            out.mkdir(parents=True, exist_ok=True)
            probe = out / ".ohr-write-test"
            probe.touch()
            probe.unlink()
            return
        out.parent.mkdir(parents=True, exist_ok=True)
        existed = out.exists()
        with out.open("a", encoding="utf-8"):
            pass
        if not existed:
            out.unlink()
    except OSError as exc:
        why = exc.strerror or str(exc)
        raise OhrError(f"cannot write {out}: {why}; choose another --out") from None


def _write_text(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")


@app.command()
def export(
    target: Annotated[str | None, typer.Argument(help="site: write the static web site (ohr export site DIR)")]
    = None,
    folder: Annotated[Path | None, typer.Argument(help="with site: the folder to write")] = None,
    fmt: Annotated[ExportFormat, typer.Option("--format", "-f", help="csv, json, parquet, markdown (an awesome-style "
                                                                     "list) or okh (OKH v1 manifests)")]
    = ExportFormat.csv,
    query_name: Annotated[str | None, typer.Option("--query", "-q", help="export this curated query's rows "
                                                                         "(markdown/okh: its projects)")] = None,
    param: ParamOpt = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="file to write (parquet: required; okh: FILE.yml "
                                                                 "for one multi-document YAML, a folder for one "
                                                                 "file per project)")] = None,
    flag: Annotated[list[str] | None, typer.Option("--flag", help="only projects flagged KIND (repeatable; 'any')")]
    = None,
    no_flag: Annotated[list[str] | None, typer.Option("--no-flag", help="leave out projects flagged KIND "
                                                                        "(repeatable; 'any')")] = None,
    title: Annotated[str, typer.Option(help="markdown: the list's title")] = "Open hardware",
    config: ConfigOpt = None,
    db: DbOpt = None,
) -> None:
    """Export projects (v_projects, or a curated query) as CSV, JSON, Parquet, an awesome list or OKH manifests;
    or, as `ohr export site DIR`, the search and project pages as a static web site.

    Example: ohr export --format markdown --query buildable --title "Buildable ventilators" --out LIST.md
    Example: ohr export site public/
    """
    if target is not None:
        from queries.cli_web import export_site_command

        return export_site_command(target, folder, config, db)
    if query_name:
        q = load_query(query_name)
        sql, params, name = q.sql, _bind(q, parse_params(param)), q.name
    else:
        if param:
            raise OhrError("--param needs --query")
        sql = "SELECT * FROM v_projects" + _FLAG_FILTER + "ORDER BY id"
        params, name = {"flag": flag_kinds(flag), "no_flag": flag_kinds(no_flag)}, "v_projects"
    if query_name and (flag or no_flag):
        raise OhrError("--flag/--no-flag filter the full export; a query selects its own rows")
    if fmt is ExportFormat.parquet and out is None:
        raise OhrError("parquet is binary: give --out FILE.parquet")
    if out is not None:
        _check_writable(out, folder=fmt is ExportFormat.okh and (out.is_dir() or not out.suffix))
    with open_reader(config, db) as con:
        if fmt is ExportFormat.parquet:
            import duckdb

            target = str(out).replace("'", "''")
            out.parent.mkdir(parents=True, exist_ok=True)
            try:
                con.execute(f"COPY ({sql}) TO '{target}' (FORMAT parquet)", params)
            except duckdb.Error as exc:
                raise OhrError(f"export {name}: {str(exc).strip().splitlines()[0]}") from None
            n = con.execute(f"SELECT count(*) FROM read_parquet('{target}')").fetchone()[0]
            typer.echo(f"wrote {n} rows to {out}", err=True)
            return
        cols, types, rows = _run(con, sql, params, name)
        if fmt in (ExportFormat.csv, ExportFormat.json):
            if fmt is ExportFormat.json:  # JSON columns as JSON, not as strings holding JSON
                rows = [tuple(json.loads(v) if t == "JSON" and isinstance(v, str) else v
                              for v, t in zip(r, types, strict=True)) for r in rows]
            if out is None:
                emit(cols, rows, Format(fmt.value))
            else:
                out.parent.mkdir(parents=True, exist_ok=True)
                with out.open("w", encoding="utf-8", newline="") as fh:
                    emit(cols, rows, Format(fmt.value), out=fh)
                typer.echo(f"wrote {len(rows)} rows to {out}", err=True)
            return
        if "id" not in cols:
            raise OhrError(f"query {name} has no id column, so it cannot be exported as {fmt.value}")
        ids = list(dict.fromkeys(r[cols.index("id")] for r in rows))
        projects = _projects(con, ids)
        extras = _okh_extras(con, projects) if fmt is ExportFormat.okh else {}
    today = date.today().isoformat()
    if fmt is ExportFormat.markdown:
        from queries.export import render_awesome

        shown = re.sub(r"[`\s]+", "", name)
        source = f"the curated query `{shown}`" if query_name else "the registry"
        intro = (f"{len(projects)} open-hardware projects from {source}, generated by ohr on {today}. "
                 "Licence, maturity and BOM are as the registry derived or curators corrected them.")
        _write_text(render_awesome(projects, title, intro), out)
        if out is not None:
            typer.echo(f"wrote {len(projects)} projects to {out}", err=True)
        return
    from queries.export import okh_manifest, okh_yaml

    docs = [(p, okh_yaml(p, okh_manifest(p, today, extras.get(p["id"])))) for p in projects]
    if out is not None and (out.is_dir() or not out.suffix):  # a folder: one okh-<id>.yml per project
        out.mkdir(parents=True, exist_ok=True)
        used: set[str] = set()
        for p, text in docs:
            base = re.sub(r"[^a-z0-9.-]+", "-", p["id"].lower()).strip("-.") or "project"
            fname, n = f"okh-{base}.yml", 1
            while fname in used:
                n += 1
                fname = f"okh-{base}-{n}.yml"
            used.add(fname)
            (out / fname).write_text(text, encoding="utf-8")
        typer.echo(f"wrote {len(docs)} manifests to {out}/", err=True)
        return
    _write_text("".join("---\n" + text for _, text in docs), out)
    if out is not None:
        typer.echo(f"wrote {len(docs)} manifests to {out}", err=True)
