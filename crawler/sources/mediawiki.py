"""`mediawiki` source: project pages of any MediaWiki site (Appropedia, wikis of fab labs) through `api.php`.

A category (or a search) names the pages; their wikitext gives the description, licences and the links
to repositories, so a wiki page and the repository it documents become one project.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from crawler.base import Context
from crawler.config import SourceConfig
from crawler.http import Fetched, Fetcher, FetchError, fetcher_for
from crawler.links import ordered_urls, repo_urls
from crawler.sources import HTTP_OPTIONS, SourceKind
from crawler.wikitext import first_paragraph, licences, templates, wiki_links
from registry.model import Document, Problem, Record, SourceFacts

__all__ = ["MediaWikiAdapter", "read_document"]

#: Wiki project pages: a hub, after hackaday.io; declares licences and maturity.
SOURCE = SourceKind(
    kind="mediawiki", adapter="MediaWikiAdapter",
    facts=SourceFacts(trust=50, hub=True, prose="hub"),
    options={"api_url": "string", "category": "string or strings", "categories": "string or strings",
             "search": "string", "namespace": "number", "max_pages": "number", "batch": "number",
             "max_repo_urls": "number", "site_licence": "string", **HTTP_OPTIONS},
)

_STATUS_KEYS = ("status", "project-status", "project status", "development-stage", "maturity")


def _content(page: dict[str, Any]) -> str | None:
    """The main-slot wikitext of a page answer (formatversion 2 or 1)."""
    revs = page.get("revisions")
    if not isinstance(revs, list) or not revs or not isinstance(revs[0], dict):
        return None
    rev = revs[0]
    slot = (rev.get("slots") or {}).get("main") if isinstance(rev.get("slots"), dict) else None
    holder = slot if isinstance(slot, dict) else rev
    text = holder.get("content", holder.get("*"))
    return text if isinstance(text, str) else None


def _pages(data: Any) -> list[Any] | None:
    query = data.get("query") if isinstance(data, dict) else None
    if not isinstance(query, dict):
        return None
    pages = query.get("pages")
    if isinstance(pages, dict):  # formatversion 1
        return list(pages.values())
    return pages if isinstance(pages, list) else None


def _record(page: dict[str, Any], text: str, source: SourceConfig, doc: Document, pos: int) -> Record:
    title = str(page["title"])
    canonical = page.get("canonicalurl") or page.get("fullurl")
    ext = [e.get("url", e.get("*")) for e in page.get("extlinks") or [] if isinstance(e, dict)]
    written = wiki_links(text)
    links = ordered_urls([u for u, _ in written] + [u for u in ext if isinstance(u, str)])
    labels = dict(written)
    repos = repo_urls(links)
    max_repos = int(source.get("max_repo_urls", 2))
    fields: dict[str, Any] = {
        "title": title,
        "pageid": page.get("pageid"),
        "licence": licences(text) or ({"documentation": source.get("site_licence")}
                                      if source.get("site_licence") else {}),
        "links": [{"label": labels.get(u, ""), "url": u} for u in links],
        "edited_at": ((page.get("revisions") or [{}])[0] or {}).get("timestamp"),
    }
    for name, params in templates(text):
        if re.search(r"infobox|project|device", name, re.I):
            fields.setdefault("infobox", {"template": name, **params})
            for key in _STATUS_KEYS:
                if params.get(key) and "maturity" not in fields:
                    fields["maturity"] = params[key]
            kw = params.get("keywords") or params.get("tags")
            if kw and "keywords" not in fields:
                fields["keywords"] = [k.strip() for k in re.split(r"[,;]", kw) if k.strip()]
    return Record(
        source=source.name, key=title,
        urls=ordered_urls([canonical]) + (repos if len(repos) <= max_repos else []),
        name=title,
        description=first_paragraph(text), category=doc.path,
        fields={k: v for k, v in fields.items() if v not in (None, [], {})}, document_url=doc.url, position=pos,
    )


def read_document(doc: Document, source: SourceConfig) -> tuple[list[Record], list[Problem], set[str]]:
    """Records of one stored content answer, problems with its pages, and titles it did not carry text for."""
    if doc.content is None:
        return [], [], set()
    try:
        data = json.loads(doc.content)
    except (ValueError, RecursionError) as exc:
        return [], [Problem(doc.url, "parse", f"api.php answer is not JSON: {exc}", doc.url)], set()
    pages = _pages(data)
    if pages is None:
        return [], [Problem(doc.url, "parse", "api.php answer has no query.pages", doc.url)], set()
    records, problems, pending = [], [], set()
    for pos, page in enumerate(pages, start=1):
        if not isinstance(page, dict) or not isinstance(page.get("title"), str):
            problems.append(Problem(f"{doc.url}#{pos}", "malformed", "page without a title; skipped", doc.url))
            continue
        title = page["title"]
        if "missing" in page or "invalid" in page:
            problems.append(Problem(title, "missing", "page does not exist (deleted or renamed)", doc.url))
            continue
        text = _content(page)
        if text is None:
            if "revisions" in page and not isinstance(page["revisions"], list):
                problems.append(Problem(title, "malformed", "page revisions are not a list; skipped", doc.url))
            else:
                pending.add(title)  # its text may come in a continuation
            continue
        if not (page.get("canonicalurl") or page.get("fullurl")):
            problems.append(Problem(title, "malformed", "page without a URL (inprop=url); skipped", doc.url))
            continue
        records.append(_record(page, text, source, doc, pos))
    return records, problems, pending


class MediaWikiAdapter:
    """List pages by category or search, then read them in batches with their wikitext and external links."""

    kind = "mediawiki"

    def fetch(self, ctx: Context) -> Iterator[Document | Record | Problem]:
        """Yield each content answer as a Document, a record per page, and problems per page or request."""
        src = ctx.source
        api = src.get("api_url")
        cats = src.get("category") or src.get("categories") or []
        cats = [cats] if isinstance(cats, str) else list(cats)
        search = src.get("search")
        if not api or not (cats or search):
            yield Problem(src.name, "config", "mediawiki needs api_url and a category (or search)")
            return
        limit = int(src.get("max_pages", 500))
        with fetcher_for(ctx) as http:
            listed: dict[str, str | None] = {}
            try:
                for cat in cats:
                    title = cat if ":" in cat else f"Category:{cat}"
                    yield from self._list(http, api, {"list": "categorymembers", "cmtitle": title, "cmlimit": "500",
                                                      "cmnamespace": str(src.get("namespace", 0))},
                                          "categorymembers", listed, title.split(":", 1)[1], limit)
                if search:
                    yield from self._list(http, api, {"list": "search", "srsearch": search, "srlimit": "50",
                                                      "srnamespace": str(src.get("namespace", 0)), "srwhat": "text"},
                                          "search", listed, None, limit)
            except FetchError as exc:
                yield Problem(src.name, exc.kind, str(exc), api)
                return
            size = max(1, min(50, int(src.get("batch", 20))))
            groups: dict[str | None, list[str]] = {}
            for title, category in listed.items():
                groups.setdefault(category, []).append(title)
            batches = [ts[i:i + size] for ts in groups.values() for i in range(0, len(ts), size)]
            for chunk in batches:
                try:
                    yield from self._read(http, api, chunk, listed, src)
                except FetchError as exc:
                    yield Problem(src.name, exc.kind, str(exc), api)
                    if exc.kind in ("deadline", "unreachable"):
                        return

    def _get(self, http: Fetcher, api: str, params: dict[str, str]) -> tuple[Fetched, Any, str | None]:
        res = http.get(api, params={"action": "query", "format": "json", "formatversion": "2", **params},
                       accept="application/json", conditional=False)
        if not res.ok:
            return res, None, res.error or f"HTTP {res.status}"
        try:
            data = res.json()
        except ValueError as exc:
            return res, None, str(exc)
        if isinstance(data, dict) and isinstance(data.get("error"), dict):
            err = data["error"]
            return res, None, f"api.php error {err.get('code')}: {str(err.get('info'))[:300]}"
        return res, data, None

    def _list(self, http: Fetcher, api: str, params: dict[str, str], key: str, listed: dict[str, str | None],
              category: str | None, limit: int) -> Iterator[Problem]:
        cont: dict[str, str] = {}
        while len(listed) < limit:
            res, data, error = self._get(http, api, {**params, **cont})
            if error is not None:
                yield Problem(params.get("cmtitle") or params.get("srsearch", ""), "fetch",
                              f"page list not read: {error}", res.url)
                return
            members = ((data.get("query") or {}).get(key)) if isinstance(data, dict) else None
            for m in members or []:
                if isinstance(m, dict) and isinstance(m.get("title"), str) and len(listed) < limit:
                    listed.setdefault(m["title"], category)
            nxt = data.get("continue") if isinstance(data, dict) else None
            if not isinstance(nxt, dict) or not members:
                return
            cont = {k: str(v) for k, v in nxt.items()}
        yield Problem(category or "search", "limit", f"stopped listing at max_pages = {limit}")

    def _read(self, http: Fetcher, api: str, titles: list[str], listed: dict[str, str | None],
              src: SourceConfig) -> Iterator[Document | Record | Problem]:
        params = {"prop": "revisions|info|extlinks", "rvprop": "content|timestamp", "rvslots": "main",
                  "inprop": "url", "ellimit": "max", "redirects": "1", "titles": "|".join(titles)}
        cont: dict[str, str] = {}
        done: set[str] = set()
        pending: set[str] = set()
        category = listed.get(titles[0])
        for _ in range(20):  # continuation rounds for one batch
            res, data, error = self._get(http, api, {**params, **cont})
            if error is not None:
                yield res.document("wiki-pages", src.name, path=category, error=error)
                yield Problem(titles[0] + (f" (+{len(titles) - 1})" if len(titles) > 1 else ""), "fetch",
                              f"pages not read: {error}", res.url)
                return
            doc = res.document("wiki-pages", src.name, path=category)
            yield doc
            records, problems, missing = read_document(doc, src)
            yield from problems
            for r in records:
                if r.key not in done:
                    done.add(r.key)
                    yield r
            pending = (pending | missing) - done
            nxt = data.get("continue") if isinstance(data, dict) else None
            if not isinstance(nxt, dict):
                break
            cont = {k: str(v) for k, v in nxt.items()}
        for title in sorted(pending):
            yield Problem(title, "malformed", "page answered without its wikitext; skipped", api)

    def parse(self, doc: Document, source: SourceConfig) -> list[Record]:
        """Records of one stored content answer."""
        return read_document(doc, source)[0]

