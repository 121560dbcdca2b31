"""Hostile and broken input: every parser of outside data, fed random and mutated documents, never raises,
and a document it cannot read leaves a recorded problem, error or issue behind (never a silent nothing).

By default each parser gets FUZZ_EXAMPLES examples (a few seconds in all); `OHR_FUZZ_EXAMPLES=10000` (see
bench/fuzz.py) runs the long campaign. Seeds are small well-formed documents; mutations insert markup
tokens, control bytes and long runs, cut and repeat slices, flip bytes, and (for xlsx/ods) rewrite one
member of the zip container.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.config import SourceConfig
from registry.model import Document, Record

FUZZ_EXAMPLES = int(os.environ.get("OHR_FUZZ_EXAMPLES", "120"))
FUZZ = settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize=FUZZ_EXAMPLES <= 200,
                suppress_health_check=list(HealthCheck))

TOKENS = [b"\x00", b"\xff\xfe", b"\r\n", b"\r", b"\n\n", b"[", b"](", b")", b"|", b",", b";", b"\t", b'"', b"'",
          b"{", b"}", b"[[", b"]]", b"{{", b"}}", b"<", b">", b"</", b"<table>", b"<td>", b"&#x", b"&amp;", b"\\",
          b"http://", b"https://", b"javascript:alert(1)", b"file:///etc/passwd", b"#", b"## ", b"- ", b"1. ", b"* ",
          b"```", b"<!--", b"-->", b"&", b"*", b"---", b"null", b"true", b"1e999", b"-0", b"\"\":", b"!!python/",
          b"&a [*a, *a]", "🚀".encode(), "ü".encode("latin-1"), b"\xc3", b"\xe2\x80\xae", b"A" * 3000,
          b"\n" * 40, b"-" * 200, b"(" * 100, b"[" * 100, b"{" * 100, b"|" * 100, b"[" * 5000, b"{\"a\":" * 3000]


@st.composite
def mutated(draw: st.DrawFn, seeds: list[bytes]) -> bytes:
    """A seed document with a few random edits."""
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(0, 8))):
        op = draw(st.integers(0, 4))
        pos = draw(st.integers(0, len(data)))
        end = draw(st.integers(pos, min(len(data), pos + 80)))
        if op == 0:
            data[pos:pos] = draw(st.sampled_from(TOKENS))
        elif op == 1:
            del data[pos:end]
        elif op == 2:
            data[pos:pos] = data[pos:end] * draw(st.integers(1, 5))
        elif op == 3 and data:
            data[min(pos, len(data) - 1)] = draw(st.integers(0, 255))
        else:
            data[pos:pos] = draw(st.binary(max_size=24))
    return bytes(data)


def documents(seeds: list[bytes]) -> st.SearchStrategy[bytes]:
    """Mutated seeds mostly, with some pure noise and random text."""
    return st.one_of(mutated(seeds), mutated(seeds), mutated(seeds), st.binary(max_size=400),
                     st.text(max_size=400).map(lambda s: s.encode("utf-8", "surrogatepass")))


def _doc(content: bytes, url: str = "https://hub.example.org/api?offset=0", kind: str = "page") -> Document:
    return Document(url=url, doc_kind=kind, source="fuzz", fetched_at=datetime(2024, 1, 1), status=200,
                    content=content)


def _is_json(content: bytes) -> bool:
    try:
        json.loads(content)
        return True
    except (ValueError, RecursionError):
        return False


def _check_records(records: list) -> None:
    for r in records:
        assert isinstance(r, Record)
        assert isinstance(r.urls, list) and all(isinstance(u, str) for u in r.urls)
        assert r.name is None or isinstance(r.name, str)
        json.dumps(r.fields, default=str)  # storable


# -- Markdown lists ----------------------------------------------------------------------------------------
LIST_SEEDS = [
    b"# List\n\n## Projects\n\n1. [AmboVent](https://ambovent.example.org/): a design. [code](https://github.com/a/b).\n"
    b"1. [Zephyr](https://github.com/j/z.git): ventilator.\n   * March: control.\n"
    b"- <https://example.com/x> bare\n- https://www.example.net/page?utm_source=x plain\n\n## Articles\n\n"
    b"* [Paper](https://journal.example.org/1)\n",
    b"* [![badge](https://img.shields.io/x.svg)](https://github.com/o/r) **Bold** _it_ `code`\n"
    b"  continuation line\n\n```\n- [not](https://in.fence.example)\n```\n<!-- - [c](https://c.example) -->\n"
    b"a) [Letter](http://letter.example.org/a(b)c) [x][ref]\n",
    b"Title\n=====\n\nBoards\n------\n<details><summary>Sensors &amp; more</summary>\n\n- [S](https://github.com/a/s)\n"
    b"</details>\n<ul><li><a href=\"https://github.com/a/b\">B</a> \xe2\x80\x93 x<ol><li>Status: ok</li></ol></li>"
    b"</ul>\n"
    b"<div align=\"center\"><ol><li><details><summary>C</summary><ul><li><a href='https://c.example'>c</a></ul>\n",
    b"## Boards\n\nName | About | Licence\n:--- | :---: | -\n[One](https://github.com/a/one) | `a|b` \\| c | MIT\n"
    b"Two | | [site](https://two.example.org)\n\n- [Three](https://github.com/a/three)\n  <ul><li>Status: ok</li>"
    b"<li><a href=\"https://three.example.org\">site</a></li></ul>\n  Name | About\n  --- | ---\n",
]


@FUZZ
@given(documents(LIST_SEEDS))
def test_markdown_list(content):
    from crawler.mdlist import parse_list
    from crawler.sources.github_list import GitHubListAdapter

    text = content.decode("utf-8", "replace")
    for entry in parse_list(text, ["Articles"]):
        # an entry whose links are all articles, videos or profiles has no URL naming it (issue 20), only links
        assert entry.links and all(lk.url.startswith(("http://", "https://")) for lk in entry.links)
        assert (entry.primary is None) == (not entry.urls)
        assert all(u.startswith(("http://", "https://")) for u in entry.urls)
    _check_records(GitHubListAdapter().parse(_doc(content, kind="list"), SourceConfig("fuzz", "github-list")))


# -- bills of materials ------------------------------------------------------------------------------------
BOM_TEXT_SEEDS = [
    b"Qty,Reference,Value,Manufacturer,MPN,Supplier,Unit Price\n2,R1 R2,10k,Yageo,RC0603,Digikey,$0.10\n"
    b"1,U1,ESP32,Espressif,ESP32-WROOM,Mouser,3.5 EUR\n,,Total,,,,3.70\n",
    b"Item\tQty\tPart\tDescription\n1\t4\tM3x8\tscrew\n2\t1\tNEMA17\tstepper motor\n",
    b"| Qty | Part | Link |\n|---|---|---|\n| 1 | Arduino Nano | https://store.example.com/nano |\n| 2 | Servo | |\n",
    b"<html><table><tr><th>Qty</th><th>Part</th></tr><tr><td>3</td><td>LED</td></tr></table></html>",
    b"BOM\n- 2x M3 screws\n- 1x Raspberry Pi 4\n",
]


def _xlsx() -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for row in (["Qty", "Part", "Description", "Unit price"], [2, "R1", "10k resistor", 0.1], [1, "U1", "MCU", 3.5]):
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _ods() -> bytes:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    table = Table(name="BOM")
    for values in (["Qty", "Part"], ["2", "R1"], ["1", "U1"]):
        tr = TableRow()
        for v in values:
            cell = TableCell(valuetype="string")
            cell.addElement(P(text=v))
            tr.addElement(cell)
        table.addElement(tr)
    doc.spreadsheet.addElement(table)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


ZIP_SEEDS = {"xlsx": _xlsx(), "ods": _ods()}


@st.composite
def zip_documents(draw: st.DrawFn, seed: bytes) -> bytes:
    """A spreadsheet with one member rewritten, or its container bytes mutated."""
    if draw(st.booleans()):
        return draw(mutated([seed]))
    src = zipfile.ZipFile(io.BytesIO(seed))
    names = src.namelist()
    victim = draw(st.sampled_from(names))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in names:
            data = src.read(name)
            dst.writestr(name, draw(mutated([data])) if name == victim else data)
    return out.getvalue()


def _check_bom(res) -> None:
    assert isinstance(res.lines, list) and isinstance(res.issues, list)
    assert res.error is None or isinstance(res.error, str)
    assert res.lines or res.error or res.issues  # nothing read is always said why
    for ln in res.lines:
        assert ln.quantity is None or isinstance(ln.quantity, int | float)


@FUZZ
@given(st.sampled_from(["bom.csv", "parts.tsv", "BOM.md", "bom.txt", "bom.html"]), documents(BOM_TEXT_SEEDS))
def test_bom_text(path, content):
    from registry.normalize.bom import parse_bom, readme_bom_tables

    _check_bom(parse_bom(path, content))
    for res in readme_bom_tables(content.decode("utf-8", "replace")):
        assert isinstance(res.lines, list)


@FUZZ
@given(st.sampled_from(sorted(ZIP_SEEDS)).flatmap(lambda ext: st.tuples(st.just(ext), zip_documents(ZIP_SEEDS[ext]))))
def test_bom_spreadsheet(case):
    from registry.normalize.bom import parse_bom

    ext, content = case
    _check_bom(parse_bom(f"hardware/bom.{ext}", content))


# -- schematics a BOM is derived from (KiCad, EAGLE XML) ------------------------------------------------------
_BOMFIX = __import__("pathlib").Path(__file__).parent / "fixtures" / "bom"
SCHEMATIC_SEEDS = [(_BOMFIX / n).read_bytes() for n in ("eagle-shield.sch", "eagle-panel.brd", "legacy.sch")]


@FUZZ
@given(st.sampled_from(["hw/x.sch", "hw/x.brd", "hw/x.kicad_sch"]), documents(SCHEMATIC_SEEDS))
def test_schematic_boms(path, content):
    from registry.normalize.bom import schematic_boms

    out = schematic_boms({path: content})
    assert out  # a fetched schematic is read to lines or to a recorded error, never dropped
    for res in out:
        _check_bom(res)


# -- OKH manifests -----------------------------------------------------------------------------------------
OKH_SEEDS = {
    "okh.yml": b"title: Zephyr\ndescription: a ventilator\nlicense:\n  hardware: CERN-OHL-S-2.0\n"
               b"  documentation: CC-BY-4.0\nlicensor: Jul\nproject-link: https://github.com/j/z\n"
               b"development-stage: prototype\nmade: true\nbom: bom.csv\nkeywords: [a, b]\n",
    "okh.toml": b'okhv = "OKH-LOSHv1.0"\nname = "Zephyr"\nrepo = "https://github.com/j/z"\nversion = "1.0"\n'
                b'license = "CERN-OHL-S-2.0"\nlicensor = "Jul"\ntechnology-readiness-level = "OTRL-4"\n'
                b'documentation-readiness-level = "ODRL-3*"\n[[part]]\nname = "frame"\nsource = "frame.fcstd"\n',
    "okh.json": b'{"title": "Zephyr", "license": {"hardware": "MIT"}, "documentation-home": "https://z.example"}',
}


@FUZZ
@given(st.sampled_from(sorted(OKH_SEEDS)).flatmap(lambda p: st.tuples(st.just(p), documents([OKH_SEEDS[p]]))))
def test_okh_manifest(case):
    from crawler.sources.okh_list import read_manifest
    from registry.normalize.okh import parse_manifest

    path, content = case
    m = parse_manifest(path, content)
    assert m.error is None or isinstance(m.error, str)
    assert isinstance(m.issues, list)
    assert m.error or m.title or m.issues or m.licence  # unreadable is said so
    read_manifest(path, content)


# -- hub JSON ----------------------------------------------------------------------------------------------
def _json_shaped(keys: list[str], wrap: str) -> st.SearchStrategy[bytes]:
    """Hub answers of the right outline with random values in them."""
    leaf = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30)
    value = st.recursive(leaf, lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=6), c, max_size=3),
                         max_leaves=12)
    item = st.dictionaries(st.sampled_from(keys), value | st.text(max_size=60), max_size=len(keys))
    return st.lists(item | value, max_size=5).map(lambda items: json.dumps({wrap: items}).encode())


OSHWA_KEYS = ["oshwaUid", "projectName", "projectWebsite", "documentationUrl", "projectDescription", "primaryType",
              "additionalType", "projectKeywords", "hardwareLicense", "softwareLicense", "documentationLicense",
              "certificationDate", "country", "responsibleParty", "projectVersion"]
OSHWA_SEED = json.dumps({"items": [{"oshwaUid": "US000101", "projectName": "AmboVent",
                                    "projectWebsite": "https://amb.example.org", "hardwareLicense": "CERN",
                                    "projectKeywords": ["a"], "certificationDate": "2020-04-17T00:00-04:00"}],
                         "limit": 1, "total": 1}).encode()


@FUZZ
@given(st.one_of(documents([OSHWA_SEED]), _json_shaped(OSHWA_KEYS, "items")))
def test_oshwa_json(content):
    from crawler.sources.oshwa import read_document

    records, problems, lean = read_document(_doc(content), SourceConfig("fuzz", "oshwa"))
    _check_records(records)
    if not _is_json(content):
        assert problems


HACKADAY_KEYS = ["id", "name", "summary", "description", "url", "tags", "links", "created", "updated", "owner_id",
                 "views", "followers", "skulls", "license"]
HACKADAY_SEED = json.dumps({"projects": [{"id": 1, "name": "Flypi", "summary": "microscope", "tags": ["bio"],
                                          "url": "https://hackaday.io/project/1-flypi",
                                          "links": [{"url": "https://github.com/a/flypi", "title": "code"}]}],
                            "page": 1, "last_page": 1}).encode()


@FUZZ
@given(st.one_of(documents([HACKADAY_SEED]), _json_shaped(HACKADAY_KEYS, "projects")))
def test_hackaday_json(content):
    from crawler.sources.hackaday import read_document

    records, problems = read_document(_doc(content), SourceConfig("fuzz", "hackaday"))
    _check_records(records)
    if not _is_json(content):
        assert problems


MEDIAWIKI_SEED = json.dumps({"query": {"pages": [{"pageid": 1, "title": "Solar still", "fullurl":
                             "https://wiki.example.org/Solar_still", "revisions": [{"slots": {"main": {"content":
                             "{{Project data|license=CC-BY-SA-4.0|status=Prototype}}\nA '''solar''' still. "
                             "[[Water]] [https://x.example.org link]\n== Materials ==\n* glass"}}}]}]}}).encode()


@FUZZ
@given(st.one_of(documents([MEDIAWIKI_SEED]),
                 _json_shaped(["title", "fullurl", "revisions", "missing"], "pages").map(
                     lambda b: json.dumps({"query": json.loads(b)}).encode())))
def test_mediawiki_json_and_wikitext(content):
    from crawler import wikitext
    from crawler.sources.mediawiki import read_document

    records, problems, pending = read_document(_doc(content), SourceConfig("fuzz", "mediawiki"))
    _check_records(records)
    if not _is_json(content):
        assert problems
    text = content.decode("utf-8", "replace")
    wikitext.templates(text)
    wikitext.strip_markup(text)
    wikitext.first_paragraph(text)
    wikitext.licences(text)
    wikitext.wiki_links(text)


GITHUB_SEARCH_SEED = json.dumps({"total_count": 1, "incomplete_results": False, "items": [
    {"full_name": "a/b", "html_url": "https://github.com/a/b", "description": "open hardware", "topics": ["x"],
     "stargazers_count": 3, "license": {"spdx_id": "MIT"}}]}).encode()


@FUZZ
@given(st.one_of(documents([GITHUB_SEARCH_SEED]),
                 _json_shaped(["full_name", "html_url", "description", "topics", "license", "repository", "path"],
                              "items")))
def test_github_search_json(content):
    from crawler.sources.github_search import read_document

    records, problems = read_document(_doc(content, url="https://api.github.com/search/repositories?q=x"),
                                      SourceConfig("fuzz", "github-search"))
    _check_records(records)
    if not _is_json(content):
        assert problems


CSV_SEED = (b"Name,URL,Repository,Licence,Description\nAmboVent,https://amb.example.org,https://github.com/a/b,"
            b"CERN-OHL-S-2.0,\"a design, tested\"\nFlypi,flypi.example.org,,MIT,microscope\n")


@FUZZ
@given(documents([CSV_SEED]))
def test_csv_list(content):
    from crawler.sources.csv_list import read_document

    records, problems = read_document(_doc(content, url="https://sheet.example.org/export.csv"),
                                      SourceConfig("fuzz", "csv-list"))
    _check_records(records)
    assert records or problems or not content.strip(b" \t\r\n,;")


OKH_LIST_SEED = json.dumps(["https://x.example.org/okh.yml", {"manifest": "okh-zephyr.toml"},
                            {"url": "https://y.example.org/a/okh.json"}, 3]).encode()


@FUZZ
@given(documents([OKH_LIST_SEED, b"https://x.example.org/okh.yml\nrelative/okh.toml\n"]))
def test_okh_list(content):
    from crawler.sources.okh_list import list_entries

    urls, bad = list_entries(content, "https://list.example.org/manifests/")
    assert all(isinstance(u, str) for u in urls) and all(isinstance(b, str) for b in bad)


# -- HTML pages --------------------------------------------------------------------------------------------
HTML_SEEDS = [
    b"<!doctype html><html><head><title>Flypi microscope</title><meta name=\"description\" content=\"A cheap "
    b"microscope\"><meta property=\"og:title\" content=\"Flypi\"><link rel=\"canonical\" href=\"/flypi\">"
    b"<script type=\"application/ld+json\">{\"@type\": \"Product\", \"name\": \"Flypi\", \"license\": "
    b"\"https://creativecommons.org/licenses/by-sa/4.0/\"}</script></head><body><h1>Flypi</h1>"
    b"<a href=\"https://github.com/a/flypi\">source</a><a href=\"javascript:x()\">js</a></body></html>",
    b"<html><body><p>Plain page &amp; <b>bold</b> <a href='//cdn.example.org/x'>x</a></p></body></html>",
]


@FUZZ
@given(documents(HTML_SEEDS))
def test_html_page(content):
    from crawler.sources.web import read_page

    rec = read_page(content, "https://maker.example.org/projects/flypi", SourceConfig("fuzz", "web"),
                    base="https://maker.example.org/projects/")
    assert rec is None or isinstance(rec, Record)
    if rec is not None:
        _check_records([rec])


def test_fuzz_budget_is_reported():
    """The examples per parser this run used (bench/fuzz.py reports the long campaign)."""
    assert FUZZ_EXAMPLES >= 100


if __name__ == "__main__":  # pragma: no cover
    pytest.main([__file__, "-q"])


# -- what ohr writes from outside data: exports stay inert -------------------------------------------------
@FUZZ
@given(st.text(max_size=200) | documents(LIST_SEEDS + HTML_SEEDS).map(lambda b: b.decode("utf-8", "replace")))
def test_markdown_export_renders_literally(value):
    from markdown_it import MarkdownIt

    from queries.export import md_text, md_url

    text = md_text(value)
    assert "\n" not in text and "<" not in text and ">" not in text
    html = MarkdownIt("commonmark").render(f"- {text}")
    assert not any(tag in html for tag in ("<a ", "<img", "<script", "<em>", "<strong>", "<code>", "<h1", "<table"))
    url = md_url(value)
    assert url is None or (url.startswith(("http://", "https://")) and not any(c in url for c in " ()<>\n\"`"))


@FUZZ
@given(st.lists(st.text(max_size=40) | st.sampled_from(["=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)",
                                                          "\t=1", "\r=1"]), min_size=1, max_size=6))
def test_csv_output_cells_never_start_a_formula(cells):
    import csv
    import io as _io

    from queries.output import emit

    out = _io.StringIO()
    emit([f"c{i}" for i in range(len(cells))], [cells], "csv", out=out)
    rows = list(csv.reader(_io.StringIO(out.getvalue(), newline="")))
    assert len(rows) == 2  # no cell breaks into a new row (a bare CR would, in a spreadsheet)
    assert "\r" not in out.getvalue()
    assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in rows[1])
