"""Build synthetic registries through the crawler's own write path, then time what readers feel at that size.

Every row goes through `crawler.run._Batch.flush` (store_documents, store_records, derive_repos,
refresh_projects — whatever a crawl runs), fed by a seeded generator instead of the network: Markdown
lists parsed by the real `github-list` parser, and per repository the repo JSON, tree, README, licence
and BOM documents the enrichment step would have fetched. For each size it prints write throughput,
file size, `ohr search` / `ohr show` cold-process times beside the same SQL run by a bare DuckDB process
(the ratio is the figure), and `ohr renormalize` time.

    .venv/bin/python bench/scale.py                       # 10,000 projects
    .venv/bin/python bench/scale.py --sizes 100000,1000000
    .venv/bin/python bench/scale.py --sizes 1000000 --batch 50000 --keep --no-renormalize
    .venv/bin/python bench/scale.py --sizes 1000000 --reuse      # measure (and renormalize) that registry again
    .venv/bin/python bench/scale.py --sizes 100000 --before ../base/.venv/bin/ohr   # reads vs another checkout

The normalizers cost a few ms per GitHub project (README regexes, licence files, BOMs; ~25 ms before their
literal gates), spread over one worker process per core; `--stub-normalizers` measures everything else
(their rows are then synthetic).

Proportions (per project): primary URL on GitHub 25 %, hackaday.io 45 %, OSHWA 5 %, other web 25 %;
12 % of non-GitHub projects also link a GitHub repository; 20 % are listed by a second source under
another spelling of the URL; every GitHub repository has repo JSON, a tree (lognormal, median 40 files),
a README (lognormal, median 3 KB, capped at 200 KB), a licence file (70 %), a BOM CSV (15 %, median 25
lines); 2 % of repositories record a problem; 1 % of projects carry a curator flag when the flags table
exists.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.config import load_config  # noqa: E402
from crawler.run import _Batch  # noqa: E402
from crawler.sources import source_kind  # noqa: E402
from crawler.sources.github_list import GitHubListAdapter  # noqa: E402
from registry import derive  # noqa: E402
from registry.db import now, writer  # noqa: E402
from registry.model import Document, Problem  # noqa: E402
from registry.store import upsert  # noqa: E402

API = "https://api.github.invalid"
ENTRIES_PER_LIST = 20_000
CATEGORIES = ["3D Printing", "Agriculture", "Arts", "Education", "Electronics", "Enclosure", "Environmental",
              "Home Connection", "IOT", "Manufacturing", "Other", "Robotics", "Science", "Sound", "Space", "Tool",
              "Wearables", "Medical", "Ventilators", "Test equipment"]
#: Domain words placed at fixed Zipf ranks so searches hit realistic shares of the registry.
DOMAIN = {"open": 8, "hardware": 15, "board": 30, "sensor": 45, "arduino": 60, "printed": 80, "pcb": 110,
          "esp32": 200, "kicad": 300, "robot": 400, "keyboard": 700, "microscope": 1500, "ventilator": 2500,
          "oscilloscope": 4000, "spectrometer": 9000, "fluorimeter": 30000}
SYLLABLES = ("ka ri to na mo le si vu pe ra ti no ma lo ze du fi ga he jo ku li me ni or st an el in "
             "ex co pro tra mer lat ven dis sen tor cap ble ment tion ing ed er al ic ous ive").split()
LICENCES = [("MIT", 0.35), ("CERN-OHL-S-2.0", 0.15), ("GPL-3.0", 0.15), ("CC-BY-SA-4.0", 0.12),
            ("Apache-2.0", 0.08), ("CC-BY-4.0", 0.08), ("TAPR-OHL-1.0", 0.02), ("NOASSERTION", 0.05)]
BARE = ("import duckdb, json, sys\nq = json.load(sys.stdin)\ncon = duckdb.connect(q['db'], read_only=True)\n"
        "for sql, params in q['statements']:\n    con.execute(sql, params).fetchall()\n")


# -- synthetic world -----------------------------------------------------------------------------------
class World:
    """A seeded generator of projects, list entries and repository documents; project i is always the same."""

    def __init__(self, n: int, seed: int = 7) -> None:
        self.n, self.seed = n, seed
        rng = random.Random(seed)
        words: list[str] = []
        seen: set[str] = set()
        while len(words) < 60_000:
            w = "".join(rng.choice(SYLLABLES) for _ in range(rng.choice((1, 2, 2, 3, 3, 4))))
            if w not in seen and w not in DOMAIN:
                seen.add(w)
                words.append(w)
        for w, rank in sorted(DOMAIN.items(), key=lambda kv: kv[1]):
            words.insert(rank, w)
        self.words = words
        cum, total = [], 0.0
        for r in range(len(words)):
            total += 1.0 / (r + 1) ** 1.07
            cum.append(total)
        self.cum = cum
        self.sentences = [self._sentence(rng) for _ in range(40_000)]
        self.rare = words[-3]

    def _sentence(self, rng: random.Random) -> str:
        ws = rng.choices(self.words, cum_weights=self.cum, k=rng.randint(6, 18))
        return " ".join(ws).capitalize() + "."

    def rng(self, i: int, salt: int = 0) -> random.Random:
        """The generator of project i (and of its repository documents with another salt)."""
        return random.Random((self.seed * 1_000_003 + i) * 31 + salt)

    def text(self, rng: random.Random, chars: int) -> str:
        out, size = [], 0
        while size < chars:
            para = " ".join(rng.choice(self.sentences) for _ in range(rng.randint(3, 7)))
            out.append(para)
            size += len(para) + 2
        return "\n\n".join(out)

    def project(self, i: int) -> dict[str, Any]:
        """Project i: its kind, URLs, name, description, category and (if any) GitHub repository."""
        rng = self.rng(i)
        w = rng.choices(self.words[:20000], k=3)
        name = " ".join(x.capitalize() for x in w[: rng.choice((1, 2, 2, 3))]) + (f" {i % 97}" if i % 3 else "")
        slug = f"{w[0]}-{w[1]}-{i}"
        kind = rng.choices(("github", "hackaday", "oshwa", "web"), weights=(25, 45, 5, 25))[0]
        repo = None
        if kind == "github":
            repo = f"{rng.choice(self.words[:40000])}{i % 89}/{slug}"
            url = f"https://github.com/{repo}"
        elif kind == "hackaday":
            url = f"https://hackaday.io/project/{100000 + i}-{slug}"
        elif kind == "oshwa":
            url = f"https://certification.oshwa.org/{rng.choice(('us', 'de', 'fr', 'gb'))}{i:06d}.html"
        else:
            url = f"https://www.{w[0]}{i}.example.org/{w[1]}/"
        if kind != "github" and rng.random() < 0.12:
            repo = f"{rng.choice(self.words[:40000])}{i % 89}/{slug}"
        sentences = max(1, min(12, int(rng.lognormvariate(0.4, 0.8))))
        desc = " ".join(rng.choice(self.sentences) for _ in range(sentences))
        return {"i": i, "kind": kind, "url": url, "repo": repo, "name": name, "description": desc,
                "category": rng.choice(CATEGORIES), "second": rng.random() < 0.2}

    def variant(self, url: str) -> str:
        """Another spelling of the same URL, as a second list would write it."""
        if url.startswith("https://github.com/"):
            return url.replace("https://github.com/", "http://www.github.com/") + ".git"
        return url.replace("https://www.", "https://").replace("https://", "http://").rstrip("/") + "/"

    def list_markdown(self, entries: list[tuple[dict[str, Any], bool]]) -> bytes:
        """A curated Markdown list of the given projects, grouped under category headings."""
        lines = ["# Synthetic open hardware", "", "A generated list.", ""]
        current = None
        for p, second in sorted(entries, key=lambda e: (e[0]["category"], e[0]["i"])):
            if p["category"] != current:
                current = p["category"]
                lines += ["", f"## {current}", ""]
            url = self.variant(p["url"]) if second else p["url"]
            line = f"- [{p['name']}]({url}) - {p['description']}"
            if p["repo"] and p["kind"] != "github":
                line += f" ([source](https://github.com/{p['repo']}))"
            lines.append(line)
        return ("\n".join(lines) + "\n").encode()

    def repo_documents(self, pid: str, full_name: str, source: str, i: int) -> tuple[list[Document], list[Problem]]:
        """What enriching one repository would have fetched: repo JSON, tree, README, licence and BOM files."""
        rng = self.rng(i, salt=1)
        ts = now()
        base = f"{API}/repos/{full_name}"
        owner, name = full_name.split("/")
        stars = int(rng.paretovariate(1.2)) - 1
        lic = rng.choices([x for x, _ in LICENCES], weights=[w for _, w in LICENCES])[0] if rng.random() < 0.5 \
            else None
        data = {"id": i, "name": name, "full_name": full_name, "owner": {"login": owner, "id": i, "type": "User"},
                "private": False, "html_url": f"https://github.com/{full_name}",
                "description": " ".join(rng.choice(self.sentences) for _ in range(rng.randint(0, 2))) or None,
                "fork": rng.random() < 0.08, "homepage": None,
                "topics": rng.sample(self.words[:3000], rng.randint(0, 5)),
                "stargazers_count": stars, "watchers_count": stars, "forks_count": stars // 7,
                "language": rng.choice(("C", "C++", "Python", None, "OpenSCAD", "HTML")),
                "archived": rng.random() < 0.05, "default_branch": "main", "open_issues_count": rng.randint(0, 30),
                "created_at": f"20{rng.randint(12, 24)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T10:00:00Z",
                "pushed_at": f"20{rng.randint(18, 25)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T10:00:00Z",
                "license": {"spdx_id": lic, "key": lic.lower(), "name": lic} if lic else None}
        for k in ("forks", "keys", "collaborators", "teams", "hooks", "issue_events", "events", "assignees",
                  "branches", "tags", "blobs", "git_tags", "git_refs", "trees", "statuses", "languages",
                  "stargazers", "contributors", "subscribers", "subscription", "commits", "git_commits",
                  "comments", "issue_comment", "contents", "compare", "merges", "archive", "downloads",
                  "issues", "pulls", "milestones", "notifications", "labels", "releases", "deployments"):
            data[f"{k}_url"] = f"https://api.github.com/repos/{full_name}/{k}"
        paths = [f"{rng.choice(('cad', 'pcb', 'firmware', 'docs', 'hardware', 'src'))}/{rng.choice(self.words)}"
                 f"{j}.{rng.choice(('step', 'stl', 'kicad_pcb', 'c', 'md', 'png', 'scad'))}"
                 for j in range(min(5000, max(1, int(rng.lognormvariate(math.log(40), 1.0)))))]
        readme_chars = min(200_000, int(rng.lognormvariate(math.log(3000), 1.1)))
        readme = f"# {name}\n\n" + self.text(rng, readme_chars)
        files: list[tuple[str, bytes]] = [("README.md", readme.encode())]
        if rng.random() < 0.7:
            head = {"MIT": "MIT License", "GPL-3.0": "GNU GENERAL PUBLIC LICENSE Version 3",
                    "CERN-OHL-S-2.0": "CERN Open Hardware Licence Version 2 - Strongly Reciprocal"}.get(lic or "",
                                                                                                "LICENSE")
            files.append(("LICENSE", (head + "\n\n" + self.text(rng, rng.choice((1000, 5000, 12000, 35000))))
                          .encode()))
        if rng.random() < 0.15:
            rows = ["Qty,Reference,Value,Manufacturer,MPN,Supplier,Unit Price"]
            for j in range(max(1, int(rng.lognormvariate(math.log(25), 0.9)))):
                rows.append(f"{rng.randint(1, 10)},R{j},{rng.randint(1, 99)}k,{rng.choice(('Yageo', 'TI', 'ST'))},"
                            f"PN-{rng.randint(1000, 99999)},Digikey,{rng.random() * 3:.2f}")
            files.append(("hardware/bom.csv", ("\n".join(rows) + "\n").encode()))
        paths += [p for p, _ in files]
        tree = {"sha": f"{i:040x}", "truncated": False,
                "tree": [{"path": p, "mode": "100644", "type": "blob", "sha": f"{zlib.crc32(p.encode()):040x}",
                          "size": rng.randint(100, 100000), "url": f"https://api.github.com/repos/{full_name}/git/b"}
                         for p in sorted(set(paths))]}

        def doc(url: str, kind: str, content: bytes, path: str | None = None) -> Document:
            return Document(url=url, doc_kind=kind, source=source, fetched_at=ts, status=200, content=content,
                            etag=f'"{zlib.crc32(url.encode()):x}"', project_id=pid, path=path,
                            content_type="application/json" if kind in ("repo", "tree") else None)

        docs = [doc(base, "repo", json.dumps(data, sort_keys=True).encode()),
                doc(f"{base}/git/trees/main?recursive=1", "tree", json.dumps(tree, sort_keys=True).encode()),
                doc(f"{base}/readme", "readme", files[0][1], "README.md")]
        docs += [doc(f"{base}/contents/{p}?ref=main", "file", c, p) for p, c in files[1:]]
        problems = [Problem(full_name, "file", "LICENSE: file of 3000000 bytes is over the limit; not read",
                            f"{base}/contents/LICENSE")] if rng.random() < 0.02 else []
        return docs, problems


# -- building a registry ---------------------------------------------------------------------------------
class Stopwatch:
    """Time spent inside chosen functions of the write path (patched in place for the bench only)."""

    PARTS = (("registry.store", "_execute", "store statements (appender + INSERT/upsert)"),
             ("registry.store", "_merge", "store statements (appender + INSERT/upsert)"),
             ("registry.normalized", "derive_normalized", "normalizers (licence, maturity, BOM, OKH)"),
             ("registry.derive", "derive_repos", "derive_repos"),
             ("registry.derive", "refresh_projects", "refresh_projects + search_index"),
             ("registry.changes", "record_changes", "record_changes (history)"))

    def __init__(self) -> None:
        import functools
        import importlib

        self.spent: dict[str, float] = dict.fromkeys((label for _, _, label in self.PARTS), 0.0)
        self.tables: dict[str, tuple[float, int]] = {}   # store statements per table: seconds, rows written
        self.depth = 0
        for module, name, label in self.PARTS:
            try:
                mod = importlib.import_module(module)
            except ImportError:
                continue
            fn = getattr(mod, name, None)
            if fn is None:
                continue

            def timed_fn(*a: Any, _fn: Any = fn, _label: str = label, **k: Any) -> Any:
                t0 = time.perf_counter()
                try:
                    return _fn(*a, **k)
                finally:
                    took = time.perf_counter() - t0
                    self.spent[_label] += took
                    if _label.startswith("store") and len(a) > 3:
                        if str(a[1]).startswith("INSERT"):  # _execute(con, "INSERT INTO t (…)", typs, data)
                            table, n_rows = str(a[1]).split()[2], len(a[3])
                        else:  # _merge(con, table, cols, typs, data, …)
                            table, n_rows = str(a[1]), len(a[4])
                        seconds, n = self.tables.get(table, (0.0, 0))
                        self.tables[table] = (seconds + took, n + n_rows)

            setattr(mod, name, functools.wraps(fn)(timed_fn))


def write_config(d: Path, n_sources: int) -> Path:
    cfg = d / "config.toml"
    srcs = "".join(f'[[sources]]\nname = "list-{k:03d}"\nkind = "github-list"\nrepo = "bench/list-{k:03d}"\n'
                   f'path = "README.md"\n\n' for k in range(n_sources))
    cfg.write_text(f'[github]\napi_url = "{API}"\n\n[registry]\npath = "registry.duckdb"\n\n{srcs}', encoding="utf-8")
    return cfg


def build(world: World, d: Path, batch_items: int) -> dict[str, Any]:
    """Write a registry of world.n projects through the crawler's batches; returns timings and counts."""
    watch = Stopwatch()
    n = world.n
    n_sources = max(1, math.ceil(n * 1.2 / ENTRIES_PER_LIST))
    cfg = load_config(write_config(d, n_sources))
    per_source: list[list[tuple[dict[str, Any], bool]]] = [[] for _ in range(n_sources)]
    t0 = time.perf_counter()
    for i in range(n):
        p = world.project(i)
        per_source[i % n_sources].append((p, False))
        if p["second"] and n_sources > 1:
            per_source[(i + 1) % n_sources].append((p, True))
        elif p["second"]:
            per_source[0].append((p, True))
    t_gen = time.perf_counter() - t0
    t_parse = t_store = t_docs = 0.0
    enriched: set[str] = set()
    index_of = {}
    for entries in per_source:
        for p, _ in entries:
            if p["repo"]:
                index_of[p["repo"].lower()] = p["i"]
    for k, entries in enumerate(per_source):
        src = cfg.sources[k]
        run_id = f"bench{k:04d}"
        with writer(cfg.registry_path) as con:
            upsert(con, "sources", [{"name": src.name, "kind": src.kind, "config": src.options, "first_run": now(),
                                     "last_run": now(), "last_status": "ok", **source_kind(src.kind).facts.row()}],
                   key=["name"])
        t0 = time.perf_counter()
        md = world.list_markdown(entries)
        doc = Document(url=f"{API}/repos/{src.get('repo')}/contents/README.md", doc_kind="list", source=src.name,
                       fetched_at=now(), status=200, content=md, etag=f'"{k}"', content_type="text/markdown",
                       path="README.md")
        t_gen += time.perf_counter() - t0
        t0 = time.perf_counter()
        records = GitHubListAdapter().parse(doc, src)
        t_parse += time.perf_counter() - t0
        batch = _Batch(cfg, src, run_id)
        batch.docs.append(doc)
        for j in range(0, len(records), batch_items):
            batch.records = records[j:j + batch_items]
            t0 = time.perf_counter()
            batch.flush()
            t_store += time.perf_counter() - t0
        t0 = time.perf_counter()
        with writer(cfg.registry_path) as con:
            targets = [(pid, name) for pid, name in derive.github_targets(con, batch.project_ids)
                       if pid not in enriched]
        t_store += time.perf_counter() - t0
        per_flush = max(1, batch_items // 5)
        for j in range(0, len(targets), per_flush):
            t0 = time.perf_counter()
            for pid, full_name in targets[j:j + per_flush]:
                docs, problems = world.repo_documents(pid, full_name, src.name, index_of.get(full_name.lower(), 0))
                batch.docs.extend(docs)
                batch.problems.extend(problems)
                batch.repo_projects.add(pid)
                enriched.add(pid)
            t_docs += time.perf_counter() - t0
            t0 = time.perf_counter()
            batch.flush()
            t_store += time.perf_counter() - t0
        print(f"    {src.name}: {len(records)} records, {len(targets)} repositories "
              f"(stored so far in {t_store:.1f} s)", flush=True)
    t0 = time.perf_counter()
    synthetic = fill_missing_derived(cfg.registry_path, world)
    t_store += time.perf_counter() - t0
    t_compact = end_of_crawl(cfg)
    print(f"    end of crawl: search postings sorted in {t_compact:.1f} s", flush=True)
    watch.spent["end of crawl (sorting search postings)"] = t_compact
    return {"cfg": cfg, "gen": t_gen + t_docs, "parse": t_parse, "store": t_store + t_compact,
            "synthetic": synthetic, "parts": dict(watch.spent), "tables": dict(watch.tables)}


def end_of_crawl(cfg: Any) -> float:
    """What `ohr crawl` does once its sources are done (sort the search postings if enough were appended)."""
    from crawler.run import _compact_search

    t0 = time.perf_counter()
    _compact_search(cfg)
    return time.perf_counter() - t0


def fill_missing_derived(path: Path, world: World) -> list[str]:
    """Derived tables the crawler's batches did not fill yet (their normalizers not wired in): synthetic rows.

    Inserted with `registry.store.insert`, so tables are as large as they would be; names are returned
    so the report says which ones are synthetic.
    """
    from registry.store import insert

    filled = []
    with writer(path) as con:
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables "
                                            "WHERE table_type = 'BASE TABLE'").fetchall()}
        pids = [r[0] for r in con.execute("SELECT id FROM projects ORDER BY id").fetchall()]
        repos = [r[0] for r in con.execute("SELECT project_id FROM repos ORDER BY project_id").fetchall()]
        rng = random.Random(world.seed)
        if "licences" in tables and not con.execute("SELECT count(*) FROM licences").fetchone()[0]:
            rows = []
            for pid in pids:
                if rng.random() < 0.6:
                    lic = rng.choices([x for x, _ in LICENCES], weights=[w for _, w in LICENCES])[0]
                    for scope in ("hardware", "documentation", "software")[: rng.randint(1, 3)]:
                        rows.append({"project_id": pid, "scope": scope, "expression": lic,
                                     "openness": "open" if lic != "NOASSERTION" else "unknown",
                                     "copyleft": "strong" if "GPL" in lic or "-S-" in lic else "permissive",
                                     "evidence": "LICENSE", "source": "file", "confidence": 0.9})
            insert(con, "licences", rows)
            filled.append(f"licences ({len(rows)})")
        if "maturity" in tables and not con.execute("SELECT count(*) FROM maturity").fetchone()[0]:
            rows = [{"project_id": pid, "stage": rng.choice(("concept", "prototype", "tested", "production")),
                     "derived": "prototype", "state": rng.choice((None, None, "archived", "inactive"))}
                    for pid in pids if rng.random() < 0.5]
            insert(con, "maturity", rows)
            filled.append(f"maturity ({len(rows)})")
        if "bom_files" in tables and not con.execute("SELECT count(*) FROM bom_files").fetchone()[0]:
            files, lines = [], []
            for pid in repos:
                if rng.random() < 0.15:
                    k = max(1, int(rng.lognormvariate(math.log(25), 0.9)))
                    files.append({"project_id": pid, "path": "hardware/bom.csv", "format": "csv", "line_count": k})
                    lines += [{"project_id": pid, "path": "hardware/bom.csv", "row": r + 2,
                               "quantity": float(rng.randint(1, 10)), "designators": [f"R{r}"],
                               "part": f"{rng.randint(1, 99)}k", "manufacturer": "Yageo",
                               "mpn": f"PN-{rng.randint(1000, 99999)}", "supplier": "Digikey",
                               "unit_price": round(rng.random() * 3, 2), "currency": "USD"} for r in range(k)]
            insert(con, "bom_files", files)
            for j in range(0, len(lines), 200_000):
                insert(con, "bom_lines", lines[j:j + 200_000])
            filled.append(f"bom_files ({len(files)}), bom_lines ({len(lines)})")
    return filled


def table_rows(path: Path) -> dict[str, int]:
    with writer(path) as con:
        names = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables "
                                           "WHERE table_type = 'BASE TABLE' ORDER BY 1").fetchall()]
        return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in names if t != "schema_version"}


# -- timing readers ------------------------------------------------------------------------------------
class Recorder:
    """A connection stand-in that remembers every statement `ohr` sends, so a bare process can replay them."""

    def __init__(self, con: Any) -> None:
        self.con, self.statements = con, []

    def execute(self, sql: str, params: Any = None) -> Any:
        self.statements.append((sql, params))
        return self.con.execute(sql, params) if params is not None else self.con.execute(sql)


def recorded(db: Path, args: list[str]) -> list[tuple[str, Any]]:
    """The SQL statements (with parameters) one `ohr` command runs, captured in-process."""
    import queries.cli as cli
    from registry.db import reader

    modules = [m for name, m in sorted(sys.modules.items()) if name.startswith("queries.cli_") and
               hasattr(m, "open_reader")]  # each command module calls the open_reader it imported
    rec: list[Recorder] = []

    @contextlib.contextmanager
    def open_reader(config: Any, db_: Any) -> Iterator[Recorder]:
        with reader(db) as con:
            r = Recorder(con)
            rec.append(r)
            yield r

    saved = [m.open_reader for m in modules]
    for m in modules:
        m.open_reader = open_reader
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
            cli.main(args)
    finally:
        for m, f in zip(modules, saved, strict=True):
            m.open_reader = f
    return [s for r in rec for s in r.statements]


def timed(cmd: list[str], stdin: str | None = None, repeat: int = 5) -> float:
    """Median wall time of a fresh process (the file is in the page cache; the process is cold)."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        r = subprocess.run(cmd, input=stdin, capture_output=True, text=True)
        times.append(time.perf_counter() - t0)
        if r.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd[:4])}… exited {r.returncode}: {r.stderr[-500:]}")
    return statistics.median(times)


def compare(db: Path, args: list[str], repeat: int) -> tuple[float, float]:
    """(ohr seconds, bare DuckDB seconds) for one read command."""
    ohr = str(ROOT / ".venv" / "bin" / "ohr")
    statements = recorded(db, args + ["--db", str(db)])
    payload = json.dumps({"db": str(db), "statements": statements}, default=str)
    t_ohr = timed([ohr, *args, "--db", str(db)], repeat=repeat)
    t_bare = timed([sys.executable, "-c", BARE], stdin=payload, repeat=repeat)
    return t_ohr, t_bare


def measure(world: World, d: Path, built: dict[str, Any], repeat: int, renormalize: bool = True,
            before: str | None = None) -> None:
    db = built["cfg"].registry_path
    rows = table_rows(db)
    total = sum(rows.values())
    size = db.stat().st_size + (db.with_suffix(".duckdb.wal").stat().st_size
                                if db.with_suffix(".duckdb.wal").exists() else 0)
    if built.get("reused"):
        print(f"  write: not measured (registry of an earlier run reused); {total:,} rows")
    else:
        _print_write(built, total)
    print("  rows: " + ", ".join(f"{t} {n:,}" for t, n in rows.items() if n))
    if built["synthetic"]:
        print("  synthetic derived rows (normalizers not in the crawl path yet): " + "; ".join(built["synthetic"]))
    print(f"  file: {size / 1e9:.2f} GB ({size / max(1, world.n):,.0f} bytes per project)")
    _measure_reads(world, db, rows, repeat, before)
    if renormalize:
        _time_renormalize(built)


def _print_write(built: dict[str, Any], total: int) -> None:
    stmt = built["parts"]["store statements (appender + INSERT/upsert)"]
    print(f"  write: {total:,} rows; crawl batches took {built['store']:.1f} s = {total / built['store']:,.0f} rows/s "
          f"(generating {built['gen']:.1f} s and list parsing {built['parse']:.1f} s not counted)")
    written = sum(n for _, n in built["tables"].values())
    print(f"         store statements alone: {written:,} rows written in {stmt:.1f} s = "
          f"{written / max(stmt, 1e-9):,.0f} rows/s; batch time by part: "
          + ", ".join(f"{k} {v:.1f} s" for k, v in built["parts"].items())
          + f", other (open/commit/lookups) {built['store'] - sum(built['parts'].values()):.1f} s")
    by_table = sorted(built["tables"].items(), key=lambda kv: -kv[1][0])
    print("         store statements by table (rows written, seconds, rows/s): " + ", ".join(
        f"{t} {n:,} in {s:.1f} s = {n / max(s, 1e-9):,.0f}/s" for t, (s, n) in by_table[:8]))


def _measure_reads(world: World, db: Path, rows: dict[str, int], repeat: int, before: str | None = None) -> None:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        gh = con.execute("SELECT project_id FROM repos WHERE readme IS NOT NULL ORDER BY project_id "
                         "LIMIT 1 OFFSET ?", [rows.get("repos", 0) // 2]).fetchone()[0]
        hub = con.execute("SELECT id FROM projects WHERE id LIKE 'hackaday.io/%' ORDER BY id LIMIT 1 OFFSET 7"
                          ).fetchone()[0]
    finally:
        con.close()
    cases = [
        ("search sensor", ["search", "sensor"]),
        ("search 'arduino sensor'", ["search", "arduino sensor"]),
        (f"search {world.rare} (rare)", ["search", world.rare]),
        ("search board --has-bom --licence open", ["search", "board", "--has-bom", "--licence", "open"]),
        ("search '' --category Robotics", ["search", "", "--category", "Robotics"]),
        ("search microscope --source list-000", ["search", "microscope", "--source", "list-000"]),
        ("search e (inside most words: probes)", ["search", "e"]),
        (f"show {gh}", ["show", gh]),
        (f"show {hub}", ["show", hub]),
    ]
    head = f"  {'cold process, median of ' + str(repeat):<52} {'ohr s':>7} {'bare s':>7} {'ratio':>6}"
    print(head + (f" {'before s':>8} {'/before':>7}" if before else ""))
    for label, args in cases:
        a, b = compare(db, [*args, "--format", "json"], repeat)
        line = f"  {label[:52]:<52} {a:7.3f} {b:7.3f} {a / b:6.2f}"
        if before:  # the same command by another checkout's `ohr` (e.g. before a change), same registry
            t = timed([before, *args, "--format", "json", "--db", str(db)], repeat=repeat)
            line += f" {t:8.3f} {a / t:7.2f}"
        print(line, flush=True)
    t_help = timed([str(ROOT / ".venv" / "bin" / "ohr"), "--help"], repeat=repeat)
    print(f"  {'ohr --help (start-up alone)':<52} {t_help:7.3f}"
          + (f" {'':>7} {'':>6} {timed([before, '--help'], repeat=repeat):8.3f}" if before else ""), flush=True)


def _time_renormalize(built: dict[str, Any]) -> None:
    ohr = str(ROOT / ".venv" / "bin" / "ohr")
    t0 = time.perf_counter()
    proc = subprocess.Popen([ohr, "renormalize", "--config", str(built["cfg"].path)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None and proc.stdout is not None
    tail: list[str] = []
    for line in proc.stderr:  # its progress lines, with the time they came
        tail = (tail + [line])[-20:]
        print(f"    renormalize +{time.perf_counter() - t0:7.1f} s  {line.rstrip()[:150]}", flush=True)
    out = proc.stdout.read()
    code = proc.wait()
    t = time.perf_counter() - t0
    if code:
        print(f"  renormalize FAILED ({code}) after {t:.1f} s: {''.join(tail)[-800:]}")
    else:
        print(f"  renormalize: {t:.1f} s ({out.strip()})")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000", help="comma-separated project counts (default 10000)")
    ap.add_argument("--dir", default="/tmp/ohr-scale", help="where the registries are built")
    ap.add_argument("--batch", type=int, default=2000, help="list records per write session (crawler: 500)")
    ap.add_argument("--repeat", type=int, default=5, help="runs per timed command (median)")
    ap.add_argument("--keep", action="store_true", help="keep the registries afterwards")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--stub-normalizers", action="store_true",
                    help="skip licence/maturity/BOM normalizers while building (their rows are then synthetic); "
                         "for sizes where their CPU time (~25 ms per README) would take hours")
    ap.add_argument("--no-renormalize", action="store_true", help="do not time `ohr renormalize`")
    ap.add_argument("--before", metavar="OHR", help="also time each read with this `ohr` executable (another "
                                                    "checkout's .venv/bin/ohr) and print ours / its")
    ap.add_argument("--reuse", action="store_true",
                    help="measure the registry a --keep run left in --dir instead of building it again "
                         "(and keep it)")
    args = ap.parse_args(argv)
    if args.stub_normalizers:
        import registry.normalized

        registry.normalized.derive_normalized = lambda con, project_ids=None: {}
    os.environ.pop("GITHUB_TOKEN", None)
    for n in (int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()):
        d = Path(args.dir) / f"n{n}"
        world = World(n, args.seed)
        if args.reuse and (d / "config.toml").exists():
            print(f"== {n:,} projects ({os.cpu_count()} cores; registry reused from {d}) ==", flush=True)
            built = {"cfg": load_config(d / "config.toml"), "reused": True, "synthetic": []}
            t_compact = end_of_crawl(built["cfg"])  # a no-op unless it was built by an older ohr
            print(f"  end of crawl: search postings sorted in {t_compact:.1f} s", flush=True)
        else:
            shutil.rmtree(d, ignore_errors=True)
            d.mkdir(parents=True)
            print(f"== {n:,} projects ({os.cpu_count()} cores; {args.batch} records per write session) ==",
                  flush=True)
            built = build(world, d, args.batch)
        measure(world, d, built, args.repeat, renormalize=not args.no_renormalize, before=args.before)
        if not args.keep and not args.reuse:
            shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
