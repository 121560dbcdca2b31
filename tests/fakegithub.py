"""A small GitHub REST v3 server on 127.0.0.1 for tests: repos, contents, trees, README, search,
ETags and 304s, rate-limit headers, renamed (301) and deleted (404) repos, and fault injection.
With `graphql=True` it also answers POST /graphql (GitHub's v4 API, the part the crawler asks: aliased
repositories, HEAD commit, object(expression:) trees and blobs, rateLimit; NOT_FOUND per alias, renames
followed, a points budget, a too-heavy query answered like GitHub's timeout) and serves /raw/ downloads.

It answers the way GitHub documents it, so PyGithub and httpx talk to it for real.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

__all__ = ["FakeGitHub", "FakeRepo", "Reply"]


@dataclass
class FakeRepo:
    """A repository the server knows: files (path -> bytes) plus metadata overrides."""

    full_name: str
    files: dict[str, bytes] = field(default_factory=dict)
    description: str | None = None
    stars: int = 0
    forks: int = 0
    topics: list[str] = field(default_factory=list)
    pushed_at: str = "2020-04-01T00:00:00Z"
    created_at: str = "2020-03-15T00:00:00Z"
    archived: bool = False
    fork: bool = False
    parent: str | None = None
    homepage: str | None = None
    default_branch: str = "main"
    licence_spdx: str | None = None
    extra_tree: list[str] = field(default_factory=list)  # paths listed in the tree without content


@dataclass
class Reply:
    """A canned answer a fault hook returns instead of the normal one."""

    status: int
    body: bytes | str | dict | list = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False  # close the connection without answering
    truncate: int | None = None  # send only this many body bytes, announcing the full length


class FakeGitHub:
    """Start with `with FakeGitHub(repos) as gh:`; `gh.url` is the API base URL."""

    def __init__(self, repos: list[FakeRepo] | None = None, limit: int = 5000, anon_limit: int = 60,
                 graphql: bool = False) -> None:
        self.lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self.reset(repos, limit, anon_limit, graphql)

    def reset(self, repos: list[FakeRepo] | None = None, limit: int = 5000, anon_limit: int = 60,
              graphql: bool = False) -> None:
        """Serve these repositories with fresh counters, log and faults (one server shared by many tests)."""
        self.repos: dict[str, FakeRepo] = {}
        self.graphql = graphql  # False: POST /graphql is 404, as on a REST-only host
        self.gql_limit = 5000
        self.gql_used = 0
        self.gql_window = 3600.0  # seconds of a GraphQL points window, from the first query
        self.gql_reset_at: float | None = None
        self.gql_max_repos = 1000  # a query naming more repositories fails like GitHub's timeout (502)
        self.gql_parent = True  # False: the schema has no Repository.parent (an older host)
        self.gql_log: list[dict[str, Any]] = []
        self.gql_fault: Callable[[str, int], Reply | None] | None = None
        self.renamed: dict[str, str] = {}
        for r in repos or []:
            self.add(r)
        self.limit, self.anon_limit = limit, anon_limit
        self.used = {"token": 0, "none": 0}
        self.reset_at = int(time.time()) + 3600
        self.log: list[dict[str, Any]] = []
        self.fault: Callable[[str, dict[str, str], int], Reply | None] | None = None
        self.latency = 0.0  # seconds slept before answering every request (a real network's round trip)
        self.last_modified: str | None = None  # when set, 200s carry it and If-Modified-Since gets 304s
        self.etags = True  # False: answer without ETag (so only Last-Modified can make a request conditional)

    # -- setup --------------------------------------------------------------------------------
    def add(self, repo: FakeRepo) -> None:
        """Serve a repository (replacing one of the same name)."""
        self.repos[repo.full_name.lower()] = repo

    def rename(self, old: str, new_repo: FakeRepo) -> None:
        """Make `old` answer 301 to the new repository, as GitHub does after a rename."""
        self.repos.pop(old.lower(), None)
        self.add(new_repo)
        self.renamed[old.lower()] = new_repo.full_name

    def delete(self, full_name: str) -> None:
        """Make a repository answer 404."""
        self.repos.pop(full_name.lower(), None)

    @property
    def counted(self) -> int:
        """Requests that counted against the rate limit."""
        return sum(1 for e in self.log if e["counted"])

    def __enter__(self) -> FakeGitHub:
        handler = type("Handler", (_Handler,), {"gh": self})
        self._server = _Server(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def head_oid(self, r: FakeRepo) -> str:
        """The HEAD commit: it moves when a file or pushed_at changes."""
        parts = [r.full_name, r.pushed_at] + [f"{p}:{hashlib.sha1(d).hexdigest()}" for p, d in sorted(r.files.items())]
        return hashlib.sha1("\n".join(parts).encode()).hexdigest()

    # -- answers ------------------------------------------------------------------------------
    def repo_json(self, r: FakeRepo) -> dict[str, Any]:
        lic = None
        if r.licence_spdx:
            lic = {"key": r.licence_spdx.lower(), "name": r.licence_spdx, "spdx_id": r.licence_spdx}
        data = {
            "id": int(hashlib.sha1(r.full_name.encode()).hexdigest()[:8], 16), "full_name": r.full_name,
            "name": r.full_name.split("/")[1], "owner": {"login": r.full_name.split("/")[0]},
            "html_url": f"https://github.com/{r.full_name}", "url": f"{self.url}/repos/{r.full_name}",
            "description": r.description, "homepage": r.homepage, "topics": r.topics,
            "stargazers_count": r.stars, "forks_count": r.forks, "archived": r.archived, "fork": r.fork,
            "default_branch": r.default_branch, "created_at": r.created_at, "pushed_at": r.pushed_at,
            "updated_at": r.pushed_at, "license": lic, "private": False, "visibility": "public",
        }
        if r.parent:
            data["parent"] = {"full_name": r.parent}
        return data

    def content_json(self, r: FakeRepo, path: str) -> dict[str, Any]:
        data = r.files[path]
        return {
            "type": "file", "encoding": "base64", "size": len(data), "name": path.rsplit("/", 1)[-1],
            "path": path, "content": base64.encodebytes(data).decode(),
            "sha": hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest(),
            "download_url": f"{self.url}/raw/{r.full_name}/{r.default_branch}/{quote(path)}",
        }

    def answer(self, path: str, query: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        parts = [unquote(p) for p in path.strip("/").split("/")]
        if parts[:2] == ["search", "repositories"]:
            q = query.get("q", "").lower().split()
            words = [w for w in q if ":" not in w]
            topics = [w[6:] for w in q if w.startswith("topic:")]
            hits = [r for r in self.repos.values()
                    if all(w in (r.full_name + " " + (r.description or "")).lower() for w in words)
                    and all(t in r.topics for t in topics)]
            hits.sort(key=lambda r: r.full_name.lower())
            per, page = int(query.get("per_page", 30)), int(query.get("page", 1))
            chunk = hits[(page - 1) * per: page * per]
            headers = {}
            if page * per < len(hits):
                headers["Link"] = (f'<{self.url}/search/repositories?q={quote(query.get("q", ""))}'
                                   f'&per_page={per}&page={page + 1}>; rel="next"')
            return 200, {"total_count": len(hits), "incomplete_results": False,
                         "items": [self.repo_json(r) for r in chunk]}, headers
        if len(parts) >= 2 and parts[0] == "repositories":
            for r in self.repos.values():
                if str(self.repo_json(r)["id"]) == parts[1]:
                    return self.answer("/repos/" + r.full_name + "/" + "/".join(parts[2:]), query)
            return 404, {"message": "Not Found"}, {}
        if parts[0] == "raw" and len(parts) >= 5:
            r = self.repos.get(f"{parts[1]}/{parts[2]}".lower())
            data = r.files.get("/".join(parts[4:])) if r else None
            return (200, data, {"Content-Type": "application/octet-stream"}) if data is not None else (
                404, b"404: Not Found", {"Content-Type": "text/plain"})
        if parts[0] != "repos" or len(parts) < 3:
            return 404, {"message": "Not Found"}, {}
        name = f"{parts[1]}/{parts[2]}".lower()
        if name in self.renamed and name not in self.repos:
            new = self.repos[self.renamed[name].lower()]
            rid = self.repo_json(new)["id"]
            rest = "/".join(parts[3:])
            return 301, {"message": "Moved Permanently"}, {
                "Location": f"{self.url}/repositories/{rid}" + (f"/{rest}" if rest else "")}
        r = self.repos.get(name)
        if r is None:
            return 404, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}, {}
        rest = parts[3:]
        if not rest:
            return 200, self.repo_json(r), {}
        if rest == ["readme"]:
            tops = sorted(p for p in r.files if "/" not in p and p.lower().startswith("readme"))
            return (200, self.content_json(r, tops[0]), {}) if tops else (404, {"message": "Not Found"}, {})
        if rest[0] == "contents":
            p = "/".join(rest[1:])
            if p in r.files:
                return 200, self.content_json(r, p), {}
            return 404, {"message": "Not Found"}, {}
        if rest[:2] == ["git", "trees"]:
            paths = sorted(set(r.files) | set(r.extra_tree))
            tree = [{"path": p, "type": "blob", "mode": "100644", "size": len(r.files.get(p, b"x" * 10)),
                     "sha": hashlib.sha1(p.encode()).hexdigest()} for p in paths]
            return 200, {"sha": "0" * 40, "tree": tree, "truncated": False}, {}
        return 404, {"message": "Not Found"}, {}


_SDL = """
type Query { repository(owner: String!, name: String!, followRenames: Boolean): Repository  rateLimit: RateLimit }
type RateLimit { cost: Int! limit: Int! remaining: Int! resetAt: String! }
type RepositoryOwner { login: String! }
type Language { name: String! }
type License { key: String! name: String! spdxId: String }
type Topic { name: String! }
type RepositoryTopic { topic: Topic! }
type RepositoryTopicConnection { nodes: [RepositoryTopic] }
type Ref { name: String! target: GitObject }
interface GitObject { oid: String! }
type Commit implements GitObject { oid: String! committedDate: String! }
type Tree implements GitObject { oid: String! entries: [TreeEntry!] }
type Blob implements GitObject { oid: String! text: String byteSize: Int! isBinary: Boolean isTruncated: Boolean! }
type TreeEntry { name: String! path: String type: String! size: Int! oid: String! object: GitObject }
type Repository {
  name: String! nameWithOwner: String! owner: RepositoryOwner! description: String homepageUrl: String
  stargazerCount: Int! forkCount: Int! isArchived: Boolean! isFork: Boolean! createdAt: String! updatedAt: String!
  pushedAt: String primaryLanguage: Language licenseInfo: License defaultBranchRef: Ref
  repositoryTopics(first: Int): RepositoryTopicConnection!
  object(expression: String): GitObject
  parent: Repository
}
"""
_SCHEMAS: dict[bool, Any] = {}
TEXT_LIMIT = 512 * 1024  # Blob.text is cut past this (isTruncated), as on GitHub


def _schema(parent: bool = True) -> Any:
    """The schema; without `Repository.parent` when asked (an older host, as ../shared's fake)."""
    if parent not in _SCHEMAS:
        from graphql import build_schema

        sdl = _SDL if parent else _SDL.replace("  parent: Repository\n", "")
        schema = build_schema(sdl)
        schema.type_map["GitObject"].resolve_type = lambda obj, _info, _t: obj["__typename"]
        _SCHEMAS[parent] = schema
    return _SCHEMAS[parent]


def _graphql(gh: FakeGitHub, body: bytes) -> tuple[int, dict[str, Any], int]:
    """(status, answer, points) of one POST /graphql body against the fake's repositories."""
    from graphql import GraphQLError, graphql_sync

    try:
        req = json.loads(body or b"{}")
        query, variables = req["query"], req.get("variables") or {}
    except (ValueError, KeyError, TypeError):
        return 400, {"message": "Problems parsing JSON"}, 0
    from graphql import parse, validate

    try:  # as on GitHub, a query that does not parse or validate costs nothing
        errors = validate(_schema(gh.gql_parent), parse(query))
    except GraphQLError as exc:
        errors = [exc]
    if errors:
        return 200, {"errors": [{"message": e.message, "path": e.path} for e in errors]}, 0
    names = query.count("repository(")
    points = max(1, round(query.count("repositoryTopics(") / 100))
    if names > gh.gql_max_repos:
        why = "Something went wrong while executing your query. This may be the result of a timeout."
        return 502, {"data": None, "errors": [{"message": why}]}, points
    with gh.lock:
        if gh.gql_reset_at is None or time.time() >= gh.gql_reset_at:  # a new window
            gh.gql_used, gh.gql_reset_at = 0, time.time() + gh.gql_window
        if gh.gql_used + points > gh.gql_limit:
            return 200, {"errors": [{"type": "RATE_LIMITED", "message": "API rate limit exceeded for user ID 1."}]}, 0
        gh.gql_used += points
        rate = {"cost": points, "limit": gh.gql_limit, "remaining": gh.gql_limit - gh.gql_used,
                "resetAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(gh.gql_reset_at))}

    def blob(r: FakeRepo, path: str) -> dict[str, Any]:
        data = r.files.get(path)
        if data is None:
            return {"__typename": "Blob", "oid": hashlib.sha1(path.encode()).hexdigest(), "text": None,
                    "byteSize": 10, "isBinary": True, "isTruncated": False}
        try:
            text = None if b"\0" in data[:8000] else data[:TEXT_LIMIT].decode("utf-8")
        except UnicodeDecodeError:
            text = data[:TEXT_LIMIT].decode("utf-8", "replace")
        return {"__typename": "Blob", "oid": hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest(),
                "text": text, "byteSize": len(data), "isBinary": text is None,
                "isTruncated": text is not None and len(data) > TEXT_LIMIT}

    def tree(r: FakeRepo, folder: str) -> dict[str, Any] | None:
        prefix = folder + "/" if folder else ""
        kids: dict[str, str] = {}
        for p in sorted(set(r.files) | set(r.extra_tree)):
            if p.startswith(prefix):
                head = p[len(prefix):].split("/", 1)
                kids.setdefault(head[0], "tree" if len(head) > 1 else "blob")
        if folder and not kids:
            return None
        entries = [{"name": n, "path": prefix + n, "type": k, "oid": hashlib.sha1((prefix + n).encode()).hexdigest(),
                    "size": len(r.files.get(prefix + n, b"x" * 10)) if k == "blob" else 0,
                    "object": (lambda _i, f=prefix + n, k=k: blob(r, f) if k == "blob" else tree(r, f))}
                   for n, k in sorted(kids.items())]
        return {"__typename": "Tree", "oid": hashlib.sha1(("tree:" + folder).encode()).hexdigest(), "entries": entries}

    def obj(r: FakeRepo, expression: str | None) -> dict[str, Any] | None:
        rev, colon, path = (expression or "").partition(":")
        if rev not in ("HEAD", r.default_branch, gh.head_oid(r)):
            return None
        if not colon:
            return {"__typename": "Commit", "oid": gh.head_oid(r), "committedDate": r.pushed_at}
        path = path.strip("/")
        return blob(r, path) if path in r.files or path in r.extra_tree else tree(r, path)

    def repository(_i: Any, owner: str, name: str, followRenames: bool = True) -> dict[str, Any]:  # noqa: N803
        key = f"{owner}/{name}".lower()
        if key not in gh.repos and key in gh.renamed:
            key = gh.renamed[key].lower()
        r = gh.repos.get(key)
        if r is None:
            raise GraphQLError(f"Could not resolve to a Repository with the name '{owner}/{name}'.")
        lic = ({"key": r.licence_spdx.lower(), "name": r.licence_spdx, "spdxId": r.licence_spdx}
               if r.licence_spdx else None)
        return {
            "name": r.full_name.split("/")[1], "nameWithOwner": r.full_name,
            "owner": {"login": r.full_name.split("/")[0]}, "description": r.description, "homepageUrl": r.homepage,
            "stargazerCount": r.stars, "forkCount": r.forks,
            "isArchived": r.archived, "isFork": r.fork, "createdAt": r.created_at, "updatedAt": r.pushed_at,
            "pushedAt": r.pushed_at, "primaryLanguage": None, "licenseInfo": lic,
            "defaultBranchRef": {"name": r.default_branch, "target": {"__typename": "Commit", "oid": gh.head_oid(r),
                                                                    "committedDate": r.pushed_at}},
            "repositoryTopics": lambda _i, first=None: {"nodes": [{"topic": {"name": x}} for x in r.topics]},
            "object": lambda _i, expression=None: obj(r, expression),
            "parent": {"nameWithOwner": r.parent} if r.parent else None,
        }

    res = graphql_sync(_schema(gh.gql_parent), query,
                       root_value={"repository": repository, "rateLimit": lambda _i: rate},
                       variable_values=variables)
    out: dict[str, Any] = {"data": res.data}
    if res.errors:
        out["errors"] = [{"type": "NOT_FOUND" if e.message.startswith("Could not resolve") else None,
                          "message": e.message, "path": e.path} for e in res.errors]
    return 200, out, points


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        import sys

        if not isinstance(sys.exc_info()[1], OSError | ValueError):  # a dropped or cut connection is a fault
            super().handle_error(request, client_address)  # we injected; anything else is a bug to show


class _Handler(BaseHTTPRequestHandler):
    gh: FakeGitHub
    protocol_version = "HTTP/1.1"
    # headers and body go out in two writes: with Nagle on, the body waits for the client's delayed ACK
    # (~40 ms on Linux) on every kept-alive request — a delay no real server adds
    disable_nagle_algorithm = True

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        gh = self.gh
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if gh.latency:
            time.sleep(gh.latency)
        with gh.lock:
            nth = len(gh.gql_log) + 1
        path = urlsplit(self.path).path.rstrip("/")
        extra: dict[str, str] = {}
        reply = gh.gql_fault(body.decode("utf-8", "replace"), nth) if gh.gql_fault else None
        if path not in ("/graphql", "/api/graphql") or not gh.graphql:
            status, payload, points = 404, {"message": "Not Found"}, 0
        elif not self.headers.get("Authorization"):
            status, payload, points = 401, {"message": "This endpoint requires you to be authenticated."}, 0
        elif reply is not None:
            status, payload, points, extra = reply.status, reply.body, 0, dict(reply.headers)
        else:
            status, payload, points = _graphql(gh, body)
        raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        with gh.lock:
            try:
                text = str(json.loads(body)["query"])
            except (ValueError, KeyError, TypeError):
                text = body.decode("utf-8", "replace")
            gh.gql_log.append({"status": status, "points": points, "repositories": text.count("repository("),
                               "query": text})
            remaining = max(0, gh.gql_limit - gh.gql_used)
        self.send_response(status)
        hdrs = {"Content-Type": "application/json; charset=utf-8", "Content-Length": str(len(raw)),
                "X-RateLimit-Limit": str(gh.gql_limit), "X-RateLimit-Remaining": str(remaining),
                "X-RateLimit-Reset": str(int(gh.gql_reset_at or gh.reset_at) + 1), "X-RateLimit-Resource": "graphql",
                **extra}
        for k, v in hdrs.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(raw)

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        gh = self.gh
        url = urlsplit(self.path)
        path = url.path.rstrip("/") or "/"
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        authed = bool(self.headers.get("Authorization"))
        bucket = "token" if authed else "none"
        limit = gh.limit if authed else gh.anon_limit
        headers = {k.lower(): v for k, v in self.headers.items()}
        if gh.latency:
            time.sleep(gh.latency)
        with gh.lock:
            nth = len(gh.log) + 1
        reply = gh.fault(path, headers, nth) if gh.fault else None
        counted = path != "/rate_limit" and not path.startswith("/raw/")  # raw downloads are free, as on GitHub
        if path == "/rate_limit":
            with gh.lock:
                core = {"limit": limit, "used": gh.used[bucket], "remaining": max(0, limit - gh.used[bucket]),
                        "reset": gh.reset_at}
            status, body, extra = 200, {"resources": {"core": core, "search": core}, "rate": core}, {}
        elif reply is not None:
            if reply.delay:
                time.sleep(reply.delay)
            if reply.drop:
                with gh.lock:
                    gh.log.append({"path": self.path, "status": 0, "counted": False, "authed": authed})
                self.close_connection = True
                self.connection.close()
                return
            status, body, extra = reply.status, reply.body, dict(reply.headers)
        else:
            with gh.lock:
                spent = gh.used[bucket] >= limit
            if spent:
                status, body, extra = 403, {"message": "API rate limit exceeded for 127.0.0.1.",
                                            "documentation_url": "https://docs.github.com/rest/rate-limit"}, {}
                counted = False
            else:
                status, body, extra = gh.answer(path, query)
        raw = body if isinstance(body, bytes) else body.encode() if isinstance(body, str) else \
            json.dumps(body).encode()
        if status == 200:
            tag = '"' + hashlib.sha1(raw).hexdigest() + '"'
            if gh.etags:
                extra.setdefault("ETag", tag)
            if gh.last_modified:
                extra.setdefault("Last-Modified", gh.last_modified)
            if (gh.etags and self.headers.get("If-None-Match") == extra["ETag"]) or (
                    gh.last_modified and self.headers.get("If-Modified-Since") == gh.last_modified
                    and not (gh.etags and self.headers.get("If-None-Match"))):
                status, raw = 304, b""
                counted = counted and not authed
        with gh.lock:
            if counted:
                gh.used[bucket] += 1
            used = gh.used[bucket]
            gh.log.append({"path": self.path, "status": status, "counted": counted, "authed": authed})
        self.send_response(status)
        hdrs = {"Content-Type": "application/json; charset=utf-8", "X-RateLimit-Limit": str(limit),
                "X-RateLimit-Remaining": str(max(0, limit - used)), "X-RateLimit-Used": str(used),
                "X-RateLimit-Reset": str(gh.reset_at), "X-RateLimit-Resource": "core"}
        hdrs.update(extra)
        truncate = reply.truncate if reply is not None else None
        hdrs["Content-Length"] = str(len(raw))
        for k, v in hdrs.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(raw[:truncate] if truncate is not None else raw)
        if truncate is not None:
            self.close_connection = True
