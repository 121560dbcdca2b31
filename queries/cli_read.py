"""Reading commands: search, show, sql, stats, sources."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from queries.cli_common import (
    MAX_ROWS,
    ConfigOpt,
    DbOpt,
    Format,
    FormatOpt,
    OhrError,
    Stage,
    app,
    check_source,
    checked,
    emit,
    existing_db_path,
    flag_kinds,
    load,
    open_reader,
    resolve_id,
)


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
    limit: Annotated[int, typer.Option(min=1, max=MAX_ROWS, help="at most this many rows")] = 20,
    fmt: FormatOpt = Format.table,
    config: ConfigOpt = None,
    db: DbOpt = None,
) -> None:
    """Search projects by name, description, category and README; best matches first.

    Example: ohr search ventilator --licence open --has-bom --maturity tested
    Example: ohr search ventilator --category "Most Buildable" --format json
    Example: ohr search ventilator --no-flag unsafe --no-flag duplicate
    """
    from queries.search_plan import search as run_search

    terms = [t.lower() for t in text.split() if t]
    values = {"terms": terms, "category": category, "source": source, "licence": licence, "has_bom": has_bom,
              "maturity": maturity.value if maturity else None, "lim": limit, "flag": flag_kinds(flag),
              "no_flag": flag_kinds(no_flag)}
    with open_reader(config, db) as con:
        check_source(con, source, config)
        cols, rows = run_search(con, values)
    emit(cols, rows, fmt)

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
        "links": rows_of("SELECT kind, url, label, field, source, nested FROM project_links WHERE project_id = $1 "
                         "OR project_id IN (SELECT alias_id FROM v_aliases WHERE project_id = $1) "
                         "ORDER BY source, record_key, position", [pid]),
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
        "boms": rows_of("SELECT path, format, origin, line_count, cost, error FROM bom_files WHERE project_id = ? "
                        "ORDER BY path", [pid]),
        "documents": rows_of("SELECT doc_kind, path, url, status, size, error, fetched_at FROM documents "
                             "WHERE project_id = ? ORDER BY doc_kind, path", [pid]),
        "problems": rows_of("SELECT source, kind, message, url, occurred_at FROM crawl_errors WHERE item IN "
                            "(SELECT full_name FROM repos WHERE project_id = $1) OR url IN "
                            "(SELECT url FROM documents WHERE project_id = $1) OR (kind = 'no-primary-link' AND url IN "
                            "(SELECT url FROM project_links WHERE project_id = $1)) ORDER BY occurred_at DESC LIMIT 20",
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
        rows += [("link", lk["kind"], lk["url"]) for lk in details["links"]]
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
    for section in ("manifests", "boms", "urls", "links", "provenance", "documents", "problems"):
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

    text = sys.stdin.read() if query == "-" else query
    if not text.strip():
        raise OhrError("empty query")
    path = existing_db_path(config, db)
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

    cfg = checked(load(config, db))
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
