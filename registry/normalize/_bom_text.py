"""Plain-text and Markdown BOMs: Mendel90-style text lists, bullet lists, pipe tables and README BOM sections."""

from __future__ import annotations

import re

from registry.normalize._bom_table import find_header, rows_to_lines
from registry.normalize._bom_util import BomLine, clean, first_url, parse_price, to_number

_SUBASSY = re.compile(r"(?i)sub.?assembl|^assemblies\b")
_BULLET = re.compile(r"^(\s*)(?:[*+\-•]|\d{1,3}[.)])\s+(.*\S)\s*$")
_QTY_LINE = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(?:[x×]\s+|\s+)(?=[^\s/=])(.*\S)\s*$")
_TITLE_LINE = re.compile(r"^\s*([A-Za-z][^|:]{0,60}):\s*$")
_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s*(.*?)\s*#*\s*$")
_LEAD_PRICE = re.compile(r"^\s*((?:[£$€]|US\$)\s?\d[\d.,]*|\d[\d.,]*\s?(?:€|EUR|USD|GBP))\s*[-–—:]\s*(.*)$")
_QTY_PREFIX = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(?:[x×]\b|pcs?\.?|pieces|units?)?\s+(?=[^\s/=+\-])")
_QTY_X = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*[x×]\s*(?=[^\s\d])")
_DURATION = re.compile(r"(?i)\b\d+(?:[.,]\d+)?\s*(?:min|mins|minutes?|h|hrs?|hours?|secs?|seconds?)\b")
_LABOUR = re.compile(r"(?i)\blabou?r\b|\b(print|cut|cutting|machine|build|assembly|cleaning|printing)\s+time\b")
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\(([^)\s]*)[^)]*\)")
_DELIM_ROW = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{1,}:?\s*)*\|?\s*$")
_POINTER_ITEM = re.compile(
    r"(?i)^\W*\[[^\]]*(bom|bill|parts?\s*list|spreadsheet|sheet|csv|xlsx?|download|here)[^\]]*\]\([^)]*\)\W*$")
BOM_HEADING = re.compile(
    r"(?i)\b(bill\s*of\s*materials?|b\.?o\.?m\.?s?|parts?\s*list|materials?|shopping\s*list|"
    r"list\s*of\s*(parts|materials|components)|components?\s*list|stückliste|lista\s*de\s*materiales)\b")


_EMPHASIS_RE = re.compile(r"[*_`]{1,3}")
_WHITESPACE_RE = re.compile(r"\s+")
_TIME_WORD_RE = re.compile(r"(?i)\btime\b")
_PIPE_RE = re.compile(r"(?<!\\)\|")
_BR_RE = re.compile(r"<br\s*/?>", re.I)
_EDGE_EMPHASIS_RE = re.compile(r"(?<!\w)[*_`]{1,3}|[*_`]{1,3}(?!\w)")


def _strip_md(text: str) -> tuple[str, str | None]:
    link = None
    m = _MD_LINK.search(text)
    if m and m.group(2).startswith("http"):
        link = m.group(2)
    t = _MD_LINK.sub(lambda mm: mm.group(1), text)
    t = _EMPHASIS_RE.sub("", t)
    return _WHITESPACE_RE.sub(" ", t).strip(), link or first_url(text)


def _is_vertical_header(text: str) -> bool:
    toks = text.split()
    return len(toks) >= 2 and all(len(t) == 1 for t in toks)


def _is_labour(text: str) -> bool:
    return bool(_LABOUR.search(text)) or (bool(_DURATION.search(text)) and bool(_TIME_WORD_RE.search(text)))


def item_from_text(body: str, rownum: int) -> BomLine | None:
    """BomLine from one list entry like '£0.18 - 2x M3 screw [shop](url)'; None for labour/time entries."""
    text, link = _strip_md(body)
    if not text or _is_labour(text):
        return None
    price = cur = None
    m = _LEAD_PRICE.match(text)
    if m:
        price, cur = parse_price(m.group(1))
        text = m.group(2).strip()
    qty = None
    m = _QTY_X.match(text) or _QTY_PREFIX.match(text)
    if m:
        qty = to_number(m.group(1))
        text = text[m.end():].strip()
    if not text:
        return None
    return BomLine(row=rownum, sheet=None, quantity=qty, part=clean(text), unit_price=price,
                   currency=cur if price is not None else None, link=link)


def parse_text_list(text: str, markdown: bool) -> tuple[list[BomLine], list[str], bool]:
    """Lines of a list-style BOM (sections, bullets, 'N name' rows); returns (lines, issues, looked_like_list)."""
    raw_lines = text.splitlines()
    bullets = [(_BULLET.match(ln)) for ln in raw_lines]
    indents = [len(m.group(1).expandtabs(4)) for m in bullets if m]
    top = min(indents) if indents else 0
    lines: list[BomLine] = []
    issues: list[str] = []
    skip = False
    in_code = False
    candidates = 0
    for n, raw in enumerate(raw_lines, start=1):
        line = raw.rstrip()
        if line.strip().startswith(("```", "~~~")):
            in_code = not in_code
            continue
        if in_code or not line.strip():
            continue
        mh = _MD_HEADING.match(line) if markdown else None
        mt = _TITLE_LINE.match(line) if "|" not in line else None
        if mh or (mt and not _QTY_LINE.match(line)):
            title = mh.group(2) if mh else mt.group(1)  # type: ignore[union-attr]
            skip = bool(_SUBASSY.search(title))
            continue
        if markdown and _DELIM_ROW.match(line):
            continue
        body = None
        mb = bullets[n - 1]
        if mb:
            if len(mb.group(1).expandtabs(4)) > top + 1:
                continue
            body = mb.group(2)
        elif not markdown:
            seg = line.rsplit("|", 1)[1] if "|" in line else line
            mq = _QTY_LINE.match(seg)
            if mq and not _is_vertical_header(mq.group(2)):
                body = seg.strip()
        if body is None:
            continue
        candidates += 1
        if skip:
            continue
        item = item_from_text(body, n)
        if item:
            lines.append(item)
    return lines, issues, candidates > 0


def _split_pipe_row(line: str) -> list[str]:
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|") and not s.endswith("\\|"):
        s = s[:-1]
    cells = _PIPE_RE.split(s)
    out = []
    for c in cells:
        t = c.replace("\\|", "|")
        t = _MD_LINK.sub(lambda mm: f"{mm.group(1)} {mm.group(2)}" if mm.group(2).startswith("http")
                         else mm.group(1), t)
        t = _BR_RE.sub(" ", t)
        t = _EDGE_EMPHASIS_RE.sub("", t)
        out.append(t.strip())
    return out


def md_blocks(text: str) -> list[tuple[str, object, list[str]]]:
    """Walk Markdown outside code fences: ('heading', (level, title), []) and ('table', first_line, rows...)."""
    out: list[tuple[str, object, list[str]]] = []
    lines = text.splitlines()
    in_code = False
    i = 0
    while i < len(lines):
        ln = lines[i]
        if ln.strip().startswith(("```", "~~~")):
            in_code = not in_code
            i += 1
            continue
        if in_code:
            i += 1
            continue
        mh = _MD_HEADING.match(ln)
        if mh and not ln.startswith("    "):
            out.append(("heading", (len(mh.group(1)), mh.group(2)), [str(i + 1)]))
            i += 1
            continue
        if "|" in ln and i + 1 < len(lines) and _DELIM_ROW.match(lines[i + 1]) and "-" in lines[i + 1]:
            block = [ln]
            j = i + 2
            while j < len(lines) and "|" in lines[j] and lines[j].strip():
                block.append(lines[j])
                j += 1
            out.append(("table", i + 1, block))
            i = j
            continue
        out.append(("line", i + 1, [ln]))
        i += 1
    return out


def table_lines(block: list[str], first_line: int, sheet: str | None = None,
                require_bom_header: bool = True) -> tuple[list[BomLine], list[str]] | None:
    """Lines of one Markdown pipe table, or None when its header is not BOM vocabulary."""
    rows = [_split_pipe_row(block[0])] + [_split_pipe_row(b) for b in block[1:]]
    nums = [first_line] + [first_line + 1 + k for k in range(1, len(block))]
    found = find_header(rows[:1], 1)
    if found is None:
        if require_bom_header:
            return None
    else:
        kinds = {f.split(":")[0] for f in found[1].values()}
        costed = kinds & {"unit_price", "total_price", "link", "mpn", "pn", "supplier", "supplier_pn", "distributor"}
        named = kinds & {"part", "description", "designators"}
        if require_bom_header and "quantity" not in kinds and not (costed and named):
            return None
    lines, issues, _ = rows_to_lines(rows, nums, sheet, header_search=1)
    return lines, issues


def parse_markdown_bom(text: str) -> tuple[list[BomLine], list[str], str]:
    """Lines of a Markdown BOM file: its BOM tables if any, else its top-level list items."""
    lines: list[BomLine] = []
    issues: list[str] = []
    tables = [(int(where), block) for kind, where, block in md_blocks(text) if kind == "table"]  # type: ignore[arg-type]
    for strict in (True, False):
        for where, block in tables:
            got = table_lines(block, where, require_bom_header=strict)
            if got and got[0]:
                lines.extend(got[0])
                issues.extend(got[1])
        if lines:
            return lines, issues, "markdown-table"
    lst, iss, _ = parse_text_list(text, markdown=True)
    return lst, issues + iss, "markdown-list"


def readme_sections(markdown: str) -> list[tuple[str, list[BomLine]]]:
    """BOM tables anywhere, and list items under BOM-named headings, as (label, lines) pairs."""
    blocks = md_blocks(markdown)
    out: list[tuple[str, list[BomLine]]] = []
    heading_stack: list[tuple[int, str]] = []
    bom_level: int | None = None
    bom_title = ""
    bom_items: list[BomLine] = []
    bom_has_table = False
    list_top: int | None = None

    def flush() -> None:
        if bom_level is not None and bom_items and not bom_has_table:
            out.append((f"list under '{bom_title}'", list(bom_items)))

    for kind, where, block in blocks:
        if kind == "heading":
            level, title = where  # type: ignore[misc]
            if bom_level is not None and level <= bom_level:
                flush()
                bom_level, bom_items, bom_has_table, list_top = None, [], False, None
            while heading_stack and heading_stack[-1][0] >= level:
                heading_stack.pop()
            heading_stack.append((level, title))
            if bom_level is None and BOM_HEADING.search(title):
                bom_level, bom_title, bom_items, bom_has_table, list_top = level, title, [], False, None
            continue
        if kind == "table":
            under_bom = bom_level is not None
            got = table_lines(block, int(where), require_bom_header=not under_bom)  # type: ignore[arg-type]
            if got and got[0]:
                title = heading_stack[-1][1] if heading_stack else "document"
                out.append((f"table at line {where} under '{title}'", got[0]))
                if under_bom:
                    bom_has_table = True
            continue
        if bom_level is None:
            continue
        ln = block[0]
        mb = _BULLET.match(ln)
        if not mb:
            continue
        indent = len(mb.group(1).expandtabs(4))
        if list_top is None:
            list_top = indent
        if indent > list_top + 1:
            continue
        if _POINTER_ITEM.match(mb.group(2)):
            continue
        item = item_from_text(mb.group(2), int(where))  # type: ignore[arg-type]
        if item:
            bom_items.append(item)
    flush()
    return out
