"""Tell a person what a crawl is doing: a rich progress bar on a terminal, timestamped log lines otherwise.

The crawler only logs (logger `ohr`) and calls a progress callback; this module decides how that shows,
so `ohr crawl` on a terminal, `ohr crawl` under cron (`--quiet`: warnings only) and `ohr schedule`
share one vocabulary. Handlers are attached for one command and removed after it.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO

__all__ = ["LOG_FORMAT", "Progress", "plain_handler", "reporting"]

Progress = Callable[[str, int, int], None]

LOG_FORMAT = "%(asctime)s %(levelname)s %(message)s"
#: A plain progress line is written at most this often per source (and at every tenth of the way).
PLAIN_EVERY_SECONDS = 10.0


class _UTCFormatter(logging.Formatter):
    converter = time.gmtime

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", self.converter(record.created))


def plain_handler(stream: IO[str]) -> logging.Handler:
    """A handler writing `2026-01-01T00:00:00Z INFO message` lines (for cron, pipes and `ohr schedule`)."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(_UTCFormatter(LOG_FORMAT))
    return handler


def _plain_progress(logger: logging.Logger) -> Progress:
    last: dict[str, tuple[float, int]] = {}

    def progress(source: str, done: int, total: int) -> None:
        now = time.monotonic()
        at, step = last.get(source, (0.0, -1))
        tenth = done * 10 // total if total else 10
        if done == 0 and source in last:
            return
        if done in (0, total) or tenth > step or now - at >= PLAIN_EVERY_SECONDS:
            last[source] = (now, tenth)
            logger.info("%s: %d/%d repositories", source, done, total)

    return progress


@contextmanager
def reporting(quiet: bool = False, stream: IO[str] | None = None, tty: bool | None = None) -> Iterator[Progress | None]:
    """Show crawl logs and progress on ``stream`` (stderr) for one command; yields the progress callback."""
    stream = stream or sys.stderr
    if tty is None:
        tty = bool(getattr(stream, "isatty", lambda: False)())
    logger = logging.getLogger("ohr")
    old_level, old_propagate = logger.level, logger.propagate
    bar = None
    callback: Progress | None
    if tty and not quiet:
        from rich.console import Console
        from rich.logging import RichHandler
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        console = Console(file=stream)
        bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                       console=console, transient=True)
        handler: logging.Handler = RichHandler(console=console, show_path=False, markup=False)
        tasks: dict[str, object] = {}

        def callback(source: str, done: int, total: int) -> None:
            if source not in tasks:
                tasks[source] = bar.add_task(f"{source}: repositories", total=total)
            bar.update(tasks[source], completed=done, total=total)  # type: ignore[arg-type]

        bar.start()
    else:
        handler = plain_handler(stream)
        callback = None if quiet else _plain_progress(logger)
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING if quiet else logging.INFO)
    logger.propagate = False
    try:
        yield callback
    finally:
        if bar is not None:
            bar.stop()
        logger.removeHandler(handler)
        logger.setLevel(old_level)
        logger.propagate = old_propagate
