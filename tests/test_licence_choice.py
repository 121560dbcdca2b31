"""README licence statements that offer alternatives or split a project by part, read beside its licence files."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from registry.normalize.licence import resolve
from registry.normalize.licence.choice import choices, is_choice_phrase

# Short synthetic licence texts: the distinctive opening lines, not whole copies.
TAPR = ("The TAPR Open Hardware License\nVersion 1.0 (May 25, 2007)\nPREAMBLE\nOpen Hardware is a thing - a physical "
        "artifact, either electrical or mechanical - whose design information is available to, and usable by,\n"
        "the public in a way that allows anyone to make, modify, distribute, and use that thing.\n")
GPL3 = ("                    GNU GENERAL PUBLIC LICENSE\n                       Version 3, 29 June 2007\n\n"
        " Copyright (C) 2007 Free Software Foundation, Inc. <https://fsf.org/>\n\n"
        "                            Preamble\n\n"
        "  The GNU General Public License is a free, copyleft license for\nsoftware and other kinds of works.\n")
MIT = ("MIT License\n\nCopyright (c) 2020 Somebody\n\nPermission is hereby granted, free of charge, to any person "
       "obtaining a copy\nof this software and associated documentation files (the \"Software\"), to deal\nin the "
       "Software without restriction.\n\nThe above copyright notice and this permission notice shall be included in "
       "all\ncopies or substantial portions of the Software.\n")
APACHE = ("                                 Apache License\n                           Version 2.0, January 2004\n"
          "                        http://www.apache.org/licenses/\n\n"
          "   TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION\n")

ALL = ["README.md", "hw/board.kicad_sch", "docs/assembly.md", "fw/main.c"]


def _read(readme: str, files: dict[str, str] | None = None, **kw) -> dict[str, tuple[str, str, str]]:
    res = resolve(readme=readme, files=files, paths=ALL, **kw)
    return {r["scope"]: (r["expression"], r["source"], r["evidence"]) for r in res.rows()}


@pytest.mark.parametrize(
    ("readme", "files", "expression", "file_evidence"),
    [
        # the issue's own case: the README offers two licences, the LICENSE file holds one of them
        ("# Modular PSU\n\n## License\n\nWe present our work under the TAPR OHL or GPLv3 licenses.\n",
         {"LICENSE": TAPR}, "TAPR-OHL-1.0 OR GPL-3.0-only", 'LICENSE: "The TAPR Open Hardware License'),
        # 'dual-licensed … and …' offers either licence, not both
        ("# Board\n\n## Licence\n\nThis project is dual-licensed under the MIT license and the Apache License 2.0.\n",
         {"LICENSE-MIT": MIT}, "MIT OR Apache-2.0", 'LICENSE-MIT: "Permission is hereby granted'),
        # 'at your option'
        ("# Board\n\n## License\n\nLicensed under either of Apache License, Version 2.0 or MIT license at your "
         "option.\n", {"LICENSE-APACHE": APACHE}, "Apache-2.0 OR MIT", 'LICENSE-APACHE: "Apache License'),
        # no licence file: the README sentence alone, 'and' read as the choice it offers
        ("# Board\n\nThis project is dual licensed under CERN-OHL-S-2.0 and TAPR-OHL-1.0.\n", None,
         "CERN-OHL-S-2.0 OR TAPR-OHL-1.0", None),
    ],
)
def test_readme_alternatives_become_an_or_with_file_and_readme_evidence(readme, files, expression, file_evidence):
    got = _read(readme, files)
    assert {scope: expr for scope, (expr, _, _) in got.items()} == dict.fromkeys(
        ("hardware", "documentation", "software"), expression)
    sentence = readme.strip().splitlines()[-1].strip()
    for _expr, source, evidence in got.values():
        assert source == "readme"
        assert f'README: "{sentence}"' in evidence
        if file_evidence:
            assert evidence.startswith(file_evidence)


def test_per_part_statements_take_the_file_as_evidence_where_it_holds_that_part_s_licence():
    readme = "# Sensor\n\nThe hardware is released under CERN-OHL-S-2.0, the software under GPL-3.0.\n"
    got = _read(readme, {"LICENSE": GPL3})
    assert {s: e for s, (e, _, _) in got.items()} == {"hardware": "CERN-OHL-S-2.0", "software": "GPL-3.0-only"}
    assert got["software"][2].startswith('LICENSE: "GNU GENERAL PUBLIC LICENSE Version 3')
    assert got["software"][2].endswith(f'README: "{readme.splitlines()[-1]}"')
    assert got["hardware"][2] == f'README: "{readme.splitlines()[-1]}"'  # no file holds CERN-OHL-S


def test_per_part_alternatives():
    readme = ("# Sensor\n\n## Licence\n\nHardware: CERN-OHL-S-2.0 or CERN-OHL-W-2.0, at your option. "
              "Documentation: CC-BY-4.0. Software: MIT or Apache-2.0.\n")
    got = _read(readme, {"LICENSE": MIT})
    assert {s: e for s, (e, _, _) in got.items()} == {
        "hardware": "CERN-OHL-S-2.0 OR CERN-OHL-W-2.0", "documentation": "CC-BY-4.0", "software": "MIT OR Apache-2.0"}
    assert got["software"][2] == ('LICENSE: "Permission is hereby granted, free of charge, to any person obtaining a '
                                  'copy of this software and associated documentation files"; '
                                  'README: "Software: MIT or Apache-2.0."')


@pytest.mark.parametrize(
    ("readme", "files", "expected"),
    [
        # a LICENSE file alone stays as today
        ("# Board\n\nA board.\n", {"LICENSE": TAPR}, ("TAPR-OHL-1.0", "file", 'LICENSE: "The TAPR Open Hardware '
                                                                               'License Version 1.0"')),
        # the README offers licences the file is not one of: the file stays the reading
        ("# Board\n\n## License\n\nAvailable under the CERN-OHL-S-2.0 or the TAPR OHL.\n", {"LICENSE": MIT},
         ("MIT", "file", 'LICENSE: "Permission is hereby granted, free of charge, to any person obtaining a copy of '
                         'this software and associated documentation files"')),
        # 'or (at your option) any later version' is one licence, not a choice of two
        ("# Board\n\n## License\n\nLicensed under the GNU GPL version 2 or (at your option) any later version.\n",
         None, ("GPL-2.0-or-later", "readme", None)),
    ],
)
def test_what_stays_as_today(readme, files, expected):
    got = _read(readme, files)
    expr, source, evidence = expected
    assert {s: (e, src) for s, (e, src, _) in got.items()} == dict.fromkeys(
        ("hardware", "documentation", "software"), (expr, source))
    if evidence:
        assert got["hardware"][2] == evidence


def test_a_curator_correction_is_not_replaced():
    readme = "# PSU\n\n## License\n\nWe present our work under the TAPR OHL or GPLv3 licenses.\n"
    got = _read(readme, {"LICENSE": TAPR}, corrections={"hardware": "CERN-OHL-S-2.0"})
    assert got["hardware"][:2] == ("CERN-OHL-S-2.0", "curator")
    assert got["software"][0] == "TAPR-OHL-1.0 OR GPL-3.0-only"


@dataclass(frozen=True)
class _Stmt:
    expression: str
    scopes: frozenset[str]
    phrase: str
    confidence: float = 0.8
    original: str | None = None


def test_choices_is_pure_and_validates_with_license_expression():
    offered = _Stmt("MIT AND Apache-2.0", frozenset(), "Dual licensed: MIT and Apache-2.0.")
    unknown = _Stmt("Foo-1.0 OR MIT", frozenset(), "Foo 1.0 or MIT.")
    badge = _Stmt("MIT OR Apache-2.0", frozenset(), "badge: licence")
    both = _Stmt("MIT AND CC-BY-4.0", frozenset(), "Code is MIT and the photos CC BY 4.0.")  # no choice offered
    (got,) = choices([offered, unknown, badge, both], [("MIT", 'LICENSE: "MIT License"')])
    assert (got.expression, got.stated, got.backed) == ("MIT OR Apache-2.0", "MIT AND Apache-2.0", True)
    assert got.evidence == 'LICENSE: "MIT License"; README: "Dual licensed: MIT and Apache-2.0."'
    assert got.replaces("MIT") and got.replaces("MIT AND Apache-2.0") and not got.replaces("GPL-3.0-only")


@pytest.mark.parametrize(
    ("sentence", "offers"),
    [("dual-licensed under", True), ("Dual Licence", True), ("at your option", True), ("at the user's choice", True),
     ("either of", True), ("you may choose", True), ("licensed under MIT and CC-BY", False),
     ("hardware under CERN-OHL-S", False)],
)
def test_choice_phrases(sentence, offers):
    assert is_choice_phrase(sentence) is offers
