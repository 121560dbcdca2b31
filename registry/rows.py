"""Read a few projects' rows of a wide table without decompressing the whole table.

DuckDB evaluates `project_id IN (SELECT …)` as a join after the scan, so asking for the content of 2,000
documents still decompresses every document (~1 s per 100k documents). The rows of one crawl batch sit
together, though: finding their rowids needs only the narrow project_id column, and a `rowid BETWEEN a AND b`
filter is pushed into the scan, so only the row groups that hold them are read.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb

__all__ = ["for_projects", "locate", "physical_order", "read_located", "within"]

#: Rowids closer than this are read as one range (a DuckDB vector is 2,048 rows).
GAP = 2048
#: More separate ranges than this and one plain scan is cheaper than a long OR of ranges.
MAX_RANGES = 64


def _ranges(rowids: list[int]) -> list[tuple[int, int]]:
    out: list[list[int]] = []
    for r in rowids:
        if out and r - out[-1][1] <= GAP:
            out[-1][1] = r
        else:
            out.append([r, r])
    return [(a, b) for a, b in out]


def physical_order(con: duckdb.DuckDBPyConnection, table: str, ids: Iterable[str]) -> list[str]:
    """The ids ordered by where their first row sits in `table` (ids without rows last), so that chunks of
    them read neighbouring row ranges."""
    ids = sorted(set(ids))
    first = dict(con.execute(f"SELECT project_id, min(rowid) FROM {table} WHERE project_id IS NOT NULL "
                             "GROUP BY project_id").fetchall())
    return sorted(ids, key=lambda pid: (pid not in first, first.get(pid, 0), pid))


def for_projects(
    con: duckdb.DuckDBPyConnection, table: str, columns: str, ids: Iterable[str], where: str = "TRUE",
    order: str = "",
) -> list[tuple[Any, ...]]:
    """`SELECT columns FROM table WHERE where AND project_id IN ids order`, reading only the row ranges needed."""
    return read_located(con, table, columns, locate(con, table, ids, where), ids, where, order)


def within(rowids: list[int]) -> str:
    """A filter on sorted `rowids` DuckDB pushes into the scan: their `rowid BETWEEN` ranges (TRUE if too many)."""
    ranges = _ranges(rowids)
    return " OR ".join(f"rowid BETWEEN {a} AND {b}" for a, b in ranges) if len(ranges) <= MAX_RANGES else "TRUE"


def locate(con: duckdb.DuckDBPyConnection, table: str, ids: Iterable[str], where: str = "TRUE") -> dict[str, list[int]]:
    """Each project's rowids in `table` (rows matching `where`), from one scan of the narrow project_id column: a
    large run reads many small parts of them with `read_located`, without a scan per part."""
    ids = sorted(set(ids))
    out: dict[str, list[int]] = {}
    if not ids:
        return out
    for pid, rowid in con.execute(f"SELECT project_id, rowid FROM {table} WHERE ({where}) AND project_id BETWEEN $2 "
                                  "AND $3 AND project_id IN (SELECT UNNEST($1::VARCHAR[]))", [ids, ids[0], ids[-1]]
                                  ).fetchall():
        out.setdefault(pid, []).append(rowid)
    return out


def read_located(con: duckdb.DuckDBPyConnection, table: str, columns: str, located: dict[str, list[int]],
                 ids: Iterable[str], where: str = "TRUE", order: str = "") -> list[tuple[Any, ...]]:
    """The `columns` of the rows of `ids` among those `locate` found (read by their row ranges; rows written since
    are not seen): many small reads of one large run cost one scan of the project_id column, not one each."""
    ids = sorted(pid for pid in set(ids) if pid in located)
    if not ids:
        return []
    rowids = sorted(r for pid in ids for r in located[pid])
    return con.execute(f"SELECT {columns} FROM {table} WHERE ({within(rowids)}) AND ({where}) "
                       f"AND project_id IN (SELECT UNNEST($1::VARCHAR[])) {order}", [ids]).fetchall()
