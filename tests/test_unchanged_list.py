"""A recrawl of a list that did not change (304, the same records) only moves when its entries were last seen."""

from __future__ import annotations

from conftest import SOURCES, rows, small_world, write_config
from fakegithub import FakeGitHub

SEEN = ("SELECT r.record_key, r.first_seen, r.last_seen, p.last_seen, "
        "(SELECT max(u.last_seen) FROM project_urls u WHERE u.project_id = r.project_id) "
        "FROM source_records r JOIN projects p ON p.id = r.project_id WHERE r.source = 'vent-list' ORDER BY 1")
STATE = ("SELECT r.record_key, r.project_id, r.name, r.description, r.urls, r.position, r.fields::VARCHAR "
         "FROM source_records r ORDER BY 1")


def test_unchanged_list_records_are_marked_seen_not_rewritten(tmp_path, run_ohr, monkeypatch) -> None:
    from registry import derive

    stored: list[str] = []
    real = derive.store_records

    def spy(con, records, ts):  # which records went through the full merge
        stored.extend(r.source for r in records)
        return real(con, records, ts)

    monkeypatch.setattr(derive, "store_records", spy)
    with FakeGitHub(small_world()) as gh:
        cfg = write_config(tmp_path, gh.url, SOURCES)
        db = tmp_path / "registry.duckdb"
        assert run_ohr("crawl", "--config", str(cfg)).code == 0
        first, state = rows(db, SEEN), rows(db, STATE)
        n, merged_first = len(gh.log), stored.count("vent-list")
        stored.clear()
        r = run_ohr("crawl", "--config", str(cfg))
        assert r.code == 0, r.out + r.err
        assert [e["status"] for e in gh.log[n:] if "/Lists/vent-list/" in e["path"]] == [304]
        again = rows(db, SEEN)
    assert merged_first and "vent-list" not in stored  # the second time, no record was merged again
    assert first and [x[0] for x in again] == [x[0] for x in first]
    for (key, fs1, ls1, _, uls1), (_, fs2, ls2, pls2, uls2) in zip(first, again, strict=True):
        assert fs2 == fs1, key  # first seen stays
        assert ls2 > ls1 and pls2 >= ls2, key  # record and project seen again now
        assert (uls1 is None and uls2 is None) or uls2 >= ls2, key  # and its URLs (an entry may have none)
    assert rows(db, STATE) == state  # nothing else of the records moved
    assert rows(db, "SELECT sum(items_seen) FILTER (WHERE status = 'ok') FROM crawl_runs GROUP BY run_id "
                    "ORDER BY min(started_at)")[0] == rows(db, "SELECT sum(items_seen) FROM crawl_runs GROUP BY "
                                                               "run_id ORDER BY min(started_at) DESC")[0]


def test_a_long_unchanged_list_is_found_unchanged_in_one_look(tmp_path, run_ohr, monkeypatch) -> None:
    """1,200 entries (more than one write's worth): the records of one document stay in one write, so the second
    crawl finds the whole list unchanged and merges none of them again."""
    from conftest import write_config as _write
    from fakegithub import FakeRepo

    from registry import derive

    lines = "\n".join(f"* [Board {i}](https://boards.example.org/b{i:04d}): board number {i}" for i in range(1200))
    world = [FakeRepo("Lists/long", {"README.md": f"# Boards\n\n## All\n\n{lines}\n".encode()})]
    stored: list[str] = []
    real = derive.store_records

    def spy(con, records, ts):
        stored.extend(r.source for r in records)
        return real(con, records, ts)

    monkeypatch.setattr(derive, "store_records", spy)
    with FakeGitHub(world) as gh:
        cfg = _write(tmp_path, gh.url, '[[sources]]\nname = "long"\nkind = "github-list"\nrepo = "Lists/long"\n')
        db = tmp_path / "registry.duckdb"
        assert run_ohr("crawl", "--config", str(cfg)).code == 0
        assert stored.count("long") == 1200
        stored.clear()
        assert run_ohr("crawl", "--config", str(cfg)).code == 0
    assert stored == []
    assert rows(db, "SELECT count(*), count(DISTINCT last_seen) FROM source_records") == [(1200, 1)]
