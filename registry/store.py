"""Batch writes: one `INSERT … SELECT UNNEST(…)` per table and batch, never row by row."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb

__all__ = ["column_types", "insert", "upsert"]

_types_cache: dict[tuple[int, str], dict[str, str]] = {}


def column_types(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    """Column name → DuckDB type of a table, in table order."""
    key = (id(con), table)
    if key not in _types_cache:
        rows = con.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = ? ORDER BY ordinal_position",
            [table],
        ).fetchall()
        if not rows:
            raise KeyError(f"no table {table}")
        _types_cache[key] = dict(rows)
    return _types_cache[key]


def _prepare(value: Any, typ: str) -> Any:
    if value is None:
        return None
    if typ == "JSON":
        return value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return value


def _columns(
    con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[Mapping[str, Any]]
) -> tuple[list[str], list[str], list[list[Any]]]:
    types = column_types(con, table)
    cols = [c for c in types if any(c in r for r in rows)]
    unknown = {k for r in rows for k in r} - set(types)
    if unknown:
        raise KeyError(f"{table} has no column(s) {sorted(unknown)}")
    data = [[_prepare(r.get(c), types[c]) for r in rows] for c in cols]
    return cols, [types[c] for c in cols], data


def _select(cols: list[str], typs: list[str]) -> str:
    parts = []
    for i, t in enumerate(typs, start=1):
        if t == "JSON":
            parts.append(f"UNNEST(${i}::VARCHAR[])::JSON")
        else:
            parts.append(f"UNNEST(${i}::{t}[])")
    return "SELECT " + ", ".join(parts)


def insert(con: duckdb.DuckDBPyConnection, table: str, rows: Iterable[Mapping[str, Any]]) -> int:
    """Append rows to a table in one statement; returns how many."""
    rows = list(rows)
    if not rows:
        return 0
    cols, typs, data = _columns(con, table, rows)
    con.execute(f"INSERT INTO {table} ({', '.join(cols)}) {_select(cols, typs)}", data)
    return len(rows)


def upsert(
    con: duckdb.DuckDBPyConnection,
    table: str,
    rows: Iterable[Mapping[str, Any]],
    key: Sequence[str],
    keep: Iterable[str] = (),
    coalesce: Iterable[str] = (),
    exprs: Mapping[str, str] | None = None,
) -> int:
    """Insert or update rows by key in one statement.

    Columns in ``keep`` keep their stored value on conflict (e.g. first_seen); columns in
    ``coalesce`` take the new value only when it is not NULL; ``exprs`` gives a column its own SQL
    (``excluded.x`` is the new value, ``table.x`` the stored one). Later rows with the same key win.
    """
    by_key: dict[tuple, Mapping[str, Any]] = {}
    for r in rows:
        by_key[tuple(r.get(k) for k in key)] = r
    rows = list(by_key.values())
    if not rows:
        return 0
    cols, typs, data = _columns(con, table, rows)
    keep, coalesce = set(keep), set(coalesce)
    sets = []
    exprs = dict(exprs or {})
    for c in cols:
        if c in key or c in keep:
            continue
        if c in exprs:
            sets.append(f"{c} = {exprs.pop(c)}")
            continue
        sets.append(f"{c} = coalesce(excluded.{c}, {table}.{c})" if c in coalesce else f"{c} = excluded.{c}")
    sets += [f"{c} = {e}" for c, e in exprs.items()]
    conflict = f"ON CONFLICT ({', '.join(key)}) " + (f"DO UPDATE SET {', '.join(sets)}" if sets else "DO NOTHING")
    con.execute(f"INSERT INTO {table} ({', '.join(cols)}) {_select(cols, typs)} {conflict}", data)
    return len(rows)
