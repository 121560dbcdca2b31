"""Which content types (hardware, software, documentation) a repository holds, read from its file tree."""

from __future__ import annotations

import re
from functools import lru_cache

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


@lru_cache(maxsize=8192)
def _folder_types(folder: str) -> tuple[bool, bool]:
    """(is a hardware folder, is a documentation folder), remembered: the same folder names fill a whole tree."""
    return HW_DIR_RE.match(folder) is not None, DOC_DIR_RE.match(folder) is not None


def content_types(paths: list[str]) -> set[str]:
    """Which content types a repository tree holds: 'hardware' (CAD/EDA files or hardware folders),
    'software' (source code) and 'documentation' (README, docs, PDFs, pictures)."""
    kinds: set[str] = set()
    data_files = 0
    for path in paths:
        if len(kinds) == 3:
            break  # every type found: the rest of the tree cannot change the answer
        if "/" in path:
            parts = [p for p in path.split("/") if p]
            if not parts or "node_modules" in parts:
                continue
            dirs = parts[:-1]
            if any(p.startswith(".") for p in dirs):
                continue
            name = parts[-1]
        elif not path or path == "node_modules":
            continue
        else:  # a file at the root: no folders to read
            name, dirs = path, []
        low = name.lower()
        ext = low.rsplit(".", 1)[-1] if "." in low.lstrip(".") else ""
        # the folders are read only for a type not found yet that the name alone does not give
        if "hardware" not in kinds and (ext in _HW_EXT or _GERBER_EXT_RE.fullmatch(ext)
                                        or any(_folder_types(d)[0] for d in dirs)):
            kinds.add("hardware")
        if ext in _SW_EXT and "software" not in kinds and \
                not (low == "conf.py" and any(_folder_types(d)[1] for d in dirs)):
            kinds.add("software")
        if "documentation" not in kinds and (ext in _DOC_EXT or low.startswith("readme")
                                             or any(_folder_types(d)[1] for d in dirs)):
            kinds.add("documentation")
        if ext in _DATA_EXT and not low.startswith("."):
            data_files += 1
    if data_files and not kinds & {"hardware", "software"}:
        # a repository of machine-readable records (manifests, schemas) has no designs; its data is code-like
        kinds.add("software")
    return kinds

