"""`okh-list` source: Open Know-How manifest lists (`list.json` federation files, as Appropedia publishes them).

The list names manifest URLs; each manifest is fetched, kept raw, and read by the OKH normalizer.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from crawler.base import Context
from crawler.config import SourceConfig
from crawler.http import FetchError, fetcher_for
from crawler.links import ordered_urls
from crawler.sources import HTTP_OPTIONS, SourceKind
from registry.model import Document, Problem, Record, SourceFacts
from registry.normalize.okh import parse_manifest

__all__ = ["OkhListAdapter", "ParsedManifest", "list_entries", "read_manifest"]

#: An author's manifest: trusted after certification, its description over GitHub's own; declares licences.
SOURCE = SourceKind(
    kind="okh-list", adapter="OkhListAdapter",
    facts=SourceFacts(trust=20, hub=True),
    options={"url": "string", "max_manifests": "number", **HTTP_OPTIONS},
)

_MANIFEST_KEYS = ("manifest", "manifest_url", "manifestUrl", "manifest-url", "okh", "okh_url", "yaml", "toml")
_URL_KEYS = ("url", "href", "link", "uri")
_LIST_KEYS = ("manifests", "items", "projects", "list", "data", "urls")


@dataclass
class ParsedManifest:
    """What the adapter needs of one manifest, whichever reader produced it."""

    raw: dict[str, Any] = field(default_factory=dict)
    title: str | None = None
    description: str | None = None
    licence: dict[str, str] = field(default_factory=dict)
    version: str | None = None
    maturity: str | None = None
    licensor: str | None = None
    project_link: str | None = None
    documentation_home: str | None = None
    format: str | None = None
    issues: list[str] = field(default_factory=list)
    error: str | None = None


def read_manifest(path: str, data: bytes) -> ParsedManifest:
    """Read a manifest with `registry.normalize.okh.parse_manifest` (lenient, guarded): one reader for manifests
    found in repositories and manifests a list names."""
    m = parse_manifest(path, data)
    return ParsedManifest(
        raw=m.raw, title=m.title, description=m.description, licence=dict(m.licence), version=m.version,
        maturity=m.development_stage or m.otrl, licensor=m.licensor, project_link=m.project_link,
        documentation_home=m.documentation_home, format=m.format, issues=list(m.issues), error=m.error,
    )


def list_entries(content: bytes, base_url: str) -> tuple[list[str], list[str]]:
    """Manifest URLs named by a list (strings, or objects with a manifest/url field), and what could not be read.

    Accepts a JSON array, an object holding one under `manifests`/`items`/…, or plain text with one URL a line.
    """
    text = content.decode("utf-8-sig", errors="replace")
    try:
        data: Any = json.loads(text)
    except (ValueError, RecursionError):
        data = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if isinstance(data, dict):
        data = next((data[k] for k in _LIST_KEYS if isinstance(data.get(k), list)), None)
        if data is None:
            return [], ["list has no array of manifests"]
    if not isinstance(data, list):
        return [], ["list is not an array"]
    urls, bad = [], []
    for i, entry in enumerate(data, start=1):
        url = None
        if isinstance(entry, str):
            url = entry.strip()
        elif isinstance(entry, dict):
            url = next((entry[k] for k in _MANIFEST_KEYS + _URL_KEYS if isinstance(entry.get(k), str)), None)
        if not url:
            bad.append(f"entry {i}: no manifest URL ({type(entry).__name__})")
            continue
        try:
            full = urljoin(base_url, url)
            scheme = urlsplit(full).scheme
        except ValueError:  # e.g. an unclosed IPv6 bracket
            bad.append(f"entry {i}: malformed URL: {url[:100]}")
            continue
        if scheme not in ("http", "https"):
            bad.append(f"entry {i}: not an http(s) URL: {url[:100]}")
            continue
        if full not in urls:
            urls.append(full)
    return urls, bad


def _record(doc: Document, source: SourceConfig) -> tuple[Record | None, Problem | None]:
    if doc.content is None:
        return None, None
    m = read_manifest(urlsplit(doc.url).path or doc.url, doc.content)
    if m.error:
        return None, Problem(doc.url, "manifest", f"manifest not read: {m.error}", doc.url)
    urls = ordered_urls([m.project_link, m.documentation_home]) or [doc.url]
    fields: dict[str, Any] = {
        "manifest": m.raw, "manifest_url": doc.url, "manifest_format": m.format, "licence": m.licence,
        "maturity": m.maturity, "version": m.version, "licensor": m.licensor,
        "manifest_issues": m.issues[:20],
    }
    kw = m.raw.get("keywords")
    if isinstance(kw, list):
        fields["keywords"] = [str(k) for k in kw if k]
    elif isinstance(kw, str):
        fields["keywords"] = [k.strip() for k in kw.split(",") if k.strip()]
    return Record(source=source.name, key=doc.url, urls=urls, name=m.title, description=m.description,
                  fields={k: v for k, v in fields.items() if v not in (None, [], {})}, document_url=doc.url), None


class OkhListAdapter:
    """Fetch the list, then every manifest it names (conditionally), one record per readable manifest."""

    kind = "okh-list"

    def fetch(self, ctx: Context) -> Iterator[Document | Record | Problem]:
        """Yield the list document, each manifest document and its record, and problems per entry."""
        src = ctx.source
        url = src.get("url")
        if not url:
            yield Problem(src.name, "config", "okh-list needs url = \"https://…/list.json\"")
            return
        limit = int(src.get("max_manifests", 2000))
        with fetcher_for(ctx) as http:
            try:
                res = http.get(url, accept="application/json, text/plain;q=0.5")
            except FetchError as exc:
                yield Problem(src.name, exc.kind, str(exc), url)
                return
            if not res.ok:
                yield res.document("okh-list", src.name)
                yield Problem(src.name, "fetch", f"list not read: {res.error}", url)
                return
            doc = res.document("okh-list", src.name)
            yield doc
            manifests, bad = list_entries(res.content or b"", url)
            for reason in bad:
                yield Problem(url, "malformed", reason, url)
            if len(manifests) > limit:
                yield Problem(src.name, "limit", f"{len(manifests)} manifests listed; read the first {limit}")
            for murl in manifests[:limit]:
                try:
                    mres = http.get(murl)
                except FetchError as exc:
                    yield Problem(murl, exc.kind, str(exc), murl)
                    if exc.kind == "deadline":
                        return
                    continue
                mdoc = mres.document("okh-manifest", src.name)
                yield mdoc
                if not mres.ok:
                    yield Problem(murl, "fetch", f"manifest not read: {mres.error}", murl)
                    continue
                record, problem = _record(mdoc, src)
                if problem:
                    yield problem
                if record:
                    yield record

    def parse(self, doc: Document, source: SourceConfig) -> list[Record]:
        """The record of a stored manifest (a stored list yields none)."""
        if doc.doc_kind != "okh-manifest":
            return []
        record, _ = _record(doc, source)
        return [record] if record else []
