"""Crawl cost and speed against ../shared/tools/fake_github.py: requests per repository and wall time ÷ latency bound.

Starts the corpus server with `--latency-ms 100 --log FILE` on a free port, crawls the shipped
config.toml into a temporary registry (token set, OHR_GITHUB_API_URL pointed at the server) once at
`[github] concurrency` and once at concurrency 1, each time a first crawl then an unchanged re-crawl,
and counts from the server's log what was spent. The latency bound is requests × latency ÷ concurrency.

Run: .venv/bin/python bench/crawl.py [--latency-ms 100] [--concurrency N]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT))


def _server(log: Path, latency_ms: int) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, str(SHARED / "tools" / "fake_github.py"), "--corpus", str(SHARED / "corpus"),
         "--port", "0", "--latency-ms", str(latency_ms), "--log", str(log)],
        stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if "listening on" not in line:
        proc.kill()
        raise SystemExit(f"fake_github.py did not start: {line!r}")
    return proc, line.split()[2]


def _log_lines(log: Path) -> list[dict]:
    if not log.exists():
        return []
    return [json.loads(x) for x in log.read_text().splitlines() if x.strip()]


def _phase(cfg, log: Path, latency_ms: int) -> dict:
    """Crawl once and measure it from the server log."""
    from crawler.run import crawl

    before = len(_log_lines(log))
    t0 = time.monotonic()
    summaries = crawl(cfg)
    wall = time.monotonic() - t0
    lines = _log_lines(log)[before:]
    api = [x for x in lines if not x["path"].startswith("/rate_limit")]
    repos = sum(s.repos for s in summaries)
    counted = sum(1 for x in lines if x["counted"])
    conc = max(1, cfg.github.concurrency)
    bound = len(api) * latency_ms / 1000 / conc
    return {"repos": repos, "requests": len(lines), "counted": counted, "not_modified":
            sum(1 for x in lines if x["status"] == 304), "wall": wall, "bound": bound,
            "status": ",".join(sorted({s.status for s in summaries}))}


def run(concurrency: int, latency_ms: int, tmp: Path) -> tuple[dict, dict]:
    """A first crawl and an unchanged re-crawl at one concurrency, on a fresh server and registry."""
    from crawler.config import load_config

    log = tmp / f"requests-{concurrency}.jsonl"
    proc, url = _server(log, latency_ms)
    try:
        os.environ["OHR_GITHUB_API_URL"] = url
        os.environ["GITHUB_TOKEN"] = "bench-token"
        cfg = load_config(ROOT / "config.toml", db=tmp / f"registry-{concurrency}.duckdb")
        cfg.github.concurrency = concurrency
        first = _phase(cfg, log, latency_ms)
        again = _phase(cfg, log, latency_ms)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return first, again


def main(argv: list[str] | None = None) -> int:
    """Print requests per repository and wall ÷ latency bound at concurrency N and 1."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--latency-ms", type=int, default=100)
    ap.add_argument("--concurrency", type=int, default=None, help="default: [github] concurrency of config.toml")
    args = ap.parse_args(argv)
    if not (SHARED / "tools" / "fake_github.py").exists():
        print(f"skipped: {SHARED} (corpus and fake_github.py) is absent")
        return 0
    from crawler.config import load_config

    n = args.concurrency or load_config(ROOT / "config.toml").github.concurrency
    rows = []
    with tempfile.TemporaryDirectory(prefix="ohr-bench-") as d:
        for conc in dict.fromkeys([n, 1]):
            first, again = run(conc, args.latency_ms, Path(d))
            rows.append((conc, "first crawl", first))
            rows.append((conc, "unchanged re-crawl", again))
    print(f"crawl of config.toml against fake_github.py --latency-ms {args.latency_ms} (token set)")
    head = (f"{'concurrency':>11}  {'phase':<18} {'repos':>5} {'requests':>8} {'counted':>7} {'304s':>5} "
            f"{'counted/repo':>12} {'wall s':>7} {'bound s':>7} {'wall/bound':>10}  status")
    print(head)
    print("-" * len(head))
    for conc, phase, m in rows:
        per = m["counted"] / m["repos"] if m["repos"] else float("nan")
        ratio = m["wall"] / m["bound"] if m["bound"] else float("nan")
        print(f"{conc:>11}  {phase:<18} {m['repos']:>5} {m['requests']:>8} {m['counted']:>7} {m['not_modified']:>5} "
              f"{per:>12.3f} {m['wall']:>7.2f} {m['bound']:>7.2f} {ratio:>10.2f}  {m['status']}")
    print("bound = requests (without /rate_limit) × latency ÷ concurrency; counted = requests that cost rate limit")
    return 0


if __name__ == "__main__":
    sys.exit(main())
