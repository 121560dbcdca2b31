"""`ohr export site DIR`: the search and project pages as static files any static host can publish.

The search runs in the browser (static/search.js) over index.json, which holds each project's search row
(search_index: the same lower-cased texts, licences and headings `ohr search` matches) with what its card
shows; project pages are the live server's template rendered once per project, without curator forms.
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import date
from pathlib import Path
from typing import Any

__all__ = ["export_site", "slug"]


def slug(pid: str) -> str:
    """A file name for a project id: lower-case letters, digits, dots and dashes."""
    return re.sub(r"[^a-z0-9.-]+", "-", pid.lower()).strip("-.") or "project"


def _index_rows(con: Any) -> list[dict[str, Any]]:
    cur = con.execute("""
        SELECT s.project_id AS id, s.name, s.name_lc, s.description_lc, s.readme_lc, s.other_lc, s.categories_lc,
               s.sources, s.licences_lc, s.openness, s.bom_files, s.category, s.hardware_licence, s.maturity,
               s.stars, s.bom_lines, coalesce(fl.flags, []::VARCHAR[]) AS flags
        FROM search_index s
        LEFT JOIN (SELECT project_id, list(DISTINCT kind ORDER BY kind) AS flags FROM v_flags GROUP BY ALL) fl
               ON fl.project_id = s.project_id
        ORDER BY s.project_id""")
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def export_site(con: Any, out: Path, remote_images: bool = True, progress: Any = None) -> int:
    """Write index.html, index.json, static/ and p/<slug>.html for every listed project; returns how many."""
    from queries.output import jsonable
    from queries.web import pages
    from queries.web.app import HERE, csp, environment

    out.mkdir(parents=True, exist_ok=True)
    (out / "p").mkdir(exist_ok=True)
    rows = _index_rows(con)
    names: dict[str, str] = {}
    used: set[str] = set()
    for r in rows:
        base, n = slug(r["id"]), 1
        name = base
        while name in used:
            n += 1
            name = f"{base}-{n}"
        used.add(name)
        names[r["id"]] = name
    extras: dict[str, dict[str, Any]] = {}
    ids = [r["id"] for r in rows]
    for i in range(0, len(ids), 1000):
        extras.update(pages.card_extras(con, ids[i:i + 1000]))
    for r in rows:
        e = extras.get(r["id"], {})
        r.update(description=e.get("description"), image=e.get("image"), href=f"p/{names[r['id']]}.html")
    site_csp = csp(remote_images, scripts=True).replace("; frame-ancestors 'none'", "")
    env_root = environment(lambda pid: f"p/{names[pid]}.html" if pid in names else "#", static=True)
    env_page = environment(lambda pid: f"{names[pid]}.html" if pid in names else "#", static=True)
    common = {"curator": False, "curator_mode": False, "remote_images": remote_images, "site_csp": site_csp}
    today = date.today().isoformat()
    (out / "index.html").write_text(env_root.get_template("static_search.html").render(
        **common, count=len(rows), exported=today, root=""), encoding="utf-8")
    (out / "index.json").write_text(json.dumps({"exported": today, "projects": jsonable(rows)},
                                               ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    static = out / "static"
    static.mkdir(exist_ok=True)
    for f in ("ohr.css", "search.js"):
        shutil.copyfile(HERE / "static" / f, static / f)
    tpl = env_page.get_template("project.html")
    for k, r in enumerate(rows, 1):
        d = pages.project_page(con, r["id"])
        (out / "p" / f"{names[r['id']]}.html").write_text(
            tpl.render(**common, pid=r["id"], d=d, root="../"), encoding="utf-8")
        if progress and k % 500 == 0:
            progress(f"{k} of {len(rows)} project pages")
    return len(rows)
