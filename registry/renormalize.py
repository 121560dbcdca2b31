"""Re-derive every normalized row from stored raw documents: no network, same result as a crawl.

It works in short writer sessions, like a crawl: one per stored source document whose parsed records differ
from those last stored from it (its records and the merges they imply; migration 0011), then one per chunk
of projects (repositories, normalized rows, project fields, search rows and history), each one transaction
that closes the file again. A chunk's long part, reading its documents and running the normalizers, holds
only a read-only open, which searches share; its write session follows, and derives the chunk again if
another process wrote the file in between. Readers (`ohr search`) wait at most one write session and see
each project either before or after; a renormalize stopped half-way leaves every project consistent, and
running it again finishes the job.

The registry does not know how a source's documents read: the caller (crawler/renormalize.py) hands in each
configured source's kind, its pure parse function and its kind's facts (registry.model.SourceFacts).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any, NamedTuple

from registry import changes, db, derive
from registry.derive import digest_records, repo_row
from registry.model import Document, Record, SourceFacts
from registry.normalized import (
    _TABLES,
    FILES,
    POOL_MIN_PROJECTS,
    Unchanged,
    _derive_safe,
    _get_pool,
    _Inputs,
    _store,
    pipelined,
    record_fields,
    run_in_pool,
    source_roles,
)
from registry.resolve import link_records
from registry.rows import for_projects, locate, physical_order, read_located
from registry.search import compact_search

__all__ = ["CHUNK_PROJECTS", "Parser", "SourceReader", "renormalize"]

#: A source's pure parse of one of its stored documents into records; picklable (a module-level function or a
#: functools.partial of one), as documents may be parsed in worker processes.
Parser = Callable[[Document], list[Record]]


class SourceReader(NamedTuple):
    """How renormalize reads one configured source: its kind, its parse, and the facts its kind declares."""

    kind: str
    parse: Parser
    facts: SourceFacts

#: Projects with a GitHub repository re-derived per transaction (each chunk also re-reads v_projects once for
#: the history); a project without one weighs a third: its chunk holds up to three times as many.
CHUNK_PROJECTS = 50_000
REPO_WEIGHT = 3
#: Source documents are parsed in worker processes when there are this many and they hold this much content.
PARSE_POOL_DOCS = 2
PARSE_POOL_BYTES = 1_000_000


#: How long a chunk's read-only open waits for another process's write session (as a writer would).
LOCK_WAIT = 60.0
#: Projects whose documents are read at once, and per worker task.
READ_PROJECTS = 2000
TASK_PROJECTS = 50
#: Repository rows written per upsert (each reads the stored rows it names).
REPO_BATCH = 10_000

# per project: id, GitHub owner/name (None: no repository to derive), its repo/tree/readme documents
# (doc_kind -> (status, content, error, fetched_at, path)), files (path -> content), records (source role,
# source, fields JSON, description), projects.last_seen, a stored repos row kept as it is, stored normalized
# digest
_Job = tuple[str, "str | None", dict[str, tuple], dict[str, bytes], list[tuple[Any, str, Any, Any]], Any,
             "dict[str, Any] | None", "str | None"]


def _rederive_many(jobs: list[_Job]) -> list[tuple[Any, ...]]:
    """The repos row and normalized rows of each project from its documents (runs in a worker process): the
    normalizers read the repository as it was just derived, and normalized rows equal to the stored ones stay
    here)."""
    out = []
    for pid, requested, docs, files, records, last_seen, old_repo, stored in jobs:
        row = moved = None
        if requested is not None:
            row, moved = repo_row(pid, requested, docs)
        inp = _Inputs(pid, files=files, observed_at=last_seen,
                      records=[(role, source, record_fields(fields), desc) for role, source, fields, desc in records])
        repo = row if row is not None else old_repo
        if repo is not None:
            inp.use_repo(repo["tree_paths"], repo["readme"], repo["api_licence"], repo["archived"], repo["pushed_at"],
                         repo["fetched_at"])
        result = _derive_safe(inp)
        if isinstance(result[1], dict) and result[3] == stored:
            result = (result[0], Unchanged.of(result[1]), None, result[3])
        out.append((row, moved, result))
    return out


@dataclass
class _Derived:
    """What re-deriving a chunk of projects gave, before anything is written."""

    repositories: int = 0                                 # repos rows derived, changed or not
    repo_rows: list[dict[str, Any]] = field(default_factory=list)
    moved_urls: list[tuple[str, str]] = field(default_factory=list)
    results: list[Any] = field(default_factory=list)      # normalized._Result per project
    stored: dict[str, str] = field(default_factory=dict)  # the chunk's normalized digests when it was read


def _derive_chunk(con: Any, part: list[str]) -> _Derived:
    """Re-derive the repos rows and normalized rows of a chunk of projects from one read of their documents;
    reads only, so a read-only connection does (searches share the file meanwhile).

    A crawl batch runs derive_repos, then derive_normalized, which reads the rows just written; here each
    project's documents, files and records go to a worker process once, which derives both, and this process
    only reads (tests/test_registry.py checks both ways give the same rows).
    """
    targets = dict(derive.github_targets(con, part))
    wanted = f"doc_kind IN ('repo', 'tree', 'readme') OR ({FILES})"
    docs_at = locate(con, "documents", part, wanted)
    records_at = locate(con, "source_records", part)
    some = "IN (SELECT UNNEST($1::VARCHAR[]))"
    last_seen = dict(con.execute(f"SELECT id, last_seen FROM projects WHERE id {some}", [part]).fetchall())
    out = _Derived(stored=dict(con.execute(
        f"SELECT project_id, digest FROM normalized_digests WHERE project_id {some}", [part]).fetchall()))
    roles = source_roles(con)
    # a repos row of a project without a GitHub URL any more (merged, say) stays as it is, and is read as it is
    kept = sorted({pid for (pid,) in con.execute(f"SELECT project_id FROM repos WHERE project_id {some}",
                                                 [part]).fetchall()} - set(targets))
    old_repos = {r[0]: dict(zip(derive.REPO_COLUMNS, r, strict=True))
                 for r in for_projects(con, "repos", ", ".join(derive.REPO_COLUMNS), kept)}

    def jobs_of(ids: list[str]) -> list[_Job]:
        docs: dict[str, dict[str, tuple]] = {}
        files: dict[str, dict[str, bytes]] = {}
        for pid, kind, status, content, error, fetched_at, path in read_located(
            con, "documents", "project_id, doc_kind, status, content, error, fetched_at, path", docs_at, ids, wanted,
            order="ORDER BY fetched_at",  # the latest wins
        ):
            if kind == "file":
                files.setdefault(pid, {})[path] = bytes(content)
            elif pid in targets:
                docs.setdefault(pid, {})[kind] = (status, content, error, fetched_at, path)
        records: dict[str, list[tuple[str, str, Any, Any]]] = {}
        for pid, source, fields, desc in read_located(con, "source_records", "project_id, source, fields, description",
                                                      records_at, ids, order="ORDER BY source, record_key"):
            records.setdefault(pid, []).append((roles.get(source, (False, None)), source, fields, desc))
        return [(pid, targets.get(pid), docs.get(pid, {}), dict(sorted(files.get(pid, {}).items())),
                 records.get(pid, []), last_seen.get(pid), old_repos.get(pid), out.stored.get(pid)) for pid in ids]

    def parts() -> Iterator[tuple[None, list[list[_Job]]]]:
        for start in range(0, len(part), READ_PROJECTS):
            jobs = jobs_of(part[start:start + READ_PROJECTS])
            yield None, [jobs[j:j + TASK_PROJECTS] for j in range(0, len(jobs), TASK_PROJECTS)]

    for _, results in pipelined(_get_pool(len(part)), _rederive_many, parts()):
        for row, moved, result in chain.from_iterable(results):
            if row is not None:
                out.repositories += 1
                out.repo_rows.append(row)
            if moved is not None:
                out.moved_urls.append(moved)
            out.results.append(result)
    return out


def _write_chunk(con: Any, part: list[str], derived: _Derived, counts: dict[str, int]) -> None:
    """Write what _derive_chunk gave: repos rows, moved repositories' URLs, and the normalized rows that changed."""
    sizes = dict.fromkeys(_TABLES, 0)
    _store(con, part, derived.results, sizes, derived.stored)
    rows = derived.repo_rows  # the moved repositories' URLs go with the first batch
    for i in range(0, max(len(rows), 1), REPO_BATCH):
        derive._store_repo_rows(con, [(rows[i:i + REPO_BATCH], derived.moved_urls if i == 0 else [])])
    counts["repositories"] += derived.repositories
    counts["licences"] += sizes["licences"]
    counts["bom_lines"] += sizes["bom_lines"]


def _parse(job: tuple[Document, Parser, str | None]) -> tuple[str, int, list[Record] | None]:
    """The digest and number of the records of one stored source document, as its source reads them, and the
    records unless their digest is `stored` (runs in a worker process too: unchanged lists are not sent back)."""
    doc, parse, stored = job
    records = parse(doc)
    digest = digest_records(records).hexdigest()
    return digest, len(records), None if digest == stored else records


@contextmanager
def _timed(took: dict[str, float], what: str) -> Iterator[None]:
    t0 = time.perf_counter()
    try:
        yield
    finally:
        took[what] = took.get(what, 0.0) + time.perf_counter() - t0


def _chunks(ids: list[str], with_repo: set[str], chunk: int) -> list[list[str]]:
    """Consecutive parts of ids holding `chunk` projects with a repository, or up to REPO_WEIGHT times as many
    without: a chunk's write session and its fixed costs (scans of whole tables) then weigh alike."""
    parts: list[list[str]] = []
    part: list[str] = []
    weight = 0
    for pid in ids:
        cost = REPO_WEIGHT if pid in with_repo else 1
        if part and weight + cost > chunk * REPO_WEIGHT:
            parts.append(part)
            part, weight = [], 0
        part.append(pid)
        weight += cost
    return [*parts, part] if part else parts


def renormalize(registry_path: Path, readers: Mapping[str, SourceReader], chunk: int = CHUNK_PROJECTS,
                progress: Callable[[str], None] | None = None) -> dict[str, int]:
    """Re-parse stored source documents into records, then rebuild repos and project fields, chunk by chunk.

    `readers` maps each configured source's name to how it reads; a source stored under that name with
    the same kind gets its kind's facts as declared now, and its documents are parsed again. A stored source
    not in it, or of another kind now, keeps its facts and the records stored from it.
    """
    say = progress or (lambda _msg: None)
    counts = {"documents": 0, "records": 0, "repositories": 0, "merged": 0, "licences": 0, "bom_lines": 0,
              "changes": 0, "projects": 0}
    with db.writer(registry_path) as con:
        kinds = dict(con.execute("SELECT name, kind FROM sources").fetchall())
        derive.store_source_facts(con, {name: r.facts for name, r in readers.items() if kinds.get(name) == r.kind})
        stored = con.execute(
            "SELECT d.url, d.doc_kind, d.source, d.fetched_at, d.status, d.content, d.etag, d.path, s.kind "
            "FROM documents d JOIN sources s ON s.name = d.source "
            "WHERE d.project_id IS NULL AND d.content IS NOT NULL ORDER BY d.fetched_at"
        ).fetchall()
        digests = dict(con.execute("SELECT document_url, digest FROM record_digests").fetchall())
    jobs = []
    for url, kind, source, fetched_at, status, content, etag, path, source_kind in stored:
        reader = readers.get(source)
        if reader is None or reader.kind != source_kind:
            continue  # a source no longer configured keeps its stored records as they are
        jobs.append((Document(url=url, doc_kind=kind, source=source, fetched_at=fetched_at, status=status,
                              content=content, etag=etag, path=path), reader.parse, digests.get(url)))
    del stored
    # documents parse independently: spread over the normalizers' worker processes when there is enough
    size = sum(len(doc.content or b"") for doc, _, _ in jobs)
    pool = _get_pool(POOL_MIN_PROJECTS) if len(jobs) >= PARSE_POOL_DOCS and size >= PARSE_POOL_BYTES else None
    parsed = run_in_pool(pool, _parse, jobs) if pool else map(_parse, jobs)
    # a writer session (file lock) per document and per chunk, so readers get in between them
    stored_at = time.perf_counter()
    unchanged = 0
    for (doc, _src, _stored), (digest, n_records, records) in zip(jobs, parsed, strict=True):
        counts["documents"] += 1
        counts["records"] += n_records
        if records is None:  # the records stored from it last time: storing them again would write nothing
            unchanged += 1
            continue
        with db.writer(registry_path) as con:
            con.execute("BEGIN TRANSACTION")
            derive.store_records(con, records, doc.fetched_at)
            counts["merged"] += len(link_records(con, records))
            if doc.doc_kind == "list":  # projects an older parser made of an entry's links join the entry
                counts["merged"] += len(derive.fold_stale_records(con, doc.url, records))
            derive.remember_record_digests(con, {doc.url: digest})
            con.execute("COMMIT")
    say(f"{counts['documents']} source documents re-parsed into {counts['records']} records, "
        f"{counts['documents'] - unchanged} of them stored again ({time.perf_counter() - stored_at:.1f} s)")

    with db.writer(registry_path) as con:
        ids = physical_order(con, "documents", [r[0] for r in con.execute("SELECT id FROM projects").fetchall()])
        parts = _chunks(ids, {pid for pid, _ in derive.github_targets(con, None)}, chunk)
    done = 0
    for part in parts:
        done += len(part)
        took: dict[str, float] = {}
        # derived under a read-only open, which searches share; written in a short session after, unless
        # another process wrote the file in between: then derived again under the write lock
        stamp = db.file_stamp(registry_path)
        with _timed(took, "repositories and normalizers"), db.reader(registry_path, wait=LOCK_WAIT) as con:
            derived = _derive_chunk(con, part)
        with db.writer(registry_path) as con:
            con.execute("BEGIN TRANSACTION")
            if db.file_stamp(registry_path) != stamp:
                with _timed(took, "derived again (the file changed meanwhile)"):
                    derived = _derive_chunk(con, part)
            with _timed(took, "writing them"):
                _write_chunk(con, part, derived, counts)
            del derived
            with _timed(took, "fields and search"):
                derive.refresh_projects(con, part)
            # curation (issue 6): keep this last — what re-deriving changed goes to ohr history
            with _timed(took, "history"):
                counts["changes"] += changes.record_changes(con, part, run_id="renormalize")
            with _timed(took, "commit"):
                con.execute("COMMIT")
        say(f"{done} of {len(ids)} projects re-derived ("
            + ", ".join(f"{k} {v:.1f} s" for k, v in took.items()) + ")")
    with db.writer(registry_path) as con:
        t0 = time.perf_counter()
        if compact_search(con):
            say(f"search word index sorted again ({time.perf_counter() - t0:.1f} s)")
        counts["projects"] = con.execute("SELECT count(*) FROM projects").fetchone()[0]
    return counts
