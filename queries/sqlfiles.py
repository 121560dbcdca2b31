"""Curated queries live in `.sql` files with a header comment; this reads them and binds parameters."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

__all__ = ["SqlFile", "load", "available"]


@dataclass
class SqlFile:
    """A query file: its name, title, description, declared parameters with defaults, and body."""

    name: str
    title: str
    description: str
    params: dict[str, str] = field(default_factory=dict)
    sql: str = ""
    notes: dict[str, str] = field(default_factory=dict)  # parameter -> what it means

    def bind(self, values: dict[str, Any]) -> dict[str, Any]:
        """Named parameters for DuckDB: declared defaults overridden by values; unknown names refused."""
        unknown = set(values) - set(self.params)
        if unknown:
            raise KeyError(f"query {self.name!r} has no parameter(s) {', '.join(sorted(unknown))}"
                           f" (it takes: {', '.join(self.params) or 'none'})")
        out: dict[str, Any] = {}
        for k, default in self.params.items():
            out[k] = values.get(k, None if default.upper() == "NULL" else default)
        used = set(re.findall(r"\$([a-zA-Z_]\w*)", self.sql))
        return {k: v for k, v in out.items() if k in used}


_HEADER = re.compile(r"^--\s?(.*)$")


def parse(name: str, text: str) -> SqlFile:
    """Read a query file's header: `-- title: …`, `-- description: …`, `-- param: name = default  note`."""
    title, desc, params, notes = name, [], {}, {}
    body_start = 0
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = _HEADER.match(line)
        if not m:
            body_start = i
            break
        content = m.group(1)
        key, _, value = content.partition(":")
        key = key.strip().lower()
        if key == "title":
            title = value.strip()
        elif key == "description":
            desc.append(value.strip())
        elif key == "param":
            pname, _, rest = value.partition("=")
            default, _, note = rest.strip().partition("  ")
            params[pname.strip()] = default.strip()
            notes[pname.strip()] = note.strip()
        elif desc and not key.startswith(("title", "param")) and content.strip():
            desc.append(content.strip())
    else:
        body_start = len(lines)
    return SqlFile(name, title, " ".join(desc), params, "\n".join(lines[body_start:]).strip(), notes)


def available() -> list[str]:
    """Names of the curated queries shipped in the `queries` package (internal ones start with `_`)."""
    return sorted(
        e.name[:-4] for e in resources.files("queries").iterdir()
        if e.name.endswith(".sql") and not e.name.startswith("_")
    )


def load(name: str) -> SqlFile:
    """One query file by name (without `.sql`)."""
    entry = resources.files("queries").joinpath(f"{name}.sql")
    if not entry.is_file():
        raise FileNotFoundError(name)
    return parse(name, entry.read_text(encoding="utf-8"))
