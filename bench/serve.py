"""Time each page of `ohr serve` on a large registry: the server's own time per page (its Server-Timing header).

The app runs under uvicorn on 127.0.0.1 in this process and is asked over HTTP for each page `--repeat` times;
the first request of a page is reported apart (cold: nothing cached for that registry state yet), then the
median and slowest of the rest. Beside them, `cli` is the median time of what the matching `ohr` command does
for that page (search_plan.search, project_details, review_queue, the curated query) in this process on the
same registry, and `page/cli` their ratio: what the web layer adds, whatever the machine's load. The goal is
100 ms per page on a 100k-project registry. Build one first:

    .venv/bin/python bench/scale.py --sizes 100000 --keep --no-renormalize      # -> /tmp/ohr-scale/n100000
    .venv/bin/python bench/serve.py --db /tmp/ohr-scale/n100000/registry.duckdb
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

GOAL_MS = 100.0


def _serve(app: object) -> tuple[object, str]:
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off",
                                           access_log=False))
    threading.Thread(target=server.run, daemon=True).start()
    for _ in range(3000):
        if server.started:
            break
        time.sleep(0.01)
    return server, f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"


def _cli_equivalents(db: Path, with_bom: str, hub: str, repeat: int) -> dict[str, float]:
    """Median ms of what the `ohr` commands do for the same pages, in this process (connection already open)."""
    from queries.cli_read import project_details
    from queries.search_plan import search
    from queries.web.pages import run_query, search_values
    from registry.curate import review_queue
    from registry.db import reader

    jobs = {
        "search: everything": lambda con: search(con, search_values({})),
        "search: 'ventilator'": lambda con: search(con, search_values({"q": "ventilator"})),
        "search: 'e' (a scan)": lambda con: search(con, search_values({"q": "e"})),
        "search: 3 facets": lambda con: search(con, search_values({"licence": "open", "has_bom": "1",
                                                                   "maturity": "tested"})),
        "search: word + facet": lambda con: search(con, search_values({"q": "sensor", "licence": "CERN-OHL"})),
        "project: largest BOM": lambda con: project_details(con, with_bom),
        "project: first non-GitHub": lambda con: project_details(con, hub),
        "query: licence_mix": lambda con: run_query(con, "licence_mix", {}),
        "download: buildable.csv": lambda con: run_query(con, "buildable", {}),
        "review queue": lambda con: review_queue(con),
    }
    out = {}
    with reader(db) as con:
        for label, job in jobs.items():
            times = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                job(con)
                times.append((time.perf_counter() - t0) * 1000)
            out[label] = statistics.median(times)
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", default="/tmp/ohr-scale/n100000/registry.duckdb", help="the registry to serve")
    ap.add_argument("--repeat", type=int, default=7, help="requests per page after the first")
    args = ap.parse_args(argv)
    import httpx

    from queries.web.app import create_app
    from registry.db import reader

    db = Path(args.db)
    if not db.exists():
        sys.exit(f"no registry at {db}: build one with bench/scale.py --keep (see this file's docstring)")
    with reader(db) as con:
        n = con.execute("SELECT count(*) FROM projects").fetchone()[0]
        with_bom = con.execute("SELECT project_id FROM bom_files WHERE line_count > 0 ORDER BY line_count DESC, "
                               "project_id LIMIT 1").fetchone()[0]
        hub = con.execute("SELECT id FROM projects ORDER BY url_kind = 'github-repo', id LIMIT 1").fetchone()[0]
    pages = [
        ("search: everything", "/"),
        ("search: 'ventilator'", "/?q=ventilator"),
        ("search: 'e' (a scan)", "/?q=e"),
        ("search: 3 facets", "/?licence=open&has_bom=1&maturity=tested"),
        ("search: word + facet", "/?q=sensor&licence=CERN-OHL"),
        ("project: largest BOM", f"/project/{with_bom}"),
        ("project: first non-GitHub", f"/project/{hub}"),
        ("analysts (3 charts)", "/analysts"),
        ("query: licence_mix", "/analysts/licence_mix"),
        ("download: buildable.csv", "/analysts/buildable.csv"),
        ("review queue", "/review"),
    ]
    server, url = _serve(create_app(db))
    cli = _cli_equivalents(db, with_bom, hub, args.repeat)
    print(f"ohr serve on {db} ({n:,} projects); server time per page, ms (goal {GOAL_MS:.0f}); "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'page':<26} {'cold':>8} {'median':>8} {'max':>8} {'bytes':>9} {'cli':>8} {'page/cli':>9}  goal")
    worst = 0.0
    with httpx.Client(base_url=url, timeout=300) as client:
        for label, path in pages:
            times = []
            size = 0
            for _ in range(args.repeat + 1):
                r = client.get(path)
                r.raise_for_status()
                size = len(r.content)
                times.append(float(r.headers["server-timing"].split("dur=")[1]))
            warm = times[1:]
            med = statistics.median(warm)
            worst = max(worst, med)
            base = cli.get(label)
            cli_ms = f"{base:8.1f}" if base else " " * 8
            ratio = f"{med / base:9.2f}" if base else " " * 9
            print(f"{label:<26} {times[0]:8.1f} {med:8.1f} {max(warm):8.1f} {size:9,} {cli_ms}{ratio}  "
                  f"{'ok' if med <= GOAL_MS else 'OVER'}")
    print(f"slowest median / goal: {worst / GOAL_MS:.2f}")
    server.should_exit = True


if __name__ == "__main__":
    main()
