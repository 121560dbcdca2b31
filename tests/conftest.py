"""Shared fixtures: a loopback GitHub, a loopback HTTP server, a config file pointing at them, a registry crawled
once per test process, and an in-process `ohr` runner.

Servers are started once per test process (pytest-xdist runs several) and reset before each test; a test that
needs a crawled registry gets a copy of one crawl, since a crawl takes seconds on a busy machine.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


@contextlib.contextmanager
def cpu_budget(seconds: float) -> Iterator[None]:
    """Fail when the block spends more than `seconds` of this thread's CPU time: a bound on work done, which a
    busy machine does not stretch as it stretches wall-clock time (other processes' time is not counted)."""
    import time

    t0 = time.thread_time()
    yield
    used = time.thread_time() - t0
    assert used < seconds, f"{used:.2f} s of CPU (budget {seconds} s)"


@contextlib.contextmanager
def peak_memory(limit: int) -> Iterator[None]:
    """Fail when the block's Python allocations peak above `limit` bytes (a decompressed or expanded bomb would)."""
    import tracemalloc

    tracemalloc.start()
    try:
        yield
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < limit, f"{peak:,} bytes allocated at the peak (limit {limit:,})"


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


@contextlib.contextmanager
def _env(**values: str | None) -> Iterator[None]:
    """Environment variables set (None: removed) for a block, outside any one test's monkeypatch."""
    saved = {k: os.environ.get(k) for k in values}
    try:
        for k, v in values.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture(scope="session")
def _github() -> Iterator[FakeGitHub]:
    """One loopback GitHub per test process."""
    with FakeGitHub(small_world()) as gh:
        yield gh


@pytest.fixture(scope="session")
def crawled_template(_github: FakeGitHub, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(config path, db path) of the small world crawled once per test process; only read it, or copy it."""
    from queries.cli import main

    _github.reset(small_world())
    tmp = tmp_path_factory.mktemp("crawled")
    cfg = write_config(tmp, _github.url, SOURCES)
    clean = dict.fromkeys(("OHR_GITHUB_API_URL", "OHR_DB", "OHR_CONFIG", "OSHWA_TOKEN", "HACKADAY_API_KEY"))
    with _env(GITHUB_TOKEN="test-token-not-secret", OHR_LOCK_WAIT="10", **clean), \
            contextlib.redirect_stdout(io.StringIO()), pytest.raises(SystemExit) as exit_:
        main(["crawl", "--config", str(cfg)])
    assert exit_.value.code in (0, None), exit_.value.code
    return cfg, tmp / "registry.duckdb"


@pytest.fixture
def crawled(world, crawled_template):
    """(config path, db path, server) after one crawl of the small world (a copy of the process's one crawl)."""
    cfg, db, gh = world
    for suffix in ("", ".wal"):
        src = crawled_template[1].with_name(crawled_template[1].name + suffix)
        if src.exists():
            shutil.copyfile(src, db.with_name(db.name + suffix))
    return cfg, db, gh


@pytest.fixture
def github(_github: FakeGitHub) -> FakeGitHub:
    """The loopback GitHub serving the small world, as fresh as a new one (counters, log, faults reset)."""
    _github.reset(small_world())
    return _github


@pytest.fixture(scope="session")
def _server() -> Iterator[Any]:
    """One loopback pytest-httpserver per test process."""
    from loopback import serve

    with serve() as s:
        yield s


@pytest.fixture
def server(_server: Any) -> Iterator[Any]:
    """The loopback HTTP server with no handlers and an empty log; a module may override it to add its own."""
    _server.clear()
    yield _server
    _server.clear()


@pytest.fixture
def world(tmp_path: Path, github: FakeGitHub, monkeypatch: pytest.MonkeyPatch):
    """(config path, db path, server) for a registry crawled from the small world, not yet crawled."""
    monkeypatch.setenv("GITHUB_TOKEN", "test-token-not-secret")
    cfg = write_config(tmp_path, github.url, SOURCES)
    return cfg, tmp_path / "registry.duckdb", github
