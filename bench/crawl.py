"""Crawl cost and speed against ../shared/tools/fake_github.py: points per repository and wall time ÷ latency bound.

First table: every repository of ../shared/corpus, through GraphQL batches and through REST, side by side.
A list naming all of them (made in a temporary folder the server reads as a second corpus root, never in the
repository) is crawled by one `github-list` source, a first crawl then an unchanged re-crawl per path, each
path on a fresh server (`--latency-ms 100 --log FILE`) and registry. From the server's log: requests, points
spent on enrichment (GraphQL points; counted REST requests), points spent reading the list itself, 304s, raw
downloads (free), and wall ÷ bound, the bound being requests × latency ÷ connections.

Second table: the shipped config.toml at `[github] concurrency` and at concurrency 1 (REST and GraphQL).

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


LIST_REPO = "ohr-bench/all-corpus"


def all_corpus_list(root: Path, copies: int = 0) -> tuple[Path, int]:
    """A corpus root holding one list repository that links every repository of ../shared/corpus; (root, count).

    With ``copies``, that many renamed copies of every corpus repository are added beside it (their own
    meta.json, their files a symbolic link to the original's), so the same real files make a larger crawl.
    """
    metas = sorted((SHARED / "corpus").glob("repos/*/meta.json"))
    names = sorted(json.loads(m.read_text())["repo"] for m in (SHARED / "corpus").glob("*/*/meta.json"))
    for k in range(copies):
        for m in metas:
            meta = json.loads(m.read_text())
            owner, name = meta["repo"].split("/", 1)
            meta["repo"] = f"copy{k}-{owner}/{name}"
            folder = root / "repos" / f"copy{k}-{owner}__{name}"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "meta.json").write_text(json.dumps(meta))
            if (m.parent / "files").is_dir() and not (folder / "files").exists():
                (folder / "files").symlink_to(m.parent / "files", target_is_directory=True)
            names.append(meta["repo"])
    lines = "\n".join(f"* [{n.split('/')[1]}](https://github.com/{n}): a project" for n in names)
    folder = root / "lists" / "ohr-bench__all-corpus"
    (folder / "files").mkdir(parents=True, exist_ok=True)
    (folder / "meta.json").write_text(json.dumps({"repo": LIST_REPO, "default_branch": "main"}))
    (folder / "files" / "README.md").write_text(f"# Every corpus repository\n\n## Projects\n\n{lines}\n")
    return root, len(names)


def _server(log: Path, latency_ms: int, extra_root: Path | None = None) -> tuple[subprocess.Popen, str]:
    roots = ["--corpus", str(SHARED / "corpus")] + (["--corpus", str(extra_root)] if extra_root else [])
    proc = subprocess.Popen(
        [sys.executable, str(SHARED / "tools" / "fake_github.py"), *roots,
         "--port", "0", "--latency-ms", str(latency_ms), "--log", str(log)],
        stdout=subprocess.PIPE, stderr=open(log.with_suffix(".stderr"), "w"), text=True)  # noqa: SIM115
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
    t0, c0 = time.monotonic(), time.process_time()
    summaries = crawl(cfg)
    wall, cpu = time.monotonic() - t0, time.process_time() - c0
    lines = entries()[before:]
    api = [x for x in lines if not x["path"].startswith("/rate_limit")]
    repos = sum(s.repos for s in summaries)
    counted = sum(1 for x in lines if x["counted"])
    listing = [x for x in lines if LIST_REPO in x["path"] or "/contents/" in x["path"] and "?ref=" not in x["path"]
               and x.get("method") != "POST"]
    gql = [x for x in lines if x.get("resource") == "graphql" or x.get("method") == "POST"]
    conc = max(1, cfg.github.concurrency)
    floor = _floor(api, conc, latency_ms / 1000)
    bound = len(api) * latency_ms / 1000 / conc
    rtt_bound = len(api) * (rtt if rtt else latency_ms / 1000) / conc
    list_points = sum(1 for x in listing if x["counted"])
    points = sum(x.get("points", int(bool(x["counted"]))) for x in lines)
    return {"floor": floor, "cpu": cpu, "rtt_bound": rtt_bound, "rtt": rtt,
            "repos": repos, "requests": len(api), "counted": counted,
            "not_modified": sum(1 for x in lines if x["status"] == 304), "wall": wall, "bound": bound,
            "points": points, "list_points": list_points, "enrich_points": points - list_points,
            "queries": len(gql), "raw": sum(1 for x in lines if x["path"].startswith("/raw/")),
            "status": ",".join(sorted({s.status for s in summaries}))}


def _floor(api: list[dict], conc: int, latency: float) -> float:
    """Seconds no client can beat for these requests, from the server's log (`seconds`: latency plus the
    server's own work on each request): reading the list; then the first GraphQL queries (those sent together
    at the start: every other request of a batch needs its batch's answer, so at best the rest starts when the
    quickest of them is back); then everything else, at best the longer of its longest request and its summed
    seconds ÷ connections."""
    def secs(x: dict) -> float:
        return float(x.get("seconds", latency))

    listing = [x for x in api if LIST_REPO in x["path"] or "bench/list" in x["path"]]
    rest = [x for x in api if x not in listing]
    posts = [x for x in rest if x.get("method") == "POST"]
    first = [x for x in posts if x.get("t") is not None and x["t"] - posts[0]["t"] < 0.05] if posts else []
    rest = [x for x in rest if x not in first]
    floor = max(map(secs, listing), default=0.0) if len(listing) <= conc else sum(map(secs, listing)) / conc
    floor += min(map(secs, first), default=0.0)
    return floor + (max(max(map(secs, rest)), sum(map(secs, rest)) / conc) if rest else 0.0)


def run_all_corpus(graphql: bool, latency_ms: int, tmp: Path, concurrency: int | None = None,
                   copies: int = 0) -> tuple[dict, dict]:
    """A first crawl and an unchanged re-crawl of every corpus repository, through GraphQL or REST."""
    from crawler.config import load_config

    mode = ("graphql" if graphql else "rest") + (f"-x{copies}" if copies else "")
    root, _ = all_corpus_list(tmp / f"extra-corpus-{copies}", copies)
    log = tmp / f"all-{mode}.jsonl"
    proc, url = _server(log, latency_ms, root)
    try:
        os.environ.pop("OHR_GITHUB_API_URL", None)
        os.environ["GITHUB_TOKEN"] = "bench-token"
        path = tmp / f"all-{mode}.toml"
        path.write_text(f'[github]\napi_url = "{url}"\ngraphql = {str(graphql).lower()}\n'
                        + (f"concurrency = {concurrency}\n" if concurrency else "")
                        + f'[registry]\npath = "all-{mode}.duckdb"\n[[sources]]\nname = "all-corpus"\n'
                        f'kind = "github-list"\nrepo = "{LIST_REPO}"\n', encoding="utf-8")
        cfg = load_config(path)
        rtt = _round_trip(url)
        first = _phase(cfg, log, latency_ms, rtt)
        again = _phase(cfg, log, latency_ms, rtt)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return first, again


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


def _warm_up() -> None:
    """Import the crawler's and normalizers' modules and compile their patterns once, so whichever path is
    measured first does not pay this process's start-up (several seconds on a busy machine) alone."""
    from datetime import datetime

    import crawler.github_graphql  # noqa: F401
    import crawler.run  # noqa: F401
    from registry.normalized import _derive_safe, _Inputs

    inp = _Inputs("warm/up", paths=["bom.csv", "LICENSE"], readme="# Board\nA prototype. MIT licence.\n",
                  pushed_at=datetime(2024, 1, 1), observed_at=datetime(2024, 6, 1),
                  files={"bom.csv": b"Qty,Value,Part\n1,10k,R1\n", "LICENSE": b"MIT License\n"})
    _derive_safe(inp)


def _side_by_side(title: str, rows: list) -> None:
    print(title)
    head = (f"{'path':<8} {'phase':<18} {'repos':>5} {'requests':>8} {'queries':>7} {'raw':>4} {'304s':>5} "
            f"{'points':>6} {'points/repo':>11} {'list pts':>8} {'wall s':>7} {'bound s':>7} {'wall/bound':>10} "
            f"{'floor s':>7} {'wall/floor':>10} {'cpu s':>6}  status")
    print(head)
    print("-" * len(head))
    for path, phase, m in rows:
        per = m["enrich_points"] / m["repos"] if m["repos"] else float("nan")
        ratio = m["wall"] / m["bound"] if m["bound"] else float("nan")
        floor_ratio = m["wall"] / m["floor"] if m["floor"] else float("nan")
        print(f"{path:<8} {phase:<18} {m['repos']:>5} {m['requests']:>8} {m['queries']:>7} {m['raw']:>4} "
              f"{m['not_modified']:>5} {m['enrich_points']:>6} {per:>11.3f} {m['list_points']:>8} {m['wall']:>7.2f} "
              f"{m['bound']:>7.2f} {ratio:>10.2f} {m['floor']:>7.2f} {floor_ratio:>10.2f} {m['cpu']:>6.2f}  "
              f"{m['status']}")
    print()


def main(argv: list[str] | None = None) -> int:
    """Print points per repository and wall ÷ latency bound, GraphQL and REST side by side."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--latency-ms", type=int, default=100)
    ap.add_argument("--concurrency", type=int, default=None, help="default: [github] concurrency of config.toml")
    ap.add_argument("--config-toml", action="store_true", help="also crawl config.toml at concurrency N and 1")
    ap.add_argument("--synthetic", type=int, default=0, help="repositories in a synthetic REST list (0: skip)")
    ap.add_argument("--copies", type=int, default=0,
                    help="also crawl the corpus with N renamed copies of every repository (0: skip)")
    args = ap.parse_args(argv)
    corpus = (SHARED / "tools" / "fake_github.py").exists()
    if not corpus:
        print(f"corpus crawl skipped: {SHARED} (corpus and fake_github.py) is absent")
    from crawler.config import load_config

    n = args.concurrency or load_config(ROOT / "config.toml").github.concurrency
    side, rows, synth = [], [], []
    _warm_up()
    with tempfile.TemporaryDirectory(prefix="ohr-bench-") as d:
        if corpus:
            for graphql in (True, False):
                first, again = run_all_corpus(graphql, args.latency_ms, Path(d), args.concurrency)
                name = "GraphQL" if graphql else "REST"
                side += [(name, "first crawl", first), (name, "unchanged re-crawl", again)]
        copied = []
        for graphql in (True, False) if corpus and args.copies else ():
            first, again = run_all_corpus(graphql, args.latency_ms, Path(d), args.concurrency, args.copies)
            name = "GraphQL" if graphql else "REST"
            copied += [(name, "first crawl", first), (name, "unchanged re-crawl", again)]
        for conc in dict.fromkeys([n, 1]) if corpus and args.config_toml else ():
            first, again = run(conc, args.latency_ms, Path(d))
            rows += [(conc, "first crawl", first), (conc, "unchanged re-crawl", again)]
        for conc in dict.fromkeys([n, 1]) if args.synthetic else ():
            first, again = run_synthetic(conc, args.latency_ms, args.synthetic, Path(d))
            synth += [(conc, "first crawl", first), (conc, "unchanged re-crawl", again)]
    if side:
        _side_by_side(f"every repository of ../shared/corpus, one list, fake_github.py --latency-ms {args.latency_ms}, "
                      f"{n} connections (token set)", side)
        print("points = what enrichment spent: GraphQL points (rateLimit.cost, from the server's log) on the\n"
              "GraphQL path, counted REST requests on the REST path (authenticated 304s and raw downloads are free);\n"
              "list pts = REST points spent reading the list itself (either path). queries = POST /graphql. A\n"
              "recrawl's HEAD check is one query per 500 repositories (1 point each). bound = requests (without\n"
              "/rate_limit) × latency ÷ connections (the issue's bound). floor = what no client can beat for these\n"
              "requests: the list, then the first GraphQL query (all else needs its answer), then the rest, each\n"
              "stage the longer of its longest request and its summed server seconds ÷ connections (the server's\n"
              "log: latency plus its own work on the query). cpu = this process's CPU seconds in the crawl (its\n"
              "threads together; the fake server's are its own).\n")
    if copied:
        _side_by_side(f"the corpus and {args.copies} renamed copies of every repository in it (same real files), "
                      f"--latency-ms {args.latency_ms}, {n} connections", copied)
    if rows:
        _table(f"config.toml against fake_github.py --latency-ms {args.latency_ms} (corpus, token set)", rows)
    if synth:
        _table(f"synthetic list of {args.synthetic} repositories (README + LICENSE) at {args.latency_ms} ms "
               f"(tests/fakegithub.py, REST, token set)", synth)
    if rows or synth:
        print("bound = requests (without /rate_limit) × latency ÷ concurrency; rtt-bound uses the measured round trip\n"
              "instead of the nominal latency; counted = requests that cost rate limit (authenticated 304s are free)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
