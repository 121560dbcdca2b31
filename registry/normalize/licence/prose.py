"""Licences a README (or a licence file that is no known text) states in prose, tables and badges, each with the
content types the text ties it to."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

from registry.normalize.licence.markdown import URL_CLOSE, URL_OPEN, URL_SPAN_RE, Unit, clean_markdown, sentences, units
from registry.normalize.licence.mentions import ANY_MENTION, Mention, find_mentions, same_family
from registry.normalize.licence.results import LicenceStatement
from registry.normalize.licence.spdx import combine, remember_short

_SCOPE_WORDS = {
    "hardware": re.compile(
        r"\b(?:hardware|hw|design[\s_-]files|pcbs?|schematics?|circuits?|circuit[\s_-]boards?|boards?|"
        r"cad|3d[\s_-]?(?:models?|prints?|printed[\s_-]parts|files)|mechanical|mechanics|electronics?|"
        r"enclosures?|gerbers?|physical|stl|step[\s_-]files)\b",
        re.I,
    ),
    "documentation": re.compile(
        r"\b(?:documentation|docs?|documents?|diagrams?|manuals?|instructions?|guides?|tutorials?|wiki|texts?|"
        r"written|images?|photos?|pictures?|media|illustrations?)\b",
        re.I,
    ),
    "software": re.compile(
        r"\b(?:software|code|codes|source[\s_-]?code|firmware|programs?|scripts?|sketch(?:es)?|librar(?:y|ies)|"
        r"apps?|applications?|gui)\b",
        re.I,
    ),
}
_LICENCE_HEADING_RE = re.compile(r"licen[cs]|copyright|legal|ownership|terms\s+of\s+use|\bcopying\b", re.I)
_SKIP_HEADING_RE = re.compile(
    r"credits?|acknowledg|third[\s-]?party|dependenc|attribution|contribut(?:e|ing)\b|references?", re.I)
_CUE_RE = re.compile(
    r"\bunder\b|\blicen[cs]ed\b|\blicen[cs]e\s*[:=]|\bdedicated\b|\bspdx-license-identifier\b|\bcopyleft\b|"
    r"\blicen[cz]ia\b|\blizenz\b|\breleased\s+(?:as|into|to)\b",
    re.I,
)
_GUARD_RE = re.compile(
    r"\b(?:based\s+on|derived\s+from|adapted\s+from|forked\s+from|fork\s+of|thingiverse|third[\s-]party|courtesy\s+of|"
    r"originally\s+(?:by|from)|portions?\s+of|remix(?:ed)?\s+(?:of|from)|inspired\s+by|"
    r"(?:which|that)\s+(?:is|are)\s+(?:also\s+)?(?:licen[cs]ed|released|distributed|available))\b",
    re.I,
)
_STRONG_CONTEXT_RE = re.compile(
    r"(?:under|licen[cs]ed|licen[cs]e\s*[:=]?|terms\s+of|released\s+as)\s*(?:the\s+)?(?:terms\s+of\s+(?:the\s+)?)?"
    r"[\[(\"'*_`]*\s*$",
    re.I,
)
_ALL_RE = re.compile(
    r"\b(?:all\s+(?:the\s+)?(?:content|contents|files|materials?|work|of\s+(?:this|the))|everything|"
    r"(?:this|the|entire|whole)\s+(?:repository|repo|project|work)|(?:entire|whole)\s+(?:content|project))\b",
    re.I,
)
_SELF_RE = re.compile(
    r"\(c\)|©|\bcopyright\b|\b(?:this|our|the\s+whole|the\s+entire)\s+(?:project|repository|repo|work|design|"
    r"board|device|hardware|software)\b|^\s*all\b",
    re.I,
)
_ANAPHORA_RE = re.compile(r"^[\s\"'(*_]*(?:it|they|these|those|both|all\s+of\s+(?:it|them))\b", re.I)


def _badge_licence(alt: str, url: str) -> list[Mention]:
    """Licence named by a badge image (alt text or a static shields.io label); dynamic badges name none."""
    if re.search(r"/github/license|/github/licence", url, re.I):
        return []
    m = re.search(r"/badge/([^/?#]+)", url)
    if m:
        label = re.sub(r"\.(?:svg|png)$", "", m.group(1))
        label = label.replace("--", "\x00").replace("__", "\x01")
        parts = [unquote(p.replace("_", " ")).replace("\x00", "-").replace("\x01", "_") for p in label.split("-")]
        if len(parts) >= 2 and re.search(r"licen[cs]e", parts[0], re.I):
            value = " ".join(parts[1:-1]) if len(parts) > 2 else parts[1]
            return find_mentions(value, loose=True)
    if re.search(r"licen[cs]e", alt, re.I):
        value = re.sub(r".*licen[cs]e[sd]?\s*[:\-]?\s*", "", alt, flags=re.I)
        return find_mentions(value, loose=True) if value.strip() else []
    return []



_OPEN_HW_RE = re.compile(r"\bopen[\s-]+(?:source[\s-]+)?hardware\b(?![\s-]+(?:designs?|files|parts))", re.I)


def _scopes_in(text: str) -> set[str]:
    """Content types named in a piece of text ('open hardware' names the kind of project, not a content type)."""
    text = _OPEN_HW_RE.sub(" ", text)
    return {name for name, rx in _SCOPE_WORDS.items() if rx.search(text)}


def _mask(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` with the given spans and every ⟨url⟩ blanked (so licence names and URLs don't read as scopes)."""
    chars = list(text)
    for s, e in spans:
        for k in range(s, min(e, len(chars))):
            chars[k] = " "
    return URL_SPAN_RE.sub(lambda m: " " * len(m.group(0)), "".join(chars))


def _in_url(sentence: str, pos: int) -> bool:
    """True when position `pos` of a cleaned sentence lies inside a ⟨url⟩."""
    return sentence.rfind(URL_OPEN, 0, pos + 1) > sentence.rfind(URL_CLOSE, 0, pos + 1)


def _merge_url_mentions(sentence: str, mentions: list[Mention]) -> list[Mention]:
    """Fold a link target's licence into the link text before it (the URL's version beats the text's guess)."""
    texts = [m for m in mentions if not m.url and not _in_url(sentence, m.start)]
    urls = [m for m in mentions if (m.url or _in_url(sentence, m.start)) and m.strong]
    out: list[Mention] = []
    used: set[int] = set()
    for m in texts:
        link = re.match(rf"\s*{URL_OPEN}[^{URL_CLOSE}]*{URL_CLOSE}", sentence[m.end:])
        replacement = m
        if link:
            lo, hi = m.end, m.end + link.end()
            for j, u in enumerate(urls):
                if lo <= u.start < hi and same_family(m, u):
                    if m.vague or u.vague is None:
                        replacement = Mention(u.expression, m.start, hi, u.vague, True)
                    else:
                        replacement = Mention(m.expression, m.start, hi, m.vague, True)
                    used.add(j)
        out.append(replacement)
    for j, u in enumerate(urls):
        if j not in used and not any(o.start <= u.start < o.end for o in out):
            out.append(Mention(u.expression, u.start, u.end, u.vague, True, url=True))
    out.sort(key=lambda x: x.start)
    dedup: list[Mention] = []
    for m in out:
        if dedup and m.start < dedup[-1].end:
            continue
        dedup.append(m)
    return dedup



def _assign_scopes(sentence: str, mentions: list[Mention]) -> list[tuple[list[Mention], set[str]]]:
    """Group mentions joined by 'or' / 'and' and give each group the content types its clause names:
    a parenthesis after it, 'for <type>' after it, else the words between it and the previous group."""
    masked = _mask(sentence, [(m.start, m.end) for m in mentions])
    groups: list[list[Mention]] = []
    for m in mentions:
        if groups:
            between = masked[groups[-1][-1].end:m.start]
            if re.fullmatch(r"[\s,]*(?:or|and/or|/|\||,|and)?[\s,]*(?:the\s+)?", between, re.I):
                groups[-1].append(m)
                continue
        groups.append([m])
    out: list[tuple[list[Mention], set[str]]] = []
    for gi, group in enumerate(groups):
        start, end = group[0].start, group[-1].end
        prev_end = groups[gi - 1][-1].end if gi else 0
        next_start = groups[gi + 1][0].start if gi + 1 < len(groups) else len(sentence)
        after = masked[end:next_start]
        scopes: set[str] = set()
        paren = re.match(r"\s*\(([^)]{1,80})\)", after)
        if paren:
            scopes = _scopes_in(paren.group(1))
        if not scopes:
            fr = re.match(r"[^.;]{0,20}?\b(?:for|covering|applies\s+to|applied\s+to)\s+(.{0,60})", after, re.I)
            if fr:
                scopes = _scopes_in(fr.group(1))
        if not scopes:
            scopes = _scopes_in(masked[prev_end:start])
        if not scopes and len(groups) == 1:
            scopes = _scopes_in(masked)
        out.append((group, scopes))
    return out


def _group_expression(sentence: str, group: list[Mention]) -> tuple[str, str | None]:
    """Expression of a group of adjacent mentions: OR when the text says 'or', else AND."""
    if len(group) == 1:
        return group[0].expression, group[0].vague
    ops = []
    for a, b in zip(group, group[1:], strict=False):
        ops.append("OR" if re.search(r"\bor\b|/|\|", sentence[a.end:b.start], re.I) else "AND")
    op = "OR" if all(o == "OR" for o in ops) else "AND"
    return combine([m.expression for m in group], op), None


def _accept(sentence: str, mentions: list[Mention], in_licence: bool) -> list[Mention]:
    """Mentions of a sentence that state this project's licence (not a credit, not a bare word like 'MIT')."""
    keep = []
    for m in mentions:
        if _in_url(sentence, m.start) and not m.strong:
            continue
        lead = bool(re.fullmatch(r"[\W_]*(?:[A-Za-z][\w /&]{0,30}\s*[:|=–-]+\s*)?", sentence[: m.start]))
        if m.strong or (in_licence and lead) or _STRONG_CONTEXT_RE.search(sentence[: m.start]):
            keep.append(m)
    if not keep or _GUARD_RE.search(sentence):
        return []
    if not (in_licence or _CUE_RE.search(_mask(sentence, []))):
        return []
    return keep


def readme_licences(markdown: str, *, _licence_file: bool = False) -> list[LicenceStatement]:
    """Licences a README states (licence section, 'licensed under …' sentences, licence tables, badges).

    Each statement carries the content types the text ties it to ('All hardware is …', '… (software)', a
    'Software' heading, a table column); empty scopes mean the text names none or says 'all content'. Credits
    for third-party parts ('based on … by …, CC license') and sentences without licence wording are ignored.
    """
    if not markdown or not markdown.strip():
        return []
    text, badges = clean_markdown(markdown)
    out: list[LicenceStatement] = []
    seen: set[tuple[str, frozenset[str]]] = set()

    def emit(expr: str, scopes: set[str], phrase: str, conf: float, vague: str | None, orig: str) -> None:
        key = (expr, frozenset(scopes))
        if key in seen:
            return
        seen.add(key)
        phrase = URL_SPAN_RE.sub(lambda m: f"<{m.group(0)[1:-1]}>", " ".join(phrase.split()))
        orig = URL_SPAN_RE.sub("", " ".join(orig.split())).strip()
        out.append(LicenceStatement(expr, frozenset(scopes), phrase[:240], round(conf - (0.2 if vague else 0), 3),
                                    vague, orig or None))

    for unit in units(text):
        # a paragraph without a mention literal has no sentence with one (it is skipped unsplit); table rows all go on
        if unit.cells is None and not ANY_MENTION.may_match(unit.text):
            continue
        in_licence = _licence_file or any(_heading_kind(h)[0] for h in unit.headings)
        credits = bool(unit.headings and _heading_kind(unit.headings[-1])[1] and not in_licence)
        if unit.cells is not None:
            _table_row(unit, in_licence, emit)
            continue
        # content types named by the paragraph's earlier sentences (masked), read only when an anaphora needs them
        earlier: list[tuple[str, list[Mention]]] = []
        for sentence in sentences(unit.text):
            found = find_mentions(sentence)
            mentions = _accept(sentence, found, in_licence) if found else []
            if mentions and credits and not _SELF_RE.search(sentence):
                mentions = []  # credits name other people's licences unless the line is about this project
            if not mentions:
                earlier.append((sentence, found))
                continue
            mentions = _merge_url_mentions(sentence, mentions)
            conf = 0.85 if in_licence else 0.75
            says_all = bool(_ALL_RE.search(_mask(sentence, [(m.start, m.end) for m in mentions])))
            for group, scopes in _assign_scopes(sentence, mentions):
                expr, vague = _group_expression(sentence, group)
                if not scopes and not says_all:
                    para_scope = _para_scope(earlier) if _ANAPHORA_RE.match(sentence) else set()
                    scopes = para_scope or _heading_scope(unit.headings)
                orig = sentence[group[0].start:group[-1].end]
                emit(expr, scopes, sentence, conf, vague, orig)
            earlier.append((sentence, mentions))
    for alt, url in badges:
        for m in _badge_licence(alt, url):
            emit(m.expression, set(), f"badge: {alt or url}", 0.6, m.vague, alt)
    return out


@remember_short
def _heading_kind(heading: str) -> tuple[bool, bool]:
    """(heads a licence section, heads a credits section); every unit under a heading asks."""
    return _LICENCE_HEADING_RE.search(heading) is not None, _SKIP_HEADING_RE.search(heading) is not None


def _heading_scope(headings: list[str]) -> set[str]:
    """Content types the last heading names; only a short section name ('Software', 'PCB design') scopes what
    is under it, not a project title. Read only for a statement that names no scope of its own."""
    return _scopes_in(headings[-1]) if headings and len(headings[-1].split()) <= 4 else set()


def _para_scope(earlier: list[tuple[str, list[Mention]]]) -> set[str]:
    """Content types the earlier sentences of a paragraph name, outside their licence names and URLs."""
    out: set[str] = set()
    for sentence, mentions in earlier:
        out |= _scopes_in(_mask(sentence, [(m.start, m.end) for m in mentions]))
    return out


def _table_row(unit: Unit, in_licence: bool, emit: Any) -> None:
    """Licence table row: a cell naming a licence takes its scope from its column header or the row's first cell."""
    cells = unit.cells or []
    header = unit.header_cells or []
    licence_table = in_licence or any(re.search(r"licen[cs]", h, re.I) for h in header)
    for ci, cell in enumerate(cells):
        scopes = _scopes_in(_mask(header[ci], [])) if ci < len(header) else set()
        mentions = find_mentions(cell, loose=licence_table)
        mentions = [m for m in mentions if (m.strong or licence_table) and not _in_url(cell, m.start)]
        if not mentions or not (licence_table or scopes or _CUE_RE.search(unit.text)):
            continue
        if not scopes and ci > 0:
            scopes = _scopes_in(_mask(cells[0], []))
        mentions = _merge_url_mentions(cell, mentions)
        expr, vague = _group_expression(cell, mentions)
        emit(expr, scopes, unit.text, 0.85, vague, cell)

