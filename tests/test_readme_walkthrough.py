"""Issue 17, reproduction 1: the README's maker, analyst and curator examples print what the README shows.

bench/readme_examples.py crawls the GitHub sources of the shipped config.toml from ../shared/tools/fake_github.py
on loopback (one crawl shared by every example), runs each `$ ohr …` line of README.md in order and compares
its output with the README's. When a change moves an output on purpose, regenerate the README from a real run:
`.venv/bin/python bench/readme_examples.py --update`.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest
from conftest import SHARED

ROOT = Path(__file__).resolve().parents[1]


def _bench():
    spec = importlib.util.spec_from_file_location("readme_examples", ROOT / "bench" / "readme_examples.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # its dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.skipif(not (SHARED / "tools" / "fake_github.py").exists(), reason="../shared (corpus server) absent")
@pytest.mark.skipif(shutil.which("bash") is None, reason="the README's examples are shell lines")
def test_readme_examples_print_what_the_readme_shows(tmp_path):
    bench = _bench()
    text, blocks = bench.walkthrough(tmp_path)
    commands = [ex.command for b in blocks for ex in b.examples]
    # the walkthrough covers the maker, analyst and curator examples, not just whatever parses
    assert any(c.startswith("ohr search mask") for c in commands)
    assert any(c.startswith("ohr sql ") for c in commands) and any(c.startswith("ohr query ") for c in commands)
    assert any(c.startswith("ohr set ") for c in commands) and any(c.startswith("ohr flag ") for c in commands)
    diffs = bench.drift(blocks)
    assert not diffs, ("README.md examples drifted (regenerate: .venv/bin/python bench/readme_examples.py "
                       "--update):\n\n" + "\n\n".join(diffs))


def test_readme_example_blocks_parse_and_rewrite_in_place():
    bench = _bench()
    text = ("intro\n\n```\n$ ohr a\nold 1\nold 2\n$ ohr b\n```\n\n```sh\nmake run\n```\n\n"
            "```\n$ ohr c | head -1\nx\n```\n")
    blocks = bench.parse(text)
    assert [[(e.command, e.expected) for e in b.examples] for b in blocks] == [
        [("ohr a", ["old 1", "old 2"]), ("ohr b", [])], [("ohr c | head -1", ["x"])]]
    blocks[0].examples[0].actual, blocks[0].examples[1].actual = ["new"], ["b out"]
    blocks[1].examples[0].actual = ["x"]
    assert len(bench.drift(blocks)) == 2
    assert bench.updated(text, blocks) == ("intro\n\n```\n$ ohr a\nnew\n$ ohr b\nb out\n```\n\n```sh\nmake run\n```\n\n"
                                          "```\n$ ohr c | head -1\nx\n```\n")
