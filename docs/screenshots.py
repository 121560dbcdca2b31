"""Take the README's screenshots of `ohr serve` with the headless chromium the browser tests use.

Builds the web tests' small registry (tests/web_registry.py, without its XSS project) with README pictures
served from loopback, serves it read-only, and writes docs/web-search.png, docs/web-project.png and
docs/web-analysts.png:

    .venv/bin/python docs/screenshots.py
"""

from __future__ import annotations

import http.server
import struct
import sys
import tempfile
import threading
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def picture(seed: int, width: int = 256, height: int = 192) -> bytes:
    """A placeholder 'photo': a soft two-colour gradient per project, as a PNG."""
    a = ((seed * 97) % 200 + 30, (seed * 53) % 200 + 30, (seed * 29) % 200 + 30)
    b = (240, 240, 235)
    rows = []
    for y in range(height):
        row = bytearray(b"\x00")
        for x in range(width):
            t = (x / width + y / height) / 2
            row += bytes(int(a[i] * (1 - t) + b[i] * t) for i in range(3))
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"".join(rows))) + chunk(b"IEND", b""))


class _Pictures(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        body = picture(zlib.crc32(self.path.encode()) % 1000)
        self.send_response(200)
        self.send_header("content-type", "image/png")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def main() -> None:
    import uvicorn
    from playwright.sync_api import sync_playwright
    from web_registry import build

    from queries.web.app import create_app
    from registry import curate
    from registry.db import writer

    pics = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Pictures)
    threading.Thread(target=pics.serve_forever, daemon=True).start()
    with tempfile.TemporaryDirectory() as tmp:
        db = build(Path(tmp) / "registry.duckdb", image_base=f"http://127.0.0.1:{pics.server_address[1]}/img",
                   hostile=False)
        with writer(db) as con:
            curate.flag(con, "github.com/c/shieldnc", "needs-review", "NC licence: kits cannot be sold", "ana")
            curate.flag(con, "github.com/a/openvent", "verified", "built and tested one, files complete", "ana")
        server = uvicorn.Server(uvicorn.Config(create_app(db), host="127.0.0.1", port=0, log_level="warning",
                                               lifespan="off"))
        threading.Thread(target=server.run, daemon=True).start()
        for _ in range(1000):
            if server.started:
                break
            time.sleep(0.01)
        url = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page(viewport={"width": 1200, "height": 860})
            for path, name, full in (("/?q=vent", "web-search.png", False),
                                     ("/project/github.com/a/openvent", "web-project.png", True),
                                     ("/analysts", "web-analysts.png", False)):
                page.goto(url + path)
                page.wait_for_load_state("networkidle")
                page.screenshot(path=str(ROOT / "docs" / name), full_page=full)
                print(f"wrote docs/{name}")
            browser.close()
        server.should_exit = True
    pics.shutdown()


if __name__ == "__main__":
    main()
