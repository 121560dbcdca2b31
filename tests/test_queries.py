"""Every shipped curated query runs on a small registry and returns exactly the expected rows."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from registry_factory import designs

from queries.sqlfiles import available, load
from registry.db import writer
from registry.store import insert

SHIPPED = {"bom_cost", "buildable", "dead_links", "inactive", "licence_mix", "maturity_by_category",
           "nc_nd_listed_as_open", "projects_over_time", "recent_changes", "shared_parts"}


@pytest.fixture
def reg(tmp_path):
    return designs(tmp_path / "q.duckdb")


def q(run_ohr, db, name, *params):
    args = ["query", name, "--db", str(db), "--format", "json"]
    for p in params:
        args += ["--param", p]
    r = run_ohr(*args)
    assert r.code == 0, r.err
    return json.loads(r.out)


def test_every_query_has_a_header_and_is_listed(run_ohr):
    assert set(available()) == SHIPPED
    for name in SHIPPED:
        sf = load(name)
        assert sf.title != name and sf.description, name
        assert all(sf.notes[p] for p in sf.params), f"{name}: every parameter says what it means"
    r = run_ohr("queries", "--format", "json")
    assert r.code == 0
    listed = {row["name"]: row for row in json.loads(r.out)}
    assert set(listed) == SHIPPED
    assert "days=730" in listed["inactive"]["params"]


def test_maturity_by_category(run_ohr, reg):
    rows = q(run_ohr, reg, "maturity_by_category")
    assert [(r["category"], r["maturity"], r["projects"], r["share_pct"]) for r in rows] == [
        ("Masks", "tested", 1, 50.0), ("Masks", "production", 1, 50.0),
        ("Other designs", "(unknown)", 2, 100.0),
        ("Ventilators", "prototype", 1, 50.0), ("Ventilators", "tested", 1, 50.0)]


def test_projects_over_time(run_ohr, reg):
    with writer(reg) as con:  # two repositories with a creation date; the rest dated by when they were first seen
        con.execute("UPDATE repos SET created_at = '2019-03-01' WHERE project_id = 'github.com/a/openvent'")
        con.execute("UPDATE repos SET created_at = '2020-04-01' WHERE project_id = 'github.com/b/maskmaker'")
    rows = q(run_ohr, reg, "projects_over_time")
    assert [(r["year"], r["projects"], r["by_repository"], r["running_total"]) for r in rows] == [
        (2019, 1, 1, 1), (2020, 1, 1, 2), (2022, 4, 0, 6)]


def test_buildable(run_ohr, reg):
    rows = q(run_ohr, reg, "buildable")
    # open hardware licence + BOM + tested or better; ProtoVent is a prototype, ShieldNC is NC
    assert [r["id"] for r in rows] == ["github.com/b/maskmaker", "github.com/a/openvent"]
    rows = q(run_ohr, reg, "buildable", "min_maturity=prototype", "category=vent")
    assert [r["id"] for r in rows] == ["github.com/a/openvent", "github.com/d/protovent"]


def test_buildable_keeps_unsafe_marked_and_drops_not_open(run_ohr, reg):
    assert run_ohr("flag", "openvent", "--kind", "unsafe", "--note", "no relief valve", "--db", str(reg)).code == 0
    assert run_ohr("flag", "maskmaker", "--kind", "not-open", "--note", "STL only", "--db", str(reg)).code == 0
    rows = q(run_ohr, reg, "buildable")
    assert [(r["id"], r["flags"]) for r in rows] == [("github.com/a/openvent", "unsafe")]


def test_buildable_bad_parameter_is_a_user_error(run_ohr, reg):
    r = run_ohr("query", "buildable", "--param", "min_maturity=great", "--db", str(reg))
    assert r.code == 3 and "min_maturity must be" in r.err
    r = run_ohr("query", "buildable", "--param", "nope=1", "--db", str(reg))
    assert r.code == 3 and "no parameter" in r.err
    r = run_ohr("query", "no_such_query", "--db", str(reg))
    assert r.code == 3 and "no query 'no_such_query'" in r.err
    r = run_ohr("query", "../cli", "--db", str(reg))
    assert r.code == 3


def test_licence_mix(run_ohr, reg):
    rows = q(run_ohr, reg, "licence_mix")
    got = [(r["category"], r["licence"], r["projects"], r["share_pct"]) for r in rows]
    assert got == [
        ("Masks", "(unknown)", 1, 50.0), ("Masks", "CERN-OHL-P-2.0", 1, 50.0),
        ("Other designs", "(unknown)", 2, 100.0),
        ("Ventilators", "CERN-OHL-S-2.0", 1, 50.0), ("Ventilators", "MIT", 1, 50.0),
    ]
    docs = q(run_ohr, reg, "licence_mix", "scope=documentation")
    assert ("Masks", "CC-BY-NC-SA-4.0", "restricted") in [(r["category"], r["licence"], r["openness"]) for r in docs]


def test_nc_nd_listed_as_open(run_ohr, reg):
    rows = q(run_ohr, reg, "nc_nd_listed_as_open")
    assert [r["id"] for r in rows] == ["github.com/c/shieldnc"]
    assert rows[0]["claim"] == "Masks — ShieldNC — Open face shield for clinics."
    assert rows[0]["licences"] == "documentation: CC-BY-NC-SA-4.0"


def test_inactive(run_ohr, reg):
    rows = q(run_ohr, reg, "inactive", "as_of=2022-01-01")
    got = {r["id"]: r["why"] for r in rows}
    assert got == {"github.com/b/maskmaker": "no push for 1096 days", "github.com/d/protovent": "archived on GitHub"}
    rows = q(run_ohr, reg, "inactive", "as_of=2022-01-01", "days=100")
    assert {r["id"] for r in rows} == {"github.com/b/maskmaker", "github.com/d/protovent", "github.com/a/openvent"}


def test_dead_links(run_ohr, reg):
    rows = q(run_ohr, reg, "dead_links")
    got = sorted((r["id"], r["problem"]) for r in rows)
    assert got == [("github.com/e/gonevent", "repository gone (404)"),
                   ("github.com/f/movedvent", "repository moved to F/MovedVent2")]
    assert [r["id"] for r in q(run_ohr, reg, "dead_links", "moved=false")] == ["github.com/e/gonevent"]
    run_ohr("flag", "maskmaker", "--kind", "dead-link", "--note", "site down", "--by", "ana", "--db", str(reg))
    rows = q(run_ohr, reg, "dead_links", "moved=false")
    assert ("github.com/b/maskmaker", "flagged dead-link by ana: site down") in [(r["id"], r["problem"]) for r in rows]


def test_shared_parts(run_ohr, reg):
    rows = q(run_ohr, reg, "shared_parts")
    got = [(r["mpn"], r["designs"], r["total_quantity"], r["projects"]) for r in rows]
    assert got == [
        ("BMP280", 2, 6.0, ["github.com/a/openvent", "github.com/c/shieldnc"]),
        ("ESP32-WROOM-32", 2, 2.0, ["github.com/a/openvent", "github.com/b/maskmaker"]),
    ]
    run_ohr("flag", "openvent", "--kind", "unsafe", "--note", "x", "--db", str(reg))
    rows = q(run_ohr, reg, "shared_parts", "min_designs=2", "lim=1")
    assert rows[0]["projects"] == ["github.com/a/openvent (unsafe)", "github.com/c/shieldnc"]


def test_bom_cost(run_ohr, reg):
    rows = q(run_ohr, reg, "bom_cost")
    got = [(r["category"], r["currency"], r["priced"], r["median"]) for r in rows]
    assert got == [("Masks", "EUR", "1 of 2", 4.0), ("Masks", "USD", "1 of 2", 6.0),
                   ("Ventilators", "USD", "1 of 2", 11.0)]
    assert [r["category"] for r in q(run_ohr, reg, "bom_cost", "currency=eur")] == ["Masks"]


def test_recent_changes(run_ohr, reg):
    with writer(reg) as con:
        insert(con, "project_changes", [
            {"project_id": "github.com/a/openvent", "field": "stars", "old_value": "90", "new_value": "100",
             "changed_at": datetime(2022, 1, 5), "run_id": "r1"},
            {"project_id": "github.com/c/shieldnc", "field": "hardware_licence", "old_value": None,
             "new_value": "CC-BY-NC-SA-4.0", "changed_at": datetime(2022, 1, 9), "run_id": "r2"},
            {"project_id": "github.com/b/maskmaker", "field": "archived", "old_value": "false",
             "new_value": "true", "changed_at": datetime(2021, 11, 1), "run_id": "r0"},
        ])
        insert(con, "audit_log", [{"acted_at": datetime(2022, 1, 8), "actor": "ana", "action": "flag",
                                   "project_id": "github.com/a/openvent", "target": "unsafe", "new_value": "unsafe",
                                   "note": "x"}])
    rows = q(run_ohr, reg, "recent_changes", "as_of=2022-01-10")
    got = [(r["id"], r["who"], r["field"], r["old_value"], r["new_value"]) for r in rows]
    assert got == [
        ("github.com/c/shieldnc", "crawler", "hardware_licence", None, "CC-BY-NC-SA-4.0"),
        ("github.com/a/openvent", "ana", "flag unsafe", None, "unsafe"),
        ("github.com/a/openvent", "crawler", "stars", "90", "100"),
    ]
    rows = q(run_ohr, reg, "recent_changes", "as_of=2022-01-10", "field=flag")
    assert [r["field"] for r in rows] == ["flag unsafe"]
    assert len(q(run_ohr, reg, "recent_changes", "as_of=2022-01-10", "days=90")) == 4


def test_own_sql_file_runs_read_only(run_ohr, reg, tmp_path):
    mine = tmp_path / "mine.sql"
    mine.write_text("-- title: Mine\n-- description: stars above\n-- param: min = 50  minimum stars\n"
                    "SELECT id FROM v_projects WHERE stars >= $min::INTEGER ORDER BY id\n")
    r = run_ohr("query", str(mine), "--db", str(reg), "--format", "csv")
    assert r.code == 0, r.err
    assert r.out.splitlines() == ["id", "github.com/a/openvent"]
    evil = tmp_path / "evil.sql"
    evil.write_text("-- title: Evil\nCOPY (SELECT 1) TO '" + str(tmp_path / "leak.csv") + "'\n")
    r = run_ohr("query", str(evil), "--db", str(reg))
    assert r.code == 3 and not (tmp_path / "leak.csv").exists()
