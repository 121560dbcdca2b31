"""What an adapter may read of the registry (`Context.stored`, `Context.web_targets`), each read one short session."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from crawler.config import Config
from registry.db import now, writer
from registry.model import Document

__all__ = ["stored_lookup", "web_targets"]


def stored_lookup(cfg: Config) -> Callable[[str], Document | None]:
    """Read one stored document (with content) by URL, for conditional requests and 304 re-parses."""

    def lookup(url: str) -> Document | None:
        if not cfg.registry_path.exists():
            return None
        with writer(cfg.registry_path) as con:
            row = con.execute(
                "SELECT url, doc_kind, source, fetched_at, status, content, etag, last_modified, content_type, "
                "project_id, path, sha FROM documents WHERE url = ?", [url]).fetchone()
        if row is None:
            return None
        return Document(url=row[0], doc_kind=row[1], source=row[2], fetched_at=row[3], status=row[4],
                        content=row[5], etag=row[6], last_modified=row[7], content_type=row[8],
                        project_id=row[9], path=row[10], sha=row[11])

    return lookup


def web_targets(cfg: Config) -> Callable[[list[str] | None, int, float], list[tuple[str, str]]]:
    """`Context.web_targets` for the `web` source: `web`-class project URLs from `project_urls`, never-read
    pages first, then those read longer ago than refetch_days."""

    def targets(sources: list[str] | None, limit: int, refetch_days: float) -> list[tuple[str, str]]:
        if not cfg.registry_path.exists():
            return []
        since = now() - timedelta(days=refetch_days)
        where = "pu.url_kind = 'web'"
        params: list[Any] = [since, limit]
        if sources is not None:
            where += (" AND pu.project_id IN (SELECT project_id FROM source_records "
                      "WHERE source IN (SELECT UNNEST($3::VARCHAR[])))")
            params.append(sources)
        with writer(cfg.registry_path) as con:
            rows = con.execute(
                "SELECT pu.project_id, pu.url, max(d.fetched_at) AS last FROM project_urls pu "
                "LEFT JOIN documents d ON d.url = pu.url AND d.doc_kind = 'web-page' "
                f"WHERE {where} GROUP BY 1, 2 HAVING last IS NULL OR last < $1 "
                "ORDER BY last NULLS FIRST, pu.url LIMIT $2", params).fetchall()
        return [(pid, url) for pid, url, _ in rows]

    return targets
