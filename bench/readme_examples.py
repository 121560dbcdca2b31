"""Run README.md's examples against the development corpus and check (or rewrite) the outputs it prints.

The README's maker, analyst and curator examples are fenced blocks of `$ ohr …` lines, each followed by
what it printed. This script starts ../shared/tools/fake_github.py on loopback, crawls the GitHub sources of
the shipped config.toml into a temporary registry (what `make run` stores from that server: the `oshwa`
source is skipped without $OSHWA_TOKEN and `appropedia` is not in the corpus, so they add nothing), runs
every example in README order on that one registry (curator examples change it for the ones after them),
and compares each output with the README's. tests/test_readme_walkthrough.py runs the same check.

    .venv/bin/python bench/readme_examples.py            # check: print each drift, exit 1 if any
    .venv/bin/python bench/readme_examples.py --update   # rewrite the output blocks in place from a real run
    .venv/bin/python bench/readme_examples.py --time [--latency-ms 100]
        # time the first crawl of the GitHub sources with and without a token (README "How long")
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
README = ROOT / "README.md"
CONFIG = ROOT / "config.toml"

# A fenced block without a language whose first line is a `$ ohr` command.
_BLOCK = re.compile(r"^```\n(\$ ohr .*?)^```$", re.M | re.S)


@dataclass
class Example:
    """One `$ command` of a README block and the lines printed under it."""

    command: str
    expected: list[str]
    actual: list[str] = field(default_factory=list)


@dataclass
class Block:
    """A fenced block of examples and where it sits in the README text."""

    start: int
    end: int
    examples: list[Example]

    def render(self) -> str:
        """The block's text with each example's actual output."""
        lines = []
        for ex in self.examples:
            lines.append(f"$ {ex.command}")
            lines.extend(ex.actual)
        return "\n".join(lines) + "\n"


def parse(text: str) -> list[Block]:
    """The README's example blocks, in order."""
    blocks = []
    for m in _BLOCK.finditer(text):
        examples: list[Example] = []
        for line in m.group(1).splitlines():
            if line.startswith("$ "):
                examples.append(Example(line[2:], []))
            else:
                examples[-1].expected.append(line)
        blocks.append(Block(m.start(1), m.end(1), examples))
    return blocks


def github_sources(config: Path = CONFIG) -> list[str]:
    """The sources of the config that read GitHub (the corpus server answers only those)."""
    raw = tomllib.loads(config.read_text(encoding="utf-8"))
    return [s["name"] for s in raw.get("sources", []) if str(s.get("kind", "")).startswith("github-")]


@contextmanager
def corpus_server(latency_ms: int = 0, log: Path | None = None) -> Iterator[str]:
    """fake_github.py serving ../shared/corpus on a free loopback port; yields its base URL."""
    tool = SHARED / "tools" / "fake_github.py"
    if not tool.exists():
        raise FileNotFoundError(f"{tool} not found: the README examples come from the corpus in ../shared")
    args = [sys.executable, str(tool), "--corpus", str(SHARED / "corpus"), "--port", "0",
            "--latency-ms", str(latency_ms)] + (["--log", str(log)] if log else [])
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if "listening on" not in line:
            raise RuntimeError(f"fake_github.py did not start: {line!r}")
        yield line.split()[2]
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _env(db: Path, api_url: str | None = None, token: str | None = None) -> dict[str, str]:
    """The environment of a README session: the checkout's ohr first on PATH, its config, a given registry."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("OHR_", "GITHUB_TOKEN", "OSHWA_TOKEN", "HACKADAY_API_KEY"))}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["OHR_CONFIG"] = str(CONFIG)
    env["OHR_DB"] = str(db)
    env["COLUMNS"] = "200"
    if api_url:
        env["OHR_GITHUB_API_URL"] = api_url
    if token:
        env["GITHUB_TOKEN"] = token
    return env


def crawl(db: Path, api_url: str, token: str | None = "dev") -> tuple[int, float]:
    """Crawl the config's GitHub sources into `db` as `make run` would; (exit code, seconds)."""
    cmd = [str(Path(sys.executable).parent / "ohr"), "crawl", "--quiet"]
    for name in github_sources():
        cmd += ["--source", name]
    t0 = time.monotonic()
    p = subprocess.run(cmd, env=_env(db, api_url, token), capture_output=True, text=True, cwd=ROOT, timeout=900)
    return p.returncode, time.monotonic() - t0


def run_examples(blocks: list[Block], db: Path) -> None:
    """Run every example in order on `db` (stdout and stderr, as a terminal shows them), filling `actual`."""
    env = _env(db)
    for block in blocks:
        for ex in block.examples:
            p = subprocess.run(["bash", "-c", ex.command], env=env, capture_output=True, text=True, cwd=ROOT,
                               timeout=120)
            ex.actual = (p.stdout + p.stderr).rstrip("\n").splitlines()
            if p.returncode not in (0, 141):  # 141: `| head` closed the pipe
                ex.actual.append(f"# exit code {p.returncode}")


def drift(blocks: list[Block]) -> list[str]:
    """A unified diff per example whose README output differs from what it printed."""
    out = []
    for block in blocks:
        for ex in block.examples:
            if ex.actual != ex.expected:
                out.append("\n".join(difflib.unified_diff(ex.expected, ex.actual, f"README: $ {ex.command}",
                                                          "actual", lineterm="")))
    return out


def updated(text: str, blocks: list[Block]) -> str:
    """The README text with every example block's outputs replaced by the actual ones."""
    for block in reversed(blocks):
        text = text[:block.start] + block.render() + text[block.end:]
    return text


def walkthrough(tmp: Path) -> tuple[str, list[Block]]:
    """Crawl once, run the README's examples on that registry; (README text, blocks with actual outputs)."""
    text = README.read_text(encoding="utf-8")
    blocks = parse(text)
    db = tmp / "registry.duckdb"
    with corpus_server() as url:
        code, _ = crawl(db, url)
    if code not in (0, 4):
        raise RuntimeError(f"the crawl of the corpus exited {code}")
    run_examples(blocks, db)
    return text, blocks


def timing(latency_ms: int) -> list[tuple[str, int, float, int]]:
    """First crawls of the GitHub sources with and without a token: (who, exit code, seconds, requests)."""
    import json

    rows = []
    for label, token in (("with GITHUB_TOKEN", "dev"), ("without a token", None)):
        with tempfile.TemporaryDirectory() as tmp:
            log = Path(tmp) / "requests.jsonl"
            with corpus_server(latency_ms, log) as url:
                code, seconds = crawl(Path(tmp) / "registry.duckdb", url, token)
            counted = sum(1 for line in log.read_text().splitlines() if line and json.loads(line).get("counted"))
            rows.append((label, code, seconds, counted))
    return rows


def main() -> None:
    """Check the README's outputs, rewrite them (--update), or time the first crawl (--time)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--update", action="store_true", help="rewrite README.md's output blocks from a real run")
    ap.add_argument("--time", action="store_true", help="time the first crawl with and without a token")
    ap.add_argument("--latency-ms", type=int, default=100, help="server latency for --time (default 100)")
    args = ap.parse_args()
    if args.time:
        print(f"first crawl of {', '.join(github_sources())} from the corpus server at {args.latency_ms} ms a request")
        for label, code, seconds, counted in timing(args.latency_ms):
            print(f"  {label:18} exit {code}  {seconds:6.1f} s  {counted} counted requests")
        return
    with tempfile.TemporaryDirectory() as tmp:
        text, blocks = walkthrough(Path(tmp))
    if args.update:
        new = updated(text, blocks)
        README.write_text(new, encoding="utf-8")
        n = sum(ex.actual != ex.expected for b in blocks for ex in b.examples)
        print(f"README.md: {n} example output(s) rewritten" if n else "README.md: every example output was current")
        return
    diffs = drift(blocks)
    for d in diffs:
        print(d, end="\n\n")
    print(f"{len(diffs)} example(s) drifted" if diffs else "every README example prints what the README shows")
    sys.exit(1 if diffs else 0)


if __name__ == "__main__":
    main()
