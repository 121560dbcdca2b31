"""GitHub REST access through PyGithub: any v3-compatible base URL, conditional requests, a visible budget.

PyGithub's own retry (GithubRetry) sleeps silently — until the reset on a primary limit, for the whole
`Retry-After` on a secondary one whatever `max_rate_limit_wait` says, and not at all on a 429 without
`Retry-After`. So urllib3 here only retries transport failures and 5xx with a short backoff, and rate
limits are handled in `GitHubClient.get`: every thread pauses together, the wait is logged, and a wait
longer than `[github] max_rate_limit_wait` raises `RateLimited` so the run stops cleanly instead.

PyGithub's `Requester` shares one connection object whose `request()`/`getresponse()` pair is not
thread-safe (two threads can swap URLs), so each worker thread gets its own `Github` object; at most
`[github] concurrency` requests are in flight across all of them.
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

from crawler.config import GitHubConfig

__all__ = ["GitHubClient", "RateLimited", "Response", "Stopped", "Unreachable"]

log = logging.getLogger("ohr.github")
T = TypeVar("T")

#: Transport failures in a row (timeouts, resets, truncated bodies) after which the host counts as unreachable.
MAX_FAILURES_IN_A_ROW = 12


class RateLimited(Exception):
    """The GitHub budget is spent (or a limit asked for a longer wait than configured)."""

    def __init__(self, message: str, reset_at: float | None = None) -> None:
        super().__init__(message)
        self.reset_at = reset_at


class Unreachable(Exception):
    """The API host could not be reached at all (DNS, refused, timeout after retries)."""


class Stopped(Exception):
    """The run was asked to stop (a signal) while a request waited."""


@dataclass
class Response:
    """What one GET answered: status, parsed JSON (None on 304 or error), and caching headers."""

    url: str
    status: int
    data: Any = None
    etag: str | None = None
    last_modified: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    location: str | None = None

    @property
    def not_modified(self) -> bool:
        """True when the server answered 304 to a conditional request."""
        return self.status == 304


def _retry_class(on_retry: Callable[[], None]) -> type:
    """A urllib3 Retry that tells the client about every retried attempt, so `requests` counts them."""
    from urllib3.util.retry import Retry

    class _CountingRetry(Retry):
        def increment(self, *args: Any, **kwargs: Any) -> Retry:
            on_retry()
            return super().increment(*args, **kwargs)

    return _CountingRetry


class GitHubClient:
    """Thread-safe GitHub access: one PyGithub requester per thread, shared budget, pauses and counters."""

    def __init__(self, cfg: GitHubConfig, stop: threading.Event | None = None) -> None:
        import github  # noqa: F401 - importing it sets its logger to INFO with its own handler: import first

        logging.getLogger("github").setLevel(logging.WARNING)  # its INFO lines repeat every URL
        logging.getLogger("urllib3.connectionpool").setLevel(logging.ERROR)  # retries are counted, not printed
        self.cfg = cfg
        self.stop = stop or threading.Event()
        self.authenticated = cfg.token is not None
        retries = max(0, cfg.retries)
        self._retry = _retry_class(self._count_retry)(
            total=retries, connect=retries, read=retries, status=retries, other=0, redirect=3,
            status_forcelist=(500, 502, 503, 504), allowed_methods=frozenset({"GET", "HEAD"}),
            backoff_factor=0.25, backoff_max=8.0, backoff_jitter=0.1, raise_on_status=False,
            respect_retry_after_header=False,  # 403/429 Retry-After is honoured in get(), capped and logged
        )
        self._local = threading.local()
        self._clients: list[Any] = []
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(max(1, cfg.concurrency))
        self._pause_until = 0.0  # monotonic time before which nobody sends (a rate-limit backoff)
        self._next_slot = 0.0  # monotonic time of the next request when seconds_between_requests is set
        self._failures_in_a_row = 0
        self._pool: ThreadPoolExecutor | None = None
        self.exhausted: str | None = None  # why no request is worth sending any more this run
        self.requests = 0
        self.not_modified = 0
        self.rate_waited = 0.0
        self.remaining: int | None = None
        self.limit: int | None = None
        self.reset_at: float | None = None

    # -- plumbing -----------------------------------------------------------------------------
    def _requester(self) -> Any:
        req = getattr(self._local, "requester", None)
        if req is None:
            from github import Auth, Github

            token = self.cfg.token
            timeout = max(0.05, float(self.cfg.timeout))
            gh = Github(
                auth=Auth.Token(token) if token else None,
                base_url=self.cfg.api_url,
                timeout=max(1, math.ceil(timeout)),  # PyGithub asserts an int
                retry=self._retry,
                pool_size=1,
                seconds_between_requests=None,  # throttled here, across threads (PyGithub's is per requester)
                seconds_between_writes=None,
                per_page=100,
            )
            req = self._local.requester = gh.requester
            _cap_responses(req, self.cfg.max_response_bytes, self.cfg.request_seconds)
            if hasattr(req, "_Requester__timeout"):  # requests takes fractions of a second; PyGithub does not
                req._Requester__timeout = timeout
            with self._lock:
                self._clients.append(gh)
        return req

    def close(self) -> None:
        """Close every thread's connections and the helper pool."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            clients, self._clients = self._clients, []
        for gh in clients:
            try:
                gh.close()
            except Exception:  # noqa: BLE001,S110 - closing is best effort
                pass

    def parallel(self, calls: Iterable[Callable[[], T]]) -> list[T]:
        """Run independent fetches of one repository side by side (still at most `concurrency` on the wire)."""
        calls = list(calls)
        if len(calls) <= 1 or self.cfg.concurrency <= 1:
            return [c() for c in calls]
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=max(2, self.cfg.concurrency * 2),
                                                thread_name_prefix="gh-io")
            pool = self._pool
        futures = [pool.submit(c) for c in calls]
        return [f.result() for f in futures]

    def _count_retry(self) -> None:
        with self._lock:
            self.requests += 1

    def _gate(self) -> None:
        """Wait out a shared rate-limit pause and the configured spacing between requests."""
        while True:
            if self.stop.is_set():
                raise Stopped("stop requested")
            if self.exhausted:
                raise RateLimited(self.exhausted, self.reset_at)
            with self._lock:
                now = time.monotonic()
                wait = self._pause_until - now
                if wait <= 0:
                    gap = self.cfg.seconds_between_requests
                    if not gap:
                        return
                    slot = max(now, self._next_slot)
                    self._next_slot = slot + gap
                    wait = slot - now
                    if wait <= 0:
                        return
                    paused = False
                else:
                    paused = True
            if self.stop.wait(min(wait, 1.0) if paused else wait):
                raise Stopped("stop requested")
            if not paused:
                return

    # -- budget -------------------------------------------------------------------------------
    def refresh_budget(self) -> int | None:
        """Ask /rate_limit (free) how many requests remain, unless a response already said; None if unknown."""
        if self.remaining is not None:
            return self.remaining
        try:
            with self._slots:
                status, headers, body = self._requester().requestJson("GET", "/rate_limit")
        except Exception:  # noqa: BLE001 - a host without /rate_limit is fine
            return self.remaining
        if status == 200:
            try:
                core = json.loads(body)["resources"]["core"]
                with self._lock:
                    self.remaining, self.limit = int(core["remaining"]), int(core["limit"])
                    self.reset_at = float(core.get("reset") or 0) or None
            except (ValueError, KeyError, TypeError, RecursionError):
                pass
        return self.remaining

    def budget_left(self, need: int = 1) -> bool:
        """Whether at least ``need`` counted requests remain, or come back within max_rate_limit_wait.

        True when unknown; False once a limit asked for a longer wait than allowed.
        """
        with self._lock:
            if self.exhausted:
                return False
            if self.remaining is None or self.remaining >= need:
                return True
            return bool(self.reset_at) and self.reset_at - time.time() <= self.cfg.max_rate_limit_wait

    def reset_text(self) -> str:
        """When the budget comes back, for messages."""
        if not self.reset_at:
            return "later"
        return time.strftime("%H:%M:%S UTC", time.gmtime(self.reset_at))

    def _note(self, headers: dict[str, str], status: int) -> None:
        with self._lock:
            self.requests += 1
            if status == 304:
                self.not_modified += 1
            if status:
                self._failures_in_a_row = 0
            rem = headers.get("x-ratelimit-remaining")
            if rem is not None and headers.get("x-ratelimit-resource", "core") == "core":
                try:
                    self.remaining = int(float(rem))
                    self.limit = int(float(headers.get("x-ratelimit-limit", self.limit or 0))) or self.limit
                    self.reset_at = float(headers.get("x-ratelimit-reset", 0)) or self.reset_at
                except ValueError:
                    pass

    def _transport_failure(self, path: str, why: str) -> Response:
        """A request that got no usable answer: recorded against its item, unless too many fail in a row."""
        with self._lock:
            self.requests += 1
            self._failures_in_a_row += 1
            many = self._failures_in_a_row >= MAX_FAILURES_IN_A_ROW
        if many:
            raise Unreachable(f"{MAX_FAILURES_IN_A_ROW} requests in a row failed; last: {why}")
        return Response(path, 0, error=why)

    # -- rate limits --------------------------------------------------------------------------
    def _limit_wait(self, status: int, headers: dict[str, str], body: str, attempt: int) -> tuple[str, float] | None:
        """('primary'|'secondary', seconds to wait) when a 403/429 is a rate limit; None for a plain refusal."""
        msg = _message(_loads(body)).lower()
        retry_after = _retry_after(headers.get("retry-after"))
        if retry_after is None and (headers.get("x-ratelimit-remaining") == "0" or "api rate limit exceeded" in msg):
            reset = _float(headers.get("x-ratelimit-reset")) or self.reset_at or time.time() + 60
            return "primary", max(1.0, reset - time.time() + 1)
        if retry_after is not None or status == 429 or "rate limit" in msg or "abuse" in msg:
            base = retry_after if retry_after is not None else self.cfg.secondary_rate_wait * 2 ** attempt
            return "secondary", max(0.0, base)
        return None

    def _spent(self, headers: dict[str, str], wait: float) -> str:
        """Why the run stops on a spent primary limit, from the refusing answer's own headers (the first answer
        of a run may be this 403, and a search limit is not the core one the client tracks)."""
        resource = headers.get("x-ratelimit-resource", "core")
        limit = _float(headers.get("x-ratelimit-limit"))
        if limit is None and resource == "core":
            limit = self.limit
        reset = _float(headers.get("x-ratelimit-reset")) or (self.reset_at if resource == "core" else None)
        what = "GitHub rate limit" if resource in ("core", "") else f"GitHub {resource} rate limit"
        per = "a minute" if resource == "search" else "an hour"
        text = f"{what} spent ({int(limit)} requests {per})" if limit else f"{what} spent"
        if reset:
            text += f"; it resets at {time.strftime('%H:%M:%S UTC', time.gmtime(reset))}, in {wait:.0f} s"
        text += f" — more than [github] max_rate_limit_wait = {self.cfg.max_rate_limit_wait:g} s"
        if not self.authenticated:
            text += "; set GITHUB_TOKEN for a higher limit (5,000 requests an hour, 30 searches a minute)"
        return text

    def _wait_for_limit(self, kind: str, wait: float, status: int, path: str, attempt: int,
                        headers: dict[str, str] | None = None) -> None:
        """Pause every thread for ``wait`` seconds with a visible message, or raise RateLimited if too long."""
        cap = self.cfg.max_rate_limit_wait
        until = time.strftime("%H:%M:%S UTC", time.gmtime(time.time() + wait))
        if wait > cap or attempt > max(1, self.cfg.retries):
            if kind == "primary":
                reason = self._spent(headers or {}, wait)
                with self._lock:
                    self.exhausted = self.exhausted or reason
            elif wait > cap:
                reason = (f"GitHub secondary rate limit (HTTP {status}) asks for {wait:.0f} s — more than "
                          f"[github] max_rate_limit_wait = {cap:g} s")
            else:
                reason = f"GitHub secondary rate limit (HTTP {status}) persists after {attempt} waits"
            raise RateLimited(reason, self.reset_at)
        with self._lock:
            now = time.monotonic()
            target = now + wait
            self.rate_waited += max(0.0, target - max(now, self._pause_until))  # overlapping waits count once
            self._pause_until = max(self._pause_until, target)
        log.warning("GitHub %s rate limit (HTTP %d on %s): every request waits %.0f s, until %s "
                    "(max_rate_limit_wait %g s)", kind, status, path, wait, until, cap)

    # -- requests -----------------------------------------------------------------------------
    def get(
        self,
        path: str,
        etag: str | None = None,
        last_modified: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> Response:
        """GET an API path, conditional on a stored ETag and/or Last-Modified; never raises on 4xx/5xx.

        Raises RateLimited (budget spent, or a wait over the cap), Unreachable (host down) and Stopped.
        """
        import requests
        from github import GithubException

        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        attempt = 0
        broken = 0
        while True:
            self._gate()
            try:
                with self._slots:
                    status, raw_headers, body = self._requester().requestJson("GET", path, params, dict(headers))
            except requests.exceptions.ConnectionError as exc:
                if _host_down(exc):
                    with self._lock:
                        self.requests += 1
                    raise Unreachable(_short(exc)) from None
                return self._transport_failure(path, f"no answer after {self.cfg.retries} retries: {_short(exc)}")
            except requests.exceptions.Timeout as exc:
                return self._transport_failure(path, f"timed out: {_short(exc)}")
            except TooLarge as exc:
                self._note({}, 0)
                return Response(path, 0, error=str(exc))
            except requests.exceptions.RequestException as exc:  # truncated or undecodable body
                broken += 1
                if broken <= max(0, self.cfg.retries):
                    with self._lock:
                        self.requests += 1
                    continue
                return self._transport_failure(path, f"broken response: {_short(exc)}")
            except GithubException as exc:
                self._note({}, exc.status or 0)
                return Response(path, exc.status or 0, error=_message(exc.data))
            except RuntimeError as exc:  # PyGithub refuses a redirect to another host or scheme
                self._note({}, 0)
                return Response(path, 0, error=str(exc)[:300])
            hdrs = {k.lower(): v for k, v in (raw_headers or {}).items()}
            token = self.cfg.token or ""
            if len(token) >= 8 and body and token in body:  # a host echoing the token back (not a toy "t")
                body = body.replace(token, "***")
            self._note(hdrs, status)
            if status in (403, 429):
                limit = self._limit_wait(status, hdrs, body, attempt)
                if limit is not None:
                    attempt += 1
                    self._wait_for_limit(limit[0], limit[1], status, path, attempt, hdrs)
                    continue
            break
        resp = Response(path, status, etag=hdrs.get("etag"), last_modified=hdrs.get("last-modified"), headers=hdrs)
        if status == 304:
            return resp
        data: Any = None
        if body:
            try:
                data = json.loads(body)
            except (ValueError, RecursionError):
                resp.error = f"malformed JSON ({len(body)} bytes, HTTP {status})"
                resp.status = status if status >= 400 else 598
                return resp
        if status >= 400:
            resp.error = f"HTTP {status}: {_message(data)}"
        resp.data = data
        return resp


class TooLarge(Exception):
    """An answer over `[github] max_response_bytes` (not read, or read no further) or slower than
    `request_seconds` (a server dripping bytes never trips the per-read timeout)."""


class _CappedRaw:
    """A urllib3 response whose body stops with TooLarge past the size cap or the time cap (requests reads
    it through stream())."""

    def __init__(self, raw: Any, cap: int, deadline: float, seconds: float) -> None:
        self._raw, self._cap, self._deadline, self._seconds = raw, cap, deadline, seconds

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)

    def stream(self, amt: int = 2 ** 16, decode_content: bool | None = None) -> Iterator[bytes]:
        size = 0
        while True:  # read1 returns what has arrived, so a dripping server is noticed between its bytes
            chunk = self._raw.read1(min(amt or 2 ** 16, 2 ** 16), decode_content=decode_content)
            if not chunk:
                return
            size += len(chunk)
            if size > self._cap:
                self._raw.close()
                raise TooLarge(f"answer larger than {self._cap} bytes; stopped reading")
            if time.monotonic() > self._deadline:
                self._raw.close()
                raise TooLarge(f"answer took longer than {self._seconds:.0f} s; stopped reading")
            yield chunk


def _cap_responses(requester: Any, cap: int, seconds: float) -> None:
    """Make one PyGithub requester refuse answers over ``cap`` bytes or ``seconds`` (a session response hook)."""

    def hook(r: Any, *args: Any, **kwargs: Any) -> Any:
        declared = r.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > cap:
            r.close()
            raise TooLarge(f"answer larger than {cap} bytes ({declared} declared); not read")
        r.raw = _CappedRaw(r.raw, cap, time.monotonic() + seconds, seconds)
        return r

    for attr in ("_Requester__connectionClass", "_Requester__httpConnectionClass", "_Requester__httpsConnectionClass"):
        base = getattr(requester, attr, None)
        if base is None or getattr(base, "_ohr_capped", False):
            continue

        class Capped(base):  # type: ignore[misc, valid-type]
            _ohr_capped = True

            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                self.session.hooks["response"].append(hook)

        setattr(requester, attr, Capped)


def _host_down(exc: BaseException) -> bool:
    """Whether a connection error means the host is unreachable (refused, DNS, connect timeout)."""
    from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError

    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NewConnectionError | NameResolutionError | ConnectTimeoutError)


def _loads(body: str) -> Any:
    try:
        return json.loads(body) if body else None
    except (ValueError, RecursionError):
        return body


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _message(data: Any) -> str:
    if isinstance(data, dict) and data.get("message"):
        return str(data["message"])[:300]
    return str(data)[:300] if data else "no message"


def _short(exc: BaseException) -> str:
    """One readable sentence for a transport failure (DNS, refused, timeout, truncated answer)."""
    from crawler.errors import describe

    return describe(exc)
