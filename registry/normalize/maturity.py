"""Place a project on one maturity scale, keeping what it DECLARES apart from what its prose and history SHOW.

Scale: concept < prototype < tested < production. Separate states: certified, archived, inactive.

Decisions (documented here because curators will ask):
- OTRL-1/2 -> concept, OTRL-3 -> prototype, OTRL-4 -> tested (its goal is "full functional prototype is
  built and tested", i.e. the level is reached once testing is done), OTRL-5/6 -> production.
  ODRL rates the documentation, not the hardware: it is kept in the evidence phrase but sets no stage.
- OKH v1: an explicit `development-stage` wins; otherwise `made-independently: true` -> tested (someone
  else built it from the docs, a replication), `made: true` -> prototype, `made: false` -> concept.
  The LOSH data-mapping notes put both `made` flags at OTRL-3; we read independent replication as tested.
- Free-text stages ("beta product", "pre-production") map to the LOWEST stage they name: conservative.
- Derived stage = the highest stage any positive prose signal supports. Negated or future phrasing
  ("not tested", "will be released", "paper is slated") never raises it; it becomes a caveat instead.
- State priority: archived > certified > inactive. Archived (GitHub flag, or prose saying the repo moved /
  is deprecated) is a current fact a user must act on; certification (OSHWA) is a past audit that stays
  true; inactivity is a heuristic and a finished, certified design may simply need no pushes.
  All state evidence is kept in `states`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from registry.normalize._prefilter import Gated, Scope, gate
from registry.normalize.okh import Manifest, normalize_otrl

__all__ = [
    "CAVEATS",
    "STAGES",
    "STATES",
    "Evidence",
    "Maturity",
    "assess",
    "declared_from_manifest",
    "stage_from_text",
    "text_signals",
]

STAGES = ("concept", "prototype", "tested", "production")
STATES = ("archived", "certified", "inactive")   # priority order
CAVEATS = ("medical-caution", "disclaimer", "untested", "unreleased")  # plus "not-<stage>" / "planned-<stage>"
_RANK = {s: i for i, s in enumerate(STAGES)}
_STATE_OF = {"archived": "archived", "moved": "archived", "certified": "certified", "inactive": "inactive"}
OTRL_STAGE = {"OTRL-1": "concept", "OTRL-2": "concept", "OTRL-3": "prototype", "OTRL-4": "tested",
              "OTRL-5": "production", "OTRL-6": "production"}
MAX_TEXT = 200_000   # characters of prose read per text (the registry stores READMEs up to this size too)


@dataclass(frozen=True)
class Evidence:
    """One reason for a stage, state or caveat: the value, the words that show it, and where they were."""

    value: str
    phrase: str
    source: str   # 'okh:<path>', 'readme', 'list:<name>', 'github', 'hub:<name>', 'certification'


@dataclass
class Maturity:
    """Declared and derived maturity side by side, with state and caveats, each backed by evidence."""

    declared: str | None = None
    declared_evidence: Evidence | None = None
    derived: str | None = None
    derived_evidence: list[Evidence] = field(default_factory=list)
    state: str | None = None
    state_evidence: Evidence | None = None
    caveats: list[Evidence] = field(default_factory=list)
    states: list[Evidence] = field(default_factory=list)

    @property
    def stage(self) -> str | None:
        """The declared stage when the project states one, else the derived one."""
        return self.declared or self.derived

    @property
    def medical_caution(self) -> bool:
        """True when the project warns against medical / human use (curators should show this)."""
        return any(c.value == "medical-caution" for c in self.caveats)

    def as_dict(self) -> dict:
        """Plain dict for storage, with `stage` and `medical_caution` included."""
        d = asdict(self)
        d["stage"] = self.stage
        d["medical_caution"] = self.medical_caution
        return d


# ---------------------------------------------------------------- declared (free text, OKH)

_PROTO_WORDS = re.compile(
    r"proof[- ]of[- ]concept|pre-?production|pre-?release|prototyp\w*|\balpha\b|\bbeta\b|\bdevelop\w*|"
    r"in progress|\bwip\b|experimental|\btesting\b|\bpoc\b|\bdemo\w*|\bdraft\b|breadboard|\bpilot\b", re.I)
_FREE_STAGE = (
    ("concept", re.compile(r"\b(?:idea|ideation|concept\w*|planning|planned|proposal|sketch|design (?:phase|stage)|"
                           r"designing|research)\b", re.I)),
    ("tested", re.compile(r"\b(?:tested|validated|verified|qualified|replicated|field[- ]proven)\b", re.I)),
    ("production", re.compile(r"\b(?:products?|production|produced|manufactur\w*|commercial\w*|stable|mature|"
                              r"released?|final|finished|complete[d]?|shipping|deployed|in use|ready)\b", re.I)),
)


def stage_from_text(text: str | None) -> str | None:
    """Map a free-text declared stage ("prototype", "product", "OTRL-4", "beta") to the scale, lowest named."""
    if not text:
        return None
    otrl = normalize_otrl(text) if re.search(r"otrl", text, re.I) else None
    if otrl:
        return OTRL_STAGE[otrl]
    found = set()
    if _PROTO_WORDS.search(text):
        found.add("prototype")
    rest = _PROTO_WORDS.sub(" ", text)
    for stage, pattern in _FREE_STAGE:
        if pattern.search(rest):
            found.add(stage)
    return min(found, key=_RANK.__getitem__) if found else None


def declared_from_manifest(m: Manifest | None) -> tuple[str | None, Evidence | None]:
    """The stage a manifest declares (OTRL, else development-stage, else made flags) with its evidence."""
    if m is None or m.error:
        return None, None
    src = f"okh:{m.path}"
    odrl = f"; documentation-readiness-level: {m.odrl}" if m.odrl else ""
    if m.otrl:
        return OTRL_STAGE[m.otrl], Evidence(OTRL_STAGE[m.otrl], f"technology-readiness-level: {m.otrl}{odrl}", src)
    stage = stage_from_text(m.development_stage)
    if stage:
        return stage, Evidence(stage, f"development-stage: {m.development_stage}{odrl}", src)
    if m.made_independently:
        return "tested", Evidence("tested", f"made-independently: true{odrl}", src)
    if m.made:
        return "prototype", Evidence("prototype", f"made: true{odrl}", src)
    if m.made is False:
        return "concept", Evidence("concept", f"made: false{odrl}", src)
    return None, None


# ---------------------------------------------------------------- prose signals

Value = str | Callable[[re.Match[str]], str | None]


@dataclass(frozen=True)
class _Rule:
    value: Value
    pattern: Gated   # run only on sentences holding one of its literal words (most hold none)
    kind: str   # 'verbal' (participle, wider negation window) | 'nominal' | 'caveat'
    medical_upgrade: bool = False   # caveat turns into medical-caution when the sentence is about medical use


def _r(value: Value, kind: str, *patterns: str, medical: bool = False) -> _Rule:
    return _Rule(value, gate(re.compile("|".join(f"(?:{p})" for p in patterns), re.I)), kind, medical)


def _by_count(m: re.Match[str]) -> str | None:
    raw = m.group("n").lower().replace(",", "")
    if raw in ("hundreds", "thousands", "dozens"):
        return "production"
    try:
        n = float(raw[:-1]) * 1000 if raw.endswith("k") else float(raw)
    except ValueError:
        return None
    return "production" if n >= 100 else None


def _by_version(m: re.Match[str]) -> str:
    return "production" if int(m.group("major")) >= 1 else "prototype"


_MEDICAL = gate(re.compile(
    r"\b(?:medical|medicine|clinical|clinic|hospitals?|patients?|humans?|people|persons?|animals|FDA|MHRA|"
    r"health\w*|therap\w*|diagnos\w*|injur\w*|death|life|lives|lungs?|respirat\w*|ventilat\w*|surgical|"
    r"doctors?|physicians?|nurses?)\b", re.I))

_CAVEAT_RULES = (
    _r("medical-caution", "caveat",
       r"\bnot\b[^.!?;]{0,40}\b(?:intended|approved|certified|cleared|suitable|meant|designed|authori[sz]ed|"
       r"validated|ready|safe|to be used|for use|be used)\b[^.!?;]{0,60}\b(?:medical|clinical|humans?|patients?|"
       r"people|animals|diagnos\w*|therap\w*|treatment|hospitals?)\b",
       r"\bnot an? (?:\w+ ){0,2}medical device\b",
       r"\b(?:not|never)\s+(?:been\s+|yet\s+)*(?:FDA|CE|MHRA|regulatory)[- ]?(?:approved|cleared|certified|marked|"
       r"reviewed|evaluated)\b",
       r"\bnot for (?:\w+ )?(?:medical|clinical|human|diagnostic|therapeutic|patient) (?:use|purposes|applications?)\b",
       r"\bunder (?:the )?supervision of (?:\w+ ){0,2}(?:medical|clinical|healthcare|trained)\b",
       r"\b(?:must|should) (?:\w+ ){0,3}(?:seek|obtain|conduct|perform) (?:\w+ ){0,4}(?:validation|approval)\b",
       medical=True),
    _r("untested", "caveat",
       r"\bun-?tested\b|\bun-?validated\b|\bunverified\b",
       r"\bnot (?:yet |been |fully |properly |thoroughly |extensively |clinically |independently )*"
       r"(?:tested|validated|verified)\b",
       r"\b(?:has|have|had|is|are|was|were)n['’]?t (?:yet )?(?:been )?(?:\w+ )?(?:tested|validated|verified)\b",
       r"\b(?:has|have|had|is|are|was|were) not (?:yet )?(?:been )?(?:\w+ )?(?:tested|validated|verified)\b",
       r"\bnever (?:been )?(?:\w+ )?(?:tested|validated)\b"),
    _r("unreleased", "caveat",
       r"\b(?:will|to|yet to|going to|shall) be (?:\w+ )?released\b",
       r"\bnot (?:yet )?(?:been )?released\b|\bunreleased\b|\bcoming soon\b"),
    _r("disclaimer", "caveat",
       r"\b(?:for )?reference (?:use )?only\b",
       r"\bfor (?:educational|research|demonstration|informational|experimental|hobby|testing|development) "
       r"(?:purposes? )?only\b",
       r"\bat (?:your|their|the user['’]?s) own risk\b",
       r"\bnot recomm?e?n?d?ed\b|\buncertified\b",
       medical=True),
    _r("medical-caution", "warning",
       r"^\W*(?:warning|caution|disclaimer|danger|attention|important(?: notice)?)\b"),
)

_STATE_RULES = (
    _r("certified", "nominal",
       r"\bOSHWA?[- ]certified\b|\bcertified (?:by )?(?:the )?(?:OSHWA|open source hardware association)\b",
       r"\bOSHW[- ]?[A-Z]{2}\d{6}\b|certification\.oshwa\.org/(?:projects/)?[a-z]{2}\d{6}",
       r"\bOSHWA (?:UID|certification (?:number|id|uid))\b"),
    _r("moved", "verbal",
       r"\b(?:this|the|our|my)\s+(?:repo|repository|project|code(?:base)?|development)\s+(?:has\s+|have\s+|is\s+|"
       r"was\s+)?(?:been\s+|now\s+)*(?:moved|migrated|relocated)\b",
       r"\b(?:refer|go|head|see|visit|moved|moving|migrated|relocated)\s+(?:over\s+)?to\s+(?:the|our|its|a)\s+new\s+"
       r"(?:\w+\s+){0,2}(?:location|home|repo(?:sitory)?|org(?:ani[sz]ation)?|address|account)\b",
       r"\b(?:had|have|has|we)\s+(?:to\s+)?mov(?:e|ed)\s+(?:our|the|this)\s+(?:repo|repository|project|code(?:base)?)\b"),
    _r("archived", "verbal",
       r"\b(?:this|the|our)\s+(?:repo|repository|project|design|board|code)\s+(?:is|has been|was)\s+(?:now\s+)?"
       r"(?:deprecated|obsolete|superseded|discontinued|abandoned|unmaintained|archived|retired)\b",
       r"\bno longer (?:being |actively )?(?:maintained|supported|developed|updated)\b",
       r"\bnot (?:being |actively )?maintained\b",
       r"^\W*(?:deprecated|archived|obsolete|unmaintained)\W*$"),
)

_STAGE_RULES = (
    # concept
    _r("concept", "nominal",
       r"\b(?:early|initial|preliminary) (?:development|design|concept(?:ual)?|planning|research|ideation) "
       r"(?:stages?|phases?)\b",
       r"\b(?:concept|idea|ideation|planning|conception|design) (?:stage|phase)\b",
       r"\b(?:just|only|still) (?:an? )?(?:idea|concept)\b",
       r"\b(?:project|work) (?:is )?just (?:beginning|starting|started)\b|\bpre-?alpha\b",
       r"\bconcept(?:ual)? design\b"),
    # a "Status: …" line says the stage in its own words
    _r(lambda m: stage_from_text(m.group("w")), "nominal",
       r"\b(?:project |development |design |hardware )?(?:status|stage|maturity)\s*[:=\-–]\s*"
       r"(?P<w>[a-z][\w-]*(?:[ /][a-z][\w-]*){0,2})"),
    # prototype
    _r("prototype", "nominal",
       r"(?<!to )\bprototypes?\b|\bbreadboard(?:ed)?\b|\bproof[- ]of[- ]concept\b",
       r"\bwork[- ]in[- ]progress\b|(?-i:\bWIP\b)|\b(?:under|in) (?:active |heavy |early )?development\b",
       r"\bexperimental\b|\brudimentary\b|\bevolving project\b|\bearly (?:release|version|prototype|stage)s?\b",
       r"\b(?:alpha|beta) (?:version|release|stage|phase|hardware|prototype|build|test(?:ing)?|unit|board)s?\b",
       r"\b(?:is|currently|still) (?:in |an? )?(?:alpha|beta)\b|\bpre-?release\b|\b(?:test|alpha|beta) release\b",
       r"(?-i:\bMVP\b)|\bminimum viable product\b",
       r"\b(?:first|initial|latest|public|new|current) (?:public )?release\b",
       r"\breleased (?:version|design|hardware|kit|board)s?\b"),
    # tested
    _r("tested", "verbal",
       r"\b(?:well|extensively|thoroughly|successfully|rigorously|fully|clinically|independently|widely|heavily|"
       r"field|bench|lab|user|pressure|leak|stress|battle)[- ]tested\b|\b[a-z]+-tested\b",
       r"\btested (?:with success|successfully|on (?:\w+ ){0,2}(?:humans?|patients?|animals?|pigs?|sheep|volunteers|"
       r"users|test lungs?)|in (?:the field|(?:\w+ )?hospitals?|clinics?|clinical)|by (?:independent|external|"
       r"third[- ]party|\w+ (?:researchers|labs?|laboratories|hospitals?|users)))\b",
       r"\b(?:has|have|had) been (?:\w+ )?tested\b|\b(?:was|were) (?:\w+ )?tested\b",
       r"\bpassed (?:\w+ ){0,3}(?:tests?|trials?|validation|certification|inspection|evaluation)\b",
       r"\b(?:validated|verified|evaluated|characteri[sz]ed|benchmarked|calibrated) (?:by|with|against|in|at)\b",
       r"\b(?:we|they|i)['’]ve (?:\w+ )?validated\b|\b(?:has|have|had) been (?:\w+ )?validated\b",
       r"\bapproved for (?:immediate |clinical |hospital |medical |emergency |human |general )?use\b",
       r"\b(?:received|obtained|granted|got) (?:an? |the )?(?:\w+ ){0,2}(?:authori[sz]ation|approval|clearance)\b",
       r"\b(?:built|replicated|reproduced) by (?:\w+ ){0,4}(?:users|students|people|makers|teams|groups|labs|"
       r"enthusiasts|others|community)\b",
       r"\bin (?:daily |regular |routine |clinical |active )?use (?:at|in|by|since)\b",
       r"\b(?:field|clinically|well)[- ]proven\b|\b(?:has|have) been deployed\b",
       r"\bused (?:in|by|at) (?:over |more than )?(?:\d[\d,]*|several|many|multiple|dozens of|hundreds of|"
       r"thousands of) (?:\w+ )?(?:hospitals?|clinics?|labs?|laboratories|schools|universities|users|countries|"
       r"sites)\b"),
    _r("tested", "nominal",
       r"\bclinical (?:tests?|trials?|trails|investigations?|studies|study|evaluations?|validation)\b",
       r"\b(?:scientific|research|journal|peer[- ]reviewed) (?:article|paper|publication)s?\b|\bpeer[- ]reviewed\b",
       r"\bpublished in (?-i:(?:the )?(?!(?:January|February|March|April|May|June|July|August|September|October|"
       r"November|December|GitHub|Github|GitLab|Thingiverse|Hackaday|Instructables|Printables|YouTube)\b)"
       r"[A-Z][\w-]+)|\b(?:paper|article) (?:was |has been |is )?published\b",
       r"\breference (?:\w+ )?calibration\b"),
    # production
    _r("production", "nominal",
       r"\bin (?:mass |full[- ]scale |series |serial |small[- ]scale |volume |commercial )?production\b",
       r"\bproduction[- ]ready\b|\bready for (?:mass |series |serial )?production\b",
       r"\b(?:for|on) sale\b|\bcommercially available\b|\b(?:tindie|crowd ?supply|lectronz)\b",
       r"\b(?:available|ready) (?:to buy|for purchase|to purchase|to order|for order|in (?:our|the) (?:shop|store))\b",
       r"\b(?:stable|final|production|official) (?:release|version)s?\b|\bFDA[- ]EUA\b",
       r"\b(?:kits?|assembled (?:boards?|units?)|pcbs?|boards?) (?:are |is )?(?:now )?available (?:to (?:buy|order|"
       r"purchase)|for (?:purchase|sale|order)|on (?:tindie|crowd ?supply|our (?:shop|store)|etsy|amazon)|from "
       r"(?:our|the) (?:shop|store))\b"),
    _r("production", "verbal",
       r"\bsold (?:as (?:an? )?(?:kits?|assembled)|commercially|out|in (?:our|the) (?:shop|store)|on (?:tindie|"
       r"crowd ?supply|etsy|amazon|ebay))\b",
       r"\b(?:buy|order|purchase) (?:a |an |the |one |your )?(?:kits?|assembled (?:units?|boards?|versions?)|"
       r"fully[- ]assembled|ready[- ]made|pre-?built)\b",
       r"\b(?:is|are|was|were|been|now|fully)\s+(?:FDA|CE|UL)[- ]?(?:approved|cleared|certified|marked|listed)\b",
       r"\b(?:received|obtained|granted|got|has|have|with|under)\s+(?:an?\s+|the\s+)?(?:FDA\s+)?(?:EUA|emergency use "
       r"authori[sz]ation)\b",
       r"\b(?:FDA|CE)\s+(?:approval|clearance|certification|marking|mark)\s+(?:was\s+|has been\s+)?(?:granted|"
       r"received|obtained)\b",
       r"\b(?:received|obtained|granted|got|bears?|carries)\s+(?:an?\s+|the\s+)?(?:FDA|CE)\s+(?:approval|clearance|"
       r"certification|marking|mark)\b"),
    _r(_by_count, "verbal",
       r"\b(?:shipped|delivered|deployed|distributed|sold|donated|produced|manufactured|printed|built)\s+(?:over\s+|"
       r"more than\s+|about\s+|around\s+|nearly\s+|almost\s+)?(?P<n>\d[\d,]*k?|hundreds|thousands|dozens)\b"
       r"(?!\s?(?:mm|cm|m|%|x|hours?|days?|minutes?|years?|times)\b)"),
    _r(_by_version, "verbal",
       r"\b(?:version|v)\s?(?P<major>\d+)(?:\.\d+)*\s+(?:(?:was|is|has been|have been|got)\s+)?(?:officially\s+)?"
       r"released\b"),
    _r(_by_version, "nominal",
       r"\breleased?\s+(?:of\s+)?(?:version\s+)?v?(?P<major>\d+)\.\d+(?:\.\d+)*\b"),
)

_NEG = re.compile(r"\b(?:not|no|never|nor|neither|without|cannot|none)\b|n['’]t\b", re.I)
_FUTURE = re.compile(
    r"\b(?:will|shall|going to|to be|yet to|plans?|planned|planning|hopes?|hoping|aims?|aiming|wants?|would|"
    r"could|should|might|may|once|until|soon|expects?|expected|intends?|needs?|seeking|seek|applying|apply|"
    r"pending|awaiting|waiting|upcoming|future|eventually|hopefully|working towards?)\b", re.I)
_FUTURE_AFTER = re.compile(
    r"^\W*(?:\w+\W+){0,2}?(?:is|are|will be|has been)?\s*(?:slated|planned|scheduled|pending|forthcoming|upcoming|"
    r"expected|in preparation|coming soon|to come|under review|submitted)\b", re.I)
_BOUNDARY = re.compile(r"[,;:()\[\]—–]|\s-\s|\b(?:but|although|though|however|whereas|while)\b", re.I)
_WORD = re.compile(r"[\w'’-]+")


def _polarity(sentence: str, m: re.Match[str], kind: str) -> str:
    """'pos', 'neg' or 'future' for a positive signal, judged from the few words around it in its clause."""
    before = sentence[max(0, m.start() - 160): m.start()]   # local look-back keeps long sentences linear
    cut = [b.end() for b in _BOUNDARY.finditer(before)]
    clause = before[cut[-1]:] if cut else before
    words = _WORD.findall(clause)[-(5 if kind == "verbal" else 3):]
    window = " ".join(words)
    if _NEG.search(window):
        return "neg"
    if _FUTURE.search(window) or _FUTURE_AFTER.match(sentence[m.end(): m.end() + 60]):
        return "future"
    return "pos"


_TESTED_ADJ = re.compile(r"[- ]tested$", re.I)
_NEXT_WORD = re.compile(r"^\s+([a-z]+)\b")
_OWN_NOUNS = {
    "and", "or", "but", "by", "with", "in", "on", "at", "for", "to", "since", "over", "under", "across", "through",
    "during", "before", "after", "as", "against", "so", "now", "too", "already", "yet", "design", "designs",
    "device", "devices", "system", "systems", "version", "versions", "hardware", "board", "boards", "kit", "kits",
    "model", "models", "unit", "units", "product", "products", "build", "builds", "project", "prototype",
    "prototypes", "machine", "machines", "instrument", "instruments", "printer", "printers", "ventilator",
    "ventilators", "solution", "platform", "setup", "module", "modules", "assembly", "we", "it", "they",
}


def _about_something_else(sentence: str, m: re.Match[str]) -> bool:
    """'well tested libraries': an attributive 'tested' on a noun that is not the project itself."""
    if not _TESTED_ADJ.search(m.group(0)):
        return False
    nxt = _NEXT_WORD.match(sentence[m.end():])
    return bool(nxt) and nxt.group(1) not in _OWN_NOUNS


_FENCE = re.compile(r"^\s*(```|~~~)")
_RULE_LINE = re.compile(r"^[\s=\-~^*#_|:+]{3,}$")
_STRUCT = re.compile(r"^(?:#{1,6}\s|[-*+]\s|\d+[.)]\s|\|)")
# Bounded, bracket-free spans keep these linear on hostile input ('[[[[…' must not backtrack quadratically).
_IMAGE = re.compile(r"!\[([^\[\]\n]{0,300})\]\(\s{0,5}([^()\s]{0,500})[^()\n]{0,200}\)")
_LINK = re.compile(r"\[([^\[\]\n]{0,300})\]\(\s{0,5}([^()\s]{0,500})[^()\n]{0,200}\)")
_OSHWA_URL = re.compile(r"certification\.oshwa\.org/(?:projects/)?[a-z]{2}\d{6}", re.I)
_URL_IN_TEXT = gate(re.compile(r"\b(?:https?://|www\.)\S+", re.I))
# the sentence end '[.!?]' is matched and kept (split_after): the lookbehind it replaced made `re` try every position
_SENT_SPLIT = re.compile(r"[.!?]([\"'”’)*_]*\s+)(?=[\"'“(\[*_]*[A-Z0-9])")
# the same matches with the end mark as the group: `re.split` then hands back (piece, mark) pairs in one C call
_SENT_END = re.compile(r"([.!?])[\"'”’)*_]*\s+(?=[\"'“(\[*_]*[A-Z0-9])")


def _link_text(m: re.Match[str]) -> str:
    text, url = m.group(1).strip(), m.group(2)
    hit = _OSHWA_URL.search(url)   # keep certification links: they are the evidence
    return f"{text} ({hit.group(0)})" if hit else text


_ANGLE_URL = re.compile(r"<(https?://[^<>\s]{1,2000})>")
_REF_LINK = re.compile(r"\[([^\[\]\n]{1,300})\]\[[^\[\]\n]{0,100}\]")
_TAG = re.compile(r"<[^>]{0,300}>")
_LEAD_MARK = re.compile(r"^(?:#{1,6}|[-*+]|\d+[.)])\s+")
_EMPH_MARK = re.compile(r"\*\*|__|~~|`")
_EMPH_SPAN = re.compile(r"(?<!\w)[*_]([^*_\n]{1,300})[*_](?!\w)")
_COMMENT = re.compile(r"<!--.*?-->", re.S)


_LEAD_CHARS = "#-*+"   # a list or heading mark starts with one of these or a digit
_RULE_CHARS = "=-~^*#_|:+"   # a rule line is only these and whitespace


def _squeeze(line: str) -> str:
    """`" ".join(line.split())`, skipped when `line` is already so (its only whitespace single inner spaces):
    every whitespace character but the space is unprintable, so a printable line needs no other check."""
    if line.isprintable() and "  " not in line and line[:1] != " " and line[-1:] != " ":
        return line
    return " ".join(line.split())


def _clean(line: str) -> str:
    """One line of markup reduced to prose; each substitution runs only when the line holds the character
    every match of it needs (most lines are plain prose, and `in` is far cheaper than a regex scan)."""
    if "<" in line:
        line = _ANGLE_URL.sub(r"\1", line)
    if "](" in line:
        line = _IMAGE.sub(_link_text, line)
        line = _LINK.sub(_link_text, line)
    if "][" in line:
        line = _REF_LINK.sub(r"\1", line)
    if "<" in line:
        line = _TAG.sub(" ", line)
    if "&" in line:
        line = html.unescape(line)
    line = line.strip()
    first = line[:1]
    if first in _LEAD_CHARS or first.isdigit():
        line = _LEAD_MARK.sub("", line)
    if "|" in line:
        line = line.replace("|", " ; ")
    star, under = "*" in line, "_" in line
    if star or under or "~" in line or "`" in line:
        line = _EMPH_MARK.sub("", line)
        if star or under:
            line = _EMPH_SPAN.sub(r"\1", line)
    return _squeeze(line)


def _blocks(text: str) -> list[str]:
    """Markdown / rst / plain prose -> paragraphs (blocks of joined lines) with markup removed; code blocks and
    comments skipped. Kept apart from the sentence split so that only paragraphs a rule may match are split."""
    text = _COMMENT.sub(" ", text[:MAX_TEXT]) if "<!--" in text else text[:MAX_TEXT]
    blocks: list[str] = []
    cur: list[str] = []
    fenced = False

    def flush() -> None:
        if cur:
            blocks.append(" ".join(cur))
            cur.clear()

    for raw in text.splitlines():
        if ("`" in raw or "~" in raw) and _FENCE.match(raw):
            fenced = not fenced
            flush()
            continue
        stripped = raw.strip()
        if fenced or not stripped or stripped[0] in _RULE_CHARS and _RULE_LINE.match(stripped):
            flush()
            continue
        first = stripped[0]
        if (first in "#-*+|" or first.isdigit()) and _STRUCT.match(stripped) or first == "<" and \
                stripped.startswith("<h") or first == "." and stripped.startswith(".. "):
            flush()
            cur.append(_clean(stripped))
            if first in "#|" or stripped.startswith("<h"):
                flush()
        else:
            cur.append(_clean(stripped))
    flush()
    return blocks


def _split(block: str) -> list[str]:
    """One paragraph -> its sentences, each a substring of it (end mark kept, empty ones dropped)."""
    parts = _SENT_END.split(block)   # piece, end mark, piece, end mark, …, last piece
    if len(parts) > 1:
        parts = [*map(str.__add__, parts[0:-1:2], parts[1::2]), parts[-1]]
    return [s for s in map(str.strip, parts) if s]


def _sentences(text: str) -> list[str]:
    """Markdown / rst / plain prose -> sentences with markup removed; code blocks and comments skipped."""
    return [sentence for block in _blocks(text) for sentence in _split(block)]


def _phrase(sentence: str, m: re.Match[str], width: int = 240) -> str:
    if len(sentence) <= width:
        return sentence
    start = max(0, min(m.start() - width // 3, len(sentence) - width))
    tail = "…" if start + width < len(sentence) else ""
    return ("…" if start else "") + sentence[start: start + width].strip() + tail


def _overlaps(span: tuple[int, int], spans: Iterable[tuple[int, int]]) -> bool:
    return any(span[0] < e and s < span[1] for s, e in spans)


#: Every literal some prose rule requires (None if a rule has no literal gate): a text holding none has no signal.
_RULE_KEYS: frozenset[str] | None = (
    None if any(r.pattern.keys is None for r in _CAVEAT_RULES + _STATE_RULES + _STAGE_RULES)
    else frozenset().union(*(r.pattern.keys or () for r in _CAVEAT_RULES + _STATE_RULES + _STAGE_RULES)))


def text_signals(text: str, source: str) -> list[Evidence]:
    """Maturity phrases in prose: stages, states (certified/moved/archived) and caveats, each with its sentence."""
    found: dict[tuple[str, str], Evidence] = {}
    blocks = _blocks(text or "")
    scope = Scope(blocks)
    if _RULE_KEYS is not None and scope.present.isdisjoint(_RULE_KEYS):
        return []   # no rule can match anywhere in the text (so for about half of READMEs)
    caveat_rules = [r for r in _CAVEAT_RULES if scope.admits(r.pattern)]
    rules = [r for r in _STATE_RULES + _STAGE_RULES if scope.admits(r.pattern)]
    if caveat_rules or rules:
        _signals(blocks, source, found, caveat_rules, rules)
    return list(found.values())


def _passing_sentences(blocks: Sequence[str], rules: list[_Rule]) -> Iterator[str]:
    """The sentences, in order, that one of `rules` may match; a sentence is a substring of its paragraph, so only
    the paragraphs a rule may match are split (most of a README's are not)."""
    for block in blocks:
        if any(rule.pattern.may_match(block) for rule in rules):
            for sentence in _split(block):
                if any(rule.pattern.may_match(sentence) for rule in rules):
                    yield sentence


def _signals(blocks: Sequence[str], source: str, found: dict[tuple[str, str], Evidence],
             caveat_rules: list[_Rule], rules: list[_Rule]) -> None:
    """Add the signals of every sentence of the paragraphs `blocks` a rule may match to `found`, in order."""
    for sentence in _passing_sentences(blocks, caveat_rules + rules):
        medical = _MEDICAL.search(sentence) is not None
        urls = [u.span() for u in _URL_IN_TEXT.finditer(sentence)]
        claimed: list[tuple[int, int]] = list(urls)   # words inside links are not prose
        for rule in caveat_rules:
            if rule.kind == "warning" and not medical:
                continue
            for m in rule.pattern.finditer(sentence):
                value = rule.value if isinstance(rule.value, str) else None
                if value is None or _overlaps(m.span(), urls):
                    continue
                if rule.medical_upgrade and medical:
                    value = "medical-caution"
                claimed.append(m.span())
                found.setdefault((value, sentence), Evidence(value, _phrase(sentence, m), source))
        for rule in rules:
            for m in rule.pattern.finditer(sentence):
                if _overlaps(m.span(), claimed):
                    continue
                value = rule.value(m) if callable(rule.value) else rule.value
                if value is None or _about_something_else(sentence, m):
                    continue
                polarity = _polarity(sentence, m, rule.kind)
                if polarity == "neg":
                    value = f"not-{value}"
                elif polarity == "future":
                    value = f"planned-{value}"
                found.setdefault((value, sentence), Evidence(value, _phrase(sentence, m), source))


# ---------------------------------------------------------------- assess


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


_NOT_TESTED = re.compile(r"❌|✗|✘|\bno\b|\bnot\b|\bfalse\b|\bnever\b|\buntested\b", re.I)


def _listed_stage(source: str, phrase: str) -> Evidence | None:
    """The stage a list's annotation says: `Tested: ✅ by @x` is tested (not when it says ❌ or no), and
    `Status: …` is the stage its words name."""
    label, _, value = phrase.partition(":")
    if label.strip().casefold() == "tested":
        return None if _NOT_TESTED.search(value) or not value.strip() else Evidence("tested", phrase.strip(), source)
    stage = stage_from_text(value)
    return Evidence(stage, phrase.strip(), source) if stage in _RANK else None


def assess(
    *,
    manifest: Manifest | None = None,
    hub_stage: str | None = None,
    hub_name: str | None = None,
    texts: Sequence[tuple[str, str]] = (),
    archived: bool = False,
    pushed_at: datetime | None = None,
    now: datetime | None = None,
    inactive_after_days: int = 730,
    certified: str | None = None,
    releases: int = 0,
    listed: Sequence[tuple[str, str]] = (),
) -> Maturity:
    """Combine a manifest, a hub's stage field, prose `texts` as (source, text) pairs and GitHub facts.

    `listed` are (source, "Status: prototype" / "Tested: ✅ by @x") annotations a curated list wrote beside the
    entry: evidence below the repository's own words, counted only when the README gives no stage.

    `now` defaults to the current time; pass it for reproducible results.
    """
    result = Maturity()
    result.declared, result.declared_evidence = declared_from_manifest(manifest)
    hub_src = f"hub:{hub_name}" if hub_name else "hub"
    hub = stage_from_text(hub_stage)
    if hub and result.declared is None:
        result.declared, result.declared_evidence = hub, Evidence(hub, hub_stage or "", hub_src)
    elif hub and hub != result.declared:
        result.caveats.append(Evidence(f"declared-conflict:{hub}", f"stage field says {hub_stage!r}", hub_src))

    states: list[Evidence] = []
    if archived:
        states.append(Evidence("archived", "repository is archived on GitHub", "github"))
    if certified:
        states.append(Evidence("certified", certified, "certification"))
    if manifest is not None and not manifest.error and manifest.attestation:
        states.append(Evidence("certified", f"attestation: {manifest.attestation}", f"okh:{manifest.path}"))
    if pushed_at is not None:
        now_ = _aware(now or datetime.now(UTC))
        days = (now_ - _aware(pushed_at)).days
        if days > inactive_after_days:
            states.append(Evidence("inactive", f"last push {pushed_at.date().isoformat()}, {days} days before "
                                               f"{now_.date().isoformat()}", "github"))

    derived: list[Evidence] = []
    for source, text in texts:
        for ev in text_signals(text, source):
            if ev.value in _RANK:
                derived.append(ev)
            elif ev.value in _STATE_OF:
                states.append(ev)
            else:
                result.caveats.append(ev)
    if listed and not any(ev.source == "readme" for ev in derived):
        derived += [ev for source, phrase in listed if (ev := _listed_stage(source, phrase)) is not None]
    if releases > 0:
        derived.append(Evidence("prototype", f"{releases} GitHub release{'s' if releases != 1 else ''}", "github"))
    derived.sort(key=lambda e: -_RANK[e.value])
    result.derived_evidence = derived
    result.derived = derived[0].value if derived else None

    states.sort(key=lambda e: STATES.index(_STATE_OF[e.value]))
    result.states = states
    if states:
        result.state, result.state_evidence = _STATE_OF[states[0].value], states[0]
    return result
