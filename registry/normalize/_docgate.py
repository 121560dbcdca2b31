"""Answer a literal gate for every sentence of one document with a few substring tests instead of a trie scan each.

`_prefilter.Gated.may_match` scans a sentence for the literals of every gate of every normalizer, which costs
about as much per character as a regex. A gate passes a sentence exactly when one of its required literals
occurs in the lower-cased sentence, and a literal occurring in a sentence occurs in the document holding it:
so once the document is known, only the gate's literals the document holds need looking for in its
sentences, and a document holds few of them (`str.__contains__` on those few is far cheaper than the scan).
"""

from __future__ import annotations

from registry.normalize._prefilter import _FOLD, Gated, Scope

__all__ = ["DocGate", "held_literals", "lower"]


def lower(text: str) -> str:
    """`text` lower-cased exactly as the gates read it (dotted and dotless i and long s folded to ASCII first)."""
    return text.lower() if text.isascii() else text.translate(_FOLD).lower()


def held_literals(scope: Scope) -> frozenset[str]:
    """Every string occurring in the scope's texts that could be a gate literal: the prefixes of the literals the
    scope found (it finds the longest literal at each position, so a literal occurs exactly where a found one
    starts with it)."""
    return frozenset(w[:i] for w in scope.present for i in range(1, len(w) + 1))


class DocGate:
    """A `Gated` narrowed to one document: `may_match(lower(piece))` equals `gated.may_match(piece)` for every
    piece of the document (a substring of it, or of the texts a `Scope` was built from)."""

    __slots__ = ("gated", "keys")

    def __init__(self, gated: Gated | None, keys: tuple[str, ...] | None) -> None:
        self.gated = gated
        self.keys = keys

    @classmethod
    def of_text(cls, gated: Gated, document: str) -> DocGate:
        """Narrow `gated` to the literals occurring in `document` (one substring test per literal)."""
        if gated.keys is None:
            return cls(gated, None)
        low = lower(document)
        return cls(gated, tuple(sorted(k for k in gated.keys if k in low)))

    @classmethod
    def of_scope(cls, gated: Gated, held: frozenset[str]) -> DocGate:
        """Narrow `gated` to the literals occurring in a scope's texts, given `held_literals(scope)`."""
        if gated.keys is None:
            return cls(gated, None)
        return cls(gated, tuple(sorted(k for k in gated.keys if k in held)))

    @classmethod
    def union(cls, gates: list[DocGate]) -> DocGate:
        """A gate passing a piece when any of `gates` may match it (one test to skip a piece before trying each)."""
        if any(g.keys is None for g in gates):
            return cls(None, None)
        return cls(None, tuple(sorted({k for g in gates for k in g.keys or ()})))

    def may_match(self, low: str) -> bool:
        """False when the pattern cannot match the piece whose `lower()` is `low`."""
        if self.keys is None:
            return True
        return any(k in low for k in self.keys)
