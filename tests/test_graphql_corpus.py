"""Every repository of ../shared/corpus crawled through GraphQL and through REST (../shared/tools/fake_github.py):
the two registries hold the same projects, licences, maturity, BOM lines and repository rows."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SHARED, write_config
from test_graphql import registry_rows

pytestmark = pytest.mark.skipif(not (SHARED / "tools" / "fake_github.py").exists(),
                                reason="../shared (corpus and fake_github.py) is absent")

LIST = "ohr-test/all-corpus"


def _list_root(root: Path) -> int:
    """A second corpus root (in tmp) with one list repository linking every corpus repository; how many."""
    names = sorted(json.loads(m.read_text())["repo"] for m in (SHARED / "corpus").glob("*/*/meta.json"))
    folder = root / "lists" / "ohr-test__all-corpus"
    (folder / "files").mkdir(parents=True)
    (folder / "meta.json").write_text(json.dumps({"repo": LIST, "default_branch": "main"}))
    lines = "\n".join(f"* [{n}](https://github.com/{n}): a project" for n in names)
    (folder / "files" / "README.md").write_text(f"# All\n\n## Projects\n\n{lines}\n")
    return len(names)


def test_graphql_registry_equals_rest_on_the_corpus(tmp_path, run_ohr, monkeypatch) -> None:
    n = _list_root(tmp_path / "extra")
    log = tmp_path / "requests.jsonl"
    proc = subprocess.Popen(
        [sys.executable, str(SHARED / "tools" / "fake_github.py"), "--corpus", str(SHARED / "corpus"),
         "--corpus", str(tmp_path / "extra"), "--port", "0", "--log", str(log)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        url = proc.stdout.readline().split()[2]
        monkeypatch.setenv("GITHUB_TOKEN", "test-token-not-secret")
        got, codes = {}, {}
        for mode in ("rest", "graphql"):
            d = tmp_path / mode
            d.mkdir()
            sources = f'[[sources]]\nname = "all"\nkind = "github-list"\nrepo = "{LIST}"\n'
            cfg = write_config(d, url, sources, "graphql = false" if mode == "rest" else "")
            start = len(log.read_text().splitlines()) if log.exists() else 0
            r = run_ohr("crawl", "--config", str(cfg))
            # 4: files a corpus tree lists but the corpus does not hold (schematics) answer 404, on both paths alike
            assert r.code in (0, 4) and "Traceback" not in r.err, r.out + r.err
            codes[mode] = r.code
            lines = [json.loads(x) for x in log.read_text().splitlines()[start:]]
            points = sum(x["points"] for x in lines if x["resource"] == "graphql")
            if mode == "graphql":
                assert points <= 0.1 * n  # ≤ 0.1 GraphQL points per repository on a first crawl
                assert not [x for x in lines if "/git/trees/" in x["path"] or "/readme" in x["path"]]
            else:
                assert points == 0
            got[mode] = registry_rows(d / "registry.duckdb")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()
    assert codes["rest"] == codes["graphql"]
    assert len(got["rest"]["repos"]) == n and got["rest"]["bom_lines"] and got["rest"]["licences"]
    for table in got["rest"]:
        assert got["graphql"][table] == got["rest"][table], table
