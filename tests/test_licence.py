"""Table-driven tests for the licence normalizer (registry.normalize.licence) and its corpus evaluation."""

from __future__ import annotations

import json
import os
import textwrap

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.normalize.licence import (
    FIELDS,
    LicenceResult,
    content,
    content_types,
    copyleft,
    identify_text,
    mentions,
    normalize_name,
    openness,
    readme_licences,
    resolve,
)

# --------------------------------------------------------------------------------------------- fixtures
# Short synthetic licence texts: the distinctive sentences of each licence, not whole copies.

GPL3 = """
                    GNU GENERAL PUBLIC LICENSE
                       Version 3, 29 June 2007

 Copyright (C) 2007 Free Software Foundation, Inc. <https://fsf.org/>

                            Preamble

  The GNU General Public License is a free, copyleft license for
software and other kinds of works.

  0. Definitions.
  "This License" refers to version 3 of the GNU General Public License.

                     END OF TERMS AND CONDITIONS

            How to Apply These Terms to Your New Programs

    This program is free software: you can redistribute it and/or modify
    it under the terms of the GNU General Public License as published by
    the Free Software Foundation, either version 3 of the License, or
    (at your option) any later version.
"""
GPL3_LATER_HEADER = (
    "Copyright 2021 Jane Maker\n\nThis program is free software: you can redistribute it and/or modify it under "
    "the terms of the GNU General Public License as published by the Free Software Foundation, either version 3 "
    "of the License, or (at your option) any later version.\n\n" + GPL3
)
GPL2 = """GNU GENERAL PUBLIC LICENSE
Version 2, June 1991
Preamble
The licenses for most software are designed to take away your
freedom to share and change it.  By contrast, the GNU General Public
License is intended to guarantee your freedom to share and change free software.
"""
AGPL3 = """GNU AFFERO GENERAL PUBLIC LICENSE
Version 3, 19 November 2007
The GNU Affero General Public License is a free, copyleft license for
software and other kinds of works, specifically designed to ensure cooperation.
13. Remote Network Interaction; Use with the GNU General Public License.
"""
LGPL3 = """GNU LESSER GENERAL PUBLIC LICENSE
Version 3, 29 June 2007
This version of the GNU Lesser General Public License incorporates
the terms and conditions of version 3 of the GNU General Public
License, supplemented by the additional permissions listed below.
"""
CERN_S = """CERN Open Hardware Licence Version 2 - Strongly Reciprocal

Preamble

CERN has developed this licence to promote collaboration among hardware designers. Version 2 of the CERN Open
Hardware Licence comes in three variants: CERN-OHL-P (permissive); and two reciprocal licences: CERN-OHL-W
(weakly reciprocal) and this licence, CERN-OHL-S (strongly reciprocal).

The CERN-OHL-S is copyright CERN 2020.
"""
CERN_W = CERN_S.replace("Strongly Reciprocal", "Weakly Reciprocal").replace(
    "CERN-OHL-W\n(weakly reciprocal) and this licence, CERN-OHL-S (strongly reciprocal)",
    "this licence, CERN-OHL-W\n(weakly reciprocal) and CERN-OHL-S (strongly reciprocal)",
).replace("The CERN-OHL-S is copyright", "The CERN-OHL-W is copyright")
CERN_P = """CERN Open Hardware Licence Version 2 - Permissive
Version 2 of the CERN Open Hardware Licence comes in three variants: this licence, CERN-OHL-P (permissive);
and two reciprocal licences. The CERN-OHL-P is copyright CERN 2020.
"""
CERN_12 = """CERN Open Hardware Licence v1.2

Preamble:
Through this CERN Open Hardware Licence ("CERN OHL") version 1.2, CERN wishes to provide a tool to foster
collaboration and sharing among hardware designers.
"""
TAPR = """The TAPR Open Hardware License
Version 1.0 (May 25, 2007)
PREAMBLE
Open Hardware is a thing - a physical artifact, either electrical or
mechanical - whose design information is available to, and usable by,
the public in a way that allows anyone to make, modify, distribute, and use that thing.
"""
SHL051 = """SOLDERPAD HARDWARE LICENSE version 0.51
This license is based closely on the Apache License Version 2.0, but is not approved or endorsed by the Apache
Foundation.
TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION
"""
SHL21 = """SOLDERPAD HARDWARE LICENCE version 2.1
This license operates as a wraparound to the Apache License Version 2.0 (the "Apache License").
"""
CC_BY_SA_40 = """Attribution-ShareAlike 4.0 International

Creative Commons Corporation ("Creative Commons") is not a law firm and does not provide legal services.

Creative Commons Attribution-ShareAlike 4.0 International Public License

By exercising the Licensed Rights (defined below), You accept and agree to be bound by the terms and
conditions of this Creative Commons Attribution-ShareAlike 4.0 International Public License.
"""
CC_BY_NC_SA_40 = CC_BY_SA_40.replace("Attribution-ShareAlike", "Attribution-NonCommercial-ShareAlike")
CC_BY_ND_40 = CC_BY_SA_40.replace("Attribution-ShareAlike", "Attribution-NoDerivatives")
CC_BY_30 = """Creative Commons Legal Code

Attribution 3.0 Unported

    CREATIVE COMMONS CORPORATION IS NOT A LAW FIRM AND DOES NOT PROVIDE LEGAL SERVICES.
"""
CC0 = """Creative Commons Legal Code

CC0 1.0 Universal

Statement of Purpose

The laws of most jurisdictions throughout the world automatically confer
exclusive Copyright and Related Rights (defined below) upon the creator.
"""
MIT = """MIT License

Copyright (c) 2020 Somebody

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction.

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.
"""
BSD_HEAD = """Copyright (c) 2019, A Person
All rights reserved.

Redistribution and use in source and binary forms, with or without
modification, are permitted provided that the following conditions are met:

1. Redistributions of source code must retain the above copyright notice, this
   list of conditions and the following disclaimer.
2. Redistributions in binary form must reproduce the above copyright notice.
"""
BSD2 = BSD_HEAD
BSD3 = BSD_HEAD + """3. Neither the name of the copyright holder nor the names of its contributors may be used to
   endorse or promote products derived from this software without specific prior written permission.
"""
APACHE = """                                 Apache License
                           Version 2.0, January 2004
                        http://www.apache.org/licenses/

   TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION
"""
MPL2 = """Mozilla Public License Version 2.0
==================================
1.1. "Contributor"
    means each individual or legal entity that creates, contributes to
    the creation of, or owns Covered Software.
"""
UNLICENSE = """Public Domain License
=====================

This is free and unencumbered software released into the public domain.

Anyone is free to copy, modify, publish, use, compile, sell, or
distribute this software, either in source code form or as a compiled
binary, for any purpose.
"""


def reflow(text: str) -> str:
    """The same text with every run of whitespace collapsed and re-wrapped at 37 columns."""
    return "\n".join(textwrap.wrap(" ".join(text.split()), 37))


# --------------------------------------------------------------------------------------------- normalize_name


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # SPDX ids and expressions, canonicalised
        ("CERN-OHL-S-2.0", "CERN-OHL-S-2.0"),
        ("cern-ohl-w-2.0", "CERN-OHL-W-2.0"),
        ("CERN-OHL-P-2.0", "CERN-OHL-P-2.0"),
        ("CERN-OHL-1.1", "CERN-OHL-1.1"),
        ("TAPR-OHL-1.0", "TAPR-OHL-1.0"),
        ("SHL-0.5", "SHL-0.5"),
        ("SHL-2.0", "SHL-2.0"),
        ("GPL-3.0", "GPL-3.0-only"),
        ("GPL-2.0+", "GPL-2.0-or-later"),
        ("LGPL-2.1-or-later", "LGPL-2.1-or-later"),
        ("AGPL-3.0-only", "AGPL-3.0-only"),
        ("MIT OR Apache-2.0", "MIT OR Apache-2.0"),
        ("BSD-2-Clause", "BSD-2-Clause"),
        ("CC-BY-NC-ND-4.0", "CC-BY-NC-ND-4.0"),
        ("Unlicense", "Unlicense"),
        ("MPL-2.0", "MPL-2.0"),
        # loose names
        ("CERN OHL v2 strongly reciprocal", "CERN-OHL-S-2.0"),
        ("CERN Open Hardware Licence Version 2 - Weakly Reciprocal", "CERN-OHL-W-2.0"),
        ("CERN OHL-P v2", "CERN-OHL-P-2.0"),
        ("cern_ohl_s_v2", "CERN-OHL-S-2.0"),
        ("CERN OHL v1.2", "CERN-OHL-1.2"),
        ("CERN Open Hardware License v1.1", "CERN-OHL-1.1"),
        ("TAPR Open Hardware License", "TAPR-OHL-1.0"),
        ("Solderpad Hardware License v2.1", "SHL-2.1"),
        ("Solderpad Hardware Licence version 0.51", "SHL-0.51"),
        ("CC BY-SA 4.0", "CC-BY-SA-4.0"),
        ("CC BY-NC-SA 3.0", "CC-BY-NC-SA-3.0"),
        ("CC BY-ND 4.0", "CC-BY-ND-4.0"),
        ("Creative Commons Attribution-ShareAlike 4.0 International", "CC-BY-SA-4.0"),
        ("Creative Commons Attribution-NonCommercial 4.0 International License", "CC-BY-NC-4.0"),
        ("Creative Commons Attribution 3.0 Unported", "CC-BY-3.0"),
        ("GPLv3+", "GPL-3.0-or-later"),
        ("GPLv3", "GPL-3.0-only"),
        ("GNU GPL v2", "GPL-2.0-only"),
        ("GNU General Public License v3.0 or later", "GPL-3.0-or-later"),
        ("GNU Lesser General Public License v2.1", "LGPL-2.1-only"),
        ("GNU Affero General Public License v3", "AGPL-3.0-only"),
        ("Apache License 2.0", "Apache-2.0"),
        ("Apache 2", "Apache-2.0"),
        ("BSD 3-Clause License", "BSD-3-Clause"),
        ("3-clause BSD", "BSD-3-Clause"),
        ("Simplified BSD", "BSD-2-Clause"),
        ("Mozilla Public License 2.0", "MPL-2.0"),
        ("The Unlicense", "Unlicense"),
        ("CC0", "CC0-1.0"),
        ("MIT / Apache 2.0", "MIT OR Apache-2.0"),
        # OSHWA's drifting values
        ("CERN", "CERN-OHL-1.2"),
        ("CERN OHL", "CERN-OHL-1.2"),
        ("TAPR", "TAPR-OHL-1.0"),
        ("OHL", "TAPR-OHL-1.0"),
        ("Solderpad", "SHL-0.51"),
        ("CC BY-SA", "CC-BY-SA-4.0"),
        ("CC BY", "CC-BY-4.0"),
        ("CC-BY-4.0", "CC-BY-4.0"),
        ("CC 0", "CC0-1.0"),
        ("GPL", "GPL-1.0-or-later"),
        ("GPL-3.0", "GPL-3.0-only"),
        ("Apache", "Apache-2.0"),
        ("MIT", "MIT"),
        ("BSD-2-Clause", "BSD-2-Clause"),
        ("Other", None),
        ("None", None),
        ("No software", None),
        ("", None),
        # not SPDX: kept as a LicenseRef
        ("Proprietary", "LicenseRef-Proprietary"),
        ("My Own Licence v3!", "LicenseRef-My-Own-Licence-v3"),
    ],
)
def test_normalize_name(name, expected):
    assert normalize_name(name) == expected


# --------------------------------------------------------------------------------------------- identify_text


@pytest.mark.parametrize(
    ("text", "expected", "phrase_part"),
    [
        (GPL3, "GPL-3.0-only", "Version 3, 29 June 2007"),
        (GPL3_LATER_HEADER, "GPL-3.0-or-later", "Version 3"),
        (GPL2, "GPL-2.0-only", "Version 2, June 1991"),
        (AGPL3, "AGPL-3.0-only", "AFFERO"),
        (LGPL3, "LGPL-3.0-only", "LESSER"),
        (CERN_S, "CERN-OHL-S-2.0", "Strongly Reciprocal"),
        (CERN_W, "CERN-OHL-W-2.0", "Weakly Reciprocal"),
        (CERN_P, "CERN-OHL-P-2.0", "Permissive"),
        (CERN_12, "CERN-OHL-1.2", "v1.2"),
        (TAPR, "TAPR-OHL-1.0", "TAPR"),
        (SHL051, "SHL-0.51", "0.51"),
        (SHL21, "SHL-2.1", "2.1"),
        (CC_BY_SA_40, "CC-BY-SA-4.0", "ShareAlike"),
        (CC_BY_NC_SA_40, "CC-BY-NC-SA-4.0", "NonCommercial"),
        (CC_BY_ND_40, "CC-BY-ND-4.0", "NoDerivatives"),
        (CC_BY_30, "CC-BY-3.0", "3.0"),
        (CC0, "CC0-1.0", "CC0"),
        (MIT, "MIT", "Permission is hereby granted"),
        (BSD2, "BSD-2-Clause", "Redistribution"),
        (BSD3, "BSD-3-Clause", "Redistribution"),
        (APACHE, "Apache-2.0", "Apache"),
        (MPL2, "MPL-2.0", "Mozilla"),
        (UNLICENSE, "Unlicense", "unencumbered"),
        # short notices read as prose
        ("This work is licensed under CC BY-SA 4.0.", "CC-BY-SA-4.0", "CC BY-SA 4.0"),
        ("SPDX-License-Identifier: CERN-OHL-S-2.0", "CERN-OHL-S-2.0", "CERN-OHL-S-2.0"),
        ("CERN-OHL-W-2.0\n", "CERN-OHL-W-2.0", "CERN-OHL-W-2.0"),
    ],
)
def test_identify_text(text, expected, phrase_part):
    got = identify_text(text)
    assert got is not None
    spdx, phrase, confidence = got
    assert spdx == expected
    assert phrase_part.lower() in phrase.lower()
    assert 0.0 < confidence <= 1.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (reflow(GPL3), "GPL-3.0-only"),
        (reflow(GPL3_LATER_HEADER), "GPL-3.0-or-later"),
        (reflow(CERN_S), "CERN-OHL-S-2.0"),
        (reflow(CC_BY_NC_SA_40), "CC-BY-NC-SA-4.0"),
        (reflow(MIT), "MIT"),
        (reflow(BSD3), "BSD-3-Clause"),
        # small edits: British spelling, changed holder, one sentence damaged, CRLF line ends
        (MIT.replace("free of charge, ", "").replace("Somebody", "Another One"), "MIT"),
        (GPL3.replace("License", "Licence"), "GPL-3.0-only"),
        (GPL3.replace("The GNU General Public License is a free", "The GNU GPL is a free"), "GPL-3.0-only"),
        (CERN_W.replace("\n", "\r\n"), "CERN-OHL-W-2.0"),
        (APACHE.upper(), "Apache-2.0"),
        (TAPR.replace("PREAMBLE", "Preamble (edited)").replace("Version 1.0 (May 25, 2007)", ""), "TAPR-OHL-1.0"),
    ],
)
def test_identify_text_survives_reflow_and_edits(text, expected):
    got = identify_text(text)
    assert got is not None and got[0] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (SHL051, "SHL-0.51"),  # quotes the Apache licence: not read as Apache
        (LGPL3 + "\n\n" + GPL3, "LGPL-3.0-only"),  # LGPL shipped with the GPL text it amends
        (CC_BY_SA_40 + "\n\n" + MIT, "CC-BY-SA-4.0 OR MIT"),  # two texts, scope unstated
        (APACHE + "\nThis product bundles third-party software:\n" + MIT, "Apache-2.0"),  # a notice, not a choice
        (GPL2 + "\n" + MIT + "\n" + BSD3, "GPL-2.0-only"),  # the first of many texts
        ("et_thing is licensed under the MIT license; see LICENCE.\n" + "Appendix text. " * 300, "MIT"),
    ],
)
def test_identify_text_combinations(text, expected):
    got = identify_text(text)
    assert got is not None and got[0] == expected


@pytest.mark.parametrize(
    "text",
    ["", "   \n", "Copyright 2020 MIT. All rights reserved.", "See the README for details.", "TODO: add a licence"],
)
def test_identify_text_nothing(text):
    assert identify_text(text) is None


def test_identify_long_unknown_text_becomes_licenseref():
    text = "ACME HARDWARE TERMS\n\n" + "You may look at these designs but the terms below apply. " * 80
    spdx, phrase, conf = identify_text(text)
    assert spdx == "LicenseRef-ACME-HARDWARE-TERMS"
    assert phrase == "ACME HARDWARE TERMS"
    assert conf < 0.5


# --------------------------------------------------------------------------------------------- readme_licences


def _stmts(md):
    return sorted((s.expression, tuple(sorted(s.scopes))) for s in readme_licences(md))


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        (
            "# Licensing\n\nAll code in this repo is licensed under the GPL License. All documents and diagrams "
            "are licensed under CC0. All hardware is licensed under the [CERN Open Hardware Licence Version 2 - "
            "Strongly Reciprocal](https://ohwr.org/cern_ohl_s_v2.pdf).",
            [("CC0-1.0", ("documentation",)), ("CERN-OHL-S-2.0", ("hardware",)),
             ("GPL-1.0-or-later", ("software",))],
        ),
        (
            "This project is (c) 2017 by the contributors, and released under CERN Open Hardware License "
            "(hardware designs) and GNU GPL v3.0 (software).",
            [("CERN-OHL-1.2", ("hardware",)), ("GPL-3.0-only", ("software",))],
        ),
        (
            "All content is licensed under the [CC by SA](https://creativecommons.org/licenses/by-sa/3.0)",
            [("CC-BY-SA-3.0", ())],
        ),
        (
            "The hardware design and documentation is licenced under the [CERN Open Hardware License]"
            "(https://example.org/hardware/CERN_OPEN_HARDWARE_LICENSE_OHL_v_1_2.txt).",
            [("CERN-OHL-1.2", ("documentation", "hardware"))],
        ),
        (
            "The hardware is released under CERN-OHL-W-2.0, the software under GPLv3 and the documentation "
            "under CC-BY-SA 4.0.",
            [("CC-BY-SA-4.0", ("documentation",)), ("CERN-OHL-W-2.0", ("hardware",)),
             ("GPL-3.0-only", ("software",))],
        ),
        (
            "## License\n\nHardware: CERN-OHL-P-2.0\nFirmware: MIT\n",
            [("CERN-OHL-P-2.0", ("hardware",)), ("MIT", ("software",))],
        ),
        (
            "## Licences\n\n| Part | Licence |\n|---|---|\n| PCB | CERN OHL v2 W |\n| Docs | CC BY 4.0 |\n",
            [("CC-BY-4.0", ("documentation",)), ("CERN-OHL-W-2.0", ("hardware",))],
        ),
        (
            "| Hardware | Software |\n|---|---|\n| CERN-OHL-S-2.0 | GPL-3.0-or-later |\n",
            [("CERN-OHL-S-2.0", ("hardware",)), ("GPL-3.0-or-later", ("software",))],
        ),
        (
            "# Software Functions\n\nThe software is an Arduino sketch. It is herein distributed under the GPL "
            "V3.0 licence.",
            [("GPL-3.0-only", ("software",))],
        ),
        ("## License\n\nMIT © [Some One](https://example.org)", [("MIT", ())]),
        ("This project is dual-licensed under MIT or Apache-2.0.", [("MIT OR Apache-2.0", ())]),
        ("This design is licensed under CC BY-NC-SA 4.0.", [("CC-BY-NC-SA-4.0", ())]),
        (
            "[![License: CC BY-SA 4.0](https://img.shields.io/badge/License-CC%20BY--SA%204.0-lightgrey.svg)]"
            "(https://creativecommons.org/licenses/by-sa/4.0/)\n\nA device.",
            [("CC-BY-SA-4.0", ())],
        ),
        ("This program is free software under the GNU GPL, either version 2 of the License, or (at your option) "
         "any later version.", [("GPL-2.0-or-later", ("software",))]),
        (
            "This source describes Open Hardware and is licensed under the CERN-OHL-S v2.",
            [("CERN-OHL-S-2.0", ())],
        ),
        (
            "The source code is licensed under the MIT license, see LICENSE. The 3D models are licensed under "
            "CC BY 4.0.",
            [("CC-BY-4.0", ("hardware",)), ("MIT", ("software",))],
        ),
        (
            "The electronics are licensed under the TAPR Open Hardware License, the firmware under the Apache "
            "License 2.0.",
            [("Apache-2.0", ("software",)), ("TAPR-OHL-1.0", ("hardware",))],
        ),
        ("License\n-------\nGPLv3\n", [("GPL-3.0-only", ())]),
        (
            '<h2>License</h2>\n<p>This project is licensed under the <a href="https://creativecommons.org/licenses/'
            'by-nc/4.0/">Creative Commons license</a>.</p>',
            [("CC-BY-NC-4.0", ())],
        ),
        # not statements about this project's licence
        ("This project uses KiCad, which is licensed under the GPL.", []),
        ("Remixed from the X visor (CC BY-NC) by someone, licensed under CC BY-NC.", []),
        ("## Credits\nFan model based on a Thingiverse model by MiseryBot, CC license.", []),
        ("x-end.scad uses elements of the Prusa ones by Josef Prusa, GPL license.", []),
        ("This code is provided for reference use only.", []),
        ("Built at MIT under the supervision of Prof. X.", []),
        ("[![GitHub license](https://img.shields.io/github/license/someone/thing)]()", []),
        ("This is a fork of Foo, which is licensed under the GPL.", []),
        ("We received funding and support by [CERN](https://home.cern).", []),
    ],
)
def test_readme_licences(markdown, expected):
    assert _stmts(markdown) == sorted(expected)


def test_readme_statement_keeps_phrase_and_original():
    (st,) = readme_licences("## License\nAll hardware is released under the CERN OHL v1.2.")
    assert st.expression == "CERN-OHL-1.2"
    assert "All hardware is released" in st.phrase
    assert st.original == "CERN OHL v1.2"
    assert st.vague is None


def test_readme_vague_statement_is_flagged():
    (st,) = readme_licences("The open source software is provided under the terms of the BSD licence.")
    assert st.expression == "LicenseRef-BSD" and st.vague == "BSD"


# --------------------------------------------------------------------------------------------- content types


@pytest.mark.parametrize(
    ("paths", "expected"),
    [
        (["README.md", "pcb/board.kicad_pcb", "firmware/main.ino"], {"hardware", "software", "documentation"}),
        (["Readme.md", "src/main.cpp", "src/ui.qml", "app/app.pro"], {"software", "documentation"}),
        (["README.md", "models/frame.STEP", "models/frame.STL", "Makefile"], {"hardware", "documentation"}),
        (["README.md", "docs/Pneumatics/circuit.png", "src/electronics/README.md"], {"hardware", "documentation"}),
        (["gerbers/board.GTL", "gerbers/board.gbl"], {"hardware"}),
        (["README.md", "okh/okh-thing.yml", "atoms/a.yaml", ".github/workflows/ci.yml"],
         {"documentation", "software"}),
        ([".github/workflows/ci.yml", "README.md", "case.scad"], {"documentation", "hardware"}),
        (["analysis/fit.m", "cad/part.f3d"], {"hardware", "software"}),
        (["docs/conf.py", "docs/index.rst"], {"documentation"}),
        ([], set()),
    ],
)
def test_content_types(paths, expected):
    assert content_types(paths) == expected


# --------------------------------------------------------------------------------------------- resolve

ALL = ["README.md", "hw/board.kicad_sch", "fw/main.c"]
NO_SW = ["README.md", "cad/shield.step"]


def _exprs(result: LicenceResult):
    return tuple(f.expression if f else None for f in (result.hardware, result.documentation, result.software))


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        # one repository-wide licence file covers the content types the tree holds
        ({"files": {"LICENSE": MIT}, "paths": ALL}, ("MIT", "MIT", "MIT")),
        ({"files": {"COPYING.txt": GPL3}, "paths": NO_SW}, ("GPL-3.0-only", "GPL-3.0-only", None)),
        ({"files": {"LICENSE.md": UNLICENSE}, "paths": ["README.md", "docs/x.pdf", "mechanics/a.png"]},
         ("Unlicense", "Unlicense", None)),
        ({"files": {"LICENSE": GPL3}, "paths": ["Readme.md", "src/a.cpp"]}, (None, "GPL-3.0-only", "GPL-3.0-only")),
        # two unscoped licence files: a choice
        ({"files": {"LICENSE_CC": CC_BY_SA_40.replace("ShareAlike", ""), "LICENSE_MIT": MIT}, "paths": NO_SW},
         ("CC-BY-4.0 OR MIT", "CC-BY-4.0 OR MIT", None)),
        # COPYING + COPYING.LESSER
        ({"files": {"COPYING": GPL3, "COPYING.LESSER": LGPL3}, "paths": ALL},
         ("LGPL-3.0-only", "LGPL-3.0-only", "LGPL-3.0-only")),
        # files whose name or folder names a content type decide that type
        ({"files": {"LICENSE": GPL3, "hardware/LICENSE": CERN_S, "docs/LICENSE": CC_BY_SA_40}, "paths": ALL},
         ("CERN-OHL-S-2.0", "CC-BY-SA-4.0", "GPL-3.0-only")),
        ({"files": {"LICENSE-hardware": CERN_W, "LICENSE-software": MIT}, "paths": ALL},
         ("CERN-OHL-W-2.0", None, "MIT")),
        # a statement file at the root: scoped sentences decide their type, 'everything else' is repo-wide
        ({"files": {"COPYRIGHT": "Copyright 2021 Jane Maker.\nThe hardware is licensed under CERN-OHL-S-2.0.\n"
                                 "Everything else is licensed under CC-BY-4.0.\n"}, "paths": ALL},
         ("CERN-OHL-S-2.0", "CC-BY-4.0", "CC-BY-4.0")),
        # a licence file in an unrelated sub-folder covers only that folder
        ({"files": {"thirdparty/LICENSE": MIT}, "paths": ALL}, (None, None, None)),
        # README scoped statements decide their fields; a vague 'GPL' takes the licence file's version
        (
            {
                "readme": "## Licensing\nAll code is licensed under the GPL. All documents are licensed under CC0. "
                "All hardware is licensed under CERN-OHL-S-2.0.",
                "files": {"LICENSE": AGPL3},
                "manifest": {"license": {"hardware": "CERN-OHL-1.2", "documentation": "CC0-1.0",
                                         "software": "GPL-3.0-only"}},
                "paths": ALL,
            },
            ("CERN-OHL-S-2.0", "CC0-1.0", "AGPL-3.0-only"),
        ),
        # README names a licence per type and the licence file is one of them: unnamed types stay empty
        (
            {"readme": "Released under CERN Open Hardware License (hardware designs) and GNU GPL v3.0 (software).",
             "files": {"LICENSE.txt": GPL3}, "paths": ALL},
            ("CERN-OHL-1.2", None, "GPL-3.0-only"),
        ),
        # ... but a single README statement leaves the licence file repository-wide
        (
            {"readme": "# Software\nIt is distributed under the GPL V3.0 licence.", "files": {"LICENSE": GPL3},
             "paths": ALL},
            ("GPL-3.0-only", "GPL-3.0-only", "GPL-3.0-only"),
        ),
        (
            {"readme": "The software is provided under the terms of the BSD licence.", "files": {"LICENSE": BSD2},
             "paths": ALL},
            ("BSD-2-Clause", "BSD-2-Clause", "BSD-2-Clause"),
        ),
        # unscoped README statement when there is no licence file
        ({"readme": "All content is licensed under CC BY-SA 3.0.", "paths": ALL},
         ("CC-BY-SA-3.0", "CC-BY-SA-3.0", "CC-BY-SA-3.0")),
        # OKH manifest: per-field values, swapped documentation/software put back
        (
            {"manifest": {"license": {"hardware": "CERN-OHL-1.2", "documentation": "GPL-2.0-or-later",
                                      "software": "CC-BY-SA-4.0"}}, "files": {"LICENSE": GPL2}, "paths": ALL},
            ("CERN-OHL-1.2", "CC-BY-SA-4.0", "GPL-2.0-or-later"),
        ),
        # OKH-LOSH single licence: the design and its documentation
        ({"manifest": {"okhv": "OKH-LOSHv1.0", "license": "CERN-OHL-S-2.0"}, "files": {"LICENSE": MIT},
          "paths": ALL}, ("CERN-OHL-S-2.0", "CERN-OHL-S-2.0", "MIT")),
        # hub values (OSHWA)
        ({"hub": {"hardwareLicense": "CERN", "softwareLicense": "No software", "documentationLicense": "CC BY-SA"},
          "paths": ALL}, ("CERN-OHL-1.2", "CC-BY-SA-4.0", None)),
        ({"hub": {"hardwareLicense": "OHL", "softwareLicense": "GPL", "documentationLicense": "Other"},
          "files": {"COPYING": GPL2}, "paths": ALL}, ("TAPR-OHL-1.0", "GPL-2.0-only", "GPL-2.0-only")),
        ({"manifest": {"title": "x", "license": {"HW": "CERN OHL v1.2", "docs": ["CC-BY-4.0"], "firmware": "MIT"}},
          "paths": ALL}, ("CERN-OHL-1.2", "CC-BY-4.0", "MIT")),
        # manifest beats hub
        ({"manifest": {"license": {"hardware": "CERN-OHL-W-2.0"}}, "hub": {"hardwareLicense": "TAPR"},
          "paths": NO_SW}, ("CERN-OHL-W-2.0", None, None)),
        # curator beats everything, even with an empty value
        ({"corrections": {"hardware": "CC BY-NC-SA 4.0", "software": ""}, "files": {"LICENSE": MIT},
          "paths": ALL}, ("CC-BY-NC-SA-4.0", "MIT", None)),
        # the API field, last resort; NOASSERTION means look further
        ({"api_spdx": "GPL-3.0", "paths": NO_SW}, ("GPL-3.0-only", "GPL-3.0-only", None)),
        ({"api_spdx": "NOASSERTION", "paths": ALL}, (None, None, None)),
        ({"api_spdx": "MIT", "files": {"LICENSE": APACHE}, "paths": ALL}, ("Apache-2.0",) * 3),
        # nothing at all
        ({"readme": "PLEASE REFER TO THE NEW PROJECT LOCATION", "paths": ["README.md"]}, (None, None, None)),
        # no tree: every content type is assumed present
        ({"files": {"LICENSE": MIT}}, ("MIT", "MIT", "MIT")),
    ],
)
def test_resolve(kwargs, expected):
    assert _exprs(resolve(**kwargs)) == expected


def test_resolve_evidence_and_sources():
    r = resolve(
        readme="## License\nAll hardware is licensed under the CERN-OHL-S-2.0.",
        files={"LICENSE": GPL3},
        paths=ALL,
    )
    assert r.hardware.source == "readme" and "All hardware" in r.hardware.evidence
    assert r.software.source == "file" and r.software.evidence.startswith("LICENSE:")
    assert "29 June 2007" in r.software.evidence
    refined = resolve(readme="All code is licensed under the GPL.", files={"LICENSE": GPL2}, paths=ALL).software
    assert refined.expression == "GPL-2.0-only"
    assert refined.original == "GPL" and "version from LICENSE" in refined.evidence
    swapped = resolve(manifest={"license": {"documentation": "GPL-3.0-only", "software": "CC-BY-4.0"}}).software
    assert swapped.source == "okh" and "swapped back" in swapped.evidence
    hub = resolve(hub={"hardwareLicense": "CERN"}).hardware
    assert hub.source == "hub" and hub.original == "CERN"
    for f in (r.hardware, r.software, refined, swapped, hub):
        assert 0.0 < f.confidence <= 1.0


def test_result_rows_and_helpers():
    r = resolve(files={"LICENSE": CC_BY_NC_SA_40}, paths=NO_SW)
    rows = r.rows()
    assert [row["scope"] for row in rows] == ["hardware", "documentation"]
    assert rows[0]["openness"] == "restricted" and rows[0]["copyleft"] == "strong"
    assert set(rows[0]) == {"scope", "expression", "openness", "copyleft", "evidence", "source", "confidence",
                            "original"}
    assert r.openness("hardware") == "restricted"
    assert r.openness("software") == "unknown" and r.copyleft("software") is None
    with pytest.raises(KeyError):
        r.get("firmware")
    assert FIELDS == ("hardware", "documentation", "software")


# --------------------------------------------------------------------------------------------- verdicts


@pytest.mark.parametrize(
    ("expression", "verdict", "cl"),
    [
        ("CERN-OHL-S-2.0", "open", "strong"),
        ("CERN-OHL-W-2.0", "open", "weak"),
        ("CERN-OHL-P-2.0", "open", "permissive"),
        ("CERN-OHL-1.2", "open", "strong"),
        ("TAPR-OHL-1.0", "open", "weak"),
        ("SHL-0.51", "open", "permissive"),
        ("SHL-2.1", "open", "permissive"),
        ("GPL-3.0-only", "open", "strong"),
        ("AGPL-3.0-or-later", "open", "strong"),
        ("LGPL-2.1-only", "open", "weak"),
        ("MPL-2.0", "open", "weak"),
        ("MIT", "open", "permissive"),
        ("BSD-3-Clause", "open", "permissive"),
        ("Apache-2.0", "open", "permissive"),
        ("CC0-1.0", "open", "permissive"),
        ("Unlicense", "open", "permissive"),
        ("CC-BY-4.0", "open", "permissive"),
        ("CC-BY-SA-4.0", "open", "strong"),
        ("CC-BY-NC-4.0", "restricted", "permissive"),
        ("CC-BY-NC-SA-4.0", "restricted", "strong"),
        ("CC-BY-ND-4.0", "restricted", "permissive"),
        ("CC-BY-NC-ND-3.0", "restricted", "permissive"),
        ("JSON", "restricted", "permissive"),
        ("LicenseRef-Non-Commercial", "restricted", None),
        ("LicenseRef-Proprietary", "proprietary", None),
        ("LicenseRef-All-Rights-Reserved", "proprietary", None),
        ("LicenseRef-Something-Else", "unknown", None),
        ("NONE", "proprietary", None),
        ("NOASSERTION", "unknown", None),
        (None, "unknown", None),
        ("", "unknown", None),
        # OR: the most open option / least reciprocal; AND: the most restrictive / most reciprocal
        ("MIT OR CC-BY-NC-4.0", "open", "permissive"),
        ("GPL-3.0-only OR MIT", "open", "permissive"),
        ("CC-BY-SA-4.0 AND MIT", "open", "strong"),
        ("MIT AND CC-BY-NC-4.0", "restricted", "permissive"),
        ("CERN-OHL-S-2.0 AND LicenseRef-Proprietary", "proprietary", None),
        ("MIT AND LicenseRef-Something-Else", "unknown", None),
        ("Apache-2.0 WITH LLVM-exception", "open", "permissive"),
    ],
)
def test_openness_and_copyleft(expression, verdict, cl):
    assert openness(expression) == verdict
    assert copyleft(expression) == cl


@pytest.mark.parametrize(
    "name",
    [
        "CC BY-NC 4.0", "CC BY-NC-SA 4.0", "CC BY-ND 4.0", "CC BY-NC-ND 4.0", "CC-BY-NC-SA-3.0", "CC BY-NC 2.5",
        "Creative Commons Attribution-NonCommercial-ShareAlike 4.0 International",
        "Creative Commons Attribution-NoDerivatives 4.0", "Attribution-NonCommercial 4.0 International",
        "CC-BY-NC-SA-3.0-DE", "cc-nc-sa", "non-commercial",
    ],
)
def test_nc_nd_never_open(name):
    expr = normalize_name(name)
    assert expr is not None
    assert openness(expr) != "open"
    assert openness(f"{expr} AND MIT") != "open"


def test_nc_nd_from_text_never_open():
    for text in (CC_BY_NC_SA_40, CC_BY_ND_40, "This work is licensed under CC BY-NC 4.0."):
        spdx = identify_text(text)[0]
        assert openness(spdx) == "restricted"
    r = resolve(readme="## License\nAll hardware is released under CC BY-NC-SA 4.0", files={"LICENSE": MIT},
                paths=ALL)
    assert r.hardware.expression == "CC-BY-NC-SA-4.0" and r.openness("hardware") == "restricted"


# --------------------------------------------------------------------------------------------- evaluation module


def _eval_module():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "bench" / "_licence_eval.py"
    spec = importlib.util.spec_from_file_location("_licence_eval_under_test", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_evaluate_on_a_tiny_corpus(tmp_path, capsys):
    mod = _eval_module()
    evaluate, main = mod.evaluate, mod.main

    repo = tmp_path / "repos" / "someone__thing"
    (repo / "files").mkdir(parents=True)
    (repo / "meta.json").write_text(json.dumps({"repo": "someone/thing", "tree": ["README.md", "LICENSE", "a.stl"]}))
    (repo / "files" / "LICENSE").write_text(MIT)
    (repo / "files" / "README.md").write_text("# Thing\nA printed part.")
    other = tmp_path / "repos" / "someone__nc"
    (other / "files").mkdir(parents=True)
    (other / "meta.json").write_text(json.dumps({"repo": "someone/nc", "tree": ["README.md", "a.stl"]}))
    (other / "files" / "README.md").write_text("## License\nThis design is licensed under CC BY-NC 4.0.")
    labels = {"repos": [
        {"repo": "someone/thing", "hardware_licence": "MIT", "documentation_licence": "MIT",
         "software_licence": "GPL-3.0-only"},
        {"repo": "someone/nc", "hardware_licence": "CC-BY-NC-4.0", "documentation_licence": "CC-BY-NC-4.0",
         "software_licence": None},
    ]}
    lines, summary = evaluate(tmp_path, labels)
    assert summary["repos"] == 2
    assert summary["hardware_exact"] == 1.0
    assert summary["software_exact"] == 0.5
    assert summary["nc_nd_judged_open"] == 0
    assert any("MISS someone/thing software" in line and "GPL-3.0-only" in line for line in lines)
    assert main([str(tmp_path / "nowhere")]) == 0
    assert "skipped" in capsys.readouterr().out


# --------------------------------------------------------------------------------------------- fast paths
# Each shortcut the normalizer takes for speed gives what the plain way gives.

EXAMPLES = int(os.environ.get("OHR_FUZZ_EXAMPLES", "200"))
_MENTION_KEYS = sorted(mentions.ANY_MENTION.keys or ())
_MARKUP = ["\n", "\n\n", "- ", "1. ", "# ", "## Licence\n", "**Software**\n", "| Part | Licence |\n|---|---|\n| ",
           " | ", "[", "](https://creativecommons.org/licenses/by-sa/4.0/)", "<a href='https://x.org/mit'>", "</a>",
           "![badge](https://img.shields.io/badge/license-MIT-blue.svg)", "<!-- c -->", "```\ncode\n```\n", "  ",
           ". ", ", ", " under the ", " licensed under ", " hardware ", " and ", " or ", "=====\n", "\u0130", "\u212a"]


@st.composite
def readme_text(draw: st.DrawFn) -> str:
    """Markdown made of licence-name literals (whole, cut or re-cased), markup and filler words."""
    parts = []
    for _ in range(draw(st.integers(1, 25))):
        kind = draw(st.integers(0, 3))
        if kind == 0:
            key = draw(st.sampled_from(_MENTION_KEYS))
            parts.append(draw(st.sampled_from([key, key.upper(), key.title(), key[:-1], key.replace(" ", "\n")])))
        elif kind == 1:
            parts.append(draw(st.sampled_from(_MARKUP)))
        elif kind == 2:
            parts.append(draw(st.sampled_from(["MIT", "GPL-3.0", "CC BY 4.0", "CERN-OHL-S v2", "Apache 2.0",
                                               "version 3", "v1.2", "This project", "The design files"])))
        else:
            parts.append(draw(st.text(alphabet="abcdeilmnoprstu -_.:/0123", max_size=20)))
    return "".join(parts)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(readme_text())
def test_readme_licences_agree_without_the_literal_gates(markdown: str) -> None:
    """The literal gates in front of the mention patterns (and of each README paragraph) hide no statement."""
    from registry.normalize import _prefilter

    fast = readme_licences(markdown)
    saved = [(g, g.keys) for g in _prefilter._GATES]
    try:
        for g, _ in saved:
            g.keys = None   # every pattern on every paragraph and sentence
        plain = readme_licences(markdown)
    finally:
        for g, keys in saved:
            g.keys = keys
    assert fast == plain


def _content_types_plain(paths: list[str]) -> set[str]:
    """content_types without its early stop: every path classified."""
    kinds: set[str] = set()
    data_files = 0
    for path in paths:
        parts = [p for p in path.split("/") if p]
        if not parts or "node_modules" in parts or any(p.startswith(".") for p in parts[:-1]):
            continue
        name, dirs = parts[-1], parts[:-1]
        low = name.lower()
        ext = low.rsplit(".", 1)[-1] if "." in low.lstrip(".") else ""
        hw_dir = any(content.HW_DIR_RE.match(d) for d in dirs)
        doc_dir = any(content.DOC_DIR_RE.match(d) for d in dirs)
        if ext in content._HW_EXT or hw_dir or content._GERBER_EXT_RE.fullmatch(ext):
            kinds.add("hardware")
        if ext in content._SW_EXT and not (low == "conf.py" and doc_dir):
            kinds.add("software")
        if ext in content._DOC_EXT or low.startswith("readme") or doc_dir:
            kinds.add("documentation")
        if ext in content._DATA_EXT and not low.startswith("."):
            data_files += 1
    if data_files and not kinds & {"hardware", "software"}:
        kinds.add("software")
    return kinds


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.lists(st.sampled_from(["docs", "hardware", "cad", "src", ".git", "node_modules", "misc", "",
                                          "conf.py", "a.stl", "b.py", "c.md", "README", "d.yaml", ".e.json", "f.gtl",
                                          "g.bin", "Documentation", "STLs"]), min_size=1, max_size=4)
                .map("/".join), max_size=12))
def test_content_types_agree_with_reading_every_folder(paths: list[str]) -> None:
    """Stopping once every type is found gives the types reading every path gives."""
    assert content_types(paths) == _content_types_plain(paths)
