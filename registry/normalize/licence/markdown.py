"""README markup reduced to prose: links kept as text and ⟨url⟩, badges set apart, then split into paragraphs,
list items and table rows under their headings, and into sentences."""

from __future__ import annotations

import re
from dataclasses import dataclass

_LINK_RE = re.compile(r"(!?)\[((?:[^\[\]]|\[[^\]]*\])*)\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
_HTML_A_RE = re.compile(r"<a\s[^>]*href=[\"']([^\"']+)[\"'][^>]*>(.*?)</a>", re.I | re.S)
_IMG_RE = re.compile(r"<img\s[^>]*>", re.I)
BADGE_RE = re.compile(r"(?:shields\.io|badgen\.net|badge|travis|circleci|codecov)", re.I)
URL_OPEN, URL_CLOSE = "\u27e8", "\u27e9"  # ⟨url⟩ marks a link target inside cleaned text
URL_SPAN_RE = re.compile(f"{URL_OPEN}[^{URL_CLOSE}]*{URL_CLOSE}")

_COMMENT_RE = re.compile(r"<!--.*?-->", re.S)
_FENCE_RE = re.compile(r"^\s*```.*?^\s*```", re.S | re.M)
_BR_RE = re.compile(r"<br\s*/?>", re.I)
_ANGLE_URL_RE = re.compile(r"<(https?://[^>\s]+)>")
_TAG_RE = re.compile(r"</?[A-Za-z][^>\n]*>")
_RST_LINK_RE = re.compile(r"`([^`<]+?)\s*<([^>`]+)>`_+")
_SRC_RE = re.compile(r"src=[\"']([^\"']+)")
_ALT_RE = re.compile(r"alt=[\"']([^\"']*)")
_LICENCE_WORD_RE = re.compile(r"licen[cs]e", re.I)
_INNER_IMG_RE = re.compile(r"!\[([^\]]*)\]\(([^)]*)\)")


def clean_markdown(text: str) -> tuple[str, list[tuple[str, str]]]:
    """Markdown/HTML reduced to prose: comments, code and images dropped, links become 'text ⟨url⟩'.

    Also returns the badge images found, as (alt, url). Each substitution runs only when the text holds a literal
    every match of it contains: most READMEs lack most markup, and a link pattern starting `(!?)` is tried at every
    position of the text.
    """
    badges: list[tuple[str, str]] = []
    t = _COMMENT_RE.sub(" ", text) if "<!--" in text else text
    if "```" in t:
        t = _FENCE_RE.sub(" ", t)

    def img(m: re.Match[str]) -> str:
        src = _SRC_RE.search(m.group(0))
        alt = _ALT_RE.search(m.group(0))
        if src and (BADGE_RE.search(src.group(1)) or (alt and _LICENCE_WORD_RE.search(alt.group(1)))):
            badges.append((alt.group(1) if alt else "", src.group(1)))
        return " "

    if "<" in t:
        t = _BR_RE.sub("\n", t)
        t = _IMG_RE.sub(img, t)
        t = _HTML_A_RE.sub(lambda m: f"{m.group(2)} {URL_OPEN}{m.group(1)}{URL_CLOSE}", t)
        t = _ANGLE_URL_RE.sub(lambda m: f"{URL_OPEN}{m.group(1)}{URL_CLOSE}", t)
        t = _TAG_RE.sub(" ", t)

    def link(m: re.Match[str]) -> str:
        bang, label, url = m.group(1), m.group(2), m.group(3)
        inner = _INNER_IMG_RE.match(label.strip())
        if inner:  # [![alt](img)](target): a badge
            badges.append((inner.group(1), inner.group(2)))
            return " "
        if bang:
            if BADGE_RE.search(url) or _LICENCE_WORD_RE.search(label):
                badges.append((label, url))
            return " "
        return f"{label} {URL_OPEN}{url}{URL_CLOSE}"

    for _ in range(2):
        if "](" in t:
            t = _LINK_RE.sub(link, t)
    # reStructuredText links: `text <url>`_
    if ">`_" in t:
        t = _RST_LINK_RE.sub(lambda m: f"{m.group(1)} {URL_OPEN}{m.group(2)}{URL_CLOSE}", t)
    return t, badges


@dataclass
class Unit:
    """A paragraph, list item or table row of a README, with the headings above it."""

    text: str
    headings: list[str]
    para: int
    cells: list[str] | None = None
    header_cells: list[str] | None = None


_ATX_RE = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_BOLD_HEADING_RE = re.compile(r"(\*\*|__)([^*_]{1,60})\1:?")
_ITEM_RE = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")
_LABEL_RE = re.compile(r"^\s*[\w][\w /&,()-]{0,40}:\s+\S")
_SENTENCE_SPLIT_RE = re.compile(r"[.!?;](\s+)(?=[\"'(*_\[]*[A-Z0-9])")   # the mark is kept: split_after
_UNDERLINE_RE = re.compile(r"([=\-~^*#+`'\"])\1{2,}")
_UNDERLINE_MARKS = frozenset("=-~^*#+`'\"")  # the characters an underline line starts with
_TABLE_SEP_RE = re.compile(r"\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?")


def units(text: str) -> list[Unit]:
    """Split cleaned markdown / reStructuredText into paragraphs, list items and table rows under their headings."""
    lines = text.splitlines()
    stack: list[tuple[int, str]] = []
    units: list[Unit] = []
    buf: list[str] = []
    para = 0
    header: list[str] | None = None
    in_table = False
    heads: list[str] = []  # the titles on `stack`, rebuilt when it changes (units only read them)

    def flush() -> None:
        nonlocal buf
        if buf:  # the lines in `buf` are stripped already
            if any(buf):  # some line is more than white space
                units.append(Unit(" ".join(buf), heads, para))
            buf = []

    def push(level: int, title: str) -> None:
        nonlocal para, header, in_table, heads
        flush()
        para += 1
        header, in_table = None, False
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, title.strip(" #*_:=")))
        heads = [h for _, h in stack]

    def cells_of(line: str) -> list[str]:
        return [c.strip() for c in line.strip().strip("|").split("|")]

    # each pattern is tried only on a line holding the character every match of it starts with (most lines are
    # plain prose, which then costs no regex at all); the lines are stripped once, not again as the next line
    strips = [ln.strip() for ln in lines]
    strips.append("")
    n = len(lines)
    i = 0
    while i < n:
        line = lines[i]
        stripped = strips[i]
        nxt = strips[i + 1]
        atx = _ATX_RE.match(line) if stripped[:1] == "#" else None
        if atx:
            push(len(atx.group(1)), atx.group(2))
            i += 1
            continue
        if "|" in stripped and _TABLE_SEP_RE.fullmatch(nxt) and "-" in nxt:
            flush()
            header, in_table = cells_of(stripped), True
            units.append(Unit(" | ".join(header), heads, para, header, None))
            i += 2
            continue
        if in_table and "|" in stripped:
            cells = cells_of(stripped)
            units.append(Unit(" | ".join(cells), heads, para, cells, header))
            i += 1
            continue
        in_table = False
        if stripped and nxt[:1] in _UNDERLINE_MARKS and _UNDERLINE_RE.fullmatch(nxt) and len(stripped) <= 120 and \
                not _UNDERLINE_RE.fullmatch(stripped):
            push({"=": 1, "-": 2}.get(nxt[0], 3), stripped)
            i += 2
            continue
        if stripped[:1] in _UNDERLINE_MARKS and _UNDERLINE_RE.fullmatch(stripped):
            flush()
            i += 1
            continue
        bold = _BOLD_HEADING_RE.fullmatch(stripped) if stripped[:2] in ("**", "__") else None
        if bold:
            push(7, bold.group(2))
            i += 1
            continue
        if not stripped:
            flush()
            para += 1
            i += 1
            continue
        first = stripped[0]
        if ((first in "-*+•" or first.isdigit()) and _ITEM_RE.match(line)) or (":" in line and _LABEL_RE.match(line)):
            flush()
            buf.append(_ITEM_RE.sub("", line).strip())
            i += 1
            continue
        buf.append(stripped)
        i += 1
    flush()
    return units


def split_after(splitter: re.Pattern[str], text: str) -> list[str]:
    """`text` split at group 1 of each match, the part before the group kept: `[.!?](\\s+)` splits as
    `(?<=[.!?])\\s+` does, but starts with a character set, which `re` skips to without trying every position."""
    parts: list[str] = []
    prev = 0
    for m in splitter.finditer(text):
        parts.append(text[prev:m.start(1)])
        prev = m.end()
    parts.append(text[prev:])
    return parts


def sentences(text: str) -> list[str]:
    """Sentences of a unit (split after '.', '!', '?' or ';' before a capital or digit)."""
    parts = split_after(_SENTENCE_SPLIT_RE, text)
    return [p.strip() for p in parts if p.strip()]
