"""The `ohr` entry point: a plain `ohr search …` runs without loading typer, everything else goes to queries.cli.

typer 0.29 builds every parameter through pydantic, ~130 ms of imports before a search that itself takes
tens of milliseconds. Only well-formed search arguments take this path; help, usage errors and anything it
does not know fall through to the full CLI, which answers exactly as before.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

__all__ = ["main", "parse_search", "run_search"]

_VALUE_OPTS = {"--category": "category", "--source": "source", "--licence": "licence", "--license": "licence",
               "--maturity": "maturity", "--flag": "flag", "--no-flag": "no_flag", "--limit": "limit",
               "--format": "fmt", "-f": "fmt", "--config": "config", "-c": "config", "--db": "db"}
_REPEATED = ("flag", "no_flag")
_STAGES = ("concept", "prototype", "tested", "production")
_FORMATS = ("table", "json", "csv")


def parse_search(args: list[str]) -> dict[str, Any] | None:
    """The options of `ohr search ARGS`, or None when they need the full CLI (help, errors, unknown options)."""
    opts: dict[str, Any] = {"text": "", "category": None, "source": None, "licence": None, "has_bom": False,
                            "maturity": None, "flag": [], "no_flag": [], "limit": 20, "fmt": "table",
                            "config": None, "db": None}
    positional = 0
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--has-bom":
            opts["has_bom"] = True
        elif arg.startswith("-") and arg != "-":
            name, eq, value = arg.partition("=")
            key = _VALUE_OPTS.get(name)
            if key is None or (eq and not name.startswith("--")):
                return None
            if not eq:
                if i + 1 >= len(args):
                    return None
                i += 1
                value = args[i]
            if key in _REPEATED:
                opts[key].append(value)
            else:
                opts[key] = value
        else:
            positional += 1
            opts["text"] = arg
        i += 1
    if positional > 1 or opts["fmt"] not in _FORMATS or (opts["maturity"] and opts["maturity"] not in _STAGES):
        return None
    try:
        opts["limit"] = int(opts["limit"])
    except ValueError:
        return None
    if opts["limit"] < 1:
        return None
    if opts["flag"] or opts["no_flag"]:
        from registry.curate import KINDS

        kinds = [k.strip().lower() for k in opts["flag"] + opts["no_flag"]]
        if any(k not in KINDS and k != "any" for k in kinds):
            return None
        opts["flag"] = [k.strip().lower() for k in opts["flag"]]
        opts["no_flag"] = [k.strip().lower() for k in opts["no_flag"]]
    return opts


def _registry(config: str | None, db: str | None) -> Path | None:
    """Where the registry is, as queries.cli.db_path says; None when the config cannot be read."""
    if db is not None:
        return Path(db)
    if os.environ.get("OHR_DB") and config is None:
        return Path(os.environ["OHR_DB"])
    from crawler.config import ConfigError, load_config

    try:
        return load_config(Path(config) if config else None, None).registry_path
    except ConfigError:
        return None


def run_search(opts: dict[str, Any]) -> int | None:
    """Run a parsed search and print it; the exit code, or None to leave it to the full CLI."""
    from queries.output import emit
    from queries.search_plan import search
    from registry.db import RegistryBusy, RegistryMissing, reader

    path = _registry(opts["config"], opts["db"])
    if path is None:
        return None
    terms = [t.lower() for t in opts["text"].split() if t]
    try:
        with reader(path) as con:
            cols, rows = search(con, {"terms": terms, "category": opts["category"], "source": opts["source"],
                                      "licence": opts["licence"], "has_bom": opts["has_bom"],
                                      "maturity": opts["maturity"], "lim": opts["limit"], "flag": opts["flag"],
                                      "no_flag": opts["no_flag"]})
    except RegistryMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    except RegistryBusy as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 5
    except Exception:  # noqa: BLE001 - nothing printed yet: the full CLI says what went wrong, its way
        return None
    try:
        emit(cols, rows, opts["fmt"])
        sys.stdout.flush()
    except BrokenPipeError:
        pass
    return 0


def main(argv: list[str] | None = None) -> None:
    """`ohr`: the fast search path when it applies, else the full typer CLI."""
    args = sys.argv[1:] if argv is None else list(argv)
    if args and args[0] == "search":
        opts = parse_search(args[1:])
        if opts is not None:
            code = run_search(opts)
            if code is not None:
                sys.exit(code)
    from queries.cli import main as full

    full(args)
