"""Plain-HTTP fetching for the hub and web adapters: bounded, polite, conditional, and closed to private networks.

Every request goes to http(s) URLs on public addresses only: the host is resolved at connect time and a
loopback, private, link-local, multicast or reserved address is refused (so a DNS answer cannot point the
crawler at an internal service), unless the host is in `[http] allow_hosts`. Redirects are followed by
hand, each hop checked again, and credentials are dropped when a redirect leaves the host they were
meant for. Secrets never reach a stored URL, a Problem or a log line.
"""

from __future__ import annotations

import email.utils
import ipaddress
import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from crawler.base import Context, SourceUnreachable
from registry.db import now
from registry.model import Document

if TYPE_CHECKING:
    from crawler.config import HttpConfig

__all__ = [
    "DeadlineExceeded",
    "FetchError",
    "Fetched",
    "Fetcher",
    "Refused",
    "Unreachable",
    "check_url",
    "fetcher_for",
    "is_public_address",
    "strip_params",
]

log = logging.getLogger("ohr.http")

#: Credential values of every Fetcher made in this process, kept out of third-party log lines too.
_SECRETS: set[str] = set()


class _ScrubSecrets(logging.Filter):
    """Replace credential values in a log record (httpx logs each request URL, api_key parameter included)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _SECRETS:
            msg = record.getMessage()
            clean = msg
            for secret in _SECRETS:
                clean = clean.replace(secret, "***")
            if clean != msg:
                record.msg, record.args = clean, ()
        return True


for _name in ("httpx", "httpcore.http11", "httpcore.connection", "ohr.http"):
    logging.getLogger(_name).addFilter(_ScrubSecrets())

_REDIRECTS = (301, 302, 303, 307, 308)
_RETRY_STATUSES = (429, 502, 503, 504)


class FetchError(Exception):
    """A request that could not be made or finished; ``kind`` names why for the Problem it becomes."""

    kind = "fetch"


class Refused(FetchError):
    """The URL is not one ohr may fetch: another scheme, or a host on a non-public address."""

    kind = "refused"


class Unreachable(FetchError, SourceUnreachable):
    """The host could not be reached (DNS, refused connection, timeouts after retries)."""

    kind = "unreachable"


class DeadlineExceeded(FetchError):
    """The run's overall time budget (`[http] run_seconds`) is spent."""

    kind = "deadline"


def is_public_address(addr: str) -> bool:
    """Whether an IP address is globally routable (not loopback, private, link-local, multicast, reserved)."""
    try:
        ip = ipaddress.ip_address(addr.split("%", 1)[0].strip("[]"))
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    bad = (ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_multicast or ip.is_reserved
           or ip.is_unspecified)
    return ip.is_global and not bad


def _host_allowed(host: str, allow: Iterable[str]) -> bool:
    return host.lower().strip("[]").rstrip(".") in {a.lower().strip("[]") for a in allow}


def check_url(url: str, allow_hosts: Iterable[str] = ()) -> str:
    """The URL if ohr may fetch it as written (http/https with a host; IP literals public or allowed).

    Host names are checked again when connecting, against every address they resolve to.
    """
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        raise Refused(f"not a URL: {url[:200]!r}") from None
    if parts.scheme.lower() not in ("http", "https"):
        what = f"{parts.scheme}: URLs" if parts.scheme else "relative URLs"
        raise Refused(f"only http(s) URLs are fetched, not {what}")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise Refused("URL without a host")
    try:
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        raise Refused("URL with a malformed port") from None
    if _host_allowed(host, allow_hosts):
        return url
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        if host.lower() == "localhost" or host.lower().endswith(".localhost"):
            raise Refused(f"{host} is not a public host") from None
        return url
    if not is_public_address(host):
        raise Refused(f"{host} is not a public address")
    return url


def strip_params(url: str, names: Iterable[str]) -> str:
    """The URL without the named query parameters (API keys never reach a stored URL)."""
    drop = {n.lower() for n in names}
    if not drop:
        return url
    parts = urlsplit(url)
    if not parts.query:
        return url
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k.lower() not in drop]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(kept), parts.fragment))


@dataclass
class Fetched:
    """What one GET answered: final status, body (None on error or past the size cap), headers, problems."""

    url: str
    final_url: str
    status: int
    content: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    not_modified: bool = False
    truncated: bool = False
    stored: Document | None = None

    @property
    def ok(self) -> bool:
        """A usable body: a 2xx answer read in full, or a 304 with the stored body."""
        return self.error is None and self.content is not None

    @property
    def etag(self) -> str | None:
        """The ETag to send next time."""
        return self.headers.get("etag") or (self.stored.etag if self.not_modified and self.stored else None)

    @property
    def last_modified(self) -> str | None:
        """The Last-Modified to send next time."""
        lm = self.headers.get("last-modified")
        return lm or (self.stored.last_modified if self.not_modified and self.stored else None)

    @property
    def content_type(self) -> str | None:
        """The media type without parameters, lower-case."""
        ct = self.headers.get("content-type")
        if not ct and self.not_modified and self.stored:
            ct = self.stored.content_type
        return ct.split(";", 1)[0].strip().lower() if ct else None

    def json(self) -> Any:
        """The body as JSON; ValueError when it is not (an HTML error page, a truncated body)."""
        if self.content is None:
            raise ValueError(self.error or "no body")
        try:
            return json.loads(self.content)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            kind = "HTML" if self.content.lstrip()[:1] == b"<" else "not JSON"
            raise ValueError(f"answer is {kind} ({len(self.content)} bytes): {exc}") from None

    def document(self, doc_kind: str, source: str, *, project_id: str | None = None,
                 path: str | None = None, error: str | None = None) -> Document:
        """This answer as a Document to keep (a 304 carries the stored body so it can be parsed again)."""
        return Document(
            url=self.url, doc_kind=doc_kind, source=source, fetched_at=now(),
            status=self.stored.status if self.not_modified and self.stored else self.status,
            content=self.content if (self.ok and error is None) or self.not_modified else None,
            etag=self.etag, last_modified=self.last_modified, content_type=self.content_type,
            project_id=project_id, path=path, error=error or self.error, not_modified=self.not_modified,
        )


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _guarded_transport(allow_hosts: list[str], on_refuse: Callable[[str], None]) -> Any:
    """An httpx transport whose connections go only to checked addresses (the address connected is the one checked)."""
    import httpcore
    import httpx

    class GuardedBackend(httpcore.SyncBackend):
        def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                        local_address: str | None = None, socket_options: Any = None) -> Any:
            if _host_allowed(host, allow_hosts):
                return super().connect_tcp(host, port, timeout, local_address, socket_options)
            try:
                infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            except (OSError, UnicodeError) as exc:
                raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from None
            addrs = [info[4][0] for info in infos]
            bad = [a for a in addrs if not is_public_address(a)]
            if bad or not addrs:
                on_refuse(host)
                raise Refused(f"{host} resolves to a non-public address ({bad[0] if bad else 'none'})")
            last: Exception | None = None
            for addr in dict.fromkeys(addrs):
                try:
                    return super().connect_tcp(addr, port, timeout, local_address, socket_options)
                except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                    last = exc
            assert last is not None
            raise last

    class GuardedTransport(httpx.HTTPTransport):
        def __init__(self) -> None:
            super().__init__(trust_env=False)
            self._pool = httpcore.ConnectionPool(
                ssl_context=httpx.create_ssl_context(trust_env=False), max_connections=10,
                max_keepalive_connections=5, keepalive_expiry=5.0, network_backend=GuardedBackend(),
            )

    return GuardedTransport()


class Fetcher:
    """One source run's HTTP client: one request at a time per host, conditional, capped, deadline-bound.

    ``auth_headers`` / ``auth_params`` are sent only to ``auth_hosts``; their values are secrets, scrubbed
    from every URL, message and log line this fetcher produces.
    """

    def __init__(
        self,
        cfg: HttpConfig,
        *,
        stored: Callable[[str], Document | None] | None = None,
        auth_headers: Mapping[str, str] | None = None,
        auth_params: Mapping[str, str] | None = None,
        auth_hosts: Iterable[str] = (),
        delay: float | None = None,
        max_bytes: int | None = None,
        on_request: Callable[[str, int], None] | None = None,
    ) -> None:
        self.cfg = cfg
        self.stored = stored
        self.auth_headers = {k: v for k, v in (auth_headers or {}).items() if v}
        self.auth_params = {k: v for k, v in (auth_params or {}).items() if v}
        self.auth_hosts = {h.lower() for h in auth_hosts}
        self.secrets = [v for v in [*self.auth_headers.values(), *self.auth_params.values()] if v]
        for v in list(self.secrets):
            if v.lower().startswith(("bearer ", "token ")):
                self.secrets.append(v.split(None, 1)[1])
        _SECRETS.update(v for v in self.secrets if len(v) >= 8)
        self.delay = cfg.per_host_delay if delay is None else delay
        self.host_delays: dict[str, float] = {}  # host -> a longer pause it asked for (robots.txt Crawl-delay)
        self.max_bytes = max_bytes or cfg.max_bytes
        self.on_request = on_request
        self.deadline = time.monotonic() + cfg.run_seconds if cfg.run_seconds else None
        self.requests = 0
        self.not_modified = 0
        self.paced = 0  # requests that waited for their host's spacing (per_host_delay, Crawl-delay)
        self.refused = 0
        self._last: dict[str, float] = {}
        self._host_locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()
        self._client: Any = None

    # -- lifecycle ----------------------------------------------------------------------------
    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        if self._client is not None:
            self._client.close()
            self._client = None

    def _http(self) -> Any:
        if self._client is None:
            import httpx

            self._client = httpx.Client(
                transport=_guarded_transport(list(self.cfg.allow_hosts), self._count_refusal),
                follow_redirects=False, trust_env=False,
                headers={"User-Agent": self.cfg.user_agent, "Accept-Encoding": "gzip, deflate"},
            )
        return self._client

    def _count_refusal(self, host: str) -> None:
        self.refused += 1

    # -- secrets ------------------------------------------------------------------------------
    def public(self, url: str) -> str:
        """The URL as it may be stored and shown: no secret parameters, no secret values."""
        return self.scrub(strip_params(url, self.auth_params))

    def scrub(self, text: str) -> str:
        """Text with every secret value replaced by `***`."""
        for s in self.secrets:
            if s:
                text = text.replace(s, "***")
        return text

    # -- requests -----------------------------------------------------------------------------
    def remaining(self) -> float | None:
        """Seconds left of the run's deadline (None when there is none)."""
        return None if self.deadline is None else self.deadline - time.monotonic()

    def get(
        self,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        conditional: bool = True,
        max_bytes: int | None = None,
        accept: str | None = None,
        store_as: str | None = None,
    ) -> Fetched:
        """GET a URL (params appended); never raises for an HTTP status, raises FetchError otherwise.

        Sends If-None-Match / If-Modified-Since from the stored document of the same public URL (or of
        ``store_as``, the URL the answer is kept under); a 304 returns the stored body. 429/5xx are retried
        (Retry-After honoured up to `max_retry_wait`).
        """
        if params:
            parts = urlsplit(url)
            query = parse_qsl(parts.query, keep_blank_values=True) + [
                (k, str(v)) for k, v in params.items() if v is not None]
            url = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))
        public = store_as or self.public(url)
        check_url(url, self.cfg.allow_hosts)
        prev = self.stored(public) if (conditional and self.stored) else None
        if prev is not None and prev.content is None:
            prev = None
        extra = dict(headers or {})
        if accept:
            extra["Accept"] = accept
        if prev is not None and prev.etag:
            extra["If-None-Match"] = prev.etag
        elif prev is not None and prev.last_modified:
            extra["If-Modified-Since"] = prev.last_modified
        attempt = 0
        while True:
            try:
                res = self._follow(url, public, extra, max_bytes or self.max_bytes)
            except Unreachable:
                if attempt >= self.cfg.retries:
                    raise
                self._sleep(self.cfg.retry_backoff * 2 ** attempt)
                attempt += 1
                continue
            if res.status in _RETRY_STATUSES:
                wait = _retry_after(res.headers.get("retry-after"))
                if wait is None:
                    wait = self.cfg.retry_backoff * 2 ** attempt
                if attempt < self.cfg.retries and wait <= self.cfg.max_retry_wait:
                    log.info("HTTP %s from %s; retrying in %.1f s", res.status, public, wait)
                    self._sleep(wait)
                    attempt += 1
                    continue
                if wait > self.cfg.max_retry_wait:
                    res.error = (f"HTTP {res.status}: asked to retry after {wait:.0f} s, more than "
                                 f"max_retry_wait ({self.cfg.max_retry_wait:.0f} s)")
            if res.status == 304 and prev is not None:
                res.not_modified, res.stored, res.content, res.error = True, prev, prev.content, None
                self.not_modified += 1
            return res

    def _sleep(self, seconds: float) -> None:
        left = self.remaining()
        if left is not None and seconds >= left:
            raise DeadlineExceeded(f"run deadline ({self.cfg.run_seconds:.0f} s) reached")
        time.sleep(max(0.0, seconds))

    def _host_lock(self, host: str) -> threading.Lock:
        with self._lock:
            return self._host_locks.setdefault(host, threading.Lock())

    def _follow(self, url: str, public: str, headers: dict[str, str], cap: int) -> Fetched:
        """One request and its redirects, each hop re-checked."""
        origin = (urlsplit(url).hostname or "").lower()
        seen = {url}
        current = url
        for _ in range(self.cfg.max_redirects + 1):
            host = (urlsplit(current).hostname or "").lower()
            send = dict(headers)
            target = current
            if host in self.auth_hosts or (not self.auth_hosts and host == origin):
                send.update(self.auth_headers)
                if self.auth_params:
                    parts = urlsplit(current)
                    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                             if k not in self.auth_params] + list(self.auth_params.items())
                    target = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))
            if host != origin:
                send.pop("If-None-Match", None)
                send.pop("If-Modified-Since", None)
            status, hdrs, body, error, truncated = self._once(target, host, send, cap)
            if status in _REDIRECTS and hdrs.get("location"):
                nxt = urljoin(current, hdrs["location"].strip())
                try:
                    check_url(nxt, self.cfg.allow_hosts)
                except Refused as exc:
                    return Fetched(public, self.public(current), status, None, hdrs,
                                   self.scrub(f"redirect refused: {exc}"))
                if nxt in seen:
                    return Fetched(public, self.public(current), status, None, hdrs,
                                   f"redirect loop at {self.public(nxt)}")
                seen.add(nxt)
                current = nxt
                continue
            return Fetched(public, self.public(current), status, body, hdrs, error, truncated=truncated)
        return Fetched(public, self.public(current), 310, None, {},
                       f"more than {self.cfg.max_redirects} redirects")

    def _once(self, url: str, host: str, headers: dict[str, str], cap: int
              ) -> tuple[int, dict[str, str], bytes | None, str | None, bool]:
        """Send one GET, read at most ``cap`` bytes of the body; (status, headers, body, error, truncated)."""
        import httpx

        left = self.remaining()
        if left is not None and left <= 0:
            raise DeadlineExceeded(f"run deadline ({self.cfg.run_seconds:.0f} s) reached")
        limit = min(self.cfg.request_seconds, left) if left is not None else self.cfg.request_seconds
        with self._host_lock(host):
            wait = self._last.get(host, 0.0) + max(self.delay, self.host_delays.get(host, 0.0)) - time.monotonic()
            if wait > 0:
                self.paced += 1
                self._sleep(wait)
            started = time.monotonic()
            self.requests += 1
            if self.on_request:
                self.on_request("requests", 1)
            log.debug("GET %s", self.public(url))
            timeout = httpx.Timeout(min(self.cfg.timeout, limit))
            try:
                with self._http().stream("GET", url, headers=headers, timeout=timeout) as resp:
                    hdrs = {k.lower(): v for k, v in resp.headers.items()}
                    status = resp.status_code
                    if status in _REDIRECTS or status == 304:
                        return status, hdrs, None, None, False
                    declared = hdrs.get("content-length", "")
                    if declared.isdigit() and int(declared) > cap:
                        return status, hdrs, None, f"answer larger than {cap} bytes ({declared}); not read", True
                    chunks: list[bytes] = []
                    size = 0
                    for chunk in resp.iter_bytes():
                        size += len(chunk)
                        if size > cap:
                            return status, hdrs, None, f"answer larger than {cap} bytes; stopped reading", True
                        if time.monotonic() - started > limit:
                            return status, hdrs, None, f"answer took longer than {limit:.0f} s; stopped reading", \
                                False
                        chunks.append(chunk)
                    body = b"".join(chunks)
                    for secret in self.secrets:  # a server echoing a credential back does not get it stored
                        if len(secret) >= 8:
                            body = body.replace(secret.encode(), b"***")
            except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError,
                    httpx.ProxyError, httpx.UnsupportedProtocol) as exc:
                from crawler.errors import describe

                raise Unreachable(self.scrub(f"{self.public(url)}: {describe(exc, host)}")[:500]) from None
            except httpx.DecodingError as exc:
                return 0, {}, None, self.scrub(f"undecodable answer: {exc}")[:300], False
            except httpx.InvalidURL as exc:  # e.g. an octal-looking host httpx will not parse
                raise Refused(self.scrub(f"not a valid URL: {exc}")[:300]) from None
            finally:
                self._last[host] = time.monotonic()
        error = None
        if status >= 400:
            snippet = body[:200].decode("utf-8", "replace").strip().replace("\n", " ")
            error = self.scrub(f"HTTP {status}" + (f": {snippet}" if snippet else ""))
            body = None
        return status, hdrs, body, error, False


def fetcher_for(ctx: Context, **kwargs: Any) -> Fetcher:
    """A Fetcher for one source run: the `[http]` settings, the stored documents, the run's counters.

    The per-source option `delay` overrides `[http] per_host_delay`; `max_bytes` overrides `[http] max_bytes`.
    """
    kwargs.setdefault("delay", ctx.source.get("delay"))
    kwargs.setdefault("max_bytes", ctx.source.get("max_bytes"))
    return Fetcher(ctx.config.http, stored=ctx.stored, on_request=ctx.count, **kwargs)
