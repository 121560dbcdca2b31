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


# -- 5: the rate-limit message when the run's very first answer is the 403 ---------------------------------
@pytest.mark.parametrize("resource,per", [("search", "a minute"), ("core", "an hour")])
def test_5_first_answer_403_names_limit_and_reset_from_its_headers(tmp_path, run_ohr, resource, per):
    import time

    from loopback import hub_config, serve

    reset = int(time.time()) + 1800
    when = time.strftime("%H:%M:%S UTC", time.gmtime(reset))
    with serve() as api:
        api.expect_request(
            "/search/repositories" if resource == "search" else "/repos/pubinv/list/contents/README.md"
        ).respond_with_json(
            {"message": "API rate limit exceeded for 127.0.0.1."}, status=403,
            headers={"X-RateLimit-Limit": "10" if resource == "search" else "60", "X-RateLimit-Remaining": "0",
                     "X-RateLimit-Reset": str(reset), "X-RateLimit-Resource": resource})
        source = ('[[sources]]\nname = "s"\nkind = "github-search"\nqueries = ["ventilator"]\n'
                  if resource == "search" else '[[sources]]\nname = "s"\nkind = "github-list"\nrepo = "pubinv/list"\n')
        cfg = hub_config(tmp_path, source, github_url=api.url_for("").rstrip("/"))
        r = run_ohr("crawl", "--config", str(cfg))
    assert r.code == 4
    limit = "10" if resource == "search" else "60"
    name = "GitHub search rate limit" if resource == "search" else "GitHub rate limit"
    assert f"{name} spent ({limit} requests {per}); it resets at {when}" in r.err + r.out, r.err + r.out
    assert "set GITHUB_TOKEN" in r.err + r.out
    assert "?" not in r.err and "later" not in r.err


# -- 6 and 7: a crawl whose items failed exits 4, and their errors are recorded as sentences ---------------
def _faulty_world(names=("fine", "truncated", "reset", "noreadme")):
    from fakegithub import FakeRepo

    lines = "\n".join(f"* [{n}](https://github.com/F/{n}): {n}" for n in names)
    return [FakeRepo("Lists/faults", {"README.md": f"# Faults\n\n## Projects\n\n{lines}\n".encode()})] + [
        FakeRepo(f"F/{n}", {"README.md": f"# {n}\n".encode()}, pushed_at="2021-01-01T00:00:00Z") for n in names]


def _fault(path, headers, nth):
    from fakegithub import Reply

    if path.lower() == "/repos/f/truncated":
        return Reply(200, {"full_name": "F/truncated", "description": "x" * 2000}, truncate=40)
    if path.lower() == "/repos/f/reset":
        return Reply(0, drop=True)
    if path.lower() == "/repos/f/noreadme/readme":  # the repository reads fine, its README never does
        return Reply(502, {"message": "Server Error"})
    return None


def test_6_7_failed_items_exit_4_and_are_recorded_as_sentences(tmp_path, run_ohr, monkeypatch):
    from conftest import write_config
    from fakegithub import FakeGitHub

    monkeypatch.setenv("GITHUB_TOKEN", "test-token-not-secret")
    with FakeGitHub(_faulty_world()) as gh:
        gh.fault = _fault
        cfg = write_config(tmp_path, gh.url, '[[sources]]\nname = "faults"\nkind = "github-list"\n'
                           'repo = "Lists/faults"\n', "timeout = 2\n")
        r = run_ohr("crawl", "--config", str(cfg))
    assert r.code == 4, r.out + r.err
    con = duckdb.connect(str(tmp_path / "registry.duckdb"), read_only=True)
    try:
        errors = dict(con.execute("SELECT lower(item), message FROM crawl_errors").fetchall())
        (status,) = con.execute("SELECT status FROM crawl_runs").fetchone()
    finally:
        con.close()
    assert status == "partial"
    assert "the server closed the connection after" in errors["f/truncated"], errors
    assert "closed the connection without answering" in errors["f/reset"], errors
    assert errors["f/noreadme"].startswith("README not read: HTTP 502"), errors
    for message in errors.values():
        assert "IncompleteRead(" not in message and "Error(" not in message and "('" not in message, message


def test_6_a_part_not_read_alone_makes_the_crawl_exit_4(tmp_path, run_ohr, monkeypatch):
    from conftest import write_config
    from fakegithub import FakeGitHub

    monkeypatch.setenv("GITHUB_TOKEN", "test-token-not-secret")
    with FakeGitHub(_faulty_world(("fine", "noreadme"))) as gh:
        gh.fault = _fault
        cfg = write_config(tmp_path, gh.url, '[[sources]]\nname = "faults"\nkind = "github-list"\n'
                           'repo = "Lists/faults"\n', "timeout = 2\n")
        r = run_ohr("crawl", "--config", str(cfg))
    assert r.code == 4, r.out + r.err
    assert "README not read: HTTP 502" in r.out


def test_7_describe_turns_library_reprs_into_sentences():
    from crawler.errors import describe, internal

    assert describe("HTTPConnectionPool(host='h', port=1): Max retries exceeded ('Connection broken: "
                    "IncompleteRead(985 bytes read, 15 more expected)', IncompleteRead(985 bytes read, "
                    "15 more expected))") == "the server closed the connection after 985 bytes, 15 short of the answer"
    assert describe("HTTPSConnectionPool(host='api.github.com', port=443): Max retries exceeded "
                    "(Caused by NameResolutionError(\"...\"))") == "DNS lookup failed for api.github.com (no network?)"
    assert describe("[Errno 111] Connection refused", host="127.0.0.1") == \
        "connection refused by 127.0.0.1 (is the server running?)"
    text = internal(KeyError("x"), "the github-list adapter")
    assert text.startswith("the github-list adapter failed on an internal error (KeyError: 'x')")


def test_6_stats_counts_the_problems_of_each_sources_latest_run_only(tmp_path, run_ohr, monkeypatch):
    from conftest import write_config
    from fakegithub import FakeGitHub

    monkeypatch.setenv("GITHUB_TOKEN", "test-token-not-secret")
    with FakeGitHub(_faulty_world(("fine", "noreadme"))) as gh:
        gh.fault = _fault
        cfg = write_config(tmp_path, gh.url, '[[sources]]\nname = "faults"\nkind = "github-list"\n'
                           'repo = "Lists/faults"\n', "timeout = 2\n")
        assert run_ohr("crawl", "--config", str(cfg)).code == 4
        stats = run_ohr("stats", "--config", str(cfg), "-f", "csv").out
        assert "problems of the last runs,fetch,1" in stats, stats
        gh.fault = None  # the server recovered: a clean crawl
        assert run_ohr("crawl", "--config", str(cfg)).code == 0
    stats = run_ohr("stats", "--config", str(cfg), "-f", "csv").out
    assert "problems" not in stats, stats
    assert "README not read" in run_ohr("runs", "--errors", "--config", str(cfg)).out  # history is kept


def test_6_a_source_lacking_its_key_is_skipped_in_one_line_not_failed(tmp_path, run_ohr):
    from loopback import hub_config

    cfg = hub_config(tmp_path, '[[sources]]\nname = "oshwa"\nkind = "oshwa"\napi_url = "http://127.0.0.1:9"\n')
    r = run_ohr("crawl", "--config", str(cfg))
    assert r.code == 0, r.out + r.err
    lines = [line for line in r.out.splitlines() if "OSHWA_TOKEN" in line]
    assert lines == ["oshwa: $OSHWA_TOKEN is not set (the OSHWA certification API needs a token); skipped — "
                     "set it to crawl this source"], r.out
    assert "skipped" in run_ohr("sources", "--config", str(cfg), "-f", "csv").out


def _make_run(tmp_path: Path, config: str) -> tuple[int, str]:
    """`make run` of this checkout, in tmp_path (its .venv reused), with config.toml = config."""
    import os
    import shutil
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    if not (root / ".venv" / ".installed-ohr").exists() or shutil.which("make") is None:
        pytest.skip("make run needs the checkout's .venv (make setup) and make")
    (tmp_path / "config.toml").write_text(config, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OHR_", "GITHUB_TOKEN"))}
    env["OHR_CONFIG"] = str(tmp_path / "config.toml")
    p = subprocess.run(["make", "-s", "-C", str(root), "run", f"PY={sys.executable}"], env=env,
                       capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout + p.stderr


def test_6_make_run_does_not_exit_0_when_every_source_is_unreachable(tmp_path):
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there: every source is unreachable
    config = (f'[github]\napi_url = "http://127.0.0.1:{port}"\nretries = 0\n[registry]\npath = "{tmp_path}/r.duckdb"\n'
              '[[sources]]\nname = "list"\nkind = "github-list"\nrepo = "a/b"\n')
    code, out = _make_run(tmp_path, config)
    assert code != 0, out
    assert "unreachable" in out and "projects" in out  # said so, and still printed the statistics


# -- 7: two crawls of one registry: the second exits at once with its own code ------------------------------
def test_7_a_second_crawl_of_the_same_registry_exits_6_before_any_request(tmp_path, run_ohr):
    import subprocess
    import sys

    from conftest import write_config
    from fakegithub import FakeGitHub

    with FakeGitHub(_faulty_world(("fine",))) as gh:
        cfg = write_config(tmp_path, gh.url, '[[sources]]\nname = "faults"\nkind = "github-list"\n'
                           'repo = "Lists/faults"\n')
        db = tmp_path / "registry.duckdb"
        holder = subprocess.Popen(  # another process crawling this registry (it holds the crawl lock)
            [sys.executable, "-c", "import sys, time; from pathlib import Path; from crawler.run import crawl_lock\n"
             f"with crawl_lock(Path({str(db)!r})):\n    print('held', flush=True); sys.stdin.read()"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[1])
        try:
            assert holder.stdout.readline().strip() == "held"
            r = run_ohr("crawl", "--config", str(cfg))
            assert r.code == 6, r.out + r.err
            assert r.err.startswith("error: another crawl of ") and f"pid {holder.pid}" in r.err
            assert len(r.err.strip().splitlines()) == 1
            assert gh.counted == 0 and not gh.log  # not one request spent
        finally:
            holder.communicate("")
        assert run_ohr("crawl", "--config", str(cfg)).code == 0  # the lock went with its process


# -- 4: user errors are user errors (exit 3, one line, what to do), never "internal error" -----------------
@pytest.mark.parametrize("body,names", [
    ('[github]\nconcurrency = "four"\n', ["[github] concurrency", "'four'"]),
    ('[github]\nconcurency = 4\n', ["[github]", "'concurency'"]),
    ('[github]\ntoken = "x"\n', ["'token'", "GITHUB_TOKEN"]),
    ('[regsitry]\npath = "r.duckdb"\n', ["'regsitry'"]),
    ('[registry]\npth = "r.duckdb"\n', ["[registry]", "'pth'"]),
    ('[http]\ntimeout = "soon"\n', ["[http] timeout", "'soon'"]),
    ('[[sources]]\nname = "l"\nkind = "github-list"\nrepo = "a/b"\nexclude_section = ["x"]\n',
     ["'l'", "'exclude_section'", "exclude_sections"]),
    ('[[sources]]\nname = "o"\nkind = "oshwa"\npage_size = "100"\n', ["'o'", "page_size", "number"]),
])
def test_4_config_mistakes_name_the_key(tmp_path, run_ohr, body, names):
    cfg = tmp_path / "config.toml"
    cfg.write_text(body, encoding="utf-8")
    for args in (["crawl"], ["sources"]):
        r = run_ohr(*args, "--config", str(cfg))
        assert r.code == 3, (args, r.code, r.err)
        assert r.err.startswith("error: ") and len(r.err.strip().splitlines()) == 1, r.err
        for n in names:
            assert n in r.err, (n, r.err)


def test_4_shipped_config_loads():
    from crawler.config import load_config

    cfg = load_config(Path(__file__).resolve().parents[1] / "config.toml")
    kinds = {s.kind for s in cfg.sources}
    assert {"github-list", "github-search", "oshwa", "mediawiki"} <= kinds


@pytest.mark.parametrize("make", ["empty", "garbage", "folder"])
def test_4_a_file_that_is_no_registry_is_a_user_error(tmp_path, run_ohr, make):
    path = tmp_path / "reg.duckdb"
    if make == "empty":
        path.touch()
    elif make == "garbage":
        path.write_bytes(b"PK\x03\x04 this is a zip, not a database" * 100)
    else:
        path.mkdir()
    for args in (["search", "x"], ["stats"], ["sql", "SELECT 1"], ["flag", "x", "--kind", "unsafe", "--note", "n"]):
        r = run_ohr(*args, "--db", str(path))
        assert r.code == 3, (args, r.code, r.err)
        assert r.err.startswith("error: ") and len(r.err.strip().splitlines()) == 1, r.err
        assert "--db" in r.err or "ohr crawl" in r.err, r.err


@pytest.mark.parametrize("where", ["under-a-file", "/sys", "/proc"])
def test_4_db_paths_that_cannot_hold_a_registry_are_user_errors(tmp_path, run_ohr, where):
    if where == "under-a-file":
        (tmp_path / "afile").write_text("x")
        path = tmp_path / "afile" / "reg.duckdb"
    else:
        if not Path(where).is_dir():
            pytest.skip(f"no {where} here")
        path = Path(where) / "ohr-test-reg.duckdb"
    cfg = tmp_path / "config.toml"
    cfg.write_text('[[sources]]\nname = "l"\nkind = "github-list"\nrepo = "a/b"\n', encoding="utf-8")
    for args in (["crawl"], ["search", "x"], ["stats"], ["renormalize"]):
        r = run_ohr(*args, "--db", str(path), "--config", str(cfg))
        assert r.code == 3, (args, r.code, r.err)
        assert r.err.startswith("error: ") and len(r.err.strip().splitlines()) == 1, r.err
        assert "internal" not in r.err


@pytest.mark.parametrize("args,words", [
    (["search", "x", "--limit", "99999999999999999999"], "--limit"),
    (["runs", "--limit", "99999999999999999999"], "--limit"),
    (["search", "x", "--format", "xml"], "--format"),
    (["search", "--nope"], "--nope"),
])
def test_4_usage_errors_are_one_line_exit_2(reg, run_ohr, args, words):
    r = run_ohr(*args, "--db", str(reg))
    assert r.code == 2, (r.code, r.err)
    assert len(r.err.strip().splitlines()) == 1 and r.err.startswith("error: ") and words in r.err, r.err
    assert "--help" in r.err and "internal" not in r.err


def test_4_invalid_utf8_in_an_argument_is_a_user_error(reg, run_ohr):
    import os

    arg = os.fsdecode(b"vent\xff\xfe")  # what Python makes of such bytes in argv
    r = run_ohr("search", arg, "--db", str(reg))
    assert r.code == 3 and r.err.startswith("error: ") and "UTF-8" in r.err, r.err
    assert len(r.err.strip().splitlines()) == 1


@pytest.mark.parametrize("cmd", [["search", "vent"], ["runs"]])
def test_4_an_unknown_source_is_an_error_for_every_command(reg, run_ohr, cmd):
    r = run_ohr(*cmd, "--source", "nosuch", "--db", str(reg))
    assert r.code == 3 and "no source named 'nosuch'" in r.err and "test-list" in r.err, r.err
    assert run_ohr(*cmd, "--source", "test-list", "--db", str(reg)).code == 0


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet", "markdown", "okh"])
def test_4_an_export_to_an_unwritable_path_is_a_user_error(reg, run_ohr, tmp_path, fmt):
    (tmp_path / "afile").write_text("x")
    out = tmp_path / "afile" / f"export.{'yml' if fmt == 'okh' else fmt}"  # a file where a folder should be
    r = run_ohr("export", "--format", fmt, "--out", str(out), "--db", str(reg))
    assert r.code == 3, (r.code, r.err)
    assert r.err.startswith(f"error: cannot write {out}") and "--out" in r.err and len(r.err.splitlines()) == 1


def test_7_version(run_ohr):
    from importlib.metadata import version

    r = run_ohr("--version")
    assert r.code == 0 and r.out.strip() == f"ohr {version('ohr')}"


# -- 7: bom_lines is an integer column in the Parquet export --------------------------------------------------
def test_7_parquet_export_keeps_bom_lines_an_integer(reg, run_ohr, tmp_path):
    out = tmp_path / "all.parquet"
    assert run_ohr("export", "--format", "parquet", "--out", str(out), "--db", str(reg)).code == 0
    con = duckdb.connect()
    try:
        types = dict(con.execute(f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM '{out}')").fetchall())
        lines = dict(con.execute(f"SELECT id, bom_lines FROM '{out}'").fetchall())
    finally:
        con.close()
    assert types["bom_lines"] == "BIGINT" and types["bom_files"] in ("BIGINT", "INTEGER"), types
    assert lines["github.com/a/openvent"] == 3
