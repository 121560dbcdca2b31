"""A loopback GitHub serves a list and three repos; `ohr crawl` then search/show/sql answer from DuckDB."""

from __future__ import annotations

import json

from conftest import rows


def test_crawl_search_show_sql(world, run_ohr):
    cfg, db, gh = world
    r = run_ohr("crawl", "--config", str(cfg))
    assert r.code == 0, r.err
    assert "vent-list: 5 entries, 5 new projects" in r.out
    assert "3 GitHub repositories (3 new" in r.out

    ids = {row[0] for row in rows(db, "SELECT id FROM projects")}
    assert ids == {
        "github.com/amb/ambovent", "github.com/jul/zephyr", "maskmaker.example.com/index",
        "list:vent-list/news.example.net/story/low-cost-ventilator-prototype", "github.com/pub/ventmon",
    }
    # the entry with a site and a repository is one project with both URLs
    urls = {row[0] for row in rows(db, "SELECT url FROM project_urls WHERE project_id = 'github.com/amb/ambovent'")}
    assert urls == {"https://ambovent.example.org", "https://github.com/amb/ambovent"}

    r = run_ohr("search", "ventilator", "--config", str(cfg), "--format", "json")
    assert r.code == 0, r.err
    found = json.loads(r.out)
    names = [f["name"] for f in found]
    assert names[0] == "Zephyr Ventilator"  # name match ranks above description/README matches
    assert set(names) >= {"Zephyr Ventilator", "AmboVent", "VentMon"}

    r = run_ohr("search", "--category", "Test equipment", "--config", str(cfg), "--format", "csv")
    assert r.code == 0
    assert r.out.splitlines()[1].startswith("github.com/pub/ventmon,VentMon")

    r = run_ohr("show", "Amb/AmboVent", "--config", str(cfg), "--format", "json")
    assert r.code == 0, r.err
    shown = json.loads(r.out)
    assert shown["project"]["stars"] == 42
    assert shown["project"]["homepage"] == "https://ambovent.example.org"
    prov = shown["provenance"][0]
    assert prov["source"] == "vent-list" and prov["heading_path"] == "Ventilators > Projects"
    assert "well-tested design" in prov["description"]
    assert shown["repository"]["tree_files"] == 3

    r = run_ohr("sql", "SELECT count(*) AS n FROM repos WHERE status = 'ok'", "--config", str(cfg),
                "--format", "csv")
    assert r.code == 0 and r.out.splitlines() == ["n", "3"]


def test_second_crawl_adds_no_rows_and_keeps_ids(world, run_ohr):
    cfg, db, gh = world
    assert run_ohr("crawl", "--config", str(cfg)).code == 0
    tables = ["projects", "project_urls", "source_records", "repos", "documents"]
    before = {t: rows(db, f"SELECT count(*) FROM {t}")[0][0] for t in tables}
    ids_before = rows(db, "SELECT id, first_seen FROM projects ORDER BY id")
    counted_before = gh.counted
    r = run_ohr("crawl", "--config", str(cfg))
    assert r.code == 0, r.err
    after = {t: rows(db, f"SELECT count(*) FROM {t}")[0][0] for t in tables}
    assert after == before
    assert rows(db, "SELECT id, first_seen FROM projects ORDER BY id") == ids_before
    assert "0 new projects" in r.out and "3 unchanged" in r.out
    # authenticated conditional requests answered 304 do not count against the limit
    assert gh.counted == counted_before


def test_deleted_and_renamed_repos_are_recorded(world, run_ohr):
    from fakegithub import FakeRepo

    cfg, db, gh = world
    assert run_ohr("crawl", "--config", str(cfg)).code == 0
    gh.delete("Pub/VentMon")
    gh.rename("Jul/Zephyr", FakeRepo("Jul/Zephyr-Ventilator", {"README.md": b"# Zephyr\n"},
                                     pushed_at="2021-02-02T00:00:00Z"))
    r = run_ohr("crawl", "--config", str(cfg))
    assert r.code == 0, r.err
    status = dict(rows(db, "SELECT project_id, status FROM repos"))
    assert status["github.com/pub/ventmon"] == "gone"
    assert status["github.com/jul/zephyr"] == "moved"
    assert rows(db, "SELECT moved_to FROM repos WHERE project_id = 'github.com/jul/zephyr'") == \
        [("Jul/Zephyr-Ventilator",)]
    # the project keeps its id and now also answers to the new URL
    assert rows(db, "SELECT project_id FROM project_urls WHERE url = 'https://github.com/jul/zephyr-ventilator'") \
        == [("github.com/jul/zephyr",)]
    # what was stored before the deletion is still there
    assert rows(db, "SELECT stars FROM repos WHERE project_id = 'github.com/pub/ventmon'") == [(3,)]
    kinds = {k for (k,) in rows(db, "SELECT kind FROM crawl_errors")}
    assert {"gone", "moved"} <= kinds


def test_unreachable_source_keeps_registry(world, run_ohr, tmp_path):
    cfg, db, gh = world
    assert run_ohr("crawl", "--config", str(cfg)).code == 0
    n = rows(db, "SELECT count(*) FROM projects")[0][0]
    # a port nothing listens on
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    text = cfg.read_text().replace(gh.url, f"http://127.0.0.1:{port}")
    cfg.write_text(text)
    r = run_ohr("crawl", "--config", str(cfg))
    assert r.code == 4
    assert "vent-list: unreachable" in r.err
    assert "Traceback" not in r.err + r.out
    assert rows(db, "SELECT count(*) FROM projects")[0][0] == n


def test_anonymous_budget_marks_rest_pending_and_finishes_next_run(tmp_path, run_ohr):
    from conftest import SOURCES, small_world, write_config
    from fakegithub import FakeGitHub

    with FakeGitHub(small_world(), anon_limit=6) as gh:
        cfg = write_config(tmp_path, gh.url, SOURCES)
        r = run_ohr("crawl", "--config", str(cfg))
        assert r.code == 4
        assert "pending" in r.out + r.err
        db = tmp_path / "registry.duckdb"
        pending = rows(db, "SELECT count(*) FROM repos WHERE status = 'pending'")[0][0]
        assert pending >= 1
        gh.used = {"token": 0, "none": 0}  # the hour has passed
        r = run_ohr("crawl", "--config", str(cfg))
        # the budget resets; pending repositories are fetched first and finished
        assert rows(db, "SELECT count(*) FROM repos WHERE status = 'pending'")[0][0] < pending


def test_search_filters_on_normalized_fields(world, run_ohr):
    """--licence (verdict or SPDX prefix), --has-bom and --maturity read what the normalizers derived."""
    cfg, db, gh = world
    assert run_ohr("crawl", "--config", str(cfg)).code == 0

    def ids(*args):
        r = run_ohr("search", "", "--config", str(cfg), "-f", "json", *args)
        assert r.code == 0, r.err
        return {row["id"] for row in json.loads(r.out)}

    # AmboVent ships an MIT licence file; VentMon's BOM has two parts; Zephyr's README says prototype
    assert ids("--licence", "MIT") == {"github.com/amb/ambovent"}
    assert "github.com/amb/ambovent" in ids("--licence", "open")
    assert ids("--has-bom") == {"github.com/pub/ventmon"}
    assert rows(db, "SELECT bom_lines FROM v_projects WHERE id = 'github.com/pub/ventmon'") == [(2,)]
    assert "github.com/jul/zephyr" in ids("--maturity", "prototype")
    assert "github.com/jul/zephyr" not in ids("--maturity", "tested")
    r = run_ohr("search", "", "--maturity", "finished", "--config", str(cfg))
    assert r.code == 2 and "Traceback" not in r.err
    shown = json.loads(run_ohr("show", "Amb/AmboVent", "--config", str(cfg), "-f", "json").out)
    assert shown["project"]["hardware_licence"] == "MIT" and shown["project"]["openness"] == "open"
    hw = next(lic for lic in shown["licences"] if lic["scope"] == "hardware")
    assert hw["source"] == "file" and "LICENSE" in hw["evidence"]
    vm = json.loads(run_ohr("show", "Pub/VentMon", "--config", str(cfg), "-f", "json").out)
    assert vm["boms"] == [{"path": "design/VentMon BOM.csv", "format": "csv", "origin": "published", "line_count": 2,
                           "cost": None, "error": None}]
    zephyr = json.loads(run_ohr("show", "Jul/Zephyr", "--config", str(cfg), "-f", "json").out)
    assert zephyr["maturity"][0]["stage"] == "prototype" and "prototype" in json.dumps(zephyr["maturity"])
    assert run_ohr("show", "Pub/VentMon", "--config", str(cfg)).code == 0
