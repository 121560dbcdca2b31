"""Run a crawl: each source's adapter, then GitHub enrichment, written to the registry in short batches.

The write lock is held only while a batch is written, so `ohr search` keeps working during a crawl.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from crawler.base import Context, Document, Problem, Record, adapter_for
from crawler.config import Config, SourceConfig
from crawler.github import GitHubClient, RateLimited, Unreachable

__all__ = ["SourceSummary", "crawl"]

BATCH_DOCS = 50


@dataclass
class SourceSummary:
    """What one source's run did, for the CLI and for `crawl_runs`."""

    source: str
    run_id: str
    status: str = "running"  # ok | partial | unreachable | failed
    records: int = 0
    new: int = 0
    repos: int = 0
    repos_new: int = 0
    repos_changed: int = 0
    repos_unchanged: int = 0
    repos_pending: int = 0
    failed: int = 0
    requests: int = 0
    not_modified: int = 0
    rate_remaining: int | None = None
    message: str | None = None
    problems: list[Problem] = field(default_factory=list)


Progress = Callable[[str, int, int], None]


class _Batch:
    """Buffers what a source yields and writes it in one short write session."""

    def __init__(self, cfg: Config, source: SourceConfig, run_id: str) -> None:
        self.cfg, self.source, self.run_id = cfg, source, run_id
        self.docs: list[Document] = []
        self.records: list[Record] = []
        self.problems: list[Problem] = []
        self.repo_projects: set[str] = set()
        self.project_ids: set[str] = set()

    def __len__(self) -> int:
        return len(self.docs) + len(self.records)

    def flush(self) -> dict[str, int]:
        from registry import changes, derive
        from registry.db import now, writer

        counts = {"new": 0, "seen": 0}
        if not (self.docs or self.records or self.problems or self.repo_projects):
            return counts
        ts = now()
        with writer(self.cfg.registry_path) as con:
            con.execute("BEGIN TRANSACTION")
            derive.store_documents(con, self.docs)
            if self.records:
                # a record was seen when its document was fetched: renormalize gives the same timestamps
                fetched = {d.url: d.fetched_at for d in self.docs}
                groups: dict[datetime, list[Record]] = {}
                for r in self.records:
                    groups.setdefault(fetched.get(r.document_url or "", ts), []).append(r)
                for seen_at, recs in groups.items():
                    c = derive.store_records(con, recs, seen_at)
                    counts = {k: counts[k] + c[k] for k in counts}
            derive.store_problems(con, self.run_id, self.source.name, self.problems, ts)
            touched = set(self.repo_projects)
            if self.records:
                rows = con.execute(
                    "SELECT DISTINCT project_id FROM source_records WHERE source = $1 "
                    "AND record_key IN (SELECT UNNEST($2::VARCHAR[]))",
                    [self.source.name, [r.key for r in self.records]],
                ).fetchall()
                self.project_ids.update(r[0] for r in rows)
                touched.update(r[0] for r in rows)
            if touched:
                derive.derive_repos(con, touched)
                derive.refresh_projects(con, touched)
            # curation (issue 6): keep this last — it diffs v_projects_crawled against the last snapshot
            changes.record_changes(con, touched, run_id=self.run_id)
            con.execute("COMMIT")
        self.docs, self.records, self.problems = [], [], []
        self.repo_projects = set()
        return counts


def _stored_lookup(cfg: Config) -> Callable[[str], Document | None]:
    """Read one stored document (with content) by URL, for conditional requests and 304 re-parses."""

    def lookup(url: str) -> Document | None:
        from registry.db import writer

        if not cfg.registry_path.exists():
            return None
        with writer(cfg.registry_path) as con:
            row = con.execute(
                "SELECT url, doc_kind, source, fetched_at, status, content, etag, last_modified, content_type, "
                "project_id, path, sha FROM documents WHERE url = ?", [url]).fetchone()
        if row is None:
            return None
        return Document(url=row[0], doc_kind=row[1], source=row[2], fetched_at=row[3], status=row[4],
                        content=row[5], etag=row[6], last_modified=row[7], content_type=row[8],
                        project_id=row[9], path=row[10], sha=row[11])

    return lookup


def _start_run(cfg: Config, source: SourceConfig, run_id: str, started: datetime) -> None:
    from registry.db import writer
    from registry.store import upsert

    with writer(cfg.registry_path) as con:
        upsert(con, "sources", [{"name": source.name, "kind": source.kind, "config": source.options,
                                 "first_run": started, "last_run": started, "last_status": "running"}],
               key=["name"], keep=["first_run"])
        upsert(con, "crawl_runs", [{"run_id": run_id, "source": source.name, "started_at": started,
                                    "status": "running"}], key=["run_id", "source"])


def _finish_run(cfg: Config, source: SourceConfig, s: SourceSummary) -> None:
    from registry.db import now, writer
    from registry.store import upsert

    with writer(cfg.registry_path) as con:
        upsert(con, "crawl_runs", [{
            "run_id": s.run_id, "source": source.name, "finished_at": now(), "status": s.status,
            "items_seen": s.records + s.repos, "items_new": s.new + s.repos_new,
            "items_changed": s.repos_changed, "items_unchanged": s.repos_unchanged,
            "items_failed": s.failed, "items_pending": s.repos_pending, "requests": s.requests,
            "not_modified": s.not_modified, "rate_remaining": s.rate_remaining, "message": s.message,
        }], key=["run_id", "source"])
        upsert(con, "sources", [{"name": source.name, "kind": source.kind, "last_status": s.status,
                                 "last_error": s.message if s.status != "ok" else None}],
               key=["name"])


def _repo_targets(cfg: Config, project_ids: set[str]) -> list:
    from crawler.github_repos import RepoTarget
    from registry import derive
    from registry.db import writer

    with writer(cfg.registry_path) as con:
        pairs = derive.github_targets(con, project_ids)
        ids = [p for p, _ in pairs]
        docs: dict[str, dict[str, Document]] = {}
        for url, kind, pid, status, etag, path in con.execute(
            "SELECT url, doc_kind, project_id, status, etag, path FROM documents "
            "WHERE project_id IN (SELECT UNNEST($1::VARCHAR[])) AND doc_kind IN ('repo', 'tree', 'readme', 'file')",
            [ids],
        ).fetchall():
            docs.setdefault(pid, {})[url] = Document(url=url, doc_kind=kind, source="", fetched_at=datetime.min,
                                                     status=status, etag=etag, project_id=pid, path=path)
        pushed = dict(con.execute(
            "SELECT project_id, strftime(pushed_at, '%Y-%m-%dT%H:%M:%SZ') FROM repos "
            "WHERE project_id IN (SELECT UNNEST($1::VARCHAR[]))", [ids]).fetchall())
        status = dict(con.execute(
            "SELECT project_id, status FROM repos WHERE project_id IN (SELECT UNNEST($1::VARCHAR[]))",
            [ids]).fetchall())
    targets = [RepoTarget(pid, name, docs.get(pid, {}), pushed.get(pid)) for pid, name in pairs]
    # never-fetched (pending) repositories first, so a small budget finishes what the last run left
    targets.sort(key=lambda t: (status.get(t.project_id) not in (None, "pending"), t.project_id))
    return targets


def _crawl_source(cfg: Config, source: SourceConfig, progress: Progress | None) -> SourceSummary:
    from registry.db import now

    run_id = uuid.uuid4().hex[:12]
    s = SourceSummary(source.name, run_id)
    _start_run(cfg, source, run_id, now())
    gh = GitHubClient(cfg.github)
    ctx = Context(config=cfg, source=source, github=gh, stored=_stored_lookup(cfg))
    batch = _Batch(cfg, source, run_id)
    adapter = adapter_for(source.kind)
    try:
        try:
            for item in adapter.fetch(ctx):
                if isinstance(item, Document):
                    batch.docs.append(item)
                elif isinstance(item, Record):
                    batch.records.append(item)
                    s.records += 1
                else:
                    batch.problems.append(item)
                    s.problems.append(item)
                    s.failed += 1
                if len(batch) >= 500:
                    s.new += batch.flush()["new"]
            s.new += batch.flush()["new"]
        except Unreachable as exc:
            s.status, s.message = "unreachable", f"cannot reach {cfg.github.api_url}: {exc}"
            batch.problems.append(Problem(source.name, "unreachable", s.message))
            batch.flush()
            return s
        except RateLimited as exc:
            s.status, s.message = "partial", f"GitHub rate limit reached before the list was read: {exc}"
            batch.problems.append(Problem(source.name, "rate-limit", s.message))
            batch.flush()
            return s
        _enrich(cfg, gh, ctx, batch, s, progress)
    finally:
        s.requests, s.not_modified = gh.requests, gh.not_modified
        s.rate_remaining = gh.remaining
        if s.status == "running":
            s.status = "ok" if not s.failed else "partial"
        _finish_run(cfg, source, s)
    return s


def _enrich(cfg: Config, gh: GitHubClient, ctx: Context, batch: _Batch, s: SourceSummary,
            progress: Progress | None) -> None:
    from crawler.github_repos import enrich_repo

    targets = _repo_targets(cfg, batch.project_ids)
    s.repos = len(targets)
    if not targets:
        return
    gh.refresh_budget()
    done = 0
    stop_reason: str | None = None
    pending = list(targets)
    workers = max(1, cfg.github.concurrency)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        while pending and stop_reason is None:
            wave = []
            while pending and len(wave) < workers * 4:
                if not gh.budget_left(need=3 * (len(wave) + 1)):
                    stop_reason = (f"GitHub budget spent ({gh.remaining} requests left); "
                                   f"{len(pending)} repositories pending until {gh.reset_text()}")
                    break
                wave.append(pending.pop(0))
            results = []
            futures = [pool.submit(enrich_repo, ctx, t) for t in wave]
            for t, fut in zip(wave, futures, strict=True):
                try:
                    results.append(fut.result())
                except RateLimited as exc:
                    stop_reason = f"{exc}; repositories left pending until {gh.reset_text()}"
                    pending.insert(0, t)
                except Unreachable as exc:
                    stop_reason = f"cannot reach {cfg.github.api_url}: {exc}"
                    pending.insert(0, t)
            for res in results:
                batch.docs.extend(res.documents)
                batch.problems.extend(res.problems)
                s.problems.extend(res.problems)
                batch.repo_projects.add(res.target.project_id)
                if res.outcome == "new":
                    s.repos_new += 1
                elif res.outcome in ("changed", "moved"):
                    s.repos_changed += 1
                elif res.outcome == "unchanged":
                    s.repos_unchanged += 1
                if res.outcome == "failed":
                    s.failed += 1
                done += 1
                if progress:
                    progress(s.source, done, len(targets))
            batch.flush()
    s.repos_pending = len(pending)
    if stop_reason:
        s.status = "partial"
        s.message = stop_reason


def crawl(cfg: Config, sources: list[str] | None = None, progress: Progress | None = None) -> list[SourceSummary]:
    """Crawl the named sources (all when None), one after the other; never raises for a source's failure."""
    chosen = [cfg.source(n) for n in sources] if sources else list(cfg.sources)
    out = []
    for source in chosen:
        out.append(_crawl_source(cfg, source, progress))
    return out
