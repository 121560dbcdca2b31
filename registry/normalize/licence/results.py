"""What the licence normalizer hands back: a project's three licences and the statements prose makes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from registry.normalize.licence.verdicts import copyleft, openness

FIELDS = ("hardware", "documentation", "software")


@dataclass
class LicenceField:
    """One derived licence (one of hardware / documentation / software) and where it came from."""

    expression: str
    evidence: str
    source: str  # curator | okh | hub | file | readme | api
    confidence: float
    original: str | None = None

    @property
    def openness(self) -> str:
        """Openness verdict of this expression (open | restricted | proprietary | unknown)."""
        return openness(self.expression)

    @property
    def copyleft(self) -> str | None:
        """Copyleft class of this expression (permissive | weak | strong), None when unknown."""
        return copyleft(self.expression)


@dataclass
class LicenceResult:
    """The three licences of a project; a field is None when no licence applies or none was found."""

    hardware: LicenceField | None = None
    documentation: LicenceField | None = None
    software: LicenceField | None = None

    def get(self, scope: str) -> LicenceField | None:
        """The field for `scope` ('hardware' | 'documentation' | 'software')."""
        if scope not in FIELDS:
            raise KeyError(scope)
        return getattr(self, scope)

    def openness(self, scope: str) -> str:
        """Openness verdict for one scope; 'unknown' when that scope has no licence."""
        f = self.get(scope)
        return f.openness if f else "unknown"

    def copyleft(self, scope: str) -> str | None:
        """Copyleft class for one scope; None when that scope has no licence."""
        f = self.get(scope)
        return f.copyleft if f else None

    def rows(self) -> list[dict[str, Any]]:
        """One dict per non-empty scope, shaped like the `licences` table (minus project_id)."""
        out = []
        for scope in FIELDS:
            f = self.get(scope)
            if f is None:
                continue
            out.append({
                "scope": scope, "expression": f.expression, "openness": f.openness, "copyleft": f.copyleft,
                "evidence": f.evidence, "source": f.source, "confidence": round(f.confidence, 3),
                "original": f.original,
            })
        return out


@dataclass(frozen=True)
class LicenceStatement:
    """A licence named in prose (README, COPYRIGHT file, badge), with the content types the text gives it."""

    expression: str
    scopes: frozenset[str]  # empty = the text names no content type
    phrase: str  # the sentence (or badge) it was read from
    confidence: float
    vague: str | None = None  # family key when the text gave no version ('GPL', 'BSD', 'CERN-OHL', …)
    original: str | None = None  # the licence name as written
