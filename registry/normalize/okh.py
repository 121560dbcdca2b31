"""Read OKH manifests (v1 YAML, OKH-LOSH TOML) leniently, so declared metadata survives real-world drift.

Every oddity is kept as an issue string instead of raising; hostile input (huge files, alias bombs,
deep nesting, malformed syntax) yields a Manifest with `error` set.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import cache
from pathlib import PurePosixPath
from typing import Any

__all__ = [
    "MAX_ALIASES",
    "MAX_DEPTH",
    "MAX_NODES",
    "Manifest",
    "is_manifest_path",
    "normalize_odrl",
    "normalize_otrl",
    "parse_manifest",
]

MAX_DEPTH = 40          # nesting levels (after alias expansion)
MAX_NODES = 20_000      # values, counted while composing and again after alias expansion (bounds CPU too)
MAX_ALIASES = 1_000     # alias uses in one YAML document
MAX_DOCUMENTS = 8       # YAML documents in one file

_EXTS = {".yml", ".yaml", ".toml", ".json"}
# Folders whose files describe other things (CI, schemas, test data), not this project.
_SKIP_DIRS = {".github", ".gitlab", ".circleci", "node_modules", "validation", "validator", "schema", "schemas",
              "test", "tests", "fixtures", "__fixtures__"}
_OKH_TOKEN = re.compile(r"(?<![a-z])okh", re.I)
_SKIP_NAME = re.compile(r"schema|template", re.I)

_V1_KEYS = {
    "title", "description", "intended-use", "keywords", "project-link", "health-safety-notice", "contact",
    "contributors", "image", "version", "development-stage", "made", "made-independently", "standards-used",
    "derivative-of", "variant-of", "sub", "sub-parts", "license", "licensor", "documentation-home",
    "archive-download", "design-files", "schematics", "bom", "tool-list", "making-instructions",
    "manufacturing-files", "risk-assessment", "tool-settings", "quality-instructions", "operating-instructions",
    "maintenance-instructions", "disposal-instructions", "software", "date-created", "date-updated",
    "manifest-author", "manifest-language", "documentation-language", "manifest-is-translation",
    "documentation-is-translation", "okh-manifest-version", "user-defined-fields",
}
_LOSH_KEYS = {
    "okhv", "name", "repo", "version", "release", "license", "licensor", "organisation", "organization", "readme",
    "image", "documentation-language", "technology-readiness-level", "documentation-readiness-level",
    "attestation", "function", "description", "standard-compliance", "cpc-patent-class", "tsdc", "bom",
    "manufacturing-instructions", "user-manual", "part", "software", "outer-dimensions", "outer-dimensions-mm",
    "joining-process", "contribution-guide", "publication", "auxiliary", "mass", "material",
    "manufacturing-process", "source", "export", "spdx-license", "data-source", "variant-of", "derivative-of",
    "documentation-home", "keywords", "intended-use", "contact", "contributors",
}
_OKH_MARKERS = {"title", "name", "description", "function", "license", "licence", "licenses", "okhv",
                "okh-manifest-version", "project-link", "documentation-home", "repo", "bom", "development-stage",
                "technology-readiness-level", "documentation-readiness-level", "made", "made-independently",
                "licensor"}
_LICENCE_KEYS = {"hardware": "hardware", "hw": "hardware", "hardware-license": "hardware",
                 "hardware-licence": "hardware", "documentation": "documentation", "docs": "documentation",
                 "doc": "documentation",
                 "documentation-license": "documentation", "documentation-licence": "documentation",
                 "software": "software", "sw": "software", "code": "software", "firmware": "software",
                 "source": "software", "software-license": "software", "software-licence": "software"}
_PLACEHOLDER = re.compile(r"^\s*(?:\[[^\]]*\]|<[^>]*>|value|tbd|todo|xxx+|n/?a|-+|\.\.\.)\s*$", re.I)
_SPDX_TOKEN = re.compile(r"^(?:[A-Za-z0-9][A-Za-z0-9.\-]*\+?|LicenseRef-[A-Za-z0-9.\-]+|DocumentRef-[A-Za-z0-9.\-]+:"
                         r"LicenseRef-[A-Za-z0-9.\-]+)$")
_SOFTWARE_LICENCE = re.compile(r"^(?:A?GPL|LGPL|MIT|Apache|BSD|MPL|EUPL|ISC|Zlib|Unlicense|0BSD)", re.I)
_CONTENT_LICENCE = re.compile(r"^(?:CC-BY|CC-BY-SA|CC-BY-ND|CC-BY-NC|CERN-OHL|TAPR-OHL|Solderpad|GFDL|FDL)", re.I)
_URL = re.compile(r"^(?:https?|ftp)://\S+$", re.I)
_PATHLIKE = re.compile(r"^[^\n,;]*\.[A-Za-z0-9]{1,5}$|^[^\s,;]+$")
_OTRL = re.compile(r"otrl[\s_\-#]*(\d)", re.I)
_ODRL = re.compile(r"odrl[\s_\-#]*(\d)\s*(\*|star)?", re.I)


class _Refused(Exception):
    """Input refused on purpose (size, depth, alias expansion); the message is user-facing."""


@dataclass
class Manifest:
    """What one OKH manifest declares, read leniently; `issues` lists every drift from the spec."""

    path: str
    format: str  # 'okh-v1' | 'okh-losh'
    title: str | None = None
    description: str | None = None
    version: str | None = None
    licence: dict[str, str] = field(default_factory=dict)  # hardware/documentation/software -> text as written
    licensor: str | None = None
    development_stage: str | None = None
    made: bool | None = None
    made_independently: bool | None = None
    otrl: str | None = None          # normalised 'OTRL-1'..'OTRL-6'
    odrl: str | None = None          # normalised 'ODRL-1'..'ODRL-4' or 'ODRL-3*'
    bom: str | None = None           # path or URL
    bom_inline: str | None = None    # a parts list written into the bom field itself
    project_link: str | None = None
    documentation_home: str | None = None
    derivative_of: str | None = None
    variant_of: str | None = None
    attestation: str | None = None   # LOSH: link to a certification / audit
    okh_version: str | None = None   # okhv / okh-manifest-version as written
    issues: list[str] = field(default_factory=list)
    error: str | None = None
    raw: dict = field(default_factory=dict)


def is_manifest_path(path: str) -> bool:
    """True for yml/yaml/toml/json files named with an `okh` token or sitting in a folder named `okh`."""
    p = PurePosixPath(path.replace("\\", "/"))
    if p.suffix.lower() not in _EXTS:
        return False
    dirs = [d.lower() for d in p.parts[:-1]]
    if any(d in _SKIP_DIRS for d in dirs) or _SKIP_NAME.search(p.name):
        return False
    return bool(_OKH_TOKEN.search(p.stem)) or "okh" in dirs


def normalize_otrl(value: str) -> str | None:
    """'OTRL-4', 'otrl4', '…/otrl#OTRL4' -> 'OTRL-4'; None when no level 1-6 is recognisable."""
    m = _OTRL.search(value)
    if m and 1 <= int(m.group(1)) <= 6:
        return f"OTRL-{m.group(1)}"
    return None


def normalize_odrl(value: str) -> str | None:
    """'ODRL-3*', 'ODRL3Star', 'odrl-2' -> canonical 'ODRL-n' (star only on level 3); None otherwise."""
    m = _ODRL.search(value)
    if not m or not 1 <= int(m.group(1)) <= 4:
        return None
    return f"ODRL-{m.group(1)}" + ("*" if m.group(2) and m.group(1) == "3" else "")


# ---------------------------------------------------------------- loading


@cache
def _yaml_loader() -> type:
    import yaml  # lazy: only manifest parsing needs it

    class GuardedLoader(yaml.SafeLoader):
        """SafeLoader that counts aliases and nesting while composing and keeps numbers/dates as text."""

        def __init__(self, stream: str) -> None:
            super().__init__(stream)
            self._aliases = 0
            self._depth = 0
            self._nodes = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            self._nodes += 1
            if self._nodes > MAX_NODES:   # stop scanning early: pure-Python YAML is slow on huge flat lists
                raise _Refused(f"more than {MAX_NODES} values")
            if self.check_event(yaml.AliasEvent):
                self._aliases += 1
                if self._aliases > MAX_ALIASES:
                    raise _Refused(f"more than {MAX_ALIASES} YAML aliases")
            self._depth += 1
            if self._depth > MAX_DEPTH:
                raise _Refused(f"nested deeper than {MAX_DEPTH} levels")
            try:
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1

    # Keep ints, floats and timestamps as written ("version: 1.10" must not become 1.1); keep bool/null.
    drop = {"tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:timestamp"}
    GuardedLoader.yaml_implicit_resolvers = {
        k: [r for r in v if r[0] not in drop] for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return GuardedLoader


def _check_expansion(root: Any) -> None:
    """Refuse a composed YAML node graph whose alias-expanded size or depth passes the limits, or that loops."""
    from yaml.nodes import MappingNode, SequenceNode

    memo: dict[int, tuple[int, int]] = {}   # id(node) -> (expanded size, height)
    active: set[int] = set()

    def walk(node: Any, level: int) -> tuple[int, int]:
        key = id(node)
        if key in memo:
            size, height = memo[key]
        elif key in active:
            raise _Refused("recursive YAML alias")
        else:
            if level > MAX_DEPTH:
                raise _Refused(f"nested deeper than {MAX_DEPTH} levels")
            active.add(key)
            if isinstance(node, SequenceNode):
                children = list(node.value)
            elif isinstance(node, MappingNode):
                children = [n for pair in node.value for n in pair]
            else:
                children = []
            size, height = 1, 0
            for child in children:
                s, h = walk(child, level + 1)
                size += s
                height = max(height, h + 1)
                if size > MAX_NODES:
                    raise _Refused(f"more than {MAX_NODES} values after alias expansion")
            active.discard(key)
            memo[key] = (size, height)
        if level + height > MAX_DEPTH:
            raise _Refused(f"nested deeper than {MAX_DEPTH} levels after alias expansion")
        return size, height

    total, _ = walk(root, 0)
    if total > MAX_NODES:
        raise _Refused(f"more than {MAX_NODES} values after alias expansion")


def _load_yaml(text: str, issues: list[str]) -> Any:
    loader = _yaml_loader()(text)
    try:
        docs = []
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                break
            _check_expansion(node)
            docs.append(loader.construct_document(node))
            if len(docs) > MAX_DOCUMENTS:
                raise _Refused(f"more than {MAX_DOCUMENTS} YAML documents")
    finally:
        loader.dispose()
    docs = [d for d in docs if d is not None]
    if len(docs) > 1:
        issues.append(f"{len(docs)} YAML documents in one file; the first mapping is used")
        return next((d for d in docs if isinstance(d, dict)), docs[0])
    return docs[0] if docs else None


def _plain(obj: Any) -> Any:
    """Copy into JSON-like values (str keys, dates as ISO text), refusing oversize or over-deep structures."""
    count = 0

    def conv(o: Any, level: int) -> Any:
        nonlocal count
        count += 1
        if count > MAX_NODES:
            raise _Refused(f"more than {MAX_NODES} values")
        if level > MAX_DEPTH:
            raise _Refused(f"nested deeper than {MAX_DEPTH} levels")
        if isinstance(o, dict):
            return {("" if k is None else str(k)): conv(v, level + 1) for k, v in o.items()}
        if isinstance(o, list | tuple | set):
            return [conv(v, level + 1) for v in o]
        if isinstance(o, datetime | date | time):
            return o.isoformat()
        if isinstance(o, bytes):
            return o.decode("utf-8", "replace")
        return o

    return conv(obj, 0)


def _decode(data: bytes | str, issues: list[str]) -> str:
    if isinstance(data, str):
        return data
    if b"\x00" in data[:4096]:
        raise _Refused("binary content (NUL bytes), not a text manifest")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        issues.append("not valid UTF-8; decoded as cp1252")
        return data.decode("cp1252", "replace")


def _first_line(exc: BaseException) -> str:
    problem, mark = getattr(exc, "problem", None), getattr(exc, "problem_mark", None)
    if problem and mark is not None:   # PyYAML: say what and where, without the source excerpt
        return f"{problem} (line {mark.line + 1}, column {mark.column + 1})"
    text = " ".join(str(exc).split())
    return text[:200] or type(exc).__name__


# ---------------------------------------------------------------- field helpers


def _norm_key(key: str) -> str:
    return re.sub(r"[\s_]+", "-", key.strip().lower())


class _Fields:
    """Case/underscore-tolerant key lookup over the top-level mapping, noting odd spellings."""

    def __init__(self, raw: dict, issues: list[str]) -> None:
        self.issues = issues
        self.by_norm: dict[str, tuple[str, Any]] = {}
        for k, v in raw.items():
            n = _norm_key(k)
            if n in self.by_norm:
                issues.append(f"key {k!r} repeats {self.by_norm[n][0]!r}; the first is used")
                continue
            self.by_norm[n] = (k, v)

    def get(self, *names: str) -> tuple[str | None, Any]:
        for name in names:
            if name in self.by_norm:
                key, value = self.by_norm[name]
                if key != name:
                    self.issues.append(f"key {key!r} written instead of {name!r}")
                return name, value
        return None, None


def _text(value: Any, name: str, issues: list[str]) -> str | None:
    """One text value from whatever the field holds; lists/mappings are flattened with an issue."""
    if value is None:
        return None
    if isinstance(value, bool):
        issues.append(f"{name} is a boolean ({str(value).lower()}), expected text")
        return str(value).lower()
    if isinstance(value, list):
        issues.append(f"{name} is a list, expected text")
        items = [t for t in (_text(v, name, issues) for v in value) if t]
        value = "; ".join(items) if items else None
        if value is None:
            return None
    elif isinstance(value, dict):
        for sub in ("name", "title", "web", "url", "manifest", "path", "value"):
            if isinstance(value.get(sub), str | int | float) and str(value[sub]).strip():
                issues.append(f"{name} is a mapping; its {sub!r} is used")
                value = value[sub]
                break
        else:
            issues.append(f"{name} is a mapping without a usable value")
            return None
    text = str(value).strip()
    if not text:
        return None
    if _PLACEHOLDER.match(text):
        issues.append(f"{name} holds a template placeholder {text!r}")
        return None
    return text


def _flag(value: Any, name: str, issues: list[str]) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("yes", "y", "true", "1", "on"):
        issues.append(f"{name} is {value!r}, expected true/false")
        return True
    if text in ("no", "n", "false", "0", "off"):
        issues.append(f"{name} is {value!r}, expected true/false")
        return False
    if text and not _PLACEHOLDER.match(text):
        issues.append(f"{name} is {value!r}, not a boolean")
    return None


_BARE_IDS = {"mit", "isc", "zlib", "unlicense", "wtfpl", "beerware", "ncsa", "x11", "curl", "libpng", "json"}


def _looks_spdx(text: str) -> bool:
    """Shape check only (id, operator, id, ...): licence.py does the real SPDX normalisation."""
    tokens = re.sub(r"[()]", " ", text).split()
    if not tokens or len(tokens) % 2 == 0:
        return False
    for i, tok in enumerate(tokens):
        if i % 2:
            if tok.upper() not in ("AND", "OR", "WITH"):
                return False
        elif not _SPDX_TOKEN.match(tok) or not (re.search(r"[\d\-]", tok) or tok.lower() in _BARE_IDS):
            return False
    return True


def _licence_text(value: Any, where: str, issues: list[str]) -> str | None:
    if isinstance(value, list):
        items = [t for t in (_licence_text(v, where, issues) for v in value) if t]
        if not items:
            return None
        issues.append(f"{where} is a list; joined with AND")
        return " AND ".join(items) if len(items) > 1 else items[0]
    if isinstance(value, dict):
        for sub in ("spdx", "id", "license", "licence", "name"):
            if isinstance(value.get(sub), str):
                issues.append(f"{where} is a mapping; its {sub!r} is used")
                return _licence_text(value[sub], where, issues)
        issues.append(f"{where} is a mapping without a licence id")
        return None
    if value is None or isinstance(value, bool):
        return None
    text = " ".join(str(value).split())
    if not text:
        return None
    if _PLACEHOLDER.match(text):
        issues.append(f"{where} holds a template placeholder {text!r}")
        return None
    if not _looks_spdx(text):
        issues.append(f"{where} is not an SPDX expression: {text[:80]!r}")
    return text


def _v1_licences(value: Any, key: str, issues: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    if value is None:
        return out
    if isinstance(value, str | list) and not (isinstance(value, list) and value and isinstance(value[0], dict)):
        text = _licence_text(value, key, issues)
        if text:
            issues.append(f"{key} is a bare value, not a hardware/documentation/software mapping; "
                          "read as the hardware licence")
            out["hardware"] = text
        return out
    if isinstance(value, list):   # list of one-key mappings: [{hardware: X}, {software: Y}]
        issues.append(f"{key} is a list of mappings; merged")
        merged: dict = {}
        for item in value:
            if isinstance(item, dict):
                merged.update(item)
        value = merged
    if not isinstance(value, dict):
        issues.append(f"{key} has an unreadable value {value!r:.60}")
        return out
    for k, v in value.items():
        scope = _LICENCE_KEYS.get(_norm_key(str(k)))
        if scope is None:
            issues.append(f"unknown licence key {key}.{k}")
            continue
        if scope != _norm_key(str(k)):
            issues.append(f"licence key {key}.{k} read as {scope}")
        text = _licence_text(v, f"{key}.{k}", issues)
        if text is None:
            if v is None or str(v).strip() == "":
                issues.append(f"{key}.{k} is empty")
            continue
        if scope in out:
            issues.append(f"{key}.{k} repeats the {scope} licence; the first is kept")
            continue
        out[scope] = text
    doc, sw = out.get("documentation", ""), out.get("software", "")
    if doc and sw and _SOFTWARE_LICENCE.match(doc) and _CONTENT_LICENCE.match(sw):
        issues.append("documentation and software licences look swapped (a software licence on documentation, "
                      "a content licence on software)")
    elif sw and _CONTENT_LICENCE.match(sw):
        issues.append(f"software licence {sw!r} is a content/hardware licence")
    return out


def _licensor(value: Any, issues: list[str]) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        names = [n for n in (_licensor(v, []) for v in value) if n]
        if len(value) > 1:
            issues.append("licensor is a list; names joined")
        return "; ".join(names) or None
    if isinstance(value, dict):
        name = _text(value.get("name"), "licensor.name", []) or _text(value.get("affiliation"),
                                                                      "licensor.affiliation", [])
        if name is None:
            issues.append("licensor has no name")
        elif not _text(value.get("name"), "licensor.name", []):
            issues.append("licensor has no name; its affiliation is used")
    else:
        name = _text(value, "licensor", issues)
    if name and re.search(r"licen[cs]e|creative commons|\bCC[- ]BY\b", name, re.I):
        issues.append(f"licensor looks like a licence, not a person or organisation: {name[:60]!r}")
    return name


def _bom(value: Any, m: Manifest) -> None:
    if value is None:
        return
    if isinstance(value, list):
        paths = [t for t in (_text(v, "bom", []) for v in value) if t]
        if len(paths) > 1:
            m.issues.append(f"bom lists {len(paths)} entries; the first is used")
        value = paths[0] if paths else None
    text = _text(value, "bom", m.issues)
    if text is None:
        return
    if _URL.match(text) or _PATHLIKE.match(text):
        m.bom = text
    else:
        m.bom_inline = text
        m.issues.append("bom holds an inline parts list, not a path or URL")


def _reference(value: Any, name: str, issues: list[str]) -> str | None:
    """derivative-of / variant-of: a {title, manifest, web} mapping per spec; prefer a link over the title."""
    if isinstance(value, list):
        issues.append(f"{name} is a list; the first entry is used")
        value = value[0] if value else None
    if isinstance(value, dict):
        for sub in ("web", "manifest", "title"):
            text = _text(value.get(sub), f"{name}.{sub}", issues)
            if text:
                return text
        return None
    text = _text(value, name, issues)
    if text:
        issues.append(f"{name} is plain text, expected a title/manifest/web mapping")
    return text


def _level(value: Any, name: str, normalize: Any, issues: list[str]) -> str | None:
    text = _text(value, name, issues)
    if text is None:
        return None
    level = normalize(text)
    if level is None and re.fullmatch(r"\d", text):
        prefix = "OTRL" if name.startswith("technology") else "ODRL"
        level = normalize(f"{prefix}-{text}")
    if level is None:
        issues.append(f"{name} {text!r} is not a recognised level")
    elif level != text:
        issues.append(f"{name} {text!r} read as {level}")
    return level


# ---------------------------------------------------------------- parse


def _guess_format(path: str, raw: dict) -> str:
    keys = {_norm_key(k) for k in raw}
    if keys & {"okhv", "technology-readiness-level", "documentation-readiness-level", "function"}:
        return "okh-losh"
    if "name" in keys and "title" not in keys and "repo" in keys:
        return "okh-losh"
    if "title" in keys or "okh-manifest-version" in keys:
        return "okh-v1"
    return "okh-losh" if path.lower().endswith(".toml") else "okh-v1"


def _fill(m: Manifest, raw: dict) -> None:
    f = _Fields(raw, m.issues)
    iss = m.issues
    losh = m.format == "okh-losh"
    key, value = f.get("title", "name") if not losh else f.get("name", "title")
    m.title = _text(value, key or "title", iss)
    key, value = f.get("description", "function", "intended-use") if not losh else f.get(
        "function", "description", "intended-use")
    m.description = _text(value, key or "description", iss)
    m.version = _text(f.get("version")[1], "version", iss)
    m.okh_version = _text(f.get("okhv", "okh-manifest-version")[1], "okh version", iss)

    lkey, lvalue = f.get("license", "licence", "licenses", "licences")
    if lkey and lkey != "license":
        iss.append(f"licence given under {lkey!r} instead of 'license'")
    if losh:
        if isinstance(lvalue, dict):
            iss.append("OKH-LOSH license is a mapping; read as OKH v1 scopes")
            m.licence = _v1_licences(lvalue, lkey or "license", iss)
        else:
            text = _licence_text(lvalue, lkey or "license", iss)
            if text:
                m.licence = {"hardware": text}
    else:
        m.licence = _v1_licences(lvalue, lkey or "license", iss)
    key, value = f.get("licensor")
    m.licensor = _licensor(value, iss)
    if m.licensor is None and losh:
        m.licensor = _text(f.get("organisation", "organization")[1], "organisation", iss)

    m.development_stage = _text(f.get("development-stage")[1], "development-stage", iss)
    m.made = _flag(f.get("made")[1], "made", iss)
    m.made_independently = _flag(f.get("made-independently")[1], "made-independently", iss)
    m.otrl = _level(f.get("technology-readiness-level")[1], "technology-readiness-level", normalize_otrl, iss)
    m.odrl = _level(f.get("documentation-readiness-level")[1], "documentation-readiness-level",
                    normalize_odrl, iss)
    _bom(f.get("bom")[1], m)
    m.project_link = _text(f.get("project-link", "repo")[1], "project-link", iss)
    m.documentation_home = _text(f.get("documentation-home")[1], "documentation-home", iss)
    m.derivative_of = _reference(f.get("derivative-of")[1], "derivative-of", iss)
    m.variant_of = _reference(f.get("variant-of")[1], "variant-of", iss)
    m.attestation = _text(f.get("attestation")[1], "attestation", iss)

    if m.title is None:
        iss.append("missing required field " + ("name" if losh else "title"))
    if not m.licence:
        iss.append("no licence declared")
    if not losh and m.project_link is None and m.documentation_home is None:
        iss.append("missing project-link and documentation-home (one is required)")
    if losh and m.project_link is None:
        iss.append("missing repo")
    known = _LOSH_KEYS if losh else _V1_KEYS
    extra = sorted(k for k in f.by_norm if k not in known and k not in ("licence", "licenses", "licences"))
    if extra:
        shown = ", ".join(extra[:12]) + (f" (+{len(extra) - 12} more)" if len(extra) > 12 else "")
        iss.append(f"keys outside the {'OKH-LOSH' if losh else 'OKH v1'} spec: {shown}")


def parse_manifest(path: str, data: bytes, *, max_bytes: int = 1_000_000) -> Manifest:
    """Parse one manifest file; never raises: failures come back as `error`, drift as `issues`."""
    ext = PurePosixPath(path).suffix.lower()
    m = Manifest(path=path, format="okh-losh" if ext == ".toml" else "okh-v1")
    kind = {".toml": "TOML", ".json": "JSON"}.get(ext, "YAML")
    try:
        if len(data) > max_bytes:
            raise _Refused(f"{len(data)} bytes, over the {max_bytes}-byte cap")
        text = _decode(data, m.issues)
        if kind == "TOML":
            loaded = tomllib.loads(text)
        elif kind == "JSON":
            loaded = json.loads(text)
        else:
            loaded = _load_yaml(text, m.issues)
        raw = _plain(loaded)
    except _Refused as exc:
        m.error = f"refused: {exc}"
        return m
    except RecursionError:
        m.error = f"refused: nested deeper than {MAX_DEPTH} levels"
        return m
    except Exception as exc:  # noqa: BLE001 - any parser failure is reported, never raised
        m.error = f"malformed {kind}: {_first_line(exc)}"
        return m
    if not isinstance(raw, dict):
        m.error = f"top level is {type(raw).__name__ if raw is not None else 'empty'}, not a mapping"
        return m
    m.raw = raw
    keys = {_norm_key(k) for k in raw}
    if "$schema" in raw or {"properties", "type"} <= keys or "$defs" in raw:
        m.error = "looks like a JSON schema, not a manifest"
        return m
    if not keys & _OKH_MARKERS:
        m.error = "no OKH fields (title/name, license, description, ...)"
        return m
    fmt = _guess_format(path, raw)
    if fmt != m.format:
        m.issues.append(f"{'OKH-LOSH' if fmt == 'okh-losh' else 'OKH v1'} fields in a {ext} file")
        m.format = fmt
    _fill(m, raw)
    m.issues = list(dict.fromkeys(m.issues))
    return m
