"""Table-driven tests for the maturity normalizer: declared vs derived stage, negations, states, caveats."""

from __future__ import annotations

import importlib.util
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import cpu_budget

from registry.normalize.maturity import (
    STAGES,
    Evidence,
    assess,
    declared_from_manifest,
    stage_from_text,
    text_signals,
)
from registry.normalize.okh import Manifest, parse_manifest

EVAL_PATH = Path(__file__).resolve().parents[1] / "bench" / "_maturity_eval.py"


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        ("idea", "concept"),
        ("Concept", "concept"),
        ("prototype", "prototype"),
        ("development", "prototype"),
        ("proof of concept", "prototype"),      # not 'concept'
        ("pre-production", "prototype"),        # not 'production'
        ("beta product", "prototype"),          # lowest named stage wins
        ("field tested", "tested"),
        ("validated", "tested"),
        ("product", "production"),
        ("stable", "production"),
        ("OTRL-4", "tested"),
        ("otrl 1", "concept"),
        ("banana", None),
        ("", None),
        (None, None),
    ],
)
def test_stage_from_text(text: str | None, stage: str | None) -> None:
    assert stage_from_text(text) == stage


def _manifest(**kw: object) -> Manifest:
    return Manifest(path="okh.yml", format="okh-v1", **kw)


@pytest.mark.parametrize(
    ("fields", "stage", "phrase"),
    [
        ({"otrl": "OTRL-1"}, "concept", "technology-readiness-level: OTRL-1"),
        ({"otrl": "OTRL-2"}, "concept", "OTRL-2"),
        ({"otrl": "OTRL-3"}, "prototype", "OTRL-3"),
        ({"otrl": "OTRL-4"}, "tested", "OTRL-4"),
        ({"otrl": "OTRL-5"}, "production", "OTRL-5"),
        ({"otrl": "OTRL-6", "odrl": "ODRL-3*"}, "production", "documentation-readiness-level: ODRL-3*"),
        ({"otrl": "OTRL-3", "development_stage": "product"}, "prototype", "OTRL-3"),   # OTRL wins
        ({"development_stage": "product", "made_independently": True}, "production", "development-stage: product"),
        ({"development_stage": "prototype", "made_independently": True}, "prototype", "development-stage"),
        ({"development_stage": "banana", "made_independently": True}, "tested", "made-independently: true"),
        ({"made_independently": True, "made": True}, "tested", "made-independently"),
        ({"made": True}, "prototype", "made: true"),
        ({"made": False}, "concept", "made: false"),
        ({"odrl": "ODRL-2"}, None, None),            # documentation level alone sets no stage
        ({}, None, None),
    ],
)
def test_declared_from_manifest(fields: dict, stage: str | None, phrase: str | None) -> None:
    got, ev = declared_from_manifest(_manifest(**fields))
    assert got == stage
    if phrase is None:
        assert ev is None
    else:
        assert ev is not None and ev.value == stage and phrase in ev.phrase and ev.source == "okh:okh.yml"


def test_declared_ignores_failed_manifest() -> None:
    assert declared_from_manifest(parse_manifest("okh.yml", b"title: [")) == (None, None)
    assert declared_from_manifest(None) == (None, None)


# (text, values that must be found, values that must NOT be found)
SIGNAL_CASES = [
    ("The firmware is a work in progress.", {"prototype"}, set()),
    ("It has been pressure-tested.", {"tested"}, set()),
    ("The dibond version is well tested and popular.", {"tested"}, set()),
    ("Prototypes were field tested in two locations.", {"tested", "prototype"}, set()),
    ("The device passed animal trials last month.", {"tested"}, set()),
    ("Tested with success on human patients.", {"tested"}, set()),
    ("Approved for immediate use by two hospitals.", {"tested"}, set()),
    ("A paper describing the system was published in Plos Biology.", {"tested"}, set()),
    ("Received FDA EUA in April 2020.", {"production"}, set()),
    ("Kits are for sale on Tindie.", {"production"}, set()),
    ("dibond is the version that was sold as a kit.", {"production"}, set()),
    ("The shields are now in production at a partner factory.", {"production"}, set()),
    ("We have delivered 2,000 face shields to hospitals.", {"production"}, set()),
    ("We printed 3 copies for the lab.", set(), {"production"}),
    ("Version 1.0 was released with the paper.", {"production"}, set()),
    ("v0.3 was released today.", {"prototype"}, {"production"}),
    ("The latest stable release is v2.0.", {"production"}, set()),
    ("A first test pre-release can be found under releases.", {"prototype"}, set()),
    ("This project is still in its early development stages.", {"concept"}, set()),
    ("Project is just beginning.", {"concept"}, set()),
    ("Currently the project is in a breadboard-prototype stage.", {"prototype"}, set()),
    ("Status: beta", {"prototype"}, set()),
    ("Project status: production ready, shipping since 2019.", {"production"}, set()),
    ("Status: unknown", set(), set()),
    ("This is an MVP.", {"prototype"}, set()),
    ("It is in daily use at our lab.", {"tested"}, set()),
    ("Kits are now available to buy from our shop.", {"production"}, set()),
    ("The design was published in June 2020.", set(), {"tested"}),
    # negation and future phrasing never raise the stage
    ("The device has not been tested.", {"untested"}, {"tested"}),
    ("This design is untested.", {"untested"}, {"tested"}),
    ("The Huxley version hasn't been tested in its final form.", {"untested"}, {"tested"}),
    ("It was never tested on patients.", {"untested"}, {"tested"}),
    ("This is not a prototype.", {"not-prototype"}, {"prototype"}),
    ("This is not for sale.", {"not-production"}, {"production"}),
    ("v4 Soldering (will be released)", {"unreleased"}, {"production", "prototype"}),
    ("The board is not yet released.", {"unreleased"}, set()),
    ("We plan to start clinical trials in May.", {"planned-tested"}, {"tested"}),
    ("A research paper is slated for October 2024 publication.", {"planned-tested"}, {"tested"}),
    ("It should be thoroughly tested for leaks.", {"planned-tested"}, {"tested"}),
    # medical caution and disclaimers
    ("THESE UNCERTIFIED PROTOTYPES ARE NOT INTENDED FOR USE ON HUMANS or ANIMALS!", {"medical-caution", "prototype"},
     set()),
    ("This is not intended for clinical use.", {"medical-caution"}, set()),
    ("Not for medical use.", {"medical-caution"}, set()),
    ("OxyGEN is not a certified medical device.", {"medical-caution"}, {"certified"}),
    ("Mask designs have not been FDA approved or cleared.", {"medical-caution"}, {"production"}),
    ("Caution: any group building a ventilator must validate it on a test lung.", {"medical-caution"}, set()),
    ("This code is provided for reference use only.", {"disclaimer"}, set()),
    ("Use at your own risk.", {"disclaimer"}, set()),
    # states
    ("The VentMon is OSHWA certified, [US002353](https://certification.oshwa.org/us002353.html).", {"certified"},
     set()),
    ("[![OSHW-HR000002](badge.svg)](https://certification.oshwa.org/hr000002.html)", {"certified"}, set()),
    ("This repository has moved!", {"moved"}, set()),
    ("PLEASE REFER TO THE NEW PROJECT LOCATION: https://github.com/x/y", {"moved"}, set()),
    ("This project is no longer maintained.", {"archived"}, set()),
    ("This project is not abandoned.", set(), {"archived"}),
    ("The old repository is no longer maintained, but this one is active.", {"archived"}, set()),
    # things that must not count
    ("(c) The authors, 2017, released under CERN Open Hardware License.", set(), {"production", "prototype"}),
    ("The Arduino ecosystem is very rich in well tested libraries.", set(), {"tested"}),
    ("In the event that hospitals exhaust FDA approved ventilators, this may help.", set(), {"production"}),
    ("Sections have been moved to the wiki.", set(), {"moved"}),
    ("Repository archive on Zenodo.", set(), {"archived"}),
    ("See https://example.org/prototype-in-production for background.", set(), {"prototype", "production"}),
    ("We are helping to prototype ideas from clinicians.", set(), {"prototype"}),
    ("Our ideas are published in the directory called pi.", set(), {"tested"}),
]


@pytest.mark.parametrize(("text", "present", "absent"), SIGNAL_CASES, ids=[c[0][:50] for c in SIGNAL_CASES])
def test_text_signals(text: str, present: set[str], absent: set[str]) -> None:
    values = {e.value for e in text_signals(text, "readme")}
    assert present <= values, values
    assert not absent & values, values
    if not present:
        assert not values & set(STAGES), values


def test_signal_phrase_is_the_sentence_with_markup_removed() -> None:
    text = "# Status\n\nSome intro.  **The firmware** is a [work in progress](https://x.org).\n\nMore text."
    [ev] = text_signals(text, "list:some-list")
    assert ev == Evidence("prototype", "The firmware is a work in progress.", "list:some-list")


def test_code_blocks_and_comments_are_skipped() -> None:
    text = "```\nprototype in production\n```\n<!-- well tested -->\n    plain text\n"
    assert text_signals(text, "readme") == []


def test_long_sentence_phrase_is_clipped_around_the_match() -> None:
    text = "word " * 200 + "this is a work in progress " + "word " * 200
    [ev] = text_signals(text, "readme")
    assert "work in progress" in ev.phrase and len(ev.phrase) <= 245


@pytest.mark.parametrize(
    "text",
    ["[x" * 30_000, "![" * 30_000, "not a prototype, " * 4_000, "[a](" * 15_000, "<" * 60_000,
     "This is not intended for use on " * 2_000, "http://" * 9_000],
    ids=["open brackets", "open images", "many matches in one sentence", "open links", "open tags", "caveat soup",
         "url soup"],
)
def test_hostile_prose_stays_linear(text: str) -> None:
    with cpu_budget(3.0):
        text_signals(text, "readme")


NOW = datetime(2026, 1, 1, tzinfo=UTC)
LOSH_OTRL2 = parse_manifest(
    "okh.toml", b'name = "x"\nrepo = "r"\nlicense = "MIT"\ntechnology-readiness-level = "OTRL-2"\n')

# (case id, assess kwargs, expected attributes)
ASSESS_CASES = [
    ("declared kept apart from derived",
     {"manifest": LOSH_OTRL2, "texts": [("readme", "Kits are for sale. It is in production.")]},
     {"declared": "concept", "derived": "production", "stage": "concept", "state": None}),
    ("derived when nothing declared",
     {"texts": [("readme", "Prototypes were field tested.")]},
     {"declared": None, "derived": "tested", "stage": "tested"}),
    ("hub stage declares when no manifest",
     {"hub_stage": "Prototype", "hub_name": "kitspace"},
     {"declared": "prototype", "stage": "prototype"}),
    ("negations never raise",
     {"texts": [("readme", "Not tested. Not for medical use. Will be released soon.")]},
     {"derived": None, "stage": None, "medical_caution": True}),
    ("releases give a prototype floor",
     {"releases": 3},
     {"derived": "prototype"}),
    ("archived beats certified",
     {"archived": True, "certified": "OSHWA US000001"},
     {"state": "archived"}),
    ("certified beats inactive",
     {"certified": "OSHWA US000001", "pushed_at": NOW - timedelta(days=2000), "now": NOW},
     {"state": "certified"}),
    ("inactive after the threshold",
     {"pushed_at": NOW - timedelta(days=800), "now": NOW},
     {"state": "inactive"}),
    ("active within the threshold",
     {"pushed_at": NOW - timedelta(days=100), "now": NOW},
     {"state": None}),
    ("threshold is configurable",
     {"pushed_at": NOW - timedelta(days=100), "now": NOW, "inactive_after_days": 90},
     {"state": "inactive"}),
    ("naive datetimes are read as UTC",
     {"pushed_at": datetime(2020, 1, 1), "now": datetime(2026, 1, 1)},
     {"state": "inactive"}),
    ("moved prose archives",
     {"texts": [("readme", "# This repository has moved!\nSee the new one.")]},
     {"state": "archived"}),
    ("OSHWA badge in README certifies",
     {"texts": [("readme", "[![OSHW-HR000002](x.svg)](https://certification.oshwa.org/hr000002.html)")]},
     {"state": "certified"}),
    ("attestation link certifies",
     {"manifest": parse_manifest("okh.toml", b'name = "x"\nrepo = "r"\nlicense = "MIT"\n'
                                             b'attestation = "https://certification.oshwa.org/de000001.html"\n')},
     {"state": "certified"}),
]


@pytest.mark.parametrize(("case", "kwargs", "expected"), ASSESS_CASES, ids=[c[0] for c in ASSESS_CASES])
def test_assess(case: str, kwargs: dict, expected: dict) -> None:
    result = assess(**kwargs)
    for attr, value in expected.items():
        assert getattr(result, attr) == value, (attr, result)


def test_assess_keeps_evidence_for_every_claim() -> None:
    result = assess(
        manifest=LOSH_OTRL2,
        hub_stage="production",
        hub_name="kitspace",
        texts=[("readme", "This is a work in progress. NOT INTENDED FOR USE ON HUMANS."),
               ("list:vent", "Well tested.")],
        archived=True,
        certified="OSHWA US002353",
        now=NOW,
    )
    assert result.declared_evidence == Evidence("concept", "technology-readiness-level: OTRL-2", "okh:okh.toml")
    assert [e.value for e in result.derived_evidence] == ["tested", "prototype"]   # strongest first
    assert result.derived_evidence[0].source == "list:vent"
    assert result.state_evidence == Evidence("archived", "repository is archived on GitHub", "github")
    assert {e.value for e in result.states} == {"archived", "certified"}
    assert result.medical_caution
    assert any(c.value == "declared-conflict:production" and c.source == "hub:kitspace" for c in result.caveats)
    d = result.as_dict()
    assert d["stage"] == "concept" and d["medical_caution"] is True
    json.dumps(d)


def test_eval_module_runs_on_a_tiny_corpus(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("_maturity_eval", EVAL_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    evaluate, main = module.evaluate, module.main

    repo = tmp_path / "repos" / "acme__widget"
    (repo / "files" / "hw").mkdir(parents=True)
    (repo / "files" / "README.md").write_text("# Widget\n\nThe widget has been pressure-tested.\n")
    (repo / "files" / "okh-widget.yml").write_text("title: W\nproject-link: x\nlicense:\n  hardware: MIT\n")
    (repo / "meta.json").write_text(json.dumps({"tree": ["README.md", "okh-widget.yml", "hw/okh.toml"]}))
    labels = {"repos": [{"repo": "acme/widget", "okh_manifests": ["okh-widget.yml"], "okh_manifest": "okh-widget.yml",
                         "okh_declared_licence": {"hardware": "MIT", "documentation": None, "software": None},
                         "maturity_evidence": "it has been pressure-tested; \"shipped to 40 labs\""},
                        {"repo": "acme/missing"}]}
    lines, summary = evaluate(tmp_path, labels)
    assert summary["manifests_expected"] == 1 and summary["manifests_found"] == 1
    assert summary["manifest_false_positives"] == 1          # hw/okh.toml is in the tree but not labelled
    assert summary["declared_licence_match"] == 1
    assert summary["maturity_evidence_hit"] == 1.0
    assert summary["maturity_parts_fraction"] == 0.5        # the quoted part is not in the README
    assert any("acme/missing: not in corpus" in line for line in lines)
    assert main(["x", str(tmp_path / "nowhere")]) == 0       # absent corpus: skip cleanly


def _signals_sentence_by_sentence(text: str, source: str) -> list[Evidence]:
    """text_signals the straightforward way: every rule on every sentence, no literal gate or paragraph skip."""
    from registry.normalize import _prefilter, maturity

    saved = [(g, g.keys) for g in _prefilter._GATES]
    try:
        for g, _ in saved:
            g.keys = None
        found: dict[tuple[str, str], Evidence] = {}
        rules = list(maturity._STATE_RULES + maturity._STAGE_RULES)
        maturity._signals(maturity._sentences(text), source, found, list(maturity._CAVEAT_RULES), rules)
        return list(found.values())
    finally:
        for g, keys in saved:
            g.keys = keys


_PARAGRAPH_TEXTS = [
    "# Widget\n\nA small board. It is not yet tested. We will release version 2 soon.\n\nSee the docs.",
    "Intro line without signals.\nStill none here. Nor here!\n\n- prototype stage\n- has been tested by 3 labs",
    "Status: beta. This repo has moved to a new home.\n```\nprototype in code\n```\nNot for medical use. "
    "WARNING: not approved by the FDA.",
    "Paragraph one. End.\n\nThe design was validated by users. Version 1.0 was released. Shipped 200 units.",
    "",
]


@pytest.mark.parametrize("text", [*_PARAGRAPH_TEXTS, "\n\n".join(_PARAGRAPH_TEXTS)])
def test_paragraph_gate_gives_the_sentence_by_sentence_signals(text: str) -> None:
    """Gating paragraphs before splitting them into sentences finds what running every rule on every sentence does."""
    assert text_signals(text, "readme") == _signals_sentence_by_sentence(text, "readme")
