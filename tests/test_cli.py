"""The CLI's contract: one clear line and a documented exit code for user errors, never a traceback."""

from __future__ import annotations

import re

import pytest


def _commands():
    """Every command the app registers, as (path, click command), walking into groups: none can be left out."""
    import typer.main

    from queries.cli import app

    def walk(cmd, path):
        subs = getattr(cmd, "commands", None)
        if subs is None:
            yield path, cmd
            return
        for name, sub in subs.items():
            yield from walk(sub, [*path, name])

    return list(walk(typer.main.get_command(app), []))


COMMANDS = _commands()


def test_the_walk_finds_every_command_module():
    names = {" ".join(path) for path, _ in COMMANDS}
    assert {"crawl", "renormalize", "search", "sql", "flag", "review", "query", "export"} <= names
    assert len(names) == len(COMMANDS) >= 22


@pytest.mark.parametrize("path,cmd", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_every_command_has_help_and_a_real_example(run_ohr, path, cmd):
    import shlex

    r = run_ohr(*path, "--help")
    assert r.code == 0, r.err
    summary = (cmd.help or "").strip().splitlines()[0]
    assert len(summary) > 20 and summary.split()[0] in r.out, cmd.help
    examples = [ln.split("Example:", 1)[1] for ln in (cmd.help or "").splitlines() if "Example:" in ln]
    assert examples and "Example:" in r.out, f"ohr {' '.join(path)} --help shows no example"
    for ex in examples:
        args = shlex.split(re.split(r"\s{2,}", ex.strip())[0])  # the first command of the line
        assert args[:len(path) + 1] == ["ohr", *path], ex
        cmd.make_context(" ".join(["ohr", *path]), args[len(path) + 1:])  # raises if the example would not parse
def _one_line_error(r, code, needle):
    assert r.code == code, (r.code, r.out, r.err)
    assert "Traceback" not in r.err + r.out
    lines = [ln for ln in r.err.splitlines() if ln.strip()]
    assert len(lines) == 1 and needle in lines[0], r.err


def test_missing_registry(run_ohr, tmp_path):
    _one_line_error(run_ohr("search", "x", "--db", str(tmp_path / "none.duckdb")), 3, "no registry at")
    _one_line_error(run_ohr("sql", "SELECT 1", "--db", str(tmp_path / "none.duckdb")), 3, "no registry at")


@pytest.fixture
def crawled(crawled):
    cfg, db, _ = crawled
    return cfg, db


def test_unknown_project(crawled, run_ohr):
    cfg, _ = crawled
    _one_line_error(run_ohr("show", "nobody/nothing", "--config", str(cfg)), 3, "no project")


def test_ambiguous_project(crawled, run_ohr):
    cfg, _ = crawled
    _one_line_error(run_ohr("show", "github.com", "--config", str(cfg)), 3, "matches several projects")


def test_show_by_url_and_fragment(crawled, run_ohr):
    cfg, _ = crawled
    assert run_ohr("show", "https://ambovent.example.org/", "--config", str(cfg), "-f", "json").code == 0
    assert run_ohr("show", "http://github.com/Jul/Zephyr.git", "--config", str(cfg), "-f", "csv").code == 0
    assert run_ohr("show", "maskmaker", "--config", str(cfg)).code == 0


@pytest.mark.parametrize("query, needle", [
    ("SELEC nonsense", "SQL error"),
    ("SELECT * FROM no_such_table", "SQL error"),
    ("DELETE FROM projects", "SQL error"),
    ("CREATE TABLE x (a INT)", "SQL error"),
    ("COPY projects TO '/tmp/ohr-leak.csv'", "SQL error"),
    ("SELECT * FROM read_csv('/etc/passwd')", "SQL error"),
    ("", "empty query"),
])
def test_bad_or_writing_sql(crawled, run_ohr, query, needle):
    cfg, _ = crawled
    _one_line_error(run_ohr("sql", query, "--config", str(cfg)), 3, needle)


def test_sql_reads_stdin(crawled, run_ohr, monkeypatch):
    import io

    cfg, _ = crawled
    monkeypatch.setattr("sys.stdin", io.StringIO("SELECT count(*) AS n FROM projects"))
    r = run_ohr("sql", "-", "--config", str(cfg), "--format", "json")
    assert r.code == 0 and '"n": 5' in r.out


def test_unknown_source_and_bad_config(run_ohr, tmp_path, world):
    cfg, _, _ = world
    _one_line_error(run_ohr("crawl", "--source", "nope", "--config", str(cfg)), 3, "no source named 'nope'")
    bad = tmp_path / "bad.toml"
    bad.write_text("[github\napi_url = 1")
    _one_line_error(run_ohr("crawl", "--config", str(bad)), 3, "not valid TOML")
    bad.write_text('[[sources]]\nname = "x"\nkind = "teleport"\n')
    _one_line_error(run_ohr("crawl", "--config", str(bad)), 3, "unknown kind 'teleport'")
    _one_line_error(run_ohr("crawl", "--config", str(tmp_path / "missing.toml")), 3, "not found")


def test_usage_error_is_exit_2(run_ohr):
    r = run_ohr("search", "--limit", "zero")
    assert r.code == 2
    assert "Traceback" not in r.err


def test_formats(crawled, run_ohr):
    import csv
    import io
    import json

    cfg, _ = crawled
    j = json.loads(run_ohr("stats", "--config", str(cfg), "-f", "json").out)
    assert {"measure": "projects", "group": None, "n": 5} in j
    rows = list(csv.DictReader(io.StringIO(run_ohr("search", "", "--config", str(cfg), "-f", "csv").out)))
    assert len(rows) == 5
    t = run_ohr("search", "zephyr", "--config", str(cfg)).out
    assert "Zephyr Ventilator" in t
