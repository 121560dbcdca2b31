"""GitHub GraphQL (API v4) on httpx, so enriching repositories costs points per batch of repositories, not per file.

PyGithub has no batching, so this is a small client of our own. One query names a batch of repositories by
alias and reads their metadata, HEAD commit and tree (nested `object(expression:)` levels, which cost no
points); a second reads the README and the files the normalizers want as blob texts; binary or truncated
blobs come from the raw download host, which spends no points. The documents stored are the same kind, under
the same URLs, as the REST path's (crawler/github_repos.py), so normalizers and `ohr renormalize` see the same
inputs whichever path fetched them.

A batch GitHub finds too heavy (502 "... may be the result of a timeout", MAX_NODE_LIMIT_EXCEEDED) is halved
and asked again; batches grow back after successes. Every query reads `rateLimit { cost remaining resetAt }`;
a query that would not fit waits for the reset (up to `[github] max_rate_limit_wait`, else the run stops and
what is left stays pending); 403/429 with Retry-After pause every query. At most 4 queries are in flight.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from queue import Empty, SimpleQueue
from typing import Any
from urllib.parse import quote, urlsplit

from crawler.base import Context
from crawler.config import GitHubConfig
from crawler.github import RateLimited, Stopped, Unreachable
from crawler.github_repos import RepoResult, RepoTarget, _same_instant, wanted_files
from registry.model import Document, Problem

__all__ = ["GraphQLClient", "GraphQLUnavailable", "TooHeavy", "check_heads", "enrich_all", "enrich_batch",
           "graphql_url", "raw_base"]

log = logging.getLogger("ohr.github")

#: Repositories per query at the start; halved when GitHub finds a query too heavy, doubled back after successes.
START_BATCH = 50
#: Repositories per HEAD check query. It asks no connection, so it costs 1 point however many it names; halved
#: when GitHub finds it too heavy. 10^5 repositories are 200 points.
CHECK_BATCH = 500
#: Queries in flight at most (GitHub's advice for GraphQL; `[github] concurrency` may ask for fewer).
MAX_IN_FLIGHT = 4
#: Tree levels read in the first query; deeper folders are asked in a follow-up query of their own.
TREE_LEVELS = 8
#: Blob text asked per query at most (bytes, by the tree's sizes), well under GitHub's answer limits.
BLOB_BYTES_PER_QUERY = 2_000_000
#: Blobs GitHub would cut (Blob.text is truncated past about this) are read from the raw host directly.
TEXT_LIMIT = 512 * 1024
#: Extensions that are never text: read from the raw host at once instead of asking GraphQL for null text.
BINARY_EXTENSIONS = (".xlsx", ".xls", ".ods", ".pdf", ".zip", ".png", ".jpg", ".jpeg", ".gif", ".stl", ".step",
                     ".stp", ".f3d", ".fcstd", ".sldprt", ".sldasm", ".ipt", ".iam", ".3mf")


class GraphQLUnavailable(Exception):
    """The API host does not serve GraphQL (404/405/501) or refuses the token for it: enrich through REST."""


class TooHeavy(Exception):
    """GitHub found a query too heavy (a timeout 502, MAX_NODE_LIMIT_EXCEEDED): ask for fewer repositories."""


class QueryFailed(Exception):
    """A query failed for another reason after retries (its repositories are recorded as failed)."""


def _no_such_field(name: str, message: str) -> bool:
    """Whether a refused query's message says the schema has no such field (graphql-core's and GitHub's words)."""
    quoted = f"'{name}'" in message or f'"{name}"' in message
    return quoted and ("Cannot query field" in message or "doesn't exist on type" in message)


def graphql_url(api_url: str) -> str:
    """The GraphQL endpoint beside a REST root: /graphql, or /api/graphql for GitHub Enterprise's /api/v3."""
    base = api_url.rstrip("/")
    if base.endswith("/api/v3"):
        return base[: -len("/v3")] + "/graphql"
    return base + "/graphql"


def raw_base(api_url: str) -> str:
    """Where raw files are downloaded (spends no API points): raw.githubusercontent.com, or the host's /raw."""
    base = api_url.rstrip("/")
    parts = urlsplit(base)
    if parts.hostname == "api.github.com":
        return "https://raw.githubusercontent.com"
    if base.endswith("/api/v3"):
        return base[: -len("/api/v3")] + "/raw"
    return base + "/raw"


@dataclass
class Answer:
    """What one query answered: its data (aliases -> objects), per-alias errors, and its cost in points."""

    data: dict[str, Any]
    errors: list[dict[str, Any]] = field(default_factory=list)
    cost: int | None = None

    def error_for(self, alias: str) -> dict[str, Any] | None:
        """The error reported for one alias (its path starts with the alias), if any."""
        for e in self.errors:
            path = e.get("path") or []
            if path and path[0] == alias:
                return e
        return None


def _reset_epoch(value: Any) -> float | None:
    """An epoch from rateLimit.resetAt (ISO 8601 on GitHub; an HTTP date on some hosts) or a header."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    if text.replace(".", "", 1).isdigit():
        return float(text)
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError):
        return None


_SSL: Any = None


def _ssl_context() -> Any:
    """One TLS context (certifi's CAs) for every client of this process: loading the CAs costs ~0.1 s each time."""
    global _SSL
    if _SSL is None:
        import ssl

        import certifi

        _SSL = ssl.create_default_context(cafile=certifi.where())
    return _SSL


class GraphQLClient:
    """POSTs queries to `{api}/graphql` with the token, at most 4 at once; reads raw files from the raw host."""

    def __init__(self, cfg: GitHubConfig, stop: threading.Event | None = None) -> None:
        import httpx

        logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines repeat every request
        self.cfg = cfg
        self.url = graphql_url(cfg.api_url)
        self.raw_url = raw_base(cfg.api_url)
        self.stop = stop or threading.Event()
        self.in_flight = max(1, min(MAX_IN_FLIGHT, cfg.concurrency))
        self._slots = threading.BoundedSemaphore(self.in_flight)
        self._raw_slots = threading.BoundedSemaphore(max(1, cfg.concurrency))
        timeout = httpx.Timeout(max(0.05, float(cfg.timeout)))
        limits = httpx.Limits(max_connections=self.in_flight, max_keepalive_connections=self.in_flight)
        headers = {"User-Agent": "ohr/0.1 (open-hardware registry crawler)", "Accept": "application/json"}
        token = cfg.token or ""
        verify = _ssl_context()
        self._http = httpx.Client(timeout=timeout, limits=limits, follow_redirects=False, verify=verify,
                                  headers={**headers, "Authorization": f"bearer {token}"})
        # the raw host is another host: it never sees the token
        self._raw = httpx.Client(timeout=timeout, follow_redirects=True, headers=headers, verify=verify,
                                 limits=httpx.Limits(max_connections=max(1, cfg.concurrency)))
        self._lock = threading.Lock()
        self._pause_until = 0.0
        self.exhausted: str | None = None
        self.queries = 0
        self.points = 0
        self.raw_requests = 0
        self.remaining: int | None = None
        self.limit: int | None = None
        self.reset_at: float | None = None
        self.rate_waited = 0.0

    def close(self) -> None:
        """Close both connection pools."""
        self._http.close()
        self._raw.close()

    def reset_text(self) -> str:
        """When the points come back, for messages."""
        if not self.reset_at:
            return "later"
        return time.strftime("%H:%M:%S UTC", time.gmtime(self.reset_at))

    # -- pauses -------------------------------------------------------------------------------
    def _gate(self) -> None:
        """Wait out a shared pause (a rate limit); raise Stopped on request and RateLimited once spent."""
        while True:
            if self.stop.is_set():
                raise Stopped("stop requested")
            if self.exhausted:
                raise RateLimited(self.exhausted, self.reset_at)
            with self._lock:
                wait_s = self._pause_until - time.monotonic()
            if wait_s <= 0:
                return
            if self.stop.wait(min(wait_s, 1.0)):
                raise Stopped("stop requested")

    def _pause(self, kind: str, seconds: float, why: str) -> None:
        """Pause every query for ``seconds`` (logged), or raise RateLimited when that is over max_rate_limit_wait."""
        cap = self.cfg.max_rate_limit_wait
        if seconds > cap:
            reason = (f"GitHub GraphQL {kind} rate limit ({why}) asks for a wait of {seconds:.0f} s — more than "
                      f"[github] max_rate_limit_wait = {cap:g} s")
            if kind == "primary":
                reason = (f"GitHub GraphQL points spent ({self.limit or '?'} an hour); they come back at "
                          f"{self.reset_text()}, in {seconds:.0f} s — more than [github] max_rate_limit_wait = "
                          f"{cap:g} s")
                with self._lock:
                    self.exhausted = self.exhausted or reason
            raise RateLimited(reason, self.reset_at)
        with self._lock:
            now = time.monotonic()
            target = now + seconds
            self.rate_waited += max(0.0, target - max(now, self._pause_until))
            self._pause_until = max(self._pause_until, target)
        until = time.strftime("%H:%M:%S UTC", time.gmtime(time.time() + seconds))
        log.warning("GitHub GraphQL %s rate limit (%s): every query waits %.0f s, until %s (max_rate_limit_wait %g s)",
                    kind, why, seconds, until, cap)

    def _fits(self, cost: int = 1) -> None:
        """Before a query: when the points left would not pay for it, wait for the reset (or stop)."""
        with self._lock:
            remaining, reset_at = self.remaining, self.reset_at
        if remaining is None or remaining >= cost:
            return
        wait_s = max(1.0, (reset_at or time.time() + 60) - time.time() + 1)
        self._pause("primary", wait_s, f"{remaining} points left, a query costs {cost}")
        with self._lock:  # the pause ends at the reset: the window is full again
            self.remaining = None
        self._gate()

    def _note(self, headers: Any, rate: dict[str, Any] | None) -> None:
        with self._lock:
            rem = headers.get("x-ratelimit-remaining")
            if rem is not None and headers.get("x-ratelimit-resource", "graphql") == "graphql":
                try:
                    self.remaining = int(float(rem))
                    self.limit = int(float(headers.get("x-ratelimit-limit") or self.limit or 0)) or self.limit
                except ValueError:
                    pass
                self.reset_at = _reset_epoch(headers.get("x-ratelimit-reset")) or self.reset_at
            if rate:
                if isinstance(rate.get("remaining"), int):
                    self.remaining = rate["remaining"]
                self.reset_at = _reset_epoch(rate.get("resetAt")) or self.reset_at
                if isinstance(rate.get("cost"), int):
                    self.points += rate["cost"]

    # -- queries ------------------------------------------------------------------------------
    def query(self, text: str, variables: dict[str, Any] | None = None) -> Answer:
        """Send one query; per-alias errors come back in the Answer, whole-query failures raise.

        Raises TooHeavy (ask for less), GraphQLUnavailable, QueryFailed, RateLimited, Unreachable, Stopped.
        """
        import httpx

        attempt = broken = 0
        retries = max(0, self.cfg.retries)
        while True:
            if self.url in _NO_PARENT:
                text = text.replace(_PARENT, "")
            self._gate()
            self._fits()
            try:
                with self._slots:
                    self._gate()
                    r = self._http.post(self.url, json={"query": text, "variables": variables or {}})
            except httpx.TimeoutException as exc:
                with self._lock:
                    self.queries += 1
                raise TooHeavy(f"no answer within {self.cfg.timeout:g} s ({type(exc).__name__})") from exc
            except httpx.TransportError as exc:
                with self._lock:
                    self.queries += 1
                broken += 1
                if broken > retries:
                    raise Unreachable(f"{self.url}: {type(exc).__name__}: {exc}") from exc
                if self.stop.wait(min(8.0, 0.25 * 2 ** broken)):
                    raise Stopped("stop requested") from exc
                continue
            with self._lock:
                self.queries += 1
            status = r.status_code
            data, errors, types, message = self._read(r)
            if status == 401 or (status in (404, 405, 501) and data is None):
                raise GraphQLUnavailable(f"{self.url} answered HTTP {status}: {message or 'no GraphQL here'}")
            if status in (403, 429) or "RATE_LIMITED" in types:
                attempt += 1
                self._wait_out_limit(r, types, message, attempt)
                if attempt > max(1, retries):
                    raise RateLimited(f"GitHub GraphQL rate limit persists after {attempt} waits", self.reset_at)
                continue
            if "MAX_NODE_LIMIT_EXCEEDED" in types:
                raise TooHeavy(message)
            if status in (502, 504) and ("timeout" in message.lower() or status == 504):
                raise TooHeavy(f"HTTP {status}: {message}")
            if status >= 500 or (status == 200 and data is None and not errors):
                broken += 1
                if broken > retries:
                    raise QueryFailed(f"HTTP {status}: {message or 'no data'} (after {broken} tries)")
                if self.stop.wait(min(8.0, 0.25 * 2 ** broken)):
                    raise Stopped("stop requested")
                continue
            if data is None and _PARENT in text and _no_such_field("parent", message):
                _NO_PARENT.add(self.url)  # an older or partial schema: forks' parents stay unknown here
                log.info("GitHub GraphQL at %s has no Repository.parent; asking without it", self.url)
                continue
            if status != 200 or data is None:
                raise QueryFailed(f"HTTP {status}: {message or 'no data'}")
            return Answer(data, errors, (data.get("rateLimit") or {}).get("cost"))

    def _read(self, r: Any) -> tuple[dict[str, Any] | None, list[dict[str, Any]], set[Any], str]:
        """(data, errors, error types, message) of an answer; its rate-limit figures noted; the token never in
        the message (a host echoing it back)."""
        try:
            body = r.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            body = {"message": r.text[:300]}
        errors = [e for e in body.get("errors") or [] if isinstance(e, dict)] if isinstance(body.get("errors"),
                                                                                             list) else []
        types = {e.get("type") for e in errors}
        message = str(body.get("message") or "; ".join(str(e.get("message")) for e in errors))[:300]
        token = self.cfg.token or ""
        if len(token) >= 8 and token in message:
            message = message.replace(token, "***")
        data = body.get("data") if isinstance(body.get("data"), dict) else None
        self._note(r.headers, (data or {}).get("rateLimit"))
        return data, errors, types, message

    def _wait_out_limit(self, r: Any, types: set[Any], message: str, attempt: int) -> None:
        """Pause every query for a 403/429 or RATE_LIMITED answer: Retry-After, the primary reset, or a growing
        secondary wait; a 403 that is no rate limit means this host refuses GraphQL."""
        status = r.status_code
        retry_after = r.headers.get("retry-after")
        low = message.lower()
        if retry_after is not None and retry_after.strip().isdigit():
            self._pause("secondary", float(retry_after), f"HTTP {status}, Retry-After {retry_after}")
        elif "RATE_LIMITED" in types or r.headers.get("x-ratelimit-remaining") == "0" \
                or "api rate limit exceeded" in low:
            reset = self.reset_at or time.time() + 60
            self._pause("primary", max(1.0, reset - time.time() + 1), f"HTTP {status}: {message}")
            with self._lock:
                self.remaining = None
        elif status == 429 or "secondary" in low or "abuse" in low:
            self._pause("secondary", self.cfg.secondary_rate_wait * 2 ** (attempt - 1), f"HTTP {status}")
        else:
            raise GraphQLUnavailable(f"{self.url} refused the query (HTTP {status}): {message}")

    def raw(self, full_name: str, ref: str, path: str, max_bytes: int) -> tuple[int, bytes | None, str | None]:
        """(status, bytes, error) of one file from the raw host (free of API points), stopped past max_bytes."""
        import httpx

        url = f"{self.raw_url}/{quote(full_name)}/{quote(ref, safe='')}/{quote(path)}"
        for attempt in range(max(0, self.cfg.retries) + 1):
            self._gate()
            try:
                with self._raw_slots, self._raw.stream("GET", url) as r:
                    with self._lock:
                        self.raw_requests += 1
                    if r.status_code != 200:
                        if r.status_code >= 500 and attempt < self.cfg.retries:
                            continue
                        return r.status_code, None, f"HTTP {r.status_code} from the raw host"
                    chunks, size = [], 0
                    for chunk in r.iter_bytes():
                        size += len(chunk)
                        if size > max_bytes:
                            return 200, None, f"file over the {max_bytes}-byte limit; not read"
                        chunks.append(chunk)
                    return 200, b"".join(chunks), None
            except httpx.TransportError as exc:
                with self._lock:
                    self.raw_requests += 1
                if attempt >= self.cfg.retries:
                    return 0, None, f"raw download failed: {type(exc).__name__}: {exc}"[:300]
        return 0, None, "raw download failed"


# -- queries ------------------------------------------------------------------------------------
def _tree_fields(levels: int) -> str:
    entry = "name path type size oid"
    inner = ""
    for _ in range(levels - 1):
        inner = f" object {{ ... on Tree {{ entries {{ {entry}{inner} }} }} }}"
    return f"... on Tree {{ oid entries {{ {entry}{inner} }} }}"


_CHECK_FIELDS = (
    "nameWithOwner name owner { login } description homepageUrl stargazerCount forkCount isArchived isFork "
    "createdAt updatedAt pushedAt defaultBranchRef { name target { oid ... on Commit { committedDate } } }"
    " parent { nameWithOwner }"
)
#: What only a push changes (GitHub derives licence and language from the files) and the topics, a connection
#: (1 request per repository in GitHub's cost rule): asked in a batch's first query, not in the HEAD check.
_PUSHED_FIELDS = ("primaryLanguage { name } licenseInfo { key name spdxId } "
                  "repositoryTopics(first: 20) { nodes { topic { name } } }")
_PUSHED_KEYS = ("language", "license", "topics")
_REPO_FIELDS = f"{_CHECK_FIELDS} {_PUSHED_FIELDS}"
#: A fork's parent: GitHub has it; a host whose schema lacks it answers "Cannot query field" and is asked again
#: without it (remembered per GraphQL URL for the process).
_PARENT = " parent { nameWithOwner }"
_NO_PARENT: set[str] = set()


def _repo_args(targets: list[tuple[str, str]]) -> tuple[str, dict[str, str]]:
    """Variable declarations and values for aliases r0..rN naming (owner, name) pairs."""
    decls, values = [], {}
    for i, (owner, name) in enumerate(targets):
        decls.append(f"$o{i}: String!, $n{i}: String!")
        values[f"o{i}"], values[f"n{i}"] = owner, name
    return ", ".join(decls), values


def _split(full_name: str) -> tuple[str, str]:
    owner, _, name = full_name.partition("/")
    return owner, name


def repos_query(names: list[str]) -> tuple[str, dict[str, str]]:
    """One query for a batch: metadata, HEAD commit and TREE_LEVELS levels of the root tree per repository."""
    decls, values = _repo_args([_split(n) for n in names])
    body = " ".join(f'r{i}: repository(owner: $o{i}, name: $n{i}) {{ {_REPO_FIELDS} '
                    f'tree: object(expression: "HEAD:") {{ {_tree_fields(TREE_LEVELS)} }} }}'
                    for i in range(len(names)))
    return f"query({decls}) {{ rateLimit {{ cost remaining resetAt }} {body} }}", values


def heads_query(names: list[str]) -> tuple[str, dict[str, str]]:
    """One query asking HEAD oid, pushedAt and the metadata of up to CHECK_BATCH repositories: no trees, blobs
    or connections (licence, language and topics are left to a push), so it costs 1 point."""
    decls, values = _repo_args([_split(n) for n in names])
    body = " ".join(f"r{i}: repository(owner: $o{i}, name: $n{i}) {{ {_CHECK_FIELDS} }}" for i in range(len(names)))
    return f"query({decls}) {{ rateLimit {{ cost remaining resetAt }} {body} }}", values


def objects_query(asks: list[tuple[str, list[tuple[str, str]]]]) -> tuple[str, dict[str, str]]:
    """One query for objects of several repositories: asks = [(owner/name, [(expression, selection)])]."""
    decls, values = _repo_args([_split(n) for n, _ in asks])
    parts = []
    for i, (_, objs) in enumerate(asks):
        inner = " ".join(f"x{j}: object(expression: {json.dumps(expr)}) {{ {sel} }}" for j, (expr, sel) in
                         enumerate(objs))
        parts.append(f"r{i}: repository(owner: $o{i}, name: $n{i}) {{ {inner} }}")
    return f"query({decls}) {{ rateLimit {{ cost remaining resetAt }} {' '.join(parts)} }}", values


_BLOB = "... on Blob { oid text isBinary isTruncated byteSize }"


# -- one batch ----------------------------------------------------------------------------------
@dataclass
class _Repo:
    """A repository of a batch while its parts come in."""

    target: RepoTarget
    result: RepoResult
    node: dict[str, Any] | None = None
    full: str = ""
    branch: str = "HEAD"
    oid: str = ""
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)  # path -> tree entry
    deeper: list[str] = field(default_factory=list)  # folders whose entries were not read yet


def _api(ctx: Context, path: str) -> str:
    return ctx.config.github.api_url + path


def _doc(ctx: Context, t: RepoTarget, url: str, kind: str, status: int, content: bytes | None = None,
         path: str | None = None, sha: str | None = None, error: str | None = None,
         content_type: str | None = None) -> Document:
    from registry.db import now

    return Document(url=url, doc_kind=kind, source=ctx.source.name, fetched_at=now(), status=status, content=content,
                    project_id=t.project_id, path=path, sha=sha, error=error, content_type=content_type)


def _walk(entries: Iterable[dict[str, Any]] | None, prefix: str, level: int, out: dict[str, dict[str, Any]],
          deeper: list[str]) -> None:
    """Flatten nested tree entries into path -> entry; folders at the last level read are noted as deeper."""
    for e in entries or ():
        if not isinstance(e, dict) or not e.get("name"):
            continue
        path = e.get("path") or (prefix + e["name"])
        out[path] = e
        if e.get("type") == "tree":
            obj = e.get("object")
            if isinstance(obj, dict) and "entries" in obj:
                _walk(obj.get("entries"), path + "/", level + 1, out, deeper)
            elif level >= TREE_LEVELS:
                deeper.append(path)


def _repo_json(node: dict[str, Any]) -> dict[str, Any]:
    """The repository as GitHub's REST API names its fields (what the REST path stores and `repos` reads)."""
    lic = node.get("licenseInfo")
    topics = [n["topic"]["name"] for n in ((node.get("repositoryTopics") or {}).get("nodes") or [])
              if isinstance(n, dict) and isinstance(n.get("topic"), dict)]
    full = node.get("nameWithOwner") or ""
    return {
        "full_name": full, "name": node.get("name"), "owner": {"login": (node.get("owner") or {}).get("login")},
        "html_url": f"https://github.com/{full}", "description": node.get("description"),
        "homepage": node.get("homepageUrl"), "topics": topics,
        "language": (node.get("primaryLanguage") or {}).get("name"),
        "stargazers_count": node.get("stargazerCount"), "forks_count": node.get("forkCount"),
        "archived": bool(node.get("isArchived")), "fork": bool(node.get("isFork")),
        **({"parent": {"full_name": node["parent"]["nameWithOwner"]}}
           if isinstance(node.get("parent"), dict) and node["parent"].get("nameWithOwner") else {}),
        "created_at": node.get("createdAt"), "updated_at": node.get("updatedAt"), "pushed_at": node.get("pushedAt"),
        "default_branch": (node.get("defaultBranchRef") or {}).get("name"),
        "license": {"key": lic.get("key"), "name": lic.get("name"), "spdx_id": lic.get("spdxId")}
        if isinstance(lic, dict) else None,
    }


def _readme_path(entries: dict[str, dict[str, Any]]) -> str | None:
    """The root README GitHub's REST /readme answers with (a .md first, then the shortest name)."""
    tops = [p for p, e in entries.items()
            if "/" not in p and e.get("type") == "blob" and p.lower().startswith("readme")]
    tops.sort(key=lambda p: (not p.lower().endswith(".md"), len(p), p))
    return tops[0] if tops else None


class _Flow:
    """When each repository of one batch goes out: once its batch's queries succeeded (the commit) and its raw
    downloads are in, so early repositories are written and normalized while later files still download."""

    def __init__(self, post: Callable[[str, Any], None]) -> None:
        self.lock = threading.Lock()
        self.post = post
        self.state = "open"  # open | committed | abandoned
        self.left: dict[int, int] = {}  # id(_Repo) -> raw downloads still out
        self.lost: dict[int, str] = {}  # repositories a stop or rate limit cut short (and why): left pending
        self.futures: list[Future] = []

    def expect(self, r: _Repo) -> None:
        with self.lock:
            self.left[id(r)] = self.left.get(id(r), 0) + 1

    def done(self, r: _Repo, lost: str | None = None) -> None:
        with self.lock:
            self.left[id(r)] -= 1
            if lost is not None:
                self.lost.setdefault(id(r), lost)
            ready = self.state == "committed" and self.left[id(r)] == 0
        if ready:
            self._send(r)

    def commit(self, repos: list[_Repo], others: list[RepoResult]) -> None:
        """The batch's queries all succeeded: results without downloads out go now, the rest as they finish."""
        with self.lock:
            self.state = "committed"
            ready = [r for r in repos if not self.left.get(id(r))]
        for res in others:
            self.post("repo", res)
        for r in ready:
            self._send(r)

    def abandon(self) -> None:
        """A query of the batch failed: the caller asks the batch again, so nothing of it may go out."""
        with self.lock:
            self.state = "abandoned"
        for fut in self.futures:
            fut.cancel()

    def _send(self, r: _Repo) -> None:
        if id(r) in self.lost:
            self.post("lost", (r.target, self.lost[id(r)]))
        else:
            self.post("repo", r.result)


def enrich_batch(ctx: Context, client: GraphQLClient, targets: list[RepoTarget], post: Callable[[str, Any], None],
                 raw_pool: ThreadPoolExecutor) -> None:
    """Fetch a batch: one query for metadata and trees, one (or a few) for blob texts, raw downloads for the rest.

    Every target is posted once, as ("repo", RepoResult) or ("lost", (RepoTarget, why)) when a stop or rate limit cut
    its downloads short — but only after the batch's queries succeeded: it raises TooHeavy when the first
    query is too heavy (the caller halves the batch) and RateLimited/Stopped/Unreachable, posting nothing; a
    missing or failing repository only fails its own result. Binary files download while the text query runs.
    """
    flow = _Flow(post)
    try:
        repos, others = _batch_queries(ctx, client, targets, flow, raw_pool)
    except BaseException:
        flow.abandon()
        raise
    flow.commit(repos, others)


def _batch_queries(ctx: Context, client: GraphQLClient, targets: list[RepoTarget], flow: _Flow,
                   raw_pool: ThreadPoolExecutor) -> tuple[list[_Repo], list[RepoResult]]:
    """The batch's queries; returns the repositories read and the results of those that failed or are gone."""
    text, variables = repos_query([t.full_name for t in targets])
    answer = client.query(text, variables)
    repos: list[_Repo] = []
    others: list[RepoResult] = []
    for i, t in enumerate(targets):
        res = RepoResult(t)
        node = answer.data.get(f"r{i}")
        repo_url = _api(ctx, f"/repos/{t.full_name}")
        err = answer.error_for(f"r{i}")
        if not isinstance(node, dict):
            others.append(res)
            if err is None or err.get("type") == "NOT_FOUND" or "could not resolve" in str(err.get("message")).lower():
                res.outcome = "gone"
                why = f"NOT_FOUND: {(err or {}).get('message') or 'no repository under this name'}"[:300]
                res.documents.append(_doc(ctx, t, repo_url, "repo", 404, error=why))
                res.problems.append(Problem(t.full_name, "gone", "repository not found (deleted, renamed away or "
                                            "private)", repo_url))
            else:
                res.outcome = "failed"
                why = f"{err.get('type') or 'error'}: {err.get('message')}"[:300]
                res.documents.append(_doc(ctx, t, repo_url, "repo", 0, error=why))
                res.problems.append(Problem(t.full_name, "fetch", why, repo_url))
            continue
        r = _Repo(t, res, node, full=node.get("nameWithOwner") or t.full_name)
        head = (node.get("defaultBranchRef") or {})
        r.branch = head.get("name") or "HEAD"
        r.oid = ((head.get("target") or {}).get("oid")) or ""
        data = _repo_json(node)
        res.documents.append(_doc(ctx, t, repo_url, "repo", 200, json.dumps(data, sort_keys=True).encode(),
                                  sha=r.oid or None, content_type="application/json"))
        res.outcome = "new" if not t.docs else "changed"
        if r.full.lower() != t.full_name.lower():
            res.outcome = "moved"
            res.problems.append(Problem(t.full_name, "moved", f"repository renamed or moved to {r.full}", repo_url))
        tree = node.get("tree")
        if isinstance(tree, dict):
            _walk(tree.get("entries"), "", 1, r.entries, r.deeper)
        repos.append(r)
    _deeper_trees(client, repos)
    _blobs(ctx, client, repos, flow, raw_pool)
    return repos, others

def _deeper_trees(client: GraphQLClient, repos: list[_Repo]) -> None:
    """Read folders below TREE_LEVELS, level by level, one query for every repository that has some."""
    while True:
        asks = [(r, r.deeper[:50]) for r in repos if r.deeper]
        if not asks:
            return
        for r, folders in asks:
            r.deeper = r.deeper[len(folders):]
        text, variables = objects_query([(r.full, [(f"{r.oid or 'HEAD'}:{f}", _tree_fields(TREE_LEVELS))
                                                   for f in folders]) for r, folders in asks])
        answer = client.query(text, variables)
        for i, (r, folders) in enumerate(asks):
            node = answer.data.get(f"r{i}") or {}
            for j, folder in enumerate(folders):
                obj = node.get(f"x{j}")
                if isinstance(obj, dict):
                    _walk(obj.get("entries"), folder + "/", 1, r.entries, r.deeper)  # levels count from here


def _blobs(ctx: Context, client: GraphQLClient, repos: list[_Repo], flow: _Flow, raw_pool: ThreadPoolExecutor) -> None:
    """README and wanted files: texts by GraphQL (packed by size), binary/large ones from the raw host (started
    at once, so they download while the text query runs)."""
    max_bytes = ctx.config.github.max_file_bytes
    ask: list[tuple[_Repo, str, str, int]] = []  # (repo, kind, path, size)
    for r in repos:
        t, res = r.target, r.result
        tree_url = _api(ctx, f"/repos/{r.full}/git/trees/{quote(r.branch, safe='')}") + "?recursive=1"
        tree = {"sha": ((r.node or {}).get("tree") or {}).get("oid"), "truncated": False,
                "tree": [{"path": p, "type": e.get("type"), "size": e.get("size") if e.get("type") == "blob" else None,
                          "sha": e.get("oid"), "mode": "100644" if e.get("type") == "blob" else "040000"}
                         for p, e in sorted(r.entries.items())]}
        res.documents.append(_doc(ctx, t, tree_url, "tree", 200, json.dumps(tree, sort_keys=True).encode(),
                                  content_type="application/json"))
        readme = _readme_path(r.entries)
        if readme is None:
            res.documents.append(_doc(ctx, t, _api(ctx, f"/repos/{r.full}/readme"), "readme", 404))
        else:
            ask.append((r, "readme", readme, int(r.entries[readme].get("size") or 0)))
        paths = [p for p, e in r.entries.items() if e.get("type") == "blob"]
        for fp in wanted_files(sorted(paths)):
            ask.append((r, "file", fp, int(r.entries[fp].get("size") or 0)))
    texts: list[tuple[_Repo, str, str, int]] = []
    for item in ask:
        r, kind, path, size = item
        if size > max_bytes:
            why = f"file of {size} bytes is over the {max_bytes}-byte limit; not read"
            _store_blob(ctx, item, 200, None, None, why)
        elif size > TEXT_LIMIT or path.lower().endswith(BINARY_EXTENSIONS):
            _raw_start(ctx, client, flow, raw_pool, item)
        else:
            texts.append(item)
    # pack text blobs into queries of at most BLOB_BYTES_PER_QUERY (by the tree's sizes)
    groups: list[list[tuple[_Repo, str, str, int]]] = []
    cur: list[tuple[_Repo, str, str, int]] = []
    total = 0
    for item in texts:
        if cur and total + item[3] > BLOB_BYTES_PER_QUERY:
            groups.append(cur)
            cur, total = [], 0
        cur.append(item)
        total += item[3]
    if cur:
        groups.append(cur)
    for group in groups:
        for item in _text_group(ctx, client, group):
            _raw_start(ctx, client, flow, raw_pool, item)


def _text_group(ctx: Context, client: GraphQLClient, group: list[tuple[_Repo, str, str, int]]) -> list:
    """Ask one group of blobs' texts; returns the items to read from the raw host instead (binary, cut, failed)."""
    by_repo: dict[int, tuple[_Repo, list[tuple[_Repo, str, str, int]]]] = {}
    for item in group:
        by_repo.setdefault(id(item[0]), (item[0], []))[1].append(item)
    asks = list(by_repo.values())
    text, variables = objects_query([(r.full, [(f"{r.oid or 'HEAD'}:{it[2]}", _BLOB) for it in items])
                                     for r, items in asks])
    try:
        answer = client.query(text, variables)
    except (TooHeavy, QueryFailed):
        if len(group) > 1:
            half = len(group) // 2
            return _text_group(ctx, client, group[:half]) + _text_group(ctx, client, group[half:])
        return list(group)  # one blob GraphQL cannot give: the raw host may
    rest = []
    for i, (_, items) in enumerate(asks):
        node = answer.data.get(f"r{i}") or {}
        for j, item in enumerate(items):
            blob = node.get(f"x{j}")
            text_value = blob.get("text") if isinstance(blob, dict) else None
            if not isinstance(blob, dict) or blob.get("isBinary") or blob.get("isTruncated") or text_value is None:
                rest.append(item)
                continue
            content = text_value.encode("utf-8")
            if isinstance(blob.get("byteSize"), int) and blob["byteSize"] != len(content):
                rest.append(item)  # not UTF-8 as stored: the exact bytes come from the raw host
                continue
            _store_blob(ctx, item, 200, content, blob.get("oid"), None)
    return rest


def _raw_start(ctx: Context, client: GraphQLClient, flow: _Flow, raw_pool: ThreadPoolExecutor,
               item: tuple[_Repo, str, str, int]) -> None:
    """Download one file from the raw host in the pool; its repository goes out when its last file is in."""
    r, _, path, _ = item
    flow.expect(r)
    fut = raw_pool.submit(client.raw, r.full, r.oid or r.branch, path, ctx.config.github.max_file_bytes)
    flow.futures.append(fut)
    fut.add_done_callback(lambda f: _raw_done(ctx, flow, item, f))


def _raw_done(ctx: Context, flow: _Flow, item: tuple[_Repo, str, str, int], fut: Future) -> None:
    r, _, path, _ = item
    try:
        status, content, error = fut.result()
    except (Stopped, RateLimited, Unreachable, CancelledError) as exc:  # cut short: the repository stays pending
        flow.done(r, lost=str(exc) or type(exc).__name__)
        return
    except Exception as exc:  # noqa: BLE001 - one download's failure is that file's problem
        status, content, error = 0, None, f"raw download failed: {type(exc).__name__}: {exc}"[:300]
    with flow.lock:
        _store_blob(ctx, item, status, content, r.entries.get(path, {}).get("oid"), error)
    flow.done(r)


def _store_blob(ctx: Context, item: tuple[_Repo, str, str, int], status: int, content: bytes | None,
                sha: str | None, error: str | None) -> None:
    """A README or file document, as the REST path stores it (same URL, path, sha, content)."""
    r, kind, path, _ = item
    t, res = r.target, r.result
    if kind == "readme":
        url = _api(ctx, f"/repos/{r.full}/readme")
        if status == 404:
            res.documents.append(_doc(ctx, t, url, "readme", 404))
            return
        doc = _doc(ctx, t, url, "readme", status, content, path=path, sha=sha, error=error)
        if error:
            res.problems.append(Problem(r.full, "file" if status == 200 else "fetch", f"README: {error}", url))
    else:
        url = _api(ctx, f"/repos/{r.full}/contents/{quote(path)}") + f"?ref={quote(r.branch, safe='')}"
        doc = _doc(ctx, t, url, "file", status, content, path=path, sha=sha, error=error)
        if error:
            res.problems.append(Problem(r.full, "file" if status == 200 else "fetch", f"{path}: {error}", url))
    res.documents.append(doc)


# -- recrawl by HEAD oid -------------------------------------------------------------------------
def check_heads(ctx: Context, client: GraphQLClient,
                targets: list[RepoTarget]) -> tuple[list[RepoTarget], list[RepoTarget], list[RepoResult]]:
    """(moved on, unchanged, refreshed) among repositories fetched before: one query per CHECK_BATCH asks HEAD
    oid, pushedAt and metadata only, up to the client's in-flight limit at once. Missing ones count as moved on
    (the full fetch records what happened); a renamed one whose HEAD is the stored one is unchanged (the rename
    was recorded when it was first seen); one whose HEAD stayed but whose metadata moved (stars, description,
    archived, homepage) is refreshed: a new repository document (licence, language and topics, which only a push
    moves, kept as stored), its tree and files left as they are."""
    chunks = [targets[i:i + CHECK_BATCH] for i in range(0, len(targets), CHECK_BATCH)]
    limit = [CHECK_BATCH]  # lowered for every later chunk once GitHub found one too heavy

    def ask(chunk: list[RepoTarget]) -> list[tuple[RepoTarget, Any]]:
        """(target, node) of a chunk; a chunk GitHub finds too heavy is asked again in halves."""
        if len(chunk) > limit[0]:
            return [x for i in range(0, len(chunk), limit[0]) for x in ask(chunk[i:i + limit[0]])]
        try:
            answer = client.query(*heads_query([t.full_name for t in chunk]))
        except TooHeavy:
            if len(chunk) == 1:
                raise
            limit[0] = min(limit[0], max(1, len(chunk) // 2))
            return ask(chunk)
        return [(t, answer.data.get(f"r{j}")) for j, t in enumerate(chunk)]

    if len(chunks) <= 1:
        answers = [ask(c) for c in chunks]
    else:  # 10^5 repositories are 200 queries: a round trip each, so several at once
        with ThreadPoolExecutor(max_workers=client.in_flight, thread_name_prefix="gh-heads") as pool:
            answers = list(pool.map(ask, chunks))
    moved: list[RepoTarget] = []
    same: list[RepoTarget] = []
    refreshed: list[RepoResult] = []
    for pairs in answers:
        for t, node in pairs:
            verdict = _head_verdict(ctx, t, node)
            if verdict == "moved":
                moved.append(t)
            elif verdict == "same":
                same.append(t)
            else:
                refreshed.append(verdict)
    return moved, same, refreshed


def _head_verdict(ctx: Context, t: RepoTarget, node: Any) -> str | RepoResult:
    """"moved" (fetch it in a batch), "same" (nothing to do) or a result holding its refreshed repository
    document, from what the HEAD check answered for one repository."""
    if not isinstance(node, dict):  # gone (or failing): the full fetch records what happened
        return "moved"
    oid = ((node.get("defaultBranchRef") or {}).get("target") or {}).get("oid")
    stored = t.head_oid
    has_tree = any(d.doc_kind == "tree" for d in t.docs.values())
    if not has_tree or not (oid == stored if stored else _same_instant(t.pushed_at, node.get("pushedAt"))):
        return "moved"
    if t.reselect is not None:  # the rules want files never fetched: the batch reads them (and the tree)
        return "moved"
    if t.repo_json is None:
        return "same"
    data = _repo_json(node)
    try:
        kept = json.loads(t.repo_json)
        for key in _PUSHED_KEYS:  # not asked here (only a push moves them): kept as stored
            data[key] = kept.get(key)
    except (ValueError, AttributeError):
        pass
    content = json.dumps(data, sort_keys=True).encode()
    if content == t.repo_json:
        return "same"
    url = _api(ctx, f"/repos/{t.full_name}")
    return RepoResult(t, [_doc(ctx, t, url, "repo", 200, content, sha=oid or t.head_oid,
                               content_type="application/json")], outcome="changed")


# -- all of them ----------------------------------------------------------------------------------
@dataclass
class Outcome:
    """What enrich_all left: why it stopped early (None when it did not) and the targets not done."""

    stop_reason: str | None = None
    pending: list[RepoTarget] = field(default_factory=list)
    batch_sizes: list[int] = field(default_factory=list)


def enrich_all(ctx: Context, client: GraphQLClient, targets: list[RepoTarget],
               take: Callable[[RepoResult], None], stop: threading.Event, max_batch: int = START_BATCH,
               tick: Callable[[], None] | None = None) -> Outcome:
    """Enrich every target: unchanged ones (same HEAD) cost a share of one check query, the rest come in
    adaptive batches, at most `in_flight` queries at once. ``take`` receives each result in this thread;
    ``tick`` runs between results (the caller's batch writes)."""
    out = Outcome()
    known = [t for t in targets if any(d.doc_kind == "repo" and d.status == 200 for d in t.docs.values())]
    known_ids = {id(t) for t in known}
    fresh = [t for t in targets if id(t) not in known_ids]
    try:
        moved, same, refreshed = check_heads(ctx, client, known) if known else ([], [], [])
    except (RateLimited, Stopped, Unreachable) as exc:
        out.stop_reason = str(exc)
        out.pending = list(targets)
        return out
    except (TooHeavy, QueryFailed) as exc:  # the check is an optimisation: without it, fetch them all
        log.warning("GitHub GraphQL: the HEAD check failed (%s); fetching every repository", exc)
        moved, same, refreshed = known, [], []
    for t in same:
        take(RepoResult(t, outcome="unchanged"))
    for res in refreshed:
        take(res)
    run = _Batches(ctx, client, take, stop, max(1, max_batch), out)
    run.go(fresh + moved, tick)
    if run.unavailable is not None and not run.taken and not same:
        raise run.unavailable
    return out


class _Batches:
    """The batches of one enrichment: sent up to the in-flight limit, halved when too heavy and grown back after
    successes; their repositories come back one by one as events ("repo", "lost", and "batch" when a batch's
    queries are done), all handled in the caller's thread."""

    def __init__(self, ctx: Context, client: GraphQLClient, take: Callable[[RepoResult], None],
                 stop: threading.Event, max_batch: int, out: Outcome) -> None:
        self.ctx, self.client, self.take, self.stop, self.out = ctx, client, take, stop, out
        self.max_batch = self.size = max_batch
        self.queue: deque[list[RepoTarget]] = deque()
        self.running: dict[Future, list[RepoTarget]] = {}
        self.successes = self.taken = 0
        self.owed = 0  # repositories of succeeded batches whose event has not come yet
        self.lost: list[RepoTarget] = []
        self.unavailable: GraphQLUnavailable | None = None
        self.events: SimpleQueue = SimpleQueue()  # ("repo", RepoResult) | ("lost", (target, why)) | ("batch", Future)

    def go(self, work: list[RepoTarget], tick: Callable[[], None] | None) -> None:
        for i in range(0, len(work), self.size):
            self.queue.append(work[i:i + self.size])
        raw_pool = ThreadPoolExecutor(max_workers=max(1, self.ctx.config.github.concurrency),
                                      thread_name_prefix="gh-raw")
        pool = ThreadPoolExecutor(max_workers=self.client.in_flight, thread_name_prefix="gh-gql")
        try:
            while self.queue or self.running or self.owed > 0:
                self.submit(pool, raw_pool)
                if not self.running and self.owed <= 0:
                    break
                try:
                    kind, item = self.events.get(timeout=1.0)
                except Empty:
                    kind, item = "", None
                if kind == "repo":
                    self.take(item)
                    self.taken += 1
                    self.owed -= 1
                elif kind == "lost":
                    target, why = item
                    self.lost.append(target)
                    self.out.stop_reason = self.out.stop_reason or ("stopped on request" if self.stop.is_set()
                                                                    else why)
                    self.owed -= 1
                elif kind == "batch":
                    self.batch_done(item)
                if tick:
                    tick()
        finally:
            pool.shutdown(wait=True)
            raw_pool.shutdown(wait=True)
        self.out.pending = [t for chunk in self.queue for t in chunk] + self.lost

    def submit(self, pool: ThreadPoolExecutor, raw_pool: ThreadPoolExecutor) -> None:
        """Send batches while there is room in flight and no reason to stop."""
        while self.queue and len(self.running) < self.client.in_flight and self.out.stop_reason is None:
            if self.stop.is_set():
                self.out.stop_reason = "stopped on request"
                return
            chunk = self.queue.popleft()
            if len(chunk) > self.size:  # a smaller batch size since it was cut: cut it again
                self.queue.appendleft(chunk[self.size:])
                chunk = chunk[:self.size]
            self.out.batch_sizes.append(len(chunk))
            fut = pool.submit(enrich_batch, self.ctx, self.client, chunk,
                              lambda kind, x: self.events.put((kind, x)), raw_pool)
            self.running[fut] = chunk
            fut.add_done_callback(lambda f: self.events.put(("batch", f)))

    def batch_done(self, fut: Future) -> None:
        """A batch's queries are done: its repositories are owed as events, or it is asked again (halved, or
        after a pause), or its repositories fail."""
        chunk = self.running.pop(fut)
        try:
            fut.result()
        except TooHeavy as exc:
            if len(chunk) == 1:
                t = chunk[0]
                self.fail([t], f"too large for one GraphQL query ({exc})")
                return
            self.size, self.successes = max(1, len(chunk) // 2), 0
            log.info("GitHub GraphQL: a batch of %d was too heavy (%s); asking %d at a time", len(chunk), exc,
                     self.size)
            self.queue.appendleft(chunk[self.size:])
            self.queue.appendleft(chunk[:self.size])
            return
        except (RateLimited, Stopped, Unreachable) as exc:
            self.out.stop_reason = self.out.stop_reason or str(exc)
            self.queue.appendleft(chunk)
            return
        except GraphQLUnavailable as exc:
            if not self.taken:  # the host has no GraphQL at all: the caller enriches through REST
                self.unavailable = exc
                self.out.stop_reason = self.out.stop_reason or str(exc)
            else:
                self.fail(chunk, f"GraphQL: {exc}")
            return
        except QueryFailed as exc:
            self.fail(chunk, f"GraphQL: {exc}")
            return
        self.owed += len(chunk)  # each of them comes (or came) as a "repo" or "lost" event
        self.successes += 1
        if self.size < self.max_batch and self.successes >= 2:
            self.size, self.successes = min(self.max_batch, self.size * 2), 0

    def fail(self, chunk: list[RepoTarget], why: str) -> None:
        for t in chunk:
            self.take(RepoResult(t, problems=[Problem(t.full_name, "fetch", why)], outcome="failed"))
