"""Re-derive every normalized row from stored raw documents: no network, same result as a crawl.

It works in short writer sessions, like a crawl: one per stored source document (its records and the merges
they imply), then one per chunk of projects (repositories, normalized rows, project fields, search rows and
history), each one transaction that closes the file again. Readers (`ohr search`) wait at most one session
and see each project either before or after; a renormalize stopped half-way leaves every project
consistent, and running it again finishes the job.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from crawler.base import Document, Record, adapter_for
from registry.normalized import POOL_MIN_PROJECTS, _get_pool, run_in_pool

if TYPE_CHECKING:
    from crawler.config import Config, SourceConfig

__all__ = ["CHUNK_PROJECTS", "renormalize"]

#: Projects re-derived per transaction (each chunk also re-reads v_projects once for the history).
CHUNK_PROJECTS = 50_000
#: Source documents are parsed in worker processes when there are this many and they hold this much content.
PARSE_POOL_DOCS = 2
PARSE_POOL_BYTES = 1_000_000


def _parse(job: tuple[Document, SourceConfig]) -> list[Record]:
    """The records of one stored source document, as its adapter reads them (runs in a worker process too)."""
    doc, src = job
    return adapter_for(src.kind).parse(doc, src)


@contextmanager
def _timed(took: dict[str, float], what: str) -> Iterator[None]:
    t0 = time.perf_counter()
    try:
        yield
    finally:
        took[what] = took.get(what, 0.0) + time.perf_counter() - t0


def renormalize(cfg: Config, chunk: int = CHUNK_PROJECTS,
                progress: Callable[[str], None] | None = None) -> dict[str, int]:
    """Re-parse stored source documents into records, then rebuild repos and project fields, chunk by chunk."""
    from registry import changes, derive
    from registry.db import writer
    from registry.normalized import derive_normalized
    from registry.resolve import link_records
    from registry.rows import physical_order
    from registry.search import compact_search

    say = progress or (lambda _msg: None)
    counts = {"documents": 0, "records": 0, "repositories": 0, "merged": 0, "licences": 0, "bom_lines": 0,
              "changes": 0, "projects": 0}
    by_name = {s.name: s for s in cfg.sources}
    with writer(cfg.registry_path) as con:
        stored = con.execute(
            "SELECT d.url, d.doc_kind, d.source, d.fetched_at, d.status, d.content, d.etag, d.path, s.kind "
            "FROM documents d JOIN sources s ON s.name = d.source "
            "WHERE d.project_id IS NULL AND d.content IS NOT NULL ORDER BY d.fetched_at"
        ).fetchall()
    jobs = []
    for url, kind, source, fetched_at, status, content, etag, path, source_kind in stored:
        src = by_name.get(source)
        if src is None or src.kind != source_kind:
            continue  # a source no longer configured keeps its stored records as they are
        jobs.append((Document(url=url, doc_kind=kind, source=source, fetched_at=fetched_at, status=status,
                              content=content, etag=etag, path=path), src))
    del stored
    # documents parse independently: spread over the normalizers' worker processes when there is enough
    size = sum(len(doc.content or b"") for doc, _ in jobs)
    pool = _get_pool(POOL_MIN_PROJECTS) if len(jobs) >= PARSE_POOL_DOCS and size >= PARSE_POOL_BYTES else None
    parsed = run_in_pool(pool, _parse, jobs) if pool else map(_parse, jobs)
    # a writer session (file lock) per document and per chunk, so readers get in between them
    for (doc, _src), records in zip(jobs, parsed, strict=True):
        with writer(cfg.registry_path) as con:
            con.execute("BEGIN TRANSACTION")
            derive.store_records(con, records, doc.fetched_at)
            counts["merged"] += len(link_records(con, records))
            con.execute("COMMIT")
        counts["documents"] += 1
        counts["records"] += len(records)
    say(f"{counts['documents']} source documents re-parsed into {counts['records']} records")

    with writer(cfg.registry_path) as con:
        ids = physical_order(con, "documents", [r[0] for r in con.execute("SELECT id FROM projects").fetchall()])
    for start in range(0, len(ids), chunk):
        part = ids[start:start + chunk]
        took: dict[str, float] = {}
        with writer(cfg.registry_path) as con:
            with _timed(took, "repositories"):
                con.execute("BEGIN TRANSACTION")
                counts["repositories"] += derive.derive_repos(con, part, rederive=True)
            with _timed(took, "normalizers"):
                normalized = derive_normalized(con, part)
            counts["licences"] += normalized["licences"]
            counts["bom_lines"] += normalized["bom_lines"]
            with _timed(took, "fields and search"):
                derive.refresh_projects(con, part)
            # curation (issue 6): keep this last — what re-deriving changed goes to ohr history
            with _timed(took, "history"):
                counts["changes"] += changes.record_changes(con, part, run_id="renormalize")
            with _timed(took, "commit"):
                con.execute("COMMIT")
        say(f"{min(start + chunk, len(ids))} of {len(ids)} projects re-derived ("
            + ", ".join(f"{k} {v:.1f} s" for k, v in took.items()) + ")")
    with writer(cfg.registry_path) as con:
        t0 = time.perf_counter()
        if compact_search(con):
            say(f"search word index sorted again ({time.perf_counter() - t0:.1f} s)")
        counts["projects"] = con.execute("SELECT count(*) FROM projects").fetchone()[0]
    return counts
