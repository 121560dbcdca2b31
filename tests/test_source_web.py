"""`web` against loopback pages: metadata (title, description, OpenGraph, JSON-LD, rel=license, repository
links), robots.txt, non-HTML, size cap, errors, refused hosts, and a crawl after a list source into DuckDB."""

from __future__ import annotations

import json

import duckdb
import pytest
from loopback import collect, context, hub_config

from crawler.config import load_config
from crawler.http import Fetcher
from crawler.run import crawl
from crawler.sources import adapter_for
from crawler.sources.web import _Robots

VENT = b"""<!DOCTYPE html>
<html lang="en"><head>
<title>Open Vent | Makers United</title>
<meta name="description" content="A bag-valve ventilator anyone can build.">
<meta property="og:title" content="Open Vent">
<meta property="og:site_name" content="Makers United">
<link rel="canonical" href="/vent">
<link rel="license" href="https://creativecommons.org/licenses/by-sa/4.0/">
<script type="application/ld+json">{"@context": "https://schema.org", "@type": "Product", "name": "Open Vent",
 "license": "https://cern.ch/cern-ohl", "codeRepository": "https://gitlab.com/makers/open-vent"}</script>
<script>document.write("<a href='https://evil.example/x'>never run</a>"); fetch("/steal");</script>
<script type="application/ld+json">{not json</script>
</head><body>
<h1>Open Vent</h1>
<p>Design files: <a href="https://github.com/Makers/open-vent">GitHub</a>, a <a href="/docs">manual</a>.</p>
<a href="mailto:team@example.org">mail</a> <a href="javascript:alert(1)">x</a>
</body></html>"""
MOVED = b"""<html><head><title>Moved page</title></head><body><p>Sources on
<a href="https://codeberg.org/m/pump">Codeberg</a> and <a href="../files/">files</a></p></body></html>"""
MANY = b"<html><head><title>Links</title></head><body>" + b"".join(
    b'<a href="https://github.com/o/r%d">r</a>' % i for i in range(5)) + b"</body></html>"
ROBOTS = "User-agent: *\nDisallow: /private\n\nUser-agent: BadBot\nDisallow: /\n"


def serve_site(server):
    server.expect_request("/robots.txt").respond_with_data(ROBOTS, content_type="text/plain")
    server.expect_request("/vent").respond_with_data(VENT, content_type="text/html; charset=utf-8")
    server.expect_request("/old/pump").respond_with_data("", status=301, headers={"Location": "/new/pump"})
    server.expect_request("/new/pump").respond_with_data(MOVED, content_type="text/html")
    server.expect_request("/many").respond_with_data(MANY, content_type="text/html")
    server.expect_request("/private/plans").respond_with_data("secret", content_type="text/html")
    server.expect_request("/paper.pdf").respond_with_data(b"%PDF-1.4", content_type="application/pdf")
    server.expect_request("/huge").respond_with_data(b"<html>" + b"x" * 5000 + b"</html>", content_type="text/html")
    server.expect_request("/broken").respond_with_data("oops", status=500)


@pytest.fixture
def server(_server):
    _server.clear()
    serve_site(_server)
    yield _server
    _server.clear()


SOURCE = """[[sources]]
name = "pages"
kind = "web"
max_bytes = 3000
"""


def test_pages_read_as_data(tmp_path, server):
    base = server.url_for("").rstrip("/")
    paths = ["/vent", "/old/pump", "/many", "/private/plans", "/paper.pdf", "/huge", "/broken"]
    targets = [(f"p{i}", base + p) for i, p in enumerate(paths)] + [("x", "http://10.0.0.1/admin")]
    asked = []

    def web_targets(sources, limit, refetch_days):
        asked.append((sources, limit, refetch_days))
        return targets

    cfg = hub_config(tmp_path, SOURCE)
    ctx = context(cfg, "pages", web_targets=web_targets)
    docs, recs, probs = collect(adapter_for("web").fetch(ctx))
    assert asked == [(None, 400, 30.0)]
    by_url = {r.key[len(base):]: r for r in recs}
    assert set(by_url) == {"/vent", "/old/pump", "/many"}
    vent = by_url["/vent"]
    assert vent.name == "Open Vent" and vent.description == "A bag-valve ventilator anyone can build."
    assert vent.urls == [base + "/vent", "https://github.com/Makers/open-vent", "https://gitlab.com/makers/open-vent"]
    assert vent.fields["licence"] == {"documentation": "https://creativecommons.org/licenses/by-sa/4.0/"}
    assert vent.fields["jsonld"][0]["license"] == "https://cern.ch/cern-ohl"
    assert vent.fields["og"]["og:site_name"] == "Makers United" and vent.fields["lang"] == "en"
    assert vent.fields["canonical"] == base + "/vent" and vent.fields["title"] == "Open Vent | Makers United"
    assert "evil" not in json.dumps(vent.fields)  # script text is not read, let alone run
    pump = by_url["/old/pump"]
    assert pump.urls == [base + "/old/pump", "https://codeberg.org/m/pump"]
    assert pump.fields["final_url"] == base + "/new/pump"
    many = by_url["/many"]
    assert many.urls == [base + "/many"] and len(many.fields["repo_links"]) == 5  # too many to claim one
    kinds = {p.url[len(base):] if p.url.startswith(base) else p.url: p.kind for p in probs}
    assert kinds == {"/private/plans": "robots", "/paper.pdf": "not-html", "/huge": "fetch", "/broken": "fetch",
                     "http://10.0.0.1/admin": "refused"}
    assert "not a public address" in next(p.message for p in probs if p.kind == "refused")
    served = [r.path for r, _ in server.log]
    assert "/private/plans" not in served and "/steal" not in served and served.count("/robots.txt") == 1
    # parse (renormalize) gives the same records from the stored documents, relative links included
    again = {r.key: r for d in docs for r in adapter_for("web").parse(d, ctx.source)}
    assert {k: v.urls for k, v in again.items()} == {r.key: r.urls for r in recs}


def test_robots_rules_and_crawl_delay(server):
    cfg = load_config_for_robots()
    with Fetcher(cfg) as http:
        robots = _Robots(http, "ohr", max_delay=0.2)
        base = server.url_for("")
        assert robots.check(base + "vent")[0] == base + "vent"
        assert robots.check(base + "private/x") == (None, ("robots", "disallowed by robots.txt"))
        bad = _Robots(http, "BadBot", max_delay=0.2)
        assert bad.check(base + "vent") == (None, ("robots", "disallowed by robots.txt"))
    server.clear()
    server.expect_request("/robots.txt").respond_with_data("User-agent: *\nCrawl-delay: 30\n")
    with Fetcher(cfg) as http:
        robots = _Robots(http, "ohr", max_delay=0.2)
        assert robots.check(server.url_for("/vent"))[0] is not None
        assert http.host_delays == {"127.0.0.1": 0.2}  # capped by max_crawl_delay
    server.clear()
    server.expect_request("/robots.txt").respond_with_data("down", status=503)
    with Fetcher(cfg) as http:
        robots = _Robots(http, "ohr", max_delay=0.2)
        assert robots.check(server.url_for("/vent")) == (
            None, ("robots", "robots.txt answered HTTP 503; host skipped this run"))


def load_config_for_robots():
    from crawler.config import HttpConfig

    return HttpConfig(allow_hosts=["127.0.0.1"], per_host_delay=0, retries=0, timeout=2)


def test_crawl_after_a_list_into_duckdb(tmp_path, server):
    base = server.url_for("").rstrip("/")
    sheet = f"Project,Link\nOpen Vent,{base}/vent\nPump,{base}/old/pump\nHidden,{base}/private/plans\n"
    server.expect_request("/sheet.csv").respond_with_data(sheet, content_type="text/csv")
    sources = f"""[[sources]]
name = "sheet"
kind = "csv-list"
url = "{base}/sheet.csv"
columns = {{name = "Project", url = "Link"}}

[[sources]]
name = "pages"
kind = "web"
sources = ["sheet"]
"""
    cfg = hub_config(tmp_path, sources)
    sheet_run, web_run = crawl(load_config(cfg))
    assert sheet_run.records == 3
    # canonical URLs are https; the loopback site speaks http only, so each page is read over the fallback
    assert web_run.records == 2 and [p.kind for p in web_run.problems] == ["robots"]
    con = duckdb.connect(str(tmp_path / "registry.duckdb"), read_only=True)
    try:
        rows = con.execute("SELECT source, project_id, name FROM source_records ORDER BY project_id, source").fetchall()
        urls = {u for (u,) in con.execute("SELECT url FROM project_urls").fetchall()}
    finally:
        con.close()
    host = base.split("//", 1)[1]
    assert rows == [("pages", f"{host}/old/pump", "Moved page"), ("sheet", f"{host}/old/pump", "Pump"),
                    ("sheet", f"{host}/private/plans", "Hidden"),
                    ("pages", f"{host}/vent", "Open Vent"), ("sheet", f"{host}/vent", "Open Vent")]
    assert "https://github.com/makers/open-vent" in urls and "https://codeberg.org/m/pump" in urls
    # a second run inside refetch_days has nothing to fetch (the disallowed page waits too; codeberg is skipped)
    n = len(server.log)
    [again] = crawl(load_config(cfg), ["pages"])
    assert again.records == 0 and not again.problems and len(server.log) == n
