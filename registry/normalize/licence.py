"""Licence normalizer: turn licence files, README statements, manifests and hub fields into SPDX expressions.

Every function here is pure (text in, values out) so the crawler, `ohr renormalize` and the tests share one
reading of a project's licences. `resolve` applies the labelling convention: a scoped statement (README
section, licence table, OKH manifest, hub field, `LICENSE-hardware`-style file) decides the field it names;
otherwise one repository-wide licence file covers every content type the repository actually holds.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache, wraps
from importlib import resources
from typing import Any, TypeVar
from urllib.parse import unquote

from registry.normalize._docgate import DocGate, split_after
from registry.normalize._prefilter import Gated, any_of, gate

__all__ = [
    "FIELDS",
    "LicenceField",
    "LicenceResult",
    "LicenceStatement",
    "content_types",
    "copyleft",
    "identify_text",
    "normalize_name",
    "openness",
    "readme_licences",
    "resolve",
]

FIELDS = ("hardware", "documentation", "software")


# --------------------------------------------------------------------------------------------- results


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


# --------------------------------------------------------------------------------------------- SPDX


@lru_cache(maxsize=1)
def _licensing() -> Any:
    """The SPDX licensing object, built once (loading the key index takes ~40 ms)."""
    from license_expression import get_spdx_licensing

    return get_spdx_licensing()


@lru_cache(maxsize=1)
def _categories() -> dict[str, str]:
    """SPDX key (upper case) -> ScanCode licence category, used when our own table has no verdict."""
    try:
        raw = resources.files("license_expression").joinpath("data/scancode-licensedb-index.json").read_text()
    except (OSError, ModuleNotFoundError):
        return {}
    out: dict[str, str] = {}
    for entry in json.loads(raw):
        for key in [entry.get("spdx_license_key"), *(entry.get("other_spdx_license_keys") or [])]:
            if key and entry.get("category"):
                out.setdefault(key.upper(), entry["category"])
    return out


#: expressions longer than this are parsed each time, not remembered (a hostile value cannot fill the caches)
_MAX_REMEMBERED = 200


_T = TypeVar("_T")


def _remember_short(fn: Callable[[str], _T]) -> Callable[[str], _T]:
    """`fn` of a string, remembered for strings of at most `_MAX_REMEMBERED` characters: the same few licence
    names and headings recur in every project, and a hostile long value cannot fill the cache."""
    cached = lru_cache(maxsize=4096)(fn)

    @wraps(fn)
    def call(text: str) -> _T:
        return cached(text) if len(text) <= _MAX_REMEMBERED else fn(text)
    return call


@_remember_short
def _spdx(expression: str) -> str | None:
    """A valid SPDX expression rendered canonically (GPL-3.0 -> GPL-3.0-only), or None if it is not one."""
    text = expression.strip()
    if not text or not re.fullmatch(r"[A-Za-z0-9.+\-:() ]+", text):
        return None
    lic = _licensing()
    try:
        parsed = lic.parse(text, validate=False)
    except Exception:  # noqa: BLE001 - the parser raises several unrelated types on junk
        return None
    if parsed is None:
        return None
    known = lic.known_symbols
    for key in lic.license_keys(parsed, unique=True):
        if key not in known and not key.startswith("LicenseRef-"):
            return None
    try:
        return lic.parse(text, validate=True).render()
    except Exception:  # noqa: BLE001
        return parsed.render()


def _slug(text: str) -> str:
    """LicenseRef-safe slug of free text (letters, digits, dots and dashes only)."""
    s = re.sub(r"[^A-Za-z0-9.]+", "-", text.strip()).strip("-.")
    return (s or "unknown")[:60]


def _ref(text: str) -> str:
    """LicenseRef id for something that is not on the SPDX list."""
    return f"LicenseRef-{_slug(text)}"


# --------------------------------------------------------------------------------------------- names

_VWORD = r"(?:v(?:er(?:sion)?)?\.?[\s_\-]*)?"


@dataclass(frozen=True)
class _Mention:
    """A licence name found in text: its SPDX reading, span and how sure the reading is."""

    expression: str
    start: int
    end: int
    vague: str | None = None
    strong: bool = True  # False: a bare token (MIT, BSD, Apache…) that needs licence context in prose
    url: bool = False


def _ver(raw: str | None) -> str | None:
    """'3' -> '3.0', '1_2' -> '1.2', '2.1' -> '2.1'."""
    if not raw:
        return None
    v = raw.replace("_", ".").replace(",", ".")
    return v if "." in v else f"{v}.0"


_GNU_RE = re.compile(
    r"\b(?:gnu[\s_\-]*)?(?:(?:(?P<kind>affero|lesser|library)[\s_\-]+)?general[\s_\-]+public[\s_\-]+licen[cs]e|"
    r"(?P<kinda>a|l)?gpl(?=[^a-z]))"
    r"(?:[^.;:]{0,120}?\bversion[\s_]+(?P<nver>[123](?:\.\d)?)(?!\d)(?:[\s_]+of[\s_]+the[\s_]+licen[cs]e)?"
    r"(?P<nlater>,?[\s_]*or[\s_]*\(?at[\s_]+your[\s_]+option\)?[\s_]*any[\s_]+later[\s_]+version)?)?",
    re.I,
)
_GNU_SHORT_RE = re.compile(
    r"\b(?:gnu[\s_\-]*)?(?P<kind>a|l)?gpl(?=v\d|[^a-z]|$)"
    r"|\b(?:gnu[\s_\-]*)?(?:(?P<kind2>affero|lesser|library)[\s_\-]+)?general[\s_\-]+public[\s_\-]+licen[cs]e",
    re.I,
)
_GNU_TAIL_RE = re.compile(
    r"(?:[\s_,\-]*(?:v(?:er(?:sion)?)?\.?[\s_\-]*)?(?P<ver>[123](?:\.\d)?)(?![\d]))?"
    r"(?P<later>\+|[\s_\-]*,?[\s_\-]*or[\s_\-]+(?:\(?at[\s_]+your[\s_]+option\)?[\s_]*)?(?:any[\s_]+)?"
    r"(?:later|newer|greater)(?:[\s_]+versions?)?|-or-later)?(?P<only>[\s_\-]+only\b)?",
    re.I,
)

_CERN_RE = re.compile(
    r"\bcern[\s_\-]*(?P<base>open[\s_\-]*hardware[\s_\-]*licen[cs]es?|ohl)"
    r"(?:[\s_(\"'“”\-]*(?:cern[\s_\-]*)?ohl[\"'“”)]*)?"
    r"(?:[\s_\-–,]*" + _VWORD + r"(?P<v1>2(?:\.0)?(?!\d|\.\d)|1[._]\d))?"
    r"(?:[\s_\-–,:]*(?P<var>strongly[\s_\-]*reciprocal|weakly[\s_\-]*reciprocal|permissive|[swp](?![a-z0-9])))?"
    r"(?:[\s_\-–]*" + _VWORD + r"(?P<v2>2(?:\.0)?(?!\d|\.\d)|1[._]\d))?",
    re.I,
)
_OHL_VER_RE = re.compile(r"\bohl[\s_\-]*v?[\s_\-]*1[._](?P<minor>[12])(?!\d)", re.I)
_TAPR_RE = re.compile(
    r"\btapr(?P<lic>[\s_\-]*open[\s_\-]*hardware[\s_\-]*licen[cs]e|[\s_\-]*ohl)?"
    r"(?:[\s_\-,]*" + _VWORD + r"1(?:\.0)?(?!\d|\.\d))?",
    re.I,
)
_SHL_RE = re.compile(
    r"\b(?:solderpad(?P<lic>[\s_\-]*hardware)?(?:[\s_\-]*licen[cs]e)?|shl(?=[\s_\-]*v?[\s_\-]*[02]))"
    r"(?:[\s_\-,]*" + _VWORD + r"(?P<v>0\.51|0\.5|2\.0|2\.1|2(?!\d|\.\d)))?",
    re.I,
)
_CC_MOD = r"(?:non[\s_\-]*commercial|nc|share[\s_\-]*alike|sa|no[\s_\-]*deriv(?:ative)?s?|nd)"
_CC_RE = re.compile(
    r"\b(?P<pre>creative[\s_\-]+commons|cc)(?:[\s_\-]*licen[cs]e)?[\s_\-]*"
    r"(?P<mods>(?:attribution|by)(?![a-z])(?:[\s_\-]*" + _CC_MOD + r"(?![a-z]))*)"
    r"(?:[\s_\-]*licen[cs]e)?(?:[\s_\-,]*" + _VWORD + r"(?P<v>[1-4]\.0|2\.5|[1-4](?!\d|\.\d)))?"
    r"(?:[\s_\-]*(?:international|unported|generic))?",
    re.I,
)
_CC_TITLE_RE = re.compile(
    r"\b(?P<mods>attribution(?:[\s_\-]*" + _CC_MOD + r"(?![a-z]))*)[\s_\-]+(?P<v>[1-4]\.0|2\.5)"
    r"(?:[\s_\-]+(?:international|unported|generic))",
    re.I,
)
_CC_URL_RE = re.compile(r"creativecommons\.org/licenses/(?P<code>[a-z\-]+)/(?P<v>\d\.\d)", re.I)
_CC0_RE = re.compile(
    r"\b(?:cc[\s_\-]*(?:0|zero)(?!\d|\.\d)|creative[\s_\-]*commons[\s_\-]*(?:zero|cc[\s_\-]*0))"
    r"(?:[\s_\-]*(?:v?1\.0|universal))*|creativecommons\.org/publicdomain/zero",
    re.I,
)
_CC_BARE_RE = re.compile(r"\bcreative[\s_\-]+commons\b(?:[\s_\-]*licen[cs]e)?", re.I)
_MIT_RE = re.compile(r"\b(?:mit|expat)(?P<lic>[\s_\-]*(?:licen[cs]e[sd]?|style))?(?![a-z\d])", re.I)
_BSD_RE = re.compile(
    r"\b(?:(?P<pre>new|modified|revised|simplified|free)[\s_\-]+|(?P<n0>[0234]|two|three|four|zero)[\s_\-]*clause"
    r"[\s_\-]+)?bsd"
    r"(?:[\s_\-]*(?P<n>[0234]|two|three|four|zero)[\s_\-]*clause)?(?P<lic>[\s_\-]*licen[cs]e)?(?![a-z])",
    re.I,
)
_APACHE_RE = re.compile(
    r"\bapache(?P<lic>(?:[\s_\-]*software)?[\s_\-]*licen[cs]e)?"
    r"(?:[\s_\-,]*" + _VWORD + r"(?P<v>2\.0|2|1\.1|1\.0)(?!\d|\.\d))?",
    re.I,
)
_MPL_RE = re.compile(
    r"\b(?:mozilla[\s_\-]*public[\s_\-]*licen[cs]e|mpl)"
    r"(?:[\s_\-,]*" + _VWORD + r"(?P<v>2\.0|1\.1|1\.0|2|1)(?!\d|\.\d))?",
    re.I,
)
_EPL_RE = re.compile(
    r"\b(?:eclipse[\s_\-]*public[\s_\-]*licen[cs]e|epl)(?:[\s_\-,]*" + _VWORD + r"(?P<v>2\.0|1\.0|2|1)(?!\d|\.\d))?",
    re.I,
)
_EUPL_RE = re.compile(r"\beupl(?:[\s_\-,]*" + _VWORD + r"(?P<v>1\.[12]))?", re.I)
_SIMPLE = [
    (re.compile(r"\bunlicen[cs]e\b|unlicense\.org", re.I), "Unlicense", True),
    (re.compile(r"\bisc[\s_\-]*licen[cs]e\b", re.I), "ISC", True),
    (re.compile(r"\bzlib(?:/libpng)?[\s_\-]*licen[cs]e\b", re.I), "Zlib", True),
    (re.compile(r"\bboost[\s_\-]*software[\s_\-]*licen[cs]e\b", re.I), "BSL-1.0", True),
    (re.compile(r"\bwtfpl\b|do what the fuck you want", re.I), "WTFPL", True),
    (re.compile(r"\bsil[\s_\-]*open[\s_\-]*font[\s_\-]*licen[cs]e\b|\bofl[\s_\-]*1\.1\b", re.I), "OFL-1.1", True),
    (re.compile(r"\bartistic[\s_\-]*licen[cs]e[\s_\-]*(?:v|version)?[\s_\-]*2\.0\b", re.I), "Artistic-2.0", True),
]
_PD_RE = re.compile(r"\bpublic[\s_\-]+domain\b", re.I)
_SPDX_ID_RE = re.compile(r"SPDX-License-Identifier:\s*(?P<expr>[A-Za-z0-9.+\-() ]+)", re.I)


# Each mention pattern runs only on sentences holding one of its literal words: most sentences hold none.
(_SPDX_ID_RE, _GNU_RE, _GNU_SHORT_RE, _CERN_RE, _OHL_VER_RE, _TAPR_RE, _SHL_RE, _CC0_RE, _CC_URL_RE, _CC_RE,
 _CC_TITLE_RE, _CC_BARE_RE, _MIT_RE, _BSD_RE, _APACHE_RE, _MPL_RE, _EPL_RE, _EUPL_RE, _PD_RE) = (  # type: ignore[assignment]
    gate(rx) for rx in (_SPDX_ID_RE, _GNU_RE, _GNU_SHORT_RE, _CERN_RE, _OHL_VER_RE, _TAPR_RE, _SHL_RE, _CC0_RE,
                        _CC_URL_RE, _CC_RE, _CC_TITLE_RE, _CC_BARE_RE, _MIT_RE, _BSD_RE, _APACHE_RE, _MPL_RE,
                        _EPL_RE, _EUPL_RE, _PD_RE))
_SIMPLE = [(gate(rx), expr, strong) for rx, expr, strong in _SIMPLE]  # type: ignore[misc]
_ANY_MENTION = any_of([_SPDX_ID_RE, _GNU_RE, _GNU_SHORT_RE, _CERN_RE, _OHL_VER_RE, _TAPR_RE, _SHL_RE, _CC0_RE,  # type: ignore[list-item]
                       _CC_URL_RE, _CC_RE, _CC_TITLE_RE, _CC_BARE_RE, _MIT_RE, _BSD_RE, _APACHE_RE, _MPL_RE,
                       _EPL_RE, _EUPL_RE, _PD_RE] + [rx for rx, _, _ in _SIMPLE])
_MENTION_GATES: list[Gated] = [_SPDX_ID_RE, _GNU_RE, _GNU_SHORT_RE, _CERN_RE, _OHL_VER_RE, _TAPR_RE,  # type: ignore[list-item]
                               _SHL_RE, _CC0_RE, _CC_URL_RE, _CC_RE, _CC_TITLE_RE, _CC_BARE_RE, _MIT_RE, _BSD_RE,
                               _APACHE_RE, _MPL_RE, _EPL_RE, _EUPL_RE, _PD_RE, *(rx for rx, _, _ in _SIMPLE)]
#: every literal the mention gates read (their keys and clause words): `_held` of a text decides each of those
#: gates with a set test, instead of each gate finding the text's literals again through `Gated.may_match`
_MENTION_LITERALS = tuple(sorted(
    {k for g in _MENTION_GATES for k in g.keys or ()}
    | {k for g in _MENTION_GATES for alt in g.clauses or () for s in alt for k in s}))


def _lowered(text: str) -> str:
    """`_docgate.lower(text)`, the text lower-cased as the gates read it, with the three characters it folds replaced
    one by one: on non-ASCII text that costs a few ns a character, str.translate with its table some 90."""
    if text.isascii():
        return text.lower()
    return text.replace("\u0130", "i").replace("\u0131", "i").replace("\u017f", "s").lower()


def _held(low: str) -> frozenset[str]:
    """The mention-gate literals occurring in `low` (a text lower-cased by `_lowered`): `gated.passes(_held(low))`
    is `gated.may_match(text)` for every mention gate, since a gate reads no literal outside its keys and clauses."""
    return frozenset([k for k in _MENTION_LITERALS if k in low])


def _run(gated: Gated, text: str, held: frozenset[str]) -> Iterable[re.Match[str]]:
    """`gated.finditer(text)`, its gate answered from `held` (`_held` of the lower-cased text); most gates share
    no literal with `held`, which one set test tells before `passes` reads the gate's clauses."""
    keys = gated.keys
    if (keys is not None and keys.isdisjoint(held)) or not gated.passes(held):
        return ()
    return gated.pattern.finditer(text)


def _gnu_expr(kind: str | None, ver: str | None, later: bool, only: bool) -> tuple[str, str | None]:
    """SPDX id for a GNU licence name, or a family placeholder (and its family key) when unversioned."""
    k = (kind or "").lower()
    base = "AGPL" if k in ("a", "affero") else "LGPL" if k in ("l", "lesser", "library") else "GPL"
    v = _ver(ver)
    valid = {"GPL": ("1.0", "2.0", "3.0"), "LGPL": ("2.0", "2.1", "3.0"), "AGPL": ("1.0", "3.0")}[base]
    if v not in valid:  # no version: the GNU licences then allow any version ever published
        return {"GPL": "GPL-1.0-or-later", "LGPL": "LGPL-2.0-or-later", "AGPL": "AGPL-3.0-or-later"}[base], \
            f"GNU-{base}"
    suffix = "-or-later" if later and not only else "-only"
    return f"{base}-{v}{suffix}", None


def _cc_expr(mods: str, ver: str | None) -> tuple[str, str | None]:
    """SPDX id for a Creative Commons name (BY/NC/SA/ND modifiers), defaulting to 4.0 when unversioned."""
    toks = set()
    for t in re.findall(r"non[\s_\-]*commercial|share[\s_\-]*alike|no[\s_\-]*deriv(?:ative)?s?|nc|sa|nd", mods.lower()):
        t = re.sub(r"[\s_\-]", "", t)
        toks.add("NC" if t in ("nc", "noncommercial") else "SA" if t in ("sa", "sharealike") else "ND")
    parts = ["CC-BY"] + (["NC"] if "NC" in toks else []) + (["ND"] if "ND" in toks else ["SA"] if "SA" in toks else [])
    family = "-".join(parts)
    v = _ver(ver)
    if v not in ("1.0", "2.0", "2.5", "3.0", "4.0"):
        return f"{family}-4.0", family
    return f"{family}-{v}", None


def _cc_code_expr(code: str, ver: str) -> tuple[str, str | None]:
    """SPDX id from a creativecommons.org/licenses/<code>/<ver> URL."""
    return _cc_expr("by " + code.lower().replace("by", "").replace("-", " "), ver)


def _find_mentions(text: str, *, loose: bool = False, low: str | None = None) -> list[_Mention]:
    """Every licence name in `text`, non-overlapping, in order; `loose` also reads bare tokens (MIT, CERN…);
    `low` is `_lowered(text)` when the caller has it."""
    found: list[_Mention] = []
    held = _held(_lowered(text) if low is None else low)
    if not loose and not _ANY_MENTION.passes(held):
        return found

    def add(expr: str, m: re.Match[str], vague: str | None = None, strong: bool = True) -> None:
        found.append(_Mention(expr, m.start(), m.end(), vague, strong))

    for m in _run(_SPDX_ID_RE, text, held):
        expr = _spdx(m.group("expr").strip())
        if expr:
            found.append(_Mention(expr, m.start(), m.end()))
    for m in _run(_GNU_RE, text, held):
        if m.group("nver"):
            kind = m.group("kind") or m.group("kinda")
            expr, vague = _gnu_expr(kind, m.group("nver"), bool(m.group("nlater")), False)
            add(expr, m, vague)
    for m in _run(_GNU_SHORT_RE, text, held):
        tail = _GNU_TAIL_RE.match(text, m.end())
        kind = m.group("kind") or m.group("kind2")
        ver = tail.group("ver") if tail else None
        expr, vague = _gnu_expr(kind, ver, bool(tail and tail.group("later")), bool(tail and tail.group("only")))
        end = tail.end() if tail and (ver or tail.group("later")) else m.end()
        found.append(_Mention(expr, m.start(), end, vague))
    for m in _run(_CERN_RE, text, held):
        var = (m.group("var") or "").lower()
        ver = _ver(m.group("v1") or m.group("v2"))
        letter = {"s": "S", "w": "W", "p": "P"}.get(var[:1]) if var else None
        if letter:
            add(f"CERN-OHL-{letter}-2.0", m)
        elif ver in ("1.1", "1.2"):
            add(f"CERN-OHL-{ver}", m)
        elif ver == "2.0":
            add("LicenseRef-CERN-OHL-2.0", m, "CERN-OHL-2")
        else:
            add("CERN-OHL-1.2", m, "CERN-OHL")
    for m in _run(_OHL_VER_RE, text, held):
        add(f"CERN-OHL-1.{m.group('minor')}", m)
    for m in _run(_TAPR_RE, text, held):
        add("TAPR-OHL-1.0", m, strong=bool(m.group("lic")))
    for m in _run(_SHL_RE, text, held):
        v = m.group("v")
        if v:
            add(f"SHL-{'2.0' if v == '2' else v}", m)
        elif m.group(0).lower().startswith("solderpad"):
            add("SHL-0.51", m, "SHL", strong=bool(m.group("lic")))
    for m in _run(_CC0_RE, text, held):
        add("CC0-1.0", m)
    for m in _run(_CC_URL_RE, text, held):
        expr, vague = _cc_code_expr(m.group("code"), m.group("v"))
        found.append(_Mention(expr, m.start(), m.end(), vague, True, url=True))
    for m in _run(_CC_RE, text, held):
        expr, vague = _cc_expr(m.group("mods"), m.group("v"))
        add(expr, m, vague)
    for m in _run(_CC_TITLE_RE, text, held):
        expr, vague = _cc_expr(m.group("mods"), m.group("v"))
        add(expr, m, vague)
    for m in _run(_CC_BARE_RE, text, held):
        add("LicenseRef-Creative-Commons", m, "CC")
    for m in _run(_MIT_RE, text, held):
        add("MIT", m, strong=bool(m.group("lic")))
    for m in _run(_BSD_RE, text, held):
        n = (m.group("n") or m.group("n0") or "").lower()
        pre = (m.group("pre") or "").lower()
        strong = bool(m.group("lic") or n or pre)
        count = {"2": 2, "two": 2, "3": 3, "three": 3, "4": 4, "four": 4, "0": 0, "zero": 0}.get(n)
        if count is None and pre:
            count = 2 if pre in ("simplified", "free") else 3
        if count == 0:
            add("0BSD", m, strong=strong)
        elif count:
            add(f"BSD-{count}-Clause", m, strong=strong)
        else:
            add("LicenseRef-BSD", m, "BSD", strong=strong)
    for m in _run(_APACHE_RE, text, held):
        v = _ver(m.group("v"))
        add(f"Apache-{v}" if v else "Apache-2.0", m, None if v else "Apache",
            strong=bool(m.group("lic") or m.group("v")))
    for m in _run(_MPL_RE, text, held):
        v = _ver(m.group("v"))
        add(f"MPL-{v}" if v else "MPL-2.0", m, None if v else "MPL", strong=bool(v) or len(m.group(0)) > 4)
    for m in _run(_EPL_RE, text, held):
        v = _ver(m.group("v"))
        add(f"EPL-{v}" if v else "EPL-2.0", m, None if v else "EPL", strong=bool(v) or len(m.group(0)) > 4)
    for m in _run(_EUPL_RE, text, held):
        v = m.group("v")
        add(f"EUPL-{v}" if v else "EUPL-1.2", m, None if v else "EUPL")
    for rx, expr, strong in _SIMPLE:
        for m in _run(rx, text, held):
            add(expr, m, strong=strong)
    for m in _run(_PD_RE, text, held):
        add("LicenseRef-Public-Domain", m, "PD")
    if loose:
        for m in re.finditer(r"\bcern\b(?![\s_\-]*(?:open|ohl))", text, re.I):
            add("CERN-OHL-1.2", m, "CERN-OHL")
        for m in re.finditer(r"(?<!cern )(?<!cern-)(?<!cern_)(?<!tapr )\bohl\b(?![\s_\-]*v?[\s_\-]*[12][._])",
                             text, re.I):
            add("TAPR-OHL-1.0", m)
        for m in re.finditer(r"\bcc[\s_\-]*by\b", text, re.I):
            add("CC-BY-4.0", m, "CC-BY")
    # URL mentions (inside links) are kept apart; among the rest keep the earliest, then the longest
    found.sort(key=lambda x: (x.url, x.start, -(x.end - x.start)))
    kept: list[_Mention] = []
    for mention in found:
        if any(mention.start < k.end and k.start < mention.end and k.url == mention.url for k in kept):
            continue
        kept.append(mention)
    return sorted(kept, key=lambda x: (x.start, x.url))


_NOT_A_LICENCE = {
    "", "none", "other", "no software", "no-software", "n a", "na", "nil", "null", "unknown", "noassertion",
    "not specified", "unspecified", "see license", "see licence", "tbd", "todo", "no license", "no licence",
    "not applicable", "no documentation", "no hardware", "-",
}
_LOOSE_ALIASES = {
    "cern": "CERN-OHL-1.2", "cern ohl": "CERN-OHL-1.2", "ohl": "TAPR-OHL-1.0", "tapr": "TAPR-OHL-1.0",
    "tapr ohl": "TAPR-OHL-1.0", "solderpad": "SHL-0.51", "apache": "Apache-2.0", "mit": "MIT",
    "gpl": "GPL-1.0-or-later", "lgpl": "LGPL-2.0-or-later", "agpl": "AGPL-3.0-or-later", "bsd": "LicenseRef-BSD",
    "gnu gpl": "GPL-1.0-or-later", "gnu lgpl": "LGPL-2.0-or-later", "gnu agpl": "AGPL-3.0-or-later",
    "cc 0": "CC0-1.0", "cc0": "CC0-1.0", "cc by": "CC-BY-4.0", "cc by sa": "CC-BY-SA-4.0",
    "cc by nc": "CC-BY-NC-4.0", "cc by nc sa": "CC-BY-NC-SA-4.0", "cc by nd": "CC-BY-ND-4.0",
    "cc by nc nd": "CC-BY-NC-ND-4.0", "public domain": "LicenseRef-Public-Domain",
    "proprietary": "LicenseRef-Proprietary", "all rights reserved": "LicenseRef-All-Rights-Reserved",
    "commercial": "LicenseRef-Proprietary", "closed source": "LicenseRef-Proprietary",
    "non commercial": "LicenseRef-Non-Commercial", "noncommercial": "LicenseRef-Non-Commercial",
}


def _key(text: str) -> str:
    """Lower-case, punctuation-free key of a short licence name."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower().replace("licence", "license")).split())


def _combine(exprs: list[str], op: str) -> str:
    """Join expressions with AND / OR, parenthesising compound parts; duplicates are dropped."""
    uniq: list[str] = []
    for e in exprs:
        if e not in uniq:
            uniq.append(e)
    if len(uniq) == 1:
        return uniq[0]
    return f" {op} ".join(f"({e})" if " " in e else e for e in uniq)


def _normalize(text: str) -> tuple[str | None, str | None]:
    """(expression, vague family) for a licence name or expression; (None, None) for 'None'/'Other'."""
    raw = text.strip().strip("\"'`")
    key = _key(raw)
    if key in _NOT_A_LICENCE or not key:
        return None, None
    alias = _LOOSE_ALIASES.get(key.removesuffix(" license").removesuffix(" licensed"))
    spdx = None if alias else _spdx(raw)
    if spdx:
        return spdx, None
    if alias:
        vague = {"GPL-1.0-or-later": "GNU-GPL", "LGPL-2.0-or-later": "GNU-LGPL", "LicenseRef-BSD": "BSD",
                 "CERN-OHL-1.2": "CERN-OHL", "SHL-0.51": "SHL", "AGPL-3.0-or-later": "GNU-AGPL",
                 "Apache-2.0": "Apache"}.get(alias)
        if alias.startswith("CC-BY") and not re.search(r"\d", key):
            vague = alias.rsplit("-", 1)[0]
        return alias, vague
    mentions = _find_mentions(raw, loose=True)
    if not mentions:
        return _ref(raw), None
    if len(mentions) == 1:
        m = mentions[0]
        return m.expression, m.vague
    # several names: the connector between each pair decides OR / AND
    groups: list[str] = [mentions[0].expression]
    ops: list[str] = []
    for a, b in zip(mentions, mentions[1:], strict=False):
        between = raw[a.end:b.start].lower()
        ops.append("OR" if re.search(r"\bor\b|/|\|", between) else "AND")
        groups.append(b.expression)
    op = "OR" if all(o == "OR" for o in ops) else "AND"
    vague = mentions[0].vague if len({m.expression for m in mentions}) == 1 else None
    return _combine(groups, op), vague


def normalize_name(text: str) -> str | None:
    """Loose licence name or expression -> normalized SPDX expression, `LicenseRef-…`, or None for 'None'/'Other'."""
    return _normalize(text)[0]


# --------------------------------------------------------------------------------------------- full texts


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


# (spdx, [phrases]) — any one phrase identifies the text; more phrases found, more confidence.
_SIGNATURES: list[tuple[str, list[str]]] = [
    ("AGPL-3.0", [
        "GNU AFFERO GENERAL PUBLIC LICENSE Version 3, 19 November 2007",
        "The GNU Affero General Public License is a free, copyleft license for software and other kinds of works",
        "This License refers to version 3 of the GNU Affero General Public License",
        "Remote Network Interaction; Use with the GNU General Public License",
    ]),
    ("LGPL-3.0", [
        "GNU LESSER GENERAL PUBLIC LICENSE Version 3, 29 June 2007",
        "This version of the GNU Lesser General Public License incorporates the terms and conditions of "
        "version 3 of the GNU General Public License",
        "refers to version 3 of the GNU Lesser General Public License",
    ]),
    ("LGPL-2.1", [
        "GNU LESSER GENERAL PUBLIC LICENSE Version 2.1, February 1999",
        "This is the first released version of the Lesser GPL",
        "This license, the Lesser General Public License, applies to some specially designated software packages",
    ]),
    ("LGPL-2.0", [
        "GNU LIBRARY GENERAL PUBLIC LICENSE Version 2, June 1991",
        "This license, the Library General Public License, applies to some specially designated",
    ]),
    ("GPL-3.0", [
        "GNU GENERAL PUBLIC LICENSE Version 3, 29 June 2007",
        "The GNU General Public License is a free, copyleft license for software and other kinds of works",
        "This License refers to version 3 of the GNU General Public License",
        "the GNU General Public License is intended to guarantee your freedom to share and change all versions "
        "of a program",
    ]),
    ("GPL-2.0", [
        "GNU GENERAL PUBLIC LICENSE Version 2, June 1991",
        "The licenses for most software are designed to take away your freedom to share and change it. By "
        "contrast, the GNU General Public License is intended",
        "This License applies to any program or other work which contains a notice placed by the copyright "
        "holder saying it may be distributed under the terms of this General Public License",
    ]),
    ("GPL-1.0", ["GNU GENERAL PUBLIC LICENSE Version 1, February 1989"]),
    ("CERN-OHL-S-2.0", [
        "CERN Open Hardware Licence Version 2 - Strongly Reciprocal",
        "this licence, CERN-OHL-S (strongly reciprocal)",
        "The CERN-OHL-S is copyright CERN 2020",
    ]),
    ("CERN-OHL-W-2.0", [
        "CERN Open Hardware Licence Version 2 - Weakly Reciprocal",
        "this licence, CERN-OHL-W (weakly reciprocal)",
        "The CERN-OHL-W is copyright CERN 2020",
    ]),
    ("CERN-OHL-P-2.0", [
        "CERN Open Hardware Licence Version 2 - Permissive",
        "this licence, CERN-OHL-P (permissive)",
        "The CERN-OHL-P is copyright CERN 2020",
    ]),
    ("CERN-OHL-1.2", [
        "CERN Open Hardware Licence v1.2",
        "Through this CERN Open Hardware Licence (\"CERN OHL\") version 1.2",
        "CERN OHL v1.2",
    ]),
    ("CERN-OHL-1.1", [
        "CERN Open Hardware Licence v1.1",
        "Through this CERN Open Hardware Licence (\"CERN OHL\") version 1.1",
        "CERN OHL v1.1",
    ]),
    ("TAPR-OHL-1.0", [
        "The TAPR Open Hardware License Version 1.0",
        "The TAPR Open Hardware License (\"OHL\") agreement provides a legal framework for Open Hardware projects",
        "Open Hardware is a thing - a physical artifact, either electrical or mechanical - whose design "
        "information is available to, and usable by, the public",
    ]),
    ("SHL-0.51", ["SOLDERPAD HARDWARE LICENSE version 0.51"]),
    ("SHL-0.5", ["SOLDERPAD HARDWARE LICENSE version 0.5 "]),
    ("SHL-2.1", ["SOLDERPAD HARDWARE LICENSE version 2.1", "Solderpad Hardware License v2.1"]),
    ("SHL-2.0", ["SOLDERPAD HARDWARE LICENSE version 2.0", "Solderpad Hardware License v2.0"]),
    ("MPL-2.0", [
        "Mozilla Public License Version 2.0",
        "means each individual or legal entity that creates, contributes to the creation of, or owns Covered "
        "Software",
        "Exhibit A - Source Code Form License Notice",
    ]),
    ("MPL-1.1", ["MOZILLA PUBLIC LICENSE Version 1.1"]),
    ("EPL-2.0", ["Eclipse Public License - v 2.0"]),
    ("EPL-1.0", ["Eclipse Public License - v 1.0"]),
    ("Apache-2.0", [
        "Apache License Version 2.0, January 2004",
        "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION",
        "Grant of Patent License. Subject to the terms and conditions of this License, each Contributor hereby "
        "grants to You",
        "Licensed under the Apache License, Version 2.0 (the \"License\")",
    ]),
    ("Unlicense", [
        "This is free and unencumbered software released into the public domain",
        "Anyone is free to copy, modify, publish, use, compile, sell, or distribute this software, either in "
        "source code form or as a compiled binary",
        "For more information, please refer to <http://unlicense.org",
    ]),
    ("CC0-1.0", [
        "CC0 1.0 Universal",
        "The laws of most jurisdictions throughout the world automatically confer exclusive Copyright and "
        "Related Rights",
        "Public License Fallback",
    ]),
    ("MIT", [
        "Permission is hereby granted, free of charge, to any person obtaining a copy of this software and "
        "associated documentation files",
        "The above copyright notice and this permission notice shall be included in all copies or substantial "
        "portions of the Software",
    ]),
    ("MIT-0", ["MIT No Attribution"]),
    ("ISC", [
        "Permission to use, copy, modify, and/or distribute this software for any purpose with or without fee "
        "is hereby granted",
        "Permission to use, copy, modify, and distribute this software for any purpose with or without fee is "
        "hereby granted, provided that the above copyright notice and this permission notice appear in all copies",
    ]),
    ("Zlib", [
        "This software is provided 'as-is', without any express or implied warranty. In no event will the "
        "authors be held liable for any damages arising from the use of this software",
        "Altered source versions must be plainly marked as such, and must not be misrepresented as being the "
        "original software",
    ]),
    ("GFDL-1.3", ["GNU Free Documentation License Version 1.3, 3 November 2008"]),
    ("GFDL-1.2", ["GNU Free Documentation License Version 1.2, November 2002"]),
    ("GFDL-1.1", ["GNU Free Documentation License Version 1.1, March 2000"]),
    ("Artistic-2.0", ["The Artistic License 2.0", "Copyright (c) 2000-2006, The Perl Foundation"]),
    ("Artistic-1.0", [
        "The intent of this document is to state the conditions under which a Package may be copied, such that "
        "the Copyright Holder maintains some semblance of artistic control over the development of the package",
    ]),
    ("BSL-1.0", ["Boost Software License - Version 1.0"]),
    ("PSF-2.0", ["PYTHON SOFTWARE FOUNDATION LICENSE VERSION 2"]),
    ("WTFPL", ["DO WHAT THE FUCK YOU WANT TO PUBLIC LICENSE"]),
    ("BSD", [
        "Redistribution and use in source and binary forms, with or without modification, are permitted provided "
        "that the following conditions are met",
        "Redistributions of source code must retain the above copyright notice, this list of conditions and the "
        "following disclaimer",
        "Redistributions in binary form must reproduce the above copyright notice",
    ]),
]
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
_SHADOWS = {
    "SHL-0.51": {"Apache-2.0"}, "SHL-0.5": {"Apache-2.0"}, "SHL-2.0": {"Apache-2.0"}, "SHL-2.1": {"Apache-2.0"},
    "LGPL-3.0": {"GPL-3.0"}, "AGPL-3.0": {"GPL-3.0"}, "LGPL-2.1": {"GPL-2.0"}, "LGPL-2.0": {"GPL-2.0"},
    "ISC": {"MIT"}, "MIT-0": {"MIT"}, "GFDL-1.3": {"*CC"}, "GFDL-1.2": {"*CC"}, "GFDL-1.1": {"*CC"},
}
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


def _identify_full(text: str) -> list[tuple[str, str, float, int]]:
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
        expr, _ = _cc_expr("by " + m.group(1), f"{m.group(2)}.{m.group(3)}")
        hits[expr] = (m.group(0).strip(), 0.9 if legal else 0.75, m.start())
    for spdx, shadowed in _SHADOWS.items():
        if spdx in hits:
            for s in shadowed:
                for key in [k for k in hits if k == s or (s == "*CC" and k.startswith("CC"))]:
                    hits.pop(key, None)
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
    hits = _identify_full(text)
    if hits:
        expr = _combine([h[0] for h in hits], "OR")
        return expr, hits[0][1], min(h[2] for h in hits)
    stmts = _short_file_statements(text)
    if stmts is None:
        title = _title(text)
        return (_ref(title), title, 0.3) if title else None
    if not stmts:
        return None
    expr = _combine([s.expression for s in stmts], "AND")
    return expr, stmts[0].phrase, min(s.confidence for s in stmts) - 0.1


#: characters of a long text whose lines `_title` reads first (the title is nearly always among them)
_TITLE_HEAD = 4096


def _title(text: str) -> str | None:
    """First line of a licence text that reads like a title; the lines of the text's head are read first, so a
    35 kB licence text is not split into all its lines for the first of them."""
    lines = text[:_TITLE_HEAD].splitlines()
    if len(text) > _TITLE_HEAD:
        lines.pop()  # may be cut short: read with the rest, if it comes to that
    title = _first_title(lines)
    if title is None and len(text) > _TITLE_HEAD:
        title = _first_title(text.splitlines()[len(lines):])  # the lines read so far are the first of these
    return title


def _first_title(lines: list[str]) -> str | None:
    """First of `lines` that reads like a title, stripped of rules and marks and cut to 80 characters."""
    for line in lines:
        line = line.strip(" \t#=*-_")
        if len(line) >= 3 and re.search(r"[A-Za-z]", line):
            return line[:80]
    return None


def _short_file_statements(text: str) -> list[LicenceStatement] | None:
    """Statements of a licence file that is not a known licence text; None when the file is a long unknown text."""
    stripped = text.strip()
    if len(stripped) <= 80 and "\n" not in stripped and len(_key(stripped).split()) <= 6 and \
            not re.search(r"copyright|\(c\)|©|reserved", stripped, re.I):
        expr, vague = _normalize(stripped)
        if expr and not expr.startswith("LicenseRef-") or _find_mentions(stripped, loose=True):
            return [LicenceStatement(expr or _ref(stripped), frozenset(), stripped, 0.8, vague, stripped)]
        return []
    if len(stripped) > 3000:
        # a long text we do not know: it may still open with a statement ("X is licensed under the MIT license")
        head = readme_licences(stripped[:1500], _licence_file=True)
        return [LicenceStatement(h.expression, h.scopes, h.phrase, h.confidence - 0.2, h.vague, h.original)
                for h in head] or None
    return readme_licences(text, _licence_file=True)


# --------------------------------------------------------------------------------------------- prose

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
_LINK_RE = re.compile(r"(!?)\[((?:[^\[\]]|\[[^\]]*\])*)\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
_HTML_A_RE = re.compile(r"<a\s[^>]*href=[\"']([^\"']+)[\"'][^>]*>(.*?)</a>", re.I | re.S)
_IMG_RE = re.compile(r"<img\s[^>]*>", re.I)
_BADGE_RE = re.compile(r"(?:shields\.io|badgen\.net|badge|travis|circleci|codecov)", re.I)
_URL_OPEN, _URL_CLOSE = "\u27e8", "\u27e9"  # ⟨url⟩ marks a link target inside cleaned text
_URL_SPAN_RE = re.compile(f"{_URL_OPEN}[^{_URL_CLOSE}]*{_URL_CLOSE}")
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


def _badge_licence(alt: str, url: str) -> list[_Mention]:
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
            return _find_mentions(value, loose=True)
    if re.search(r"licen[cs]e", alt, re.I):
        value = re.sub(r".*licen[cs]e[sd]?\s*[:\-]?\s*", "", alt, flags=re.I)
        return _find_mentions(value, loose=True) if value.strip() else []
    return []


_COMMENT_RE = re.compile(r"<!--.*?-->", re.S)
_FENCE_RE = re.compile(r"^\s*```.*?^\s*```", re.S | re.M)
_BR_RE = re.compile(r"<br\s*/?>", re.I)
_ANGLE_URL_RE = re.compile(r"<(https?://[^>\s]+)>")
_TAG_RE = re.compile(r"</?[A-Za-z][^>\n]*>")
_RST_LINK_RE = re.compile(r"`([^`<]+?)\s*<([^>`]+)>`_+")
_SRC_RE = re.compile(r"src=[\"']([^\"']+)")
_ALT_RE = re.compile(r"alt=[\"']([^\"']*)")
_LICENCE_WORD_RE = re.compile(r"licen[cs]e", re.I)
_INNER_IMG_RE = re.compile(r"!\[([^\]]*)\]\(([^)]*)\)")


def _clean_markdown(text: str) -> tuple[str, list[tuple[str, str]]]:
    """Markdown/HTML reduced to prose: comments, code and images dropped, links become 'text ⟨url⟩'.

    Also returns the badge images found, as (alt, url). Each substitution runs only when the text holds the
    literal every match of it contains ('<', '```', '](', '>`_'): most READMEs lack most markup. A literal is
    looked for only when one of its characters is there: one character is found with memchr, while str's search
    for '```' or '<!--' steps slowly through prose ('`' shares the space's slot in its skip filter, '!' the a's).
    """
    badges: list[tuple[str, str]] = []
    tick = "`" in text
    t = _COMMENT_RE.sub(" ", text) if "<" in text and "<!--" in text else text
    if tick and "```" in t:
        t = _FENCE_RE.sub(" ", t)

    def img(m: re.Match[str]) -> str:
        src = _SRC_RE.search(m.group(0))
        alt = _ALT_RE.search(m.group(0))
        if src and (_BADGE_RE.search(src.group(1)) or (alt and _LICENCE_WORD_RE.search(alt.group(1)))):
            badges.append((alt.group(1) if alt else "", src.group(1)))
        return " "

    if "<" in t:
        t = _BR_RE.sub("\n", t)
        t = _IMG_RE.sub(img, t)
        t = _HTML_A_RE.sub(lambda m: f"{m.group(2)} {_URL_OPEN}{m.group(1)}{_URL_CLOSE}", t)
        t = _ANGLE_URL_RE.sub(lambda m: f"{_URL_OPEN}{m.group(1)}{_URL_CLOSE}", t)
        t = _TAG_RE.sub(" ", t)

    def link(m: re.Match[str]) -> str:
        bang, label, url = m.group(1), m.group(2), m.group(3)
        inner = _INNER_IMG_RE.match(label.strip())
        if inner:  # [![alt](img)](target): a badge
            badges.append((inner.group(1), inner.group(2)))
            return " "
        if bang:
            if _BADGE_RE.search(url) or _LICENCE_WORD_RE.search(label):
                badges.append((label, url))
            return " "
        return f"{label} {_URL_OPEN}{url}{_URL_CLOSE}"

    for _ in range(2):
        if "]" in t and "](" in t:
            t = _LINK_RE.sub(link, t)
    # reStructuredText links: `text <url>`_
    if tick and ">`_" in t:
        t = _RST_LINK_RE.sub(lambda m: f"{m.group(1)} {_URL_OPEN}{m.group(2)}{_URL_CLOSE}", t)
    return t, badges


@dataclass
class _Unit:
    """A paragraph, list item or table row of a README, with the headings above it."""

    text: str
    headings: list[str]
    para: int
    cells: list[str] | None = None
    header_cells: list[str] | None = None


_ATX_RE = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_BOLD_HEADING_RE = re.compile(r"(\*\*|__)([^*_]{1,60})\1:?")
_ITEM_RE = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")
_LABEL_RE = re.compile(r"^\s*[\w][\w /&,()-]{0,40}:\s+\S")
_SENTENCE_SPLIT_RE = re.compile(r"[.!?;](\s+)(?=[\"'(*_\[]*[A-Z0-9])")   # the mark is kept: split_after
_UNDERLINE_RE = re.compile(r"([=\-~^*#+`'\"])\1{2,}")
_UNDERLINE_MARKS = frozenset("=-~^*#+`'\"")  # the characters an underline line starts with
_TABLE_SEP_RE = re.compile(r"\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?")


def _units(text: str) -> list[_Unit]:
    """Split cleaned markdown / reStructuredText into paragraphs, list items and table rows under their headings."""
    lines = text.splitlines()
    stack: list[tuple[int, str]] = []
    units: list[_Unit] = []
    buf: list[str] = []
    para = 0
    header: list[str] | None = None
    in_table = False
    heads: list[str] = []  # the titles on `stack`, rebuilt when it changes (units only read them)

    def flush() -> None:
        nonlocal buf
        if buf:  # the lines in `buf` are stripped already
            if any(buf):  # some line is more than white space
                units.append(_Unit(" ".join(buf), heads, para))
            buf = []

    def push(level: int, title: str) -> None:
        nonlocal para, header, in_table, heads
        flush()
        para += 1
        header, in_table = None, False
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, title.strip(" #*_:=")))
        heads = [h for _, h in stack]

    def cells_of(line: str) -> list[str]:
        return [c.strip() for c in line.strip().strip("|").split("|")]

    # each pattern is tried only on a line holding the character every match of it starts with (most lines are
    # plain prose, which then costs no regex at all); the lines are stripped once, not again as the next line
    strips = [ln.strip() for ln in lines]
    strips.append("")
    n = len(lines)
    i = 0
    while i < n:
        line = lines[i]
        stripped = strips[i]
        nxt = strips[i + 1]
        atx = _ATX_RE.match(line) if stripped[:1] == "#" else None
        if atx:
            push(len(atx.group(1)), atx.group(2))
            i += 1
            continue
        if "|" in stripped and _TABLE_SEP_RE.fullmatch(nxt) and "-" in nxt:
            flush()
            header, in_table = cells_of(stripped), True
            units.append(_Unit(" | ".join(header), heads, para, header, None))
            i += 2
            continue
        if in_table and "|" in stripped:
            cells = cells_of(stripped)
            units.append(_Unit(" | ".join(cells), heads, para, cells, header))
            i += 1
            continue
        in_table = False
        if stripped and nxt[:1] in _UNDERLINE_MARKS and _UNDERLINE_RE.fullmatch(nxt) and len(stripped) <= 120 and \
                not _UNDERLINE_RE.fullmatch(stripped):
            push({"=": 1, "-": 2}.get(nxt[0], 3), stripped)
            i += 2
            continue
        if stripped[:1] in _UNDERLINE_MARKS and _UNDERLINE_RE.fullmatch(stripped):
            flush()
            i += 1
            continue
        bold = _BOLD_HEADING_RE.fullmatch(stripped) if stripped[:2] in ("**", "__") else None
        if bold:
            push(7, bold.group(2))
            i += 1
            continue
        if not stripped:
            flush()
            para += 1
            i += 1
            continue
        first = stripped[0]
        if ((first in "-*+•" or first.isdigit()) and _ITEM_RE.match(line)) or (":" in line and _LABEL_RE.match(line)):
            flush()
            buf.append(_ITEM_RE.sub("", line).strip())
            i += 1
            continue
        buf.append(stripped)
        i += 1
    flush()
    return units


def _sentences(text: str) -> list[str]:
    """Sentences of a unit (split after '.', '!', '?' or ';' before a capital or digit)."""
    parts = split_after(_SENTENCE_SPLIT_RE, text)
    return [p.strip() for p in parts if p.strip()]


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
    return _URL_SPAN_RE.sub(lambda m: " " * len(m.group(0)), "".join(chars))


def _in_url(sentence: str, pos: int) -> bool:
    """True when position `pos` of a cleaned sentence lies inside a ⟨url⟩."""
    return sentence.rfind(_URL_OPEN, 0, pos + 1) > sentence.rfind(_URL_CLOSE, 0, pos + 1)


def _merge_url_mentions(sentence: str, mentions: list[_Mention]) -> list[_Mention]:
    """Fold a link target's licence into the link text before it (the URL's version beats the text's guess)."""
    texts = [m for m in mentions if not m.url and not _in_url(sentence, m.start)]
    urls = [m for m in mentions if (m.url or _in_url(sentence, m.start)) and m.strong]
    out: list[_Mention] = []
    used: set[int] = set()
    for m in texts:
        link = re.match(rf"\s*{_URL_OPEN}[^{_URL_CLOSE}]*{_URL_CLOSE}", sentence[m.end:])
        replacement = m
        if link:
            lo, hi = m.end, m.end + link.end()
            for j, u in enumerate(urls):
                if lo <= u.start < hi and _same_family(m, u):
                    if m.vague or u.vague is None:
                        replacement = _Mention(u.expression, m.start, hi, u.vague, True)
                    else:
                        replacement = _Mention(m.expression, m.start, hi, m.vague, True)
                    used.add(j)
        out.append(replacement)
    for j, u in enumerate(urls):
        if j not in used and not any(o.start <= u.start < o.end for o in out):
            out.append(_Mention(u.expression, u.start, u.end, u.vague, True, url=True))
    out.sort(key=lambda x: x.start)
    dedup: list[_Mention] = []
    for m in out:
        if dedup and m.start < dedup[-1].end:
            continue
        dedup.append(m)
    return dedup


def _family_of(expr: str) -> str:
    """Coarse family of an SPDX id, used to refine a vague name ('GNU-GPL', 'CERN-OHL-2', 'CC-BY-SA', …)."""
    e = expr.upper()
    for prefix, fam in (("AGPL", "GNU-AGPL"), ("LGPL", "GNU-LGPL"), ("GPL", "GNU-GPL"),
                        ("LICENSEREF-AGPL", "GNU-AGPL"), ("LICENSEREF-LGPL", "GNU-LGPL"),
                        ("LICENSEREF-GPL", "GNU-GPL")):
        if e.startswith(prefix):
            return fam
    if re.match(r"CERN-OHL-[SWP]-2|LICENSEREF-CERN-OHL-2", e):
        return "CERN-OHL-2"
    if e.startswith("CERN-OHL"):
        return "CERN-OHL-1"
    m = re.match(r"(CC-BY(?:-NC)?(?:-SA|-ND)?)-\d", e)
    if m:
        return m.group(1)
    if e.startswith("CC0") or e in ("UNLICENSE", "LICENSEREF-PUBLIC-DOMAIN"):
        return "PD"
    if "BSD" in e:
        return "BSD"
    for prefix in ("SHL", "MPL", "EPL", "EUPL", "APACHE", "TAPR"):
        if e.startswith(prefix):
            return prefix
    if e == "LICENSEREF-CREATIVE-COMMONS":
        return "CC"
    return e


_VAGUE_ACCEPTS = {
    "GNU-GPL": {"GNU-GPL", "GNU-LGPL", "GNU-AGPL"}, "GNU-LGPL": {"GNU-LGPL"}, "GNU-AGPL": {"GNU-AGPL"},
    "CERN-OHL": {"CERN-OHL-1", "CERN-OHL-2"}, "CERN-OHL-2": {"CERN-OHL-2"}, "BSD": {"BSD"},
    "PD": {"PD"}, "SHL": {"SHL"}, "MPL": {"MPL"}, "EPL": {"EPL"}, "EUPL": {"EUPL"}, "Apache": {"APACHE"},
    "CC": {"CC-BY", "CC-BY-SA", "CC-BY-NC", "CC-BY-ND", "CC-BY-NC-SA", "CC-BY-NC-ND", "PD"},
}


def _refines(vague: str, expr: str) -> bool:
    """True when the specific `expr` is a version of the vaguely named family `vague`."""
    return _family_of(expr) in _VAGUE_ACCEPTS.get(vague, {vague}) and not expr.startswith("LicenseRef-")


def _same_family(a: _Mention, b: _Mention) -> bool:
    """True when two mentions name the same licence family (a link's text and its URL)."""
    if _family_of(a.expression) == _family_of(b.expression):
        return True
    return bool(a.vague and _refines(a.vague, b.expression)) or bool(b.vague and _refines(b.vague, a.expression))


def _assign_scopes(sentence: str, mentions: list[_Mention]) -> list[tuple[list[_Mention], set[str]]]:
    """Group mentions joined by 'or' / 'and' and give each group the content types its clause names:
    a parenthesis after it, 'for <type>' after it, else the words between it and the previous group."""
    masked = _mask(sentence, [(m.start, m.end) for m in mentions])
    groups: list[list[_Mention]] = []
    for m in mentions:
        if groups:
            between = masked[groups[-1][-1].end:m.start]
            if re.fullmatch(r"[\s,]*(?:or|and/or|/|\||,|and)?[\s,]*(?:the\s+)?", between, re.I):
                groups[-1].append(m)
                continue
        groups.append([m])
    out: list[tuple[list[_Mention], set[str]]] = []
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


def _group_expression(sentence: str, group: list[_Mention]) -> tuple[str, str | None]:
    """Expression of a group of adjacent mentions: OR when the text says 'or', else AND."""
    if len(group) == 1:
        return group[0].expression, group[0].vague
    ops = []
    for a, b in zip(group, group[1:], strict=False):
        ops.append("OR" if re.search(r"\bor\b|/|\|", sentence[a.end:b.start], re.I) else "AND")
    op = "OR" if all(o == "OR" for o in ops) else "AND"
    return _combine([m.expression for m in group], op), None


def _accept(sentence: str, mentions: list[_Mention], in_licence: bool) -> list[_Mention]:
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


_KEYS = sorted(_ANY_MENTION.keys or (), key=lambda k: (len(k), k))
#: the mention gate's literals without white space that hold none of the others
_KEYS_PLAIN = tuple(k for k in _KEYS if k.split() == [k] and not any(j != k and j in k for j in _KEYS))
#: those that hold shorter ones (looked for only when those are there), shortest first
_KEYS_NESTED = tuple((k, frozenset(j for j in _KEYS if j != k and j in k)) for k in _KEYS
                     if k.split() == [k] and k not in _KEYS_PLAIN)
#: and those with white space, with their words
_KEYS_SPACED = tuple((k, tuple(k.split())) for k in _KEYS if k.split() != [k])


def _doc_keys(low: str) -> frozenset[str]:
    """The mention-gate literals a cleaned README (`low`, lower-cased) may hold in its units: a unit joins pieces of
    the text's lines with spaces, so a literal without white space is in a unit only if it is in the text, and one
    with spaces only if each of its words is (a superset is safe: it only narrows the gate less). A literal holding
    a shorter one the text lacks ('unlicense.org', 'licen') is not looked for: each look is a scan of the text."""
    found = {k for k in _KEYS_PLAIN if k in low}
    for k, inner in _KEYS_NESTED:
        if found.issuperset(inner) and k in low:
            found.add(k)
    found.update(k for k, words in _KEYS_SPACED if all(w in low for w in words))
    return frozenset(found)


def readme_licences(markdown: str, *, _licence_file: bool = False) -> list[LicenceStatement]:
    """Licences a README states (licence section, 'licensed under …' sentences, licence tables, badges).

    Each statement carries the content types the text ties it to ('All hardware is …', '… (software)', a
    'Software' heading, a table column); empty scopes mean the text names none or says 'all content'. Credits
    for third-party parts ('based on … by …, CC license') and sentences without licence wording are ignored.
    """
    if not markdown or not markdown.strip():
        return []
    text, badges = _clean_markdown(markdown)
    out: list[LicenceStatement] = []
    seen: set[tuple[str, frozenset[str]]] = set()

    def emit(expr: str, scopes: set[str], phrase: str, conf: float, vague: str | None, orig: str) -> None:
        key = (expr, frozenset(scopes))
        if key in seen:
            return
        seen.add(key)
        phrase = _URL_SPAN_RE.sub(lambda m: f"<{m.group(0)[1:-1]}>", " ".join(phrase.split()))
        orig = _URL_SPAN_RE.sub("", " ".join(orig.split())).strip()
        out.append(LicenceStatement(expr, frozenset(scopes), phrase[:240], round(conf - (0.2 if vague else 0), 3),
                                    vague, orig or None))

    # the mention literals the cleaned text holds (a few `in` tests per sentence then, not a scan): without one, no
    # sentence, table cell or loose reading can name a licence, and the text is not even split into units
    held = _doc_keys(_lowered(text))
    units = _units(text) if held or _ANY_MENTION.keys is None else []
    mention_gate = DocGate.of_scope(_ANY_MENTION, held)
    for unit in units:
        # a paragraph without a mention literal has no sentence with one (it is skipped unsplit); table rows all go
        # on. Each is lower-cased with `_lowered`: `Pieces` would lower-case non-ASCII text at ~90 ns a character
        if unit.cells is None and not mention_gate.may_match(_lowered(unit.text)):
            continue
        in_licence = _licence_file or any(_heading_kind(h)[0] for h in unit.headings)
        credits = bool(unit.headings and _heading_kind(unit.headings[-1])[1] and not in_licence)
        if unit.cells is not None:
            _table_row(unit, in_licence, emit)
            continue
        # content types named by the paragraph's earlier sentences (masked), read only when an anaphora needs them
        earlier: list[tuple[str, list[_Mention]]] = []
        for sentence in _sentences(unit.text):
            low_s = _lowered(sentence)
            found = _find_mentions(sentence, low=low_s) if mention_gate.may_match(low_s) else []
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


@_remember_short
def _heading_kind(heading: str) -> tuple[bool, bool]:
    """(heads a licence section, heads a credits section); every unit under a heading asks."""
    return _LICENCE_HEADING_RE.search(heading) is not None, _SKIP_HEADING_RE.search(heading) is not None


def _heading_scope(headings: list[str]) -> set[str]:
    """Content types the last heading names; only a short section name ('Software', 'PCB design') scopes what
    is under it, not a project title. Read only for a statement that names no scope of its own."""
    return _scopes_in(headings[-1]) if headings and len(headings[-1].split()) <= 4 else set()


def _para_scope(earlier: list[tuple[str, list[_Mention]]]) -> set[str]:
    """Content types the earlier sentences of a paragraph name, outside their licence names and URLs."""
    out: set[str] = set()
    for sentence, mentions in earlier:
        out |= _scopes_in(_mask(sentence, [(m.start, m.end) for m in mentions]))
    return out


def _table_row(unit: _Unit, in_licence: bool, emit: Any) -> None:
    """Licence table row: a cell naming a licence takes its scope from its column header or the row's first cell."""
    cells = unit.cells or []
    header = unit.header_cells or []
    licence_table = in_licence or any(re.search(r"licen[cs]", h, re.I) for h in header)
    for ci, cell in enumerate(cells):
        scopes = _scopes_in(_mask(header[ci], [])) if ci < len(header) else set()
        mentions = _find_mentions(cell, loose=licence_table)
        mentions = [m for m in mentions if (m.strong or licence_table) and not _in_url(cell, m.start)]
        if not mentions or not (licence_table or scopes or _CUE_RE.search(unit.text)):
            continue
        if not scopes and ci > 0:
            scopes = _scopes_in(_mask(cells[0], []))
        mentions = _merge_url_mentions(cell, mentions)
        expr, vague = _group_expression(cell, mentions)
        emit(expr, scopes, unit.text, 0.85, vague, cell)


# --------------------------------------------------------------------------------------------- content types

_HW_EXT = {
    "kicad_pcb", "kicad_sch", "kicad_pro", "kicad_mod", "kicad_sym", "kicad_prl", "sch", "brd", "lbr", "epf",
    "pcbdoc", "schdoc", "prjpcb", "pcbdocpreview", "gbr", "ger", "gtl", "gbl", "gto", "gbo", "gts", "gbs", "gtp",
    "gbp", "gko", "gm1", "gml", "gtxt", "drl", "xln", "exc", "stl", "step", "stp", "iges", "igs", "scad", "fcstd",
    "f3d", "f3z", "sldprt", "sldasm", "slddrw", "ipt", "iam", "idw", "dwg", "dxf", "3mf", "x_t", "x_b", "prt",
    "skp", "3dm", "fzz", "fzpz", "wrl", "amf", "gcode", "catpart", "catproduct", "par", "psm", "dsn", "ses",
    "vhd", "vhdl", "sv", "fbx", "lbrx", "sat", "jt", "ply", "123dx", "dft",
}
_SW_EXT = {
    "py", "ipynb", "c", "h", "cpp", "cc", "cxx", "hpp", "hh", "ino", "pde", "js", "mjs", "ts", "tsx", "jsx",
    "java", "kt", "rs", "go", "rb", "php", "pl", "lua", "m", "r", "jl", "cs", "swift", "scala", "sh", "bash",
    "ps1", "bat", "qml", "vue", "svelte", "dart", "hs", "ml", "ex", "exs", "erl", "clj", "s", "f90", "f",
    "pas", "el", "tcl", "nim", "zig", "cmake", "mk", "gradle", "sql", "pyx", "cu",
}
_DOC_EXT = {
    "md", "markdown", "rst", "txt", "pdf", "doc", "docx", "odt", "html", "htm", "tex", "adoc", "org", "wiki",
    "png", "jpg", "jpeg", "gif", "svg", "webp", "mp4", "pptx", "odp", "epub", "rtf",
}
_DATA_EXT = {"yml", "yaml", "json", "toml", "xml"}
_HW_DIR_RE = re.compile(
    r"^(?:hardware|hw|electronics?|pcbs?|schematics?|mechanic(?:s|al)(?:[ _-]?(?:system|parts|design))?|"
    r"pneumatics?|casing|enclosures?|cad|gerbers?|kicad|eagle|fritzing|stls?|3d[ _-]?(?:print(?:s|ed|ing)?|"
    r"models?|parts|files))$",
    re.I,
)
_DOC_DIR_RE = re.compile(r"^(?:docs?|documentation|manuals?|wiki|guides?|instructions)$", re.I)


_GERBER_EXT_RE = re.compile(r"g[tb][lopsa]|g\d+|gm\d+")


@lru_cache(maxsize=8192)
def _folder_types(folder: str) -> tuple[bool, bool]:
    """(is a hardware folder, is a documentation folder), remembered: the same folder names fill a whole tree."""
    return _HW_DIR_RE.match(folder) is not None, _DOC_DIR_RE.match(folder) is not None


def content_types(paths: list[str]) -> set[str]:
    """Which content types a repository tree holds: 'hardware' (CAD/EDA files or hardware folders),
    'software' (source code) and 'documentation' (README, docs, PDFs, pictures)."""
    kinds: set[str] = set()
    data_files = 0
    for path in paths:
        if len(kinds) == 3:
            break  # every type found: the rest of the tree cannot change the answer
        if "/" in path:
            parts = [p for p in path.split("/") if p]
            if not parts or "node_modules" in parts:
                continue
            dirs = parts[:-1]
            if any(p.startswith(".") for p in dirs):
                continue
            name = parts[-1]
        elif not path or path == "node_modules":
            continue
        else:  # a file at the root: no folders to read
            name, dirs = path, []
        low = name.lower()
        ext = low.rsplit(".", 1)[-1] if "." in low.lstrip(".") else ""
        # the folders are read only for a type not found yet that the name alone does not give
        if "hardware" not in kinds and (ext in _HW_EXT or _GERBER_EXT_RE.fullmatch(ext)
                                        or any(_folder_types(d)[0] for d in dirs)):
            kinds.add("hardware")
        if ext in _SW_EXT and "software" not in kinds and \
                not (low == "conf.py" and any(_folder_types(d)[1] for d in dirs)):
            kinds.add("software")
        if "documentation" not in kinds and (ext in _DOC_EXT or low.startswith("readme")
                                             or any(_folder_types(d)[1] for d in dirs)):
            kinds.add("documentation")
        if ext in _DATA_EXT and not low.startswith("."):
            data_files += 1
    if data_files and not kinds & {"hardware", "software"}:
        # a repository of machine-readable records (manifests, schemas) has no designs; its data is code-like
        kinds.add("software")
    return kinds


# --------------------------------------------------------------------------------------------- resolve


@dataclass
class _Claim:
    """A candidate licence for some fields, from one source."""

    expression: str
    fields: frozenset[str] | None  # None = unscoped (every content type present)
    source: str
    evidence: str
    confidence: float
    vague: str | None = None
    original: str | None = None
    path: str | None = None


_TYPE_TOKENS = {
    "hardware": re.compile(r"(?:^|[-_. ])(?:hardware|hw|pcb|cad|mechanical|electronics?)(?:$|[-_. ])", re.I),
    "documentation": re.compile(r"(?:^|[-_. ])(?:docs?|documentation|manual)(?:$|[-_. ])", re.I),
    "software": re.compile(r"(?:^|[-_. ])(?:software|sw|code|firmware|fw|src|source)(?:$|[-_. ])", re.I),
}


_LICENCE_STEM_RE = re.compile(r"^(?:licen[cs]e|copying|copyright)", re.I)


def _path_scope(path: str) -> tuple[frozenset[str] | None, bool]:
    """(content types a licence file's path names, whether it sits at the root): LICENSE-hardware, docs/LICENSE."""
    parts = path.strip("/").split("/")
    name = parts[-1]
    stem = _LICENCE_STEM_RE.sub("", name)
    scopes = {k for k, rx in _TYPE_TOKENS.items() if rx.search(stem)}
    for d in parts[:-1]:
        scopes |= {k for k, rx in _TYPE_TOKENS.items() if rx.search(d)}
        if _HW_DIR_RE.match(d):
            scopes.add("hardware")
        if _DOC_DIR_RE.match(d):
            scopes.add("documentation")
    return (frozenset(scopes) if scopes else None), len(parts) == 1


def _file_claims(path: str, text: str) -> tuple[list[_Claim], list[_Claim]]:
    """Claims from one licence file — a recognised licence text, else the statements it makes — split into
    (scoped or folder-local claims, repository-wide claims). A file is repository-wide when it sits at the root
    and neither its name nor its own wording names a content type."""
    scopes, at_root = _path_scope(path)
    hits = _identify_full(text)
    claims: list[_Claim] = []
    if hits:
        expr = _combine([h[0] for h in hits], "OR")
        claims.append(_Claim(expr, scopes, "file", f'{path}: "{hits[0][1]}"', min(h[2] for h in hits), path=path))
    else:
        stmts = _short_file_statements(text)
        if stmts is None:
            title = _title(text) or path
            stmts = [LicenceStatement(_ref(title), frozenset(), title, 0.35, None, title)]
        for st in stmts:
            fields = st.scopes or scopes
            claims.append(_Claim(st.expression, fields or None, "file", f'{path}: "{st.phrase}"',
                                 st.confidence - 0.05, st.vague, st.original, path))
    if not at_root:
        return claims, []
    return [c for c in claims if c.fields], [c for c in claims if not c.fields]


def _orig(text: str, expression: str) -> str | None:
    """The licence as written, kept when it differs from the normalized expression."""
    return None if text.strip() == expression else text.strip()


def _value_text(value: Any) -> str | None:
    """A manifest/hub licence value as one string (lists are joined with AND)."""
    if value is None:
        return None
    if isinstance(value, list | tuple):
        items = [str(v).strip() for v in value if str(v).strip()]
        return " AND ".join(f"({v})" if " " in v else v for v in items) or None
    if isinstance(value, dict):
        return None
    return str(value).strip() or None


_SOFTWARE_ONLY = re.compile(r"^(?:GPL|LGPL|AGPL|MIT|BSD|APACHE|MPL|EPL|ISC|ZLIB|BSL|0BSD|EUPL)", re.I)
_CONTENT_ONLY = re.compile(r"^(?:CC-|CC0|CERN-OHL|TAPR|SHL|GFDL|FDL)", re.I)


_OKH_KEYS = {
    "hardware": ("hardware", "hw", "hardware-license", "hardware_license"),
    "documentation": ("documentation", "docs", "doc", "documentation-license", "documentation_license"),
    "software": ("software", "sw", "firmware", "software-license", "software_license"),
}


def _manifest_claims(manifest: dict[str, Any]) -> list[_Claim]:
    """Claims from an OKH manifest's licence mapping (or the whole manifest); swapped doc/software values are
    put back when the documentation value is a software-only licence and the software value a content licence."""
    lic = manifest
    for key in ("license", "licence", "licenses", "licences"):
        if key in manifest:
            lic = manifest[key]
            break
    if not isinstance(lic, dict):
        text = _value_text(lic)
        if not text:
            return []
        expr, vague = _normalize(text)
        if not expr:
            return []
        # one licence for the whole module (OKH-LOSH `license`, or a bare string): it covers the design and
        # its documentation; software keeps its own licence files
        return [_Claim(expr, frozenset({"hardware", "documentation"}), "okh", f"OKH manifest license: {text}", 0.85,
                       vague, _orig(text, expr))]
    values: dict[str, str] = {}
    lowered = {str(k).lower(): v for k, v in lic.items()}
    for fld, keys in _OKH_KEYS.items():
        for key in keys:
            v = _value_text(lowered.get(key))
            if v:
                values[fld] = v
                break
    exprs = {f: _normalize(v) for f, v in values.items()}
    doc, sw = exprs.get("documentation", (None, None))[0], exprs.get("software", (None, None))[0]
    swapped = bool(doc and sw and _SOFTWARE_ONLY.match(doc) and _CONTENT_ONLY.match(sw))
    if swapped:
        exprs["documentation"], exprs["software"] = exprs["software"], exprs["documentation"]
        values["documentation"], values["software"] = values["software"], values["documentation"]
    claims = []
    for fld, (expr, vague) in exprs.items():
        if not expr:
            continue
        shown = "software" if swapped and fld == "documentation" else "documentation" if swapped and \
            fld == "software" else fld
        ev = f"OKH manifest license.{shown}: {values[fld]}" + (" (swapped back)" if swapped and fld != "hardware"
                                                               else "")
        claims.append(_Claim(expr, frozenset({fld}), "okh", ev, (0.85 if swapped else 0.9) - (0.15 if vague else 0),
                             vague, _orig(values[fld], expr)))
    return claims


_HUB_KEYS = {
    "hardware": ("hardwareLicense", "hardware_license", "hardwareLicence", "hardware"),
    "documentation": ("documentationLicense", "documentation_license", "documentationLicence", "documentation"),
    "software": ("softwareLicense", "software_license", "softwareLicence", "software"),
}


def _hub_claims(hub: dict[str, Any]) -> list[_Claim]:
    """Claims from a hub record's licence fields (OSHWA's drifting values: 'CERN', 'OHL', 'CC BY-SA', 'Other'…)."""
    claims = []
    for fld, keys in _HUB_KEYS.items():
        for key in keys:
            text = _value_text(hub.get(key))
            if not text:
                continue
            expr, vague = _normalize(text)
            if expr:
                conf = 0.85 - (0.15 if vague else 0)
                claims.append(_Claim(expr, frozenset({fld}), "hub", f"hub {key}: {text}", conf, vague,
                                     _orig(text, expr)))
            break
    return claims


def _refine(claim: _Claim, pool: list[_Claim]) -> _Claim:
    """Give a vaguely named licence ('GPL', 'BSD licence', 'CERN OHL') the version a more specific source has."""
    if not claim.vague:
        return claim
    for cand in pool:
        if cand is claim or cand.vague:
            continue
        if _refines(claim.vague, cand.expression):
            return _Claim(cand.expression, claim.fields, claim.source,
                          f"{claim.evidence}; version from {cand.evidence}",
                          min(claim.confidence + 0.2, cand.confidence, 0.95), None,
                          claim.original or claim.expression, claim.path)
    return claim


def _field_of(claim: _Claim, conf_bonus: float = 0.0) -> LicenceField:
    """LicenceField from a claim."""
    return LicenceField(claim.expression, claim.evidence, claim.source, round(min(0.99, claim.confidence +
                        conf_bonus), 3), claim.original)


def resolve(
    *,
    corrections: dict[str, str] | None = None,
    manifest: dict[str, Any] | None = None,
    hub: dict[str, Any] | None = None,
    files: dict[str, str] | None = None,
    readme: str | None = None,
    api_spdx: str | None = None,
    paths: list[str] | None = None,
) -> LicenceResult:
    """Hardware / documentation / software licences of one project from every source it has.

    Order: a curator's correction; then scoped statements — README/licence-table sentences naming a content type,
    licence files whose name or folder names one (LICENSE-hardware, docs/LICENSE), the OKH manifest, the hub;
    then repository-wide licence files (several unscoped ones form an OR); then an unscoped README statement or
    badge; then the GitHub API licence. Unscoped sources only fill content types `paths` shows the repo holds.
    A vague name ('GPL', 'BSD licence') takes the version of a matching licence file or manifest value.
    When a README splits licences by content type, the repo-wide file only fills types it does not name unless
    its licence is not one the README already uses.
    """
    present = content_types(paths) if paths else set(FIELDS)
    result: dict[str, LicenceField | None] = dict.fromkeys(FIELDS)
    decided: set[str] = set()

    for fld, value in (corrections or {}).items():
        if fld not in FIELDS:
            continue
        decided.add(fld)
        if value:
            expr = normalize_name(value) or _ref(value)
            result[fld] = LicenceField(expr, f"curator correction: {value}", "curator", 1.0,
                                       _orig(value, expr))

    file_claims: list[_Claim] = []
    wide_claims: list[_Claim] = []
    for path in sorted(files or {}, key=lambda p: (p.count("/"), p.lower())):
        local, wide_here = _file_claims(path, (files or {})[path])
        file_claims.extend(local)
        wide_claims.extend(wide_here)
    okh_claims = _manifest_claims(manifest) if manifest else []
    hub_claims = _hub_claims(hub) if hub else []
    api_claims: list[_Claim] = []
    if api_spdx and api_spdx.strip().upper() not in ("NOASSERTION", "OTHER", "NONE"):
        expr, vague = _normalize(api_spdx)
        if expr:
            api_claims.append(_Claim(expr, None, "api", f"GitHub API license: {api_spdx}", 0.5, vague))
    stmts = readme_licences(readme) if readme else []
    readme_scoped = [_Claim(s.expression, s.scopes, "readme", f'README: "{s.phrase}"', s.confidence, s.vague,
                            s.original) for s in stmts if s.scopes]
    readme_unscoped = [_Claim(s.expression, None, "readme", f'README: "{s.phrase}"', s.confidence - 0.05, s.vague,
                              s.original) for s in stmts if not s.scopes]

    # refinement pool: licence texts first (the legal document), then manifest, hub, API
    pool = wide_claims + file_claims + okh_claims + hub_claims + api_claims
    readme_scoped = [_refine(c, pool) for c in readme_scoped]
    readme_unscoped = [_refine(c, pool) for c in readme_unscoped]
    okh_claims = [_refine(c, wide_claims + file_claims + hub_claims + api_claims) for c in okh_claims]
    hub_claims = [_refine(c, wide_claims + file_claims + okh_claims + api_claims) for c in hub_claims]
    scoped_files = [c for c in file_claims if c.fields]

    def take(fld: str, claims: list[_Claim]) -> bool:
        for c in sorted(claims, key=lambda c: -c.confidence):
            if c.fields is not None and fld in c.fields:
                agree = any(o is not c and o.expression == c.expression for o in pool + readme_unscoped)
                result[fld] = _field_of(c, 0.05 if agree else 0.0)
                decided.add(fld)
                return True
        return False

    for fld in FIELDS:
        if fld in decided:
            continue
        for claims in (readme_scoped + scoped_files, okh_claims, hub_claims):
            if take(fld, claims):
                break

    # repository-wide licence files
    wide = _wide_claim(wide_claims)
    if wide and wide.expression.startswith("LicenseRef-") and wide.confidence < 0.5 and readme_unscoped:
        wide = None  # an unrecognised licence file loses to a README that names a licence
    split = {c.expression for c in readme_scoped}
    for fld in FIELDS:
        if fld in decided or fld not in present:
            continue
        if wide and not (len(split) >= 2 and wide.expression in split):
            result[fld] = _field_of(wide)
        elif not wide and readme_unscoped:
            result[fld] = _field_of(max(readme_unscoped, key=lambda c: c.confidence))
        elif not wide and api_claims and len(split) < 2:
            result[fld] = _field_of(api_claims[0])
    if stmts:  # README offers of alternatives, and per-part statements a licence file backs (_licence_choice)
        from registry.normalize._licence_choice import choices

        stated = choices(stmts, [(c.expression, c.evidence) for c in wide_claims + file_claims])
        for ch in sorted(stated, key=lambda c: bool(c.scopes)):  # a part's own statement last: it wins
            for fld in sorted(ch.scopes or present):
                cur = result.get(fld)
                if fld in FIELDS and fld not in (corrections or {}) and cur is not None \
                        and cur.source in ("file", "readme", "api") and ch.replaces(cur.expression):
                    result[fld] = LicenceField(ch.expression, ch.evidence, "readme", ch.confidence, ch.original)
    return LicenceResult(**result)


def _wide_claim(claims: list[_Claim]) -> _Claim | None:
    """One claim for all repository-wide licence files: the same licence once, different ones as an OR."""
    if not claims:
        return None
    exprs: list[str] = []
    for c in claims:
        if c.expression not in exprs:
            exprs.append(c.expression)
    if len(exprs) == 1:
        return max(claims, key=lambda c: c.confidence)
    lesser = [e for e in exprs if e.startswith("LGPL-3.0")]
    if lesser and set(exprs) <= {"GPL-3.0-only", "GPL-3.0-or-later", *lesser}:
        # COPYING + COPYING.LESSER: the LGPL is written as additions to the GPL text shipped beside it
        best = next(c for c in claims if c.expression == lesser[0])
        return _Claim(best.expression, None, "file", "; ".join(dict.fromkeys(c.evidence for c in claims)),
                      best.confidence)
    evidence = "; ".join(dict.fromkeys(c.evidence for c in claims))
    return _Claim(_combine(exprs, "OR"), None, "file", evidence + " (scope unstated: read as a choice)",
                  min(c.confidence for c in claims) - 0.1)


# --------------------------------------------------------------------------------------------- verdicts

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
    cat = _categories().get(k)
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
    cat = _categories().get(k)
    return {"Copyleft": "strong", "Copyleft Limited": "weak", "Permissive": "permissive",
            "Public Domain": "permissive"}.get(cat or "")


def _walk(expression: str, leaf: Any, combine_and: Any, combine_or: Any) -> Any:
    """Evaluate `leaf` on each licence of an expression and fold AND / OR nodes."""
    lic = _licensing()
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


@_remember_short
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


@_remember_short
def _copyleft(expression: str) -> str | None:
    """`copyleft` of a non-blank expression."""
    by_rank = {v: k for k, v in _CL_RANK.items()}

    def both(xs: list[str | None]) -> str | None:
        return None if any(x is None for x in xs) else by_rank[max(_CL_RANK[x] for x in xs if x)]

    def either(xs: list[str | None]) -> str | None:
        known = [x for x in xs if x is not None]
        return by_rank[min(_CL_RANK[x] for x in known)] if known else None

    return _walk(expression, _key_copyleft, both, either)
