"""BeautifulSoup for the crawler's HTML (list fragments, project pages), with attribute values read as HTML5 does.

Python's HTML parser decodes a legacy character reference written without its ';' (`&sect`, `&reg`, `&copy`,
`&para`, `&not`, ...) inside attribute values too, so a link `?a=1&section=2&region=us` came out as
`?a=1§ion=2®ion=us`. HTML5 leaves such a reference alone in an attribute when `=` or a letter or digit
follows it (browsers follow links as written); this module escapes those ampersands before parsing.
"""

from __future__ import annotations

import re
from html.entities import html5
from typing import Any

__all__ = ["protect_attributes", "soup"]

#: Legacy references HTML allows without ';' (amp, lt, copy, para, sect, reg, not, ...), longest first.
_LEGACY = sorted((k for k in html5 if not k.endswith(";")), key=len, reverse=True)
_BARE = re.compile("&(?=(?:" + "|".join(_LEGACY) + ")[=A-Za-z0-9])")
_BARE_B = re.compile(_BARE.pattern.encode("ascii"))
_TAG = re.compile(r"<[A-Za-z][^<>]*>")
_TAG_B = re.compile(_TAG.pattern.encode("ascii"))


def protect_attributes(markup: str | bytes) -> str | bytes:
    """The markup with every '&' that starts a legacy reference followed by '=' or a letter or digit inside a
    tag written as '&amp;' (what HTML5 reads there: a literal '&')."""
    if isinstance(markup, bytes):
        if b"&" not in markup:
            return markup
        return _TAG_B.sub(lambda m: _BARE_B.sub(b"&amp;", m.group(0)), markup)
    if "&" not in markup:
        return markup
    return _TAG.sub(lambda m: _BARE.sub("&amp;", m.group(0)), markup)


def soup(markup: str | bytes) -> Any:
    """A BeautifulSoup tree (html.parser) of the markup, its attribute values read as HTML5 reads them."""
    from bs4 import BeautifulSoup

    return BeautifulSoup(protect_attributes(markup), "html.parser")
