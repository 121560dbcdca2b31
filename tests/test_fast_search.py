"""`ohr search` gives the same answer through --config and --db, and its process loads nothing it does not need."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def crawled(crawled_template):
    """The process's one crawl of the small world (searches only read it)."""
    return crawled_template


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
def test_search_through_config_and_db_answers_the_same(crawled, run_ohr, args):
    cfg, db = crawled
    full = run_ohr(*args, "--config", str(cfg))
    assert full.code == 0 and full.out, full.err
    by_db = run_ohr(*args, "--db", str(db))
    assert (by_db.code, by_db.out, by_db.err) == (full.code, full.out, full.err)


def test_search_errors_are_one_line(tmp_path, run_ohr):
    missing = str(tmp_path / "none.duckdb")
    r = run_ohr("search", "x", "--db", missing)
    assert r.code == 3 and r.out == "" and r.err.strip().splitlines() == [f"error: no registry at {missing}; "
                                                                         "run `ohr crawl` first (or pass --db)"]
    r = run_ohr("search", "x", "--limit", "0", "--db", missing)
    assert r.code == 2 and "Traceback" not in r.err


def test_search_process_loads_no_crawler_or_heavy_library(crawled):
    cfg, db = crawled
    code = (
        "import sys\nfrom queries.cli import main\n"
        f"sys.argv = ['ohr', 'search', 'ventilator', '--db', {str(db)!r}, '--format', 'json']\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert e.code == 0, e.code\n"
        "heavy = ('rich', 'crawler', 'github', 'httpx', 'bs4', 'apscheduler', 'openpyxl',\n"
        "         'yaml', 'requests', 'license_expression', 'pydantic')\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & set(heavy)))\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().splitlines()[-1] == "[]"
