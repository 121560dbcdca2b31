"""Derive licences, maturity, OKH manifests and bills of materials for projects from stored documents.

It reads only the registry (documents, repos, source records), so a crawl and `ohr renormalize` give the
same rows; curator corrections are applied on top, in the `v_projects` view, never here.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain
from typing import TYPE_CHECKING, Any

from registry.rows import for_projects, physical_order
from registry.store import insert

if TYPE_CHECKING:
    import duckdb

__all__ = ["LICENCE_FILE", "MAX_BOM_FILES", "Unchanged", "derive_normalized", "is_licence_path", "pipelined",
           "record_fields", "run_in_pool", "wanted_files"]

#: LICENSE / LICENCE / COPYING files (with suffixes like -hardware, _CC, .md) in the first two tree levels.
LICENCE_FILE = re.compile(r"^(licen[cs]e|copying|copyright)([-_. ].*)?$", re.I)
#: What the normalizers read of a record's source (its `sources` row): whether its records carry hub-declared
#: licence and maturity, and whose words its descriptions are ("list", "hub" or None); see registry.model.SourceFacts.
Role = tuple[bool, str | None]
#: SELECT giving each source's Role by name.
ROLES_SQL = "SELECT name, coalesce(hub, false), prose FROM sources"
INACTIVE_AFTER_DAYS = 730
_TABLES = ("licences", "maturity", "manifests", "bom_files", "bom_lines")


def is_licence_path(path: str) -> bool:
    """A licence file in the first two levels of a repository tree."""
    return path.count("/") <= 1 and bool(LICENCE_FILE.match(path.rsplit("/", 1)[-1]))


#: Bills of materials fetched per repository on a crawl (each file is one API request).
MAX_BOM_FILES = 12
#: KiCad schematics and EAGLE designs fetched per repository without a BOM file, to derive its BOM (one request each).
MAX_SCHEMATIC_FILES = 8
MAX_MANIFESTS = 5
_OLD = re.compile(r"(?i)(?<![a-z])(old|obsolete|previous|archive[sd]?|deprecated|legacy|backup)(?![a-z])[^/]*/")
_FORMAT_RANK = {"csv": 0, "tsv": 0, "md": 1, "txt": 2, "xlsx": 3, "ods": 3, "xls": 4, "html": 5}


def wanted_files(paths: list[str], max_bom_files: int = MAX_BOM_FILES) -> list[str]:
    """Repository files the normalizers read: licence files, OKH manifests and the most useful BOMs.

    BOMs are capped per repository (the API budget): current designs before old/obsolete folders, one
    format per file stem (a csv before its xlsx/ods twin), text formats before spreadsheets. A tree without
    any BOM file in a text or table format has its KiCad schematics and EAGLE designs read instead (at most
    MAX_SCHEMATIC_FILES), to derive a BOM from.
    """
    from registry.normalize import bom, okh

    out = [p for p in paths if is_licence_path(p)]
    out += [p for p in paths if okh.is_manifest_path(p)][:MAX_MANIFESTS]
    best: dict[str, str] = {}
    for p in bom.find_bom_files(paths):
        stem, _, ext = p.rpartition(".")
        rank = _FORMAT_RANK.get(ext.lower(), 9)
        if stem not in best or rank < _FORMAT_RANK.get(best[stem].rpartition(".")[2].lower(), 9):
            best[stem] = p
    boms = sorted(best.values(), key=lambda p: (bool(_OLD.search(p)), p.count("/"), p))
    out += boms[:max_bom_files]
    out += bom.wanted_schematics(paths, MAX_SCHEMATIC_FILES)  # only where the tree has no BOM file
    return sorted(dict.fromkeys(out))


#: Trees whose picks stand for the selection rules: every kind of file wanted_files knows, with and without a BOM.
_PROBE_TREES = (
    ["LICENSE", "COPYING.md", "hardware/LICENSE.txt", "okh.yml", "manifest.okh.toml", "README.md", "bom.csv",
     "BOM.xlsx", "hardware/v2/bom.ods", "old/bom.csv", "docs/parts_list.md", "Bill_of_Materials.html",
     "pcb/board.kicad_sch", "pcb/board.kicad_pro", "eagle/board.sch", "eagle/board.brd", "ibom.html",
     "cad/frame.step", "docs/manual.pdf", "bom.txt", "parts.tsv", "BOM.xls"],
    ["LICENSE", "pcb/board.kicad_sch", "pcb/board.kicad_pro", "legacy/main.sch", "legacy/main.pro",
     "eagle/shield.sch", "eagle/shield.brd", "eagle/panel.brd", "obsolete/old.sch", "docs/bom.pdf", "bom.png"],
)


@functools.cache
def wanted_rules() -> str:
    """A digest of what wanted_files picks from fixed trees: it changes with the selection rules, so a crawl can
    tell which stored trees to pick files from again (migration 0021)."""
    picks = [wanted_files(list(tree)) for tree in _PROBE_TREES]
    return hashlib.sha1(repr(picks).encode(), usedforsecurity=False).hexdigest()[:16]


@dataclass
class _Inputs:
    pid: str
    paths: list[str] = field(default_factory=list)
    readme: str | None = None
    api_licence: str | None = None
    archived: bool = False
    pushed_at: datetime | None = None
    observed_at: datetime | None = None
    files: dict[str, bytes] = field(default_factory=dict)
    records: list[tuple[Role, str, dict[str, Any], str | None]] = field(default_factory=list)  # role, source, …

    def use_repo(self, paths: list[str] | None, readme: str | None, api_licence: str | None, archived: Any,
                 pushed_at: datetime | None, fetched_at: datetime | None) -> None:
        """Take a `repos` row's columns: one place, so a crawl batch and renormalize read a repository alike."""
        self.paths, self.readme, self.api_licence = list(paths or []), readme, api_licence
        self.archived, self.pushed_at = bool(archived), pushed_at
        self.observed_at = fetched_at or self.observed_at


def _text(data: bytes) -> str:
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


#: The stored documents the normalizers read as repository files.
FILES = "doc_kind = 'file' AND status = 200 AND content IS NOT NULL"


def _load(con: duckdb.DuckDBPyConnection, ids: list[str]) -> dict[str, _Inputs]:
    out = {pid: _Inputs(pid) for pid in ids}
    # wide columns (README, file content) are read through rows.for_projects: only the row ranges holding them
    last_seen = dict(con.execute("SELECT id, last_seen FROM projects WHERE id IN (SELECT UNNEST($1::VARCHAR[]))",
                                 [ids]).fetchall())
    for pid in out:
        out[pid].observed_at = last_seen.get(pid)
    for pid, paths, readme, lic, archived, pushed, fetched in for_projects(
        con, "repos", "project_id, tree_paths, readme, api_licence, archived, pushed_at, fetched_at", ids,
    ):
        out[pid].use_repo(paths, readme, lic, archived, pushed, fetched)
    for pid, path, content in for_projects(  # the latest fetch of a path wins
        con, "documents", "project_id, path, content", ids, FILES, "ORDER BY fetched_at",
    ):
        out[pid].files[path] = bytes(content)
    for inp in out.values():
        inp.files = dict(sorted(inp.files.items()))
    roles = source_roles(con)
    for pid, source, fields, desc in for_projects(  # by row ranges too: 1.2M records at 1M projects
        con, "source_records", "project_id, source, fields, description", ids, order="ORDER BY source, record_key",
    ):
        out[pid].records.append((roles.get(source, _NO_ROLE), source, record_fields(fields), desc))
    return out


_NO_ROLE: Role = (False, None)


def source_roles(con: duckdb.DuckDBPyConnection) -> dict[str, Role]:
    """Each source's Role, by name, from the facts stored with its row."""
    return {name: (bool(hub), prose) for name, hub, prose in con.execute(ROLES_SQL).fetchall()}


def record_fields(fields: Any) -> dict[str, Any]:
    """A source record's `fields` as the normalizers read them: a dict, empty when the JSON is not one."""
    try:
        parsed = json.loads(fields) if isinstance(fields, str) else (fields or {})
    except (ValueError, RecursionError):
        parsed = {}
    return parsed if isinstance(parsed, dict) else {}


def _listed_licences(pid: str, found: set[str], listed: list[tuple[str, str, str]],
                     paths: list[str] | None) -> list[dict[str, Any]]:
    """Licence rows from a list's `Licence:` annotation, below the repository's own files: only for content types
    nothing else gave a licence (the hardware alone when the repository's contents are unknown)."""
    from registry.normalize import licence

    for source, key, value in listed:
        if key != "licence":
            continue
        expr = licence.normalize_name(value)
        if not expr:
            continue
        scopes = sorted(licence.content_types(paths)) if paths else ["hardware"]
        return [{"project_id": pid, "scope": scope, "expression": expr, "openness": licence.openness(expr),
                 "copyleft": licence.copyleft(expr), "evidence": f"list {source}: Licence: {value}",
                 "source": "list", "confidence": 0.4, "original": value if value != expr else None}
                for scope in scopes if scope not in found]
    return []


def _derive_one(inp: _Inputs) -> dict[str, list[dict[str, Any]]]:
    from registry.normalize import bom, licence, maturity, okh

    rows: dict[str, list[dict[str, Any]]] = {t: [] for t in _TABLES}
    pid = inp.pid
    # manifests: files in the repository, then manifests a source handed over (okh-list)
    manifests = [okh.parse_manifest(p, d) for p, d in sorted(inp.files.items()) if okh.is_manifest_path(p)]
    for _role, source, fields, _ in inp.records:
        raw = fields.get("manifest")
        if isinstance(raw, dict) and raw:
            manifests.append(okh.parse_manifest(f"{source}:manifest.json", json.dumps(raw, default=str).encode()))
    good = [m for m in manifests if not m.error]
    for m in manifests:
        rows["manifests"].append({
            "project_id": pid, "path": m.path, "format": m.format, "title": m.title, "version": m.version,
            "licence": m.licence or None, "licensor": m.licensor, "development_stage": m.development_stage,
            "otrl": m.otrl, "odrl": m.odrl, "bom": m.bom, "issues": m.issues or None, "error": m.error,
        })
    manifest = good[0] if good else None

    hub_licence: dict[str, Any] = {}
    hub_stage = hub_name = certified = None
    texts: list[tuple[str, str]] = []
    listed: list[tuple[str, str, str]] = []  # (source, annotation, value) a list wrote beside its entry
    if inp.readme:
        texts.append(("readme", inp.readme))
    for (hub, prose), source, fields, desc in inp.records:
        if hub and isinstance(fields.get("licence"), dict):
            for scope, value in fields["licence"].items():
                if value and scope not in hub_licence:
                    hub_licence[scope] = value
        if hub and fields.get("maturity") and hub_stage is None:
            hub_stage, hub_name = str(fields["maturity"]), source
        if fields.get("certified_at") and certified is None:
            certified = str(fields["certified_at"])
        notes = fields.get("annotations")
        if isinstance(notes, dict):
            listed += [(source, str(k), str(v)) for k, v in notes.items() if v]
        if prose and desc:
            texts.append((f"{prose}:{source}", desc))

    licence_files = {p: _text(d) for p, d in inp.files.items() if is_licence_path(p)}
    result = licence.resolve(
        manifest=manifest.licence if manifest and manifest.licence else None,
        hub=hub_licence or None, files=licence_files or None, readme=inp.readme,
        api_spdx=inp.api_licence, paths=inp.paths or None,
    )
    rows["licences"] = [dict(r, project_id=pid) for r in result.rows()] + _listed_licences(
        pid, {r["scope"] for r in result.rows()}, listed, inp.paths)

    mat = maturity.assess(
        manifest=manifest, hub_stage=hub_stage, hub_name=hub_name, texts=texts, archived=inp.archived,
        pushed_at=inp.pushed_at, now=inp.observed_at, inactive_after_days=INACTIVE_AFTER_DAYS, certified=certified,
        listed=[(f"list:{source}", f"{key.capitalize()}: {value}") for source, key, value in listed
                if key in ("status", "tested")],
    )
    if mat.stage or mat.state or mat.caveats:
        d = mat.as_dict()
        rows["maturity"].append({
            "project_id": pid, "stage": mat.stage, "declared": mat.declared,
            "declared_evidence": d.get("declared_evidence"), "derived": mat.derived,
            "derived_evidence": d.get("derived_evidence") or None, "state": mat.state,
            "state_evidence": d.get("state_evidence"), "caveats": d.get("caveats") or None,
            "medical_caution": mat.medical_caution,
        })

    manifest_boms = {m.bom for m in good if m.bom}
    results = [bom.parse_bom(p, d) for p, d in sorted(inp.files.items())
               if bom.is_bom_path(p) or p in manifest_boms]
    if not any(r.lines and r.error is None for r in results):  # a published BOM file wins over the schematics
        results += bom.schematic_boms(inp.files)
    if inp.readme:
        results += bom.readme_bom_tables(inp.readme)
    for res in results:
        if res.error and ("pointer" in res.error or "lock file" in res.error):
            continue  # not a bill of materials after all
        cost = bom.summarize([res]).get("cost") or None
        rows["bom_files"].append({
            "project_id": pid, "path": res.path, "format": res.format, "line_count": len(res.lines),
            "error": res.error, "issues": res.issues[:50] or None, "cost": cost, "origin": res.origin,
        })
        for ln in res.lines:
            rows["bom_lines"].append({
                "project_id": pid, "path": res.path, "sheet": ln.sheet, "row": ln.row, "quantity": ln.quantity,
                "designators": ln.designators or None, "part": ln.part, "description": ln.description,
                "manufacturer": ln.manufacturer, "mpn": ln.mpn, "supplier": ln.supplier,
                "supplier_pn": ln.supplier_pn, "unit_price": ln.unit_price, "currency": ln.currency, "link": ln.link,
                "footprint": ln.footprint,
            })
    return rows


#: Below this many projects the normalizers run in-process: starting worker processes costs more than it saves.
POOL_MIN_PROJECTS = 1000
_CHUNK = 2000
_pool: Any = None


def _workers() -> int:
    """Worker processes for the normalizers: OHR_NORMALIZE_WORKERS, else one per core (at most 8)."""
    raw = os.environ.get("OHR_NORMALIZE_WORKERS", "")
    if raw.isdigit():
        return int(raw)
    return min(8, os.cpu_count() or 1)


def _get_pool(n_projects: int) -> Any:
    """A process pool shared by every call in this process, or None when the work is too small to spread."""
    global _pool
    workers = _workers()
    if workers < 2 or n_projects < POOL_MIN_PROJECTS:
        return None
    if _pool is None:
        import atexit
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # spawn, not fork: the parent holds DuckDB's threads (and maybe the crawler's), which fork does not copy
        _pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                    initializer=_exit_with_parent, initargs=(os.getpid(),))
        atexit.register(_pool.shutdown, cancel_futures=True)
    return _pool


def _exit_with_parent(parent: int) -> None:
    """In a worker: exit once the process that started it is gone (a SIGKILLed crawl must not leave workers)."""
    import threading
    import time

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="ohr-parent-watch", daemon=True).start()


def pipelined(pool: Any, fn: Any, parts: Iterable[tuple[Any, list[Any]]]) -> Iterator[tuple[Any, Iterable[Any]]]:
    """(key, fn over the part's tasks) per part of `parts`, in order. With a pool, a part's tasks go to the workers
    before the previous part is handed back: this process reads the next part (advancing `parts`) and writes the
    previous one while the workers run."""
    pending: tuple[Any, Iterable[Any]] | None = None
    for key, tasks in parts:
        if pool is None:
            yield key, map(fn, tasks)
            continue
        submitted = run_in_pool(pool, fn, tasks)
        if pending is not None:
            yield pending
        pending = (key, submitted)
    if pending is not None:
        yield pending


def run_in_pool(pool: Any, fn: Any, jobs: list[Any]) -> Any:
    """fn over jobs in the pool, results in order; a lazily-read iterator that falls back to this process
    (for the jobs not done yet) if a worker died — killed, out of memory."""
    from concurrent.futures.process import BrokenProcessPool

    futures = [pool.submit(fn, job) for job in jobs]

    def results() -> Any:
        global _pool
        for job, fut in zip(jobs, futures, strict=True):
            try:
                yield fut.result()
            except BrokenProcessPool:
                _pool = None
                yield fn(job)
    return results()


@dataclass(frozen=True)
class Unchanged:
    """In place of a project's normalized rows when their digest is the stored one: only their counts travel."""

    sizes: dict[str, int]

    @classmethod
    def of(cls, rows: dict[str, list[dict[str, Any]]]) -> Unchanged:
        return cls({t: len(rows[t]) for t in _TABLES})


_Result = tuple[str, "dict[str, list[dict[str, Any]]] | Unchanged | None", str | None, str | None]


def _derive_safe(inp: _Inputs) -> _Result:
    """One project's rows and their digest, or the message of the exception a normalizer raised on it (it must
    not stop the others)."""
    try:
        rows = _derive_one(inp)
    except Exception as exc:  # noqa: BLE001 - one bad project must not stop the others
        return inp.pid, None, f"{type(exc).__name__}: {exc}"[:2000], None
    return inp.pid, rows, None, hashlib.sha1(repr(rows).encode(), usedforsecurity=False).hexdigest()


def derive_normalized(con: duckdb.DuckDBPyConnection, project_ids: Iterable[str] | None = None, *,
                      same_inputs_skip: bool = False) -> dict[str, int]:
    """Rebuild the normalized rows of the given projects (all when None); returns row counts per table.

    With `same_inputs_skip` (a crawl batch), projects whose inputs' digest is the stored one (migration 0016)
    are not normalized again; their counts are then left out.

    A normalizer failing on one project is recorded in `crawl_errors` (run `normalize`) and the others go on.
    Large runs spread the normalizers over worker processes (the registry is read and written here only):
    while they parse one chunk of projects, this process stores the previous chunk and loads the next.
    """
    if project_ids is None:  # chunks of projects whose documents are neighbours: each chunk reads few row ranges
        ids = physical_order(con, "documents", [r[0] for r in con.execute("SELECT id FROM projects").fetchall()])
    else:  # more than one chunk: in the order their documents sit, or each chunk reads rows all over the table
        ids = sorted(set(project_ids))
        if len(ids) > _CHUNK:
            ids = physical_order(con, "documents", ids)
    counts = dict.fromkeys(_TABLES, 0)
    seen_inputs: dict[str, str] = {}

    def parts() -> Iterator[tuple[list[str], list[list[_Inputs]]]]:
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start:start + _CHUNK]
            inputs = list(_load(con, chunk).values())
            digests = {inp.pid: input_digest(inp) for inp in inputs}
            if same_inputs_skip:
                stored = dict(con.execute(STORED_INPUT_DIGESTS, [chunk]).fetchall())
                inputs = [inp for inp in inputs if stored.get(inp.pid) != digests[inp.pid]]
                chunk = [inp.pid for inp in inputs]
                if not chunk:
                    continue
            seen_inputs.update((inp.pid, digests[inp.pid]) for inp in inputs)
            yield chunk, [inputs[j:j + 50] for j in range(0, len(inputs), 50)]

    for chunk, results in pipelined(_get_pool(len(ids)), _derive_many, parts()):
        _store(con, chunk, chain.from_iterable(results), counts)
    if seen_inputs:
        con.execute("DELETE FROM normalized_inputs WHERE project_id IN (SELECT UNNEST($1::VARCHAR[]))",
                    [list(seen_inputs)])
        insert(con, "normalized_inputs", [{"project_id": p, "digest": d} for p, d in seen_inputs.items()])
    return counts


# A project's stored input digest, only while its normalized rows' digest is there too (0010, 0016).
STORED_INPUT_DIGESTS = """
SELECT i.project_id, i.digest FROM normalized_inputs i JOIN normalized_digests d ON d.project_id = i.project_id
WHERE i.project_id IN (SELECT UNNEST($1::VARCHAR[]))
"""


def input_digest(inp: _Inputs) -> str:
    """sha1 of what the normalizers read for one project: equal inputs give equal rows, so they need not run.

    The observation time counts only through what it changes: whether the project is inactive, and then the
    date its evidence names.
    """
    inactive: Any = False
    if inp.pushed_at is not None and inp.observed_at is not None:
        from registry.normalize.maturity import _aware

        days = (_aware(inp.observed_at) - _aware(inp.pushed_at)).days
        inactive = inp.observed_at.date().isoformat() if days > INACTIVE_AFTER_DAYS else False
    h = hashlib.sha1(usedforsecurity=False)
    h.update(repr((inp.paths, inp.readme, inp.api_licence, inp.archived, inp.pushed_at, inactive,
                   inp.records)).encode("utf-8", "surrogatepass"))
    for path, data in inp.files.items():
        h.update(b"\0%d\0" % len(path.encode("utf-8", "surrogatepass")) + path.encode("utf-8", "surrogatepass"))
        h.update(hashlib.sha1(data, usedforsecurity=False).digest())
    return h.hexdigest()


def _derive_many(inputs: list[_Inputs]) -> list[_Result]:
    """Several projects per worker task: one round trip per 50 projects, not per project."""
    return [_derive_safe(inp) for inp in inputs]


def _store(con: duckdb.DuckDBPyConnection, chunk: list[str], results: Iterable[_Result], counts: dict[str, int],
           stored: dict[str, str] | None = None) -> None:
    """Replace the normalized rows of a chunk's projects whose rows changed (by their digest, migration 0010),
    and record the projects a normalizer failed on: a re-run over unchanged projects writes nothing.

    `stored` holds the chunk's stored digests when the caller read them already.
    """
    if stored is None:
        stored = dict(for_projects(con, "normalized_digests", "project_id, digest", chunk))
    batch: dict[str, list[dict[str, Any]]] = {t: [] for t in _TABLES}
    failures, digests, seen = [], [], set()
    for pid, rows, error, digest in results:
        seen.add(pid)
        if isinstance(rows, Unchanged):  # compared with the stored digest where the rows were derived
            for t in _TABLES:
                counts[t] += rows.sizes[t]
            continue
        if rows is None:
            failures.append({"run_id": "normalize", "source": "normalize", "item": pid, "url": None,
                             "kind": "normalize", "message": error, "occurred_at": datetime.now()})
            continue
        for t in _TABLES:
            counts[t] += len(rows[t])
        if stored.get(pid) == digest:
            continue
        digests.append({"project_id": pid, "digest": digest})
        for t in _TABLES:
            batch[t].extend(rows[t])
    # written again: changed projects, and those without rows now (failed, or not loaded) that had a digest
    stale = sorted({d["project_id"] for d in digests} | (set(chunk) - seen)
                   | {f["item"] for f in failures})
    if stale:
        for t in (*_TABLES, "normalized_digests"):
            con.execute(f"DELETE FROM {t} WHERE project_id IN (SELECT UNNEST($1::VARCHAR[]))", [stale])
        for t in _TABLES:
            insert(con, t, batch[t])
        insert(con, "normalized_digests", digests)
    insert(con, "crawl_errors", failures)
