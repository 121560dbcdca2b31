"""Corrections win over what the crawler derives, keep their provenance, survive re-crawls and schema upgrades."""

from __future__ import annotations

import json

import duckdb
import pytest
from conftest import LIST_MD, rows
from fakegithub import FakeRepo

from registry import db as regdb

ZEPHYR = "github.com/jul/zephyr"




def test_correction_wins_over_recrawl_and_unset_restores(crawled, run_ohr):
    cfg, db, gh = crawled
    # what the crawler derived (the normalizers may know more or less about Zephyr as they improve)
    (hw, mat, opn), = rows(db, "SELECT hardware_licence, maturity, openness FROM v_projects WHERE id = ?", [ZEPHYR])
    r = run_ohr("set", "Jul/Zephyr", "name", "Zephyr (curated)", "--note", "the authors' name", "--by", "ana",
                "--config", str(cfg))
    assert r.code == 0, r.err
    assert r.out.splitlines()[0] == f"{ZEPHYR} name: Zephyr Ventilator → Zephyr (curated) (crawler: Zephyr Ventilator)"
    r = run_ohr("set", ZEPHYR, "licence", "cern-ohl-s-2.0", "--note", "LICENSE in v2 branch", "--by", "ana",
                "--config", str(cfg))
    assert r.code == 0, r.err
    assert f"hardware_licence: {hw or '∅'} → CERN-OHL-S-2.0" in r.out
    # openness follows the corrected licence at once (issue 17), and the command says so
    assert opn == "open" or f"openness: {opn} → open (follows the corrected licence)" in r.out, r.out
    assert run_ohr("set", ZEPHYR, "maturity", "Tested", "-n", "video of a 48 h run", "--config", str(cfg)).code == 0
    assert run_ohr("set", ZEPHYR, "openness", "open", "-n", "CERN-OHL-S", "--config", str(cfg)).code == 0

    # the list renames the entry and GitHub changes the description: the crawler's value moves, ours wins
    gh.add(FakeRepo("Lists/vent-list", {"README.md": LIST_MD.replace(b"[Zephyr Ventilator]", b"[Zephyr Mk2]")}))
    gh.add(FakeRepo("Jul/Zephyr", {"Readme.md": b"# Zephyr\n"}, description="Zephyr v2", stars=8,
                    pushed_at="2021-04-04T13:35:26Z", licence_spdx="MIT"))
    r = run_ohr("crawl", "--config", str(cfg))
    assert r.code == 0, r.err
    assert rows(db, "SELECT name, api_licence FROM v_projects_crawled WHERE id = ?", [ZEPHYR]) == [
        ("Zephyr Mk2", "MIT")]
    assert rows(db, "SELECT name, hardware_licence, maturity, openness, corrected FROM v_projects WHERE id = ?",
                 [ZEPHYR]) == [("Zephyr (curated)", "CERN-OHL-S-2.0", "tested", "open",
                                ["hardware_licence", "maturity", "name", "openness"])]

    # shown with provenance: value, the crawler's value, who, why
    shown = json.loads(run_ohr("show", ZEPHYR, "--config", str(cfg), "-f", "json").out)
    by_field = {c["field"]: c for c in shown["corrections"]}
    assert by_field["name"]["value"] == "Zephyr (curated)"
    assert by_field["name"]["crawler_value"] == "Zephyr Mk2"
    assert by_field["name"]["set_by"] == "ana" and by_field["name"]["note"] == "the authors' name"
    listed = json.loads(run_ohr("corrections", "--field", "name", "--config", str(cfg), "-f", "json").out)
    assert [(c["project_id"], c["value"], c["crawler_value"]) for c in listed] == [
        (ZEPHYR, "Zephyr (curated)", "Zephyr Mk2")]
    assert "Zephyr (curated)" in run_ohr("search", "zephyr", "--config", str(cfg)).out

    r = run_ohr("unset", ZEPHYR, "name", "--note", "list has the right name now", "--by", "bo", "--config", str(cfg))
    assert r.code == 0, r.err
    assert r.out.strip() == f"{ZEPHYR} name: Zephyr (curated) → Zephyr Mk2 (the crawler's value again)"
    assert rows(db, "SELECT name FROM v_projects WHERE id = ?", [ZEPHYR]) == [("Zephyr Mk2",)]
    log = rows(db, "SELECT actor, action, target, old_value, new_value FROM audit_log ORDER BY entry_id")
    assert log == [
        ("ana", "set", "name", "Zephyr Ventilator", "Zephyr (curated)"),
        ("ana", "set", "hardware_licence", hw, "CERN-OHL-S-2.0"),
        (log[2][0], "set", "maturity", mat, "tested"),
        (log[3][0], "set", "openness", "open", "open"),  # already open: it followed the corrected licence
        ("bo", "unset", "name", "Zephyr (curated)", "Zephyr Mk2"),
    ]


def test_a_correction_can_clear_a_field(crawled, run_ohr):
    cfg, db, _ = crawled
    amb = "github.com/amb/ambovent"
    assert rows(db, "SELECT homepage FROM v_projects WHERE id = ?", [amb]) == [("https://ambovent.example.org",)]
    assert run_ohr("set", amb, "homepage", "", "--note", "domain expired", "--config", str(cfg)).code == 0
    assert rows(db, "SELECT homepage, corrected FROM v_projects WHERE id = ?", [amb]) == [(None, ["homepage"])]


@pytest.mark.parametrize("field, value, needle", [
    ("maturity", "great", "maturity must be one of concept, prototype, tested, production"),
    ("stars", "1000", "cannot correct 'stars'"),
    ("hardware_licence", "Foo-1.0", "unknown licence id(s) in 'Foo-1.0'"),
    ("hardware_licence", "MIT AND", "not a licence expression"),
    ("homepage", "javascript:alert(1)", "homepage must be an http(s) URL"),
    ("name", "", "name cannot be empty"),
])
def test_bad_corrections_are_refused(crawled, run_ohr, field, value, needle):
    cfg, db, _ = crawled
    r = run_ohr("set", ZEPHYR, field, value, "--note", "x", "--config", str(cfg))
    assert r.code == 3, (r.code, r.err)
    lines = [ln for ln in r.err.splitlines() if ln.strip()]
    assert len(lines) == 1 and needle in lines[0], r.err
    assert rows(db, "SELECT count(*) FROM corrections") == [(0,)]


def test_licence_ref_and_unset_without_correction(crawled, run_ohr):
    cfg, db, _ = crawled
    r = run_ohr("set", ZEPHYR, "documentation-license", "LicenseRef-Zephyr-Terms", "-n", "custom terms",
                "--config", str(cfg))
    assert r.code == 0, r.err
    assert rows(db, "SELECT documentation_licence FROM v_projects WHERE id = ?", [ZEPHYR]) == [
        ("LicenseRef-Zephyr-Terms",)]
    r = run_ohr("unset", ZEPHYR, "maturity", "--config", str(cfg))
    assert r.code == 3 and "has no correction of maturity" in r.err


def test_curation_survives_a_schema_upgrade(crawled, run_ohr, monkeypatch):
    """A later migration that rebuilds v_projects_crawled keeps corrections applied and adds its columns."""
    cfg, db, _ = crawled
    run_ohr("set", ZEPHYR, "maturity", "production", "-n", "certified", "--config", str(cfg))
    run_ohr("flag", ZEPHYR, "--kind", "verified", "-n", "checked", "--config", str(cfg))
    future = ("ALTER VIEW v_projects_crawled RENAME TO v_projects_crawled_0004;\n"
              "CREATE VIEW v_projects_crawled AS SELECT *, 'new' AS future_column FROM v_projects_crawled_0004;")
    real = regdb._migrations
    monkeypatch.setattr(regdb, "_migrations", lambda: real() + [(9999, "future", future)])
    monkeypatch.setattr(regdb, "SCHEMA_VERSION", 9999)
    con = duckdb.connect(str(db))
    try:
        regdb.migrate(con)
        got = con.execute("SELECT maturity, flags, future_column FROM v_projects WHERE id = ?", [ZEPHYR]).fetchall()
        assert got == [("production", ["verified"], "new")]
        assert con.execute("SELECT count(*) FROM audit_log").fetchone()[0] == 2
    finally:
        con.close()
