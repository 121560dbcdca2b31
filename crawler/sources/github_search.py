"""`github-search` source: repositories found by GitHub search queries (topics, keywords) and OKH manifest files.

GitHub answers at most 1000 results per search, so a query with more is split into `created:` date
ranges, halved until every slice is under the cap.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from crawler.base import Context
from crawler.config import SourceConfig
from crawler.sources import SourceKind
from registry.db import now
from registry.model import Document, Problem, Record, SourceFacts
from registry.urls import project_id

__all__ = ["GitHubSearchAdapter", "next_link", "read_document"]

#: Search hits: trusted after every list and hub; a hit's text is GitHub's, read from the repository itself.
SOURCE = SourceKind(
    kind="github-search", adapter="GitHubSearchAdapter",
    facts=SourceFacts(trust=70),
    options={"queries": "strings", "query": "string", "manifests": "strings", "manifest_query": "string",
             "per_page": "number", "result_cap": "number", "created_from": "string", "fork_parents": "boolean"},
)

_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


def next_link(headers: dict[str, str]) -> str | None:
    """The rel="next" URL of a Link header, if any."""
    m = _NEXT.search(headers.get("link", ""))
    return m.group(1) if m else None


def _query_of(url: str) -> str | None:
    q = parse_qs(urlsplit(url).query).get("q")
    return q[0] if q else None


def _repo_record(item: dict[str, Any], source: SourceConfig, doc: Document, pos: int) -> Record:
    html = item["html_url"]
    parent = item.get("parent") if isinstance(item.get("parent"), dict) else None
    fields: dict[str, Any] = {
        "full_name": item.get("full_name"),
        "topics": [t for t in item.get("topics") or [] if isinstance(t, str)],
        "stars": item.get("stargazers_count"),
        "forks": item.get("forks_count"),
        "language": item.get("language"),
        "created_at": item.get("created_at"),
        "pushed_at": item.get("pushed_at"),
        "archived": item.get("archived"),
        "homepage": item.get("homepage") or None,
        "fork": bool(item.get("fork")),
        "query": _query_of(doc.url),
    }
    if parent and parent.get("html_url"):
        fields["fork_of"] = parent["html_url"]
    elif parent and parent.get("full_name"):
        fields["fork_of"] = f"https://github.com/{parent['full_name']}"
    return Record(
        source=source.name, key=project_id(html) or html, urls=[html], name=item.get("name"),
        description=item.get("description") or None,
        fields={k: v for k, v in fields.items() if v is not None}, document_url=doc.url, position=pos,
    )


def _code_record(item: dict[str, Any], source: SourceConfig, doc: Document, pos: int) -> Record:
    repo = item["repository"]
    html = repo["html_url"]
    return Record(
        source=source.name, key=f"{project_id(html) or html} @ {item['path']}", urls=[html], name=repo.get("name"),
        description=repo.get("description") or None,
        fields={"full_name": repo.get("full_name"), "manifest_path": item["path"],
                "manifest_url": item.get("html_url"), "fork": bool(repo.get("fork")), "query": _query_of(doc.url)},
        document_url=doc.url, position=pos,
    )


def read_document(doc: Document, source: SourceConfig) -> tuple[list[Record], list[Problem]]:
    """Records of one stored search page (repositories or code), and its malformed items."""
    if doc.content is None:
        return [], []
    try:
        data = json.loads(doc.content)
    except (ValueError, RecursionError) as exc:
        return [], [Problem(doc.url, "parse", f"search answer is not JSON: {exc}", doc.url)]
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, list):
        return [], [Problem(doc.url, "parse", "search answer has no items", doc.url)]
    page = int((parse_qs(urlsplit(doc.url).query).get("page") or ["1"])[0] or 1)
    per_page = int((parse_qs(urlsplit(doc.url).query).get("per_page") or [len(items) or 1])[0] or 1)
    records, problems = [], []
    code = doc.doc_kind == "code-search"
    for i, item in enumerate(items, start=1):
        pos = (page - 1) * per_page + i
        try:
            if code:
                if not isinstance(item, dict) or not item.get("path") or \
                        not str((item.get("repository") or {}).get("html_url", "")).startswith("http"):
                    raise KeyError("repository.html_url/path")
                records.append(_code_record(item, source, doc, pos))
            else:
                if not isinstance(item, dict) or not str(item.get("html_url", "")).startswith("http"):
                    raise KeyError("html_url")
                records.append(_repo_record(item, source, doc, pos))
        except (KeyError, TypeError, AttributeError) as exc:
            problems.append(Problem(f"{doc.url}#{pos}", "malformed", f"search item without {exc}; skipped", doc.url))
    return records, problems


def _split(lo: date, hi: date) -> list[tuple[date, date]]:
    mid = lo + (hi - lo) // 2
    return [(lo, mid), (mid + timedelta(days=1), hi)]


class GitHubSearchAdapter:
    """Run each configured search through the GitHub client, slicing by creation date past the result cap."""

    kind = "github-search"

    def fetch(self, ctx: Context) -> Iterator[Document | Record | Problem]:
        """Yield every search page read, its repositories as records, and problems (caps, errors, bad items)."""
        src = ctx.source
        assert ctx.github is not None
        queries = src.get("queries") or ([src["query"]] if src.get("query") else [])
        manifests = src.get("manifests") or []
        if isinstance(queries, str) or isinstance(manifests, str) or not (queries or manifests):
            yield Problem(src.name, "config", "github-search needs queries = [\"…\"] and/or manifests = [\"okh.yml\"]")
            return
        seen: set[str] = set()
        for q in queries:
            yield from self._repositories(ctx, str(q), seen)
        for name in manifests:
            yield from self._code(ctx, f"filename:{name}", seen)

    # -- repositories -------------------------------------------------------------------------
    def _repositories(self, ctx: Context, q: str, seen: set[str]) -> Iterator[Document | Record | Problem]:
        src = ctx.source
        cap = int(src.get("result_cap", 1000))
        start = date.fromisoformat(str(src.get("created_from", "2008-01-01")))
        today = datetime.now(UTC).date()
        slices: list[tuple[date, date] | None] = [None]
        while slices:
            rng = slices.pop()
            qq = q if rng is None else f"{q} created:{rng[0].isoformat()}..{rng[1].isoformat()}"
            doc, data, headers = self._get(ctx, "/search/repositories", {"q": qq}, "search")
            if data is None:
                yield doc
                yield Problem(qq, "fetch", f"search not read: {doc.error}", doc.url)
                continue
            total = data.get("total_count") if isinstance(data.get("total_count"), int) else 0
            if total >= cap:
                if "created:" in q:
                    yield Problem(qq, "cap", f"{total} results but the query sets created: itself; "
                                              f"only the first {cap} are read")
                elif rng is None or rng[0] < rng[1]:
                    lo, hi = rng or (start, today)
                    slices.extend(reversed(_split(lo, hi)))  # earlier half first
                    continue
                else:
                    yield Problem(qq, "cap", f"{total} results created on one day; only the first {cap} are read")
            yield from self._pages(ctx, doc, data, headers, seen, "search", cap)

    def _pages(self, ctx: Context, doc: Document, data: dict[str, Any], headers: dict[str, str], seen: set[str],
               kind: str, cap: int) -> Iterator[Document | Record | Problem]:
        """The first page already read and every next page by its Link header, up to the cap."""
        read = 0
        while True:
            yield doc
            if data.get("incomplete_results"):
                yield Problem(doc.url, "incomplete", "GitHub marked these search results incomplete (timed out)",
                              doc.url)
            records, problems = read_document(doc, ctx.source)
            yield from problems
            for r in records:
                if r.key not in seen:
                    seen.add(r.key)
                    if kind == "search" and r.fields.get("fork") and "fork_of" not in r.fields:
                        self._fork_parent(ctx, r)
                    yield r
            read += len(data.get("items") or [])
            nxt = next_link(headers)
            if not nxt or read >= cap or not data.get("items"):
                return
            doc, data, headers = self._get(ctx, nxt, None, kind)
            if data is None:
                yield doc
                yield Problem(doc.url, "fetch", f"search page not read: {doc.error}", doc.url)
                return

    def _fork_parent(self, ctx: Context, r: Record) -> None:
        """Add fork_of from the repository's own answer (search results do not name the parent)."""
        if not ctx.source.get("fork_parents", True) or not r.fields.get("full_name"):
            return
        assert ctx.github is not None
        resp = ctx.github.get(f"/repos/{r.fields['full_name']}")
        parent = resp.data.get("parent") if isinstance(resp.data, dict) else None
        if isinstance(parent, dict) and parent.get("html_url"):
            r.fields["fork_of"] = parent["html_url"]

    # -- code search (manifests) --------------------------------------------------------------
    def _code(self, ctx: Context, q: str, seen: set[str]) -> Iterator[Document | Record | Problem]:
        extra = ctx.source.get("manifest_query")
        qq = f"{q} {extra}" if extra else q
        doc, data, headers = self._get(ctx, "/search/code", {"q": qq}, "code-search")
        if data is None:
            yield Problem(qq, "code-search", f"code search not available ({doc.error}); manifest discovery skipped",
                          doc.url)
            return
        yield from self._pages(ctx, doc, data, headers, seen, "code-search", int(ctx.source.get("result_cap", 1000)))

    # -- requests -----------------------------------------------------------------------------
    def _get(self, ctx: Context, path: str, params: dict[str, Any] | None, kind: str
             ) -> tuple[Document, dict[str, Any] | None, dict[str, str]]:
        """One search request as a Document, its JSON object (None on error) and headers.

        Not conditional: a 304 carries no Link header to page on, and search results move anyway.
        """
        assert ctx.github is not None
        api = ctx.config.github.api_url
        if params is not None:
            params = {**params, "per_page": int(ctx.source.get("per_page", 100))}
            url = api + path + "?" + urlencode(params)
        else:
            url = path if path.startswith("http") else api + path
        resp = ctx.github.get(url if params is None else path, params=params)
        doc = Document(url=url, doc_kind=kind, source=ctx.source.name, fetched_at=now(), status=resp.status,
                       etag=resp.etag, last_modified=resp.last_modified, content_type="application/json")
        if resp.error or not isinstance(resp.data, dict):
            doc.error = resp.error or "unexpected answer (not a JSON object)"
            return doc, None, resp.headers
        doc.content = json.dumps(resp.data, sort_keys=True).encode()
        return doc, resp.data, resp.headers

    def parse(self, doc: Document, source: SourceConfig) -> list[Record]:
        """Records of a stored search page (fork_of only when the stored item names its parent)."""
        return read_document(doc, source)[0]
