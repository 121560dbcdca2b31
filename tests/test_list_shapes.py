"""Lists as people write them: each shape (heading sections with labelled bullets, Markdown and HTML tables,
nested bullets, bold-name paragraphs, a URL per line) parses to exactly its entries and their link kinds, and a
table of contents, badges, a press section or another order of the entries never changes the projects."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.linkkind import label_kind, link_kind
from crawler.mdlist import parse_list, reference_heading

# modelled on a list whose entries are headings: `#### Name`, a paragraph, labelled bullets and press links
HEADINGS = """# Open Ventilator Designs

A list of builds. [![Awesome](https://awesome.re/badge.svg)](https://awesome.re)

## Table of Contents
- [Ventilators](#ventilators)
- [Monitors](#monitors)
- [Press](#press)

## Ventilators

#### Breathe Easy
A bag-valve design with a 3D-printed cam.
- Website: https://breatheeasy.example.org
- Files: [CAD and STL](https://drive.google.com/drive/folders/abc)
- Source: [GitHub](https://github.com/breathe/easy)
- Video: [Demo](https://www.youtube.com/watch?v=abc123&feature=youtu.be)
- Tested: ✅ by [@alice](https://github.com/alice)
- Status: prototype
- Licence: CERN-OHL-S
- Press: [Hackaday writeup](https://hackaday.com/2020/04/01/breathe-easy/), [Local news](https://news.example.com/2020/04/02/local-makers)

#### Ambu Driver
Drives a bag with a wiper motor. Shared on [Twitter](https://twitter.com/ambudriver/status/1) by its maker.
- Files: [Printables](https://www.printables.com/model/12345-ambu-driver)
- Tested: ❌

#### Lung in a Box
Only reported so far.
- Press: [Article](https://news.example.com/2020/05/01/lung-in-a-box)

## Monitors

#### FlowMon
- Website: [flowmon.example.net](https://flowmon.example.net/)
- Docs: [Build guide](https://flowmon.readthedocs.io/en/latest/)
- Paper: [HardwareX](https://doi.org/10.1016/j.ohx.2020.e00131)

## Press

- [Makers fight COVID](https://www.nytimes.com/2020/04/01/technology/makers.html)
- [Open hardware to the rescue](https://www.wired.com/story/open-hardware-rescue/)

## Contributing
Send a [pull request](https://github.com/lists/open-vents/pulls).
"""

# modelled on an awesome list whose projects sit in a Markdown table with badge columns
TABLE = """# Awesome Keyboards [![Awesome](https://awesome.re/badge.svg)](https://awesome.re)

| Name | Description | Stars | Licence | Website |
|------|-------------|-------|---------|---------|
{corne}
{ferris}
| [Lily58](https://gitlab.com/kata0510/lily58) | 58 keys | | MIT | |
| Planck | Ortholinear 40% | | | [olkb.com](https://olkb.com/collections/planck) |

## License

[![CC0](https://licensebuttons.net/p/zero/1.0/88x31.png)](https://creativecommons.org/publicdomain/zero/1.0/)
""".format(
    corne="| [Corne](https://github.com/foostan/crkbd) | Split keyboard, 42 keys "
          "| ![stars](https://img.shields.io/github/stars/foostan/crkbd) | MIT | |",
    ferris="| [Ferris](https://github.com/pierrechevalier83/ferris) | Tiny 34-key split "
           "| [![s](https://img.shields.io/github/stars/p/f)](https://github.com/pierrechevalier83/ferris/stargazers) "
           "| CERN-OHL-P | [site](https://ferris.example.org) |",
)

# modelled on a list that mixes Markdown with an HTML table
HTML_TABLE = """# Open Lab Hardware

## Microscopes
<table>
<tr><th>Project</th><th>About</th><th>Repository</th></tr>
<tr><td><a href="https://openflexure.org">OpenFlexure</a></td><td>3D-printed microscope</td>
<td><a href="https://gitlab.com/openflexure/openflexure-microscope">code</a></td></tr>
<tr><td>FlyPi</td><td>All-in-one lab tool</td><td><a href="https://github.com/amchagas/Flypi">repo</a></td></tr>
</table>
"""

# modelled on the PubInv list: numbered entries, nested updates, a TOC, reference sections of several kinds
NESTED = """# COVID-19 Ventilator Projects

## Contents
* [Buildable](#buildable-projects)
* [Resources](#resources)

## Buildable Projects

1. [AmboVent](https://1nn0v8ter.rocks/AmboVent-1690-108): A well-tested design. They released their [plans and code](https://github.com/AmboVent/AmboVent).
1. [Protofy Team OxyGEN](https://oxygen.protofy.xyz/): has a [repo](https://github.com/ProtofyTeam/OxyGEN).
   * March 16th: limited control.
   * Status: prototype
   * Discord group: https://discord.gg/zDYmR5
1. [Oxford news report](https://www.youtube.com/watch?v=xdZtMgpxnPI): yet another news report.
* Bag-valve designs
  * [Zephyr](https://github.com/Julhh/Zephyr): open mechanical ventilator
  * [VentilAid](https://www.ventilaid.org/): pneumatic prototype

## Reports on Projects with No Designs

1. [Aquarium pumps](https://www.npr.org/sections/health-shots/2014/01/03/259436844/aquarium-pumps)
1. [Sloan prize](https://www.medicaldesignandoutsourcing.com/low-cost-ventilator-wins-sloan-health-care-prize/)

## Resources

1. [Key Ventilation Specifications](https://e-vent.mit.edu/clinical/key-ventilation-specifications/)

## FAQ

Q: What is a test lung? A: a [bag](https://smile.amazon.com/gp/product/B0767RBQ1H)
"""

BOLD = """# Ventilator notes

## Designs

**OpenLung** — a bag valve mask ventilator. [GitLab](https://gitlab.com/open-source-ventilator/OpenLung)

**[Mechanical Ventilator Milano](https://arxiv.org/abs/2003.10405)**: a paper describing the design.

**Note**: we have not tested these, see [our criteria](https://docs.example.org/criteria).
"""

URL_LINES = "https://github.com/OpenGammaProject/Mini-SiD\nhttps://gitlab.com/a/board\n\nhttps://github.com/rbaron/b-parasite\n"


def _shape(entries):
    return [(e.name, e.primary, [lk.kind for lk in e.links]) for e in entries]


def test_heading_sections_with_labelled_bullets():
    entries = parse_list(HEADINGS)
    assert _shape(entries) == [
        ("Breathe Easy", "https://github.com/breathe/easy",
         ["homepage", "files", "repo", "video", "profile", "press", "press"]),
        ("Ambu Driver", "https://www.printables.com/model/12345-ambu-driver", ["social", "hub"]),
        ("Lung in a Box", None, ["press"]),
        ("FlowMon", "https://flowmon.example.net/", ["homepage", "docs", "paper"]),
    ]
    easy = entries[0]
    assert easy.heading_path == ["Open Ventilator Designs", "Ventilators"] and easy.category == "Ventilators"
    assert easy.annotations == {"tested": "✅ by @alice", "status": "prototype", "licence": "CERN-OHL-S"}
    # the repository names the project; the labelled website is the same project; files, video and press are not
    assert easy.urls == ["https://github.com/breathe/easy", "https://breatheeasy.example.org"]
    assert [lk.field for lk in easy.links][:4] == ["Website", "Files", "Source", "Video"]
    assert "3D-printed cam" in easy.description
    assert entries[1].annotations == {"tested": "❌"}
    assert entries[2].urls == []  # an article only: one entry, named by its heading, no link names it
    assert entries[3].heading_path[-1] == "Monitors"


def test_markdown_table_one_entry_per_row():
    entries = parse_list(TABLE)
    assert _shape(entries) == [
        ("Corne", "https://github.com/foostan/crkbd", ["repo"]),
        ("Ferris", "https://github.com/pierrechevalier83/ferris", ["repo", "homepage"]),
        ("Lily58", "https://gitlab.com/kata0510/lily58", ["repo"]),
        ("Planck", "https://olkb.com/collections/planck", ["homepage"]),
    ]
    assert entries[1].urls == ["https://github.com/pierrechevalier83/ferris", "https://ferris.example.org"]
    assert [e.annotations.get("licence") for e in entries] == ["MIT", "CERN-OHL-P", "MIT", None]
    assert entries[0].description == "Split keyboard, 42 keys"
    assert entries[1].links[1].field == "Website"


def test_html_table_one_entry_per_row():
    entries = parse_list(HTML_TABLE)
    assert _shape(entries) == [
        ("OpenFlexure", "https://gitlab.com/openflexure/openflexure-microscope", ["homepage", "repo"]),
        ("FlyPi", "https://github.com/amchagas/Flypi", ["repo"]),
    ]
    assert entries[0].description == "3D-printed microscope"
    assert entries[0].category == "Microscopes"


def test_nested_bullets_describe_their_parent_and_references_make_nothing():
    entries = parse_list(NESTED)
    assert _shape(entries) == [
        ("AmboVent", "https://github.com/AmboVent/AmboVent", ["homepage", "repo"]),
        ("Protofy Team OxyGEN", "https://github.com/ProtofyTeam/OxyGEN", ["homepage", "repo", "social"]),
        ("Oxford news report", None, ["video"]),
        ("Zephyr", "https://github.com/Julhh/Zephyr", ["repo"]),
        ("VentilAid", "https://www.ventilaid.org/", ["homepage"]),
    ]
    oxygen = entries[1]
    assert oxygen.annotations == {"status": "prototype"}
    assert "March 16th: limited control." in oxygen.description
    assert oxygen.urls == ["https://github.com/ProtofyTeam/OxyGEN", "https://oxygen.protofy.xyz/"]
    # a bullet without a link of its own is a category of the bullets under it
    assert entries[3].heading_path == ["COVID-19 Ventilator Projects", "Buildable Projects", "Bag-valve designs"]


def test_bold_name_paragraphs():
    assert _shape(parse_list(BOLD)) == [
        ("OpenLung", "https://gitlab.com/open-source-ventilator/OpenLung", ["repo"]),
        ("Mechanical Ventilator Milano", "https://arxiv.org/abs/2003.10405", ["paper"]),
    ]


def test_items_that_name_themselves_before_their_links():
    text = ("## Microscopes\n\n- OpenFlexure: [website](https://openflexure.org), [repo](https://gitlab.com/of/scope)\n"
            "- **FlyPi** — [code](https://github.com/amchagas/Flypi)\n"
            "- Website: [Kitspace](https://kitspace.org/boards/x)\n")
    assert _shape(parse_list(text)) == [
        ("OpenFlexure", "https://gitlab.com/of/scope", ["homepage", "repo"]),
        ("FlyPi", "https://github.com/amchagas/Flypi", ["repo"]),
        ("Kitspace", "https://kitspace.org/boards/x", ["hub"]),
    ]


def test_one_url_per_line():
    assert [(e.name, e.line) for e in parse_list(URL_LINES)] == [("Mini-SiD", 1), ("board", 2), ("b-parasite", 4)]


def test_exclude_sections_stays_a_curators_override():
    names = [e.name for e in parse_list(NESTED, exclude_sections=["Buildable Projects"])]
    assert names == []
    assert [e.name for e in parse_list(HEADINGS, exclude_sections=["Monitors"])][-1] == "Lung in a Box"


@pytest.mark.parametrize("heading, ref", [
    ("Contributing", True), ("Table of Contents", True), ("Essential Reading", True), ("Videos", True),
    ("Challenges and Calls for Papers", True), ("Potential Grant Resources", True), ("FAQs", True),
    ("Related awesome", True), ("Press", True), ("License", True), ("Communities working on ventilators", True),
    ("Related Therapeutic Projects", False), ("Most Buildable Projects", False), ("Ambubag based", False),
    ("Microscopes", False), ("Test Equipment/Projects", False),
])
def test_reference_headings(heading, ref):
    assert reference_heading(heading) is ref


@pytest.mark.parametrize("url, label, kind", [
    ("https://github.com/a/b", "Files", "repo"),
    ("https://github.com/alice", "", "profile"),
    ("https://codeberg.org/o/r", "", "repo"),
    ("https://bitbucket.org/o/r/src", "", "repo"),
    ("https://www.youtube.com/watch?v=x", "Website", "video"),
    ("https://doi.org/10.1/x", "", "paper"),
    ("https://www.ncbi.nlm.nih.gov/pmc/articles/PMC123/", "", "paper"),
    ("https://arxiv.org/abs/2003.10405", "", "paper"),
    ("https://hackaday.io/project/1-x", "", "hub"),
    ("https://www.appropedia.org/Vent", "", "hub"),
    ("https://www.thingiverse.com/thing:1", "", "hub"),
    ("https://www.instructables.com/id/X/", "", "hub"),
    ("https://certification.oshwa.org/us000001.html", "", "hub"),
    ("https://twitter.com/x/status/1", "", "social"),
    ("https://example.org/dl/board.zip", "", "files"),
    ("https://example.org/", "Files", "files"),
    ("https://example.org/", "Docs", "docs"),
    ("https://example.org/", "Video", "video"),
    ("https://example.org/", "Press", "press"),
    ("https://example.org/", "", "homepage"),
    ("https://example.org/", "Source", "homepage"),
    ("https://news.example.org/2020/04/01/makers", "", "press"),
    ("https://docs.example.org/build", "", "docs"),
])
def test_link_kinds(url, label, kind):
    assert link_kind(url, label) == kind


def test_label_kinds():
    assert [label_kind(x) for x in ("Website:", "**Files**", "Source code", "Build guide", "Video", "in the news",
                                    "Stars", "")] == ["homepage", "files", "repo", "docs", "video", "press", None, None]


# -- the set of projects does not depend on what surrounds the entries ------------------------------------------

POOL = [
    ("Breathe Easy", ["- Website: https://breatheeasy.example.org", "- Source: [code](https://github.com/b/easy)",
                      "- Press: [news](https://news.example.com/2020/01/02/breathe)"]),
    ("Ambu Driver", ["- Files: [Printables](https://www.printables.com/model/1-ambu)", "- Tested: ✅"]),
    ("FlowMon", ["- Website: [site](https://flowmon.example.net/)", "- Docs: https://flowmon.readthedocs.io/"]),
    ("Lung Box", ["- Video: [demo](https://youtu.be/abc)", "- Status: concept"]),
    ("VentCore", ["- Source: https://gitlab.com/vent/core", "- Video: https://vimeo.com/1"]),
    ("Zephyr", ["- Repository: [GitHub](https://github.com/Julhh/Zephyr)", "- Licence: MIT"]),
]
TOC = "## Contents\n- [Designs](#designs)\n- [Press](#press)\n\n"
BADGES = "[![Awesome](https://awesome.re/badge.svg)](https://awesome.re) [![CI](https://x.io/b.svg)](https://x.io)\n\n"
PRESS = ("## Press\n\n- [Makers fight COVID](https://www.nytimes.com/2020/04/01/technology/makers.html)\n"
         "- [Open hardware](https://www.wired.com/story/open-hardware/)\n\n")


def _render(shape: str, entries: list[tuple[str, list[str]]], toc: bool, badges: bool, press: str) -> str:
    head = "# Designs list\n\n" + (BADGES if badges else "") + (TOC if toc else "")
    press_first = press == "before"
    body = "## Designs\n\n"
    if shape == "sections":
        body += "".join(f"#### {name}\nA design.\n" + "\n".join(lines) + "\n\n" for name, lines in entries)
    else:  # bullets: the entry's first link on its line, the others nested under it
        for name, lines in entries:
            first, *rest = lines
            link = first.split(": ", 1)[1]
            url = link[link.index("(") + 1:-1] if link.startswith("[") else link
            body += f"- [{name}]({url}): a design.\n" + "".join("  " + ln + "\n" for ln in rest)
        body += "\n"
    return head + (PRESS if press_first else "") + body + (PRESS if press == "after" else "")


def _projects(text: str) -> set[tuple[str, str | None]]:
    return {(e.name, e.primary) for e in parse_list(text)}


@settings(max_examples=int(os.environ.get("OHR_FUZZ_EXAMPLES", "60")), deadline=None, derandomize=True)
@given(shape=st.sampled_from(["sections", "bullets"]),
       chosen=st.lists(st.sampled_from(range(len(POOL))), min_size=1, max_size=len(POOL), unique=True),
       order=st.randoms(use_true_random=False), toc=st.booleans(), badges=st.booleans(),
       press=st.sampled_from(["none", "before", "after"]))
def test_toc_badges_press_and_order_never_change_the_projects(shape, chosen, order, toc, badges, press):
    entries = [POOL[i] for i in chosen]
    plain = _projects(_render(shape, entries, False, False, "none"))
    assert len(plain) == len(entries)
    shuffled = list(entries)
    order.shuffle(shuffled)
    assert _projects(_render(shape, shuffled, toc, badges, press)) == plain
