"""Server-side request forgery: only http(s) URLs to public addresses are fetched; everything else is refused
before a connection is made (or at connect time, against the address a name resolves to), recorded, skipped.
Loopback is reachable only through the explicit `[http] allow_hosts` list the tests use."""

from __future__ import annotations

import pytest
from loopback import collect, context, hub_config, serve

from crawler.config import HttpConfig
from crawler.http import Fetcher, FetchError, Refused, check_url, is_public_address
from crawler.sources.web import WebAdapter

NOT_HTTP = ["file:///etc/passwd", "ftp://ftp.example.org/bom.csv", "javascript:alert(1)",
            "data:text/html,<script>alert(1)</script>", "gopher://example.org/", "mailto:a@example.org",
            "//example.org/no-scheme", "/relative/path", "", "http://", "https:///nohost"]
PRIVATE = ["http://127.0.0.1/", "http://127.1.2.3:8080/x", "http://localhost/", "http://api.localhost/",
           "http://[::1]/", "http://10.0.0.1/", "http://172.16.5.4/", "http://192.168.1.1/admin",
           "http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/", "http://224.0.0.1/",
           "http://[ff02::1]/", "http://0.0.0.0/", "http://[::]/", "http://[::ffff:127.0.0.1]/",
           "http://[::ffff:10.0.0.1]/", "http://100.64.0.1/", "http://198.18.0.1/", "http://240.0.0.1/",
           "http://255.255.255.255/", "https://[fc00::1]/"]
# names that only resolve to something private: refused when connecting, not by the look of the URL
RESOLVING_TO_LOOPBACK = ["http://2130706433/", "http://0x7f000001/", "http://127.1/", "http://0177.0.0.1/",
                         "http://localhost.localdomain/"]


@pytest.mark.parametrize("url", NOT_HTTP)
def test_other_schemes_and_hostless_urls_refused(url):
    with pytest.raises(Refused):
        check_url(url)


@pytest.mark.parametrize("url", PRIVATE)
def test_private_addresses_refused_by_the_url(url):
    with pytest.raises(Refused):
        check_url(url)


@pytest.mark.parametrize("url", ["https://example.org/x", "http://93.184.216.34/", "https://[2606:4700::1111]/"])
def test_public_urls_pass(url):
    assert check_url(url) == url


def test_address_classes():
    for addr in ("127.0.0.1", "::1", "10.1.2.3", "172.31.255.255", "192.168.0.1", "169.254.1.1", "fe80::1",
                 "224.0.0.251", "ff02::1", "0.0.0.0", "::", "::ffff:192.168.0.1", "100.64.0.1", "not-an-ip"):
        assert not is_public_address(addr), addr
    for addr in ("1.1.1.1", "93.184.216.34", "2606:4700::1111"):
        assert is_public_address(addr), addr


@pytest.mark.parametrize("url", RESOLVING_TO_LOOPBACK)
def test_names_resolving_to_loopback_refused_at_connect(url):
    with serve() as server:
        server.expect_request("/").respond_with_data("secret internal page")
        port = server.port
        target = url.rstrip("/") + f":{port}/"
        http = Fetcher(HttpConfig(retries=0, per_host_delay=0, timeout=2))
        with pytest.raises(FetchError):
            http.get(target)
        assert server.log == []  # no request reached the internal service
        http.close()


def test_allow_list_is_explicit():
    with serve() as server:
        server.expect_request("/page").respond_with_data("<html><title>ok</title></html>")
        url = f"http://127.0.0.1:{server.port}/page"
        with Fetcher(HttpConfig(retries=0, per_host_delay=0)) as http, pytest.raises(Refused):
            http.get(url)
        assert server.log == []
        with Fetcher(HttpConfig(retries=0, per_host_delay=0, allow_hosts=["127.0.0.1"])) as http:
            assert http.get(url).content.startswith(b"<html>")


def test_redirects_to_private_addresses_or_other_schemes_are_refused_and_recorded():
    with serve() as server:
        for path, location in (("/to-metadata", "http://169.254.169.254/latest/meta-data/"),
                               ("/to-file", "file:///etc/passwd"), ("/to-ftp", "ftp://example.org/x"),
                               ("/to-localhost", "http://localhost:1/")):
            server.expect_request(path).respond_with_data("", status=302, headers={"Location": location})
        with Fetcher(HttpConfig(retries=0, per_host_delay=0, allow_hosts=["127.0.0.1"])) as http:
            for path in ("/to-metadata", "/to-file", "/to-ftp", "/to-localhost"):
                res = http.get(f"http://127.0.0.1:{server.port}{path}")
                assert not res.ok and res.content is None
                assert "redirect refused" in (res.error or ""), (path, res.error)


def test_web_adapter_records_and_skips_refused_links(tmp_path):
    """A project link to an internal address or another scheme becomes a recorded problem; nothing is fetched."""
    with serve() as server:
        server.expect_request("/robots.txt").respond_with_data("", status=404)
        server.expect_request("/ok").respond_with_data("<html><head><title>Fine</title></head></html>",
                                                       content_type="text/html")
        cfg = hub_config(tmp_path, '[[sources]]\nname = "pages"\nkind = "web"\n')
        good = f"http://127.0.0.1:{server.port}/ok"
        bad = ["http://10.0.0.7/", "http://169.254.169.254/latest/", "ftp://example.org/f", "file:///etc/passwd",
               "http://[::1]:1/", f"http://2130706433:{server.port}/ok"]
        targets = [(f"p{i}", u) for i, u in enumerate([*bad, good])]
        ctx = context(cfg, "pages", web_targets=lambda sources, limit, days: targets)
        docs, records, problems = collect(WebAdapter().fetch(ctx))
        assert [r.name for r in records] == ["Fine"]
        refused = {p.url for p in problems if p.kind == "refused"}
        assert refused == set(bad), problems
        assert all(not (d.content or b"") for d in docs if d.url in refused)
        paths = [entry[0].path for entry in server.log]
        assert paths.count("/ok") == 1  # the decimal-encoded loopback name never reached it
