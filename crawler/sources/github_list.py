"""`github-list` source: a curated Markdown list in a GitHub repository, read through the contents API."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from urllib.parse import quote

from crawler.base import Context
from crawler.config import SourceConfig
from crawler.mdlist import iter_list
from crawler.sources import SourceKind
from registry.db import now
from registry.model import Document, Problem, Record, SourceFacts
from registry.urls import project_id

__all__ = ["GitHubListAdapter"]

#: A human-curated list: trusted after certification and manifests; its entries' prose is a curator's words.
SOURCE = SourceKind(
    kind="github-list", adapter="GitHubListAdapter",
    facts=SourceFacts(trust=30, prose="list"),
    options={"repo": (str,), "path": (str,), "ref": (str,), "exclude_sections": (list,)},
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
            yield from self.parse(doc, ctx.source)
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
        yield from self.parse(doc, ctx.source)

    def parse(self, doc: Document, source: SourceConfig) -> list[Record]:
        """Records of a stored list document: one per entry outside the excluded sections."""
        if doc.content is None:
            return []
        text = doc.content.decode("utf-8", errors="replace")
        exclude = source.get("exclude_sections", []) or []
        records = []
        seen: set[str] = set()
        for pos, entry in enumerate(iter_list(text, exclude), start=1):
            pid = project_id(entry.urls[0])
            if pid is None:
                continue
            key = pid + " @ " + " > ".join(entry.heading_path)
            if key in seen:
                continue
            seen.add(key)
            records.append(
                Record(
                    source=source.name,
                    key=key,
                    urls=entry.urls,
                    name=entry.name,
                    description=entry.description or None,
                    category=entry.category,
                    heading_path=entry.heading_path,
                    fields={
                        "line": entry.line,
                        "links": [{"label": lk.label, "url": lk.url, "nested": lk.nested} for lk in entry.links],
                    },
                    document_url=doc.url,
                    position=pos,
                )
            )
        return records
