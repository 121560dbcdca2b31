"""Re-derive every normalized row from stored raw documents: no network, same result as a crawl."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.base import Document, adapter_for

if TYPE_CHECKING:
    from crawler.config import Config

__all__ = ["renormalize"]


def renormalize(cfg: Config) -> dict[str, int]:
    """Re-parse stored source documents into records, then rebuild repos and project fields."""
    from registry import changes, derive
    from registry.db import writer
    from registry.normalized import derive_normalized
    from registry.resolve import link_records

    counts = {"documents": 0, "records": 0, "repositories": 0, "projects": 0}
    all_records: list = []
    by_name = {s.name: s for s in cfg.sources}
    with writer(cfg.registry_path) as con:
        con.execute("BEGIN TRANSACTION")
        docs = con.execute(
            "SELECT d.url, d.doc_kind, d.source, d.fetched_at, d.status, d.content, d.etag, d.path, s.kind "
            "FROM documents d JOIN sources s ON s.name = d.source "
            "WHERE d.project_id IS NULL AND d.content IS NOT NULL ORDER BY d.fetched_at"
        ).fetchall()
        for url, kind, source, fetched_at, status, content, etag, path, source_kind in docs:
            src = by_name.get(source)
            if src is None or src.kind != source_kind:
                continue  # a source no longer configured keeps its stored records as they are
            doc = Document(url=url, doc_kind=kind, source=source, fetched_at=fetched_at, status=status,
                           content=content, etag=etag, path=path)
            records = adapter_for(source_kind).parse(doc, src)
            derive.store_records(con, records, fetched_at)
            all_records.extend(records)
            counts["documents"] += 1
            counts["records"] += len(records)
        counts["repositories"] = derive.derive_repos(con)
        counts["merged"] = len(link_records(con, all_records))
        normalized = derive_normalized(con)
        counts.update({k: v for k, v in normalized.items() if k in ("licences", "bom_lines")})
        derive.refresh_projects(con)
        # curation (issue 6): keep this last — what re-deriving changed goes to ohr history
        counts["changes"] = changes.record_changes(con, None, run_id="renormalize")
        counts["projects"] = con.execute("SELECT count(*) FROM projects").fetchone()[0]
        con.execute("COMMIT")
    return counts
