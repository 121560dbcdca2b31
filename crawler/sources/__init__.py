"""The source kinds ohr crawls, one module each, and the adapter of a kind, imported only when it is needed."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crawler.base import Adapter

__all__ = ["ADAPTERS", "adapter_for"]

#: Source kind → "module:Class" of its adapter, imported only when that kind is crawled.
ADAPTERS: dict[str, str] = {
    "github-list": "crawler.sources.github_list:GitHubListAdapter",
    "oshwa": "crawler.sources.oshwa:OshwaAdapter",
    "github-search": "crawler.sources.github_search:GitHubSearchAdapter",
    "mediawiki": "crawler.sources.mediawiki:MediaWikiAdapter",
    "okh-list": "crawler.sources.okh_list:OkhListAdapter",
    "hackaday": "crawler.sources.hackaday:HackadayAdapter",
    "csv-list": "crawler.sources.csv_list:CsvListAdapter",
    "web": "crawler.sources.web:WebAdapter",
}


def adapter_for(kind: str) -> Adapter:
    """An adapter instance for a source kind."""
    target = ADAPTERS[kind]
    module, _, cls = target.partition(":")
    return getattr(importlib.import_module(module), cls)()
