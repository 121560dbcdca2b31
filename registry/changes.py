"""What the crawler saw change between runs: compare v_projects_crawled with the last snapshot, append changes.

The crawl pipeline calls `record_changes` at the end of each write batch (and renormalize once), inside its
transaction, so `ohr history` and `ohr review` can say what changed and when.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from registry.db import now
from registry.store import insert, upsert

if TYPE_CHECKING:
    import duckdb

__all__ = ["REVIEW_FIELDS", "TRACKED", "as_text", "record_changes"]

#: Columns of v_projects_crawled whose changes are kept (those missing from the view are skipped).
TRACKED: tuple[str, ...] = (
    "name", "category", "homepage", "repo_status", "stars", "pushed_at", "archived", "api_licence",
    "hardware_licence", "documentation_licence", "software_licence", "openness", "copyleft",
    "maturity", "maturity_state", "medical_caution", "bom_files", "bom_lines", "bom_cost",
)

#: Tracked fields a curator re-reviews a project for, grouped by what they mean.
REVIEW_FIELDS: dict[str, tuple[str, ...]] = {
    "licence": ("api_licence", "hardware_licence", "documentation_licence", "software_licence", "openness",
                "copyleft"),
    "maturity": ("maturity", "maturity_state", "medical_caution"),
    "bom": ("bom_files", "bom_lines"),
    "archived": ("archived",),
    "status": ("repo_status",),
}


def as_text(value: Any) -> str | None:
    """One stable text form per value, so equal values compare equal across runs."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.10g}"
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)
    return str(value)


def _json_text(value: Any) -> str | None:
    if value is None:
        return None
    try:
        return json.dumps(json.loads(value), sort_keys=True, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(value)


def record_changes(
    con: duckdb.DuckDBPyConnection,
    project_ids: Iterable[str] | None = None,
    run_id: str | None = None,
    at: datetime | None = None,
) -> int:
    """Append a project_changes row per tracked field that differs from the last snapshot; returns how many.

    A project seen for the first time gets one row (field 'project', new value 'new'). A field added to
    TRACKED later is adopted silently instead of being reported as changed everywhere.
    """
    ids = None if project_ids is None else sorted(set(project_ids))
    if ids is not None and not ids:
        return 0
    at = at or now()
    types = dict(con.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'v_projects_crawled'"
    ).fetchall())
    fields = [f for f in TRACKED if f in types]
    where = "" if ids is None else " WHERE id IN (SELECT UNNEST($1::VARCHAR[]))"
    current = con.execute(f"SELECT id, {', '.join(fields)} FROM v_projects_crawled{where}",
                          [] if ids is None else [ids]).fetchall()
    swhere = "" if ids is None else " WHERE project_id IN (SELECT UNNEST($1::VARCHAR[]))"
    snaps = {pid: json.loads(js) for pid, js in con.execute(
        f"SELECT project_id, fields FROM project_snapshots{swhere}", [] if ids is None else [ids]).fetchall()}
    changes: list[dict[str, Any]] = []
    snapshots: list[dict[str, Any]] = []
    for row in current:
        pid = row[0]
        now_vals = {f: (_json_text(v) if types[f] == "JSON" else as_text(v)) for f, v in zip(fields, row[1:],
                                                                                           strict=True)}
        before = snaps.get(pid)
        if before is None:
            changes.append({"project_id": pid, "field": "project", "old_value": None, "new_value": "new",
                            "changed_at": at, "run_id": run_id})
        else:
            for f in fields:
                if f in before and before[f] != now_vals[f]:
                    changes.append({"project_id": pid, "field": f, "old_value": before[f],
                                    "new_value": now_vals[f], "changed_at": at, "run_id": run_id})
        if before is None or before != now_vals:
            snapshots.append({"project_id": pid, "fields": {**(before or {}), **now_vals}, "taken_at": at})
    insert(con, "project_changes", changes)
    upsert(con, "project_snapshots", snapshots, key=["project_id"])
    return len(changes)
