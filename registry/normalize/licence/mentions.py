"""Licence names in free text: one small matcher per licence family, each turning a pattern's match into SPDX.

`find_mentions` runs the table in order and keeps, of overlapping mentions, the earliest then the longest; a
family's pattern is only run on text holding one of its literal words (most sentences hold none).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from registry.normalize._prefilter import Gated, any_of, gate
from registry.normalize.licence.spdx import spdx

_VWORD = r"(?:v(?:er(?:sion)?)?\.?[\s_\-]*)?"


@dataclass(frozen=True)
class Mention:
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


def gnu_expr(kind: str | None, ver: str | None, later: bool, only: bool) -> tuple[str, str | None]:
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


def cc_expr(mods: str, ver: str | None) -> tuple[str, str | None]:
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


# --------------------------------------------------------------------------------------------- one matcher a family
# Each matcher reads one match of its family's pattern (and the text, for a look past it) and gives the mention,
# or None when the match names no licence after all.

Matcher = Callable[[re.Match[str], str], Mention | None]


def _at(m: re.Match[str], expr: str, vague: str | None = None, strong: bool = True) -> Mention:
    """The mention `m` spans."""
    return Mention(expr, m.start(), m.end(), vague, strong)


def _spdx_id(m: re.Match[str], text: str) -> Mention | None:
    expr = spdx(m.group("expr").strip())
    return _at(m, expr) if expr else None


def _gnu_long(m: re.Match[str], text: str) -> Mention | None:
    if not m.group("nver"):
        return None  # unversioned: the short reading below has it
    expr, vague = gnu_expr(m.group("kind") or m.group("kinda"), m.group("nver"), bool(m.group("nlater")), False)
    return _at(m, expr, vague)


_GNU_TAIL_RE = re.compile(
    r"(?:[\s_,\-]*(?:v(?:er(?:sion)?)?\.?[\s_\-]*)?(?P<ver>[123](?:\.\d)?)(?![\d]))?"
    r"(?P<later>\+|[\s_\-]*,?[\s_\-]*or[\s_\-]+(?:\(?at[\s_]+your[\s_]+option\)?[\s_]*)?(?:any[\s_]+)?"
    r"(?:later|newer|greater)(?:[\s_]+versions?)?|-or-later)?(?P<only>[\s_\-]+only\b)?",
    re.I,
)


def _gnu_short(m: re.Match[str], text: str) -> Mention | None:
    tail = _GNU_TAIL_RE.match(text, m.end())
    ver = tail.group("ver") if tail else None
    expr, vague = gnu_expr(m.group("kind") or m.group("kind2"), ver, bool(tail and tail.group("later")),
                           bool(tail and tail.group("only")))
    end = tail.end() if tail and (ver or tail.group("later")) else m.end()
    return Mention(expr, m.start(), end, vague)


def _cern(m: re.Match[str], text: str) -> Mention | None:
    var = (m.group("var") or "").lower()
    ver = _ver(m.group("v1") or m.group("v2"))
    letter = {"s": "S", "w": "W", "p": "P"}.get(var[:1]) if var else None
    if letter:
        return _at(m, f"CERN-OHL-{letter}-2.0")
    if ver in ("1.1", "1.2"):
        return _at(m, f"CERN-OHL-{ver}")
    if ver == "2.0":
        return _at(m, "LicenseRef-CERN-OHL-2.0", "CERN-OHL-2")
    return _at(m, "CERN-OHL-1.2", "CERN-OHL")


def _solderpad(m: re.Match[str], text: str) -> Mention | None:
    v = m.group("v")
    if v:
        return _at(m, f"SHL-{'2.0' if v == '2' else v}")
    if m.group(0).lower().startswith("solderpad"):
        return _at(m, "SHL-0.51", "SHL", strong=bool(m.group("lic")))
    return None


def _cc_url(m: re.Match[str], text: str) -> Mention | None:
    expr, vague = cc_expr("by " + m.group("code").lower().replace("by", "").replace("-", " "), m.group("v"))
    return Mention(expr, m.start(), m.end(), vague, True, url=True)


def _cc(m: re.Match[str], text: str) -> Mention | None:
    return _at(m, *cc_expr(m.group("mods"), m.group("v")))


_BSD_COUNTS = {"2": 2, "two": 2, "3": 3, "three": 3, "4": 4, "four": 4, "0": 0, "zero": 0}


def _bsd(m: re.Match[str], text: str) -> Mention | None:
    n = (m.group("n") or m.group("n0") or "").lower()
    pre = (m.group("pre") or "").lower()
    strong = bool(m.group("lic") or n or pre)
    count = _BSD_COUNTS.get(n)
    if count is None and pre:
        count = 2 if pre in ("simplified", "free") else 3
    if count == 0:
        return _at(m, "0BSD", strong=strong)
    if count:
        return _at(m, f"BSD-{count}-Clause", strong=strong)
    return _at(m, "LicenseRef-BSD", "BSD", strong=strong)


def _apache(m: re.Match[str], text: str) -> Mention | None:
    v = _ver(m.group("v"))
    return _at(m, f"Apache-{v}" if v else "Apache-2.0", None if v else "Apache",
               strong=bool(m.group("lic") or m.group("v")))


def _versioned(family: str, default: str, *, bare_is_weak: bool = True) -> Matcher:
    """A family named with an optional version (MPL, EPL, EUPL): unversioned it reads as `default`, vaguely; its bare
    three-letter abbreviation ('MPL' alone) is a weak reading when `bare_is_weak`."""
    def match(m: re.Match[str], text: str) -> Mention | None:
        v = _ver(m.group("v"))
        strong = bool(v) or not bare_is_weak or len(m.group(0)) > 4
        return _at(m, f"{family}-{v}" if v else default, None if v else family, strong=strong)
    return match


def _fixed(expr: str, vague: str | None = None, *, strong: bool | str = True) -> Matcher:
    """A family every match of which is `expr`; `strong` a group name makes it strong when that group matched."""
    def match(m: re.Match[str], text: str) -> Mention | None:
        return _at(m, expr, vague, strong if isinstance(strong, bool) else bool(m.group(strong)))
    return match


_CC_MOD = r"(?:non[\s_\-]*commercial|nc|share[\s_\-]*alike|sa|no[\s_\-]*deriv(?:ative)?s?|nd)"


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I)


#: (pattern, matcher) per family, in the order their mentions are collected (ties keep this order)
_MATCHERS: list[tuple[re.Pattern[str], Matcher]] = [
    (_rx(r"SPDX-License-Identifier:\s*(?P<expr>[A-Za-z0-9.+\-() ]+)"), _spdx_id),
    (_rx(r"\b(?:gnu[\s_\-]*)?(?:(?:(?P<kind>affero|lesser|library)[\s_\-]+)?general[\s_\-]+public[\s_\-]+licen[cs]e|"
         r"(?P<kinda>a|l)?gpl(?=[^a-z]))"
         r"(?:[^.;:]{0,120}?\bversion[\s_]+(?P<nver>[123](?:\.\d)?)(?!\d)(?:[\s_]+of[\s_]+the[\s_]+licen[cs]e)?"
         r"(?P<nlater>,?[\s_]*or[\s_]*\(?at[\s_]+your[\s_]+option\)?[\s_]*any[\s_]+later[\s_]+version)?)?"),
     _gnu_long),
    (_rx(r"\b(?:gnu[\s_\-]*)?(?P<kind>a|l)?gpl(?=v\d|[^a-z]|$)"
         r"|\b(?:gnu[\s_\-]*)?(?:(?P<kind2>affero|lesser|library)[\s_\-]+)?general[\s_\-]+public[\s_\-]+licen[cs]e"),
     _gnu_short),
    (_rx(r"\bcern[\s_\-]*(?P<base>open[\s_\-]*hardware[\s_\-]*licen[cs]es?|ohl)"
         r"(?:[\s_(\"'“”\-]*(?:cern[\s_\-]*)?ohl[\"'“”)]*)?"
         r"(?:[\s_\-–,]*" + _VWORD + r"(?P<v1>2(?:\.0)?(?!\d|\.\d)|1[._]\d))?"
         r"(?:[\s_\-–,:]*(?P<var>strongly[\s_\-]*reciprocal|weakly[\s_\-]*reciprocal|permissive|[swp](?![a-z0-9])))?"
         r"(?:[\s_\-–]*" + _VWORD + r"(?P<v2>2(?:\.0)?(?!\d|\.\d)|1[._]\d))?"),
     _cern),
    (_rx(r"\bohl[\s_\-]*v?[\s_\-]*1[._](?P<minor>[12])(?!\d)"),
     lambda m, text: _at(m, f"CERN-OHL-1.{m.group('minor')}")),
    (_rx(r"\btapr(?P<lic>[\s_\-]*open[\s_\-]*hardware[\s_\-]*licen[cs]e|[\s_\-]*ohl)?"
         r"(?:[\s_\-,]*" + _VWORD + r"1(?:\.0)?(?!\d|\.\d))?"),
     _fixed("TAPR-OHL-1.0", strong="lic")),
    (_rx(r"\b(?:solderpad(?P<lic>[\s_\-]*hardware)?(?:[\s_\-]*licen[cs]e)?|shl(?=[\s_\-]*v?[\s_\-]*[02]))"
         r"(?:[\s_\-,]*" + _VWORD + r"(?P<v>0\.51|0\.5|2\.0|2\.1|2(?!\d|\.\d)))?"),
     _solderpad),
    (_rx(r"\b(?:cc[\s_\-]*(?:0|zero)(?!\d|\.\d)|creative[\s_\-]*commons[\s_\-]*(?:zero|cc[\s_\-]*0))"
         r"(?:[\s_\-]*(?:v?1\.0|universal))*|creativecommons\.org/publicdomain/zero"),
     _fixed("CC0-1.0")),
    (_rx(r"creativecommons\.org/licenses/(?P<code>[a-z\-]+)/(?P<v>\d\.\d)"), _cc_url),
    (_rx(r"\b(?P<pre>creative[\s_\-]+commons|cc)(?:[\s_\-]*licen[cs]e)?[\s_\-]*"
         r"(?P<mods>(?:attribution|by)(?![a-z])(?:[\s_\-]*" + _CC_MOD + r"(?![a-z]))*)"
         r"(?:[\s_\-]*licen[cs]e)?(?:[\s_\-,]*" + _VWORD + r"(?P<v>[1-4]\.0|2\.5|[1-4](?!\d|\.\d)))?"
         r"(?:[\s_\-]*(?:international|unported|generic))?"),
     _cc),
    (_rx(r"\b(?P<mods>attribution(?:[\s_\-]*" + _CC_MOD + r"(?![a-z]))*)[\s_\-]+(?P<v>[1-4]\.0|2\.5)"
         r"(?:[\s_\-]+(?:international|unported|generic))"),
     _cc),
    (_rx(r"\bcreative[\s_\-]+commons\b(?:[\s_\-]*licen[cs]e)?"), _fixed("LicenseRef-Creative-Commons", "CC")),
    (_rx(r"\b(?:mit|expat)(?P<lic>[\s_\-]*(?:licen[cs]e[sd]?|style))?(?![a-z\d])"), _fixed("MIT", strong="lic")),
    (_rx(r"\b(?:(?P<pre>new|modified|revised|simplified|free)[\s_\-]+|(?P<n0>[0234]|two|three|four|zero)[\s_\-]*"
         r"clause[\s_\-]+)?bsd"
         r"(?:[\s_\-]*(?P<n>[0234]|two|three|four|zero)[\s_\-]*clause)?(?P<lic>[\s_\-]*licen[cs]e)?(?![a-z])"),
     _bsd),
    (_rx(r"\bapache(?P<lic>(?:[\s_\-]*software)?[\s_\-]*licen[cs]e)?"
         r"(?:[\s_\-,]*" + _VWORD + r"(?P<v>2\.0|2|1\.1|1\.0)(?!\d|\.\d))?"),
     _apache),
    (_rx(r"\b(?:mozilla[\s_\-]*public[\s_\-]*licen[cs]e|mpl)"
         r"(?:[\s_\-,]*" + _VWORD + r"(?P<v>2\.0|1\.1|1\.0|2|1)(?!\d|\.\d))?"),
     _versioned("MPL", "MPL-2.0")),
    (_rx(r"\b(?:eclipse[\s_\-]*public[\s_\-]*licen[cs]e|epl)"
         r"(?:[\s_\-,]*" + _VWORD + r"(?P<v>2\.0|1\.0|2|1)(?!\d|\.\d))?"),
     _versioned("EPL", "EPL-2.0")),
    (_rx(r"\beupl(?:[\s_\-,]*" + _VWORD + r"(?P<v>1\.[12]))?"), _versioned("EUPL", "EUPL-1.2", bare_is_weak=False)),
    (_rx(r"\bunlicen[cs]e\b|unlicense\.org"), _fixed("Unlicense")),
    (_rx(r"\bisc[\s_\-]*licen[cs]e\b"), _fixed("ISC")),
    (_rx(r"\bzlib(?:/libpng)?[\s_\-]*licen[cs]e\b"), _fixed("Zlib")),
    (_rx(r"\bboost[\s_\-]*software[\s_\-]*licen[cs]e\b"), _fixed("BSL-1.0")),
    (_rx(r"\bwtfpl\b|do what the fuck you want"), _fixed("WTFPL")),
    (_rx(r"\bsil[\s_\-]*open[\s_\-]*font[\s_\-]*licen[cs]e\b|\bofl[\s_\-]*1\.1\b"), _fixed("OFL-1.1")),
    (_rx(r"\bartistic[\s_\-]*licen[cs]e[\s_\-]*(?:v|version)?[\s_\-]*2\.0\b"), _fixed("Artistic-2.0")),
    (_rx(r"\bpublic[\s_\-]+domain\b"), _fixed("LicenseRef-Public-Domain", "PD")),
]

#: bare tokens a licence field or table cell may use alone ('CERN', 'OHL', 'CC BY'), read only there
_LOOSE_MATCHERS: list[tuple[re.Pattern[str], Matcher]] = [
    (_rx(r"\bcern\b(?![\s_\-]*(?:open|ohl))"), _fixed("CERN-OHL-1.2", "CERN-OHL")),
    (_rx(r"(?<!cern )(?<!cern-)(?<!cern_)(?<!tapr )\bohl\b(?![\s_\-]*v?[\s_\-]*[12][._])"), _fixed("TAPR-OHL-1.0")),
    (_rx(r"\bcc[\s_\-]*by\b"), _fixed("CC-BY-4.0", "CC-BY")),
]

# Each family's pattern runs only on text holding one of its literal words: most sentences hold none.
_GATED: list[tuple[Gated, Matcher]] = [(gate(rx), fn) for rx, fn in _MATCHERS]
MENTION_GATES: list[Gated] = [g for g, _ in _GATED]
ANY_MENTION = any_of(MENTION_GATES)
def find_mentions(text: str, *, loose: bool = False) -> list[Mention]:
    """Every licence name in `text`, non-overlapping, in order; `loose` also reads bare tokens (MIT, CERN…)."""
    found: list[Mention] = []
    if not loose and not ANY_MENTION.may_match(text):
        return found
    for gated, matcher in _GATED:
        found.extend(filter(None, (matcher(m, text) for m in gated.finditer(text))))
    if loose:
        for rx, matcher in _LOOSE_MATCHERS:
            found.extend(filter(None, (matcher(m, text) for m in rx.finditer(text))))
    # URL mentions (inside links) are kept apart; among the rest keep the earliest, then the longest
    found.sort(key=lambda x: (x.url, x.start, -(x.end - x.start)))
    kept: list[Mention] = []
    for mention in found:
        if any(mention.start < k.end and k.start < mention.end and k.url == mention.url for k in kept):
            continue
        kept.append(mention)
    return sorted(kept, key=lambda x: (x.start, x.url))


# --------------------------------------------------------------------------------------------- families


def family_of(expr: str) -> str:
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


def refines(vague: str, expr: str) -> bool:
    """True when the specific `expr` is a version of the vaguely named family `vague`."""
    return family_of(expr) in _VAGUE_ACCEPTS.get(vague, {vague}) and not expr.startswith("LicenseRef-")


def same_family(a: Mention, b: Mention) -> bool:
    """True when two mentions name the same licence family (a link's text and its URL)."""
    if family_of(a.expression) == family_of(b.expression):
        return True
    return bool(a.vague and refines(a.vague, b.expression)) or bool(b.vague and refines(b.vague, a.expression))
