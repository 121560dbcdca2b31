"""Links found in hub records and pages: which are repositories, so a hub page and its repository are one project."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from registry.urls import canonical_url, classify

__all__ = ["find_urls", "is_repo_url", "ordered_urls", "repo_urls"]

#: Code hosts besides GitHub/GitLab whose `host/owner/name` URLs are repositories.
FORGE_HOSTS = ("codeberg.org", "bitbucket.org", "git.sr.ht", "gitea.com", "framagit.org", "salsa.debian.org")

_URL = re.compile(r"""https?://[^\s<>"'\]\[{}|\\^`]+""", re.I)


def find_urls(text: str) -> list[str]:
    """Absolute http(s) URLs in free text, trailing punctuation trimmed, first occurrence order."""
    out: list[str] = []
    for m in _URL.finditer(text or ""):
        u = m.group(0)
        while u and (u[-1] in ".,;:!?'\"" or (u[-1] == ")" and u.count(")") > u.count("("))):
            u = u[:-1]
        if u not in out:
            out.append(u)
    return out


def is_repo_url(url: str) -> bool:
    """Whether a URL points into a source repository (GitHub, GitLab, or another known forge)."""
    kind = classify(url)
    if kind in ("github-repo", "gitlab-repo"):
        return True
    if kind != "web":
        return False
    try:
        parts = urlsplit(url if "://" in url else "https://" + url)
    except ValueError:
        return False
    host = (parts.hostname or "").lower().removeprefix("www.")
    segs = [s for s in parts.path.split("/") if s]
    return host in FORGE_HOSTS and len(segs) >= 2


def repo_urls(urls: Iterable[str]) -> list[str]:
    """The repository URLs among ``urls``, one per canonical repository, in order."""
    out: list[str] = []
    seen: set[str] = set()
    for u in urls:
        if not is_repo_url(u):
            continue
        c = canonical_url(u)
        if c and c not in seen:
            seen.add(c)
            out.append(u)
    return out


def ordered_urls(urls: Iterable[str | None], prefer_repo: bool = False) -> list[str]:
    """Valid http(s) URLs without duplicates (by canonical form); a repository first when ``prefer_repo``."""
    out: list[str] = []
    seen: set[str] = set()
    for u in urls:
        if not isinstance(u, str) or not u.strip():
            continue
        u = u.strip()
        c = canonical_url(u)
        if c is None or c in seen or not re.match(r"^(https?://)?[^/\s]+\.[^/\s]+", u, re.I):
            continue
        seen.add(c)
        out.append(u if re.match(r"^https?://", u, re.I) else "https://" + u)
    if prefer_repo:
        out.sort(key=lambda u: not is_repo_url(u))
    return out
