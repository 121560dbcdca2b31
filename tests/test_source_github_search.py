"""`github-search` through PyGithub against a loopback search API: Link paging, date slicing past the cap,
an error page, a malformed item, forks, and code search for manifests (absent or present)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import duckdb
from loopback import collect, context, hub_config
from werkzeug import Request, Response

from crawler.config import load_config
from crawler.github import GitHubClient
from crawler.run import crawl
from crawler.sources import adapter_for

CAP = 40


def repo(i: int, topics: list[str], created: date, **kw) -> dict:
    full = f"maker{i}/board-{i}"
    base = {"id": i, "name": f"board-{i}", "full_name": full, "html_url": f"https://github.com/{full}",
            "description": f"Board {i}", "topics": topics, "stargazers_count": i, "forks_count": 0,
            "language": "KiCad", "created_at": f"{created.isoformat()}T10:00:00Z",
            "pushed_at": "2024-01-01T00:00:00Z", "archived": False, "fork": False, "homepage": ""}
    base.update(kw)
    return base


OSHW = [repo(i, ["open-source-hardware"], date(2015, 1, 1) + timedelta(days=23 * i)) for i in range(1, 101)]
VENT = [repo(201, ["ventilator"], date(2020, 3, 20), description="Open ventilator"),
        repo(202, ["ventilator"], date(2020, 4, 2), fork=True, name="vent-fork")]
PARENT = {"html_url": "https://github.com/maker201/board-201", "full_name": "maker201/board-201"}


class SearchAPI:
    """Answers /search/repositories like GitHub: total_count, per_page/page, Link next, 1000-style cap."""

    def __init__(self, url: str, code_status: int = 422) -> None:
        self.url, self.code_status, self.queries = url, code_status, []

    def __call__(self, request: Request) -> Response:
        if request.path.startswith("/repos/"):
            full = request.path[len("/repos/"):]
            hit = next((r for r in OSHW + VENT if r["full_name"] == full), None)
            if hit is None:
                return Response(json.dumps({"message": "Not Found"}), 404, content_type="application/json")
            body = dict(hit, parent=PARENT) if hit.get("fork") else hit
            return Response(json.dumps(body), content_type="application/json")
        q = request.args["q"]
        self.queries.append(q)
        per, page = int(request.args.get("per_page", 30)), int(request.args.get("page", 1))
        if request.path == "/search/code":
            if self.code_status != 200:
                return Response(json.dumps({"message": "Validation Failed"}), self.code_status,
                                content_type="application/json")
            items = [{"name": "okh.yml", "path": "okh.yml", "html_url": "https://github.com/maker3/board-3/blob/main/okh.yml",
                      "repository": {"full_name": "maker3/board-3", "html_url": "https://github.com/maker3/board-3",
                                     "name": "board-3", "fork": False}},
                     {"name": "okh.yml", "path": "docs/okh.yml", "repository": {"full_name": "nobody"}}]
            return Response(json.dumps({"total_count": 2, "incomplete_results": False, "items": items}),
                            content_type="application/json")
        if "topic:broken" in q:
            return Response("<html><body>Unicorn! 502</body></html>", content_type="text/html")
        words = q.split()
        hits = OSHW + VENT
        for w in words:
            if w.startswith("topic:"):
                hits = [r for r in hits if w[6:] in r["topics"]]
            elif w.startswith("created:"):
                lo, hi = w[8:].split("..")
                hits = [r for r in hits if lo <= r["created_at"][:10] <= hi]
        if (page - 1) * per >= CAP:
            return Response(json.dumps({"message": f"Only the first {CAP} search results are available"}), 422,
                            content_type="application/json")
        chunk = [dict(r) for r in hits[(page - 1) * per: page * per]]
        if "topic:ventilator" in q:
            chunk.append({"name": "no-url", "full_name": "x/no-url"})  # malformed: no html_url
        headers = {}
        if page * per < min(len(hits), CAP):
            nxt = f"{self.url}/search/repositories?q={request.args['q']}&per_page={per}&page={page + 1}"
            headers["Link"] = f'<{nxt.replace(" ", "+")}>; rel="next", <{self.url}/x>; rel="last"'
        body = {"total_count": len(hits), "incomplete_results": False, "items": chunk}
        return Response(json.dumps(body), content_type="application/json", headers=headers)


SOURCE = """[[sources]]
name = "gh-search"
kind = "github-search"
queries = {queries}
manifests = ["okh.yml"]
result_cap = 40
per_page = 15
created_from = "2014-06-01"
"""


def run(tmp_path, server, queries, code_status=422):
    api = SearchAPI(server.url_for("").rstrip("/"), code_status)
    server.expect_request("/search/repositories").respond_with_handler(api)
    server.expect_request("/search/code").respond_with_handler(api)
    server.expect_request("/repos/maker202/board-202").respond_with_handler(api)
    cfg = hub_config(tmp_path, SOURCE.format(queries=json.dumps(queries)), github_url=api.url)
    ctx = context(cfg, "gh-search")
    ctx.github = GitHubClient(ctx.config.github)
    return api, ctx, collect(adapter_for("github-search").fetch(ctx))


def test_date_slices_past_the_cap(tmp_path, server):
    api, ctx, (docs, recs, probs) = run(tmp_path, server, ["topic:open-source-hardware"])
    oshw = [r for r in recs if "open-source-hardware" in r.fields.get("topics", [])]
    assert len(oshw) == 100 and len({r.key for r in oshw}) == 100  # every one, once, though the cap is 40
    sliced = [q for q in api.queries if "created:" in q]
    assert sliced and api.queries[0] == "topic:open-source-hardware"
    for d in docs:  # every slice that was read page by page was under the cap
        if d.doc_kind == "search":
            assert json.loads(d.content)["total_count"] < CAP
    r = next(r for r in oshw if r.key == "github.com/maker7/board-7")
    assert r.urls == ["https://github.com/maker7/board-7"] and r.name == "board-7" and r.description == "Board 7"
    assert r.fields["stars"] == 7 and r.fields["topics"] == ["open-source-hardware"] and r.fields["fork"] is False
    # code search answered 422 (as many hosts do): recorded, and the run went on
    assert [p.kind for p in probs] == ["code-search"] and "422" in probs[0].message
    again = {r.key for d in docs for r in adapter_for("github-search").parse(d, ctx.source)}
    assert again == {r.key for r in recs}


def test_error_page_malformed_item_fork_and_manifests(tmp_path, server):
    api, ctx, (docs, recs, probs) = run(tmp_path, server, ["topic:broken", "topic:ventilator"], code_status=200)
    by_key = {r.key: r for r in recs}
    assert set(by_key) == {"github.com/maker201/board-201", "github.com/maker202/board-202",
                           "github.com/maker3/board-3 @ okh.yml"}
    fork = by_key["github.com/maker202/board-202"]
    assert fork.fields["fork"] is True and fork.fields["fork_of"] == "https://github.com/maker201/board-201"
    assert fork.fields["query"] == "topic:ventilator"
    manifest = by_key["github.com/maker3/board-3 @ okh.yml"]
    assert manifest.urls == ["https://github.com/maker3/board-3"] and manifest.fields["manifest_path"] == "okh.yml"
    kinds = sorted(p.kind for p in probs)
    assert kinds == ["fetch", "malformed", "malformed"]
    broken = next(p for p in probs if p.kind == "fetch")
    assert "topic:broken" in broken.item and "malformed JSON" in broken.message
    assert any(d.error for d in docs if "broken" in d.url)


def test_crawl_into_duckdb(tmp_path, server, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", "gh-test")
    api = SearchAPI(server.url_for("").rstrip("/"))
    server.expect_request("/search/repositories").respond_with_handler(api)
    server.expect_request("/search/code").respond_with_handler(api)
    server.expect_request("/rate_limit").respond_with_json({"resources": {"core": {"limit": 5000, "remaining": 4999,
                                                                                   "reset": 0}}})
    server.expect_request("/repos/maker202/board-202").respond_with_handler(api)
    server.expect_request("/repos/maker201/board-201").respond_with_handler(api)
    cfg = hub_config(tmp_path, SOURCE.format(queries='["topic:ventilator"]'), github_url=api.url)
    [summary] = crawl(load_config(cfg))
    assert summary.records == 2
    con = duckdb.connect(str(tmp_path / "registry.duckdb"), read_only=True)
    try:
        rows = con.execute("SELECT project_id, fields->>'fork_of' FROM source_records WHERE source = 'gh-search' "
                           "ORDER BY 1").fetchall()
    finally:
        con.close()
    assert rows == [("github.com/maker201/board-201", None),
                    ("github.com/maker202/board-202", "https://github.com/maker201/board-201")]
