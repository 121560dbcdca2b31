"""EAGLE XML schematics and boards give a derived BOM where a repository publishes none, as KiCad schematics do.

tests/fixtures/bom/eagle-shield.sch and eagle-panel.brd were written for these tests after eagle.dtd (EAGLE 6.6-9.x):
parts with library devices and packages, supply symbols, a frame, MPN attributes, assembly variants, DNP.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import SHARED

from registry.normalize._bom_eagle import derive_eagle_boms, eagle_kind
from registry.normalize._bom_util import Limits
from registry.normalize.bom import DERIVED, find_bom_files, schematic_boms, wanted_schematics
from registry.normalized import wanted_files

FIX = Path(__file__).parent / "fixtures" / "bom"
SHIELD = (FIX / "eagle-shield.sch").read_bytes()
PANEL = (FIX / "eagle-panel.brd").read_bytes()


def _items(res):
    return [(ln.quantity, ln.designators, ln.part, ln.footprint, ln.mpn, ln.manufacturer) for ln in res.lines]


def test_schematic_parts_grouped_without_supply_symbols_frames_dnp_or_unpopulated_variant_parts():
    """R1+R2 share value, package and MPN; R10 has no MPN; U1's value is its device name and its MPN/MF come from
    the library technology; GND1, GND2, P+1 and FRAME1 have no package; R3 is unpopulated in the current variant
    'lite', where C2 is 1u; R4 carries DNP=yes."""
    (res,) = schematic_boms({"hw/shield.sch": SHIELD})
    assert (res.path, res.format, res.origin, res.error) == ("hw/shield.sch", "eagle-sch", DERIVED, None)
    assert _items(res) == [
        (1, ["C1"], "100n", "C0603", None, None),
        (1, ["C2"], "1u", "C0603", None, None),
        (2, ["R1", "R2"], "10k", "R0603", "RC0603FR-0710KL", "Yageo"),
        (1, ["R10"], "10k", "R0603", None, None),
        (1, ["U1"], "ATMEGA328P-AU", "TQFP32-08", "ATMEGA328P-AU", "Microchip"),
    ]
    assert [ln.row for ln in res.lines] == [1, 2, 3, 4, 5]
    assert res.lines[4].description == "8-bit AVR Microcontroller"  # the deviceset's HTML description, first line
    assert res.lines[2].description == "RESISTOR, European symbol"
    assert "left out: 1 DNP, 4 no package (supply symbol, frame), 1 not populated in the variant" in res.issues
    assert "assembly variant 'lite'" in res.issues


def test_without_a_current_variant_every_part_is_placed_as_drawn():
    sch = SHIELD.replace(b'<variantdef name="lite" current="yes"/>', b'<variantdef name="lite"/>')
    (res,) = schematic_boms({"hw/shield.sch": sch})
    assert _items(res)[:2] == [(2, ["C1", "C2"], "100n", "C0603", None, None),
                               (2, ["R1", "R2"], "10k", "R0603", "RC0603FR-0710KL", "Yageo")]
    assert (1, ["R3"], "4k7", "R0603", None, None) in _items(res)
    assert "left out: 1 DNP, 4 no package (supply symbol, frame)" in res.issues
    default = SHIELD.replace(b'<variantdef name="lite" current="yes"/>',
                             b'<variantdef name="&lt;unnamed&gt;" current="yes"/>')
    (res,) = schematic_boms({"hw/shield.sch": default})
    assert len(res.lines) == 5 and not [i for i in res.issues if "variant" in i]  # EAGLE's default variant: no note


def test_board_alone_lists_its_elements_and_its_schematic_wins_when_both_are_here():
    """A board has the package on each element; PARTNO is the MPN; R3 is unpopulated in variant 'proto'. Holes and
    connectors with an empty value are placed parts, as EAGLE's own part list shows them; C2 says populate="no"."""
    (res,) = schematic_boms({"panel/panel.brd": PANEL})
    assert (res.path, res.format, res.origin, res.error) == ("panel/panel.brd", "eagle-brd", DERIVED, None)
    assert _items(res) == [
        (1, ["C1"], "10u", "C0805", None, None),
        (2, ["H1", "H2"], "MOUNT-HOLE3.2", "3,2", None, None),
        (1, ["J1"], None, "MA04-1", None, None),
        (2, ["R1", "R2"], "1k", "R0805", "ERJ-6ENF1001V", None),
    ]
    assert "left out: 1 DNP, 1 not populated in the variant" in res.issues  # C2: populate="no"
    both = schematic_boms({"hw/shield.sch": SHIELD, "hw/shield.brd": PANEL})
    assert [(r.path, r.format) for r in both] == [("hw/shield.sch", "eagle-sch")]  # one design, one BOM


def test_board_read_when_its_schematic_gives_nothing():
    binary_sch = b"\x10\x00\x2c\x00\x0b\x00\x00\x00" + bytes(200)
    out = schematic_boms({"hw/shield.sch": binary_sch, "hw/shield.brd": PANEL})
    assert [(r.path, bool(r.lines), r.error) for r in out] == [
        ("hw/shield.brd", True, None),
        ("hw/shield.sch", False, "binary EAGLE file (EAGLE 5 or older); only EAGLE 6+ XML is read"),
    ]


def test_design_block_modules_count_once_per_instance():
    """EAGLE 8+ design blocks: a module's parts are placed once per module instance, named <instance>:<part>."""
    lib = (b'<libraries><library name="rcl"><devicesets><deviceset name="R"><devices>'
           b'<device name="0402" package="R0402"/></devices></deviceset></devicesets></library></libraries>')
    sch = (b'<?xml version="1.0"?><eagle version="9.6"><drawing><schematic>' + lib +
           b'<modules><module name="AMP"><parts><part name="R1" library="rcl" deviceset="R" device="0402" value="1k"/>'
           b'</parts></module></modules>'
           b'<parts><part name="R1" library="rcl" deviceset="R" device="0402" value="1k"/></parts>'
           b'<sheets><sheet><moduleinsts><moduleinst name="LEFT" module="AMP"/><moduleinst name="RIGHT" module="AMP"/>'
           b'<moduleinst name="X" module="GONE"/></moduleinsts></sheet></sheets></schematic></drawing></eagle>')
    (res,) = schematic_boms({"amp.sch": sch})
    assert _items(res) == [(3, ["LEFT:R1", "R1", "RIGHT:R1"], "1k", "R0402", None, None)]
    assert "module instance 'X': module 'GONE' not in the file" in res.issues


def test_an_explicit_mpn_wins_over_partno_and_a_library_urn_mismatch_still_finds_the_device():
    """EAGLE 9 parts name their library by name and urn; a schematic saved by an older EAGLE has no urn on the
    library: the name decides. PARTNO (often a shop's number) gives way to an MPN attribute wherever it stands."""
    sch = (b'<?xml version="1.0"?><eagle version="9.6"><drawing><schematic><libraries><library name="rcl">'
           b'<devicesets><deviceset name="C"><devices><device name="0805" package="C0805"><technologies>'
           b'<technology name=""><attribute name="PARTNO" value="DK-399-1170-1-ND"/></technology></technologies>'
           b'</device></devices></deviceset></devicesets></library></libraries><parts>'
           b'<part name="C1" library="rcl" library_urn="urn:adsk.eagle:library:9" deviceset="C" device="0805" '
           b'value="10u">'
           b'<attribute name="MPN" value="GRM21BR61C106KE15L"/><attribute name="MF" value="Murata"/></part>'
           b'<part name="C2" library="rcl" deviceset="C" device="0805" value="10u"/>'
           b'</parts></schematic></drawing></eagle>')
    (res,) = schematic_boms({"c.sch": sch})
    assert _items(res) == [(1, ["C1"], "10u", "C0805", "GRM21BR61C106KE15L", "Murata"),
                           (1, ["C2"], "10u", "C0805", "DK-399-1170-1-ND", None)]


def test_latin1_bytes_under_a_utf8_declaration_are_read_as_cp1252():
    """Other tools' EAGLE exports write 'µ' as one Latin-1 byte while declaring UTF-8; expat refuses it as is."""
    sch = SHIELD.replace(b'value="1u"', b'value="1\xb5F"')
    (res,) = schematic_boms({"hw/shield.sch": sch})
    assert res.error is None and res.lines[1].part == "1µF"
    assert "not UTF-8 as declared: read as cp1252" in res.issues


@pytest.mark.parametrize(
    ("path", "data", "reason"),
    [
        ("hw/a.sch", SHIELD[: len(SHIELD) // 2], "malformed EAGLE XML"),
        ("hw/a.sch", b"\x10\x80\x24\x00\x0b\x00" + bytes(100), "binary EAGLE file (EAGLE 5 or older)"),
        ("hw/a.brd", b"\x10\x00\x24\x00\x0b\x00" + bytes(100), "binary EAGLE file (EAGLE 5 or older)"),
        ("hw/a.sch", b"v 20130925 2\nC 40000 40000 0 0 0 title-B.sym\n",
         "not an EAGLE XML schematic (nor a KiCad one)"),
        ("hw/a.brd", b"PCBNEW-BOARD Version 1 date 2015\n", "not an EAGLE XML board"),
        ("hw/a.brd", b"\x00\x01\x02binary" * 10, "binary file, not EAGLE 6+ XML"),
        ("hw/a.sch", b'<?xml version="1.0"?>\n<!DOCTYPE eagle [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>\n'
                     b'<eagle version="9"><drawing><schematic><parts/></schematic></drawing></eagle>',
         "declares a DTD subset / entities; refused"),
        ("hw/a.sch", b'<?xml version="1.0"?><eagle version="9"><drawing><library name="x"/></drawing></eagle>',
         "neither a schematic nor a board"),
        ("hw/a.sch", b'<?xml version="1.0"?><eagle version="9"><drawing><schematic><parts>'
                     b'<part name="R1" library="gone" deviceset="R" device=""/></parts></schematic></drawing></eagle>',
         "holds no BOM parts"),
    ],
)
def test_broken_eagle_files_give_an_error_each_never_an_exception(path, data, reason):
    (res,) = schematic_boms({path: data})
    assert res.lines == [] and reason in res.error and res.origin == DERIVED and res.path == path


def test_a_part_whose_library_is_missing_is_said_so():
    data = (b'<?xml version="1.0"?><eagle version="9"><drawing><schematic><parts>'
            b'<part name="R1" library="gone" deviceset="R" device=""/></parts></schematic></drawing></eagle>')
    (res,) = schematic_boms({"x.sch": data})
    assert "left out: 1 device not in the file's libraries" in res.issues


def test_big_eagle_files_are_not_parsed():
    (res,) = derive_eagle_boms({"hw/shield.sch": SHIELD}, Limits(max_bytes=len(SHIELD) - 1))
    assert res.lines == [] and res.error == f"file too large ({len(SHIELD)} > {len(SHIELD) - 1} bytes)"


def test_eagle_kind_sniffs_content_not_name():
    assert eagle_kind(b"\xef\xbb\xbf<?xml version='1.0'?>\n<eagle version='6.4'>") == "xml"
    assert eagle_kind(b"\x10\x00\x24\x00" + bytes(60)) == "binary"
    assert eagle_kind(b"EESchema Schematic File Version 4\n") is None
    assert eagle_kind(b"<?xml version='1.0'?><svg/>") is None


def test_eagle_designs_wanted_only_as_a_schematic_with_its_board_or_a_lone_board():
    tree = ["eagle/shield.sch", "eagle/shield.brd", "eagle/panel.brd", "gschem/amp.sch", "kicad4/old.sch",
            "kicad4/old.pro", "kicad4/old.brd", "kicad4/other.brd", "obsolete/v1/shield.sch", "obsolete/v1/shield.brd",
            "docs/BOM.pdf", "docs/bom.png"]
    assert wanted_schematics(tree, 8) == ["eagle/panel.brd", "eagle/shield.sch", "kicad4/old.sch",
                                          "obsolete/v1/shield.sch"]
    # gschem/amp.sch: a .sch alone (gEDA, KiCad without its project) is not fetched; kicad4/other.brd sits in a KiCad
    # 4 project folder (a KiCad board); a PDF or image BOM is no BOM file (it gives no lines): schematics are fetched
    assert find_bom_files(tree) == []
    assert wanted_schematics([*tree, "eagle/shield-bom.csv"], 8) == []  # a BOM in a text/table format wins


def test_crawl_selection_fetches_eagle_schematics_beside_licence_and_pdf_bom():
    tree = ["LICENSE", "README.md", "pcb/board.sch", "pcb/board.brd", "pcb/bom.pdf"]
    assert wanted_files(tree) == ["LICENSE", "pcb/board.sch"]


# ---------------------------------------------------------------- the shared corpus

CORPUS = SHARED / "corpus" / "repos"


def _trees() -> dict[str, list[str]]:
    return {d.name: json.loads((d / "meta.json").read_text())["tree"] for d in sorted(CORPUS.iterdir())
            if (d / "meta.json").exists()}


@pytest.mark.skipif(not CORPUS.exists(), reason="../shared/corpus not present")
def test_corpus_eagle_designs_are_found_and_left_alone_where_a_bom_file_is_published():
    """Three corpus repositories hold EAGLE designs (counted by hand from their trees): each publishes a BOM file
    in a table format, so the crawl fetches none of their designs; without those BOM files their current designs
    (not the 'obsolete' / 'previous designs' folders, which sort last) would be the ones read."""
    trees = _trees()
    eagle = {name: sorted(p for p in tree if p.lower().endswith((".sch", ".brd"))
                          and p.rsplit(".", 1)[0] + (".brd" if p.lower().endswith(".sch") else ".sch") in tree)
             for name, tree in trees.items()}
    eagle = {k: v for k, v in eagle.items() if v}
    assert {k: len(v) for k, v in eagle.items()} == {
        "PubInv__ventmon-ventilator-inline-test-monitor": 16, "eez-open__modular-psu": 32,
        "rwb27__openflexure_nano_motor_controller": 2}
    for name in eagle:
        assert find_bom_files(trees[name]), name
        assert not [p for p in wanted_files(trees[name]) if p.lower().endswith((".sch", ".brd"))], name
    sanga = [p for p in trees["rwb27__openflexure_nano_motor_controller"] if not p.endswith(".tsv")]
    assert wanted_schematics(sanga, 8) == ["pcb_design/sangaboard_v02.sch"]
    eez = trees["eez-open__modular-psu"]
    eez_boms = set(find_bom_files(eez))
    eez_designs = wanted_schematics([p for p in eez if p not in eez_boms], 8)
    assert eez_designs[:5] == [  # current EAGLE designs and KiCad roots, shallow first; obsolete/previous ones last
        "dcm220/Eagle files/EEZ DIB DCM220 r2B8.sch", "mcu/EDA files/EEZ DIB MCU r3B4.sch",
        "PRELIMINARY/DCP405 r4 (with MCU)/EDA files/EEZ DIB DCP405 r4B2.sch",
        "aux-ps/EDA files/KiCad/EEZ DIB AUX-PS.kicad_sch", "bp3c/EDA files/KiCad/EEZ DIB B3C.kicad_sch"]


@pytest.mark.skipif(not CORPUS.exists(), reason="../shared/corpus not present")
def test_corpus_eagle_files_held_read_without_an_exception():
    """Every EAGLE .sch/.brd the corpus holds (none in the DEV set today: it lists them in trees, copies none) reads
    to lines or to one clear error."""
    held = [p for p in CORPUS.glob("*/files/**/*") if p.suffix.lower() in (".sch", ".brd") and p.is_file()]
    if not held:
        pytest.skip("the corpus holds no EAGLE design file")
    for p in held:
        data = p.read_bytes()
        if p.suffix.lower() == ".sch" and data.lstrip()[:40].startswith(b"EESchema"):
            continue
        out = derive_eagle_boms({p.name: data})
        assert out and all(r.lines or r.error for r in out), p


# ---------------------------------------------------------------- a crawl, REST and GraphQL

EAGLE_LIST = b"""# Boards

* [Shield](https://github.com/Eag/Shield): an EAGLE shield, its BOM only as a PDF.
* [Vintage](https://github.com/Eag/Vintage): an EAGLE 5 board, binary files.
"""

BINARY = b"\x10\x00\x24\x00\x0b\x00\x00\x00" + bytes(range(256)) * 4


@pytest.mark.parametrize("mode", ["rest", "graphql"])
def test_crawl_derives_eagle_boms_and_records_a_binary_one_as_an_error(mode, tmp_path, run_ohr, monkeypatch):
    from conftest import rows, write_config
    from fakegithub import FakeGitHub, FakeRepo

    monkeypatch.setenv("GITHUB_TOKEN", "test-token-not-secret")
    world = [
        FakeRepo("Lists/eagle", {"README.md": EAGLE_LIST}),
        FakeRepo("Eag/Shield", {"README.md": b"# Shield\n", "hw/shield.sch": SHIELD, "hw/shield.brd": PANEL,
                                "hw/bom.pdf": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"}, pushed_at="2024-01-01T00:00:00Z"),
        FakeRepo("Eag/Vintage", {"README.md": b"# Vintage\n", "pcb/v.sch": BINARY, "pcb/v.brd": BINARY},
                 pushed_at="2024-01-01T00:00:00Z"),
    ]
    sources = '[[sources]]\nname = "eagle"\nkind = "github-list"\nrepo = "Lists/eagle"\npath = "README.md"\n'
    with FakeGitHub(world, graphql=mode == "graphql") as gh:
        cfg = write_config(tmp_path, gh.url, sources, extra="graphql = false" if mode == "rest" else "")
        r = run_ohr("crawl", "--config", str(cfg))
        assert r.code == 0, r.out + r.err
    db = tmp_path / "registry.duckdb"
    fetched = rows(db, "SELECT p.repo_full_name, d.path FROM documents d JOIN projects p ON p.id = d.project_id "
                       "WHERE d.doc_kind = 'file' ORDER BY 1, 2")
    assert fetched == [("Eag/Shield", "hw/shield.sch"), ("Eag/Vintage", "pcb/v.sch")]  # the .sch, not its .brd
    files = rows(db, "SELECT p.repo_full_name, b.path, b.format, b.line_count, b.origin, b.error FROM bom_files b "
                     "JOIN projects p ON p.id = b.project_id ORDER BY 1, 2")
    assert files == [
        ("Eag/Shield", "hw/shield.sch", "eagle-sch", 5, DERIVED, None),
        ("Eag/Vintage", "pcb/v.sch", "eagle-sch", 0, DERIVED,
         "binary EAGLE file (EAGLE 5 or older); only EAGLE 6+ XML is read"),
    ]
    lines = rows(db, "SELECT quantity, designators, part, footprint, mpn, manufacturer FROM bom_lines b "
                     "JOIN projects p ON p.id = b.project_id WHERE p.repo_full_name = 'Eag/Shield' ORDER BY row")
    assert lines == [tuple(x) for x in _items(schematic_boms({"hw/shield.sch": SHIELD})[0])]
    before = rows(db, "SELECT * FROM bom_files ORDER BY project_id, path")
    r = run_ohr("renormalize", "--config", str(cfg))
    assert r.code == 0, r.err
    assert rows(db, "SELECT * FROM bom_files ORDER BY project_id, path") == before


def test_a_board_s_copper_is_dropped_while_parsing_memory_stays_near_the_file_size():
    """Wires, vias and pads are emptied as they are parsed: the peak stays under 3x the file (a whole tree is ~11x)."""
    import tracemalloc

    signal = (b'<signal name="N$%d"><contactref element="R1" pad="1"/>'
              + b'<wire x1="1.5" y1="2.5" x2="3.5" y2="4.5" width="0.254" layer="1"/>' * 20
              + b'<via x="1" y="2" extent="1-16" drill="0.4"/></signal>\n')
    data = PANEL.replace(b"<signals>", b"<signals>" + b"".join(signal % i for i in range(1500)))
    assert len(data) > 2_000_000
    tracemalloc.start()
    try:
        (res,) = derive_eagle_boms({"big.brd": data})
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert res.error is None and len(res.lines) == 4
    assert peak < 3 * len(data)
