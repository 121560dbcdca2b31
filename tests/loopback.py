"""Loopback HTTP servers and configs for the hub-adapter tests: real sockets on 127.0.0.1, real httpx."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pytest_httpserver import HTTPServer

from crawler.base import Context
from crawler.config import Config, load_config
from registry.model import Document, Problem, Record

__all__ = ["collect", "context", "hub_config", "serve"]

logging.getLogger("werkzeug").setLevel(logging.ERROR)


@contextmanager
def serve() -> Iterator[HTTPServer]:
    """A started pytest-httpserver on 127.0.0.1 (random port), stopped afterwards."""
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    try:
        yield server
    finally:
        server.clear()
        if server.is_running():
            server.stop()


def hub_config(tmp: Path, sources: str, github_url: str = "http://127.0.0.1:9", extra: str = "") -> Path:
    """A config.toml allowing loopback fetches without delays, with the given [[sources]] text."""
    cfg = tmp / "config.toml"
    cfg.write_text(
        f'[github]\napi_url = "{github_url}"\nmax_rate_limit_wait = 2\nretries = 0\n\n'
        '[http]\nallow_hosts = ["127.0.0.1"]\nper_host_delay = 0\nretries = 1\nretry_backoff = 0.01\n'
        f'timeout = 5\n{extra}\n'
        f'[registry]\npath = "registry.duckdb"\n\n{sources}\n',
        encoding="utf-8",
    )
    return cfg


def context(cfg_path: Path, source: str, stored: dict[str, Document] | None = None, **kw: object) -> Context:
    """A Context for one source of a config, with an in-memory store of documents by URL."""
    cfg: Config = load_config(cfg_path)
    store = stored if stored is not None else {}
    return Context(config=cfg, source=cfg.source(source), stored=store.get, **kw)  # type: ignore[arg-type]


def collect(items: Iterator[Document | Record | Problem]) -> tuple[list[Document], list[Record], list[Problem]]:
    """Split what an adapter yielded into documents, records and problems."""
    docs, recs, probs = [], [], []
    for it in items:
        if isinstance(it, Document):
            docs.append(it)
        elif isinstance(it, Record):
            recs.append(it)
        else:
            probs.append(it)
    return docs, recs, probs
