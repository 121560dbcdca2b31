"""Shared fixtures: a loopback GitHub, a config file pointing at it, and an in-process `ohr` runner."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fakegithub import FakeGitHub, FakeRepo  # noqa: E402

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def run_ohr(capsys: pytest.CaptureFixture[str]):
    """Run `ohr ARGS…` in-process through the real entry point; returns exit code, stdout, stderr."""
    from queries.cli import main

    def run(*args: str) -> Result:
        capsys.readouterr()
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        cap = capsys.readouterr()
        return Result(code, cap.out, cap.err)

    return run


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("GITHUB_TOKEN", "OHR_GITHUB_API_URL", "OHR_DB", "OHR_CONFIG", "OSHWA_TOKEN", "HACKADAY_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("OHR_LOCK_WAIT", "10")


def write_config(tmp: Path, api_url: str, sources: str, extra: str = "") -> Path:
    """A config.toml in tmp pointing at api_url, with the given [[sources]] text."""
    cfg = tmp / "config.toml"
    cfg.write_text(
        f'[github]\napi_url = "{api_url}"\nmax_rate_limit_wait = 2\nretries = 2\n{extra}\n'
        f'[registry]\npath = "registry.duckdb"\n\n{sources}\n',
        encoding="utf-8",
    )
    return cfg


LIST_MD = b"""# Ventilators

An awesome list.

## Projects

1. [AmboVent](https://ambovent.example.org/): a well-tested design. Plans and [code](https://github.com/Amb/AmboVent).
1. [Zephyr Ventilator](https://github.com/Jul/Zephyr.git): open source mechanical ventilator.
   * March 16th: limited control.
   * April 5th: two versions.
1. [Mask Maker](http://www.maskmaker.example.com/index/) - face masks
1. (https://news.example.net/story/low-cost-ventilator-prototype)

### Test equipment

* [VentMon](https://github.com/Pub/VentMon/tree/master/docs): inline tester.

## Articles

1. [A paper about ventilation](https://journal.example.org/paper/1)
"""


def small_world() -> list[FakeRepo]:
    """The list repository and three project repositories used by the end-to-end tests."""
    return [
        FakeRepo("Lists/vent-list", {"README.md": LIST_MD}),
        FakeRepo("Amb/AmboVent", {"README.md": b"# AmboVent\nA bag-valve ventilator.\n",
                                  "LICENSE": b"MIT License\n\nCopyright (c) 2020 Amb\n"},
                 description="Open source ventilator by the AmboVent team", stars=42, topics=["ventilator"],
                 pushed_at="2020-05-01T10:00:00Z", licence_spdx="MIT", extra_tree=["cad/frame.step"]),
        FakeRepo("Jul/Zephyr", {"Readme.md": b"# Zephyr\nBreadboard prototype stage.\n"},
                 description="Zephyr ventilator", stars=7, pushed_at="2020-04-04T13:35:26Z"),
        FakeRepo("Pub/VentMon", {"README.md": b"# VentMon\nAn inline ventilator test monitor.\n",
                                 "design/VentMon BOM.csv": b"Qty,Part\n1,ESP32\n2,Sensor\n"},
                 description="Inline ventilator tester", stars=3, pushed_at="2021-01-01T00:00:00Z"),
    ]


SOURCES = """[[sources]]
name = "vent-list"
kind = "github-list"
repo = "Lists/vent-list"
path = "README.md"
exclude_sections = ["Articles"]
"""


def rows(db: Path, sql: str, params: list | tuple | None = None) -> list[tuple]:
    """Rows of a query on a registry file, through a short read-only connection."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, list(params or [])).fetchall()
    finally:
        con.close()


@pytest.fixture
def crawled(world, run_ohr):
    """(config path, db path, server) after one crawl of the small world."""
    cfg, db, gh = world
    r = run_ohr("crawl", "--config", str(cfg))
    assert r.code == 0, r.out + r.err
    return cfg, db, gh


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    """A loopback GitHub serving the small world."""
    with FakeGitHub(small_world()) as gh:
        yield gh


@pytest.fixture
def world(tmp_path: Path, github: FakeGitHub, monkeypatch: pytest.MonkeyPatch):
    """(config path, db path, server) for a registry crawled from the small world, not yet crawled."""
    monkeypatch.setenv("GITHUB_TOKEN", "test-token-not-secret")
    cfg = write_config(tmp_path, github.url, SOURCES)
    return cfg, tmp_path / "registry.duckdb", github
