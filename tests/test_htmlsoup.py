"""HTML attribute values read as HTML5 reads them: a query's `&section=2` is no `§ion=2` (crawler/htmlsoup.py)."""

from __future__ import annotations

from crawler.htmlsoup import protect_attributes, soup
from crawler.mdlist import parse_list

HREF = "https://boards.example.org/find?a=1&section=2&region=us&copy=3&not=4&times=5"


def test_a_bare_legacy_reference_in_an_attribute_stays_literal() -> None:
    page = soup(f'<p>Boards &amp; more</p><a href="{HREF}&amp;z=6&para;">find</a><img src="x.png?w=1&deg=2">')
    assert page.a["href"] == HREF + "&z=6¶"  # complete references (with ';') are still read
    assert page.img["src"] == "x.png?w=1&deg=2"
    assert page.p.text == "Boards & more"


def test_text_and_bytes_are_handled_alike_and_untouched_markup_is_the_same_object() -> None:
    assert soup(f'<a href="{HREF}">x</a>'.encode()).a["href"] == HREF
    plain = "<a href='https://example.org/'>x</a>"
    assert protect_attributes(plain) is plain
    # outside tags nothing changes: text follows HTML's own rules
    assert protect_attributes("a &section b <i class=x>") == "a &section b <i class=x>"


def test_an_html_list_link_keeps_its_query_as_its_markdown_twin_does() -> None:
    html = f'## Tools\n\n<ul><li><a href="{HREF}">Finder</a> – finds boards</li></ul>\n'
    twin = f"## Tools\n\n- [Finder]({HREF}) – finds boards\n"
    assert [e.urls for e in parse_list(html)] == [e.urls for e in parse_list(twin)] == [[HREF]]
