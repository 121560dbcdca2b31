"""Read a curated Markdown list (awesome-style, numbered or bulleted) into project candidates.

Real lists are messy: numbered and bulleted entries, nested bullets with dated updates, several links
in one entry, links without a label, URLs without a scheme and reference sections that are not
projects. The parser is a pure function of the text so it can be re-run on stored documents.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from registry.urls import canonical_url, classify, looks_like_url

__all__ = ["Link", "ListEntry", "iter_list", "parse_list", "extract_links"]


@dataclass(frozen=True)
class Link:
    """One link inside an entry: its label, its absolute URL and where it sat."""

    label: str
    url: str
    nested: bool = False


@dataclass
class ListEntry:
    """One project candidate read from a list."""

    name: str
    urls: list[str]
    heading_path: list[str]
    description: str
    line: int
    links: list[Link] = field(default_factory=list)

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
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
_TAGS = re.compile(r"</?[a-zA-Z][^>]*>")
_EMPH = re.compile(r"(\*\*|__|\*|_|`)")


_STRONG = re.compile(r"(?<!\w)(\*\*|__)(.+?)\1")
_EMPHASIS = re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*")
# compiled once: re.match(pattern, s, re.I) looks the pattern up, and its flag up as an enum, on every call
_HTTP = re.compile(r"^https?://", re.I)
_BARE_HTTP = re.compile(r"^\(?https?://\S+\)?\s*")
_LEADING_PUNCT = re.compile(r"^[\s:\-–—,.]+")
_WORD = re.compile(r"[a-zA-Z]{3,}")
_SEPARATED = re.compile(r"[-_ ]|%20")
_SEPARATORS = re.compile(r"[-_ ]+")
_EXTENSION = re.compile(r"\.[a-z0-9]{2,4}$")
_NON_WORD = re.compile(r"[^\w]+")


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
    if "**" in text or "__" in text:
        text = _STRONG.sub(r"\2", text)
    if "*" in text:
        text = _EMPHASIS.sub(r"\1", text)
    text = text.replace("`", "")
    return " ".join(text.split())  # runs of whitespace to one space (str.split and re's \s agree on what it is)


def _clean_target(target: str) -> str | None:
    t = target.strip().strip("<>").rstrip(".,;:")
    if not looks_like_url(t):
        return None
    if not _HTTP.match(t):
        t = "https://" + t
    return t


def extract_links(md: str) -> list[Link]:
    """Every absolute link in a Markdown fragment, in order: `[label](url)`, `<url>` and bare URLs."""
    links: list[Link] = []
    spans: list[tuple[int, int]] = []
    for m in _LINK.finditer(md):
        spans.append(m.span())
        if m.group(1) == _IMAGE:
            continue
        url = _clean_target(m.group(3))
        if url:
            links.append(Link(_plain(m.group(2)), url))  # a badge's label [![alt](img)] reads as ""
    rest = md
    for a, b in reversed(spans):
        rest = rest[:a] + " " * (b - a) + rest[b:]
    low = rest.lower()
    for m in _BARE.finditer(rest) if "http" in low or "www." in low else ():
        url = _clean_target(m.group(1))
        if url:
            links.append(Link("", url))
    # keep order of appearance
    return links


def _name_from_url(url: str) -> str:
    """A readable name for an unlabelled link: the repository name, the wordiest path slug, or the host."""
    c = canonical_url(url) or url
    tail = c.split("://", 1)[-1].split("?", 1)[0].rstrip("/")
    parts = [p for p in tail.split("/") if p]
    if classify(url) in ("github-repo", "gitlab-repo"):
        return parts[-1]
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


def parse_list(markdown: str, exclude_sections: list[str] | tuple[str, ...] = ()) -> list[ListEntry]:
    """Project candidates of a Markdown list, each with its URLs, heading path and own prose (see iter_list)."""
    return list(iter_list(markdown, exclude_sections))


def iter_list(markdown: str, exclude_sections: list[str] | tuple[str, ...] = ()) -> Iterator[ListEntry]:
    """parse_list one entry at a time, so a caller that keeps something else of each (records) does not hold
    every entry too: a list of 20,000 entries is that many fewer objects for the garbage collector to walk.

    An entry is a list item whose own line holds at least one absolute link (or a bare URL).
    Nested items and continuation lines are its prose. The first link is the project; a
    repository link in the same entry joins it when the first link is not a repository.
    Entries under a heading named in ``exclude_sections`` are references and are left out.
    """
    excluded = {_norm(s) for s in exclude_sections}
    text = _HTML_COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), markdown.replace("\r\n", "\n"))
    lines = text.split("\n")
    headings: list[tuple[int, str]] = []
    path: list[str] = []  # the texts of `headings`, and whether one is excluded: they change only at a heading
    path_excluded = False
    done: list[ListEntry] = []  # the entry the previous line ended, if any, handed out before reading on
    current: dict | None = None
    in_fence = False

    def close() -> None:
        nonlocal current
        if current is not None:
            entry = _finish(current)
            if entry is not None:
                done.append(entry)
        current = None

    for lineno, line in enumerate(lines, start=1):
        if done:
            yield from done
            done.clear()
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        h = _HEADING.match(line)
        if h:
            close()
            level = len(h.group(1))
            headings = [(lv, t) for lv, t in headings if lv < level]
            headings.append((level, _heading_text(h.group(2))))
            path = [t for _, t in headings if t]
            path_excluded = any(_norm(p) in excluded for p in path)
            continue
        item = _ITEM.match(line)
        if item:
            indent = len(item.group(1).expandtabs(4))
            body = item.group(2)
            if current is not None and indent > current["indent"]:
                current["nested"].append(body)
                continue
            close()
            if path_excluded:
                continue
            current = {"indent": indent, "body": [body], "nested": [], "path": path, "line": lineno}
            continue
        if current is None:
            continue
        if not line.strip():
            current["blank"] = True
            continue
        if current.get("blank") and not line.startswith((" ", "\t")):
            close()  # a paragraph after a blank line ends the entry
            continue
        current["nested" if current["nested"] else "body"].append(line.strip())
    close()
    yield from done


def _finish(cur: dict) -> ListEntry | None:
    head = " ".join(cur["body"])
    own = extract_links(head)
    if not own:
        return None
    nested = cur["nested"]
    first = own[0]
    first_canonical = canonical_url(first.url)
    if first_canonical is None:
        return None
    urls = [first.url]
    seen = {first_canonical}
    first_is_repo = classify(first.url) in ("github-repo", "gitlab-repo")
    for link in own[1:]:
        c = canonical_url(link.url)
        if c in seen or c is None:
            continue
        if not first_is_repo and classify(link.url) in ("github-repo", "gitlab-repo"):
            urls.append(link.url)
            seen.add(c)
    name = first.label if first.label and not looks_like_url(first.label) else _name_from_url(first.url)
    prose = _plain(head)
    if first.label and prose.startswith(first.label):
        prose = prose[len(first.label):]
    prose = _LEADING_PUNCT.sub("", prose)
    prose = _BARE_HTTP.sub("", prose) if not first.label else prose
    desc_lines = [prose] if prose else []
    desc_lines += ["- " + p for p in map(_plain, nested) if p]
    all_links = own + [Link(lk.label, lk.url, nested=True) for n in nested for lk in extract_links(n)]
    return ListEntry(
        name=name.strip() or _name_from_url(first.url),
        urls=urls,
        heading_path=list(cur["path"]),
        description="\n".join(desc_lines).strip(),
        line=cur["line"],
        links=all_links,
    )
