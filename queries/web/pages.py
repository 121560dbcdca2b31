"""What each web page shows, read through the CLI's own code: search_plan for search, project_details for a project.

Plain data in, plain data out (dicts and lists), so the live server (queries/web/app.py) and the static
export (queries/web/site.py) render the same facts; every text here is raw and is escaped by the templates.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urljoin, urlsplit

__all__ = [
    "STAGES",
    "analyst_charts",
    "card_extras",
    "facet_counts",
    "first_image",
    "project_page",
    "run_query",
    "search_page",
    "search_values",
]

STAGES = ("concept", "prototype", "tested", "production")

#: Every matching row is counted for the facets (the search's own LIMIT, lifted).
_ALL_ROWS = 2_000_000_000
#: Facet values listed per facet (the rest are summed under "more").
FACET_TOP = 12
#: BOM lines shown on a project page (the file's full count is shown beside it).
BOM_ROWS = 500


def search_values(args: dict[str, Any]) -> dict[str, Any]:
    """The parameters of queries/_search.sql for a page's query string, as `ohr search` builds them."""
    from registry.curate import KINDS

    def one(key: str) -> str | None:
        v = args.get(key)
        if isinstance(v, list):
            v = v[0] if v else None
        v = (v or "").strip()
        return v or None

    def many(key: str) -> list[str]:
        v = args.get(key) or []
        items = v if isinstance(v, list) else [v]
        return [k.strip().lower() for k in items if k.strip().lower() in KINDS or k.strip().lower() == "any"]

    maturity = one("maturity")
    try:
        limit = max(1, min(int(one("limit") or 20), 200))
    except ValueError:
        limit = 20
    text = one("q") or ""
    return {"terms": [t.lower() for t in text.split() if t], "category": one("category"), "source": one("source"),
            "licence": one("licence"), "has_bom": one("has_bom") in ("1", "true", "on"),
            "maturity": maturity.lower() if maturity and maturity.lower() in STAGES else None, "lim": limit,
            "flag": many("flag"), "no_flag": many("no_flag")}


def facet_counts(con: Any, values: dict[str, Any]) -> dict[str, Any]:
    """Counts per facet value over every row the search matches: queries/_search.sql itself, its LIMIT lifted."""
    from queries.search_plan import word_ids
    from queries.sqlfiles import load

    q = load("_search")
    params = q.bind({**values, "words": word_ids(con, list(values["terms"])), "lim": _ALL_ROWS})
    # openness, licence and category filter by a test, not equality (an SPDX prefix of any scope's licence; a
    # substring of any heading): each shown value is counted by that same test, so its count is what it keeps
    sql = f"""
WITH r AS MATERIALIZED (
    SELECT r.*, s.categories_lc, s.licences_lc, s.bom_files, s.sources AS source_list
    FROM ({q.sql}) r JOIN search_index s ON s.project_id = r.id),
vals AS (
    SELECT facet, value FROM (
        SELECT facet, value, row_number() OVER (PARTITION BY facet ORDER BY n DESC, value) AS k FROM (
            SELECT 'openness' AS facet, openness AS value, count(*) AS n FROM r GROUP BY ALL
            UNION ALL SELECT 'licence', hardware_licence, count(*) FROM r WHERE hardware_licence IS NOT NULL
                      GROUP BY ALL
            UNION ALL SELECT 'category', category, count(*) FROM r WHERE category IS NOT NULL GROUP BY ALL))
    WHERE k <= {FACET_TOP})
SELECT v.facet, v.value, count(*) AS n FROM vals v JOIN r ON CASE WHEN v.facet = 'category'
        THEN contains(r.categories_lc, lower(v.value))
        ELSE r.openness = lower(v.value)
             OR list_bool_or(list_transform(r.licences_lc, lambda x: starts_with(x, lower(v.value)))) END
GROUP BY ALL
UNION ALL SELECT 'total', NULL, count(*) FROM r
UNION ALL SELECT 'distinct', facet, count(DISTINCT value) FROM (
    SELECT 'licence' AS facet, hardware_licence AS value FROM r UNION ALL SELECT 'category', category FROM r)
    GROUP BY ALL
UNION ALL SELECT 'maturity', maturity, count(*) FROM r WHERE maturity IS NOT NULL GROUP BY ALL
UNION ALL SELECT 'has_bom', 'with a BOM', count(*) FROM r WHERE bom_files > 0
UNION ALL SELECT 'source', s, count(*) FROM (SELECT unnest(source_list) AS s FROM r) GROUP BY ALL
UNION ALL SELECT 'flag', f, count(*) FROM (SELECT unnest(string_split(flags, ', ')) AS f FROM r)
          WHERE f <> '' GROUP BY ALL
"""
    out: dict[str, list[tuple[str, int]]] = {k: [] for k in ("openness", "licence", "maturity", "has_bom",
                                                            "category", "source", "flag")}
    total, distinct = 0, {}
    for facet, value, n in con.execute(sql, params).fetchall():
        if facet == "total":
            total = n
        elif facet == "distinct":
            distinct[value] = n
        else:
            out[facet].append((value, n))
    exact = dict(out["maturity"])
    at_least, running = [], 0
    for stage in reversed(STAGES):  # the filter means "at least": count what it would keep
        running += exact.get(stage, 0)
        at_least.append((stage, running))
    out["maturity"] = [(s, n) for s, n in reversed(at_least) if n]
    out["has_bom"] = [(v, n) for v, n in out["has_bom"] if n]
    for facet in ("openness", "licence", "category", "source", "flag"):
        out[facet] = sorted(out[facet], key=lambda vn: (-vn[1], str(vn[0])))
    more = {f: len(out[f]) - FACET_TOP for f in out if len(out[f]) > FACET_TOP}
    more.update({f: n - FACET_TOP for f, n in distinct.items() if n > FACET_TOP})
    return {"total": total, "facets": {f: v[:FACET_TOP] for f, v in out.items()}, "more": more}


_MD_IMAGE = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+[\"'][^)]*[\"'])?\s*\)")
_HTML_IMAGE = re.compile(r"<img\b[^>]*?\bsrc\s*=\s*[\"']?([^\"'\s>]+)", re.I)
_BADGE = re.compile(r"badge|shields\.io|travis-ci|circleci|codecov|coveralls|gitter|zenodo\.org/badge|"
                    r"/workflows/|ko-fi|buymeacoffee|liberapay|patreon|\.svg(\?|$)", re.I)


def first_image(readme: str | None, base: str | None) -> str | None:
    """The first picture of a README (badges skipped) as an absolute http(s) URL, or None: no other scheme passes."""
    if not readme:
        return None
    found = sorted([(m.start(), m.group(1)) for m in _MD_IMAGE.finditer(readme)]
                   + [(m.start(), m.group(1)) for m in _HTML_IMAGE.finditer(readme)])
    for _, raw in found:
        url = raw.strip().replace("&amp;", "&")
        if _BADGE.search(url):
            continue
        if not urlsplit(url).scheme and base:
            url = urljoin(base, url)
        parts = urlsplit(url)
        if parts.scheme.lower() in ("http", "https") and parts.netloc and not any(c in url for c in "\"'<> \\"):
            return url
    return None


def _raw_base(full_name: str | None, branch: str | None, readme_path: str | None, api_host: bool) -> str | None:
    """Where a GitHub README's relative image paths point (GitHub itself serves them from raw.githubusercontent.com)."""
    if not full_name or not api_host:
        return None
    folder = (readme_path or "README.md").rpartition("/")[0]
    return f"https://raw.githubusercontent.com/{full_name}/{branch or 'HEAD'}/" + (f"{folder}/" if folder else "")


def card_extras(con: Any, ids: list[str]) -> dict[str, dict[str, Any]]:
    """Per result id: its description (a curator's correction first, as v_projects has it), canonical URL and first
    README picture, from the picture tags its search row keeps (migration 0019). Read from the tables, not
    v_projects, and no README is read: both cost ~0.1 s per card at 100k projects."""
    if not ids:
        return {}
    marks = ", ".join("?" for _ in ids)
    out = {}
    for pid, desc, url, tags, full, branch, path, host in con.execute(
            "SELECT p.id, CASE WHEN c.project_id IS NULL THEN p.description ELSE c.value END, p.canonical_url, "
            "s.images, r.full_name, r.default_branch, r.readme_path, r.host "
            "FROM projects p LEFT JOIN corrections c ON c.project_id = p.id AND c.field = 'description' "
            f"LEFT JOIN (SELECT project_id, images FROM search_index WHERE project_id IN ({marks})) s "
            "ON s.project_id = p.id "
            f"LEFT JOIN (SELECT project_id, full_name, default_branch, readme_path, host FROM repos "
            f"WHERE project_id IN ({marks})) r ON r.project_id = p.id "
            f"WHERE p.id IN ({marks})", ids * 3).fetchall():
        image = first_image("\n".join(tags or []), _raw_base(full, branch, path, host == "github"))
        out[pid] = {"description": desc, "canonical_url": url, "image": image}
    return out


def search_page(con: Any, values: dict[str, Any], facets: Any = None) -> dict[str, Any]:
    """Result cards (the CLI search's rows plus description and picture) and facet counts for one search;
    `facets(values, compute)` may answer the counts from a cache."""
    from queries.search_plan import search

    cols, rows = search(con, values)
    results = [dict(zip(cols, r, strict=True)) for r in rows]
    extras = card_extras(con, [r["id"] for r in results])
    for r in results:
        r.update(extras.get(r["id"], {}))
        r["flags"] = [f for f in (r.get("flags") or "").split(", ") if f]
    counts = facets(values, lambda: facet_counts(con, values)) if facets else facet_counts(con, values)
    return {"results": results, **counts}


def _evidence(value: Any) -> list[str]:
    """Maturity evidence (JSON: one {value, phrase, source} or a list of them) as readable lines."""
    if value is None:
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return [value]
    items = value if isinstance(value, list) else [value]
    out = []
    for e in items:
        if isinstance(e, dict):
            phrase = f" — “{e['phrase']}”" if e.get("phrase") else ""
            src = f" ({e['source']})" if e.get("source") else ""
            out.append(f"{e.get('value', '')}{phrase}{src}")
        else:
            out.append(str(e))
    return out


def _rows(con: Any, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cur = con.execute(sql, params)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def _has_table(con: Any, name: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
                            [name]).fetchone()[0])


def project_page(con: Any, pid: str) -> dict[str, Any]:
    """Everything `ohr show` prints for a project, plus its BOM lines with a cost roll-up, links by kind and history."""
    from queries.cli_read import project_details
    from registry.curate import history

    d = project_details(con, pid)
    for m in d["maturity"]:
        for k in ("declared_evidence", "derived_evidence", "state_evidence", "caveats"):
            m[k] = _evidence(m.get(k))
    for b in d["boms"]:
        cost = b.get("cost")
        b["cost"] = json.loads(cost) if isinstance(cost, str) else cost
    d["bom_lines"] = _rows(con, "SELECT path, sheet, row, quantity, designators, part, description, manufacturer, "
                                "mpn, supplier, supplier_pn, unit_price, currency, link FROM bom_lines "
                                "WHERE project_id = ? ORDER BY path, sheet NULLS FIRST, row LIMIT ?",
                           [pid, BOM_ROWS])
    d["bom_total_lines"] = con.execute("SELECT count(*) FROM bom_lines WHERE project_id = ?", [pid]).fetchone()[0]
    d["bom_rollup"] = _rows(con, """
        SELECT * FROM (
            SELECT coalesce(currency, '(no price)') AS currency, count(*) AS lines,
                   sum(coalesce(quantity, 1)) AS parts, round(sum(coalesce(quantity, 1) * unit_price), 2) AS cost
            FROM bom_lines WHERE project_id = ? GROUP BY ALL)
        ORDER BY currency = '(no price)', currency""", [pid])
    links: dict[str, list[str]] = {}
    for u in d["urls"]:
        links.setdefault(u["url_kind"] or "web", []).append(u["url"])
    if _has_table(con, "project_links"):  # typed links read from lists (migration 0014), where present
        for rec in _rows(con, "SELECT * FROM project_links WHERE project_id = ?", [pid]):
            url = rec.get("url")
            if url and url not in links.get(rec.get("kind") or "link", []):
                links.setdefault(rec.get("kind") or "link", []).append(url)
    d["links"] = sorted(links.items())
    d["history"] = history(con, pid)
    d["image"] = card_extras(con, [pid]).get(pid, {}).get("image")
    return d


def run_query(con: Any, name: str, params: dict[str, str]) -> tuple[Any, list[str], list[tuple]]:
    """A curated query (queries/*.sql, as `ohr query NAME` runs it): its header, columns and rows."""
    from queries.sqlfiles import available, load

    if name not in available():
        raise KeyError(name)
    q = load(name)
    cur = con.execute(q.sql, q.bind({k: v for k, v in params.items() if k in q.params}))
    return q, [d[0] for d in cur.description], cur.fetchall()


def analyst_charts(con: Any) -> list[dict[str, Any]]:
    """The analysts' charts, each drawn from a curated query's rows: licence mix, maturity by category, years."""
    from queries.web.svg import bars, stacked_bars

    charts = []
    _, cols, rows = run_query(con, "licence_mix", {})
    totals: dict[str, int] = {}
    for r in rows:
        rec = dict(zip(cols, r, strict=True))
        totals[rec["licence"]] = totals.get(rec["licence"], 0) + rec["projects"]
    top = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
    if len(top) > 12:
        top = top[:11] + [("(other)", sum(n for _, n in top[11:]))]
    charts.append({"title": "Licence mix (hardware licence, all categories)", "query": "licence_mix",
                   "svg": bars(top, unit="projects")})
    _, cols, rows = run_query(con, "maturity_by_category", {})
    recs = [dict(zip(cols, r, strict=True)) for r in rows]
    cats = sorted({r["category"] for r in recs}, key=lambda c: -sum(x["projects"] for x in recs if x["category"] == c))
    if len(cats) > 12:
        cats = cats[:12]
    series = [*STAGES, "(unknown)"]
    data = [(c, [sum(x["projects"] for x in recs if x["category"] == c and x["maturity"] == s) for s in series])
            for c in cats]
    charts.append({"title": "Maturity by category (largest 12 categories)", "query": "maturity_by_category",
                   "svg": stacked_bars(data, series)})
    _, cols, rows = run_query(con, "projects_over_time", {})
    recs = [dict(zip(cols, r, strict=True)) for r in rows]
    charts.append({"title": "Projects by year first dated (repository created, else first seen)",
                   "query": "projects_over_time",
                   "svg": bars([(str(r["year"]), r["projects"]) for r in recs], unit="projects", vertical=True)})
    return charts
