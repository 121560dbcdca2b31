"""A BOM derived from EAGLE XML schematics and boards, for the EAGLE repositories that publish no BOM file.

EAGLE 6+ (and Fusion 360 Electronics) write `.sch` / `.brd` as XML (eagle.dtd): a schematic lists every part once
in `<parts>` (`name library deviceset device technology value`, with `<attribute>`s and assembly `<variant>`s), its
package comes from the library's `deviceset/devices/device@package`; a board lists `<elements>` with the package
on each. Parts are grouped by value + package + MPN as the KiCad derivation does; parts whose device has no package
(supply symbols such as GND/VCC, drawing frames) are no parts, and parts the current assembly variant leaves
unpopulated (or marked DNP) are left out. Files are parsed with the standard library's expat, which never fetches
external entities; a file that declares entities of its own is refused before parsing.
"""

from __future__ import annotations

import posixpath
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from registry.normalize._bom_eda import set_field
from registry.normalize._bom_read import BomReadError
from registry.normalize._bom_util import DERIVED, BomLine, BomResult, Limits, clean, number_groups

__all__ = ["derive_eagle_boms", "eagle_kind", "is_eagle_path"]

#: Files bigger than this are not parsed (a tree of a few MB of XML takes ~10x its size in memory).
MAX_EAGLE_BYTES = 10_000_000
_MAX_FILES = 50
#: Attributes read first, so an explicit MPN wins over a PARTNO / PART_NUMBER that may be a shop's number.
_FIRST = {"mpn", "manufacturer_part_number", "mfr_pn", "mpn#"}
_DNP_NAMES = {"DNP", "DNF", "DNI", "NOPOP", "NO_POP", "DO_NOT_POPULATE", "DO NOT POPULATE", "NOT_FITTED",
              "NOT FITTED"}
_TRUE = {"yes", "true", "1", "x", "dnp", "dnf", "dni"}
_SKIP_ATTRS = {"value", "package", "populate", "package3d_urn", "spiceprefix", "spicemodel", "spicepinmap",
               "spicelibrary", "_external_", "created_by", "author", "revision", "sheetnumber", "datasheet"}


def is_eagle_path(path: str) -> bool:
    """An EAGLE design file by name (`.sch` schematic, `.brd` board); the content decides (KiCad 4-5 uses .sch too)."""
    name = posixpath.basename(path.lower())
    return name.endswith((".sch", ".brd")) and not name.startswith(".") and "/." not in path


def eagle_kind(data: bytes) -> str | None:
    """'xml' for an EAGLE 6+ XML file, 'binary' for an EAGLE 5-or-older binary one, None for anything else."""
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<") and b"<eagle" in head:
        return "xml"
    if head[:1] == b"\x10" and b"\x00" in head[:64]:  # EAGLE's binary files open with a 0x10 header record
        return "binary"
    return None


def _refuse_entities(data: bytes) -> None:
    """EAGLE files name eagle.dtd but declare nothing: an internal subset (entities) is refused, never expanded."""
    root_at = data.find(b"<eagle")
    prolog = data[: root_at if root_at >= 0 else 4096]
    if b"<!ENTITY" in prolog or re.search(rb"<!DOCTYPE[^>\[]*\[", prolog):
        raise BomReadError("EAGLE file declares a DTD subset / entities; refused")


@dataclass
class _Device:
    """A library device: its package (None for supply symbols and frames) and technology attributes."""

    package: str | None
    attrs: dict[str, dict[str, str]] = field(default_factory=dict)  # technology name -> attributes


@dataclass
class _Placed:
    """One part as placed: its name, the fields that group it, and why it is left out (None when it is a part)."""

    name: str
    value: str | None
    package: str | None
    attrs: dict[str, str]
    why_out: str | None = None
    description: str | None = None


def _lib_key(el: ET.Element) -> tuple[str, str]:
    return el.get("name") or el.get("library") or "", el.get("urn") or el.get("library_urn") or ""


def _attrs(el: ET.Element) -> dict[str, str]:
    out: dict[str, str] = {}
    for a in el.findall("attribute"):
        name, value = a.get("name"), a.get("value")
        if name and value is not None:
            out[name] = value
    return out


def _text_of(desc: ET.Element | None) -> str | None:
    """A deviceset's description (HTML in EAGLE's libraries) as its first line of plain text."""
    if desc is None or not desc.text:
        return None
    text = re.sub(r"(?i)<\s*/?\s*(br|p|li|ul|h\d|div|table|tr)\b[^>]*>", "\n", desc.text)
    text = re.sub(r"<[^>]*>", "", text)
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), None)
    return clean(first[:200]) if first else None


def _variant(part: ET.Element, current: str | None) -> ET.Element | None:
    if current is None:
        return None
    return next((v for v in part.findall("variant") if v.get("name") == current), None)


def _dnp(attrs: dict[str, str], value: str | None) -> bool:
    for k, v in attrs.items():
        key = k.strip().upper()
        if key in _DNP_NAMES and v.strip().lower() in _TRUE:
            return True
        if key in ("POPULATE", "FITTED", "MOUNT") and v.strip().lower() in ("no", "false", "0", "n"):
            return True
    return (value or "").strip().upper() in ("DNP", "DNF", "DNI")


def _full_name(deviceset: str, device: str, technology: str) -> str:
    """EAGLE's device name as its part list shows it: '*' is the technology, '?' the device (else appended)."""
    name = deviceset.replace("*", technology) if "*" in deviceset else deviceset
    return name.replace("?", device) if "?" in name else name + device


def _read_schematic(sch: ET.Element, issues: list[str]) -> list[_Placed]:
    devices: dict[tuple, _Device] = {}
    descs: dict[tuple, str | None] = {}
    for lib in sch.iterfind("libraries/library"):
        lk = _lib_key(lib)
        for ds in lib.iterfind("devicesets/deviceset"):
            dsn = ds.get("name") or ""
            descs[(lk, dsn)] = _text_of(ds.find("description"))
            for dev in ds.iterfind("devices/device"):
                techs = {t.get("name") or "": _attrs(t) for t in dev.iterfind("technologies/technology")}
                devices[(lk, dsn, dev.get("name") or "")] = _Device(dev.get("package") or None, techs)
    by_name: dict[tuple, _Device] = {}  # a part whose library_urn matches no library: the library's name decides
    for (lk, dsn, devn), dev in devices.items():
        by_name.setdefault((lk[0], dsn, devn), dev)
    current = next((v.get("name") for v in sch.iterfind("variantdefs/variantdef") if v.get("current") == "yes"), None)
    if current and not current.startswith("<"):  # '<unnamed>' / '<unbenannt>': EAGLE's default, nothing to say
        issues.append(f"assembly variant {current!r}")

    def placed(part: ET.Element, prefix: str = "") -> _Placed:
        lk = (part.get("library") or "", part.get("library_urn") or "")
        dsn, devn = part.get("deviceset") or "", part.get("device") or ""
        dev = devices.get((lk, dsn, devn)) or by_name.get((lk[0], dsn, devn))
        var = _variant(part, current)
        tech = (var.get("technology") if var is not None and var.get("technology") is not None
                else part.get("technology")) or ""
        attrs = dict(dev.attrs.get(tech, {})) if dev else {}
        attrs.update(_attrs(part))
        value = part.get("value")
        if var is not None and var.get("value"):
            value = var.get("value")
        if not value and (dsn or devn):
            value = _full_name(dsn, devn, tech)
        p = _Placed(prefix + (part.get("name") or "?"), value, dev.package if dev else None, attrs,
                    description=descs.get((lk, dsn)) or descs.get(((lk[0], ""), dsn)))
        if dev is None:
            p.why_out = "device not in the file's libraries"
        elif not dev.package:
            p.why_out = "no package (supply symbol, frame)"
        elif var is not None and var.get("populate") == "no":
            p.why_out = "not populated in the variant"
        elif _dnp(attrs, value) or part.get("populate") == "no":
            p.why_out = "DNP"
        return p

    out = [placed(part) for part in sch.iterfind("parts/part")]
    # EAGLE 8+ design blocks: a module's parts are placed once per module instance on a sheet
    modules = {m.get("name"): m for m in sch.iterfind("modules/module")}
    for inst in sch.iterfind("sheets/sheet/moduleinsts/moduleinst"):
        mod = modules.get(inst.get("module"))
        if mod is None:
            issues.append(f"module instance {inst.get('name')!r}: module {inst.get('module')!r} not in the file")
            continue
        out += [placed(part, f"{inst.get('name')}:") for part in mod.iterfind("parts/part")]
    if modules:
        issues.append(f"{len(modules)} design-block modules: their parts named <instance>:<part>")
    return out


def _read_board(brd: ET.Element, issues: list[str]) -> list[_Placed]:
    current = next((v.get("name") for v in brd.iterfind("variantdefs/variantdef") if v.get("current") == "yes"), None)
    if current and not current.startswith("<"):  # '<unnamed>' / '<unbenannt>': EAGLE's default, nothing to say
        issues.append(f"assembly variant {current!r}")
    out = []
    for el in brd.iterfind("elements/element"):
        var = _variant(el, current)
        attrs = _attrs(el)
        value = el.get("value")
        if var is not None and var.get("value"):
            value = var.get("value")
        p = _Placed(el.get("name") or "?", value, el.get("package") or None, attrs)
        if var is not None and var.get("populate") == "no":
            p.why_out = "not populated in the variant"
        elif _dnp(attrs, value) or el.get("populate") == "no":  # EAGLE 9 boards mark it on the element too
            p.why_out = "DNP"
        out.append(p)
    return out


def _line(p: _Placed) -> BomLine:
    line = BomLine(row=0, sheet=None)
    line.part = clean(p.value) if p.value else None
    line.footprint = clean(p.package) if p.package else None
    extras: list[str] = []
    for name in sorted(p.attrs, key=lambda k: k.strip().lower() not in _FIRST):  # stable: file order otherwise
        low = name.strip().lower()
        if low in _SKIP_ATTRS or low.upper() in _DNP_NAMES:
            continue
        set_field(line, name, p.attrs[name], extras)
    if line.description is None and p.description:
        line.description = p.description
    return line


def _group(path: str, fmt: str, parts: list[_Placed], issues: list[str], limits: Limits) -> BomResult:
    res = BomResult(path=path, format=fmt, issues=list(issues), origin=DERIVED)
    groups: dict[tuple, BomLine] = {}
    skipped: dict[str, int] = {}
    for p in parts:
        if p.why_out:
            skipped[p.why_out] = skipped.get(p.why_out, 0) + 1
            continue
        line = _line(p)
        key = ((line.part or "").lower(), (line.footprint or "").lower(), (line.mpn or "").lower())
        have = groups.get(key)
        if have is None:
            line.designators = [p.name]
            groups[key] = line
        else:
            have.designators.append(p.name)
    number_groups(res, groups.values(), limits, skipped)
    if not res.lines:
        res.error = "EAGLE file holds no BOM parts"
    return res


#: Drawing elements a BOM never reads: emptied as soon as parsed, so a board's copper costs little memory.
_DRAWING = {"wire", "polygon", "vertex", "pad", "smd", "via", "hole", "text", "circle", "rectangle", "dimension",
            "pin", "pinref", "contactref", "junction", "label", "segment", "layer", "instance", "gate", "connect"}


def _parse(data: bytes) -> ET.Element:
    """The XML tree without its drawing primitives (wires, pads, vias, net segments…)."""
    import io

    root = None
    for event, elem in ET.iterparse(io.BytesIO(data), events=("start", "end")):
        if event == "start":
            if root is None:
                root = elem
        elif elem.tag in _DRAWING:
            elem.clear()
    if root is None:
        raise BomReadError("EAGLE file without an XML element")
    return root


def _derive_one(path: str, data: bytes, limits: Limits) -> BomResult:
    is_board = path.lower().endswith(".brd")
    fmt = "eagle-brd" if is_board else "eagle-sch"
    cap = min(limits.max_bytes, MAX_EAGLE_BYTES)
    if len(data) > cap:
        return BomResult(path, fmt, [], [], f"file too large ({len(data)} > {cap} bytes)", DERIVED)
    kind = eagle_kind(data)
    if kind == "binary":
        return BomResult(path, fmt, [], [], "binary EAGLE file (EAGLE 5 or older); only EAGLE 6+ XML is read",
                         DERIVED)
    if kind is None and b"\x00" in data[:2048]:
        return BomResult(path, fmt, [], [], "binary file, not EAGLE 6+ XML (EAGLE 5 and older wrote binary files)",
                         DERIVED)
    if kind is None:
        what = "schematic" if not is_board else "board"
        return BomResult(path, fmt, [], [], f"not an EAGLE XML {what} (nor a KiCad one)", DERIVED)
    _refuse_entities(data)
    issues: list[str] = []
    try:
        root = _parse(data)
    except ET.ParseError as e:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:  # 'µ' written as Latin-1 under a UTF-8 declaration (other tools' EAGLE exports)
            try:
                root = _parse(data.decode("cp1252", errors="replace").encode("utf-8"))
            except ET.ParseError:
                raise BomReadError(f"malformed EAGLE XML: {e}") from e
            issues.append("not UTF-8 as declared: read as cp1252")
        else:
            raise BomReadError(f"malformed EAGLE XML: {e}") from e
    if root.tag != "eagle":
        raise BomReadError(f"not an EAGLE file (root element <{root.tag}>)")
    sch, brd = root.find("drawing/schematic"), root.find("drawing/board")
    if (is_board and brd is None) or (not is_board and sch is None):
        found = "a schematic" if sch is not None else "a board" if brd is not None else "a library or nothing"
        issues.append(f".{path.rsplit('.', 1)[-1]} file holds {found}")
    if sch is not None:
        return _group(path, "eagle-sch", _read_schematic(sch, issues), issues, limits)
    if brd is not None:
        return _group(path, "eagle-brd", _read_board(brd, issues), issues, limits)
    return BomResult(path, fmt, [], issues, "EAGLE file holds neither a schematic nor a board", DERIVED)


def derive_eagle_boms(files: dict[str, bytes], limits: Limits | None = None) -> list[BomResult]:
    """One BOM per EAGLE schematic, and per board whose schematic (same name, same folder) gave none; never raises."""
    limits = limits or Limits()
    read = sorted(files, key=lambda p: (p.lower().endswith(".brd"), p))[:_MAX_FILES]  # schematics first
    out: list[BomResult] = []
    derived: set[str] = set()
    for path in read:
        stem = path.rsplit(".", 1)[0].lower()
        board = path.lower().endswith(".brd")
        if board and stem in derived:
            continue  # the schematic of this design gave its BOM: it knows supply symbols and variant names
        try:
            res = _derive_one(path, files[path], limits)
        except BomReadError as e:
            res = BomResult(path, "eagle-brd" if board else "eagle-sch", [], [], str(e), DERIVED)
        except Exception as e:  # a reader bug must not take the crawl down
            res = BomResult(path, "eagle-brd" if board else "eagle-sch", [], [],
                            f"parse failed: {type(e).__name__}: {e}", DERIVED)
        if res.lines:
            derived.add(stem)
        out.append(res)
    if len(files) > _MAX_FILES and out:
        out[0].issues.append(f"{len(files)} EAGLE files; only {_MAX_FILES} read")
    return sorted(out, key=lambda r: r.path)
