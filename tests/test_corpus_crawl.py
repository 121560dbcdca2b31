"""The shipped config.toml crawled against ../shared/tools/fake_github.py serving the real corpus."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from conftest import SHARED

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(not (SHARED / "tools" / "fake_github.py").exists(),
                                reason="../shared (corpus and fake_github.py) is absent")


@pytest.fixture(scope="module")
def corpus_server():
    proc = subprocess.Popen(
        [sys.executable, str(SHARED / "tools" / "fake_github.py"), "--corpus", str(SHARED / "corpus"),
         "--port", "0"], stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    assert "listening on" in line, line
    url = line.split()[2]
    yield url
    proc.terminate()
    proc.wait(timeout=10)


GITHUB_SOURCES = ("--source", "covid19-vent-list", "--source", "awesome-open-hardware", "--source", "github-search")


def test_default_config_against_corpus(corpus_server, tmp_path, run_ohr, monkeypatch):
    monkeypatch.setenv("OHR_GITHUB_API_URL", corpus_server)
    monkeypatch.setenv("GITHUB_TOKEN", "corpus-token")
    db = tmp_path / "registry.duckdb"
    # the shipped config's GitHub sources only: its hub sources (Appropedia, OSHWA) live on the internet
    r = run_ohr("crawl", "--config", str(ROOT / "config.toml"), "--db", str(db), *GITHUB_SOURCES)
    # exit 4: files a corpus tree lists but the corpus does not hold (schematics) answer 404
    assert r.code in (0, 4) and "Traceback" not in r.err, r.out + r.err
    assert "appropedia" not in r.out + r.err
    con = duckdb.connect(str(db), read_only=True)
    try:
        n = con.execute("SELECT count(DISTINCT project_id) FROM source_records "
                        "WHERE source = 'covid19-vent-list'").fetchone()[0]
        assert n >= 35
        amb = con.execute(
            "SELECT p.id, list(DISTINCT u.url ORDER BY u.url), any_value(s.category) FROM projects p "
            "JOIN project_urls u ON u.project_id = p.id JOIN source_records s ON s.project_id = p.id "
            "WHERE p.id = 'github.com/ambovent/ambovent' GROUP BY p.id").fetchone()
        assert amb is not None
        assert amb[1] == ["https://1nn0v8ter.rocks/AmboVent-1690-108", "https://github.com/ambovent/ambovent"]
        assert amb[2] == "Most Buildable Projects"
        # every list repository the corpus holds is enriched
        held = {p.name.replace("__", "/").lower() for p in (SHARED / "corpus" / "repos").iterdir()}
        rows = con.execute("SELECT lower(full_name), status, stars, pushed_at, len(tree_paths), length(readme) "
                           "FROM repos").fetchall()
        enriched = {r[0]: r for r in rows if r[0] in held}
        assert set(enriched) >= {"ambovent/ambovent", "jcl5m1/ventilator", "julhh/zephyr",
                                 "protofyteam/oxygen", "pubinv/ventmon-ventilator-inline-test-monitor"}
        for name, status, stars, pushed, tree, readme in enriched.values():
            assert status == "ok", name
            assert stars is not None and pushed is not None and tree >= 1 and readme > 0, name
    finally:
        con.close()
    before = duckdb.connect(str(db), read_only=True)
    counts = [before.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in ("projects", "project_urls", "source_records", "documents")]
    before.close()
    assert run_ohr("crawl", "--config", str(ROOT / "config.toml"), "--db", str(db), *GITHUB_SOURCES).code in (0, 4)
    con = duckdb.connect(str(db), read_only=True)
    assert [con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("projects", "project_urls", "source_records", "documents")] == counts
    con.close()
