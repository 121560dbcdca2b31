"""Lists written with setext headings (`Title` over `===` / `---`), HTML lists (`<ul>`, `<ol>`, `<details>`, also
indented under a Markdown bullet) or GFM tables without edge pipes give exactly the entries of their plain Markdown
twin: same names, descriptions, typed links, categories and annotations (only line numbers differ); their tables
of contents, badges and reference sections make none."""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

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


# -- HTML lists -----------------------------------------------------------------------------------------------------

# modelled on an awesome list written in HTML: a centred badge, a table of contents folded in <details>, <ul> and
# <ol> lists with nested lists, stars badges in the items, and a "Related lists" section of GitHub links
HTML_LISTS = """# Awesome Open Lab Hardware

<p align="center">
  <a href="https://awesome.re"><img src="https://awesome.re/badge.svg" alt="Awesome"></a>
</p>

<details>
<summary>Table of Contents</summary>
<ul>
  <li><a href="#microscopes">Microscopes</a></li>
  <li><a href="#pipettes">Pipettes</a></li>
</ul>
</details>

## Microscopes

<ul>
  <li><a href="https://github.com/openflexure/openflexure-microscope">OpenFlexure</a> &ndash; a 3D-printed
    microscope. <a href="https://github.com/openflexure/openflexure-microscope/stargazers"><img
    src="https://img.shields.io/github/stars/openflexure/openflexure-microscope" alt="stars"></a></li>
  <li><b>FlyPi</b>: <a href="https://github.com/amchagas/Flypi">code</a>,
    <a href="https://flypi.readthedocs.io/en/latest/">docs</a>
    <ul>
      <li>Status: prototype</li>
      <li>Licence: CERN-OHL-W</li>
      <li>Shown at <a href="https://www.youtube.com/watch?v=flypi1">a workshop</a></li>
    </ul>
  </li>
</ul>

## Pipettes

<ol>
  <li><a href="https://hackaday.io/project/1234-open-pipette">Open Pipette</a> – a pipette from a syringe.</li>
  <li>Liquid handlers
    <ol>
      <li><a href="https://gitlab.com/opentrons/ot2">OT-2 clone</a> – a liquid-handling robot.</li>
      <li><a href="https://www.thingiverse.com/thing:31415">Syringe pump</a></li>
    </ol>
  </li>
</ol>

## Related lists

<ul>
<li><a href="https://github.com/delftopenhardware/awesome-open-hardware">Awesome Open Hardware</a></li>
<li><a href="https://github.com/kiloreux/awesome-robotics">Awesome Robotics</a></li>
</ul>
"""

HTML_LISTS_TWIN = """# Awesome Open Lab Hardware

[![Awesome](https://awesome.re/badge.svg)](https://awesome.re)

## Table of Contents

- [Microscopes](#microscopes)
- [Pipettes](#pipettes)

## Microscopes

- [OpenFlexure](https://github.com/openflexure/openflexure-microscope) – a 3D-printed microscope. [![stars](https://img.shields.io/github/stars/openflexure/openflexure-microscope)](https://github.com/openflexure/openflexure-microscope/stargazers)
- **FlyPi**: [code](https://github.com/amchagas/Flypi), [docs](https://flypi.readthedocs.io/en/latest/)
  - Status: prototype
  - Licence: CERN-OHL-W
  - Shown at [a workshop](https://www.youtube.com/watch?v=flypi1)

## Pipettes

1. [Open Pipette](https://hackaday.io/project/1234-open-pipette) – a pipette from a syringe.
2. Liquid handlers
   1. [OT-2 clone](https://gitlab.com/opentrons/ot2) – a liquid-handling robot.
   2. [Syringe pump](https://www.thingiverse.com/thing:31415)

## Related lists

- [Awesome Open Hardware](https://github.com/delftopenhardware/awesome-open-hardware)
- [Awesome Robotics](https://github.com/kiloreux/awesome-robotics)
"""


def test_html_ul_and_ol_give_the_entries_of_their_markdown_twin():
    entries = _twins(HTML_LISTS, HTML_LISTS_TWIN)
    assert _summary(entries) == [
        ("OpenFlexure", "Microscopes", "https://github.com/openflexure/openflexure-microscope", ["repo"]),
        ("FlyPi", "Microscopes", "https://github.com/amchagas/Flypi", ["repo", "docs", "video"]),
        ("Open Pipette", "Pipettes", "https://hackaday.io/project/1234-open-pipette", ["hub"]),
        ("OT-2 clone", "Liquid handlers", "https://gitlab.com/opentrons/ot2", ["repo"]),
        ("Syringe pump", "Liquid handlers", "https://www.thingiverse.com/thing:31415", ["hub"]),
    ]
    assert entries[0].description == "a 3D-printed microscope."
    flypi = entries[1]
    assert flypi.annotations == {"status": "prototype", "licence": "CERN-OHL-W"}
    assert [(lk.label, lk.nested) for lk in flypi.links] == [("code", False), ("docs", False), ("a workshop", True)]
    assert flypi.description == "FlyPi: code, docs\n- Status: prototype\n- Licence: CERN-OHL-W\n- Shown at a workshop"
    assert entries[3].heading_path == ["Awesome Open Lab Hardware", "Pipettes", "Liquid handlers"]
    # each <li> keeps the line it starts on
    lines = HTML_LISTS.splitlines()
    assert [lines[e.line - 1].strip()[:4] for e in entries] == ["<li>"] * 5


# modelled on lists that fold each category in <details> (Markdown inside, as GitHub renders it, or HTML), one
# nested in another, one <details> being a project with labelled bullets, and folded references
DETAILS = """# Open Ventilators

## Designs

<details>
<summary><b>Ventilators</b></summary>

- [Zephyr](https://github.com/Julhh/Zephyr) - open mechanical ventilator.
- [VentilAid](https://www.ventilaid.org/) - pneumatic prototype.

<details><summary>Bag-valve drivers</summary>

1. [AmboVent](https://github.com/AmboVent/AmboVent): a well-tested design.

</details>
</details>

{pumps}

<details open>
<summary>Breathe Easy</summary>

A bag-valve design with a 3D-printed cam.
- Website: https://breatheeasy.example.org
- Source: [GitHub](https://github.com/breathe/easy)
- Tested: ✅

</details>

<details>
<summary>Related lists</summary>

- [Awesome Open Hardware](https://github.com/delftopenhardware/awesome-open-hardware)
- [Awesome Robotics](https://github.com/kiloreux/awesome-robotics)

</details>

## Further reading

<details><summary>Build logs</summary>
<ul>
<li><a href="https://github.com/someone/vent-build-log">Vent build log</a></li>
<li><a href="https://github.com/other/vent-diary">Vent diary</a></li>
</ul>
</details>
""".format(pumps='<details><summary>Pumps &amp; monitors</summary><ul><li><a href="https://github.com/PubInv/ventmon">'
                 "VentMon</a> – inline tester.</li></ul></details>")

DETAILS_TWIN = """# Open Ventilators

## Designs

### Ventilators

- [Zephyr](https://github.com/Julhh/Zephyr) - open mechanical ventilator.
- [VentilAid](https://www.ventilaid.org/) - pneumatic prototype.

#### Bag-valve drivers

1. [AmboVent](https://github.com/AmboVent/AmboVent): a well-tested design.

### Pumps & monitors

- [VentMon](https://github.com/PubInv/ventmon) – inline tester.

### Breathe Easy

A bag-valve design with a 3D-printed cam.
- Website: https://breatheeasy.example.org
- Source: [GitHub](https://github.com/breathe/easy)
- Tested: ✅

### Related lists

- [Awesome Open Hardware](https://github.com/delftopenhardware/awesome-open-hardware)
- [Awesome Robotics](https://github.com/kiloreux/awesome-robotics)

## Further reading

### Build logs

- [Vent build log](https://github.com/someone/vent-build-log)
- [Vent diary](https://github.com/other/vent-diary)
"""


def test_details_blocks_are_sections_named_by_their_summary():
    entries = _twins(DETAILS, DETAILS_TWIN)
    assert _summary(entries) == [
        ("Zephyr", "Ventilators", "https://github.com/Julhh/Zephyr", ["repo"]),
        ("VentilAid", "Ventilators", "https://www.ventilaid.org/", ["homepage"]),
        ("AmboVent", "Bag-valve drivers", "https://github.com/AmboVent/AmboVent", ["repo"]),
        ("VentMon", "Pumps & monitors", "https://github.com/PubInv/ventmon", ["repo"]),
        ("Breathe Easy", "Designs", "https://github.com/breathe/easy", ["homepage", "repo"]),
    ]
    assert entries[2].heading_path == ["Open Ventilators", "Designs", "Ventilators", "Bag-valve drivers"]
    easy = entries[4]
    assert easy.shape == "section" and easy.annotations == {"tested": "✅"}
    assert easy.urls == ["https://github.com/breathe/easy", "https://breatheeasy.example.org"]


def test_a_heading_inside_details_stays_inside_and_content_after_it_returns_to_the_enclosing_section():
    text = ("# L\n\n## Designs\n\n<details><summary>Boards</summary>\n\n## Sensors\n\n"
            "- [S](https://github.com/a/s)\n\n</details>\n\n- [After](https://github.com/a/after)\n\n## Other\n\n"
            "- [O](https://github.com/a/o)\n")
    assert [(e.name, e.heading_path) for e in parse_list(text)] == [  # in document order
        ("S", ["L", "Designs", "Boards", "Sensors"]), ("After", ["L", "Designs"]), ("O", ["L", "Other"])]
    # a <details> never closed, or with no summary, still gives its entries
    assert [e.heading_path for e in parse_list("<details>\n\n- [S](https://github.com/a/s)\n")] == [[]]
    unclosed = "# L\n\n<details><summary>Boards</summary>\n\n- [S](https://github.com/a/s)\n"
    assert [e.heading_path for e in parse_list(unclosed)] == [["L", "Boards"]]


def test_an_html_list_left_open_ends_at_the_next_heading_and_html_inside_a_markdown_item_describes_it():
    text = ('## Boards\n\n<ul>\n<li><a href="https://github.com/a/one">One</a>\n\n'
            "## Sensors\n\n- [Two](https://github.com/a/two)\n  <ul><li>Status: prototype</li></ul>\n")
    entries = parse_list(text)
    assert [(e.name, e.category, e.annotations) for e in entries] == [  # the <ul> under Two is its nested list
        ("One", "Boards", {}), ("Two", "Sensors", {"status": "prototype"})]
    assert "Status: prototype" in entries[1].description
    # an HTML table after a list on the same line as its closing tag is still read
    same_line = ('<ul><li><a href="https://github.com/a/one">One</a></li></ul><table><tr><th>Name</th></tr>'
                 '<tr><td><a href="https://github.com/a/two">Two</a></td></tr></table>\n')
    assert [(e.name, e.shape) for e in parse_list(same_line)] == [("One", "item"), ("Two", "row")]


def test_a_summary_that_only_says_click_to_expand_names_no_section_and_wrappers_say_nothing():
    html = ("# Vents\n\n## Designs\n\n<details><summary>Click to expand the full list</summary>\n\n"
            "- [Zephyr](https://github.com/Julhh/Zephyr) - open mechanical ventilator.\n\n</details>\n\n"
            "### Breathe Easy\n\n<details>\n<summary>Show details</summary>\n\nA bag-valve design.\n"
            "- Website: https://breatheeasy.example.org\n- Source: [GitHub](https://github.com/breathe/easy)\n"
            "</details>\n\n### Pumps\n\n"
            '<div align="center"><ul><li><a href="https://github.com/a/pump">Pump</a> – a syringe pump.</li></ul>'
            "</div>\n")
    twin = ("# Vents\n\n## Designs\n\n- [Zephyr](https://github.com/Julhh/Zephyr) - open mechanical ventilator.\n\n"
            "### Breathe Easy\n\nA bag-valve design.\n- Website: https://breatheeasy.example.org\n"
            "- Source: [GitHub](https://github.com/breathe/easy)\n\n### Pumps\n\n"
            "- [Pump](https://github.com/a/pump) – a syringe pump.\n")
    entries = _twins(html, twin)
    assert _summary(entries) == [
        ("Zephyr", "Designs", "https://github.com/Julhh/Zephyr", ["repo"]),
        ("Breathe Easy", "Designs", "https://github.com/breathe/easy", ["homepage", "repo"]),
        ("Pump", "Pumps", "https://github.com/a/pump", ["repo"]),
    ]
    assert entries[1].shape == "section" and entries[2].description == "a syringe pump."


def test_hostile_nesting_and_long_lines_of_html_are_read_in_bounded_work():
    from conftest import cpu_budget

    link = "<a href='https://github.com/a/deep'>Deep</a>"
    cases = [
        ("<ul><li>" + link) * 3000,  # lists nested 3000 deep
        "<details><summary>x</summary>" * 30000,  # folds nested 30000 deep on one line
        "<details><summary>x</summary>\n" * 30000,  # the same, a line each
        "<ul></ul>" * 30000 + "\n- [After](https://github.com/a/after)\n",  # 30000 HTML blocks on one line
        "".join(" " * i + "- x\n" for i in range(3000)) + " " * 3000 + "- [Deep](https://github.com/a/deep)\n",
        ("<table><tr><td>" + link) * 2000,  # tables nested 2000 deep (each row's cells were read whole: minutes)
        "<table><tr><td>" + "<div>" * 3000 + "<table><tr><td>" + link + "</td></tr></table></td></tr></table>",
        "<ul><li>" + "<span>" * 3000 + link + "<script>alert(1)</script></li></ul>",
        "- [A](https://github.com/a/a)\n  " + ("<ul><li>" + link) * 3000,  # the same under a Markdown bullet
        "- [A](https://github.com/a/a)\n  <ul><li>x\n" + "  more\n" * 30000 + "- [B](https://github.com/a/b)\n",
        "- [A](https://github.com/a/a)\n  " + "<ul></ul>" * 30000,
    ]
    found = []
    with cpu_budget(15.0):
        for text in cases:
            found.append([e.name for e in parse_list(text)])
    assert found[0] == ["Deep"] and found[1] == found[2] == []
    assert found[3] == ["After"]  # what the long line left unread does not hide the lines after it
    assert found[4] == ["Deep"]  # bullets deeper than 24 are text of the 24th: its link is kept
    assert found[5] == ["Deep"] * 2000  # one entry per row, each with its own cell only
    assert found[6] == ["Deep", "Deep"]  # a table buried under 3000 wrappers stays in its cell (as it always did)
    assert found[7] == ["Deep"]  # a link under 3000 wrappers is still the item's link; a script is no text
    assert found[8] == ["A"]  # 3000 lists nested under a bullet describe it
    assert found[9] == ["A", "B"] and found[10] == ["A"]


def test_a_table_nested_in_a_layout_table_gives_its_rows_and_the_layout_row_none():
    layout = ('## Boards\n\n<table><tr><td>\n<table><tr><th>Name</th><th>About</th></tr>'
              '<tr><td><a href="https://github.com/a/one">One</a></td><td>first &amp; best</td><td><a href="https://one.example.org/?a=1&amp;b=2">site</a></tr>'
              '<tr><td><a href="https://github.com/a/two">Two</a></td><td>second</td></tr></table>\n</td></tr></table>\n')
    assert [(e.name, e.urls, e.description) for e in parse_list(layout)] == [
        ("One", ["https://github.com/a/one"], "first & best"), ("Two", ["https://github.com/a/two"], "second")]
    assert parse_list(layout)[0].links[1].url == "https://one.example.org/?a=1&b=2"  # entities read in hrefs too


def test_preview_source_shows_html_lists_details_and_setext_as_their_markdown_twins(run_ohr, tmp_path):
    import json

    shown = {}
    for name, text in [("html.md", HTML_LISTS), ("html-twin.md", HTML_LISTS_TWIN), ("details.md", DETAILS),
                       ("details-twin.md", DETAILS_TWIN), ("setext.md", SETEXT), ("setext-twin.md", SETEXT_TWIN),
                       ("table.md", _vents(False, False)), ("table-twin.md", _vents(True, True)),
                       ("in-item.md", HTML_IN_ITEM), ("in-item-twin.md", HTML_IN_ITEM_TWIN)]:
        (tmp_path / name).write_text(text, encoding="utf-8")
        r = run_ohr("preview-source", "--file", str(tmp_path / name), "-f", "json")
        assert r.code == 0, r.err
        shown[name] = json.loads(r.out)
    for name in ("html", "details", "setext", "table", "in-item"):
        assert shown[f"{name}.md"] == shown[f"{name}-twin.md"]
    assert [e["name"] for e in shown["table.md"]["entries"]] == ["Zephyr", "AmboVent", "VentilAid", "VentMon"]
    assert shown["in-item.md"]["entries"][0]["annotations"] == "status: production, licence: CERN-OHL-W"
    html = shown["html.md"]
    assert [(e["name"], e["category"], e["project"]) for e in html["entries"]] == [
        ("OpenFlexure", "Microscopes", "github.com/openflexure/openflexure-microscope"),
        ("FlyPi", "Microscopes", "github.com/amchagas/flypi"),
        ("Open Pipette", "Pipettes", "hackaday.io/project/1234-open-pipette"),
        ("OT-2 clone", "Liquid handlers", "gitlab.com/opentrons/ot2"),
        ("Syringe pump", "Liquid handlers", "thingiverse.com/thing:31415"),
    ]
    assert html["entries"][1]["links"] == ("repo: https://github.com/amchagas/Flypi; docs: "
                                           "https://flypi.readthedocs.io/en/latest/; video: "
                                           "https://www.youtube.com/watch?v=flypi1")
    assert html["entries"][1]["annotations"] == "status: prototype, licence: CERN-OHL-W"
    assert html["problems"] == []
    assert [e["category"] for e in shown["details.md"]["entries"]] == [
        "Ventilators", "Ventilators", "Bag-valve drivers", "Pumps & monitors", "Designs"]
    table = run_ohr("preview-source", "--file", str(tmp_path / "details.md"))
    assert table.code == 0 and "5 entries (nothing written)" in table.out and "AmboVent" in table.out
    assert not list(tmp_path.glob("*.duckdb"))


def test_character_references_read_as_github_shows_them_in_both_twins():
    html = ('## Tools\n\n<ul><li><a href="https://tools.example.org/?a=1&amp;b=2">Tom &amp; Jerry</a> &ndash; '
            "fits 5 &lt;b&gt; boards, &amp;amp; more</li></ul>\n")
    twin = ("## Tools\n\n- [Tom & Jerry](https://tools.example.org/?a=1&amp;b=2) – fits 5 &lt;b&gt; boards, "
            "&amp;amp; more\n")
    (entry,) = _twins(html, twin)
    assert (entry.name, entry.urls, entry.description) == (
        "Tom & Jerry", ["https://tools.example.org/?a=1&b=2"], "fits 5 <b> boards, &amp; more")
    # only complete references are read: a query's `&copy=2` is no ©
    assert parse_list("- [x](https://tools.example.org/?a=1&copy=2)")[0].urls == ["https://tools.example.org/?a=1&copy=2"]


def test_details_inside_an_html_item_is_a_category_or_a_nested_description():
    html = ('## Designs\n\n<ul>\n<li><details><summary>Bag-valve drivers</summary><ul>\n'
            '<li><a href="https://github.com/Julhh/Zephyr">Zephyr</a> – open ventilator.</li></ul></details></li>\n'
            '<li><a href="https://github.com/breathe/easy">Breathe Easy</a> – a cam design.\n'
            '<details><summary>More</summary>Built twice; see the <a href="https://easy.readthedocs.io/">guide</a>.'
            "</details></li>\n</ul>\n")
    twin = ("## Designs\n\n- Bag-valve drivers\n  - [Zephyr](https://github.com/Julhh/Zephyr) – open ventilator.\n"
            "- [Breathe Easy](https://github.com/breathe/easy) – a cam design.\n"
            "  - More Built twice; see the [guide](https://easy.readthedocs.io/).\n")
    entries = _twins(html, twin)
    assert _summary(entries) == [
        ("Zephyr", "Bag-valve drivers", "https://github.com/Julhh/Zephyr", ["repo"]),
        ("Breathe Easy", "Designs", "https://github.com/breathe/easy", ["repo", "docs"]),
    ]
    assert entries[1].links[1].nested and "Built twice" in entries[1].description


# -- GFM tables without leading or trailing pipes ------------------------------------------------------------------

# modelled on awesome lists that write their tables GFM's short way: the same rows, with pipes at both ends, at
# neither, at the start only or at the end only; alignment colons; an escaped `\|` and inline code holding a `|`;
# a trailing empty cell (which a row without its closing pipe cannot show: the row is one cell shorter)
_VENT_ROWS = [
    ["Name", "Description", "Licence", "Website"],
    [":---", ":---", ":---:", "---:"],
    ["[Zephyr](https://github.com/Julhh/Zephyr)", "open mechanical ventilator", "CERN-OHL-S",
     "[site](https://zephyr.example.org)"],
    ["[AmboVent](https://github.com/AmboVent/AmboVent)", "bag-valve driver, `a|b` mode switch", "MIT", ""],
    ["VentilAid", r"pneumatic prototype \| tested twice", "", "[ventilaid.org](https://www.ventilaid.org/)"],
]
_MONITOR_ROWS = [
    ["Project", "Repository"],
    ["-", "-"],  # GFM: one hyphen is a delimiter cell
    ["VentMon", "[code](https://github.com/PubInv/ventmon)"],
]


def _table(rows: list[list[str]], lead: bool, trail: bool) -> str:
    return "\n".join(("| " if lead else "") + " | ".join(r) + (" |" if trail else "") for r in rows)


def _vents(lead: bool, trail: bool) -> str:
    return (f"# Open Ventilators\n\nDesigns that passed a bench test.\n\n## Ventilators\n\n"
            f"{_table(_VENT_ROWS, lead, trail)}\n\n## Monitors\n\nTested on a lung simulator.\n"
            f"{_table(_MONITOR_ROWS, lead, trail)}\n\n## License\n\nCC0 | public domain\n")


def test_gfm_tables_without_leading_or_trailing_pipes_give_the_rows_of_their_piped_twin():
    piped = _vents(True, True)
    for lead, trail in [(False, False), (True, False), (False, True)]:
        entries = _twins(_vents(lead, trail), piped)
    assert _summary(entries) == [
        ("Zephyr", "Ventilators", "https://github.com/Julhh/Zephyr", ["repo", "homepage"]),
        ("AmboVent", "Ventilators", "https://github.com/AmboVent/AmboVent", ["repo"]),
        ("VentilAid", "Ventilators", "https://www.ventilaid.org/", ["homepage"]),
        ("VentMon", "Monitors", "https://github.com/PubInv/ventmon", ["repo"]),
    ]
    assert [e.shape for e in entries] == ["row"] * 4
    assert [e.annotations for e in entries] == [{"licence": "CERN-OHL-S"}, {"licence": "MIT"}, {}, {}]
    assert [e.description for e in entries] == [
        "open mechanical ventilator", "bag-valve driver, a|b mode switch", "pneumatic prototype | tested twice", ""]
    assert entries[0].links[1].field == "Website" and entries[3].links[0].field == "Repository"
    # each row keeps its own line
    lines = _vents(False, False).splitlines()
    assert [lines[e.line - 1].split(" | ")[0] for e in parse_list(_vents(False, False))] == [
        "[Zephyr](https://github.com/Julhh/Zephyr)", "[AmboVent](https://github.com/AmboVent/AmboVent)",
        "VentilAid", "VentMon"]


def test_only_a_delimiter_row_with_as_many_cells_makes_a_line_with_pipes_a_table():
    rows = "[Zephyr](https://github.com/Julhh/Zephyr) | open ventilator\n"
    table = "## Designs\n\nName | About\n--- | ---\n" + rows
    assert [(e.name, e.shape, e.description) for e in parse_list(table)] == [("Zephyr", "row", "open ventilator")]
    not_tables = [
        "## Designs\n\nName | About\n" + rows,  # no delimiter row: a paragraph that contains `|`
        "## Designs\n\nName | About\n--- | --- | ---\n" + rows,  # the delimiter row has more cells than the header
        "## Designs\n\nName | About | Licence\n--- | ---\n" + rows,  # or fewer
        "## Designs\n\nName | About\n\n--- | ---\n" + rows,  # a blank line between them
        "## Designs\n\nName | About\n--- | -x-\n" + rows,  # a cell that is no delimiter cell
        "## Designs\n\nName | About\n```\n--- | ---\n```\n" + rows,  # the delimiter in a code block
    ]
    for text in not_tables:
        assert [e.shape for e in parse_list(text)] == [], text
    # a paragraph's earlier lines stay a paragraph: the table takes its last line as header
    para = "## Designs\n\nSome text about designs.\nName | About\n--- | ---\n" + rows
    assert [(e.name, e.shape) for e in parse_list(para)] == [("Zephyr", "row")]
    # one column: without a pipe `---` underlines a setext heading; with one it is a table, as its piped twin
    setext = "Name\n---\n[Zephyr](https://github.com/Julhh/Zephyr)\n"
    assert [e.heading_path for e in parse_list("Boards\n---\n- [Zephyr](https://github.com/Julhh/Zephyr)\n")] == [
        ["Boards"]]
    assert parse_list(setext) == []
    one = _twins("Name |\n--- |\n[Zephyr](https://github.com/Julhh/Zephyr) |\n",
                 "| Name |\n| --- |\n| [Zephyr](https://github.com/Julhh/Zephyr) |\n")
    assert [(e.name, e.shape) for e in one] == [("Zephyr", "row")]
    assert _fields("| Name\n| ---\n| [Zephyr](https://github.com/Julhh/Zephyr)\n") == _fields(
        "Name |\n--- |\n[Zephyr](https://github.com/Julhh/Zephyr) |\n")


_CELL_TEXT = ["", "x", "open ventilator", "MIT", "CERN-OHL-S", "[Zephyr](https://github.com/Julhh/Zephyr)",
              "[site](https://zephyr.example.org/a_(b))", r"a \| b", "`a|b`", "**bold** text", "✅ by @alice",
              "<https://gitlab.com/a/b>", "[![s](https://img.shields.io/x.svg)](https://github.com/a/b/stargazers)"]
_HEADERS = ["Name", "Project", "Description", "Licence", "Status", "Website", "Repository", "Docs", "Notes"]


@st.composite
def _gfm_tables(draw: st.DrawFn) -> tuple[list[list[str]], bool, bool]:
    """A table's header, delimiter and rows, and where its pipeless twin keeps pipes (a row written without its
    leading pipe cannot start with an empty cell: GFM reads a leading `|` as the optional edge pipe)."""
    ncols = draw(st.integers(2, 5))
    header = draw(st.lists(st.sampled_from(_HEADERS), min_size=ncols, max_size=ncols))
    delim = draw(st.lists(st.sampled_from(["-", "---", ":---", "---:", ":-:"]), min_size=ncols, max_size=ncols))
    lead, trail = draw(st.sampled_from([(False, False), (True, False), (False, True)]))
    first = st.sampled_from(_CELL_TEXT[1:] if not lead else _CELL_TEXT)
    rows = draw(st.lists(st.tuples(first, st.lists(st.sampled_from(_CELL_TEXT), min_size=ncols - 1,
                                                   max_size=ncols - 1)).map(lambda t: [t[0], *t[1]]),
                         min_size=1, max_size=6))
    return [header, delim, *rows], lead, trail


@settings(max_examples=60, deadline=None, derandomize=True)
@given(_gfm_tables())
def test_any_table_without_edge_pipes_gives_the_entries_of_its_piped_twin(case):
    rows, lead, trail = case
    body = "## Boards\n\nThe boards we build.\n"
    entries = _twins(body + _table(rows, lead, trail) + "\n", body + _table(rows, True, True) + "\n")
    assert {e.shape for e in entries} <= {"row"}
    zephyr = "[Zephyr](https://github.com/Julhh/Zephyr)"
    if rows[0][0] == "Name" and any(r[0] == zephyr for r in rows[2:]):  # read as a table, not as a paragraph
        assert "Zephyr" in [e.name for e in entries]


def test_a_table_without_pipes_under_a_markdown_item_reads_as_its_piped_twin():
    bare = ("## Keyboards\n\n- [Corne](https://github.com/foostan/crkbd) – split keyboards, and its kin:\n"
            "  Name | About\n  --- | ---\n  [Lily58](https://gitlab.com/kata0510/lily58) | 58 keys\n")
    piped = ("## Keyboards\n\n- [Corne](https://github.com/foostan/crkbd) – split keyboards, and its kin:\n"
             "  | Name | About |\n  | --- | --- |\n  | [Lily58](https://gitlab.com/kata0510/lily58) | 58 keys |\n")
    entries = _twins(bare, piped)
    assert [(e.name, e.shape, e.description) for e in entries] == [
        ("Corne", "item", "split keyboards, and its kin:"), ("Lily58", "row", "58 keys")]


def test_long_lines_of_pipes_and_dashes_are_read_in_bounded_work():
    from conftest import cpu_budget

    n = 100_000
    cases = [
        "|" * n,  # one line of pipes
        "a | b\n" + "|" * n,  # under a header line
        "a | b\n" + "-|" * n + "x",  # a delimiter row spoilt at its very end
        "a | b\n" + "-" * n + "|" + ":" * n,  # a delimiter cell of 100,000 hyphens, then colons
        "a | b\n--- | ---\n" + "[" * n + "|" + "(" * n + "|\n",  # brackets never closed in a row
        " | ".join(["x"] * 20_000) + "\n" + " | ".join(["---"] * 20_000) + "\n"
        + " | ".join(["[Deep](https://github.com/a/deep)"] + ["y"] * 19_999) + "\n",  # 20,000 columns
        "a | b\n--- | ---\n[Deep](https://github.com/a/deep) | x\n" * 5_000,  # 5,000 tables one after another
        "Name | About\n" * 20_000 + "--- | ---\n[Deep](https://github.com/a/deep) | x\n",  # one long paragraph
        "- [Deep](https://github.com/a/deep)\n" + "  a | b\n  --- | --- | ---\n" * 20_000,  # an item's long text
    ]
    found = []
    with cpu_budget(5.0):
        for text in cases:
            found.append([e.name for e in parse_list(text)])
    assert found[:5] == [[]] * 5
    assert found[5] == ["Deep"]
    assert found[6] == ["Deep"] * 5_000 and found[7] == found[8] == ["Deep"]


# -- an HTML list inside a Markdown bullet -------------------------------------------------------------------------

# modelled on awesome lists that write a project's details as an HTML list under its bullet (indented on the next
# line, or after a blank line), and a category bullet whose projects are an HTML list
HTML_IN_ITEM = """# Open Lab Hardware

## Microscopes

- [OpenFlexure](https://github.com/openflexure/openflexure-microscope) – a 3D-printed microscope.
  <ul>
    <li>Status: production</li>
    <li>Licence: CERN-OHL-W</li>
    <li>Build log on <a href="https://www.youtube.com/watch?v=ofm1">YouTube</a></li>
  </ul>
- **FlyPi**: [code](https://github.com/amchagas/Flypi)

  <ol><li>Docs: <a href="https://flypi.readthedocs.io/">Read the Docs</a></li></ol>

## Pipettes

- Liquid handlers
  <ul>
  <li><a href="https://gitlab.com/opentrons/ot2">OT-2 clone</a> – a liquid-handling robot.
    <ul><li>Tested: ✅ by <a href="https://github.com/alice">@alice</a></li></ul></li>
  <li><a href="https://www.thingiverse.com/thing:31415">Syringe pump</a></li>
  </ul>
- [Open Pipette](https://hackaday.io/project/1234-open-pipette) – a pipette from a syringe.
"""

HTML_IN_ITEM_TWIN = """# Open Lab Hardware

## Microscopes

- [OpenFlexure](https://github.com/openflexure/openflexure-microscope) – a 3D-printed microscope.
  - Status: production
  - Licence: CERN-OHL-W
  - Build log on [YouTube](https://www.youtube.com/watch?v=ofm1)
- **FlyPi**: [code](https://github.com/amchagas/Flypi)

  1. Docs: [Read the Docs](https://flypi.readthedocs.io/)

## Pipettes

- Liquid handlers
  - [OT-2 clone](https://gitlab.com/opentrons/ot2) – a liquid-handling robot.
    - Tested: ✅ by [@alice](https://github.com/alice)
  - [Syringe pump](https://www.thingiverse.com/thing:31415)
- [Open Pipette](https://hackaday.io/project/1234-open-pipette) – a pipette from a syringe.
"""


def test_an_html_list_under_a_markdown_bullet_is_its_nested_list():
    entries = _twins(HTML_IN_ITEM, HTML_IN_ITEM_TWIN)
    assert _summary(entries) == [
        ("OpenFlexure", "Microscopes", "https://github.com/openflexure/openflexure-microscope", ["repo", "video"]),
        ("FlyPi", "Microscopes", "https://github.com/amchagas/Flypi", ["repo", "docs"]),
        ("OT-2 clone", "Liquid handlers", "https://gitlab.com/opentrons/ot2", ["repo", "profile"]),
        ("Syringe pump", "Liquid handlers", "https://www.thingiverse.com/thing:31415", ["hub"]),
        ("Open Pipette", "Pipettes", "https://hackaday.io/project/1234-open-pipette", ["hub"]),
    ]
    ofm = entries[0]
    assert [(lk.label, lk.nested) for lk in ofm.links] == [("OpenFlexure", False), ("YouTube", True)]
    assert ofm.annotations == {"status": "production", "licence": "CERN-OHL-W"}
    assert ofm.description == ("a 3D-printed microscope.\n- Status: production\n- Licence: CERN-OHL-W\n"
                               "- Build log on YouTube")
    assert entries[2].annotations == {"tested": "✅ by @alice"}
    assert entries[2].heading_path == ["Open Lab Hardware", "Pipettes", "Liquid handlers"]
    # the <li> items keep the lines they start on
    lines = HTML_IN_ITEM.splitlines()
    assert [lines[e.line - 1].strip()[:4] for e in entries] == ["- [O", "- **", "<li>", "<li>", "- [O"]


def test_an_html_list_left_open_under_a_markdown_bullet_ends_where_the_bullet_ends():
    text = ("## Boards\n\n- [One](https://github.com/a/one) – first.\n  <ul><li>Status: prototype\n\n"
            "  Built twice.\n- [Two](https://github.com/a/two) – second.\n\t<ul><li>Licence: MIT</li></ul>\n"
            "- [Three](https://github.com/a/three)\n")
    twin = ("## Boards\n\n- [One](https://github.com/a/one) – first.\n  - Status: prototype Built twice.\n"
            "- [Two](https://github.com/a/two) – second.\n  - Licence: MIT\n- [Three](https://github.com/a/three)\n")
    entries = _twins(text, twin)
    assert [(e.name, e.annotations) for e in entries] == [
        ("One", {"status": "prototype Built twice."}), ("Two", {"licence": "MIT"}), ("Three", {})]
    # an HTML list indented no deeper than the bullet is not inside it: a list of its own after it
    outside = "- [One](https://github.com/a/one)\n<ul><li><a href='https://github.com/a/two'>Two</a></li></ul>\n"
    assert [(e.name, e.annotations, len(e.links)) for e in parse_list(outside)] == [("One", {}, 1), ("Two", {}, 1)]
