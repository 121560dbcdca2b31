"""Bill-of-materials normalizer: find BOM files in a repo tree and parse them into comparable line items."""

from __future__ import annotations

import posixpath
import re

from registry.normalize._bom_eagle import derive_eagle_boms, eagle_kind, is_eagle_path
from registry.normalize._bom_eda import eagle_partlist, ibom_result, is_eagle_partlist
from registry.normalize._bom_kicad import derive_boms, is_schematic_path
from registry.normalize._bom_read import (
    BomReadError,
    Sheet,
    decode_text,
    read_delimited,
    read_fixed_width,
    read_html_tables,
    read_ods,
    read_xls,
    read_xlsx,
    sniff_delimiter,
)
from registry.normalize._bom_table import find_header, rows_to_lines
from registry.normalize._bom_text import parse_markdown_bom, parse_text_list, readme_sections
from registry.normalize._bom_util import DERIVED, BomLine, BomResult, Limits
from registry.normalize._bom_util import parse_price as _parse_price

__all__ = [
    "DERIVED",
    "BomLine",
    "BomResult",
    "find_bom_files",
    "is_bom_path",
    "parse_bom",
    "parse_price",
    "readme_bom_tables",
    "schematic_boms",
    "summarize",
    "wanted_schematics",
]

BOM_EXTENSIONS = {"csv", "tsv", "xlsx", "xlsm", "xls", "ods", "md", "markdown", "txt", "html", "htm"}
_SHEET_EXTS = {"csv", "tsv", "xlsx", "xlsm", "xls", "ods"}
_EDA_EXTS = {"kicad_pcb", "kicad_sch", "kicad_pro", "sch", "brd", "pro"}
_NAME_RE = re.compile(
    r"(?i)bill.?of.?materials?|parts?.?lists?|st(ü|ue)ckliste|bauteilliste|lista.?de.?(materiales|componentes)|"
    r"liste.?des?.?(pi[eè]ces|composants)|nomenclature")
_NOT_BOM = re.compile(
    r"(?i)readme|licen[cs]e|copying|changelog|contributing|authors|(^|[-_ .])cpl([-_ .]|$)|centroid|"
    r"pick.?(and|n|&)?.?place|(^|[-_ .])pnp([-_ .]|$)|placement|(^|[-_ .])(top|bottom|all)?.?pos(ition)?s?([-_ .]|$)|"
    r"(^|[-_ .])xy([-_ .]|$)|netlist|drill")


def parse_price(text: str) -> tuple[float | None, str | None]:
    """Price and ISO currency from a cell: '$1,234.50' -> (1234.5, 'USD'); '12,50 €' -> (12.5, 'EUR')."""
    return _parse_price(text)


def _has_bom_token(stem: str) -> bool:
    for m in re.finditer(r"(?i)bom", stem):
        s, e = m.span()
        tok = stem[s:e]
        before = stem[s - 1] if s else ""
        after = stem[e] if e < len(stem) else ""
        ok_before = not before.isalpha() or (before.islower() and tok[0].isupper())
        plural = after in "sS" and (e + 1 >= len(stem) or not stem[e + 1].isalpha())
        ok_after = (not after.isalpha() or plural or (after.isupper() and tok[-1].islower())
                    or (tok.isupper() and after.islower()))
        if ok_before and ok_after:
            return True
    return False


def _bom_named(name: str) -> bool:
    return _has_bom_token(name) or bool(_NAME_RE.search(name))


def _ext(name: str) -> str:
    return name.rsplit(".", 1)[1].lower() if "." in name else ""


def _is_lock_or_hidden(name: str) -> bool:
    return name.startswith(("~$", ".~lock.", "._", ".")) or name.endswith(("#", "~"))


def is_bom_path(path: str) -> bool:
    """True when a repo path is a BOM candidate by its name or by sitting in a BOM-named folder."""
    parts = [p for p in path.replace("\\", "/").split("/") if p]
    if not parts:
        return False
    name, dirs = parts[-1], parts[:-1]
    if _ext(name) not in BOM_EXTENSIONS or _is_lock_or_hidden(name):
        return False
    if any(d.startswith(".") or d in ("node_modules", "__pycache__") for d in dirs):
        return False
    stem = name.rsplit(".", 1)[0]
    if _NOT_BOM.search(stem):
        return False
    return _bom_named(stem) or any(_bom_named(d) for d in dirs)


def find_bom_files(paths: list[str]) -> list[str]:
    """BOM candidates in a repo tree: BOM-named files, files in BOM folders, EDA BOM exports beside their design."""
    eda: dict[str, set[str]] = {}
    for p in paths:
        d, name = posixpath.split(p)
        if _ext(name) in _EDA_EXTS:
            eda.setdefault(d, set()).add(name.rsplit(".", 1)[0].lower())
    out: list[str] = []
    seen: set[str] = set()
    for p in paths:
        if p in seen:
            continue
        d, name = posixpath.split(p)
        ext = _ext(name)
        stem = name.rsplit(".", 1)[0] if "." in name else name
        hit = is_bom_path(p)
        if not hit and not _is_lock_or_hidden(name) and not _NOT_BOM.search(stem):
            # KiCad/Eagle BOM export named after its board, in the board's folder
            if ext in _SHEET_EXTS and stem.lower() in eda.get(d, set()):
                hit = True
            # Eagle/Fusion CAM processor output: CAMOutputs/Assembly/<board>.csv|txt
            dparts = d.lower().split("/")
            if (ext in ("csv", "txt", "tsv") and len(dparts) >= 2 and dparts[-1] == "assembly"
                    and re.fullmatch(r"cam.?outputs?", dparts[-2])):
                hit = True
        if hit:
            seen.add(p)
            out.append(p)
    return out


def _eagle_design(path: str, stems: set[tuple[str, str, str]], kicad_dirs: set[str]) -> bool:
    """An EAGLE design file worth reading: a .sch with its .brd beside it (KiCad 4-5 and gEDA use .sch alone too),
    or a .brd without its .sch (the schematic, when present, is read instead) outside a KiCad 4 project folder."""
    if not is_eagle_path(path):
        return False
    d, name = posixpath.split(path.lower())
    stem, ext = name.rsplit(".", 1)
    if ext == "sch":
        return (d, stem, "brd") in stems
    return (d, stem, "sch") not in stems and d not in kicad_dirs


def wanted_schematics(paths: list[str], limit: int) -> list[str]:
    """KiCad schematics and EAGLE designs to derive a BOM from, for a tree with no BOM file in a text or table
    format (a PDF or image BOM gives no lines, so it does not count): current designs first, at most `limit`."""
    if find_bom_files(paths):
        return []  # a published BOM file wins: its schematics are not fetched
    pathset = frozenset(paths)
    lower = {p.lower() for p in paths}
    old = re.compile(r"(?i)(?<![a-z])(old|obsolete|previous|archive[sd]?|deprecated|legacy|backup)(?![a-z])")
    stems: set[tuple[str, str, str]] = set()
    kicad_dirs: set[str] = set()
    for p in lower:
        d, name = posixpath.split(p)
        if name.endswith((".sch", ".brd")):
            stem, ext = name.rsplit(".", 1)
            stems.add((d, stem, ext))
        elif name.endswith((".pro", ".kicad_pro")):
            kicad_dirs.add(d)

    def root(p: str) -> bool:  # named after its KiCad project (the sheet the others hang from), or an EAGLE design
        stem = p.rsplit(".", 1)[0].lower()
        return f"{stem}.kicad_pro" in lower or f"{stem}.pro" in lower or f"{stem}.brd" in lower or p.endswith(".brd")

    found = [p for p in paths if is_schematic_path(p, pathset) or _eagle_design(p, stems, kicad_dirs)]
    return sorted(found, key=lambda p: (bool(old.search(p)), not root(p), p.count("/"), p))[:limit]


def schematic_boms(files: dict[str, bytes]) -> list[BomResult]:
    """BOMs derived from the KiCad schematics and EAGLE designs among `files` (origin DERIVED): one per KiCad root
    schematic, one per EAGLE schematic (or board without one). A .sch is KiCad's or EAGLE's by its content."""
    kicad: dict[str, bytes] = {}
    eagle: dict[str, bytes] = {}
    for p, d in files.items():
        low = p.lower()
        if low.endswith(".kicad_sch") and is_schematic_path(p):
            kicad[p] = d
        elif low.endswith(".sch") and is_schematic_path(p) and d.lstrip()[:40].startswith(b"EESchema Schematic File"):
            kicad[p] = d
        elif is_eagle_path(p) and (low.endswith(".brd") or eagle_kind(d) or is_schematic_path(p)):
            eagle[p] = d  # an EAGLE file, or a .sch/.brd that is neither: the EAGLE reader says what it is not
    return (derive_boms(kicad) if kicad else []) + (derive_eagle_boms(eagle) if eagle else [])


# ---------------------------------------------------------------- parsing

_AUX_SHEET = re.compile(r"(?i)^\s*(summary|overview|totals?|costs?|notes?|instructions?|read\s*me|info|"
                        r"changelog|changes|revisions?|history|about|cover|settings|config|lists?|lookup)\s*$")


def _sheets_to_result(path: str, fmt: str, sheets: list[Sheet], issues: list[str]) -> BomResult:
    res = BomResult(path=path, format=fmt, issues=issues)
    per: list[tuple[Sheet, list[BomLine], list[str], bool]] = []
    for sh in sheets:
        if not sh.rows:
            continue
        lines, iss, found = rows_to_lines(sh.rows, sh.rownums, sh.name)
        if sh.truncated:
            iss.append(f"{sh.name or 'table'}: truncated at the row/column/cell caps")
        per.append((sh, lines, iss, found))
    if not per:
        res.error = "no data rows"
        return res
    use = per
    if len(per) > 1:
        with_header = [x for x in per if x[3] and not _AUX_SHEET.search(x[0].name or "")] or [x for x in per if x[3]]
        use = with_header or per[:1]
        skipped = [x[0].name for x in per if x not in use]
        if skipped:
            res.issues.append(f"sheets without a BOM header skipped: {', '.join(str(s) for s in skipped)}")
    for _sh, lines, iss, _found in use:
        res.lines.extend(lines)
        res.issues.extend(iss)
    return res


_POINTER = re.compile(r"(?i)\b(see|find|found|moved|located|refer|available|in:|at:|here)\b|https?://|\w+\.(csv|tsv|xlsx?|ods|md|pdf|html?)\b")


def _pointer_reason(text: str) -> str | None:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if 0 < len(lines) <= 3 and len(text) < 500 and _POINTER.search(text):
        return "pointer to another location, not a BOM: " + lines[0][:120]
    return None


def _cap_lines(text: str, limits: Limits, issues: list[str]) -> str:
    """Bound line length and count so line-oriented regexes stay linear on hostile text."""
    lines = text.splitlines()
    if len(lines) > limits.max_rows * 2:
        issues.append(f"text truncated to {limits.max_rows * 2} lines")
        lines = lines[: limits.max_rows * 2]
    if any(len(ln) > limits.max_cell_chars * 4 for ln in lines):
        issues.append(f"lines longer than {limits.max_cell_chars * 4} characters truncated")
        lines = [ln[: limits.max_cell_chars * 4] for ln in lines]
    return "\n".join(lines)


def _text_result(path: str, ext: str, text: str, limits: Limits, issues: list[str]) -> BomResult:
    if ext in ("html", "htm") or re.match(r"\s*(<!doctype html|<html)", text[:500], re.I):
        if "pcbdata" in text and re.search(r"var\s+pcbdata", text):
            res = ibom_result(path, text, limits)
            res.issues = issues + res.issues
            return res
        tables = read_html_tables(text, limits)
        if not tables:
            return BomResult(path, "html", [], issues, "no <table> in HTML page")
        return _sheets_to_result(path, "html", tables, issues)
    if ext not in ("md", "markdown", "csv") and is_eagle_partlist(text):
        res = eagle_partlist(path, text, limits)
        res.issues = issues + res.issues
        return res
    pointer = _pointer_reason(text)
    if ext in ("md", "markdown", "txt"):
        text = _cap_lines(text, limits, issues)
    if ext in ("md", "markdown"):
        lines, iss, fmt = parse_markdown_bom(text)
        if not lines and pointer:
            return BomResult(path, fmt, [], issues + iss, pointer)
        return BomResult(path, fmt, lines, issues + iss, None if lines else "no BOM table or list found")
    if ext == "txt":
        lst, iss, is_list = parse_text_list(text, markdown=False)
        nonblank = sum(1 for ln in text.splitlines() if ln.strip())
        has_titles = bool(re.search(r"(?m)^\s*[A-Za-z][^|:\n]{0,60}:\s*$", text))
        if is_list and (has_titles or len(lst) >= 0.6 * nonblank):
            return BomResult(path, "text-list", lst, issues + iss, None)
    delim = "\t" if ext == "tsv" else None
    sniffed = sniff_delimiter(text, "\t;,|" if ext != "csv" else ",;\t|")
    delim = sniffed or delim or ("," if ext == "csv" else None)
    if delim:
        sheet = read_delimited(text, delim, limits, None)
        if delim != {"csv": ",", "tsv": "\t"}.get(ext, delim):
            issues.append(f"delimiter {delim!r} detected")
        res = _sheets_to_result(path, ext if ext in ("csv", "tsv") else "text-table", [sheet], issues)
        if not res.lines and pointer:
            res.error = pointer
        return res
    all_lines = text.splitlines()
    found = find_header([re.split(r"\s{2,}", ln.strip()) for ln in all_lines[:60]])
    start = found[0] if found else 0
    fixed = read_fixed_width(all_lines[start:], limits, first_rownum=start + 1)
    if fixed is not None:
        res = _sheets_to_result(path, "text-fixed", [fixed], issues)
        if res.lines:
            return res
    lst, iss, _ = parse_text_list(text, markdown=False)
    if lst:
        return BomResult(path, "text-list", lst, issues + iss, None)
    return BomResult(path, "text", [], issues, pointer or "no BOM structure recognised in text")


def parse_bom(path: str, data: bytes, *, max_bytes: int = 20_000_000, max_unzipped: int = 200_000_000,
              max_rows: int = 20_000, max_cell_chars: int = 4_000) -> BomResult:
    """Parse one BOM file's bytes into line items; never raises, failures come back in `error`."""
    res = _parse_bom(path, data, max_bytes=max_bytes, max_unzipped=max_unzipped, max_rows=max_rows,
                     max_cell_chars=max_cell_chars)
    if not (res.lines or res.error or res.issues):
        res.error = "no line items found"  # a file read to nothing is said so, never silently empty
    return res


def _parse_bom(path: str, data: bytes, *, max_bytes: int, max_unzipped: int, max_rows: int,
               max_cell_chars: int) -> BomResult:
    ext = _ext(posixpath.basename(path))
    limits = Limits(max_bytes=max_bytes, max_unzipped=max_unzipped, max_rows=max_rows,
                    max_cell_chars=max_cell_chars)
    name = posixpath.basename(path)
    try:
        if len(data) > max_bytes:
            return BomResult(path, ext or "unknown", [], [], f"file too large ({len(data)} > {max_bytes} bytes)")
        if name.startswith(("~$", ".~lock.")):
            return BomResult(path, ext or "unknown", [], [], "office lock/owner file, not a BOM")
        if not data.strip():
            return BomResult(path, ext or "unknown", [], [], "empty file")
        if data.startswith(b"PK\x03\x04"):
            from registry.normalize._bom_read import check_zip

            names = set(check_zip(data, limits).namelist())
            if "xl/workbook.xml" in names:
                return _sheets_to_result(path, "xlsx", read_xlsx(data, limits), [])
            if "content.xml" in names:
                return _sheets_to_result(path, "ods", read_ods(data, limits), [])
            return BomResult(path, "zip", [], [], "zip archive that is neither xlsx nor ods")
        if data.startswith(b"\xd0\xcf\x11\xe0"):
            return _sheets_to_result(path, "xls", read_xls(data, limits), [])
        if ext in ("xlsx", "xlsm", "ods", "xls") and b"\x00" in data[:2000]:
            return BomResult(path, ext, [], [], f"not a spreadsheet despite .{ext} extension (unknown binary)")
        text, enc = decode_text(data)
        issues = [] if enc in ("utf-8", "utf-8-sig") else [f"decoded as {enc}"]
        if ext in ("xlsx", "xlsm", "ods", "xls"):
            issues.append(f"text content despite .{ext} extension")
        return _text_result(path, ext, text, limits, issues)
    except BomReadError as e:
        return BomResult(path, ext or "unknown", [], [], str(e))
    except Exception as e:  # a parser bug must not take the crawl down
        return BomResult(path, ext or "unknown", [], [], f"parse failed: {type(e).__name__}: {e}")


def readme_bom_tables(markdown: str, path: str = "README.md") -> list[BomResult]:
    """BOMs inside a README: Markdown tables with BOM headers, and list items under BOM-named headings."""
    try:
        sections = readme_sections(_cap_lines(markdown or "", Limits(), []))
    except Exception as e:
        return [BomResult(path, "markdown", [], [], f"parse failed: {type(e).__name__}: {e}")]
    return [BomResult(path, "readme-table" if label.startswith("table") else "readme-list", lines, [label], None)
            for label, lines in sections]


def summarize(results: list[BomResult]) -> dict:
    """Totals over parsed BOMs: files, lines, and cost per currency where quantity and unit price are known."""
    cost: dict[str, float] = {}
    priced = 0
    for r in results:
        for ln in r.lines:
            if ln.quantity is not None and ln.unit_price is not None and ln.currency:
                cost[ln.currency] = cost.get(ln.currency, 0.0) + ln.quantity * ln.unit_price
                priced += 1
    return {
        "files": sum(1 for r in results if r.error is None),
        "errors": sum(1 for r in results if r.error is not None),
        "lines": sum(len(r.lines) for r in results),
        "priced_lines": priced,
        "cost": {k: round(v, 2) for k, v in sorted(cost.items())},
    }
