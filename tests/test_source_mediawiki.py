"""`mediawiki` against a loopback api.php: category paging, content batches with continuation, a missing page,
a malformed page, an error answer, search listing, and a crawl into DuckDB."""

from __future__ import annotations

import json

import duckdb
import pytest
from fakegithub import FakeGitHub, FakeRepo
from loopback import collect, context, hub_config, serve
from werkzeug import Request, Response

from crawler.config import load_config
from crawler.run import crawl
from crawler.sources import adapter_for

OPEN_VENT = """{{Project data
|authors=User:Alice
|status=Prototyped
|license=CERN-OHL-S-2.0
|keywords=ventilator, covid-19
}}
[[File:Vent.jpg|thumb|The [[ventilator]] on a bench]]
'''Open Vent''' is a low-cost [[Mechanical ventilator|ventilator]] built around a bag-valve mask and a
windscreen-wiper motor.<ref>Smith 2020</ref> Design files are on [https://github.com/OpenVent/open-vent GitHub].

== Bill of materials ==
* [https://shop.example.com/motor Wiper motor]
{{CC-BY-SA-4.0}}
[[Category:Ventilators]]
"""
BAG_VALVE = """A bag valve controller for emergencies, documented by students at a fab lab over one summer.
See also https://gitlab.com/fablab/bag-valve and https://github.com/a/one https://github.com/b/two
https://github.com/c/three"""
SIMPLE = "A simple page describing the {{w|thing}} in enough words to be a paragraph of prose."

CATEGORY = ["Open Vent", "Bag Valve", "Missing Page", "Weird Revisions", "Solar Still", "Pedal Pump", "Broken page"]
TEXTS = {"Open Vent": OPEN_VENT, "Bag Valve": BAG_VALVE, "Solar Still": SIMPLE, "Pedal Pump": SIMPLE}


def page(title: str, with_text: bool = True) -> dict:
    p = {"pageid": abs(hash(title)) % 10000, "ns": 0, "title": title,
         "fullurl": f"https://wiki.example.org/wiki/{title.replace(' ', '_')}",
         "canonicalurl": f"https://wiki.example.org/wiki/{title.replace(' ', '_')}"}
    if title == "Missing Page":
        return {"ns": 0, "title": title, "missing": True}
    if title == "Weird Revisions":
        return dict(p, revisions="oops")
    if with_text:
        p["revisions"] = [{"timestamp": "2024-02-01T10:00:00Z", "slots": {"main": {
            "contentmodel": "wikitext", "content": TEXTS[title]}}}]
    p["extlinks"] = [{"url": "https://shop.example.com/motor"}] if title == "Open Vent" else []
    return p


def api_php(request: Request) -> Response:
    a = request.args
    assert a["action"] == "query" and a["format"] == "json"
    if a.get("list") == "categorymembers":
        assert a["cmtitle"] == "Category:Ventilators"
        start = int(a.get("cmcontinue", "page|0").split("|")[1])
        members = [{"ns": 0, "title": t} for t in CATEGORY[start:start + 4]]
        body = {"batchcomplete": True, "query": {"categorymembers": members}}
        if start + 4 < len(CATEGORY):
            body["continue"] = {"cmcontinue": f"page|{start + 4}", "continue": "-||"}
        return Response(json.dumps(body), content_type="application/json")
    if a.get("list") == "search":
        hits = [{"ns": 0, "title": "Solar Still"}, {"ns": 0, "title": "Pedal Pump"}]
        off = int(a.get("sroffset", 0))
        body = {"query": {"search": hits[off:off + 1]}}
        if off == 0:
            body["continue"] = {"sroffset": 1, "continue": "-||"}
        return Response(json.dumps(body), content_type="application/json")
    titles = a["titles"].split("|")
    assert a["prop"] == "revisions|info|extlinks" and a["rvslots"] == "main" and a["inprop"] == "url"
    if "Broken page" in titles:
        return Response("<html><body>Database error</body></html>", status=500, content_type="text/html")
    if titles == ["Open Vent", "Bag Valve"]:
        if "rvcontinue" not in a:  # the text of the second page comes in a continuation
            pages = [page("Open Vent"), page("Bag Valve", with_text=False)]
            return Response(json.dumps({"continue": {"rvcontinue": "77|88", "continue": "||"},
                                        "query": {"pages": pages}}), content_type="application/json")
        pages = [page("Open Vent", with_text=False), page("Bag Valve")]
        return Response(json.dumps({"batchcomplete": True, "query": {"pages": pages}}),
                        content_type="application/json")
    return Response(json.dumps({"batchcomplete": True, "query": {"pages": [page(t) for t in titles]}}),
                    content_type="application/json")


SOURCE = """[[sources]]
name = "wiki"
kind = "mediawiki"
api_url = "{url}/w/api.php"
category = "Ventilators"
batch = 2
"""


@pytest.fixture
def server(_server):
    _server.clear()
    _server.expect_request("/w/api.php").respond_with_handler(api_php)
    yield _server
    _server.clear()


def test_category_pages_records_problems(tmp_path, server):
    cfg = hub_config(tmp_path, SOURCE.format(url=server.url_for("").rstrip("/")))
    ctx = context(cfg, "wiki")
    docs, recs, probs = collect(adapter_for("mediawiki").fetch(ctx))
    by_key = {r.key: r for r in recs}
    assert set(by_key) == {"Open Vent", "Bag Valve", "Solar Still", "Pedal Pump"}
    vent = by_key["Open Vent"]
    assert vent.urls == ["https://wiki.example.org/wiki/Open_Vent", "https://github.com/OpenVent/open-vent"]
    assert vent.description.startswith("Open Vent is a low-cost ventilator built around a bag-valve mask")
    assert "Smith" not in vent.description and "[[" not in vent.description
    assert vent.category == "Ventilators"
    assert vent.fields["licence"] == {"hardware": "CERN-OHL-S-2.0", "documentation": "CC-BY-SA-4.0"}
    assert vent.fields["maturity"] == "Prototyped" and vent.fields["keywords"] == ["ventilator", "covid-19"]
    assert {"label": "Wiper motor", "url": "https://shop.example.com/motor"} in vent.fields["links"]
    bag = by_key["Bag Valve"]  # four repository links: too many to claim one, kept as links only
    assert bag.urls == ["https://wiki.example.org/wiki/Bag_Valve"]
    assert len([lk for lk in bag.fields["links"] if "git" in lk["url"]]) == 4
    kinds = sorted((p.kind, p.item) for p in probs)
    assert kinds == [("fetch", "Broken page"), ("malformed", "Weird Revisions"), ("missing", "Missing Page")]
    assert "HTTP 500" in next(p for p in probs if p.kind == "fetch").message
    listed = [r.args.get("cmcontinue") for r, _ in server.log if r.args.get("list") == "categorymembers"]
    assert listed == [None, "page|4"]
    assert any(d.error for d in docs) and all(d.path == "Ventilators" for d in docs)
    again = {r.key for d in docs for r in adapter_for("mediawiki").parse(d, ctx.source)}
    assert again == set(by_key)


def test_search_listing_and_api_error(tmp_path, server):
    src = SOURCE.replace('category = "Ventilators"', 'search = "pump"')
    cfg = hub_config(tmp_path, src.format(url=server.url_for("").rstrip("/")))
    _, recs, probs = collect(adapter_for("mediawiki").fetch(context(cfg, "wiki")))
    assert sorted(r.key for r in recs) == ["Pedal Pump", "Solar Still"] and not probs
    assert all(r.category is None for r in recs)

    with serve() as bad:
        bad.expect_request("/w/api.php").respond_with_json({"error": {"code": "readapidenied", "info": "no read"}})
        cfg = hub_config(tmp_path, SOURCE.format(url=bad.url_for("").rstrip("/")))
        _, recs, probs = collect(adapter_for("mediawiki").fetch(context(cfg, "wiki")))
    assert not recs and len(probs) == 1 and "readapidenied" in probs[0].message


def test_crawl_into_duckdb(tmp_path, server, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", "gh-test")
    with FakeGitHub([FakeRepo("OpenVent/open-vent", {"README.md": b"# Open Vent\n"}, stars=3)]) as gh:
        cfg = hub_config(tmp_path, SOURCE.format(url=server.url_for("").rstrip("/")), github_url=gh.url)
        [summary] = crawl(load_config(cfg))
    assert summary.records == 4
    assert sorted(p.kind for p in summary.problems if p.kind != "internal") == ["fetch", "malformed", "missing"] or \
        len([p for p in summary.problems if p.kind in ("fetch", "malformed", "missing")]) == 3
    con = duckdb.connect(str(tmp_path / "registry.duckdb"), read_only=True)
    try:
        pid = con.execute("SELECT project_id FROM source_records WHERE record_key = 'Open Vent'").fetchone()[0]
        urls = {u for (u,) in con.execute("SELECT url FROM project_urls WHERE project_id = ?", [pid]).fetchall()}
        n = con.execute("SELECT count(*) FROM source_records WHERE source = 'wiki'").fetchone()[0]
    finally:
        con.close()
    assert n == 4
    assert urls == {"https://wiki.example.org/wiki/Open_Vent", "https://github.com/openvent/open-vent"}


def test_a_wiki_that_cannot_be_reached_is_an_unreachable_source(tmp_path, monkeypatch):
    import socket

    with socket.socket() as s:  # a loopback port nobody listens on: every connection is refused
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("GITHUB_TOKEN", "gh-test")
    cfg = hub_config(tmp_path, SOURCE.format(url=f"http://127.0.0.1:{port}"))
    [summary] = crawl(load_config(cfg))
    assert summary.status == "unreachable" and summary.records == 0
    assert summary.message.startswith("cannot reach the source: ")
    con = duckdb.connect(str(tmp_path / "registry.duckdb"), read_only=True)
    try:
        kinds = [k for (k,) in con.execute("SELECT kind FROM crawl_errors WHERE source = 'wiki'").fetchall()]
        status = con.execute("SELECT status FROM crawl_runs WHERE source = 'wiki'").fetchone()[0]
    finally:
        con.close()
    assert kinds == ["unreachable"] and status == "unreachable"
