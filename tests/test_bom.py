"""Table-driven tests for the BOM normalizer, on small fixtures written here (never corpus files)."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from registry.normalize.bom import (
    BomResult,
    find_bom_files,
    is_bom_path,
    parse_bom,
    parse_price,
    readme_bom_tables,
    summarize,
)

# ---------------------------------------------------------------- detection


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("BOM.csv", True),
        ("hardware/pcb_controller_BOM.csv", True),
        ("pcb/VentMon T0.3 BOM.csv", True),
        ("docs/BillOfMaterials.md", True),
        ("Bill_of_materials_aliexpress.xlsx", True),
        ("legacy/PartsList.xlsx", True),
        ("x/2018-08-24_cosi-measure_v1.0_BoM_mechanical.ods", True),
        ("kicad/1-click-bom.tsv", True),
        ("boards/kicadBOM.csv", True),
        ("printer/bom/x_axis_assembly.txt", True),  # any file in a BOM folder
        ("printer/BOMs/accessories/light.txt", True),
        ("BOM.pdf", False),  # not a parseable extension
        ("hw/bom/~$parts.xlsx", False),  # Excel owner/lock file
        ("hw/bom/.~lock.parts.ods#", False),
        ("hw/bom/kitspace_readme_detector.md", False),  # non-BOM file in a bom folder
        ("hw/bom/LICENSE.txt", False),
        ("hw/bom/top-pos.csv", False),  # placement file
        ("production/CPL-board.csv", False),
        ("tombola/list.csv", False),  # 'bom' inside a word is not a BOM
        ("bombardier.csv", False),
        ("ibom/generator.py", False),
        (".github/bom/x.csv", False),
        ("Settings/.skeinforge/profiles/speed.csv", False),
    ],
)
def test_is_bom_path(path, expected):
    assert is_bom_path(path) is expected


@pytest.mark.parametrize(
    ("tree", "expected"),
    [
        (
            ["pcb/board.kicad_pcb", "pcb/board.kicad_sch", "pcb/board.csv", "pcb/board-pos.csv", "pcb/other.csv"],
            ["pcb/board.csv"],
        ),
        (
            ["eagle/CAMOutputs/Assembly/tester.csv", "eagle/CAMOutputs/Assembly/PnP_tester_front.txt",
             "eagle/CAMOutputs/GerberFiles/copper_top.gbr"],
            ["eagle/CAMOutputs/Assembly/tester.csv"],
        ),
        (
            ["bom/ibom.html", "bom/~$list.xlsx", "bom/list.xlsx", "README.md", "bom.txt"],
            ["bom/ibom.html", "bom/list.xlsx", "bom.txt"],
        ),
        (["gerber/board.TXT", "eagle/board.brd"], []),
    ],
)
def test_find_bom_files(tree, expected):
    assert find_bom_files(tree) == expected


# ---------------------------------------------------------------- prices


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$1,234.50", (1234.5, "USD")),
        ("12,50 €", (12.5, "EUR")),
        ("€ 0,47", (0.47, "EUR")),
        ("1.234,56 EUR", (1234.56, "EUR")),
        ("1 234,50 €", (1234.5, "EUR")),
        ("£0.18", (0.18, "GBP")),
        ("CHF 3.20", (3.2, "CHF")),
        ("US$ 5", (5.0, "USD")),
        ("0,016", (0.016, None)),
        ("1,234", (1234.0, None)),
        ("0.5", (0.5, None)),
        ("see link", (None, None)),
        ("", (None, None)),
        ("-", (None, None)),
    ],
)
def test_parse_price(text, expected):
    assert parse_price(text) == expected


# ---------------------------------------------------------------- delimited files

PREAMBLE_CSV = (
    "My robot arm - bill of materials,,,,\n"
    "Revision 3,,,,\n"
    ",,,,\n"
    "Item,Qty,Description,Unit price,Link\n"
    "Electronics,,,,\n"
    "Arduino Nano,1,ATmega328 board,$21.90,https://example.com/nano\n"
    "Resistor 220R,3,1/4W carbon film,$0.10,\n"
    "Mechanical,,,,\n"
    "M3x8 screw,12,DIN 912,\"$1,234.50\",\n"
    ",,,,\n"
    ",,Subtotal,,$1256.70\n"
    "TOTAL,,,,$1256.70\n"
    "All prices are without VAT and shipping costs,,,,\n"
)

SEMICOLON_CSV = (
    "Pos;Menge;Bezeichnung;Hersteller;Preis\n"
    "1;2;Kondensator 100n;Murata;0,12 €\n"
    "2;1;Spannungsregler;TI;1,05 €\n"
    "3;0,7;Kabel rot (m);Lapp;2,30 €\n"
    ";;Summe;;3,47 €\n"
)

TSV_1CLICK = (
    "References\tQty\tDescription\tManufacturer\tMPN\tManufacturer\tMPN\tDigikey\tMouser\n"
    "C1, C2\t2\t100nF ceramic\tKEMET\tC315C104\t\t\t399-4151-ND\t80-C315C104\n"
    "R1\t1\tResistor 1k\tYageo\tMFR-25FBF52-1K\t\t\t\t603-MFR-25FBF52-1K\n"
    "A1\t1\tArduino Nano\t\t\t\t\t\t\n"
)

KICAD_GROUPED = (
    '"Source:","/home/u/proj/board.kicad_sch"\n'
    '"Date:","2024-01-01"\n'
    '"Component Count:","5"\n'
    "\n"
    '"Individual Components:"\n'
    '"Item","Qty","Reference(s)","Value","Footprint"\n'
    '"1","1","C1","100n","C_0603"\n'
    '"2","1","C2","100n","C_0603"\n'
    '"3","1","R1","10k","R_0603"\n'
    "\n"
    '"Collated Components:"\n'
    '"Item","Qty","Reference(s)","Value","Footprint"\n'
    '"1","2","C1 C2","100n","C_0603"\n'
    '"2","1","R1","10k","R_0603"\n'
)

ORPHANS_CSV = (
    "References,Qty,Description,MPN,Digikey\n"
    "U1;,2,Header 15 pin,SSA-115,SAM1122-ND\n"
    "fan;,1,36mm 5V fan,MC36256,\n"
    ",,,,\n"
    ",,,,CP-202AH-ND\n"
)

HEADERLESS_CSV = "C1,100n,2\nR1,10k,1\nU1,ATmega328,1\n"

EAGLE_PARTLIST = (
    "Partlist exported from /home/u/tester.sch at 4/13/2020 4:16 PM\n"
    "\n"
    "Part     Value          Device          Package       Library    Sheet\n"
    "\n"
    "C1       100n           C-EU025-024X044 C025-024X044  rcl        1\n"
    "C2       10u            CPOL-EUE2.5-5   E2,5-5        rcl        1\n"
    "R1       10k            R-EU_0207/10    0207/10       rcl        1\n"
    "U1       ATMEGA328P     ATMEGA328P      DIL28-3       atmel      1\n"
)

MENDEL_TXT = (
    "x_carriage_assembly:\n"
    "Vitamins:\n"
    "  2 M3 cap screw x 16mm\n"
    "  1 15 way D PCB mount plug\n"
    "  4 Washer M3 x 7mm x 0.5mm\n"
    "\n"
    "Printed:\n"
    "  1 x_belt_clamp.stl\n"
    "\n"
    "Sub-assemblies:\n"
    "  1 hot_end_assembly\n"
    "  2 z_motor_assemblies\n"
)

MENDEL_MATRIX_TXT = (
    "Vitamins:\n"
    "          E           \n"
    "          x           \n"
    " B  t     t        Z  \n"
    " e  r  x  r        m  \n"
    "  |  | 3|  |  4 Ball bearing 608\n"
    " 4|  |  |  |  4 M4 cap screw x 16mm\n"
    "\n"
    "Printed:\n"
    "  |  |  | 2|  2 z_coupling.stl\n"
    "\n"
    "Sub-assemblies:\n"
    "  1 bed_fan_assembly\n"
)

COSTED_MD = (
    "# Bill of Materials\n\n"
    "Labour is £9.30/hour.\n\n"
    "## Visor\n\n"
    "* £0.18 - 1 A4 OHP Transparency\n"
    "* £0.08 - 0.5 minutes labour to punch holes in it\n\n"
    "## Frame\n\n"
    "* £0.45 - 14g PETG (or PLA)\n"
    "* 44 minutes print time\n"
    "* £0.26 - 1x [visor](#Visor)\n"
    "  * nested note that is not a part\n\n"
    "£0.87 each in total\n"
)

BULLETS_MD = (
    "#Bill Of Material for V5:\n\n"
    " * 2 threaded rod M8 190mm\n"
    " * 21 Locking nut M8\n"
    " * 12 / 24V LED dimmer with 8A max.\n"
    " * Super glue\n"
)

TABLE_MD = (
    "# Parts\n\n"
    "| Part | Qty | Price | Link |\n"
    "|------|----:|------:|------|\n"
    "| Frame | 1 | $5.00 | [shop](https://example.com/frame) |\n"
    "| **Electronics** | | | |\n"
    "| Visor | 2 | $1.50 | |\n"
    "| Elastic | 4+ | | |\n"
)

KIBOT_CSV = (
    '"Row","Description","Part","References","Value","Footprint","Quantity Per PCB","Status"\n'
    '"1","Unpolarized capacitor","C","C1 C2","100n","C_0805","2",""\n'
    '"2","Resistor","R","R1 R2 R3","10k","R_0805","3",""\n'
    "\n"
    '"Project info:"\n'
    '"Schematic:","board"\n'
    '"Date:","2021-01-01"\n'
    "\n"
    '"Statistics:"\n'
    '"Component count:","5"\n'
    '"Number of PCBs:","1"\n'
)

EAGLE_ULP_CSV = (
    '"Qty";"Value";"Device";"Package";"Parts";"Description";"MF";"MPN";"OC_FARNELL";"OC_NEWARK";\n'
    '"1";"";"PINHD-1X2";"1X02";"JP1";"PIN HEADER";"";"";"unknown";"unknown";\n'
    '"2";"100n";"C-EU0805";"C0805";"C1, C2";"CAPACITOR";"Murata";"GRM21";"1828829";"";\n'
)

POINTER_TXT = "Please find all necessary parts and materials in: PCB/1-click-bom.tsv\n"


@pytest.mark.parametrize(
    ("path", "data", "count", "fmt"),
    [
        ("bom.csv", PREAMBLE_CSV.encode(), 3, "csv"),
        ("stueckliste_bom.csv", SEMICOLON_CSV.encode("utf-8"), 3, "csv"),
        ("1-click-bom.tsv", TSV_1CLICK.encode(), 3, "tsv"),
        ("board.csv", KICAD_GROUPED.encode(), 2, "csv"),
        ("1-click-bom.csv", ORPHANS_CSV.encode(), 2, "csv"),
        ("bom.csv", HEADERLESS_CSV.encode(), 3, "csv"),
        ("tester.txt", EAGLE_PARTLIST.encode(), 4, "eagle-partlist"),
        ("bom/x_carriage_assembly.txt", MENDEL_TXT.encode(), 4, "text-list"),
        ("bom/bom.txt", MENDEL_MATRIX_TXT.encode(), 3, "text-list"),
        ("BillOfMaterials.md", COSTED_MD.encode(), 3, "markdown-list"),
        ("BOM_en.md", BULLETS_MD.encode(), 4, "markdown-list"),
        ("BOM.md", TABLE_MD.encode(), 3, "markdown-table"),
        ("board-bom.csv", KIBOT_CSV.encode(), 2, "csv"),
        ("board_bom.csv", EAGLE_ULP_CSV.encode(), 2, "csv"),
        ("bom.csv", b"Part\nFrame\nVisor\n", 2, "csv"),  # one-column list with a one-word header
        ("bom.csv", b"Part,Qty,Price\nA,2,1.00\nB,3,2.00\nTotal,5,3.00\n", 2, "csv"),  # total row with a qty sum
        ("bom.csv", b"Name,Qty\nX,1\n,Sum: 1\n", 1, "csv"),
    ],
)
def test_parse_bom_counts(path, data, count, fmt):
    res = parse_bom(path, data)
    assert res.error is None, res.error
    assert res.format == fmt
    assert len(res.lines) == count, [(ln.row, ln.part, ln.description) for ln in res.lines]


def test_preamble_csv_fields():
    res = parse_bom("bom.csv", PREAMBLE_CSV.encode())
    nano, resistor, screw = res.lines
    assert (nano.row, nano.part, nano.quantity, nano.unit_price, nano.currency) == (6, "Arduino Nano", 1, 21.9, "USD")
    assert nano.link == "https://example.com/nano"
    assert nano.description == "ATmega328 board"
    assert resistor.quantity == 3
    assert screw.unit_price == 1234.5
    assert any("header found on row 4" in i for i in res.issues)


def test_semicolon_european_numbers():
    res = parse_bom("stueckliste_bom.csv", SEMICOLON_CSV.encode())
    cable = res.lines[2]
    assert cable.quantity == 0.7
    assert (cable.unit_price, cable.currency, cable.manufacturer) == (2.3, "EUR", "Lapp")
    assert summarize([res])["cost"] == {"EUR": round(2 * 0.12 + 1.05 + 0.7 * 2.3, 2)}


def test_one_click_columns():
    res = parse_bom("1-click-bom.tsv", TSV_1CLICK.encode())
    caps = res.lines[0]
    assert caps.designators == ["C1", "C2"]
    assert (caps.manufacturer, caps.mpn) == ("KEMET", "C315C104")
    assert (caps.supplier, caps.supplier_pn) == ("Digikey", "399-4151-ND")
    assert res.lines[1].supplier == "Mouser"


def test_kicad_keeps_collated_block_and_eagle_designators():
    kicad = parse_bom("board.csv", KICAD_GROUPED.encode())
    assert [ln.designators for ln in kicad.lines] == [["C1", "C2"], ["R1"]]
    eagle = parse_bom("tester.txt", EAGLE_PARTLIST.encode())
    assert [ln.designators for ln in eagle.lines] == [["C1"], ["C2"], ["R1"], ["U1"]]
    assert eagle.lines[0].part == "100n"
    assert eagle.lines[0].quantity == 1


def test_text_lists_quantities_and_sections():
    mendel = parse_bom("bom/x_carriage_assembly.txt", MENDEL_TXT.encode())
    assert [(ln.quantity, ln.part) for ln in mendel.lines][:2] == [(2, "M3 cap screw x 16mm"),
                                                                    (1, "15 way D PCB mount plug")]
    bullets = parse_bom("BOM_en.md", BULLETS_MD.encode())
    dimmer = bullets.lines[2]
    assert dimmer.quantity is None and dimmer.part.startswith("12 / 24V")
    costed = parse_bom("BillOfMaterials.md", COSTED_MD.encode())
    assert [(ln.unit_price, ln.currency, ln.quantity) for ln in costed.lines] == [
        (0.18, "GBP", 1), (0.45, "GBP", None), (0.26, "GBP", 1)]


@pytest.mark.parametrize(
    ("data", "encoding_issue"),
    [
        ("Part;Qty;Price\nWiderstand µ;2;0,50 €\nKäfig;1;1,00 €\n".encode("cp1252"), "decoded as cp1252"),
        ("Part;Qty;Price\nWiderstand µ;2;0,50 €\nKäfig;1;1,00 €\n".encode("utf-16"), "decoded as utf-16"),
        ("Part;Qty;Price\nWiderstand µ;2;0,50 €\nKäfig;1;1,00 €\n".encode("utf-8-sig"), None),
    ],
)
def test_encodings(data, encoding_issue):
    res = parse_bom("bom.csv", data)
    assert [ln.part for ln in res.lines] == ["Widerstand µ", "Käfig"]
    assert res.lines[0].unit_price == 0.5 and res.lines[0].currency == "EUR"
    if encoding_issue:
        assert encoding_issue in res.issues
    else:
        assert not any(i.startswith("decoded as") for i in res.issues)


@pytest.mark.parametrize(
    ("path", "data", "reason"),
    [
        ("BOM.txt", POINTER_TXT.encode(), "pointer"),
        ("bom/~$parts.xlsx", b"\x0bJohn Smith" + b"\x00" * 40, "lock"),
        ("bom/parts.xlsx", b"\x00\x01garbage" * 10, "not a spreadsheet"),
        ("bom/parts.ods", b"PK\x03\x04not really a zip", "zip"),
        ("bom.csv", b"", "empty"),
        ("bom.csv", b"a,b\n" * 10, None),
    ],
)
def test_unusable_files_give_errors_not_exceptions(path, data, reason):
    res = parse_bom(path, data)
    assert isinstance(res, BomResult)
    if reason:
        assert res.error and reason in res.error


@pytest.mark.parametrize("ext", ["csv", "tsv", "txt", "md", "html", "xlsx", "xls", "ods"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_garbage_never_raises(ext, seed):
    import random

    rnd = random.Random(seed)
    data = bytes(rnd.randrange(256) for _ in range(3000))
    res = parse_bom(f"bom.{ext}", data)
    assert isinstance(res, BomResult)


def test_size_and_cell_caps():
    assert "too large" in parse_bom("bom.csv", b"x" * 2000, max_bytes=1000).error
    big = ("Part,Qty\n" + "A" * 50_000 + ",1\nB,2\n").encode()
    res = parse_bom("bom.csv", big, max_cell_chars=100)
    assert len(res.lines) == 2 and len(res.lines[0].part) == 100
    assert any("truncated" in i for i in res.issues)
    many = ("Part,Qty\n" + "".join(f"P{i},1\n" for i in range(500))).encode()
    capped = parse_bom("bom.csv", many, max_rows=100)
    assert len(capped.lines) < 100 and any("truncated" in i for i in capped.issues)


def test_eagle_ulp_supplier_columns():
    res = parse_bom("board_bom.csv", EAGLE_ULP_CSV.encode())
    caps = res.lines[1]
    assert (caps.manufacturer, caps.mpn, caps.supplier, caps.supplier_pn) == ("Murata", "GRM21", "Farnell", "1828829")
    assert res.lines[0].supplier_pn is None  # 'unknown' is a placeholder


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("bom.md", b"[" * 300_000),  # would be quadratic for the link regex without the line cap
        ("bom.txt", (b"(" * 50_000 + b"\n") * 20),
        ("bom.csv", b'a,"' + b"x" * 300_000 + b'",1\nb,2\n'),  # over the csv module's default field limit
        ("bom.html", b"<table>" * 20_000),
    ],
)
def test_hostile_text_stays_fast(path, data):
    from conftest import cpu_budget

    with cpu_budget(3):
        res = parse_bom(path, data)
    assert isinstance(res, BomResult)
    if path == "bom.csv":
        assert len(res.lines) == 2


def test_zip_bomb_guard():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"\x00" * 5_000_000)
    res = parse_bom("bom.xlsx", buf.getvalue(), max_unzipped=1_000_000)
    assert res.error and "zip bomb" in res.error


# ---------------------------------------------------------------- spreadsheets built here


def _xlsx_bytes() -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Parts"
    ws.append([None, "Project X parts"])
    ws.append([])
    ws.append([None, "Part", "Number", "Unit price (€)", "Link"])  # header starts in column B
    ws.append([None, "Common"])
    ws.append([None, "TMP36", 1, 1.5, "https://example.com/tmp36"])
    ws.append([None, "Buttons", 3, 0.2, None])
    ws.append([None, "1k resistor", 4, None, None])
    ws.append([None, None, None, 2.1, None])  # subtotal
    ws.append([])
    ws.append([None, "Additionally:"])
    ws.append([None, "Small box"])
    ws.append([None, "Wire"])
    ws.merge_cells("B1:E1")
    second = wb.create_sheet("Sheet2")
    second.append(["Ref", "Qty", "Value"])
    second.append(["C1, C2", 2, "100n"])
    notes = wb.create_sheet("Notes")
    notes.append(["Order everything from one shop to save on shipping costs and time."])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _ods_bytes() -> bytes:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    table = Table(name="BOM")

    def row(*cells, repeat_cols=None):
        tr = TableRow()
        for c in cells:
            if isinstance(c, (int, float)):
                tc = TableCell(valuetype="float", value=c)
                tc.addElement(P(text=str(c).replace(".", ",")))
            else:
                tc = TableCell()
                if c:
                    tc.addElement(P(text=c))
            tr.addElement(tc)
        if repeat_cols:
            tr.addElement(TableCell(numbercolumnsrepeated=repeat_cols))
        table.addElement(tr)

    row("", "", "", "", "Farnell", "")
    row("#", "Qty", "Part name", "Reference designator", "Code", "Unit price €", repeat_cols=1000)
    row(1, 2, "18p", "C10, C12", "2896373", 0.016)
    row(2, 1, "BZX384", "ZD1", "2844814", 0.13)
    row("", "", "Not installed")
    row("", 1, "N.C.", "R25", "", "")
    row("", "", "Display option: RFE43", "", "", "")
    row("", "", "", "", "Total", 0.176)
    row("", "", "", "All prices are net prices (without VAT)")
    doc.spreadsheet.addElement(table)
    buf = io.BytesIO()
    doc.write(buf)
    return buf.getvalue()


def test_xlsx_sections_multisheet_and_loose_items():
    res = parse_bom("PartsList.xlsx", _xlsx_bytes())
    assert res.error is None and res.format == "xlsx"
    parts = [(ln.sheet, ln.part) for ln in res.lines]
    assert parts == [("Parts", "TMP36"), ("Parts", "Buttons"), ("Parts", "1k resistor"), ("Parts", "Small box"),
                     ("Parts", "Wire"), ("Sheet2", "100n")]
    tmp = res.lines[0]
    assert (tmp.row, tmp.quantity, tmp.unit_price, tmp.currency) == (5, 1, 1.5, "EUR")
    assert res.lines[-1].designators == ["C1", "C2"]
    assert any("Notes" in i for i in res.issues)


def test_ods_sections_totals_and_supplier_superheader():
    res = parse_bom("EEZ BOM.ods", _ods_bytes())
    assert res.error is None and res.format == "ods"
    assert [ln.part for ln in res.lines] == ["18p", "BZX384", "N.C."]
    first = res.lines[0]
    assert first.designators == ["C10", "C12"]
    assert (first.supplier, first.supplier_pn, first.unit_price, first.currency) == (
        "Farnell", "2896373", 0.016, "EUR")


# ---------------------------------------------------------------- html / ibom


def _lz_compress_b64(text: str) -> str:
    """LZString.compressToBase64, ported only to build a test fixture."""
    key = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
    out: list[str] = []
    st = {"val": 0, "pos": 0}

    def bit(b: int) -> None:
        st["val"] = (st["val"] << 1) | b
        if st["pos"] == 5:
            st["pos"] = 0
            out.append(key[st["val"]])
            st["val"] = 0
        else:
            st["pos"] += 1

    def bits(value: int, n: int) -> None:
        for _ in range(n):
            bit(value & 1)
            value >>= 1

    dictionary: dict[str, int] = {}
    to_create: set[str] = set()
    w = ""
    enlarge, dict_size, num_bits = 2, 3, 2

    def emit(w: str) -> None:
        nonlocal enlarge, num_bits
        if w in to_create:
            if ord(w[0]) < 256:
                bits(0, num_bits)
                bits(ord(w[0]), 8)
            else:
                bits(1, num_bits)
                bits(ord(w[0]), 16)
            enlarge -= 1
            if enlarge == 0:
                enlarge, num_bits = 2**num_bits, num_bits + 1
            to_create.discard(w)
        else:
            bits(dictionary[w], num_bits)
        enlarge -= 1
        if enlarge == 0:
            enlarge, num_bits = 2**num_bits, num_bits + 1

    for c in text:
        if c not in dictionary:
            dictionary[c] = dict_size
            dict_size += 1
            to_create.add(c)
        wc = w + c
        if wc in dictionary:
            w = wc
        else:
            emit(w)
            dictionary[wc] = dict_size
            dict_size += 1
            w = c
    if w:
        emit(w)
    bits(2, num_bits)
    while True:
        st["val"] <<= 1
        if st["pos"] == 5:
            out.append(key[st["val"]])
            break
        st["pos"] += 1
    res = "".join(out)
    return res + "=" * (-len(res) % 4)


PCBDATA = {
    "bom": {
        "both": [[["C1", 0], ["C2", 1]], [["R1", 2]], [["U1", 3]]],
        "fields": {"0": ["100n", "C_0603"], "1": ["100n", "C_0603"], "2": ["10k", "R_0603"],
                   "3": ["ATmega328P", "TQFP-32"]},
    }
}


@pytest.mark.parametrize(
    "page",
    [
        "<html><script>var pcbdata = " + json.dumps(PCBDATA) + ";\nvar config = {};</script></html>",
        '<html><script>var pcbdata = JSON.parse(LZString.decompressFromBase64("'
        + _lz_compress_b64(json.dumps(PCBDATA)) + '"))</script></html>',
    ],
)
def test_interactive_html_bom(page):
    res = parse_bom("bom/ibom.html", page.encode())
    assert res.error is None and res.format == "ibom"
    assert [(ln.quantity, ln.part, ln.designators) for ln in res.lines] == [
        (2, "100n", ["C1", "C2"]), (1, "10k", ["R1"]), (1, "ATmega328P", ["U1"])]


def test_html_table_bom():
    page = ("<html><body><h1>BOM</h1><table><tr><th>Qty</th><th>Part</th><th>Link</th></tr>"
            "<tr><td>2</td><td>Motor</td><td><a href='https://example.com/m'>buy</a></td></tr>"
            "<tr><td>1</td><td>Frame</td><td></td></tr></table></body></html>")
    res = parse_bom("kibot_bom.html", page.encode())
    assert [(ln.quantity, ln.part, ln.link) for ln in res.lines] == [
        (2, "Motor", "https://example.com/m"), (1, "Frame", None)]


# ---------------------------------------------------------------- READMEs


README = """# Face shield

| Component  | Temperature |
|:----------:|:-----------:|
| Build platform  | 105°C  |

### Bill of Materials

| Item | Qty | Comments |
|---|---|---|
| Frame | 1 | Laser cut or 3D printed |
| Visor | 1 | Laser or die cut |
| Elastic | 4+ | Size 33 |

```
| not | a | table |
|-----|---|-------|
| 1   | 2 | 3     |
```

# Materials
1. CPAP blower from a used machine.
  * Alternative: a 12v inflator pump
2. [Arduino Nano](https://example.com/nano) to control the motor.
3. 12v DC power supply.

# Required hardware
- Arduino Nano
- Beeper
"""


@pytest.mark.parametrize(
    ("markdown", "counts"),
    [
        (README, [3, 3]),
        ("# Intro\n\n| Milestone | Date |\n|---|---|\n| Paper | 2025 |\n", []),
        ("## BOM\n\n- [Full BOM spreadsheet](https://docs.example.com/sheet)\n", []),
        ("## Parts list\n\n| Part | Price | Link |\n|---|---|---|\n| Pump | $20 | https://x.org/p |\n", [1]),
    ],
)
def test_readme_bom_tables(markdown, counts):
    results = readme_bom_tables(markdown)
    assert [len(r.lines) for r in results] == counts
    assert all(r.path == "README.md" and r.error is None for r in results)


def test_readme_list_items_keep_links_and_quantities():
    lst = readme_bom_tables(README)[1]
    assert lst.format == "readme-list"
    assert lst.lines[1].link == "https://example.com/nano"
    table = readme_bom_tables(README)[0]
    assert [ln.quantity for ln in table.lines] == [1, 1, 4]


def test_summarize():
    lines = parse_bom("bom.csv", PREAMBLE_CSV.encode())
    bad = parse_bom("BOM.txt", POINTER_TXT.encode())
    s = summarize([lines, bad])
    assert s["files"] == 1 and s["errors"] == 1 and s["lines"] == 3
    assert s["cost"] == {"USD": round(21.9 + 3 * 0.10 + 12 * 1234.5, 2)}


# ---------------------------------------------------------------- fast paths keep the general answers


@pytest.mark.parametrize("text", ["R12", "C1", "AB_12", "U3a", "R-1", "R1-R4", "R1to3", "R1\n", "R1.", "na", "R*"])
def test_split_designators_lone_designator_fast_path(text):
    from registry.normalize._bom_util import split_designators

    general = [t for t in (tok.strip().strip(".") for tok in text.replace("\n", " ").split()) if t]
    got = split_designators(text)
    if text in ("R1-R4",):
        assert got == ["R1", "R2", "R3", "R4"]
    elif text == "R1to3":
        assert got == ["R1", "R2", "R3"]
    elif text == "na":
        assert got == []
    else:
        assert got == general
    assert split_designators(text, 0) == []
    got.append("X")  # each call hands back its own list
    assert "X" not in split_designators(text)


def test_cell_parsers_remembered_and_long_cells_still_parsed():
    from registry.normalize._bom_util import parse_price, parse_quantity

    assert parse_quantity("4") == parse_quantity("4") == 4.0
    assert parse_quantity("0,7") == 0.7 and parse_quantity("0,7", False) == 7.0
    assert parse_price("12,50 €") == (12.5, "EUR") and parse_price("12,50 €", False) == (1250.0, "EUR")
    long_cell = " " * 300 + "3"  # past the remembered length: parsed each time, same answer
    assert parse_quantity(long_cell) == 3.0 and parse_price(long_cell) == (3.0, None)


def test_clean_and_first_url_edges():
    from registry.normalize._bom_util import clean, first_url, to_number

    assert clean("a\u00a0 b\u2003\tc\x1c") == "a b c"  # every \s character collapses, as before
    assert clean(" \u3000 ") is None and clean(" N/A ") is None
    assert first_url("see HTTPS://x.org/a).") == "HTTPS://x.org/a" and first_url("www.x.org") is None
    assert to_number("٣") == 3.0 and to_number("007") == 7.0 and to_number("²") is None


def test_header_found_past_wide_preamble_and_numeric_rows():
    from registry.normalize._bom_table import find_header

    rows = [["Project", "Rev", "Date", "Owner", "x", "y", "z", "w"], ["1", "2"],
            ["Qty", "Ref", "Value"], ["Qty", "Ref", "Value", "MPN", "Manufacturer"],
            ["2", "R1", "10k", "RC0603", "Yageo"]]
    found = find_header(rows)
    assert found is not None and found[0] == 3
    assert find_header([["٣", "Qty", "Part"]]) is None  # Arabic-Indic digit is a number: score 2 - 1
