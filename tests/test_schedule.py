"""`ohr schedule`: schedule syntax, one job per source calling the crawl, a clean stop on SIGTERM."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime

import duckdb
import pytest
from conftest import SOURCES, write_config

from crawler.schedule import ScheduleError, next_runs, parse_duration, parse_schedule


@pytest.mark.parametrize("text, seconds", [
    ("interval: 6h", 21600), ("interval:90s", 90), ("INTERVAL: 1h30m", 5400), ("interval: 1.5h", 5400),
    ("interval: 2d", 172800), ("interval: 15 m", 900),
])
def test_interval_schedules(text, seconds):
    s = parse_schedule(text)
    assert s.kind == "interval" and s.seconds == seconds


@pytest.mark.parametrize("text", [
    "every 6h", "6h", "interval: soon", "interval: 0s", "interval: 6", "cron: 0 * * *", "cron: 61 * * * *",
    "cron: 0 25 * * *", "cron: 0 0 * * 8", "hourly: 1", "",
])
def test_bad_schedules_say_what_is_wrong(text):
    with pytest.raises(ScheduleError) as exc:
        parse_schedule(text)
    assert str(exc.value)


def test_cron_follows_crontab_weekdays():
    start = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)  # a Thursday
    weekdays = [t.strftime("%a %H:%M") for t in next_runs(parse_schedule("cron: 0 9 * * 1-5"), "UTC", 3, start)]
    assert weekdays == ["Fri 09:00", "Mon 09:00", "Tue 09:00"]
    sundays = next_runs(parse_schedule("cron: 30 6 * * 0"), "UTC", 2, start)
    assert [t.strftime("%a %d %H:%M") for t in sundays] == ["Sun 04 06:30", "Sun 11 06:30"]
    assert [t.hour for t in next_runs(parse_schedule("cron: 0 */6 * * *"), "UTC", 3, start)] == [12, 18, 0]
    assert parse_duration("1h30m") == 5400


def _config(tmp_path, url: str, schedule: str = 'schedule = "interval: 1s"', extra_top: str = ""):
    cfg = write_config(tmp_path, url, SOURCES.replace('kind = "github-list"\n', f'kind = "github-list"\n{schedule}\n')
                       + '\n[[sources]]\nname = "unscheduled"\nkind = "github-list"\nrepo = "Lists/vent-list"\n')
    if extra_top:
        cfg.write_text(cfg.read_text() + "\n" + extra_top + "\n")
    return cfg


def test_each_job_calls_the_crawl_of_its_source(tmp_path, monkeypatch):
    from crawler import run
    from crawler.config import load_config
    from crawler.schedule import build_scheduler

    cfg = load_config(_config(tmp_path, "http://127.0.0.1:9", 'schedule = "cron: 15 */6 * * *"',
                              '[schedule]\nmisfire_grace_time = 120'))
    stop = threading.Event()
    sched = build_scheduler(cfg, stop)
    jobs = sched.get_jobs()
    assert [j.id for j in jobs] == ["vent-list"]  # the source without a schedule is not scheduled
    job = jobs[0]
    assert job.coalesce is True and job.max_instances == 1 and job.misfire_grace_time == 120
    assert "hour='*/6'" in str(job.trigger) and "minute='15'" in str(job.trigger)
    calls = []
    monkeypatch.setattr(run, "crawl", lambda *a, **kw: calls.append((a, kw)) or [])
    job.func(*job.args, **job.kwargs)
    assert calls == [((cfg, ["vent-list"]), {"stop": stop, "trigger": "schedule"})]


def test_schedule_config_errors(tmp_path, run_ohr):
    cfg = _config(tmp_path, "http://127.0.0.1:9", 'schedule = "every 6 hours"')
    r = run_ohr("schedule", "--config", str(cfg))
    assert r.code == 3 and "vent-list" in r.err and "interval" in r.err
    cfg = _config(tmp_path, "http://127.0.0.1:9", "", '[schedule]\ncadence = "6h"')
    r = run_ohr("schedule", "--config", str(cfg))
    assert r.code == 3 and "cadence" in r.err
    cfg = _config(tmp_path, "http://127.0.0.1:9", "")
    r = run_ohr("schedule", "--config", str(cfg))
    assert r.code == 3 and "no source has a schedule" in r.err
    cfg = _config(tmp_path, "http://127.0.0.1:9", "", '[schedule]\ndefault = "interval: 12h"')
    r = run_ohr("schedule", "--config", str(cfg), "--check")
    assert r.code == 0 and "vent-list" in r.out and "unscheduled" in r.out and "interval: 12h" in r.out


class _Lines:
    """A subprocess's stderr read line by line in the background, so the test can wait for a line."""

    def __init__(self, stream) -> None:
        self.q: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=lambda: [self.q.put(line) for line in stream], daemon=True).start()

    def text(self) -> str:
        """Everything read so far (for failure messages)."""
        while not self.q.empty():
            self.seen.append(self.q.get())
        return "".join(self.seen)

    def wait_for(self, text: str, timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.q.get(timeout=0.1)
            except queue.Empty:
                continue
            self.seen.append(line)
            if text in line:
                return line
        raise AssertionError(f"no line with {text!r} in:\n" + "".join(self.seen))


def _start(cfg, *args: str) -> tuple[subprocess.Popen, _Lines]:
    env = dict(os.environ, GITHUB_TOKEN="test-token-not-secret")
    proc = subprocess.Popen([sys.executable, "-m", "queries.cli", "schedule", "--config", str(cfg), *args],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return proc, _Lines(proc.stderr)


def test_schedule_runs_logs_and_stops_cleanly_on_sigterm(tmp_path, world):
    _, db, gh = world
    cfg = _config(tmp_path, gh.url)
    proc, lines = _start(cfg)
    try:
        lines.wait_for("scheduler started")
        lines.wait_for("scheduled crawl ok")
        lines.wait_for("next run at")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
        lines.wait_for("scheduler stopped", timeout=5)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    con = duckdb.connect(str(db), read_only=True)
    try:
        runs = con.execute("SELECT source, trigger, status FROM crawl_runs").fetchall()
        projects = con.execute("SELECT count(*) FROM projects").fetchone()[0]
    finally:
        con.close()
    assert runs and all(r == ("vent-list", "schedule", "ok") for r in runs)
    assert projects == 5


def test_sigterm_during_a_crawl_stops_it_with_work_pending(tmp_path, world):
    _, db, gh = world
    gh.latency = 0.3
    cfg = _config(tmp_path, gh.url, 'schedule = "interval: 1h"')
    cfg.write_text(cfg.read_text().replace("[github]\n", "[github]\nconcurrency = 1\n"))
    proc, lines = _start(cfg, "--now")
    try:
        lines.wait_for("GitHub repositories to enrich")
        proc.send_signal(signal.SIGTERM)
        try:
            assert proc.wait(timeout=20) == 0
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGQUIT)
            time.sleep(0.5)
            raise AssertionError("did not stop:\n" + lines.text()) from None
        lines.wait_for("scheduled crawl stopped", timeout=5)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    con = duckdb.connect(str(db), read_only=True)
    try:
        status, pending, finished = con.execute(
            "SELECT status, items_pending, finished_at IS NOT NULL FROM crawl_runs").fetchone()
    finally:
        con.close()
    assert status == "stopped" and pending >= 1 and finished
