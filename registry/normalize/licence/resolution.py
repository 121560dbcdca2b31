"""One project's three licences from every source it has: curator, licence files, OKH manifest, hub, README, API.

`resolve` applies the labelling convention: a scoped statement (README section, licence table, OKH manifest, hub
field, `LICENSE-hardware`-style file) decides the field it names; otherwise one repository-wide licence file covers
every content type the repository actually holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from registry.normalize.licence.choice import choices
from registry.normalize.licence.content import DOC_DIR_RE, HW_DIR_RE, content_types
from registry.normalize.licence.mentions import refines
from registry.normalize.licence.names import normalize, normalize_name
from registry.normalize.licence.prose import readme_licences
from registry.normalize.licence.results import FIELDS, LicenceField, LicenceResult, LicenceStatement
from registry.normalize.licence.spdx import combine, ref
from registry.normalize.licence.texts import identify_full, licence_title, short_file_statements


@dataclass
class _Claim:
    """A candidate licence for some fields, from one source."""

    expression: str
    fields: frozenset[str] | None  # None = unscoped (every content type present)
    source: str
    evidence: str
    confidence: float
    vague: str | None = None
    original: str | None = None
    path: str | None = None


_TYPE_TOKENS = {
    "hardware": re.compile(r"(?:^|[-_. ])(?:hardware|hw|pcb|cad|mechanical|electronics?)(?:$|[-_. ])", re.I),
    "documentation": re.compile(r"(?:^|[-_. ])(?:docs?|documentation|manual)(?:$|[-_. ])", re.I),
    "software": re.compile(r"(?:^|[-_. ])(?:software|sw|code|firmware|fw|src|source)(?:$|[-_. ])", re.I),
}


_LICENCE_STEM_RE = re.compile(r"^(?:licen[cs]e|copying|copyright)", re.I)


def _path_scope(path: str) -> tuple[frozenset[str] | None, bool]:
    """(content types a licence file's path names, whether it sits at the root): LICENSE-hardware, docs/LICENSE."""
    parts = path.strip("/").split("/")
    name = parts[-1]
    stem = _LICENCE_STEM_RE.sub("", name)
    scopes = {k for k, rx in _TYPE_TOKENS.items() if rx.search(stem)}
    for d in parts[:-1]:
        scopes |= {k for k, rx in _TYPE_TOKENS.items() if rx.search(d)}
        if HW_DIR_RE.match(d):
            scopes.add("hardware")
        if DOC_DIR_RE.match(d):
            scopes.add("documentation")
    return (frozenset(scopes) if scopes else None), len(parts) == 1


def _file_claims(path: str, text: str) -> tuple[list[_Claim], list[_Claim]]:
    """Claims from one licence file — a recognised licence text, else the statements it makes — split into
    (scoped or folder-local claims, repository-wide claims). A file is repository-wide when it sits at the root
    and neither its name nor its own wording names a content type."""
    scopes, at_root = _path_scope(path)
    hits = identify_full(text)
    claims: list[_Claim] = []
    if hits:
        expr = combine([h[0] for h in hits], "OR")
        claims.append(_Claim(expr, scopes, "file", f'{path}: "{hits[0][1]}"', min(h[2] for h in hits), path=path))
    else:
        stmts = short_file_statements(text)
        if stmts is None:
            title = licence_title(text) or path
            stmts = [LicenceStatement(ref(title), frozenset(), title, 0.35, None, title)]
        for st in stmts:
            fields = st.scopes or scopes
            claims.append(_Claim(st.expression, fields or None, "file", f'{path}: "{st.phrase}"',
                                 st.confidence - 0.05, st.vague, st.original, path))
    if not at_root:
        return claims, []
    return [c for c in claims if c.fields], [c for c in claims if not c.fields]


def _orig(text: str, expression: str) -> str | None:
    """The licence as written, kept when it differs from the normalized expression."""
    return None if text.strip() == expression else text.strip()


def _value_text(value: Any) -> str | None:
    """A manifest/hub licence value as one string (lists are joined with AND)."""
    if value is None:
        return None
    if isinstance(value, list | tuple):
        items = [str(v).strip() for v in value if str(v).strip()]
        return " AND ".join(f"({v})" if " " in v else v for v in items) or None
    if isinstance(value, dict):
        return None
    return str(value).strip() or None


_SOFTWARE_ONLY = re.compile(r"^(?:GPL|LGPL|AGPL|MIT|BSD|APACHE|MPL|EPL|ISC|ZLIB|BSL|0BSD|EUPL)", re.I)
_CONTENT_ONLY = re.compile(r"^(?:CC-|CC0|CERN-OHL|TAPR|SHL|GFDL|FDL)", re.I)


_OKH_KEYS = {
    "hardware": ("hardware", "hw", "hardware-license", "hardware_license"),
    "documentation": ("documentation", "docs", "doc", "documentation-license", "documentation_license"),
    "software": ("software", "sw", "firmware", "software-license", "software_license"),
}


def _manifest_claims(manifest: dict[str, Any]) -> list[_Claim]:
    """Claims from an OKH manifest's licence mapping (or the whole manifest); swapped doc/software values are
    put back when the documentation value is a software-only licence and the software value a content licence."""
    lic = manifest
    for key in ("license", "licence", "licenses", "licences"):
        if key in manifest:
            lic = manifest[key]
            break
    if not isinstance(lic, dict):
        text = _value_text(lic)
        if not text:
            return []
        expr, vague = normalize(text)
        if not expr:
            return []
        # one licence for the whole module (OKH-LOSH `license`, or a bare string): it covers the design and
        # its documentation; software keeps its own licence files
        return [_Claim(expr, frozenset({"hardware", "documentation"}), "okh", f"OKH manifest license: {text}", 0.85,
                       vague, _orig(text, expr))]
    values: dict[str, str] = {}
    lowered = {str(k).lower(): v for k, v in lic.items()}
    for fld, keys in _OKH_KEYS.items():
        for key in keys:
            v = _value_text(lowered.get(key))
            if v:
                values[fld] = v
                break
    exprs = {f: normalize(v) for f, v in values.items()}
    doc, sw = exprs.get("documentation", (None, None))[0], exprs.get("software", (None, None))[0]
    swapped = bool(doc and sw and _SOFTWARE_ONLY.match(doc) and _CONTENT_ONLY.match(sw))
    if swapped:
        exprs["documentation"], exprs["software"] = exprs["software"], exprs["documentation"]
        values["documentation"], values["software"] = values["software"], values["documentation"]
    claims = []
    for fld, (expr, vague) in exprs.items():
        if not expr:
            continue
        shown = "software" if swapped and fld == "documentation" else "documentation" if swapped and \
            fld == "software" else fld
        ev = f"OKH manifest license.{shown}: {values[fld]}" + (" (swapped back)" if swapped and fld != "hardware"
                                                               else "")
        claims.append(_Claim(expr, frozenset({fld}), "okh", ev, (0.85 if swapped else 0.9) - (0.15 if vague else 0),
                             vague, _orig(values[fld], expr)))
    return claims


_HUB_KEYS = {
    "hardware": ("hardwareLicense", "hardware_license", "hardwareLicence", "hardware"),
    "documentation": ("documentationLicense", "documentation_license", "documentationLicence", "documentation"),
    "software": ("softwareLicense", "software_license", "softwareLicence", "software"),
}


def _hub_claims(hub: dict[str, Any]) -> list[_Claim]:
    """Claims from a hub record's licence fields (OSHWA's drifting values: 'CERN', 'OHL', 'CC BY-SA', 'Other'…)."""
    claims = []
    for fld, keys in _HUB_KEYS.items():
        for key in keys:
            text = _value_text(hub.get(key))
            if not text:
                continue
            expr, vague = normalize(text)
            if expr:
                conf = 0.85 - (0.15 if vague else 0)
                claims.append(_Claim(expr, frozenset({fld}), "hub", f"hub {key}: {text}", conf, vague,
                                     _orig(text, expr)))
            break
    return claims


def _refine(claim: _Claim, pool: list[_Claim]) -> _Claim:
    """Give a vaguely named licence ('GPL', 'BSD licence', 'CERN OHL') the version a more specific source has."""
    if not claim.vague:
        return claim
    for cand in pool:
        if cand is claim or cand.vague:
            continue
        if refines(claim.vague, cand.expression):
            return _Claim(cand.expression, claim.fields, claim.source,
                          f"{claim.evidence}; version from {cand.evidence}",
                          min(claim.confidence + 0.2, cand.confidence, 0.95), None,
                          claim.original or claim.expression, claim.path)
    return claim


def _field_of(claim: _Claim, conf_bonus: float = 0.0) -> LicenceField:
    """LicenceField from a claim."""
    return LicenceField(claim.expression, claim.evidence, claim.source, round(min(0.99, claim.confidence +
                        conf_bonus), 3), claim.original)


def resolve(
    *,
    corrections: dict[str, str] | None = None,
    manifest: dict[str, Any] | None = None,
    hub: dict[str, Any] | None = None,
    files: dict[str, str] | None = None,
    readme: str | None = None,
    api_spdx: str | None = None,
    paths: list[str] | None = None,
) -> LicenceResult:
    """Hardware / documentation / software licences of one project from every source it has.

    Order: a curator's correction; then scoped statements — README/licence-table sentences naming a content type,
    licence files whose name or folder names one (LICENSE-hardware, docs/LICENSE), the OKH manifest, the hub;
    then repository-wide licence files (several unscoped ones form an OR); then an unscoped README statement or
    badge; then the GitHub API licence. Unscoped sources only fill content types `paths` shows the repo holds.
    A vague name ('GPL', 'BSD licence') takes the version of a matching licence file or manifest value.
    When a README splits licences by content type, the repo-wide file only fills types it does not name unless
    its licence is not one the README already uses.
    """
    present = content_types(paths) if paths else set(FIELDS)
    result: dict[str, LicenceField | None] = dict.fromkeys(FIELDS)
    decided: set[str] = set()

    for fld, value in (corrections or {}).items():
        if fld not in FIELDS:
            continue
        decided.add(fld)
        if value:
            expr = normalize_name(value) or ref(value)
            result[fld] = LicenceField(expr, f"curator correction: {value}", "curator", 1.0,
                                       _orig(value, expr))

    file_claims: list[_Claim] = []
    wide_claims: list[_Claim] = []
    for path in sorted(files or {}, key=lambda p: (p.count("/"), p.lower())):
        local, wide_here = _file_claims(path, (files or {})[path])
        file_claims.extend(local)
        wide_claims.extend(wide_here)
    okh_claims = _manifest_claims(manifest) if manifest else []
    hub_claims = _hub_claims(hub) if hub else []
    api_claims: list[_Claim] = []
    if api_spdx and api_spdx.strip().upper() not in ("NOASSERTION", "OTHER", "NONE"):
        expr, vague = normalize(api_spdx)
        if expr:
            api_claims.append(_Claim(expr, None, "api", f"GitHub API license: {api_spdx}", 0.5, vague))
    stmts = readme_licences(readme) if readme else []
    readme_scoped = [_Claim(s.expression, s.scopes, "readme", f'README: "{s.phrase}"', s.confidence, s.vague,
                            s.original) for s in stmts if s.scopes]
    readme_unscoped = [_Claim(s.expression, None, "readme", f'README: "{s.phrase}"', s.confidence - 0.05, s.vague,
                              s.original) for s in stmts if not s.scopes]

    # refinement pool: licence texts first (the legal document), then manifest, hub, API
    pool = wide_claims + file_claims + okh_claims + hub_claims + api_claims
    readme_scoped = [_refine(c, pool) for c in readme_scoped]
    readme_unscoped = [_refine(c, pool) for c in readme_unscoped]
    okh_claims = [_refine(c, wide_claims + file_claims + hub_claims + api_claims) for c in okh_claims]
    hub_claims = [_refine(c, wide_claims + file_claims + okh_claims + api_claims) for c in hub_claims]
    scoped_files = [c for c in file_claims if c.fields]

    def take(fld: str, claims: list[_Claim]) -> bool:
        for c in sorted(claims, key=lambda c: -c.confidence):
            if c.fields is not None and fld in c.fields:
                agree = any(o is not c and o.expression == c.expression for o in pool + readme_unscoped)
                result[fld] = _field_of(c, 0.05 if agree else 0.0)
                decided.add(fld)
                return True
        return False

    for fld in FIELDS:
        if fld in decided:
            continue
        for claims in (readme_scoped + scoped_files, okh_claims, hub_claims):
            if take(fld, claims):
                break

    # repository-wide licence files
    wide = _wide_claim(wide_claims)
    if wide and wide.expression.startswith("LicenseRef-") and wide.confidence < 0.5 and readme_unscoped:
        wide = None  # an unrecognised licence file loses to a README that names a licence
    split = {c.expression for c in readme_scoped}
    for fld in FIELDS:
        if fld in decided or fld not in present:
            continue
        if wide and not (len(split) >= 2 and wide.expression in split):
            result[fld] = _field_of(wide)
        elif not wide and readme_unscoped:
            result[fld] = _field_of(max(readme_unscoped, key=lambda c: c.confidence))
        elif not wide and api_claims and len(split) < 2:
            result[fld] = _field_of(api_claims[0])
    if stmts:  # README offers of alternatives, and per-part statements a licence file backs (choice.py)
        stated = choices(stmts, [(c.expression, c.evidence) for c in wide_claims + file_claims])
        for ch in sorted(stated, key=lambda c: bool(c.scopes)):  # a part's own statement last: it wins
            for fld in sorted(ch.scopes or present):
                cur = result.get(fld)
                if fld in FIELDS and fld not in (corrections or {}) and cur is not None \
                        and cur.source in ("file", "readme", "api") and ch.replaces(cur.expression):
                    result[fld] = LicenceField(ch.expression, ch.evidence, "readme", ch.confidence, ch.original)
    return LicenceResult(**result)


def _wide_claim(claims: list[_Claim]) -> _Claim | None:
    """One claim for all repository-wide licence files: the same licence once, different ones as an OR."""
    if not claims:
        return None
    exprs: list[str] = []
    for c in claims:
        if c.expression not in exprs:
            exprs.append(c.expression)
    if len(exprs) == 1:
        return max(claims, key=lambda c: c.confidence)
    lesser = [e for e in exprs if e.startswith("LGPL-3.0")]
    if lesser and set(exprs) <= {"GPL-3.0-only", "GPL-3.0-or-later", *lesser}:
        # COPYING + COPYING.LESSER: the LGPL is written as additions to the GPL text shipped beside it
        best = next(c for c in claims if c.expression == lesser[0])
        return _Claim(best.expression, None, "file", "; ".join(dict.fromkeys(c.evidence for c in claims)),
                      best.confidence)
    evidence = "; ".join(dict.fromkeys(c.evidence for c in claims))
    return _Claim(combine(exprs, "OR"), None, "file", evidence + " (scope unstated: read as a choice)",
                  min(c.confidence for c in claims) - 0.1)

