"""`ohr history`: the append-only audit log of every curator action and the changes the crawler saw."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from conftest import rows
from fakegithub import FakeRepo

from registry.changes import record_changes
from registry.db import writer

ZEPHYR = "github.com/jul/zephyr"




def _history(run_ohr, cfg, ref, *args):
    r = run_ohr("history", ref, "--config", str(cfg), "-f", "json", *args)
    assert r.code == 0, r.err
    return json.loads(r.out)


def test_history_shows_crawler_changes_between_runs(crawled, run_ohr):
    cfg, db, gh = crawled
    first = _history(run_ohr, cfg, ZEPHYR, "--only", "crawler")
    assert first[0]["action"] == "first seen" and first[0]["who"] == "crawler"
    assert first[0]["note"].startswith("crawl run ")
    n = len(first)

    gh.add(FakeRepo("Jul/Zephyr", {"Readme.md": b"# Zephyr\n"}, description="Zephyr ventilator", stars=9,
                    pushed_at="2020-06-01T00:00:00Z"))
    assert run_ohr("crawl", "--config", str(cfg)).code == 0
    later = _history(run_ohr, cfg, ZEPHYR, "--only", "crawler")[n:]
    got = {(h["field"], h["old_value"], h["new_value"]) for h in later}
    assert ("stars", "7", "9") in got
    assert ("pushed_at", "2020-04-04 13:35:26", "2020-06-01 00:00:00") in got
    assert {h["action"] for h in later} == {"changed"}
    # a crawl that sees nothing new adds nothing
    assert run_ohr("crawl", "--config", str(cfg)).code == 0
    assert len(_history(run_ohr, cfg, ZEPHYR, "--only", "crawler")) == n + len(later)


def test_every_curator_action_is_in_the_audit_log(crawled, run_ohr):
    cfg, db, _ = crawled
    steps = [
        ("flag", ZEPHYR, "--kind", "unsafe", "--note", "no relief valve"),
        ("set", ZEPHYR, "maturity", "tested", "--note", "video"),
        ("unset", ZEPHYR, "maturity", "--note", "crawler knows now"),
        ("merge", ZEPHYR, "news.example.net", "--note", "same"),
        ("split", "list:vent-list/news.example.net/story/low-cost-ventilator-prototype", "--note", "not the same"),
        ("review", "--done", ZEPHYR, "--note", "looked"),
        ("unflag", ZEPHYR, "--kind", "unsafe", "--note", "fixed"),
    ]
    for step in steps:
        r = run_ohr(*step, "--by", "ana", "--config", str(cfg))
        assert r.code == 0, (step, r.err)
    hist = _history(run_ohr, cfg, ZEPHYR, "--only", "curator")
    assert [(h["action"], h["who"], h["note"]) for h in hist] == [
        ("flag", "ana", "no relief valve"), ("set", "ana", "video"), ("unset", "ana", "crawler knows now"),
        ("merge", "ana", "same"), ("split", "ana", "not the same"), ("review", "ana", "looked"),
        ("unflag", "ana", "fixed"),
    ]
    assert all(h["at"] for h in hist)
    assert [(h["field"], h["old_value"], h["new_value"]) for h in hist[1:3]] == [
        ("maturity", hist[1]["old_value"], "tested"), ("maturity", "tested", hist[2]["new_value"])]
    # the combined history interleaves crawler and curator entries by time
    both = _history(run_ohr, cfg, ZEPHYR)
    assert [h["at"] for h in both] == sorted(h["at"] for h in both)
    assert {h["who"] for h in both} == {"crawler", "ana"}
    assert len(_history(run_ohr, cfg, ZEPHYR, "--limit", "2")) == 2
    table = run_ohr("history", ZEPHYR, "--config", str(cfg)).out
    assert "history of github.com/jul/zephyr" in table and "no relief valve" in table
    # failed actions leave no trace
    before = rows(db, "SELECT count(*) FROM audit_log")
    assert run_ohr("set", ZEPHYR, "maturity", "great", "--note", "x", "--config", str(cfg)).code == 3
    assert rows(db, "SELECT count(*) FROM audit_log") == before


def test_curator_actor_defaults_to_env(crawled, run_ohr, monkeypatch):
    cfg, db, _ = crawled
    monkeypatch.setenv("OHR_CURATOR", "curator-from-env")
    assert run_ohr("flag", ZEPHYR, "-k", "verified", "-n", "ok", "--config", str(cfg)).code == 0
    assert rows(db, "SELECT actor FROM audit_log") == [("curator-from-env",)]


def test_history_option_errors(crawled, run_ohr):
    cfg, _, _ = crawled
    r = run_ohr("history", ZEPHYR, "--only", "robots", "--config", str(cfg))
    assert r.code == 3 and "--only must be crawler or curator" in r.err
    r = run_ohr("history", "nobody/nothing", "--config", str(cfg))
    assert r.code == 3 and "no project" in r.err


def test_record_changes_compares_with_the_last_snapshot(tmp_path):
    from registry_factory import add_project

    path = tmp_path / "c.duckdb"
    t1, t2, t3 = datetime(2022, 1, 1), datetime(2022, 1, 2), datetime(2022, 1, 3)
    with writer(path) as con:
        add_project(con, "github.com/x/y", "XY", stars=1, maturity="prototype",
                    licences={"hardware": ("CERN-OHL-W-2.0", "open", "weak")})
        assert record_changes(con, ["github.com/x/y"], "r1", t1) == 1  # first seen
        assert record_changes(con, ["github.com/x/y"], "r2", t2) == 0  # nothing changed
        con.execute("UPDATE repos SET stars = 5, archived = true")
        con.execute("UPDATE maturity SET stage = 'tested'")
        con.execute("DELETE FROM licences")
        con.execute("INSERT INTO bom_files (project_id, path, format, line_count, error, issues, cost) VALUES "
                    "('github.com/x/y', 'bom.csv', 'csv', 4, NULL, NULL, '{\"EUR\": 2, \"USD\": 1}')")
        n = record_changes(con, None, "r3", t3)
        got = con.execute("SELECT field, old_value, new_value FROM project_changes WHERE run_id = 'r3' "
                          "ORDER BY field").fetchall()
        assert n == len(got)
        # bom_cost comes from the normalizer's view once it sums bom_files.cost; either way it is JSON text
        assert [g for g in got if g[0] != "bom_cost"] == [
            ("archived", "false", "true"), ("bom_files", "0", "1"), ("bom_lines", "0", "4"),
            ("copyleft", "weak", None), ("hardware_licence", "CERN-OHL-W-2.0", None),
            ("maturity", "prototype", "tested"), ("openness", "open", "unknown"), ("stars", "1", "5"),
        ]
        assert [g for g in got if g[0] == "bom_cost"] in ([], [("bom_cost", None, '{"EUR": 2, "USD": 1}')])
        assert record_changes(con, [], "r4", t3) == 0
        assert record_changes(con, None, "r4", t3) == 0
        # a tracked field the snapshot never had is adopted silently, not reported everywhere
        con.execute("UPDATE project_snapshots SET fields = json_remove(fields, '$.stars')")
        con.execute("UPDATE repos SET stars = 6")
        assert record_changes(con, None, "r5", t3) == 0
        con.execute("UPDATE repos SET stars = 7")
        assert record_changes(con, None, "r6", t3) == 1


CURATION_COMMANDS = ["flag", "unflag", "flags", "set", "unset", "corrections", "merge", "split", "review", "history",
                     "queries", "query", "export"]


@pytest.mark.parametrize("cmd", CURATION_COMMANDS)
def test_every_curation_command_has_help_with_an_example(run_ohr, cmd):
    r = run_ohr(cmd, "--help")
    assert r.code == 0
    assert "Example:" in r.out and f"ohr {cmd}" in r.out
