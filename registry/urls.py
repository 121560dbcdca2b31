"""Canonical URLs, stable project ids and URL classes, so one design seen in many places is one key."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import SplitResult, parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

__all__ = [
    "HUB_HOSTS",
    "canonical_url",
    "classify",
    "github_repo",
    "gitlab_repo",
    "project_id",
    "looks_like_url",
]

#: Hosts of the open-hardware hubs ohr knows, mapped to a short hub name.
HUB_HOSTS: dict[str, str] = {
    "hackaday.io": "hackaday",
    "oshwa.org": "oshwa",
    "certification.oshwa.org": "oshwa",
    "appropedia.org": "appropedia",
    "thingiverse.com": "thingiverse",
    "printables.com": "printables",
    "kitspace.org": "kitspace",
}

#: Query parameters that say how a visitor arrived (campaigns, click ids, share buttons), not which page it is:
#: dropped from canonical URLs. Every other parameter (?id=, ?article=, ?page_id=, ?v=, ...) names the page and stays.
_TRACKING = re.compile(
    r"^(utm_[a-z_]+|fbclid|gclid|dclid|gbraid|wbraid|msclkid|yclid|twclid|igshid|igsh|mc_cid|mc_eid|_hsenc|_hsmi|"
    r"ref|ref_src|ref_url|referer|referrer|usp|feature|si|scmts|extid|httpsredir|"
    r"trk|trkcampaign|sc_campaign|at_medium|at_campaign)$", re.I)
#: A query glued to a script's path without its "?" (`viewcontent.cgireferer=...&article=1016`, as a list wrote
#: it): the script name, then `name=value&...`.
_LOST_QUERY = re.compile(r"^(.*?/[^/=&]*?\.(?:cgi|php|aspx?|jsp|pl))([a-z_][a-z0-9_]*=.*&.*)$", re.I)
_DOMAIN = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}(?::\d+)?(?:[/?#].*)?$", re.I)
# GitHub paths that are not owner names.
_GITHUB_RESERVED = {
    "about", "apps", "blog", "collections", "contact", "explore", "features", "issues", "login",
    "marketplace", "orgs", "pricing", "pulls", "search", "settings", "sponsors", "topics", "trending",
    "users", "site", "security", "enterprise", "readme", "codespaces", "notifications", "new",
}


def looks_like_url(text: str) -> bool:
    """Whether a link target is an absolute web address, with or without its scheme."""
    t = text.strip()
    if _HTTP.match(t):
        return True
    if t.startswith(("#", "/", ".", "mailto:")) or ":" in t.split("/")[0]:
        return False
    return bool(_DOMAIN.match(t))


_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):(?!\d)", re.I)
_HAS_AUTHORITY = re.compile(r"^[a-z][a-z0-9+.-]*://", re.I)
_HTTP = re.compile(r"^https?://", re.I)
_OWNER = re.compile(r"^[A-Za-z0-9-]{1,39}$")
_REPO = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
_SLASHES = re.compile(r"/{2,}")
#: URLs parsed (github_repo, canonical_url ...) are remembered: a list names each URL several times
_CACHED = 1 << 16
#: What a hub's host may end with (a subdomain); HUB_HOSTS is a constant.
_HUB_SUFFIXES = tuple("." + h for h in HUB_HOSTS)


def _split(url: str) -> SplitResult:
    u = url.strip().strip("<>")
    m = _SCHEME.match(u)
    if not _HAS_AUTHORITY.match(u) and not (m and "." not in m.group(1)):
        u = "https://" + u.lstrip("/")
    parts = urlsplit(u)
    if not parts.query and "=" in parts.path and "&" in parts.path:
        lost = _LOST_QUERY.match(parts.path)
        if lost:  # give the query its "?" back, so its page-naming parameters are kept and tracking ones dropped
            parts = parts._replace(path=lost.group(1), query=lost.group(2))
    return parts


@lru_cache(maxsize=_CACHED)
def github_repo(url: str) -> tuple[str, str] | None:
    """The (owner, name) a github.com URL points into, in the case it was written, or None."""
    try:
        parts = _split(url)
    except ValueError:
        return None
    return _github_of((parts.hostname or "").lower(), parts.path)


def _github_of(host: str, path: str) -> tuple[str, str] | None:
    """github_repo of a URL already split into its lower-case host and its path, so canonical_url splits once."""
    if host not in ("github.com", "www.github.com"):
        return None
    segs = [unquote(s) for s in path.split("/") if s]
    if len(segs) < 2 or segs[0].lower() in _GITHUB_RESERVED:
        return None
    owner, name = segs[0], segs[1]
    if name.lower().endswith(".git"):
        name = name[:-4]
    if not _OWNER.match(owner) or not _REPO.match(name):
        return None
    return owner, name


@lru_cache(maxsize=_CACHED)
def gitlab_repo(url: str) -> str | None:
    """The project path ('group/sub/project') a gitlab.com URL points into, or None."""
    try:
        parts = _split(url)
    except ValueError:
        return None
    return _gitlab_of((parts.hostname or "").lower(), parts.path)


def _gitlab_of(host: str, path: str) -> str | None:
    """gitlab_repo of a URL already split into its lower-case host and its path, so canonical_url splits once."""
    if host not in ("gitlab.com", "www.gitlab.com"):
        return None
    path = unquote(path).split("/-/", 1)[0]
    segs = [s for s in path.split("/") if s]
    if len(segs) < 2 or segs[0] in ("explore", "users", "help", "dashboard"):
        return None
    if segs[-1].lower().endswith(".git"):
        segs[-1] = segs[-1][:-4]
    return "/".join(segs).lower()


def canonical_url(url: str) -> str | None:
    """One spelling per resource: https, lower-case host without www., no fragment, tracking query,
    trailing slash or `.git`; GitHub and GitLab URLs reduced to the repository. None if not http(s)."""
    return _canonical(url)[0]


@lru_cache(maxsize=_CACHED)
def _canonical(url: str) -> tuple[str | None, str]:
    """canonical_url and, if it is not None, what kind of URL it is: github-repo, gitlab-repo or web (maybe a
    hub); one split of the URL gives both, as classify needs both."""
    try:
        parts = _split(url)
    except ValueError:
        return None, "invalid"
    if parts.scheme.lower() not in ("http", "https"):
        return None, "invalid"
    lower_host = (parts.hostname or "").lower()
    host = lower_host.rstrip(".")
    if not host or " " in host:
        return None, "invalid"
    try:
        port = parts.port
    except ValueError:
        return None, "invalid"
    gh = _github_of(lower_host, parts.path)
    if gh:
        return f"https://github.com/{gh[0].lower()}/{gh[1].lower()}", "github-repo"
    gl = _gitlab_of(lower_host, parts.path)
    if gl:
        return f"https://gitlab.com/{gl}", "gitlab-repo"
    if host.startswith("www."):
        host = host[4:]
    netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    path = quote(unquote(parts.path), safe="/:@!$&'()*+,;=-._~%")
    path = _SLASHES.sub("/", path).rstrip("/")
    query = ""  # most URLs have none: spared parsing and encoding nothing
    if parts.query:
        query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                           if not _TRACKING.match(k)])
    return urlunsplit(("https", netloc, path, query, "")), "web"


def project_id(url: str) -> str | None:
    """The stable project id of a URL: its canonical form without the scheme."""
    c = canonical_url(url)
    return c[len("https://"):] if c else None


@lru_cache(maxsize=_CACHED)
def classify(url: str) -> str:
    """The class of a URL: github-repo, gitlab-repo, hub, web, or invalid."""
    c, kind = _canonical(url)
    if c is None or kind != "web":
        return kind
    host = (urlsplit(c).hostname or "")
    if host in HUB_HOSTS or host.endswith(_HUB_SUFFIXES):
        return "hub"
    return "web"
