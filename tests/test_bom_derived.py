"""A crawl reads KiCad schematics where a repository publishes no BOM, stores the derived BOM with its origin,
and the curated queries count it like any other; README licence alternatives reach the registry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import rows, write_config
from fakegithub import FakeGitHub, FakeRepo

FIX = Path(__file__).parent / "fixtures" / "bom"
TAPR = b"The TAPR Open Hardware License\nVersion 1.0 (May 25, 2007)\nPREAMBLE\n"

LIST = b"""# Boards

## Sensor boards

* [SensorBoard](https://github.com/Kic/SensorBoard): a sensor board in KiCad, no BOM file.
* [PublishedBoard](https://github.com/Kic/PublishedBoard): a board with a BOM file.
* [OldBoard](https://github.com/Kic/OldBoard): a KiCad 5 board.
"""

PUBLISHED_BOM = b"Qty,Part,MPN,Unit price\n2,10k resistor,RC0603FR-0710KL,$0.10\n1,ESP32 module,ESP32-WROOM-32,$4.00\n"


def _world() -> list[FakeRepo]:
    sch = {f"hw/{n}": (FIX / n).read_bytes() for n in ("board.kicad_sch", "power.kicad_sch")}
    return [
        FakeRepo("Lists/boards", {"README.md": LIST}),
        FakeRepo("Kic/SensorBoard", {
            "README.md": b"# SensorBoard\n\n## License\n\nWe present our work under the TAPR OHL or GPLv3 licenses.\n",
            "LICENSE": TAPR, **sch, "hw/board.kicad_pro": b"{}", "fw/main.c": b"int main(void) { return 0; }\n"},
            pushed_at="2024-01-01T00:00:00Z"),
        FakeRepo("Kic/PublishedBoard", {"README.md": b"# PublishedBoard\n", "bom/board_bom.csv": PUBLISHED_BOM,
                                        **sch}, pushed_at="2024-01-01T00:00:00Z"),
        FakeRepo("Kic/OldBoard", {"README.md": b"# OldBoard\n",
                                  "pcb/legacy.sch": (FIX / "legacy.sch").read_bytes(),
                                  "pcb/input.sch": (FIX / "input.sch").read_bytes(), "pcb/legacy.pro": b"",
                                  "eagle/shield.sch": b'<?xml version="1.0"?><eagle version="9.6.2"></eagle>'},
                 pushed_at="2024-01-01T00:00:00Z"),
    ]


SOURCES = """[[sources]]
name = "boards"
kind = "github-list"
repo = "Lists/boards"
path = "README.md"
"""


@pytest.fixture
def crawled_boards(tmp_path, run_ohr, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", "test-token-not-secret")
    with FakeGitHub(_world()) as gh:
        cfg = write_config(tmp_path, gh.url, SOURCES)
        r = run_ohr("crawl", "--config", str(cfg))
        assert r.code == 0, r.out + r.err
        yield cfg, tmp_path / "registry.duckdb"


def _pid(db: Path, full_name: str) -> str:
    return rows(db, "SELECT id FROM projects WHERE repo_full_name = ?", [full_name])[0][0]


def test_schematics_fetched_only_where_no_bom_file_and_their_bom_stored_as_derived(crawled_boards):
    _, db = crawled_boards
    sensor, published, old = (_pid(db, n) for n in ("Kic/SensorBoard", "Kic/PublishedBoard", "Kic/OldBoard"))
    fetched = {pid: sorted(p for (p,) in rows(db, "SELECT path FROM documents WHERE project_id = ? AND "
                                                 "doc_kind = 'file'", [pid])) for pid in (sensor, published, old)}
    assert fetched[sensor] == ["LICENSE", "hw/board.kicad_sch", "hw/power.kicad_sch"]
    assert fetched[published] == ["bom/board_bom.csv"]  # a published BOM wins: its schematics are not fetched
    assert fetched[old] == ["pcb/input.sch", "pcb/legacy.sch"]  # eagle/shield.sch has no KiCad project beside it
    files = rows(db, "SELECT project_id, path, format, line_count, origin, error FROM bom_files ORDER BY 1, 2")
    assert files == sorted([
        (sensor, "hw/board.kicad_sch", "kicad_sch", 4, "derived from schematic", None),
        (published, "bom/board_bom.csv", "csv", 2, "published", None),
        (old, "pcb/legacy.sch", "kicad-legacy-sch", 3, "derived from schematic", None),
    ])
    lines = rows(db, "SELECT quantity, designators, part, footprint, mpn FROM bom_lines WHERE project_id = ? "
                     "ORDER BY row", [sensor])
    assert lines == [
        (1.0, ["C1"], "100n", "Capacitor_SMD:C_0603_1608Metric", None),
        (2.0, ["R1", "R2"], "10k", "Resistor_SMD:R_0603_1608Metric", "RC0603FR-0710KL"),
        (1.0, ["R4"], "4k7", "Resistor_SMD:R_0603_1608Metric", None),
        (1.0, ["U1"], "ATmega328P-AU", "Package_QFP:TQFP-32_7x7mm_P0.8mm", None),
    ]
    assert rows(db, "SELECT bom_files, bom_lines FROM v_projects WHERE id = ?", [sensor]) == [(1, 4)]


def test_readme_alternative_beside_its_licence_file_reaches_the_registry(crawled_boards):
    _, db = crawled_boards
    got = rows(db, "SELECT scope, expression, evidence FROM licences WHERE project_id = ? ORDER BY scope",
               [_pid(db, "Kic/SensorBoard")])
    assert [(s, e) for s, e, _ in got] == [(s, "TAPR-OHL-1.0 OR GPL-3.0-only")
                                           for s in ("documentation", "hardware", "software")]
    assert got[1][2] == ('LICENSE: "The TAPR Open Hardware License Version 1.0"; '
                         'README: "We present our work under the TAPR OHL or GPLv3 licenses."')


def test_shared_parts_and_cost_rollup_count_derived_boms_like_any_other(crawled_boards, run_ohr):
    _, db = crawled_boards

    def q(name: str, *params: str) -> list[dict]:
        args = ["query", name, "--db", str(db), "--format", "json"]
        for p in params:
            args += ["--param", p]
        r = run_ohr(*args)
        assert r.code == 0, r.err
        return json.loads(r.out)

    shared = q("shared_parts")
    assert [(r["part"], r["mpn"], r["designs"], r["total_quantity"]) for r in shared] == [
        ("10k", "RC0603FR-0710KL", 3, 6.0),  # derived from two designs' schematics, and one published BOM
        ("100n", None, 2, 3.0),  # only in schematics (C1 of SensorBoard; C1, C2 of OldBoard)
    ]
    cost = q("bom_cost")
    assert [(r["currency"], r["priced"], r["median"]) for r in cost] == [("USD", "1 of 3", 4.2)]


def test_renormalize_gives_the_same_bom_rows(crawled_boards, run_ohr):
    cfg, db = crawled_boards
    sql = "SELECT * FROM bom_files ORDER BY project_id, path"
    before = rows(db, sql)
    r = run_ohr("renormalize", "--config", str(cfg))
    assert r.code == 0, r.err
    assert rows(db, sql) == before


def test_show_tells_a_derived_bom_from_a_published_one(crawled_boards, run_ohr):
    cfg, _ = crawled_boards
    got = {}
    for name in ("Kic/SensorBoard", "Kic/PublishedBoard"):
        r = run_ohr("show", name.lower(), "--config", str(cfg), "--format", "json")
        assert r.code == 0, r.err
        got[name] = [(b["path"], b["origin"], b["line_count"]) for b in json.loads(r.out)["boms"]]
    assert got == {"Kic/SensorBoard": [("hw/board.kicad_sch", "derived from schematic", 4)],
                   "Kic/PublishedBoard": [("bom/board_bom.csv", "published", 2)]}


def test_okh_export_points_only_at_a_published_bom(crawled_boards, run_ohr):
    import yaml

    _, db = crawled_boards
    r = run_ohr("export", "--format", "okh", "--db", str(db))
    assert r.code == 0, r.err
    boms = {d["title"]: d.get("bom") for d in yaml.safe_load_all(r.out) if d}
    assert boms["PublishedBoard"] == "https://github.com/Kic/PublishedBoard/blob/main/bom/board_bom.csv"
    assert boms["SensorBoard"] is None  # a schematic is not a bill of materials to link to
