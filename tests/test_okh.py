"""Table-driven tests for the OKH manifest reader: detection, lenient parsing of drifted files, hostile input."""

from __future__ import annotations

import json

import pytest
from conftest import cpu_budget
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.normalize.okh import Manifest, is_manifest_path, normalize_odrl, normalize_otrl, parse_manifest


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("okh.yml", True),
        ("okh.yaml", True),
        ("okh.toml", True),
        ("okh.json", True),
        ("OKH.YML", True),
        ("okh-flypi.yml", True),
        ("ventmon-okh.yml", True),          # name does not start with okh
        ("okhv1-manifest.yaml", True),
        (".okh.yml", True),
        ("alpha/okh/okh-chair.yml", True),
        ("beta/okh/bread.yml", True),       # no okh in the name, but in an okh folder
        ("docs/OKH/microscope.yaml", True),
        ("lookhere.yml", False),            # 'okh' inside a word
        ("okh.md", False),
        ("okh.yml.bak", False),
        ("stable/okh/.placeholder", False),
        ("alpha/okw/ChairParts.okw.yml", False),
        (".github/workflows/okh.yml", False),
        ("validation/okh.yaml", False),     # a schema folder
        ("okh-schema.json", False),
        ("sample_data/okh-TEMPLATE.toml", False),
        ("tests/fixtures/okh.yml", False),
        ("README.md", False),
    ],
)
def test_is_manifest_path(path: str, expected: bool) -> None:
    assert is_manifest_path(path) is expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("OTRL-4", "OTRL-4"), ("otrl4", "OTRL-4"), ("https://w3id.org/oseg/ont/otrl#OTRL6", "OTRL-6"),
     ("OTRL-7", None), ("TRL-4", None), ("", None)],
)
def test_normalize_otrl(raw: str, expected: str | None) -> None:
    assert normalize_otrl(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("ODRL-3*", "ODRL-3*"), ("ODRL3Star", "ODRL-3*"), ("odrl-2", "ODRL-2"), ("ODRL-2*", "ODRL-2"),
     ("ODRL-5", None), ("x", None)],
)
def test_normalize_odrl(raw: str, expected: str | None) -> None:
    assert normalize_odrl(raw) == expected


CLEAN_V1 = """\
title: Tiny Scope
description: A small microscope.
project-link: https://example.org/tiny
version: 1.10
development-stage: prototype
made: true
made-independently: false
license:
  hardware: CERN-OHL-S-2.0
  documentation: CC-BY-4.0
  software: GPL-3.0-or-later
licensor:
  name: Ada Maker
  affiliation: Somewhere Lab
bom: docs/bom.csv
derivative-of:
  title: Big Scope
  web: https://example.org/big
date-created: 2020-01-02
"""

LOSH = """\
okhv = "OKH-LOSHv1.0"
name = "Clamp"
repo = "https://example.org/clamp"
version = "0.2.0"
license = "CERN-OHL-S-2.0"
licensor = "Bob"
function = "Holds things."
technology-readiness-level = "OTRL-4"
documentation-readiness-level = "ODRL-3*"
bom = "bom.csv"
attestation = "https://certification.oshwa.org/de000001.html"

[[part]]
name = "jaw"
source = "jaw.scad"
"""

# (case id, path, text, expected attributes, issue substrings that must appear)
PARSE_CASES = [
    ("clean v1", "okh.yml", CLEAN_V1,
     {"format": "okh-v1", "title": "Tiny Scope", "description": "A small microscope.", "version": "1.10",
      "licence": {"hardware": "CERN-OHL-S-2.0", "documentation": "CC-BY-4.0", "software": "GPL-3.0-or-later"},
      "licensor": "Ada Maker", "development_stage": "prototype", "made": True, "made_independently": False,
      "bom": "docs/bom.csv", "project_link": "https://example.org/tiny", "derivative_of": "https://example.org/big",
      "error": None},
     []),
    ("losh toml", "okh.toml", LOSH,
     {"format": "okh-losh", "title": "Clamp", "description": "Holds things.", "version": "0.2.0",
      "licence": {"hardware": "CERN-OHL-S-2.0"}, "licensor": "Bob", "otrl": "OTRL-4", "odrl": "ODRL-3*",
      "bom": "bom.csv", "project_link": "https://example.org/clamp", "okh_version": "OKH-LOSHv1.0",
      "attestation": "https://certification.oshwa.org/de000001.html", "error": None},
     []),
    ("losh uri levels", "okh-clamp.toml",
     'name = "C"\nrepo = "r"\nlicense = "MIT"\ntechnology-readiness-level = "https://w3id.org/oseg/ont/otrl#OTRL2"\n'
     'documentation-readiness-level = "ODRL3Star"\n',
     {"otrl": "OTRL-2", "odrl": "ODRL-3*"}, ["read as OTRL-2", "read as ODRL-3*"]),
    ("losh bad level", "okh.toml", 'name = "C"\nrepo = "r"\nlicense = "MIT"\ntechnology-readiness-level = "high"\n',
     {"otrl": None}, ["not a recognised level"]),
    ("licence bare string", "okh.yml", "title: T\nproject-link: x\nlicense: CERN-OHL-S-2.0\n",
     {"licence": {"hardware": "CERN-OHL-S-2.0"}}, ["bare value"]),
    ("licence swapped", "okh.yml",
     "title: T\nproject-link: x\nlicense:\n  hardware: CERN-OHL-1.2\n  documentation: GPL-2.0-or-later\n"
     "  software: CC-BY-SA-4.0\n",
     {"licence": {"hardware": "CERN-OHL-1.2", "documentation": "GPL-2.0-or-later", "software": "CC-BY-SA-4.0"}},
     ["look swapped"]),
    ("licence prose and empty scope", "okh.yml",
     "title: T\nproject-link: x\nlicense:\n  software: No licence information on the website\n  hardware:\n",
     {"licence": {"software": "No licence information on the website"}},
     ["not an SPDX expression", "license.hardware is empty"]),
    ("licence british key and synonyms", "okh.yml",
     "title: T\nproject-link: x\nlicence:\n  hw: TAPR-OHL-1.0\n  docs: CC0-1.0\n  firmware: [MIT, Apache-2.0]\n",
     {"licence": {"hardware": "TAPR-OHL-1.0", "documentation": "CC0-1.0", "software": "MIT AND Apache-2.0"}},
     ["instead of 'license'", "read as hardware", "is a list; joined with AND"]),
    ("licence list of mappings", "okh.yml",
     "title: T\nproject-link: x\nlicense:\n  - hardware: CERN-OHL-P-2.0\n  - documentation: CC-BY-4.0\n",
     {"licence": {"hardware": "CERN-OHL-P-2.0", "documentation": "CC-BY-4.0"}}, ["list of mappings"]),
    ("lists where scalars expected", "okh.yml",
     "title: [Thing, Thing v2]\nproject-link: x\nlicense: {hardware: MIT}\ndevelopment-stage: [value]\n",
     {"title": "Thing; Thing v2", "development_stage": None},
     ["title is a list", "development-stage is a list", "template placeholder"]),
    ("licensor is a licence", "okh.yml",
     "title: T\nproject-link: x\nlicense: {hardware: MIT}\nlicensor:\n  name: Creative Commons Attribution 4.0\n",
     {"licensor": "Creative Commons Attribution 4.0"}, ["licensor looks like a licence"]),
    ("licensor without name", "okh.yml",
     "title: T\nproject-link: x\nlicense: {hardware: MIT}\nlicensor:\n  affiliation: Helpful\n",
     {"licensor": "Helpful"}, ["affiliation is used"]),
    ("inline bom", "okh.yml",
     "title: Cookies\nproject-link: x\nlicense: {hardware: MIT}\nbom: flour, sugar, butter, 2 eggs\n",
     {"bom": None, "bom_inline": "flour, sugar, butter, 2 eggs"}, ["inline parts list"]),
    ("bom url kept", "okh.yml", "title: T\nproject-link: x\nlicense: {hardware: MIT}\nbom: https://e.org/a%20b.csv\n",
     {"bom": "https://e.org/a%20b.csv", "bom_inline": None}, []),
    ("yes/no flags", "okh.yml", "title: T\nproject-link: x\nlicense: {hardware: MIT}\nmade: 'yes'\n"
     "made-independently: maybe\n", {"made": True, "made_independently": None},
     ["made is 'yes'", "not a boolean"]),
    ("odd key spelling", "okh.yml", "Title: T\nproject_link: x\nlicense: {hardware: MIT}\n",
     {"title": "T", "project_link": "x"}, ["'Title' written instead of 'title'"]),
    ("extra keys and missing required", "okh.yml", "description: d\nbom-atoms: []\nlicense: {hardware: MIT}\n",
     {"title": None}, ["missing required field title", "project-link and documentation-home",
                       "outside the OKH v1 spec: bom-atoms"]),
    ("v1 fields in toml", "okh.toml", 'title = "T"\nproject-link = "x"\n[license]\nhardware = "MIT"\n',
     {"format": "okh-v1", "licence": {"hardware": "MIT"}}, ["OKH v1 fields in a .toml file"]),
    ("json manifest", "okh.json", json.dumps({"title": "J", "project-link": "x", "license": {"software": "MIT"}}),
     {"format": "okh-v1", "title": "J", "licence": {"software": "MIT"}}, []),
    ("two yaml documents", "okh.yml", "title: A\nproject-link: x\nlicense: MIT\n---\ntitle: B\n",
     {"title": "A"}, ["2 YAML documents"]),
    ("yaml merge key within limits", "okh.yml",
     "base: &b {hardware: MIT}\nlicense:\n  <<: *b\n  software: GPL-3.0-only\ntitle: M\nproject-link: x\n",
     {"licence": {"hardware": "MIT", "software": "GPL-3.0-only"}}, []),
    ("boolean title", "okh.yml", "title: yes\nproject-link: x\nlicense: MIT\n", {"title": "true"},
     ["title is a boolean"]),
    ("latin-1 bytes", "okh.yml", None, {"title": "Caf\u00e9"}, ["not valid UTF-8"]),
]


@pytest.mark.parametrize(("case", "path", "text", "expected", "issues"), PARSE_CASES, ids=[c[0] for c in PARSE_CASES])
def test_parse_manifest(case: str, path: str, text: str | None, expected: dict, issues: list[str]) -> None:
    data = text.encode() if text is not None else b"title: Caf\xe9\nproject-link: x\nlicense: MIT\n"
    m = parse_manifest(path, data)
    assert m.error is None, m.error
    for attr, value in expected.items():
        assert getattr(m, attr) == value, (attr, getattr(m, attr), m.issues)
    for needle in issues:
        assert any(needle in i for i in m.issues), (needle, m.issues)
    assert len(m.issues) == len(set(m.issues))


def _billion_laughs(levels: int = 9, width: int = 9) -> str:
    lines = ['l0: &a0 ["lol"]']
    for i in range(1, levels + 1):
        refs = ", ".join([f"*a{i - 1}"] * width)
        lines.append(f"l{i}: &a{i} [{refs}]")
    return "\n".join(lines) + "\ntitle: boom\n"


MANY_ALIASES = "a: &a x\nlist:\n" + "".join("  - *a\n" for _ in range(1500)) + "title: t\n"

# (case id, path, bytes, error substring)
ERROR_CASES = [
    ("billion laughs", "okh.yml", _billion_laughs().encode(), "alias expansion"),
    ("too many aliases", "okh.yml", MANY_ALIASES.encode(), "aliases"),
    ("recursive alias", "okh.yml", b"a: &x [*x]\ntitle: t\n", "recursive"),
    ("deep yaml flow", "okh.yml", b"title: " + b"[" * 3000 + b"]" * 3000, "deeper than"),
    ("deep yaml block", "okh.yml", "".join("  " * i + f"k{i}:\n" for i in range(60)).encode(), "deeper than"),
    ("deep toml", "okh.toml", b"a = " + b"[" * 50000 + b"]" * 50000, "deeper than"),
    ("deep json", "okh.json", b"[" * 50000 + b"]" * 50000, "deeper than"),
    ("huge flat yaml list", "okh.yml", b"title: t\nl: [" + b",".join([b"1"] * 100_000) + b"]\n", "more than 20000"),
    ("huge flat toml list", "okh.toml", b'name = "t"\nl = [' + b",".join([b"1"] * 100_000) + b"]\n", "more than"),
    ("malformed toml", "okh.toml", b'name = "x"\nlicense = [[[\n', "malformed TOML"),
    ("toml duplicate key", "okh.toml", b'name = "x"\nname = "y"\n', "malformed TOML"),
    ("malformed yaml", "okh.yml", b"title: a\n  b: c: d\n", "malformed YAML"),
    ("malformed json", "okh.json", b'{"title": ', "malformed JSON"),
    ("python tag refused", "okh.yml", b"!!python/object/apply:os.system ['true']\n", "malformed YAML"),
    ("unhashable key", "okh.yml", b"? [a, b]\n: c\n", "malformed YAML"),
    ("over size cap", "okh.yml", b"title: " + b"x" * 2_000_000, "cap"),
    ("binary", "okh.yml", b"\x00\x01\x02title", "binary"),
    ("top-level list", "okh.yml", b"- a\n- b\n", "not a mapping"),
    ("empty", "okh.yml", b"", "not a mapping"),
    ("json schema", "okh.json", json.dumps({"$schema": "x", "type": "object", "properties": {}}).encode(), "schema"),
    ("no okh fields", "okh.yml", b"foo: 1\nbar: 2\n", "no OKH fields"),
]


@pytest.mark.parametrize(("case", "path", "data", "error"), ERROR_CASES, ids=[c[0] for c in ERROR_CASES])
def test_parse_manifest_errors(case: str, path: str, data: bytes, error: str) -> None:
    with cpu_budget(2.0):
        m = parse_manifest(path, data)
    assert isinstance(m, Manifest)
    assert m.error is not None and error in m.error, m.error
    assert m.title is None and m.licence == {}
    if m.error.startswith(("refused", "malformed")):
        assert m.raw == {}


@pytest.mark.parametrize(
    ("licence", "flagged"),
    [("CERN-OHL-S-2.0", False), ("MIT", False), ("CERN-OHL-S-2.0 OR MIT", False),
     ("(GPL-3.0-or-later WITH GCC-exception-3.1)", False), ("LicenseRef-Custom-1", False),
     ("GPL", True), ("CERN", True), ("CC BY SA", True), ("see LICENSE file", True), ("MIT OR", True)],
)
def test_licence_shape_issue(licence: str, flagged: bool) -> None:
    m = parse_manifest("okh.yml", f"title: T\nproject-link: x\nlicense:\n  hardware: {licence}\n".encode())
    assert m.licence == {"hardware": licence}
    assert any("not an SPDX expression" in i for i in m.issues) is flagged


def test_clean_manifests_have_no_issues() -> None:
    assert parse_manifest("okh.yml", CLEAN_V1.encode()).issues == []
    assert parse_manifest("okh.toml", LOSH.encode()).issues == []


def test_reference_as_plain_text_is_noted() -> None:
    m = parse_manifest("okh.yml", b"title: T\nproject-link: x\nlicense: MIT\nvariant-of: Other Thing\n")
    assert m.variant_of == "Other Thing"
    assert any("variant-of is plain text" in i for i in m.issues)


def test_size_cap_is_configurable() -> None:
    data = b"title: t\nproject-link: x\nlicense: MIT\n"
    assert parse_manifest("okh.yml", data, max_bytes=10).error is not None
    assert parse_manifest("okh.yml", data, max_bytes=len(data)).error is None


def test_small_alias_use_is_allowed() -> None:
    m = parse_manifest("okh.yml", _billion_laughs(levels=2, width=3).encode())
    assert m.error is None
    assert m.raw["l2"] == [[["lol"]] * 3] * 3


def test_raw_keeps_numbers_and_dates_as_text() -> None:
    m = parse_manifest("okh.yml", CLEAN_V1.encode())
    assert m.raw["version"] == "1.10"
    assert m.raw["date-created"] == "2020-01-02"
    json.dumps(m.raw)  # storable as-is


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=300), st.sampled_from(["okh.yml", "okh.toml", "okh.json"]))
def test_parse_manifest_never_raises_on_bytes(data: bytes, path: str) -> None:
    m = parse_manifest(path, data)
    assert isinstance(m, Manifest)
    assert m.error is not None or m.raw   # success always comes with the parsed mapping


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet="[]{}:&*!-,\n abc'\"#|>", max_size=200))
def test_parse_manifest_never_raises_on_yaml_syntax_soup(text: str) -> None:
    assert isinstance(parse_manifest("okh.yml", text.encode()), Manifest)
