"""Read just enough MediaWiki wikitext to describe a project: first paragraph, template parameters, licences, links.

Pure string work (no MediaWiki parser): templates are matched by brace depth, everything else by
patterns. Unknown markup is dropped, never interpreted.
"""

from __future__ import annotations

import html
import re

from crawler.links import find_urls

__all__ = ["first_paragraph", "licences", "strip_markup", "templates", "wiki_links"]

_COMMENT = re.compile(r"<!--.*?(-->|$)", re.S)
_REF = re.compile(r"<ref[^>/]*/>|<ref[^>]*>.*?</ref>", re.S | re.I)
_DROP_BLOCKS = re.compile(r"<(gallery|math|syntaxhighlight|source|pre|code|nowiki|score|timeline|references)"
                          r"[^>]*>.*?</\1>", re.S | re.I)
_TAG = re.compile(r"</?[a-z][a-z0-9]*(\s[^<>]*)?/?>", re.I)
_MAGIC = re.compile(r"__[A-Z]+__")
_EXT_LINK = re.compile(r"\[(https?://[^\s\]]+)(?:\s+([^\]]*))?\]", re.I)
_BOLD = re.compile(r"'{2,5}")
_HEADING = re.compile(r"^=+.*=+\s*$")
_FILE_NS = ("file:", "image:", "category:", "media:", "datei:", "fichier:", "archivo:", "kategorie:", "catégorie:")

#: Licence names as wiki pages write them (templates, infobox values, prose).
_LICENCE = re.compile(
    r"\b(CC[- ]?0(?:[- ]1\.0)?|CC[- ]BY(?:[- ](?:SA|NC|ND)){0,2}(?:[- ]\d\.\d)?|CERN[- ]OHL(?:[- ][SPW])?"
    r"(?:[- ]v?\d(?:\.\d)?)?|TAPR[- ]OHL(?:[- ]\d\.\d)?|Solderpad(?:[- ]\d\.\d)?|GNU FDL|GFDL(?:[- ]\d\.\d)?|"
    r"A?GPL[- ]?v?\d(?:\.\d)?(?:[- ]or[- ]later|\+)?|LGPL[- ]?v?\d(?:\.\d)?|MIT License|Apache[- ]2\.0|"
    r"Public Domain)\b",
    re.I,
)
_LICENCE_KEYS = ("license", "licence", "licensing", "licenses", "licences")


def _matching(text: str, start: int, open_: str, close: str) -> int:
    """Index just past the block opened at ``start`` (nesting counted), or len(text) if unclosed."""
    depth, i = 0, start
    while i < len(text):
        if text.startswith(open_, i):
            depth += 1
            i += len(open_)
        elif text.startswith(close, i):
            depth -= 1
            i += len(close)
            if depth == 0:
                return i
        else:
            i += 1
    return len(text)


def _remove_blocks(text: str, open_: str, close: str) -> str:
    out, i = [], 0
    while True:
        j = text.find(open_, i)
        if j < 0:
            out.append(text[i:])
            return "".join(out)
        out.append(text[i:j])
        i = _matching(text, j, open_, close)


def _split_top(body: str, sep: str = "|") -> list[str]:
    """Split template text on ``sep`` outside nested templates and links."""
    parts, depth, cur, i = [], 0, [], 0
    while i < len(body):
        two = body[i:i + 2]
        if two in ("{{", "[["):
            depth += 1
            cur.append(two)
            i += 2
            continue
        if two in ("}}", "]]") and depth:
            depth -= 1
            cur.append(two)
            i += 2
            continue
        if body[i] == sep and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(body[i])
        i += 1
    parts.append("".join(cur))
    return parts


def templates(wikitext: str) -> list[tuple[str, dict[str, str]]]:
    """Top-level templates in order: (name, parameters); positional parameters are keyed "1", "2", …."""
    text = _COMMENT.sub("", wikitext or "")
    out = []
    i = 0
    while True:
        j = text.find("{{", i)
        if j < 0:
            return out
        end = _matching(text, j, "{{", "}}")
        body = text[j + 2:end - 2]
        i = end
        if body.startswith("{"):  # a {{{parameter}}}
            continue
        parts = _split_top(body)
        name = parts[0].strip()
        params: dict[str, str] = {}
        pos = 0
        for part in parts[1:]:
            if "=" in part and not part.split("=", 1)[0].strip().startswith(("{", "[")):
                k, v = part.split("=", 1)
                params[k.strip().lower()] = v.strip()
            else:
                pos += 1
                params[str(pos)] = part.strip()
        out.append((name, params))


def _link(m: re.Match[str]) -> str:
    inner = m.group(1)
    target, _, label = inner.partition("|")
    if target.strip().lower().startswith(_FILE_NS):
        return ""
    return (label or target).strip()


def strip_markup(wikitext: str) -> str:
    """Plain text of wikitext: templates, tables, files, references and tags dropped; links to their labels."""
    text = _COMMENT.sub("", wikitext or "")
    text = _REF.sub("", text)
    text = _DROP_BLOCKS.sub("", text)
    text = _remove_blocks(text, "{{", "}}")
    text = _remove_blocks(text, "{|", "|}")
    for _ in range(3):  # file captions may hold links: innermost first
        text = re.sub(r"\[\[([^\[\]]*)\]\]", _link, text)
    text = _EXT_LINK.sub(lambda m: (m.group(2) or "").strip(), text)
    text = _TAG.sub("", text)
    text = _MAGIC.sub("", text)
    text = _BOLD.sub("", text)
    return html.unescape(text)


def first_paragraph(wikitext: str, max_chars: int = 1000) -> str | None:
    """The first prose paragraph (not a heading, list or table line), markup stripped, whitespace folded."""
    for block in re.split(r"\n\s*\n", strip_markup(wikitext)):
        lines = [ln.strip() for ln in block.splitlines()]
        prose = [ln for ln in lines if ln and not _HEADING.match(ln) and ln[0] not in "*#:;|!{}"]
        text = re.sub(r"\s+", " ", " ".join(prose)).strip()
        if len(re.findall(r"[^\W\d_]", text)) >= 20:
            return text if len(text) <= max_chars else text[: max_chars - 1].rsplit(" ", 1)[0] + "…"
    return None


def licences(wikitext: str) -> dict[str, str]:
    """Declared licences: infobox `license` parameters (the project), licence templates and phrases (the page).

    Returns {"hardware": …} for a project-data parameter and {"documentation": …} for the page text.
    """
    out: dict[str, str] = {}
    for name, params in templates(wikitext):
        low = name.lower()
        for key in _LICENCE_KEYS:
            value = strip_markup(params.get(key, "")).strip()
            if value and "hardware" not in out:
                out["hardware"] = value
        if low.startswith(("license", "licence")) and params.get("1") and "documentation" not in out:
            out["documentation"] = strip_markup(params["1"]).strip()
        elif _LICENCE.fullmatch(name.strip().replace("_", " ")) and "documentation" not in out:
            out["documentation"] = name.strip()
    if "documentation" not in out:
        m = _LICENCE.search(strip_markup(wikitext))
        if m:
            out["documentation"] = m.group(1)
    return out


def wiki_links(wikitext: str) -> list[tuple[str, str]]:
    """External links written in the text: (url, label) for `[url label]`, and bare URLs with an empty label."""
    text = _COMMENT.sub("", wikitext or "")
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for m in _EXT_LINK.finditer(text):
        url = m.group(1)
        if url not in seen:
            seen.add(url)
            out.append((url, strip_markup(m.group(2) or "").strip()))
    for url in find_urls(_EXT_LINK.sub(" ", text)):
        if url not in seen:
            seen.add(url)
            out.append((url, ""))
    return out
