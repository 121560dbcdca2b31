"""Curator actions — flags, corrections, merges, reviews — each recorded in the append-only audit log.

These functions are the only writers of the curator tables (see migrations/0004_curation.sql); the crawler
never touches them, so curation survives re-crawls. Each takes an open writer connection and leaves
transactions to the caller.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from registry.changes import REVIEW_FIELDS, as_text
from registry.db import now
from registry.search import refresh_search
from registry.store import insert, upsert

if TYPE_CHECKING:
    import duckdb

__all__ = [
    "CurationError",
    "FIELDS",
    "KINDS",
    "carry_corrections",
    "curation_details",
    "field_name",
    "flag",
    "follow_aliases",
    "history",
    "mark_reviewed",
    "merge",
    "review_queue",
    "set_field",
    "split",
    "unflag",
    "unset_field",
]

#: Flag kinds a curator can put on a project.
KINDS: dict[str, str] = {
    "verified": "a curator checked the design, its licence and its files",
    "unsafe": "building or using it could hurt someone; readers are warned in every listing",
    "not-open": "listed as open hardware but it is not (licence, missing files)",
    "dead-link": "its links no longer lead to the design",
    "duplicate": "the same design as another project (--of ID); see also `ohr merge`",
    "needs-review": "a curator should look at it",
    "medical-claim": "makes medical claims that need a caution",
}

_CHOICES = {
    "openness": ("open", "restricted", "proprietary", "unknown"),
    "copyleft": ("permissive", "weak", "strong"),
    "maturity": ("concept", "prototype", "tested", "production"),
    "maturity_state": ("certified", "archived", "inactive"),
    "medical_caution": ("true", "false"),
}

#: Fields of v_projects a curator can correct, and what each accepts.
FIELDS: dict[str, str] = {
    "name": "text",
    "description": "text ('' clears it)",
    "homepage": "an http(s) URL ('' clears it)",
    "category": "text ('' clears it)",
    "hardware_licence": "an SPDX expression or LicenseRef-… ('' clears it)",
    "documentation_licence": "an SPDX expression or LicenseRef-… ('' clears it)",
    "software_licence": "an SPDX expression or LicenseRef-… ('' clears it)",
    **{f: " | ".join(c) + ("" if f in ("openness", "medical_caution") else " ('' clears it)")
       for f, c in _CHOICES.items()},
}

_FIELD_ALIASES = {
    "licence": "hardware_licence", "license": "hardware_licence", "title": "name", "stage": "maturity",
    "state": "maturity_state", "url": "homepage",
}


class CurationError(ValueError):
    """A curator action that cannot be done as asked (unknown kind or field, bad value, nothing to undo)."""


def _now() -> datetime:
    return now()


def field_name(name: str) -> str:
    """The canonical field for a name a curator typed (`license` → hardware_licence, `hardware-license` …)."""
    f = name.strip().lower().replace("-", "_").replace("license", "licence")
    f = _FIELD_ALIASES.get(f, f)
    if f not in FIELDS:
        raise CurationError(f"cannot correct {name!r}; fields: {', '.join(FIELDS)}")
    return f


def _licence(value: str) -> str:
    if value.upper() in ("NONE", "NOASSERTION"):
        return value.upper()
    from license_expression import get_spdx_licensing

    lic = get_spdx_licensing()
    try:
        info = lic.validate(value)
    except Exception:  # noqa: BLE001 - license_expression raises assorted errors for broken expressions
        raise CurationError(f"{value!r} is not a licence expression (e.g. CERN-OHL-S-2.0 OR MIT)") from None
    if info.normalized_expression and not info.errors:
        return str(info.normalized_expression)
    bad = [s for s in info.invalid_symbols if not str(s).startswith("LicenseRef-")]
    if bad or not info.invalid_symbols:
        raise CurationError(f"unknown licence id(s) in {value!r}: use SPDX ids (https://spdx.org/licenses/) "
                            "or LicenseRef-…")
    return str(lic.parse(value))


def _validate(field: str, value: str) -> str | None:
    value = value.strip()
    if value == "":
        if field in ("name", "openness", "medical_caution"):
            raise CurationError(f"{field} cannot be empty")
        return None
    if field in _CHOICES:
        v = value.lower()
        if v not in _CHOICES[field]:
            raise CurationError(f"{field} must be one of {', '.join(_CHOICES[field])}, not {value!r}")
        return v
    if field.endswith("_licence"):
        return _licence(value)
    if field == "homepage" and not re.match(r"^https?://[^\s/$.?#].[^\s]*$", value, re.I):
        raise CurationError(f"homepage must be an http(s) URL, not {value!r}")
    return value


def follow_aliases(con: duckdb.DuckDBPyConnection, pid: str) -> str:
    """The project an id resolves to once merges are followed (itself when it was never merged)."""
    seen = {pid}
    while True:
        row = con.execute("SELECT project_id FROM aliases WHERE alias_id = ?", [pid]).fetchone()
        if row is None or row[0] in seen:
            return pid
        pid = row[0]
        seen.add(pid)


def _members(con: duckdb.DuckDBPyConnection, pid: str) -> list[str]:
    rows = con.execute("SELECT alias_id FROM v_aliases WHERE project_id = ? ORDER BY alias_id", [pid]).fetchall()
    return [pid] + [r[0] for r in rows]


def _require_project(con: duckdb.DuckDBPyConnection, pid: str) -> str:
    if con.execute("SELECT count(*) FROM projects WHERE id = ?", [pid]).fetchone()[0] == 0:
        raise CurationError(f"no project {pid!r}")
    return follow_aliases(con, pid)


def _audit(con: duckdb.DuckDBPyConnection, rows: Iterable[dict[str, Any]]) -> None:
    insert(con, "audit_log", list(rows))


def _entry(action: str, pid: str, by: str, at: datetime, target: str | None = None, old: str | None = None,
           new: str | None = None, note: str | None = None) -> dict[str, Any]:
    return {"acted_at": at, "actor": by, "action": action, "project_id": pid, "target": target,
            "old_value": old, "new_value": new, "note": note}


# -- flags -----------------------------------------------------------------------------------------
def flag(con: duckdb.DuckDBPyConnection, pid: str, kind: str, note: str, by: str,
         of: str | None = None) -> dict[str, Any]:
    """Put a flag on a project (re-flagging the same kind replaces its note); returns the audit entry."""
    pid = _require_project(con, pid)
    kind = kind.strip().lower()
    if kind not in KINDS:
        raise CurationError(f"unknown flag kind {kind!r}; kinds: {', '.join(KINDS)}")
    if not note.strip():
        raise CurationError("a flag needs a --note saying why")
    if kind == "duplicate":
        if not of:
            raise CurationError("a duplicate flag needs --of ID (the project it duplicates)")
        of = _require_project(con, of)
        if of == pid:
            raise CurationError(f"{pid} cannot duplicate itself")
    elif of:
        raise CurationError("--of is only for --kind duplicate")
    prev = con.execute("SELECT kind, of_project FROM flags WHERE project_id = ? AND kind = ?", [pid, kind]).fetchone()
    at = _now()
    upsert(con, "flags", [{"project_id": pid, "kind": kind, "of_project": of, "note": note.strip(),
                           "flagged_by": by, "flagged_at": at}], key=["project_id", "kind"])
    label = f"duplicate of {of}" if of else kind
    old = (f"duplicate of {prev[1]}" if prev[1] else prev[0]) if prev else None
    entry = _entry("flag", pid, by, at, kind, old, label, note.strip())
    _audit(con, [entry])
    return entry


def unflag(con: duckdb.DuckDBPyConnection, pid: str, kind: str, by: str, note: str | None = None) -> dict[str, Any]:
    """Take a flag off a project (also when it was put on an id since merged into it)."""
    pid = _require_project(con, pid)
    kind = kind.strip().lower()
    rows = con.execute("SELECT flagged_id, of_project FROM v_flags WHERE project_id = ? AND kind = ?",
                       [pid, kind]).fetchall()
    if not rows:
        raise CurationError(f"{pid} has no {kind!r} flag")
    at = _now()
    entries = []
    for flagged_id, of in rows:
        con.execute("DELETE FROM flags WHERE project_id = ? AND kind = ?", [flagged_id, kind])
        entries.append(_entry("unflag", flagged_id, by, at, kind, f"duplicate of {of}" if of else kind, None, note))
    _audit(con, entries)
    return entries[0]


def _reindex(con: duckdb.DuckDBPyConnection, *pids: str) -> None:
    """Rebuild the search rows a curation changed (and of the projects they now resolve to)."""
    refresh_search(con, {p for pid in pids for p in (pid, follow_aliases(con, pid))})


# -- corrections -----------------------------------------------------------------------------------
def _current(con: duckdb.DuckDBPyConnection, view: str, pid: str, field: str) -> str | None:
    row = con.execute(f"SELECT {field} FROM {view} WHERE id = ?", [pid]).fetchone()  # field is from FIELDS
    return as_text(row[0]) if row else None


def set_field(con: duckdb.DuckDBPyConnection, pid: str, field: str, value: str, note: str,
              by: str) -> dict[str, Any]:
    """Correct one field of a project; the correction wins over what the crawler derives until unset."""
    pid = _require_project(con, pid)
    field = field_name(field)
    if not note.strip():
        raise CurationError("a correction needs a --note saying why (or where the right value comes from)")
    clean = _validate(field, value)
    old = _current(con, "v_projects", pid, field)
    before = {f: _current(con, "v_projects", pid, f) for f in DERIVED}
    at = _now()
    row: dict[str, Any] = {"project_id": pid, "field": field, "value": clean, "note": note.strip(), "set_by": by,
                           "set_at": at}
    if field.endswith("_licence"):  # its verdicts, so openness and copyleft follow the corrected licence
        from registry.normalize.licence import copyleft, openness

        row |= {"openness": openness(clean) if clean else None, "copyleft": copyleft(clean) if clean else None}
    upsert(con, "corrections", [row], key=["project_id", "field"])
    entry = _entry("set", pid, by, at, field, old, clean, note.strip())
    _audit(con, [entry])
    _reindex(con, pid)
    return entry | {"crawler_value": _current(con, "v_projects_crawled", pid, field),
                    "derived": _derived_changes(con, pid, before, field)}


#: Fields v_projects derives from others (a licence's verdicts): `ohr set` says when a correction moved them.
DERIVED = ("openness", "copyleft")


def _derived_changes(con: duckdb.DuckDBPyConnection, pid: str, before: dict[str, str | None],
                     field: str) -> dict[str, tuple[str | None, str | None]]:
    """The derived fields a correction of ``field`` changed, as field -> (before, after)."""
    out = {}
    for f in DERIVED:
        if f != field:
            after = _current(con, "v_projects", pid, f)
            if after != before[f]:
                out[f] = (before[f], after)
    return out


def unset_field(con: duckdb.DuckDBPyConnection, pid: str, field: str, by: str,
                note: str | None = None) -> dict[str, Any]:
    """Drop a correction: the field shows the crawler's value again."""
    pid = _require_project(con, pid)
    field = field_name(field)
    row = con.execute("SELECT value FROM corrections WHERE project_id = ? AND field = ?", [pid, field]).fetchone()
    if row is None:
        raise CurationError(f"{pid} has no correction of {field}")
    before = {f: _current(con, "v_projects", pid, f) for f in DERIVED}
    con.execute("DELETE FROM corrections WHERE project_id = ? AND field = ?", [pid, field])
    entry = _entry("unset", pid, by, _now(), field, row[0], _current(con, "v_projects_crawled", pid, field), note)
    _audit(con, [entry])
    _reindex(con, pid)
    return entry | {"derived": _derived_changes(con, pid, before, field)}


# -- merges ----------------------------------------------------------------------------------------
def merge(con: duckdb.DuckDBPyConnection, keep: str, absorb: str, by: str, note: str | None = None) -> dict[str, Any]:
    """Make `absorb` an alias of `keep`: it resolves to keep, leaves listings, and keeps all its rows."""
    if con.execute("SELECT count(*) FROM projects WHERE id = ?", [absorb]).fetchone()[0] == 0:
        raise CurationError(f"no project {absorb!r}")
    keep = _require_project(con, keep)
    row = con.execute("SELECT project_id FROM aliases WHERE alias_id = ?", [absorb]).fetchone()
    if row:
        raise CurationError(f"{absorb} is already merged into {row[0]}; `ohr split {absorb}` first")
    if keep == absorb:
        raise CurationError(f"cannot merge {absorb} into itself")
    at = _now()
    insert(con, "aliases", [{"alias_id": absorb, "project_id": keep, "note": note, "merged_by": by,
                             "merged_at": at}])
    entry = _entry("merge", absorb, by, at, keep, absorb, keep, note)
    _audit(con, [entry])
    _reindex(con, keep, absorb)
    return entry


def carry_corrections(con: duckdb.DuckDBPyConnection, keep: str, absorb: str) -> list[dict[str, Any]]:
    """Copy an absorbed project's corrections to the project it joined, for fields that one has not corrected,
    each a `set` in the audit log by its original curator (a merge alone applies only the survivor's own)."""
    rows = con.execute(
        "SELECT field, value, note, set_by FROM corrections WHERE project_id = $1 AND field NOT IN "
        "(SELECT field FROM corrections WHERE project_id = $2) ORDER BY field", [absorb, keep]).fetchall()
    return [set_field(con, keep, field, value, f"{note} (carried over from {absorb}, merged into this project)", by)
            for field, value, note, by in rows]


def split(con: duckdb.DuckDBPyConnection, alias_id: str, by: str, note: str | None = None) -> dict[str, Any]:
    """Undo a merge: the absorbed id is its own project again (nothing was deleted, so nothing is lost)."""
    row = con.execute("SELECT project_id FROM aliases WHERE alias_id = ?", [alias_id]).fetchone()
    if row is None:
        merged = [r[0] for r in con.execute(
            "SELECT alias_id FROM aliases WHERE project_id = ? ORDER BY alias_id", [alias_id]).fetchall()]
        hint = f"; it absorbed {', '.join(merged)} — split one of those" if merged else ""
        raise CurationError(f"{alias_id} was not merged into another project{hint}")
    con.execute("DELETE FROM aliases WHERE alias_id = ?", [alias_id])
    entry = _entry("split", alias_id, by, _now(), row[0], row[0], alias_id, note)
    _audit(con, [entry])
    _reindex(con, row[0], alias_id)
    return entry


# -- review ----------------------------------------------------------------------------------------
def _group(field: str) -> str:
    return next((g for g, fs in REVIEW_FIELDS.items() if field in fs), field)


_QUEUE_SQL = """
WITH last AS (
    SELECT project_id, max(reviewed_at) AS reviewed_at FROM reviews GROUP BY project_id
),
ch AS (
    SELECT c.project_id, c.field,
           arg_min(c.old_value, c.changed_at) AS old_value,
           arg_max(c.new_value, c.changed_at) AS new_value,
           max(c.changed_at) AS changed_at
    FROM project_changes c JOIN last l ON l.project_id = c.project_id
    WHERE c.changed_at > l.reviewed_at AND c.field IN (SELECT UNNEST($fields::VARCHAR[]))
    GROUP BY ALL
    HAVING arg_min(c.old_value, c.changed_at) IS DISTINCT FROM arg_max(c.new_value, c.changed_at)
)
SELECT v.id, v.name,
       CASE WHEN l.reviewed_at IS NULL THEN 'new' ELSE 'changed' END AS status,
       list(ch.field ORDER BY ch.field) FILTER (WHERE ch.field IS NOT NULL) AS fields,
       list(ch.field || ': ' || coalesce(ch.old_value, '∅') || ' → ' || coalesce(ch.new_value, '∅')
            ORDER BY ch.field) FILTER (WHERE ch.field IS NOT NULL) AS changes,
       coalesce(max(ch.changed_at), v.first_seen) AS since,
       l.reviewed_at AS last_reviewed,
       v.flags
FROM v_projects v
LEFT JOIN last l ON l.project_id = v.id
LEFT JOIN ch ON ch.project_id = v.id
WHERE ($ids::VARCHAR[] IS NULL OR v.id IN (SELECT UNNEST($ids::VARCHAR[])))
GROUP BY v.id, v.name, l.reviewed_at, v.first_seen, v.flags
HAVING l.reviewed_at IS NULL OR count(ch.field) > 0
ORDER BY status, since DESC, v.id
"""


def review_queue(con: duckdb.DuckDBPyConnection, ids: list[str] | None = None,
                 what: str | None = None) -> list[dict[str, Any]]:
    """Projects new or changed (licence, maturity, BOM, archived, link status) since they were last reviewed."""
    fields = [f for fs in REVIEW_FIELDS.values() for f in fs]
    if what is not None and what not in REVIEW_FIELDS and what != "new":
        raise CurationError(f"unknown --what {what!r}; one of new, {', '.join(REVIEW_FIELDS)}")
    cur = con.execute(_QUEUE_SQL, {"fields": fields, "ids": ids})
    cols = [d[0] for d in cur.description]
    out = []
    for row in cur.fetchall():
        item = dict(zip(cols, row, strict=True))
        item["what"] = ["new"] if item["status"] == "new" else sorted({_group(f) for f in item["fields"] or []})
        item["changes"] = item["changes"] or []
        del item["fields"]
        if what is None or what in item["what"]:
            out.append(item)
    return out


def mark_reviewed(con: duckdb.DuckDBPyConnection, pids: Iterable[str], by: str,
                  note: str | None = None) -> list[str]:
    """Record that a curator reviewed these projects as they are now; they leave the queue until they change."""
    given = list(dict.fromkeys(pids))
    if not given:
        return []
    known = {r[0]: r[1] for r in con.execute(
        "SELECT p.id, coalesce(a.project_id, p.id) FROM projects p LEFT JOIN v_aliases a ON a.alias_id = p.id "
        "WHERE p.id IN (SELECT UNNEST($1::VARCHAR[]))", [given]).fetchall()}
    missing = [p for p in given if p not in known]
    if missing:
        raise CurationError(f"no project {missing[0]!r}")
    resolved = list(dict.fromkeys(known[p] for p in given))
    pending = {q["id"]: q for q in review_queue(con, resolved)}
    at = _now()
    insert(con, "reviews", [{"project_id": p, "reviewed_by": by, "reviewed_at": at, "note": note} for p in resolved])
    _audit(con, [
        _entry("review", p, by, at, ", ".join(pending[p]["what"]) if p in pending else "unchanged",
               "; ".join(pending[p]["changes"]) if p in pending and pending[p]["changes"] else None,
               "reviewed", note)
        for p in resolved
    ])
    return resolved


# -- reading ---------------------------------------------------------------------------------------
def history(con: duckdb.DuckDBPyConnection, pid: str, only: str | None = None) -> list[dict[str, Any]]:
    """Curator actions and crawler-seen changes of a project (and of ids merged into it), oldest first."""
    members = _members(con, pid)
    parts = []
    if only in (None, "curator"):
        parts.append(
            "SELECT acted_at AS at_, actor AS who, action, target AS field, old_value, new_value, note, project_id, "
            "entry_id AS seq FROM audit_log WHERE list_contains($m, project_id) "
            "OR (action IN ('merge', 'split') AND list_contains($m, target))")
    if only in (None, "crawler"):
        parts.append(
            "SELECT changed_at AS at_, 'crawler' AS who, "
            "CASE WHEN field = 'project' THEN 'first seen' ELSE 'changed' END AS action, "
            "CASE WHEN field = 'project' THEN NULL ELSE field END AS field, old_value, new_value, "
            "CASE WHEN run_id IS NULL THEN NULL WHEN run_id = 'renormalize' THEN 'renormalize' "
            "ELSE 'crawl run ' || run_id END AS note, project_id, 0 AS seq "
            "FROM project_changes WHERE list_contains($m, project_id)")
    if not parts:
        raise CurationError(f"--only must be crawler or curator, not {only!r}")
    cur = con.execute(" UNION ALL ".join(parts) + " ORDER BY at_, seq, field", {"m": members})
    cols = ["at"] + [d[0] for d in cur.description][1:-1]
    return [dict(zip(cols, r[:-1], strict=True)) for r in cur.fetchall()]


def curation_details(con: duckdb.DuckDBPyConnection, pid: str) -> dict[str, list[dict[str, Any]]]:
    """A project's flags, corrections (with the crawler's value) and merged ids, for `ohr show`."""
    def rows_of(sql: str, params: list[Any]) -> list[dict[str, Any]]:
        cur = con.execute(sql, params)
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]

    corrections = [
        {"field": c["field"], "value": c["value"],
         "crawler_value": _current(con, "v_projects_crawled", pid, c["field"]) if c["field"] in FIELDS else None,
         "note": c["note"], "set_by": c["set_by"], "set_at": c["set_at"]}
        for c in rows_of("SELECT field, value, note, set_by, set_at FROM corrections WHERE project_id = ? "
                         "ORDER BY field", [pid])
    ]
    return {
        "flags": rows_of("SELECT kind, note, of_project, flagged_by, flagged_at, flagged_id FROM v_flags "
                         "WHERE project_id = ? ORDER BY kind", [pid]),
        "corrections": corrections,
        "merged": rows_of("SELECT a.alias_id, a.project_id AS into, a.note, a.merged_by, a.merged_at FROM aliases a "
                          "WHERE a.alias_id IN (SELECT alias_id FROM v_aliases WHERE project_id = ?) "
                          "ORDER BY a.alias_id", [pid]),
    }
