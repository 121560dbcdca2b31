"""Read a curated Markdown list (awesome-style, numbered or bulleted) into project candidates.

Real lists are messy: numbered and bulleted entries, nested bullets with dated updates, several links
in one entry, links without a label, URLs without a scheme and reference sections that are not
projects. The parser is a pure function of the text so it can be re-run on stored documents.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from crawler.urls import canonical_url, classify, looks_like_url

__all__ = ["Link", "ListEntry", "parse_list", "extract_links"]


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
# [label](target "title") with one level of nested brackets in the label and of parentheses in the URL.
_LINK = re.compile(
    r"(!?)\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\(\s*<?((?:[^()\s<>]|\([^()\s]*\))+)>?(?:\s+[\"'][^\"']*[\"'])?\s*\)"
)
_BARE = re.compile(r"<?\b((?:https?://|www\.)[^\s<>()\[\]]*(?:\([^\s()]*\)[^\s<>()\[\]]*)*)>?", re.I)
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
_TAGS = re.compile(r"</?[a-zA-Z][^>]*>")
_EMPH = re.compile(r"(\*\*|__|\*|_|`)")


_STRONG = re.compile(r"(?<!\w)(\*\*|__)(.+?)\1")
_EMPHASIS = re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*")


def _plain(md: str) -> str:
    """Markdown inline text to plain text: links to their labels, no images, tags or emphasis."""
    text = md
    for _ in range(3 if "](" in text else 0):  # badges nest an image inside a link
        new = _LINK.sub(lambda m: "" if m.group(1) else m.group(2), text)
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
    if not re.match(r"^https?://", t, re.I):
        t = "https://" + t
    return t


def extract_links(md: str) -> list[Link]:
    """Every absolute link in a Markdown fragment, in order: `[label](url)`, `<url>` and bare URLs."""
    links: list[Link] = []
    spans: list[tuple[int, int]] = []
    for m in _LINK.finditer(md):
        spans.append(m.span())
        if m.group(1):  # image
            continue
        label, target = m.group(2), m.group(3)
        inner = _LINK.search(label)  # badge: [![alt](img)](url)
        url = _clean_target(target)
        if url:
            links.append(Link(_plain(label) if not inner else _plain(label) or "", url))
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
    slugs = [p for p in parts[1:] if re.search(r"[a-zA-Z]{3,}", p) and re.search(r"[-_ ]|%20", p)]
    if slugs:
        best = max(slugs, key=lambda s: len(re.findall(r"[a-zA-Z]{3,}", s)))
        words = re.sub(r"\.[a-z0-9]{2,4}$", "", best).replace("%20", " ")
        return re.sub(r"[-_ ]+", " ", words).strip()
    return parts[0] if parts else url


def _heading_text(raw: str) -> str:
    return _plain(_HTML_COMMENT.sub("", raw))


def _norm(s: str) -> str:
    return re.sub(r"[^\w]+", " ", s.casefold()).strip()


def parse_list(markdown: str, exclude_sections: list[str] | tuple[str, ...] = ()) -> list[ListEntry]:
    """Project candidates of a Markdown list, each with its URLs, heading path and own prose.

    An entry is a list item whose own line holds at least one absolute link (or a bare URL).
    Nested items and continuation lines are its prose. The first link is the project; a
    repository link in the same entry joins it when the first link is not a repository.
    Entries under a heading named in ``exclude_sections`` are references and are left out.
    """
    excluded = {_norm(s) for s in exclude_sections}
    text = _HTML_COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), markdown.replace("\r\n", "\n"))
    lines = text.split("\n")
    headings: list[tuple[int, str]] = []
    entries: list[ListEntry] = []
    current: dict | None = None
    in_fence = False

    def close() -> None:
        nonlocal current
        if current is not None:
            entry = _finish(current)
            if entry is not None:
                entries.append(entry)
        current = None

    for lineno, line in enumerate(lines, start=1):
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
            continue
        item = _ITEM.match(line)
        if item:
            indent = len(item.group(1).expandtabs(4))
            body = item.group(2)
            if current is not None and indent > current["indent"]:
                current["nested"].append(body)
                continue
            close()
            path = [t for _, t in headings if t]
            if any(_norm(p) in excluded for p in path):
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
    return entries


def _finish(cur: dict) -> ListEntry | None:
    head = " ".join(cur["body"])
    own = extract_links(head)
    if not own:
        return None
    nested = cur["nested"]
    first = own[0]
    urls = [first.url]
    seen = {canonical_url(first.url)}
    first_is_repo = classify(first.url) in ("github-repo", "gitlab-repo")
    for link in own[1:]:
        c = canonical_url(link.url)
        if c in seen or c is None:
            continue
        if not first_is_repo and classify(link.url) in ("github-repo", "gitlab-repo"):
            urls.append(link.url)
            seen.add(c)
    if canonical_url(first.url) is None:
        return None
    name = first.label if first.label and not looks_like_url(first.label) else _name_from_url(first.url)
    prose = _plain(head)
    if first.label and prose.startswith(first.label):
        prose = prose[len(first.label):]
    prose = re.sub(r"^[\s:\-–—,.]+", "", prose)
    prose = re.sub(r"^\(?https?://\S+\)?\s*", "", prose) if not first.label else prose
    desc_lines = [prose] if prose else []
    desc_lines += ["- " + _plain(n) for n in nested if _plain(n)]
    all_links = own + [Link(lk.label, lk.url, nested=True) for n in nested for lk in extract_links(n)]
    return ListEntry(
        name=name.strip() or _name_from_url(first.url),
        urls=urls,
        heading_path=list(cur["path"]),
        description="\n".join(desc_lines).strip(),
        line=cur["line"],
        links=all_links,
    )
