"""BOMs in EDA tools' own shapes, read exactly: InteractiveHtmlBom pages, EAGLE part lists, KiCad schematics.

The fixtures in tests/fixtures/bom/ were written for these tests, modelled on the tools' documented output.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from registry.normalize._bom_kicad import derive_boms, parse_sexpr
from registry.normalize._bom_read import BomReadError
from registry.normalize._bom_util import Limits
from registry.normalize.bom import DERIVED, parse_bom, schematic_boms, wanted_schematics

FIX = Path(__file__).parent / "fixtures" / "bom"


def _items(res):
    return [(ln.quantity, ln.designators, ln.part, ln.footprint, ln.mpn, ln.manufacturer) for ln in res.lines]


# ---------------------------------------------------------------- InteractiveHtmlBom


def test_ibom_lz_compressed_page_one_item_per_group_of_both_sides():
    """iBOM >= 2.4: groups of [reference, footprint index]; fields named by config.fields; R2 (DNP) and H1
    (virtual) are in bom.skipped; F/B are per-side views and add nothing."""
    res = parse_bom("hw/bom/ibom.html", (FIX / "ibom-v2.html").read_bytes())
    assert (res.format, res.error, res.origin) == ("ibom", None, "published")
    assert _items(res) == [
        (2, ["C1", "C2"], "100n", "C_0603_1608Metric", "GRM188R71C104KA01D", "Murata"),
        (2, ["R1", "R3"], "10k", "R_0603_1608Metric", "RC0603FR-0710KL", "Yageo"),
        (1, ["U1"], "ATmega328P-AU", "TQFP-32_7x7mm_P0.8mm", "ATMEGA328P-AU", "Microchip"),
        (1, ["J1"], "Conn_01x04", "PinHeader_1x04_P2.54mm_Vertical", None, None),
    ]
    assert any("2 parts the page skips" in i for i in res.issues)


def test_ibom_plain_json_page_of_the_old_row_shape():
    """iBOM < 2.4: plain `var pcbdata = {…}` with [qty, value, footprint, [[ref, idx]…], [extra fields]] rows."""
    res = parse_bom("hw/bom/ibom.html", (FIX / "ibom-v2.1-plain.html").read_bytes())
    assert (res.format, res.error) == ("ibom", None)
    assert _items(res) == [
        (2, ["C1", "C2"], "100n", "C_0603", "GRM188R71C104KA01D", None),
        (1, ["R1"], "10k", "R_0603", "RC0603FR-0710KL", None),
        (1, ["U1"], "ATmega328P-AU", "TQFP-32", "ATMEGA328P-AU", None),
    ]


def test_ibom_without_both_list_or_with_a_broken_group():
    page = ("<html><script>var config = {\"fields\": [\"Value\", \"Footprint\"]}\nvar pcbdata = "
            + json.dumps({"bom": {"F": [[["C1", 0]]], "B": [[["R1", 1]], "junk"],
                                  "fields": {"0": ["1u", "C_0805"], "1": ["1k", "R_0805"]}}})
            + "</script></html>")
    res = parse_bom("ibom.html", page.encode())
    assert _items(res) == [(1, ["C1"], "1u", "C_0805", None, None), (1, ["R1"], "1k", "R_0805", None, None)]
    assert any("no bom.both" in i for i in res.issues) and any("group 3" in i for i in res.issues)


def test_ibom_without_a_bom_object_is_an_error_not_an_exception():
    res = parse_bom("ibom.html", b"<html><script>var pcbdata = {\"edges\": []}</script></html>")
    assert res.lines == [] and "no bom object" in res.error


# ---------------------------------------------------------------- EAGLE part lists

PER_PART_V9 = [(1, ["C1"], "100n", "C025-024X044"), (1, ["JP1"], "PINHD-1X2", "1X02"),
               (1, ["LED1"], "red", "LED5MM"), (1, ["R1"], "10k", "0207/10"), (1, ["U1"], "ATMEGA328P-PU", "DIL28-3")]
VALUES_LIST = [(2, ["C1", "C2"], "100n", "C025-024X044"), (1, ["R1"], "10k", "0207/10"),
               (1, ["JP1"], "PINHD-1X2", "1X02"), (1, ["LED1"], "red", "LED5MM"),
               (1, ["U1"], "ATMEGA328P-PU", "DIL28-3")]


@pytest.mark.parametrize(
    ("name", "fmt", "expected"),
    [
        # EAGLE 9 schematic part list: a 'Partlist' title, an 'Assembly variant' line, JP1 without a value
        ("eagle-partlist-v9.txt", "eagle-partlist", PER_PART_V9),
        # no Value column: the device names the part
        ("eagle-partlist-novalue.txt", "eagle-partlist",
         [(1, ["C1"], "C-EU025-024X044", "C025-024X044"), (1, ["JP1"], "PINHD-1X2", "1X02"),
          (1, ["R1"], "R-EU_0207/10", "0207/10"), (1, ["S1"], "10-XX", "B3F-10XX"),
          (1, ["U1"], "ATMEGA328P-PU", "DIL28-3")]),
        # header and rows padded differently (hand-edited): split on whitespace
        ("eagle-partlist-unaligned.txt", "eagle-partlist",
         [(1, ["C1"], "100n", "C0805"), (1, ["C2"], "100n", "C0805"), (1, ["R1"], "10k", "R0805"),
          (1, ["R2"], "1k", "R0805"), (1, ["U1"], "LM358", "SO08")]),
        # a value running into the next column, a frame without value or package, no line end after the last row
        ("eagle-partlist-overflow.txt", "eagle-partlist",
         [(1, ["C1"], "100n", "C025-024X044"), (1, ["D1"], "1N4148 (see note)", "DO35-10"),
          (1, ["FRAME1"], "DINA4_L", None), (1, ["LED1"], "*", "LED5MM"), (1, ["U1"], "ATMEGA328P", "DIL28-3")]),
        # bom.ulp value list: Qty and a Parts column with 'C1, C2', descriptions with spaces
        ("eagle-bom-values.txt", "eagle-partlist", VALUES_LIST),
        ("eagle-bom-values-tabs.txt", "eagle-partlist", VALUES_LIST),  # the same, tab separated, trailing tab
        # bom.ulp CSV: every field quoted, ';' separated, a trailing ';' on each line, MF/MPN columns
        ("eagle-bom.csv", "csv", VALUES_LIST),
        ("eagle-bom-novalue.csv", "csv",
         [(2, ["C1", "C2"], "C-EU025-024X044", "C025-024X044"), (1, ["R1"], "R-EU_0207/10", "0207/10"),
          (1, ["JP1"], "PINHD-1X2", "1X02"), (1, ["LED1"], "LED5MM", "LED5MM"),
          (1, ["U1"], "ATMEGA328P-PU", "DIL28-3")]),
    ],
)
@pytest.mark.parametrize("line_end", ["\n", "\r\n"])
def test_eagle_part_lists_every_row_an_item(name, fmt, expected, line_end):
    data = (FIX / name).read_text(encoding="utf-8").replace("\n", line_end).encode()
    res = parse_bom(f"eagle/{name}", data)
    assert (res.format, res.error) == (fmt, None)
    assert [(ln.quantity, ln.designators, ln.part, ln.footprint) for ln in res.lines] == expected


def test_eagle_csv_keeps_manufacturer_columns_and_descriptions():
    res = parse_bom("eagle/eagle-bom.csv", (FIX / "eagle-bom.csv").read_bytes())
    caps, *_, mcu = res.lines
    assert (caps.description, caps.manufacturer, caps.mpn) == ("CAPACITOR, European symbol", "Murata",
                                                               "RDER71H104K0K1H03B")
    assert (mcu.manufacturer, mcu.mpn) == ("Microchip", "ATMEGA328P-PU")


def test_eagle_part_list_without_part_rows_says_so():
    text = "Partlist exported from x.sch at 1/1/2020\n\nPart Value Device Package Library Sheet\n\n"
    res = parse_bom("eagle/x.txt", text.encode())
    assert res.lines == [] and res.error == "EAGLE part list without part rows"


# ---------------------------------------------------------------- KiCad schematics


def _kicad_files() -> dict[str, bytes]:
    return {f"hw/{n}": (FIX / n).read_bytes() for n in ("board.kicad_sch", "power.kicad_sch")}


def test_kicad_sch_grouped_by_value_footprint_mpn_without_dnp_power_or_virtual_parts():
    """board.kicad_sch: R1+R2 share value, footprint and MPN; R3 is (dnp yes); R5 is (in_bom no); #PWR01 is a
    power symbol; #TP1 a virtual part; the Power sub-sheet adds C1."""
    (res,) = schematic_boms(_kicad_files())
    assert (res.path, res.format, res.origin, res.error) == ("hw/board.kicad_sch", "kicad_sch", DERIVED, None)
    assert _items(res) == [
        (1, ["C1"], "100n", "Capacitor_SMD:C_0603_1608Metric", None, None),
        (2, ["R1", "R2"], "10k", "Resistor_SMD:R_0603_1608Metric", "RC0603FR-0710KL", "Yageo"),
        (1, ["R4"], "4k7", "Resistor_SMD:R_0603_1608Metric", None, None),
        (1, ["U1"], "ATmega328P-AU", "Package_QFP:TQFP-32_7x7mm_P0.8mm", None, None),
    ]
    assert res.lines[3].description == '20MHz, 32kB Flash, "AVR" microcontroller'  # escaped quotes read
    assert "left out: 1 DNP, 1 excluded from BOM, 1 power symbol, 1 virtual part" in res.issues


def test_kicad6_references_from_the_root_symbol_instances():
    """KiCad 6 kept references in the root's symbol_instances (by symbol uuid), not on the symbol."""
    sch = b"""(kicad_sch (version 20211123) (generator eeschema)
      (lib_symbols (symbol "power:+5V" (power) (in_bom yes) (on_board yes)))
      (symbol (lib_id "Device:C") (at 1 1 0) (unit 1) (in_bom yes) (on_board yes) (uuid "c-1")
        (property "Reference" "C?" (id 0) (at 0 0 0)) (property "Value" "1u" (id 1) (at 0 0 0))
        (property "Footprint" "C_0805" (id 2) (at 0 0 0)))
      (symbol (lib_id "power:+5V") (at 1 1 0) (unit 1) (in_bom yes) (on_board yes) (uuid "p-1")
        (property "Reference" "#PWR0101" (id 0) (at 0 0 0)) (property "Value" "+5V" (id 1) (at 0 0 0)))
      (symbol_instances
        (path "/c-1" (reference "C7") (unit 1) (value "1u") (footprint "C_0805"))
        (path "/p-1" (reference "#PWR0101") (unit 1) (value "+5V") (footprint "")))
    )"""
    (res,) = schematic_boms({"main.kicad_sch": sch})
    assert _items(res) == [(1, ["C7"], "1u", "C_0805", None, None)]


def test_kicad7_sheet_used_twice_and_shared_with_another_project():
    """A sub-sheet placed twice holds one symbol with a reference per use, per project; only this project's count."""
    main = b"""(kicad_sch (version 20230121) (uuid "root")
      (sheet (at 0 0) (size 1 1) (uuid "s1") (property "Sheetname" "A") (property "Sheetfile" "amp.kicad_sch"))
      (sheet (at 0 9) (size 1 1) (uuid "s2") (property "Sheetname" "B") (property "Sheetfile" "amp.kicad_sch")))"""
    amp = b"""(kicad_sch (version 20230121) (uuid "amp")
      (symbol (lib_id "Device:R") (unit 1) (in_bom yes) (on_board yes) (dnp no) (uuid "r")
        (property "Reference" "R10") (property "Value" "1k") (property "Footprint" "R_0402")
        (instances (project "main" (path "/root/s1" (reference "R10") (unit 1))
                                   (path "/root/s2" (reference "R20") (unit 1)))
                   (project "other" (path "/x/y" (reference "R99") (unit 1))))))"""
    (res,) = schematic_boms({"pcb/main.kicad_sch": main, "pcb/amp.kicad_sch": amp})
    assert res.path == "pcb/main.kicad_sch"
    assert _items(res) == [(2, ["R10", "R20"], "1k", "R_0402", None, None)]


def test_unannotated_parts_each_count():
    sym = ('(symbol (lib_id "Device:R") (unit 1) (in_bom yes) (on_board yes) (uuid "{u}") (property "Reference" "R?")'
           ' (property "Value" "1k") (property "Footprint" "R_0402"))')
    sch = ("(kicad_sch (version 20230121) " + sym.format(u="a") + sym.format(u="b") + ")").encode()
    (res,) = schematic_boms({"x.kicad_sch": sch})
    assert _items(res) == [(2, ["R?", "R?"], "1k", "R_0402", None, None)]


def test_legacy_sch_with_power_symbols_multi_unit_parts_and_a_sheet_used_twice():
    files = {f"hw/{n}": (FIX / n).read_bytes() for n in ("legacy.sch", "input.sch")}
    (res,) = schematic_boms(files)
    assert (res.path, res.format, res.origin) == ("hw/legacy.sch", "kicad-legacy-sch", DERIVED)
    assert _items(res) == [
        (2, ["C1", "C2"], "100n", "Capacitor_SMD:C_0603_1608Metric", None, None),  # one C per use of input.sch
        (2, ["R1", "R2"], "10k", "Resistor_SMD:R_0603_1608Metric", "RC0603FR-0710KL", None),
        (1, ["U1"], "LM358", "Package_SO:SOIC-8_3.9x4.9mm_P1.27mm", None, None),  # units A and B: one part
    ]
    assert "left out: 2 power symbol" in res.issues


def test_eagle_xml_sch_is_not_read_as_kicad():
    """An EAGLE .sch goes to the EAGLE reader (tests/test_bom_eagle.py), never to the KiCad one."""
    eagle = b'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE eagle SYSTEM "eagle.dtd">\n<eagle version="9.6.2">'
    (res,) = schematic_boms({"hw/board.sch": eagle})
    assert res.format == "eagle-sch" and res.error.startswith("malformed EAGLE XML") and "KiCad" not in res.error


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"(kicad_sch (version 1) (symbol (lib_id \"R\")", "truncated"),
        (b")(kicad_sch)", "unbalanced"),
        (b"(" * 500 + b")" * 500, "nested deeper"),
        (b"(kicad_pcb (version 1))", "not a KiCad schematic"),
        (b"\x00\x01binary", "S-expression"),
        (b'(kicad_sch (property "10k))', "unterminated string"),
    ],
)
def test_broken_schematics_give_an_error_each(data, reason):
    (res,) = schematic_boms({"x.kicad_sch": data})
    assert res.lines == [] and reason in res.error and res.origin == DERIVED


def test_big_schematics_are_not_read():
    board = (FIX / "board.kicad_sch").read_bytes()
    (res,) = derive_boms({"hw/board.kicad_sch": board}, Limits(max_bytes=len(board) - 1))
    assert res.lines == [] and res.error == f"file too large ({len(board)} > {len(board) - 1} bytes)"


def test_sexpr_reader_work_is_bounded_by_tokens():
    with pytest.raises(BomReadError, match="more than 1000 tokens"):
        parse_sexpr("(a " + "x " * 5000 + ")", max_nodes=1000)
    assert parse_sexpr('(a "b \\"c\\"" (d e))') == ["a", 'b "c"', ["d", "e"]]


def test_schematics_wanted_only_where_no_bom_file_exists():
    tree = ["hw/board.kicad_sch", "hw/power.kicad_sch", "hw/board.kicad_pro", "old/v1/board.kicad_sch",
            "kicad5/sensor.sch", "kicad5/sensor.pro", "eagle/shield.sch", "eagle/shield.brd", "README.md"]
    assert wanted_schematics(tree, 8) == ["eagle/shield.sch", "hw/board.kicad_sch", "kicad5/sensor.sch",
                                          "hw/power.kicad_sch", "old/v1/board.kicad_sch"]  # EAGLE: .sch, not .brd
    assert wanted_schematics(tree, 3) == ["eagle/shield.sch", "hw/board.kicad_sch", "kicad5/sensor.sch"]  # roots
    # (named after a project file, or an EAGLE design) first: a design cut at the cap keeps the sheet others hang from
    assert wanted_schematics([*tree, "hw/bom/board_bom.csv"], 8) == []  # a published BOM file wins
