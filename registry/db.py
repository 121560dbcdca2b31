"""Open the registry file: short write sessions, read-only opens that wait out a writer, migrations."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb

__all__ = [
    "NotARegistry",
    "RegistryBusy",
    "RegistryError",
    "RegistryMissing",
    "RegistryTooNew",
    "RegistryUnopenable",
    "SCHEMA_VERSION",
    "file_stamp",
    "given_path",
    "migrate",
    "now",
    "reader",
    "writer",
    "schema_version",
    "sql_reader",
]


class RegistryError(Exception):
    """A registry file that cannot be used as asked; the message says what to do (the CLI prints it as is)."""


class RegistryMissing(RegistryError):
    """The registry file does not exist yet."""


class RegistryBusy(RegistryError):
    """Another process held the registry longer than we were willing to wait."""


class NotARegistry(RegistryError):
    """The file is a DuckDB database (or an empty file) that ohr did not create: ohr never writes into it."""


class RegistryUnopenable(RegistryError):
    """The path cannot hold or open a registry: not a DuckDB file (corrupt, truncated), a folder, no permission."""


class RegistryTooNew(RegistryError):
    """The registry was written by a newer ohr whose schema this one does not know."""


def now() -> datetime:
    """The current UTC time without tzinfo, as the registry stores timestamps."""
    return datetime.now(UTC).replace(tzinfo=None)


def given_path(db: str | Path | None) -> Path | None:
    """The registry path given outright (--db, else $OHR_DB), which wins over the config's: the rule lives here only."""
    if db:
        return Path(db)
    env = os.environ.get("OHR_DB")
    return Path(env) if env else None


def _migrations() -> list[tuple[int, str, str]]:
    out = []
    for entry in resources.files("registry").joinpath("migrations").iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            out.append((int(name[:4]), name[5:-4], entry.read_text(encoding="utf-8")))
    return sorted(out)


SCHEMA_VERSION: int = max(v for v, _, _ in _migrations())
_VERSIONS: frozenset[int] = frozenset(v for v, _, _ in _migrations())


def _is_lock_error(exc: Exception) -> bool:
    msg = str(exc).lower()
    return "lock" in msg and ("conflicting" in msg or "could not set" in msg)


# DuckDB prints its own progress bar on stdout for statements over 2 s (a migration's UPDATE, say): it would
# land in `ohr` output and exports; ohr reports progress itself.
_QUIET = "SET enable_progress_bar = false"


def _wait_seconds(default: float) -> float:
    try:
        return float(os.environ.get("OHR_LOCK_WAIT", default))
    except ValueError:
        return default


def _open(path: Path, read_only: bool, wait: float) -> duckdb.DuckDBPyConnection:
    import duckdb

    deadline = time.monotonic() + wait
    delay = 0.02
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            con.execute(_QUIET)
            return con
        except duckdb.IOException as exc:
            if not _is_lock_error(exc):
                raise _unopenable(path, exc) from None
            if time.monotonic() >= deadline:
                raise RegistryBusy(
                    f"registry {path} is locked by another process (waited {wait:.0f} s)"
                ) from None
            time.sleep(delay)
            delay = min(delay * 1.5, 0.25)


def _unopenable(path: Path, exc: BaseException) -> RegistryError:
    """The user-facing error for a registry path DuckDB (or the file system) refused, saying what to do."""
    text = str(exc)
    if "not a valid DuckDB database" in text:
        return RegistryUnopenable(f"{path} is not a DuckDB database (corrupt, truncated or another kind of file); "
                                  "pass --db with your registry file, or a new file name for `ohr crawl`")
    why = getattr(exc, "strerror", None) or text.split(": ")[-1].strip().rstrip(".")
    return RegistryUnopenable(f"cannot open the registry at {path}: {why}; pass --db with a file in a folder "
                              "you can write to")


def _check_is_registry(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """The file's schema version; NotARegistry when it holds tables but not ohr's (0 for a file with none)."""
    version = schema_version(con)
    if version == 0:
        (tables,) = con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database()"
                                ).fetchone()  # type: ignore[misc]
        (views,) = con.execute("SELECT count(*) FROM duckdb_views() WHERE NOT internal "
                               "AND database_name = current_database()").fetchone()  # type: ignore[misc]
        if tables or views:
            raise NotARegistry(f"{path} is a DuckDB database but not an ohr registry (no schema_version table); "
                               "ohr will not write into it: pass --db with your registry file, or a new file name "
                               "for `ohr crawl`")
    elif version > SCHEMA_VERSION:
        raise RegistryTooNew(f"registry {path} has schema {version}, newer than this ohr understands "
                             f"({SCHEMA_VERSION}); upgrade ohr")
    return version


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The schema version a registry file is at (0 for a new file)."""
    has = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
    ).fetchone()[0]
    if not has:
        return 0
    row = con.execute("SELECT max(version) FROM schema_version").fetchone()
    return int(row[0] or 0)


def _pending(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether some migration file is not applied to this registry yet."""
    if schema_version(con) == 0:
        return True
    applied = {v for (v,) in con.execute("SELECT version FROM schema_version").fetchall()}
    return not _VERSIONS <= applied


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Bring a registry up to the current schema in place, one transaction per step; never drops data."""
    current = schema_version(con)
    if current == 0:
        con.execute(
            "CREATE TABLE IF NOT EXISTS schema_version "
            "(version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
        )
    if current > SCHEMA_VERSION:
        raise RegistryTooNew(
            f"registry schema {current} is newer than this ohr understands ({SCHEMA_VERSION}); upgrade ohr"
        )
    # every file not applied yet, not just those above the highest: numbers are reserved per feature,
    # so 0005 may land after a registry already has 0006
    applied = {v for (v,) in con.execute("SELECT version FROM schema_version").fetchall()}
    for version, name, sql in _migrations():
        if version in applied:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(sql)
            con.execute("INSERT INTO schema_version VALUES (?, ?, ?)", [version, name, now()])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
    return SCHEMA_VERSION


_migrated: set[str] = set()


def file_stamp(path: str | Path) -> tuple[Any, ...]:
    """The registry file's and its WAL's modification times and sizes: a write by any process changes them (opening
    and closing without writing does not), so a caller can tell whether someone wrote since it last looked."""
    out: list[Any] = []
    for p in (Path(path), Path(f"{path}.wal")):
        try:
            st = p.stat()
            out += [st.st_mtime_ns, st.st_size]
        except FileNotFoundError:
            out += [None, None]
    return tuple(out)


@contextmanager
def writer(path: str | Path, wait: float | None = None, create: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection held only for one batch, then closed so readers can get in.

    ``create`` lets a new or empty (0-byte) file become a registry (`ohr crawl`); a DuckDB file ohr did not
    create is refused either way, before anything is written to it.
    """
    p = Path(path)
    if not p.exists() and not create:
        raise RegistryMissing(f"no registry at {p}; run `ohr crawl` first (or pass --db)")
    try:
        if p.parent and not p.parent.exists():
            p.parent.mkdir(parents=True, exist_ok=True)
        if p.is_dir():
            raise IsADirectoryError(21, "it is a folder")
        if p.exists() and p.stat().st_size == 0 and not Path(f"{p}.wal").exists():
            if not create:
                raise NotARegistry(f"{p} is an empty file, not an ohr registry; run `ohr crawl --db {p}` to make "
                                   "it one")
            p.unlink()  # an empty file (`touch registry.duckdb`) holds nothing: DuckDB starts it afresh
    except OSError as exc:
        raise _unopenable(p, exc) from None
    con = _open(p, read_only=False, wait=_wait_seconds(60.0) if wait is None else wait)
    try:
        key = str(p.resolve())
        from registry.store import share_column_types

        fresh = key not in _migrated
        if fresh:
            if _check_is_registry(con, p) == 0 and not create:
                raise NotARegistry(f"{p} holds no ohr registry yet; run `ohr crawl --db {p}` first")
            migrate(con)
            _migrated.add(key)
        share_column_types(con, key, fresh)
        yield con
    finally:
        con.close()


@contextmanager
def reader(path: str | Path, wait: float | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection; waits briefly while a crawl holds the write lock for a batch."""
    p = Path(path)
    if not p.exists():
        raise RegistryMissing(f"no registry at {p}; run `ohr crawl` first (or pass --db)")
    if p.is_dir():
        raise _unopenable(p, IsADirectoryError(21, "it is a folder"))
    if p.stat().st_size == 0 and not Path(f"{p}.wal").exists():
        raise NotARegistry(f"{p} is an empty file, not an ohr registry; run `ohr crawl --db {p}` to make it one")
    con = _open(p, read_only=True, wait=_wait_seconds(30.0) if wait is None else wait)
    try:
        if _check_is_registry(con, p) == 0:
            raise NotARegistry(f"{p} holds no ohr registry yet; run `ohr crawl --db {p}` first")
        if _pending(con):  # an older registry: upgraded in place (the only write a read command makes)
            con.close()
            with writer(p, create=False):
                pass
            con = _open(p, read_only=True, wait=_wait_seconds(30.0) if wait is None else wait)
        yield con
    finally:
        con.close()


def sql_reader(path: str | Path, wait: float | None = None) -> duckdb.DuckDBPyConnection:
    """A connection for untrusted SQL: read-only, no file or network access, settings locked."""
    import duckdb

    p = Path(path)
    with reader(p, wait):
        pass  # migrates an old file first and waits out a writer
    deadline = time.monotonic() + (_wait_seconds(30.0) if wait is None else wait)
    while True:
        try:
            con = duckdb.connect(str(p), read_only=True, config={"enable_external_access": False})
            con.execute(_QUIET)
            con.execute("SET lock_configuration = true")
            return con
        except duckdb.IOException as exc:
            if not _is_lock_error(exc) or time.monotonic() >= deadline:
                raise RegistryBusy(f"registry {p} is locked by another process") from None
            time.sleep(0.05)
