"""BOMs written by EDA tools in their own shapes: InteractiveHtmlBom pages and EAGLE part lists, read exactly."""

from __future__ import annotations

import json
import re

from registry.normalize._bom_read import BomReadError, read_ibom
from registry.normalize._bom_util import BomLine, BomResult, Limits, clean, split_designators

__all__ = ["eagle_partlist", "ibom_result", "is_eagle_partlist", "set_field"]


# ---------------------------------------------------------------- InteractiveHtmlBom

#: Fields an iBOM page shows by default (its `config.fields` since 2.4; Value and Footprint before).
_IBOM_DEFAULT_FIELDS = ["Value", "Footprint"]


def _ibom_config(text: str) -> dict:
    """The page's `var config = {…}` (which fields `bom.fields` holds, in order); empty when absent or broken."""
    m = re.search(r"var\s+config\s*=\s*", text)
    if not m:
        return {}
    try:
        obj, _ = json.JSONDecoder().raw_decode(text[m.end(): m.end() + 200_000])
    except (ValueError, RecursionError):
        return {}
    return obj if isinstance(obj, dict) else {}


def set_field(line: BomLine, name: str, value: object, extras: list[str]) -> None:
    """Put one named iBOM field where BomLine keeps it (Value, Footprint, MPN, manufacturer…); others to extras."""
    from registry.normalize._bom_table import header_field

    text = clean(str(value)) if value is not None and not isinstance(value, (list, dict)) else None
    if text is None:
        return
    key = (name or "").strip()
    low = key.lower()
    if low == "value":
        line.part = text
        return
    if low == "footprint":
        line.footprint = text
        return
    kind = header_field(key) if key else None
    if kind in ("mpn", "pn") and line.mpn is None:
        line.mpn = text
    elif kind == "manufacturer" and line.manufacturer is None:
        line.manufacturer = text
    elif kind == "description" and line.description is None:
        line.description = text
    elif kind == "supplier_pn" and line.supplier_pn is None:
        line.supplier_pn = text
    elif kind == "distributor" and line.supplier_pn is None:
        line.supplier, line.supplier_pn = key, text
    elif kind == "supplier" and line.supplier is None:
        line.supplier = text
    elif kind == "link" and line.link is None and text.startswith(("http://", "https://")):
        line.link = text
    elif low not in ("datasheet", "dnp", "references", "quantity") and len(extras) < 20:
        extras.append(f"{key}: {text}" if key else text)


def _ref_of(item: object) -> str | None:
    if isinstance(item, list) and item:
        item = item[0]
    return str(item) if isinstance(item, (str, int)) and str(item).strip() else None


def ibom_result(path: str, text: str, limits: Limits) -> BomResult:
    """One line item per group of the page's both-sides list (`bom.both`); skipped parts (DNP, virtual,
    blacklisted) are in `bom.skipped`, not in any group, and the F/B lists are per-side views of the same parts."""
    res = BomResult(path=path, format="ibom")
    data = read_ibom(text, limits)
    bom = data.get("bom")
    if not isinstance(bom, dict):
        raise BomReadError("ibom pcbdata has no bom object")
    groups = bom.get("both")
    if not isinstance(groups, list):
        # a page built for one side only has no 'both': each side's groups, parts placed on both counted once
        groups = [g for side in ("F", "B") if isinstance(bom.get(side), list) for g in bom[side]]
        res.issues.append("no bom.both list: groups read from the F and B lists")
    config = _ibom_config(text)
    names = config.get("fields")
    names = [str(n) for n in names] if isinstance(names, list) else list(_IBOM_DEFAULT_FIELDS)
    old_extra = config.get("extra_fields")
    old_extra = [str(n) for n in old_extra] if isinstance(old_extra, list) else []
    fields = bom.get("fields") if isinstance(bom.get("fields"), dict) else {}
    if len(groups) > limits.max_rows:
        res.issues.append(f"{len(groups)} groups; only the first {limits.max_rows} read")
    for n, g in enumerate(groups[: limits.max_rows], start=1):
        line = BomLine(row=n, sheet="bom.both")
        extras: list[str] = []
        if isinstance(g, list) and g and all(isinstance(x, list) for x in g):
            # iBOM >= 2.4: a group is [[reference, footprint index], …]; bom.fields[index] lists config.fields
            refs = [r for r in (_ref_of(x) for x in g) if r]
            line.designators = refs
            line.quantity = float(len(refs))
            first = g[0]
            vals = fields.get(str(first[1])) if len(first) > 1 else None
            if isinstance(vals, list):
                for name, value in zip(names, vals, strict=False):
                    set_field(line, name, value, extras)
        elif isinstance(g, list) and g:
            # iBOM < 2.4: a group is [quantity, value, footprint, references, extra field values]
            refs_raw = g[3] if len(g) > 3 else []
            if isinstance(refs_raw, list):
                line.designators = [r for r in (_ref_of(x) for x in refs_raw) if r]
            elif isinstance(refs_raw, str):
                line.designators = split_designators(refs_raw)
            qty = g[0]
            line.quantity = (float(qty) if isinstance(qty, (int, float)) and not isinstance(qty, bool)
                             else float(len(line.designators)) if line.designators else None)
            set_field(line, "Value", g[1] if len(g) > 1 else None, extras)
            set_field(line, "Footprint", g[2] if len(g) > 2 else None, extras)
            extra_vals = g[4] if len(g) > 4 and isinstance(g[4], list) else []
            for i, value in enumerate(extra_vals[:50]):
                set_field(line, old_extra[i] if i < len(old_extra) else "", value, extras)
        else:
            res.issues.append(f"group {n}: not a list of parts; skipped")
            continue
        if extras and line.description is None:
            line.description = "; ".join(extras)
        res.lines.append(line)
    skipped = bom.get("skipped")
    if isinstance(skipped, list) and skipped:
        res.issues.append(f"{len(skipped)} parts the page skips (DNP, virtual or excluded) are not items")
    return res


# ---------------------------------------------------------------- EAGLE part lists

_EAGLE_SIGNATURE = re.compile(r"(?i)^\s*(partlist\b|exported from\s.*\.(sch|brd)\b|eagle version\b)")
_EAGLE_WORDS = {"part", "parts", "qty", "value", "device", "package", "library", "sheet", "description",
                "position", "orientation", "mf", "mpn", "manufacturer"}
_MAX_HEAD_LINES = 40


def _header_tokens(line: str) -> list[tuple[int, str]]:
    """(start column, name) of each header word; a parenthesised unit ('Position (mil)') stays with its word."""
    out: list[tuple[int, str]] = []
    for m in re.finditer(r"\S+", line):
        if m.group(0).startswith("(") and out:
            start, name = out[-1]
            out[-1] = (start, f"{name} {m.group(0)}")
        else:
            out.append((m.start(), m.group(0)))
    return out


def _is_header(cells: list[str]) -> bool:
    words = {c.strip().lower() for c in cells if c.strip()}
    has_refs = bool(words & {"part", "parts"})
    return has_refs and len(words & _EAGLE_WORDS) >= 3 and bool(words & {"package", "device", "value"})


def _find_header(lines: list[str]) -> tuple[int, bool] | None:
    """(index of the header line, tab separated) within the first lines, or None."""
    for i, ln in enumerate(lines[:_MAX_HEAD_LINES]):
        if "\t" in ln and _is_header(ln.split("\t")):
            return i, True
        if _is_header([name.split(" (")[0] for _, name in _header_tokens(ln)]):
            return i, False
    return None


def is_eagle_partlist(text: str) -> bool:
    """True for an EAGLE part list export ('Partlist exported from x.sch', then Part/Value/Device/Package…)."""
    head = text[:8000].splitlines()
    signed = any(_EAGLE_SIGNATURE.match(ln) for ln in head[:15] if ln.strip())
    return signed and _find_header(head) is not None


def _split_row(row: str, starts: list[int], ncols: int) -> list[str]:
    """Cells of one fixed-width row, cut at the header's columns. A row not aligned with them is split on whitespace
    when that gives one cell per column (header and rows padded differently); otherwise a value running into the
    next column ('1N4148 (see note)') moves that cut to where the next word starts."""
    aligned = all(s >= len(row) or row[s - 1] in " \t" for s in starts[1:])
    if not aligned:
        toks = row.split()
        if len(toks) == ncols:
            return toks
    cuts = [starts[0]]
    for s in starts[1:]:
        j = max(s, cuts[-1] + 1)
        if j < len(row) and row[j - 1] not in " \t":  # a word runs across the column's start: cut after it
            while j < len(row) and not (row[j - 1] in " \t" and row[j] not in " \t"):
                j += 1
        cuts.append(j)
    bounds = [*cuts[1:], None]
    return [row[a:b].strip() for a, b in zip(cuts, bounds, strict=True)]


def eagle_partlist(path: str, text: str, limits: Limits) -> BomResult:
    """Every row of an EAGLE part list an item: per-part lists (Part Value Device Package Library Sheet) and the
    bom.ulp value lists (Qty Value Device Package Parts Description), space-aligned or tab separated."""
    res = BomResult(path=path, format="eagle-partlist")
    lines = text.splitlines()
    found = _find_header(lines)
    if found is None:
        res.error = "EAGLE part list without a Part/Value/Device/Package header"
        return res
    at, tabbed = found
    if tabbed:
        names = [c.strip() for c in lines[at].split("\t")]
        starts: list[int] = []
    else:
        toks = _header_tokens(lines[at])
        names = [n for _, n in toks]
        starts = [s for s, _ in toks]
    col = {}
    for j, name in enumerate(names):
        key = name.split(" (")[0].strip().lower()
        col.setdefault({"parts": "part", "mf": "manufacturer"}.get(key, key), j)
    for k, raw in enumerate(lines[at + 1:], start=at + 2):
        if not raw.strip():
            continue
        if len(res.lines) >= limits.max_rows:
            res.issues.append(f"truncated at {limits.max_rows} rows")
            break
        raw = raw[: limits.max_cell_chars * 4]
        cells = [c.strip() for c in raw.split("\t")] if tabbed else _split_row(raw.rstrip(), starts, len(names))

        def cell(name: str, cells: list[str] = cells) -> str | None:
            j = col.get(name)
            return clean(cells[j]) if j is not None and j < len(cells) else None

        refs = split_designators(cell("part") or "")
        if not refs:
            res.issues.append(f"row {k}: no part reference; skipped")
            continue
        line = BomLine(row=k, sheet=None, designators=refs)
        qty = cell("qty")
        line.quantity = float(qty) if qty and qty.isdigit() else float(len(refs))
        value, device = cell("value"), cell("device")
        line.part = value or device
        line.description = cell("description") or (device if value and device and device != value else None)
        line.footprint = cell("package")
        line.manufacturer = cell("manufacturer")
        line.mpn = cell("mpn")
        res.lines.append(line)
    if not res.lines:
        res.error = "EAGLE part list without part rows"
    return res
