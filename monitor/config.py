"""Settings: `MONITOR_*` environment variables, optionally a TOML file named by MONITOR_CONFIG.

This is the only module that reads the environment. Environment variables win over the file.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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


def parse_duration(value: object) -> float:
    """Seconds from a number or a string such as `90`, `30m`, `2h`, `1d`."""
    if isinstance(value, int | float):
        return float(value)
    match = _DURATION.match(str(value).lower())
    if not match:
        raise ValueError(f"not a duration: {value!r} (use seconds, or a number with s, m, h or d)")
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def _split_list(value: object) -> object:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


Duration = Annotated[float, BeforeValidator(parse_duration)]
CommaList = Annotated[list[str], NoDecode, BeforeValidator(_split_list)]

MIB = 1024 * 1024


class Settings(BaseSettings):
    """Every field is `MONITOR_<FIELD>`; each is documented in the README's configuration table."""

    model_config = SettingsConfigDict(env_prefix="MONITOR_", extra="forbid")

    data_dir: Path = Path("data")
    database_url: str = ""
    allow_hosts: CommaList = Field(default_factory=list)
    user_agent: str = "monitor/0.1 (news monitor for Ofsted and children's social care)"
    proxy_url: str | None = None
    connect_timeout: Duration = 10.0
    read_timeout: Duration = 20.0
    request_deadline: Duration = 30.0
    feed_max_bytes: int = 10 * MIB
    page_max_bytes: int = 5 * MIB
    max_redirects: int = 5
    max_connections: int = 16
    max_per_host: int = 2
    poll_interval: Duration = 1800.0
    max_backoff: Duration = 86400.0
    new_source_lookback: Duration = 7 * 86400.0
    fetch_pages: bool = True
    workers: int = Field(default_factory=lambda: os.cpu_count() or 2)
    worker_timeout: Duration = 30.0
    worker_memory_mb: int = 1024
    load_default_feeds: bool = True
    themes_file: Path | None = None
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"
    smtp_url: str | None = None
    smtp_password: SecretStr | None = None
    smtp_password_file: Path | None = None
    smtp_ca_file: Path | None = None
    smtp_timeout: Duration = 30.0
    digest_from: str = "Ofsted news monitor <monitor@localhost>"
    digest_to: CommaList = Field(default_factory=list)
    outbox_dir: Path | None = None
    digest_send_empty: bool = False
    digest_cron: str = "0 7 * * *"
    timezone: str = "Europe/London"
    web_bind: str = "127.0.0.1:8080"
    base_url: str | None = None
    secret_key: SecretStr | None = None
    web_password: SecretStr | None = None
    web_password_file: Path | None = None
    web_trust_proxy_header: str | None = None

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
        config_file = os.environ.get("MONITOR_CONFIG")
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


def load_settings(**overrides: Any) -> Settings:
    """Read the settings, turning every problem into one ConfigError that names the setting."""
    config_file = os.environ.get("MONITOR_CONFIG")
    if config_file and not Path(config_file).is_file():
        raise ConfigError(f"MONITOR_CONFIG names {config_file!r}, which is not a readable file")
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(
            f"MONITOR_{'_'.join(str(p) for p in err['loc']).upper()}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigError(f"invalid settings: {problems}") from exc
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read settings: {exc}") from exc
