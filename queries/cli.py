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

import typer

from queries.cli_common import EXIT, OhrError, app

# Importing a command module registers its commands on `app`, in this order in `ohr --help`.
# isort: off
from queries import cli_crawl  # noqa: F401
from queries import cli_read  # noqa: F401
from queries import cli_curate  # noqa: F401
from queries import cli_export  # noqa: F401
# isort: on

__all__ = ["app", "main"]


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app; user errors become one line and a documented exit code."""
    from registry.db import RegistryBusy, RegistryError

    try:
        app(args=argv, prog_name="ohr")  # exits itself: 0, or 2 for usage errors
        code = 0
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
