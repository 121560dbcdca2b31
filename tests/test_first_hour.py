"""Issue 17: what a new user hits in the first hour — one test per reproduction of the issue, numbered as there.

1 (the README from the shipped config.toml) is tests/test_readme_walkthrough.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from registry_factory import designs

from registry import db as regdb


@pytest.fixture
def reg(tmp_path: Path) -> Path:
    from registry.search import refresh_search

    path = designs(tmp_path / "reg.duckdb")
    with regdb.writer(path) as con:
        refresh_search(con)
    return path


def _csv_ids(out: str) -> list[str]:
    return [line.split(",")[0] for line in out.splitlines()[1:] if line]


# -- 2: a curator's correction propagates to every derived field at once ------------------------------------
def test_2_licence_correction_moves_openness_search_buildable_and_exports(reg, run_ohr, tmp_path):
    db = ["--db", str(reg)]
    assert "github.com/a/openvent" in _csv_ids(run_ohr("search", "vent", "--licence", "open", "-f", "csv", *db).out)
    r = run_ohr("set", "a/openvent", "hardware_licence", "CC-BY-NC-4.0", "--note", "LICENSE says NC", "--by", "t",
                *db)
    assert r.code == 0, r.err
    assert "openness: open → restricted" in r.out
    assert "copyleft: strong → permissive" in r.out
    with regdb.reader(reg) as con:
        assert con.execute("SELECT openness, copyleft FROM v_projects WHERE id = 'github.com/a/openvent'"
                           ).fetchone() == ("restricted", "permissive")
        assert con.execute("SELECT openness FROM search_index WHERE project_id = 'github.com/a/openvent'"
                           ).fetchone() == ("restricted",)
    assert "github.com/a/openvent" not in _csv_ids(run_ohr("search", "vent", "--licence", "open", "-f", "csv",
                                                           *db).out)
    assert "github.com/a/openvent" in _csv_ids(run_ohr("search", "vent", "--licence", "restricted", "-f", "csv",
                                                       *db).out)
    assert "github.com/a/openvent" not in _csv_ids(run_ohr("query", "buildable", "-f", "csv", *db).out)
    out = tmp_path / "all.json"
    assert run_ohr("export", "--format", "json", "--out", str(out), *db).code == 0
    rows = {p["id"]: p for p in json.loads(out.read_text())}
    assert rows["github.com/a/openvent"]["openness"] == "restricted"
    # unset: the crawler's verdict again, everywhere
    r = run_ohr("unset", "a/openvent", "hardware_licence", *db)
    assert r.code == 0 and "openness: restricted → open" in r.out
    assert "github.com/a/openvent" in _csv_ids(run_ohr("search", "vent", "--licence", "open", "-f", "csv", *db).out)
    assert "github.com/a/openvent" in _csv_ids(run_ohr("query", "buildable", "-f", "csv", *db).out)


def test_2_corrected_openness_wins_over_a_corrected_licence(reg, run_ohr):
    db = ["--db", str(reg)]
    assert run_ohr("set", "c/shieldnc", "openness", "open", "--note", "NC waived in writing", *db).code == 0
    r = run_ohr("set", "c/shieldnc", "documentation_licence", "CC-BY-NC-4.0", "--note", "n", *db)
    assert r.code == 0 and "openness" not in r.out
    with regdb.reader(reg) as con:
        assert con.execute("SELECT openness FROM v_projects WHERE id = 'github.com/c/shieldnc'").fetchone() == ("open",)


def test_2_clearing_the_hardware_licence_falls_back_to_the_other_scopes(reg, run_ohr):
    db = ["--db", str(reg)]
    with regdb.writer(reg) as con:  # a second scope the crawler found
        con.execute("INSERT INTO licences (project_id, scope, expression, openness, copyleft, source, confidence) "
                    "VALUES ('github.com/a/openvent', 'documentation', 'CC-BY-ND-4.0', 'restricted', NULL, 'file', 1)")
    r = run_ohr("set", "a/openvent", "hardware_licence", "", "--note", "no hardware licence after all", *db)
    assert r.code == 0 and "openness: open → restricted" in r.out, r.out


def test_2_not_open_flag_leaves_licence_open_searches(reg, run_ohr):
    db = ["--db", str(reg)]
    assert run_ohr("flag", "b/maskmaker", "--kind", "not-open", "--note", "STL files missing", *db).code == 0
    assert "github.com/b/maskmaker" not in _csv_ids(run_ohr("search", "", "--licence", "open", "-f", "csv",
                                                            *db).out)
    assert "github.com/b/maskmaker" not in _csv_ids(run_ohr("query", "buildable", "-f", "csv", *db).out)
    assert "github.com/b/maskmaker" in _csv_ids(run_ohr("search", "mask", "-f", "csv", *db).out)


def test_2_merge_moves_search_rows_at_once(reg, run_ohr):
    db = ["--db", str(reg)]
    assert run_ohr("merge", "a/openvent", "d/protovent", *db).code == 0
    ids = _csv_ids(run_ohr("search", "vent", "-f", "csv", "--limit", "50", *db).out)
    assert "github.com/d/protovent" not in ids and "github.com/a/openvent" in ids
    with regdb.reader(reg) as con:
        assert con.execute("SELECT count(*) FROM search_index WHERE project_id = 'github.com/d/protovent'"
                           ).fetchone() == (0,)


# -- 3: a read command never writes, and never into a database ohr did not create --------------------------
def _foreign(path: Path) -> Path:
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE invoices (id INTEGER, total DOUBLE)")
    con.execute("INSERT INTO invoices VALUES (1, 9.5)")
    con.close()
    return path


def _tables(path: Path) -> list[str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall()]
    finally:
        con.close()


@pytest.mark.parametrize("args", [["search", "x"], ["stats"], ["sql", "SELECT 1"], ["show", "x"], ["runs"],
                                  ["flag", "x", "--kind", "unsafe", "--note", "n"], ["renormalize"],
                                  ["export", "--format", "csv"], ["crawl"]])
def test_3_a_database_that_is_not_a_registry_is_refused_untouched(tmp_path, run_ohr, args):
    path = _foreign(tmp_path / "books.duckdb")
    cfg = tmp_path / "config.toml"
    cfg.write_text('[[sources]]\nname = "l"\nkind = "github-list"\nrepo = "a/b"\n', encoding="utf-8")
    before = path.read_bytes()
    r = run_ohr(*args, "--db", str(path), "--config", str(cfg))
    assert r.code == 3, (r.code, r.err)
    assert "not an ohr registry" in r.err and len(r.err.strip().splitlines()) == 1
    assert _tables(path) == ["invoices"]
    assert path.read_bytes() == before


def test_3_crawl_may_start_a_registry_in_an_empty_file(tmp_path):
    path = tmp_path / "new.duckdb"
    path.touch()
    with pytest.raises(regdb.NotARegistry):
        with regdb.reader(path):
            pass
    with regdb.writer(path) as con:  # what a crawl opens
        assert regdb.schema_version(con) == regdb.SCHEMA_VERSION
