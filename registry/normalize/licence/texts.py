"""Licence files: recognise a known licence's full text by its distinctive sentences, else read it as prose."""

from __future__ import annotations

import re

from registry.normalize.licence._data import load
from registry.normalize.licence.mentions import cc_expr, find_mentions
from registry.normalize.licence.names import key, normalize
from registry.normalize.licence.prose import readme_licences
from registry.normalize.licence.results import LicenceStatement
from registry.normalize.licence.spdx import combine, ref

#: bytes.translate table sending every ASCII byte but a-z and 0-9 to a space
_ASCII_TO_SPACE = bytes(b if chr(b) in "abcdefghijklmnopqrstuvwxyz0123456789" else 32 for b in range(256))


def _norm_text(text: str) -> str:
    """Lower-case word stream of a licence text, British spellings folded, padded for whole-word search.

    ASCII text (nearly every licence file) goes through bytes.translate and split, ten times faster than the
    regex on a 30 kB GPL text; both turn each run of other characters into one space.
    """
    return f" {' '.join(_norm_words(text))} "


#: the same, with A-Z lower-cased on the way (ASCII str.lower() changes nothing else)
_ASCII_LOWER_TO_SPACE = bytes(b + 32 if 65 <= b <= 90 else _ASCII_TO_SPACE[b] for b in range(256))


def _norm_words(text: str) -> list[str]:
    """The words of `_norm_text(text)`, in order.

    ASCII text is lower-cased by the translate table itself, and 'licenc' folded in its bytes: the letters of a
    match are the same before and after the table, so the fold finds the same places either way.
    """
    if text.isascii():
        words = text.encode("ascii").translate(_ASCII_LOWER_TO_SPACE).replace(b"licenc", b"licens")
        return words.decode("ascii").split()
    # other text: every byte of a non-ASCII character's UTF-8 form is >= 0x80, which the table sends to a space,
    # so the words are those of `[^a-z0-9]+` -> ' ' (ten times faster than that regex on a 30 kB text)
    t = text.lower().replace("licenc", "licens")
    return t.encode("utf-8", "surrogatepass").translate(_ASCII_TO_SPACE).decode("ascii").split()


_TABLE = load("signatures.toml")
#: (spdx, [phrases]): any one phrase identifies the text; more phrases found, more confidence
_SIGNATURES: list[tuple[str, list[str]]] = [(s["spdx"], s["phrases"]) for s in _TABLE["signature"]]
_SIG_NORM = [(spdx, [_norm_text(p) for p in phrases], phrases) for spdx, phrases in _SIGNATURES]
#: the words of each signature phrase: a phrase can only occur in a text holding all of them (a set test is far
#: cheaper than scanning a 30 kB licence text for the phrase)
_SIG_WORDS = [[frozenset(n.split()) for n in norms] for _, norms, _ in _SIG_NORM]
#: every word a signature phrase or the Creative Commons test can need: a text's words are looked up in this set
#: instead of being gathered into a set of their own (most of a licence text's distinct words are in no phrase)
_SIG_VOCAB = frozenset().union(*(ws for needs in _SIG_WORDS for ws in needs), ("creative", "commons"))
_CC_WORDS = frozenset(("creative", "commons"))
#: (signature index, padded phrase, phrase, its words) for every phrase, in signature order
_SIG_PHRASES = [(k, n, p, ws) for k, ((_, norms, phrases), needs) in enumerate(zip(_SIG_NORM, _SIG_WORDS, strict=True))
                for n, p, ws in zip(norms, phrases, needs, strict=True)]
# a matched text whose id is a key here hides the ids it lists (the first quotes or embeds the others)
# a matched text whose id is a key here hides the ids it lists (the first quotes or embeds the others)
_SHADOWS: dict[str, set[str]] = {k: set(v) for k, v in _TABLE["shadows"].items()}
_GNU_APPENDIX_RE = re.compile(
    r"how\s+to\s+apply\s+these\s+terms\s+to\s+your\s+new\s+(?:programs|libraries)|"
    r"addendum:\s+how\s+to\s+use\s+this\s+licen[cs]e\s+for\s+your\s+documents",
    re.I,
)
_LATER_NOTICE_RE = re.compile(
    r"version\s+(\d(?:\.\d)?)\s+of\s+the\s+licen[cs]e,?\s+or\s+\(?at\s+your\s+option\)?\s+any\s+later\s+version"
    r"|\bversion\s+\d(?:\.\d)?\s+or\s+(?:any\s+)?later\b|-or-later\b|\bgpl\s*v?\d(?:\.\d)?\+",
    re.I,
)
_CC_LEGAL_RE = re.compile(
    r" (?:creative commons )?(?:legal code )?attribution((?: (?:non ?commercial|share ?alike|no ?derivatives|"
    r"no ?derivs))*) (\d) (\d) (?:international|unported|generic)? ?"
)


def _aligned_lower(text: str) -> str | None:
    """`text.lower()` when it is as long as `text` and every character `re.IGNORECASE` matches to an ASCII letter
    becomes that letter in it (the dotted and dotless i and the long s do not: None then, as for U+0130)."""
    if text.isascii():
        return text.lower()
    if "\u0130" in text or "\u0131" in text or "\u017f" in text:
        return None
    low = text.lower()
    return low if len(low) == len(text) else None


def _search(rx: re.Pattern[str], text: str, low: str | None, starts: tuple[str, ...]) -> re.Match[str] | None:
    """`rx.search(text)` for a case-insensitive pattern each match of which starts with one of `starts` (lower
    case ASCII): tried only where `low` (`_aligned_lower(text)`) holds one, since `re.I` tries every position of a
    30 kB licence text one by one. Without `low` it is plain `rx.search(text)`."""
    if low is None:
        return rx.search(text)
    at: set[int] = set()
    for start in starts:
        pos = low.find(start)
        while pos >= 0:
            at.add(pos)
            pos = low.find(start, pos + 1)
    for pos in sorted(at):
        m = rx.match(text, pos)
        if m:
            return m
    return None


def _phrase_in_original(text: str, phrase: str, low: str | None = None) -> tuple[str, int]:
    """The phrase as written in `text` (case kept, line breaks collapsed) and where it starts (-1: not found);
    `low` is `_aligned_lower(text)`, when known."""
    words = re.findall(r"[A-Za-z0-9]+", phrase)
    pattern = r"[\W_]+".join(re.escape(w).replace("licens", "licen[cs]") for w in words)
    # a match starts with the first word ('licen' at most of it: the pattern reads 'licens' as 'licen[cs]')
    first = words[0].lower() if words else ""
    first = first[:first.index("licen") + 5] if "licen" in first else first
    m = _search(re.compile(pattern, re.I), text, low if first else None, (first,))
    return (" ".join(m.group(0).split()), m.start()) if m else (phrase, -1)


_THIRD_PARTY_RE = re.compile(
    r"third[\s-]+party|\bincludes?\s+(?:software|code|portions|the\s+following)|\bportions?\s+of\b|\bbundled\b|"
    r"\bvendored\b|\bderived\s+from\b|\bcontains\s+(?:code|software)|\bdependenc(?:y|ies)\b|"
    r"\b(?:this|the)\s+(?:product|project|software|package|distribution)\s+(?:includes|contains|uses|bundles)",
    re.I,
)


def _gnu_later(text: str, low: str | None = None) -> bool:
    """True when a GNU licence file carries an 'or (at your option) any later version' notice of its own;
    `low` is `_aligned_lower(text)`, when known."""
    head = text
    m = _search(_GNU_APPENDIX_RE, text, low, ("how", "addendum"))
    if m:
        head = text[: m.start()]
    return bool(_search(_LATER_NOTICE_RE, head, low[: len(head)] if low is not None else None,
                        ("version", "-or-later", "gpl")))


def identify_full(text: str) -> list[tuple[str, str, float, int]]:
    """Licences whose full text (or its distinctive sentences) appears in `text`: (spdx, phrase, conf, pos)."""
    parts = _norm_words(text)
    words = _SIG_VOCAB.intersection(parts)
    # the phrases whose words the text holds; the padded word stream is only joined when one may occur
    candidates = [(k, n, p) for k, n, p, ws in _SIG_PHRASES if ws <= words]
    if not candidates and not _CC_WORDS <= words:
        return []
    norm = f" {' '.join(parts)} "
    by_sig: dict[int, list[tuple[int, str]]] = {}
    for k, n, p in candidates:
        if n in norm:
            by_sig.setdefault(k, []).append((norm.find(n), p))
    hits: dict[str, tuple[str, float, int]] = {}
    for k, found in by_sig.items():  # in signature order, as the candidates are
        pos, phrase = min(found)
        conf = min(0.99, 0.75 + 0.1 * (len(found) - 1))
        hits[_SIG_NORM[k][0]] = (phrase, conf, pos)
    # the legal-code pattern is only read when the text says 'creative commons' (most licence texts do not)
    m = _CC_LEGAL_RE.search(norm) if " creative commons " in norm else None
    legal = bool(m) and (" creative commons corporation " in norm or " creative commons legal code " in norm
                         or " by exercising the licensed rights " in norm)
    if m and (legal or m.start() < 400):
        expr, _ = cc_expr("by " + m.group(1), f"{m.group(2)}.{m.group(3)}")
        hits[expr] = (m.group(0).strip(), 0.9 if legal else 0.75, m.start())
    for spdx, shadowed in _SHADOWS.items():
        if spdx in hits:
            for s in shadowed:
                for hidden in [k for k in hits if k == s or (s == "*CC" and k.startswith("CC"))]:
                    hits.pop(hidden, None)
    out: list[tuple[str, str, float, int]] = []
    later = None
    low = _aligned_lower(text) if hits else None  # where the phrases and GNU notices are looked for
    for spdx, (phrase, conf, _pos) in hits.items():
        expr = spdx
        if spdx == "BSD":
            if " all advertising materials mentioning features or use of this software " in norm:
                expr = "BSD-4-Clause"
            elif " neither the name of " in norm or " may be used to endorse or promote products " in norm:
                expr = "BSD-3-Clause"
            else:
                expr = "BSD-2-Clause"
        elif re.fullmatch(r"(?:A|L)?GPL-\d\.\d|GFDL-\d\.\d", spdx):
            later = _gnu_later(text, low) if later is None else later
            expr = f"{spdx}-or-later" if later else f"{spdx}-only"
        shown, where = _phrase_in_original(text, phrase, low)
        out.append((expr, shown, conf, where if where >= 0 else len(text)))
    out.sort(key=lambda h: h[3])
    # texts appended after the project's own licence as third-party notices are not the project's licence
    # (a third text, or one after a third-party notice, is read as a bundled dependency's licence)
    if len(out) > 2 or (len(out) == 2 and _THIRD_PARTY_RE.search(text[out[0][3]:out[1][3]][-3000:])):
        return out[:1]
    return out


def identify_text(text: str) -> tuple[str, str, float] | None:
    """Licence file text -> (SPDX expression, decisive phrase, confidence), or None when nothing is recognised.

    Full texts are recognised by distinctive sentences (robust to reflowing and small edits); several texts in
    one file become an OR. A short notice ("This work is licensed under CC BY-SA 4.0") is read as prose.
    """
    if not text or not text.strip():
        return None
    hits = identify_full(text)
    if hits:
        expr = combine([h[0] for h in hits], "OR")
        return expr, hits[0][1], min(h[2] for h in hits)
    stmts = short_file_statements(text)
    if stmts is None:
        title = licence_title(text)
        return (ref(title), title, 0.3) if title else None
    if not stmts:
        return None
    expr = combine([s.expression for s in stmts], "AND")
    return expr, stmts[0].phrase, min(s.confidence for s in stmts) - 0.1


def licence_title(text: str) -> str | None:
    """First line of a licence text that reads like a title, stripped of rules and marks and cut to 80 characters."""
    for line in text.splitlines():
        line = line.strip(" \t#=*-_")
        if len(line) >= 3 and re.search(r"[A-Za-z]", line):
            return line[:80]
    return None


def short_file_statements(text: str) -> list[LicenceStatement] | None:
    """Statements of a licence file that is not a known licence text; None when the file is a long unknown text."""
    stripped = text.strip()
    if len(stripped) <= 80 and "\n" not in stripped and len(key(stripped).split()) <= 6 and \
            not re.search(r"copyright|\(c\)|©|reserved", stripped, re.I):
        expr, vague = normalize(stripped)
        if expr and not expr.startswith("LicenseRef-") or find_mentions(stripped, loose=True):
            return [LicenceStatement(expr or ref(stripped), frozenset(), stripped, 0.8, vague, stripped)]
        return []
    if len(stripped) > 3000:
        # a long text we do not know: it may still open with a statement ("X is licensed under the MIT license")
        head = readme_licences(stripped[:1500], _licence_file=True)
        return [LicenceStatement(h.expression, h.scopes, h.phrase, h.confidence - 0.2, h.vague, h.original)
                for h in head] or None
    return readme_licences(text, _licence_file=True)

