"""Source kinds carry their own facts: one module each declares its name, adapter, trust, hub/prose nature and
config keys; the registry reads the facts from the `sources` row, never from the crawler."""

import importlib
import pkgutil
import re
from datetime import datetime
from pathlib import Path

import pytest
from conftest import rows
from loopback import collect, context, hub_config, serve

import crawler.sources
from crawler.sources import fetch_source, kinds, source_kind
from registry import db as regdb
from registry.derive import refresh_projects, store_records
from registry.model import Record, SourceFacts

ROOT = Path(__file__).resolve().parents[1]
KINDS = ("csv-list", "github-list", "github-search", "hackaday", "mediawiki", "okh-list", "oshwa", "web")


def test_every_module_of_the_sources_package_is_a_kind_and_declares_itself():
    modules = [m.name for m in pkgutil.iter_modules(crawler.sources.__path__) if not m.name.startswith("_")]
    assert kinds() == KINDS == tuple(sorted(m.replace("_", "-") for m in modules))
    trusts = []
    for kind in kinds():
        declared = source_kind(kind)
        module = importlib.import_module(f"crawler.sources.{kind.replace('-', '_')}")
        assert declared.kind == kind and getattr(module, declared.adapter).kind == kind
        assert declared.facts.prose in (None, "list", "hub")
        trusts.append(declared.facts.trust)
    assert len(set(trusts)) == len(trusts), "two kinds share a trust: the order between them would be arbitrary"
    with pytest.raises(KeyError):
        source_kind("teleport")


def test_each_option_a_kind_takes_is_documented_in_its_config_section():
    text = (ROOT / "docs" / "config.md").read_text(encoding="utf-8")
    for kind in kinds():
        section = text.split(f'### `kind = "{kind}"`', 1)[1].split("\n### ", 1)[0]
        keys = set(re.findall(r"`([a-z_]+)(?: = [^`]*)?`", section))
        assert set(source_kind(kind).options) <= keys, (kind, set(source_kind(kind).options) - keys)


def test_option_problems_name_unknown_keys_and_wrong_types():
    oshwa = source_kind("oshwa")
    assert oshwa.option_problems({"page_size": 50, "delay": 0.5, "page_url": "https://x/{uid}"}) == []
    [unknown] = oshwa.option_problems({"page_sise": 50})
    assert "oshwa has no option 'page_sise'" in unknown and "page_size" in unknown
    [wrong] = oshwa.option_problems({"max_pages": "ten"})
    assert wrong == "oshwa option 'max_pages' must be a non-negative number, not 'ten'"
    assert "must be a non-negative number" in oshwa.option_problems({"max_pages": True})[0]
    assert "must be a non-negative number" in oshwa.option_problems({"max_pages": -1})[0]
    search = source_kind("github-search")
    assert search.option_problems({"fork_parents": False, "queries": ["topic:x"]}) == []
    assert search.option_problems({"queries": ["topic:x", 3]}) == [
        "github-search option 'queries' must be a list of strings, not ['topic:x', 3]"]
    assert source_kind("mediawiki").option_problems({"category": "Projects", "categories": ["A", "B"]}) == []


def test_kinds_that_need_a_credential_declare_it(monkeypatch):
    from crawler.config import SourceConfig

    assert {k: source_kind(k).credential[:2] for k in kinds() if source_kind(k).credential} == {
        "oshwa": ("token_env", "OSHWA_TOKEN"), "hackaday": ("key_env", "HACKADAY_API_KEY")}
    monkeypatch.delenv("OSHWA_TOKEN", raising=False)
    monkeypatch.setenv("MY_TOKEN", "x")
    assert "$OSHWA_TOKEN is not set" in SourceConfig("o", "oshwa").missing_credential()
    assert SourceConfig("o", "oshwa", {"token_env": "MY_TOKEN"}).missing_credential() is None
    assert SourceConfig("l", "github-list", {"repo": "a/b"}).missing_credential() is None


def test_a_misspelt_option_is_a_config_problem_and_nothing_is_fetched(tmp_path):
    with serve() as server:
        server.expect_request("/list.json").respond_with_json([])
        cfg = hub_config(tmp_path, f'[[sources]]\nname = "okh"\nkind = "okh-list"\n'
                                   f'url = "http://127.0.0.1:{server.port}/list.json"\nmax_manifest = 5\n')
        docs, recs, probs = collect(fetch_source(context(cfg, "okh")))
        assert docs == [] and recs == [] and len(server.log) == 0
        assert [(p.kind, p.item) for p in probs] == [("config", "okh")]
        assert "okh-list has no option 'max_manifest'" in probs[0].message

        fixed = hub_config(tmp_path, f'[[sources]]\nname = "okh"\nkind = "okh-list"\n'
                                     f'url = "http://127.0.0.1:{server.port}/list.json"\nmax_manifests = 5\n')
        docs, _, probs = collect(fetch_source(context(fixed, "okh")))
        assert len(server.log) == 1 and [d.url for d in docs] == [f"http://127.0.0.1:{server.port}/list.json"]
        assert not [p for p in probs if p.kind == "config"]


def test_a_crawl_stores_each_sources_facts_and_renormalize_sets_them_again(crawled):
    from crawler.config import load_config
    from crawler.renormalize import renormalize

    cfg_path, db, _ = crawled
    declared = source_kind("github-list").facts
    assert rows(db, "SELECT name, kind, trust, hub, prose FROM sources") == [
        ("vent-list", "github-list", declared.trust, declared.hub, declared.prose)]
    with regdb.writer(db) as con:
        con.execute("UPDATE sources SET trust = NULL, hub = NULL, prose = NULL")
    renormalize(load_config(cfg_path))
    assert rows(db, "SELECT trust, hub, prose FROM sources") == [(declared.trust, declared.hub, declared.prose)]


def test_the_registry_weighs_records_by_the_trust_stored_with_their_source(tmp_path):
    """Name, description and category come from the most trusted source, as the `sources` row says: no kind is
    known to the registry (these kinds do not exist)."""
    db = tmp_path / "registry.duckdb"
    ts = datetime(2026, 1, 1)
    url = "https://example.org/widget"
    with regdb.writer(db) as con:
        for name, kind, trust in (("a", "kind-a", 10), ("b", "kind-b", 50)):
            con.execute("INSERT INTO sources (name, kind, trust, hub, prose) VALUES (?, ?, ?, ?, ?)",
                        [name, kind, *SourceFacts(trust=trust).row().values()])
        store_records(con, [Record(source="a", key="1", urls=[url], name="Widget A", category="Tools"),
                            Record(source="b", key="1", urls=[url], name="Widget B", category="Toys")], ts)
        refresh_projects(con, None)
        assert con.execute("SELECT name, category FROM projects").fetchall() == [("Widget A", "Tools")]
        con.execute("UPDATE sources SET trust = 5 WHERE name = 'b'")
        refresh_projects(con, None)
        assert con.execute("SELECT name, category FROM projects").fetchall() == [("Widget B", "Toys")]


def test_an_older_registry_gets_each_sources_facts_as_its_kind_declares_them(tmp_path):
    """Migration 0020 fills the facts of rows written before it: the same values the kinds declare."""
    import duckdb

    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, "
                "applied_at TIMESTAMP NOT NULL)")
    con.execute(regdb._migrations()[0][2])
    con.execute("INSERT INTO schema_version VALUES (1, 'init', now())")
    con.executemany("INSERT INTO sources (name, kind) VALUES (?, ?)", [[f"s-{k}", k] for k in (*KINDS, "gone")])
    con.close()
    with regdb.reader(path) as ro:
        stored = {k: (t, h, p) for k, t, h, p in ro.execute("SELECT kind, trust, hub, prose FROM sources").fetchall()}
    assert stored.pop("gone") == (None, False, None)
    assert stored == {k: (f.trust, f.hub, f.prose) for k in KINDS for f in [source_kind(k).facts]}
