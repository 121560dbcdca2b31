"""SPDX expressions: validate and render one, name what is not on the list, join several."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import lru_cache, wraps
from importlib import resources
from typing import Any, TypeVar


@lru_cache(maxsize=1)
def licensing() -> Any:
    """The SPDX licensing object, built once (loading the key index takes ~40 ms)."""
    from license_expression import get_spdx_licensing

    return get_spdx_licensing()


@lru_cache(maxsize=1)
def categories() -> dict[str, str]:
    """SPDX key (upper case) -> ScanCode licence category, used when our own table has no verdict."""
    try:
        raw = resources.files("license_expression").joinpath("data/scancode-licensedb-index.json").read_text()
    except (OSError, ModuleNotFoundError):
        return {}
    out: dict[str, str] = {}
    for entry in json.loads(raw):
        for key in [entry.get("spdx_license_key"), *(entry.get("other_spdx_license_keys") or [])]:
            if key and entry.get("category"):
                out.setdefault(key.upper(), entry["category"])
    return out


#: expressions longer than this are parsed each time, not remembered (a hostile value cannot fill the caches)
_MAX_REMEMBERED = 200


_T = TypeVar("_T")


def remember_short(fn: Callable[[str], _T]) -> Callable[[str], _T]:
    """`fn` of a string, remembered for strings of at most `_MAX_REMEMBERED` characters: the same few licence
    names and headings recur in every project, and a hostile long value cannot fill the cache."""
    cached = lru_cache(maxsize=4096)(fn)

    @wraps(fn)
    def call(text: str) -> _T:
        return cached(text) if len(text) <= _MAX_REMEMBERED else fn(text)
    return call


@remember_short
def spdx(expression: str) -> str | None:
    """A valid SPDX expression rendered canonically (GPL-3.0 -> GPL-3.0-only), or None if it is not one."""
    text = expression.strip()
    if not text or not re.fullmatch(r"[A-Za-z0-9.+\-:() ]+", text):
        return None
    lic = licensing()
    try:
        parsed = lic.parse(text, validate=False)
    except Exception:  # noqa: BLE001 - the parser raises several unrelated types on junk
        return None
    if parsed is None:
        return None
    known = lic.known_symbols
    for key in lic.license_keys(parsed, unique=True):
        if key not in known and not key.startswith("LicenseRef-"):
            return None
    try:
        return lic.parse(text, validate=True).render()
    except Exception:  # noqa: BLE001
        return parsed.render()


def _slug(text: str) -> str:
    """LicenseRef-safe slug of free text (letters, digits, dots and dashes only)."""
    s = re.sub(r"[^A-Za-z0-9.]+", "-", text.strip()).strip("-.")
    return (s or "unknown")[:60]


def ref(text: str) -> str:
    """LicenseRef id for something that is not on the SPDX list."""
    return f"LicenseRef-{_slug(text)}"


def combine(exprs: list[str], op: str) -> str:
    """Join expressions with AND / OR, parenthesising compound parts; duplicates are dropped."""
    uniq: list[str] = []
    for e in exprs:
        if e not in uniq:
            uniq.append(e)
    if len(uniq) == 1:
        return uniq[0]
    return f" {op} ".join(f"({e})" if " " in e else e for e in uniq)
