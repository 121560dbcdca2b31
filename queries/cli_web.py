"""Web commands: `ohr serve` (the registry in a browser) and `ohr export site DIR` (the same pages as static files)."""

from __future__ import annotations

import ipaddress
import sys
from pathlib import Path
from typing import Annotated

import typer

from queries.cli_common import ConfigOpt, DbOpt, OhrError, app, db_path, open_reader

__all__ = ["export_site_command", "serve"]


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@app.command()
def serve(
    port: Annotated[int, typer.Option(min=0, max=65535, help="TCP port (0: any free port)")] = 8000,
    host: Annotated[str, typer.Option(help="address to bind; anything but loopback needs --public")] = "127.0.0.1",
    public: Annotated[bool, typer.Option("--public", help="allow binding a non-loopback address (anyone who "
                                                          "reaches it can read the registry)")] = False,
    curator: Annotated[bool, typer.Option("--curator", help="allow flag, correct, merge and review from the "
                                                            "browser; prints the token every write needs")] = False,
    by: Annotated[str | None, typer.Option("--by", help="curator mode: the name written to the audit log "
                                                        "(default: $OHR_CURATOR, else your login)")] = None,
    no_remote_images: Annotated[bool, typer.Option("--no-remote-images", help="show no README pictures: the CSP "
                                                                              "then loads images from this server "
                                                                              "only")] = False,
    config: ConfigOpt = None,
    db: DbOpt = None,
) -> None:
    """Serve the registry as web pages: search with facets, project pages, analysts' tables and charts.

    Read-only unless --curator; binds 127.0.0.1 unless --host and --public say otherwise. Ctrl-C stops it.
    Example: ohr serve --port 8000        (then open http://127.0.0.1:8000/)
    Example: ohr serve --curator --by ana   (then log in at /login with the token it prints)
    """
    import uvicorn

    from queries.web.app import LOCAL_HOSTS, create_app, new_token

    path = db_path(config, db)
    with open_reader(config, db):
        pass  # a missing or busy registry is a one-line error now, not at the first page
    if not _is_loopback(host) and not public:
        raise OhrError(f"refusing to bind {host}: it is not a loopback address; add --public if you mean it")
    token = new_token() if curator else None
    who = None
    if curator:
        from queries.cli_curate import curator as default_curator

        who = default_curator(by)
    hosts = LOCAL_HOSTS if _is_loopback(host) else ["*"]
    application = create_app(path, token=token, remote_images=not no_remote_images, allowed_hosts=hosts, by=who)
    def started(server: uvicorn.Server) -> None:
        sock = server.servers[0].sockets[0].getsockname() if server.servers else (host, port)
        shown = f"[{sock[0]}]" if ":" in str(sock[0]) else sock[0]
        typer.echo(f"ohr: serving {path} at http://{shown}:{sock[1]}/ ({'curator mode' if token else 'read-only'})")
        if token:
            typer.echo(f"curator token: {token}")
            typer.echo(f"  log in at http://{shown}:{sock[1]}/login with it; writes are recorded as {who!r}")
        sys.stdout.flush()

    class Server(uvicorn.Server):
        async def startup(self, sockets: list | None = None) -> None:
            await super().startup(sockets=sockets)
            if self.started:
                started(self)

    server = Server(uvicorn.Config(application, host=host, port=port, log_level="warning", access_log=False,
                                   server_header=False, lifespan="off"))
    server.run()
    if not server.started:
        raise OhrError(f"could not listen on {host}:{port} (in use?)")


def export_site_command(target: str, folder: Path | None, config: Path | None = None, db: Path | None = None,
                        remote_images: bool = True) -> None:
    """`ohr export site DIR`: write the static site of the registry into DIR."""
    from queries.web.site import export_site as write

    if target != "site":
        raise OhrError(f"ohr export takes `site DIR` or options (--format …), not {target!r}")
    if folder is None:
        raise OhrError("ohr export site needs the folder to write: ohr export site DIR")
    if folder.exists() and not folder.is_dir():
        raise OhrError(f"{folder} is a file; give a folder for the site")
    with open_reader(config, db) as con:
        n = write(con, folder, remote_images=remote_images, progress=lambda m: typer.echo(m, err=True))
    typer.echo(f"wrote a site of {n} projects to {folder}/ (publish it with any static web server)", err=True)
