"""`ohr renormalize`: re-derive the registry from its stored documents, each source document read by its source."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from crawler.config import Config, SourceConfig
from crawler.sources import adapter_for, source_kind
from registry import renormalize as registry_renormalize
from registry.model import Document, Record

__all__ = ["parse_document", "renormalize"]


def parse_document(source: SourceConfig, doc: Document) -> list[Record]:
    """The records of one stored document of `source`, as its adapter's pure parse reads them (no network)."""
    return adapter_for(source.kind).parse(doc, source)


def renormalize(cfg: Config, chunk: int = registry_renormalize.CHUNK_PROJECTS,
                progress: Callable[[str], None] | None = None) -> dict[str, int]:
    """Re-derive every row from stored documents, handing the registry each configured source's parse and facts."""
    readers = {s.name: registry_renormalize.SourceReader(s.kind, partial(parse_document, s), source_kind(s.kind).facts)
               for s in cfg.sources}
    return registry_renormalize.renormalize(cfg.registry_path, readers, chunk=chunk, progress=progress)
