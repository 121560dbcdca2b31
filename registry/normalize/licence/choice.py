"""README licence statements that offer a choice or split a project by part, read beside its licence files.

A LICENSE file holds one licence text; the README is where makers say they offer the work under several
("we present our work under the TAPR OHL or GPLv3 licenses", "dual-licensed", "at your option") or license
hardware, documentation and software apart. This module is pure: the README's licence statements and the
licences of the repository-wide licence files in, SPDX expressions (validated with license-expression) and
evidence that quotes both the file and the README sentence out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

__all__ = ["Choice", "choices", "is_choice_phrase"]

#: Words that make 'X and Y' an offer of either licence, not both at once.
_CHOICE_CUE = re.compile(
    r"(?i)\b(?:dual|multi|tri)[\s-]*licen[cs]|\bat\s+(?:your|the\s+user'?s?|their)\s+(?:own\s+)?"
    r"(?:option|choice|discretion)|\b(?:your|their)\s+choice\b|\beither\b|\bchoose\b|\balternatively\b|"
    r"\bwhichever\b")


class _Statement(Protocol):
    expression: str
    scopes: frozenset[str]
    phrase: str
    confidence: float
    original: str | None


@dataclass(frozen=True)
class Choice:
    """An expression a README statement gives some content types (none named: every one the repo holds)."""

    scopes: frozenset[str]
    expression: str
    evidence: str
    confidence: float
    alternatives: frozenset[str]  # the expression's licence keys, upper-cased
    stated: str  # the statement's own expression, before an 'X and Y, at your option' became an OR
    original: str | None = None
    backed: bool = False  # a licence file holds one of the alternatives

    def replaces(self, current: str | None) -> bool:
        """Whether this choice should take the place of a field now read as `current` (from a file, the README
        or the API): it names that licence among its alternatives, or is that very statement corrected."""
        if not current:
            return False
        keys = _keys(current)
        if not keys:
            return False
        return current in (self.stated, self.expression) or (len(keys) == 1 and keys <= self.alternatives)


@lru_cache(maxsize=1)
def _licensing() -> Any:
    from license_expression import get_spdx_licensing

    return get_spdx_licensing()


@lru_cache(maxsize=512)
def _parsed(expression: str) -> Any:
    try:
        return _licensing().parse(expression)
    except Exception:  # license-expression raises several types on text it cannot read
        return None


def _keys(expression: str) -> frozenset[str]:
    parsed = _parsed(expression)
    if parsed is None:
        return frozenset()
    return frozenset(k.upper() for k in _licensing().license_keys(parsed))


@lru_cache(maxsize=512)
def _valid(expression: str) -> bool:
    """Known SPDX ids, or LicenseRef-… for what SPDX has no id for."""
    info = _licensing().validate(expression)
    unknown = [k for k in (info.invalid_symbols or []) if not str(k).startswith("LicenseRef-")]
    return not unknown and (not info.errors or all("LicenseRef-" in e for e in info.errors))


def is_choice_phrase(sentence: str) -> bool:
    """True when a sentence offers licences as alternatives ('dual-licensed', 'at your option', 'either')."""
    return bool(_CHOICE_CUE.search(sentence))


def _as_choice(expression: str, sentence: str) -> str | None:
    """The statement's expression as an offer of alternatives (an OR), or None when it offers no choice."""
    parsed = _parsed(expression)
    if parsed is None:
        return None
    op = getattr(parsed, "operator", "").strip().upper()
    args = list(getattr(parsed, "args", ()) or ())
    if op == "AND" and len(args) >= 2 and is_choice_phrase(sentence):
        return " OR ".join(str(a) if not getattr(a, "args", None) else f"({a})" for a in args)
    if op == "OR" and len(args) >= 2:
        return str(parsed)
    return None


def choices(statements: Iterable[_Statement], file_licences: Iterable[tuple[str, str]]) -> list[Choice]:
    """Choices the README states: offers of alternatives (an OR), and statements for one part (hardware,
    documentation, software) whose licence a licence file holds; `file_licences` is (expression, evidence) of
    each licence file (repository-wide or scoped). An unscoped offer that none of the files' licences belongs to
    is left out (the README and the files disagree, and the file stays the reading)."""
    files = [(e, ev) for e, ev in file_licences if e]
    out: list[Choice] = []
    for s in statements:
        if s.phrase.startswith("badge:"):
            continue  # a badge names one licence; it offers no choice
        offered = _as_choice(s.expression, s.phrase)
        if offered is None and not (s.scopes and files):
            continue  # one licence for everything: the files and the README are read as before
        expression = offered or s.expression
        alternatives = _keys(expression)
        backing = [ev for e, ev in files if _keys(e) and _keys(e) <= alternatives]
        if offered is None and not backing:
            continue
        if offered is not None and not s.scopes and files and not backing:
            continue
        if not _valid(expression):
            continue
        evidence = f'README: "{s.phrase}"'
        if backing:
            evidence = "; ".join(dict.fromkeys(backing)) + "; " + evidence
        conf = min(0.95, s.confidence + (0.1 if backing else 0.0))
        out.append(Choice(frozenset(s.scopes), expression, evidence, round(conf, 3), alternatives, s.expression,
                          s.original, bool(backing)))
    return out
