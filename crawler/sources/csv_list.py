"""`csv-list` source: a crowd-sourced spreadsheet published as CSV, read through a column mapping from the config."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from crawler.base import Context
from crawler.config import SourceConfig
from crawler.http import FetchError, fetcher_for
from crawler.links import ordered_urls
from crawler.sources import HTTP_OPTIONS, SourceKind
from registry.model import Document, Problem, Record, SourceFacts
from registry.urls import looks_like_url, project_id

__all__ = ["CsvListAdapter", "read_document", "read_rows"]

#: A crowd spreadsheet: after hubs; its licence column is hub-declared, its notes a curator's words.
SOURCE = SourceKind(
    kind="csv-list", adapter="CsvListAdapter",
    facts=SourceFacts(trust=60, hub=True, prose="list"),
    options={"url": "string", "columns": "table", "delimiter": "string", "licence_scope": "string", **HTTP_OPTIONS},
)

_ROLES = ("name", "url", "description", "category", "licence")


def _decode(content: bytes) -> str:
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(enc)
        except UnicodeDecodeError:
            continue
    return content.decode("latin-1")


def _columns(source: SourceConfig) -> dict[str, list[str]]:
    """Role → the header names it reads (a role may read several columns, e.g. two URL columns)."""
    raw = source.get("columns") or {}
    out: dict[str, list[str]] = {}
    for role, value in raw.items():
        names = [value] if isinstance(value, str) else [str(v) for v in value or []]
        out[role] = [n.strip() for n in names if str(n).strip()]
    return out


def read_rows(text: str, delimiter: str | None = None) -> list[list[str]]:
    """CSV rows with cells stripped; the delimiter sniffed among `,` `;` tab `|` unless given."""
    if delimiter is None:
        # csv.Sniffer is quadratic in line length: a hostile 20,000-comma row took seconds (found by tests/test_fuzz)
        sample = "\n".join(line[:2000] for line in text.splitlines()[:30])
        try:
            delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
        except csv.Error:
            delimiter = ","
    return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]


def _header(rows: list[list[str]], cols: dict[str, list[str]]) -> tuple[int, dict[str, list[int]]] | None:
    """The index of the header row (the first naming the name and url columns) and role → column indexes."""
    want = {n.lower() for role in ("name", "url") for n in cols.get(role, [])}
    for i, row in enumerate(rows[:50]):
        cells = [c.lower() for c in row]
        if want and want <= set(cells):
            index = {role: [cells.index(n.lower()) for n in names if n.lower() in cells] for role, names in
                     cols.items()}
            return i, index
    return None


def read_document(doc: Document, source: SourceConfig) -> tuple[list[Record], list[Problem]]:
    """Records of the stored CSV (one per row with a URL), and the rows that could not be read."""
    if doc.content is None:
        return [], []
    if doc.content.lstrip()[:1] == b"<":
        return [], [Problem(doc.url, "parse", "answer is HTML, not CSV (is the sheet published?)", doc.url)]
    cols = _columns(source)
    rows = read_rows(_decode(doc.content), source.get("delimiter"))
    found = _header(rows, cols)
    if found is None:
        names = ", ".join(n for role in ("name", "url") for n in cols.get(role, []))
        return [], [Problem(doc.url, "parse", f"no header row naming the columns {names}", doc.url)]
    start, index = found
    header = [c.lower() for c in rows[start]]
    scope = str(source.get("licence_scope", "hardware"))
    records: list[Record] = []
    problems: list[Problem] = []
    seen: set[str] = set()

    def cell(row: list[str], role: str) -> list[str]:
        return [row[i] for i in index.get(role, []) if i < len(row) and row[i]]

    for n, row in enumerate(rows[start + 1:], start=start + 2):
        if not any(row) or [c.lower() for c in row] == header:
            continue  # blank rows, repeated headers
        name = next(iter(cell(row, "name")), None)
        raw_urls = cell(row, "url")
        urls = ordered_urls(u for u in raw_urls if looks_like_url(u))
        if not urls:
            what = f"{raw_urls[0][:80]!r} is not a URL" if raw_urls else "no URL"
            problems.append(Problem(f"{doc.url}#row{n}", "malformed", f"row {n} ({name or 'no name'}): {what}; skipped",
                                    doc.url))
            continue
        key = project_id(urls[0]) or urls[0]
        if key in seen:
            problems.append(Problem(f"{doc.url}#row{n}", "duplicate", f"row {n}: {urls[0]} listed again; skipped",
                                    doc.url))
            continue
        seen.add(key)
        fields: dict[str, Any] = {"row": n}
        lic = next(iter(cell(row, "licence")), None)
        if lic:
            fields["licence"] = {scope: lic}
        for role in index:
            if role not in _ROLES:
                values = cell(row, role)
                if values:
                    fields[role] = values[0] if len(values) == 1 else values
        records.append(Record(
            source=source.name, key=key, urls=urls, name=name,
            description=" ".join(cell(row, "description")) or None, category=next(iter(cell(row, "category")), None),
            fields=fields, document_url=doc.url, position=n,
        ))
    return records, problems


class CsvListAdapter:
    """Fetch the CSV (conditionally) and read one record per row through the configured column mapping."""

    kind = "csv-list"

    def fetch(self, ctx: Context) -> Iterator[Document | Record | Problem]:
        """Yield the CSV document, a record per usable row, and a problem per unusable one."""
        src = ctx.source
        url, cols = src.get("url"), _columns(src)
        if not url or not cols.get("name") or not cols.get("url"):
            yield Problem(src.name, "config", "csv-list needs url and columns = {name = \"…\", url = \"…\"}")
            return
        with fetcher_for(ctx) as http:
            try:
                res = http.get(url, accept="text/csv, text/plain;q=0.5")
            except FetchError as exc:
                yield Problem(src.name, exc.kind, str(exc), url)
                return
        if not res.ok:
            yield res.document("csv-list", src.name)
            yield Problem(src.name, "fetch", f"CSV not read: {res.error}", url)
            return
        if res.content_type == "text/html" or (res.content or b"").lstrip()[:1] == b"<":
            yield res.document("csv-list", src.name, error="answer is HTML, not CSV")
            yield Problem(src.name, "fetch", "answer is HTML, not CSV (is the sheet published?)", url)
            return
        doc = res.document("csv-list", src.name)
        yield doc
        records, problems = read_document(doc, src)
        yield from problems
        yield from records

    def parse(self, doc: Document, source: SourceConfig) -> list[Record]:
        """Records of the stored CSV."""
        return read_document(doc, source)[0]
