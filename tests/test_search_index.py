"""search_index agrees with v_projects; `ohr search` over it keeps ranking and filters; fast writes are exact."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from conftest import rows
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry import db as regdb
from registry.rows import for_projects, physical_order
from registry.search import SEARCH_README_CHARS, refresh_search
from registry.store import insert, upsert

MIGRATION = Path(__file__).resolve().parents[1] / "registry" / "migrations" / "0005_search.sql"
WORDS_MIGRATION = MIGRATION.with_name("0008_search_words.sql")
IMAGES_MIGRATION = MIGRATION.with_name("0019_search_images.sql")




def _search(run_ohr, cfg, *args):
    r = run_ohr("search", *args, "--config", str(cfg), "--format", "json")
    assert r.code == 0, r.err
    return json.loads(r.out)


COLUMNS = ("project_id, name_lc, description_lc, readme_lc, other_lc, categories_lc, sources, licences_lc, openness, "
           "bom_files, name, category, hardware_licence, maturity, stars, bom_lines")
ROWS = "SELECT * EXCLUDE (doc) FROM search_index ORDER BY project_id"
POSTINGS = ("SELECT s.project_id, v.word, p.fields FROM search_postings p JOIN search_index s USING (doc) "
            "JOIN search_vocab v USING (word_id) ORDER BY ALL")


def test_index_matches_a_full_rebuild_and_the_migration_backfill(crawled):
    cfg, db, _ = crawled
    with regdb.writer(db) as con:
        after_crawl = con.execute(ROWS).fetchall()
        postings = con.execute(POSTINGS).fetchall()
        assert len(after_crawl) == con.execute("SELECT count(*) FROM v_projects").fetchone()[0]
        assert len(postings) > 30 and {f for _, _, f in postings} >= {2, 4, 7, 8}
        refresh_search(con)
        assert con.execute(ROWS).fetchall() == after_crawl
        assert con.execute(POSTINGS).fetchall() == postings
        backfill = MIGRATION.read_text().split("INSERT INTO search_index", 1)[1]
        con.execute("DELETE FROM search_postings")
        con.execute("DELETE FROM search_vocab")
        con.execute("DELETE FROM search_index")
        con.execute(f"INSERT INTO search_index ({COLUMNS}) " + backfill)
        images = IMAGES_MIGRATION.read_text()  # 0019 keeps the picture tags of the same heads
        con.execute(images[images.index("UPDATE search_index"):])
        assert con.execute(ROWS).fetchall() == after_crawl
        # 0008 numbers the rows and fills vocabulary and postings with the statements registry/search.py runs
        text = WORDS_MIGRATION.read_text()
        con.execute(text[text.index("UPDATE search_index"):text.index("CREATE TABLE search_vocab")])
        con.execute(text[text.index("CREATE TEMP TABLE search_new_words"):])
        assert con.execute(POSTINGS).fetchall() == postings
    assert f"left(r.readme, {SEARCH_README_CHARS})), " in MIGRATION.read_text()
    from registry.search import IMAGE_TAGS  # 0019 fills the column with the expression refresh_search uses

    assert f"left(r.readme, {SEARCH_README_CHARS}), '{IMAGE_TAGS}')" in IMAGES_MIGRATION.read_text()


def test_upgrading_a_registry_fills_the_index(crawled):
    cfg, db, _ = crawled
    with regdb.writer(db) as con:
        expected = con.execute(ROWS).fetchall()
        postings = con.execute(POSTINGS).fetchall()
        for table in ("search_postings", "search_vocab", "search_index"):
            con.execute(f"DROP TABLE {table}")
        con.execute("DELETE FROM schema_version WHERE version IN (5, 8, 13, 18, 19)")
    regdb._migrated.clear()
    with regdb.reader(db) as con:  # a reader upgrades first
        assert con.execute(ROWS).fetchall() == expected
        assert con.execute(POSTINGS).fetchall() == postings
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
    unknown = run_ohr("search", "", "--source", "other", "--config", str(cfg), "--format", "json")
    assert unknown.code == 3 and "no source named 'other'" in unknown.err  # a typo is an error, not "no rows"
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


ALPHABET = "aeiostv-_.é"


@pytest.fixture(scope="module")
def word_registry(tmp_path_factory):
    """300 projects whose names, descriptions, topics and READMEs are made of short random words."""
    import random

    rng = random.Random(3)

    def words(n: int) -> str:
        return " ".join("".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 7))) for _ in range(n))

    path = tmp_path_factory.mktemp("words") / "w.duckdb"
    when = datetime(2024, 1, 1)
    with regdb.writer(path) as con:
        ids = [f"example.org/{i}" for i in range(300)]
        insert(con, "projects", [{"id": pid, "canonical_url": f"https://{pid}",
                                  "name": words(rng.randint(0, 3)).upper(),
                                  "description": words(rng.randint(0, 8)) if rng.random() < 0.8 else None,
                                  "first_seen": when, "last_seen": when} for pid in ids])
        insert(con, "repos", [{"project_id": pid, "host": "github", "full_name": f"o/{i}", "status": "ok",
                               "readme": "\n".join(words(8) for _ in range(rng.randint(0, 12))), "stars": i % 7}
                              for i, pid in enumerate(ids) if i % 3])
        refresh_search(con)
        refresh_search(con, ids[::5])  # some rows rebuilt: new numbers, old postings gone
    return path


@pytest.fixture(scope="module")
def word_reader(word_registry):
    """One read-only connection to the word registry for the property tests (opening one per example is slow)."""
    with regdb.reader(word_registry) as con:
        yield con


def _opened(path_or_con):
    """A context manager giving a connection: a new reader on a path, or the open connection itself."""
    import contextlib

    if isinstance(path_or_con, str | os.PathLike):
        return regdb.reader(path_or_con)
    return contextlib.nullcontext(path_or_con)


def _both(path, terms, **filters):
    """The rows of queries/_search.sql through the word index, and by scanning the text."""
    from queries.search_plan import word_ids
    from queries.sqlfiles import load

    out = []
    q = load("_search")
    with _opened(path) as con:
        for words in (word_ids(con, terms, max_words=10**9), []):
            out.append(con.execute(q.sql, q.bind({"terms": terms, "lim": 1000, "words": words,
                                                  **filters})).fetchall())
    return out


@pytest.mark.parametrize("terms", [["a"], ["e", "o"], ["st"], ["a-e"], ["é"], ["ta", "ta"], ["example.org/1"],
                                   ["zzz"], ["a", "zzz"], ["o/"], ["_"], ["."], ["sé", "v"]])
def test_word_index_gives_the_scans_rows_scores_and_order(word_registry, terms):
    indexed, scanned = _both(word_registry, terms)
    assert indexed == scanned
    if terms in (["a"], ["e", "o"]):
        assert len(indexed) > 50


@settings(max_examples=int(os.environ.get("OHR_FUZZ_EXAMPLES", "150")), deadline=None,
          suppress_health_check=list(HealthCheck))
@given(st.lists(st.text(alphabet=ALPHABET + "xA", min_size=1, max_size=4), min_size=1, max_size=3))
def test_word_index_agrees_with_the_scan_for_any_terms(word_reader, terms):
    terms = [t.lower() for t in terms]
    indexed, scanned = _both(word_reader, terms)
    assert indexed == scanned


class _Recorder:
    """A connection that remembers the `docs` each queries/_search.sql run was limited to."""

    def __init__(self, con):
        self.con, self.docs = con, []

    def execute(self, sql, params=None):
        if isinstance(params, dict) and "terms" in params:
            self.docs.append(params.get("docs"))
        return self.con.execute(sql, params)


def _ranked(rows):
    """What a search's order is made of: score, stars (none last), name; rows equal in all three may swap."""
    return [(r[-1], -1 if r[7] is None else r[7], r[1]) for r in rows]


def _probed_and_full(path, terms, lim, **filters):
    from queries.search_plan import search

    with _opened(path) as con:
        rec = _Recorder(con)
        _, probed = search(rec, {"terms": terms, "lim": lim, **filters}, max_words=0)   # 0: always scan
        _, full = search(con, {"terms": terms, "lim": lim, **filters}, probes=(), max_words=0)
        _, everything = search(con, {"terms": terms, "lim": 1000, **filters}, probes=(), max_words=0)
    assert _ranked(probed) == _ranked(full)
    assert set(probed) <= set(everything)
    return probed, rec.docs


@pytest.mark.parametrize("lim", [1, 3, 20])
@pytest.mark.parametrize("terms, filters", [(["a"], {}), (["e", "o"], {}), (["a"], {"has_bom": True}),
                                            (["s"], {"licence": "open"}), (["zzz"], {}), (["t", "a", "e"], {})])
def test_a_probed_scan_gives_the_full_scans_top_rows(word_registry, terms, filters, lim):
    _probed_and_full(word_registry, terms, lim, **filters)


def test_a_probed_scan_reads_few_rows_when_names_decide(word_registry):
    probed, docs = _probed_and_full(word_registry, ["a"], 3)
    assert len(probed) == 3 and docs[0] is not None and len(docs[0]) == 6   # answered by the first probe
    _, docs = _probed_and_full(word_registry, ["zzz"], 3)
    assert docs[-1] is None                                                   # nothing matched: every row read


@settings(max_examples=int(os.environ.get("OHR_FUZZ_EXAMPLES", "150")) // 3, deadline=None,  # 3 searches each
          suppress_health_check=list(HealthCheck))
@given(st.lists(st.text(alphabet=ALPHABET + "xA", min_size=1, max_size=3), min_size=1, max_size=3),
       st.integers(min_value=1, max_value=40))
def test_a_probed_scan_agrees_with_the_full_scan_for_any_terms(word_reader, terms, lim):
    _probed_and_full(word_reader, [t.lower() for t in terms], lim)


def test_search_reads_the_index_unless_a_term_is_too_wide(word_registry):
    from queries.search_plan import use_index

    with regdb.reader(word_registry) as con:
        assert use_index(con, ["sto"])
        assert use_index(con, ["nothing-like-it"])
        assert not use_index(con, [])                          # filters only
        assert not use_index(con, ["sto", "a"], max_words=20)  # 'a' is inside most words
        (vocab,) = con.execute("SELECT count(*) FROM search_vocab").fetchone()
        (stale,) = con.execute("SELECT count(*) FROM search_postings WHERE doc NOT IN "
                               "(SELECT doc FROM search_index)").fetchone()
    assert vocab > 500 and stale == 0


def test_readme_words_are_rebuilt_from_the_readme(crawled):
    """A rebuilt search row takes its README words from the README (0018 dropped the md5 that reused stored ones)."""
    cfg, db, _ = crawled
    with regdb.writer(db) as con:
        pid = con.execute("SELECT project_id FROM repos WHERE readme IS NOT NULL ORDER BY 1 LIMIT 1").fetchone()[0]
        words = con.execute("SELECT readme_lc FROM search_index WHERE project_id = ?", [pid]).fetchone()[0]
        con.execute("UPDATE search_index SET readme_lc = 'stale' WHERE project_id = ?", [pid])
        refresh_search(con, [pid])
        assert con.execute("SELECT readme_lc FROM search_index WHERE project_id = ?", [pid]).fetchone()[0] == words
        con.execute("UPDATE repos SET readme = 'Zebra  zebra\nAardvark' WHERE project_id = ?", [pid])
        refresh_search(con, [pid])
        assert con.execute("SELECT readme_lc FROM search_index WHERE project_id = ?", [pid]).fetchone()[0] == \
            "aardvark zebra"
        assert ("aardvark", 4) in {(w, f) for p, w, f in con.execute(POSTINGS).fetchall() if p == pid}


def test_refreshing_unchanged_projects_rewrites_nothing(crawled):
    cfg, db, _ = crawled
    with regdb.writer(db) as con:
        ids = [i for (i,) in con.execute("SELECT project_id FROM search_index ORDER BY 1").fetchall()]
        docs = dict(con.execute("SELECT project_id, doc FROM search_index").fetchall())
        postings = con.execute(POSTINGS).fetchall()
        refresh_search(con, ids)
        assert dict(con.execute("SELECT project_id, doc FROM search_index").fetchall()) == docs
        assert con.execute(POSTINGS).fetchall() == postings
        con.execute("UPDATE projects SET name = 'Renamed Thing' WHERE id = ?", [ids[0]])
        refresh_search(con, ids)
        after = dict(con.execute("SELECT project_id, doc FROM search_index").fetchall())
        assert after[ids[0]] != docs[ids[0]] and {k: v for k, v in after.items() if k != ids[0]} == \
            {k: v for k, v in docs.items() if k != ids[0]}
        assert ("renamed", 1) in {(w, f & 1) for p, w, f in con.execute(POSTINGS).fetchall() if p == ids[0]}
        (stale,) = con.execute("SELECT count(*) FROM search_postings WHERE doc NOT IN "
                               "(SELECT doc FROM search_index)").fetchone()
        assert stale == 0


# postings out of word order, counted in table order
UNSORTED = ("SELECT count(*) FROM (SELECT word_id < lag(word_id) OVER (ORDER BY rowid) AS back "
            "FROM search_postings) WHERE back")


def test_crawl_leaves_the_postings_sorted(crawled):
    _, db, _ = crawled
    with regdb.reader(db) as con:
        assert con.execute(UNSORTED).fetchone() == (0,)
        assert con.execute("SELECT (SELECT sorted_doc FROM search_state) = (SELECT max(doc) FROM search_index)"
                           ).fetchone() == (True,)


def test_postings_are_sorted_again_once_rebuilt_rows_are_a_tenth_of_the_index(word_registry, tmp_path):
    import shutil

    from registry.search import compact_search

    path = tmp_path / "w.duckdb"
    shutil.copy(word_registry, path)
    terms = [["a"], ["st", "o"], ["zz"], ["é"]]
    with regdb.writer(path) as con:
        ids = [i for (i,) in con.execute("SELECT id FROM projects ORDER BY id").fetchall()]
        refresh_search(con)
        assert con.execute(UNSORTED).fetchone() == (0,) and not compact_search(con)

        def rename(part: list[str]) -> None:
            con.execute("UPDATE projects SET name = name || ' zz' WHERE id IN (SELECT UNNEST($1))", [part])
            refresh_search(con, part)

        rename(ids[:15])  # 5 %: appended out of order, not worth a rewrite yet
        assert con.execute(UNSORTED).fetchone()[0] > 0
        assert not compact_search(con)
        rename(ids[100:130])  # now 15 %
        postings = con.execute(POSTINGS).fetchall()
        assert compact_search(con)
        assert con.execute(UNSORTED).fetchone() == (0,)
        assert con.execute(POSTINGS).fetchall() == postings
        assert not compact_search(con)
        rename(ids[200:203])
        assert compact_search(con, force=True) and con.execute(UNSORTED).fetchone() == (0,)
    for t in terms:
        indexed, scanned = _both(path, t)
        assert indexed == scanned
    assert len(_both(path, ["zz"])[0]) >= 45


def test_word_ids_lists_each_terms_words_or_none_when_a_term_is_too_wide(word_registry):
    from queries.search_plan import word_ids

    with regdb.reader(word_registry) as con:
        ids = word_ids(con, ["sto", "nothing-like-it", "sto"])
        (sto,) = con.execute("SELECT list(word_id ORDER BY word_id) FROM search_vocab WHERE contains(word, 'sto')"
                             ).fetchone()
        assert ids == [sto, [], sto] and sto
        assert word_ids(con, ["sto", "a"], max_words=20) == []
        assert word_ids(con, []) == []
