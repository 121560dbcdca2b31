"""A loopback GitHub injects faults; the crawl finishes, waits out rate limits visibly, records each failure."""

from __future__ import annotations

import json
import threading
import time

import duckdb
import pytest
from conftest import write_config
from fakegithub import FakeGitHub, FakeRepo, Reply

NAMES = ["ok1", "ok2", "flaky", "bad-gateway", "slow", "reset", "garbled", "truncated", "gone", "old",
         "primary", "secondary", "toomany"]


def _world() -> list[FakeRepo]:
    lines = "\n".join(f"* [{n}](https://github.com/F/{n}): fault {n}" for n in NAMES)
    repos = [FakeRepo("Lists/faults", {"README.md": f"# Faults\n\n## Projects\n\n{lines}\n".encode()})]
    for n in NAMES:
        if n != "gone":
            repos.append(FakeRepo(f"F/{n}", {"README.md": f"# {n}\n".encode(), "LICENSE": b"MIT License\n"},
                                  pushed_at="2021-01-01T00:00:00Z"))
    return repos


SOURCES = """[[sources]]
name = "faults"
kind = "github-list"
repo = "Lists/faults"
"""

EXTRA = "timeout = 0.2\nconcurrency = 4\nsecondary_rate_wait = 1\n"


def _config(tmp_path, url: str, extra: str, max_rate_limit_wait: float = 2, retries: int = 1):
    cfg = write_config(tmp_path, url, SOURCES, extra)
    cfg.write_text(cfg.read_text().replace("max_rate_limit_wait = 2", f"max_rate_limit_wait = {max_rate_limit_wait}")
                   .replace("retries = 2", f"retries = {retries}"))
    return cfg


class Faults:
    """A fault hook: what each repository path answers, some only the first time they are asked."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.asked: dict[str, int] = {}

    def __call__(self, path: str, headers: dict[str, str], nth: int) -> Reply | None:
        path = path.replace("/repos/f/", "/repos/F/")  # project URLs are lower-cased
        with self.lock:
            self.asked[path] = self.asked.get(path, 0) + 1
            first = self.asked[path] == 1
        if path == "/repos/F/bad-gateway":
            return Reply(502, {"message": "Server Error"})
        if path == "/repos/F/flaky" and first:
            return Reply(502, {"message": "Server Error"})
        if path == "/repos/F/slow":
            return Reply(200, {"full_name": "F/slow"}, delay=0.6)
        if path == "/repos/F/reset":
            return Reply(0, drop=True)
        if path == "/repos/F/garbled":
            return Reply(200, b'{"full_name": "F/garbled", "stargazers_count": ')
        if path == "/repos/F/truncated":
            return Reply(200, {"full_name": "F/truncated", "description": "x" * 2000}, truncate=40)
        if path == "/repos/F/primary" and first:
            return Reply(403, {"message": "API rate limit exceeded for user ID 1."},
                         {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(time.time()))})
        if path == "/repos/F/secondary" and first:
            return Reply(403, {"message": "You have exceeded a secondary rate limit. Please wait a few minutes."},
                         {"Retry-After": "1"})
        if path == "/repos/F/toomany" and first:
            return Reply(429, {"message": "Too Many Requests"}, {"Retry-After": "1"})
        return None


def _rows(db, sql, params=None):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _status(db) -> dict[str, str]:
    return dict(_rows(db, "SELECT lower(full_name), status FROM repos"))


@pytest.fixture
def faulty(tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", "test-token-not-secret")
    with FakeGitHub(_world()) as gh:
        gh.rename("F/old", FakeRepo("F/new", {"README.md": b"# new\n"}, pushed_at="2021-02-02T00:00:00Z"))
        gh.fault = Faults()
        cfg = _config(tmp_path, gh.url, EXTRA, max_rate_limit_wait=5)
        yield cfg, tmp_path / "registry.duckdb", gh


def test_every_fault_is_recorded_against_its_item_and_the_crawl_finishes(faulty, run_ohr):
    cfg, db, gh = faulty
    r = run_ohr("crawl", "--config", str(cfg))
    assert r.code == 4, r.out + r.err  # finished, with failures recorded
    assert "Traceback" not in r.out + r.err
    # rate limits were waited out with a visible message, not silently
    assert "secondary rate limit" in r.err and "primary rate limit" in r.err and "wait" in r.err

    errors: dict[str, list[tuple[str, str]]] = {}
    for item, kind, message in _rows(db, "SELECT item, kind, message FROM crawl_errors"):
        errors.setdefault(item.lower(), []).append((kind, message))
    text = {k: " | ".join(m for _, m in v) for k, v in errors.items()}
    assert "HTTP 502" in text["f/bad-gateway"]
    assert "timed out" in text["f/slow"].lower()
    assert "no answer" in text["f/reset"] or "aborted" in text["f/reset"].lower()
    assert "malformed JSON" in text["f/garbled"]
    assert "broken response" in text["f/truncated"] or "incomplete" in text["f/truncated"].lower()
    assert [k for k, _ in errors["f/gone"]] == ["gone"]
    assert [k for k, _ in errors["f/old"]] == ["moved"]
    # transient faults and rate limits cost nothing but time: those repositories are complete, no error
    for n in ("ok1", "ok2", "flaky", "primary", "secondary", "toomany"):
        assert f"f/{n}" not in errors, errors.get(f"f/{n}")
    status = _status(db)
    for n in ("ok1", "ok2", "flaky", "primary", "secondary", "toomany"):
        assert status[f"f/{n}"] == "ok", n
    assert status["f/new"] == "moved" and status["f/gone"] == "gone"
    assert status["f/bad-gateway"] == "error"
    # the run is recorded with its counts, its requests and its waits
    run = _rows(db, "SELECT status, finished_at IS NOT NULL, items_failed, items_pending, requests, rate_waited, "
                    "rate_remaining FROM crawl_runs")
    assert len(run) == 1
    st, finished, failed, pending, requests, waited, remaining = run[0]
    assert st == "partial" and finished and pending == 0
    assert failed == 5  # bad-gateway, slow, reset, garbled, truncated
    assert requests >= 2 * len(NAMES) and waited >= 1
    # bounded work: each repository asked a few times at most, and the pauses asked for stay short
    assert len(gh.log) <= 4 * len(NAMES) + 4, len(gh.log)
    assert waited <= 3 * 5, waited  # three rate-limited answers, none paused past max_rate_limit_wait
    assert remaining is not None

    r = run_ohr("runs", "--config", str(cfg), "--errors", "--format", "json")
    assert r.code == 0
    assert {e["item"] for e in json.loads(r.out)} >= {"f/bad-gateway", "f/slow", "f/reset", "f/garbled"}

    # the faults go away: failed repositories are asked again and complete; the gone one is left alone
    gh.fault = None
    gh.log.clear()
    r = run_ohr("crawl", "--config", str(cfg))
    assert r.code == 0, r.out + r.err
    status = _status(db)
    assert all(status[f"f/{n}"] == "ok" for n in ("bad-gateway", "slow", "reset", "garbled", "truncated"))
    # the gone repository is not asked again before recheck_gone_days
    assert not any(e["path"].lower() == "/repos/f/gone" for e in gh.log)


def _limited(tmp_path, monkeypatch, reply: Reply, after: int):
    monkeypatch.setenv("GITHUB_TOKEN", "test-token-not-secret")
    gh = FakeGitHub(_world()).__enter__()
    gh.fault = lambda path, headers, nth: reply if nth > after and path.lower().startswith("/repos/f/") else None
    cfg = _config(tmp_path, gh.url, "concurrency = 2\n")
    return gh, cfg, tmp_path / "registry.duckdb"


@pytest.mark.parametrize("kind", ["primary", "secondary"])
def test_a_long_rate_limit_stops_the_run_cleanly_and_the_next_run_finishes(tmp_path, monkeypatch, run_ohr, kind):
    if kind == "primary":
        reply = Reply(403, {"message": "API rate limit exceeded for user ID 1."},
                      {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(time.time()) + 3600)})
    else:
        reply = Reply(403, {"message": "You have exceeded a secondary rate limit."}, {"Retry-After": "3600"})
    gh, cfg, db = _limited(tmp_path, monkeypatch, reply, after=6)
    try:
        r = run_ohr("crawl", "--config", str(cfg))
        assert r.code == 4
        # never paused for the hour it was asked to wait: the run records the pauses it took
        assert _rows(db, "SELECT rate_waited FROM crawl_runs")[0][0] <= 2
        assert "max_rate_limit_wait" in r.err and "pending" in r.err
        st, pending, msg = _rows(db, "SELECT status, items_pending, message FROM crawl_runs")[0]
        assert st == "partial" and pending > 0 and "pending" in msg
        left = _rows(db, "SELECT count(*) FROM repos WHERE status = 'pending'")[0][0]
        assert left >= pending - 2  # pending = never fetched (a few may have been fetched before)
        # nothing was recorded as a failure of an item: a rate limit is not the repository's fault
        assert not _rows(db, "SELECT item FROM crawl_errors WHERE kind IN ('fetch', 'internal')")
        gh.fault = None
        r = run_ohr("crawl", "--config", str(cfg))
        assert _rows(db, "SELECT count(*) FROM repos WHERE status = 'pending'")[0][0] == 0
        assert [s for (s,) in _rows(db, "SELECT status FROM crawl_runs ORDER BY started_at")][-1] == "ok"
    finally:
        gh.__exit__(None, None, None)


def test_if_modified_since_when_only_last_modified_is_stored(tmp_path, monkeypatch, run_ohr):
    monkeypatch.setenv("GITHUB_TOKEN", "test-token-not-secret")
    with FakeGitHub(_world()[:4]) as gh:
        gh.etags = False
        gh.last_modified = "Fri, 01 Jan 2021 00:00:00 GMT"
        cfg = write_config(tmp_path, gh.url, SOURCES)
        assert run_ohr("crawl", "--config", str(cfg)).code in (0, 4)
        db = tmp_path / "registry.duckdb"
        assert _rows(db, "SELECT count(*) FROM documents WHERE last_modified IS NOT NULL AND etag IS NULL")[0][0] >= 3
        gh.log.clear()
        run_ohr("crawl", "--config", str(cfg))
        asked = [e for e in gh.log if e["path"].startswith("/repos/")]
        assert asked and all(e["status"] == 304 for e in asked), asked
        assert gh.counted == 0  # authenticated 304s are free
