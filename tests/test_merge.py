"""Merges are aliases: the absorbed id resolves to the survivor, survives re-crawls, and split undoes it."""

from __future__ import annotations

import json

import duckdb
import pytest
from conftest import LIST_MD, rows
from fakegithub import FakeRepo

ZEPHYR = "github.com/jul/zephyr"
# a bare article entry: one project of the list, never the article's own (issue 20)
NEWS = "list:vent-list/news.example.net/story/low-cost-ventilator-prototype"
AMB = "github.com/amb/ambovent"




def _ids(run_ohr, cfg):
    return {r["id"] for r in json.loads(run_ohr("search", "", "--config", str(cfg), "-f", "json").out)}


def test_merge_survives_recrawl_and_split_undoes_it(crawled, run_ohr):
    cfg, db, gh = crawled
    before = {t: rows(db, f"SELECT count(*) FROM {t}")[0][0] for t in ("projects", "project_urls", "source_records")}
    r = run_ohr("merge", ZEPHYR, "news.example.net", "--note", "the news story is about Zephyr", "--by", "ana",
                "--config", str(cfg))
    assert r.code == 0, r.err
    assert r.out.strip() == f"merged {NEWS} into {ZEPHYR} (undo: ohr split {NEWS})"
    assert _ids(run_ohr, cfg) == {AMB, ZEPHYR, "github.com/pub/ventmon", "maskmaker.example.com/index"}

    # the old id still works and shows the survivor, with both ids' URLs and the merge
    shown = json.loads(run_ohr("show", NEWS, "--config", str(cfg), "-f", "json").out)
    assert shown["project"]["id"] == ZEPHYR
    assert shown["project"]["merged_ids"] == [NEWS]
    assert "https://news.example.net/story/low-cost-ventilator-prototype" in [lk["url"] for lk in shown["links"]]
    assert shown["merged"][0]["alias_id"] == NEWS and shown["merged"][0]["merged_by"] == "ana"

    # a re-crawl that changes the absorbed entry keeps the alias
    gh.add(FakeRepo("Lists/vent-list", {"README.md": LIST_MD.replace(
        b"(https://news.example.net/story/low-cost-ventilator-prototype)",
        b"[Low-cost ventilator story](https://news.example.net/story/low-cost-ventilator-prototype)")}))
    assert run_ohr("crawl", "--config", str(cfg)).code == 0
    assert rows(db, "SELECT name FROM projects WHERE id = ?", [NEWS]) == [("Low-cost ventilator story",)]
    assert _ids(run_ohr, cfg) == {AMB, ZEPHYR, "github.com/pub/ventmon", "maskmaker.example.com/index"}
    assert rows(db, "SELECT merged_ids FROM v_projects WHERE id = ?", [ZEPHYR]) == [([NEWS],)]

    r = run_ohr("split", NEWS, "--note", "different designs", "--by", "bo", "--config", str(cfg))
    assert r.code == 0, r.err
    assert r.out.strip() == f"split {NEWS} from {ZEPHYR}"
    assert NEWS in _ids(run_ohr, cfg)
    assert json.loads(run_ohr("show", NEWS, "--config", str(cfg), "-f", "json").out)["project"]["id"] == NEWS
    # nothing was deleted along the way
    after = {t: rows(db, f"SELECT count(*) FROM {t}")[0][0] for t in before}
    assert after == before
    assert rows(db, "SELECT actor, action, project_id, target, note FROM audit_log ORDER BY entry_id") == [
        ("ana", "merge", NEWS, ZEPHYR, "the news story is about Zephyr"),
        ("bo", "split", NEWS, ZEPHYR, "different designs"),
    ]
    # both projects' histories show the merge and the split
    for pid in (ZEPHYR, NEWS):
        hist = json.loads(run_ohr("history", pid, "--only", "curator", "--config", str(cfg), "-f", "json").out)
        assert [h["action"] for h in hist] == ["merge", "split"]


def test_chained_merges_resolve_to_the_last_survivor(crawled, run_ohr):
    cfg, db, _ = crawled
    assert run_ohr("merge", ZEPHYR, NEWS, "--config", str(cfg)).code == 0
    assert run_ohr("merge", AMB, ZEPHYR, "--config", str(cfg)).code == 0
    assert json.loads(run_ohr("show", NEWS, "--config", str(cfg), "-f", "json").out)["project"]["id"] == AMB
    assert rows(db, "SELECT merged_ids FROM v_projects WHERE id = ?", [AMB]) == [([ZEPHYR, NEWS],)]
    assert rows(db, "SELECT count(*) FROM v_projects") == [(3,)]
    # flags on an absorbed id apply to the survivor
    con = duckdb.connect(str(db))
    con.execute("INSERT INTO flags VALUES (?, 'unsafe', NULL, 'x', 'ana', now())", [NEWS])
    con.close()
    assert rows(db, "SELECT unsafe FROM v_projects WHERE id = ?", [AMB]) == [(True,)]
    assert run_ohr("unflag", AMB, "--kind", "unsafe", "--config", str(cfg)).code == 0
    assert rows(db, "SELECT count(*) FROM flags") == [(0,)]
    assert run_ohr("split", ZEPHYR, "--config", str(cfg)).code == 0
    assert json.loads(run_ohr("show", NEWS, "--config", str(cfg), "-f", "json").out)["project"]["id"] == ZEPHYR


@pytest.mark.parametrize("args, needle", [
    (["merge", ZEPHYR, ZEPHYR], "cannot merge github.com/jul/zephyr into itself"),
    (["merge", ZEPHYR, "nobody/nothing"], "no project"),
    (["split", ZEPHYR], "was not merged into another project"),
])
def test_merge_errors(crawled, run_ohr, args, needle):
    cfg, _, _ = crawled
    r = run_ohr(*args, "--config", str(cfg))
    assert r.code == 3 and needle in r.err, r.err


def test_merging_an_absorbed_id_again_or_in_a_cycle_is_refused(crawled, run_ohr):
    cfg, db, _ = crawled
    assert run_ohr("merge", ZEPHYR, NEWS, "--config", str(cfg)).code == 0
    r = run_ohr("merge", AMB, NEWS, "--config", str(cfg))
    assert r.code == 3 and f"{NEWS} is already merged into {ZEPHYR}" in r.err
    r = run_ohr("merge", NEWS, ZEPHYR, "--config", str(cfg))  # NEWS resolves to ZEPHYR: itself
    assert r.code == 3 and "into itself" in r.err
    r = run_ohr("split", ZEPHYR, "--config", str(cfg))
    assert r.code == 3 and f"it absorbed {NEWS}" in r.err
    assert rows(db, "SELECT count(*) FROM aliases") == [(1,)]
