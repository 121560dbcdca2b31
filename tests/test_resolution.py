"""One design seen by a list, the GitHub API, OSHWA and its web page is one project; a fork stays its own."""

from __future__ import annotations

import json

import pytest
from conftest import rows
from fakegithub import FakeGitHub, FakeRepo
from loopback import serve
from werkzeug import Response

HTML = """<html><head><title>{name} | makers</title><meta name="description" content="{name} home page">
</head><body><a href="https://github.com/Org/{name}">source on GitHub</a></body></html>"""


def _oshwa_items(site: str) -> list[dict]:
    def item(uid, name, website, docs):
        return {"oshwaUid": uid, "responsibleParty": "Org", "responsiblePartyType": "Organization",
                "country": "France", "projectName": name, "projectWebsite": website, "projectVersion": "1",
                "projectDescription": f"{name}, certified", "primaryType": "Science", "additionalType": [],
                "projectKeywords": ["ventilator"], "documentationUrl": docs, "hardwareLicense": "CERN-OHL-S-2.0",
                "softwareLicense": "GPL-3.0", "documentationLicense": "CC BY-SA",
                "certificationDate": "2020-05-01T00:00-04:00"}
    return [item("FR000001", "Breathe", f"{site}/breathe", "https://github.com/Org/Breathe"),
            item("FR000002", "Puff", f"{site}/puff", "https://github.com/Org/Puff")]


@pytest.fixture
def hub():
    with serve() as server:
        site = server.url_for("").rstrip("/")
        items = _oshwa_items(site)

        def projects(request):
            offset, limit = int(request.args.get("offset", 0)), int(request.args.get("limit", 50))
            return Response(json.dumps({"items": items[offset:offset + limit], "limit": limit,
                                        "total": len(items)}), content_type="application/json")

        server.expect_request("/api/projects").respond_with_handler(projects)
        server.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
        for name in ("Breathe", "Puff"):
            server.expect_request(f"/{name.lower()}").respond_with_data(HTML.format(name=name),
                                                                          content_type="text/html")
        yield server, site


def _world(site: str) -> list[FakeRepo]:
    readme = (f"# Vents\n\n## Projects\n\n"
              f"1. [Breathe]({site}/breathe): a bag ventilator, [code](https://github.com/Org/Breathe).\n"
              f"1. [Puff]({site}/puff): a CPAP helper.\n"
              f"1. [Puff firmware](https://github.com/Org/Puff): its code.\n").encode()
    return [
        FakeRepo("Lists/vents", {"README.md": readme}),
        FakeRepo("Org/Breathe", {"README.md": b"# Breathe\nA ventilator.\n"}, description="Breathe ventilator",
                 topics=["ventilator"], stars=50, pushed_at="2021-01-01T00:00:00Z"),
        FakeRepo("Fork/Breathe", {"README.md": b"# Breathe (fork)\n"}, description="Breathe ventilator fork",
                 topics=["ventilator"], fork=True, parent="Org/Breathe", pushed_at="2021-02-01T00:00:00Z"),
        FakeRepo("Org/Puff", {"README.md": b"# Puff\n"}, description="Puff firmware", pushed_at="2021-01-01T00:00:00Z"),
    ]


def _config(tmp_path, gh_url, site):
    from loopback import hub_config

    sources = f"""
[[sources]]
name = "vents"
kind = "github-list"
repo = "Lists/vents"

[[sources]]
name = "oshwa"
kind = "oshwa"
api_url = "{site}"

[[sources]]
name = "search"
kind = "github-search"
queries = ["topic:ventilator"]

[[sources]]
name = "pages"
kind = "web"
"""
    return hub_config(tmp_path, sources, github_url=gh_url)



def test_one_design_four_sources_and_a_linked_fork(tmp_path, hub, run_ohr, monkeypatch):
    server, site = hub
    monkeypatch.setenv("GITHUB_TOKEN", "t")
    monkeypatch.setenv("OSHWA_TOKEN", "o")
    with FakeGitHub(_world(site)) as gh:
        cfg = _config(tmp_path, gh.url, site)
        r = run_ohr("crawl", "--config", str(cfg))
        assert r.code == 0, r.out + r.err
        db = tmp_path / "registry.duckdb"
        found = rows(db, "SELECT source FROM source_records WHERE project_id = 'github.com/org/breathe' ORDER BY 1")
        assert [s for (s,) in found] == ["oshwa", "pages", "search", "vents"]
        v = rows(db, "SELECT name, sources, hardware_licence, maturity_state FROM v_projects "
                   "WHERE id = 'github.com/org/breathe'")
        assert v == [("Breathe", ["oshwa", "pages", "search", "vents"], "CERN-OHL-S-2.0", "certified")]
        # every source record keeps its own fields
        fields = dict(rows(db, "SELECT source, fields FROM source_records WHERE project_id = 'github.com/org/breathe'"))
        assert json.loads(fields["oshwa"])["oshwa_uid"] == "FR000001"
        # the fork is its own project, linked to its origin
        fork = rows(db, "SELECT id, fork_of, fork_of_project FROM v_projects WHERE id = 'github.com/fork/breathe'")
        assert fork == [("github.com/fork/breathe", "Org/Breathe", "github.com/org/breathe")]
        # the OSHWA record links Puff's site and its firmware repository, listed apart: the resolver merges them
        merged = rows(db, "SELECT alias_id, project_id, merged_by FROM aliases")
        site_id = (site.replace("http://", "") + "/puff")
        assert merged == [("github.com/org/puff", site_id, "resolver")] or \
            merged == [(site_id, "github.com/org/puff", "resolver")]
        listed = rows(db, "SELECT sources FROM v_projects WHERE id IN (?, 'github.com/org/puff')", [site_id])
        assert listed == [(["oshwa", "pages", "vents"],)]  # one row, with the sources of both
        kept, absorbed = merged[0][1], merged[0][0]

        # a curator splits them; the next crawl does not merge them again
        r = run_ohr("split", absorbed, "--note", "different designs", "--by", "ana", "--config", str(cfg))
        assert r.code == 0, r.err
        assert run_ohr("crawl", "--config", str(cfg)).code == 0
        assert rows(db, "SELECT count(*) FROM aliases")[0][0] == 0
        assert rows(db, "SELECT count(*) FROM v_projects WHERE id IN (?, ?)", [kept, absorbed])[0][0] == 2
        # a second crawl adds no source records
        assert rows(db, "SELECT count(*) FROM source_records WHERE project_id = 'github.com/org/breathe'")[0][0] == 4


def test_sources_lists_configured_sources_with_last_run(world, run_ohr):
    cfg, db, gh = world
    r = run_ohr("sources", "--config", str(cfg), "-f", "json")
    assert r.code == 0 and json.loads(r.out)[0]["last_status"] == "never run"
    gh.delete("Pub/VentMon")
    assert run_ohr("crawl", "--config", str(cfg)).code == 0
    rows = json.loads(run_ohr("sources", "--config", str(cfg), "-f", "json").out)
    assert len(rows) == 1
    row = rows[0]
    assert row["source"] == "vent-list" and row["kind"] == "github-list" and row["configured"] is True
    assert row["last_status"] == "ok" and row["projects"] == 5 and row["errors"] == 1 and row["last_run"]
