"""`github-list` source: a curated Markdown list in a GitHub repository, read through the contents API."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from urllib.parse import quote

from crawler.base import Context
from crawler.config import SourceConfig
from crawler.mdlist import ListEntry, extract_links, iter_list
from crawler.sources import SourceKind
from registry.db import now
from registry.model import Document, Problem, Record, SourceFacts
from registry.urls import canonical_url, project_id

__all__ = ["GitHubListAdapter", "entry_id", "entry_records", "list_problems"]

#: A list with at least this many links that yields fewer than one entry per FEW_ENTRIES_RATIO links is reported.
FEW_ENTRIES_MIN_LINKS = 20
FEW_ENTRIES_RATIO = 10
_SLUG = re.compile(r"[^a-z0-9]+")


def entry_id(source: str, entry: ListEntry) -> str:
    """The project id of an entry with no link that may name a project (only articles, videos, profiles…):
    `list:<source>/<its first link without the scheme>` — an entry of this list, not the article's project (two
    lists citing one article are two entries), and stable when the entry's name is edited."""
    first = project_id(entry.links[0].url) or _SLUG.sub("-", entry.name.casefold()).strip("-")
    return f"list:{source}/{first}"


def entry_records(source: str, text: str, exclude: list[str] | tuple[str, ...], document_url: str | None,
                  entries: list[ListEntry] | None = None) -> list[Record]:
    """One record per entry of a list's text: its identity URLs (primary first), typed links and annotations."""
    records = []
    seen: set[str] = set()
    for pos, entry in enumerate(entries if entries is not None else iter_list(text, exclude), start=1):
        first = project_id(entry.links[0].url)
        if first is None:
            continue
        if entry.shape == "section":  # its heading names it; its first link may be a maker's profile others share
            first = "#" + (_SLUG.sub("-", entry.name.casefold()).strip("-") or str(entry.line))
        key = first + " @ " + " > ".join(entry.heading_path)
        if key in seen:
            continue
        seen.add(key)
        fields: dict = {
            "line": entry.line,
            "shape": entry.shape,
            "links": [{"label": lk.label, "url": lk.url, "kind": lk.kind, "field": lk.field, "nested": lk.nested}
                      for lk in entry.links],
        }
        if entry.annotations:
            fields["annotations"] = entry.annotations
        if entry.primary is None:
            fields["entry_id"] = entry_id(source, entry)
        records.append(Record(
            source=source, key=key, urls=entry.urls, name=entry.name, description=entry.description or None,
            category=entry.category, heading_path=entry.heading_path, fields=fields, document_url=document_url,
            position=pos,
        ))
    return records


def list_problems(item: str, text: str, entries: list[ListEntry], url: str | None = None) -> list[Problem]:
    """What a curator should know about a parsed list: it gave no entries, far fewer than its links, or entries
    named by an article, video or profile only (no primary link)."""
    out = []
    links = {canonical_url(lk.url) for lk in extract_links(text)} - {None}
    if not entries:
        out.append(Problem(item, "parse", f"the list gave no entries ({len(links)} links in it): check its shape "
                                          "with `ohr sources --preview`", url))
    elif len(links) >= FEW_ENTRIES_MIN_LINKS and len(entries) * FEW_ENTRIES_RATIO < len(links):
        out.append(Problem(item, "parse", f"the list gave only {len(entries)} entries for {len(links)} links: "
                                          "check it with `ohr preview-source`", url))
    for e in entries:
        if e.primary is None:
            out.append(Problem(f"{item}: {e.name}", "no-primary-link",
                               f"entry at line {e.line} links only to {', '.join(sorted({lk.kind for lk in e.links}))}"
                               " pages: no repository, site or files to name the project",
                               canonical_url(e.links[0].url) or e.links[0].url))
    return out

#: A human-curated list: trusted after certification and manifests; its entries' prose is a curator's words.
SOURCE = SourceKind(
    kind="github-list", adapter="GitHubListAdapter",
    facts=SourceFacts(trust=30, prose="list"),
    options={"repo": "string", "path": "string", "ref": "string", "exclude_sections": "strings"},
)


class GitHubListAdapter:
    """Fetch one Markdown file of a repository (conditionally) and turn its entries into records."""

    kind = "github-list"

    def fetch(self, ctx: Context) -> Iterator[Document | Record | Problem]:
        """Yield the list document (or the stored one on 304) and one record per entry."""
        assert ctx.github is not None
        repo = ctx.source.get("repo")
        path = ctx.source.get("path", "README.md")
        ref = ctx.source.get("ref")
        if not repo or "/" not in repo:
            yield Problem(ctx.source.name, "config", "github-list needs repo = \"owner/name\"")
            return
        api_path = f"/repos/{repo}/contents/{quote(path)}"
        url = ctx.config.github.api_url + api_path + (f"?ref={quote(ref)}" if ref else "")
        prev = ctx.stored(url)
        stored = prev is not None and prev.content is not None
        resp = ctx.github.get(
            api_path,
            etag=prev.etag if stored else None,
            last_modified=prev.last_modified if stored else None,
            params={"ref": ref} if ref else None,
        )
        if resp.not_modified and prev is not None:
            doc = Document(
                url=url, doc_kind="list", source=ctx.source.name, fetched_at=now(), status=prev.status,
                content=prev.content, etag=prev.etag, last_modified=prev.last_modified, path=path,
                sha=prev.sha, not_modified=True,
            )
            yield doc
            yield from self._parsed(doc, ctx.source, f"{repo}/{path}")
            return
        if resp.error or not isinstance(resp.data, dict):
            reason = resp.error or "unexpected answer (not a file)"
            yield Document(url=url, doc_kind="list", source=ctx.source.name, fetched_at=now(),
                           status=resp.status, path=path, error=reason)
            yield Problem(f"{repo}/{path}", "fetch", f"list not read: {reason}", url)
            return
        data = resp.data
        try:
            content = base64.b64decode(data.get("content") or "", validate=False)
        except (binascii.Error, ValueError):
            content = b""
        if not content and data.get("size"):
            yield Problem(f"{repo}/{path}", "fetch", "list file too large for the contents API", url)
            return
        doc = Document(
            url=url, doc_kind="list", source=ctx.source.name, fetched_at=now(), status=resp.status,
            content=content, etag=resp.etag, last_modified=resp.last_modified,
            content_type="text/markdown", path=path, sha=data.get("sha"),
        )
        yield doc
        yield from self._parsed(doc, ctx.source, f"{repo}/{path}")

    def _parsed(self, doc: Document, source: SourceConfig, item: str) -> Iterator[Record | Problem]:
        """The document's records, then the problems its parse shows (no entries, entries without a primary link)."""
        text = (doc.content or b"").decode("utf-8", errors="replace")
        entries = list(iter_list(text, source.get("exclude_sections", []) or []))
        yield from entry_records(source.name, text, (), doc.url, entries)
        yield from list_problems(item, text, entries, doc.url)

    def parse(self, doc: Document, source: SourceConfig) -> list[Record]:
        """Records of a stored list document: one per entry outside the excluded sections."""
        if doc.content is None:
            return []
        text = doc.content.decode("utf-8", errors="replace")
        return entry_records(source.name, text, source.get("exclude_sections", []) or [], doc.url)
