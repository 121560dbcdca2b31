"""Entries the list parser finds in each list of ../shared/corpus against the entries its labels count, with no
`exclude_sections` (shared by bench/list_parse.py and tests/test_corpus_lists.py).

labels.json counts links, each by a method it writes down; the labelled entries of a list follow from it:
- a list whose method names the README's project lines ("README lines 84-211"): the top-level list items there
  (an entry may give several project links: PubInv's 39 entries hold its 45 project links);
- a list whose method says "N of the M GitHub repos are in" its projects section: N plus its non-GitHub project
  links (one link per entry, awesome-open-hardware);
- otherwise one entry per project link (kitspace's boards.txt, one repository URL per line).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ListResult", "evaluate", "labelled_entries"]

_LINES = re.compile(r"README lines (\d+)-(\d+)")
_IN_SECTION = re.compile(r"(\d+) of the \d+ GitHub repos are in")
_TOP_ITEM = re.compile(r"^(?:\d{1,4}[.)]|[-*+])\s+\S")


@dataclass
class ListResult:
    """One corpus list: its file, the entries the parser found and those its labels count (and how)."""

    name: str
    file: str
    found: int
    labelled: int
    how: str
    seconds: float


def labelled_entries(label: dict, text: str) -> tuple[int, str]:
    """The entries a list's labels count, and how they follow from its method (see the module docstring)."""
    method = label.get("method", "")
    m = _LINES.search(method)
    if m:
        lo, hi = int(m.group(1)), int(m.group(2))
        lines = text.splitlines()[lo - 1:hi]
        n = sum(1 for ln in lines if _TOP_ITEM.match(ln))
        return n, f"top-level items in README lines {lo}-{hi}, the labelled project sections"
    m = _IN_SECTION.search(method)
    if m:
        n = int(m.group(1)) + int(label.get("non_github_project_links", 0))
        return n, "GitHub repos in the projects section + non-GitHub project links"
    n = int(label.get("github_repo_links", 0)) + int(label.get("non_github_project_links", 0))
    return n, "one entry per project link"


def evaluate(corpus: Path) -> list[ListResult]:
    """Parse every labelled list of the corpus with no exclude_sections; found against labelled."""
    import time

    from crawler.mdlist import parse_list

    labels = json.loads((corpus / "labels.json").read_text(encoding="utf-8"))
    out = []
    for label in labels.get("lists", []):
        folder = corpus / "lists" / label["list"].replace("/", "__")
        path = folder / label.get("file", "README.md")
        if not path.exists():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        t0 = time.perf_counter()
        found = len(parse_list(text))
        took = time.perf_counter() - t0
        labelled, how = labelled_entries(label, text)
        out.append(ListResult(label["list"], path.name, found, labelled, how, took))
    return out
