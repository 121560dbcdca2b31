"""One writer, many readers: `ohr search` answers while another process crawls; parallel requests stay apart."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

from conftest import write_config
from fakegithub import FakeGitHub, FakeRepo

N = 24
SOURCES = """[[sources]]
name = "boards"
kind = "github-list"
repo = "Lists/boards"
"""


def _world(version: int) -> list[FakeRepo]:
    lines = "\n".join(f"* [Board {i}](https://github.com/O/board-{i:02d}): a board" for i in range(N))
    repos = [FakeRepo("Lists/boards", {"README.md": f"# Boards\n\n## All\n\n{lines}\n".encode()})]
    for i in range(N):
        repos.append(FakeRepo(f"O/board-{i:02d}", {"README.md": f"# Board {i}\n".encode(), "LICENSE": b"MIT\n"},
                              description=f"sensor board, revision {version}", stars=version,
                              pushed_at=f"202{version}-01-01T00:00:00Z"))
    return repos


def test_search_answers_while_another_process_crawls(tmp_path, run_ohr, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", "test-token-not-secret")
    monkeypatch.setenv("OHR_LOCK_WAIT", "120")  # a batch write on a machine busy with other work can take long
    with FakeGitHub(_world(1)) as gh:
        cfg = write_config(tmp_path, gh.url, SOURCES, "concurrency = 2\n")
        assert run_ohr("crawl", "--config", str(cfg)).code == 0
        for r in _world(2):  # every repository moves on: the crawl below rewrites them all, batch by batch
            gh.add(r)
        gh.latency = 0.03
        env = dict(os.environ, GITHUB_TOKEN="test-token-not-secret")
        proc = subprocess.Popen([sys.executable, "-m", "queries.cli", "crawl", "--config", str(cfg), "--quiet"],
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        answers, mixed = 0, 0
        try:
            while proc.poll() is None:
                r = run_ohr("search", "sensor board", "--config", str(cfg), "--format", "json", "--limit", "100")
                assert r.code == 0, r.err  # never "locked": the reader waits out a batch write
                found = json.loads(r.out)
                assert sorted(f["name"] for f in found) == sorted(f"Board {i}" for i in range(N))
                revisions = {f["stars"] for f in found}  # stars = the revision of the world
                if proc.poll() is None:
                    answers += 1
                    mixed += revisions == {1, 2}  # read between two batches of the same crawl
            out, err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        assert proc.returncode == 0, out + err
        assert answers >= 3, answers
        r = run_ohr("search", "sensor board", "--config", str(cfg), "--format", "json", "--limit", "100")
        assert {f["stars"] for f in json.loads(r.out)} == {2}
        print(f"{answers} searches answered during the crawl, {mixed} between two of its batches")


def test_parallel_requests_never_get_each_others_answers():
    """PyGithub's Requester shares one connection object whose request()/getresponse() can swap URLs."""
    from crawler.config import GitHubConfig
    from crawler.github import GitHubClient

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible to provoke the race
    try:
        with FakeGitHub([FakeRepo(f"o/r{i}") for i in range(50)], anon_limit=10**6) as gh:
            client = GitHubClient(GitHubConfig(api_url=gh.url, concurrency=16))

            def one(i: int) -> bool:
                return client.get(f"/repos/o/r{i % 50}").data["full_name"] == f"o/r{i % 50}"

            with ThreadPoolExecutor(16) as pool:
                results = list(pool.map(one, range(400)))
            client.close()
    finally:
        sys.setswitchinterval(old)
    assert all(results), f"{results.count(False)} answers belonged to another request"
    assert len(gh.log) == 400  # one request per call: no retry hid a swapped answer
