"""A BOM derived from KiCad schematics, for the many KiCad repositories that publish no BOM file.

The files are read as data, never run through KiCad: `.kicad_sch` (KiCad 6+, S-expressions) with a small
bounded reader, legacy `.sch` (KiCad 4-5) line by line. Placed parts are grouped by value + footprint + MPN;
parts marked DNP or excluded from the BOM, power symbols and other virtual parts (`#PWR01`, `#FLG01`) are left
out. A sub-sheet used several times counts its parts once per use, as KiCad's own BOM does.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from registry.normalize._bom_eda import set_field
from registry.normalize._bom_read import BomReadError, decode_text
from registry.normalize._bom_util import DERIVED, BomLine, BomResult, Limits, clean, number_groups

__all__ = ["derive_boms", "is_schematic_path", "parse_sexpr"]

_MAX_DEPTH = 200
_MAX_SHEETS = 50
#: Schematics bigger than this are not read (the crawler's own cap is smaller): tokens take ~15x the file's size.
MAX_SCHEMATIC_BYTES = 10_000_000


def is_schematic_path(path: str, paths: frozenset[str] | set[str] | None = None) -> bool:
    """A KiCad schematic: any `.kicad_sch`; a legacy `.sch` only beside a KiCad project file (EAGLE uses .sch too)."""
    low = path.lower()
    name = posixpath.basename(low)
    if name.startswith(".") or "/." in low or "rescue" in name or name.endswith(("-cache.sch", "-bak.sch")):
        return False
    if low.endswith(".kicad_sch"):
        return True
    if not low.endswith(".sch") or paths is None:
        return low.endswith(".sch") and paths is None
    d = posixpath.dirname(path)
    return any(posixpath.dirname(p) == d and p.lower().endswith((".pro", ".kicad_pro")) for p in paths)


# ---------------------------------------------------------------- S-expressions

_TOKEN = re.compile(r'[()]|"(?:[^"\\]|\\.)*"|[^\s()"]+|"')
_UNESCAPE = re.compile(r"\\(.)", re.S)


def parse_sexpr(text: str, max_nodes: int = 5_000_000) -> list:
    """One S-expression as nested lists of strings, read without recursion; raises BomReadError when malformed,
    nested deeper than KiCad writes, or bigger than `max_nodes` tokens."""
    toks = _TOKEN.findall(text)  # one C-speed pass; the loop below only builds lists
    if len(toks) > max_nodes:
        raise BomReadError(f"schematic: more than {max_nodes} tokens; not read")
    stack: list[list] = []
    root: list | None = None
    for tok in toks:
        c = tok[0]
        if c == "(":
            if len(stack) >= _MAX_DEPTH:
                raise BomReadError(f"schematic: nested deeper than {_MAX_DEPTH} levels")
            node: list = []
            if stack:
                stack[-1].append(node)
            elif root is None:
                root = node
            else:
                break  # text after the first complete expression is not part of the file
            stack.append(node)
        elif c == ")":
            if not stack:
                raise BomReadError("schematic: unbalanced ')'")
            stack.pop()
            if not stack:
                break
        elif not stack:
            raise BomReadError("schematic: text outside any S-expression")
        elif c == '"':
            if len(tok) == 1 or tok[-1] != '"':
                raise BomReadError("schematic: unterminated string")
            body = tok[1:-1]
            stack[-1].append(_UNESCAPE.sub(r"\1", body) if "\\" in body else body)
        else:
            stack[-1].append(tok)
    if root is None:
        raise BomReadError("schematic: no S-expression")
    if stack:
        raise BomReadError("schematic: file ends inside an S-expression (truncated?)")
    return root


def _kids(node: list, head: str) -> list[list]:
    return [c for c in node[1:] if isinstance(c, list) and c and c[0] == head]


def _kid(node: list, head: str) -> list | None:
    for c in node[1:]:
        if isinstance(c, list) and c and c[0] == head:
            return c
    return None


def _atom(node: list | None, i: int = 1) -> str | None:
    return node[i] if node is not None and len(node) > i and isinstance(node[i], str) else None


# ---------------------------------------------------------------- placed parts

@dataclass
class _Part:
    """One placed symbol: its references (one per use of its sheet) and its fields."""

    refs: list[str]
    fields: dict[str, str]
    dnp: bool = False
    in_bom: bool = True
    power: bool = False
    uuid: str | None = None  # KiCad 6 keeps the references of a symbol in the root's symbol_instances, by uuid
    by_project: dict[str, list[str]] = field(default_factory=dict)  # KiCad 7+: a sheet shared by projects


@dataclass
class _Sheet:
    """One schematic file as read: its parts, the sheet files it places, and what went wrong."""

    parts: list[_Part] = field(default_factory=list)
    sheets: list[str] = field(default_factory=list)
    issues: list[str] = field(default_factory=list)
    instance_refs: dict[str, list[str]] = field(default_factory=dict)  # KiCad 6 root: symbol uuid -> references


_TRUE = {"yes", "true", "1", "x", "dnp", "dnf", "np", "nf"}


def _read_kicad_sch(text: str) -> _Sheet:
    tree = parse_sexpr(text)
    if _atom(tree, 0) != "kicad_sch":
        raise BomReadError("not a KiCad schematic (no kicad_sch expression)")
    out = _Sheet()
    power_libs = set()
    libs = _kid(tree, "lib_symbols")
    for sym in _kids(libs, "symbol") if libs else []:
        if _kid(sym, "power") is not None or "power" in sym[1:]:
            power_libs.add(_atom(sym))
    for sheet in _kids(tree, "sheet"):
        for prop in _kids(sheet, "property"):
            if _atom(prop) in ("Sheetfile", "Sheet file") and _atom(prop, 2):
                out.sheets.append(_atom(prop, 2) or "")
    si = _kid(tree, "symbol_instances")
    for path in _kids(si, "path") if si else []:
        ref = _atom(_kid(path, "reference"))
        p = _atom(path)
        if ref and p:
            out.instance_refs.setdefault(p.rsplit("/", 1)[-1], []).append(ref)
    for sym in _kids(tree, "symbol"):
        lib_id = _atom(_kid(sym, "lib_id")) or ""
        lib_name = _atom(_kid(sym, "lib_name")) or lib_id
        fields: dict[str, str] = {}
        for prop in _kids(sym, "property"):
            name, value = _atom(prop), _atom(prop, 2)
            if name and value is not None and name not in fields:
                fields[name] = value
        by_project: dict[str, list[str]] = {}
        inst = _kid(sym, "instances")
        for proj in _kids(inst, "project") if inst is not None else []:
            refs = by_project.setdefault(_atom(proj) or "", [])
            for path in _kids(proj, "path"):
                ref = _atom(_kid(path, "reference"))
                if ref and ref not in refs:
                    refs.append(ref)
        part = _Part([], fields, uuid=_atom(_kid(sym, "uuid")), by_project=by_project)
        part.in_bom = _atom(_kid(sym, "in_bom")) != "no"
        part.dnp = _atom(_kid(sym, "dnp")) == "yes"
        part.power = lib_name in power_libs or lib_id in power_libs
        out.parts.append(part)
    return out


_COMP_L = re.compile(r"^L\s+(\S+)\s+(\S+)")
_COMP_AR = re.compile(r'^AR\s+Path="[^"]*"\s+Ref="([^"]*)"')
_COMP_F = re.compile(r'^F\s*(\d+)\s+"((?:[^"\\]|\\.)*)"(.*)$')
_LAST_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"\s*$')
_SHEET_F1 = re.compile(r'^F1\s+"((?:[^"\\]|\\.)*)"')
_LEGACY_FIELDS = {0: "Reference", 1: "Value", 2: "Footprint", 3: "Datasheet"}


def _read_legacy_sch(text: str) -> _Sheet:
    if not text.lstrip().startswith("EESchema Schematic File"):
        raise BomReadError("not a KiCad schematic (an EAGLE or other .sch file)")
    out = _Sheet()
    comp: _Part | None = None
    for raw in text.splitlines():
        ln = raw.strip()
        if ln == "$Comp":
            comp = _Part([], {})
        elif ln == "$EndComp" and comp is not None:
            out.parts.append(comp)
            comp = None
        elif comp is not None:
            if m := _COMP_L.match(ln):
                comp.fields.setdefault("Reference", m.group(2))
                comp.power = m.group(1).lower().startswith("power:")
            elif m := _COMP_AR.match(ln):
                if m.group(1) and m.group(1) not in comp.refs:
                    comp.refs.append(m.group(1))
            elif m := _COMP_F.match(ln):
                num, value, rest = int(m.group(1)), m.group(2), m.group(3)
                name = _LEGACY_FIELDS.get(num)
                if name is None:
                    q = _LAST_QUOTED.search(rest)
                    name = q.group(1) if q else f"Field{num}"
                comp.fields[name] = value
        elif m := _SHEET_F1.match(ln):
            out.sheets.append(m.group(1))
    return out


def _read(path: str, data: bytes) -> _Sheet:
    text, _enc = decode_text(data)
    if path.lower().endswith(".kicad_sch"):
        return _read_kicad_sch(text)
    return _read_legacy_sch(text)


# ---------------------------------------------------------------- grouping

def _excluded(part: _Part, refs: list[str]) -> str | None:
    """Why a placed part is no BOM item, or None when it is one."""
    if part.power:
        return "power symbol"
    if any(r.startswith("#") for r in refs):
        return "virtual part"
    if not part.in_bom:
        return "excluded from BOM"
    if part.dnp:
        return "DNP"
    for key, value in part.fields.items():
        if key.strip().upper() in ("DNP", "DNF", "DO NOT POPULATE", "NOT FITTED") and value.strip().lower() in _TRUE:
            return "DNP"
    if (part.fields.get("Value") or "").strip().upper() in ("DNP", "DNF"):
        return "DNP"
    return None


def _fields_to_line(line: BomLine, fields: dict[str, str]) -> None:
    """A symbol's properties into the line, by the same field names an iBOM page uses (KiCad's own left out)."""
    for name, value in fields.items():
        text = clean(value)
        if text is None or text == "~":
            continue
        low = name.strip().lower()
        if low in ("reference", "datasheet") or low.startswith(("ki_", "sim.", "spice")):
            continue
        set_field(line, name, text, [])


def _project_refs(part: _Part, project: str) -> list[str]:
    """A KiCad 7+ symbol's references in this project (named after its root schematic), else in every project."""
    if project in part.by_project:
        return part.by_project[project]
    return [r for refs in part.by_project.values() for r in refs if r]


def _group(root: str, sheets: dict[str, _Sheet], order: list[str], limits: Limits) -> BomResult:
    res = BomResult(path=root, format="kicad_sch" if root.lower().endswith(".kicad_sch") else "kicad-legacy-sch",
                    origin=DERIVED)
    project = posixpath.splitext(posixpath.basename(root))[0]
    instance_refs: dict[str, list[str]] = {}
    for p in order:
        for k, v in sheets[p].instance_refs.items():
            instance_refs.setdefault(k, []).extend(v)
    seen_refs: set[str] = set()
    groups: dict[tuple, BomLine] = {}
    skipped: dict[str, int] = {}
    for p in order:
        res.issues.extend(f"{p}: {i}" for i in sheets[p].issues)
        for part in sheets[p].parts:
            refs = (part.refs or _project_refs(part, project) or (instance_refs.get(part.uuid) if part.uuid else None)
                    or [part.fields.get("Reference") or "?"])
            why = _excluded(part, refs)
            if why:
                skipped[why] = skipped.get(why, 0) + 1
                continue
            # the other units of a multi-unit part add nothing; unannotated parts ('R?') are each a part
            new = [r for r in refs if r not in seen_refs or r.endswith("?")]
            if not new:
                continue
            seen_refs.update(new)
            line = BomLine(row=0, sheet=None)
            _fields_to_line(line, part.fields)
            key = ((line.part or "").lower(), (line.footprint or "").lower(), (line.mpn or "").lower())
            have = groups.get(key)
            if have is None:
                line.designators = list(new)
                groups[key] = line
            else:
                have.designators.extend(new)
    number_groups(res, groups.values(), limits, skipped)
    if len(order) > 1:
        res.issues.append(f"parts of {len(order)} sheets: " + ", ".join(order[:10]))
    if not res.lines:
        res.error = "schematic holds no BOM parts"
    return res


def derive_boms(files: dict[str, bytes], limits: Limits | None = None) -> list[BomResult]:
    """One BOM per root schematic (one no other schematic here places as a sheet), with the parts of the
    sheets it places; never raises, a schematic that cannot be read comes back as a BomResult with an error."""
    limits = limits or Limits()
    sheets: dict[str, _Sheet] = {}
    failed: list[BomResult] = []
    for path in sorted(files)[:_MAX_SHEETS]:
        data = files[path]
        fmt = "kicad_sch" if path.lower().endswith(".kicad_sch") else "kicad-legacy-sch"
        cap = min(limits.max_bytes, MAX_SCHEMATIC_BYTES)
        if len(data) > cap:
            failed.append(BomResult(path, fmt, [], [], f"file too large ({len(data)} > {cap} bytes)", DERIVED))
            continue
        try:
            sheets[path] = _read(path, data)
        except BomReadError as e:
            failed.append(BomResult(path, fmt, [], [], str(e), DERIVED))
        except Exception as e:  # a reader bug must not take the crawl down
            failed.append(BomResult(path, fmt, [], [], f"parse failed: {type(e).__name__}: {e}", DERIVED))
    placed: dict[str, list[str]] = {}
    for path, sh in sheets.items():
        d = posixpath.dirname(path)
        kids = []
        for ref in sh.sheets:
            child = posixpath.normpath(posixpath.join(d, ref.replace("\\", "/")))
            kids.append(child)
        placed[path] = kids
    children = {c for kids in placed.values() for c in kids}
    out: list[BomResult] = []
    for root in sorted(p for p in sheets if p not in children):
        order, todo, missing = [], [root], []
        while todo and len(order) < _MAX_SHEETS:
            p = todo.pop(0)
            if p in order:
                continue  # a sheet used twice: its parts carry one reference per use already
            if p not in sheets:
                missing.append(p)
                continue
            order.append(p)
            todo.extend(placed.get(p, []))
        res = _group(root, sheets, order, limits)
        if missing:
            res.issues.append("sheets not read: " + ", ".join(sorted(set(missing))[:10]))
        out.append(res)
    return out + failed
