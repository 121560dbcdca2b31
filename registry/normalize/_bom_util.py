"""Shared BOM data model and cell-level parsers, kept apart so readers and table logic can both use them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache


@dataclass
class BomLine:
    """One part row of a bill of materials, with the source row so every value can be traced back."""

    row: int
    sheet: str | None
    quantity: float | None = None
    designators: list[str] = field(default_factory=list)
    part: str | None = None
    description: str | None = None
    manufacturer: str | None = None
    mpn: str | None = None
    supplier: str | None = None
    supplier_pn: str | None = None
    unit_price: float | None = None
    currency: str | None = None
    link: str | None = None
    footprint: str | None = None


@dataclass
class BomResult:
    """Parsed lines of one BOM file (or README section), with issues met and an error when unusable."""

    path: str
    format: str
    lines: list[BomLine] = field(default_factory=list)
    issues: list[str] = field(default_factory=list)
    error: str | None = None
    origin: str = "published"  # or DERIVED: read from schematics, not a BOM the makers published


#: `BomResult.origin` of a BOM ohr derived from KiCad schematics (`bom_files.origin`, migration 0015).
DERIVED = "derived from schematic"


@dataclass(frozen=True)
class Limits:
    """Caps that keep a hostile or broken file from exhausting memory or time."""

    max_bytes: int = 20_000_000
    max_unzipped: int = 200_000_000
    max_rows: int = 20_000
    max_cols: int = 200
    max_cell_chars: int = 4_000
    max_sheets: int = 50


PLACEHOLDERS = {"-", "--", "—", "–", "n/a", "na", "n.a.", "?", "none", "/", "tbd", "~", ".", "unknown", "null"}

_CUR_SYMBOLS: list[tuple[str, str]] = [
    ("US$", "USD"), ("USD$", "USD"), ("CA$", "CAD"), ("C$", "CAD"), ("AU$", "AUD"), ("A$", "AUD"),
    ("NZ$", "NZD"), ("HK$", "HKD"), ("S$", "SGD"), ("R$", "BRL"), ("€", "EUR"), ("£", "GBP"),
    ("¥", "JPY"), ("₹", "INR"), ("₽", "RUB"), ("zł", "PLN"), ("Kč", "CZK"), ("₩", "KRW"), ("$", "USD"),
]
_CUR_CODES = {
    "usd", "eur", "gbp", "cad", "aud", "chf", "jpy", "cny", "rmb", "inr", "sek", "nok", "dkk", "pln",
    "czk", "hkd", "nzd", "brl", "mxn", "zar", "sgd", "krw", "rub", "try", "huf",
}
_CUR_WORDS = {"euro": "EUR", "euros": "EUR", "dollar": "USD", "dollars": "USD", "pound": "GBP",
              "pounds": "GBP", "yuan": "CNY"}
_CODE_RE = re.compile(r"(?<![a-z])(" + "|".join(sorted(_CUR_CODES | set(_CUR_WORDS))) + r")(?![a-z])", re.I)
_NUM_RE = re.compile(r"[-+]?\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:[.,]\d+)?(?!\d)|[-+]?(?:\d[\d.,'\u00a0\u202f]*\d|\d)"
                     r"|[-+]?[.,]\d+")


_PRICE_NOISE_RE = re.compile(r"(?i)(us|ca|au|nz|hk|r|s|c|a)?\$|€|£|¥|₹|zł|kč|" + _CODE_RE.pattern
                             + r"|\b(ea|each|pcs?|per|unit|approx|ca|incl|excl|vat|net)\b")
_WORD3_RE = re.compile(r"[A-Za-z]{3,}")
_LETTER_START_RE = re.compile(r"^[A-Za-z]")
_DESIGNATOR_SEP_RE = re.compile(r"[,;\s/|]+")
_WORD_CHAR_RE = re.compile(r"\w")
_LIST_SEP_RE = re.compile(r"[,;\s]+")
_LETTER_RE = re.compile(r"[^\W\d_]")


#: Cells up to this length have their parsed value remembered (cells repeat a lot: '1', '10k', '0.10');
#: longer ones are parsed each time, so the caches stay small whatever a hostile file holds.
_CACHED_CHARS = 200


def find_currency(text: str) -> str | None:
    """Currency code named by a symbol, ISO code or word in text, or None."""
    for sym, code in _CUR_SYMBOLS:
        if sym in text:
            return code
    m = _CODE_RE.search(text)
    if not m:
        return None
    word = m.group(1).lower()
    if word in _CUR_WORDS:
        return _CUR_WORDS[word]
    return "CNY" if word == "rmb" else word.upper()


def to_number(token: str, decimal_comma: bool | None = None) -> float | None:
    """Read one numeric token, resolving ',' and '.' as decimal or thousands separators."""
    if token.isascii() and token.isdigit():  # plain digits: nothing to resolve
        return float(token)
    t = token.strip()
    for ch in ("\u00a0", "\u202f", "'", " "):
        t = t.replace(ch, "")
    t = t.rstrip(".,")
    if not t:
        return None
    if "," in t and "." in t:
        if t.rfind(",") > t.rfind("."):
            t = t.replace(".", "").replace(",", ".")
        else:
            t = t.replace(",", "")
    elif "," in t:
        parts = t.split(",")
        if len(parts) > 2:
            t = t.replace(",", "")
        elif decimal_comma is True:
            t = t.replace(",", ".")
        elif decimal_comma is False:
            t = t.replace(",", "")
        elif len(parts[1]) == 3 and parts[0].lstrip("+-") not in ("0", ""):
            t = t.replace(",", "")
        else:
            t = t.replace(",", ".")
    elif "." in t:
        parts = t.split(".")
        if len(parts) > 2:
            t = t.replace(".", "")
        elif decimal_comma is True and len(parts[1]) == 3 and parts[0].lstrip("+-") not in ("0", ""):
            t = t.replace(".", "")
    if t.startswith((".", "-.", "+.")):
        t = t.replace(".", "0.", 1)
    try:
        return float(t)
    except ValueError:
        return None


def parse_price(text: str, decimal_comma: bool | None = None) -> tuple[float | None, str | None]:
    """Price and currency code from a cell like '$1,234.50' or '12,50 €'; (None, None) when absent."""
    if text is None:
        return None, None
    s = str(text)
    return (_parse_price if len(s) <= _CACHED_CHARS else _parse_price.__wrapped__)(s, decimal_comma)


@lru_cache(maxsize=8192)
def _parse_price(text: str, decimal_comma: bool | None) -> tuple[float | None, str | None]:
    s = text.strip()
    if not s or len(s) > 80:
        return None, None
    cur = find_currency(s)
    letters = _PRICE_NOISE_RE.sub("", s)
    if _WORD3_RE.search(letters):
        return None, cur
    m = _NUM_RE.search(s)
    if not m:
        return None, cur
    return to_number(m.group(0), decimal_comma), cur


_QTY_RE = re.compile(
    r"^\s*(?:ca\.?|approx\.?|~|≈|x)?\s*(\d+(?:[.,]\d+)?|[.,]\d+)(?:\s*/\s*(\d+))?\s*"
    r"(?:[x×*]|pcs?\.?|pieces?|units?|stk\.?|st\.?|ea\.?|nos?\.?|sets?|pairs?|\+)?(?![\d/])",
    re.I,
)


def parse_quantity(text: str, decimal_comma: bool | None = None) -> float | None:
    """Quantity from a cell like '4', '0,7', '4+', '2 pcs' or '1/2'; None when the cell holds no count."""
    if text is None:
        return None
    s = str(text)
    return (_parse_quantity if len(s) <= _CACHED_CHARS else _parse_quantity.__wrapped__)(s, decimal_comma)


@lru_cache(maxsize=8192)
def _parse_quantity(text: str, decimal_comma: bool | None) -> float | None:
    s = text.strip()
    if not s or len(s) > 40:
        return None
    m = _QTY_RE.match(s)
    if not m:
        return None
    if _LETTER_START_RE.match(s) and not s.lower().startswith(("ca", "approx", "x")):
        return None
    num = to_number(m.group(1), decimal_comma)
    if num is None:
        return None
    if m.group(2):
        den = float(m.group(2))
        return num / den if den else None
    return num


_RANGE_RE = re.compile(r"^([A-Za-z_]+)(\d+)\s*(?:-|\.\.|–|to)\s*(?:\1)?(\d+)$")
DESIGNATOR_RE = re.compile(r"^[A-Za-z]{1,6}[_-]?\d{1,4}[A-Za-z]?$|^[A-Za-z]{1,6}\*{1,3}$")
# one plain designator: no separator, dot or placeholder in it, and no range to expand
_ONE_DESIGNATOR_RE = re.compile(r"[A-Za-z]{1,6}[_-]?\d{1,4}[A-Za-z]?")


def split_designators(text: str, limit: int = 2000) -> list[str]:
    """Reference designators from 'R1, R2; R5-R7' style cells, expanding short ranges."""
    if not text:
        return []
    if isinstance(text, str) and _ONE_DESIGNATOR_RE.fullmatch(text):
        return [text][:limit]
    out: list[str] = []
    for tok in _DESIGNATOR_SEP_RE.split(str(text)):
        tok = tok.strip().strip(".")
        if not tok or tok.lower() in PLACEHOLDERS or not _WORD_CHAR_RE.search(tok):
            continue
        m = _RANGE_RE.match(tok)
        if m and 0 <= int(m.group(3)) - int(m.group(2)) <= 500:
            out.extend(f"{m.group(1)}{n}" for n in range(int(m.group(2)), int(m.group(3)) + 1))
        else:
            out.append(tok)
        if len(out) >= limit:
            break
    return out[:limit]


def looks_like_designators(text: str) -> bool:
    """True when every token of the cell reads like a reference designator (C1, R12, U3)."""
    toks = [t for t in _LIST_SEP_RE.split(text.strip()) if t]
    return bool(toks) and all(DESIGNATOR_RE.match(t) or _RANGE_RE.match(t) for t in toks)


URL_RE = re.compile(r"https?://[^\s<>\"'|\])]+", re.I)


def first_url(text: str) -> str | None:
    """First http(s) URL inside text, or None."""
    if not text or "://" not in text:  # every match holds '://'
        return None
    m = URL_RE.search(text)
    return m.group(0).rstrip(".,;)") if m else None


def clean(text: str | None) -> str | None:
    """Collapse whitespace; None for empty or placeholder cells."""
    if text is None:
        return None
    s = " ".join(str(text).split())  # str.split breaks on exactly the characters \s matches
    return None if not s or s.lower() in PLACEHOLDERS else s


def has_letters(text: str) -> bool:
    """True when the text holds at least one letter."""
    return bool(_LETTER_RE.search(text))


def natural_key(ref: str) -> tuple:
    """R2 before R10: a designator's digits compared as numbers."""
    return tuple(int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", ref))


def number_groups(res: BomResult, groups: Iterable[BomLine], limits: Limits, skipped: dict[str, int]) -> None:
    """A derived BOM's grouped lines into `res`, in designator order, numbered and counted (KiCad and EAGLE alike)."""
    lines = sorted(groups, key=lambda ln: natural_key(min(ln.designators, key=natural_key)))
    for n, ln in enumerate(lines[: limits.max_rows], start=1):
        ln.designators.sort(key=natural_key)
        ln.row, ln.quantity = n, float(len(ln.designators))
        res.lines.append(ln)
    if len(lines) > limits.max_rows:
        res.issues.append(f"{len(lines)} groups; only the first {limits.max_rows} kept")
    if skipped:
        res.issues.append("left out: " + ", ".join(f"{n} {why}" for why, n in sorted(skipped.items())))
