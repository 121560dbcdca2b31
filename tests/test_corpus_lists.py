"""The corpus's real lists give their labelled entries with no `exclude_sections`: the parser tells projects from
references by itself (PubInv: 39 ± 4, its Resources, Essential Reading, Calls for Papers and FAQ make none)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from conftest import SHARED

CORPUS = SHARED / "corpus"
pytestmark = pytest.mark.skipif(not (CORPUS / "labels.json").exists(), reason="../shared/corpus is absent")


def _eval():
    path = Path(__file__).resolve().parents[1] / "bench" / "_list_eval.py"
    spec = importlib.util.spec_from_file_location("_list_eval_under_test", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # its dataclass looks its module up
    spec.loader.exec_module(mod)
    return mod


def test_every_corpus_list_gives_its_labelled_entries():
    results = {r.name: r for r in _eval().evaluate(CORPUS)}
    assert set(results) == {"PubInv/covid19-vent-list", "kitspace/kitspace", "delftopenhardware/awesome-open-hardware"}
    pubinv = results["PubInv/covid19-vent-list"]
    assert pubinv.labelled == 39
    assert abs(pubinv.found - 39) <= 4
    assert results["delftopenhardware/awesome-open-hardware"].found == results[
        "delftopenhardware/awesome-open-hardware"].labelled == 23
    assert results["kitspace/kitspace"].found == 150


def test_pubinv_references_make_no_projects_and_projects_keep_their_repositories():
    from crawler.mdlist import parse_list

    text = (CORPUS / "lists" / "PubInv__covid19-vent-list" / "README.md").read_text(encoding="utf-8")
    entries = parse_list(text)
    cats = {e.category for e in entries}
    for ref in ("Essential Reading", "Resources", "Basic Educational Resources", "FAQs", "Videos",
                "Challenges and Calls for Papers", "Communities working on Open-Source Ventilators"):
        assert ref not in cats
    by_name = {e.name: e for e in entries}
    assert by_name["AmboVent"].primary == "https://github.com/AmboVent/AmboVent"
    assert by_name["Protofy Team OxyGEN"].urls[0] == "https://github.com/ProtofyTeam/OxyGEN"
    # the entry whose URL lost its '?' keeps the parameters naming its page, without the tracking ones
    from registry.urls import canonical_url

    emergency = by_name["Emergency Ventilator"]
    assert canonical_url(emergency.links[0].url) == (
        "https://digitalcommons.usu.edu/cgi/viewcontent.cgi?article=1016&context=spacegrant")
    # no project is named by a press, video, social or profile link
    assert all(lk.kind not in ("press", "video", "social", "profile")
               for e in entries if e.primary for lk in e.links if lk.url == e.primary)
