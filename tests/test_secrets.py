"""Secrets never leave the environment: a crawl with GITHUB_TOKEN, OSHWA_TOKEN and HACKADAY_API_KEY set, against
servers that echo the credentials back in error messages and redirects, leaves no token value in the registry
file, its tables, the log, `ohr` output or any export."""

from __future__ import annotations

import json
import logging
import secrets

import duckdb
from conftest import LIST_MD
from fakegithub import FakeGitHub, FakeRepo, Reply
from loopback import hub_config, serve
from werkzeug import Request, Response

GH = "ghp_" + secrets.token_hex(16)
OSHWA = "oshwa-" + secrets.token_hex(16)
HACK = "hack" + secrets.token_hex(16)
TOKENS = (GH, OSHWA, HACK)

OSHWA_ITEM = {"oshwaUid": "US000001", "projectName": "Echo Vent", "projectWebsite": "https://echo.example.org",
              "hardwareLicense": "CERN", "projectDescription": "a ventilator", "certificationDate": "2020-01-01"}


def oshwa(request: Request) -> Response:
    auth = request.headers.get("Authorization", "")
    if request.args.get("offset") == "1":  # a hostile error page quoting the credentials it was sent
        return Response(f"<html>denied for {auth} ({request.url})</html>", 403, content_type="text/html")
    body = {"items": [OSHWA_ITEM] if request.args.get("offset") == "0" else [], "limit": 1, "total": 2,
            "echo": auth}
    return Response(json.dumps(body), content_type="application/json")


def hackaday(request: Request) -> Response:
    key = request.args.get("api_key", "")
    if request.args.get("page") == "2":
        return Response(json.dumps({"error": f"bad key {key} at {request.url}"}), 500, content_type="application/json")
    body = {"projects": [{"id": 7, "name": "Echo board", "url": f"https://hackaday.io/project/7?key={key}",
                          "summary": "open hardware board"}],
            "page": 1, "per_page": 1, "last_page": 2, "total": 2}
    return Response(json.dumps(body), content_type="application/json")


def _leaks(text: str | bytes) -> list[str]:
    data = text if isinstance(text, bytes) else text.encode("utf-8", "replace")
    return [t for t in TOKENS if t.encode() in data or t[6:].encode() in data]


def test_no_secret_in_registry_logs_output_or_exports(tmp_path, run_ohr, monkeypatch, caplog):
    monkeypatch.setenv("GITHUB_TOKEN", GH)
    monkeypatch.setenv("OSHWA_TOKEN", OSHWA)
    monkeypatch.setenv("HACKADAY_API_KEY", HACK)
    caplog.set_level(logging.DEBUG)  # every logger, every level: httpx, urllib3, PyGithub, ohr
    repos = [FakeRepo("Lists/vent-list", {"README.md": LIST_MD}),
             FakeRepo("Amb/AmboVent", {"README.md": b"# AmboVent\n", "LICENSE": b"MIT License\n"}),
             FakeRepo("Jul/Zephyr", {"README.md": b"# Zephyr\n"}), FakeRepo("Pub/VentMon", {"README.md": b"# V\n"})]
    with FakeGitHub(repos) as gh, serve() as server:
        # a GitHub-compatible host that quotes the Authorization header back in an error
        gh.fault = lambda path, headers, nth: Reply(
            500, {"message": f"bad credentials: {headers.get('authorization')}"}) if path == "/repos/Pub/VentMon" \
            else None
        server.expect_request("/api/projects").respond_with_handler(oshwa)
        for path in ("/v2/projects", "/v2/projects/search"):
            server.expect_request(path).respond_with_handler(hackaday)
        base = server.url_for("").rstrip("/")
        sources = (
            '[[sources]]\nname = "vent-list"\nkind = "github-list"\nrepo = "Lists/vent-list"\npath = "README.md"\n\n'
            f'[[sources]]\nname = "oshwa"\nkind = "oshwa"\napi_url = "{base}"\npage_size = 1\n\n'
            f'[[sources]]\nname = "hackaday"\nkind = "hackaday"\napi_url = "{base}/v2"\ntags = ["vent"]\n'
            'per_page = 1\n'
        )
        cfg = hub_config(tmp_path, sources, github_url=gh.url)
        outputs = [run_ohr("crawl", "--config", str(cfg))]
        assert any(e["authed"] for e in gh.log)  # the token was really sent
    db = tmp_path / "registry.duckdb"
    assert outputs[0].code in (0, 4), outputs[0].err
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM source_records WHERE source IN ('oshwa', 'hackaday')").fetchone()[0]
        pids = [p for (p,) in con.execute("SELECT id FROM projects").fetchall()]
        # every text-like cell of every table, read through SQL (the file itself compresses strings)
        for (table,) in con.execute("SELECT table_name FROM information_schema.tables "
                                    "WHERE table_type = 'BASE TABLE'").fetchall():
            cols = [c for (c,) in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ? AND (data_type LIKE "
                "'%VARCHAR%' OR data_type IN ('JSON', 'BLOB'))", [table]).fetchall()]
            for c in cols:
                for t in TOKENS:
                    n = con.execute(f'SELECT count(*) FROM "{table}" WHERE contains("{c}"::VARCHAR, ?)',
                                    [t]).fetchone()[0]
                    assert n == 0, f"{t[:8]}… in {table}.{c}"
    finally:
        con.close()
    for arg in (["runs"], ["runs", "--errors"], ["stats"], ["sources"], ["search", ""], ["search", "echo"],
                ["sql", "SELECT * FROM crawl_errors"], ["sql", "SELECT url, error, path FROM documents"],
                ["sql", "SELECT * FROM sources"], ["export", "--format", "csv"], ["export", "--format", "json"],
                ["export", "--format", "markdown"]):
        for fmt in ([], ["--format", "json"]) if arg[0] not in ("export",) else ([],):
            outputs.append(run_ohr(*arg, *fmt, "--config", str(cfg)))
    for pid in pids:
        outputs.append(run_ohr("show", pid, "--format", "json", "--config", str(cfg)))
    parquet = tmp_path / "out.parquet"
    outputs.append(run_ohr("export", "--format", "parquet", "--out", str(parquet), "--config", str(cfg)))
    for r in outputs:
        assert not _leaks(r.out + r.err), (r.out + r.err)[:2000]
    assert parquet.exists() and not _leaks(parquet.read_bytes())
    assert not _leaks("\n".join(f"{rec.name}: {rec.getMessage()}" for rec in caplog.records))
    for f in tmp_path.glob("registry.duckdb*"):
        assert not _leaks(f.read_bytes()), f
