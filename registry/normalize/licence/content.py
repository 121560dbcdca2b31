"""Which content types (hardware, software, documentation) a repository holds, read from its file tree."""

from __future__ import annotations

import re

from registry.normalize.licence._data import load

_EXTENSIONS = load("content_types.toml")
_HW_EXT = frozenset(_EXTENSIONS["hardware"])
_SW_EXT = frozenset(_EXTENSIONS["software"])
_DOC_EXT = frozenset(_EXTENSIONS["documentation"])
_DATA_EXT = frozenset(_EXTENSIONS["data"])
HW_DIR_RE = re.compile(
    r"^(?:hardware|hw|electronics?|pcbs?|schematics?|mechanic(?:s|al)(?:[ _-]?(?:system|parts|design))?|"
    r"pneumatics?|casing|enclosures?|cad|gerbers?|kicad|eagle|fritzing|stls?|3d[ _-]?(?:print(?:s|ed|ing)?|"
    r"models?|parts|files))$",
    re.I,
)
DOC_DIR_RE = re.compile(r"^(?:docs?|documentation|manuals?|wiki|guides?|instructions)$", re.I)


_GERBER_EXT_RE = re.compile(r"g[tb][lopsa]|g\d+|gm\d+")


def content_types(paths: list[str]) -> set[str]:
    """Which content types a repository tree holds: 'hardware' (CAD/EDA files or hardware folders),
    'software' (source code) and 'documentation' (README, docs, PDFs, pictures)."""
    kinds: set[str] = set()
    data_files = 0
    for path in paths:
        if len(kinds) == 3:
            break  # every type found: the rest of the tree cannot change the answer
        parts = [p for p in path.split("/") if p]
        if not parts or "node_modules" in parts or any(p.startswith(".") for p in parts[:-1]):
            continue
        name, dirs = parts[-1], parts[:-1]
        low = name.lower()
        ext = low.rsplit(".", 1)[-1] if "." in low.lstrip(".") else ""
        hw_dir = any(HW_DIR_RE.match(d) for d in dirs)
        doc_dir = any(DOC_DIR_RE.match(d) for d in dirs)
        if ext in _HW_EXT or hw_dir or _GERBER_EXT_RE.fullmatch(ext):
            kinds.add("hardware")
        if ext in _SW_EXT and not (low == "conf.py" and doc_dir):
            kinds.add("software")
        if ext in _DOC_EXT or low.startswith("readme") or doc_dir:
            kinds.add("documentation")
        if ext in _DATA_EXT and not low.startswith("."):
            data_files += 1
    if data_files and not kinds & {"hardware", "software"}:
        # a repository of machine-readable records (manifests, schemas) has no designs; its data is code-like
        kinds.add("software")
    return kinds
