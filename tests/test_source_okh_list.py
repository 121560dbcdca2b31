"""`okh-list` against a loopback list.json and its manifests: lenient list shapes, YAML/TOML manifests,
a malformed manifest, an error page, a bad entry, conditional re-fetch, and a crawl into DuckDB."""

from __future__ import annotations

import json

import duckdb
from loopback import collect, context, hub_config

from crawler.config import load_config
from crawler.run import crawl
from crawler.sources import adapter_for
from crawler.sources.okh_list import list_entries
from registry.model import Document

V1 = b"""okh-manifest-version: 1.0.0
title: Solar Dehydrator
description: A passive solar food dryer built from plywood and a polycarbonate sheet.
project-link: https://www.appropedia.org/Solar_dehydrator
documentation-home: https://www.appropedia.org/Solar_dehydrator
license:
  hardware: CERN-OHL-S-2.0
  documentation: CC-BY-SA-4.0
licensor: Jane Maker
development-stage: prototype
keywords: [food, solar]
version: 1.2.0
"""
LOSH = b"""okhv = "OKH-LOSHv1.0"
name = "Pedal Thresher"
repo = "https://github.com/farmhack/pedal-thresher"
version = "0.3"
license = "CERN-OHL-W-2.0"
licensor = "Farm Hack"
technology-readiness-level = "OTRL-4"
function = "Threshes grain with a bicycle drive."
"""
BROKEN = b"title: [unclosed\n  description: oops: : :\n"


def _serve_world(server):
    server.clear()
    base = server.url_for("").rstrip("/")
    server.expect_request("/okh/list.json").respond_with_json({"manifests": [
        "/okh/solar.yml", {"name": "Thresher", "manifest": f"{base}/okh/thresher.toml"}, {"url": "broken.yml"},
        {"title": "no url here"}, "/okh/gone.yml", "/okh/error.yml", "file:///etc/passwd"]})
    server.expect_request("/okh/solar.yml").respond_with_data(V1, headers={"ETag": '"solar-1"'},
                                                            content_type="application/yaml")
    server.expect_request("/okh/thresher.toml").respond_with_data(LOSH, content_type="application/toml")
    server.expect_request("/okh/broken.yml").respond_with_data(BROKEN)
    server.expect_request("/okh/gone.yml").respond_with_data("not found", status=404)
    server.expect_request("/okh/error.yml").respond_with_data("<html>Bad Gateway</html>", status=502,
                                                            content_type="text/html")


SOURCE = """[[sources]]
name = "okh"
kind = "okh-list"
url = "{url}/okh/list.json"
"""


def test_list_entries_lenient():
    urls, bad = list_entries(b'["a.yml", {"manifest": "b.toml", "url": "https://x.org/p"}, {"url": "c.yml"}, 3]',
                             "https://h.org/okh/list.json")
    assert urls == ["https://h.org/okh/a.yml", "https://h.org/okh/b.toml", "https://h.org/okh/c.yml"]
    assert bad == ["entry 4: no manifest URL (int)"]
    urls, _ = list_entries(b"# manifests\nhttps://h.org/a.yml\n\nhttps://h.org/b.yml\n", "https://h.org/list.txt")
    assert urls == ["https://h.org/a.yml", "https://h.org/b.yml"]
    assert list_entries(b'{"nothing": 1}', "https://h.org/") == ([], ["list has no array of manifests"])


def test_manifests_records_problems(tmp_path, server):
    _serve_world(server)
    cfg = hub_config(tmp_path, SOURCE.format(url=server.url_for("").rstrip("/")))
    ctx = context(cfg, "okh")
    docs, recs, probs = collect(adapter_for("okh-list").fetch(ctx))
    by_name = {r.name: r for r in recs}
    assert set(by_name) == {"Solar Dehydrator", "Pedal Thresher"}
    solar = by_name["Solar Dehydrator"]
    assert solar.urls == ["https://www.appropedia.org/Solar_dehydrator"]
    assert solar.key.endswith("/okh/solar.yml") and solar.fields["manifest_url"] == solar.key
    assert solar.fields["manifest"]["licensor"] == "Jane Maker"  # the raw manifest, as written
    assert solar.fields["licence"] == {"hardware": "CERN-OHL-S-2.0", "documentation": "CC-BY-SA-4.0"}
    assert solar.fields["maturity"] == "prototype" and solar.fields["keywords"] == ["food", "solar"]
    thresher = by_name["Pedal Thresher"]
    assert thresher.urls == ["https://github.com/farmhack/pedal-thresher"]
    assert thresher.fields["licence"] == {"hardware": "CERN-OHL-W-2.0"} and thresher.fields["maturity"] == "OTRL-4"
    assert thresher.description == "Threshes grain with a bicycle drive."
    kinds = sorted(p.kind for p in probs)
    assert kinds == ["fetch", "fetch", "malformed", "malformed", "manifest"]
    assert any("HTTP 404" in p.message for p in probs) and any("HTTP 502" in p.message for p in probs)
    assert any("file" in p.message for p in probs if p.kind == "malformed")
    assert [d.doc_kind for d in docs].count("okh-manifest") == 5 and docs[0].doc_kind == "okh-list"
    again = [r for d in docs for r in adapter_for("okh-list").parse(d, ctx.source)]
    assert sorted(r.key for r in again) == sorted(r.key for r in recs)

    # a second run sends the stored ETag and re-reads the stored manifest on 304
    stored = {d.url: d for d in docs if d.content is not None}
    server.clear()
    base = server.url_for("").rstrip("/")
    server.expect_request("/okh/list.json").respond_with_json(["/okh/solar.yml"])
    server.expect_request("/okh/solar.yml", headers={"If-None-Match": '"solar-1"'}).respond_with_data("", status=304)
    docs2, recs2, probs2 = collect(adapter_for("okh-list").fetch(context(cfg, "okh", stored=stored)))
    assert [r.name for r in recs2] == ["Solar Dehydrator"] and not probs2
    assert docs2[1].not_modified and docs2[1].content == stored[f"{base}/okh/solar.yml"].content


def test_list_error_page(tmp_path, server):
    server.clear()
    server.expect_request("/okh/list.json").respond_with_data("<html>maintenance</html>", status=503,
                                                             headers={"Retry-After": "0"})
    cfg = hub_config(tmp_path, SOURCE.format(url=server.url_for("").rstrip("/")))
    docs, recs, probs = collect(adapter_for("okh-list").fetch(context(cfg, "okh")))
    assert not recs and len(probs) == 1 and "HTTP 503" in probs[0].message
    assert docs[0].content is None and docs[0].status == 503


def test_crawl_into_duckdb(tmp_path, server):
    server.expect_request("/okh/list.json").respond_with_json(["/okh/solar.yml", "/okh/broken.yml"])
    server.expect_request("/okh/solar.yml").respond_with_data(V1)
    server.expect_request("/okh/broken.yml").respond_with_data(BROKEN)
    cfg = hub_config(tmp_path, SOURCE.format(url=server.url_for("").rstrip("/")))
    [summary] = crawl(load_config(cfg))
    assert summary.records == 1 and [p.kind for p in summary.problems] == ["manifest"]
    con = duckdb.connect(str(tmp_path / "registry.duckdb"), read_only=True)
    try:
        pid, fields = con.execute("SELECT project_id, fields FROM source_records WHERE source = 'okh'").fetchone()
        kinds = sorted(k for (k,) in con.execute("SELECT doc_kind FROM documents WHERE source = 'okh'").fetchall())
    finally:
        con.close()
    assert pid == "appropedia.org/Solar_dehydrator"
    assert json.loads(fields)["manifest"]["title"] == "Solar Dehydrator"
    assert kinds == ["okh-list", "okh-manifest", "okh-manifest"]


def test_parse_of_a_list_document_is_empty(tmp_path):
    cfg = hub_config(tmp_path, SOURCE.format(url="http://127.0.0.1:9"))
    ctx = context(cfg, "okh")
    doc = Document(url="http://127.0.0.1:9/okh/list.json", doc_kind="okh-list", source="okh", fetched_at=None,
                   content=b'["a.yml"]')
    assert adapter_for("okh-list").parse(doc, ctx.source) == []
