"""Turn a grid of cells into BOM lines: find the header by vocabulary, map columns, drop non-part rows by shape."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from registry.normalize._bom_util import (
    DESIGNATOR_RE,
    PLACEHOLDERS,
    BomLine,
    clean,
    find_currency,
    first_url,
    has_letters,
    looks_like_designators,
    parse_price,
    parse_quantity,
    split_designators,
)

_DISTRIBUTORS = (
    r"digi-?key|mouser|farnell|newark|rs(?: components| pro| online)?|lcsc|tme|reichelt|jlcpcb|jlc|arrow|"
    r"element ?14|conrad|mcmaster(?:-carr)?|aliexpress|amazon|adafruit|sparkfun|octopart|pololu|banggood|"
    r"ebay|misumi|avnet|future|rapid|cpc|kitspace|seeed|robu|berrybase|pimoroni"
)

# (field, pattern); first match wins.  'part:N' carries a priority (lower is better).
_RULES: list[tuple[str, re.Pattern[str]]] = [(f, re.compile(p)) for f, p in [
    ("quantity", r"^(total|order|required|req\.?)\s*(qty|quantity|pcs|count)\b"),
    ("total_price", r"^ext\.?$|^(ext(ended)?\.?\s*(price|cost)|(sub\s?-?)?total\b|line\s*total|sum\b|amount\s*total|"
                    r"(price|cost)\s*total|gesamt|summe|importe|total\s*(price|cost))"),
    ("supplier_pn", r"(supplier|vendor|distributor|seller|order|dist\.?)\s*(part\s*)?(#|no\b|nr\b|number|num\b|code|"
                    r"p/?n\b|ref|sku|id\b|item)|^sku\b|^order\s*(code|no|number|#)|supplier\s*(and|&)\s*ref|"
                    r"^(" + _DISTRIBUTORS + r")\s*(part\s*)?(#|no\.?|nr|number|code|p/?n|sku|ref|id|item)\b|"
                    r"^code\b|^cat(alog(ue)?)?\.?\s*(no|#|number)|^order\s*(code|no|number|#)|^oc\s+\w+"),
    ("distributor", r"^(" + _DISTRIBUTORS + r")$"),
    ("pn", r"^(part\s*(number|no\.?|nr\.?|#|num)|p/?n|pn|partnumber|part_number|partno)$"),
    ("mpn", r"^(mpn|mfr\.?\s*(part\s*)?(#|no\.?|nr|number|p/?n|pn)|mfg\.?\s*(part\s*)?(#|no\.?|nr|number|p/?n|pn)|"
            r"manufacturer'?s?\s*(part\s*)?(#|no\.?|nr\.?|number|partno|p/?n|pn|ref(erence)?|code|id)|"
            r"part\s*(number|no\.?|nr\.?|#|num)|p/?n|pn|partnumber|part_number|partno|model(\s*(number|no))?|"
            r"manufacturer\s*part|mfr\s*part|mfg\s*part)\b"),
    ("manufacturer", r"^(manufacturer|manufacture|mfr|mfg|mf|maker|brand|make|producer|hersteller|fabricante|"
                     r"fabricant)\b"),
    ("link", r"(link|links|url|urls|hyperlink|website|web\s?site)$|^(links?|url|web|buy|purchase|product\s*page)\b"),
    ("supplier", r"^(suppliers?|vendors?|distributors?|source|sourcing|shop|store|seller|retailer|"
                 r"where\s*to\s*(buy|get)|purchase\s*from|bought\s*from|lieferant|bezugsquelle|proveedor|fournisseur)\b"),
    ("designators", r"^(schematic\s*ref\w*|ref(erence)?s?|ref\.?\s*des(ignators?|ignations?)?\.?|refdes|designators?|"
                    r"reference\s*designators?|ref\s*designators?|component\s*references?|parts)$"),
    ("quantity", r"^(qty|qnty|qt[ey]?|quantity|quantities|quant|pcs|pieces|piece\s*count|count|amount|menge|anzahl|"
                 r"stk|stück|cantidad|quantit[eé]|qté|units|no\.?\s*of\s*(pcs|parts|units|pieces)|"
                 r"number\s*of\s*(pcs|parts|units|pieces)|needed|required|quantit\w*|quantidade|cant\.?)\b|^(qty|quantity)|"
                 r"\b(qty|qnty|quantity)\b"),
    ("unit_price", r"(unit\s*(price|cost)|price|cost|preis|precio|prix|costo|kosten|prezzo|preco|each)"),
    ("description", r"^(description|descri\w*|desc\.?|details?\s*\d*|specs?|specifications?|characteristics|"
                    r"beschreibung|descripci[oó]n|bezeichnung|part\s*description|item\s*description|component\s*description)\b"),
    ("part:0", r"^(part|parts?\s*name|name|item|items|item\s*name|component|components|component\s*name|article|"
               r"product|product\s*name|material|materials|bauteil|artikel|pieza|componente|elemento|nom|"
               r"part\s*/\s*item|what)\b"),
    ("part:1", r"^(value|designation|device|part\s*type|type|val)\b"),
    ("part:2", r"^(comment)$"),
    ("index", r"^(#|no\.?|nr\.?|num|number|n°|pos\.?|position|id|index|line|row|item\s*(#|no\.?|nr|number)|lp\.?|"
              r"s\.?\s*no\.?|sr\.?\s*no\.?|sl\.?\s*no\.?)$"),
    ("ignore", r"^(footprint|package|case|pcb\s*footprint|housing|packaging|notes?|comments|remarks?|"
               r"special\s*instructions|instructions|hints?|info|opportunity|bemerkung|anmerkung|observaciones|"
               r"datasheet|dnp|dnf|dni|populate|fitted|mounted|moq|library|sheet|lead\s*time|stock|weight|unit|"
               r"voltage|tolerance|power|rating|category|group|status|availability|dimensions?|size|color|colour|"
               r"material\s*type|process|file|stl|layer|side|rotation|mid\s*x|mid\s*y|alternative|alternatives|"
               r"substitute|optional|remark|purpose|function|usage|use|lcsc\s*part|assembly|smd|tht|vendor\s*link)"),
]]

_FOOTPRINT_RE = re.compile(r"^(footprint|package|pcb footprint|case|housing)$")
_CORE = {"quantity", "part", "description", "designators", "mpn", "pn"}
_INDEX_AS_QTY = re.compile(r"^(number|nr\.?|no\.?|num|count)$")
_TOTAL_RE = re.compile(r"(?i)(?<![a-z])(grand\s*total|sub-?\s*total|total|sum|summe|gesamt\w*|totaal|totale)(?![a-z])")
_ALTERNATIVE = re.compile(
    r"(?i)^\s*(\w+\s+){0,2}(option(al)?|alternatives?|alternatively|alt\.|or|oder|substitutes?)\b[^:]{0,40}:")
_TOTAL_NAME = re.compile(
    r"(?i)^\W*(grand\s*|sub-?\s*)?(total|sum|summe|gesamt\w*)\b[^a-z]{0,3}$|^\W*(grand\s*|sub-?\s*)?total\b")
_COLLATED = re.compile(r"(?i)^\s*collated\s+components\s*:?\s*$")
_NOTE_START = re.compile(r"(?i)^\s*(\*|\(|note|nb\b|n\.b\.|hint|see\b|please|all\s+prices|prices?\b|"
                         r"updated|last\s+updated|version|rev\.|date|source:|created)")


_BRACKETED_RE = re.compile(r"\((?:[^)]*)\)|\[(?:[^\]]*)\]")
_CURRENCY_SIGN_RE = re.compile(r"[€$£¥]")
_SPACE_RUN_RE = re.compile(r"[\s_]+")
_NUM_CELL_RE = re.compile(r"[-+]?[\d.,\s]+%?")
_NOT_NUMERIC_RE = re.compile(r"[^\d.,]")
_COMMA_DECIMAL_RE = re.compile(r"^0,\d|,\d{1,2}$|,\d{4,}$")
_DOT_DECIMAL_RE = re.compile(r"^0\.\d|\.\d{1,2}$|\.\d{4,}$")
_DOT_THOUSANDS_RE = re.compile(r"\d\.\d{3},\d")
_COMMA_THOUSANDS_RE = re.compile(r"\d,\d{3}\.\d")
_DISTRIBUTOR_IN_RE = re.compile(r"(?<![a-z])(" + _DISTRIBUTORS + r")(?![a-z])")
_DISTRIBUTOR_START_RE = re.compile(r"^(" + _DISTRIBUTORS + r")\b")
_URL_CELL_RE = re.compile(r"\S*https?://\S*")


def _norm(cell: str) -> str:
    s = cell.lower().replace("\n", " ")
    if not s.isascii():  # ASCII has no decompositions and no combining marks
        s = unicodedata.normalize("NFKD", s)
        s = "".join(ch for ch in s if not unicodedata.combining(ch))
    if "(" in s or "[" in s:
        s = _BRACKETED_RE.sub(" ", s)
    s = _CURRENCY_SIGN_RE.sub(" ", s)
    s = _SPACE_RUN_RE.sub(" ", s).strip(" :*.-")
    return s


@lru_cache(maxsize=8192)
def header_field(cell: str) -> str | None:
    """Field a header cell names ('quantity', 'mpn', 'part:0', 'ignore', ...), or None if not BOM vocabulary."""
    if not cell or len(cell) > 60:
        return None
    s = _norm(cell)
    if not s:
        return "index" if cell.strip() == "#" else None
    if s == "#":
        return "index"
    for fld, rx in _RULES:
        if rx.search(s):
            return fld
    return None


def _is_num(cell: str) -> bool:
    s = cell.strip()
    if s.isdecimal():  # '3', '10': digits only (every decimal is a \d and a digit)
        return True
    return bool(_NUM_CELL_RE.fullmatch(s)) and any(ch.isdigit() for ch in cell)


_AMOUNT_RE = re.compile(r"[-+]?[\d.,\s]*\d[\d.,\s]*\s*([A-Z]{3}|[€$£¥])|([A-Z]{3}|[€$£¥])\s*[-+]?[\d.,\s]*\d[\d.,\s]*")


def _is_amount(cell: str) -> bool:
    if not has_letters(cell):
        return True
    return bool(_AMOUNT_RE.fullmatch(cell.strip())) and find_currency(cell) is not None


def _header_score(row: list[str], beat: float | None = None) -> tuple[float, dict[int, str]]:
    """Header score of a row and its field map; (0.0, {}) early when the score cannot exceed beat."""
    fields: dict[int, str] = {}
    if beat is not None and len(row) <= beat:  # not even one point per cell would beat it
        return 0.0, fields
    numeric = 0
    text: list[int] = []
    for j, c in enumerate(row):
        if not c:
            continue
        if _is_num(c):
            numeric += 1
        else:
            text.append(j)
    # each text cell adds at most 1 to the score and each number takes 1 off: skip the vocabulary when hopeless
    if beat is not None and len(text) - numeric <= beat:
        return 0.0, {}
    for j in text:
        f = header_field(row[j])
        if f:
            fields[j] = f
    kinds = {f.split(":")[0] for f in fields.values()}
    if not kinds & _CORE:
        return 0.0, fields
    distinct = len(kinds - {"ignore"}) + 0.5 * sum(1 for f in fields.values() if f == "ignore")
    return distinct - numeric, fields


def find_header(rows: list[list[str]], search: int = 40) -> tuple[int, dict[int, str]] | None:
    """Index and field map of the row that reads most like a BOM header within the first rows, or None."""
    best: tuple[float, int, dict[int, str]] | None = None
    for i, row in enumerate(rows[:search]):
        # a row must score at least 2 (its bound is whole, so more than 1), and more than the best so far
        score, fields = _header_score(row, best[0] if best is not None else 1)
        if score >= 2 and (best is None or score > best[0]):
            best = (score, i, fields)
    if best is None:
        return None
    return best[1], best[2]


@dataclass
class ColumnMap:
    """Which column feeds which BomLine field, plus per-column currency and decimal-comma hints."""

    quantity: int | None = None
    designators: int | None = None
    part: int | None = None
    description: list[int] = field(default_factory=list)
    manufacturer: int | None = None
    mpn: int | None = None
    supplier: int | None = None
    supplier_pn: list[tuple[int, str | None]] = field(default_factory=list)
    unit_price: int | None = None
    total_price: int | None = None
    link: int | None = None
    index: int | None = None
    footprint: int | None = None  # kept on the line, never used to tell part rows from others
    part_fallback: int | None = None  # EAGLE's Device column, naming a part whose Value is empty
    currency: dict[int, str] = field(default_factory=dict)
    decimal_comma: dict[int, bool | None] = field(default_factory=dict)

    def used(self) -> set[int]:
        cols = {self.quantity, self.designators, self.part, self.manufacturer, self.mpn, self.supplier,
                self.unit_price, self.total_price, self.link, self.index}
        cols |= set(self.description) | {c for c, _ in self.supplier_pn}
        return {c for c in cols if c is not None}


def _title(name: str) -> str:
    return name.upper() if len(name) <= 4 else name[:1].upper() + name[1:]


def _col_values(rows: list[list[str]], j: int) -> list[str]:
    return [v for r in rows if j < len(r) and (s := (v := r[j]).strip()) and s.lower() not in PLACEHOLDERS]


def _decimal_comma(values: list[str]) -> bool | None:
    comma = dot = 0
    for v in values:
        core = _NOT_NUMERIC_RE.sub("", v)
        if _COMMA_DECIMAL_RE.search(core) and "." not in core:
            comma += 1
        elif _DOT_DECIMAL_RE.search(core) and "," not in core:
            dot += 1
        elif _DOT_THOUSANDS_RE.search(core):
            comma += 1
        elif _COMMA_THOUSANDS_RE.search(core):
            dot += 1
    if comma and not dot:
        return True
    if dot and not comma:
        return False
    return None


def _sequential(values: list[str]) -> bool:
    nums = []
    for v in values:
        try:
            nums.append(float(v))
        except ValueError:
            return False
    if len(nums) < 3:
        return False
    steps = sum(1 for a, b in zip(nums, nums[1:], strict=False) if b - a in (0, 1))
    return steps >= 0.8 * (len(nums) - 1)


def build_column_map(header: list[str], fields: dict[int, str], data: list[list[str]],
                     above: list[str] | None = None) -> ColumnMap:
    """Resolve header fields into a ColumnMap, settling ambiguous columns by their values."""
    cm = ColumnMap()
    sample = data[:300]
    seen: dict[int, list[str]] = {}

    def col(j: int) -> list[str]:  # _col_values(sample, j), read once per column
        if j not in seen:
            seen[j] = _col_values(sample, j)
        return seen[j]

    parts: list[tuple[int, int]] = []
    qty_candidates: list[int] = []
    generic_pn: list[int] = []
    for j in sorted(fields):
        f = fields[j]
        if f.startswith("part:"):
            prio = int(f.split(":")[1])
            name = _norm(header[j])
            if name.startswith("item") and (vals := col(j)) and sum(_is_num(v) for v in vals) >= 0.8 * len(vals):
                if cm.index is None:
                    cm.index = j
                continue
            parts.append((prio, j))
        elif f == "quantity":
            qty_candidates.append(j)
        elif f == "index":
            if cm.index is None:
                cm.index = j
        elif f == "description":
            cm.description.append(j)
        elif f == "pn":
            generic_pn.append(j)
        elif f == "supplier_pn":
            m = _DISTRIBUTOR_IN_RE.search(_norm(header[j]))
            cm.supplier_pn.append((j, _title(m.group(1)) if m else None))
        elif f == "distributor":
            cm.supplier_pn.append((j, header[j].strip()))
        elif f in ("manufacturer", "mpn", "supplier", "unit_price", "total_price", "link", "designators"):
            if getattr(cm, f) is None:
                setattr(cm, f, j)
        elif f == "ignore" and cm.footprint is None and _FOOTPRINT_RE.match(_norm(header[j])):
            cm.footprint = j
    # a bare 'Part Number' is the MPN unless a manufacturer-specific column exists, then a supplier's number
    if generic_pn:
        if cm.mpn is None:
            cm.mpn = generic_pn.pop(0)
        known = {c for c, _ in cm.supplier_pn}
        cm.supplier_pn.extend((j, None) for j in generic_pn if j not in known)
    # quantity: first candidate whose values are mostly numbers
    for j in qty_candidates:
        vals = col(j)
        if not vals or sum(parse_quantity(v) is not None for v in vals) >= 0.5 * len(vals):
            cm.quantity = j
            break
    if cm.quantity is None and qty_candidates:
        cm.quantity = qty_candidates[0]
    if cm.quantity is None and cm.index is not None and _INDEX_AS_QTY.match(_norm(header[cm.index])):
        vals = col(cm.index)
        if vals and not _sequential(vals) and sum(_is_num(v) for v in vals) >= 0.8 * len(vals):
            cm.quantity, cm.index = cm.index, None
    # designators hidden in a 'part' column (EDA part lists call designators 'Part')
    parts.sort()
    if cm.designators is None:
        for k, (_prio, j) in enumerate(parts):
            vals = col(j)
            if len(vals) >= 2 and sum(looks_like_designators(v) for v in vals) >= 0.8 * len(vals):
                cm.designators = j
                parts.pop(k)
                break
    strong = [j for prio, j in parts if prio < 2]
    if strong:
        cm.part = strong[0]
        if _norm(header[cm.part]) == "value":
            cm.part_fallback = next((j for j in strong[1:] if _norm(header[j]) == "device"), None)
    elif parts and not cm.description:
        cm.part = parts[0][1]
    if cm.part is None:
        # unlabeled text column (empty header) holding names
        best = None
        for j in range(max((len(r) for r in sample), default=0)):
            if j in fields or (j < len(header) and header[j].strip()):
                continue
            vals = [v for v in col(j) if has_letters(v) and not _is_num(v)]
            if vals and (best is None or len(vals) > best[0]):
                best = (len(vals), j)
        if best:
            cm.part = best[1]
    # distributor names in a super-header row above the header (e.g. 'Farnell' over 'Code | Part Number')
    if above:
        spans = [(j, c.strip()) for j, c in enumerate(above) if c.strip()]
        named = {c for c, nm in cm.supplier_pn if nm}
        for k, (j, name) in enumerate(spans):
            if not _DISTRIBUTOR_START_RE.match(_norm(name)):
                continue
            end = min(spans[k + 1][0] if k + 1 < len(spans) else len(header), len(header))
            if any(j <= c < end for c in named):
                continue
            entries = [(i, c) for i, (c, _nm) in enumerate(cm.supplier_pn) if j <= c < end]
            if entries:
                i, c = entries[0]
                cm.supplier_pn[i] = (c, name)
                continue
            for jj in range(j, end):
                if fields.get(jj) in ("supplier_pn", "mpn", "pn", "distributor") and jj != cm.mpn:
                    cm.supplier_pn.append((jj, name))
                    break
        cm.supplier_pn.sort()
    # currency and decimal hints
    sheet_cur = None
    for c in list(header) + list(above or []):
        sheet_cur = sheet_cur or find_currency(c)
    for j in (cm.unit_price, cm.total_price):
        if j is not None:
            cur = find_currency(header[j]) if j < len(header) else None
            if cur or sheet_cur:
                cm.currency[j] = cur or sheet_cur  # type: ignore[assignment]
    for j in (cm.unit_price, cm.total_price, cm.quantity):
        if j is not None:
            cm.decimal_comma[j] = _decimal_comma(col(j) if len(data) <= len(sample) else _col_values(data, j))
    return cm


# ---------------------------------------------------------------- row classification

def _values(row: list[str]) -> list[str]:
    """Every cell of a row stripped, with '' for empty and placeholder cells ('-', 'n/a', ...)."""
    return [v if (v := c.strip()).lower() not in PLACEHOLDERS else "" for c in row]


def _at(vals: list[str], j: int | None) -> str:
    """Cell j of a row read by _values; '' when the column is unmapped (None) or the row is short."""
    return vals[j] if j is not None and j < len(vals) else ""


def _designator_like(text: str) -> bool:
    toks = split_designators(text)
    return bool(toks) and sum(1 for t in toks if DESIGNATOR_RE.match(t)) * 2 >= len(toks)


def _is_note(text: str) -> bool:
    words = text.split()
    return len(words) >= 6 or len(text) > 60 or bool(_NOTE_START.match(text)) or (
        text.endswith(".") and len(words) >= 3)


def classify_rows(rows: list[list[str]], cm: ColumnMap, header: list[str] | None) -> list[str]:
    """Label each row: part, item (loose single-cell part), section, note, total, subtotal, header, blank, junk."""
    return _classify(rows, cm, header)[0]


def _classify(rows: list[list[str]], cm: ColumnMap, header: list[str] | None) -> tuple[list[str], list[list[str]]]:
    """classify_rows, also handing back each row as _values read it (make_line reuses them)."""
    kinds: list[str] = []
    row_vals: list[list[str]] = []
    head_set = {h.strip().lower() for h in (header or []) if h.strip()}
    side_cols = {cm.unit_price, cm.total_price, cm.link, cm.supplier, cm.manufacturer, cm.quantity}
    side_cols |= {j for j, _ in cm.supplier_pn}
    for row in rows:
        vals = _values(row)
        row_vals.append(vals)
        filled = [(j, c) for j, c in enumerate(vals) if c]
        if not filled:
            kinds.append("blank")
            continue
        if head_set and sum(1 for _, c in filled if c.lower() in head_set) >= max(2, len(head_set) // 2):
            kinds.append("header")
            continue
        qty_txt = _at(vals, cm.quantity)
        qty = parse_quantity(qty_txt, cm.decimal_comma.get(cm.quantity)) if qty_txt else None
        desig = _at(vals, cm.designators)
        if desig and not _designator_like(desig):
            desig = ""
        if qty is None and not desig and any(_TOTAL_RE.search(c) and len(c) <= 60 for _, c in filled):
            kinds.append("total")
            continue
        name_cell = _at(vals, cm.part) or (_at(vals, cm.description[0]) if cm.description else "")
        if name_cell and _TOTAL_NAME.match(name_cell) and not desig:
            kinds.append("total")  # 'Total | 45 | $123': the count in the qty column is a sum, not a part
            continue
        if all(_is_amount(c) for _, c in filled):
            named = _at(vals, cm.part) or any(_at(vals, j) for j in cm.description) or _at(vals, cm.mpn)
            kinds.append("part" if qty is not None and named else "subtotal")
            continue
        content = [(j, c) for j, c in filled if j != cm.index]
        if not content:
            kinds.append("blank")
            continue
        named = [(j, c) for j, c in content
                 if j not in side_cols and not ("://" in c and _URL_CELL_RE.fullmatch(c))]
        if not named:
            kinds.append("junk")
            continue
        if cm.index is not None and _is_num(_at(vals, cm.index)):
            kinds.append("part")
            continue
        if qty is not None:
            kinds.append("part" if [j for j, _ in content if j != cm.quantity] else "junk")
            continue
        if cm.quantity is not None and _ALTERNATIVE.match(named[0][1]):
            kinds.append("alternative")
            continue
        if (desig or _at(vals, cm.mpn) or _at(vals, cm.unit_price) or _at(vals, cm.manufacturer)
                or any(_at(vals, j) for j, _ in cm.supplier_pn)):
            kinds.append("part")
            continue
        if 1 < len(filled) <= 3 and filled[0][1].endswith(":") and len(filled[0][1].split()) <= 4:
            kinds.append("meta")  # 'Date:', '2021-01-01' style key/value rows (KiBot/KiCad statistics blocks)
        elif len(content) <= 2 and not any(first_url(c) for _, c in content):
            kinds.append("single")
        else:
            kinds.append("part")
    # resolve single-text rows by what follows them
    has_parts = "part" in kinds
    n = len(kinds)
    for i in range(n):
        if kinds[i] != "single":
            continue
        text = " ".join(c for c in rows[i] if c.strip()).strip()
        if text.endswith(":"):
            kinds[i] = "section"
            continue
        if has_parts and _is_note(text):
            kinds[i] = "note"
            continue
        nxt = None
        for k in range(i + 1, n):
            if kinds[k] in ("blank", "single", "note"):
                continue
            nxt = kinds[k]
            break
        kinds[i] = "section" if nxt in ("part", "header") else "item"
    return kinds, row_vals


def rows_to_lines(rows: list[list[str]], rownums: list[int], sheet: str | None,
                  header_search: int = 40) -> tuple[list[BomLine], list[str], bool]:
    """BOM lines from a grid; returns (lines, issues, header_found)."""
    issues: list[str] = []
    found = find_header(rows, header_search)
    if found is None:
        found = _single_word_header(rows)
    if found is None:
        header: list[str] | None = None
        body, nums = rows, rownums
        cm = _guess_columns(rows)
        issues.append(f"{sheet or 'table'}: no header row recognised; columns guessed from values")
    else:
        h, fields = found
        header = rows[h]
        above = rows[h - 1] if h > 0 else None
        body, nums = rows[h + 1:], rownums[h + 1:]
        cm = build_column_map(header, fields, body, above)
        if h > 0:
            issues.append(f"{sheet or 'table'}: header found on row {rownums[h]}")
    kinds, body_vals = _classify(body, cm, header)
    # KiCad's bom2csv writes 'Individual Components' then 'Collated Components': keep the collated block only
    for i, row in enumerate(body):
        if kinds[i] in ("section", "item", "single") and _COLLATED.search(" ".join(row)):
            kinds[:i] = ["skipped"] * i
            issues.append(f"{sheet or 'table'}: kept the collated component block only")
            break
    lines = [_make_line(r, v, n, sheet, cm) for r, v, n, k in zip(body, body_vals, nums, kinds, strict=False)
             if k in ("part", "item")]
    return lines, issues, found is not None


def _single_word_header(rows: list[list[str]]) -> tuple[int, dict[int, str]] | None:
    """A first row made only of BOM vocabulary (e.g. a one-column 'Part' list) is a header too."""
    for i, row in enumerate(rows[:5]):
        cells = [(j, c) for j, c in enumerate(row) if c.strip()]
        if not cells:
            continue
        fields = {j: header_field(c) for j, c in cells}
        if all(fields.values()) and {f.split(":")[0] for f in fields.values() if f} & _CORE:
            return i, {j: f for j, f in fields.items() if f}
        return None
    return None


def _guess_columns(rows: list[list[str]]) -> ColumnMap:
    cm = ColumnMap()
    width = max((len(r) for r in rows), default=0)
    best_text = None
    for j in range(width):
        vals = _col_values(rows, j)
        if not vals:
            continue
        if cm.designators is None and sum(looks_like_designators(v) for v in vals) >= 0.8 * len(vals):
            cm.designators = j
        elif cm.quantity is None and sum(_is_num(v) for v in vals) >= 0.8 * len(vals) and not _sequential(vals):
            cm.quantity = j
        elif cm.link is None and sum(bool(first_url(v)) for v in vals) >= 0.5 * len(vals):
            cm.link = j
        else:
            texts = sum(has_letters(v) for v in vals)
            if best_text is None or texts > best_text[0]:
                best_text = (texts, j)
    if best_text:
        cm.part = best_text[1]
    return cm


def make_line(row: list[str], rownum: int, sheet: str | None, cm: ColumnMap) -> BomLine:
    """Fill a BomLine from one classified part row."""
    return _make_line(row, _values(row), rownum, sheet, cm)


def _make_line(row: list[str], vals: list[str], rownum: int, sheet: str | None, cm: ColumnMap) -> BomLine:
    qty_txt = _at(vals, cm.quantity)
    qty = parse_quantity(qty_txt, cm.decimal_comma.get(cm.quantity)) if qty_txt else None
    desc_parts = [clean(_at(vals, j)) for j in cm.description]
    desc = " ".join(p for p in desc_parts if p) or None
    line = BomLine(row=rownum, sheet=sheet, quantity=qty)
    raw_refs = _at(vals, cm.designators)
    if raw_refs:
        toks = split_designators(raw_refs)  # _designator_like, splitting once
        if toks and sum(1 for t in toks if DESIGNATOR_RE.match(t)) * 2 >= len(toks):
            line.designators = toks
    if cm.quantity is None and line.designators:
        line.quantity = float(len(line.designators))
    line.part = clean(_at(vals, cm.part))
    if line.part is None and cm.part_fallback is not None:
        line.part = clean(_at(vals, cm.part_fallback))
    line.description = desc
    if raw_refs and not line.designators and line.part is None:
        line.part = clean(raw_refs.rstrip(";"))
    line.manufacturer = clean(_at(vals, cm.manufacturer))
    if cm.footprint is not None:
        line.footprint = clean(_at(vals, cm.footprint))
    line.mpn = clean(_at(vals, cm.mpn))
    line.supplier = clean(_at(vals, cm.supplier))
    for j, name in cm.supplier_pn:
        v = clean(_at(vals, j))
        if v:
            line.supplier_pn = v
            if name and not line.supplier:
                line.supplier = name
            break
    if cm.unit_price is not None:
        price, cur = parse_price(_at(vals, cm.unit_price), cm.decimal_comma.get(cm.unit_price))
        line.unit_price, line.currency = price, cur or cm.currency.get(cm.unit_price)
    if line.unit_price is None and cm.total_price is not None and qty:
        total, cur = parse_price(_at(vals, cm.total_price), cm.decimal_comma.get(cm.total_price))
        if total is not None:
            line.unit_price = round(total / qty, 6)
            line.currency = cur or cm.currency.get(cm.total_price)
    if line.unit_price is None:
        line.currency = None
    link_cell = _at(vals, cm.link)
    line.link = first_url(link_cell) if link_cell else None
    if line.link is None:
        for c in row:
            u = first_url(c)
            if u:
                line.link = u
                break
    return line
