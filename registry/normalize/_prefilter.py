"""Skip a regular expression on text that lacks every literal word a match of it must contain.

The prose normalizers run dozens of alternation-heavy patterns over every sentence of every README; a
sentence is almost never a licence or maturity statement, and Python's `re` scans alternations position by
position. `str.__contains__` on a few literal words is two orders of magnitude cheaper, so each pattern is
wrapped in a `Gated` that runs it only when the (lower-cased) text holds one of its required literals. The
literals are read from the compiled pattern itself, so the gate can only ever skip text it cannot match.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator

try:  # Python 3.11 moved the regex parser; the old module name still works but warns
    from re import _constants as _c
    from re import _parser as _p
except ImportError:  # pragma: no cover - older layouts
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _p  # type: ignore[no-redef]

__all__ = ["Gated", "Scope", "any_of", "gate", "required_literals"]

#: Characters `re.IGNORECASE` matches to an ASCII letter whose str.lower() is not that letter.
_FOLD = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s"})
_ZERO_WIDTH = {_c.AT, _c.ASSERT, _c.ASSERT_NOT}
_REPEATS = {_c.MAX_REPEAT, _c.MIN_REPEAT} | ({_c.POSSESSIVE_REPEAT} if hasattr(_c, "POSSESSIVE_REPEAT") else set())
_MIN_LEN = 2   # a one-letter gate would pass nearly every sentence: not worth the check


def _better(a: frozenset[str] | None, b: frozenset[str] | None) -> frozenset[str] | None:
    """The more selective of two requirement sets: longest shortest literal, then fewest literals."""
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b, key=lambda s: (min(map(len, s)), -len(s)))


def _required(seq: list[tuple[object, object]]) -> frozenset[str] | None:
    """A set of strings one of which every match of the parsed sequence contains, or None if there is none."""
    best: frozenset[str] | None = None
    run = ""
    for op, av in seq:
        if op is _c.LITERAL:
            run += chr(av).lower()  # type: ignore[arg-type]
            continue
        if op in _ZERO_WIDTH:
            continue  # zero-width: the literals either side are still adjacent in the matched text
        # the literals just before a group or alternation also start every match of it ('e(?:clipse|pl)')
        prefix = [(_c.LITERAL, ord(ch)) for ch in run]
        if run:
            best = _better(best, frozenset({run}))
            run = ""
        if op is _c.SUBPATTERN:
            best = _better(best, _required(prefix + list(av[-1])))  # type: ignore[index]
        elif op is _c.BRANCH:
            alts = [_required(prefix + list(branch)) for branch in av[1]]  # type: ignore[index]
            if alts and all(a is not None for a in alts):
                best = _better(best, frozenset().union(*alts))  # type: ignore[arg-type]
        elif op in _REPEATS and av[0] >= 1:  # type: ignore[index]
            best = _better(best, _required(list(av[2])))  # type: ignore[index]
        elif op is getattr(_c, "ATOMIC_GROUP", None):
            best = _better(best, _required(list(av)))  # type: ignore[arg-type]
    if run:
        best = _better(best, frozenset({run}))
    return best


def required_literals(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Lower-case strings of which every match of `pattern` contains at least one (None: no useful set)."""
    try:
        found = _required(list(_p.parse(pattern.pattern, pattern.flags)))
    except Exception:  # noqa: BLE001 - an unparsable pattern is simply not gated
        return None
    if found is None or min(map(len, found)) < _MIN_LEN:
        return None
    return found


class Scope:
    """The texts of one document: rules none of whose literals occur in any of them can be dropped up front."""

    __slots__ = ("present",)

    def __init__(self, texts: Iterable[str]) -> None:
        self.present = _keys_in("\n".join(texts))

    def admits(self, gated: Gated) -> bool:
        """False when `gated` cannot match any text of the scope."""
        return gated.keys is None or gated.expanded is None or not gated.expanded.isdisjoint(self.present)

    def __enter__(self) -> Scope:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


_GATES: list[Gated] = []
_finder: re.Pattern[str] | None = None
_local = threading.local()


def _trie(words: Iterable[str]) -> str:
    """A regular expression matching the longest of `words` at a position (shared prefixes factored out)."""
    root: dict[str, dict] = {}
    for word in words:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, dict]) -> str:
        alts = [re.escape(ch) + build(sub) for ch, sub in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 and "" not in node else "(?:" + "|".join(alts) + ")"
        return body + ("?" if "" in node and alts else "")

    return build(root)


def _build_finder() -> re.Pattern[str]:
    """One pattern reporting, at every position, the longest literal of any gate starting there."""
    global _finder
    words = sorted({k for g in _GATES if g.keys for k in g.keys})
    for g in _GATES:  # a literal is present iff some reported literal starts with it
        g.expanded = None if g.keys is None else frozenset(w for w in words if any(w.startswith(k) for k in g.keys))
    _finder = re.compile("(?=(" + _trie(words) + "))")
    return _finder


def _keys_in(text: str) -> frozenset[str]:
    """The longest gate literal starting at each position of lower-cased `text` (remembered for the next call:
    the same sentence meets many patterns in a row)."""
    finder = _finder or _build_finder()
    cached = getattr(_local, "last", None)
    if cached is not None and cached[0] is text and cached[1] is finder:
        return cached[2]  # type: ignore[no-any-return]
    low = text.lower() if text.isascii() else text.translate(_FOLD).lower()
    found = frozenset(finder.findall(low))
    _local.last = (text, finder, found)
    return found


class Gated:
    """A compiled pattern that is only run on text containing one of its required literals."""

    __slots__ = ("expanded", "keys", "pattern")

    def __init__(self, pattern: re.Pattern[str], keys: frozenset[str] | None = None, *, derive: bool = True) -> None:
        global _finder
        self.pattern = pattern
        self.keys = required_literals(pattern) if derive else keys
        self.expanded: frozenset[str] | None = None
        _GATES.append(self)
        _finder = None  # rebuilt (with every gate's expanded literals) on next use

    def may_match(self, text: str) -> bool:
        """False when no match is possible: the text holds none of the required literals."""
        if self.keys is None:
            return True
        found = _keys_in(text)  # builds the finder, and so self.expanded, on first use
        return not self.expanded.isdisjoint(found)  # type: ignore[union-attr]

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        return self.pattern.finditer(text) if self.may_match(text) else iter(())

    def search(self, text: str) -> re.Match[str] | None:
        return self.pattern.search(text) if self.may_match(text) else None

    def sub(self, repl: str, text: str) -> str:
        return self.pattern.sub(repl, text) if self.may_match(text) else text


def gate(pattern: re.Pattern[str]) -> Gated:
    """Wrap a compiled pattern in its literal gate."""
    return Gated(pattern)


def any_of(gates: Iterable[Gated]) -> Gated:
    """A gate that passes text any of `gates` may match (a cheap first test before trying each of them)."""
    keys = [g.keys for g in gates]
    union = None if any(k is None for k in keys) else frozenset().union(*keys)  # type: ignore[arg-type]
    return Gated(re.compile(""), union, derive=False)
