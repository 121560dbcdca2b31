"""`oshwa` against a loopback certification API: paging, an HTML error page, a malformed item, details, the DB."""

from __future__ import annotations

import json

import duckdb
from fakegithub import FakeGitHub, FakeRepo
from loopback import collect, context, hub_config
from werkzeug import Request, Response

from crawler.config import load_config
from crawler.run import crawl
from crawler.sources import adapter_for

TOKEN = "oshwa-secret-token"


def project(uid: str, name: str, **kw) -> dict:
    base = {
        "oshwaUid": uid, "responsibleParty": "Ventilator Group", "responsiblePartyType": "Organization",
        "country": "United States of America", "projectName": name, "projectWebsite": f"https://{name.lower()}.example.org/",
        "projectVersion": "1.0", "projectDescription": f"{name} is certified open hardware.",
        "primaryType": "Science", "additionalType": ["Electronics"], "projectKeywords": ["ventilator", "medical"],
        "documentationUrl": "", "hardwareLicense": "CERN", "softwareLicense": "GPL", "documentationLicense": "CC BY-SA",
        "certificationDate": "2020-04-17T00:00-04:00",
    }
    base.update(kw)
    return base


ITEMS = [
    project("US000101", "AmboVent", documentationUrl="https://github.com/Amb/AmboVent"),
    project("US000102", "Flypi", projectWebsite="https://flypi.example.org", documentationUrl="https://flypi.example.org/docs",
            projectKeywords="microscope, education", hardwareLicense="CERN-OHL-S-2.0", softwareLicense="No software"),
    {"projectName": "No uid here"},  # malformed: skipped and recorded
    {"oshwaUid": "US000104"},  # listed without fields: read from /api/projects/US000104
    "not even an object",
    project("US000106", "Last", projectWebsite="N/A"),  # no usable website: the certification page remains
    project("US000107", "Seventh"),
]
DETAIL = project("US000104", "MoonRat", projectWebsite="https://moonrat.example.org", primaryType="Tool")


def api(html_at_offset: int | None = 4, total: int | None = None):
    def handler(request: Request) -> Response:
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return Response(json.dumps({"message": "Unauthorized"}), status=401, content_type="application/json")
        if request.path == "/api/projects/US000104":
            return Response(json.dumps(DETAIL), content_type="application/json")
        limit, offset = int(request.args["limit"]), int(request.args["offset"])
        if offset == html_at_offset:
            return Response("<html><body><h1>Down for maintenance</h1></body></html>", content_type="text/html")
        page = {"items": ITEMS[offset:offset + limit], "limit": limit, "total": total or len(ITEMS)}
        return Response(json.dumps(page), content_type="application/json")

    return handler


SOURCE = """[[sources]]
name = "oshwa"
kind = "oshwa"
api_url = "{url}"
page_size = 2
"""


def test_pages_records_problems(tmp_path, server, monkeypatch):
    monkeypatch.setenv("OSHWA_TOKEN", TOKEN)
    server.expect_request("/api/projects").respond_with_handler(api())
    server.expect_request("/api/projects/US000104").respond_with_handler(api())
    cfg = hub_config(tmp_path, SOURCE.format(url=server.url_for("").rstrip("/")))
    ctx = context(cfg, "oshwa")
    docs, recs, probs = collect(adapter_for("oshwa").fetch(ctx))

    offsets = [r.args.get("offset") for r, _ in server.log if r.path == "/api/projects"]
    assert offsets == ["0", "2", "4", "6"]  # paged until total; the HTML page at 4 skipped, not fatal
    by_key = {r.key: r for r in recs}
    assert set(by_key) == {"US000101", "US000102", "US000104", "US000107"}
    amb = by_key["US000101"]
    assert amb.urls == ["https://github.com/Amb/AmboVent", "https://ambovent.example.org/",
                        "https://certification.oshwa.org/us000101.html"]  # the repository first
    assert amb.name == "AmboVent" and amb.category == "Science"
    assert amb.fields["licence"] == {"hardware": "CERN", "software": "GPL", "documentation": "CC BY-SA"}
    assert amb.fields["certified_at"] == "2020-04-17"
    assert amb.fields["keywords"] == ["ventilator", "medical"]
    assert amb.fields["country"] == "United States of America" and amb.fields["version"] == "1.0"
    assert amb.fields["responsible_party"] == "Ventilator Group" and amb.fields["oshwa_uid"] == "US000101"
    assert by_key["US000102"].fields["keywords"] == ["microscope", "education"]
    assert by_key["US000102"].urls[0] == "https://flypi.example.org"
    assert by_key["US000104"].name == "MoonRat" and by_key["US000104"].category == "Tool"

    kinds = sorted(p.kind for p in probs)
    assert kinds == ["fetch", "malformed"]  # the string item was on the page that failed
    html = next(p for p in probs if p.kind == "fetch")
    assert "offset=4" in html.url and "HTML" in html.message
    assert [d.doc_kind for d in docs] == ["oshwa-page", "oshwa-page", "oshwa-project", "oshwa-page", "oshwa-page"]
    assert docs[3].error and docs[3].content is None
    for text in [d.url for d in docs] + [p.message for p in probs] + [p.url or "" for p in probs]:
        assert TOKEN not in text

    # parse (what `ohr renormalize` runs) gives the same records from the stored documents
    again = [r for d in docs for r in adapter_for("oshwa").parse(d, ctx.source)]
    assert sorted((r.key, r.urls, r.fields) for r in again) == sorted((r.key, r.urls, r.fields) for r in recs)


def test_missing_token_and_rejected_token(tmp_path, server, monkeypatch):
    server.expect_request("/api/projects").respond_with_handler(api())
    cfg = hub_config(tmp_path, SOURCE.format(url=server.url_for("").rstrip("/")))
    _, recs, probs = collect(adapter_for("oshwa").fetch(context(cfg, "oshwa")))
    assert not recs and probs[0].kind == "config" and "OSHWA_TOKEN" in probs[0].message
    monkeypatch.setenv("OSHWA_TOKEN", "wrong-token")
    _, recs, probs = collect(adapter_for("oshwa").fetch(context(cfg, "oshwa")))
    assert not recs and len(probs) == 1 and "HTTP 401" in probs[0].message and "wrong-token" not in probs[0].message


def test_server_error_then_unreachable(tmp_path, server, monkeypatch):
    monkeypatch.setenv("OSHWA_TOKEN", TOKEN)
    server.expect_request("/api/projects").respond_with_data("oops", status=500)
    cfg = hub_config(tmp_path, SOURCE.format(url=server.url_for("").rstrip("/")))
    docs, recs, probs = collect(adapter_for("oshwa").fetch(context(cfg, "oshwa")))
    assert not recs and "HTTP 500" in probs[0].message and docs[0].status == 500
    cfg = hub_config(tmp_path, SOURCE.format(url="http://127.0.0.1:9"))
    _, recs, probs = collect(adapter_for("oshwa").fetch(context(cfg, "oshwa")))
    assert not recs and probs[0].kind == "unreachable"


def test_crawl_into_duckdb(tmp_path, server, monkeypatch):
    monkeypatch.setenv("OSHWA_TOKEN", TOKEN)
    monkeypatch.setenv("GITHUB_TOKEN", "gh-test")
    server.expect_request("/api/projects").respond_with_handler(api(html_at_offset=None))
    server.expect_request("/api/projects/US000104").respond_with_handler(api())
    with FakeGitHub([FakeRepo("Amb/AmboVent", {"README.md": b"# AmboVent\n"}, stars=5)]) as gh:
        cfg = hub_config(tmp_path, SOURCE.format(url=server.url_for("").rstrip("/")), github_url=gh.url)
        [summary] = crawl(load_config(cfg))
    assert summary.records == 5
    assert [p.kind for p in summary.problems if p.kind == "malformed"] == ["malformed", "malformed"]
    con = duckdb.connect(str(tmp_path / "registry.duckdb"), read_only=True)
    try:
        rows = dict(con.execute("SELECT record_key, project_id FROM source_records WHERE source = 'oshwa'").fetchall())
        fields = json.loads(con.execute(
            "SELECT fields FROM source_records WHERE record_key = 'US000101'").fetchone()[0])
        repo = con.execute("SELECT stars FROM repos WHERE project_id = 'github.com/amb/ambovent'").fetchone()
        errors = con.execute("SELECT count(*) FROM crawl_errors WHERE source = 'oshwa'").fetchone()[0]
        stored = con.execute("SELECT url FROM documents WHERE source = 'oshwa'").fetchall()
    finally:
        con.close()
    assert rows["US000101"] == "github.com/amb/ambovent"  # the repository is the project; enriched via GitHub
    assert rows["US000106"] == "certification.oshwa.org/us000106.html"
    assert fields["licence"]["hardware"] == "CERN" and repo == (5,)
    assert errors == 2 and all(TOKEN not in u for (u,) in stored)
