"""One design, one project: merge projects that a source record shows to be the same design.

`derive.store_records` already puts a record's URLs on one project when any of them is known. When a
record names URLs that two *different* projects already hold (a hub page linking a site that one list
named and a repository another source found), the later project becomes an alias of the earlier one —
the same reversible merge a curator makes (`ohr split` undoes it, and a split is never redone by the
resolver). Two different repositories are never merged (forks, variants and mirrors stay separate
projects, a fork linked to its origin through `v_projects.fork_of_project`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from registry import curate
from registry.model import Record
from registry.urls import canonical_url

if TYPE_CHECKING:
    import duckdb

__all__ = ["RESOLVER", "link_records"]

#: The actor name resolver merges carry in `aliases.merged_by` and the audit log.
RESOLVER = "resolver"


def _forks(con: duckdb.DuckDBPyConnection, pids: list[str]) -> set[frozenset[str]]:
    """Pairs of projects where one is a GitHub fork of the other."""
    rows = con.execute(
        "SELECT r.project_id, u.project_id FROM repos r JOIN project_urls u "
        "ON u.url = 'https://github.com/' || lower(r.parent) "
        "WHERE r.parent IS NOT NULL AND (r.project_id IN (SELECT UNNEST($1::VARCHAR[])) "
        "OR u.project_id IN (SELECT UNNEST($1::VARCHAR[])))", [pids]).fetchall()
    return {frozenset(r) for r in rows}


def _is_repo(pid: str) -> bool:
    return pid.startswith(("github.com/", "gitlab.com/"))


def link_records(con: duckdb.DuckDBPyConnection, records: Sequence[Record]) -> list[tuple[str, str]]:
    """Merge the projects each record's URLs point at; returns the (kept, absorbed) pairs merged now."""
    groups: list[list[str]] = []
    all_urls: set[str] = set()
    for r in records:
        cs = [c for c in (canonical_url(u) for u in r.urls) if c]
        if len(cs) > 1:
            groups.append(cs)
            all_urls.update(cs)
    if not groups:
        return []
    owner = dict(con.execute(
        "SELECT u.url, coalesce(a.project_id, u.project_id) FROM project_urls u "
        "LEFT JOIN v_aliases a ON a.alias_id = u.project_id WHERE u.url IN (SELECT UNNEST($1::VARCHAR[]))",
        [sorted(all_urls)]).fetchall())
    candidates = [sorted({owner[c] for c in cs if c in owner}) for cs in groups]
    candidates = [c for c in candidates if len(c) > 1]
    if not candidates:
        return []
    pids = sorted({p for c in candidates for p in c})
    first_seen = dict(con.execute(
        "SELECT id, first_seen FROM projects WHERE id IN (SELECT UNNEST($1::VARCHAR[]))", [pids]).fetchall())
    forks = _forks(con, pids)
    split = {(a, b) for a, b in con.execute(
        "SELECT project_id, target FROM audit_log WHERE action = 'split'").fetchall()}
    merged: list[tuple[str, str]] = []
    final: dict[str, str] = {}
    for group in candidates:
        group = sorted({final.get(p, p) for p in group}, key=lambda p: (first_seen.get(p), p))
        keep = group[0]
        for absorb in group[1:]:
            if absorb == keep or frozenset((keep, absorb)) in forks or (absorb, keep) in split:
                continue
            if _is_repo(keep) and _is_repo(absorb):
                continue
            curate.merge(con, keep, absorb, by=RESOLVER,
                         note="one source record links both projects' URLs")
            final[absorb] = keep
            merged.append((keep, absorb))
    return merged
