"""kill -9 mid-crawl, run again: the registry converges to what an uninterrupted crawl gives, curator data kept."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
from conftest import write_config
from fakegithub import FakeGitHub, FakeRepo

N = 24
SOURCES = """[[sources]]
name = "many"
kind = "github-list"
repo = "Lists/many"
"""
#: Tables whose rows depend on when or how often a crawl ran, not on what it found.
RUN_TABLES = {"crawl_runs", "crawl_errors", "sources", "schema_version", "project_snapshots", "project_changes",
              "audit_log"}
CURATOR_TABLES = {"flags", "corrections", "aliases", "reviews"}


def _world(version: int, n: int = N) -> list[FakeRepo]:
    lines = "\n".join(f"* [Board {i}](https://github.com/O/board-{i:02d}): board {i}" for i in range(n))
    repos = [FakeRepo("Lists/many", {"README.md": f"# Many\n\n## Boards\n\n{lines}\n".encode()})]
    for i in range(n):
        repos.append(FakeRepo(
            f"O/board-{i:02d}", {"README.md": f"# Board {i} v{version}\n".encode(), "LICENSE": b"MIT License\n"},
            description=f"board {i}, revision {version}", stars=i + version,
            pushed_at=f"202{version}-01-01T00:00:00Z", licence_spdx="MIT"))
    return repos


def _serve(gh: FakeGitHub, version: int) -> None:
    for r in _world(version):
        gh.add(r)


def _unordered(value: str | None) -> str | None:
    """A chr(31)-joined set (search_index categories) in one order: string_agg's is not deterministic."""
    return "\x1f".join(sorted(value.split("\x1f"))) if value and "\x1f" in value else value


WORD_INDEX = {
    # words no row holds any more stay in the vocabulary until a full rebuild (harmless: they have no postings)
    "search_vocab": "SELECT DISTINCT word FROM search_vocab JOIN search_postings USING (word_id)",
    "search_postings": "SELECT s.project_id, v.word, p.fields FROM search_postings p "
                       "JOIN search_index s USING (doc) JOIN search_vocab v USING (word_id)",
}


def _content(db: Path) -> dict[str, list]:
    """Every crawled table's rows without timestamps (which say when, not what)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {}
        tables = [t for (t,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'").fetchall()]
        for t in sorted(set(tables) - RUN_TABLES - CURATOR_TABLES):
            if t == "search_state":  # a doc number (when the postings were last sorted), not content
                continue
            if t in WORD_INDEX:  # numbered in the order words and rows were indexed: compare what they stand for
                rows = con.execute(WORD_INDEX[t]).fetchall()
                out[t] = sorted(rows)
                continue
            cols = [c for c, typ in con.execute(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? "
                "ORDER BY ordinal_position", [t]).fetchall()
                if not typ.startswith(("TIMESTAMP", "DATE")) and c not in ("fetched_at", "changed_at")
                and (t, c) != ("search_index", "doc")]
            sel = ", ".join(f'"{c}"::VARCHAR' for c in cols)
            rows = con.execute(f'SELECT {sel} FROM "{t}"').fetchall()
            out[t] = sorted(tuple(_unordered(v) for v in r) for r in rows)
        return out
    finally:
        con.close()


def _count(db: Path, sql: str) -> int | None:
    """A count read while another process may hold the file (None when it is locked right now)."""
    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.Error:
        return None
    try:
        return con.execute(sql).fetchone()[0]
    except duckdb.Error:
        return None
    finally:
        con.close()


def _two_registries(tmp_path: Path, gh: FakeGitHub) -> tuple[Path, Path, Path, Path]:
    """Configs for a reference registry (crawled without interruption) and one to kill: (ref, cfg, ref_db, db)."""
    (tmp_path / "ref").mkdir()
    (tmp_path / "kill").mkdir()
    ref = write_config(tmp_path / "ref", gh.url, SOURCES, "concurrency = 2\n")
    cfg = write_config(tmp_path / "kill", gh.url, SOURCES, "concurrency = 2\n")
    return ref, cfg, tmp_path / "ref" / "registry.duckdb", tmp_path / "kill" / "registry.duckdb"


def _kill_mid_crawl(gh: FakeGitHub, cfg: Path, db: Path, ready_sql: str) -> None:
    """Crawl in a subprocess and SIGKILL it once ``ready_sql`` counts 3: past ~8 repositories' requests the server
    stalls (until the kill), so the crawl is caught mid-run however slow the machine is, instead of racing it."""
    stall = threading.Event()
    base = len(gh.log)

    def hold(path: str, headers: dict[str, str], nth: int) -> None:
        if path.lower().startswith("/repos/o/board-") and nth - base > 8 * 5:  # ~8 repositories' requests
            stall.wait(30)
        return None

    gh.fault = hold
    env = dict(os.environ, GITHUB_TOKEN="test-token-not-secret", OHR_LOCK_WAIT="20")
    proc = subprocess.Popen([sys.executable, "-m", "queries.cli", "crawl", "--config", str(cfg), "--quiet"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and proc.poll() is None:
            if (_count(db, ready_sql) or 0) >= 3:
                break
            time.sleep(0.05)
        assert proc.poll() is None, "the crawl ended before it could be killed: " + proc.stderr.read()
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        stall.set()
        gh.fault = None
        proc.wait(timeout=10)
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL


def test_killed_crawl_converges_to_the_uninterrupted_result(tmp_path, run_ohr, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", "test-token-not-secret")
    with FakeGitHub(_world(1)) as gh:
        ref, cfg, ref_db, db = _two_registries(tmp_path, gh)
        # the registry has crawled the world once, and a curator flagged a project
        assert run_ohr("crawl", "--config", str(cfg)).code == 0
        r = run_ohr("flag", "O/board-07", "--kind", "unsafe", "--note", "no fuse", "--by", "tester",
                    "--config", str(cfg))
        assert r.code == 0, r.err
        # every repository moves on: the next crawl re-fetches and rewrites all of them; the reference
        # registry gets it in one uninterrupted crawl
        _serve(gh, 2)
        assert run_ohr("crawl", "--config", str(ref)).code == 0
        assert run_ohr("flag", "O/board-07", "--kind", "unsafe", "--note", "no fuse", "--by", "tester",
                       "--config", str(ref)).code == 0

        _kill_mid_crawl(gh, cfg, db, "SELECT count(*) FROM repos WHERE description LIKE '%revision 2'")

        # killed mid-run: some repositories rewritten, some not; its run still says 'running'
        rewritten = _count(db, "SELECT count(*) FROM repos WHERE description LIKE '%revision 2'")
        assert 0 < rewritten < N, rewritten
        assert _count(db, "SELECT count(*) FROM crawl_runs WHERE status = 'running'") == 1
        r = run_ohr("runs", "--config", str(cfg), "--format", "json", "--limit", "1")
        assert '"status": "interrupted"' in r.out  # shown as what it is before the next run closes it

        # run again: it finishes the rest and ends where the uninterrupted crawl ended
        r = run_ohr("crawl", "--config", str(cfg))
        assert r.code == 0, r.out + r.err
        assert "interrupted" in r.err
        assert _content(db) == _content(ref_db)
        runs = duckdb.connect(str(db), read_only=True)
        try:
            statuses = [s for (s,) in runs.execute("SELECT status FROM crawl_runs ORDER BY started_at").fetchall()]
            flags = runs.execute("SELECT project_id, kind, note FROM flags").fetchall()
        finally:
            runs.close()
        assert statuses == ["ok", "interrupted", "ok"]
        assert flags == [("github.com/o/board-07", "unsafe", "no fuse")]  # curator data survives


def test_a_first_crawl_killed_after_its_list_converges_too(tmp_path, run_ohr, monkeypatch):
    """Killed after the list was stored but before its projects were derived (they wait for their repositories):
    the next run stores the list's records again and derives every project, as one uninterrupted crawl does."""
    monkeypatch.setenv("GITHUB_TOKEN", "test-token-not-secret")
    with FakeGitHub(_world(1, 12)) as gh:  # ~8 repositories are fetched before the server stalls
        ref, cfg, ref_db, db = _two_registries(tmp_path, gh)
        assert run_ohr("crawl", "--config", str(ref)).code == 0
        _kill_mid_crawl(gh, cfg, db, "SELECT count(*) FROM repos WHERE status = 'ok'")
        # the list's records are stored; projects whose repositories were not written yet are not derived
        assert _count(db, "SELECT count(*) FROM source_records") == 12
        assert (_count(db, "SELECT count(*) FROM record_digests") or 0) == 0
        r = run_ohr("crawl", "--config", str(cfg))
        assert r.code == 0, r.out + r.err
        assert _content(db) == _content(ref_db)


def test_a_migration_numbered_below_the_registry_is_still_applied(tmp_path, monkeypatch):
    """Numbers are reserved per feature: 0005 may land after a registry already has 0006."""
    from registry import db as regdb

    path = tmp_path / "r.duckdb"
    real = regdb._migrations()
    # 0017 alters 0004's tables, so it waits for 0004 too
    monkeypatch.setattr(regdb, "_migrations", lambda: [m for m in real if m[0] not in (4, 17)])
    regdb._migrated.discard(str(path.resolve()))
    with regdb.writer(path):
        pass
    monkeypatch.setattr(regdb, "_migrations", lambda: real)
    regdb._migrated.discard(str(path.resolve()))
    with regdb.reader(path) as con:  # a read command notices the missing step and has it applied
        versions = [v for (v,) in con.execute("SELECT version FROM schema_version ORDER BY 1").fetchall()]
        assert 4 in versions and versions[-1] == max(v for v, _, _ in real)
        assert con.execute("SELECT count(*) FROM flags").fetchone()[0] == 0
