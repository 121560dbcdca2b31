"""Render registry rows for publishing: an awesome-style Markdown list and OKH v1 manifests, injection-safe.

Pure functions (rows in, text out) so they are easy to test; `ohr export` (queries/cli_export.py) feeds them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, urlsplit

__all__ = ["md_text", "md_url", "okh_manifest", "okh_yaml", "render_awesome", "slug"]

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}#~|!])")


def md_text(value: Any) -> str:
    """Text that renders literally in Markdown: one line, HTML escaped, Markdown punctuation backslashed."""
    if value is None:
        return ""
    text = _CONTROL.sub(" ", str(value))
    text = re.sub(r"\s+", " ", text).strip()
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def md_url(value: Any) -> str | None:
    """An http(s) URL safe inside `(…)` of a Markdown link, or None for anything else (javascript:, data:…)."""
    if not value:
        return None
    url = _CONTROL.sub("", str(value)).strip()
    try:
        parts = urlsplit(url)
    except ValueError:  # a malformed bracketed host ('http://[x'): not a URL to link
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return quote(url, safe="/:?#@!$&'*+,;=%~-._")


def slug(text: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    s = re.sub(r"[^\w\- ]", "", text.lower(), flags=re.UNICODE)
    return s.replace(" ", "-")


def _badges(p: Mapping[str, Any]) -> str:
    bits = []
    lic = p.get("hardware_licence") or p.get("documentation_licence") or p.get("software_licence")
    if lic:
        bits.append(md_text(lic))
    if p.get("maturity"):
        bits.append(md_text(p["maturity"]))
    if p.get("maturity_state"):
        bits.append(md_text(p["maturity_state"]))
    if p.get("bom_lines"):
        n = int(p["bom_lines"])
        bits.append(f"BOM {n} line{'' if n == 1 else 's'}")
    if p.get("stars"):
        bits.append(f"★ {int(p['stars'])}")
    return f" *({' · '.join(bits)})*" if bits else ""


def _entry(p: Mapping[str, Any]) -> str:
    name = md_text(p.get("name") or p.get("id"))
    url = md_url(p.get("canonical_url")) or md_url(p.get("homepage"))
    line = f"- [{name}]({url})" if url else f"- {name}"
    desc = md_text(p.get("description"))
    if desc:
        line += f" - {desc}"
    line += _badges(p)
    if p.get("unsafe"):
        note = md_text(p.get("unsafe_note"))
        line += " **⚠ Flagged unsafe by a curator" + (f": {note}**" if note else ".**")
    return line


def render_awesome(projects: Iterable[Mapping[str, Any]], title: str, intro: str) -> str:
    """An awesome-style list: a contents section, then one section per category in list order.

    ``intro`` is Markdown written by ohr itself; every value from the registry is escaped.
    """
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for p in projects:
        groups.setdefault(p.get("category") or "Other", []).append(p)
    out = [f"# {md_text(title)}", "", intro, "", "## Contents", ""]
    seen: dict[str, int] = {}
    anchors = []
    for cat in groups:
        a = slug(cat) or "section"
        n = seen.get(a, 0)
        seen[a] = n + 1
        anchors.append(a if n == 0 else f"{a}-{n}")
    for cat, a in zip(groups, anchors, strict=True):
        out.append(f"- [{md_text(cat)}](#{a})")
    for cat, items in groups.items():
        out += ["", f"## {md_text(cat)}", ""]
        out += [_entry(p) for p in items]
    return "\n".join(out) + "\n"


# -- OKH ------------------------------------------------------------------------------------------
def _comment(text: str) -> str:
    return "# " + _CONTROL.sub(" ", text)


def okh_manifest(p: Mapping[str, Any], today: str, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """An Open Know-How v1.0 manifest (okh.yml fields) for one v_projects row; unknown fields are left out."""
    extra = extra or {}
    m: dict[str, Any] = {
        "date-created": today,
        "manifest-author": {"name": "ohr, the open-hardware registry (generated export)"},
        "manifest-language": "en",
        "title": p.get("name") or p.get("id"),
        "description": p.get("description") or "",
        "project-link": p.get("homepage") or p.get("canonical_url"),
        "documentation-home": p.get("canonical_url"),
    }
    if p.get("topics"):
        m["keywords"] = list(p["topics"])
    licence = {k: p.get(f"{k}_licence") for k in ("hardware", "documentation", "software")}
    licence = {k: v for k, v in licence.items() if v}
    if licence:
        m["license"] = licence
    if extra.get("licensor"):
        m["licensor"] = {"name": extra["licensor"]}
    if extra.get("version"):
        m["version"] = str(extra["version"])
    if p.get("maturity"):
        m["development-stage"] = p["maturity"]
    notices = []
    if p.get("unsafe"):
        notices.append("Flagged unsafe by a curator of the registry" +
                       (f": {extra['unsafe_note']}" if extra.get("unsafe_note") else "."))
    if p.get("medical_caution") or "medical-claim" in (p.get("flags") or []):
        notices.append("Medical use: this design is not a certified medical device.")
    if notices:
        m["health-safety-notice"] = " ".join(notices)
    if extra.get("bom"):
        m["bom"] = extra["bom"]
    return m


def okh_yaml(p: Mapping[str, Any], manifest: Mapping[str, Any]) -> str:
    """One manifest as YAML, headed by comments that say where it came from (values are YAML-quoted)."""
    import yaml

    head = [
        _comment("Open Know-How manifest (OKH v1.0 fields), generated by ohr — not written by the project's authors"),
        _comment(f"ohr project id: {p.get('id')}"),
    ]
    if p.get("flags"):
        head.append(_comment(f"curator flags: {', '.join(p['flags'])}"))
    if p.get("corrected"):
        head.append(_comment(f"curator-corrected fields: {', '.join(p['corrected'])}"))
    if not manifest.get("license"):
        head.append(_comment("licence unknown to ohr: the OKH-required 'license' field is missing"))
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml when present: ~10x faster
    body = yaml.dump(dict(manifest), Dumper=dumper, sort_keys=False, allow_unicode=True, width=100)
    return "\n".join(head) + "\n" + body
