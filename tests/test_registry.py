"""The registry file: migrations upgrade in place, batched upserts keep what they must, renormalize is pure."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry import db as regdb
from registry import store
from registry.store import insert, upsert


def test_old_file_is_upgraded_in_place_without_losing_rows(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, "
                "applied_at TIMESTAMP NOT NULL)")
    first = regdb._migrations()[0]
    con.execute(first[2])
    con.execute("INSERT INTO schema_version VALUES (1, 'init', now())")
    con.execute("INSERT INTO projects VALUES ('example.org/x', 'https://example.org/x', 'X', NULL, NULL, NULL, "
                "'web', NULL, now(), now())")
    con.close()
    with regdb.reader(path) as ro:  # a reader of an old file upgrades it first
        assert regdb.schema_version(ro) == regdb.SCHEMA_VERSION
        assert ro.execute("SELECT name FROM v_projects").fetchall() == [("X",)]
    with regdb.writer(path) as rw:
        assert rw.execute("SELECT count(*) FROM schema_version").fetchone()[0] == len(regdb._migrations())


def test_newer_file_is_refused(tmp_path):
    path = tmp_path / "new.duckdb"
    with regdb.writer(path) as con:
        con.execute("INSERT INTO schema_version VALUES (9999, 'future', now())")
    regdb._migrated.clear()
    with pytest.raises(regdb.RegistryTooNew, match="newer than this ohr"):
        with regdb.writer(path):
            pass
    regdb._migrated.clear()


def test_reader_of_missing_file_is_a_user_error(tmp_path):
    with pytest.raises(regdb.RegistryMissing):
        with regdb.reader(tmp_path / "nope.duckdb"):
            pass


def test_reader_waits_for_writer_then_reports_busy(tmp_path):
    path = tmp_path / "r.duckdb"
    with regdb.writer(path):
        pass
    # another *process* holding the write lock: simulate with a child process
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c",
                              f"import duckdb,sys; c=duckdb.connect({str(path)!r}); print('ok', flush=True); "
                              "sys.stdin.readline()"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "ok"  # it holds the writer lock until told to go
    with pytest.raises(regdb.RegistryBusy):
        with regdb.reader(path, wait=0.5):
            pass
    child.stdin.write("go\n")
    child.stdin.flush()
    with regdb.reader(path, wait=10) as con:  # waits out the writer
        assert con.execute("SELECT 1").fetchone() == (1,)
    child.wait()


def test_upsert_keeps_and_coalesces(tmp_path):
    with regdb.writer(tmp_path / "u.duckdb") as con:
        rows = [{"url": "https://a.org", "project_id": "a.org", "url_kind": "web",
                 "first_seen": "2020-01-01", "last_seen": "2020-01-01"}]
        upsert(con, "project_urls", rows, key=["url"], keep=["first_seen"])
        rows[0].update(project_id="b.org", first_seen="2021-01-01", last_seen="2021-01-01")
        upsert(con, "project_urls", rows, key=["url"], keep=["first_seen", "project_id"])
        got = con.execute("SELECT project_id, first_seen::DATE::VARCHAR, last_seen::DATE::VARCHAR "
                          "FROM project_urls").fetchall()
        assert got == [("a.org", "2020-01-01", "2021-01-01")]
        # duplicate keys in one batch: the last wins, no error
        n = upsert(con, "project_urls", [dict(rows[0], url_kind="hub"), dict(rows[0], url_kind="web")],
                   key=["url"])
        assert n == 1
        with pytest.raises(KeyError):
            insert(con, "project_urls", [{"nope": 1}])


def test_batch_insert_of_many_rows_is_one_statement(tmp_path):
    with regdb.writer(tmp_path / "b.duckdb") as con:
        rows = [{"run_id": "r", "source": "s", "item": str(i), "kind": "k", "message": "m",
                 "occurred_at": "2020-01-01"} for i in range(20000)]
        assert insert(con, "crawl_errors", rows) == 20000
        assert con.execute("SELECT count(*) FROM crawl_errors").fetchone()[0] == 20000


def test_renormalize_rebuilds_the_same_rows_without_network(world, run_ohr):
    cfg, db, gh = world
    assert run_ohr("crawl", "--config", str(cfg)).code == 0
    tables = ["projects", "project_urls", "source_records", "repos"]

    def snapshot():
        con = duckdb.connect(str(db), read_only=True)
        try:
            return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in tables}
        finally:
            con.close()

    before = snapshot()
    con = duckdb.connect(str(db))
    con.execute("UPDATE projects SET name = 'garbage'")
    con.execute("DELETE FROM repos")
    con.close()
    regdb._migrated.clear()
    gh.fault = lambda *a: (_ for _ in ()).throw(AssertionError("renormalize must not fetch"))
    r = run_ohr("renormalize", "--config", str(cfg))
    assert r.code == 0, r.err
    assert snapshot() == before


def test_normalizers_give_the_same_rows_in_worker_processes(crawled, monkeypatch):
    """Large runs spread the normalizers over processes; the rows are those of an in-process run."""
    from registry import normalized
    from registry.db import writer

    cfg, db, _ = crawled
    tables = ("licences", "maturity", "manifests", "bom_files", "bom_lines")
    with writer(db) as con:
        def snapshot() -> dict[str, list]:
            return {t: sorted(map(repr, con.execute(f"SELECT * FROM {t}").fetchall())) for t in tables}

        normalized.derive_normalized(con)
        in_process = snapshot()
        monkeypatch.setattr(normalized, "POOL_MIN_PROJECTS", 1)
        monkeypatch.setattr(normalized, "_CHUNK", 2)  # several chunks in flight
        monkeypatch.setenv("OHR_NORMALIZE_WORKERS", "2")
        counts = normalized.derive_normalized(con)
        assert normalized._pool is not None
        assert snapshot() == in_process
    assert counts["licences"] == len(in_process["licences"]) > 0


def test_renormalize_in_small_chunks_gives_the_same_registry(crawled):
    """Chunked transactions change when rows are committed, not what they are; progress is reported."""
    from crawler.config import load_config
    from crawler.renormalize import renormalize

    cfg_path, db, _ = crawled
    cfg = load_config(cfg_path)
    tables = ["projects", "project_urls", "source_records", "repos", "licences", "maturity", "bom_lines",
              "search_index"]

    def snapshot():
        with regdb.reader(db) as con:
            return {t: sorted(map(repr, con.execute(f"SELECT {_kept(con, t)} FROM {t}").fetchall())) for t in tables}

    whole = renormalize(cfg)
    expected = snapshot()
    said: list[str] = []
    parts = renormalize(cfg, chunk=2, progress=said.append)
    assert snapshot() == expected
    assert {k: v for k, v in parts.items() if k != "changes"} == {k: v for k, v in whole.items() if k != "changes"}
    assert parts["changes"] == 0  # nothing new to report the second time
    assert any("re-derived" in line for line in said) and len(said) >= 3


def test_renormalize_stores_again_only_the_source_documents_whose_records_changed(crawled):
    """A crawl leaves each list's records digest; renormalize re-parses every list but stores only changed ones."""
    from crawler.config import load_config
    from crawler.renormalize import renormalize

    cfg_path, db, _ = crawled
    cfg = load_config(cfg_path)

    def records() -> list:
        with regdb.reader(db) as con:
            return sorted(map(repr, con.execute(f"SELECT {_kept(con, 'source_records')} FROM source_records")
                              .fetchall()))

    with regdb.reader(db) as con:
        lists = con.execute("SELECT url, content FROM documents WHERE project_id IS NULL "
                            "AND content IS NOT NULL ORDER BY url").fetchall()
        assert con.execute("SELECT count(*) FROM record_digests").fetchone()[0] >= len(lists) >= 1
    before = records()
    said: list[str] = []
    counts = renormalize(cfg, progress=said.append)
    assert f"{len(lists)} source documents re-parsed" in said[0] and "0 of them stored again" in said[0]
    assert counts["records"] > 0 and records() == before

    url, content = lists[0]  # a list gains an entry: that list alone is stored again
    with regdb.writer(db) as con:
        con.execute("UPDATE documents SET content = ? WHERE url = ?",
                    [bytes(content).replace(b"* [VentMon]", b"* [Added Thing](https://github.com/added/thing): new.\n"
                                                            b"* [VentMon]"), url])
    said.clear()
    renormalize(cfg, progress=said.append)
    assert "1 of them stored again" in said[0]
    after = records()
    assert len(after) == len(before) + 1 and any("added/thing" in r for r in after)

    with regdb.writer(db) as con:  # without digests (a registry from before 0011), every list is stored again
        con.execute("DELETE FROM record_digests")
    said.clear()
    renormalize(cfg, progress=said.append)
    assert f"{len(lists)} of them stored again" in said[0] and records() == after


def test_renormalize_rewrites_every_repos_row_from_its_documents(crawled):
    """renormalize derives each repos row again and writes it (no digest skips it since 0018): a hand edit is
    undone and a deleted row comes back."""
    from crawler.config import load_config
    from crawler.renormalize import renormalize

    cfg_path, db, _ = crawled
    cfg = load_config(cfg_path)

    def described() -> dict[str, str | None]:
        with regdb.reader(db) as con:
            return dict(con.execute("SELECT project_id, description FROM repos").fetchall())

    before = described()
    edited, dropped = sorted(p for p, d in before.items() if d)[:2]
    with regdb.writer(db) as con:
        con.execute("UPDATE repos SET description = 'edited by hand' WHERE project_id = ?", [edited])
        con.execute("DELETE FROM repos WHERE project_id = ?", [dropped])
    counts = renormalize(cfg)
    assert counts["repositories"] == len(before)
    assert described() == before


def test_renormalize_derives_repositories_and_normalized_rows_as_a_crawl_batch_does(crawled, monkeypatch):
    """renormalize derives repos and normalized rows in one pass per project (in workers for large runs); the
    rows are those of derive_repos then derive_normalized, including a repos row no GitHub URL points at."""
    from crawler.config import load_config
    from crawler.renormalize import renormalize
    from registry import derive, normalized
    from registry import renormalize as rn

    cfg_path, db, _ = crawled
    cfg = load_config(cfg_path)
    tables = ("repos", *normalized._TABLES)
    with regdb.writer(db) as con:
        web = con.execute("SELECT id FROM projects WHERE id NOT IN (SELECT project_id FROM project_urls "
                          "WHERE url_kind = 'github-repo') ORDER BY id LIMIT 1").fetchone()[0]
        con.execute("INSERT INTO repos (project_id, host, full_name, status, readme, tree_paths, archived) VALUES "
                    "(?, 'github', 'gone/away', 'ok', '# Away\n\nLicensed under the MIT License.', ['README.md'], "
                    "true)",
                    [web])
        ids = [r for (r,) in con.execute("SELECT id FROM projects").fetchall()]
        derive.derive_repos(con, ids, rederive=True)
        normalized.derive_normalized(con, ids)

        def snapshot() -> dict[str, list]:
            return {t: sorted(map(repr, con.execute(f"SELECT {_kept(con, t)} FROM {t}").fetchall())) for t in tables}

        def forget() -> None:  # rows and digests gone: renormalize must derive every row again
            con.execute("DELETE FROM repos WHERE project_id <> ?", [web])
            for t in (*normalized._TABLES, "normalized_digests"):
                con.execute(f"DELETE FROM {t}")

        expected = snapshot()
        assert any(web in r for r in expected["licences"]) and any(web in r for r in expected["maturity"])
        forget()
    counts = renormalize(cfg)
    with regdb.reader(db) as con:
        assert {t: sorted(map(repr, con.execute(f"SELECT {_kept(con, t)} FROM {t}").fetchall())) for t in tables} \
            == expected
    assert counts["licences"] == len(expected["licences"]) and counts["repositories"] == len(expected["repos"]) - 1

    with regdb.writer(db) as con:
        forget()
    monkeypatch.setattr(normalized, "POOL_MIN_PROJECTS", 1)
    monkeypatch.setattr(rn, "READ_PROJECTS", 2)  # several parts in flight
    monkeypatch.setattr(rn, "TASK_PROJECTS", 1)
    monkeypatch.setattr(rn, "REPO_BATCH", 1)
    monkeypatch.setenv("OHR_NORMALIZE_WORKERS", "2")
    renormalize(cfg)
    assert normalized._pool is not None
    with regdb.reader(db) as con:
        assert {t: sorted(map(repr, con.execute(f"SELECT {_kept(con, t)} FROM {t}").fetchall())) for t in tables} \
            == expected


def test_renormalize_derives_again_when_another_process_wrote_between_read_and_write(crawled, monkeypatch):
    """A chunk is derived under a read-only open and written after; a write by anyone in between (a crawl
    batch) makes it derive the chunk again under the write lock, so no row is written from stale input."""
    from contextlib import contextmanager

    from crawler.config import load_config
    from crawler.renormalize import renormalize

    cfg_path, db, _ = crawled
    cfg = load_config(cfg_path)
    tables = ["repos", "licences", "maturity", "search_index"]

    def snapshot():
        with regdb.reader(db) as con:
            return {t: sorted(map(repr, con.execute(f"SELECT {_kept(con, t)} FROM {t}").fetchall())) for t in tables}

    real_reader = regdb.reader
    meddled: list[str] = []

    @contextmanager
    def reader_then_a_crawl_writes(path, wait=None):
        with real_reader(path, wait) as con:
            yield con
        if not meddled:  # once, right after the chunk's read-only open closes
            with regdb.writer(path) as w:
                w.execute("UPDATE documents SET content = content || '\n## Licence\n\nReleased under the GNU General "
                          "Public License v3.'::BLOB WHERE doc_kind = 'readme' "
                          "AND project_id = 'github.com/amb/ambovent'")
            meddled.append("README changed")

    monkeypatch.setattr(regdb, "reader", reader_then_a_crawl_writes)
    said: list[str] = []
    renormalize(cfg, progress=said.append)
    assert meddled and any("derived again" in line for line in said)
    after = snapshot()
    assert any("GNU General Public License" in r for r in after["repos"] if "amb/ambovent" in r)
    monkeypatch.setattr(regdb, "reader", real_reader)
    said.clear()
    renormalize(cfg, progress=said.append)  # nothing was left stale: a quiet run changes nothing
    assert not any("derived again" in line for line in said) and snapshot() == after


def test_searches_open_the_file_while_renormalize_derives_a_chunk(crawled, monkeypatch):
    """The long part of a chunk (reading documents, running the normalizers) holds a read-only open only: another
    process can open the registry to search meanwhile, not just between write sessions."""
    import subprocess
    import sys

    from crawler.config import load_config
    from crawler.renormalize import renormalize
    from registry import renormalize as rn

    cfg_path, db, _ = crawled
    real = rn._derive_chunk
    opened: list[int] = []

    def derive_while_another_process_reads(con, part):
        probe = ("import duckdb, sys; con = duckdb.connect(sys.argv[1], read_only=True); "
                 "print(con.execute('SELECT count(*) FROM search_index').fetchone()[0])")
        out = subprocess.run([sys.executable, "-c", probe, str(db)], capture_output=True, text=True, timeout=60)
        opened.append(int(out.stdout) if out.returncode == 0 else -1)
        return real(con, part)

    monkeypatch.setattr(rn, "_derive_chunk", derive_while_another_process_reads)
    renormalize(load_config(cfg_path), chunk=3)
    assert len(opened) >= 2 and all(n > 0 for n in opened), opened


def test_renormalize_chunks_weigh_projects_with_a_repository_three_times():
    from registry.renormalize import _chunks

    ids = [f"r{i}" for i in range(5)] + [f"h{i}" for i in range(8)]
    parts = _chunks(ids, {f"r{i}" for i in range(5)}, chunk=2)
    assert parts == [["r0", "r1"], ["r2", "r3"], ["r4", "h0", "h1", "h2"], ["h3", "h4", "h5", "h6", "h7"]]
    assert _chunks([], set(), 2) == [] and _chunks(["h0"], set(), 1) == [["h0"]]


def _kept(con, table: str) -> str:
    """Columns saying what a row holds (not when, or in which order, it was written)."""
    cols = [c for (c,) in con.execute("SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                                      "ORDER BY ordinal_position", [table]).fetchall()]
    return ", ".join(c for c in cols if c not in ("doc", "fetched_at", "last_seen", "first_seen", "changed_at"))


def _on_conflict(con, table, rows, key, keep=(), coalesce=(), exprs=None):
    """The reference: what DuckDB's INSERT … ON CONFLICT DO UPDATE makes of the same upsert."""
    by_key = {tuple(r.get(k) for k in key): r for r in rows}
    cols = [c for c in store.column_types(con, table) if any(c in r for r in by_key.values())]
    sets = []
    exprs = dict(exprs or {})
    for c in cols:
        if c in key or c in keep:
            continue
        sets.append(f"{c} = {exprs.pop(c)}" if c in exprs else
                    f"{c} = coalesce(excluded.{c}, {table}.{c})" if c in coalesce else f"{c} = excluded.{c}")
    sets += [f"{c} = {e}" for c, e in exprs.items()]
    values = ", ".join("(" + ", ".join("?" for _ in cols) + ")" for _ in by_key)
    types = store.column_types(con, table)
    params = [json.dumps(r.get(c), sort_keys=True) if types[c] == "JSON" and r.get(c) is not None else r.get(c)
              for r in by_key.values() for c in cols]
    con.execute(f"INSERT INTO {table} ({', '.join(cols)}) VALUES {values} ON CONFLICT ({', '.join(key)}) "
                + (f"DO UPDATE SET {', '.join(sets)}" if sets else "DO NOTHING"), params)


@pytest.fixture(scope="module")
def migrated():
    """An in-memory registry with every migration applied, emptied for each example (migrating is slow)."""
    import duckdb

    con = duckdb.connect()
    regdb.migrate(con)
    yield con
    con.close()


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.lists(st.tuples(st.sampled_from(["a", "b", "c", "d"]), st.sampled_from(["s1", "s2"]),
                                   st.one_of(st.none(), st.sampled_from(["n1", "n2"])),
                                   st.one_of(st.none(), st.dictionaries(st.sampled_from("xy"), st.integers(0, 3))),
                                   st.booleans()),
                         min_size=1, max_size=6), min_size=1, max_size=4))
def test_upsert_matches_on_conflict_semantics(migrated, batches):
    """keep, coalesce, exprs, absent columns, JSON, a two-column key and duplicate keys: as ON CONFLICT does."""
    ts = datetime(2024, 1, 1)
    con = migrated
    con.execute("DELETE FROM source_records")
    con.execute("DROP TABLE IF EXISTS ref")
    con.execute("CREATE TABLE ref AS SELECT * FROM source_records LIMIT 0")
    con.execute("ALTER TABLE ref ADD PRIMARY KEY (source, record_key)")
    for n, batch in enumerate(batches):
        rows = [{"source": src, "record_key": k, "project_id": f"p-{k}", "name": name, "fields": fields,
                 "first_seen": ts.replace(day=n + 1), "last_seen": ts.replace(day=n + 1),
                 **({"description": f"d{n}"} if with_desc else {})}
                for k, src, name, fields, with_desc in batch]
        if any("description" in r for r in rows):  # a column named by some rows only: NULL in the others
            for r in rows:
                r.setdefault("description", None)
        spec = {"key": ["source", "record_key"], "keep": ["first_seen"], "coalesce": ["name"],
                "exprs": {"last_seen": "greatest(excluded.last_seen, {t}.last_seen)"}}
        upsert(con, "source_records", rows, spec["key"], spec["keep"], spec["coalesce"],
               {"last_seen": spec["exprs"]["last_seen"].format(t="source_records")})
        _on_conflict(con, "ref", rows, spec["key"], spec["keep"], spec["coalesce"],
                     {"last_seen": spec["exprs"]["last_seen"].format(t="ref")})
        got = con.execute("SELECT * FROM source_records ORDER BY source, record_key").fetchall()
        want = con.execute("SELECT * FROM ref ORDER BY source, record_key").fetchall()
        assert got == want


def test_renormalize_parses_source_documents_in_worker_processes(crawled, monkeypatch):
    """Big source documents are parsed in the worker pool; the records stored are the same."""
    from crawler.config import load_config
    from crawler.renormalize import renormalize
    from registry import renormalize as rn

    cfg_path, db, _ = crawled
    cfg = load_config(cfg_path)
    tables = ["projects", "project_urls", "source_records"]

    def snapshot():
        with regdb.reader(db) as con:
            return {t: sorted(map(repr, con.execute(f"SELECT {_kept(con, t)} FROM {t}").fetchall())) for t in tables}

    renormalize(cfg)
    expected = snapshot()
    monkeypatch.setattr(rn, "PARSE_POOL_BYTES", 1)
    monkeypatch.setattr(rn, "PARSE_POOL_DOCS", 1)
    used = []
    monkeypatch.setattr(rn, "_get_pool", lambda n: used.append(n) or _real_pool(monkeypatch))
    counts = renormalize(cfg)
    assert used and counts["documents"] >= 1 and snapshot() == expected


def _real_pool(monkeypatch):
    from registry import normalized

    monkeypatch.setenv("OHR_NORMALIZE_WORKERS", "2")
    pool = normalized._get_pool(normalized.POOL_MIN_PROJECTS)
    assert pool is not None
    return pool


def test_repositories_derived_in_worker_processes_are_the_same(crawled, monkeypatch):
    from registry import derive, normalized
    from registry.db import writer

    cfg, db, _ = crawled
    with writer(db) as con:
        def snapshot() -> list:
            return sorted(map(repr, con.execute(f"SELECT {_kept(con, 'repos')} FROM repos").fetchall()))

        before = snapshot()
        con.execute("DELETE FROM repos")
        monkeypatch.setattr(normalized, "POOL_MIN_PROJECTS", 1)
        monkeypatch.setattr(derive, "DERIVE_CHUNK", 1)  # several chunks in flight
        monkeypatch.setenv("OHR_NORMALIZE_WORKERS", "2")
        assert derive.derive_repos(con, None) == len(before) > 0
        assert normalized._pool is not None
        assert snapshot() == before


def test_readers_get_in_between_renormalize_sessions(crawled):
    """Each document and chunk is its own writer session: between them the file is free for `ohr search`."""
    from crawler.config import load_config
    from crawler.renormalize import renormalize

    cfg_path, db, _ = crawled
    seen: list[int] = []

    def between(_msg: str) -> None:
        with regdb.reader(db, wait=0) as con:  # would raise RegistryBusy if a writer still held the file
            seen.append(con.execute("SELECT count(*) FROM search_index").fetchone()[0])

    renormalize(load_config(cfg_path), chunk=2, progress=between)
    assert len(seen) >= 3 and all(n > 0 for n in seen)


def test_normalizer_workers_exit_when_their_parent_is_killed(tmp_path):
    """A crawl killed with SIGKILL (no atexit) must not leave its worker processes running."""
    import signal
    import subprocess
    import sys
    import time

    script = tmp_path / "parent.py"
    script.write_text(
        "import os, sys, time\n"
        f"sys.path.insert(0, {str(Path(__file__).resolve().parents[1])!r})\n"
        "os.environ['OHR_NORMALIZE_WORKERS'] = '2'\n"
        "from registry import normalized\n"
        "if __name__ == '__main__':\n"
        "    pool = normalized._get_pool(normalized.POOL_MIN_PROJECTS)\n"
        "    list(pool.map(time.sleep, [0.2] * 4))\n"
        "    print(*pool._processes, flush=True)\n"
        "    time.sleep(60)\n"
    )
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        workers = [int(p) for p in proc.stdout.readline().split()]
        assert len(workers) == 2
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 15
        alive = workers
        while alive and time.monotonic() < deadline:
            time.sleep(0.2)
            alive = [w for w in workers if _running(w)]
        assert not alive
    finally:
        proc.kill()


def _running(pid: int) -> bool:
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (exited, not reaped by init yet) is not running
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return False


def test_normalizers_rewrite_only_the_projects_whose_rows_change(crawled):
    from registry import normalized

    _, db, _ = crawled
    tables = (*normalized._TABLES, "normalized_digests")
    with regdb.writer(db) as con:
        ids = [r for (r,) in con.execute("SELECT project_id FROM repos WHERE readme IS NOT NULL ORDER BY 1").fetchall()]
        assert len(ids) >= 2
        normalized.derive_normalized(con, ids)

        def state() -> dict[str, list]:
            return {t: con.execute(f"SELECT rowid, * FROM {t} ORDER BY ALL").fetchall() for t in tables}

        before = state()
        counts = normalized.derive_normalized(con, ids)
        assert state() == before  # same rows at the same rowids: nothing written
        assert counts["licences"] == con.execute("SELECT count(*) FROM licences WHERE project_id IN "
                                                 "(SELECT UNNEST($1::VARCHAR[]))", [ids]).fetchone()[0]
        changed, kept = ids[0], ids[1]
        con.execute("UPDATE repos SET archived = NOT coalesce(archived, false) WHERE project_id = ?", [changed])
        normalized.derive_normalized(con, ids)
        after = state()
        moved = {r[1] for t in normalized._TABLES for r in after[t] if r not in before[t]}
        assert changed in moved and kept not in moved
        assert [r for r in after["normalized_digests"] if r[1] == kept] == \
            [r for r in before["normalized_digests"] if r[1] == kept]


def test_renormalize_reads_past_a_file_that_was_not_found(crawled):
    """A repository file that answered 404 is stored without content between files that were read; renormalize
    reads documents by row ranges and must leave it out as the crawl does (it once failed on its NULL content)."""
    from crawler.config import load_config
    from crawler.renormalize import renormalize

    cfg_path, db, _ = crawled
    tables = ("licences", "maturity", "bom_files", "bom_lines")
    with regdb.writer(db) as con:
        pid = con.execute("SELECT project_id FROM repos ORDER BY project_id LIMIT 1").fetchone()[0]
        before = {t: sorted(map(repr, con.execute(f"SELECT {_kept(con, t)} FROM {t}").fetchall())) for t in tables}
        for i, (status, content) in enumerate([(200, b"\xff\xd8a"), (404, None), (200, b"\xff\xd8b")]):
            con.execute("INSERT INTO documents (url, source, project_id, doc_kind, fetched_at, status, content, path) "
                        "VALUES (?, 'vent-list', ?, 'file', now(), ?, ?, ?)",
                        [f"https://api.example/{pid}/photo-{i}.jpg", pid, status, content, f"photo-{i}.jpg"])
    renormalize(load_config(cfg_path))
    with regdb.reader(db) as con:
        after = {t: sorted(map(repr, con.execute(f"SELECT {_kept(con, t)} FROM {t}").fetchall())) for t in tables}
    assert after == before
