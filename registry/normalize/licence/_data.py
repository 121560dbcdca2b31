"""The licence normalizer's long tables (signatures, names, file extensions), kept as TOML beside the code."""

from __future__ import annotations

import tomllib
from importlib import resources
from typing import Any


def load(name: str) -> dict[str, Any]:
    """One data file of this package, parsed (each module reads its table once, at import)."""
    return tomllib.loads(resources.files(__package__).joinpath("data", name).read_text(encoding="utf-8"))
