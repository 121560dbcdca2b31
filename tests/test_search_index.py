"""search_index agrees with v_projects; `ohr search` over it keeps ranking and filters; fast writes are exact."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from conftest import rows

from registry import db as regdb
from registry.rows import for_projects, physical_order
from registry.search import SEARCH_README_CHARS, refresh_search
from registry.store import insert, upsert

MIGRATION = Path(__file__).resolve().parents[1] / "registry" / "migrations" / "0005_search.sql"




def _search(run_ohr, cfg, *args):
    r = run_ohr("search", *args, "--config", str(cfg), "--format", "json")
    assert r.code == 0, r.err
    return json.loads(r.out)


def test_index_matches_a_full_rebuild_and_the_migration_backfill(crawled):
    cfg, db, _ = crawled
    order = "ORDER BY project_id"
    with regdb.writer(db) as con:
        after_crawl = con.execute(f"SELECT * FROM search_index {order}").fetchall()
        assert len(after_crawl) == con.execute("SELECT count(*) FROM v_projects").fetchone()[0]
        refresh_search(con)
        assert con.execute(f"SELECT * FROM search_index {order}").fetchall() == after_crawl
        backfill = MIGRATION.read_text().split("INSERT INTO search_index", 1)[1]
        con.execute("DELETE FROM search_index")
        con.execute("INSERT INTO search_index " + backfill)
        assert con.execute(f"SELECT * FROM search_index {order}").fetchall() == after_crawl
    assert f"left(r.readme, {SEARCH_README_CHARS})), " in MIGRATION.read_text()


def test_upgrading_a_registry_fills_the_index(crawled):
    cfg, db, _ = crawled
    with regdb.writer(db) as con:
        expected = con.execute("SELECT * FROM search_index ORDER BY project_id").fetchall()
        con.execute("DROP TABLE search_index")
        con.execute("DELETE FROM schema_version WHERE version = 5")
    regdb._migrated.clear()
    with regdb.reader(db) as con:  # a reader upgrades first
        assert con.execute("SELECT * FROM search_index ORDER BY project_id").fetchall() == expected
        assert con.execute("SELECT count(*) FROM documents WHERE content IS NOT NULL").fetchone()[0] > 0


def test_ranking_and_all_terms(crawled, run_ohr):
    cfg, db, _ = crawled
    names = [r["name"] for r in _search(run_ohr, cfg, "ventilator")]
    assert names[0] == "Zephyr Ventilator"  # name (100) before description (10) before README (1)
    assert set(names) >= {"AmboVent", "VentMon"}
    assert [r["name"] for r in _search(run_ohr, cfg, "ventilator bag-valve")] == ["AmboVent"]  # every term
    assert _search(run_ohr, cfg, "ventilator nosuchword") == []
    assert _search(run_ohr, cfg, "VENTMON")[0]["id"] == "github.com/pub/ventmon"  # case-insensitive
    assert _search(run_ohr, cfg, "vent_mon") == []  # literal: '_' is no wildcard


def test_filters(crawled, run_ohr):
    cfg, db, _ = crawled
    assert [r["id"] for r in _search(run_ohr, cfg, "", "--category", "test EQUIPMENT")] == ["github.com/pub/ventmon"]
    assert {r["id"] for r in _search(run_ohr, cfg, "", "--source", "vent-list")} == \
        {i for (i,) in rows(db, "SELECT id FROM projects")}
    assert _search(run_ohr, cfg, "", "--source", "other") == []
    assert [r["id"] for r in _search(run_ohr, cfg, "", "--licence", "mit")] == ["github.com/amb/ambovent"]
    has_bom = {i for (i,) in rows(db, "SELECT id FROM v_projects WHERE bom_files > 0")}
    assert {r["id"] for r in _search(run_ohr, cfg, "", "--has-bom")} == has_bom


def test_curator_correction_reaches_search(crawled, run_ohr):
    cfg, db, _ = crawled
    r = run_ohr("set", "Jul/Zephyr", "name", "Breathmaker", "--note", "authors' name", "--by", "ana",
                "--config", str(cfg))
    assert r.code == 0, r.err
    assert [x["id"] for x in _search(run_ohr, cfg, "breathmaker")] == ["github.com/jul/zephyr"]


def test_readme_counts_by_the_words_of_its_head(tmp_path):
    path = tmp_path / "r.duckdb"
    now = datetime(2024, 1, 1)
    head = "alpha " * 10 + "gamma-ray "
    readme = head + "x" * SEARCH_README_CHARS + " omega"
    with regdb.writer(path) as con:
        insert(con, "projects", [{"id": "example.org/p", "canonical_url": "https://example.org/p", "name": "P",
                                  "first_seen": now, "last_seen": now}])
        insert(con, "repos", [{"project_id": "example.org/p", "host": "github", "full_name": "a/p", "status": "ok",
                               "readme": readme}])
        refresh_search(con, ["example.org/p"])
        (words,) = con.execute("SELECT readme_lc FROM search_index").fetchone()
    assert sorted(words.split()) == sorted({"alpha", "gamma-ray", "x" * (SEARCH_README_CHARS - len(head))})
    assert "omega" not in words  # beyond the head: not searched (documented)


def test_appender_writes_are_exact(tmp_path):
    path = tmp_path / "s.duckdb"
    blob = bytes(range(256)) * 3 + b"\x00\xff"
    with regdb.writer(path) as con:
        con.execute("SELECT * FROM range(100000)")  # a pending result must not get in the way
        con.execute("BEGIN TRANSACTION")
        upsert(con, "documents", [
            {"url": "u1", "doc_kind": "file", "fetched_at": datetime(2024, 1, 1), "content": blob, "size": len(blob)},
            {"url": "u2", "doc_kind": "file", "fetched_at": datetime(2024, 1, 1), "content": None, "etag": "e"},
        ], key=["url"], coalesce=["content"])
        upsert(con, "documents", [{"url": "u1", "doc_kind": "repo", "fetched_at": datetime(2024, 2, 1),
                                   "content": None}], key=["url"], coalesce=["content"])
        insert(con, "source_records", [{"source": "s", "record_key": "k", "project_id": "p", "urls": ["a", "b"],
                                        "heading_path": [], "fields": {"x": [1, {"y": None}]}, "first_seen": now(),
                                        "last_seen": now(), "name": "naïve 🚀 ' \" \\ \n"}])
        con.execute("COMMIT")
        assert con.execute("SELECT content, doc_kind, fetched_at FROM documents WHERE url = 'u1'").fetchone() == \
            (blob, "repo", datetime(2024, 2, 1))
        row = con.execute("SELECT urls, heading_path, fields, name FROM source_records").fetchone()
        assert row[:2] == (["a", "b"], [])
        assert json.loads(row[2]) == {"x": [1, {"y": None}]} and row[3] == "naïve 🚀 ' \" \\ \n"
        with pytest.raises(duckdb.Error):
            insert(con, "documents", [{"url": "u3", "doc_kind": "x", "fetched_at": now(), "status": "not a number"}])
        assert con.execute("SELECT count(*) FROM documents").fetchone()[0] == 2


def now() -> datetime:
    return datetime(2024, 3, 1)


def test_row_ranges_read_the_samerows(tmp_path):
    path = tmp_path / "rows.duckdb"
    with regdb.writer(path) as con:
        rows = [{"url": f"u{i}", "project_id": f"p{i % 97:03d}", "doc_kind": "file", "fetched_at": now(),
                 "content": os.urandom(8)} for i in range(6000)]
        insert(con, "documents", rows)
        for ids in (["p001"], ["p005", "p050", "p096"], [f"p{i:03d}" for i in range(0, 97, 2)], ["nope"]):
            plain = con.execute("SELECT url, content FROM documents WHERE project_id IN (SELECT UNNEST($1)) "
                                "ORDER BY url", [ids]).fetchall()
            assert for_projects(con, "documents", "url, content", ids, order="ORDER BY url") == plain
        order = physical_order(con, "documents", ["zz", "p010", "p002"])
        assert order == ["p002", "p010", "zz"]
