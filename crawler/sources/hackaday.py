"""`hackaday` source: Hackaday.io projects by tag or search (API v2), with the repositories they link to."""

from __future__ import annotations

import html
import json
import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from crawler.base import Context
from crawler.config import SourceConfig
from crawler.http import Fetcher, FetchError, fetcher_for
from crawler.links import find_urls, ordered_urls, repo_urls
from crawler.sources import HTTP_OPTIONS, SourceKind
from registry.model import Document, Problem, Record, SourceFacts

__all__ = ["DEFAULT_API", "HackadayAdapter", "read_document"]

#: Hub pages: after curated lists; declares licences and maturity.
SOURCE = SourceKind(
    kind="hackaday", adapter="HackadayAdapter",
    facts=SourceFacts(trust=40, hub=True, prose="hub"),
    credential=("key_env", "HACKADAY_API_KEY", "the Hackaday.io API needs a key"),
    options={"api_url": "string", "key_env": "string", "key_in": "string", "tags": "strings", "search": "strings",
             "per_page": "number", "max_pages": "number", "max_repo_urls": "number", **HTTP_OPTIONS},
)

DEFAULT_API = "https://api.hackaday.io/v2"
_TAG = re.compile(r"<[^>]+>")


def _plain(text: Any) -> str | None:
    if not isinstance(text, str) or not text.strip():
        return None
    return re.sub(r"\s+", " ", html.unescape(_TAG.sub(" ", text))).strip() or None


def _when(value: Any) -> str | None:
    """An ISO timestamp from epoch seconds or an ISO string."""
    if isinstance(value, int | float) and value > 0:
        try:
            return datetime.fromtimestamp(value, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        except (ValueError, OverflowError, OSError):  # out of datetime's range: not a date
            return None
    return value if isinstance(value, str) and value else None


def _links(project: dict[str, Any]) -> list[dict[str, str]]:
    out = []
    raw = project.get("links")
    for lk in raw if isinstance(raw, list) else []:
        if isinstance(lk, str):
            out.append({"label": "", "url": lk})
        elif isinstance(lk, dict) and isinstance(lk.get("url"), str):
            out.append({"label": str(lk.get("title") or lk.get("label") or ""), "url": lk["url"]})
    known = {lk["url"] for lk in out}
    for field in ("description", "summary", "details"):
        for u in find_urls(project.get(field) if isinstance(project.get(field), str) else ""):
            if u not in known:
                known.add(u)
                out.append({"label": "", "url": u})
    return out


def _record(p: dict[str, Any], source: SourceConfig, doc: Document, pos: int) -> Record:
    pid = p.get("id")
    url = p.get("url") if isinstance(p.get("url"), str) else f"https://hackaday.io/project/{pid}"
    links = _links(p)
    repos = repo_urls(lk["url"] for lk in links)
    max_repos = int(source.get("max_repo_urls", 2))
    tags = p.get("tags")
    fields = {
        "hackaday_id": pid,
        "keywords": [str(t) for t in tags if t] if isinstance(tags, list) else [],
        "links": links,
        "owner_id": p.get("owner_id"),
        "created_at": _when(p.get("created")),
        "updated_at": _when(p.get("updated")),
        "views": p.get("views"),
        "followers": p.get("followers"),
        "likes": p.get("skulls", p.get("likes")),
        "query": (parse_qs(urlsplit(doc.url).query).get("tag") or parse_qs(urlsplit(doc.url).query).get(
            "search_term") or [None])[0],
    }
    return Record(
        source=source.name, key=str(pid) if pid is not None else url,
        urls=ordered_urls([url]) + (repos if len(repos) <= max_repos else []),
        name=_plain(p.get("name")), description=_plain(p.get("summary")) or _plain(p.get("description")),
        fields={k: v for k, v in fields.items() if v not in (None, [], {})}, document_url=doc.url, position=pos,
    )


def read_document(doc: Document, source: SourceConfig) -> tuple[list[Record], list[Problem]]:
    """Records of one stored page of projects, and its malformed items."""
    if doc.content is None:
        return [], []
    try:
        data = json.loads(doc.content)
    except (ValueError, RecursionError) as exc:
        return [], [Problem(doc.url, "parse", f"Hackaday answer is not JSON: {exc}", doc.url)]
    projects = data.get("projects") if isinstance(data, dict) else None
    if not isinstance(projects, list):
        return [], [Problem(doc.url, "parse", "Hackaday answer has no projects", doc.url)]
    page = int(data.get("page") or 1) if str(data.get("page") or "1").isdigit() else 1
    per = len(projects)
    records, problems = [], []
    for i, p in enumerate(projects, start=1):
        pos = (page - 1) * per + i
        if not isinstance(p, dict) or p.get("id") is None or not _plain(p.get("name")):
            problems.append(Problem(f"{doc.url}#{pos}", "malformed", "Hackaday project without id or name; skipped",
                                    doc.url))
            continue
        records.append(_record(p, source, doc, pos))
    return records, problems


class HackadayAdapter:
    """Page through each configured tag and search term, one record per project."""

    kind = "hackaday"

    def fetch(self, ctx: Context) -> Iterator[Document | Record | Problem]:
        """Yield every page read, its projects as records, and problems (errors, bad items)."""
        src = ctx.source
        api = str(src.get("api_url", DEFAULT_API)).rstrip("/")
        key_env = str(src.get("key_env", "HACKADAY_API_KEY"))
        key = os.environ.get(key_env, "").strip()
        if not key:
            yield Problem(src.name, "config", f"${key_env} is not set; the Hackaday.io API needs a key")
            return
        tags = src.get("tags") or []
        terms = src.get("search") or []
        tags, terms = ([tags] if isinstance(tags, str) else tags), ([terms] if isinstance(terms, str) else terms)
        if not (tags or terms):
            yield Problem(src.name, "config", "hackaday needs tags = [\"…\"] and/or search = [\"…\"]")
            return
        header = src.get("key_in", "query") == "header"
        host = urlsplit(api).hostname or ""
        with fetcher_for(ctx, auth_params={} if header else {"api_key": key},
                         auth_headers={"X-API-Key": key} if header else {}, auth_hosts=[host]) as http:
            seen: set[str] = set()
            jobs = [(f"{api}/projects", {"tag": t}) for t in tags] + \
                [(f"{api}/projects/search", {"search_term": t}) for t in terms]
            for url, params in jobs:
                try:
                    yield from self._pages(http, url, params, src, seen)
                except FetchError as exc:
                    yield Problem(src.name, exc.kind, http.scrub(str(exc)), http.public(url))
                    if exc.kind in ("deadline", "unreachable"):
                        return

    def _pages(self, http: Fetcher, url: str, params: dict[str, str], src: SourceConfig, seen: set[str]
               ) -> Iterator[Document | Record | Problem]:
        per_page = int(src.get("per_page", 50))
        max_pages = int(src.get("max_pages", 100))
        page, last = 1, None
        while page <= max_pages:
            res = http.get(url, params={**params, "page": page, "per_page": per_page}, accept="application/json")
            data: Any = None
            error = res.error if not res.ok else None
            if error is None:
                try:
                    data = res.json()
                except ValueError as exc:
                    error = str(exc)
                if error is None and not (isinstance(data, dict) and isinstance(data.get("projects"), list)):
                    error = "answer is not a {projects, page, last_page} page"
            if error is not None:
                yield res.document("hackaday-page", src.name, error=error)
                yield Problem(f"{next(iter(params.values()))} page {page}", "fetch", f"page not read: {error}",
                              res.url)
                if last is None or page >= last:
                    return
                page += 1
                continue
            doc = res.document("hackaday-page", src.name)
            yield doc
            records, problems = read_document(doc, src)
            yield from problems
            for r in records:
                if r.key not in seen:
                    seen.add(r.key)
                    yield r
            last = data.get("last_page") if isinstance(data.get("last_page"), int) else None
            if not data["projects"] or last is None or page >= last:
                return
            page += 1
        yield Problem(src.name, "limit", f"stopped after max_pages = {max_pages} pages of {params}")

    def parse(self, doc: Document, source: SourceConfig) -> list[Record]:
        """Records of one stored page."""
        return read_document(doc, source)[0]
