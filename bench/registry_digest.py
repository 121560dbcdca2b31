"""Digest of the registry a crawl of ../shared/corpus builds, so a refactor can show it changes no stored row.

Starts ../shared/tools/fake_github.py on a free loopback port, writes a config holding the sources of the
repository's config.toml plus the `github-search` source the README's examples were crawled with, runs
`ohr crawl` into a temporary registry (GITHUB_TOKEN=dev, OHR_GITHUB_API_URL pointing at the server), then
`ohr renormalize`, and prints one digest per table after each step, and an overall digest. A digest covers
every row of a table, sorted, without the columns that differ from one run to the next (timestamps, run
ids, ETags, rate-limit counts, and the cache digest tables that hash fetch times), with the server's URL,
whose port changes, replaced by one fixed name.

Run:  .venv/bin/python bench/registry_digest.py [--save FILE | --compare FILE] [--keep DIR]
`--compare` digests only the tables and columns the saved file has (a table or column added since is
listed, not compared) and exits 1 naming each table whose digest differs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"

#: The github-search source of the README's examples ("provenance,github-search,: ventilator").
SEARCH_SOURCE = '\n[[sources]]\nname = "github-search"\nkind = "github-search"\nqueries = ["ventilator"]\n'

#: Column types whose values are times of the run, never what was found.
_TIME_TYPES = ("TIMESTAMP", "DATE", "TIME", "INTERVAL")
#: Columns that name or measure the run itself rather than what it stored.
#: (`etag`: the fake server hashes a body that names its own port; `rate_remaining`: what other runs spent.)
_RUN_COLUMNS = {"run_id", "seconds", "took", "duration", "pid", "last_status", "etag", "rate_remaining"}
#: Stands in for the server's base URL, whose port changes from run to run.
SERVER = "http://github.test"
#: Tables left out whole: caches keyed on fetch times (their digests hash `fetched_at`) and the run log.
_SKIP_TABLES = {"normalized_digests", "record_digests", "schema_version"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server() -> tuple[subprocess.Popen, str]:
    """fake_github.py serving the corpus on a free loopback port, and its base URL."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, str(SHARED / "tools" / "fake_github.py"), "--corpus", str(SHARED / "corpus"),
         "--port", str(port)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if "listening on" not in line:
        proc.kill()
        raise SystemExit(f"fake_github.py did not start: {line!r}")
    return proc, f"http://127.0.0.1:{port}"


def _ohr(args: list[str], env: dict[str, str]) -> None:
    """Run one `ohr` command of this checkout's venv; exit codes 0 and 4 (partial) both leave a registry."""
    ohr = Path(sys.executable).parent / "ohr"
    done = subprocess.run([str(ohr), *args], env=env, capture_output=True, text=True)
    if done.returncode not in (0, 4):
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"ohr {' '.join(args)} exited {done.returncode}")


def _kept(name: str, type_: str) -> bool:
    t = type_.upper()
    if t.startswith(_TIME_TYPES) or name in _RUN_COLUMNS or name.endswith(("_at", "_seen")):
        return False
    return True


def table_digests(db: Path, server: str, only: dict[str, list[str]] | None = None
                  ) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Per table, a digest of its rows (sorted) over the columns that do not change from run to run (only those
    named in `only`, when given: a refactor that adds a column still compares the rows it had), and the columns."""
    import duckdb

    out: dict[str, str] = {}
    columns: dict[str, list[str]] = {}
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
            "AND table_schema = 'main' ORDER BY table_name").fetchall()]
        for table in tables:
            if table in _SKIP_TABLES:
                continue
            cols = [(n, t) for n, t in con.execute(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = $1 "
                "AND table_schema = 'main' ORDER BY ordinal_position", [table]).fetchall() if _kept(n, t)]
            if only is not None and table in only:
                cols = [(n, t) for n, t in cols if n in only[table]]
            columns[table] = [n for n, _ in cols]
            if not cols:
                continue
            select = ", ".join(f'replace(CAST("{n}" AS VARCHAR), $1, $2)' for n, _ in cols)
            rows = sorted(json.dumps(r, ensure_ascii=False) for r in con.execute(f'SELECT {select} FROM "{table}"',
                                                                                 [server, SERVER]).fetchall())
            h = hashlib.sha256("|".join(n for n, _ in cols).encode())
            for r in rows:
                h.update(r.encode())
                h.update(b"\n")
            out[table] = f"{len(rows)} rows {h.hexdigest()[:16]}"
    finally:
        con.close()
    overall = hashlib.sha256(json.dumps(out, sort_keys=True).encode()).hexdigest()[:16]
    out["(overall)"] = overall
    return out, columns


def build(work: Path, only: dict[str, list[str]] | None = None) -> dict[str, dict]:
    """Crawl the corpus into work/registry.duckdb, then renormalize it; the table digests after each step."""
    cfg = work / "config.toml"
    shipped = (ROOT / "config.toml").read_text(encoding="utf-8")
    # config.toml ships its own github-search source since issue 17; the corpus answers only the GitHub sources
    cfg.write_text(shipped + ("" if 'name = "github-search"' in shipped else SEARCH_SOURCE), encoding="utf-8")
    db = work / "registry.duckdb"
    proc, url = _server()
    env = {**os.environ, "GITHUB_TOKEN": "dev", "OHR_GITHUB_API_URL": url}
    env.pop("OHR_DB", None)
    env.pop("OHR_CONFIG", None)
    try:
        import tomllib

        github = [x["name"] for x in tomllib.loads(cfg.read_text(encoding="utf-8"))["sources"]
                  if str(x.get("kind", "")).startswith("github-")]
        _ohr(["crawl", "--quiet", "--config", str(cfg), "--db", str(db)]
             + [a for n in github for a in ("--source", n)], env)
        crawled, columns = table_digests(db, url, only)
        _ohr(["renormalize", "--config", str(cfg), "--db", str(db)], env)
        renormalized, _ = table_digests(db, url, only)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return {"crawl": crawled, "renormalize": renormalized, "columns": columns}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--save", type=Path, help="write the digests to this JSON file")
    ap.add_argument("--compare", type=Path, help="compare with digests saved by --save; exit 1 on any difference")
    ap.add_argument("--keep", type=Path, help="build the registry in this folder and keep it")
    args = ap.parse_args(argv)
    if not (SHARED / "tools" / "fake_github.py").exists():
        print(f"{SHARED} not found; nothing to digest")
        return 0
    before = json.loads(args.compare.read_text(encoding="utf-8")) if args.compare else None
    only = before["columns"] if before else None
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        digests = build(args.keep, only)
    else:
        with tempfile.TemporaryDirectory(prefix="ohr-digest-") as tmp:
            digests = build(Path(tmp), only)
    columns = digests.pop("columns")
    for step, tables in digests.items():
        print(f"after {step}:")
        for table, d in tables.items():
            print(f"  {table:<24} {d}")
    if args.save:
        saved = json.dumps({**digests, "columns": columns}, indent=1, sort_keys=True)
        args.save.write_text(saved + "\n", encoding="utf-8")
    if before is not None:
        before.pop("columns")
        diff = [f"{step}/{t}: {before[step][t]} -> {d}" for step, tables in digests.items()
                for t, d in tables.items() if t in before.get(step, {}) and t != "(overall)" and before[step][t] != d]
        diff += [f"{step}/{t}: gone" for step, tables in before.items() for t in tables
                 if t not in digests.get(step, {})]
        new = sorted({t for tables in digests.values() for t in tables} - set(before.get("crawl", {})))
        if new:
            print("tables the saved digests do not have (not compared): " + ", ".join(new))
        if diff:
            print("DIFFERENT:\n  " + "\n  ".join(diff))
            return 1
        print(f"identical to {args.compare}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
