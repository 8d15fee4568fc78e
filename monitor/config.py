"""Settings: `MONITOR_*` environment variables, optionally a TOML file named by MONITOR_CONFIG.

This is the only module that reads the environment. Environment variables win over the file.
Every setting is checked here, ranges included, so that a bad value stops a command at once
with one line naming it (as written: `MONITOR_X` in the environment, `FILE: x` in the file).
"""

from __future__ import annotations

import difflib
import math
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs
from pydantic import BeforeValidator, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from monitor.errors import ConfigError

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
# Longer than any setting needs, short enough for every date computed from it.
MAX_DURATION = 3650 * 86400.0
# Each worker holds its own parser and extractor (about 140 MB): more than this is a mistake.
MAX_WORKERS = 32
CONFIG_ENV = "MONITOR_CONFIG"
PREFIX = "MONITOR_"


def parse_duration(value: object) -> float:
    """Seconds from a number or a string such as `90`, `30m`, `2h`, `1d` (at most 10 years)."""
    if isinstance(value, bool):
        raise ValueError(f"not a duration: {value!r}")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        match = _DURATION.match(str(value).lower())
        if not match:
            raise ValueError(
                f"not a duration: {value!r} (use seconds, or a number with s, m, h or d)"
            )
        seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    if not math.isfinite(seconds) or seconds > MAX_DURATION:
        raise ValueError(f"{value!r} is too long (at most 3650d)")
    return seconds


def _split_list(value: object) -> object:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


def _upper(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


Duration = Annotated[float, BeforeValidator(parse_duration)]
# A duration that must be more than zero (a timeout of 0 fails every request).
Positive = Annotated[float, BeforeValidator(parse_duration), Field(gt=0)]
CommaList = Annotated[list[str], NoDecode, BeforeValidator(_split_list)]

MIB = 1024 * 1024


def default_data_dir() -> Path:
    """The platform's user data folder (`~/.local/share/monitor` on Linux): the same place
    whichever directory a command runs from. The container sets MONITOR_DATA_DIR=/data."""
    return Path(platformdirs.user_data_dir("monitor", appauthor=False))


def check_host_port(spec: str) -> str:
    """`host` or `host:port` (`[v6]:port`): what MONITOR_ALLOW_HOSTS lists."""
    text = spec.strip()
    port: str | None = None
    if text.startswith("["):
        host, bracket, rest = text[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise ValueError(f"{spec!r} is not host or host:port")
        port = rest[1:] if rest else None
    elif text.count(":") == 1:
        host, port = text.split(":")
    else:
        host = text
    if not host or any(c.isspace() or c in "/@" for c in host):
        raise ValueError(f"{spec!r} is not host or host:port")
    if port is not None and not (port.isdigit() and 0 < int(port) < 65536):
        raise ValueError(f"{spec!r}: the port must be a number from 1 to 65535")
    return text


class Settings(BaseSettings):
    """Every field is `MONITOR_<FIELD>`; each is documented in the README's configuration table."""

    model_config = SettingsConfigDict(env_prefix="MONITOR_", extra="forbid")

    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str = ""
    allow_hosts: CommaList = Field(default_factory=list)
    user_agent: str = "monitor/0.1 (news monitor for Ofsted and children's social care)"
    proxy_url: str | None = None
    connect_timeout: Positive = 10.0
    read_timeout: Positive = 20.0
    request_deadline: Positive = 30.0
    feed_max_bytes: int = Field(10 * MIB, ge=1)
    page_max_bytes: int = Field(5 * MIB, ge=1)
    max_redirects: int = Field(5, ge=0, le=50)
    max_connections: int = Field(16, ge=1, le=1000)
    max_per_host: int = Field(2, ge=1, le=1000)
    poll_interval: Positive = 1800.0
    max_backoff: Positive = 86400.0
    new_source_lookback: Duration = Field(7 * 86400.0, ge=0)
    max_entries_per_poll: int = Field(1000, ge=1, le=1_000_000)
    fetch_pages: bool = True
    workers: int = Field(
        default_factory=lambda: min(os.cpu_count() or 2, MAX_WORKERS), ge=1, le=MAX_WORKERS
    )
    worker_timeout: Positive = 30.0
    worker_memory_mb: int = Field(1024, ge=256, le=1024 * 1024)
    worker_idle: Positive = 60.0
    load_default_feeds: bool = True
    themes_file: Path | None = None
    log_level: Annotated[Literal["DEBUG", "INFO", "WARNING", "ERROR"], BeforeValidator(_upper)] = (
        "INFO"
    )
    log_format: Literal["text", "json"] = "text"
    smtp_url: str | None = None
    smtp_password: SecretStr | None = None
    smtp_password_file: Path | None = None
    smtp_ca_file: Path | None = None
    smtp_timeout: Positive = 30.0
    digest_from: str = "Ofsted news monitor <monitor@localhost>"
    digest_to: CommaList = Field(default_factory=list)
    outbox_dir: Path | None = None
    digest_send_empty: bool = False
    digest_max_items: int = Field(50, ge=1, le=10_000)
    digest_cron: str = "0 7 * * *"
    timezone: str = "Europe/London"
    web_bind: str = "127.0.0.1:8080"
    base_url: str | None = None
    secret_key: SecretStr | None = None
    web_password: SecretStr | None = None
    web_password_file: Path | None = None
    web_trust_proxy_header: str | None = None

    @field_validator("data_dir", mode="before")
    @classmethod
    def _named(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            raise ValueError("must name a folder")
        return value

    @field_validator("data_dir")
    @classmethod
    def _a_folder(cls, value: Path) -> Path:
        if value.exists() and not value.is_dir():
            raise ValueError(f"{str(value)!r} is a file, not a folder")
        return value

    @field_validator("allow_hosts")
    @classmethod
    def _hosts(cls, value: list[str]) -> list[str]:
        return [check_host_port(item) for item in value]

    @field_validator("proxy_url")
    @classmethod
    def _proxy(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parts = urlsplit(value.strip())
        try:
            parts.port  # noqa: B018 (raises ValueError on a bad port)
        except ValueError as exc:
            raise ValueError(f"{value!r} has a bad port") from exc
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{value!r} is not a proxy URL (use http://HOST:PORT)")
        return value.strip()

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name)") from exc
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = os.environ.get(CONFIG_ENV)
        if config_file:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=Path(config_file)))
        return tuple(sources)

    @field_validator("base_url")
    @classmethod
    def _http_base_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().rstrip("/")
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError(f"not an http(s) URL: {value!r}")
        return value

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'monitor.db'}"

    @property
    def effective_outbox_dir(self) -> Path:
        return self.outbox_dir or self.data_dir / "outbox"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def config_file() -> Path | None:
    """The settings file named by MONITOR_CONFIG, if any."""
    named = os.environ.get(CONFIG_ENV)
    return Path(named) if named else None


def _env_names() -> set[str]:
    return {name.upper() for name in os.environ}


def _read_file(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise ConfigError(
            f"{CONFIG_ENV} names {str(path)!r}, which cannot be read: {reason}"
        ) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc


def _unknown_key_hint(key: str) -> str:
    fields = list(Settings.model_fields)
    if key.upper().startswith(PREFIX) and key[len(PREFIX) :].lower() in fields:
        bare = key[len(PREFIX) :].lower()
        return f"not a setting: in the file, write {bare} (no prefix, lower case)"
    close = difflib.get_close_matches(key.lower(), fields, n=1)
    return f"not a setting (did you mean {close[0]}?)" if close else "not a setting"


def _describe_error(err: Any, path: Path | None, file_keys: set[str], env: set[str]) -> str:
    key = str(err["loc"][0]) if err["loc"] else ""
    message = str(err["msg"]).removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        message = _unknown_key_hint(key)
    from_file = path is not None and key in file_keys and f"{PREFIX}{key.upper()}" not in env
    if from_file:
        return f"{path}: {key}: {message}"
    return f"{PREFIX}{key.upper()}: {message}"


def load_settings(**overrides: Any) -> Settings:
    """Read the settings, turning every problem into one ConfigError that names the setting
    as the user wrote it: the environment variable, or the file and the key in it."""
    path = config_file()
    file_keys: set[str] = set()
    if path is not None:
        if not path.is_file():
            raise ConfigError(f"{CONFIG_ENV} names {str(path)!r}, which is not a readable file")
        file_keys = set(_read_file(path))
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        env = _env_names()
        problems = "; ".join(_describe_error(e, path, file_keys, env) for e in exc.errors())
        raise ConfigError(f"invalid settings: {problems}") from exc
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read settings: {exc}") from exc


@dataclass(frozen=True)
class SettingOrigin:
    """One effective setting, shown by `monitor config`: its value and where it came from."""

    name: str  # the environment variable
    value: str
    source: str  # "default", "env", or "file PATH"


_SECRET_URL = re.compile(r"(://[^:/@\s]*:)[^@\s]+@")


def mask_password(url: str) -> str:
    """A URL with its password (if any) replaced by ***."""
    return _SECRET_URL.sub(r"\1***@", url)


def _shown(name: str, value: object) -> str:
    if isinstance(value, SecretStr):
        return "***"
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return mask_password(str(value)) if name.endswith("_url") else str(value)


def describe_settings(settings: Settings) -> list[SettingOrigin]:
    """Every setting's effective value (secrets masked) and where it came from."""
    path = config_file()
    file_keys = set(_read_file(path)) if path is not None and path.is_file() else set()
    env = _env_names()
    described = [SettingOrigin(CONFIG_ENV, str(path or ""), "env" if path else "default")]
    for name in Settings.model_fields:
        variable = f"{PREFIX}{name.upper()}"
        if variable in env:
            source = "env"
        elif name in file_keys:
            source = f"file {path}"
        else:
            source = "default"
        described.append(SettingOrigin(variable, _shown(name, getattr(settings, name)), source))
    return described
