"""Byte-level readers for BOM files (text decoding, CSV/TSV, xlsx, xls, ods, html), bounded against hostile input."""

from __future__ import annotations

import csv
import datetime as _dt
import io
import json
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from html.parser import HTMLParser

from registry.normalize._bom_util import Limits


class BomReadError(Exception):
    """A file that cannot be read as a BOM; the message is the reason shown to users."""


@dataclass
class Sheet:
    """One grid of cells as strings, with the 1-based source row number of each row kept."""

    name: str | None
    rows: list[list[str]] = field(default_factory=list)
    rownums: list[int] = field(default_factory=list)
    truncated: bool = False


# ---------------------------------------------------------------- text decoding

def decode_text(data: bytes) -> tuple[str, str]:
    """Decode bytes by BOM mark, then UTF-8, then cp1252/latin-1; returns (text, encoding used)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return data.decode("utf-32", errors="replace"), "utf-32"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), "utf-16"
    head = data[:4000]
    if len(head) >= 4 and head.count(b"\x00") > len(head) // 4:
        even_nuls = head[0::2].count(b"\x00")
        odd_nuls = head[1::2].count(b"\x00")
        enc = "utf-16-le" if odd_nuls > even_nuls else "utf-16-be"
        return data.decode(enc, errors="replace"), enc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _cap(cell: str, limits: Limits) -> tuple[str, bool]:
    if len(cell) > limits.max_cell_chars:
        return cell[: limits.max_cell_chars], True
    return cell, False


def _finish_row(cells: list[str], limits: Limits, sheet: Sheet, rownum: int) -> None:
    out = []
    cut = False
    for c in cells[: limits.max_cols]:
        c2, was_cut = _cap(c.strip(), limits)
        cut = cut or was_cut
        out.append(c2)
    while out and not out[-1]:
        out.pop()
    if cut or len(cells) > limits.max_cols:
        sheet.truncated = True
    sheet.rows.append(out)
    sheet.rownums.append(rownum)


# ---------------------------------------------------------------- delimited text

def sniff_delimiter(text: str, candidates: str = ",;\t|") -> str | None:
    """Pick the delimiter giving the most rows with one consistent field count (>1), or None."""
    sample_lines = [ln for ln in text.splitlines()[:200] if ln.strip()][:60]
    if not sample_lines:
        return None
    sample = "\n".join(sample_lines)
    best: tuple[float, str] | None = None
    for d in candidates:
        if d not in sample:
            continue
        try:
            rows = list(csv.reader(io.StringIO(sample), delimiter=d))
        except csv.Error:
            continue
        counts = [len(r) for r in rows if any(c.strip() for c in r)]
        if not counts:
            continue
        modal = max(set(counts), key=counts.count)
        if modal < 2:
            continue
        agree = sum(1 for c in counts if c == modal) / len(counts)
        # prefer consistent splits; small bonus for more columns so '|' inside text does not win
        score = agree + min(modal, 20) / 200
        if best is None or score > best[0]:
            best = (score, d)
    if best is None or best[0] < 0.5:
        return None
    return best[1]


def read_delimited(text: str, delimiter: str, limits: Limits, name: str | None = None) -> Sheet:
    """Parse delimited text into a Sheet, tolerating ragged rows and oversized fields (cut to the cell cap)."""
    sheet = Sheet(name)
    old_limit = csv.field_size_limit()
    # the csv module refuses fields over its global limit; lift it for this read, cells are capped below
    csv.field_size_limit(max(old_limit, min(len(text) + 1, 2**31 - 1)))
    try:
        reader = csv.reader(io.StringIO(text), delimiter=delimiter)
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as e:
                raise BomReadError(f"malformed delimited text near line {reader.line_num}: {e}") from e
            if len(sheet.rows) >= limits.max_rows:
                sheet.truncated = True
                break
            _finish_row(row, limits, sheet, reader.line_num)
    finally:
        csv.field_size_limit(old_limit)
    return sheet


def read_fixed_width(lines: list[str], limits: Limits, first_rownum: int = 1) -> Sheet | None:
    """Split whitespace-aligned columns (e.g. EDA part lists) where every line has a space; None if not aligned."""
    body = [ln.rstrip() for ln in lines[: limits.max_rows]]
    nonblank = [ln[:1000] for ln in body if ln.strip()][:500]
    if len(nonblank) < 3:
        return None
    width = max(len(ln) for ln in nonblank)
    gap = [all(i >= len(ln) or ln[i] == " " for ln in nonblank) for i in range(width)]
    cuts: list[tuple[int, int]] = []
    start = None
    for i in range(width + 1):
        filled = i < width and not gap[i]
        if filled and start is None:
            start = i
        elif not filled and start is not None:
            cuts.append((start, i))
            start = None
    if len(cuts) < 2:
        return None
    sheet = Sheet(None)
    for n, ln in enumerate(body):
        if len(sheet.rows) >= limits.max_rows:
            sheet.truncated = True
            break
        _finish_row([ln[a:b] for a, b in cuts], limits, sheet, first_rownum + n)
    return sheet


# ---------------------------------------------------------------- zip containers

def check_zip(data: bytes, limits: Limits) -> zipfile.ZipFile:
    """Open a zip after checking declared member sizes and ratios, refusing zip bombs."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as e:
        raise BomReadError(f"not a valid zip container: {e}") from e
    infos = zf.infolist()
    if len(infos) > 10_000:
        raise BomReadError(f"zip has too many members ({len(infos)})")
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > limits.max_unzipped or total > limits.max_unzipped:
            raise BomReadError(
                f"zip bomb guard: uncompressed size {total} exceeds limit {limits.max_unzipped}")
        if info.compress_size and info.file_size > 10_000_000 and info.file_size / info.compress_size > 500:
            ratio = info.file_size // info.compress_size
            raise BomReadError(f"zip bomb guard: member {info.filename} expands {ratio}x")
    return zf


def _cell_str(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float):
        if v != v or v in (float("inf"), float("-inf")):
            return ""
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return repr(round(v, 10)).rstrip("0").rstrip(".") if "e" not in repr(v) else str(v)
    if isinstance(v, (_dt.datetime, _dt.date)):
        return v.isoformat()
    return str(v)


def read_xlsx(data: bytes, limits: Limits) -> list[Sheet]:
    """Read visible worksheets of an xlsx/xlsm workbook in streaming mode, capped in rows and columns."""
    zf = check_zip(data, limits)
    names = set(zf.namelist())
    if "xl/workbook.xml" not in names:
        raise BomReadError("zip is not an xlsx workbook (no xl/workbook.xml)")
    import openpyxl  # lazy: heavy import

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as e:  # openpyxl raises many types on broken files
            raise BomReadError(f"unreadable xlsx: {type(e).__name__}: {e}") from e
        sheets: list[Sheet] = []
        try:
            for ws in wb.worksheets[: limits.max_sheets]:
                if getattr(ws, "sheet_state", "visible") != "visible":
                    continue
                sheet = Sheet(ws.title)
                blank_run = 0
                for idx, row in enumerate(ws.iter_rows(values_only=True, max_col=limits.max_cols), start=1):
                    cells = [_cell_str(v) for v in row]
                    if not any(c.strip() for c in cells):
                        blank_run += 1
                        if blank_run > 2000:
                            break
                        continue
                    blank_run = 0
                    if len(sheet.rows) >= limits.max_rows:
                        sheet.truncated = True
                        break
                    _finish_row(cells, limits, sheet, idx)
                sheets.append(sheet)
        finally:
            wb.close()
    return sheets


def read_xls(data: bytes, limits: Limits) -> list[Sheet]:
    """Read visible sheets of a legacy .xls workbook with xlrd, capped in rows and columns."""
    import xlrd  # lazy

    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True)
    except Exception as e:
        raise BomReadError(f"unreadable xls: {type(e).__name__}: {e}") from e
    sheets: list[Sheet] = []
    try:
        for i in range(min(book.nsheets, limits.max_sheets)):
            sh = book.sheet_by_index(i)
            if getattr(sh, "visibility", 0):
                continue
            sheet = Sheet(sh.name)
            ncols = min(sh.ncols, limits.max_cols)
            for r in range(min(sh.nrows, limits.max_rows * 2)):
                cells = []
                for c in range(ncols):
                    cell = sh.cell(r, c)
                    if cell.ctype == xlrd.XL_CELL_DATE:
                        try:
                            cells.append(xlrd.xldate.xldate_as_datetime(cell.value, book.datemode).isoformat())
                        except Exception:
                            cells.append(_cell_str(cell.value))
                    elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
                        cells.append("")
                    else:
                        cells.append(_cell_str(cell.value))
                if not any(cells):
                    continue
                if len(sheet.rows) >= limits.max_rows:
                    sheet.truncated = True
                    break
                _finish_row(cells, limits, sheet, r + 1)
            sheets.append(sheet)
            book.unload_sheet(i)
    finally:
        book.release_resources()
    return sheets


_T = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_O = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_TX = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"


def _ods_cell_text(cell: object) -> str:
    vtype = cell.get(_O + "value-type")  # type: ignore[attr-defined]
    if vtype in ("float", "percentage", "currency"):
        val = cell.get(_O + "value")  # type: ignore[attr-defined]
        if val is not None:
            try:
                s = _cell_str(float(val))
            except ValueError:
                s = val
            if vtype == "currency" and cell.get(_O + "currency"):  # type: ignore[attr-defined]
                s = f"{s} {cell.get(_O + 'currency')}"  # type: ignore[attr-defined]
            return s
    parts = []
    for p in cell.iter(_TX + "p"):  # type: ignore[attr-defined]
        parts.append("".join(p.itertext()))
    return "\n".join(parts)


def read_ods(data: bytes, limits: Limits) -> list[Sheet]:
    """Stream content.xml of an OpenDocument spreadsheet, expanding repeated rows/cells only up to the caps."""
    import xml.etree.ElementTree as ET

    zf = check_zip(data, limits)
    if "content.xml" not in zf.namelist():
        raise BomReadError("zip is not an OpenDocument spreadsheet (no content.xml)")
    with zf.open("content.xml") as fh:
        head = fh.read(8192)
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise BomReadError("ods content.xml declares a DTD/entities; refused")
    sheets: list[Sheet] = []
    sheet: Sheet | None = None
    rownum = 0
    blank_run = 0
    skip_rest = False
    with zf.open("content.xml") as fh:
        try:
            for event, elem in ET.iterparse(fh, events=("start", "end")):
                tag = elem.tag
                if event == "start":
                    if tag == _T + "table":
                        if len(sheets) >= limits.max_sheets:
                            break
                        sheet = Sheet(elem.get(_T + "name"))
                        sheets.append(sheet)
                        rownum = 0
                        blank_run = 0
                        skip_rest = False
                    continue
                if tag == _T + "table-row" and sheet is not None:
                    rep = int(elem.get(_T + "number-rows-repeated", "1") or 1)
                    cells: list[str] = []
                    for c in elem:
                        if c.tag not in (_T + "table-cell", _T + "covered-table-cell"):
                            continue
                        crep = int(c.get(_T + "number-columns-repeated", "1") or 1)
                        txt = _ods_cell_text(c) if len(cells) < limits.max_cols else ""
                        room = max(0, limits.max_cols - len(cells))
                        cells.extend([txt] * min(crep, room))
                    elem.clear()
                    if skip_rest:
                        continue
                    if not any(x.strip() for x in cells):
                        rownum += rep
                        blank_run += rep
                        if blank_run > 5000:
                            skip_rest = True
                        continue
                    blank_run = 0
                    for _ in range(min(rep, 1000)):
                        rownum += 1
                        if len(sheet.rows) >= limits.max_rows:
                            sheet.truncated = True
                            skip_rest = True
                            break
                        _finish_row(list(cells), limits, sheet, rownum)
                    if rep > 1000:
                        rownum += rep - 1000
                elif tag == _T + "table":
                    elem.clear()
        except ET.ParseError as e:
            raise BomReadError(f"malformed ods content.xml: {e}") from e
    return sheets


# ---------------------------------------------------------------- html

class _TableParser(HTMLParser):
    def __init__(self, limits: Limits) -> None:
        super().__init__(convert_charrefs=True)
        self.limits = limits
        self.tables: list[Sheet] = []
        self._stack: list[Sheet] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._rownum = 0
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag == "table":
            self._stack.append(Sheet(f"table {len(self.tables) + len(self._stack) + 1}"))
        elif tag == "tr" and self._stack:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")
        elif tag == "a" and self._cell is not None:
            href = dict(attrs).get("href")
            if href and href.startswith("http"):
                self._cell.append(f" {href} ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(re.sub(r"\s+", " ", "".join(self._cell)).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None and self._stack:
            self._rownum += 1
            sheet = self._stack[-1]
            if len(sheet.rows) < self.limits.max_rows:
                _finish_row(self._row, self.limits, sheet, self._rownum)
            else:
                sheet.truncated = True
            self._row = None
        elif tag == "table" and self._stack:
            self.tables.append(self._stack.pop())

    def handle_data(self, data: str) -> None:
        if self._cell is not None and not self._skip:
            self._cell.append(data)


def read_html_tables(text: str, limits: Limits) -> list[Sheet]:
    """All <table> elements of an HTML page as Sheets (links kept inside cell text)."""
    p = _TableParser(limits)
    p.feed(text)
    p.close()
    return [t for t in p.tables if t.rows]


# ---------------------------------------------------------------- InteractiveHtmlBom

_LZ_KEY = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="


def lz_decompress_base64(s: str, max_chars: int) -> str:
    """LZString.decompressFromBase64 (as used by InteractiveHtmlBom), stopping past max_chars."""
    if not s:
        return ""
    rev = {c: i for i, c in enumerate(_LZ_KEY)}
    values = [rev.get(c, 0) for c in s]
    length = len(values)
    reset = 32
    pos = {"val": values[0], "position": reset, "index": 1}

    def read_bits(n: int) -> int:
        bits = 0
        power = 1
        maxpower = 1 << n
        while power != maxpower:
            resb = pos["val"] & pos["position"]
            pos["position"] >>= 1
            if pos["position"] == 0:
                pos["position"] = reset
                i = pos["index"]
                pos["val"] = values[i] if i < length else 0
                pos["index"] = i + 1
            if resb > 0:
                bits |= power
            power <<= 1
        return bits

    dictionary: list[str] = ["", "", ""]
    enlarge_in = 4
    num_bits = 3
    nxt = read_bits(2)
    if nxt == 2:
        return ""
    c = chr(read_bits(8 if nxt == 0 else 16))
    dictionary.append(c)
    w = c
    result = [c]
    total = 1
    while True:
        if pos["index"] > length:
            return ""
        code = read_bits(num_bits)
        if code == 2:
            return "".join(result)
        if code in (0, 1):
            dictionary.append(chr(read_bits(8 if code == 0 else 16)))
            code = len(dictionary) - 1
            enlarge_in -= 1
            if enlarge_in == 0:
                enlarge_in = 1 << num_bits
                num_bits += 1
        if code < len(dictionary) and code > 2:
            entry = dictionary[code]
        elif code == len(dictionary):
            entry = w + w[0]
        else:
            raise BomReadError("corrupt LZString data")
        result.append(entry)
        total += len(entry)
        if total > max_chars:
            raise BomReadError(f"decompressed ibom data exceeds {max_chars} characters")
        dictionary.append(w + entry[0])
        enlarge_in -= 1
        w = entry
        if enlarge_in == 0:
            enlarge_in = 1 << num_bits
            num_bits += 1


def read_ibom(text: str, limits: Limits) -> dict:
    """The pcbdata object embedded in an InteractiveHtmlBom page (plain JSON or LZString-compressed)."""
    m = re.search(r"var\s+pcbdata\s*=\s*", text)
    if not m:
        raise BomReadError("InteractiveHtmlBom page without pcbdata")
    rest = text[m.end():]
    lz = re.match(r"JSON\.parse\(\s*LZString\.decompressFromBase64\(\s*\"([A-Za-z0-9+/=]*)\"", rest)
    if lz:
        raw = lz_decompress_base64(lz.group(1), limits.max_unzipped)
        raw = raw.encode("utf-16", "surrogatepass").decode("utf-16", errors="replace")
        try:
            return json.loads(raw)
        except (ValueError, RecursionError) as e:
            raise BomReadError(f"ibom pcbdata is not JSON after decompression: {e}") from e
    try:
        obj, _ = json.JSONDecoder().raw_decode(rest)
    except (ValueError, RecursionError) as e:
        raise BomReadError(f"ibom pcbdata is not JSON: {e}") from e
    if not isinstance(obj, dict):
        raise BomReadError("ibom pcbdata is not an object")
    return obj
