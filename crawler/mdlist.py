"""Read a curated list (Markdown, with HTML tables and lists allowed) into its entries: one project per entry, each
with its typed links, whatever shape the list's author chose.

Shapes read: bullet or numbered items (nested bullets describe their parent); heading sections (`#### Name`, a
paragraph, then labelled bullets such as `- Website: …`, `- Files: …`, `- Tested: ✅ by @x`); Markdown and HTML
tables (one row per project; a Markdown table's rows may leave out their leading and trailing pipes, as GFM
allows: its delimiter row `--- | :---:` decides); `**Name** — text` paragraphs; a file of one URL per line.
Headings are ATX or setext (`Name` over `===` or `---`); an HTML `<ul>`/`<ol>` reads as the Markdown list it stands
for (indented under a Markdown bullet, as that bullet's nested list) and a `<details>` block as a section named by
its `<summary>`, so each gives the entries of its Markdown twin. A table of contents, badges and sections that are
references (contributing, licence, press, papers, videos, resources, FAQ…) make no entries: the parser decides by
a section heading's words and by what its links are (a section whose entries link only to articles, papers,
videos or profiles is references). The parser is a pure function of the text so it can be re-run on stored
documents.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from html import escape, unescape

from crawler.linkkind import REFERENCE_KINDS, label_kind, link_kind, primary_rank
from registry.urls import canonical_url, classify, github_repo, looks_like_url

__all__ = ["Link", "ListEntry", "extract_links", "iter_list", "parse_list", "reference_heading"]


@dataclass(frozen=True)
class Link:
    """One link of an entry: its text, absolute URL, whether it sat in a nested description, its kind and the
    label written in front of it ("Website", a table column's header), if any."""

    label: str
    url: str
    nested: bool = False
    kind: str = "homepage"
    field: str = ""


@dataclass
class ListEntry:
    """One entry of a list: one project, named by the entry, with every link it gives."""

    name: str
    urls: list[str]
    heading_path: list[str]
    description: str
    line: int
    links: list[Link] = field(default_factory=list)
    annotations: dict[str, str] = field(default_factory=dict)
    primary: str | None = None
    shape: str = "item"

    @property
    def category(self) -> str | None:
        """The innermost heading the entry sits under."""
        return self.heading_path[-1] if self.heading_path else None


_HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_ITEM = re.compile(r"^(\s*)(?:[-*+]|\d{1,4}[.)]|[a-zA-Z][.)])\s+(.*)$")
_FENCE = re.compile(r"^\s*(```|~~~)")
# [label](target "title") with one level of nested brackets in the label and of parentheses in the URL; group 1
# is "![" for an image. It opens with a choice of two literals so the regex engine skips to a "[" or "!" in C,
# and its loops are possessive (runs of plain characters in one step, no backtracking): giving back a label or
# URL character never lets the rest match, so the matches are those of the plain form `(!?)\[(...)*...(...)+`.
_LINK = re.compile(
    r"(!\[|\[)((?:[^\[\]]++|\[[^\[\]]*+\])*+)\]\(\s*+<?+((?:[^()\s<>]++|\([^()\s]*+\))++)>?"
    r"(?:\s+[\"'][^\"']*[\"'])?\s*\)"
)
_IMAGE = "!["
_BARE = re.compile(r"<?\b((?:https?://|www\.)[^\s<>()\[\]]*(?:\([^\s()]*\)[^\s<>()\[\]]*)*)>?", re.I)
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
_HTML_LINK = re.compile(r"<a\s[^>]*?href\s*=\s*[\"']([^\"']+)[\"'][^>]*>(.*?)</a>", re.I | re.S)
_HTML_IMG = re.compile(r"<img\b[^>]*>", re.I)
_TAGS = re.compile(r"</?[a-zA-Z][^>]*>")
_STRONG = re.compile(r"(?<!\w)(\*\*|__)(.+?)\1")
_EMPHASIS = re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*")
# compiled once: re.match(pattern, s, re.I) looks the pattern up, and its flag up as an enum, on every call
_HTTP = re.compile(r"^https?://", re.I)
_BARE_HTTP = re.compile(r"^\(?https?://\S+\)?\s*")
_LEADING_PUNCT = re.compile(r"^[\s:\-–—,.|]+")
_WORD = re.compile(r"[a-zA-Z]{3,}")
_SEPARATED = re.compile(r"[-_ ]|%20")
_SEPARATORS = re.compile(r"[-_ ]+")
_EXTENSION = re.compile(r"\.[a-z0-9]{2,4}$")
_NON_WORD = re.compile(r"[^\w]+")
# `Label: rest` at the start of a bullet (bold or not): a labelled line of a heading entry
_LABELLED = re.compile(r"^\s*(?:\*\*|__)?([A-Za-z][\w /&+.-]{0,28}?)(?:\*\*|__)?\s*:(?:\*\*|__)?\s*(.*)$")
# `**Name** — text`, `**[Name](url)**: text`
_BOLD_NAME = re.compile(r"^\s*(?:\*\*|__)(.+?)(?:\*\*|__)\s*(?:[:—–-]+|\s)\s*(.*)$")
# an item that names itself before its links: `Name: [site](…)`, `**Name** — [repo](…)`
_NAME_LEAD = re.compile(r"^\s*(?:\*\*|__)?([A-Za-z0-9][^\[\]()*_:]{0,58}?)(?:\*\*|__)?\s*(?::|\s[—–-])\s*\[")
# a setext heading's underline (after a paragraph line), a thematic break (anywhere else), CommonMark's rules
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_BREAK = re.compile(r"^ {0,3}(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})$")
_BREAK_CHARS = frozenset("=-*_")
_HTML_START = re.compile(r"^\s*</?[a-zA-Z]")  # a paragraph opening with a tag is an HTML block, never a heading
# a line opening an HTML table or list, or a <details> block, or closing one
_HTML_OPEN = re.compile(r"^<(table|ul|ol|details|/details)\b[^>]*>?", re.I)
_HTML_WRAP = re.compile(r"^(?:<(?:div|p|center|section)\b[^>]*>\s*)+(?=<(?:table|ul|ol|details)\b)", re.I)
_TABLE_TAGS = re.compile(r"<(/?)table\b[^>]*>?", re.I)
_LIST_TAGS = re.compile(r"<(/?)(?:ul|ol)\b[^>]*>?", re.I)
_MAX_REREADS = 2000  # HTML blocks read on one line
_MAX_DEPTH = 24  # <details> folded in one another that name sections; HTML lists nested as items
_SUMMARY_END = re.compile(r"</summary\s*>", re.I)
# a cell of a GFM table's delimiter row (`---`, `:---`, `:---:`), matched against one cell at a time (no backtracking)
_DELIM_CELL = re.compile(r":?-+:?")
_DELIM_CHARS = frozenset("|:- \t")
_ANNOTATION = re.compile(r"^(tested|status|state|maturity|stage|licen[cs]e|licensing|licen[cs]es)$", re.I)
_WORDS = re.compile(r"[a-z]+")

#: Words of a heading that say its section holds references, not projects.
REFERENCE_WORDS = frozenset("""
contents toc contributing contribute contribution contributions contributors contributor licence license licensing
source sources reference references research papers paper publications publication press media news articles
article related lists resources resource reading readings read videos video talks talk podcasts podcast
books book conferences conference events event faq faqs questions calls grants grant funding donations donation
donate sponsors sponsor communities community platforms platform training courses course tutorials education
educational learning acknowledgements acknowledgments credits thanks changelog footnotes glossary bibliography
citation citations challenges challenge hackathons about authors maintainers organisations organizations
companies newsletters forums blogs interviews reports literature
""".split())
#: Words that keep a heading a project section even beside a reference word ("Related Therapeutic Projects").
PROJECT_WORDS = frozenset("projects project designs design devices device builds kits boards hardware".split())
#: Words of a `<summary>` that only says the block folds something ("Click to expand", "Show the full list").
_FOLD_WORDS = frozenset("click tap here to expand collapse show hide see view open more less details the list all full"
                        " entries items".split())
_NOTE_NAMES = frozenset("""note notes caution warning update updates background introduction disclaimer tip tips
important edit todo summary tl dr tldr nb ps info evaluation criteria""".split())


def _link_label(m: re.Match[str]) -> str:
    """What a link becomes in plain text: its label, or nothing for an image."""
    return "" if m.group(1) == _IMAGE else m.group(2)


def _plain(md: str) -> str:
    """Markdown inline text to plain text: links to their labels, no images, tags or emphasis."""
    text = md
    for _ in range(3):  # badges nest an image inside a link
        if "](" not in text:  # no link left (a pass would change nothing)
            break
        new = _LINK.sub(_link_label, text)
        if new == text:
            break
        text = new
    if "<" in text:
        text = _TAGS.sub("", text)
    if "&" in text:
        text = _entities(text)  # `&amp;`, `&ndash;`: the characters GitHub shows (after tags are gone)
    if "**" in text or "__" in text:
        text = _STRONG.sub(r"\2", text)
    if "*" in text:
        text = _EMPHASIS.sub(r"\1", text)
    text = text.replace("`", "")
    return " ".join(text.split())  # runs of whitespace to one space (str.split and re's \s agree on what it is)


def _entities(text: str) -> str:
    """Character references (`&amp;`, `&#8211;`) read as the characters they stand for; only the complete ones
    (with their `;`), so a URL's `?a=1&copy=2` keeps its `&copy`."""
    return _ENTITY.sub(lambda m: unescape(m.group(0)), text)


def _clean_target(target: str) -> str | None:
    t = target.strip().strip("<>")
    if "&" in t:
        t = _entities(t)  # `href="…?a=1&amp;b=2"`, `[x](…?a=1&amp;b=2)` are `…?a=1&b=2`
    t = t.rstrip(".,;:")
    if not looks_like_url(t):
        return None
    if not _HTTP.match(t):
        t = "https://" + t
    return t


def extract_links(md: str) -> list[Link]:
    """Every absolute link in a Markdown fragment, in order: `[label](url)`, `<a href>`, `<url>` and bare URLs.

    Images and badges (a link whose label is only an image) are left out."""
    return list(_links(md))


@lru_cache(maxsize=1 << 12)
def _links(md: str) -> tuple[Link, ...]:
    """extract_links, remembered: a section's items are read twice (their labels, then their entries)."""
    found: list[tuple[int, Link]] = []
    spans: list[tuple[int, int]] = []
    for m in _LINK.finditer(md):
        spans.append(m.span())
        if m.group(1) == _IMAGE:
            continue
        raw_label = m.group(2).strip()
        label = _plain(raw_label)
        if not label and ("![" in raw_label or "<img" in raw_label.lower()):
            continue  # a badge
        url = _clean_target(m.group(3))
        if url:
            found.append((m.start(), Link(label, url)))
    if "<a" in md or "<A" in md:
        for m in _HTML_LINK.finditer(md):
            spans.append(m.span())
            label = _plain(_HTML_IMG.sub("", m.group(2)))
            if not label and _HTML_IMG.search(m.group(2)):
                continue
            url = _clean_target(m.group(1))
            if url:
                found.append((m.start(), Link(label, url)))
    if "<img" in md or "<IMG" in md:
        spans.extend(m.span() for m in _HTML_IMG.finditer(md))
    rest = md
    for a, b in sorted(spans, reverse=True):
        rest = rest[:a] + " " * (b - a) + rest[b:]
    low = rest.lower()
    for m in _BARE.finditer(rest) if "http" in low or "www." in low else ():
        url = _clean_target(m.group(1))
        if url:
            found.append((m.start(), Link("", url)))
    found.sort(key=lambda t: t[0])
    return tuple(lk for _, lk in found)


def _name_from_url(url: str) -> str:
    """A readable name for an unlabelled link: the repository name, the wordiest path slug, or the host."""
    c = canonical_url(url) or url
    tail = c.split("://", 1)[-1].split("?", 1)[0].rstrip("/")
    parts = [p for p in tail.split("/") if p]
    if classify(url) in ("github-repo", "gitlab-repo"):
        gh = github_repo(url)
        return gh[1] if gh else parts[-1]  # as the list wrote it
    slugs = [p for p in parts[1:] if _WORD.search(p) and _SEPARATED.search(p)]
    if slugs:
        best = max(slugs, key=lambda s: len(_WORD.findall(s)))
        words = _EXTENSION.sub("", best).replace("%20", " ")
        return _SEPARATORS.sub(" ", words).strip()
    return parts[0] if parts else url


def _heading_text(raw: str) -> str:
    return _plain(_HTML_COMMENT.sub("", raw))


def _norm(s: str) -> str:
    return _NON_WORD.sub(" ", s.casefold()).strip()


def reference_heading(heading: str) -> bool:
    """Whether a heading's words say its section holds references (press, papers, resources…), not projects."""
    words = set(_WORDS.findall(heading.casefold()))
    words |= {w[:-1] for w in words if w.endswith("s")}
    return bool(words & REFERENCE_WORDS) and not words & PROJECT_WORDS


# ---------------------------------------------------------------------------------------------- blocks


@dataclass
class _Item:
    """A list item: its own text, the line it starts on, and the items nested under it."""

    indent: int
    line: int
    own: list[str]
    children: list[_Item] = field(default_factory=list)


@dataclass
class _Section:
    """A heading and what sits under it up to the next heading: items, tables, paragraphs."""

    level: int
    title: str
    line: int
    path: list[str]
    parent: int | None
    excluded: bool
    items: list[_Item] = field(default_factory=list)
    tables: list[tuple[int, list[str]]] = field(default_factory=list)
    html: list[tuple[int, str]] = field(default_factory=list)
    paragraphs: list[tuple[int, str]] = field(default_factory=list)
    children: int = 0
    fold: bool = False  # a <details> block, named by its <summary>


def _indent(line: str) -> int:
    """The columns of whitespace a line opens with (a tab to the next multiple of 4, as an item's indent counts)."""
    return len(line[:len(line) - len(line.lstrip())].expandtabs(4))


def _blocks(markdown: str, excluded: set[str]) -> list[_Section]:
    """The document cut into sections (the text before the first heading is a section of level 0); a `<details>`
    block is a section named by its `<summary>`, and an HTML `<ul>`/`<ol>` gives items as a Markdown list does."""
    return _BlockReader(excluded).read(markdown)


class _BlockReader:
    """Reads a document line by line into sections: each kind of line (an HTML block's, a `<details>` summary's,
    a fence, a heading, an HTML tag, a table row, a setext underline or break, an item, text) has one method,
    which says whether it took the line; the state they share is this object's."""

    def __init__(self, excluded: set[str]) -> None:
        self.excluded = excluded
        self.sections = [_Section(0, "", 0, [], None, False)]
        self.open_at: list[int] = [0]  # indexes of the sections enclosing the current one, outermost first
        # (len(open_at) inside, len(open_at) outside) of each open <details>: a heading within it cannot close it
        self.floors: list[tuple[int, int]] = []
        self.sec = self.sections[0]
        self.stack: list[_Item] = []  # the open items, outermost first
        self.blank = False
        self.para: list[str] = []
        self.para_line = 0
        self.in_fence = False
        self.table: list[str] = []
        self.table_line = 0
        self.html: list[str] = []  # an HTML table or list being read, up to the tag that closes it
        self.html_line = 0
        self.html_tags: re.Pattern[str] | None = None
        self.html_depth = 0
        self.html_parent: _Item | None = None  # the Markdown item an HTML list indented under it is nested in
        self.summary: list[str] | None = None  # a <details> waiting for its <summary> (read up to </summary>)
        self.summary_line = 0
        self.pending: list[tuple[int, str]] = []  # what follows an HTML tag that closed mid-line, read on its own
        self.step = 0  # lines read so far (a line read again counts again)
        self.text_step = -1  # the step that last added a line of text to a paragraph or an item: a table's header?

    def read(self, markdown: str) -> list[_Section]:
        text = _HTML_COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), markdown.replace("\r\n", "\n"))
        lines = text.split("\n")
        i = reread = 0  # reread: how often the current line was read again (bounded: each copies what is left)
        while True:
            if self.pending:
                lineno, line = self.pending.pop()
                reread += 1
                if reread > _MAX_REREADS:  # a line of thousands of HTML blocks: what is left of it is not read
                    self.pending.clear()
                    if self.html_tags is not None:
                        self.end_html()
                    continue
            elif i < len(lines):
                line = lines[i]
                i += 1
                lineno = i
                reread = 0
            else:
                break
            self.step += 1
            self.line(line, lineno)
        self.flush_para()
        self.flush_table()
        if self.html_tags is not None:
            self.end_html()
        if self.summary is not None:
            self.open_details("\n".join(self.summary), self.summary_line)
        return self.sections

    def line(self, line: str, lineno: int) -> None:
        if self.html_tags is not None and self.html_line_(line, lineno):
            return
        if self.summary is not None and self.summary_line_(line, lineno):
            return
        if _FENCE.match(line):
            self.in_fence = not self.in_fence
            return
        if self.in_fence:
            return
        stripped = line.strip()
        h = _HEADING.match(line)
        if h:
            self.flush_para()
            self.flush_table()
            self.stack.clear()
            self.open_section(len(h.group(1)), _heading_text(h.group(2)), lineno)
            self.blank = False
            return
        if stripped[:1] == "<" and self.html_tag(line, stripped, lineno):
            return
        if self.table_row(stripped, lineno):
            return
        self.flush_table()
        if stripped[:1] in _BREAK_CHARS and self.underline_or_break(line):
            return
        item = _ITEM.match(line)
        if item:
            self.item(item, stripped, lineno)
        else:
            self.text(line, stripped, lineno)

    # -- state kept between lines ----------------------------------------------------------------------------
    def flush_para(self) -> None:
        if self.para:
            self.sec.paragraphs.append((self.para_line, " ".join(self.para)))
        self.para = []

    def flush_table(self) -> None:
        if self.table:
            self.sec.tables.append((self.table_line, self.table))
        self.table = []

    def open_section(self, level: int, title: str, lineno: int, fold: bool = False) -> None:
        floor = self.floors[-1][0] if self.floors else 1
        while len(self.open_at) > floor and self.sections[self.open_at[-1]].level >= level:
            self.open_at.pop()
        parent = self.open_at[-1]
        psec = self.sections[parent]
        path = psec.path + ([title] if title else [])
        self.sec = _Section(level, title, lineno, path, parent, psec.excluded or _norm(title) in self.excluded,
                            fold=fold)
        psec.children += 1
        self.sections.append(self.sec)
        self.open_at.append(len(self.sections) - 1)

    def open_details(self, raw: str, lineno: int) -> None:
        """A `<details>` block: a section one level below the enclosing one, named by its summary (a summary that
        only says "click to expand" names nothing: what it folds stays in the enclosing section)."""
        title = _heading_text(raw)
        outside = len(self.open_at)
        if len(self.floors) < _MAX_DEPTH and not set(_WORDS.findall(title.casefold())) <= _FOLD_WORDS:
            self.open_section(self.sections[self.open_at[-1]].level + 1, title, lineno, fold=True)
        self.floors.append((len(self.open_at), outside))

    def end_html(self) -> None:
        block = "\n".join(self.html)
        if self.html_tags is _TABLE_TAGS:
            self.sec.html.append((self.html_line, block))
        else:
            into = self.html_parent.children if self.html_parent is not None else self.sec.items
            into.extend(_html_list_items(block, self.html_line))
        self.html, self.html_tags, self.html_parent = [], None, None

    def start_html(self, lineno: int, stripped: str, tags: re.Pattern[str], parent: _Item | None = None) -> None:
        self.html, self.html_line, self.html_depth, self.html_parent = [], lineno, 0, parent
        self.html_tags = tags
        self.pending.append((lineno, stripped))  # read again as the first line of the HTML block

    # -- one method per kind of line: True when it took the line ----------------------------------------------
    def html_line_(self, line: str, lineno: int) -> bool:
        """A line inside an HTML table or list, up to the tag that closes it."""
        assert self.html_tags is not None
        if self.html and self.html_tags is _LIST_TAGS and (_HEADING.match(line) or (
                self.html_parent is not None and line.strip() and _indent(line) <= self.html_parent.indent)):
            self.end_html()  # a list left open ends at a heading, one under a Markdown item where the item ends
            return False
        for m in self.html_tags.finditer(line):
            self.html_depth += -1 if m.group(1) else 1
            if self.html_depth <= 0:
                self.html.append(line[:m.end()])
                self.end_html()
                if line[m.end():].strip():
                    self.pending.append((lineno, line[m.end():]))
                return True
        self.html.append(line)
        return True

    def summary_line_(self, line: str, lineno: int) -> bool:
        """A line after `<details>`: its `<summary>` names the section; without one, the section has no name."""
        assert self.summary is not None
        if self.summary or line.lstrip()[:8].lower() == "<summary":
            self.summary.append(line)
            joined = "\n".join(self.summary)
            m = _SUMMARY_END.search(joined)
            if m is None and len(self.summary) < 20:
                return True
            self.open_details(joined[:m.start()] if m else joined, self.summary_line)
            self.summary = None
            if m and joined[m.end():].strip():
                self.pending.append((lineno, joined[m.end():]))
            return True
        if not line.strip():
            return True
        self.open_details("", self.summary_line)  # a <details> without a summary: a section with no name
        self.summary = None
        return False

    def html_tag(self, line: str, stripped: str, lineno: int) -> bool:
        """A line opening with an HTML tag: a wrapper, a `<details>` or its end, an HTML table or list."""
        wrap = _HTML_WRAP.match(stripped)
        if wrap:  # `<div align="center"><ul>…`: the wrapper says nothing, what it wraps is read
            self.pending.append((lineno, stripped[wrap.end():]))
            return True
        tag = _HTML_OPEN.match(stripped)
        if tag and self.stack and line[:1] in " \t" and tag.group(1).lower() != "table":
            # a <ul>/<ol> indented under a Markdown item is its nested list, as a nested `  - ` list would be;
            # a <details> there is the item's text
            nest_in = None
            if tag.group(1).lower() in ("ul", "ol"):
                nest_in = next((it for it in reversed(self.stack) if it.indent < _indent(line)), None)
            if nest_in is None:
                return False
            while self.stack[-1] is not nest_in:  # what follows the HTML list continues the item it is nested in
                self.stack.pop()
            self.start_html(lineno, stripped, _LIST_TAGS, nest_in)
            self.blank = False
            return True
        if not tag:
            return False
        self.flush_para()
        self.flush_table()
        self.stack.clear()
        name = tag.group(1).lower()
        if name == "details":
            self.summary, self.summary_line = [], lineno
        elif name == "/details":
            if self.floors:
                del self.open_at[self.floors.pop()[1]:]
                self.sec = self.sections[self.open_at[-1]]
        else:
            self.start_html(lineno, stripped, _TABLE_TAGS if name == "table" else _LIST_TAGS)
            return True
        if stripped[tag.end():].strip():
            self.pending.append((lineno, stripped[tag.end():]))
        return True

    def table_row(self, stripped: str, lineno: int) -> bool:
        """A Markdown table's row; or a delimiter row that makes the line of text above it a table's header."""
        if not self.table and self.text_step == self.step - 1 and "|" in stripped:
            # GFM: a delimiter row (`--- | :---:`, pipes at its ends or not) makes the line of text just above it a
            # table's header, when the two have as many cells; without a `|` it would be a setext underline
            width = _delimiter_width(stripped)
            # a paragraph's last line, or an item's last continuation line (never the line that opens the item)
            stack, para = self.stack, self.para
            above = para[-1] if para else stack[-1].own[-1] if stack and len(stack[-1].own) > 1 else None
            if width and above is not None and len(_cells(above)) == width:
                header = para.pop() if para else stack[-1].own.pop()
                self.flush_para()
                self.stack.clear()
                self.table_line, self.table = lineno - 1, [header, stripped]
                return True
        if stripped.startswith("|") or (self.table and "|" in stripped):
            self.flush_para()
            self.stack.clear()
            if not self.table:
                self.table_line = lineno
            self.table.append(stripped)
            return True
        return False

    def underline_or_break(self, line: str) -> bool:
        """`===` or `---` under a paragraph (a setext heading), or a thematic break after a blank line."""
        under = _SETEXT.match(line)
        para = self.para
        title = _heading_text(" ".join(para)) if under and para and not _HTML_START.match(para[0]) else ""
        if title:  # `Title` underlined by `===` or `---`: a heading of level 1 or 2 (CommonMark's setext)
            assert under is not None
            self.para = []
            self.open_section(1 if under.group(1)[0] == "=" else 2, title, self.para_line)
            self.blank = False
            return True
        if _BREAK.match(line):  # `---`, `***`, `___` (after a blank line): a thematic break ends what was open
            self.flush_para()
            self.stack.clear()
            self.blank = True
            return True
        return False

    def item(self, item: re.Match[str], stripped: str, lineno: int) -> None:
        """A bullet or numbered item, nested under the open item less indented than it."""
        self.flush_para()
        indent = len(item.group(1).expandtabs(4))
        node = _Item(indent, lineno, [item.group(2)])
        stack = self.stack
        while stack and stack[-1].indent >= indent:
            stack.pop()
        self.blank = False
        if len(stack) >= _MAX_DEPTH:  # bullets nested deeper than any list is written: the deepest one's text
            stack[-1].own.append(stripped)
            return
        (stack[-1].children if stack else self.sec.items).append(node)
        stack.append(node)

    def text(self, line: str, stripped: str, lineno: int) -> None:
        """A blank line, an open item's continuation line, or a paragraph's line."""
        if not stripped:
            self.blank = True
            self.flush_para()
            return
        if self.stack and (not self.blank or line.startswith((" ", "\t"))):
            self.stack[-1].own.append(stripped)  # a continuation line of the open item
        else:
            self.stack.clear()
            if not self.para:
                self.para_line = lineno
            self.para.append(stripped)
        self.blank = False
        self.text_step = self.step


# ---------------------------------------------------------------------------------------------- entries


def _typed(links: list[Link], field_label: str = "", nested: bool = False) -> list[Link]:
    """The links with their kinds, decided by the label in front of them (or a column header) and their host."""
    out = []
    for lk in links:
        said = field_label if label_kind(field_label) else ""
        kind = link_kind(lk.url, said or lk.label)
        out.append(Link(lk.label, lk.url, nested, kind, field_label))
    return out


def _annotation(label: str, value: str, into: dict[str, str]) -> bool:
    """Keep `Tested: ✅ by @x`, `Status: prototype`, `Licence: CERN-OHL-S` as the entry's annotations."""
    m = _ANNOTATION.match(label.strip())
    if not m or not value.strip():
        return False
    key = m.group(1).casefold()
    key = "licence" if key.startswith(("licen", "licens")) else "status" if key in ("state", "maturity", "stage") \
        else key
    into.setdefault(key, _plain(value)[:300])
    return True


@dataclass
class _Draft:
    """An entry being read: name, links in order, prose, annotations."""

    name: str
    line: int
    path: list[str]
    shape: str
    links: list[Link] = field(default_factory=list)
    prose: list[str] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)
    name_link: Link | None = None


def _item_draft(item: _Item, path: list[str]) -> _Draft | None:
    """An entry from a list item whose own text links somewhere; its nested bullets describe it."""
    head = " ".join(item.own)
    own = extract_links(head)
    if not own:
        return None
    first = own[0]
    name = first.label if first.label and not looks_like_url(first.label) else _name_from_url(first.url)
    lead = _NAME_LEAD.match(head)
    if lead and not label_kind(lead.group(1)) and not _ANNOTATION.match(lead.group(1).strip()):
        name = _plain(lead.group(1))  # `- OpenFlexure: [website](…), [repo](…)`: the words before the links name it
    d = _Draft(name.strip() or _name_from_url(first.url), item.line, path, "item")
    label_m = _LABELLED.match(head)
    if label_m and head.find(label_m.group(2)) <= head.find("[") and label_kind(label_m.group(1)):
        d.links = _typed(own, label_m.group(1))  # `- Website: [x](url)` at the top of a list
    else:
        d.links = _typed(own)
    d.name_link = d.links[0]
    prose = _plain(head)
    if first.label and prose.startswith(first.label):
        prose = prose[len(first.label):]
    prose = _LEADING_PUNCT.sub("", prose)
    prose = _BARE_HTTP.sub("", prose) if not first.label else prose
    if prose:
        d.prose.append(prose)
    _describe(item.children, d)
    return d


def _describe(children: list[_Item], d: _Draft, depth: int = 0) -> None:
    """Nested bullets of an entry: prose, annotations, and links (typed by a label in front of them)."""
    for child in children:
        text = " ".join(child.own)
        links = extract_links(text)
        m = _LABELLED.match(text)
        label = m.group(1) if m else ""
        if m and _annotation(label, m.group(2), d.notes):
            d.links += _typed(links, label, nested=True)
        elif m and label_kind(label) and links:
            d.links += _typed(links, label)  # `- Files: [..](..)`: the entry's own link, labelled
        else:
            d.links += _typed(links, nested=True)
        plain = _plain(text)
        if plain:
            d.prose.append("- " + plain)
        _describe(child.children, d, depth + 1)


def _labelled_share(sec: _Section) -> tuple[int, int]:
    """(labelled bullets, bullets with links) among a section's top-level items."""
    labelled = linked = 0
    for it in sec.items:
        text = " ".join(it.own)
        m = _LABELLED.match(text)
        has_link = bool(extract_links(text)) or any(extract_links(" ".join(c.own)) for c in it.children)
        if m and (label_kind(m.group(1)) or _ANNOTATION.match(m.group(1).strip())):
            labelled += 1
            linked += 1 if has_link else 0
        elif has_link:
            linked += 1
    return labelled, linked


def _section_draft(sec: _Section) -> _Draft:
    """The entry a heading section is: the heading names it; its paragraph and labelled bullets give the rest."""
    d = _Draft(sec.title, sec.line, sec.path[:-1], "section")
    for _, text in sec.paragraphs:
        d.links += _typed(extract_links(text))
        plain = _plain(text)
        if plain:
            d.prose.append(plain)
    for it in sec.items:
        text = " ".join(it.own)
        links = extract_links(text)
        m = _LABELLED.match(text)
        label = m.group(1) if m else ""
        if m and _annotation(label, m.group(2), d.notes):
            d.links += _typed(links, label, nested=True)
        elif m and label_kind(label):
            d.links += _typed(links, label)
            sub: list[Link] = []
            for c in it.children:  # `- Press:` then a bullet per article
                sub += extract_links(" ".join(c.own))
            d.links += _typed(sub, label)
            continue
        else:
            d.links += _typed(links)
        plain = _plain(text)
        if plain:
            d.prose.append("- " + plain)
        _describe(it.children, d)
    for line, block in sec.html:
        for row in _html_rows(block, line):
            d.links += _typed(row[2])
    return d


def _bold_drafts(sec: _Section) -> list[_Draft]:
    """`**Name** — text with [links](..)` paragraphs, when a section has at least two of them."""
    out = []
    for line, text in sec.paragraphs:
        m = _BOLD_NAME.match(text)
        if not m:
            continue
        inner = m.group(1)
        links = extract_links(text)
        name = _plain(inner).strip(" :—–-")
        if not links or not name or _norm(name) in _NOTE_NAMES or len(name) > 80:
            continue
        d = _Draft(name, line, list(sec.path), "paragraph")
        d.links = _typed(links)
        inner_links = extract_links(inner)
        d.name_link = d.links[0] if inner_links else None
        rest = _plain(m.group(2))
        if rest:
            d.prose.append(rest)
        out.append(d)
    return out if len(out) >= 2 else []


def _cells(row: str) -> list[str]:
    """The cells of one Markdown table row (a `|` inside a link's brackets or backticks does not split; an escaped
    `\\|` is a `|` of the cell's text, as GitHub shows it)."""
    row = row.strip()
    if row.startswith("|"):
        row = row[1:]
    if row.endswith("|") and not row.endswith("\\|"):
        row = row[:-1]
    cells, buf, depth, code = [], [], 0, False
    for ch in row:
        if ch == "`":
            code = not code
        elif ch in "[(" and not code:
            depth += 1
        elif ch in "])" and not code:
            depth = max(0, depth - 1)
        if ch == "|" and depth == 0 and not code and not (buf and buf[-1] == "\\"):
            cells.append("".join(buf).strip())
            buf = []
            continue
        buf.append(ch)
    cells.append("".join(buf).strip())
    return [c.replace("\\|", "|") if "\\|" in c else c for c in cells]


def _delimiter_width(row: str) -> int:
    """How many columns a GFM table's delimiter row (`--- | :---:`, pipes at its ends or not) gives, 0 for a line
    that is none: GFM's delimiter row is what makes the line above it a table's header."""
    s = row.strip()
    if not s or not set(s) <= _DELIM_CHARS:
        return 0
    cells = _cells(s)
    return len(cells) if all(_DELIM_CELL.fullmatch(c) for c in cells) else 0


_NAME_COL = re.compile(r"^(name|project|projects|title|device|design|board|item|product|tool|hardware|what)\b", re.I)
_DESC_COL = re.compile(r"^(description|about|summary|details|notes?|comments?|what it does|purpose|info)\b", re.I)


def _table_drafts(rows: list[list[str]], header: list[str], line: int, path: list[str],
                  links_of: list[list[list[Link]]] | None = None) -> list[_Draft]:
    """One entry per table row with a link: the name column names it, the other columns give links (typed by
    their header), description, licence and status."""
    ncols = max((len(r) for r in rows), default=0)
    header = (header + [""] * ncols)[:max(ncols, len(header))]
    name_col = next((i for i, h in enumerate(header) if _NAME_COL.match(_plain(h))), 0)
    out = []
    for n, cells in enumerate(rows):
        cell_links = links_of[n] if links_of else [extract_links(c) for c in cells]
        if not any(cell_links):
            continue
        name_text = _plain(cells[name_col]) if name_col < len(cells) else ""
        d = _Draft(name_text, line + n, list(path), "row")
        prose: list[str] = []
        for i, cell in enumerate(cells):
            col = _plain(header[i]) if i < len(header) else ""
            links = cell_links[i] if i < len(cell_links) else []
            typed = _typed(links, col if i != name_col else "")
            if i == name_col and typed:
                d.name_link = typed[0]
            if _annotation(col, cell, d.notes):
                d.links += [Link(lk.label, lk.url, True, lk.kind, col) for lk in typed]
                continue
            d.links += typed
            plain = _plain(cell)
            if i != name_col and plain and (_DESC_COL.match(col) or not links):
                prose.append(plain)
        if not d.name:
            first = next(lk for cl in cell_links for lk in cl)
            d.name = first.label if first.label and not looks_like_url(first.label) else _name_from_url(first.url)
        d.prose = [" | ".join(prose)] if prose else []
        out.append(d)
    return out


def _md_table_drafts(line: int, lines: list[str], path: list[str]) -> list[_Draft]:
    if len(lines) < 2 or not _delimiter_width(lines[1]):
        return []
    header = _cells(lines[0])
    rows = [_cells(r) for r in lines[2:] if r.strip() and not _delimiter_width(r)]
    return _table_drafts(rows, header, line + 2, path)


def _html_rows(block: str, line: int) -> list[tuple[list[str], list[str], list[Link]]]:
    """(header cells, row cells as text, row links) of an HTML table's rows."""
    from crawler.htmlsoup import soup as parse_html

    soup = parse_html(block)
    out = []
    for tr in soup.find_all("tr"):
        cells = tr.find_all(["td", "th"], recursive=False)  # its own cells, not those of a table nested in one
        texts = [_own_html(c) for c in cells]
        out.append(([c.name for c in cells], texts, [lk for t in texts for lk in extract_links(t)]))
    return out


def _own_html(node: object, depth: int = 0) -> str:
    """A cell's HTML without the tables nested in it (their rows are rows of their own; a table buried deeper
    than any page is written stays in)."""
    from bs4 import Tag

    parts = []
    for ch in node.children:  # type: ignore[attr-defined]
        if not isinstance(ch, Tag):
            parts.append(ch.output_ready())  # as decode_contents() writes it: entities kept, comments marked
        elif ch.name == "table":
            parts.append(" ")
        elif depth < _MAX_DEPTH and ch.find("table") is not None:
            parts.append(_own_html(ch, depth + 1))
        else:
            parts.append(str(ch))
    return "".join(parts)


def _html_list_items(block: str, line: int) -> list[_Item]:
    """The items of an HTML `<ul>`/`<ol>` (nested lists and `<details>` inside an item are its nested items),
    each item's text rewritten as the Markdown it stands for, so that it reads as its Markdown twin does."""
    from bs4 import Tag

    from crawler.htmlsoup import soup as parse_html

    soup = parse_html(block)
    out: list[_Item] = []
    for node in soup.children:
        if isinstance(node, Tag) and node.name in ("ul", "ol"):
            out += _html_list(node, line)
    return out


def _html_list(lst: object, line: int, depth: int = 0) -> list[_Item]:
    """The `<li>` items of one HTML list."""
    return [_html_item(li, line, depth) for li in lst.find_all("li", recursive=False)]  # type: ignore[attr-defined]


def _html_item(node: object, line: int, depth: int = 0) -> _Item:
    """One `<li>` (or `<details>`) as an item: its own text as Markdown, its nested lists as children."""
    own: list[str] = []
    children: list[_Item] = []
    _html_markdown(node, own, children, line, depth + 1)
    text = " ".join("".join(own).split())
    return _Item(0, line + (getattr(node, "sourceline", None) or 1) - 1, [text] if text else [], children)


_INLINE_MARKS = {"b": "**", "strong": "**", "em": "*", "i": "*", "code": "`"}
_BALANCED = re.compile(r"^[^()]*(?:\([^()]*\)[^()]*)*$")


def _html_markdown(node: object, own: list[str], children: list[_Item], line: int, depth: int = 0) -> None:
    """Append a fragment's inline content to `own` as Markdown (`<a href>` → `[label](url)`, `<img>` → `![alt](src)`,
    `<b>` → `**…**`), and its nested lists and `<details>` to `children`."""
    from bs4 import NavigableString, Tag
    from bs4.element import PreformattedString

    for ch in node.children:  # type: ignore[attr-defined]
        if isinstance(ch, NavigableString):
            if not isinstance(ch, PreformattedString):  # comments, CDATA, doctypes say nothing
                own.append(escape(str(ch), quote=False))  # `&lt;b&gt;` stays the text "<b>", not a tag
            continue
        if not isinstance(ch, Tag):
            continue
        name = ch.name
        if name in ("script", "style", "template"):
            continue
        if depth > _MAX_DEPTH:  # nested deeper than any list is written: its HTML, read for its links and text
            own.append(" " + str(ch) + " ")
        elif name in ("ul", "ol"):
            children.extend(_html_list(ch, line, depth))
        elif name == "details":
            children.append(_html_item(ch, line, depth))
        elif name == "img":
            src = str(ch.get("src") or "")
            own.append(f"![{ch.get('alt') or ''}]({_md_url(src)})" if src else "")
        elif name == "a" or name in _INLINE_MARKS:
            inner: list[str] = []
            _html_markdown(ch, inner, children, line, depth + 1)
            text = " ".join("".join(inner).split())
            href = str(ch.get("href") or "").strip() if name == "a" else ""
            if name == "a":
                own.append(f"[{text}]({_md_url(href)})" if href and text else text)
            else:
                mark = _INLINE_MARKS[name]
                own.append(f"{mark}{text}{mark}" if text else "")
        else:  # a paragraph, <br>, <summary>, <span>…: its content, apart from what is around it
            own.append(" ")
            _html_markdown(ch, own, children, line, depth + 1)
            own.append(" ")


def _md_url(url: str) -> str:
    """A URL written so that a Markdown link holds it whole (spaces and unbalanced parentheses escaped)."""
    url = url.replace(" ", "%20")
    if not _BALANCED.match(url):
        url = url.replace("(", "%28").replace(")", "%29")
    return url


def _html_table_drafts(line: int, block: str, path: list[str]) -> list[_Draft]:
    rows = _html_rows(block, line)
    if not rows:
        return []
    header: list[str] = []
    if rows and all(t == "th" for t in rows[0][0]):
        header = [_plain(c) for c in rows[0][1]]
        rows = rows[1:]
    body = [r[1] for r in rows]
    links = [[extract_links(c) for c in r[1]] for r in rows]
    return _table_drafts(body, header, line + 1, path, links)


def _reference_entries(drafts: list[_Draft]) -> bool:
    """Whether a section's entries are references: at least two, and two thirds of them link only to articles,
    papers, videos, social pages or profiles."""
    if len(drafts) < 2:
        return False
    refs = sum(1 for d in drafts if d.links and all(lk.kind in REFERENCE_KINDS for lk in d.links if not lk.nested))
    return refs * 3 >= len(drafts) * 2


def _finish(d: _Draft) -> ListEntry | None:
    """The entry of a draft: its primary link by the documented rule, and the URLs that are the project itself."""
    links: list[Link] = []
    seen: set[tuple[str, str]] = set()
    for lk in d.links:
        c = canonical_url(lk.url)
        if c is None or (c, lk.kind) in seen:
            continue
        seen.add((c, lk.kind))
        links.append(lk)
    if not links:
        return None
    own = [lk for lk in links if not lk.nested]
    ranked = [(primary_rank(lk.kind), i, lk) for i, lk in enumerate(own) if primary_rank(lk.kind) is not None]
    primary = min(ranked, key=lambda t: (t[0], t[1]))[2] if ranked else None
    urls: list[str] = []
    canon: set[str] = set()

    def add(lk: Link) -> None:
        c = canonical_url(lk.url)
        if c and c not in canon:
            canon.add(c)
            urls.append(lk.url)

    if primary is not None:
        add(primary)
        first_repo = next((lk for lk in own if lk.kind == "repo"), None)
        if first_repo is not None:
            add(first_repo)
        name_link = d.name_link
        if name_link is not None and name_link.kind in ("repo", "homepage", "hub"):
            add(name_link)
        for lk in own:  # links labelled as the project's site or hub page ("Website:", a "Homepage" column)
            if lk.field and label_kind(lk.field) in ("homepage", "hub") and lk.kind in ("homepage", "hub"):
                add(lk)
    name = d.name.strip() or _name_from_url(links[0].url)
    return ListEntry(
        name=name, urls=urls, heading_path=list(d.path), description="\n".join(p for p in d.prose if p).strip(),
        line=d.line, links=links, annotations=dict(d.notes), primary=primary.url if primary else None,
        shape=d.shape,
    )


def _is_entry_section(sec: _Section, sections: list[_Section], index: int) -> bool:
    """A heading that names one project: a leaf section under a category whose bullets are mostly labelled
    (`- Website: …`, `- Files: …`, `- Status: …`), or whose only content is prose linking it, beside such
    sections."""
    if sec.children or sec.level == 0 or sec.parent is None or sec.tables:
        return False
    labelled, linked = _labelled_share(sec)
    if labelled and labelled * 2 >= max(linked, 1):
        return True
    if sec.items or not any(extract_links(t) for _, t in sec.paragraphs):
        return False
    siblings = [s for s in sections if s.parent == sec.parent and s is not sec]
    return any(not s.children and s.items and _labelled_share(s)[0] * 2 >= max(_labelled_share(s)[1], 1)
               for s in siblings)


def parse_list(markdown: str, exclude_sections: list[str] | tuple[str, ...] = ()) -> list[ListEntry]:
    """The entries of a list, each with its links, heading path and own prose (see iter_list)."""
    return list(iter_list(markdown, exclude_sections))


def iter_list(markdown: str, exclude_sections: list[str] | tuple[str, ...] = ()) -> Iterator[ListEntry]:
    """The entries of a list in document order, one per project.

    Sections are left out when a curator names them in ``exclude_sections``, when their heading (or an enclosing
    one) says references (REFERENCE_WORDS, unless it also says projects), and when two thirds of their entries
    link only to articles, papers, videos, social pages or profiles.
    """
    excluded = {_norm(s) for s in exclude_sections}
    sections = _blocks(markdown, excluded)
    refs: list[bool] = []
    title = next((i for i, s in enumerate(sections) if s.level and not s.fold), None)  # the document's first heading
    for i, sec in enumerate(sections):
        parent_ref = refs[sec.parent] if sec.parent is not None else False
        is_title = i == title and sec.children > 0  # "# Awesome Open Hardware Resources" names the whole list
        own = reference_heading(sec.title) if sec.title and not is_title else False
        says_project = bool(set(_WORDS.findall(sec.title.casefold())) & PROJECT_WORDS)
        refs.append(own or (parent_ref and not says_project))
    if _url_per_line(markdown):  # a file of one URL per line: each line is an entry
        for lineno, line in enumerate(markdown.splitlines(), start=1):
            m = _URL_LINE.match(line)
            url = _clean_target(m.group(1)) if m else None
            entry = _finish(_Draft(_name_from_url(url), lineno, [], "line", _typed([Link("", url)]))) if url else None
            if entry is not None:
                yield entry
        return
    # what follows a </details> is read into the enclosing section, after the folded one: hold the entries to
    # hand them out in document order (a list without <details> streams them, section after section)
    held: list[ListEntry] | None = [] if any(s.fold for s in sections) else None
    for index, sec in enumerate(sections):
        if sec.excluded or refs[index]:
            continue
        if _is_entry_section(sec, sections, index):
            drafts = [_section_draft(sec)]
        else:
            drafts = []
            for item in sec.items:
                drafts += _item_drafts(item, list(sec.path))
            for line, rows in sec.tables:
                drafts += _md_table_drafts(line, rows, sec.path)
            for line, block in sec.html:
                drafts += _html_table_drafts(line, block, sec.path)
            drafts += _bold_drafts(sec)
            if _reference_entries(drafts):
                continue
        drafts.sort(key=lambda d: d.line)
        for d in drafts:
            entry = _finish(d)
            if entry is None:
                continue
            if held is None:
                yield entry
            else:
                held.append(entry)
    if held:
        held.sort(key=lambda e: e.line)
        yield from held


def _item_drafts(item: _Item, path: list[str]) -> list[_Draft]:
    """The entry of a top-level item; an item with no link of its own is a category of its nested items."""
    d = _item_draft(item, path)
    if d is not None:
        return [d]
    if not item.children:
        return []
    title = _plain(" ".join(item.own)).rstrip(":")
    if title and reference_heading(title):
        return []
    sub = path + ([title] if title and len(title) <= 80 else [])
    out: list[_Draft] = []
    for child in item.children:
        out += _item_drafts(child, sub)
    return out


_URL_LINE = re.compile(r"^\s*<?(https?://\S+?)>?\s*$", re.I)


def _url_per_line(text: str) -> bool:
    """Whether a file is a plain list of URLs, one per line (kitspace's boards.txt)."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if len(lines) < 3:
        return False
    return sum(1 for ln in lines if _URL_LINE.match(ln)) * 2 >= len(lines)
