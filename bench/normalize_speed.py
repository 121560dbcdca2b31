"""Time the normalizers per project over a registry's stored inputs, with a digest of the rows they give.

The digest is what makes a speed-up safe: change a normalizer for speed, run this before and after on the same
registry (bench/scale.py --keep builds one), and the digest must not move.

    .venv/bin/python bench/normalize_speed.py --db /tmp/ohr-scale/n30000/registry.duckdb --n 2000 [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True, help="a registry file (read only)")
    ap.add_argument("--n", type=int, default=2000, help="projects with a repository to run (default 2000)")
    ap.add_argument("--profile", action="store_true", help="also print the functions that took longest")
    args = ap.parse_args(argv)

    import duckdb

    from registry import normalized

    con = duckdb.connect(args.db, read_only=True)
    ids = [r[0] for r in con.execute("SELECT project_id FROM repos ORDER BY project_id LIMIT ?", [args.n]).fetchall()]
    inputs = list(normalized._load(con, ids).values())
    con.close()
    for inp in inputs[:20]:  # warm caches and imports
        normalized._derive_safe(inp)
    t0 = time.perf_counter()
    out = [normalized._derive_safe(inp) for inp in inputs]
    took = time.perf_counter() - t0
    digest = hashlib.sha256(repr([r[:3] for r in out]).encode()).hexdigest()[:16]  # (id, rows, error)
    failed = sum(1 for r in out if r[1] is None)
    print(f"{len(inputs)} projects: {took / len(inputs) * 1000:.3f} ms per project; "
          f"{failed} failed; rows digest {digest}")
    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        for inp in inputs:
            normalized._derive_safe(inp)
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(30)


if __name__ == "__main__":
    main()
