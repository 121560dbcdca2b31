"""Turn fetched documents and source records into registry rows: projects, their URLs, GitHub repos.

Everything here reads only what is stored, so `ohr renormalize` can re-run it without the network.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from registry import normalized
from registry.model import AUTHORITATIVE_TRUST, UNKNOWN_TRUST, Document, Problem, Record, SourceFacts
from registry.rows import for_projects, physical_order
from registry.search import refresh_search
from registry.store import insert, upsert
from registry.urls import canonical_url, classify, github_repo, project_id

if TYPE_CHECKING:
    import duckdb

__all__ = [
    "derive_repos",
    "digest_records",
    "fold_stale_records",
    "github_targets",
    "refresh_projects",
    "remember_record_digests",
    "repo_row",
    "store_documents",
    "store_links",
    "store_problems",
    "store_records",
    "store_source_facts",
]

_URL_PREFERENCE = {"github-repo": 0, "gitlab-repo": 1, "hub": 2, "web": 3}
README_MAX_CHARS = 200_000


def store_documents(con: duckdb.DuckDBPyConnection, docs: Sequence[Document]) -> None:
    """Keep raw documents: a 304 only touches fetched_at; an error never erases stored content."""
    touched = [d for d in docs if d.not_modified]
    fresh = [d for d in docs if not d.not_modified]
    if touched:
        con.execute(
            "UPDATE documents SET fetched_at = t.fetched_at, status = coalesce(t.status, documents.status), "
            "error = NULL FROM (SELECT UNNEST($1::VARCHAR[]) AS url, UNNEST($2::TIMESTAMP[]) AS fetched_at, "
            "UNNEST($3::INTEGER[]) AS status) t WHERE documents.url = t.url",
            [[d.url for d in touched], [d.fetched_at for d in touched], [d.status for d in touched]],
        )
    rows = [
        {
            "url": d.url, "source": d.source, "project_id": d.project_id, "doc_kind": d.doc_kind,
            "path": d.path, "status": d.status, "etag": d.etag if d.content is not None else None,
            "last_modified": d.last_modified if d.content is not None else None,
            "content_type": d.content_type, "size": len(d.content) if d.content is not None else None,
            "content": d.content, "sha": d.sha, "error": d.error, "fetched_at": d.fetched_at,
            "changed_at": d.fetched_at if d.content is not None else None,
        }
        for d in fresh
    ]
    upsert(
        con, "documents", rows, key=["url"],
        coalesce=["content", "etag", "last_modified", "content_type", "size", "sha", "project_id", "path"],
        exprs={"changed_at": "CASE WHEN excluded.content IS NOT NULL AND excluded.content IS DISTINCT FROM "
                             "documents.content THEN excluded.fetched_at ELSE documents.changed_at END"},
    )


def store_problems(
    con: duckdb.DuckDBPyConnection, run_id: str, source: str, problems: Sequence[Problem], at: datetime
) -> None:
    """Record failures against their items."""
    insert(con, "crawl_errors", [
        {"run_id": run_id, "source": source, "item": p.item, "url": p.url, "kind": p.kind,
         "message": p.message[:2000], "occurred_at": at}
        for p in problems
    ])


def store_source_facts(con: duckdb.DuckDBPyConnection, facts: Mapping[str, SourceFacts]) -> None:
    """Set the facts of sources already in the registry (by name), as their kinds now declare them."""
    if facts:
        names = list(facts)
        con.execute(
            "UPDATE sources SET trust = f.trust, hub = f.hub, prose = f.prose FROM (SELECT UNNEST($1) AS name, "
            "UNNEST($2) AS trust, UNNEST($3) AS hub, UNNEST($4::VARCHAR[]) AS prose) f WHERE sources.name = f.name",
            [names, [facts[n].trust for n in names], [facts[n].hub for n in names], [facts[n].prose for n in names]])


def _primary(urls: list[str]) -> str:
    return min(urls, key=lambda u: (_URL_PREFERENCE.get(classify(u), 9), urls.index(u)))


def store_records(con: duckdb.DuckDBPyConnection, records: Sequence[Record], ts: datetime) -> dict[str, int]:
    """Resolve records to projects by their canonical URLs and store them with provenance.

    Returns counts: new projects and records seen. A URL already known keeps its project, so ids
    never change across crawls.
    """
    canon_of: dict[str, list[str]] = {}
    for r in records:
        cs = []
        for u in r.urls:
            c = canonical_url(u)
            if c and c not in cs:
                cs.append(c)
        canon_of[r.key] = cs
    all_urls = sorted({c for cs in canon_of.values() for c in cs})
    known: dict[str, str] = dict(
        con.execute(
            "SELECT url, project_id FROM project_urls WHERE url IN (SELECT UNNEST($1::VARCHAR[]))", [all_urls]
        ).fetchall()
    ) if all_urls else {}
    existing_projects = set(known.values())
    url_rows: list[dict[str, Any]] = []
    project_rows: dict[str, dict[str, Any]] = {}
    record_rows = []
    for r in records:
        cs = canon_of[r.key]
        entry = r.fields.get("entry_id") if isinstance(r.fields, dict) else None
        if not cs and not entry:
            continue
        pid = next((known[c] for c in cs if c in known), None)
        if pid is None and entry:  # a list entry with no link that may name it: one project, named by the entry
            pid = entry
            project_rows.setdefault(pid, {"id": pid, "canonical_url": pid, "first_seen": ts, "last_seen": ts})
        elif pid is None:
            primary = _primary(cs)
            pid = project_id(primary)
            assert pid is not None
            project_rows[pid] = {"id": pid, "canonical_url": primary, "first_seen": ts, "last_seen": ts}
        else:
            project_rows.setdefault(pid, {"id": pid, "canonical_url": "https://" + pid, "first_seen": ts,
                                          "last_seen": ts})
        for c in cs:
            if c not in known:
                known[c] = pid
            if known[c] == pid:
                url_rows.append({"url": c, "project_id": pid, "url_kind": classify(c), "first_seen": ts,
                                 "last_seen": ts})
        record_rows.append({
            "source": r.source, "record_key": r.key, "project_id": pid, "name": r.name,
            "description": r.description, "urls": cs, "category": r.category,
            "heading_path": r.heading_path, "fields": r.fields, "document_url": r.document_url,
            "position": r.position, "first_seen": ts, "last_seen": ts,
        })
    candidates = [p for p in project_rows if p not in existing_projects]
    stored = {row[0] for row in con.execute(
        "SELECT id FROM projects WHERE id IN (SELECT UNNEST($1::VARCHAR[]))", [candidates]).fetchall()
    } if candidates else set()
    new = sum(1 for p in candidates if p not in stored)
    # last_seen never goes back: renormalize stores documents oldest first, and a project two lists name
    # keeps the later list's time (else every re-run would rewrite it twice)
    later = "greatest({t}.last_seen, excluded.last_seen)"
    upsert(con, "projects", project_rows.values(), key=["id"], keep=["first_seen", "canonical_url"],
           exprs={"last_seen": later.format(t="projects")})
    upsert(con, "project_urls", url_rows, key=["url"], keep=["first_seen", "project_id", "url_kind"],
           exprs={"last_seen": later.format(t="project_urls")})
    upsert(con, "source_records", record_rows, key=["source", "record_key"], keep=["first_seen"],
           exprs={"last_seen": later.format(t="source_records")})
    store_links(con, records, {(r["source"], r["record_key"]): r["project_id"] for r in record_rows}, ts)
    return {"new": new, "seen": len(record_rows)}


def touch_records(con: duckdb.DuckDBPyConnection, source: str, document_url: str, ts: datetime) -> None:
    """Mark one document's stored records (and their projects and URLs) seen at ``ts``: what store_records does
    for records that are exactly the stored ones (by their digest), in three statements instead of merges."""
    of_doc = "SELECT {col} FROM source_records WHERE source = $1 AND document_url = $2"
    con.execute("UPDATE projects SET last_seen = greatest(last_seen, $3) WHERE id IN ("
                + of_doc.format(col="project_id") + ")", [source, document_url, ts])
    con.execute("UPDATE project_urls SET last_seen = greatest(last_seen, $3) WHERE url IN ("
                + of_doc.format(col="UNNEST(urls)") + ")", [source, document_url, ts])
    con.execute("UPDATE source_records SET last_seen = greatest(last_seen, $3) "
                "WHERE source = $1 AND document_url = $2", [source, document_url, ts])


def store_links(con: duckdb.DuckDBPyConnection, records: Sequence[Record], project_of: Mapping[tuple[str, str], str],
                ts: datetime) -> int:
    """Replace the typed links (`project_links`) of the records that carry them (list entries: fields.links with
    a kind), in one delete and one insert; a link seen before keeps its first_seen."""
    typed = [r for r in records if (r.source, r.key) in project_of and isinstance(r.fields, dict)
             and any(isinstance(lk, dict) and lk.get("kind") for lk in r.fields.get("links") or [])]
    if not typed:
        return 0
    keys = [f"{r.source}\x00{r.key}" for r in typed]
    some = "source || chr(0) || record_key IN (SELECT UNNEST($1::VARCHAR[]))"
    seen = {(s, k, u): t for s, k, u, t in con.execute(
        f"SELECT source, record_key, url, min(first_seen) FROM project_links WHERE {some} GROUP BY ALL",
        [keys]).fetchall()}
    con.execute(f"DELETE FROM project_links WHERE {some}", [keys])
    rows = []
    for r in typed:
        pid = project_of[(r.source, r.key)]
        done: set[tuple[str, str]] = set()
        for i, lk in enumerate(r.fields.get("links") or []):
            if not isinstance(lk, dict) or not lk.get("kind") or not lk.get("url"):
                continue
            url = canonical_url(str(lk["url"])) or str(lk["url"])
            if (url, lk["kind"]) in done:
                continue
            done.add((url, lk["kind"]))
            rows.append({"project_id": pid, "source": r.source, "record_key": r.key, "url": url, "kind": lk["kind"],
                         "label": lk.get("label") or None, "field": lk.get("field") or None,
                         "nested": bool(lk.get("nested")), "position": i,
                         "first_seen": seen.get((r.source, r.key, url), ts)})
    return insert(con, "project_links", rows)


#: Who folds the projects an older list parser made of an entry's links into the entry's project (aliases.merged_by).
LIST_FOLDER = "list-parser"


def fold_stale_records(con: duckdb.DuckDBPyConnection, document_url: str, records: Sequence[Record]) -> list[
        tuple[str, str]]:
    """Drop the records a document gave before but no longer gives, and fold each project left with no record
    into the project whose entry now holds its URL as a link (an alias, as a curator's merge: its flags and
    corrections resolve to the surviving project, `ohr split` undoes it). Returns the (kept, absorbed) pairs."""
    from registry import curate

    keys = [r.key for r in records]
    stale = con.execute(
        "SELECT source, record_key, project_id FROM source_records WHERE document_url = $1 "
        "AND record_key NOT IN (SELECT UNNEST($2::VARCHAR[]))", [document_url, keys]).fetchall()
    if not stale:
        return []
    gone = [f"{s}\x00{k}" for s, k, _ in stale]
    some = "source || chr(0) || record_key IN (SELECT UNNEST($1::VARCHAR[]))"
    con.execute(f"DELETE FROM source_records WHERE {some}", [gone])
    con.execute(f"DELETE FROM project_links WHERE {some}", [gone])
    orphans = sorted({pid for _, _, pid in stale})
    alive = {row[0] for row in con.execute(
        "SELECT DISTINCT project_id FROM source_records WHERE project_id IN (SELECT UNNEST($1::VARCHAR[]))",
        [orphans]).fetchall()}
    merged = {row[0] for row in con.execute("SELECT alias_id FROM aliases").fetchall()}
    folded = []
    for pid in orphans:
        if pid in alive or pid in merged:
            continue
        row = con.execute(
            "SELECT l.project_id FROM project_links l JOIN project_urls u ON u.url = l.url "
            "WHERE u.project_id = $1 AND l.project_id <> $1 AND l.project_id NOT IN (SELECT alias_id FROM aliases) "
            "ORDER BY l.first_seen, l.project_id LIMIT 1", [pid]).fetchone()
        if row is None:
            continue
        curate.merge(con, row[0], pid, LIST_FOLDER, note="an older list parser made this link of the entry a project")
        curate.carry_corrections(con, row[0], pid)
        folded.append((row[0], pid))
    return folded


def digest_records(records: Iterable[Record], running: Any = None) -> Any:
    """A sha1 of records in order (or `running` updated with more of them), to know if a document's records
    changed since they were stored (migration 0011)."""
    h = running if running is not None else hashlib.sha1(usedforsecurity=False)
    for r in records:
        h.update(json.dumps([r.source, r.key, r.urls, r.name, r.description, r.category, r.heading_path,
                             r.fields, r.document_url, r.position], sort_keys=True, default=str).encode())
        h.update(b"\n")
    return h


def remember_record_digests(con: duckdb.DuckDBPyConnection, digests: Mapping[str, str]) -> None:
    """Keep, per source document URL, the digest of the records stored from it."""
    if not digests:
        return
    con.execute("DELETE FROM record_digests WHERE document_url IN (SELECT UNNEST($1::VARCHAR[]))", [list(digests)])
    insert(con, "record_digests", [{"document_url": u, "digest": d} for u, d in digests.items()])


def github_targets(
    con: duckdb.DuckDBPyConnection, project_ids: Iterable[str] | None = None
) -> list[tuple[str, str]]:
    """(project id, owner/name) of every project with a GitHub repository, the id's own repo first."""
    ids = list(project_ids) if project_ids is not None else None
    sql = "SELECT project_id, url FROM project_urls WHERE url_kind = 'github-repo'"
    params: list[Any] = []
    if ids is not None:
        sql += " AND project_id IN (SELECT UNNEST($1::VARCHAR[]))"
        params = [ids]
    best: dict[str, tuple[int, str]] = {}
    for pid, url in con.execute(sql + " ORDER BY first_seen, url", params).fetchall():
        gh = github_repo(url)
        if not gh:
            continue
        rank = 0 if project_id(url) == pid else 1
        if pid not in best or rank < best[pid][0]:
            best[pid] = (rank, f"{gh[0]}/{gh[1]}")
    return sorted((pid, name) for pid, (_, name) in best.items())


def _ts(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).replace(tzinfo=None)
    except ValueError:
        return None


def _json(content: bytes | None) -> Any:
    if content is None:
        return None
    try:
        return json.loads(content)
    except (ValueError, RecursionError):
        return None


#: Repositories derived per pass over the documents when deriving all of them (bounds memory at 1M projects).
DERIVE_CHUNK = 20_000


def _not_current(con: duckdb.DuckDBPyConnection, targets: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The targets whose `repos` row is missing or older than their stored repository document."""
    ids = [pid for pid, _ in targets]
    repo_at = dict(con.execute(
        "SELECT project_id, max(fetched_at) FROM documents WHERE doc_kind = 'repo' "
        "AND project_id IN (SELECT UNNEST($1::VARCHAR[])) GROUP BY project_id", [ids]).fetchall())
    rows = {pid: (name, status, at) for pid, name, status, at in con.execute(
        "SELECT project_id, full_name, status, fetched_at FROM repos "
        "WHERE project_id IN (SELECT UNNEST($1::VARCHAR[]))", [ids]).fetchall()}
    out = []
    for pid, requested in targets:
        row = rows.get(pid)
        current = row is not None and row[2] == repo_at.get(pid) and (
            row[0].lower() == requested.lower() or row[1] == "moved")
        if not current:
            out.append((pid, requested))
    return out


def derive_repos(con: duckdb.DuckDBPyConnection, project_ids: Iterable[str] | None = None, *,
                 rederive: bool = False) -> int:
    """Rebuild `repos` rows of the given projects (all when None) from their stored documents.

    With ids (a crawl batch), a row already derived from the stored repository document is left alone
    (unless `rederive`, as renormalize asks), and only the row ranges holding the others' documents are read;
    all of them are derived in chunks of DERIVE_CHUNK projects whose documents sit next to each other.
    """
    targets = github_targets(con, project_ids)
    if project_ids is not None and not rederive:
        targets = _not_current(con, targets)
    if not targets:
        return 0
    name = dict(targets)
    order = physical_order(con, "documents", name) if len(targets) > DERIVE_CHUNK else sorted(name)
    # large runs parse the repository JSON in the normalizers' worker processes while this one reads and writes
    pool = normalized._get_pool(len(order)) if len(order) >= normalized.POOL_MIN_PROJECTS else None

    def parts() -> Iterator[tuple[None, list[tuple[list[tuple[str, str]], dict[str, dict[str, tuple]]]]]]:
        for i in range(0, len(order), DERIVE_CHUNK):
            chunk = [(pid, name[pid]) for pid in order[i:i + DERIVE_CHUNK]]
            docs: dict[str, dict[str, tuple]] = {}
            for pid, kind, status, content, error, fetched_at, path in for_projects(
                con, "documents", "project_id, doc_kind, status, content, error, fetched_at, path",
                [pid for pid, _ in chunk], "doc_kind IN ('repo', 'tree', 'readme')", "ORDER BY fetched_at",
            ):
                docs.setdefault(pid, {})[kind] = (status, content, error, fetched_at, path)
            yield None, [(part, {pid: docs[pid] for pid, _ in part if pid in docs})
                         for part in (chunk[j:j + 250] for j in range(0, len(chunk), 250))]

    return sum(_store_repo_rows(con, results) for _, results in normalized.pipelined(pool, _repo_rows, parts()))


REPO_COLUMNS = ("project_id", "host", "full_name", "status", "moved_to", "description", "homepage", "topics",
                "language", "stars", "forks", "created_at", "pushed_at", "archived", "is_fork", "parent",
                "default_branch", "api_licence", "tree_paths", "tree_truncated", "readme_path", "readme", "error",
                "fetched_at")


def repo_row(pid: str, requested: str, d: dict[str, tuple]) -> tuple[dict[str, Any], tuple[str, str] | None]:
    """The `repos` row of a project's GitHub repository `requested` (owner/name) from its stored documents
    (doc_kind -> (status, content, error, fetched_at, path)), and (project id, URL) if the repository moved."""
    repo = d.get("repo")
    row: dict[str, Any] = {"project_id": pid, "host": "github", "full_name": requested}
    moved = None
    if repo is None:
        row.update(status="pending")
        return {c: row.get(c) for c in REPO_COLUMNS}, None
    status, content, error, fetched_at, _ = repo
    data = _json(content) or {}
    row["fetched_at"] = fetched_at
    row["error"] = error
    if status == 404:
        row["status"] = "gone"
    elif not data:
        row["status"] = "error"
    elif error:
        row["status"] = "stale"
    else:
        row["status"] = "ok"
    if data:
        full = data.get("full_name") or requested
        if full.lower() != requested.lower():
            row["status"] = "moved" if row["status"] == "ok" else row["status"]
            row["moved_to"] = full
            moved = (pid, f"https://github.com/{full.lower()}")
        lic = data.get("license") or {}
        row.update(
            full_name=full, description=data.get("description"), homepage=data.get("homepage") or None,
            topics=list(data.get("topics") or []), language=data.get("language"),
            stars=data.get("stargazers_count"), forks=data.get("forks_count"),
            created_at=_ts(data.get("created_at")), pushed_at=_ts(data.get("pushed_at")),
            archived=bool(data.get("archived")), is_fork=bool(data.get("fork")),
            parent=(data.get("parent") or {}).get("full_name"), default_branch=data.get("default_branch"),
            api_licence=(lic.get("spdx_id") if isinstance(lic, dict) else None),
        )
    tree = d.get("tree")
    if tree and tree[1] is not None:
        tdata = _json(tree[1]) or {}
        row["tree_paths"] = [e["path"] for e in tdata.get("tree", []) if e.get("type") == "blob" and "path" in e]
        row["tree_truncated"] = bool(tdata.get("truncated"))
    readme = d.get("readme")
    if readme and readme[0] == 200 and readme[1] is not None:
        row["readme_path"] = readme[4]
        row["readme"] = bytes(readme[1]).decode("utf-8", errors="replace")[:README_MAX_CHARS]
    return {c: row.get(c) for c in REPO_COLUMNS}, moved


# A part of a chunk's repos rows: the rows and (project id, URL) of moved repositories.
_RepoPart = tuple[list[dict[str, Any]], list[tuple[str, str]]]


def _repo_rows(job: tuple[list[tuple[str, str]], dict[str, dict[str, tuple]]]) -> _RepoPart:
    """`repos` rows (and URLs of moved repositories) of (project id, owner/name) targets from their documents; in
    a worker process for large runs."""
    targets, docs = job
    rows = []
    moved_urls = []
    for pid, requested in targets:
        row, moved = repo_row(pid, requested, docs.get(pid, {}))
        rows.append(row)
        if moved:
            moved_urls.append(moved)
    return rows, moved_urls


def _store_repo_rows(con: duckdb.DuckDBPyConnection, parts: Iterable[_RepoPart]) -> int:
    """Write a chunk's repos rows in one upsert (all of them: skipping unchanged rows by a digest gained ~7 % of a
    renormalize, docs/scaling.md, so migration 0018 dropped it)."""
    full_rows: list[dict[str, Any]] = []
    moved_urls: list[tuple[str, str]] = []
    for rows, moved in parts:
        full_rows += rows
        moved_urls += moved
    if full_rows:
        upsert(con, "repos", full_rows, key=["project_id"])
    if moved_urls:
        ts = con.execute("SELECT now()::TIMESTAMP").fetchone()[0]
        upsert(con, "project_urls", [
            {"url": u, "project_id": pid, "url_kind": "github-repo", "first_seen": ts, "last_seen": ts}
            for pid, u in moved_urls
        ], key=["url"], keep=["first_seen", "project_id", "url_kind"])
    return len(full_rows)


#: A record's trust for a project's name, description and category (lower wins), as its source's kind declares it
#: (crawler/sources/<kind>.py, stored in `sources.trust`): a certification record, then an author's manifest, then
#: a human-curated list, then hub pages, crowd spreadsheets, search hits and finally scraped web pages. GitHub's own
#: description is used before list prose (it is the author's words), after certification and manifest text.
_TRUST_SQL = f"coalesce(src.trust, {UNKNOWN_TRUST})"

# The resolved fields are computed into a temporary table first, then applied: DuckDB 2.0 planned
# `UPDATE projects … FROM (this query)` ~40x slower than the two steps (2.1 s against 0.08 s for a batch of
# 2,000 projects of a 100k registry). Only rows whose fields change are updated: DuckDB 2.0 took 12 s to
# set mostly-NULL columns (homepage, repo_full_name) of 30,000 re-stored rows to the values they held.
_RESOLVED_SQL = """
CREATE OR REPLACE TEMP TABLE __ohr_resolved AS
    SELECT p.id,
           coalesce(s.name, r.full_name) AS name,
           CASE WHEN s.best_trust <= AUTHORITATIVE THEN coalesce(s.description, nullif(trim(r.description), ''))
                ELSE coalesce(nullif(trim(r.description), ''), s.description) END AS description,
           coalesce(r.homepage, u.site) AS homepage,
           s.category,
           CASE WHEN p.id LIKE 'list:%' THEN 'list-entry'
                WHEN p.canonical_url LIKE 'https://github.com/%' THEN 'github-repo'
                WHEN p.canonical_url LIKE 'https://gitlab.com/%' THEN 'gitlab-repo'
                ELSE coalesce(u.kind, 'web') END AS url_kind,
           r.full_name AS repo_full_name
    FROM projects p
    LEFT JOIN (
        SELECT sr.project_id,
               min(TRUST) AS best_trust,
               first(sr.name ORDER BY TRUST, sr.first_seen, sr.source, sr.record_key)
                   FILTER (WHERE sr.name IS NOT NULL) AS name,
               first(sr.description ORDER BY TRUST, sr.first_seen, sr.source, sr.record_key)
                   FILTER (WHERE sr.description IS NOT NULL AND sr.description <> '') AS description,
               first(sr.category ORDER BY TRUST, sr.first_seen, sr.source, sr.record_key)
                   FILTER (WHERE sr.category IS NOT NULL) AS category
        FROM source_records sr LEFT JOIN sources src ON src.name = sr.source
        WHERE {records}
        GROUP BY sr.project_id
    ) s ON s.project_id = p.id
    LEFT JOIN repos r ON r.project_id = p.id
    LEFT JOIN (
        SELECT project_id,
               first(url ORDER BY first_seen, url)
                   FILTER (WHERE url_kind NOT IN ('github-repo', 'gitlab-repo')) AS site,
               first(url_kind ORDER BY first_seen, url) AS kind
        FROM project_urls WHERE {urls} GROUP BY project_id
    ) u ON u.project_id = p.id
    WHERE {where}
""".replace("AUTHORITATIVE", str(AUTHORITATIVE_TRUST)).replace("TRUST", _TRUST_SQL)
_APPLY_SQL = """
UPDATE projects SET
    name = coalesce(d.name, projects.name),
    description = coalesce(d.description, projects.description),
    homepage = d.homepage,
    category = coalesce(d.category, projects.category),
    url_kind = d.url_kind,
    repo_full_name = d.repo_full_name
FROM __ohr_resolved d
WHERE projects.id = d.id
  AND (coalesce(d.name, projects.name) IS DISTINCT FROM projects.name
       OR coalesce(d.description, projects.description) IS DISTINCT FROM projects.description
       OR d.homepage IS DISTINCT FROM projects.homepage
       OR coalesce(d.category, projects.category) IS DISTINCT FROM projects.category
       OR d.url_kind IS DISTINCT FROM projects.url_kind
       OR d.repo_full_name IS DISTINCT FROM projects.repo_full_name)
"""


def _refresh(con: duckdb.DuckDBPyConnection, params: list[Any], **where: str) -> None:
    con.execute(_RESOLVED_SQL.format(**where), params)
    con.execute(_APPLY_SQL)
    con.execute("DROP TABLE __ohr_resolved")


def refresh_projects(con: duckdb.DuckDBPyConnection, project_ids: Iterable[str] | None = None) -> None:
    """Recompute each project's resolved fields from its source records, repository and URLs, then its search row.

    With ids, every aggregate is restricted to them, so a crawl batch costs what it touches, not the registry.
    """
    if project_ids is None:
        _refresh(con, [], where="TRUE", records="TRUE", urls="TRUE")
        refresh_search(con)
        return
    ids = sorted(set(project_ids))
    if ids:
        some = "IN (SELECT UNNEST($1::VARCHAR[]))"
        _refresh(con, [ids], where=f"p.id {some}", records=f"sr.project_id {some}", urls=f"project_id {some}")
        refresh_search(con, ids)
