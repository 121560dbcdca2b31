"""`oshwa` source: the OSHWA certification directory API, every certified project with its declared licences."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlsplit

from crawler.base import Context
from crawler.config import SourceConfig
from crawler.http import Fetched, FetchError, fetcher_for
from crawler.links import ordered_urls
from crawler.sources import HTTP_OPTIONS, SourceKind
from registry.model import Document, Problem, Record, SourceFacts

__all__ = ["DEFAULT_API", "OshwaAdapter", "read_document"]

#: A certification record: trusted first, its description over GitHub's own; declares licences.
SOURCE = SourceKind(
    kind="oshwa", adapter="OshwaAdapter",
    facts=SourceFacts(trust=10, hub=True, prose="hub"),
    credential=("token_env", "OSHWA_TOKEN", "the OSHWA certification API needs a token"),
    options={"api_url": "string", "token_env": "string", "page_size": "number", "max_pages": "number",
             "page_url": "string", **HTTP_OPTIONS},
)

DEFAULT_API = "https://certificationapi.oshwa.org"
DEFAULT_PAGE_URL = "https://certification.oshwa.org/{uid}.html"


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _date(value: Any) -> str | None:
    """The ISO date of an OSHWA timestamp like `2018-01-17T00:00-04:00` (the raw text if it is not one)."""
    text = _text(value)
    if text is None:
        return None
    m = re.match(r"^(\d{4}-\d{2}-\d{2})", text)
    return m.group(1) if m else text


def _list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value if _text(v)]
    text = _text(value)
    return [p.strip() for p in re.split(r"[,;]", text) if p.strip()] if text else []


def _items(data: Any) -> list[Any] | None:
    """The projects of a list page (`{items: […]}`), of a detail answer (one project), or None if neither."""
    if isinstance(data, dict) and isinstance(data.get("items"), list):
        return data["items"]
    if isinstance(data, dict) and "oshwaUid" in data:
        return [data]
    if isinstance(data, list):
        return data
    return None


def _record(item: dict[str, Any], source: SourceConfig, doc_url: str, pos: int) -> Record:
    uid = str(item["oshwaUid"]).strip().upper()
    website, docs = _text(item.get("projectWebsite")), _text(item.get("documentationUrl"))
    page = str(source.get("page_url", DEFAULT_PAGE_URL)).format(uid=uid.lower())
    urls = ordered_urls([website, docs], prefer_repo=True) + ordered_urls([page])
    licence = {k: v for k, v in (("hardware", _text(item.get("hardwareLicense"))),
                                 ("software", _text(item.get("softwareLicense"))),
                                 ("documentation", _text(item.get("documentationLicense")))) if v}
    fields: dict[str, Any] = {
        "oshwa_uid": uid,
        "licence": licence,
        "certified_at": _date(item.get("certificationDate")),
        "keywords": _list(item.get("projectKeywords")),
        "country": _text(item.get("country")),
        "responsible_party": _text(item.get("responsibleParty")),
        "responsible_party_type": _text(item.get("responsiblePartyType")),
        "version": _text(item.get("projectVersion")),
        "additional_types": _list(item.get("additionalType")),
        "links": [{"label": label, "url": u} for label, u in
                  (("website", website), ("documentation", docs), ("certification", page)) if u],
    }
    return Record(
        source=source.name, key=uid, urls=urls, name=_text(item.get("projectName")),
        description=_text(item.get("projectDescription")), category=_text(item.get("primaryType")),
        fields={k: v for k, v in fields.items() if v not in (None, [], {})}, document_url=doc_url, position=pos,
    )


def read_document(doc: Document, source: SourceConfig) -> tuple[list[Record], list[Problem], list[str]]:
    """Records of one stored page or detail answer, the malformed items, and uids listed without details."""
    if doc.content is None:
        return [], [], []
    try:
        data = json.loads(doc.content)
    except (ValueError, RecursionError) as exc:
        return [], [Problem(doc.url, "parse", f"OSHWA answer is not JSON: {exc}", doc.url)], []
    items = _items(data)
    if items is None:
        return [], [Problem(doc.url, "parse", "OSHWA answer has no items", doc.url)], []
    records, problems, lean = [], [], []
    offset = 0
    m = re.search(r"[?&]offset=(\d+)", doc.url)
    if m:
        offset = int(m.group(1))
    for i, item in enumerate(items, start=1):
        if not isinstance(item, dict) or not _text(item.get("oshwaUid")):
            problems.append(Problem(f"{doc.url}#{offset + i}", "malformed", "OSHWA item without an oshwaUid; skipped",
                                    doc.url))
            continue
        if not _text(item.get("projectName")):
            lean.append(str(item["oshwaUid"]).strip())
            continue
        records.append(_record(item, source, doc.url, offset + i))
    return records, problems, lean


class OshwaAdapter:
    """Page through `/api/projects` (limit/offset until `total`), reading each certified project."""

    kind = "oshwa"

    def fetch(self, ctx: Context) -> Iterator[Document | Record | Problem]:
        """Yield each page (and detail answers for items listed without fields), its records and problems."""
        src = ctx.source
        api = str(src.get("api_url", DEFAULT_API)).rstrip("/")
        token_env = str(src.get("token_env", "OSHWA_TOKEN"))
        token = os.environ.get(token_env, "").strip()
        if not token:
            yield Problem(src.name, "config", f"${token_env} is not set; the OSHWA API needs a token")
            return
        limit = max(1, int(src.get("page_size", 100)))
        max_pages = max(1, int(src.get("max_pages", 1000)))
        with fetcher_for(ctx, auth_headers={"Authorization": f"Bearer {token}"},
                         auth_hosts=[urlsplit(api).hostname or ""]) as http:
            offset, total, pages = 0, None, 0
            seen: set[str] = set()  # a project that moves between pages while paging is read once
            while pages < max_pages:
                url = f"{api}/api/projects?limit={limit}&offset={offset}"
                pages += 1
                try:
                    res = http.get(url, accept="application/json")
                except FetchError as exc:
                    yield Problem(src.name if total is None else url, exc.kind, http.scrub(str(exc)), url)
                    return
                data, error = _page(res)
                if error is not None:
                    yield res.document("oshwa-page", src.name, error=error)
                    yield Problem(url, "fetch", f"page not read: {error}", url)
                    if total is None:
                        return
                    offset += limit
                    if offset >= total:
                        break
                    continue
                total = data.get("total") if isinstance(data.get("total"), int) else None
                doc = res.document("oshwa-page", src.name)
                yield doc
                records, problems, lean = read_document(doc, src)
                yield from problems
                for r in records:
                    if r.key not in seen:
                        seen.add(r.key)
                        yield r
                for uid in lean:
                    if uid.upper() not in seen:
                        seen.add(uid.upper())
                        yield from self._detail(http, api, uid, src)
                n = len(data.get("items") or [])
                if n == 0 or total is None:
                    break
                offset += n
                if offset >= total:
                    break
            else:
                yield Problem(src.name, "limit", f"stopped after max_pages = {max_pages} pages")

    def _detail(self, http: Any, api: str, uid: str, src: SourceConfig) -> Iterator[Document | Record | Problem]:
        url = f"{api}/api/projects/{quote(uid, safe='')}"
        try:
            res = http.get(url, accept="application/json")
        except FetchError as exc:
            yield Problem(uid, exc.kind, http.scrub(str(exc)), url)
            return
        try:
            res.json() if res.ok else None
        except ValueError as exc:
            res.error = str(exc)
        if not res.ok:
            yield res.document("oshwa-project", src.name, error=res.error)
            yield Problem(uid, "fetch", f"project not read: {res.error}", url)
            return
        doc = res.document("oshwa-project", src.name)
        yield doc
        records, problems, lean = read_document(doc, src)
        yield from problems
        yield from records
        if lean:
            yield Problem(uid, "malformed", "OSHWA project without a projectName; skipped", url)

    def parse(self, doc: Document, source: SourceConfig) -> list[Record]:
        """Records of a stored page or detail answer."""
        return read_document(doc, source)[0]


def _page(res: Fetched) -> tuple[dict[str, Any], str | None]:
    """The JSON object of a list page, or the reason it cannot be read."""
    if not res.ok:
        return {}, res.error or f"HTTP {res.status}"
    try:
        data = res.json()
    except ValueError as exc:
        return {}, str(exc)
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        return {}, "answer is not a {items, limit, total} page"
    return data, None
