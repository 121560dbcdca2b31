"""The stored model every layer shares: a fetched document, a project as one source describes it, a problem, and
the facts of a source kind the registry weighs records by."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = ["AUTHORITATIVE_TRUST", "UNKNOWN_TRUST", "Document", "Problem", "Record", "SourceFacts"]


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


@dataclass(frozen=True)
class SourceFacts:
    """What the registry must know of a source kind to weigh its records; each kind declares them (crawler/sources/)
    and they are stored with the source's `sources` row, so the registry reads them without importing the crawler."""

    #: Order of trust for a project's name, description and category: lower wins. At most AUTHORITATIVE_TRUST
    #: (a certification, an author's manifest), the source's description also wins over GitHub's own.
    trust: int
    #: Whether its records carry hub-declared licence and maturity fields (`fields.licence`, `fields.maturity`).
    hub: bool = False
    #: Whose words a record's description is, for the licence and maturity readers: "list" (a list curator's),
    #: "hub" (a hub or project page's), or None (not read as evidence).
    prose: str | None = None

    def row(self) -> dict[str, Any]:
        """The `sources` columns that hold these facts."""
        return {"trust": self.trust, "hub": self.hub, "prose": self.prose}


#: Trust at or below which a source's description wins over the repository's own (see SourceFacts.trust).
AUTHORITATIVE_TRUST = 20
#: Trust of a source whose facts are unknown (a row written before they were stored, and not crawled since).
UNKNOWN_TRUST = 999
