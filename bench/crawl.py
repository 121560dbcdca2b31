"""Crawl cost and speed against ../shared/tools/fake_github.py: requests per repository and wall time ÷ latency bound.

Starts the corpus server with `--latency-ms 100 --log FILE` on a free port, crawls the shipped
config.toml into a temporary registry (token set, OHR_GITHUB_API_URL pointed at the server) once at
`[github] concurrency` and once at concurrency 1, each time a first crawl then an unchanged re-crawl,
and counts from the server's log what was spent. The latency bound is requests × latency ÷ concurrency.

The corpus reaches only 13 repositories from config.toml, too few for the bound to be approached (each
repository is a chain of dependent requests, each source a few registry writes), so a second table
crawls a synthetic list of `--synthetic` repositories from tests/fakegithub.py at the same latency.

Run: .venv/bin/python bench/crawl.py [--latency-ms 100] [--concurrency N] [--synthetic 80]
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


def _round_trip(url: str) -> float:
    """Seconds one request takes on a kept-alive connection (the server's latency plus its own delays)."""
    import requests

    with requests.Session() as s:
        s.get(url + "/rate_limit", timeout=10)
        t0 = time.monotonic()
        for _ in range(5):
            s.get(url + "/rate_limit", timeout=10)
        return (time.monotonic() - t0) / 5


def _phase(cfg, log, latency_ms: int, rtt: float | None = None) -> dict:
    """Crawl once and measure it from the server log (a file of JSON lines, or a callable giving the entries)."""
    from crawler.run import crawl

    entries = log if callable(log) else (lambda: _log_lines(log))
    before = len(entries())
    t0 = time.monotonic()
    summaries = crawl(cfg)
    wall = time.monotonic() - t0
    lines = entries()[before:]
    api = [x for x in lines if not x["path"].startswith("/rate_limit")]
    repos = sum(s.repos for s in summaries)
    counted = sum(1 for x in lines if x["counted"])
    conc = max(1, cfg.github.concurrency)
    bound = len(api) * latency_ms / 1000 / conc
    rtt_bound = len(api) * (rtt if rtt else latency_ms / 1000) / conc
    return {"rtt_bound": rtt_bound, "rtt": rtt, "repos": repos, "requests": len(lines), "counted": counted,
            "not_modified": sum(1 for x in lines if x["status"] == 304), "wall": wall, "bound": bound,
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
        cfg.sources = [s for s in cfg.sources if s.kind.startswith("github-")]  # what the corpus server answers
        rtt = _round_trip(url)
        first = _phase(cfg, log, latency_ms, rtt)
        again = _phase(cfg, log, latency_ms, rtt)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return first, again


def run_synthetic(concurrency: int, latency_ms: int, repos: int, tmp: Path) -> tuple[dict, dict]:
    """The same two phases on a synthetic list of ``repos`` repositories (README + LICENSE each)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from fakegithub import FakeGitHub, FakeRepo

    from crawler.config import load_config

    lines = "\n".join(f"* [Board {i}](https://github.com/bench/board-{i:03d}): a board" for i in range(repos))
    world = [FakeRepo("bench/list", {"README.md": f"# Boards\n\n## All\n\n{lines}\n".encode()})]
    world += [FakeRepo(f"bench/board-{i:03d}", {"README.md": b"# Board\n", "LICENSE": b"MIT License\n"},
                       pushed_at="2024-01-01T00:00:00Z") for i in range(repos)]
    with FakeGitHub(world) as gh:
        gh.latency = latency_ms / 1000
        path = tmp / f"synthetic-{concurrency}.toml"
        path.write_text(f'[github]\napi_url = "{gh.url}"\nconcurrency = {concurrency}\n[registry]\n'
                        f'path = "synthetic-{concurrency}.duckdb"\n[[sources]]\nname = "bench"\n'
                        f'kind = "github-list"\nrepo = "bench/list"\n', encoding="utf-8")
        os.environ.pop("OHR_GITHUB_API_URL", None)
        os.environ["GITHUB_TOKEN"] = "bench-token"
        cfg = load_config(path)
        rtt = _round_trip(gh.url)
        first = _phase(cfg, lambda: list(gh.log), latency_ms, rtt)
        again = _phase(cfg, lambda: list(gh.log), latency_ms, rtt)
    return first, again


def _table(title: str, rows: list) -> None:
    print(title)
    head = (f"{'concurrency':>11}  {'phase':<18} {'repos':>5} {'requests':>8} {'counted':>7} {'304s':>5} "
            f"{'counted/repo':>12} {'wall s':>7} {'bound s':>7} {'wall/bound':>10} {'wall/rtt-bound':>14}  status")
    print(head)
    print("-" * len(head))
    for conc, phase, m in rows:
        per = m["counted"] / m["repos"] if m["repos"] else float("nan")
        ratio = m["wall"] / m["bound"] if m["bound"] else float("nan")
        rtt_ratio = m["wall"] / m["rtt_bound"] if m["rtt_bound"] else float("nan")
        print(f"{conc:>11}  {phase:<18} {m['repos']:>5} {m['requests']:>8} {m['counted']:>7} {m['not_modified']:>5} "
              f"{per:>12.3f} {m['wall']:>7.2f} {m['bound']:>7.2f} {ratio:>10.2f} {rtt_ratio:>14.2f}  {m['status']}")
    rtts = sorted({round(m["rtt"] * 1000) for _, _, m in rows if m.get("rtt")})
    print(f"measured round trip on a kept-alive connection: {', '.join(f'{r} ms' for r in rtts)}")
    print()


def main(argv: list[str] | None = None) -> int:
    """Print requests per repository and wall ÷ latency bound at concurrency N and 1."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--latency-ms", type=int, default=100)
    ap.add_argument("--concurrency", type=int, default=None, help="default: [github] concurrency of config.toml")
    ap.add_argument("--synthetic", type=int, default=80, help="repositories in the synthetic list (0: skip)")
    args = ap.parse_args(argv)
    corpus = (SHARED / "tools" / "fake_github.py").exists()
    if not corpus:
        print(f"corpus crawl skipped: {SHARED} (corpus and fake_github.py) is absent")
    from crawler.config import load_config

    n = args.concurrency or load_config(ROOT / "config.toml").github.concurrency
    rows, synth = [], []
    with tempfile.TemporaryDirectory(prefix="ohr-bench-") as d:
        for conc in dict.fromkeys([n, 1]) if corpus else ():
            first, again = run(conc, args.latency_ms, Path(d))
            rows += [(conc, "first crawl", first), (conc, "unchanged re-crawl", again)]
        for conc in dict.fromkeys([n, 1]) if args.synthetic else ():
            first, again = run_synthetic(conc, args.latency_ms, args.synthetic, Path(d))
            synth += [(conc, "first crawl", first), (conc, "unchanged re-crawl", again)]
    if rows:
        _table(f"config.toml against fake_github.py --latency-ms {args.latency_ms} (corpus, token set)", rows)
    if synth:
        _table(f"synthetic list of {args.synthetic} repositories (README + LICENSE) at {args.latency_ms} ms "
               f"(tests/fakegithub.py, token set)", synth)
    print("bound = requests (without /rate_limit) × latency ÷ concurrency; rtt-bound uses the measured round trip\n"
          "instead of the nominal latency (fake_github.py writes headers and body separately, so on a kept-alive\n"
          "connection each answer also waits for the client's delayed ACK, ~40 ms); counted = requests that cost\n"
          "rate limit (authenticated 304s are free; without a token every 304 would count)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
