"""The review queue lists exactly the projects new or changed since their last review, with what changed."""

from __future__ import annotations

import json

import pytest
from conftest import LIST_MD, rows
from fakegithub import FakeRepo

ZEPHYR = "github.com/jul/zephyr"
VENTMON = "github.com/pub/ventmon"
AMB = "github.com/amb/ambovent"



def _queue(run_ohr, cfg, *args):
    r = run_ohr("review", "--config", str(cfg), "-f", "json", *args)
    assert r.code == 0, r.err
    return {q["id"].lower(): q for q in json.loads(r.out)}


@pytest.fixture
def reviewed(world, run_ohr):
    """Crawled once and the whole first queue (every project is new) marked reviewed."""
    cfg, db, gh = world
    assert run_ohr("crawl", "--config", str(cfg)).code == 0
    first = _queue(run_ohr, cfg)
    assert len(first) == 5 and {q["status"] for q in first.values()} == {"new"}
    r = run_ohr("review", "--done-all", "--note", "first pass", "--by", "ana", "--config", str(cfg))
    assert r.code == 0 and r.out.startswith("reviewed 5 project(s)"), r.err
    assert _queue(run_ohr, cfg) == {}
    return cfg, db, gh


def test_queue_shows_exactly_what_changed(reviewed, run_ohr):
    cfg, db, gh = reviewed
    # Zephyr: more stars (not a review matter), archived, a licence appears; VentMon disappears; a new entry
    gh.add(FakeRepo("Jul/Zephyr", {"Readme.md": b"# Zephyr\nBreadboard prototype stage.\n"},
                    description="Zephyr ventilator", stars=70, archived=True, licence_spdx="CERN-OHL-S-2.0",
                    pushed_at="2020-04-04T13:35:26Z"))
    gh.delete("Pub/VentMon")
    gh.add(FakeRepo("Lists/vent-list", {"README.md": LIST_MD + b"\n## More\n\n* [NewVent](https://github.com/New/Vent)\n"}))
    gh.add(FakeRepo("New/Vent", {"README.md": b"# NewVent\n"}, stars=1))
    r = run_ohr("crawl", "--config", str(cfg))
    assert r.code == 0, r.err

    queue = _queue(run_ohr, cfg)
    assert set(queue) == {ZEPHYR, VENTMON, "github.com/new/vent"}
    assert queue[ZEPHYR]["status"] == "changed"
    # exactly the review-relevant changes recorded since the last review (the normalizers may derive more
    # from the licence and the archived flag: openness, maturity state…), and never the star count
    from registry.changes import REVIEW_FIELDS

    recorded = rows(db, "SELECT field, old_value, new_value FROM project_changes WHERE project_id = ? "
                         "AND changed_at > (SELECT max(reviewed_at) FROM reviews WHERE project_id = ?)",
                     [ZEPHYR, ZEPHYR])
    review_fields = {f for fs in REVIEW_FIELDS.values() for f in fs}
    assert queue[ZEPHYR]["changes"] == sorted(f"{f}: {o or '∅'} → {n or '∅'}" for f, o, n in recorded
                                              if f in review_fields)
    assert {"api_licence: ∅ → CERN-OHL-S-2.0", "archived: false → true"} <= set(queue[ZEPHYR]["changes"])
    assert ("stars", "7", "70") in recorded and not any(c.startswith("stars") for c in queue[ZEPHYR]["changes"])
    assert {"archived", "licence"} <= set(queue[ZEPHYR]["what"])
    assert queue[VENTMON]["what"] == ["status"]
    assert queue[VENTMON]["changes"] == ["repo_status: ok → gone"]
    assert queue["github.com/new/vent"]["status"] == "new" and queue["github.com/new/vent"]["changes"] == []

    assert set(_queue(run_ohr, cfg, "--what", "licence")) == {ZEPHYR}
    assert set(_queue(run_ohr, cfg, "--what", "new")) == {"github.com/new/vent"}
    assert set(_queue(run_ohr, cfg, "ventmon")) == {VENTMON}

    r = run_ohr("review", "--done", "Jul/Zephyr", "--note", "licence checked", "--by", "bo", "--config", str(cfg))
    assert r.code == 0 and r.out.strip() == f"reviewed 1 project(s): {ZEPHYR}"
    assert set(_queue(run_ohr, cfg)) == {VENTMON, "github.com/new/vent"}
    # the audit log says who reviewed what, with the changes they saw
    assert rows(db, "SELECT actor, target, old_value, note FROM audit_log WHERE action = 'review' "
                     "AND project_id = ? ORDER BY entry_id", [ZEPHYR]) == [
        ("ana", "new", None, "first pass"),
        ("bo", ", ".join(queue[ZEPHYR]["what"]), "; ".join(queue[ZEPHYR]["changes"]), "licence checked"),
    ]


def test_a_change_back_and_forth_needs_no_review(reviewed, run_ohr):
    cfg, db, gh = reviewed
    gh.add(FakeRepo("Jul/Zephyr", {"Readme.md": b"# Zephyr\n"}, archived=True, stars=7,
                    pushed_at="2020-04-04T13:35:26Z", description="Zephyr ventilator"))
    assert run_ohr("crawl", "--config", str(cfg)).code == 0
    assert set(_queue(run_ohr, cfg)) == {ZEPHYR}
    gh.add(FakeRepo("Jul/Zephyr", {"Readme.md": b"# Zephyr\n"}, archived=False, stars=7,
                    pushed_at="2020-04-04T13:35:26Z", description="Zephyr ventilator"))
    assert run_ohr("crawl", "--config", str(cfg)).code == 0
    assert _queue(run_ohr, cfg) == {}
    # but the history keeps both changes
    assert rows(db, "SELECT old_value, new_value FROM project_changes WHERE project_id = ? AND field = 'archived' "
                     "AND changed_at > (SELECT max(reviewed_at) FROM reviews) ORDER BY changed_at",
                 [ZEPHYR]) == [("false", "true"), ("true", "false")]


def test_review_errors(reviewed, run_ohr):
    cfg, _, _ = reviewed
    r = run_ohr("review", "--done", "--config", str(cfg))
    assert r.code == 3 and "--done needs the project ids" in r.err
    r = run_ohr("review", "--what", "colour", "--config", str(cfg))
    assert r.code == 3 and "unknown --what 'colour'" in r.err
    r = run_ohr("review", "--done", "nobody/nothing", "--config", str(cfg))
    assert r.code == 3 and "no project" in r.err


def test_table_output_names_the_changes(reviewed, run_ohr):
    cfg, _, gh = reviewed
    gh.delete("Pub/VentMon")
    assert run_ohr("crawl", "--config", str(cfg)).code == 0
    out = run_ohr("review", "--config", str(cfg)).out
    assert "review queue (1)" in out and "repo_status: ok → gone" in out
