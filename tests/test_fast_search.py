"""The typer-free `ohr search` path answers exactly as the full CLI, and leaves everything else to it."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SOURCES, small_world, write_config
from fakegithub import FakeGitHub

from queries.fast import main as fast_main
from queries.fast import parse_search

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """One crawl of the small world for the whole module (searches only read it)."""
    from queries.cli import main

    tmp = tmp_path_factory.mktemp("fast")
    saved = os.environ.get("GITHUB_TOKEN")
    os.environ["GITHUB_TOKEN"] = "test-token-not-secret"
    try:
        with FakeGitHub(small_world()) as gh:
            cfg = write_config(tmp, gh.url, SOURCES)
            with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
                main(["crawl", "--config", str(cfg)])
    finally:
        if saved is None:
            os.environ.pop("GITHUB_TOKEN", None)
        else:
            os.environ["GITHUB_TOKEN"] = saved
    return cfg, tmp / "registry.duckdb"


@pytest.fixture
def run_fast(capsys):
    def run(*args: str):
        capsys.readouterr()
        try:
            fast_main(list(args))
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        cap = capsys.readouterr()
        return code, cap.out, cap.err

    return run


@pytest.mark.parametrize("args", [
    ["search", "ventilator"],
    ["search", "ventilator", "--format", "json"],
    ["search", "--format=csv", "vent"],
    ["search", "", "--category", "Test equipment", "-f", "json"],
    ["search", "", "--licence", "MIT", "--format", "csv"],
    ["search", "", "--license", "open", "--has-bom", "--limit", "1", "--format", "json"],
    ["search", "", "--source", "vent-list", "--limit", "2", "--format", "csv"],
    ["search", "vent", "--maturity", "concept", "--format", "json"],
    ["search", "vent", "--no-flag", "unsafe", "--flag", "ANY", "--format", "json"],
    ["search", "--format", "json", "nothing-matches-this"],
])
def test_fast_path_answers_like_the_full_cli(crawled, run_ohr, run_fast, args):
    cfg, db = crawled
    full = run_ohr(*args, "--config", str(cfg))
    assert parse_search([*args[1:], "--config", str(cfg)]) is not None
    assert run_fast(*args, "--config", str(cfg)) == (full.code, full.out, full.err)
    assert run_fast(*args, "--db", str(db)) == (full.code, full.out, full.err)


@pytest.mark.parametrize("args", [
    ["--help"], ["-h"], ["a", "b"], ["--limit", "0"], ["--limit", "x"], ["--format", "xml"],
    ["--maturity", "ripe"], ["--bogus"], ["--flag", "nope"], ["--category"], ["-fjson"], ["-c=x.toml"],
])
def test_anything_unusual_goes_to_the_full_cli(args):
    assert parse_search(args) is None


def test_errors_read_the_same(tmp_path, run_ohr, run_fast):
    missing = str(tmp_path / "none.duckdb")
    full = run_ohr("search", "x", "--db", missing)
    assert full.code == 3
    assert run_fast("search", "x", "--db", missing) == (full.code, full.out, full.err)
    full = run_ohr("search", "x", "--limit", "0", "--db", missing)
    assert run_fast("search", "x", "--limit", "0", "--db", missing) == (full.code, full.out, full.err)


def test_search_process_loads_no_crawler_or_cli_framework(crawled):
    cfg, db = crawled
    code = (
        "import sys\nfrom queries.fast import main\n"
        f"sys.argv = ['ohr', 'search', 'ventilator', '--db', {str(db)!r}, '--format', 'json']\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert e.code == 0, e.code\n"
        "heavy = ('typer', 'pydantic', 'rich', 'crawler', 'github', 'httpx', 'bs4', 'apscheduler', 'openpyxl',\n"
        "         'yaml', 'requests', 'license_expression')\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & set(heavy)))\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().splitlines()[-1] == "[]"
