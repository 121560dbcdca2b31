"""The one small interface every source adapter implements, and what adapters hand to the registry."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from crawler.config import Config, SourceConfig
    from crawler.github import GitHubClient

__all__ = [
    "ADAPTERS",
    "Adapter",
    "Context",
    "Document",
    "Problem",
    "Record",
    "SourceUnreachable",
    "adapter_for",
]


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


class SourceUnreachable(Exception):
    """The source as a whole could not be reached (DNS, refused connection, timeout)."""


@dataclass
class Context:
    """What an adapter may use: the configuration, clients, and what the registry already holds."""

    config: Config
    source: SourceConfig
    github: GitHubClient | None = None
    stored: Callable[[str], Document | None] = lambda url: None
    counters: dict[str, int] = field(default_factory=dict)
    #: Web pages of projects already in the registry, for the `web` adapter: called with (sources or None
    #: for all, limit, refetch_days) it returns (project id, URL) pairs of `web`-class project URLs, never
    #: fetched or fetched longer ago than refetch_days first. None: the adapter reads the registry itself
    #: (`crawler.web.registry_web_targets`).
    web_targets: Callable[[list[str] | None, int, float], list[tuple[str, str]]] | None = None

    def count(self, key: str, n: int = 1) -> None:
        """Add to one of this run's counters (requests, not_modified, …)."""
        self.counters[key] = self.counters.get(key, 0) + n


class Adapter(Protocol):
    """A source kind: fetch yields raw documents, parsed records and problems; parse is pure."""

    kind: str

    def fetch(self, ctx: Context) -> Iterator[Document | Record | Problem]:
        """Fetch the source, yielding what was fetched and read, in order."""
        ...

    def parse(self, doc: Document, source: SourceConfig) -> list[Record]:
        """Records of one stored document (re-run by `ohr renormalize`, no network)."""
        ...


#: Source kind → "module:Class" of its adapter, imported only when that kind is crawled.
ADAPTERS: dict[str, str] = {
    "github-list": "crawler.github_list:GitHubListAdapter",
    "oshwa": "crawler.oshwa:OshwaAdapter",
    "github-search": "crawler.github_search:GitHubSearchAdapter",
    "mediawiki": "crawler.mediawiki:MediaWikiAdapter",
    "okh-list": "crawler.okh_list:OkhListAdapter",
    "hackaday": "crawler.hackaday:HackadayAdapter",
    "csv-list": "crawler.csv_list:CsvListAdapter",
    "web": "crawler.web:WebAdapter",
}


def adapter_for(kind: str) -> Adapter:
    """An adapter instance for a source kind."""
    target = ADAPTERS[kind]
    module, _, cls = target.partition(":")
    return getattr(importlib.import_module(module), cls)()
