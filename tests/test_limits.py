"""Size and shape limits: answers and files over a configured size are not read past it (and say so); deeply
nested or huge JSON/YAML, zip bombs, billion laughs, endless redirects and slow-drip servers are bounded in time
and memory, on the hub path (crawler/http.py) and the GitHub path (crawler/github.py, github_repos.py)."""

from __future__ import annotations

import contextlib
import io
import socket
import struct
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

import pytest
from conftest import cpu_budget, peak_memory
from fakegithub import FakeGitHub, FakeRepo, Reply
from loopback import serve

from crawler.config import GitHubConfig, HttpConfig, SourceConfig
from crawler.github import GitHubClient
from crawler.github_repos import _file_bytes
from crawler.http import DeadlineExceeded, Fetcher, Unreachable
from registry.model import Document


@contextmanager
def raw_server(answer: Callable[[socket.socket], None], seen: list[socket.socket] | None = None) -> Iterator[str]:
    """A one-thread-per-connection TCP server on 127.0.0.1 whose handler writes whatever it likes (connections
    accepted are appended to `seen`)."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            if seen is not None:
                seen.append(conn)

            def handle(c: socket.socket = conn) -> None:
                try:
                    c.recv(65536)
                    answer(c)
                except OSError:
                    pass
                finally:
                    c.close()

            threading.Thread(target=handle, daemon=True).start()

    threading.Thread(target=loop, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{srv.getsockname()[1]}"
    finally:
        stop.set()
        srv.close()


DRIPPED: list[int] = []  # body bytes each drip connection sent before the client hung up


def drip(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
    DRIPPED.append(0)
    for _ in range(400):  # 20 s in all: a client that never cuts it reads all 400 bytes and the connection end
        conn.sendall(b" ")
        DRIPPED[-1] += 1
        time.sleep(0.05)


def endless(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n")
    for _ in range(2000):
        conn.sendall(b"[" * 4096)


SILENT_HUNG_UP: list[bool] = []  # per silent connection: the client hung up first


def silent(conn: socket.socket) -> None:
    conn.settimeout(30)  # answer nothing; a client without a timeout is still waiting when this ends
    try:
        SILENT_HUNG_UP.append(conn.recv(1) == b"")
    except TimeoutError:
        SILENT_HUNG_UP.append(False)


def _settled(log: list, n: int) -> list:
    """The log once n handlers have written to it (they finish just after the client hangs up)."""
    for _ in range(600):
        if len(log) >= n:
            break
        time.sleep(0.05)
    return log


def _http(**kw) -> Fetcher:
    base = {"allow_hosts": ["127.0.0.1"], "per_host_delay": 0, "retries": 0, "retry_backoff": 0.01}
    return Fetcher(HttpConfig(**(base | kw)))


# -- hub path ----------------------------------------------------------------------------------------------
def test_http_declared_and_streamed_size_caps():
    with serve() as server:
        server.expect_request("/big").respond_with_data(b"x" * 50_000)
        with _http(max_bytes=10_000) as http:
            res = http.get(f"http://127.0.0.1:{server.port}/big")
        assert res.content is None and res.truncated and "larger than 10000 bytes" in res.error
    with raw_server(endless) as url, _http(max_bytes=100_000) as http:
        res = http.get(url + "/stream")
        assert res.content is None and res.truncated and "stopped reading" in res.error


def test_http_slow_drip_and_silent_server_and_run_deadline():
    DRIPPED.clear()
    with raw_server(drip) as url, _http(request_seconds=1, timeout=5) as http:
        res = http.get(url + "/drip")
        assert res.content is None and "longer than" in res.error
    assert DRIPPED and DRIPPED[0] < 400  # cut before the server finished dripping
    SILENT_HUNG_UP.clear()
    with raw_server(silent) as url, _http(timeout=0.5) as http:
        with pytest.raises(Unreachable):
            http.get(url + "/silent")
    assert _settled(SILENT_HUNG_UP, 1) == [True]  # the client's timeout, not the server, ended it
    SILENT_HUNG_UP.clear()
    seen: list[socket.socket] = []
    with raw_server(silent, seen) as url, _http(timeout=0.3, run_seconds=1, retries=5, retry_backoff=0.5) as http:
        with pytest.raises((DeadlineExceeded, Unreachable)):
            for _ in range(10):
                http.get(url + "/again")
    # the run deadline stopped the retries: one get alone would have made 6 attempts
    assert 1 <= len(seen) <= 5 and all(_settled(SILENT_HUNG_UP, len(seen))), len(seen)


def test_http_endless_redirects_and_loops():
    with serve() as server:
        for i in range(20):
            server.expect_request(f"/r{i}").respond_with_data("", status=302, headers={"Location": f"/r{i + 1}"})
        server.expect_request("/a").respond_with_data("", status=301, headers={"Location": "/b"})
        server.expect_request("/b").respond_with_data("", status=301, headers={"Location": "/a"})
        with _http(max_redirects=5) as http:
            res = http.get(f"http://127.0.0.1:{server.port}/r0")
            assert res.content is None and "more than 5 redirects" in res.error
            assert len(server.log) == 6
            res = http.get(f"http://127.0.0.1:{server.port}/a")
            assert res.content is None and "redirect loop" in res.error


@pytest.mark.parametrize("module", ["oshwa", "hackaday", "mediawiki", "github_search"])
def test_deeply_nested_and_huge_json_become_parse_problems(module):
    import importlib

    read = importlib.import_module(f"crawler.sources.{module}").read_document
    for content in (b"[" * 200_000, b'{"a":' * 100_000, b'{"items": [' + b'"x",' * 300_000 + b'"x"]}'):
        doc = Document(url="https://hub.example.org/api", doc_kind="page", source="s", fetched_at=datetime.now(),
                       content=content)
        with cpu_budget(5):
            out = read(doc, SourceConfig("s", module.replace("_", "-")))
        if content.startswith((b"[[", b'{"a"')):
            assert out[1], f"{module}: nesting not recorded"


def test_okh_list_deep_json():
    from crawler.sources.okh_list import list_entries

    with cpu_budget(3):
        urls, bad = list_entries(b"[" * 200_000, "https://list.example.org/")  # not JSON: read as a plain list
    assert all(isinstance(u, str) for u in urls + bad)


# -- YAML / TOML / JSON manifests --------------------------------------------------------------------------
LAUGHS = b'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + b"".join(
    b"%s: &%s [%s]\n" % (chr(98 + i).encode(), chr(98 + i).encode(), b",".join([b"*" + chr(97 + i).encode()] * 9))
    for i in range(9)) + b"title: lol\n"


@pytest.mark.parametrize("path, content, why", [
    ("okh.yml", LAUGHS, "alias"),
    ("okh.yml", b"a: " + b"[" * 50_000, "nested"),
    ("okh.toml", b"a = " + b"[" * 50_000, "nested"),
    ("okh.json", b"[" * 200_000, "nested"),
    ("okh.yml", b"title: x\n" + b"k: v\n" * 400_000, "bytes"),
])
def test_manifest_bombs_are_refused_quickly(path, content, why):
    from registry.normalize.okh import parse_manifest

    with peak_memory(50_000_000) if why in ("alias", "bytes") else contextlib.nullcontext(), cpu_budget(3):
        m = parse_manifest(path, content)  # the memory bombs are watched allocation by allocation (slow)
    assert m.error and ("refused" in m.error or "large" in m.error or why in m.error), m.error


# -- zip bombs in spreadsheets -----------------------------------------------------------------------------
def _bomb(kind: str, lie: bool) -> bytes:
    member, head = ("xl/worksheets/sheet1.xml", "xl/workbook.xml") if kind == "xlsx" else ("content.xml", "mimetype")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(head, b"application/vnd.oasis.opendocument.spreadsheet" if kind == "ods" else b"<workbook/>")
        z.writestr(member, b"<row>" + b"0" * 40_000_000 + b"</row>")
    data = bytearray(buf.getvalue())
    if lie:  # central directory and local header claim the member is tiny
        i = data.find(b"PK\x01\x02")
        while i != -1:
            n = struct.unpack_from("<H", data, i + 28)[0]
            if bytes(data[i + 46:i + 46 + n]) == member.encode():
                struct.pack_into("<I", data, i + 24, 1000)
                local = struct.unpack_from("<I", data, i + 42)[0]
                struct.pack_into("<I", data, local + 22, 1000)
            i = data.find(b"PK\x01\x02", i + 4)
    return bytes(data)


@pytest.mark.parametrize("kind", ["xlsx", "ods"])
@pytest.mark.parametrize("lie", [False, True])
def test_zip_bombs_are_refused(kind, lie):
    from registry.normalize.bom import parse_bom

    bomb = _bomb(kind, lie)
    assert len(bomb) < 200_000  # 40 MB inside
    with peak_memory(25_000_000), cpu_budget(5):  # 40 MB inside: never inflated
        res = parse_bom(f"bom.{kind}", bomb, max_unzipped=5_000_000)
    assert res.error and not res.lines, res


def test_bom_file_over_the_size_limit_is_not_read():
    from registry.normalize.bom import parse_bom

    res = parse_bom("bom.csv", b"Qty,Part\n" + b"1,R\n" * 10_000, max_bytes=10_000)
    assert res.error and "too large" in res.error and not res.lines


# -- GitHub path -------------------------------------------------------------------------------------------
def _client(url: str, **kw) -> GitHubClient:
    return GitHubClient(GitHubConfig(api_url=url, retries=0, max_rate_limit_wait=1, **kw))


def test_github_answers_over_the_cap_are_not_read():
    with FakeGitHub([FakeRepo("a/b", {"README.md": b"hi"})]) as gh:
        gh.fault = lambda path, headers, nth: Reply(200, {"pad": "x" * 50_000}) if path == "/repos/a/b" else None
        res = _client(gh.url, max_response_bytes=10_000).get("/repos/a/b")
        assert res.data is None and "larger than 10000 bytes" in res.error
    with raw_server(endless) as url:
        res = _client(url, max_response_bytes=100_000).get("/repos/a/b")
        assert res.data is None and "stopped reading" in res.error


def test_github_slow_drip_is_cut_at_request_seconds():
    DRIPPED.clear()
    with raw_server(drip) as url:
        res = _client(url, timeout=5, request_seconds=1).get("/repos/a/b")
        assert res.data is None and res.error
    assert DRIPPED and all(n < 400 for n in DRIPPED)  # each attempt cut before the server finished


def test_github_file_size_is_checked_after_decoding_too():
    import base64

    big = base64.b64encode(b"x" * 5000).decode()
    assert _file_bytes({"type": "file", "size": 10, "encoding": "base64", "content": big}, 1000)[0] is None
    assert "over the" in _file_bytes({"type": "file", "size": 10, "encoding": "base64", "content": big}, 1000)[1]
    assert _file_bytes({"type": "file", "size": 5000, "encoding": "base64", "content": big}, 1000)[1]
    assert _file_bytes({"type": "file", "size": 4, "encoding": "base64", "content": "aGkK"}, 1000) == (b"hi\n", None)


def test_crawl_records_files_over_the_limit(tmp_path, run_ohr, monkeypatch):
    import duckdb
    from conftest import LIST_MD, SOURCES, write_config

    repos = [FakeRepo("Lists/vent-list", {"README.md": LIST_MD}),
             FakeRepo("Amb/AmboVent", {"README.md": b"# big\n" + b"x" * 300_000, "LICENSE": b"MIT License\n"}),
             FakeRepo("Jul/Zephyr", {"README.md": b"# Zephyr\n"}), FakeRepo("Pub/VentMon", {"README.md": b"# V\n"})]
    with FakeGitHub(repos) as gh:
        monkeypatch.setenv("GITHUB_TOKEN", "t")
        cfg = write_config(tmp_path, gh.url, SOURCES, extra="max_file_bytes = 100000")
        r = run_ohr("crawl", "--config", str(cfg))
        assert r.code in (0, 4), r.err
    con = duckdb.connect(str(tmp_path / "registry.duckdb"), read_only=True)
    try:
        msgs = [m for (m,) in con.execute(
            "SELECT message FROM crawl_errors WHERE lower(item) = 'amb/ambovent'").fetchall()]
        assert any("over the 100000-byte limit" in m for m in msgs), msgs
        assert con.execute("SELECT content FROM documents WHERE project_id = 'github.com/amb/ambovent' "
                           "AND doc_kind = 'readme'").fetchone() == (None,)
    finally:
        con.close()


def test_csv_list_with_a_huge_row_is_read_quickly():
    from crawler.sources.csv_list import read_document

    for content in (b"Name,URL\n" + b"," * 50_000 + b"\n", b'"' * 20_000 + b"\nName,URL\nx,https://x.example.org\n"):
        with cpu_budget(1):
            read_document(Document(url="u", doc_kind="csv", source="s", fetched_at=datetime.now(), content=content),
                          SourceConfig("s", "csv-list"))
