"""Read and check `config.toml`: where the registry lives, how to reach GitHub, which sources to crawl."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "Config", "ConfigError", "GitHubConfig", "HttpConfig", "ScheduleConfig", "SourceConfig", "load_config",
    "KNOWN_KINDS",
]

from crawler.sources import kinds, source_kind
from registry.db import given_path

#: Source kinds ohr has an adapter for (one module each in crawler/sources/).
KNOWN_KINDS: tuple[str, ...] = kinds()


class ConfigError(Exception):
    """The configuration file is missing, unreadable or inconsistent."""


#: Top-level tables of config.toml; any other name is a typo the user should hear about.
TABLES = ("github", "registry", "schedule", "http", "sources")

def _number(value: Any) -> bool:
    """Whether a TOML value is a non-negative number (a boolean is not one)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and value >= 0


@dataclass
class GitHubConfig:
    """How to reach a GitHub-REST-v3-compatible API (github.com or an Enterprise/test host)."""

    api_url: str = "https://api.github.com"
    token_env: str = "GITHUB_TOKEN"
    timeout: float = 20.0
    max_rate_limit_wait: float = 60.0
    retries: int = 3
    seconds_between_requests: float = 0.0
    concurrency: int = 4
    max_file_bytes: int = 2_000_000
    max_response_bytes: int = 20_000_000
    request_seconds: float = 120.0
    secondary_rate_wait: float = 60.0
    recheck_gone_days: float = 7.0
    graphql: bool = True
    graphql_batch: int = 50

    @property
    def token(self) -> str | None:
        """The token from the environment (never from the file), or None for anonymous access."""
        value = os.environ.get(self.token_env, "").strip()
        return value or None


@dataclass
class HttpConfig:
    """How the hub and web adapters fetch over plain HTTP (`crawler/http.py`): limits, politeness, safety."""

    timeout: float = 20.0
    request_seconds: float = 120.0
    run_seconds: float = 3600.0
    max_bytes: int = 10_000_000
    max_redirects: int = 5
    retries: int = 2
    retry_backoff: float = 1.0
    max_retry_wait: float = 60.0
    per_host_delay: float = 0.5
    user_agent: str = "ohr/0.1 (open-hardware registry crawler)"
    allow_hosts: list[str] = field(default_factory=list)


@dataclass
class ScheduleConfig:
    """`[schedule]`: how `ohr schedule` runs crawls (each source's own `schedule` key says when)."""

    default: str | None = None
    misfire_grace_time: float = 3600.0
    timezone: str = "UTC"


@dataclass
class SourceConfig:
    """One `[[sources]]` table: a name, a kind and the kind's own keys."""

    name: str
    kind: str
    options: dict[str, Any] = field(default_factory=dict)
    schedule: str | None = None

    def get(self, key: str, default: Any = None) -> Any:
        """A kind-specific option."""
        return self.options.get(key, default)

    def missing_credential(self) -> str | None:
        """Why this source cannot run now, when its API needs a credential the environment lacks (as its kind
        declares, crawler/sources/); else None."""
        need = source_kind(self.kind).credential
        if need is None:
            return None
        env = str(self.get(need[0], need[1]))
        if os.environ.get(env, "").strip():
            return None
        return f"${env} is not set ({need[2]}); skipped — set it to crawl this source"


@dataclass
class Config:
    """The whole configuration, with every path resolved."""

    path: Path | None
    registry_path: Path
    github: GitHubConfig
    sources: list[SourceConfig]
    http: HttpConfig = field(default_factory=HttpConfig)
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)

    def check_sources(self, names: list[str] | None = None) -> None:
        """ConfigError naming the first option a source's kind does not take, or of a wrong type (each kind
        declares its options in crawler/sources/); commands that crawl call it before anything is fetched, read
        commands do not (it imports the kinds' modules)."""
        for s in self.sources:
            if names is None or s.name in names:
                problems = source_kind(s.kind).option_problems(s.options)
                if problems:
                    raise ConfigError(f"source {s.name!r}: {problems[0]} (see docs/config.md)")

    def source(self, name: str) -> SourceConfig:
        """The source called ``name``; ConfigError names the known ones otherwise."""
        for s in self.sources:
            if s.name == name:
                return s
        known = ", ".join(s.name for s in self.sources) or "none"
        raise ConfigError(f"no source named {name!r} in the config (known: {known})")


def _default_config_path() -> Path | None:
    env = os.environ.get("OHR_CONFIG")
    if env:
        return Path(env)
    p = Path("config.toml")
    return p if p.exists() else None


def load_config(path: str | Path | None = None, db: str | Path | None = None) -> Config:
    """Load a config file (``--config``, then $OHR_CONFIG, then ./config.toml); ``db`` overrides the registry path.

    $OHR_GITHUB_API_URL overrides `[github] api_url`, so one config serves a test server too.
    """
    p = Path(path) if path else _default_config_path()
    raw: dict[str, Any] = {}
    if p is not None:
        try:
            raw = tomllib.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"config file {p} not found") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {p} is not valid TOML: {exc}") from None
        except OSError as exc:
            raise ConfigError(f"config file {p} cannot be read: {exc.strerror}") from None
    base = p.parent if p is not None else Path.cwd()
    for key in raw:
        if key not in TABLES:
            raise ConfigError(f"config has an unknown table or key {key!r} (known: {', '.join(TABLES)}; "
                              "see docs/config.md)")

    gh_raw = raw.get("github", {}) or {}
    if not isinstance(gh_raw, dict):
        raise ConfigError("[github] must be a table")
    gh = GitHubConfig()
    for key, value in gh_raw.items():
        if not hasattr(gh, key) or key.startswith("_") or key == "token":
            hint = "; the token comes from $GITHUB_TOKEN, never from this file" if key == "token" else ""
            raise ConfigError(f"[github] has an unknown key {key!r}{hint} (see docs/config.md)")
        default = getattr(gh, key)
        if isinstance(default, bool):
            if not isinstance(value, bool):
                raise ConfigError(f"[github] {key} must be true or false, not {value!r}")
        elif isinstance(default, str):
            if not isinstance(value, str):
                raise ConfigError(f"[github] {key} must be a string, not {value!r}")
        elif not _number(value):
            raise ConfigError(f"[github] {key} must be a non-negative number, not {value!r}")
        elif isinstance(default, int) and value != int(value):
            raise ConfigError(f"[github] {key} must be a whole number, not {value!r}")
        setattr(gh, key, type(default)(value))
    env_api = os.environ.get("OHR_GITHUB_API_URL")
    if env_api:
        gh.api_url = env_api
    gh.api_url = gh.api_url.rstrip("/")
    if not gh.api_url.startswith(("http://", "https://")):
        raise ConfigError(f"[github] api_url must be an http(s) URL, not {gh.api_url!r}")

    http = _http_config(raw.get("http", {}) or {})

    reg = raw.get("registry", {}) or {}
    if not isinstance(reg, dict):
        raise ConfigError("[registry] must be a table")
    for key, value in reg.items():
        if key != "path":
            raise ConfigError(f"[registry] has an unknown key {key!r} (known: path)")
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"[registry] path must be a file name, not {value!r}")
    reg_path = given_path(db) or base / reg.get("path", "registry.duckdb")

    sources: list[SourceConfig] = []
    seen: set[str] = set()
    raw_sources = raw.get("sources", []) or []
    if not isinstance(raw_sources, list):
        raise ConfigError("sources must be written as [[sources]] tables")
    for i, s in enumerate(raw_sources, start=1):
        if not isinstance(s, dict):
            raise ConfigError(f"[[sources]] entry {i} must be a table")
        s = dict(s)
        name, kind = s.pop("name", None), s.pop("kind", None)
        if not name or not kind:
            raise ConfigError(f"[[sources]] entry {i} needs a name and a kind")
        if kind not in KNOWN_KINDS:
            raise ConfigError(f"source {name!r} has unknown kind {kind!r} (known: {', '.join(KNOWN_KINDS)})")
        if name in seen:
            raise ConfigError(f"two sources are named {name!r}")
        seen.add(name)
        if not isinstance(name, str) or not isinstance(kind, str):
            raise ConfigError(f"[[sources]] entry {i}: name and kind must be strings")
        schedule = s.pop("schedule", None)
        if schedule is not None and not isinstance(schedule, str):
            raise ConfigError(f"source {name!r}: schedule must be a string such as \"interval: 6h\"")
        sources.append(SourceConfig(name=name, kind=kind, options=s, schedule=schedule))
    return Config(path=p, registry_path=reg_path, github=gh, sources=sources, http=http,
                  schedule=_schedule_config(raw.get("schedule", {}) or {}))


def _schedule_config(raw: Any) -> ScheduleConfig:
    """The `[schedule]` table; schedule expressions themselves are checked by `crawler.schedule`."""
    if not isinstance(raw, dict):
        raise ConfigError("[schedule] must be a table")
    cfg = ScheduleConfig()
    for key, value in raw.items():
        if key in ("default", "timezone"):
            if not isinstance(value, str):
                raise ConfigError(f"[schedule] {key} must be a string")
            setattr(cfg, key, value)
        elif key == "misfire_grace_time":
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ConfigError("[schedule] misfire_grace_time must be a non-negative number of seconds")
            cfg.misfire_grace_time = float(value)
        else:
            raise ConfigError(f"[schedule] has an unknown key {key!r}")
    return cfg


def _http_config(raw: Any) -> HttpConfig:
    """The `[http]` table, each key checked against the type of its default."""
    if not isinstance(raw, dict):
        raise ConfigError("[http] must be a table")
    cfg = HttpConfig()
    for key, value in raw.items():
        if not hasattr(cfg, key):
            raise ConfigError(f"[http] has an unknown key {key!r}")
        default = getattr(cfg, key)
        if isinstance(default, list):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"[http] {key} must be a list of strings")
            value = [v.strip().lower().strip("[]") for v in value]
        elif isinstance(default, str):
            if not isinstance(value, str):
                raise ConfigError(f"[http] {key} must be a string")
        else:
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ConfigError(f"[http] {key} must be a non-negative number, not {value!r}")
            value = type(default)(value)
        setattr(cfg, key, value)
    return cfg
