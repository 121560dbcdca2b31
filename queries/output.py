"""Render rows as a table, JSON or CSV: the one `--format` every read command shares."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

__all__ = ["Format", "emit", "escape_formula", "jsonable"]


class Format(StrEnum):
    """Output formats of read commands."""

    table = "table"
    json = "json"
    csv = "csv"


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(value: str) -> str:
    """Make a CSV cell that a spreadsheet would run as a formula open as text (OWASP: prefix a quote)."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def jsonable(value: Any) -> Any:
    """A value JSON can hold: datetimes as ISO text, bytes as their length, decimals as floats."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return f"<{len(value)} bytes>"
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(_cell(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(jsonable(value), ensure_ascii=False)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(jsonable(value))


def emit(columns: Sequence[str], rows: Sequence[Sequence[Any]], fmt: Format | str = Format.table,
         title: str | None = None, out: Any = None) -> None:
    """Write rows to stdout (or ``out``) in the chosen format."""
    fmt = Format(fmt)
    out = out or sys.stdout
    if fmt is Format.json:
        data = [{c: jsonable(v) for c, v in zip(columns, row, strict=False)} for row in rows]
        out.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return
    if fmt is Format.csv:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(columns)
        for row in rows:
            # a bare CR is not quoted by csv (lineterminator is LF) but spreadsheets break rows on it
            w.writerow([escape_formula(_cell(v).replace("\r\n", "\n").replace("\r", "\n")) for v in row])
        out.write(buf.getvalue())
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(file=out, width=None if out.isatty() else 160, highlight=False, soft_wrap=False)
    table = Table(title=title, show_lines=False, header_style="bold")
    for c in columns:
        table.add_column(c, overflow="fold")
    for row in rows:
        table.add_row(*[escape(_cell(v)) for v in row])
    console.print(table)
    if not rows:
        console.print("(no rows)")
