"""A list crawled into the registry: one project per entry, its typed links in `project_links` (shown by `ohr show`),
its annotations as licence / maturity evidence below the repository's own files, problems for what a curator
should see, a preview that writes nothing, and older registries' link-projects folded into their entry."""

from __future__ import annotations

import json

import pytest
from conftest import rows, write_config
from fakegithub import FakeGitHub, FakeRepo

LIST = b"""# Open Ventilators

## Contents
- [Designs](#designs)

## Designs

#### Breathe Easy
A bag-valve design with a 3D-printed cam.
- Website: https://breatheeasy.example.org
- Source: [GitHub](https://github.com/Breathe/Easy)
- Video: [Demo](https://www.youtube.com/watch?v=abc123)
- Licence: CC-BY-4.0
- Press: [Hackaday](https://hackaday.com/2020/04/01/breathe-easy/)

#### Ambu Driver
Drives a bag with a wiper motor.
- Website: https://ambudriver.example.org
- Tested: \xe2\x9c\x85 by [@alice](https://github.com/alice)
- Licence: CERN-OHL-S
- Video: [Demo](https://vimeo.com/123)

#### Lung in a Box
Only reported so far.
- Press: [Article](https://news.example.com/2020/05/01/lung-in-a-box)

## Press

- [Makers fight COVID](https://www.nytimes.com/2020/04/01/technology/makers.html)
- [Open hardware](https://www.wired.com/story/open-hardware/)
"""

SOURCES = """[[sources]]
name = "vents"
kind = "github-list"
repo = "Lists/vents"
path = "README.md"
"""

EMPTY = """[[sources]]
name = "prose"
kind = "github-list"
repo = "Lists/prose"
path = "README.md"
"""


#: an entry linking only an article: one project of the list, named by the entry, never the article's own
LUNG = "list:vents/news.example.com/2020/05/01/lung-in-a-box"


@pytest.fixture
def vents(tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", "test-token-not-secret")
    repos = [
        FakeRepo("Lists/vents", {"README.md": LIST}),
        FakeRepo("Breathe/Easy", {"README.md": b"# Breathe Easy\nA ventilator.\n",
                                  "LICENSE": b"MIT License\n\nCopyright (c) 2020 B\n"}, licence_spdx="MIT",
                 pushed_at="2020-05-01T10:00:00Z"),
        FakeRepo("Lists/prose", {"README.md": b"# Notes\n\nWe read [a paper](https://doi.org/10.1/x) and "
                                              b"[a post](https://blog.example.org/2020/01/01/post).\n"}),
    ]
    with FakeGitHub(repos) as gh:
        cfg = write_config(tmp_path, gh.url, SOURCES + "\n" + EMPTY)
        yield cfg, tmp_path / "registry.duckdb", gh


def test_one_project_per_entry_with_typed_links(vents, run_ohr):
    cfg, db, _ = vents
    r = run_ohr("crawl", "--source", "vents", "--config", str(cfg))
    assert r.code == 0, r.out + r.err  # a no-primary-link note does not make the run partial
    assert "vents: 3 entries, 3 new projects" in r.out
    ids = sorted(x[0] for x in rows(db, "SELECT id FROM projects"))
    assert ids == ["ambudriver.example.org", "github.com/breathe/easy", LUNG]
    links = rows(db, "SELECT project_id, kind, url, field FROM project_links ORDER BY project_id, position")
    assert [(p, k) for p, k, _, _ in links] == [
        ("ambudriver.example.org", "homepage"), ("ambudriver.example.org", "profile"),
        ("ambudriver.example.org", "video"),
        ("github.com/breathe/easy", "homepage"), ("github.com/breathe/easy", "repo"),
        ("github.com/breathe/easy", "video"), ("github.com/breathe/easy", "press"),
        (LUNG, "press"),
    ]
    assert ("github.com/breathe/easy", "video", "https://youtube.com/watch?v=abc123", "Video") in links
    # press, video and profile links never join a project's identity URLs
    urls = {u for (u,) in rows(db, "SELECT url FROM project_urls")}
    assert urls == {"https://github.com/breathe/easy", "https://breatheeasy.example.org", "https://ambudriver.example.org"}
    problems = rows(db, "SELECT kind, item, url FROM crawl_errors")
    assert problems == [("no-primary-link", "Lists/vents/README.md: Lung in a Box",
                         "https://news.example.com/2020/05/01/lung-in-a-box")]

    shown = json.loads(run_ohr("show", "github.com/breathe/easy", "--config", str(cfg), "-f", "json").out)
    assert [(lk["kind"], lk["field"]) for lk in shown["links"]] == [
        ("homepage", "Website"), ("repo", "Source"), ("video", "Video"), ("press", "Press")]
    # the repository's own licence file decides; the list's "Licence:" does not override it
    assert all(lic["source"] != "list" for lic in shown["licences"])

    ambu = json.loads(run_ohr("show", "ambudriver.example.org", "--config", str(cfg), "-f", "json").out)
    assert [(lic["scope"], lic["expression"], lic["source"]) for lic in ambu["licences"]] == [
        ("hardware", "CERN-OHL-S-2.0", "list")]
    assert ambu["maturity"][0]["derived"] == "tested"
    assert "list:vents" in json.dumps(ambu["maturity"][0]["derived_evidence"])

    lung = json.loads(run_ohr("show", "news.example.com/2020/05/01/lung-in-a-box", "--config", str(cfg),
                              "-f", "json").out)
    assert lung["project"]["id"] == LUNG and lung["project"]["name"] == "Lung in a Box"
    assert [p["kind"] for p in lung["problems"]] == ["no-primary-link"]
    table = run_ohr("show", LUNG, "--config", str(cfg)).out
    assert "links" in table and "press" in table

    keys = [k for (k,) in rows(db, "SELECT record_key FROM source_records ORDER BY position")]
    assert keys == ["#breathe-easy @ Open Ventilators > Designs", "#ambu-driver @ Open Ventilators > Designs",
                    "#lung-in-a-box @ Open Ventilators > Designs"]
    # a second crawl keeps every row as it was
    before = rows(db, "SELECT project_id, url, kind, first_seen FROM project_links ORDER BY ALL")
    assert run_ohr("crawl", "--source", "vents", "--config", str(cfg)).code == 0
    assert rows(db, "SELECT project_id, url, kind, first_seen FROM project_links ORDER BY ALL") == before


def test_a_list_that_yields_nothing_is_a_problem_in_the_summary(vents, run_ohr):
    cfg, db, _ = vents
    r = run_ohr("crawl", "--source", "prose", "--config", str(cfg))
    assert r.code == 4, r.out + r.err  # partial, not ok
    assert "the list gave no entries (2 links in it)" in r.out
    assert rows(db, "SELECT kind FROM crawl_errors") == [("parse",)]
    assert rows(db, "SELECT last_status FROM sources WHERE name = 'prose'") == [("partial",)]


def test_preview_source_prints_entries_and_writes_nothing(vents, run_ohr, tmp_path):
    cfg, db, gh = vents
    r = run_ohr("preview-source", "vents", "--config", str(cfg), "-f", "json")
    assert r.code == 0, r.err
    out = json.loads(r.out)
    assert [(e["name"], e["project"]) for e in out["entries"]] == [
        ("Breathe Easy", "github.com/breathe/easy"), ("Ambu Driver", "ambudriver.example.org"),
        ("Lung in a Box", LUNG)]
    assert "video: https://www.youtube.com/watch?v=abc123 (Video)" in out["entries"][0]["links"]
    assert out["entries"][1]["annotations"] == "tested: ✅ by @alice, licence: CERN-OHL-S"
    assert [p["kind"] for p in out["problems"]] == ["no-primary-link"]
    assert not db.exists()
    table = run_ohr("preview-source", "vents", "--config", str(cfg))
    assert "3 entries (nothing written)" in table.out and "Lung in a Box" in table.out
    local = tmp_path / "list.md"
    local.write_bytes(LIST)
    assert "Breathe Easy" in run_ohr("preview-source", "--file", str(local)).out
    assert not db.exists()
    for args, needle in [((), "give a source name or --file"), (("nope", "--config", str(cfg)), "no source named"),
                         (("--file", str(tmp_path / "missing.md")), "cannot read")]:
        bad = run_ohr("preview-source", *args)
        assert bad.code == 3 and needle in bad.err, (args, bad.err)


def test_renormalize_folds_old_link_projects_into_their_entry(vents, run_ohr):
    """A registry an older parser filled has a project per link (here the Hackaday article of Breathe Easy, with a
    curator's flag and correction on it); `ohr renormalize` folds it into the entry's project."""
    import duckdb

    cfg, db, _ = vents
    assert run_ohr("crawl", "--source", "vents", "--config", str(cfg)).code == 0
    old = "hackaday.com/2020/04/01/breathe-easy"
    con = duckdb.connect(str(db))
    doc = con.execute("SELECT url FROM documents WHERE doc_kind = 'list' AND source = 'vents'").fetchone()[0]
    con.execute("INSERT INTO projects (id, canonical_url, name, first_seen, last_seen) "
                "VALUES (?, ?, 'Hackaday', now(), now())", [old, "https://" + old])
    con.execute("INSERT INTO project_urls VALUES (?, ?, 'web', now(), now())", ["https://" + old, old])
    con.execute("INSERT INTO source_records (source, record_key, project_id, name, urls, document_url, first_seen, "
                "last_seen) VALUES ('vents', ?, ?, 'Hackaday', ?, ?, now(), now())",
                [old + " @ Open Ventilators > Designs > Breathe Easy", old, ["https://" + old], doc])
    con.execute("DELETE FROM record_digests")  # the digest of the old parser's records differed
    con.close()
    assert run_ohr("flag", old, "--kind", "needs-review", "--note", "is this a design?", "--by", "cy",
                   "--config", str(cfg)).code == 0
    assert run_ohr("set", old, "maturity", "prototype", "--note", "seen it", "--by", "cy",
                   "--config", str(cfg)).code == 0

    r = run_ohr("renormalize", "--config", str(cfg))
    assert r.code == 0, r.err
    assert rows(db, "SELECT alias_id, project_id, merged_by FROM aliases") == [
        (old, "github.com/breathe/easy", "list-parser")]
    assert rows(db, "SELECT count(*) FROM source_records WHERE project_id = ?", [old]) == [(0,)]
    shown = json.loads(run_ohr("show", "github.com/breathe/easy", "--config", str(cfg), "-f", "json").out)
    assert [f["kind"] for f in shown["flags"]] == ["needs-review"]
    assert [(c["field"], c["value"], c["set_by"]) for c in shown["corrections"]] == [("maturity", "prototype", "cy")]
    assert old in shown["merged"][0].values()
    # a second renormalize has nothing left to fold
    assert run_ohr("renormalize", "--config", str(cfg)).code == 0
    assert len(rows(db, "SELECT * FROM aliases")) == 1
