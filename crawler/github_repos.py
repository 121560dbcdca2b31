"""Enrich GitHub-hosted projects: repository metadata, file tree, README and the files normalizers read.

Every request is conditional on what is stored; a repository whose `pushed_at` has not moved does not
have its tree and files fetched again.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote

from crawler.base import Context
from registry.db import now
from registry.model import Document, Problem
from registry.normalized import wanted_files as wanted

__all__ = ["RepoResult", "RepoTarget", "enrich_repo", "wanted_files"]

def wanted_files(paths: list[str]) -> list[str]:
    """Repository files the normalizers read (licence files, OKH manifests, BOMs): the registry decides."""
    return wanted(paths)


@dataclass
class RepoTarget:
    """A repository to enrich and what the registry already knows of it."""

    project_id: str
    full_name: str
    docs: dict[str, Document] = field(default_factory=dict)  # doc url -> stored document (no content)
    pushed_at: str | None = None
    head_oid: str | None = None  # the HEAD commit a GraphQL fetch stored (the repo document's sha)
    repo_json: bytes | None = None  # the stored repository document (a GraphQL re-crawl compares its metadata)
    #: the stored tree's paths when the file-selection rules changed since its files were picked and the rules
    #: now want files never fetched (migration 0021): a re-crawl fetches them even if nothing was pushed
    reselect: list[str] | None = None
    default_branch: str | None = None  # the stored repository's (a 304 answer does not say it)


@dataclass
class RepoResult:
    """What enriching one repository produced."""

    target: RepoTarget
    documents: list[Document] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    outcome: str = "unchanged"  # new | changed | unchanged | gone | moved | failed


def _api(ctx: Context, path: str) -> str:
    return ctx.config.github.api_url + path


def _get_doc(
    ctx: Context, t: RepoTarget, path: str, kind: str, params: dict | None = None, file_path: str | None = None
) -> tuple[Document, object]:
    """One conditional GET turned into a Document; the parsed JSON comes back beside it."""
    assert ctx.github is not None
    url = _api(ctx, path) + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")
    prev = t.docs.get(url)
    fresh = prev is not None and prev.status == 200
    resp = ctx.github.get(path, etag=prev.etag if fresh else None,
                          last_modified=prev.last_modified if fresh else None, params=params)
    doc = Document(
        url=url, doc_kind=kind, source=ctx.source.name, fetched_at=now(), status=resp.status,
        etag=resp.etag, last_modified=resp.last_modified, project_id=t.project_id, path=file_path,
        error=resp.error,
    )
    if resp.not_modified:
        doc.not_modified = True
        doc.status = prev.status if prev else 200
        doc.etag = resp.etag or (prev.etag if prev else None)
        doc.last_modified = resp.last_modified or (prev.last_modified if prev else None)
        return doc, None
    if resp.status == 200 and resp.data is not None and kind in ("repo", "tree"):
        doc.content = json.dumps(resp.data, sort_keys=True).encode()
        doc.content_type = "application/json"
    return doc, resp.data


def _file_bytes(data: object, max_bytes: int) -> tuple[bytes | None, str | None]:
    if not isinstance(data, dict) or data.get("type", "file") != "file":
        return None, "not a file"
    size = int(data.get("size") or 0)
    if size > max_bytes:
        return None, f"file of {size} bytes is over the {max_bytes}-byte limit; not read"
    if data.get("encoding") != "base64":
        return None, f"file of {size} bytes not inlined by the contents API"
    encoded = data.get("content") or ""
    if not isinstance(encoded, str) or len(encoded) > max_bytes * 4 // 3 + 4096:  # the declared size may lie
        return None, f"file content over the {max_bytes}-byte limit; not read"
    try:
        content = base64.b64decode(encoded, validate=False)
    except (binascii.Error, ValueError) as exc:
        return None, f"bad base64 content: {exc}"
    if len(content) > max_bytes:
        return None, f"file of {len(content)} bytes is over the {max_bytes}-byte limit; not read"
    return content, None


def _same_instant(stored: str | None, fetched: object) -> bool:
    """Whether two ISO timestamps (`Z` or an offset) name the same instant; False when either is missing."""
    if not stored or not isinstance(fetched, str) or not fetched:
        return False
    try:
        a, b = (datetime.fromisoformat(v.replace("Z", "+00:00")) for v in (stored, fetched))
    except ValueError:
        return stored == fetched
    return (a if a.tzinfo else a.replace(tzinfo=UTC)) == (b if b.tzinfo else b.replace(tzinfo=UTC))


def enrich_repo(ctx: Context, t: RepoTarget) -> RepoResult:
    """Fetch one repository: metadata always (conditional), tree, README and files only if it moved on."""
    res = RepoResult(t)
    assert ctx.github is not None
    repo_doc, data = _get_doc(ctx, t, f"/repos/{t.full_name}", "repo")
    res.documents.append(repo_doc)
    if repo_doc.not_modified:
        if t.reselect is not None:
            _fetch_reselected(ctx, t, res, t.default_branch or "HEAD")
        return res
    if repo_doc.status == 404:
        res.outcome = "gone"
        res.problems.append(Problem(t.full_name, "gone", "repository not found (deleted, renamed away or private)",
                                    repo_doc.url))
        return res
    if repo_doc.error or not isinstance(data, dict) or "full_name" not in data:
        res.outcome = "failed"
        repo_doc.content = None
        res.problems.append(Problem(t.full_name, "fetch", repo_doc.error or "unexpected repository JSON",
                                    repo_doc.url))
        return res
    full = data["full_name"]
    res.outcome = "new" if not t.docs else "changed"
    if full.lower() != t.full_name.lower():
        res.outcome = "moved"
        res.problems.append(Problem(t.full_name, "moved", f"repository renamed or moved to {full}", repo_doc.url))
    tree_key = next((u for u, d in t.docs.items() if d.doc_kind == "tree"), None)
    if tree_key and _same_instant(t.pushed_at, data.get("pushed_at")):
        res.outcome = "unchanged" if res.outcome != "moved" else res.outcome
        if t.reselect is not None:
            _fetch_reselected(ctx, t, res, data.get("default_branch") or "HEAD", full)
        return res
    branch = data.get("default_branch") or "HEAD"
    # the tree and the README do not depend on each other: fetched side by side
    (tree_doc, tree), (readme_doc, readme) = ctx.github.parallel([
        lambda: _get_doc(ctx, t, f"/repos/{full}/git/trees/{quote(branch, safe='')}", "tree",
                         params={"recursive": "1"}),
        lambda: _get_doc(ctx, t, f"/repos/{full}/readme", "readme"),
    ])
    res.documents.append(tree_doc)
    if tree_doc.error:
        res.problems.append(Problem(full, "fetch", f"tree not read: {tree_doc.error}", tree_doc.url))
    if readme_doc.status == 404:
        readme_doc.error = None  # no README is a fact, not a failure
    elif readme_doc.status == 200:
        readme_doc.content, err = _file_bytes(readme, ctx.config.github.max_file_bytes)
        readme_doc.path = readme.get("path") if isinstance(readme, dict) else None
        readme_doc.sha = readme.get("sha") if isinstance(readme, dict) else None
        if err:
            readme_doc.error = err
            res.problems.append(Problem(full, "file", f"README: {err}", readme_doc.url))
    elif readme_doc.error:
        res.problems.append(Problem(full, "fetch", f"README not read: {readme_doc.error}", readme_doc.url))
    res.documents.append(readme_doc)
    paths: list[str] = []
    if isinstance(tree, dict):
        paths = [e.get("path") for e in tree.get("tree", []) if e.get("type") == "blob" and e.get("path")]
    elif tree_doc.not_modified:
        paths = []  # unchanged tree: its files are unchanged too
    _fetch_files(ctx, t, res, full, branch, wanted_files(paths))
    return res


def _fetch_reselected(ctx: Context, t: RepoTarget, res: RepoResult, branch: str, full: str | None = None) -> None:
    """The files the current rules want from the stored tree that were never fetched (no push needed)."""
    have = {d.path for d in t.docs.values() if d.doc_kind == "file"}
    missing = [fp for fp in wanted_files(t.reselect or []) if fp not in have]
    if missing:
        _fetch_files(ctx, t, res, full or t.full_name, branch, missing)
        if res.outcome == "unchanged":
            res.outcome = "changed"


def _fetch_files(ctx: Context, t: RepoTarget, res: RepoResult, full: str, branch: str, wanted: list[str]) -> None:
    """Fetch the given files of a repository (conditionally, side by side) into the result."""
    assert ctx.github is not None
    fetched = ctx.github.parallel([
        (lambda fp=fp: _get_doc(ctx, t, f"/repos/{full}/contents/{quote(fp)}", "file",
                                params={"ref": quote(branch, safe="")}, file_path=fp))
        for fp in wanted
    ])
    for fp, (fdoc, fdata) in zip(wanted, fetched, strict=True):
        if fdoc.status == 200 and not fdoc.not_modified:
            fdoc.content, err = _file_bytes(fdata, ctx.config.github.max_file_bytes)
            fdoc.sha = fdata.get("sha") if isinstance(fdata, dict) else None
            if err:
                fdoc.error = err
                res.problems.append(Problem(full, "file", f"{fp}: {err}", fdoc.url))
        elif fdoc.error:
            res.problems.append(Problem(full, "fetch", f"{fp} not read: {fdoc.error}", fdoc.url))
        res.documents.append(fdoc)
