"""Verdicts on an SPDX expression: how open it is and how reciprocal (copyleft) it is."""

from __future__ import annotations

import re
from typing import Any

from registry.normalize.licence.spdx import categories, licensing, remember_short

_STRONG = re.compile(
    r"^(?:GPL|AGPL|CERN-OHL-S|CERN-OHL-1\.|CC-BY-SA|CC-BY-NC-SA|OSL|EUPL|LICENSEREF-GPL|LICENSEREF-AGPL|"
    r"SSPL|RPL|SLEEPYCAT)",
    re.I,
)
_WEAK = re.compile(r"^(?:LGPL|MPL|EPL|CDDL|CERN-OHL-W|TAPR-OHL|LICENSEREF-LGPL|MS-RL|CPL|APSL)", re.I)
_PERMISSIVE = re.compile(
    r"^(?:MIT|BSD|0BSD|APACHE|ISC|ZLIB|CC0|UNLICENSE|CC-BY-|CERN-OHL-P|SHL-|BSL-|WTFPL|X11|PSF|PYTHON|"
    r"LICENSEREF-PUBLIC-DOMAIN|LICENSEREF-BSD|OFL|ARTISTIC|PDDL|ODC-BY)",
    re.I,
)
_RESTRICTED_REF = re.compile(r"non[-_.]?commercial|no[-_.]?deriv|\bnc\b|field[-_.]of[-_.]use|personal[-_.]use|"
                             r"educational[-_.]use|commons[-_.]clause|polyform|hippocratic|ethical", re.I)
_PROPRIETARY_REF = re.compile(r"proprietary|all[-_.]rights[-_.]reserved|closed|commercial|reference[-_.]only|"
                              r"no[-_.]licen[cs]e", re.I)
_OPEN_REF = {"LICENSEREF-GPL", "LICENSEREF-LGPL", "LICENSEREF-AGPL", "LICENSEREF-BSD", "LICENSEREF-PUBLIC-DOMAIN",
             "LICENSEREF-CERN-OHL-2.0"}
_RANK = {"proprietary": 0, "restricted": 1, "unknown": 2, "open": 3}
_CL_RANK = {"permissive": 0, "weak": 1, "strong": 2}


# SPDX ids that limit use to some purposes or users (field-of-use) although they are not NC/ND
_FIELD_OF_USE = {"JSON", "HIPPOCRATIC-2.1", "BUSL-1.1", "ELASTIC-2.0", "SSPL-1.0", "COMMONS-CLAUSE", "CUA-OPL-1.0"}


def _is_nc_nd(key: str) -> bool:
    """True for NonCommercial / NoDerivatives ids and other field-of-use limits (never 'open')."""
    k = key.upper()
    return bool(re.match(r"CC-BY(?:-[A-Z]+)*-(?:NC|ND)(?:-|$)", k)) or k in _FIELD_OF_USE or \
        bool(_RESTRICTED_REF.search(key))


def _key_openness(key: str) -> str:
    """Openness of one licence id."""
    k = key.upper()
    if _is_nc_nd(key):
        return "restricted"
    if k in ("NONE",):
        return "proprietary"
    if k == "NOASSERTION":
        return "unknown"
    if k.startswith("LICENSEREF-"):
        if k in _OPEN_REF:
            return "open"
        if _PROPRIETARY_REF.search(key):
            return "proprietary"
        return "unknown"
    if _STRONG.match(k) or _WEAK.match(k) or _PERMISSIVE.match(k):
        return "open"
    cat = categories().get(k)
    if cat in ("Permissive", "Public Domain", "Copyleft", "Copyleft Limited"):
        return "open"
    if cat in ("Source-available", "Free Restricted", "Non-Commercial"):
        return "restricted"
    if cat in ("Proprietary Free", "Commercial"):
        return "proprietary"
    return "unknown"


def _key_copyleft(key: str) -> str | None:
    """Copyleft class of one licence id."""
    k = key.upper()
    if k.startswith("LICENSEREF-") and k not in _OPEN_REF and not _is_nc_nd(key):
        return None
    if _STRONG.match(k):
        return "strong"
    if _WEAK.match(k):
        return "weak"
    if _PERMISSIVE.match(k):
        return "permissive"
    cat = categories().get(k)
    return {"Copyleft": "strong", "Copyleft Limited": "weak", "Permissive": "permissive",
            "Public Domain": "permissive"}.get(cat or "")


def _walk(expression: str, leaf: Any, combine_and: Any, combine_or: Any) -> Any:
    """Evaluate `leaf` on each licence of an expression and fold AND / OR nodes."""
    lic = licensing()
    try:
        tree = lic.parse(expression, validate=False)
    except Exception:  # noqa: BLE001
        return leaf(expression.strip())
    if tree is None:
        return leaf(expression.strip())

    def rec(node: Any) -> Any:
        if isinstance(node, lic.AND):
            return combine_and([rec(a) for a in node.args])
        if isinstance(node, lic.OR):
            return combine_or([rec(a) for a in node.args])
        sym = getattr(node, "license_symbol", None)
        key = getattr(sym if sym is not None else node, "key", None) or str(node)
        return leaf(key)

    return rec(tree)


def openness(expression: str | None) -> str:
    """Openness verdict: 'open', 'restricted' (NC/ND and other field-of-use limits), 'proprietary' or 'unknown'.

    For OR the most open option counts (the user may choose it); for AND the most restrictive part.
    NonCommercial and NoDerivatives licences are never open.
    """
    if not expression or not expression.strip():
        return "unknown"
    return _openness(expression)


@remember_short
def _openness(expression: str) -> str:
    """`openness` of a non-blank expression (parsing one costs ~0.1 ms and projects share a few dozen)."""
    by_rank = {v: k for k, v in _RANK.items()}
    return _walk(
        expression, _key_openness,
        lambda xs: by_rank[min(_RANK[x] for x in xs)],
        lambda xs: by_rank[max(_RANK[x] for x in xs)],
    )


def copyleft(expression: str | None) -> str | None:
    """Copyleft class: 'permissive', 'weak' or 'strong'; None when unknown or proprietary.

    For OR the least reciprocal option counts; for AND the most reciprocal part (unknown parts make it None).
    """
    if not expression or not expression.strip():
        return None
    return _copyleft(expression)


@remember_short
def _copyleft(expression: str) -> str | None:
    """`copyleft` of a non-blank expression."""
    by_rank = {v: k for k, v in _CL_RANK.items()}

    def both(xs: list[str | None]) -> str | None:
        return None if any(x is None for x in xs) else by_rank[max(_CL_RANK[x] for x in xs if x)]

    def either(xs: list[str | None]) -> str | None:
        known = [x for x in xs if x is not None]
        return by_rank[min(_CL_RANK[x] for x in known)] if known else None

    return _walk(expression, _key_copyleft, both, either)
