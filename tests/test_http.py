"""The shared fetcher against loopback servers: size cap, redirects, SSRF refusals, retries, secrets, timeouts."""

from __future__ import annotations

import socket
import time
from datetime import datetime

import pytest
from loopback import serve
from werkzeug import Response

from crawler.config import HttpConfig
from crawler.http import DeadlineExceeded, Fetcher, Refused, Unreachable, check_url, is_public_address
from registry.model import Document


def cfg(**kw) -> HttpConfig:
    base = dict(allow_hosts=["127.0.0.1"], per_host_delay=0.0, retries=1, retry_backoff=0.01, timeout=2.0)
    base.update(kw)
    return HttpConfig(**base)


def test_get_sends_user_agent_and_params(server):
    server.expect_request("/x", query_string="a=1&b=two").respond_with_json({"ok": True})
    with Fetcher(cfg()) as f:
        res = f.get(server.url_for("/x?a=1"), params={"b": "two", "none": None})
    assert res.ok and res.json() == {"ok": True}
    assert res.content_type == "application/json"
    assert server.log[0][0].headers["User-Agent"].startswith("ohr/")


def test_size_cap_declared_and_streamed(server):
    server.expect_request("/big").respond_with_data(b"x" * 5000)

    def chunked(_request):
        return Response((b"y" * 1000 for _ in range(10)), content_type="text/plain")  # no Content-Length

    server.expect_request("/stream").respond_with_handler(chunked)
    server.expect_request("/small").respond_with_data(b"z" * 100)
    with Fetcher(cfg(max_bytes=2000)) as f:
        big = f.get(server.url_for("/big"))
        stream = f.get(server.url_for("/stream"))
        small = f.get(server.url_for("/small"))
    assert big.truncated and big.content is None and "larger than 2000 bytes" in big.error
    assert stream.truncated and stream.content is None and "stopped reading" in stream.error
    assert small.ok and small.content == b"z" * 100
    doc = big.document("page", "s")
    assert doc.content is None and doc.error and "larger than" in doc.error


def test_redirects_followed_loop_and_limit(server):
    server.expect_request("/old").respond_with_data("", status=301, headers={"Location": "/new"})
    server.expect_request("/new").respond_with_data("fresh")
    server.expect_request("/a").respond_with_data("", status=302, headers={"Location": "/b"})
    server.expect_request("/b").respond_with_data("", status=302, headers={"Location": "/a"})
    for i in range(10):
        server.expect_request(f"/hop{i}").respond_with_data("", status=307, headers={"Location": f"/hop{i + 1}"})
    with Fetcher(cfg(max_redirects=3)) as f:
        moved = f.get(server.url_for("/old"))
        loop = f.get(server.url_for("/a"))
        chain = f.get(server.url_for("/hop0"))
    assert moved.ok and moved.content == b"fresh" and moved.final_url.endswith("/new")
    assert moved.url.endswith("/old")  # stored under the URL that was asked for
    assert loop.content is None and "redirect loop" in loop.error
    assert chain.content is None and "more than 3 redirects" in chain.error


def test_redirect_to_other_scheme_or_private_address_refused(server):
    server.expect_request("/file").respond_with_data("", status=302, headers={"Location": "file:///etc/passwd"})
    server.expect_request("/meta").respond_with_data(
        "", status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})
    with Fetcher(cfg()) as f:
        a = f.get(server.url_for("/file"))
        b = f.get(server.url_for("/meta"))
    assert a.content is None and "redirect refused" in a.error and "file" in a.error
    assert b.content is None and "redirect refused" in b.error and "169.254.169.254" in b.error


@pytest.mark.parametrize("url", [
    "http://10.0.0.1/", "http://169.254.169.254/latest/meta-data/", "http://[::1]:80/",
    "http://[::ffff:127.0.0.1]/", "http://0.0.0.0/", "http://224.0.0.1/", "http://localhost/",
    "file:///etc/passwd", "ftp://example.org/x", "javascript:alert(1)", "data:text/html,hi", "/relative",
])
def test_ssrf_refused_before_any_connection(url):
    with Fetcher(cfg(allow_hosts=[])) as f, pytest.raises(Refused):
        f.get(url)
    assert f.requests == 0


def test_loopback_refused_unless_allow_listed(server):
    server.expect_request("/x").respond_with_data("hi")
    with Fetcher(cfg(allow_hosts=[])) as f, pytest.raises(Refused):
        f.get(server.url_for("/x"))
    with Fetcher(cfg(allow_hosts=["127.0.0.1"])) as f:
        assert f.get(server.url_for("/x")).content == b"hi"


def test_host_name_resolving_to_loopback_refused_at_connect(server):
    name = socket.gethostname()
    try:
        addrs = {i[4][0] for i in socket.getaddrinfo(name, None)}
    except OSError:
        pytest.skip("host name does not resolve")
    if any(is_public_address(a) for a in addrs):
        pytest.skip("host name resolves to a public address here")
    server.expect_request("/x").respond_with_data("hi")
    url = f"http://{name}:{server.port}/x"
    check_url(url)  # a name passes the syntax check; the connect-time check refuses it
    with Fetcher(cfg(allow_hosts=["127.0.0.1"])) as f, pytest.raises(Refused, match="non-public"):
        f.get(url)
    assert f.refused == 1 and len(server.log) == 0


def test_public_address_classes():
    assert is_public_address("8.8.8.8") and is_public_address("2606:4700::1111")
    for a in ("127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1",
              "::1", "fe80::1", "fc00::1", "::ffff:10.0.0.1", "240.0.0.1", "ff02::1", "not-an-ip"):
        assert not is_public_address(a), a


def test_timeout_raises_unreachable():
    def slow(_request):
        time.sleep(0.6)
        return Response("late")

    with serve() as own:  # its own server: the slow handler holds it
        own.expect_request("/slow").respond_with_handler(slow)
        with Fetcher(cfg(timeout=0.2, retries=0)) as f, pytest.raises(Unreachable, match="timed out"):
            f.get(own.url_for("/slow"))


def test_unreachable_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with Fetcher(cfg(retries=0)) as f, pytest.raises(Unreachable):
        f.get(f"http://127.0.0.1:{port}/")


def test_run_deadline(server):
    server.expect_request("/x").respond_with_data("hi")
    with Fetcher(cfg(run_seconds=0.2, per_host_delay=0.5)) as f:
        f.get(server.url_for("/x"))
        with pytest.raises(DeadlineExceeded):
            f.get(server.url_for("/x"))  # the per-host pause would pass the deadline


def test_retry_after_honoured_and_capped(server):
    server.expect_ordered_request("/busy").respond_with_data("slow down", status=429, headers={"Retry-After": "0"})
    server.expect_ordered_request("/busy").respond_with_json({"n": 1})
    server.expect_request("/later").respond_with_data("", status=503, headers={"Retry-After": "3600"})
    with Fetcher(cfg(max_retry_wait=5)) as f:
        ok = f.get(server.url_for("/busy"))
        capped = f.get(server.url_for("/later"))
    assert ok.ok and ok.json() == {"n": 1}
    assert capped.content is None and "3600" in capped.error and "max_retry_wait" in capped.error
    assert [e[0].path for e in server.log].count("/later") == 1  # not asked again after a wait it refused


def test_server_error_retried_then_reported(server):
    server.expect_request("/down").respond_with_data("<html>Bad gateway</html>", status=502)
    with Fetcher(cfg(retries=2)) as f:
        res = f.get(server.url_for("/down"))
    assert res.status == 502 and res.content is None and res.error.startswith("HTTP 502")
    assert len(server.log) == 3


def test_html_instead_of_json(server):
    server.expect_request("/api").respond_with_data("<html><body>Maintenance</body></html>",
                                                    content_type="text/html")
    with Fetcher(cfg()) as f:
        res = f.get(server.url_for("/api"))
    with pytest.raises(ValueError, match="HTML"):
        res.json()


def test_conditional_request_and_304(server):
    url = server.url_for("/list.json")
    stored = {url: Document(url=url, doc_kind="list", source="s", fetched_at=datetime(2026, 1, 1), status=200,
                            content=b"[1]", etag='"v1"', content_type="application/json")}
    server.expect_request("/list.json", headers={"If-None-Match": '"v1"'}).respond_with_data("", status=304)
    with Fetcher(cfg(), stored=stored.get) as f:
        res = f.get(url)
    assert res.not_modified and res.ok and res.json() == [1] and res.etag == '"v1"'
    doc = res.document("list", "s")
    assert doc.not_modified and doc.content == b"[1]" and doc.status == 200
    assert f.not_modified == 1


def test_secrets_never_in_urls_or_messages(server):
    server.expect_request("/api", query_string={"q": "x", "api_key": "SECRET-KEY"}).respond_with_data(
        "error: bad key SECRET-KEY", status=500)
    with Fetcher(cfg(retries=0), auth_params={"api_key": "SECRET-KEY"},
                 auth_headers={"Authorization": "Bearer TOKEN-123"}) as f:
        res = f.get(server.url_for("/api"), params={"q": "x"})
    assert res.status == 500
    assert "SECRET" not in res.url and "api_key" not in res.url and res.url.endswith("/api?q=x")
    assert "SECRET" not in res.error and "***" in res.error
    doc = res.document("page", "s")
    assert "SECRET" not in doc.url and "SECRET" not in (doc.error or "")
    req = server.log[0][0]
    assert req.headers["Authorization"] == "Bearer TOKEN-123" and req.args["api_key"] == "SECRET-KEY"


def test_credentials_dropped_on_redirect_to_another_host(server):
    with serve() as other:
        other.expect_request("/landing").respond_with_data("elsewhere")
        target = f"http://localhost:{other.port}/landing"
        server.expect_request("/go").respond_with_data("", status=302, headers={"Location": target})
        with Fetcher(cfg(allow_hosts=["127.0.0.1", "localhost"]), auth_headers={"Authorization": "Bearer T"},
                     auth_params={"api_key": "K"}) as f:
            res = f.get(server.url_for("/go"))
        assert res.content == b"elsewhere"
        hop = other.log[0][0]
        assert "Authorization" not in hop.headers and "api_key" not in hop.args
    assert server.log[0][0].headers["Authorization"] == "Bearer T"


def test_per_host_delay(server):
    server.expect_request("/x").respond_with_data("hi")
    with Fetcher(cfg(per_host_delay=0.5)) as f:
        for _ in range(3):
            f.get(server.url_for("/x"))
    assert f.paced == 2  # every request after the first waited for the host's spacing
    with Fetcher(cfg(per_host_delay=0)) as f:
        for _ in range(3):
            f.get(server.url_for("/x"))
    assert f.paced == 0
