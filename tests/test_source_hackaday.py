"""`hackaday` against a loopback Hackaday.io API v2: tag and search paging, an error page, HTML instead of
JSON, a malformed project, the api_key kept out of stored URLs, and a crawl into DuckDB."""

from __future__ import annotations

import json

import duckdb
import pytest
from loopback import collect, context, hub_config
from werkzeug import Request, Response

from crawler.config import load_config
from crawler.run import crawl
from crawler.sources import adapter_for

KEY = "hackaday-secret-key"


def project(i: int, **kw) -> dict:
    base = {"id": 1000 + i, "url": f"https://hackaday.io/project/{1000 + i}-board-{i}", "name": f"Board {i}",
            "summary": f"An open board, number {i}.", "description": "<p>Long <b>story</b></p>",
            "owner_id": 7, "tags": ["open hardware", "ventilator"], "created": 1585000000, "updated": 1590000000,
            "views": 10 * i, "followers": i, "skulls": 2}
    base.update(kw)
    return base


TAGGED = [
    project(1, description='<p>Files: <a href="https://github.com/Maker/board-1">GitHub</a></p>'),
    project(2, links=[{"title": "Repository", "url": "https://gitlab.com/maker/board-2"}, "https://board2.example.org"]),
    {"name": "no id"},
    project(4), project(5), project(6), project(7),
]
SEARCH = [project(1), project(8, name="Bag valve")]


def api(request: Request) -> Response:
    if request.args.get("api_key") != KEY:
        return Response(json.dumps({"error": "api_key required"}), 401, content_type="application/json")
    page, per = int(request.args["page"]), int(request.args["per_page"])
    items = TAGGED if request.path.endswith("/projects") else SEARCH
    last = (len(items) + per - 1) // per
    if request.path.endswith("/projects") and page == 2:
        return Response("<html><body>502 Bad Gateway</body></html>", content_type="text/html")
    body = {"projects": items[(page - 1) * per: page * per], "page": page, "per_page": per, "last_page": last,
            "total": len(items)}
    return Response(json.dumps(body), content_type="application/json")


SOURCE = """[[sources]]
name = "hackaday"
kind = "hackaday"
api_url = "{url}/v2"
tags = ["ventilator"]
search = ["bag valve"]
per_page = 3
"""


@pytest.fixture
def server(_server):
    _server.clear()
    _server.expect_request("/v2/projects").respond_with_handler(api)
    _server.expect_request("/v2/projects/search").respond_with_handler(api)
    yield _server
    _server.clear()


def test_tag_and_search_pages(tmp_path, server, monkeypatch):
    monkeypatch.setenv("HACKADAY_API_KEY", KEY)
    cfg = hub_config(tmp_path, SOURCE.format(url=server.url_for("").rstrip("/")))
    ctx = context(cfg, "hackaday")
    docs, recs, probs = collect(adapter_for("hackaday").fetch(ctx))
    pages = [(r.path, r.args["page"]) for r, _ in server.log]
    assert pages == [("/v2/projects", "1"), ("/v2/projects", "2"), ("/v2/projects", "3"),
                     ("/v2/projects/search", "1")]
    by_key = {r.key: r for r in recs}
    assert set(by_key) == {"1001", "1002", "1007", "1008"}  # page 2 (4-6) failed; 1001 found twice, kept once
    one = by_key["1001"]
    assert one.urls == ["https://hackaday.io/project/1001-board-1", "https://github.com/Maker/board-1"]
    assert one.name == "Board 1" and one.description == "An open board, number 1."
    assert one.fields["keywords"] == ["open hardware", "ventilator"] and one.fields["query"] == "ventilator"
    assert one.fields["created_at"] == "2020-03-23T21:46:40Z"
    two = by_key["1002"]
    assert two.urls == ["https://hackaday.io/project/1002-board-2", "https://gitlab.com/maker/board-2"]
    assert {"label": "", "url": "https://board2.example.org"} in two.fields["links"]
    assert sorted(p.kind for p in probs) == ["fetch", "malformed"]
    assert "HTML" in next(p for p in probs if p.kind == "fetch").message
    for text in [d.url for d in docs] + [p.url or "" for p in probs] + [p.message for p in probs]:
        assert KEY not in text and "api_key" not in text
    assert all(r.args["api_key"] == KEY for r, _ in server.log)
    again = {r.key for d in docs for r in adapter_for("hackaday").parse(d, ctx.source)}
    assert again == set(by_key)


def test_missing_and_rejected_key(tmp_path, server, monkeypatch):
    cfg = hub_config(tmp_path, SOURCE.format(url=server.url_for("").rstrip("/")))
    _, recs, probs = collect(adapter_for("hackaday").fetch(context(cfg, "hackaday")))
    assert not recs and probs[0].kind == "config" and "HACKADAY_API_KEY" in probs[0].message
    monkeypatch.setenv("HACKADAY_API_KEY", "wrong-key")
    docs, recs, probs = collect(adapter_for("hackaday").fetch(context(cfg, "hackaday")))
    assert not recs and all("HTTP 401" in p.message for p in probs) and len(probs) == 2
    assert all("wrong-key" not in d.url for d in docs)


def test_crawl_into_duckdb(tmp_path, server, monkeypatch):
    monkeypatch.setenv("HACKADAY_API_KEY", KEY)
    src = SOURCE.replace('tags = ["ventilator"]\n', "tags = []\n")
    cfg = hub_config(tmp_path, src.format(url=server.url_for("").rstrip("/")))
    [summary] = crawl(load_config(cfg))
    assert summary.records == 2
    con = duckdb.connect(str(tmp_path / "registry.duckdb"), read_only=True)
    try:
        rows = con.execute("SELECT record_key, project_id FROM source_records WHERE source = 'hackaday' "
                           "ORDER BY 1").fetchall()
        urls = [u for (u,) in con.execute("SELECT url FROM documents WHERE source = 'hackaday'").fetchall()]
    finally:
        con.close()
    assert rows == [("1001", "hackaday.io/project/1001-board-1"), ("1008", "hackaday.io/project/1008-board-8")]
    assert urls and all(KEY not in u for u in urls)
