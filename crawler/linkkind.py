"""What a link in a curated list is: the project's repository, its site, its files, or a video, article or profile
about it, so an entry's press links never become projects and its id comes from the link that names the design.

A kind is decided by the label written in front of the link ("Website:", "Files:", "Video:") or a table column's
header, and by the host; a strong host (a code forge, YouTube, a DOI, a social network) wins over a label.
"""

from __future__ import annotations

import re
from functools import lru_cache

from registry.urls import canonical_url, classify

__all__ = ["KINDS", "PRIMARY_ORDER", "REFERENCE_KINDS", "label_kind", "link_kind", "primary_rank"]

#: Every kind a link can have.
KINDS = ("repo", "homepage", "hub", "files", "docs", "paper", "video", "press", "social", "profile")
#: The order in which an entry's links may name its project (id and canonical URL): a repository, then a
#: homepage, then a hub page, then files, documentation, a paper. Press, video, social and profile links never do.
PRIMARY_ORDER = ("repo", "homepage", "hub", "files", "docs", "paper")
#: Kinds that are about a project rather than the project: a section whose entries have only these is references.
REFERENCE_KINDS = frozenset({"paper", "video", "press", "social", "profile"})

FORGES = ("github.com", "gitlab.com", "codeberg.org", "bitbucket.org", "git.sr.ht", "gitea.com", "framagit.org",
          "salsa.debian.org", "sourceforge.net", "notabug.org", "gitee.com", "sr.ht")
HUBS = ("hackaday.io", "oshwa.org", "certification.oshwa.org", "appropedia.org", "thingiverse.com",
        "printables.com", "instructables.com", "kitspace.org", "hackster.io", "myminifactory.com", "cults3d.com",
        "oshwlab.com", "oshpark.com", "openhardware.io", "wikifactory.com", "ohwr.org", "grabcad.com")
VIDEO = ("youtube.com", "youtu.be", "vimeo.com", "dailymotion.com", "twitch.tv", "peertube.tv", "bilibili.com",
         "tiktok.com", "m.youtube.com")
SOCIAL = ("twitter.com", "x.com", "facebook.com", "fb.com", "instagram.com", "linkedin.com", "reddit.com",
          "discord.gg", "discord.com", "t.me", "telegram.me", "mastodon.social", "fosstodon.org", "hachyderm.io",
          "slack.com", "join.slack.com", "meetup.com", "threads.net", "bsky.app", "tumblr.com", "pinterest.com",
          "chat.whatsapp.com", "j.mp", "gofundme.com", "kickstarter.com", "patreon.com", "opencollective.com",
          "spotify.com", "open.spotify.com", "podcasts.google.com")
PAPER = ("doi.org", "dx.doi.org", "arxiv.org", "biorxiv.org", "medrxiv.org", "ncbi.nlm.nih.gov",
         "pubmed.ncbi.nlm.nih.gov", "europepmc.org", "ssrn.com", "papers.ssrn.com", "sciencedirect.com",
         "journals.plos.org", "plos.org", "ieeexplore.ieee.org", "link.springer.com", "onlinelibrary.wiley.com",
         "researchgate.net", "scholar.google.com", "semanticscholar.org", "mdpi.com", "frontiersin.org",
         "nature.com", "science.org", "hal.science", "hal.archives-ouvertes.fr", "openhardware.metajnl.com",
         "rcjournal.com", "thelancet.com", "journals.elsevier.com", "academic.oup.com", "jstor.org")
PRESS = ("hackaday.com", "npr.org", "nytimes.com", "bbc.co.uk", "bbc.com", "theguardian.com", "wired.com",
         "techcrunch.com", "theverge.com", "forbes.com", "cnn.com", "reuters.com", "apnews.com", "vice.com",
         "engadget.com", "arstechnica.com", "zdnet.com", "medium.com", "3dprint.com", "3dprintingindustry.com",
         "all3dp.com", "makezine.com", "technologyreview.com", "technologyreview.pk", "spectrum.ieee.org",
         "washingtonpost.com", "wsj.com", "bloomberg.com", "businessinsider.com", "opensource.com", "kvue.com",
         "thedailytexan.com", "hackster.io/news", "news.ycombinator.com", "substack.com", "blogspot.com",
         "wordpress.com", "tomshardware.com", "electronicsweekly.com", "eetimes.com", "newatlas.com",
         "gizmodo.com", "cnet.com", "independent.co.uk", "telegraph.co.uk", "lemonde.fr", "spiegel.de",
         "heise.de", "elpais.com", "medicaldesignandoutsourcing.com", "devpost.com/news")
_PRESS_PATHS = tuple(p for p in PRESS if "/" in p)
DOCS_HOSTS = ("readthedocs.io", "readthedocs.org", "gitbook.io", "docs.google.com", "notion.site", "wiki.js.org")
FILE_HOSTS = ("drive.google.com", "dropbox.com", "dl.dropboxusercontent.com", "cad.onshape.com", "zenodo.org",
              "figshare.com", "osf.io", "mega.nz", "box.com", "a360.co", "autodesk360.com", "tinkercad.com",
              "easyeda.com", "upverter.com", "circuitmaker.com")
_FILE_EXT = re.compile(r"\.(zip|7z|rar|tar|gz|tgz|bz2|xz|stl|step|stp|iges|igs|f3d|fcstd|scad|dxf|dwg|svg|3mf|obj|"
                       r"kicad_pcb|kicad_sch|sch|brd|gbr|gerber|hex|bin|uf2|xlsx?|ods|csv)$", re.I)
_PDF = re.compile(r"\.pdf$", re.I)
_DATE_PATH = re.compile(r"/(19|20)\d\d/(0?[1-9]|1[0-2])(/|$)")
_PRESS_PATH = re.compile(r"/(news|article|articles|story|stories|press|blog|blogs|posts?|sections|magazine|"
                         r"opinion|features|editorial)(/|$)", re.I)
_SLUG_WORDS = re.compile(r"[a-z0-9]+", re.I)

# Labels people write in front of links (first word(s) of the label, casefolded), and the kind each says.
_LABELS: tuple[tuple[str, str], ...] = (
    (r"web ?site|home ?page|site|web|url|homepage|project page|official|landing|store|shop|buy", "homepage"),
    (r"source|sources|source code|code|repo|repository|git|github|gitlab|codeberg|bitbucket|firmware|software",
     "repo"),
    (r"files?|download|downloads|design files?|cad|stl|stls|gerbers?|pcb|schematics?|models?|3d files?|"
     r"bom|release|releases|assets|hardware|design|designs", "files"),
    (r"docs?|documentation|wiki|manual|instructions?|build guide|guide|assembly|how ?to|tutorial|specs?|"
     r"specification|datasheet|readme|build instructions|notes", "docs"),
    (r"videos?|youtube|demo|watch|talk|presentation|screencast", "video"),
    (r"press|news|article|articles|coverage|featured|media|blog|blog post|report|interview|story|in the news|"
     r"mentioned", "press"),
    (r"paper|papers|publication|publications|preprint|doi|journal|citation|cite|study|arxiv|pmc|pubmed", "paper"),
    (r"twitter|mastodon|discord|chat|forum|community|slack|matrix|telegram|facebook|instagram|linkedin|reddit|"
     r"social|follow|contact|mailing list|newsletter", "social"),
    (r"author|authors|by|maker|makers|creator|designer|designed by|made by|team|maintainer|maintainers|tested|"
     r"contributors?|credits?|person|people|org|organisation|organization", "profile"),
    (r"hackaday|hackaday\.io|oshwa|appropedia|thingiverse|printables|instructables|kitspace|hackster", "hub"),
)
_LABEL_RES = tuple((re.compile(rf"^(?:{words})$"), kind) for words, kind in _LABELS)
_LABEL_CLEAN = re.compile(r"[^\w .]+")


@lru_cache(maxsize=1 << 12)
def label_kind(label: str | None) -> str | None:
    """The kind a label in front of a link (or a table column header) says, or None when it says none."""
    if not label:
        return None
    text = " ".join(_LABEL_CLEAN.sub(" ", label.casefold()).split())
    if not text or len(text) > 30:
        return None
    for rx, kind in _LABEL_RES:
        if rx.match(text):
            return kind
    first = text.split(" ", 1)[0]
    for rx, kind in _LABEL_RES:
        if rx.match(first):
            return kind
    return None


def _table() -> dict[str, str]:
    """Every known host to what it is; the first list naming a host wins (a forge before a hub before a page)."""
    out: dict[str, str] = {}
    for kind, hosts in (("forge", FORGES), ("video", VIDEO), ("paper", PAPER), ("hub", HUBS), ("social", SOCIAL),
                        ("press", PRESS), ("files", FILE_HOSTS), ("docs", DOCS_HOSTS)):
        for h in hosts:
            if "/" not in h:
                out.setdefault(h, kind)
    return out


_HOSTS = _table()


def _known(host: str) -> str | None:
    """What the most specific known suffix of a host is (podcasts.google.com before google.com), or None."""
    parts = host.split(".")
    for i in range(len(parts) - 1):
        kind = _HOSTS.get(".".join(parts[i:]))
        if kind is not None:
            return kind
    return None


@lru_cache(maxsize=1 << 14)
def _host_kind(url: str) -> tuple[str | None, bool]:
    """The kind a URL's host and path say on their own, and whether that is strong enough to beat a label."""
    c = canonical_url(url)  # its query repaired and tracking parameters gone
    if c is None:
        return None, False
    rest = c[len("https://"):].split("?", 1)[0]
    host, _, tail = rest.partition("/")
    host = host.split(":", 1)[0]
    if host in ("github.com", "gitlab.com") and classify(url) in ("github-repo", "gitlab-repo"):
        return "repo", True
    path = "/" + tail
    segs = [s for s in tail.split("/") if s]
    if host in ("github.com", "gitlab.com", "codeberg.org", "bitbucket.org", "gitee.com") and len(segs) == 1:
        return "profile", True  # a user's or organisation's page
    if host.endswith((".github.io", ".gitlab.io")):
        return "homepage", False
    if host in ("raw.githubusercontent.com", "gist.github.com", "objects.githubusercontent.com"):
        return "files", True
    known = _known(host)
    if known == "forge":
        if len(segs) >= 2:
            return "repo", True
        known = None
    if known == "video":
        return "video", True
    if known == "paper" or "/doi/" in path or path.startswith("/pmc/"):
        return "paper", True
    if known == "hub":
        if host == "hackaday.io" and segs and segs[0] not in ("project", "page"):
            return "profile", True  # hackaday.io/<user>
        return "hub", True
    if known in ("social", "press"):
        return known, True
    if any((host + path).startswith(p) for p in _PRESS_PATHS):
        return "press", True
    if known == "files" or _FILE_EXT.search(path):
        return "files", False
    if known == "docs" or host.startswith(("docs.", "wiki.")) or "/wiki/" in path or _PDF.search(path):
        return "docs", False
    if _DATE_PATH.search(path) or _PRESS_PATH.search(path):
        return "press", False
    if segs and len(_SLUG_WORDS.findall(segs[-1].rsplit(".", 1)[0])) >= 6:
        return "press", False  # a headline as the page's name: an article about something
    return "homepage", False


def link_kind(url: str, label: str | None = None) -> str:
    """The kind of one link: a strong host decides, else the label in front of it, else what the URL looks like."""
    host_kind, strong = _host_kind(url)
    if strong and host_kind:
        return host_kind
    said = label_kind(label)
    if said == "repo" and host_kind != "repo":
        said = host_kind  # "Source:" in front of a page that is not on a forge: the page is what it looks like
    return said or host_kind or "homepage"


def primary_rank(kind: str) -> int | None:
    """Where a link of this kind stands in the primary-link order; None when it may never name a project."""
    try:
        return PRIMARY_ORDER.index(kind)
    except ValueError:
        return None
