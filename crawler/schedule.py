"""Run crawls on a schedule (`ohr schedule`): one APScheduler 3 job per source, each calling `crawler.run.crawl`.

Schedule syntax — a source's `schedule` key, or `[schedule] default` for sources without one:

    schedule = "cron: 0 */6 * * *"    five crontab fields: minute hour day-of-month month day-of-week
                                      (standard crontab: 0 or 7 is Sunday), in `[schedule] timezone`
    schedule = "interval: 6h"         a duration: 90s, 15m, 6h, 1d, 1h30m, 1.5h (at least 1 s)

Jobs coalesce (a backlog of missed runs is one run), never overlap (`max_instances=1`), and run one at a
time (one writer, one GitHub budget); a run later than `[schedule] misfire_grace_time` is skipped with a
warning. SIGTERM or SIGINT stops the scheduler cleanly: a running crawl finishes its requests in flight,
writes what it fetched, records the rest as pending, and the process exits 0.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from crawler import run
from crawler.config import Config, SourceConfig

__all__ = ["Schedule", "ScheduleError", "build_scheduler", "crawl_job", "next_runs", "parse_duration",
           "parse_schedule", "run_schedule", "source_schedules"]

log = logging.getLogger("ohr.schedule")

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])")
_DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]


class ScheduleError(ValueError):
    """A schedule expression that cannot be read."""


@dataclass(frozen=True)
class Schedule:
    """When a source is crawled: a crontab expression or a fixed interval in seconds."""

    kind: str  # cron | interval
    expr: str
    seconds: float | None = None

    def __str__(self) -> str:
        return f"{self.kind}: {self.expr}"


def parse_duration(text: str) -> float:
    """Seconds in a duration like `90s`, `15m`, `6h`, `1d`, `1h30m` or `1.5h`."""
    compact = text.strip().lower().replace(" ", "")
    if not compact or _DURATION.sub("", compact):
        raise ScheduleError(f"{text!r} is not a duration (use e.g. 90s, 15m, 6h, 1d, 1h30m)")
    return sum(float(n) * _UNITS[u] for n, u in _DURATION.findall(compact))


def _crontab_weekdays(field: str) -> str:
    """A crontab day-of-week field (0 or 7 = Sunday) as APScheduler day names (its 0 is Monday)."""
    if field == "*":
        return field

    def day(v: str) -> int:
        v = v.lower()
        if v[:3] in _DAYS:
            return _DAYS.index(v[:3])
        if not v.isdigit() or int(v) > 7:
            raise ScheduleError(f"day of week {v!r} is not 0-7 or a day name")
        return int(v) % 7

    days: set[int] = set()
    for part in field.split(","):
        rng, _, step = part.partition("/")
        if rng == "*":
            lo, hi = 0, 6
        elif "-" in rng:
            a, b = rng.split("-", 1)
            lo, hi = day(a), day(b)
            if b.strip() == "7":
                hi = 7
        else:
            lo = hi = day(rng)
        if step and not step.isdigit():
            raise ScheduleError(f"day-of-week step {step!r} is not a number")
        days.update(d % 7 for d in range(lo, hi + 1, int(step or 1)))
    return ",".join(_DAYS[d] for d in sorted(days))


def parse_schedule(text: str) -> Schedule:
    """Read `cron: <5 fields>` or `interval: <duration>`; ScheduleError says what is wrong."""
    kind, sep, expr = (text or "").partition(":")
    kind, expr = kind.strip().lower(), " ".join(expr.split())
    if not sep or kind not in ("cron", "interval") or not expr:
        raise ScheduleError(f"schedule {text!r} must be \"cron: <min hour day month weekday>\" "
                            f"or \"interval: <duration>\" (e.g. \"cron: 0 */6 * * *\", \"interval: 6h\")")
    if kind == "interval":
        seconds = parse_duration(expr)
        if seconds < 1:
            raise ScheduleError(f"interval {expr!r} is shorter than one second")
        return Schedule("interval", expr, seconds)
    fields = expr.split()
    if len(fields) != 5:
        raise ScheduleError(f"cron expression {expr!r} needs 5 fields (minute hour day month weekday), "
                            f"not {len(fields)}")
    schedule = Schedule("cron", expr)
    make_trigger(schedule, "UTC")  # validates every field
    return schedule


def make_trigger(schedule: Schedule, timezone: str) -> Any:
    """The APScheduler trigger of a schedule."""
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    if schedule.kind == "interval":
        return IntervalTrigger(seconds=schedule.seconds, timezone=timezone)
    minute, hour, day, month, weekday = schedule.expr.split()
    try:
        return CronTrigger(minute=minute, hour=hour, day=day, month=month,
                           day_of_week=_crontab_weekdays(weekday), timezone=timezone)
    except ValueError as exc:
        raise ScheduleError(f"cron expression {schedule.expr!r}: {exc}") from None


def source_schedules(cfg: Config, names: list[str] | None = None) -> list[tuple[SourceConfig, Schedule]]:
    """Each (chosen) source with its schedule; sources with none and no `[schedule] default` are left out."""
    chosen = [cfg.source(n) for n in names] if names else list(cfg.sources)
    out = []
    for source in chosen:
        text = source.schedule or cfg.schedule.default
        if not text:
            continue
        try:
            out.append((source, parse_schedule(text)))
        except ScheduleError as exc:
            raise ScheduleError(f"source {source.name!r}: {exc}") from None
    return out


def next_runs(schedule: Schedule, timezone: str, count: int = 3, start: datetime | None = None) -> list[datetime]:
    """The next ``count`` times a schedule fires (for `ohr schedule --check` and the start-up log)."""
    trigger = make_trigger(schedule, timezone)
    now = start or datetime.now(UTC)
    out: list[datetime] = []
    prev = None
    while len(out) < count:
        nxt = trigger.get_next_fire_time(prev, now)
        if nxt is None:
            break
        out.append(nxt)
        prev, now = nxt, nxt
    return out


def crawl_job(cfg: Config, name: str, stop: threading.Event) -> list:
    """One scheduled run: exactly what `ohr crawl --source NAME` calls, logged; never raises."""
    log.info("%s: scheduled crawl starting", name)
    try:
        summaries = run.crawl(cfg, [name], stop=stop, trigger="schedule")
    except run.CrawlLocked as exc:
        log.warning("%s: scheduled crawl skipped: %s", name, exc)
        return []
    except Exception as exc:  # noqa: BLE001 - a failed run must not end the scheduler (e.g. registry busy)
        log.error("%s: scheduled crawl failed: %s: %s", name, type(exc).__name__, exc)
        return []
    for s in summaries:
        level = logging.INFO if s.status == "ok" else logging.WARNING
        log.log(level, "%s: scheduled crawl %s — %s", name, s.status, run.summary_line(s))
        if s.message and s.status != "ok":
            log.warning("%s: %s", name, s.message)
    return summaries


#: The scheduler's main thread wakes at least this often, so a signal's Python handler gets to run.
WAKE_SECONDS = 0.5


def _scheduler_class() -> type:
    """BlockingScheduler whose main loop never sleeps longer than WAKE_SECONDS.

    Python runs signal handlers in the main thread only, between bytecodes; when SIGTERM is delivered to
    another thread (a busy crawl has many), the main thread's wait for the next fire time (hours) is not
    interrupted, and the scheduler would not stop until then.
    """
    from apscheduler.schedulers.blocking import BlockingScheduler

    class _WakingScheduler(BlockingScheduler):
        def _process_jobs(self) -> float:
            wait = super()._process_jobs()
            return WAKE_SECONDS if wait is None else min(wait, WAKE_SECONDS)

    return _WakingScheduler


def build_scheduler(cfg: Config, stop: threading.Event, names: list[str] | None = None, now: bool = False,
                    job: Callable[..., Any] = crawl_job) -> Any:
    """A BlockingScheduler with one job per scheduled source (one worker: crawls never overlap)."""
    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED
    from apscheduler.executors.pool import ThreadPoolExecutor

    pairs = source_schedules(cfg, names)
    if not pairs:
        raise ScheduleError("no source has a schedule: give a [[sources]] a schedule = \"interval: 6h\" "
                            "(or set [schedule] default)")
    tz = cfg.schedule.timezone
    options = {"coalesce": True, "max_instances": 1, "misfire_grace_time": max(1, int(cfg.schedule.misfire_grace_time))}
    sched = _scheduler_class()(executors={"default": ThreadPoolExecutor(max_workers=1)}, job_defaults=options,
                              timezone=tz)
    for source, schedule in pairs:
        extra = {"next_run_time": datetime.now(sched.timezone)} if now else {}
        sched.add_job(job, make_trigger(schedule, tz), args=(cfg, source.name, stop), id=source.name,
                      name=f"crawl {source.name}", replace_existing=True, **options, **extra)

    def on_event(event: Any) -> None:
        if event.code == EVENT_JOB_MISSED:
            log.warning("%s: run due at %s was missed by more than misfire_grace_time (%g s); skipped",
                        event.job_id, event.scheduled_run_time, cfg.schedule.misfire_grace_time)
        elif event.code == EVENT_JOB_MAX_INSTANCES:
            log.warning("%s: previous run still going; this one skipped", event.job_id)
        elif event.code == EVENT_JOB_ERROR:
            log.error("%s: job raised %s", event.job_id, event.exception)

    sched.add_listener(on_event, EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES | EVENT_JOB_ERROR)
    return sched


def run_schedule(cfg: Config, names: list[str] | None = None, now: bool = False) -> int:
    """Block running scheduled crawls until SIGTERM/SIGINT; returns 0 after a clean stop."""
    from apscheduler.events import EVENT_JOB_EXECUTED

    stop = threading.Event()
    idle = threading.Condition()
    active = [0]

    def tracked(cfg: Config, name: str, stop: threading.Event) -> list:
        with idle:
            active[0] += 1
        try:
            return crawl_job(cfg, name, stop)
        finally:
            with idle:
                active[0] -= 1
                idle.notify_all()

    sched = build_scheduler(cfg, stop, names, now, job=tracked)

    def on_done(event: Any) -> None:
        job = sched.get_job(event.job_id)
        if job is not None and job.next_run_time is not None and not stop.is_set():
            log.info("%s: next run at %s", event.job_id, job.next_run_time.isoformat(timespec="seconds"))

    sched.add_listener(on_done, EVENT_JOB_EXECUTED)

    def on_signal(signum: int, _frame: object) -> None:
        name = signal.Signals(signum).name
        if stop.is_set():
            log.warning("%s again: exiting at once; the next run closes the interrupted one", name)
            os._exit(128 + signum)
        log.info("%s: stopping — a running crawl finishes its requests in flight, writes them and leaves "
                 "the rest pending", name)
        stop.set()
        # shutting down from inside the handler could meet a lock the interrupted main thread holds
        threading.Thread(target=sched.shutdown, kwargs={"wait": False}, daemon=True).start()

    old = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        pairs = source_schedules(cfg, names)
        for source, schedule in pairs:
            first = next_runs(schedule, cfg.schedule.timezone, 1)
            log.info("%s: %s; first run %s", source.name, schedule,
                     "now" if now else (first[0].isoformat(timespec="seconds") if first else "never"))
        unscheduled = [x.name for x in cfg.sources if x.name not in {p.name for p, _ in pairs}]
        if unscheduled and not names:
            log.info("not scheduled (no schedule key and no [schedule] default): %s", ", ".join(unscheduled))
        log.info("scheduler started (pid %d); SIGTERM or Ctrl-C stops it", os.getpid())
        sched.start()  # blocks until on_signal shuts it down
        with idle:
            if active[0]:
                log.info("waiting for the running crawl to stop")
            while active[0] > 0:  # short waits: a second signal must get through (see _scheduler_class)
                idle.wait(WAKE_SECONDS)
        log.info("scheduler stopped")
        return 0
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)
