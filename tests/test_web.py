"""`ohr serve` and `ohr export site` in a real headless browser: Debian's chromium driven by Playwright.

One registry, one server (uvicorn on 127.0.0.1, in a thread) and one browser per session; each test gets a
fresh browser context (its own cookies). A second loopback server plays the README picture host and an
attacker's site. The browser is /usr/bin/chromium (`make test` installs Debian's chromium when it is
missing); without it, or without the playwright package, the browser tests skip with the reason.
"""

from __future__ import annotations

import http.server
import json
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from web_registry import HOSTILE, JS_URL, OPENVENT, SCRIPT, build, png

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
TOKEN = "test-curator-token-" + "x" * 20


# -- loopback servers ----------------------------------------------------------------------------
class _Side(http.server.ThreadingHTTPServer):
    """Serves README pictures (/img/NAME.png) and whatever pages a test puts in `pages`."""

    daemon_threads = True

    def __init__(self) -> None:
        self.pages: dict[str, bytes] = {}
        self.image_hits = 0
        super().__init__(("127.0.0.1", 0), _SideHandler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"


class _SideHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        srv: _Side = self.server  # type: ignore[assignment]
        if self.path.startswith("/img/"):
            srv.image_hits += 1
            body, ctype = png(), "image/png"
        elif self.path in srv.pages:
            body, ctype = srv.pages[self.path], "text/html; charset=utf-8"
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("content-type", ctype)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class Served:
    """A uvicorn server for an ASGI app on a free loopback port, in a thread."""

    def __init__(self, app: object) -> None:
        import uvicorn

        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning",
                                                    lifespan="off", access_log=False))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        for _ in range(1000):  # bounded: 1000 polls of 10 ms
            if self.server.started:
                break
            time.sleep(0.01)
        assert self.server.started, "uvicorn did not start"
        self.url = f"http://127.0.0.1:{self.server.servers[0].sockets[0].getsockname()[1]}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture(scope="session")
def side():
    srv = _Side()
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture(scope="session")
def web_db(tmp_path_factory, side) -> Path:
    return build(tmp_path_factory.mktemp("web") / "registry.duckdb", image_base=f"{side.url}/img")


@pytest.fixture(scope="session")
def server(web_db):
    from queries.web.app import create_app

    s = Served(create_app(web_db, token=TOKEN, by="web-test"))
    yield s
    s.stop()


@pytest.fixture(scope="session")
def read_only(web_db):
    """The same registry served without --curator: an httpx client on it."""
    import httpx

    from queries.web.app import create_app

    s = Served(create_app(web_db))
    with httpx.Client(base_url=s.url) as client:
        yield client
    s.stop()


@pytest.fixture(scope="session")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip package playwright missing (make setup)")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no {CHROMIUM}: apt-get install chromium chromium-driver (make test does it when it can)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture()
def context(browser):
    ctx = browser.new_context()
    yield ctx
    ctx.close()


def _login(page, server) -> None:
    page.goto(f"{server.url}/login")
    page.fill("input[name=token]", TOKEN)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{server.url}/")
    assert page.locator("header .who").inner_text() == "curator mode"


def _flags(run_ohr, db) -> list[dict]:
    r = run_ohr("flags", "--db", str(db), "--format", "json")
    assert r.code == 0, r.err
    return json.loads(r.out)


# -- the browser tests ---------------------------------------------------------------------------
def test_search_facet_project_shows_bom_and_licence_evidence(server, side, context):
    page = context.new_page()
    page.goto(f"{server.url}/?q=vent")
    total = int(page.locator("#total").inner_text())
    names = page.locator("article.card h3 a").all_inner_texts()
    assert total == len(names) and "OpenVent" in names and "MaskMaker" not in names
    # the README's first picture (the build badge before it skipped) is shown, from the picture host
    img = page.locator("article.card:has(a:text-is('OpenVent')) .thumb img")
    assert img.get_attribute("src") == f"{side.url}/img/openvent.png"
    assert img.get_attribute("referrerpolicy") == "no-referrer"
    assert page.evaluate("(i) => i.complete && i.naturalWidth", img.element_handle()) == 8  # the CSP let it load

    page.click("section[data-facet=has_bom] a:text-is('with a BOM')")
    page.wait_for_url("**has_bom=1**")
    with_bom = int(page.locator("#total").inner_text())
    assert 0 < with_bom < total
    assert page.locator("article.card .badge.bom.none").count() == 0
    page.click("section[data-facet=licence] a:text-is('CERN-OHL-S-2.0')")
    page.wait_for_url("**licence=CERN-OHL-S-2.0**")
    assert page.locator("#total").inner_text() == "1"
    assert "has_bom=1" in page.url and "q=vent" in page.url  # facets add up

    page.click("article.card h3 a:text-is('OpenVent')")
    page.wait_for_url(f"**/project/{OPENVENT}")
    bom = page.locator("#bom")
    assert bom.locator("table.bom-lines tbody tr").count() == 3
    assert "ESP32-WROOM-32" in bom.inner_text() and "Pressure sensor" in bom.inner_text()
    rollup = bom.locator("table.rollup tbody tr").all_inner_texts()
    assert rollup[0].split("\t")[:2] == ["USD", "2"] and rollup[0].split("\t")[3] == "11"  # 1×5 + 2×3
    assert rollup[1].startswith("(no price)\t1")
    licences = page.locator("#licences").inner_text()
    assert "CERN-OHL-S-2.0" in licences
    assert 'LICENSE: "CERN Open Hardware Licence Version 2 - Strongly Reciprocal"' in licences
    maturity = page.locator("#maturity").inner_text()
    assert "development-stage: tested" in maturity and "our second prototype" in maturity
    assert "test-list" in page.locator("#sources").inner_text()


def test_curator_flags_in_the_browser_and_cli_sees_it(server, web_db, context, run_ohr):
    page = context.new_page()
    _login(page, server)
    page.goto(f"{server.url}/?q=mask")  # its facet counts are now cached for this state of the registry
    assert page.locator("section[data-facet=flag]").count() == 0
    page.goto(f"{server.url}/project/github.com/b/maskmaker")
    form = page.locator("#flag-form")
    form.locator("select[name=kind]").select_option("needs-review")
    form.locator("input[name=note]").fill("straps not documented <b>sic</b>")
    form.locator("input[name=by]").fill("ana")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**done=**")
    assert page.locator(".notice").inner_text() == "done: flagged needs-review"
    row = page.locator("#curation tr.flag-row").inner_text()
    assert "needs-review" in row and "ana" in row and "straps not documented <b>sic</b>" in row

    page.goto(f"{server.url}/?q=mask")  # the write changed the file: counted again
    assert page.locator("section[data-facet=flag] li").all_inner_texts() == ["needs-review\nhide\n1"]
    flagged = [f for f in _flags(run_ohr, web_db) if f["project_id"] == "github.com/b/maskmaker"]
    assert [(f["kind"], f["note"], f["flagged_by"]) for f in flagged] == [
        ("needs-review", "straps not documented <b>sic</b>", "ana")]
    r = run_ohr("history", "github.com/b/maskmaker", "--only", "curator", "--db", str(web_db), "--format", "json")
    assert [(h["who"], h["action"], h["field"]) for h in json.loads(r.out)] == [("ana", "flag", "needs-review")]


def test_hostile_texts_render_inert(server, browser):
    ctx = browser.new_context(bypass_csp=True)  # escaping alone must make them inert, CSP or not
    try:
        page = ctx.new_page()
        dialogs = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        for url in (f"{server.url}/?q=evil", f"{server.url}/project/{HOSTILE}"):
            page.goto(url)
            page.wait_for_load_state("load")
            assert page.evaluate("window.__pwned") is None
            assert page.locator("script, iframe, svg, body [onerror], body [onload], body [onmouseover]").count() == 0
            hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
            srcs = page.eval_on_selector_all("img[src]", "els => els.map(e => e.getAttribute('src'))")
            assert not [h for h in hrefs + srcs if h.strip().lower().startswith(("javascript:", "data:"))]
        assert SCRIPT in page.locator("#name").inner_text()  # shown as the text it is
        assert JS_URL in page.locator("#links").inner_text()  # listed, not linked
        assert SCRIPT in page.locator("#bom").inner_text() and SCRIPT in page.locator("#licences").inner_text()
        assert dialogs == []
    finally:
        ctx.close()


def test_writes_without_the_token_are_refused(server, side, web_db, browser, run_ohr):
    before = _flags(run_ohr, web_db)
    # a curator logged in visits another site whose page posts a flag form to ohr: no CSRF token, refused
    side.pages["/attack.html"] = (
        f'<form method="post" action="{server.url}/curate/flag"><input name="pid" value="{OPENVENT}">'
        '<input name="kind" value="unsafe"><input name="note" value="pwned"></form>'
        "<script>document.forms[0].submit()</script>").encode()
    ctx = browser.new_context()
    try:
        page = ctx.new_page()
        _login(page, server)
        with page.expect_navigation(url=f"{server.url}/curate/flag"):
            page.goto(f"{side.url}/attack.html")
        assert "refused" in page.locator("#error").inner_text()
        # a browser that never logged in sees no curator forms, and a forged post is refused
        anon = browser.new_context()
        try:
            p2 = anon.new_page()
            p2.goto(f"{server.url}/project/{OPENVENT}")
            assert p2.locator("form[action^='/curate']").count() == 0
            r = anon.request.post(f"{server.url}/curate/flag", form={
                "pid": OPENVENT, "kind": "unsafe", "note": "pwned", "csrf": "0" * 64})
            assert r.status == 403 and "no curator token" in r.text()
        finally:
            anon.close()
        # the logged-in browser's own forms carry the token; with a wrong one the same post is refused
        r = ctx.request.post(f"{server.url}/curate/flag", form={
            "pid": OPENVENT, "kind": "unsafe", "note": "pwned", "csrf": "0" * 64})
        assert r.status == 403 and "CSRF" in r.text()
    finally:
        ctx.close()
    assert _flags(run_ohr, web_db) == before


def test_curator_set_merge_split_review_through_the_forms(server, web_db, run_ohr):
    """The other curator forms, posted as the browser posts them (cookie + the page's CSRF token)."""
    import re

    import httpx

    gone, moved = "github.com/e/gonevent", "github.com/f/movedvent"
    with httpx.Client(base_url=server.url, headers={"origin": server.url}) as h:
        assert h.post("/login", data={"token": TOKEN}).status_code == 303
        csrf = re.search(r'name="csrf" value="([0-9a-f]{64})"', h.get(f"/project/{gone}").text).group(1)

        def post(action: str, **form: str) -> httpx.Response:
            return h.post(f"/curate/{action}", data={"csrf": csrf, "by": "bo", **form})

        ok = post("set", pid=gone, field="maturity", value="prototype", note="photos of a prototype")
        assert ok.status_code == 303
        bad = post("set", pid=gone, field="maturity", value="finished", note="x")
        assert bad.status_code == 400 and "maturity must be one of" in bad.text  # registry.curate's own message
        assert post("merge", pid=gone, absorb=moved, note="same design").status_code == 303
        assert h.get(f"/project/{moved}").headers["location"] == f"/project/{gone}"  # the alias resolves
        assert post("split", pid=gone, alias=moved).status_code == 303
        assert post("review", pid=gone, note="looked").status_code == 303
        assert gone not in h.get("/review").text
    r = run_ohr("corrections", "--project", gone, "--db", str(web_db), "--format", "json")
    assert [(c["field"], c["value"], c["set_by"]) for c in json.loads(r.out)] == [("maturity", "prototype", "bo")]
    r = run_ohr("history", gone, "--only", "curator", "--db", str(web_db), "--format", "json")
    assert [h["action"] for h in json.loads(r.out)] == ["set", "merge", "split", "review"]


def test_static_site_searches_like_the_cli(tmp_path, web_db, browser, run_ohr):
    site = tmp_path / "site"
    r = run_ohr("export", "site", str(site), "--db", str(web_db))
    assert r.code == 0, r.err
    assert (site / "index.html").is_file() and (site / "static" / "search.js").is_file()
    index = json.loads((site / "index.json").read_text())
    assert {p["id"] for p in index["projects"]} >= {OPENVENT, HOSTILE}

    handler = lambda *a, **kw: http.server.SimpleHTTPRequestHandler(*a, directory=str(site), **kw)  # noqa: E731
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.RequestHandlerClass.log_message = lambda *a: None
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    ctx = browser.new_context()
    try:
        page = ctx.new_page()
        base = f"http://127.0.0.1:{httpd.server_address[1]}"
        for query, args, qs in (("vent", [], ""), ("vent", ["--has-bom"], "&has_bom=1"),
                                ("", ["--licence", "open"], "&licence=open"),
                                ("open", ["--maturity", "tested"], "&maturity=tested")):
            cli = run_ohr("search", query, *args, "--db", str(web_db), "--format", "json", "--limit", "50")
            want = [row["id"] for row in json.loads(cli.out)]
            qs = f"q={quote(query)}{qs}"
            page.goto(f"{base}/index.html?{qs}")
            page.wait_for_selector("#total")
            got = [page.evaluate("(a) => a.getAttribute('href')", a) for a in
                   page.locator("article.card h3 a").element_handles()]
            assert [index_href(index, pid) for pid in want] == got, (query, args)
        page.goto(f"{base}/index.html?q=evil")
        page.wait_for_selector("#total")
        page.click("article.card h3 a")
        page.wait_for_selector("#name")
        assert SCRIPT in page.locator("#name").inner_text() and page.evaluate("window.__pwned") is None
        assert page.locator("form[action^='/curate']").count() == 0
    finally:
        ctx.close()
        httpd.shutdown()
        httpd.server_close()


def index_href(index: dict, pid: str) -> str:
    return next(p["href"] for p in index["projects"] if p["id"] == pid)


# -- without a browser ---------------------------------------------------------------------------
def test_facet_counts_are_what_each_filter_keeps(web_db):
    from queries.search_plan import search
    from queries.web import pages
    from registry.db import reader

    with reader(web_db) as con:
        base = pages.search_values({"q": ["vent"]})
        f = pages.facet_counts(con, base)
        assert f["total"] == len(search(con, {**base, "lim": 1000})[1])
        param = {"openness": "licence", "licence": "licence", "maturity": "maturity", "category": "category",
                 "source": "source", "has_bom": "has_bom"}
        checked = 0
        for facet, key in param.items():
            for value, n in f["facets"][facet]:
                v = {**base, key: True if facet == "has_bom" else value, "lim": 1000}
                assert len(search(con, v)[1]) == n, (facet, value)
                checked += 1
        assert checked >= 8


def test_first_image_takes_http_pictures_only():
    from queries.web.pages import first_image

    base = "https://raw.githubusercontent.com/o/r/main/"
    assert first_image("[![ci](https://img.shields.io/badge/a.svg)](x)\n![p](docs/p.jpg)", base) == base + "docs/p.jpg"
    assert first_image("<img width=3 src='https://h.example/a.png'>", None) == "https://h.example/a.png"
    for bad in ("![x](javascript:alert(1))", "<img src=\"data:image/png;base64,AAA\">", "![x](file:///etc/passwd)",
                "![x](//evil.example/a.png\" onerror=\"alert(1))", "<img src=vbscript:x>"):
        assert first_image(bad, None) is None, bad
    assert first_image("![x](javascript:alert(1))\n![ok](http://h.example/ok.png)", None) == "http://h.example/ok.png"


def test_read_only_server_headers_and_hosts(read_only):
    c = read_only
    for url in ("/", f"/project/{OPENVENT}", "/analysts", "/analysts/licence_mix", "/review"):
        r = c.get(url)
        assert r.status_code == 200, url
        csp = r.headers["content-security-policy"]
        assert "script-src 'none'" in csp and "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
        assert r.headers["x-content-type-options"] == "nosniff"
    r = c.post("/curate/flag", data={"pid": OPENVENT, "kind": "unsafe", "note": "x"})
    assert r.status_code == 403 and "read-only" in r.text
    assert c.get("/login").status_code == 403
    assert c.get("/", headers={"host": "attacker.example"}).status_code == 400  # DNS rebinding
    assert c.get("/project/no.such/project").status_code == 404


def test_analysts_downloads_are_the_query_output(web_db, read_only, run_ohr):
    c = read_only
    for name in ("licence_mix", "maturity_by_category", "projects_over_time", "buildable"):
        for fmt in ("csv", "json"):
            r = c.get(f"/analysts/{name}.{fmt}")
            assert r.status_code == 200
            cli = run_ohr("query", name, "--db", str(web_db), "--format", fmt)
            assert r.text == cli.out, (name, fmt)
    page = c.get("/analysts").text
    assert page.count("<svg") == 3 and "CERN-OHL-S-2.0" in page and "Ventilators" in page
    r = c.get("/analysts/licence_mix.csv?scope=documentation")
    assert "CC-BY-NC-SA-4.0" in r.text


def test_serve_command_prints_a_token_and_binds_loopback(web_db, tmp_path):
    import os
    import subprocess
    import sys

    import httpx

    ohr = Path(sys.executable).parent / "ohr"
    if not ohr.exists():
        pytest.skip("the ohr script is not installed in this environment")
    r = subprocess.run([str(ohr), "serve", "--host", "0.0.0.0", "--db", str(web_db)], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 3 and "not a loopback address" in r.stderr and "Traceback" not in r.stderr
    proc = subprocess.Popen([str(ohr), "serve", "--curator", "--port", "0", "--by", "cli-test", "--db", str(web_db)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "OHR_LOCK_WAIT": "10"})
    try:
        first = proc.stdout.readline()
        token_line = proc.stdout.readline()
        assert first.startswith("ohr: serving ") and "(curator mode)" in first
        url = first.split(" at ")[1].split(" ")[0]
        assert url.startswith("http://127.0.0.1:")
        token = token_line.removeprefix("curator token: ").strip()
        assert len(token) >= 40
        with httpx.Client(base_url=url) as h:
            assert h.get("/").status_code == 200
            refused = h.post("/curate/flag", data={"pid": OPENVENT, "kind": "unsafe", "note": "x"})
            assert refused.status_code == 403
            assert h.post("/login", data={"token": "wrong"}).status_code == 403
            ok = h.post("/login", data={"token": token})
            assert ok.status_code == 303 and h.cookies.get("ohr_curator") == token
    finally:
        proc.terminate()
        proc.wait(20)
