"""What every `ohr` command module shares: the typer app, common options, user errors, finding the registry.

Command modules (cli_crawl, cli_read, cli_curate, cli_export) import only this module and register their
commands on `app`; queries.cli imports them all and runs the app. Heavy modules load inside the commands.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from queries.output import Format, emit

__all__ = ["app", "EXIT", "OhrError", "ConfigOpt", "DbOpt", "FormatOpt", "Format", "Stage", "emit", "load",
           "db_path", "existing_db_path", "open_reader", "resolve_id", "lookup_id", "flag_kinds", "MAX_ROWS",
           "check_source", "checked"]

EXIT = {"ok": 0, "internal": 1, "usage": 2, "user": 3, "partial": 4, "busy": 5, "crawling": 6}


#: The largest --limit a command takes (row limits are 32-bit in the SQL; nobody reads a billion rows).
MAX_ROWS = 1_000_000_000


class OhrError(Exception):
    """A user error: printed as one line, exits with ``code``."""

    def __init__(self, message: str, code: int = EXIT["user"]) -> None:
        super().__init__(message)
        self.code = code


app = typer.Typer(
    name="ohr",
    help="ohr — the open-hardware registry. Crawl open-hardware projects into one DuckDB file and query it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

ConfigOpt = Annotated[
    Path | None, typer.Option("--config", "-c", help="config file (default: $OHR_CONFIG or ./config.toml)")
]
DbOpt = Annotated[Path | None, typer.Option("--db", help="registry file (default: [registry] path of the config)")]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="output format: table, json or csv")]


def load(config: Path | None, db: Path | None) -> Any:
    """The configuration, with user errors turned into OhrError."""
    from crawler.config import ConfigError, load_config

    try:
        return load_config(config, db)
    except ConfigError as exc:
        raise OhrError(str(exc)) from None


def checked(cfg: Any, names: list[str] | None = None) -> Any:
    """The config, once every (named) source's options are ones its kind takes; else a user error naming the key."""
    from crawler.config import ConfigError

    try:
        cfg.check_sources(names)
    except ConfigError as exc:
        raise OhrError(str(exc)) from None
    return cfg


def db_path(config: Path | None, db: Path | None) -> Path:
    """Where the registry is: --db, else $OHR_DB when no --config is given, else the config's [registry] path."""
    from registry.db import given_path

    given = given_path(db)
    if given is not None and (db is not None or config is None):
        return given  # the config file need not be read (nor be valid)
    return load(config, db).registry_path


def existing_db_path(config: Path | None, db: Path | None) -> Path:
    """The registry path for a command that opens the file itself; a user error when nothing was crawled yet."""
    from registry.db import RegistryMissing

    path = db_path(config, db)
    if not path.exists():
        raise RegistryMissing(f"no registry at {path}; run `ohr crawl` first (or pass --db)")
    return path


def open_reader(config: Path | None, db: Path | None) -> Any:
    """A read-only registry connection (context manager); waits briefly for a crawl's batch write."""
    from registry.db import reader

    return reader(db_path(config, db))


class Stage(StrEnum):
    """The ordered maturity scale."""

    concept = "concept"
    prototype = "prototype"
    tested = "tested"
    production = "production"
# -- projects by reference --------------------------------------------------------------------------------------
def resolve_id(con: Any, ref: str) -> str:
    """A project id from an id, a URL, `owner/name`, or a unique id fragment; merged ids resolve to the survivor."""
    from registry.curate import follow_aliases

    return follow_aliases(con, lookup_id(con, ref))


def lookup_id(con: Any, ref: str) -> str:
    """A project id from an id, a URL, `owner/name`, or a unique id fragment (merges not followed)."""
    from registry.urls import canonical_url, project_id

    ref = ref.strip()
    row = con.execute("SELECT id FROM projects WHERE id = ?", [ref.lower()]).fetchone()
    if row:
        return row[0]
    canon = canonical_url(ref) if "." in ref.split("/")[0] or "://" in ref else None
    if canon:
        row = con.execute("SELECT project_id FROM project_urls WHERE url = ?", [canon]).fetchone()
        if row:
            return row[0]
        pid = project_id(ref)
        row = con.execute("SELECT id FROM projects WHERE id = ?", [pid]).fetchone()
        if row:
            return row[0]
    if ref.count("/") == 1 and "." not in ref.split("/")[0]:
        row = con.execute("SELECT project_id FROM project_urls WHERE url = ?",
                          [f"https://github.com/{ref.lower()}"]).fetchone()
        if row:
            return row[0]
    rows = con.execute("SELECT id FROM projects WHERE id LIKE ? LIMIT 6", [f"%{ref.lower()}%"]).fetchall()
    if not rows and "." in ref:  # an article, video or profile a list gave a project (project_links)
        rows = con.execute("SELECT DISTINCT project_id FROM project_links WHERE lower(url) LIKE ? LIMIT 6",
                           [f"%{ref.lower()}%"]).fetchall()
    if len(rows) == 1:
        return rows[0][0]
    if rows:
        raise OhrError(f"{ref!r} matches several projects: {', '.join(r[0] for r in rows[:5])}")
    raise OhrError(f"no project {ref!r} (try `ohr search`)")


def flag_kinds(kinds: list[str] | None) -> list[str]:
    """Flag kinds given on the command line, checked (plus 'any'); a user error names the valid ones."""
    from registry.curate import KINDS

    out = []
    for k in kinds or []:
        k = k.strip().lower()
        if k not in KINDS and k != "any":
            raise OhrError(f"unknown flag kind {k!r}; kinds: {', '.join(KINDS)}, any")
        out.append(k)
    return out


def check_source(con: Any, name: str | None, config: Path | None) -> None:
    """A user error when no source of that name was ever crawled into the registry or is configured."""
    if name is None:
        return
    known = {r[0] for r in con.execute("SELECT name FROM sources UNION SELECT DISTINCT source FROM source_records"
                                       ).fetchall()}
    if name in known:
        return
    try:
        from crawler.config import ConfigError, load_config

        known |= {s.name for s in load_config(config).sources}
    except ConfigError:
        pass
    if name not in known:
        raise OhrError(f"no source named {name!r} (known: {', '.join(sorted(known)) or 'none yet'})")
