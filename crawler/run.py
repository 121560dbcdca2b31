"""Run a crawl: each source's adapter, then GitHub enrichment, written to the registry in short batches.

The write lock is held only while a batch is written, so `ohr search` keeps working during a crawl.
Every run is a `crawl_runs` row whose counters and heartbeat move at each batch; a run whose process
died (kill -9, power cut) is closed as 'interrupted' when the next run starts, and what it left undone
(repositories still 'pending') is fetched first.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from crawler.base import Context, SourceUnreachable
from crawler.config import Config, SourceConfig
from crawler.errors import internal
from crawler.github import GitHubClient, RateLimited, Stopped, Unreachable
from crawler.github_repos import RepoTarget, enrich_repo, wanted_files
from crawler.sources import fetch_source, source_kind
from crawler.stored import stored_lookup, web_targets
from registry import changes, derive, normalized
from registry.db import now, writer
from registry.model import Document, Problem, Record
from registry.normalized import derive_normalized
from registry.resolve import link_records
from registry.search import compact_search
from registry.store import upsert

__all__ = ["CrawlLocked", "SourceSummary", "close_dead_runs", "crawl", "crawl_lock", "run_is_dead", "summary_line"]

log = logging.getLogger("ohr.crawl")

#: A batch is written when this many repositories are done, or this many seconds passed since the last write.
BATCH_REPOS = 25
BATCH_SECONDS = 1.0
#: GraphQL results go to the writer whenever it is free; past this many waiting, fetching waits for the write.
BATCH_REPOS_MAX = 500
#: A source's documents and records are written when this many wait and the next document starts (a document's
#: records stay together: their digest tells an unchanged list in one look), or at BATCH_ITEMS_MAX regardless.
BATCH_ITEMS = 500
BATCH_ITEMS_MAX = 20_000
#: Counted requests a repository may cost (repo, tree, README, files): new work starts only while this is left.
REQUESTS_PER_REPO = 5
#: A 'running' row whose heartbeat is older than this (and whose process cannot be checked) is interrupted.
STALE_AFTER = timedelta(hours=6)

_ACTIVE_RUNS: set[str] = set()  # run ids of this process, so its own live rows are never closed


#: Problems that are notes for curators (an entry named by an article only), not failures: the run stays ok.
NOTICE_KINDS = frozenset({"no-primary-link"})


@dataclass
class SourceSummary:
    """What one source's run did, for the CLI and for `crawl_runs`."""

    source: str
    run_id: str
    status: str = "running"  # ok | partial | stopped | unreachable | failed | interrupted | skipped
    trigger: str = "cli"
    started: float = field(default_factory=time.monotonic)
    seconds: float = 0.0
    records: int = 0
    new: int = 0
    repos: int = 0
    repos_new: int = 0
    repos_changed: int = 0
    repos_unchanged: int = 0
    repos_skipped: int = 0
    repos_pending: int = 0
    failed: int = 0
    requests: int = 0
    not_modified: int = 0
    rate_remaining: int | None = None
    rate_reset_at: float | None = None
    rate_waited: float = 0.0
    graphql_queries: int = 0
    graphql_points: int = 0
    graphql_remaining: int | None = None
    raw_requests: int = 0
    graphql_waited: float = 0.0
    message: str | None = None
    problems: list[Problem] = field(default_factory=list)

    def run_row(self, final: bool) -> dict:
        """The `crawl_runs` columns this summary fills (all counters; the end only when final)."""
        row = {
            "run_id": self.run_id, "source": self.source, "status": self.status if final else "running",
            "items_seen": self.records + self.repos, "items_new": self.new + self.repos_new,
            "items_changed": self.repos_changed, "items_unchanged": self.repos_unchanged,
            "items_skipped": self.repos_skipped, "items_failed": self.failed, "items_pending": self.repos_pending,
            "requests": self.requests, "not_modified": self.not_modified, "rate_remaining": self.rate_remaining,
            "rate_reset_at": datetime.fromtimestamp(self.rate_reset_at, UTC).replace(tzinfo=None)
            if self.rate_reset_at else None,
            "rate_waited": round(self.rate_waited, 3), "message": self.message, "heartbeat_at": now(),
            "graphql_queries": self.graphql_queries, "graphql_points": self.graphql_points,
            "raw_requests": self.raw_requests,
        }
        if final:
            row["finished_at"] = row["heartbeat_at"]
        return row


def summary_line(s: SourceSummary) -> str:
    """One line saying what a source's run did (the CLI prints it, the scheduler logs it)."""
    if s.status in ("unreachable", "failed"):
        return f"{s.source}: {s.status} — {s.message}; the registry keeps what it held"
    if s.status == "skipped":
        return f"{s.source}: {s.message}"
    line = (f"{s.source}: {s.records} entries, {s.new} new projects; {s.repos} GitHub repositories "
            f"({s.repos_new} new, {s.repos_changed} changed, {s.repos_unchanged} unchanged, "
            f"{s.repos_pending} pending"
            + (f", {s.repos_skipped} gone not re-checked" if s.repos_skipped else "")
            + f"); {s.requests} requests ({s.not_modified} not modified)")
    if s.rate_remaining is not None:
        line += f"; rate limit left {s.rate_remaining}"
    if s.graphql_queries:
        line += (f"; GraphQL {s.graphql_queries} queries, {s.graphql_points} points"
                 + (f" ({s.graphql_remaining} left)" if s.graphql_remaining is not None else "")
                 + f", {s.raw_requests} raw downloads")
    if s.rate_waited:
        line += f"; waited {s.rate_waited:.0f} s for rate limits"
    return line + f"; {s.seconds:.1f} s"


Progress = Callable[[str, int, int], None]


class _Batch:
    """Buffers what a source yields and writes it in one short write session."""

    def __init__(self, cfg: Config, source: SourceConfig, run_id: str, summary: SourceSummary | None = None) -> None:
        self.cfg, self.source, self.run_id = cfg, source, run_id
        self.summary = summary
        self.docs: list[Document] = []
        self.records: list[Record] = []
        self.problems: list[Problem] = []
        self.repo_projects: set[str] = set()
        #: repositories whose files were picked by the current selection rules in this batch (migration 0021)
        self.selected: set[str] = set()
        self.project_ids: set[str] = set()
        #: a running digest of the records stored per source document this run (migration 0011)
        self.record_hashes: dict[str, Any] = {}
        #: projects a list's records touched, derived when their repository is written or at the run's end (a
        #: first crawl derives each project once, with its repository, not once bare and once again)
        self.deferred: set[str] = set()
        #: record digests of lists whose projects are deferred: stored with the last of them, so a run killed
        #: before that stores the records again next time and derives them then
        self.held_digests: dict[str, str] = {}
        self.written_at = time.monotonic()
        self._writer: ThreadPoolExecutor | None = None
        self._pending: Future | None = None

    def __len__(self) -> int:
        return len(self.docs) + len(self.records)

    def flush_soon(self) -> None:
        """Hand what is buffered to a writer thread, so fetching goes on while the batch is written.

        One write is in flight at a time (order kept, memory bounded); its error surfaces at the next flush.
        """
        self._wait_pending()
        self.written_at = time.monotonic()
        if not (self.docs or self.records or self.problems or self.repo_projects):
            return
        part = _Batch(self.cfg, self.source, self.run_id, self.summary)
        part.docs, part.records, part.problems, part.repo_projects = (
            self.docs, self.records, self.problems, self.repo_projects)
        part.selected, self.selected = self.selected, set()
        part.project_ids, part.record_hashes = self.project_ids, self.record_hashes
        part.deferred, part.held_digests = self.deferred, self.held_digests
        self.docs, self.records, self.problems, self.repo_projects = [], [], [], set()
        if self._writer is None:
            self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="writer")
        self._pending = self._writer.submit(part.flush)

    def writing(self) -> bool:
        """Whether a batch handed to the writer thread is still being written."""
        return self._pending is not None and not self._pending.done()

    def due(self) -> bool:
        """Whether to hand the buffer to the writer now: as soon as it is free (the network keeps fetching while
        it writes, so batches grow with the load), or when a full batch waits behind a write in flight."""
        if not (self.repo_projects or self.docs):
            return False
        return not self.writing() or len(self.repo_projects) >= BATCH_REPOS_MAX

    def _wait_pending(self) -> None:
        fut, self._pending = self._pending, None
        if fut is not None:
            fut.result()

    def close(self) -> None:
        """Wait for a write in flight and stop the writer thread."""
        try:
            self._wait_pending()
        finally:
            if self._writer is not None:
                self._writer.shutdown(wait=True)
                self._writer = None

    def flush(self, final: bool = False, then: Callable[[Any], Any] | None = None, defer: bool = False) -> Any:
        """Write what is buffered in one transaction; ``final`` also closes the run, ``then(con)`` reads after.

        ``defer`` (a source's records, before its repositories are enriched) stores records without deriving
        their projects yet. Returns what ``then`` returned (None without it). The run's counters and heartbeat
        move with its data.
        """
        self._wait_pending()
        self.written_at = time.monotonic()
        if not (self.docs or self.records or self.problems or self.repo_projects or final or then):
            return None
        ts = now()
        result = None
        with writer(self.cfg.registry_path) as con:
            con.execute("BEGIN TRANSACTION")
            derive.store_documents(con, self.docs)
            new, same_records = self._store_records(con, ts, defer) if self.records else (0, set())
            derive.store_problems(con, self.run_id, self.source.name, self.problems, ts)
            if self.selected:
                rules = normalized.wanted_rules()
                upsert(con, "file_selection", [{"project_id": p, "rules": rules, "selected_at": ts}
                                               for p in sorted(self.selected)], key=["project_id"])
            touched = self._to_derive(con, same_records, final, defer)
            if touched:
                derive.derive_repos(con, touched)
                derive_normalized(con, touched, same_inputs_skip=True)
                derive.refresh_projects(con, touched)
            # curation (issue 6): keep this last — it diffs v_projects_crawled against the last snapshot
            changes.record_changes(con, touched, run_id=self.run_id)
            self._note_run(con, new, final)
            con.execute("COMMIT")
            if then is not None:
                result = then(con)
        self.docs, self.records, self.problems = [], [], []
        self.repo_projects, self.selected = set(), set()
        self.written_at = time.monotonic()
        return result

    def _store_records(self, con: Any, ts: datetime, defer: bool) -> tuple[int, set[str]]:
        """Store the buffered records; returns the new projects they made and the documents whose records are
        exactly the ones stored last time (by their digest, 0011: only marked seen, their projects not touched)."""
        # the digest of what is stored so far per document: it matches a full parse once all is stored
        by_doc: dict[str, list[Record]] = {}
        for r in self.records:
            if r.document_url:
                by_doc.setdefault(r.document_url, []).append(r)
        for u, recs in by_doc.items():
            self.record_hashes[u] = derive.digest_records(recs, self.record_hashes.get(u))
        digests = {u: self.record_hashes[u].hexdigest() for u in by_doc}
        before = dict(con.execute("SELECT document_url, digest FROM record_digests "
                                  "WHERE document_url IN (SELECT UNNEST($1::VARCHAR[]))", [list(digests)]).fetchall())
        same_records = {u for u, d in digests.items() if before.get(u) == d}
        # a record was seen when its document was fetched: renormalize gives the same timestamps
        fetched = {d.url: d.fetched_at for d in self.docs}
        groups: dict[datetime, list[Record]] = {}
        for r in self.records:
            if r.document_url not in same_records:
                groups.setdefault(fetched.get(r.document_url or "", ts), []).append(r)
        new = sum(derive.store_records(con, recs, seen_at)["new"] for seen_at, recs in groups.items())
        for u in same_records:  # stored as they are: only when they were last seen moves
            derive.touch_records(con, self.source.name, u, fetched.get(u, ts))
        link_records(con, self.records)
        if defer:
            self.held_digests.update(digests)
        else:
            derive.remember_record_digests(con, digests)
        return new, same_records

    def _to_derive(self, con: Any, same_records: set[str], final: bool, defer: bool) -> set[str]:
        """The projects this write derives: its repositories' and its changed records' — unless they wait for
        their repositories (``defer``); the last write also takes every project still waiting."""
        touched = set(self.repo_projects)
        if self.records:
            rows = con.execute(
                "SELECT DISTINCT project_id FROM source_records WHERE source = $1 "
                "AND record_key IN (SELECT UNNEST($2::VARCHAR[]))", [self.source.name, [r.key for r in self.records]],
            ).fetchall()
            self.project_ids.update(r[0] for r in rows)
            changed_keys = [r.key for r in self.records if r.document_url not in same_records]
            if len(changed_keys) == len(self.records):
                touched.update(r[0] for r in rows)
            elif changed_keys:
                touched.update(r[0] for r in con.execute(
                    "SELECT DISTINCT project_id FROM source_records WHERE source = $1 "
                    "AND record_key IN (SELECT UNNEST($2::VARCHAR[]))", [self.source.name, changed_keys],
                ).fetchall())
        if defer:
            self.deferred |= touched
            return set()
        self.deferred -= touched
        if final:
            touched |= self.deferred
            self.deferred.clear()
            derive.remember_record_digests(con, self.held_digests)
            self.held_digests.clear()
        return touched

    def _note_run(self, con: Any, new: int, final: bool) -> None:
        """The run's counters and heartbeat (and, at its end, the source's status) move with its data."""
        if self.summary is None:
            return
        s = self.summary
        s.new += new
        upsert(con, "crawl_runs", [s.run_row(final=final)], key=["run_id", "source"])
        if final:
            upsert(con, "sources", [{"name": s.source, "kind": self.source.kind, "last_status": s.status,
                                     "last_error": s.message if s.status != "ok" else None}], key=["name"])


# -- run bookkeeping ----------------------------------------------------------------------------
def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a killed child its parent has not reaped yet is a zombie: dead for our purpose
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            return f.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return True


def run_is_dead(run_id: str, pid: int | None, host: str | None, heartbeat: datetime | None, at: datetime) -> bool:
    """Whether a 'running' crawl_runs row belongs to a process that is gone (checked by pid on this host)."""
    if host == socket.gethostname() and pid:
        if pid == os.getpid():
            return run_id not in _ACTIVE_RUNS
        return not _process_alive(pid)
    return heartbeat is None or at - heartbeat > STALE_AFTER


def close_dead_runs(con: object, at: datetime) -> list[tuple[str, str]]:
    """Mark 'running' rows whose process is gone as 'interrupted'; returns their (run_id, source)."""
    rows = con.execute(  # type: ignore[attr-defined]
        "SELECT run_id, source, pid, host, heartbeat_at, started_at FROM crawl_runs WHERE status = 'running'"
    ).fetchall()
    dead = [(r[0], r[1], r[4] or r[5]) for r in rows if run_is_dead(r[0], r[2], r[3], r[4] or r[5], at)]
    for run_id, source, last in dead:
        con.execute(  # type: ignore[attr-defined]
            "UPDATE crawl_runs SET status = 'interrupted', finished_at = $3, message = $4 "
            "WHERE run_id = $1 AND source = $2",
            [run_id, source, last, "the crawl process ended without finishing (killed or crashed); what its "
                                   "batches wrote up to the last heartbeat is kept and the next run goes on"])
        con.execute(  # type: ignore[attr-defined]
            "UPDATE sources SET last_status = 'interrupted' WHERE name = $1 AND last_status = 'running'", [source])
    return [(r, s) for r, s, _ in dead]


def _start_run(cfg: Config, source: SourceConfig, s: SourceSummary) -> None:
    started = now()
    with writer(cfg.registry_path) as con:
        con.execute("BEGIN TRANSACTION")
        for run_id, name in close_dead_runs(con, started):
            log.warning("%s: run %s had been interrupted (its process is gone); marked 'interrupted'",
                        name, run_id)
        upsert(con, "sources", [{"name": source.name, "kind": source.kind, "config": source.options,
                                 "first_run": started, "last_run": started, "last_status": "running",
                                 **source_kind(source.kind).facts.row()}],
               key=["name"], keep=["first_run"])
        upsert(con, "crawl_runs", [{"run_id": s.run_id, "source": source.name, "started_at": started,
                                    "status": "running", "pid": os.getpid(), "host": socket.gethostname(),
                                    "heartbeat_at": started, "trigger": s.trigger}], key=["run_id", "source"])
        con.execute("COMMIT")


def _finish_run(batch: _Batch) -> None:
    """Write what is left and close the run in one session; if the data cannot be written, still close it."""
    try:
        batch.flush(final=True)
    except Exception:
        log.warning("%s: the last batch could not be written; closing the run without it", batch.source.name,
                    exc_info=log.isEnabledFor(logging.DEBUG))
        batch.docs, batch.records, batch.repo_projects = [], [], set()
        batch.flush(final=True)
    finally:
        batch.close()


# -- GitHub enrichment ----------------------------------------------------------------------------
def _repo_targets(cfg: Config, con: Any, project_ids: set[str]) -> tuple[list, int]:
    """Repositories to enrich (read in the session that stored the list), pending and least recently fetched
    first; and how many gone ones are not asked again yet."""
    pairs = derive.github_targets(con, project_ids)
    ids = [p for p, _ in pairs]
    docs: dict[str, dict[str, Document]] = {}
    fetched: dict[str, datetime] = {}
    gone: dict[str, datetime] = {}
    heads: dict[str, str] = {}
    repo_json: dict[str, bytes] = {}
    for url, kind, pid, status, etag, last_modified, path, fetched_at, sha, content in con.execute(
        "SELECT url, doc_kind, project_id, status, etag, last_modified, path, fetched_at, sha, "
        "CASE WHEN doc_kind = 'repo' AND $2 THEN content END FROM documents "
        "WHERE project_id IN (SELECT UNNEST($1::VARCHAR[])) AND doc_kind IN ('repo', 'tree', 'readme', 'file')",
        [ids, bool(cfg.github.graphql and cfg.github.token)],  # only GraphQL's HEAD check compares the JSON
    ).fetchall():
        docs.setdefault(pid, {})[url] = Document(url=url, doc_kind=kind, source="", fetched_at=fetched_at,
                                                 status=status, etag=etag, last_modified=last_modified,
                                                 project_id=pid, path=path)
        if kind == "repo":
            fetched[pid] = fetched_at
            if sha and status == 200:
                heads[pid] = sha
            if content is not None and status == 200:
                repo_json[pid] = bytes(content)
            if status == 404:
                gone[pid] = fetched_at
    pushed, branch = {}, {}
    for pid, at, default_branch in con.execute(
            "SELECT project_id, strftime(pushed_at, '%Y-%m-%dT%H:%M:%SZ'), default_branch FROM repos "
            "WHERE project_id IN (SELECT UNNEST($1::VARCHAR[]))", [ids]).fetchall():
        pushed[pid], branch[pid] = at, default_branch
    reselect = _reselect(con, ids, docs)
    # a repository that answered 404 is asked again only every recheck_gone_days (404s carry no ETag)
    horizon = now() - timedelta(days=cfg.github.recheck_gone_days)
    skip = {pid for pid, at in gone.items() if at > horizon}
    targets = [RepoTarget(pid, name, docs.get(pid, {}), pushed.get(pid), heads.get(pid), repo_json.get(pid),
                          reselect.get(pid), branch.get(pid))
               for pid, name in pairs if pid not in skip]
    # never-fetched (pending) repositories first, then the least recently fetched, so a small budget
    # finishes what the last run left and then rotates fairly through the rest
    targets.sort(key=lambda t: (t.project_id in fetched, fetched.get(t.project_id) or datetime.min, t.project_id))
    return targets, len(skip)


def _reselect(con: Any, ids: list[str], docs: dict[str, dict[str, Document]]) -> dict[str, list[str]]:
    """Stored trees whose files were picked by other selection rules than today's (migration 0021): those where
    today's rules want a file never fetched, with their paths (to fetch it without a push); the others are
    marked as picked by today's rules at once."""
    rules = normalized.wanted_rules()
    fetched = [p for p in ids if any(d.doc_kind == "tree" and d.status == 200 for d in docs.get(p, {}).values())]
    if not fetched:
        return {}
    done = {p for (p,) in con.execute("SELECT project_id FROM file_selection WHERE rules = $2 "
                                      "AND project_id IN (SELECT UNNEST($1::VARCHAR[]))", [fetched, rules]).fetchall()}
    stale = [p for p in fetched if p not in done]
    if not stale:
        return {}
    trees = dict(con.execute("SELECT project_id, tree_paths FROM repos "
                             "WHERE project_id IN (SELECT UNNEST($1::VARCHAR[]))", [stale]).fetchall())
    out: dict[str, list[str]] = {}
    same: list[str] = []
    for pid in stale:
        paths = list(trees.get(pid) or [])
        have = {d.path for d in docs.get(pid, {}).values() if d.doc_kind == "file"}
        if set(wanted_files(paths)) - have:
            out[pid] = paths
        else:
            same.append(pid)
    if same:
        upsert(con, "file_selection", [{"project_id": p, "rules": rules, "selected_at": now()} for p in same],
               key=["project_id"])
    return out


def _take(batch: _Batch, s: SourceSummary, res: Any) -> None:
    """Buffer one repository's result for the next write and count its outcome."""
    batch.docs.extend(res.documents)
    if res.outcome in ("new", "changed", "moved") and (
            res.target.reselect is not None or any(d.doc_kind == "tree" and d.status == 200 for d in res.documents)):
        batch.selected.add(res.target.project_id)
    batch.problems.extend(res.problems)
    s.problems.extend(res.problems)
    if res.outcome != "unchanged" or any(not d.not_modified for d in res.documents):
        batch.repo_projects.add(res.target.project_id)  # an unchanged repository's project is not derived again
    if res.outcome == "new":
        s.repos_new += 1
    elif res.outcome in ("changed", "moved"):
        s.repos_changed += 1
    elif res.outcome == "unchanged":
        s.repos_unchanged += 1
    if res.outcome == "failed" or any(p.kind == "fetch" for p in res.problems):
        s.failed += 1  # a part not read (tree, README, a file) leaves the item incomplete: exit 4


def _enrich(cfg: Config, gh: GitHubClient, ctx: Context, batch: _Batch, s: SourceSummary,
            progress: Progress | None, stop: threading.Event) -> None:
    # the rest of the list and the repositories to enrich: one write session
    targets, s.repos_skipped = batch.flush(then=lambda con: _repo_targets(cfg, con, batch.project_ids), defer=True)
    log.info("%s: %d entries read, %d new projects; %d GitHub repositories to enrich", s.source, s.records, s.new,
             len(targets))
    s.repos = len(targets) + s.repos_skipped
    if not targets:
        return
    if cfg.github.graphql and cfg.github.token:  # GraphQL refuses anonymous calls: without a token, REST
        from crawler.github_graphql import GraphQLUnavailable

        try:
            _enrich_graphql(cfg, ctx, batch, s, targets, progress, stop)
            return
        except GraphQLUnavailable as exc:
            log.warning("%s: %s; enriching through the REST API instead", s.source, exc)
    _enrich_rest(cfg, gh, ctx, batch, s, targets, progress, stop)


def _enrich_graphql(cfg: Config, ctx: Context, batch: _Batch, s: SourceSummary, targets: list,
                    progress: Progress | None, stop: threading.Event) -> None:
    """Enrich through GraphQL batches (crawler/github_graphql.py); raises GraphQLUnavailable before any result
    when the host has no GraphQL, so the REST path can take over."""
    from crawler.github_graphql import GraphQLClient, enrich_all

    client = GraphQLClient(cfg.github, stop=stop)
    done = 0
    if progress:
        progress(s.source, 0, len(targets))

    def take(res: Any) -> None:
        nonlocal done
        _take(batch, s, res)
        done += 1

    def tick() -> None:
        if progress:
            progress(s.source, done, len(targets))
        if batch.due():
            _note_graphql(s, client)
            batch.flush_soon()

    try:
        out = enrich_all(ctx, client, targets, take, stop, max_batch=max(1, cfg.github.graphql_batch), tick=tick)
    finally:
        client.close()
        _note_graphql(s, client)
    s.repos_pending = len(out.pending)
    if out.stop_reason:
        s.status = "stopped" if stop.is_set() else "partial"
        s.message = f"{out.stop_reason}; {len(out.pending)} repositories left pending for the next run"
        log.warning("%s: %s", s.source, s.message)


def _note_graphql(s: SourceSummary, client: Any) -> None:
    """GraphQL's counters in the run's summary: queries and raw downloads are requests; points are its budget."""
    s.graphql_queries, s.graphql_points, s.raw_requests = client.queries, client.points, client.raw_requests
    s.graphql_remaining, s.graphql_waited = client.remaining, client.rate_waited


def _enrich_rest(cfg: Config, gh: GitHubClient, ctx: Context, batch: _Batch, s: SourceSummary, targets: list,
                 progress: Progress | None, stop: threading.Event) -> None:

    gh.refresh_budget()
    queue = deque(targets)
    done = 0
    stop_reason: str | None = None
    workers = max(1, cfg.github.concurrency) * 2  # more repositories than connections keeps every slot busy
    running: dict[Future, Any] = {}
    if progress:
        progress(s.source, 0, len(targets))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="repo") as pool:
        while queue or running:
            while queue and len(running) < 2 * workers and stop_reason is None:  # a queue covers flushes
                if stop.is_set():
                    stop_reason = "stopped on request"
                elif not gh.budget_left(need=REQUESTS_PER_REPO * (len(running) + 1)):
                    if not running or gh.exhausted:  # else: what is in flight may cost less; look again after
                        stop_reason = gh.exhausted or (f"GitHub budget nearly spent ({gh.remaining} requests "
                                                       f"left); it resets at {gh.reset_text()}")
                    break
                else:
                    t = queue.popleft()
                    running[pool.submit(enrich_repo, ctx, t)] = t
            if not running:
                break
            finished, _ = wait(list(running), timeout=BATCH_SECONDS, return_when=FIRST_COMPLETED)
            for fut in finished:
                t = running.pop(fut)
                try:
                    res = fut.result()
                except Unreachable as exc:
                    stop_reason = stop_reason or f"cannot reach {cfg.github.api_url}: {exc}"
                    queue.appendleft(t)
                    continue
                except (RateLimited, Stopped) as exc:
                    stop_reason = stop_reason or str(exc)
                    queue.appendleft(t)
                    continue
                except Exception as exc:  # noqa: BLE001 - one repository's bug must not end the crawl
                    log.debug("%s: enrichment failed", t.full_name, exc_info=True)
                    p = Problem(t.full_name, "internal", internal(exc, f"enriching {t.full_name}"))
                    batch.problems.append(p)
                    s.problems.append(p)
                    s.failed += 1
                    done += 1
                    continue
                _take(batch, s, res)
                done += 1
            if progress and finished:
                progress(s.source, done, len(targets))
            if len(batch.repo_projects) >= BATCH_REPOS or time.monotonic() - batch.written_at >= BATCH_SECONDS:
                _note_client(s, gh)
                s.repos_pending = len(queue) + len(running)
                batch.flush_soon()
    s.repos_pending = len(queue)
    if stop_reason:
        s.status = "stopped" if stop.is_set() else "partial"
        s.message = f"{stop_reason}; {len(queue)} repositories left pending for the next run"
        log.warning("%s: %s", s.source, s.message)


def _note_client(s: SourceSummary, gh: GitHubClient) -> None:
    s.requests, s.not_modified = gh.requests, gh.not_modified
    s.rate_remaining, s.rate_reset_at, s.rate_waited = gh.remaining, gh.reset_at, gh.rate_waited + s.graphql_waited


# -- one source -----------------------------------------------------------------------------------
def _crawl_source(cfg: Config, source: SourceConfig, progress: Progress | None, stop: threading.Event,
                  trigger: str) -> SourceSummary:
    s = SourceSummary(source.name, uuid.uuid4().hex[:12], trigger=trigger)
    _ACTIVE_RUNS.add(s.run_id)
    _start_run(cfg, source, s)
    log.info("%s: run %s started (%s)", source.name, s.run_id, source.kind)
    gh = GitHubClient(cfg.github, stop=stop)
    ctx = Context(config=cfg, source=source, github=gh, stored=stored_lookup(cfg), web_targets=web_targets(cfg))
    batch = _Batch(cfg, source, s.run_id, s)
    try:
        missing = source.missing_credential()
        if missing:
            s.status, s.message = "skipped", missing
            log.info("%s: %s", source.name, missing)
            return s
        try:
            for item in fetch_source(ctx):
                # between documents: a document's records in one write, so its digest can find them unchanged
                if isinstance(item, Document) and len(batch) >= BATCH_ITEMS or len(batch) >= BATCH_ITEMS_MAX:
                    batch.flush(defer=True)
                if isinstance(item, Document):
                    batch.docs.append(item)
                elif isinstance(item, Record):
                    batch.records.append(item)
                    s.records += 1
                else:
                    batch.problems.append(item)
                    s.problems.append(item)
                    s.failed += item.kind not in NOTICE_KINDS
                if stop.is_set():
                    raise Stopped("stopped on request")
        except (Unreachable, SourceUnreachable) as exc:
            where = cfg.github.api_url if isinstance(exc, Unreachable) else "the source"
            s.status, s.message = "unreachable", f"cannot reach {where}: {exc}"
        except RateLimited as exc:
            s.status, s.message = "partial", f"stopped before the list was read: {exc}"
        except Stopped:
            s.status, s.message = "stopped", "stopped on request before the list was read"
        except Exception as exc:  # noqa: BLE001 - an adapter's failure is recorded, never raised
            log.debug("%s: adapter failed", source.name, exc_info=True)
            s.status, s.message = "failed", internal(exc, f"the {source.kind} adapter")
        if s.status != "running":
            kind = {"unreachable": "unreachable", "partial": "rate-limit", "stopped": "stopped"}.get(s.status, "failed")
            batch.problems.append(Problem(source.name, kind, s.message or s.status))
            return s
        if _unreachable_only(batch):  # a hub adapter records its failed first request; the source as a whole is down
            first = next(p for p in batch.problems if p.kind == "unreachable")
            s.status, s.message = "unreachable", f"cannot reach the source: {first.message}"
            return s
        _enrich(cfg, gh, ctx, batch, s, progress, stop)
    except BaseException:  # KeyboardInterrupt, SystemExit, or a bug: the run is closed, then it goes on up
        s.status = "interrupted"
        s.message = s.message or "interrupted (Ctrl-C or an internal error); the next run goes on"
        raise
    finally:
        gh.close()
        _note_client(s, gh)
        if s.status == "running":
            s.status = "ok" if not s.failed else "partial"
        s.seconds = time.monotonic() - s.started
        try:
            _finish_run(batch)
        finally:
            _ACTIVE_RUNS.discard(s.run_id)
        log.info("%s: run %s %s in %.1f s", source.name, s.run_id, s.status, s.seconds)
    return s


def _unreachable_only(batch: _Batch) -> bool:
    """Whether a source gave nothing at all but problems saying it could not be reached."""
    kinds = {p.kind for p in batch.problems if p.kind not in NOTICE_KINDS}
    return kinds == {"unreachable"} and not batch.records and not batch.docs


class CrawlLocked(Exception):
    """Another crawl of the same registry is running: a second one would spend the API budget twice."""


@contextmanager
def crawl_lock(registry_path: Path) -> Iterator[None]:
    """Hold `REGISTRY.crawl.lock` (an advisory lock the OS drops when the process dies) for one crawl;
    CrawlLocked at once when another process holds it."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock (DuckDB's own file lock still keeps writes apart)
        yield
        return
    path = Path(f"{registry_path}.crawl.lock")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        f = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the whole crawl
    except OSError:
        yield  # a folder we cannot write: opening the registry says so in its own words
        return
    try:
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            f.seek(0)
            holder = f.read().strip()
            raise CrawlLocked(f"another crawl of {registry_path} is running ({holder or 'pid unknown'}); this one "
                              "stops so the API budget is not spent twice — wait for it, or stop it, then crawl "
                              "again") from None
        f.seek(0)
        f.truncate()
        f.write(f"pid {os.getpid()} on {socket.gethostname()}, since "
                f"{datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}")
        f.flush()
        yield
    finally:
        f.close()  # closing drops the lock


def crawl(cfg: Config, sources: list[str] | None = None, progress: Progress | None = None,
          stop: threading.Event | None = None, trigger: str = "cli") -> list[SourceSummary]:
    """Crawl the named sources (all when None), one after the other; never raises for a source's failure.

    ``stop`` (set by a signal handler) ends the run cleanly: work in flight finishes and is written, the
    rest stays pending for the next run. ``trigger`` is recorded in `crawl_runs` (cli | schedule).
    CrawlLocked (before anything is fetched) when another crawl of the same registry is running.
    """
    chosen = [cfg.source(n) for n in sources] if sources else list(cfg.sources)
    stop = stop or threading.Event()
    out = []
    with crawl_lock(cfg.registry_path):
        for source in chosen:
            if stop.is_set():
                break
            out.append(_crawl_source(cfg, source, progress, stop, trigger))
        if not stop.is_set():  # a stop asked for now; the next run sorts what this one appended
            _compact_search(cfg)
    return out


def _compact_search(cfg: Config) -> None:
    """Sort the search postings again if the run appended many (registry/search.py); a failure only costs speed."""
    try:
        with writer(cfg.registry_path) as con:
            compact_search(con)
    except Exception:
        log.warning("the search word index could not be compacted; searches stay correct, only slower",
                    exc_info=log.isEnabledFor(logging.DEBUG))
