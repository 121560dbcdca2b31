"""Answer a literal gate for every sentence of one document with a few substring tests instead of a trie scan each.

`_prefilter.Gated.may_match` scans a sentence for the literals of every gate of every normalizer, which costs
about as much per character as a regex. A gate passes a sentence exactly when one of its required literals
occurs in the lower-cased sentence, and a literal occurring in a sentence occurs in the document holding it:
so once the document is known, only the gate's literals the document holds need looking for in its
sentences, and a document holds few of them (`str.__contains__` on those few is far cheaper than the scan).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Sequence

from registry.normalize._prefilter import _FOLD, Gated, Scope

__all__ = ["DocGate", "Pieces", "held_literals", "lower", "split_after"]


def lower(text: str) -> str:
    """`text` lower-cased exactly as the gates read it (dotted and dotless i and long s folded to ASCII first)."""
    return text.lower() if text.isascii() else text.translate(_FOLD).lower()


def split_after(splitter: re.Pattern[str], text: str) -> list[str]:
    """`text` split at group 1 of each match, the part before the group kept: `[.!?](\\s+)` splits as
    `(?<=[.!?])\\s+` does, but starts with a character set, which `re` skips to without trying every position."""
    parts: list[str] = []
    prev = 0
    for m in splitter.finditer(text):
        parts.append(text[prev:m.start(1)])
        prev = m.end()
    parts.append(text[prev:])
    return parts


def held_literals(scope: Scope) -> frozenset[str]:
    """Every gate literal occurring in the scope's texts (what `DocGate.of_scope` narrows a gate with)."""
    return scope.present


Alternative = tuple[tuple[str, ...], ...]   # one literal of each member occurs in a piece this alternative passes


class DocGate:
    """A `Gated` narrowed to one document: `may_match(lower(piece))` equals `gated.may_match(piece)` for every
    piece of the document (a substring of it, or of the texts a `Scope` was built from).

    `keys` holds a literal of every piece that passes; `dnf`, when set, is the exact test: a piece passes when it
    holds a literal of each member of one alternative (a `Gated` with clauses, or a union of gates)."""

    __slots__ = ("dnf", "gated", "keys")

    def __init__(self, gated: Gated | None, keys: tuple[str, ...] | None, dnf: tuple[Alternative, ...] | None = None
                 ) -> None:
        self.gated = gated
        self.keys = keys
        self.dnf = dnf

    @classmethod
    def _narrowed(cls, gated: Gated, held: Callable[[str], bool]) -> DocGate:
        """`gated` with only the literals `held` says the document holds (alternatives needing others dropped)."""
        if gated.keys is None:
            return cls(gated, None)
        keys = tuple(sorted(k for k in gated.keys if held(k)))
        if gated.clauses is None or not keys:
            return cls(gated, keys)
        dnf: list[Alternative] = []
        for alt in gated.clauses:
            sets = tuple(tuple(sorted(k for k in s if held(k))) for s in alt)
            if all(sets):
                dnf.append((keys, *sets))
        if not dnf:
            return cls(gated, ())  # no alternative can match anywhere in this document
        # every passing piece holds one literal of each set of some alternative: of its smallest set, say
        anchors = tuple(sorted({k for alt in dnf for k in min(alt, key=len)}))
        return cls(gated, anchors, tuple(dnf))

    @classmethod
    def of_text(cls, gated: Gated, document: str) -> DocGate:
        """Narrow `gated` to the literals occurring in `document` (one substring test per literal)."""
        low = lower(document)
        return cls._narrowed(gated, low.__contains__)

    @classmethod
    def of_scope(cls, gated: Gated, held: frozenset[str]) -> DocGate:
        """Narrow `gated` to the literals occurring in a scope's texts, given `held_literals(scope)`."""
        return cls._narrowed(gated, held.__contains__)

    @classmethod
    def union(cls, gates: list[DocGate]) -> DocGate:
        """A gate passing a piece when any of `gates` may match it (one test to skip a piece before trying each)."""
        if any(g.keys is None for g in gates):
            return cls(None, None)
        keys = tuple(sorted({k for g in gates for k in g.keys or ()}))
        if all(g.dnf is None for g in gates):
            return cls(None, keys)
        return cls(None, keys, tuple(alt for g in gates if g.keys for alt in g.dnf or ((g.keys,),)))

    def may_match(self, low: str) -> bool:
        """False when the pattern cannot match the piece whose `lower()` is `low`."""
        if self.keys is None:
            return True
        if not any(k in low for k in self.keys):
            return False
        return self.dnf is None or any(all(any(k in low for k in s) for s in alt) for alt in self.dnf)


class Pieces:
    """The pieces of one document (sentences, paragraphs) joined and lower-cased once, so a gate finds the pieces
    it passes with one `str.find` walk per literal instead of a test per piece (most pieces hold no literal)."""

    __slots__ = ("ends", "joined", "low", "pieces", "starts")

    def __init__(self, pieces: Sequence[str]) -> None:
        self.pieces = pieces
        self.joined = "\n".join(pieces)
        low = lower(self.joined)
        # lower() maps each character to one character (the only expanding one, U+0130, is folded first), and
        # '\n' is neither cased nor case-ignorable, so slices of `low` are the pieces' own lower(); checked anyway
        self.low: str | None = low if len(low) == len(self.joined) else None
        self.starts: list[int] = []
        self.ends: list[int] = []
        pos = 0
        for piece in pieces:
            self.starts.append(pos)
            pos += len(piece)
            self.ends.append(pos)
            pos += 1

    def lowered(self, i: int) -> str:
        """`lower(pieces[i])`, sliced from the document's lower-cased text."""
        if self.low is None:
            return lower(self.pieces[i])
        return self.low[self.starts[i]:self.ends[i]]

    def passing(self, gate: DocGate) -> list[int]:
        """Indices, in order, of the pieces `piece -> gate.may_match(lower(piece))` passes (found by its `keys`,
        then checked by its alternatives if it has any)."""
        if gate.keys is None or self.low is None:
            return [i for i in range(len(self.pieces)) if gate.may_match(self.lowered(i))]
        low, starts, ends = self.low, self.starts, self.ends
        hit: set[int] = set()
        for key in gate.keys:
            pos = low.find(key)
            while pos >= 0:
                i = bisect_right(starts, pos) - 1
                if pos + len(key) <= ends[i]:
                    hit.add(i)  # this piece holds the key: look on from the next piece
                    pos = low.find(key, ends[i] + 1)
                else:  # the occurrence runs over the piece's end: not in this piece
                    pos = low.find(key, pos + 1)
        if gate.dnf is None:
            return sorted(hit)
        return [i for i in sorted(hit) if gate.may_match(low[starts[i]:ends[i]])]
