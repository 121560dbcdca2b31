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
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from registry.model import Problem, SourceFacts

if TYPE_CHECKING:
    from crawler.base import Adapter, Context
    from crawler.config import SourceConfig
    from registry.model import Document, Record

__all__ = ["HTTP_OPTIONS", "TYPES", "SourceKind", "adapter_for", "fetch_source", "kinds", "source_kind"]

#: What a TOML value of each option type must be, and how a message names the type.
TYPES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "string": (lambda v: isinstance(v, str), "a string"),
    "strings": (lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v), "a list of strings"),
    "string or strings": (lambda v: isinstance(v, str) or (isinstance(v, list) and all(isinstance(x, str) for x in v)),
                          "a string or a list of strings"),
    "number": (lambda v: isinstance(v, int | float) and not isinstance(v, bool) and v >= 0, "a non-negative number"),
    "boolean": (lambda v: isinstance(v, bool), "true or false"),
    "table": (lambda v: isinstance(v, dict), "a table"),
}
#: Per-source overrides every kind fetching over plain HTTP takes (crawler/http.py; see `[http]` in docs/config.md).
HTTP_OPTIONS: dict[str, str] = {"delay": "number", "max_bytes": "number"}


@dataclass(frozen=True)
class SourceKind:
    """One source kind: its name, the class that fetches and parses it, its facts, config keys and credential."""

    kind: str
    #: Name of the module's class implementing crawler.base.Adapter.
    adapter: str
    facts: SourceFacts
    #: Config keys a `[[sources]]` table of this kind may hold (besides name, kind, schedule): key -> a TYPES name.
    options: Mapping[str, str] = field(default_factory=dict)
    #: For an API that needs a credential from the environment: (the option naming the variable, its default, why).
    #: Without it the source is skipped with one line saying which variable to set (SourceConfig.missing_credential).
    credential: tuple[str, str, str] | None = None

    def option_problems(self, options: Mapping[str, Any]) -> list[str]:
        """One message per key this kind does not take, or whose value has a type it does not accept."""
        out = []
        for key, value in options.items():
            type_ = self.options.get(key)
            if type_ is None:
                known = ", ".join(sorted(self.options)) or "none"
                out.append(f"{self.kind} has no option {key!r} (it takes: {known})")
            elif not TYPES[type_][0](value):
                out.append(f"{self.kind} option {key!r} must be {TYPES[type_][1]}, not {value!r}")
        return out


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
