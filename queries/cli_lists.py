"""`ohr preview-source`: what a source would give, read now and written nowhere, so a curator can check a new list
before it enters the registry."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from queries.cli_common import ConfigOpt, Format, FormatOpt, OhrError, app, emit, load

__all__ = ["preview_source"]


def _entry_rows(records: list[Any]) -> list[dict[str, Any]]:
    """One row per record: its name, category, the link that names it (or the id it gets) and its typed links."""
    from registry.urls import project_id

    out = []
    for n, r in enumerate(records, start=1):
        fields = r.fields if isinstance(r.fields, dict) else {}
        links = [lk for lk in fields.get("links") or [] if isinstance(lk, dict)]
        out.append({
            "entry": n, "name": r.name, "category": r.category,
            "project": fields.get("entry_id") or (project_id(r.urls[0]) if r.urls else None),
            "links": "; ".join(f"{lk.get('kind') or 'link'}: {lk.get('url')}"
                               + (f" ({lk['field']})" if lk.get("field") else "") for lk in links)
            or "; ".join(r.urls),
            "annotations": ", ".join(f"{k}: {v}" for k, v in (fields.get("annotations") or {}).items()) or None,
        })
    return out


def _preview_file(path: Path, name: str, exclude: list[str]) -> tuple[list[Any], list[Any]]:
    """Records and problems of a local list file, parsed as a `github-list` source would parse it."""
    from crawler.mdlist import parse_list
    from crawler.sources.github_list import entry_records, list_problems

    try:
        text = path.read_bytes().decode("utf-8", errors="replace")
    except OSError as exc:
        raise OhrError(f"cannot read {path}: {exc.strerror or exc}") from None
    entries = parse_list(text, exclude)
    return entry_records(name, text, (), str(path), entries), list_problems(str(path), text, entries)


def _preview_source(cfg: Any, name: str) -> tuple[list[Any], list[Any]]:
    """Records and problems of one configured source, fetched now with nothing stored read or written."""
    from crawler.base import Context
    from crawler.github import GitHubClient
    from crawler.sources import fetch_source
    from registry.model import Document, Problem, Record

    source = next((s for s in cfg.sources if s.name == name), None)
    if source is None:
        known = ", ".join(s.name for s in cfg.sources) or "none"
        raise OhrError(f"no source named {name!r} (known: {known})")
    gh = GitHubClient(cfg.github)
    records: list[Record] = []
    problems: list[Problem] = []
    try:
        for item in fetch_source(Context(config=cfg, source=source, github=gh)):
            if isinstance(item, Record):
                records.append(item)
            elif isinstance(item, Problem):
                problems.append(item)
            elif isinstance(item, Document) and item.error:
                problems.append(Problem(item.url, "fetch", item.error, item.url))
    except Exception as exc:  # noqa: BLE001 - a source that cannot be read is the answer, not a crash
        problems.append(Problem(name, "fetch", f"{type(exc).__name__}: {exc}"))
    finally:
        gh.close()
    return records, problems


@app.command("preview-source")
def preview_source(
    name: Annotated[str | None, typer.Argument(help="a source of the config (see `ohr sources`)")] = None,
    file: Annotated[Path | None, typer.Option("--file", help="a local list file to read instead of a source")] = None,
    exclude: Annotated[list[str] | None, typer.Option("--exclude-section", help="a heading to leave out (with "
                                                      "--file; repeatable)")] = None,
    fmt: FormatOpt = Format.table,
    config: ConfigOpt = None,
) -> None:
    """Parse one source now and print the entries it would make, with their links and kinds, writing nothing.

    Example: ohr preview-source covid19-vent-list     (or: ohr preview-source --file README.md)
    """
    if (name is None) == (file is None):
        raise OhrError("give a source name or --file PATH (one of them)")
    if file is not None:
        records, problems = _preview_file(file, file.name, list(exclude or []))
    else:
        records, problems = _preview_source(load(config, None), name or "")
    rows = _entry_rows(records)
    if fmt is Format.json:
        import json

        typer.echo(json.dumps({"entries": rows, "problems": [p.__dict__ for p in problems]}, ensure_ascii=False,
                              indent=2, default=str))
        return
    emit(["entry", "name", "category", "project", "links", "annotations"], [list(r.values()) for r in rows], fmt,
         title=f"{len(rows)} entries (nothing written)")
    if problems and fmt is Format.table:
        for p in problems:
            typer.echo(f"problem: {p.item}: {p.message}", err=True)
