"""The literal gates in front of the prose normalizers' patterns never hide a match (normalize/_prefilter.py)."""

from __future__ import annotations

import functools
import os
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.normalize import _prefilter, licence, maturity
from registry.normalize._prefilter import Gated, Scope, gate, required_literals

EXAMPLES = int(os.environ.get("OHR_FUZZ_EXAMPLES", "300"))


@pytest.mark.parametrize(("pattern", "flags", "expected"), [
    (r"\bmit\b", re.I, {"mit"}),
    (r"e(?:clipse|pl)\b", re.I, {"eclipse", "epl"}),           # the parser factors the 'e' out of the group
    (r"\bcc[\s_\-]*(?:0|zero)|creative[\s_\-]*commons", re.I, {"cc", "creative"}),
    (r"(?-i:\bWIP\b)", re.I, {"wip"}),
    (r"\bun-?tested\b", re.I, {"tested"}),                      # 'un' and 'tested' both required; the longer wins
    (r"licen[cs]e", 0, {"licen"}),
    (r"(?:ab)+x", 0, {"ab"}),
    (r"\d+ units", 0, {" units"}),
    (r"a|b", 0, None),                                          # one-letter literals gate nothing
    (r"(?:foo)?bar?", 0, {"ba"}),
    (r"\w+", 0, None),
])
def test_required_literals(pattern: str, flags: int, expected: set[str] | None) -> None:
    found = required_literals(re.compile(pattern, flags))
    assert (set(found) if found is not None else None) == expected


def _all_gates() -> list[Gated]:
    gates = [g for g in _prefilter._GATES if g.keys is not None and g.pattern.pattern]
    assert len(gates) > 30  # licence mentions, maturity rules and their helpers are all gated
    return gates


FOLDS = ["\u017f", "\u0131", "\u0130", "\u212a", "K", "S", "I"]


@st.composite
def near_miss_text(draw: st.DrawFn) -> str:
    """Text made of gate literals (some cut, re-cased or with look-alike letters) and filler."""
    keys = sorted({k for g in _all_gates() for k in g.keys or ()})
    parts = []
    for _ in range(draw(st.integers(1, 12))):
        kind = draw(st.integers(0, 4))
        if kind == 0:
            parts.append(draw(st.sampled_from(keys)))
        elif kind == 1:
            key = draw(st.sampled_from(keys))
            parts.append(key.upper() if draw(st.booleans()) else key.title())
        elif kind == 2:
            key = draw(st.sampled_from(keys))
            i = draw(st.integers(0, max(0, len(key) - 1)))
            parts.append(key[:i] + draw(st.sampled_from(FOLDS)) + key[i + 1:])
        elif kind == 3:
            parts.append(draw(st.text(alphabet="abcdefghilmnoprstuv -_.,:;()0123456789/", max_size=30)))
        else:
            parts.append(draw(st.sampled_from([" ", "  ", "\n", "-", "_", ". ", ", ", " of the ", " version "])))
    return "".join(parts)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(near_miss_text())
def test_a_gate_only_skips_text_its_pattern_cannot_match(text: str) -> None:
    for g in _all_gates():
        if not g.may_match(text):
            assert g.pattern.search(text) is None, (g.pattern.pattern[:80], sorted(g.keys or ())[:10], text)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(near_miss_text(), min_size=1, max_size=5))
def test_a_scope_only_drops_rules_no_sentence_can_match(sentences: list[str]) -> None:
    scope = Scope(sentences)
    for g in _all_gates():
        if not scope.admits(g):
            assert not any(g.pattern.search(s) for s in sentences)


def test_gated_normalizers_give_the_ungated_answers() -> None:
    """The licence and maturity readers find the same statements with gates as with every pattern run."""
    text = ("# Ventilator\n\nStatus: prototype. This project is not yet tested on patients and is not a medical "
            "device.\n\n## Licence\n\nHardware is licensed under the CERN OHL-S v2, software under GPL-3.0-or-later "
            "and the documentation under CC BY-SA 4.0. It has been tested by independent labs.\n\n"
            "Built and sold 200 kits on Tindie. Some text with a long s; the ORIGINAL design is ARCHIVED.\n")
    gated = (licence.readme_licences(text), maturity.text_signals(text, "readme"))
    saved = [(g, g.keys) for g in _prefilter._GATES]
    try:
        for g, _ in saved:
            g.keys = None
        ungated = (licence.readme_licences(text), maturity.text_signals(text, "readme"))
    finally:
        for g, keys in saved:
            g.keys = keys
    assert gated == ungated
    assert {s.expression for s in gated[0]} >= {"CERN-OHL-S-2.0", "GPL-3.0-or-later", "CC-BY-SA-4.0"}


def test_gate_wraps_search_finditer_and_sub() -> None:
    g = gate(re.compile(r"\bopen[\s-]+hardware\b", re.I))
    assert g.search("Open Hardware rocks") is not None
    assert g.search("nothing here") is None
    assert [m.group(0) for m in g.finditer("open hardware, Open-Hardware")] == ["open hardware", "Open-Hardware"]
    assert g.sub("X", "an open hardware design") == "an X design"
    assert g.sub("X", "no match") == "no match"


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.text(alphabet=".!?; \n\t\u00a0\"'”’)*_([“AZ0ax", max_size=40))
def test_sentence_splitters_split_as_their_lookbehind_forms(text: str) -> None:
    """The sentence splitters keep their end mark via split_after: the same pieces as the lookbehind patterns."""
    from registry.normalize.licence.markdown import split_after

    old_maturity = re.compile(r"(?<=[.!?])[\"'”’)*_]*\s+(?=[\"'“(\[*_]*[A-Z0-9])")
    old_licence = re.compile(r"(?<=[.!?;])\s+(?=[\"'(*_\[]*[A-Z0-9])")
    assert split_after(maturity._SENT_SPLIT, text) == old_maturity.split(text)
    assert split_after(licence.markdown._SENTENCE_SPLIT_RE, text) == old_licence.split(text)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.text(alphabet=".!?; \n\t\u00a0\"'”’)*_([“AZ0ax", max_size=40))
def test_maturity_sentence_end_splits_as_split_after(text: str) -> None:
    """maturity splits with re.split on the end mark as a group: the same pieces split_after gives."""
    from registry.normalize.licence.markdown import split_after

    parts = maturity._SENT_END.split(text)
    paired = [a + b for a, b in zip(parts[0:-1:2], parts[1::2], strict=True)] + [parts[-1]]
    assert paired == split_after(maturity._SENT_SPLIT, text)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.text(alphabet=" \t\n\u00a0\u2028\u3000\x1c\x85.!?:\"'”’)*_[]`~#-+|=<>&^09aZİ١²", max_size=40))
def test_maturity_squeeze_is_join_split(text: str) -> None:
    """The whitespace fast path of maturity._clean gives what " ".join(text.split()) gives."""
    assert maturity._squeeze(text) == " ".join(text.split())


_FINDER_LITERALS = ("not ", " not ", " at", "at", "use at", "n't", "t ", "ab", "ab-ab", " b", "b.", "ok", ".", "-",
                    "not a", "a", "bab")


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from(["not", "at", "use", "n't", "t", "ab", "b", "a", "ok", "knot", "bat", " ", "-",
                                 ".", "\n", "é", "0"]), max_size=25))
def test_finder_finds_exactly_the_literals_in_the_text(tokens: list[str]) -> None:
    """The word finder (cores, word starts and ends, cache) reports exactly the literals that occur."""
    from registry.normalize._prefilter import _Finder

    low = "".join(tokens)
    finder = _Finder(_FINDER_LITERALS)
    want = frozenset(lit for lit in _FINDER_LITERALS if lit in low)
    assert finder.literals_in(low) == want
    assert finder.literals_in(low) == want   # again, from the word cache


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.text(alphabet=st.sampled_from(list("az09 -_.\n\t") + ["é", "ſ", "ı", "²", "١", "\u00a0", "\u2028", "\ud800",
                                                                  "😀", "ß", "Σ"]), max_size=60))
def test_word_list_is_the_alnum_run_regex(low: str) -> None:
    """The bytes.translate word split gives the runs `[a-z0-9]+` finds, for ASCII and non-ASCII text alike."""
    assert _prefilter._word_list(low) == _prefilter._ALNUM_RUN.findall(low)


@functools.cache
def _every_literal_finder() -> tuple[frozenset[str], Any]:
    """Every gate literal and one finder of them, built once (its word cache carries over between examples)."""
    from registry.normalize._prefilter import _Finder

    literals = {k for g in _prefilter._GATES if g.keys for k in g.keys}
    literals |= {k for g in _prefilter._GATES if g.clauses for alt in g.clauses for s in alt for k in s}
    return frozenset(literals), _Finder(literals)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(near_miss_text(), min_size=1, max_size=4))
def test_gate_finder_agrees_with_substring_tests_across_cache_resets(texts: list[str]) -> None:
    """The finder of every gate literal (word numbers, literal sets split into exact and to-confirm, cache
    restarts) reports exactly the literals a substring test finds in each text."""
    from registry.normalize._prefilter import lower

    literals, finder = _every_literal_finder()
    saved = _prefilter._MAX_CACHED_WORDS, _prefilter._MAX_LITERAL_SETS
    _prefilter._MAX_CACHED_WORDS, _prefilter._MAX_LITERAL_SETS = 5, 3   # restart often
    try:
        for text in texts + texts:   # twice: the second time from the word cache (or after a restart)
            low = lower(text)
            assert finder.literals_in(low) == frozenset(lit for lit in literals if lit in low), text
    finally:
        _prefilter._MAX_CACHED_WORDS, _prefilter._MAX_LITERAL_SETS = saved


def test_gate_literals_hold_no_line_break() -> None:
    """maturity gates paragraphs before sentences: a literal never spans the line break joining its pieces."""
    literals = {k for g in _prefilter._GATES if g.keys for k in g.keys}
    literals |= {k for g in _prefilter._GATES if g.clauses for alt in g.clauses for s in alt for k in s}
    assert not [lit for lit in literals if "\n" in lit or "\r" in lit]
