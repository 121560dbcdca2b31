"""Turn transport and library exceptions into sentences a user can act on, for recorded problems and run messages.

A problem row that says `IncompleteRead(985 bytes read, 15 more expected)` tells a curator nothing; "the server
closed the connection after 985 bytes, 15 short of the answer" does. Unknown exceptions keep their own words.
"""

from __future__ import annotations

import re

__all__ = ["describe", "internal"]

_HOST = re.compile(r"host='([^']+)'|https?://([^/:\s'\"]+)")
_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p, re.I), s) for p, s in (
    (r"IncompleteRead\((\d+) bytes read, (\d+) more expected\)",
     "the server closed the connection after {0} bytes, {1} short of the answer"),
    (r"IncompleteRead\((\d+) bytes read\)",
     "the server closed the connection after {0} bytes, before the answer ended"),
    (r"InvalidChunkLength|ChunkedEncodingError", "the server sent a broken chunked answer"),
    (r"NameResolutionError|Name or service not known|nodename nor servname|Temporary failure in name resolution"
     r"|getaddrinfo failed|cannot resolve", "DNS lookup failed for {host} (no network?)"),
    (r"Connection refused", "connection refused by {host} (is the server running?)"),
    (r"Connection reset by peer|ConnectionResetError", "{host} reset the connection"),
    (r"RemoteDisconnected|Server disconnected without sending a response|without sending a response",
     "{host} closed the connection without answering"),
    (r"Read timed out|ReadTimeout", "{host} timed out before answering"),
    (r"ConnectTimeout|Connect timed out|connection timed out|timed out while connecting",
     "could not connect to {host} within the timeout"),
    (r"timed out|TimeoutException|PoolTimeout|WriteTimeout", "the request to {host} timed out"),
    (r"CERTIFICATE_VERIFY_FAILED|certificate verify failed", "{host}'s TLS certificate could not be verified"),
    (r"SSLError|\[SSL", "the TLS connection to {host} failed"),
    (r"Network is unreachable|No route to host", "no route to {host} (no network?)"),
    (r"ContentDecodingError|Error -3 while decompressing|incorrect header check",
     "the answer's compression was broken"),
    (r"RemoteProtocolError|illegal header|ProtocolError", "{host} broke the HTTP protocol"),
))


def describe(exc: BaseException | str, host: str | None = None) -> str:
    """One sentence for a transport failure (no exception reprs); other errors keep their own words, trimmed."""
    text = str(exc) if not isinstance(exc, str) else exc
    m = _HOST.search(text)
    host = host or ((m.group(1) or m.group(2)) if m else "the server")
    for rx, sentence in _RULES:
        hit = rx.search(text)
        if hit:
            return sentence.format(*hit.groups(), host=host)
    if not isinstance(exc, str) and not text:
        return f"{type(exc).__name__} (no message)"
    return text.strip().splitlines()[0][:300] if text.strip() else "no message"


def internal(exc: BaseException, what: str) -> str:
    """A sentence for an unexpected exception (a bug in ohr): what failed, its words, and what to do."""
    words = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else "no message"
    return (f"{what} failed on an internal error ({type(exc).__name__}: {words}); the crawl went on — "
            "please report it (OHR_DEBUG=1 logs the traceback)")
