from __future__ import annotations

import re
from pathlib import Path

import pytest

from monitor.config import Settings, load_settings, parse_duration
from monitor.errors import ConfigError

README = Path(__file__).resolve().parents[2] / "README.md"


def test_defaults_work_offline_with_a_sqlite_file_in_the_user_data_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("MONITOR_DATA_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    settings = load_settings()
    assert settings.data_dir == tmp_path / "xdg" / "monitor"
    assert settings.effective_database_url == f"sqlite:///{tmp_path}/xdg/monitor/monitor.db"
    monkeypatch.chdir(tmp_path)  # the same wherever the command runs
    assert load_settings().data_dir == settings.data_dir
    assert settings.allow_hosts == []
    assert settings.poll_interval == 1800


def test_environment_overrides_and_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONITOR_ALLOW_HOSTS", "127.0.0.1:8080, feeds.internal")
    monkeypatch.setenv("MONITOR_POLL_INTERVAL", "15m")
    monkeypatch.setenv("MONITOR_PAGE_MAX_BYTES", "1000")
    settings = load_settings()
    assert settings.allow_hosts == ["127.0.0.1:8080", "feeds.internal"]
    assert settings.poll_interval == 900
    assert settings.page_max_bytes == 1000


def test_toml_file_is_read_and_environment_wins(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "monitor.toml"
    config.write_text('max_per_host = 4\nuser_agent = "from-file"\npoll_interval = "1h"\n')
    monkeypatch.setenv("MONITOR_CONFIG", str(config))
    monkeypatch.setenv("MONITOR_USER_AGENT", "from-env")
    settings = load_settings()
    assert settings.max_per_host == 4
    assert settings.poll_interval == 3600
    assert settings.user_agent == "from-env"


def test_bad_values_name_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONITOR_POLL_INTERVAL", "soon")
    with pytest.raises(ConfigError, match="MONITOR_POLL_INTERVAL"):
        load_settings()


def test_missing_config_file_is_a_config_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MONITOR_CONFIG", str(tmp_path / "nope.toml"))
    with pytest.raises(ConfigError, match="MONITOR_CONFIG"):
        load_settings()


@pytest.mark.parametrize(
    ("text", "seconds"), [("90", 90), ("30m", 1800), ("2h", 7200), ("1d", 86400), (45, 45)]
)
def test_durations(text: object, seconds: float) -> None:
    assert parse_duration(text) == seconds


def test_every_setting_is_documented_in_the_readme() -> None:
    documented = set(re.findall(r"`(MONITOR_[A-Z0-9_]+)`", README.read_text()))
    for name in Settings.model_fields:
        assert f"MONITOR_{name.upper()}" in documented, (
            f"MONITOR_{name.upper()} missing from README"
        )
