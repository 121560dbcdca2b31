"""The stored model every layer shares: a fetched document, a project as one source describes it, a problem."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = ["Document", "Problem", "Record"]


@dataclass
class Document:
    """One fetched payload, kept raw with its origin so normalizers can be re-run without re-crawling."""

    url: str
    doc_kind: str
    source: str
    fetched_at: datetime
    status: int | None = None
    content: bytes | None = None
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    project_id: str | None = None
    path: str | None = None
    sha: str | None = None
    error: str | None = None
    not_modified: bool = False


@dataclass
class Record:
    """A project as one source describes it (provenance: source, heading, prose, document)."""

    source: str
    key: str
    urls: list[str]
    name: str | None = None
    description: str | None = None
    category: str | None = None
    heading_path: list[str] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)
    document_url: str | None = None
    position: int | None = None


@dataclass
class Problem:
    """A failure recorded against one item; the crawl goes on."""

    item: str
    kind: str
    message: str
    url: str | None = None
