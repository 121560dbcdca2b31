"""`csv-list` against a loopback published sheet: BOM, semicolons, blank rows, title rows above the header,
a repeated header, a malformed row, duplicates, an HTML answer, a 5xx, and a crawl into DuckDB."""

from __future__ import annotations

import json

import duckdb
from loopback import collect, context, hub_config

from crawler.config import load_config
from crawler.run import crawl
from crawler.sources import adapter_for

SHEET = (
    "\ufeffCrowd-sourced open hardware database;;;;;\n"
    "Last updated 2024-05-01;;;;;\n"
    ";;;;;\n"
    "Project;Link;Notes;Type;License;Country\n"
    "Open Vent;https://openvent.example.org;\"Bag-valve ventilator; tested\";Medical;CERN-OHL-S-2.0;FR\n"
    ";;;;;\n"
    "Flow Meter;github.com/Maker/flow-meter;\"Measures flow; has a display\";Medical;MIT;DE\n"
    "Project;Link;Notes;Type;License;Country\n"
    "Broken row;see website;;Tools;;\n"
    "Open Vent again;https://www.openvent.example.org/;dupe;Medical;;\n"
    "Solar Still;https://still.example.org/plans;;Water;;KE\n"
)

SOURCE = """[[sources]]
name = "sheet"
kind = "csv-list"
url = "{url}/sheet.csv"

[sources.columns]
name = "Project"
url = "Link"
description = "Notes"
category = "Type"
licence = "License"
country = "Country"
"""


def test_rows_records_problems(tmp_path, server):
    server.expect_request("/sheet.csv").respond_with_data(SHEET.encode("utf-8"), content_type="text/csv")
    cfg = hub_config(tmp_path, SOURCE.format(url=server.url_for("").rstrip("/")))
    ctx = context(cfg, "sheet")
    docs, recs, probs = collect(adapter_for("csv-list").fetch(ctx))
    assert [r.name for r in recs] == ["Open Vent", "Flow Meter", "Solar Still"]
    vent, flow, still = recs
    assert vent.urls == ["https://openvent.example.org"] and vent.key == "openvent.example.org"
    assert vent.category == "Medical" and vent.fields["licence"] == {"hardware": "CERN-OHL-S-2.0"}
    assert vent.fields["country"] == "FR" and vent.position == 5
    assert flow.urls == ["https://github.com/Maker/flow-meter"] and flow.description == "Measures flow; has a display"
    assert still.fields == {"row": 11, "country": "KE"}
    assert sorted((p.kind, p.item.rsplit("#", 1)[1]) for p in probs) == [("duplicate", "row10"), ("malformed", "row9")]
    assert "'see website' is not a URL" in next(p.message for p in probs if p.kind == "malformed")
    assert len(docs) == 1 and docs[0].doc_kind == "csv-list"
    assert [r.key for r in adapter_for("csv-list").parse(docs[0], ctx.source)] == [r.key for r in recs]


def test_comma_sheet_two_url_columns_and_latin1(tmp_path, server):
    body = "Name,Site,Repo\r\nBoard,https://board.example.org,https://github.com/b/board\r\nCaf\xe9 Press,,https://gitlab.com/c/press\r\n"
    server.expect_request("/sheet.csv").respond_with_data(body.encode("cp1252"), content_type="text/csv")
    src = """[[sources]]
name = "sheet"
kind = "csv-list"
url = "{url}/sheet.csv"
columns = {{name = "name", url = ["Site", "Repo"]}}
"""
    cfg = hub_config(tmp_path, src.format(url=server.url_for("").rstrip("/")))
    _, recs, probs = collect(adapter_for("csv-list").fetch(context(cfg, "sheet")))
    assert not probs
    assert [(r.name, r.urls) for r in recs] == [
        ("Board", ["https://board.example.org", "https://github.com/b/board"]),
        ("Café Press", ["https://gitlab.com/c/press"])]


def test_html_answer_5xx_and_missing_header(tmp_path, server):
    cfg = hub_config(tmp_path, SOURCE.format(url=server.url_for("").rstrip("/")))
    server.expect_request("/sheet.csv").respond_with_data("<!DOCTYPE html><html>Sign in</html>",
                                                         content_type="text/html")
    docs, recs, probs = collect(adapter_for("csv-list").fetch(context(cfg, "sheet")))
    assert not recs and "HTML, not CSV" in probs[0].message and docs[0].content is None
    server.clear()
    server.expect_request("/sheet.csv").respond_with_data("boom", status=500)
    docs, recs, probs = collect(adapter_for("csv-list").fetch(context(cfg, "sheet")))
    assert not recs and "HTTP 500" in probs[0].message
    server.clear()
    server.expect_request("/sheet.csv").respond_with_data("a,b\n1,2\n", content_type="text/csv")
    docs, recs, probs = collect(adapter_for("csv-list").fetch(context(cfg, "sheet")))
    assert not recs and "no header row naming the columns Project, Link" in probs[0].message


def test_crawl_into_duckdb(tmp_path, server):
    server.expect_request("/sheet.csv").respond_with_data(SHEET.encode("utf-8"), content_type="text/csv")
    cfg = hub_config(tmp_path, SOURCE.format(url=server.url_for("").rstrip("/")))
    [summary] = crawl(load_config(cfg))
    assert summary.records == 3 and sorted(p.kind for p in summary.problems) == ["duplicate", "malformed"]
    con = duckdb.connect(str(tmp_path / "registry.duckdb"), read_only=True)
    try:
        rows = con.execute("SELECT project_id, name, category, fields FROM source_records WHERE source = 'sheet' "
                           "ORDER BY position").fetchall()
    finally:
        con.close()
    assert [r[:3] for r in rows] == [("openvent.example.org", "Open Vent", "Medical"),
                                     ("github.com/maker/flow-meter", "Flow Meter", "Medical"),
                                     ("still.example.org/plans", "Solar Still", "Water")]
    assert json.loads(rows[0][3])["licence"] == {"hardware": "CERN-OHL-S-2.0"}
