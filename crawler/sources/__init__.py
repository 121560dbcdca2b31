"""The source kinds ohr crawls, one module each, which declares everything about its kind beside its fetch/parse.

A kind `foo-bar` is the module `crawler/sources/foo_bar.py`, holding `SOURCE = SourceKind(...)`: its name, its
adapter class, the facts the registry weighs its records by (trust, hub, prose: registry.model.SourceFacts,
stored with each source's `sources` row), and the config keys its `[[sources]]` tables may hold. Adding a kind
is adding one module (and its test): the kinds are found by listing this folder, and a kind's module is imported
only when that kind is used, so `ohr search` never imports a crawler.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from registry.model import Problem, SourceFacts

if TYPE_CHECKING:
    from crawler.base import Adapter, Context
    from crawler.config import SourceConfig
    from registry.model import Document, Record

__all__ = ["HTTP_OPTIONS", "NUMBER", "SourceKind", "adapter_for", "fetch_source", "kinds", "source_kind"]

#: Accepted TOML types of a numeric option (an integer is a valid float; a boolean is not a number).
NUMBER: tuple[type, ...] = (int, float)
#: Per-source overrides every kind fetching over plain HTTP takes (crawler/http.py; see `[http]` in docs/config.md).
HTTP_OPTIONS: dict[str, tuple[type, ...]] = {"delay": NUMBER, "max_bytes": NUMBER}


@dataclass(frozen=True)
class SourceKind:
    """One source kind: its name, the class that fetches and parses it, its facts and its config keys."""

    kind: str
    #: Name of the module's class implementing crawler.base.Adapter.
    adapter: str
    facts: SourceFacts
    #: Config keys a `[[sources]]` table of this kind may hold (besides name, kind, schedule), with their TOML types.
    options: Mapping[str, tuple[type, ...]] = field(default_factory=dict)

    def option_problems(self, options: Mapping[str, Any]) -> list[str]:
        """One message per key this kind does not take, or whose value has a type it does not accept."""
        out = []
        for key, value in options.items():
            types = self.options.get(key)
            if types is None:
                known = ", ".join(sorted(self.options)) or "none"
                out.append(f"{self.kind} has no option {key!r} (it takes: {known})")
            elif not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
                names = " or ".join(dict.fromkeys(_TYPE_NAMES.get(t, t.__name__) for t in types))
                out.append(f"{self.kind} option {key!r} must be {names}, not {value!r}")
        return out


_TYPE_NAMES = {str: "a string", int: "a number", float: "a number", bool: "true or false", list: "a list",
               dict: "a table"}


@cache
def kinds() -> tuple[str, ...]:
    """Every source kind ohr has, from this folder's module names (nothing imported)."""
    return tuple(sorted(m.name.replace("_", "-") for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")))


def source_kind(kind: str) -> SourceKind:
    """The declaration of a source kind (imports its module); KeyError for a kind ohr does not have."""
    if kind not in kinds():
        raise KeyError(kind)
    declared: SourceKind = importlib.import_module(f"{__name__}.{kind.replace('-', '_')}").SOURCE
    return declared


def adapter_for(kind: str) -> Adapter:
    """An adapter instance for a source kind."""
    declared = source_kind(kind)
    module = importlib.import_module(f"{__name__}.{kind.replace('-', '_')}")
    return getattr(module, declared.adapter)()


def fetch_source(ctx: Context) -> Iterator[Document | Record | Problem]:
    """What a source's adapter fetches; first a `config` problem for each option its kind does not take (or of a
    wrong type), and then nothing else: a misspelt key would otherwise be ignored without a word."""
    source: SourceConfig = ctx.source
    bad = source_kind(source.kind).option_problems(source.options)
    for message in bad:
        yield Problem(source.name, "config", message)
    if not bad:
        yield from adapter_for(source.kind).fetch(ctx)
