"""The `ohr serve` web app: Starlette routes over queries/web/pages.py, read-only unless started with a curator token.

Safety, in one place: every page is rendered by Jinja2 with autoescaping on; every response carries a strict
Content-Security-Policy (no script at all, styles and fonts from this server only, images from this server
and — unless `remote_images` is off — from http(s) hosts, which is how README pictures show); only
http(s) URLs become links or images; requests must name this server's own host (DNS rebinding); a write
needs the curator cookie set from the token printed at start *and* the form's CSRF token derived from it,
and is refused when the browser says it comes from another origin. Writes go through registry.curate in
one transaction each, as the CLI's do, so they land in the same audit log.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from jinja2 import Environment, FileSystemLoader
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

__all__ = ["COOKIE", "create_app", "csp", "environment", "new_token"]

HERE = Path(__file__).resolve().parent
COOKIE = "ohr_curator"
LOCAL_HOSTS = ["127.0.0.1", "localhost", "::1", "[::1]"]


def new_token() -> str:
    """A curator token: 32 random bytes, URL-safe."""
    return secrets.token_urlsafe(32)


def csp(remote_images: bool, scripts: bool = False) -> str:
    """The Content-Security-Policy of every page (the static export allows its one search script from 'self')."""
    img = "'self' http: https:" if remote_images else "'self'"
    script = "'self'" if scripts else "'none'"
    return (f"default-src 'none'; script-src {script}; style-src 'self'; img-src {img}; "
            "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")


def safe_href(url: Any) -> str | None:
    """The URL when it is http(s) (what may become a link or an image), else None: no javascript:, data: or file:."""
    if not isinstance(url, str):
        return None
    u = url.strip()
    parts = urlsplit(u)
    if parts.scheme.lower() in ("http", "https") and parts.netloc and not any(c in u for c in "\"'<>\\ \n\r\t"):
        return u
    return None


def _fmt(value: Any) -> str:
    """A cell as text: lists joined, floats trimmed, timestamps to the minute, None empty."""
    from datetime import datetime

    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(_fmt(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, float):
        return f"{value:g}" if value != int(value) or abs(value) < 1e15 else str(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


def environment(project_href: Any, static: bool = False) -> Environment:
    """The Jinja2 environment of the pages (autoescape on for everything); `project_href(id)` links a project."""
    env = Environment(loader=FileSystemLoader(str(HERE / "templates")), autoescape=True, trim_blocks=True,
                      lstrip_blocks=True)
    env.globals.update(project_href=project_href, static=static, safe_href=safe_href)
    env.filters["cell"] = _fmt
    return env


class _Registry:
    """The registry file as the pages read it: one read-only connection, kept while pages come and closed after
    `idle` seconds without one, so a crawl or the CLI gets the write lock between pages (they wait for it); one
    request at a time holds it, and a curator's write closes it first (DuckDB refuses a read-only and a
    read-write open of one file in one process)."""

    def __init__(self, path: Path, idle: float = 0.5) -> None:
        self.path = path
        self.idle = idle
        self.lock = threading.Lock()
        self._open: Any = None
        self._con: Any = None
        self._timer: threading.Timer | None = None

    @contextmanager
    def read(self) -> Iterator[Any]:
        from registry.db import reader

        with self.lock:
            if self._con is None:
                self._open = reader(self.path)
                self._con = self._open.__enter__()
            try:
                yield self._con
            finally:
                if self._timer is not None:
                    self._timer.cancel()
                self._timer = threading.Timer(self.idle, self._close_idle)
                self._timer.daemon = True
                self._timer.start()

    def _close_idle(self) -> None:
        with self.lock:
            self._close()

    def _close(self) -> None:
        if self._con is not None:
            self._con = None
            self._open.__exit__(None, None, None)

    def close(self) -> None:
        """Close the read connection now (the server is stopping)."""
        with self.lock:
            if self._timer is not None:
                self._timer.cancel()
            self._close()

    @contextmanager
    def write(self) -> Iterator[Any]:
        from registry.db import writer

        with self.lock:
            self._close()
            with writer(self.path) as con:
                con.execute("BEGIN TRANSACTION")
                try:
                    yield con
                    con.execute("COMMIT")
                except BaseException:
                    con.execute("ROLLBACK")
                    raise


class _Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _security_headers(app: Any, policy: str) -> Any:
    """ASGI middleware: the CSP and its companions on every response."""
    extra = [(b"content-security-policy", policy.encode()), (b"x-content-type-options", b"nosniff"),
             (b"referrer-policy", b"same-origin"), (b"x-frame-options", b"DENY"),
             (b"cross-origin-opener-policy", b"same-origin")]

    async def wrapped(scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        t0 = time.perf_counter()

        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":  # Server-Timing: what bench/serve.py reads
                took = f"app;dur={(time.perf_counter() - t0) * 1000:.1f}".encode()
                message = {**message, "headers": [*message.get("headers", []), *extra, (b"server-timing", took)]}
            await send(message)

        await app(scope, receive, send_with_headers)

    return wrapped


def create_app(db: Path, token: str | None = None, remote_images: bool = True,
               allowed_hosts: list[str] | None = None, by: str | None = None) -> Any:
    """The ASGI app over registry `db`; with `token`, curator mode (writes need it); read-only without."""
    from queries.web import pages

    reg = _Registry(Path(db))
    csrf = hmac.new(token.encode(), b"ohr-csrf", hashlib.sha256).hexdigest() if token else None
    env = environment(lambda pid: "/project/" + quote(pid, safe="/"))
    default_by = by

    cache: dict[Any, tuple[Any, Any]] = {}

    def cached(key: Any, compute: Any) -> Any:
        """Aggregates over the whole registry (facet counts, charts), kept while the file is unchanged."""
        from registry.db import file_stamp

        stamp = file_stamp(reg.path)
        hit = cache.get(key)
        if hit is not None and hit[0] == stamp:
            return hit[1]
        value = compute()
        if len(cache) >= 256:
            cache.clear()
        cache[key] = (stamp, value)
        return value

    def facets(values: dict[str, Any], compute: Any) -> Any:
        key = ("facets", json.dumps({k: v for k, v in values.items() if k != "lim"}, sort_keys=True))
        return cached(key, compute)

    def is_curator(request: Request) -> bool:
        return bool(token) and hmac.compare_digest(request.cookies.get(COOKIE, ""), token or "")

    def page(request: Request, template: str, status: int = 200, **ctx: Any) -> HTMLResponse:
        cur = is_curator(request)
        html = env.get_template(template).render(
            curator=cur, curator_mode=bool(token), csrf=csrf if cur else None, remote_images=remote_images,
            notice=request.query_params.get("done"), by=default_by, **ctx)
        return HTMLResponse(html, status_code=status)

    def error(request: Request, status: int, message: str) -> HTMLResponse:
        return page(request, "error.html", status=status, status_code=status, message=message)

    async def search(request: Request) -> Response:
        args = {k: request.query_params.getlist(k) for k in request.query_params}
        values = pages.search_values(args)

        def work() -> dict[str, Any]:
            with reg.read() as con:
                return pages.search_page(con, values, facets)

        data = await run_in_threadpool(work)
        return page(request, "search.html", args={k: v[0] for k, v in args.items() if v}, values=values,
                    qs=_qs(args), **data)

    async def project(request: Request) -> Response:
        ref = request.path_params["pid"]

        def work() -> tuple[str, dict[str, Any]] | None:
            from registry.curate import FIELDS, KINDS, follow_aliases

            with reg.read() as con:
                row = con.execute("SELECT id FROM projects WHERE id = ?", [ref]).fetchone()
                if row is None:
                    return None
                pid = follow_aliases(con, row[0])
                d = pages.project_page(con, pid)
                d["kinds"], d["fields"] = list(KINDS), list(FIELDS)
                return pid, d

        found = await run_in_threadpool(work)
        if found is None:
            return error(request, 404, f"no project {ref!r}")
        pid, d = found
        if pid != ref:
            return RedirectResponse("/project/" + quote(pid, safe="/"), status_code=303)
        return page(request, "project.html", pid=pid, d=d)

    async def analysts(request: Request) -> Response:
        def work() -> tuple[list[Any], list[dict[str, Any]]]:
            from queries.sqlfiles import available, load

            with reg.read() as con:
                return [load(n) for n in available()], cached("charts", lambda: pages.analyst_charts(con))

        queries_, charts = await run_in_threadpool(work)
        return page(request, "analysts.html", queries=queries_, charts=charts)

    def _query_work(name: str, params: dict[str, str]) -> tuple[Any, list[str], list[tuple]]:
        with reg.read() as con:
            return pages.run_query(con, name, params)

    async def query(request: Request) -> Response:
        import duckdb

        name = request.path_params["name"]
        params = {k: v for k, v in request.query_params.items() if v != ""}
        try:
            q, cols, rows = await run_in_threadpool(_query_work, name, params)
        except KeyError:
            return error(request, 404, f"no curated query {name!r}")
        except duckdb.Error as exc:
            return error(request, 400, f"query {name}: {str(exc).strip().splitlines()[0]}")
        return page(request, "query.html", q=q, cols=cols, rows=rows[:1000], total=len(rows), params=params,
                    download=urlencode(params))

    async def download(request: Request) -> Response:
        import duckdb

        from queries.output import emit

        name, ext = request.path_params["name"], request.path_params["ext"]
        params = {k: v for k, v in request.query_params.items() if v != ""}
        if ext not in ("csv", "json"):
            return error(request, 404, "downloads are .csv or .json")
        try:
            _, cols, rows = await run_in_threadpool(_query_work, name, params)
        except KeyError:
            return error(request, 404, f"no curated query {name!r}")
        except duckdb.Error as exc:
            return error(request, 400, f"query {name}: {str(exc).strip().splitlines()[0]}")
        buf = io.StringIO()
        emit(cols, rows, ext, out=buf)
        media = "text/csv; charset=utf-8" if ext == "csv" else "application/json"
        return Response(buf.getvalue(), media_type=media,
                        headers={"content-disposition": f'attachment; filename="{name}.{ext}"'})

    async def review(request: Request) -> Response:
        from registry.curate import review_queue

        def work() -> list[dict[str, Any]]:
            with reg.read() as con:
                return cached("review", lambda: review_queue(con))

        queue = await run_in_threadpool(work)
        return page(request, "review.html", queue=queue[:200], total=len(queue))

    async def login(request: Request) -> Response:
        if not token:
            return error(request, 403, "this server is read-only: start it with `ohr serve --curator` to curate")
        if request.method == "GET":
            return page(request, "login.html")
        form = await _form(request)
        if not _same_origin(request):
            return error(request, 403, "refused: the form came from another site")
        if not hmac.compare_digest(form.get("token", ""), token):
            return page(request, "login.html", status=403, failed=True)
        resp = RedirectResponse("/", status_code=303)
        resp.set_cookie(COOKIE, token, httponly=True, samesite="strict", path="/")
        return resp

    async def logout(request: Request) -> Response:
        resp = RedirectResponse("/", status_code=303)
        resp.delete_cookie(COOKIE, path="/")
        return resp

    async def curate(request: Request) -> Response:
        from queries.cli_common import OhrError, lookup_id
        from registry import curate as cur
        from registry.curate import CurationError

        action = request.path_params["action"]
        form = await _form(request)
        try:
            if not token:
                raise _Refused(403, "this server is read-only: start it with `ohr serve --curator` to curate")
            if not is_curator(request):
                raise _Refused(403, "refused: no curator token (log in at /login with the token printed at start)")
            if not csrf or not hmac.compare_digest(form.get("csrf", ""), csrf):
                raise _Refused(403, "refused: the form's CSRF token is missing or wrong")
            if not _same_origin(request):
                raise _Refused(403, "refused: the form came from another site")
        except _Refused as exc:
            return error(request, exc.status, str(exc))
        pid = form.get("pid", "")
        who = (form.get("by") or "").strip() or default_by or "web-curator"
        note = form.get("note", "")

        def work() -> str:
            with reg.write() as con:
                if action == "flag":
                    e = cur.flag(con, pid, form.get("kind", ""), note, who, form.get("of") or None)
                    return f"flagged {e['new_value']}"
                if action == "unflag":
                    cur.unflag(con, pid, form.get("kind", ""), who, note or None)
                    return f"unflagged {form.get('kind')}"
                if action == "set":
                    e = cur.set_field(con, pid, form.get("field", ""), form.get("value", ""), note, who)
                    return f"set {e['target']}"
                if action == "unset":
                    e = cur.unset_field(con, pid, form.get("field", ""), who, note or None)
                    return f"unset {e['target']}"
                if action == "merge":
                    try:
                        absorb = lookup_id(con, form.get("absorb", ""))
                    except OhrError as exc:
                        raise CurationError(str(exc)) from None
                    cur.merge(con, pid, absorb, who, note or None)
                    return f"merged {absorb}"
                if action == "split":
                    cur.split(con, form.get("alias", ""), who, note or None)
                    return f"split {form.get('alias')}"
                if action == "review":
                    done = cur.mark_reviewed(con, [p for p in form.get_all("pid") if p], who, note or None)
                    return f"reviewed {len(done)}"
                raise CurationError(f"unknown action {action!r}")

        try:
            done = await run_in_threadpool(work)
        except CurationError as exc:
            return error(request, 400, str(exc))
        back = form.get("back") or ("/project/" + quote(pid, safe="/") if pid else "/")
        if not back.startswith("/") or back.startswith("//"):
            back = "/"
        sep = "&" if "?" in back else "?"
        return RedirectResponse(f"{back}{sep}{urlencode({'done': done})}", status_code=303)

    async def not_found(request: Request, exc: Exception) -> Response:
        return error(request, 404, "no such page")

    async def failed(request: Request, exc: Exception) -> Response:
        from registry.db import RegistryBusy, RegistryMissing

        if isinstance(exc, RegistryBusy | RegistryMissing):
            return error(request, 503, str(exc))
        return error(request, 500, f"internal error: {type(exc).__name__} (a bug; see the server's log)")

    routes = [
        Route("/", search),
        Route("/project/{pid:path}", project),
        Route("/analysts", analysts),
        Route("/analysts/{name}.{ext}", download),
        Route("/analysts/{name}", query),
        Route("/review", review),
        Route("/login", login, methods=["GET", "POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/curate/{action}", curate, methods=["POST"]),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    hosts = allowed_hosts if allowed_hosts is not None else LOCAL_HOSTS
    middleware = [Middleware(TrustedHostMiddleware, allowed_hosts=hosts)] if "*" not in hosts else []
    app = Starlette(routes=routes, middleware=middleware, exception_handlers={404: not_found, Exception: failed})
    return _security_headers(app, csp(remote_images))


class _Form:
    """A urlencoded form body (no multipart: every form here is plain fields)."""

    def __init__(self, data: dict[str, list[str]]) -> None:
        self.data = data

    def get(self, key: str, default: str = "") -> str:
        v = self.data.get(key)
        return v[0] if v else default

    def get_all(self, key: str) -> list[str]:
        return list(self.data.get(key, []))


async def _form(request: Request) -> _Form:
    body = await request.body()
    if len(body) > 100_000:
        return _Form({})
    return _Form(parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True))


def _same_origin(request: Request) -> bool:
    """False when the browser says the request comes from another origin (Origin, else Referer); True when silent."""
    mine = f"{request.url.scheme}://{request.url.netloc}"
    origin = request.headers.get("origin")
    if origin and origin != "null":
        return origin == mine
    if origin == "null":
        return False
    referer = request.headers.get("referer")
    if referer:
        p = urlsplit(referer)
        return f"{p.scheme}://{p.netloc}" == mine
    return True


def _qs(args: dict[str, list[str]]) -> Any:
    """A helper for templates: this search's query string with some parameters set, toggled or dropped."""

    def build(**changes: Any) -> str:
        merged = {k: list(v) for k, v in args.items() if k not in ("done",)}
        for k, v in changes.items():
            if v is None:
                merged.pop(k, None)
            else:
                merged[k] = [str(v)]
        return "?" + urlencode([(k, x) for k, vs in merged.items() for x in vs if x != ""])

    return build
