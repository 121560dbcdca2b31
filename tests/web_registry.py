"""A small registry for the web tests and docs screenshots: registry_factory's designs plus README pictures,
licence and maturity evidence, and one project whose every crawled text is an XSS payload."""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

from registry_factory import T0, add_project, designs

from registry.db import writer
from registry.search import refresh_search
from registry.store import insert

HOSTILE = "github.com/evil/xss"
OPENVENT = "github.com/a/openvent"
#: Payloads that would run or navigate if any crawled text reached the page unescaped.
SCRIPT = "<script>window.__pwned = 1</script>"
IMG = "<img src=x onerror=\"window.__pwned = 2\">"
JS_URL = "javascript:window.__pwned=3"


def png(width: int = 8, height: int = 6, rgb: tuple[int, int, int] = (40, 120, 200)) -> bytes:
    """A tiny solid-colour PNG (what a README picture server returns)."""
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def build(path: Path, image_base: str = "https://example.org/img", hostile: bool = True) -> Path:
    """The registry at `path`; README pictures point under `image_base` (a loopback server in tests); without
    `hostile`, no XSS project (for the docs' screenshots)."""
    designs(path)
    with writer(path) as con:
        if hostile:
            _add_hostile(con)
        _add_rest(con, image_base)
        refresh_search(con)
    return path


def _add_hostile(con: object) -> None:
    add_project(con, HOSTILE, f"{SCRIPT}{IMG}Evil ventilator", "Ventilators <b onmouseover=alert(1)>",
                f"\"><svg onload=alert(1)> {JS_URL} {SCRIPT}", stars=1, maturity="concept",
                licences={"hardware": ("MIT", "open", "permissive")},
                bom=[{"quantity": 1, "part": SCRIPT, "link": JS_URL, "description": IMG}],
                heading=["Ventilators", f"{IMG}heading"])
    con.execute("UPDATE projects SET homepage = ? WHERE id = ?", [JS_URL, HOSTILE])
    insert(con, "project_urls", [{"url": JS_URL, "project_id": HOSTILE, "url_kind": "web", "first_seen": T0,
                              "last_seen": T0}])
    con.execute("UPDATE source_records SET description = ? WHERE project_id = ?",
                [f"<iframe src=\"{JS_URL}\"></iframe>{SCRIPT}", HOSTILE])
    con.execute("UPDATE licences SET evidence = ? WHERE project_id = ?", [f"LICENSE: \"{SCRIPT}\"", HOSTILE])
    con.execute("UPDATE repos SET readme = ?, readme_path = 'README.md' WHERE project_id = ?",
                [f"# Evil\n![x]({JS_URL})\n<img src=\"{JS_URL}\">\n{SCRIPT}\n", HOSTILE])


def _add_rest(con: object, image_base: str) -> None:
    add_project(con, "github.com/g/lungfan", "LungFan", "Ventilators",
                "A bag-valve ventilator driven by a fan motor.",
                stars=42, maturity="prototype", position=7,
                licences={"hardware": ("CERN-OHL-W-2.0", "open", "weak")},
                bom=[{"quantity": 1, "part": "Fan motor", "unit_price": 12.5, "currency": "EUR"},
                     {"quantity": 2, "part": "Ambu bag clamp"}], cost={"EUR": 12.5})
    readme = ("# OpenVent\n[![build](https://img.shields.io/badge/build-passing-green.svg)](https://ci.example)\n"
              f"An open source ventilator.\n\n![the assembled ventilator]({image_base}/openvent.png)\n")
    con.execute("UPDATE repos SET readme = ?, readme_path = 'README.md' WHERE project_id = ?", [readme, OPENVENT])
    con.execute("UPDATE repos SET readme = ? WHERE project_id = 'github.com/b/maskmaker'",
                [f"# MaskMaker\n<p align=center><img width=300 src='{image_base}/maskmaker.png'></p>\n"])
    con.execute("UPDATE repos SET readme = ? WHERE project_id = 'github.com/g/lungfan'",
                [f"# LungFan\n![LungFan on the bench]({image_base}/lungfan.png)\n"])
    con.execute("UPDATE licences SET evidence = ? WHERE project_id = ?",
                ["LICENSE: \"CERN Open Hardware Licence Version 2 - Strongly Reciprocal\"", OPENVENT])
    con.execute("UPDATE maturity SET declared = 'tested', declared_evidence = ?, derived = 'prototype', "
                "derived_evidence = ? WHERE project_id = ?",
                [json.dumps({"value": "tested", "phrase": "development-stage: tested", "source": "okh:okh.yml"}),
                 json.dumps([{"value": "prototype", "phrase": "our second prototype", "source": "readme"}]),
                 OPENVENT])
