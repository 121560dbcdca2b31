"""A licence field's value (a hub's 'CERN OHL', a manifest's 'GPL-3.0 or MIT') read as one SPDX expression."""

from __future__ import annotations

import re

from registry.normalize.licence._data import load
from registry.normalize.licence.mentions import find_mentions
from registry.normalize.licence.spdx import combine, ref, spdx

_TABLE = load("names.toml")
_NOT_A_LICENCE = frozenset(_TABLE["not_a_licence"])
_ALIASES: dict[str, str] = _TABLE["aliases"]
_ALIAS_FAMILY: dict[str, str] = _TABLE["alias_family"]


def key(text: str) -> str:
    """Lower-case, punctuation-free key of a short licence name."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower().replace("licence", "license")).split())


def normalize(text: str) -> tuple[str | None, str | None]:
    """(expression, vague family) for a licence name or expression; (None, None) for 'None'/'Other'."""
    raw = text.strip().strip("\"'`")
    k = key(raw)
    if k in _NOT_A_LICENCE or not k:
        return None, None
    alias = _ALIASES.get(k.removesuffix(" license").removesuffix(" licensed"))
    expr = None if alias else spdx(raw)
    if expr:
        return expr, None
    if alias:
        vague = _ALIAS_FAMILY.get(alias)
        if alias.startswith("CC-BY") and not re.search(r"\d", k):
            vague = alias.rsplit("-", 1)[0]
        return alias, vague
    mentions = find_mentions(raw, loose=True)
    if not mentions:
        return ref(raw), None
    if len(mentions) == 1:
        m = mentions[0]
        return m.expression, m.vague
    # several names: the connector between each pair decides OR / AND
    groups: list[str] = [mentions[0].expression]
    ops: list[str] = []
    for a, b in zip(mentions, mentions[1:], strict=False):
        between = raw[a.end:b.start].lower()
        ops.append("OR" if re.search(r"\bor\b|/|\|", between) else "AND")
        groups.append(b.expression)
    op = "OR" if all(o == "OR" for o in ops) else "AND"
    vague = mentions[0].vague if len({m.expression for m in mentions}) == 1 else None
    return combine(groups, op), vague


def normalize_name(text: str) -> str | None:
    """Loose licence name or expression -> normalized SPDX expression, `LicenseRef-…`, or None for 'None'/'Other'."""
    return normalize(text)[0]
