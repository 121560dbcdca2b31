"""The `ohr` command line: crawl sources into the registry, then search, show and query it.

Exit codes: 0 ok; 1 internal error; 2 usage error; 3 user error (missing registry, unknown id or
source, bad SQL, bad config); 4 crawl finished but a source failed, was unreachable or left work
pending (also when SIGTERM/Ctrl-C stopped it cleanly); 5 registry busy (another process held it too long);
6 another crawl of the same registry is running (`ohr crawl` stops at once instead of spending the budget twice).
`ohr schedule` exits 0 after a clean stop on SIGTERM/SIGINT and 3 when a schedule cannot be read or no
source has one; `ohr runs` is a read command (0, 3 without a registry, 5 busy).
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from queries.cli_common import EXIT, OhrError, app

# Importing a command module registers its commands on `app`, in this order in `ohr --help`.
# isort: off
from queries import cli_crawl  # noqa: F401
from queries import cli_read  # noqa: F401
from queries import cli_curate  # noqa: F401
from queries import cli_export  # noqa: F401
from queries import cli_lists  # noqa: F401
from queries import cli_web  # noqa: F401
# isort: on

__all__ = ["app", "main"]


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"ohr {version('ohr')}")
        except PackageNotFoundError:  # run from a checkout that was never installed
            typer.echo("ohr (not installed: version unknown)")
        raise typer.Exit(0)


@app.callback()
def _options(
    version: Annotated[bool, typer.Option("--version", "-V", help="print ohr's version and exit", is_eager=True,
                                          callback=_version)] = False,
) -> None:
    """ohr — the open-hardware registry. Crawl open-hardware projects into one DuckDB file and query it."""


def _not_utf8(args: list[str]) -> str | None:
    """The first argument the shell passed as bytes that are not UTF-8 (Python keeps them as surrogates)."""
    for a in args:
        try:
            a.encode("utf-8")
        except UnicodeEncodeError:
            raw = a.encode("utf-8", "surrogateescape")
            return raw.decode("utf-8", "backslashreplace")
    return None


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app; user errors become one line and a documented exit code."""
    try:  # typer vendors click since 0.20; its usage errors are that click's
        from typer._click import exceptions as cx
    except ImportError:  # an older typer on the system click
        from click import exceptions as cx

    from registry.db import RegistryBusy, RegistryError

    no_args = getattr(cx, "NoArgsIsHelpError", ())  # click >= 8.2
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        bad = _not_utf8(args)
        if bad is not None:
            raise OhrError(f"the argument {bad!r} is not valid UTF-8; check the terminal's or script's encoding")
        rv = app(args=args, prog_name="ohr", standalone_mode=False)  # returns typer.Exit's code
        code = rv if isinstance(rv, int) else 0
    except no_args as exc:  # `ohr` or a group alone: its help
        exc.show()
        code = EXIT["usage"]
    except cx.UsageError as exc:  # one line, and where the help is
        where = exc.ctx.command_path if exc.ctx is not None else "ohr"
        typer.echo(f"error: {exc.format_message()} (see: {where} --help)", err=True)
        code = EXIT["usage"]
    except cx.ClickException as exc:
        typer.echo(f"error: {exc.format_message()}", err=True)
        code = exc.exit_code
    except typer.Abort:
        typer.echo("interrupted", err=True)
        code = 130
    except OhrError as exc:
        typer.echo(f"error: {exc}", err=True)
        code = exc.code
    except RegistryError as exc:  # missing, not a registry, unopenable, too new: user errors; busy: 5
        typer.echo(f"error: {exc}", err=True)
        code = EXIT["busy"] if isinstance(exc, RegistryBusy) else EXIT["user"]
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        code = 130
    except BrokenPipeError:
        code = 0
    except Exception as exc:  # noqa: BLE001 - the CLI never shows a traceback unless asked
        if os.environ.get("OHR_DEBUG"):
            raise
        typer.echo(f"internal error: {type(exc).__name__}: {exc} (set OHR_DEBUG=1 for the traceback)", err=True)
        code = EXIT["internal"]
    sys.exit(code)


if __name__ == "__main__":
    main()
