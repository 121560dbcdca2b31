"""Run the hostile-input campaign: every parser of tests/test_fuzz.py with many examples, and count them.

    .venv/bin/python bench/fuzz.py                 # 10,000 examples per parser
    .venv/bin/python bench/fuzz.py --examples 2000 -k bom

Prints, per parser test, the examples hypothesis ran (passing + failing; invalid draws are not counted), then
pytest's verdict.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", type=int, default=10_000, help="examples per parser (default 10000)")
    ap.add_argument("-k", default=None, help="only tests matching this pytest -k expression")
    args = ap.parse_args(argv)
    env = dict(os.environ, OHR_FUZZ_EXAMPLES=str(args.examples))
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--hypothesis-show-statistics",
           str(ROOT / "tests" / "test_fuzz.py")] + (["-k", args.k] if args.k else [])
    t0 = time.perf_counter()
    r = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    counts: dict[str, list[int]] = {}
    test, phase = None, ""
    for line in r.stdout.splitlines():
        m = re.match(r"tests/test_fuzz\.py::(\w+):$", line.strip())
        if m:
            test = m.group(1)
            counts.setdefault(test, [0, 0, 0])
            continue
        m = re.match(r"- during (\w+) phase", line.strip())
        if m:
            phase = m.group(1)
            continue
        m = re.search(r"(\d+) passing, (\d+) failing, and (\d+) invalid", line)
        if m and test and phase != "shrink":
            for i, v in enumerate(map(int, m.groups())):
                counts[test][i] += v
    print(f"{'parser test':<36} {'examples':>9} {'passing':>9} {'failing':>8} {'invalid':>8}")
    for name, (passing, failing, invalid) in counts.items():
        print(f"{name:<36} {passing + failing:>9} {passing:>9} {failing:>8} {invalid:>8}")
    verdict = "all passed" if r.returncode == 0 else f"FAILED (pytest exit {r.returncode})"
    print(f"{len(counts)} parser tests, {args.examples} examples each asked: {verdict} in {seconds:.0f} s")
    if r.returncode:
        print(r.stdout[-6000:])
    return r.returncode


if __name__ == "__main__":
    sys.exit(main())
