"""Curator flags: never delete a project, survive re-crawls, filter search, mark unsafe ones everywhere."""

from __future__ import annotations

import json

import pytest
from conftest import rows
from fakegithub import FakeRepo

ZEPHYR = "github.com/jul/zephyr"




def _search(run_ohr, cfg, *args):
    r = run_ohr("search", "", "--config", str(cfg), "--format", "json", *args)
    assert r.code == 0, r.err
    return {row["id"]: row for row in json.loads(r.out)}


def test_flag_filters_search_and_survives_recrawl(crawled, run_ohr):
    cfg, db, gh = crawled
    r = run_ohr("flag", "Jul/Zephyr", "--kind", "unsafe", "--note", "no pressure relief valve", "--by", "ana",
                "--config", str(cfg))
    assert r.code == 0, r.err
    assert r.out.strip() == f"flagged {ZEPHYR}: unsafe — no pressure relief valve"
    assert run_ohr("flag", "ventmon", "--kind", "verified", "--note", "built one", "--by", "bo",
                   "--config", str(cfg)).code == 0

    found = _search(run_ohr, cfg)
    assert len(found) == 5  # a flag never deletes or hides by default
    assert found[ZEPHYR]["flags"] == "unsafe"  # marked in the listing
    assert set(_search(run_ohr, cfg, "--no-flag", "unsafe")) == set(found) - {ZEPHYR}
    assert set(_search(run_ohr, cfg, "--flag", "unsafe")) == {ZEPHYR}
    assert set(_search(run_ohr, cfg, "--flag", "any")) == {ZEPHYR, "github.com/pub/ventmon"}
    assert len(_search(run_ohr, cfg, "--no-flag", "any")) == 3
    assert _search(run_ohr, cfg, "--flag", "unsafe", "--flag", "verified") == {}

    # the crawler changes everything underneath: new description, stars, licence, archived
    gh.add(FakeRepo("Jul/Zephyr", {"Readme.md": b"# Zephyr\nNow tested.\n"}, description="Zephyr v2",
                    stars=99, archived=True, licence_spdx="CERN-OHL-S-2.0", pushed_at="2021-04-04T13:35:26Z"))
    r = run_ohr("crawl", "--config", str(cfg))
    assert r.code == 0, r.err
    assert rows(db, "SELECT stars, archived FROM v_projects WHERE id = ?", [ZEPHYR]) == [(99, True)]
    assert rows(db, "SELECT flags, unsafe FROM v_projects WHERE id = ?", [ZEPHYR]) == [(["unsafe"], True)]

    r = run_ohr("flags", "--config", str(cfg), "--format", "json")
    listed = json.loads(r.out)
    assert [(f["project_id"], f["kind"], f["note"], f["flagged_by"]) for f in listed] == [
        ("github.com/pub/ventmon", "verified", "built one", "bo"),
        (ZEPHYR, "unsafe", "no pressure relief valve", "ana"),
    ]
    assert [f["kind"] for f in json.loads(run_ohr("flags", "--kind", "unsafe", "--config", str(cfg),
                                                  "-f", "json").out)] == ["unsafe"]
    assert [f["kind"] for f in json.loads(run_ohr("flags", "--project", "ventmon", "--config", str(cfg),
                                                  "-f", "json").out)] == ["verified"]


def test_unsafe_is_marked_in_show(crawled, run_ohr):
    cfg, db, _ = crawled
    run_ohr("flag", ZEPHYR, "--kind", "unsafe", "--note", "no relief valve", "--config", str(cfg))
    shown = json.loads(run_ohr("show", ZEPHYR, "--config", str(cfg), "-f", "json").out)
    assert shown["project"]["unsafe"] is True and shown["project"]["flags"] == ["unsafe"]
    assert shown["flags"][0]["note"] == "no relief valve"
    table = run_ohr("show", ZEPHYR, "--config", str(cfg)).out
    assert "no relief valve" in table and "unsafe" in table


def test_reflag_replaces_note_and_unflag_keeps_the_audit(crawled, run_ohr):
    cfg, db, _ = crawled
    run_ohr("flag", ZEPHYR, "-k", "needs-review", "-n", "first look", "--by", "ana", "--config", str(cfg))
    run_ohr("flag", ZEPHYR, "-k", "needs-review", "-n", "second look", "--by", "bo", "--config", str(cfg))
    assert rows(db, "SELECT note, flagged_by FROM flags") == [("second look", "bo")]
    r = run_ohr("unflag", ZEPHYR, "--kind", "needs-review", "--note", "done", "--by", "cy", "--config", str(cfg))
    assert r.code == 0, r.err
    assert rows(db, "SELECT count(*) FROM flags") == [(0,)]
    assert rows(db, "SELECT actor, action, target, old_value, new_value, note FROM audit_log ORDER BY entry_id") == [
        ("ana", "flag", "needs-review", None, "needs-review", "first look"),
        ("bo", "flag", "needs-review", "needs-review", "needs-review", "second look"),
        ("cy", "unflag", "needs-review", "needs-review", None, "done"),
    ]
    assert rows(db, "SELECT count(*) FROM projects") == [(5,)]


def test_duplicate_flag_points_at_the_other_project(crawled, run_ohr):
    cfg, db, _ = crawled
    r = run_ohr("flag", "news.example.net", "--kind", "duplicate", "--of", ZEPHYR, "--note", "same design",
                "--config", str(cfg))
    assert r.code == 0, r.err
    assert f"ohr merge {ZEPHYR} list:vent-list/news.example.net/story/low-cost-ventilator-prototype" in r.out
    assert rows(db, "SELECT of_project FROM flags") == [(ZEPHYR,)]


@pytest.mark.parametrize("args, needle", [
    (["flag", ZEPHYR, "--kind", "scary", "--note", "x"], "unknown flag kind 'scary'"),
    (["flag", ZEPHYR, "--kind", "duplicate", "--note", "x"], "needs --of"),
    (["flag", ZEPHYR, "--kind", "unsafe", "--note", "x", "--of", "ventmon"], "--of is only for"),
    (["flag", ZEPHYR, "--kind", "duplicate", "--of", ZEPHYR, "--note", "x"], "cannot duplicate itself"),
    (["flag", "nobody/nothing", "--kind", "unsafe", "--note", "x"], "no project"),
    (["flag", ZEPHYR, "--kind", "unsafe", "--note", "  "], "needs a --note"),
    (["unflag", ZEPHYR, "--kind", "unsafe"], "has no 'unsafe' flag"),
    (["search", "", "--no-flag", "scary"], "unknown flag kind 'scary'"),
])
def test_flag_user_errors_are_one_line(crawled, run_ohr, args, needle):
    cfg, db, _ = crawled
    r = run_ohr(*args, "--config", str(cfg))
    assert r.code == 3, (r.code, r.err)
    lines = [ln for ln in r.err.splitlines() if ln.strip()]
    assert len(lines) == 1 and needle in lines[0], r.err
    assert rows(db, "SELECT count(*) FROM audit_log") == [(0,)]


def test_flags_survive_renormalize(crawled, run_ohr):
    cfg, db, _ = crawled
    run_ohr("flag", ZEPHYR, "--kind", "medical-claim", "--note", "claims ICU use", "--config", str(cfg))
    r = run_ohr("renormalize", "--config", str(cfg))
    assert r.code == 0, r.err
    assert "changes: 0" in r.out
    assert rows(db, "SELECT flags FROM v_projects WHERE id = ?", [ZEPHYR]) == [(["medical-claim"],)]


def test_flag_on_missing_registry_is_a_user_error(run_ohr, tmp_path):
    r = run_ohr("flag", ZEPHYR, "--kind", "unsafe", "--note", "x", "--db", str(tmp_path / "none.duckdb"))
    assert r.code == 3 and "no registry at" in r.err
    assert not (tmp_path / "none.duckdb").exists()
