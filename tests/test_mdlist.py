"""The Markdown list parser on the shapes real curated lists take."""

import pytest

from crawler.mdlist import extract_links, parse_list

LIST = """# Title with a [![badge](https://img.example/b.svg)](https://awesome.re)

Intro paragraph with a [link](https://not-a-project.example.org).

## Contents

* [Projects](#projects)

## Projects

1. [AmboVent](https://site.example/AmboVent): well tested. They released [plans](https://github.com/A/AmboVent)!
1. [Beatmungsgerät [Respirator]](https://devpost.com/software/diy): German site.
1. [OxyGEN](https://oxygen.example/): has a [repo](https://github.com/P/OxyGEN) and a [wiki](https://github.com/P/OxyGEN/wiki).
   * March 16th: limited control.
   * April 5th: see https://discord.gg/x for chat.
1. (https://www.kvue.com/article/news/coronavirus-ut-researchers-prototype-emergency-ventilator/269-1c)
1. [No scheme](industryvsvirus.de): German group
1. [Repo first](https://github.com/R/one): based on [another repo](https://github.com/R/two).
 **Note**: a continuation line.

### Sub section

- [Lancet](https://www.thelancet.com/journals/lancet/article/PIIS0140-6736(20)30566-3/fulltext)

```
1. [Inside code](https://code.example.org)
```

## Articles

1. [A paper](https://journal.example.org/p)
"""


@pytest.fixture
def entries():
    return parse_list(LIST, exclude_sections=["Articles", "Contents"])


def test_entries_and_headings(entries):
    names = [e.name for e in entries]
    assert names == ["AmboVent", "Beatmungsgerät [Respirator]", "OxyGEN",
                     "coronavirus ut researchers prototype emergency ventilator", "No scheme", "Repo first", "Lancet"]
    assert entries[0].heading_path == ["Title with a", "Projects"]
    assert entries[-1].heading_path == ["Title with a", "Projects", "Sub section"]
    assert entries[-1].category == "Sub section"


def test_site_and_repository_are_one_project(entries):
    # the primary link (a repository before a homepage) comes first: it names the project
    assert entries[0].urls == ["https://github.com/A/AmboVent", "https://site.example/AmboVent"]
    assert entries[0].primary == "https://github.com/A/AmboVent"
    # a repository's wiki is the same repository
    assert entries[2].urls == ["https://github.com/P/OxyGEN", "https://oxygen.example/"]
    # when the entry itself is a repository, other repositories are mentions, not the project
    assert entries[5].urls == ["https://github.com/R/one"]


def test_nested_updates_are_prose_not_projects(entries):
    desc = entries[2].description
    assert "March 16th: limited control." in desc and "April 5th" in desc
    assert all("discord" not in u for u in entries[2].urls)
    assert any(lk.nested and "discord.gg" in lk.url for lk in entries[2].links)


def test_unlabelled_and_schemeless_links(entries):
    # a bare news article is still one entry, named from its URL, but no link of it may name a project
    assert entries[3].urls == [] and entries[3].primary is None
    assert [lk.kind for lk in entries[3].links] == ["press"] and entries[3].links[0].url.startswith("https://www.kvue")
    assert entries[4].urls == ["https://industryvsvirus.de"]
    assert entries[5].description.endswith("Note: a continuation line.")


def test_url_with_parentheses_and_code_blocks(entries):
    assert entries[-1].urls == ["https://www.thelancet.com/journals/lancet/article/PIIS0140-6736(20)30566-3/fulltext"]
    assert not any("code.example.org" in u for e in entries for u in e.urls)


def test_excluded_sections_and_anchor_links_are_not_projects(entries):
    assert not any("journal.example.org" in u for e in entries for u in e.urls)
    assert not any(e.name == "Projects" for e in entries)


@pytest.mark.parametrize("text", ["", "no links at all", "* [x](#anchor)", "1. [broken](", "]]]((("])
def test_degenerate_input_gives_no_entries(text):
    assert parse_list(text) == []


def test_extract_links_orders_markdown_and_bare():
    links = extract_links("see [a](https://a.org) and https://b.org/x, then <https://c.org>")
    assert [lk.url for lk in links] == ["https://a.org", "https://b.org/x", "https://c.org"]
