"""`web` source: the project pages of registry projects that live on no known host, read as data.

Pages are fetched politely (robots.txt obeyed, one request at a time per host with a pause, a size cap,
public hosts only) and read with BeautifulSoup: title, meta description, OpenGraph, JSON-LD, `rel=license`
and links to repositories. Nothing in a page is executed; `<script>` is read only when it is JSON-LD data.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from crawler.base import Context
from crawler.config import SourceConfig
from crawler.http import Fetcher, FetchError, check_url, fetcher_for
from crawler.links import FORGE_HOSTS, repo_urls
from crawler.sources import SourceKind
from registry.db import now
from registry.model import Document, Problem, Record, SourceFacts

if TYPE_CHECKING:
    from urllib.robotparser import RobotFileParser


__all__ = ["WebAdapter", "read_page"]

#: Scraped project pages: trusted last; a page's description is read as a hub's.
SOURCE = SourceKind(
    kind="web", adapter="WebAdapter",
    facts=SourceFacts(trust=80, prose="hub"),
    options={"sources": "strings", "max_per_run": "number", "refetch_days": "number", "skip_hosts": "strings",
             "max_bytes": "number", "max_crawl_delay": "number", "max_repo_urls": "number", "delay": "number"},
)

#: Hosts whose pages say nothing a project page would (video, social, file shares, code hosts read elsewhere).
DEFAULT_SKIP_HOSTS = (
    "youtube.com", "youtu.be", "vimeo.com", "twitter.com", "x.com", "facebook.com", "instagram.com",
    "linkedin.com", "tiktok.com", "reddit.com", "docs.google.com", "drive.google.com", "dropbox.com",
    "github.com", "gitlab.com", "web.archive.org", *FORGE_HOSTS,
)
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_JSONLD_KEYS = ("@type", "name", "description", "url", "license", "codeRepository", "keywords", "author", "version",
                "dateModified", "datePublished")


def _interleave(targets: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Round-robin over hosts, so the pause one host needs is spent fetching another."""
    by_host: dict[str, list[tuple[str, str]]] = {}
    for t in targets:
        by_host.setdefault((urlsplit(t[1]).hostname or "").lower(), []).append(t)
    out: list[tuple[str, str]] = []
    queues = list(by_host.values())
    while queues:
        out.extend(q.pop(0) for q in queues)
        queues = [q for q in queues if q]
    return out


def _text(value: Any) -> str | None:
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str)), None)
    if not isinstance(value, str):
        return None
    text = re.sub(r"\s+", " ", value).strip()
    return text or None


def _jsonld(soup: Any) -> list[dict[str, Any]]:
    """JSON-LD objects of the page (top level, lists and `@graph`), as data; malformed blocks ignored."""
    out: list[dict[str, Any]] = []
    for tag in soup.find_all("script", attrs={"type": re.compile(r"application/ld\+json", re.I)}):
        try:
            data = json.loads(tag.string or tag.get_text() or "null")
        except (ValueError, RecursionError):
            continue
        stack = data if isinstance(data, list) else [data]
        for obj in stack:
            if isinstance(obj, dict):
                graph = obj.get("@graph")
                if isinstance(graph, list):
                    out.extend(g for g in graph if isinstance(g, dict))
                else:
                    out.append(obj)
    return out


def _join(base: str, href: str) -> str | None:
    """An absolute link, or None for one urllib cannot parse (e.g. an unclosed IPv6 bracket)."""
    try:
        return urljoin(base, href)
    except ValueError:
        return None


def read_page(content: bytes, url: str, source: SourceConfig, base: str | None = None) -> Record | None:
    """The record of one stored HTML page (None when it holds no HTML); links resolve against ``base``."""
    from crawler.htmlsoup import soup as parse_html

    if not content:
        return None
    try:
        soup = parse_html(content)
    except Exception:  # noqa: BLE001 - bs4 rejects some broken markup (ParserRejectedMarkup): not readable HTML
        return None
    if soup.find() is None:
        return None
    base = base or url
    base_tag = soup.find("base", href=True)
    if base_tag is not None:
        base = _join(base, str(base_tag["href"])) or base

    def meta(*names: str) -> str | None:
        for n in names:
            tag = soup.find("meta", attrs={"property": n}) or soup.find("meta", attrs={"name": n})
            if tag is not None and _text(tag.get("content")):
                return _text(tag.get("content"))
        return None

    ld = _jsonld(soup)
    main = next((o for o in ld if _text(o.get("name"))), ld[0] if ld else {})
    title_tag = soup.find("title")
    h1 = soup.find("h1")
    name = meta("og:title") or _text(main.get("name")) or (_text(title_tag.get_text()) if title_tag else None) or \
        (_text(h1.get_text()) if h1 else None)
    description = meta("description", "og:description", "twitter:description") or _text(main.get("description"))
    licences = [j for a in soup.find_all(["a", "link"], href=True)
                if "license" in [r.lower() for r in (a.get("rel") or [])] and (j := _join(base, str(a["href"])))]
    hrefs = [_join(base, str(a["href"]).strip()) for a in soup.find_all("a", href=True)]
    hrefs = [h for h in hrefs if h and h.startswith(("http://", "https://"))]
    for key in ("codeRepository", "url", "sameAs"):
        for obj in ld:
            val = obj.get(key)
            for v in val if isinstance(val, list) else [val]:
                if isinstance(v, str) and v.startswith(("http://", "https://")):
                    hrefs.append(v)
    repos = repo_urls(hrefs)
    max_repos = int(source.get("max_repo_urls", 2))
    canonical = soup.find("link", rel="canonical", href=True)
    keywords = meta("keywords")
    fields: dict[str, Any] = {
        "title": _text(title_tag.get_text()) if title_tag else None,
        "og": {k: v for k in ("og:title", "og:description", "og:url", "og:site_name", "og:type", "og:image")
               if (v := meta(k))},
        "canonical": _join(base, str(canonical["href"])) if canonical is not None else None,
        "licence": {"documentation": licences[0]} if licences else {},
        "licence_links": licences,
        "keywords": [k.strip() for k in re.split(r"[,;]", keywords) if k.strip()] if keywords else [],
        "repo_links": repos,
        "jsonld": [{k: o[k] for k in _JSONLD_KEYS if k in o} for o in ld][:5],
        "lang": _text((soup.find("html") or {}).get("lang")) if soup.find("html") else None,
        "final_url": base if base != url else None,
    }
    return Record(
        source=source.name, key=url, urls=[url] + (repos if len(repos) <= max_repos else []), name=name,
        description=description[:2000] if description else None,
        fields={k: v for k, v in fields.items() if v not in (None, [], {})}, document_url=url,
    )


class _Robots:
    """robots.txt of each host, read once per run through the same fetcher; also which scheme answers."""

    def __init__(self, http: Fetcher, agent: str, max_delay: float) -> None:
        self.http, self.agent, self.max_delay = http, agent, max_delay
        self.rules: dict[str, RobotFileParser | None] = {}  # netloc -> rules (None: host unusable this run)
        self.scheme: dict[str, str] = {}
        self.reason: dict[str, tuple[str, str]] = {}

    def check(self, url: str) -> tuple[str | None, tuple[str, str] | None]:
        """(URL to fetch, None) when allowed, else (None, (problem kind, why not))."""
        from urllib.robotparser import RobotFileParser

        parts = urlsplit(url)
        netloc = parts.netloc.lower()
        if netloc not in self.rules:
            self.rules[netloc] = None
            for scheme in ("https", "http") if parts.scheme == "https" else ("http",):
                robots_url = f"{scheme}://{netloc}/robots.txt"
                try:
                    res = self.http.get(robots_url, conditional=False, max_bytes=512_000, accept="text/plain")
                except FetchError as exc:
                    self.reason[netloc] = (exc.kind, f"robots.txt not read: {exc}")
                    if exc.kind != "unreachable":
                        break
                    continue
                self.scheme[netloc] = scheme
                rp = RobotFileParser(robots_url)
                if res.status in (401, 403):
                    rp.disallow_all = True
                elif res.status >= 500 or res.status == 429:
                    self.reason[netloc] = ("robots", f"robots.txt answered HTTP {res.status}; host skipped this run")
                    break
                elif res.ok and res.status < 300:
                    rp.parse((res.content or b"").decode("utf-8", "replace").splitlines())
                else:
                    rp.allow_all = True  # 404 and other 4xx: no rules
                delay = rp.crawl_delay(self.agent)
                if delay:
                    self.http.host_delays[parts.hostname or ""] = min(float(delay), self.max_delay)
                self.rules[netloc] = rp
                break
        rp = self.rules[netloc]
        if rp is None:
            return None, self.reason.get(netloc, ("skipped", "host skipped"))
        target = urlunsplit((self.scheme[netloc], parts.netloc, parts.path or "/", parts.query, ""))
        if not rp.can_fetch(self.agent, target):
            return None, ("robots", "disallowed by robots.txt")
        return target, None


class WebAdapter:
    """Read the web pages of registry projects (from the configured sources), politely and as data only."""

    kind = "web"

    def fetch(self, ctx: Context) -> Iterator[Document | Record | Problem]:
        """Yield each page as a Document and its record; problems for refused, disallowed or failed pages."""
        src = ctx.source
        sources = src.get("sources")
        if isinstance(sources, str):
            sources = [sources]
        limit = int(src.get("max_per_run", 200))
        lookup = ctx.web_targets or (lambda _sources, _limit, _days: [])
        skip = tuple(h.lower() for h in src.get("skip_hosts", DEFAULT_SKIP_HOSTS))
        targets = []
        for pid, url in lookup(list(sources) if sources else None, limit * 2, float(src.get("refetch_days", 30))):
            host = (urlsplit(url).hostname or "").lower().removeprefix("www.")
            if not any(host == h or host.endswith("." + h) for h in skip):
                targets.append((pid, url))
        targets = _interleave(targets[:limit])
        if not targets:
            return
        agent = ctx.config.http.user_agent
        with fetcher_for(ctx, max_bytes=src.get("max_bytes", 2_000_000)) as http:
            robots = _Robots(http, agent.split("/")[0], float(src.get("max_crawl_delay", 10)))
            for _pid, url in targets:
                try:
                    check_url(url, ctx.config.http.allow_hosts)  # another scheme asks nothing, not even robots.txt
                    target, why = robots.check(url)
                    if target is None:
                        kind, message = why or ("skipped", "skipped")
                        yield self._skipped(url, src, message)
                        yield Problem(url, kind, message, url)
                        continue
                    res = http.get(target, accept="text/html,application/xhtml+xml;q=0.9", store_as=url)
                except FetchError as exc:
                    if exc.kind == "deadline":
                        yield Problem(src.name, exc.kind, str(exc))
                        return
                    yield self._skipped(url, src, str(exc))
                    yield Problem(url, exc.kind, str(exc), url)
                    continue
                final = res.final_url if res.final_url != url else None
                if not res.ok:
                    yield res.document("web-page", src.name, path=final)
                    yield Problem(url, "fetch", f"page not read: {res.error}", url)
                    continue
                if res.content_type and res.content_type not in _HTML_TYPES:
                    yield res.document("web-page", src.name, path=final, error=f"not HTML ({res.content_type})")
                    yield Problem(url, "not-html", f"page is {res.content_type}, not HTML; not read", url)
                    continue
                doc = res.document("web-page", src.name, path=final)
                yield doc
                record = self._read(doc, src)
                if record is None:
                    yield Problem(url, "malformed", "answer holds no HTML; not read", url)
                else:
                    yield record

    def _skipped(self, url: str, src: SourceConfig, why: str) -> Document:
        """A content-less document saying why a page was not read, so it waits `refetch_days` like the rest."""
        return Document(url=url, doc_kind="web-page", source=src.name, fetched_at=now(), error=why[:500])

    def _read(self, doc: Document, source: SourceConfig) -> Record | None:
        if doc.content is None:
            return None
        return read_page(doc.content, doc.url, source, base=doc.path or doc.url)

    def parse(self, doc: Document, source: SourceConfig) -> list[Record]:
        """The record of a stored page (`path` holds the URL it was finally read from, for relative links)."""
        record = self._read(doc, source) if doc.doc_kind == "web-page" else None
        return [record] if record else []

