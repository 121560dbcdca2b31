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

__all__ = ["Gated", "Scope", "any_of", "gate", "lower", "required_clauses", "required_literals"]

#: Characters `re.IGNORECASE` matches to an ASCII letter whose str.lower() is not that letter.
_FOLD = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s"})
_ZERO_WIDTH = {_c.AT, _c.ASSERT, _c.ASSERT_NOT}
_REPEATS = {_c.MAX_REPEAT, _c.MIN_REPEAT} | ({_c.POSSESSIVE_REPEAT} if hasattr(_c, "POSSESSIVE_REPEAT") else set())
_MIN_LEN = 2   # a one-letter gate would pass nearly every sentence: not worth the check


def lower(text: str) -> str:
    """`text` lower-cased exactly as the gates read it (dotted and dotless i and long s folded to ASCII first)."""
    return text.lower() if text.isascii() else text.translate(_FOLD).lower()


def _better(a: frozenset[str] | None, b: frozenset[str] | None) -> frozenset[str] | None:
    """The more selective of two requirement sets: longest shortest literal, then fewest literals."""
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b, key=lambda s: (min(map(len, s)), -len(s)))


def _necessary(seq: list[tuple[object, object]]) -> list[frozenset[str]]:
    """Sets of strings, each with a member in every match of the parsed sequence (all of them hold at once)."""
    found: list[frozenset[str]] = []
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
            found.append(frozenset({run}))
            run = ""
        if op is _c.SUBPATTERN:
            found.extend(_necessary(prefix + list(av[-1])))  # type: ignore[index]
        elif op is _c.BRANCH:
            alts = [_required(prefix + list(branch)) for branch in av[1]]  # type: ignore[index]
            if alts and all(a is not None for a in alts):
                found.append(frozenset().union(*alts))  # type: ignore[arg-type]
        elif op in _REPEATS and av[0] >= 1:  # type: ignore[index]
            found.extend(_necessary(list(av[2])))  # type: ignore[index]
        elif op is getattr(_c, "ATOMIC_GROUP", None):
            found.extend(_necessary(list(av)))  # type: ignore[arg-type]
    if run:
        found.append(frozenset({run}))
    return found


def _required(seq: list[tuple[object, object]]) -> frozenset[str] | None:
    """A set of strings one of which every match of the parsed sequence contains, or None if there is none."""
    best: frozenset[str] | None = None
    for candidate in _necessary(seq):
        best = _better(best, candidate)
    return best


def _alternatives(seq: list[tuple[object, object]]) -> list[list[tuple[object, object]]]:
    """The top-level alternatives of a parsed pattern ('a|(?:b|c)' -> a, b, c); a match is a match of one of them.
    Zero-width items (`\\b` the parser factored out of every branch) hold no literal and are left out."""
    seq = [item for item in seq if item[0] not in _ZERO_WIDTH]
    if len(seq) == 1 and seq[0][0] is _c.BRANCH:
        return [alt for branch in seq[0][1][1] for alt in _alternatives(list(branch))]  # type: ignore[index]
    if len(seq) == 1 and seq[0][0] is _c.SUBPATTERN:
        return _alternatives(list(seq[0][1][-1]))  # type: ignore[index]
    return [seq]


Clauses = tuple[tuple[frozenset[str], ...], ...]


def required_clauses(pattern: re.Pattern[str], keys: frozenset[str] | None) -> Clauses | None:
    """Per top-level alternative of `pattern`, the literal sets besides `keys` that all occur in its matches.

    'beta (?:hardware|board)|prototype' needs 'beta' AND one of ' hardware', ' board' in its first alternative,
    though `keys` can only say one of ' hardware', ' board', 'prototype'. None when no alternative has a set
    beyond `keys` (nothing to add), or one has no useful set at all (it can match wherever `keys` passes).
    """
    if keys is None:
        return None
    try:
        alternatives = _alternatives(list(_p.parse(pattern.pattern, pattern.flags)))
    except Exception:  # noqa: BLE001 - an unparsable pattern is simply not gated
        return None
    clauses: list[tuple[frozenset[str], ...]] = []
    for alt in alternatives:
        sets = tuple(dict.fromkeys(s for s in _necessary(alt) if s != keys and min(map(len, s)) >= _MIN_LEN))
        if not sets:
            return None
        clauses.append(sets)
    return tuple(clauses)


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
        return gated.passes(self.present)


_GATES: list[Gated] = []
_finder: _Finder | None = None
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


_ALNUM_RUN = re.compile(r"[a-z0-9]+")
#: bytes.translate table sending every byte but a-z and 0-9 to a space (lower-cased ASCII text -> its words)
_WORD_BYTES = bytes(b if chr(b) in "abcdefghijklmnopqrstuvwxyz0123456789" else 32 for b in range(256))
_EMPTY: frozenset[str] = frozenset()
_MAX_CACHED_WORD = 40        # longer words (hashes, base64) are looked at each time, not remembered
_MAX_CACHED_WORDS = 200_000  # the word cache starts over beyond this many words
_MAX_LITERAL_SETS = 50_000   # the table of distinct literal sets starts over beyond this many (a few hundred seen)


def _word_list(low: str) -> list[str]:
    """The runs of a-z / 0-9 in lower-cased text (what `_ALNUM_RUN.findall` gives), repeats included, found with
    bytes.translate and split instead of a regex step per character: UTF-8 writes every non-ASCII character in
    bytes of 0x80 and above, which all become spaces, as such a character ends a run for the regex too."""
    data = low.encode("ascii") if low.isascii() else low.encode("utf-8", "surrogatepass")
    return data.translate(_WORD_BYTES).decode("ascii").split()


class _Finder:
    """Every gate literal occurring in a text, found through the text's words.

    A literal's longest run of letters and digits (its core) lies inside one word of any text holding the literal,
    so only the literals whose core is in one of the text's words can occur. The core is a whole run of the
    literal, so when the literal has characters before it the core must start a word of the text, and when it has
    characters after it the core must end one: 'not ' needs a word ending in 'not', which 'knot' is and 'notes'
    is not. A literal that is more than its core is then confirmed with one substring test. A README repeats its
    words, and READMEs share most words: the literals a word allows are remembered, so a text costs about one
    dictionary look-up per word instead of a regular-expression step per character.
    """

    __slots__ = ("allow", "cache", "exact", "index", "loose", "pattern", "sets")

    def __init__(self, literals: Iterable[str]) -> None:
        by_core: dict[str, list[str]] = {}
        self.loose: tuple[str, ...] = ()   # literals without a letter or digit: always tested directly
        #: per literal with a core, whether it has characters before and after its core (first longest run)
        place: dict[str, tuple[bool, bool]] = {}
        for lit in sorted(set(literals)):
            runs = _ALNUM_RUN.findall(lit)
            if runs:
                core = max(runs, key=len)
                by_core.setdefault(core, []).append(lit)
                at = lit.index(core)   # a run as long as the longest one: it is that run, not part of another
                place[lit] = (at > 0, at + len(core) < len(lit))
            else:
                self.loose += (lit,)
        self.exact = frozenset(by_core) & frozenset(place)   # literals that are their own core: no test
        cores = sorted(by_core)
        self.pattern = re.compile("(?=(" + _trie(cores) + "))")
        # the pattern reports the longest core starting at each position; the shorter ones there are its prefixes,
        # and only the longest can reach the word's end (a shorter one ending there would leave no room for it)
        self.allow: dict[str, tuple[frozenset[str], ...]] = {}
        for longest in cores:
            self.allow[longest] = tuple(
                frozenset(lit for core in cores if longest.startswith(core) for lit in by_core[core]
                          if (starts or not place[lit][0]) and (ends and core == longest or not place[lit][1]))
                for starts in (False, True) for ends in (False, True))
        #: word -> number of the literal set it allows in `sets`: a small int is cheaper to collect per word than
        #: a frozenset (no hash read from a set object far off in memory), and words share few distinct sets
        self.cache: dict[str, int] = {}
        #: per number, the literals a word allows split in two: those that are their own core (in the text once
        #: the word is) and those still to confirm with a substring test; number 0 allows nothing
        self.sets: list[tuple[frozenset[str], frozenset[str]]] = [(_EMPTY, _EMPTY)]
        self.index: dict[frozenset[str], int] = {_EMPTY: 0}

    def _cores_of(self, word: str) -> frozenset[str]:
        """The literals one word allows: those whose core occurs in it where the literal needs it (a word start,
        a word end, the whole word or anywhere), read from `allow` by where the longest core at each place is."""
        size, allow = len(word), self.allow
        return _EMPTY.union(*[allow[m.group(1)][(m.start() == 0) * 2 + (m.end(1) == size)]
                              for m in self.pattern.finditer(word)])

    def _number_of(self, word: str) -> int:
        """The number of the literal set `word` allows (see `sets`), remembered for short words."""
        allowed = self._cores_of(word)
        number = self.index.get(allowed)
        if number is None:
            number = self.index[allowed] = len(self.sets)
            self.sets.append((allowed & self.exact, allowed - self.exact))
        if len(word) <= _MAX_CACHED_WORD:
            self.cache[word] = number
        return number

    def _forget(self) -> None:
        """Start the word cache over (and the literal sets, if ever many): memory stays bounded on any corpus."""
        self.cache.clear()
        if len(self.sets) >= _MAX_LITERAL_SETS:
            self.sets[1:] = []
            self.index = {_EMPTY: 0}

    def literals_in(self, low: str) -> frozenset[str]:
        """Every literal occurring in the lower-cased text `low`."""
        if len(self.cache) >= _MAX_CACHED_WORDS:
            self._forget()   # here, not while a text is read: the numbers collected below stay valid
        # one look-up per word, repeats included: cheaper than first building the set of distinct words (the
        # repeated words' entries are hot in memory), and the distinct numbers (most words have 0) are few
        words = _word_list(low)
        get = self.cache.get
        numbers = set(map(get, words))
        if None in numbers:  # words not seen yet (or too long to remember)
            numbers.discard(None)
            numbers.update([self._number_of(w) for w in set(words).difference(self.cache)])
        numbers.discard(0)
        sets = self.sets
        found = _EMPTY.union(*[sets[n][0] for n in numbers])
        confirm = _EMPTY.union(*[sets[n][1] for n in numbers])
        if confirm:   # a literal that is more than its core: one substring test each
            found = found.union([lit for lit in confirm if lit in low])
        if self.loose:
            found = found.union([lit for lit in self.loose if lit in low])
        return found


def _build_finder() -> _Finder:
    """The finder of every gate's literals and clause literals."""
    global _finder
    _finder = _Finder({k for g in _GATES if g.keys for k in g.keys} |
                      {k for g in _GATES if g.clauses for alt in g.clauses for s in alt for k in s})
    return _finder


def _keys_in(text: str) -> frozenset[str]:
    """Every gate literal occurring in lower-cased `text` (remembered for the next call: the same sentence meets
    many patterns in a row)."""
    finder = _finder or _build_finder()
    cached = getattr(_local, "last", None)
    if cached is not None and cached[0] is text and cached[1] is finder:
        return cached[2]  # type: ignore[no-any-return]
    found = finder.literals_in(lower(text))
    _local.last = (text, finder, found)
    return found


class Gated:
    """A compiled pattern that is only run on text containing one of its required literals (and, when its
    alternatives need several words at once, all the words of one alternative)."""

    __slots__ = ("clauses", "keys", "pattern")

    def __init__(self, pattern: re.Pattern[str], keys: frozenset[str] | None = None, *, derive: bool = True) -> None:
        global _finder
        self.pattern = pattern
        self.keys = required_literals(pattern) if derive else keys
        self.clauses = required_clauses(pattern, self.keys) if derive else None
        _GATES.append(self)
        _finder = None  # rebuilt (with every gate's literals) on next use

    def passes(self, found: frozenset[str]) -> bool:
        """False when no match is possible in a text holding exactly the gate literals `found`."""
        if self.keys is None:
            return True
        if self.keys.isdisjoint(found):
            return False
        return self.clauses is None or any(all(not s.isdisjoint(found) for s in alt) for alt in self.clauses)

    def may_match(self, text: str) -> bool:
        """False when no match is possible: the text holds none of the required literals."""
        if self.keys is None:
            return True
        return self.passes(_keys_in(text))

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
