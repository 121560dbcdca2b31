"""GitHub REST access through PyGithub: any v3-compatible base URL, conditional requests, a visible budget.

PyGithub's default retry sleeps until the rate limit resets (up to an hour); here it is configured
deliberately: bounded retries with backoff on 5xx, a capped wait on rate limits, then a clean stop.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from crawler.config import GitHubConfig

__all__ = ["GitHubClient", "RateLimited", "Response", "Unreachable"]


class RateLimited(Exception):
    """The GitHub budget is spent (or a limit asked for a longer wait than configured)."""

    def __init__(self, message: str, reset_at: float | None = None) -> None:
        super().__init__(message)
        self.reset_at = reset_at


class Unreachable(Exception):
    """The API host could not be reached at all (DNS, refused, timeout after retries)."""


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


class GitHubClient:
    """A thread-safe wrapper around one PyGithub `Github` object, counting what it spends."""

    def __init__(self, cfg: GitHubConfig) -> None:
        import logging

        from github import Auth, Github, GithubRetry

        logging.getLogger("github").setLevel(logging.WARNING)  # its INFO lines repeat every URL
        self.cfg = cfg
        token = cfg.token
        retry = GithubRetry(
            total=cfg.retries,
            backoff_factor=0.5,
            max_rate_limit_wait=cfg.max_rate_limit_wait,
            secondary_rate_wait=min(60.0, cfg.max_rate_limit_wait),
        )
        self.authenticated = token is not None
        self.gh = Github(
            auth=Auth.Token(token) if token else None,
            base_url=cfg.api_url,
            timeout=int(max(1, cfg.timeout)),
            retry=retry,
            pool_size=max(1, cfg.concurrency),
            seconds_between_requests=cfg.seconds_between_requests or None,
            seconds_between_writes=None,
            per_page=100,
        )
        self._lock = threading.Lock()
        self.requests = 0
        self.not_modified = 0
        self.remaining: int | None = None
        self.limit: int | None = None
        self.reset_at: float | None = None

    # -- budget -------------------------------------------------------------------------------
    def refresh_budget(self) -> int | None:
        """Ask /rate_limit (free) how many requests remain; None if the host does not say."""
        try:
            status, headers, body = self.gh.requester.requestJson("GET", "/rate_limit")
        except Exception:  # noqa: BLE001 - a host without /rate_limit is fine
            return self.remaining
        if status == 200:
            try:
                core = json.loads(body)["resources"]["core"]
                with self._lock:
                    self.remaining, self.limit = int(core["remaining"]), int(core["limit"])
                    self.reset_at = float(core.get("reset") or 0) or None
            except (ValueError, KeyError, TypeError):
                pass
        return self.remaining

    def budget_left(self, need: int = 1) -> bool:
        """Whether at least ``need`` counted requests remain (True when unknown)."""
        with self._lock:
            return self.remaining is None or self.remaining >= need

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
            rem = headers.get("x-ratelimit-remaining")
            if rem is not None and headers.get("x-ratelimit-resource", "core") == "core":
                try:
                    self.remaining = int(rem)
                    self.limit = int(headers.get("x-ratelimit-limit", self.limit or 0)) or self.limit
                    self.reset_at = float(headers.get("x-ratelimit-reset", 0)) or self.reset_at
                except ValueError:
                    pass

    # -- requests -----------------------------------------------------------------------------
    def get(
        self,
        path: str,
        etag: str | None = None,
        last_modified: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> Response:
        """GET an API path; conditional when an ETag or Last-Modified is given. Never raises on 4xx/5xx."""
        import requests
        from github import GithubException, RateLimitExceededException

        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        elif last_modified:
            headers["If-Modified-Since"] = last_modified
        try:
            status, raw_headers, body = self.gh.requester.requestJson("GET", path, params, headers)
        except RateLimitExceededException as exc:
            self._note({}, 403)
            raise RateLimited(f"GitHub rate limit: {_message(exc.data)}", self.reset_at) from None
        except requests.exceptions.RetryError as exc:
            self._note({}, 599)
            return Response(path, 599, error=f"gave up after retries: {_short(exc)}")
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
            self._note({}, 0)
            raise Unreachable(_short(exc)) from None
        except GithubException as exc:
            self._note({}, exc.status or 0)
            return Response(path, exc.status or 0, error=_message(exc.data))
        hdrs = {k.lower(): v for k, v in (raw_headers or {}).items()}
        self._note(hdrs, status)
        resp = Response(path, status, etag=hdrs.get("etag"), last_modified=hdrs.get("last-modified"), headers=hdrs)
        if status == 304:
            return resp
        data: Any = None
        if body:
            try:
                data = json.loads(body)
            except ValueError:
                resp.error = f"malformed JSON ({len(body)} bytes)"
                resp.status = status if status >= 400 else 598
                return resp
        if status >= 400:
            if status in (403, 429) and _is_rate_limit(hdrs, data):
                raise RateLimited(f"GitHub rate limit ({status}): {_message(data)}", self.reset_at)
            resp.error = f"HTTP {status}: {_message(data)}"
        resp.data = data
        return resp


def _is_rate_limit(headers: dict[str, str], data: Any) -> bool:
    msg = _message(data).lower()
    return headers.get("x-ratelimit-remaining") == "0" or "rate limit" in msg or "retry-after" in headers


def _message(data: Any) -> str:
    if isinstance(data, dict) and data.get("message"):
        return str(data["message"])[:300]
    return str(data)[:300] if data else "no message"


def _short(exc: BaseException) -> str:
    text = str(exc)
    for marker in ("Caused by ", "NewConnectionError", "NameResolutionError"):
        if marker in text:
            text = text[text.index(marker):]
            break
    return text[:300]
