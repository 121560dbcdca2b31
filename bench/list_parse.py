"""Entries found against entries labelled for every list of ../shared/corpus (no --db), or time re-parsing a
registry's stored list documents (--db).

Without --db: every list of ../shared/corpus (labels.json `lists`) is parsed with no exclude_sections and its
entries are printed against the entries its labels count (bench/_list_eval.py says how), with the parse time.

With --db: time re-parsing a registry's stored list documents (`ohr renormalize`'s first step), with their
records' digests.

Each stored `github-list` document is parsed by its adapter and digested (registry.renormalize._parse), in this
process, best of --repeat runs. The digests are what make a speed-up safe: with --against DIR (a copy of an older
tree, e.g. `git archive <commit> | tar -x -C DIR`) the same documents are parsed by that tree's code too, in a
subprocess, and the two timings and whether every digest matches are printed.

    .venv/bin/python bench/list_parse.py                       # the corpus lists: found vs labelled
    .venv/bin/python bench/list_parse.py --db /tmp/ohr-30k/n30000/registry.duckdb [--n 2] [--against DIR]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import subprocess
import sys
import time
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _load(db: str, n: int | None) -> list[tuple[Any, Any]]:
    """(Document, SourceConfig) of the first n stored list documents, read as renormalize reads them."""
    import duckdb

    from crawler.config import SourceConfig
    from registry.model import Document

    con = duckdb.connect(db, read_only=True)
    rows = con.execute(
        "SELECT d.url, d.doc_kind, d.source, d.fetched_at, d.status, d.content, d.etag, d.path, s.kind, s.config "
        "FROM documents d JOIN sources s ON s.name = d.source "
        "WHERE d.project_id IS NULL AND d.content IS NOT NULL AND s.kind = 'github-list' ORDER BY d.fetched_at"
    ).fetchall()
    con.close()
    return [(Document(url=url, doc_kind=kind, source=source, fetched_at=fetched_at, status=status,
                      content=bytes(content), etag=etag, path=path),
             SourceConfig(source, source_kind, json.loads(config) if config else {}))
            for url, kind, source, fetched_at, status, content, etag, path, source_kind, config in rows[:n]]


def _clear_caches() -> None:
    """Empty every functools cache of the crawler's modules: renormalize parses each list once, in a fresh worker,
    and a list's URLs are its own, so a run on warm URL caches would flatter the parser."""
    for name, module in list(sys.modules.items()):
        if name.startswith(("crawler.", "registry.")):
            for value in vars(module).values():
                if callable(getattr(value, "cache_clear", None)):
                    value.cache_clear()


def _run(db: str, n: int | None, repeat: int, profile: bool) -> dict[str, Any]:
    """Parse and digest the documents `repeat` times; the best time, the record count and the digests."""
    from crawler.renormalize import parse_document
    from registry.renormalize import _parse

    jobs = [(doc, partial(parse_document, src), None) for doc, src in _load(db, n)]
    best = float("inf")
    out: list[tuple[str, int]] = []
    for _ in range(repeat):
        _clear_caches()
        t0 = time.perf_counter()
        out = [_parse(job)[:2] for job in jobs]  # one document's records alive at a time, as in a worker
        best = min(best, time.perf_counter() - t0)
    if profile:
        _clear_caches()
        prof = cProfile.Profile()
        prof.enable()
        for job in jobs:
            _parse(job)
        prof.disable()
        pstats.Stats(prof, stream=sys.stderr).sort_stats("tottime").print_stats(25)
    return {"documents": len(jobs), "records": sum(r[1] for r in out), "seconds": best,
            "digests": [r[0] for r in out]}


def _corpus(corpus: Path) -> int:
    """Print entries found against labelled for every corpus list; 1 when one is off by more than 10 % (or 4)."""
    sys.path.insert(0, str(ROOT / "bench"))
    from _list_eval import evaluate

    if not (corpus / "labels.json").exists():
        print(f"no corpus at {corpus}", file=sys.stderr)
        return 2
    results = evaluate(corpus)
    print(f"{'list':42} {'file':10} {'found':>6} {'labelled':>8}  {'ms':>6}  labelled as")
    bad = 0
    for r in results:
        off = abs(r.found - r.labelled) > max(4, r.labelled // 10)
        bad += off
        print(f"{r.name:42} {r.file:10} {r.found:6d} {r.labelled:8d}  {r.seconds * 1000:6.1f}  {r.how}"
              + ("  <-- off" if off else ""))
    print(f"{sum(r.found for r in results)} entries found, {sum(r.labelled for r in results)} labelled, "
          "no exclude_sections")
    return 1 if bad else 0


def _say(label: str, res: dict[str, Any]) -> None:
    print(f"{label:>7}: {res['documents']} documents, {res['records']} records in {res['seconds']:.3f} s "
          f"({res['records'] / res['seconds']:,.0f} records/s)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", help="a registry file (read only); without it, the corpus lists are counted")
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpus"), help="the corpus (labels.json)")
    ap.add_argument("--n", type=int, default=None, help="list documents to parse (default all)")
    ap.add_argument("--repeat", type=int, default=3, help="runs; the best counts (default 3)")
    ap.add_argument("--profile", action="store_true", help="also print the functions that took longest")
    ap.add_argument("--against", metavar="DIR", help="also time the code of another tree (before), and compare")
    ap.add_argument("--root", default=str(ROOT), help=argparse.SUPPRESS)  # the tree whose code runs
    ap.add_argument("--json", action="store_true", help=argparse.SUPPRESS)  # for --against's subprocess
    args = ap.parse_args(argv)
    sys.path.insert(0, args.root)
    if not args.db:
        return _corpus(Path(args.corpus))
    before = None
    if args.against:  # first, so the tree under test does not run on a warmer page cache
        cmd = [sys.executable, __file__, "--db", args.db, "--repeat", str(args.repeat), "--root",
               str(Path(args.against).resolve()), "--json"] + (["--n", str(args.n)] if args.n else [])
        before = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    res = _run(args.db, args.n, args.repeat, args.profile)
    if args.json:
        print(json.dumps(res))
        return 0
    if before is not None:
        _say("before", before)
    _say("after" if before else "parse", res)
    if before is None:
        print("digests: " + " ".join(d[:12] for d in res["digests"]))
        return 0
    same = before["digests"] == res["digests"]
    print(f"speed-up {before['seconds'] / res['seconds']:.2f}x; digests "
          + ("identical" if same else "DIFFER") + f" ({len(res['digests'])} documents)")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
