"""GraphQL enrichment against tests/fakegithub.py's POST /graphql: batches, halving, missing and renamed
repositories, rate-limit waits, the HEAD-oid recrawl, the REST fallback, and REST == GraphQL registries."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SOURCES, rows, small_world, write_config
from fakegithub import FakeGitHub, FakeRepo, Reply

from crawler.github_graphql import graphql_url, raw_base


def _world(n: int) -> list[FakeRepo]:
    """A list of n boards, each with a README, a licence and (every third) a BOM."""
    lines = "\n".join(f"* [Board {i}](https://github.com/maker/board-{i:02d}): a board" for i in range(n))
    repos = [FakeRepo("lists/boards", {"README.md": f"# Boards\n\n## All\n\n{lines}\n".encode()})]
    for i in range(n):
        files = {"README.md": f"# Board {i}\n".encode(), "LICENSE": b"MIT License\n\nCopyright (c) 2024\n"}
        if i % 3 == 0:
            files["hardware/v1/pcb/bom.csv"] = b"Qty,Value,Part\n2,10k,R1 R2\n1,ESP32,U1\n"
        repos.append(FakeRepo(f"maker/board-{i:02d}", files, pushed_at="2024-01-01T00:00:00Z",
                              licence_spdx="MIT"))
    return repos


BOARDS = """[[sources]]
name = "boards"
kind = "github-list"
repo = "lists/boards"
path = "README.md"
"""


def _setup(tmp_path: Path, gh: FakeGitHub, monkeypatch: pytest.MonkeyPatch, extra: str = "",
           sources: str = BOARDS) -> tuple[Path, Path]:
    monkeypatch.setenv("GITHUB_TOKEN", "test-token-not-secret")
    return write_config(tmp_path, gh.url, sources, extra), tmp_path / "registry.duckdb"


def _repo_queries(gh: FakeGitHub) -> list[dict]:
    """The logged queries that asked for repositories' trees (the batch queries)."""
    return [e for e in gh.gql_log if 'tree: object(expression: "HEAD:")' in e["query"]]


def test_graphql_url_beside_the_rest_root() -> None:
    assert graphql_url("https://api.github.com") == "https://api.github.com/graphql"
    assert graphql_url("https://ghe.example/api/v3/") == "https://ghe.example/api/graphql"
    assert graphql_url("http://127.0.0.1:8765") == "http://127.0.0.1:8765/graphql"
    assert raw_base("https://api.github.com") == "https://raw.githubusercontent.com"
    assert raw_base("https://ghe.example/api/v3") == "https://ghe.example/raw"


def test_batches_name_many_repositories_in_one_query(tmp_path, monkeypatch, run_ohr) -> None:
    with FakeGitHub(_world(12), graphql=True) as gh:
        cfg, db = _setup(tmp_path, gh, monkeypatch, extra="graphql_batch = 5\nconcurrency = 1")
        r = run_ohr("crawl", "--config", str(cfg))
        assert r.code == 0, r.out + r.err
        assert [e["repositories"] for e in _repo_queries(gh)] == [5, 5, 2]
        # no REST call for any board: the list's README is the only REST request besides /rate_limit
        assert not [e for e in gh.log if "/repos/maker/" in e["path"]]
        points = sum(e["points"] for e in gh.gql_log)
        assert points <= 0.5 * 12  # 3 tree queries + 3 blob queries at 1 point each, for 12 repositories
        queries = len(gh.gql_log)
    # the run records what it spent through GraphQL (`ohr runs`)
    assert rows(db, "SELECT graphql_queries, graphql_points FROM crawl_runs") == [(queries, points)]
    assert rows(db, "SELECT count(*) FROM repos WHERE status = 'ok'") == [(12,)]
    assert rows(db, "SELECT count(*) FROM bom_lines") == [(8,)]  # 4 boards with BOMs, 2 lines each
    assert rows(db, "SELECT DISTINCT expression FROM licences WHERE scope = 'hardware'") == [("MIT",)]


def test_a_batch_is_halved_after_a_timeout_answer(tmp_path, monkeypatch, run_ohr) -> None:
    with FakeGitHub(_world(8), graphql=True) as gh:
        gh.gql_max_repos = 3  # a query naming more fails like GitHub's timeout
        cfg, db = _setup(tmp_path, gh, monkeypatch, extra="graphql_batch = 8\nconcurrency = 1")
        r = run_ohr("crawl", "--config", str(cfg))
        assert r.code == 0, r.out + r.err
        asked = [(e["repositories"], e["status"]) for e in _repo_queries(gh)]
    assert asked[:2] == [(8, 502), (4, 502)]
    assert all(status == 200 for n, status in asked[2:] if n <= 3)
    assert sum(n for n, status in asked if status == 200) == 8
    assert rows(db, "SELECT count(*) FROM repos WHERE status = 'ok'") == [(8,)]


def test_one_missing_repository_does_not_fail_its_batch(tmp_path, monkeypatch, run_ohr) -> None:
    with FakeGitHub(_world(6), graphql=True) as gh:
        gh.delete("maker/board-03")
        cfg, db = _setup(tmp_path, gh, monkeypatch)
        r = run_ohr("crawl", "--config", str(cfg))
        assert r.code in (0, 4), r.out + r.err
        assert len(_repo_queries(gh)) == 1
    got = dict(rows(db, "SELECT full_name, status FROM repos"))
    assert got.pop("maker/board-03") == "gone"
    assert set(got.values()) == {"ok"} and len(got) == 5
    assert rows(db, "SELECT kind FROM crawl_errors WHERE item = 'maker/board-03'") == [("gone",)]


def test_a_renamed_repository_is_followed_and_recorded(crawled_graphql) -> None:
    db, gh, run_ohr, cfg = crawled_graphql
    gh.rename("Jul/Zephyr", FakeRepo("Jul/Zephyr-Ventilator", {"README.md": b"# Zephyr\n"},
                                     pushed_at="2021-02-02T00:00:00Z"))
    n = len(gh.gql_log)
    r = run_ohr("crawl", "--config", str(cfg))
    assert r.code == 0, r.out + r.err
    assert all(e["status"] == 200 for e in gh.gql_log[n:])
    assert rows(db, "SELECT status, moved_to FROM repos WHERE project_id = 'github.com/jul/zephyr'") == [
        ("moved", "Jul/Zephyr-Ventilator")]
    assert rows(db, "SELECT project_id FROM project_urls WHERE url = 'https://github.com/jul/zephyr-ventilator'") \
        == [("github.com/jul/zephyr",)]
    assert ("moved",) in rows(db, "SELECT kind FROM crawl_errors")
    # the next crawl finds its HEAD where it was: nothing fetched again, still recorded as moved
    n = len(gh.gql_log)
    r = run_ohr("crawl", "--config", str(cfg))
    assert r.code == 0, r.out + r.err
    assert not [e for e in gh.gql_log[n:] if "tree: object" in e["query"]]
    assert rows(db, "SELECT status FROM repos WHERE project_id = 'github.com/jul/zephyr'") == [("moved",)]


@pytest.fixture
def crawled_graphql(tmp_path, monkeypatch, run_ohr):
    """The small world crawled once through GraphQL: (db, server, run_ohr, config)."""
    with FakeGitHub(small_world(), graphql=True) as gh:
        cfg, db = _setup(tmp_path, gh, monkeypatch, sources=SOURCES)
        r = run_ohr("crawl", "--config", str(cfg))
        assert r.code == 0, r.out + r.err
        assert gh.gql_log and not [e for e in gh.log if e["path"].startswith("/repos/Amb/")]
        yield db, gh, run_ohr, cfg


DOC_TIMES = "SELECT url, fetched_at FROM documents WHERE doc_kind IN ('repo', 'tree', 'readme', 'file')"


def test_recrawl_skips_unchanged_and_refetches_a_changed_one(crawled_graphql) -> None:
    db, gh, run_ohr, cfg = crawled_graphql
    before = dict(rows(db, DOC_TIMES))
    vent = gh.repos["pub/ventmon"]
    vent.files["design/VentMon BOM.csv"] = b"Qty,Part\n1,ESP32\n2,Sensor\n4,Valve\n"
    vent.pushed_at = "2021-02-01T00:00:00Z"
    n = len(gh.gql_log)
    r = run_ohr("crawl", "--config", str(cfg))
    assert r.code == 0, r.out + r.err
    asked = gh.gql_log[n:]
    heads = [e for e in asked if "tree: object" not in e["query"] and "x0: object" not in e["query"]]
    assert [e["repositories"] for e in heads] == [3]  # one HEAD check for all three repositories
    batches = [e for e in asked if "tree: object" in e["query"]]
    assert [e["repositories"] for e in batches] == [1]  # only the changed one is fetched again
    after = dict(rows(db, DOC_TIMES))
    moved = {u for u in before if before[u] != after.get(u)}
    # unchanged repositories' documents stay as they were
    assert moved and all("/pub/ventmon" in u.lower() for u in moved)
    assert rows(db, "SELECT count(*) FROM bom_lines b JOIN projects p ON p.id = b.project_id "
                    "WHERE p.repo_full_name = 'Pub/VentMon'") == [(3,)]
    out = r.out + r.err
    assert "1 changed, 2 unchanged" in out


def test_rate_limit_wait_then_going_on(tmp_path, monkeypatch, run_ohr) -> None:
    with FakeGitHub(_world(4), graphql=True) as gh:
        gh.gql_limit, gh.gql_window = 1, 1.0  # one query's points a second: every next query waits for the reset
        cfg, db = _setup(tmp_path, gh, monkeypatch, extra="concurrency = 1")
        r = run_ohr("crawl", "--config", str(cfg))
        assert r.code == 0, r.out + r.err
        assert "waited" in r.out + r.err  # the summary says the run waited for the GraphQL limit
        assert [e["status"] for e in gh.gql_log].count(200) >= 2
    assert rows(db, "SELECT rate_waited > 0 FROM crawl_runs") == [(True,)]
    assert rows(db, "SELECT count(*) FROM repos WHERE status = 'ok'") == [(4,)]


def test_a_long_rate_limit_stops_cleanly_with_work_pending(tmp_path, monkeypatch, run_ohr) -> None:
    with FakeGitHub(_world(4), graphql=True) as gh:
        gh.gql_limit = 0  # spent; resets in an hour, far over max_rate_limit_wait = 2
        cfg, db = _setup(tmp_path, gh, monkeypatch)
        r = run_ohr("crawl", "--config", str(cfg))
    assert r.code == 4, r.out + r.err
    assert "pending" in r.out + r.err
    assert rows(db, "SELECT count(*) FROM repos WHERE status = 'pending'") == [(4,)]


def test_secondary_limit_retry_after_is_honoured(tmp_path, monkeypatch, run_ohr) -> None:
    with FakeGitHub(_world(3), graphql=True) as gh:
        gh.gql_fault = lambda body, nth: Reply(429, {"message": "You have exceeded a secondary rate limit."},
                                               {"Retry-After": "1"}) if nth == 1 else None
        cfg, db = _setup(tmp_path, gh, monkeypatch)
        r = run_ohr("crawl", "--config", str(cfg))
        assert r.code == 0, r.out + r.err
        assert [e["status"] for e in gh.gql_log][:2] == [429, 200]
    assert rows(db, "SELECT count(*) FROM repos WHERE status = 'ok'") == [(3,)]


def test_without_a_token_the_rest_path_is_used(tmp_path, run_ohr) -> None:
    with FakeGitHub(small_world(), graphql=True) as gh:
        cfg = write_config(tmp_path, gh.url, SOURCES)
        r = run_ohr("crawl", "--config", str(cfg))
        assert r.code == 0, r.out + r.err
        assert gh.gql_log == []
        assert [e for e in gh.log if e["path"].startswith("/repos/Amb/AmboVent/readme")]


def test_a_host_without_graphql_falls_back_to_rest(world, run_ohr) -> None:
    cfg, db, gh = world  # tests/fakegithub.py without graphql=True: POST /graphql is 404
    r = run_ohr("crawl", "--config", str(cfg))
    assert r.code == 0, r.out + r.err
    assert [e["status"] for e in gh.gql_log] == [404]
    assert rows(db, "SELECT count(*) FROM repos WHERE status = 'ok'") == [(3,)]


COMPARED = {
    "projects": "SELECT id, name, description, homepage, category, url_kind, repo_full_name FROM projects",
    "licences": "SELECT * EXCLUDE (observed_at) FROM licences",
    "bom_lines": "SELECT * FROM bom_lines",
    "repos": "SELECT * EXCLUDE (fetched_at, error) FROM repos",
    "maturity": "SELECT * EXCLUDE (observed_at) FROM maturity",
}


def registry_rows(db: Path) -> dict[str, list]:
    """What GraphQL and REST crawls must agree on, sorted (fetch times and port-bearing URLs aside)."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {}
        for name, sql in COMPARED.items():
            cols = {r[0] for r in con.execute(f"DESCRIBE {name}").fetchall()}
            q = sql if "observed_at" in cols or "EXCLUDE (observed_at)" not in sql else sql.replace(
                " EXCLUDE (observed_at)", "")
            out[name] = sorted(map(repr, con.execute(q).fetchall()))
        return out
    finally:
        con.close()


def test_graphql_registry_equals_the_rest_one(tmp_path, monkeypatch, run_ohr) -> None:
    dbs = {}
    for mode in ("rest", "graphql"):
        with FakeGitHub(small_world() + _world(5)[1:], graphql=True) as gh:
            d = tmp_path / mode
            d.mkdir()
            extra = "graphql = false" if mode == "rest" else ""
            sources = SOURCES.replace("[[sources]]", "[[sources]]", 1)
            cfg, db = _setup(d, gh, monkeypatch, extra=extra, sources=sources)
            r = run_ohr("crawl", "--config", str(cfg))
            assert r.code == 0, r.out + r.err
            assert bool(gh.gql_log) == (mode == "graphql")
            dbs[mode] = registry_rows(db)
    assert dbs["rest"]["bom_lines"] and dbs["rest"]["licences"]
    assert dbs["graphql"] == dbs["rest"]


def test_binary_and_non_utf8_files_come_from_the_raw_host(tmp_path, monkeypatch, run_ohr) -> None:
    xlsx = b"PK\x03\x04\x00\x00binary spreadsheet\x00\xff"
    latin = "Qty,Part\n1,Résistance\n".encode("latin-1")  # GraphQL's text would not give these bytes back
    world = _world(1)
    world[1].files.update({"bom.xlsx": xlsx, "hardware/BOM.csv": latin})
    with FakeGitHub(world, graphql=True) as gh:
        cfg, db = _setup(tmp_path, gh, monkeypatch)
        r = run_ohr("crawl", "--config", str(cfg))
        assert r.code in (0, 4), r.out + r.err
        raw = sorted(e["path"] for e in gh.log if e["path"].startswith("/raw/"))
        assert all(not e["counted"] for e in gh.log if e["path"].startswith("/raw/"))
    assert any(p.endswith("/bom.xlsx") for p in raw) and any(p.endswith("/BOM.csv") for p in raw)
    got = dict(rows(db, "SELECT path, content FROM documents WHERE doc_kind = 'file'"))
    assert bytes(got["bom.xlsx"]) == xlsx and bytes(got["hardware/BOM.csv"]) == latin
    assert bytes(got["LICENSE"]) == b"MIT License\n\nCopyright (c) 2024\n"  # a text file: from the blob query


def test_folders_deeper_than_one_query_are_read_in_a_follow_up(tmp_path, monkeypatch, run_ohr) -> None:
    from crawler.github_graphql import TREE_LEVELS

    deep = "/".join(f"d{i}" for i in range(TREE_LEVELS + 2)) + "/bom.csv"
    world = _world(1)
    world[1].files[deep] = b"Qty,Value,Part\n3,1k,R5 R6 R7\n"
    with FakeGitHub(world, graphql=True) as gh:
        cfg, db = _setup(tmp_path, gh, monkeypatch)
        r = run_ohr("crawl", "--config", str(cfg))
        assert r.code == 0, r.out + r.err
        follow_ups = [e for e in gh.gql_log if 'x0: object(expression: "' in e["query"] and "... on Tree" in e["query"]]
    assert len(follow_ups) == 1
    (paths,) = rows(db, "SELECT tree_paths FROM repos WHERE full_name = 'maker/board-00'")[0]
    assert deep in paths
    assert rows(db, "SELECT count(*) FROM documents WHERE path = ?", [deep]) == [(1,)]


def test_binary_files_download_while_the_text_query_runs(tmp_path, monkeypatch, run_ohr) -> None:
    """The raw download of an .xlsx starts from the tree, before the blob-text query is answered."""
    import threading

    world = _world(2)
    world[1].files["bom.xlsx"] = b"PK\x03\x04\x00\x00binary spreadsheet\x00\xff"
    seen_raw_first: list[bool] = []
    with FakeGitHub(world, graphql=True) as gh:
        raw_in = threading.Event()

        def hold_blob_query(query: str, nth: int) -> None:
            if "... on Blob" in query:  # answer the text query only once the raw file was asked for (or 10 s on)
                for _ in range(200):
                    if any(e["path"].startswith("/raw/") for e in gh.log):
                        raw_in.set()
                        break
                    threading.Event().wait(0.05)
                seen_raw_first.append(raw_in.is_set())
            return None

        gh.gql_fault = hold_blob_query
        cfg, db = _setup(tmp_path, gh, monkeypatch)
        r = run_ohr("crawl", "--config", str(cfg))
        assert r.code in (0, 4), r.out + r.err
    assert seen_raw_first == [True]
    assert rows(db, "SELECT count(*) FROM documents WHERE path = 'bom.xlsx' AND status = 200") == [(1,)]
    assert rows(db, "SELECT count(*) FROM repos WHERE status = 'ok'") == [(2,)]


def test_head_checks_of_many_repositories_go_several_at_once(tmp_path, monkeypatch, run_ohr) -> None:
    """A recrawl's HEAD check is one query per CHECK_BATCH repositories; all are asked, a moved one is fetched."""
    import threading

    import crawler.github_graphql as gql

    monkeypatch.setattr(gql, "CHECK_BATCH", 2)
    arrived: list[int] = []
    overlapped: list[bool] = []

    def hold_first_check(query: str, nth: int) -> None:
        if "repository(" in query and "tree: object" not in query and "x0: object" not in query:
            arrived.append(nth)
            if len(arrived) == 1:  # the first check waits (10 s at most) for a second one to come in beside it
                for _ in range(200):
                    if len(arrived) > 1:
                        break
                    threading.Event().wait(0.05)
                overlapped.append(len(arrived) > 1)
        return None

    with FakeGitHub(_world(5), graphql=True) as gh:
        cfg, db = _setup(tmp_path, gh, monkeypatch)
        assert run_ohr("crawl", "--config", str(cfg)).code == 0
        gh.repos["maker/board-03"].files["README.md"] = b"# Board 3, second revision\n"
        gh.repos["maker/board-03"].pushed_at = "2024-02-01T00:00:00Z"
        n = len(gh.gql_log)
        gh.gql_fault = hold_first_check
        r = run_ohr("crawl", "--config", str(cfg))
        assert r.code == 0, r.out + r.err
        asked = gh.gql_log[n:]
    heads = [e for e in asked if "tree: object" not in e["query"] and "x0: object" not in e["query"]]
    assert sorted(e["repositories"] for e in heads) == [1, 2, 2]
    assert [e["repositories"] for e in asked if "tree: object" in e["query"]] == [1]
    assert overlapped == [True]
    assert "1 changed, 4 unchanged" in r.out + r.err
    assert rows(db, "SELECT count(*) FROM documents WHERE content = '# Board 3, second revision\n'::BLOB") == [(1,)]


def test_a_recrawl_refreshes_metadata_that_moved_without_a_push(crawled_graphql) -> None:
    """Stars, description or archived can change while HEAD stays: the HEAD check reads them too (same point),
    and only the repository document is written again — no tree or file is asked for."""
    db, gh, run_ohr, cfg = crawled_graphql
    before = dict(rows(db, DOC_TIMES))
    amb = gh.repos["amb/ambovent"]
    amb.stars, amb.description = 4242, "Open source ventilator by the AmboVent team, now archived"
    n = len(gh.gql_log)
    r = run_ohr("crawl", "--config", str(cfg))
    assert r.code == 0, r.out + r.err
    asked = gh.gql_log[n:]
    assert len(asked) == 1 and asked[0]["points"] == 1  # the HEAD check only
    assert "1 changed, 2 unchanged" in r.out + r.err
    assert rows(db, "SELECT stars, description FROM repos WHERE full_name = 'Amb/AmboVent'") == [
        (4242, "Open source ventilator by the AmboVent team, now archived")]
    after = dict(rows(db, DOC_TIMES))
    moved = sorted(u for u in before if before[u] != after.get(u))
    assert len(moved) == 1 and moved[0].lower().endswith("/repos/amb/ambovent")  # tree, README, files kept
    r = run_ohr("crawl", "--config", str(cfg))  # and then it is unchanged again
    assert "0 changed, 3 unchanged" in r.out + r.err


def test_a_forks_parent_is_read_and_a_host_without_it_is_asked_again(tmp_path, monkeypatch, run_ohr) -> None:
    """Repository.parent gives repos.parent as REST's `parent` does; a host whose schema lacks it answers
    "Cannot query field" (free) once, and is asked again without it."""
    import crawler.github_graphql as gql

    for has_parent in (True, False):
        world = _world(2)
        world[1].fork, world[1].parent = True, "upstream/board"
        folder = tmp_path / str(has_parent)
        folder.mkdir()
        monkeypatch.setattr(gql, "_NO_PARENT", set())
        with FakeGitHub(world, graphql=True) as gh:
            gh.gql_parent = has_parent
            cfg, db = _setup(folder, gh, monkeypatch)
            r = run_ohr("crawl", "--config", str(cfg))
            assert r.code == 0, r.out + r.err
            refused = [e for e in gh.gql_log if e["points"] == 0]
        assert len(refused) == (0 if has_parent else 1)
        assert sum(e["points"] for e in gh.gql_log) == 2
        assert rows(db, "SELECT full_name, is_fork, parent FROM repos ORDER BY 1") == [
            ("maker/board-00", True, "upstream/board" if has_parent else None), ("maker/board-01", False, None)]


def test_a_head_check_too_heavy_for_github_is_asked_again_in_halves(tmp_path, monkeypatch, run_ohr) -> None:
    """The check names many repositories for 1 point; one GitHub times out on is split (and the rest asked at the
    smaller size), never given up on."""
    with FakeGitHub(_world(5), graphql=True) as gh:
        cfg, db = _setup(tmp_path, gh, monkeypatch)
        assert run_ohr("crawl", "--config", str(cfg)).code == 0
        gh.gql_max_repos = 2  # a query naming more fails like GitHub's timeout (502)
        n = len(gh.gql_log)
        r = run_ohr("crawl", "--config", str(cfg))
        assert r.code == 0, r.out + r.err
        asked = gh.gql_log[n:]
    assert [e["status"] for e in asked if e["repositories"] > 2] == [502]  # 5; then at most 2 per query
    assert sorted(e["repositories"] for e in asked if e["status"] == 200) == [1, 2, 2]
    assert not [e for e in asked if "tree: object" in e["query"]]  # nothing fetched again
    assert "0 changed, 5 unchanged" in r.out + r.err


def test_a_stop_during_downloads_leaves_those_repositories_pending_and_writes_the_rest(tmp_path, monkeypatch) -> None:
    """Repositories go to the writer one by one as their files come in: a stop asked while raw files download keeps
    the repositories already complete, leaves the cut ones pending, and the next run finishes them."""
    import threading

    from crawler.config import load_config
    from crawler.run import crawl

    world = _world(6)
    for r in world[1:4]:  # three repositories with a spreadsheet each (raw downloads); three without
        r.files["bom.xlsx"] = b"PK\x03\x04\x00\x00binary spreadsheet\x00\xff"
    stop = threading.Event()
    with FakeGitHub(world, graphql=True) as gh:
        cfg_path, db = _setup(tmp_path, gh, monkeypatch, extra="concurrency = 1")

        def stop_at_first_raw(path: str, headers: dict[str, str], nth: int) -> None:
            if path.startswith("/raw/") and not stop.is_set():
                # once the batch's text query is answered (10 s at most), so the stop cuts downloads, not queries
                for _ in range(200):
                    if any("... on Blob" in e["query"] for e in gh.gql_log):
                        break
                    threading.Event().wait(0.05)
                stop.set()  # this download still answers; the ones after it are not asked
            return None

        gh.fault = stop_at_first_raw
        (s,) = crawl(load_config(cfg_path), stop=stop)
        raws = [e for e in gh.log if e["path"].startswith("/raw/")]
        assert s.status == "stopped" and len(raws) == 1
        assert s.repos_pending == 2
        assert rows(db, "SELECT status, count(*) FROM repos GROUP BY 1 ORDER BY 1") == [("ok", 4), ("pending", 2)]
        gh.fault = None
        (s,) = crawl(load_config(cfg_path))
        assert s.status == "ok", s.message
    assert rows(db, "SELECT status, count(*) FROM repos GROUP BY 1") == [("ok", 6)]
    assert rows(db, "SELECT count(*) FROM documents WHERE path = 'bom.xlsx' AND status = 200") == [(3,)]
