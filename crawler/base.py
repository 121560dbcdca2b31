"""The one small interface every source adapter implements (what it hands on is registry.model's)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from registry.model import Document, Problem, Record

if TYPE_CHECKING:
    from crawler.config import Config, SourceConfig
    from crawler.github import GitHubClient

__all__ = [
    "Adapter",
    "Context",
    "SourceUnreachable",
]


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
    #: fetched or fetched longer ago than refetch_days first (`crawler.stored.web_targets`, which the crawl
    #: hands in). None: no targets; an adapter never opens the registry itself.
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
