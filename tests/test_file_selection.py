"""When the file-selection rules change (a new ohr reads EAGLE schematics), a re-crawl fetches the files now
wanted from the stored tree without waiting for a push — once, through REST or GraphQL (migration 0021)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import rows, write_config
from fakegithub import FakeGitHub, FakeRepo

import crawler.github_repos as github_repos
import registry.normalized as normalized

SHIELD = (Path(__file__).parent / "fixtures" / "bom" / "eagle-shield.sch").read_bytes()
BOARD = (Path(__file__).parent / "fixtures" / "bom" / "eagle-panel.brd").read_bytes()
SOURCES = '[[sources]]\nname = "boards"\nkind = "github-list"\nrepo = "lists/boards"\n'


def _world() -> list[FakeRepo]:
    lines = ("* [Shield](https://github.com/maker/shield): a shield\n"
             "* [Board](https://github.com/maker/board): a board\n")
    return [
        FakeRepo("lists/boards", {"README.md": f"# Boards\n\n## All\n\n{lines}".encode()}),
        FakeRepo("maker/shield", {"README.md": b"# Shield\n", "LICENSE": b"MIT License\n", "hw/shield.sch": SHIELD,
                                  "hw/shield.brd": BOARD},
                 pushed_at="2024-01-01T00:00:00Z", licence_spdx="MIT"),
        FakeRepo("maker/board", {"README.md": b"# Board\n", "bom.csv": b"Qty,Value,Part\n2,10k,R1 R2\n"},
                 pushed_at="2024-01-01T00:00:00Z"),
    ]


def _old_rules(paths: list[str]) -> list[str]:
    """The selection before EAGLE designs were read."""
    return [p for p in normalized.wanted_files(paths) if not p.endswith((".sch", ".brd"))]


@pytest.mark.parametrize("graphql", [False, True], ids=["rest", "graphql"])
def test_new_selection_rules_fetch_newly_wanted_files_once(tmp_path, monkeypatch, run_ohr, graphql) -> None:
    if graphql:
        monkeypatch.setenv("GITHUB_TOKEN", "test-token-not-secret")
    with FakeGitHub(_world(), graphql=graphql) as gh:
        cfg = write_config(tmp_path, gh.url, SOURCES)
        db = tmp_path / "registry.duckdb"
        with pytest.MonkeyPatch.context() as old:  # crawled by an ohr that did not read EAGLE files
            old.setattr(github_repos, "wanted", _old_rules)
            old.setattr(normalized, "wanted_rules", lambda: "rules-before-eagle")
            assert run_ohr("crawl", "--config", str(cfg)).code == 0
        assert rows(db, "SELECT count(*) FROM documents WHERE path = 'hw/shield.sch'") == [(0,)]
        assert rows(db, "SELECT DISTINCT rules FROM file_selection") == [("rules-before-eagle",)]

        n, q = len(gh.log), len(gh.gql_log)
        r = run_ohr("crawl", "--config", str(cfg))  # nothing was pushed; today's rules want the schematic
        assert r.code == 0, r.out + r.err
        assert "1 changed, 1 unchanged" in r.out + r.err
        asked = [e["path"] for e in gh.log[n:]]
        if graphql:  # the shield is read again in a batch of one; the board is not
            assert [e["repositories"] for e in gh.gql_log[q:] if "tree: object" in e["query"]] == [1]
        else:  # its repository answers 304 and its tree is not asked: only the new file is
            assert not [p for p in asked if "/git/trees/" in p]
            assert [p for p in asked if "/contents/" in p and "shield" in p.lower()] == [
                "/repos/maker/shield/contents/hw/shield.sch?ref=main"]
        got = rows(db, "SELECT f.format, f.origin, count(l.project_id) FROM bom_files f LEFT JOIN bom_lines l "
                       "ON l.project_id = f.project_id AND l.path = f.path WHERE f.path = 'hw/shield.sch' "
                       "GROUP BY ALL")
        assert got and got[0][:2] == ("eagle-sch", "derived from schematic") and got[0][2] > 0
        assert rows(db, "SELECT DISTINCT rules FROM file_selection") == [(normalized.wanted_rules(),)]

        n, q = len(gh.log), len(gh.gql_log)
        r = run_ohr("crawl", "--config", str(cfg))  # and once only: the next crawl fetches nothing of it
        assert r.code == 0, r.out + r.err
        assert "0 changed, 2 unchanged" in r.out + r.err
        assert not [e for e in gh.log[n:] if e["path"].startswith("/repos/maker/") and e["status"] != 304]
        assert not [e for e in gh.gql_log[q:] if "tree: object" in e["query"]]
