"""Lists written with setext headings (`Title` over `===` / `---`) or HTML lists (`<ul>`, `<ol>`, `<details>`) give
exactly the entries of their plain Markdown twin: same names, descriptions, typed links, categories and
annotations (only line numbers differ); their tables of contents, badges and reference sections make none."""

from __future__ import annotations

import dataclasses

from crawler.mdlist import parse_list


def _fields(text: str) -> list[dict]:
    """Every field of every entry but its line number (the twins differ in how many lines they take)."""
    out = []
    for e in parse_list(text):
        d = dataclasses.asdict(e)
        del d["line"]
        out.append(d)
    return out


def _twins(a: str, b: str) -> list:
    """The entries of two twins, asserted equal field by field."""
    fa, fb = _fields(a), _fields(b)
    assert fa == fb
    return parse_list(a)


def _summary(entries) -> list[tuple]:
    return [(e.name, e.category, e.primary, [lk.kind for lk in e.links]) for e in entries]


# -- setext headings ------------------------------------------------------------------------------------------------

# modelled on an awesome list whose headings are all setext: a title, a TOC, two categories, a thematic break
# between groups of one category, and "Related lists" (GitHub links that are not projects) and "License" at the end
SETEXT = """Open Respiratory Hardware
=========================

[![Awesome](https://awesome.re/badge.svg)](https://awesome.re) [![CI](https://ci.example.org/b.svg)](https://ci.example.org)

Contents
--------

- [Ventilators](#ventilators)
- [Monitors](#monitors)

Ventilators
-----------

- [Zephyr](https://github.com/Julhh/Zephyr) - open mechanical ventilator.
  - Status: prototype
  - Licence: CERN-OHL-S
- [VentilAid](https://www.ventilaid.org/) - pneumatic prototype, [source](https://gitlab.com/ventilaid/ventilaid).

Designs that drive a bag-valve mask follow.

---

1. [AmboVent](https://github.com/AmboVent/AmboVent): a well-tested design.
   * Discord group: https://discord.gg/zDYmR5

Monitors
--------

* [VentMon](https://github.com/PubInv/ventmon-ventilator-inline-test-monitor) – inline tester.

***

* [FlowMon](https://flowmon.example.net/) – build guide on [Read the Docs](https://flowmon.readthedocs.io/).

Related lists
-------------

- [Awesome Open Hardware](https://github.com/delftopenhardware/awesome-open-hardware)
- [Awesome Robotics](https://github.com/kiloreux/awesome-robotics)

License
-------

[![CC0](https://licensebuttons.net/p/zero/1.0/88x31.png)](https://creativecommons.org/publicdomain/zero/1.0/)
"""

SETEXT_TWIN = """# Open Respiratory Hardware

[![Awesome](https://awesome.re/badge.svg)](https://awesome.re) [![CI](https://ci.example.org/b.svg)](https://ci.example.org)

## Contents

- [Ventilators](#ventilators)
- [Monitors](#monitors)

## Ventilators

- [Zephyr](https://github.com/Julhh/Zephyr) - open mechanical ventilator.
  - Status: prototype
  - Licence: CERN-OHL-S
- [VentilAid](https://www.ventilaid.org/) - pneumatic prototype, [source](https://gitlab.com/ventilaid/ventilaid).

Designs that drive a bag-valve mask follow.

1. [AmboVent](https://github.com/AmboVent/AmboVent): a well-tested design.
   * Discord group: https://discord.gg/zDYmR5

## Monitors

* [VentMon](https://github.com/PubInv/ventmon-ventilator-inline-test-monitor) – inline tester.

* [FlowMon](https://flowmon.example.net/) – build guide on [Read the Docs](https://flowmon.readthedocs.io/).

## Related lists

- [Awesome Open Hardware](https://github.com/delftopenhardware/awesome-open-hardware)
- [Awesome Robotics](https://github.com/kiloreux/awesome-robotics)

## License

[![CC0](https://licensebuttons.net/p/zero/1.0/88x31.png)](https://creativecommons.org/publicdomain/zero/1.0/)
"""


def test_setext_headings_are_sections_like_atx_headings():
    entries = _twins(SETEXT, SETEXT_TWIN)
    assert _summary(entries) == [
        ("Zephyr", "Ventilators", "https://github.com/Julhh/Zephyr", ["repo"]),
        ("VentilAid", "Ventilators", "https://gitlab.com/ventilaid/ventilaid", ["homepage", "repo"]),
        ("AmboVent", "Ventilators", "https://github.com/AmboVent/AmboVent", ["repo", "social"]),
        ("VentMon", "Monitors", "https://github.com/PubInv/ventmon-ventilator-inline-test-monitor", ["repo"]),
        ("FlowMon", "Monitors", "https://flowmon.example.net/", ["homepage", "docs"]),
    ]
    assert entries[0].heading_path == ["Open Respiratory Hardware", "Ventilators"]
    assert entries[0].annotations == {"status": "prototype", "licence": "CERN-OHL-S"}
    assert entries[0].description == "open mechanical ventilator.\n- Status: prototype\n- Licence: CERN-OHL-S"
    # the `---` after a blank line is a thematic break, not a heading: AmboVent stays under Ventilators and the
    # paragraph before it names no section
    assert not any("bag-valve" in " ".join(e.heading_path) for e in entries)


def test_a_dash_line_under_a_paragraph_is_a_heading_and_after_a_blank_line_a_break():
    heading = "Intro.\n\nMonitors\n---\n- [VentMon](https://github.com/PubInv/ventmon)\n"
    broken = "Intro.\n\nMonitors\n\n---\n- [VentMon](https://github.com/PubInv/ventmon)\n"
    assert [e.heading_path for e in parse_list(heading)] == [["Monitors"]]
    assert [e.heading_path for e in parse_list(broken)] == [[]]
    # `***`, `___` and `- - -` under a paragraph are breaks, never headings; `===` under a paragraph is a level-1
    # heading (a `---` heading under it nests)
    for rule in ("***", "___", "- - -"):
        assert [e.heading_path for e in parse_list(f"Monitors\n{rule}\n- [V](https://github.com/a/v)\n")] == [[]]
    nested = "Hardware\n===\n\nMonitors\n--\n- [V](https://github.com/a/v)\n\nBoards\n========\n- [B](https://github.com/a/b)\n"
    assert [e.heading_path for e in parse_list(nested)] == [["Hardware", "Monitors"], ["Boards"]]
    # a paragraph that is an HTML block (a centred logo) is no heading: the list's title stays its title
    logo = ('<p align="center"><img src="logo.png"></p>\n---\n\n# Awesome Resources\n\n## Boards\n'
            "- [B](https://github.com/a/b)\n")
    assert [e.heading_path for e in parse_list(logo)] == [["Awesome Resources", "Boards"]]


# modelled on a list whose entries are setext headings with labelled bullets, and whose references are grouped
# under a level-1 setext heading
SETEXT_SECTIONS = """Ventilators
===========

Breathe Easy
------------
A bag-valve design with a 3D-printed cam.
- Website: https://breatheeasy.example.org
- Source: [GitHub](https://github.com/breathe/easy)
- Tested: ✅ by [@alice](https://github.com/alice)

Ambu Driver
-----------
Drives a bag with a wiper motor.
- Files: [Printables](https://www.printables.com/model/12345-ambu-driver)
- Status: concept

References
==========

Standards
---------
- [ISO 80601-2-12](https://www.iso.org/standard/72069.html)
- [Rapidly Manufactured Ventilator System](https://www.gov.uk/government/publications/rapidly-manufactured-ventilator)

Similar efforts
---------------
- [Open Source Ventilator](https://github.com/osv/osv)
- [Low-Cost Ventilator](https://github.com/jcl5m1/ventilator)
"""

SETEXT_SECTIONS_TWIN = """# Ventilators

## Breathe Easy
A bag-valve design with a 3D-printed cam.
- Website: https://breatheeasy.example.org
- Source: [GitHub](https://github.com/breathe/easy)
- Tested: ✅ by [@alice](https://github.com/alice)

## Ambu Driver
Drives a bag with a wiper motor.
- Files: [Printables](https://www.printables.com/model/12345-ambu-driver)
- Status: concept

# References

## Standards
- [ISO 80601-2-12](https://www.iso.org/standard/72069.html)
- [Rapidly Manufactured Ventilator System](https://www.gov.uk/government/publications/rapidly-manufactured-ventilator)

## Similar efforts
- [Open Source Ventilator](https://github.com/osv/osv)
- [Low-Cost Ventilator](https://github.com/jcl5m1/ventilator)
"""


def test_setext_heading_sections_and_references_under_a_setext_heading():
    entries = _twins(SETEXT_SECTIONS, SETEXT_SECTIONS_TWIN)
    assert _summary(entries) == [
        ("Breathe Easy", "Ventilators", "https://github.com/breathe/easy", ["homepage", "repo", "profile"]),
        ("Ambu Driver", "Ventilators", "https://www.printables.com/model/12345-ambu-driver", ["hub"]),
    ]
    assert [e.shape for e in entries] == ["section", "section"]
    assert entries[0].annotations == {"tested": "✅ by @alice"}
    assert entries[1].annotations == {"status": "concept"}
    assert entries[0].urls == ["https://github.com/breathe/easy", "https://breatheeasy.example.org"]
