"""Operating it: where the data is, what `status` and `config` say about it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import run
from tests.support.servers import LocalServer, Route, wait_for
from tests.support.smtp import SmtpFactory, free_port


def _monitor(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    "command",
    [
        ["status"],
        ["status", "--json"],
        ["articles"],
        ["sources", "list"],
        ["digests"],
        ["digest", "preview"],
    ],
    ids=" ".join,
)
def test_read_only_commands_never_create_a_database(
    command: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # In process (the settings, and platformdirs, are read when the command runs).
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.delenv("MONITOR_DATA_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("MONITOR_LOAD_DEFAULT_FEEDS", "true")
    code, _, err = run(capsys, *command)
    expected = tmp_path / "xdg" / "monitor" / "monitor.db"
    assert code == 1
    assert err == (
        f"monitor: no database at {expected}: start the service with `monitor run`, "
        "or set MONITOR_DATA_DIR\n"
    )
    assert not expected.exists() and not (elsewhere / "data").exists()
    assert list(elsewhere.iterdir()) == []


def test_the_default_data_folder_does_not_depend_on_the_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # In process, each command from a directory of its own.
    monkeypatch.delenv("MONITOR_DATA_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    monkeypatch.chdir(one)
    assert run(capsys, "backfill", "seeds")[0] == 0
    monkeypatch.chdir(two)
    code, out, err = run(capsys, "status", "--json")
    assert code == 0, err
    status = json.loads(out)
    assert status["articles"] == 5
    assert status["data_dir"] == str(tmp_path / "xdg" / "monitor")
    assert status["database"] == str(tmp_path / "xdg" / "monitor" / "monitor.db")
    assert status["settings_file"] is None


def test_status_names_the_database_with_its_password_masked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = tmp_path / "monitor.toml"
    settings.write_text('poll_interval = "1h"\n')
    monkeypatch.setenv("MONITOR_CONFIG", str(settings))
    assert run(capsys, "db", "upgrade")[0] == 0
    code, out, _ = run(capsys, "status")
    assert code == 0
    assert f"database: {tmp_path / 'data' / 'monitor.db'}" in out
    assert f"settings file: {settings}" in out
    monkeypatch.setenv("MONITOR_DATABASE_URL", "postgresql+psycopg://me:hunter2@127.0.0.1:1/x")
    code, out, _ = run(capsys, "config")
    assert code == 0 and "hunter2" not in out and "me:***@127.0.0.1:1/x" in out


def test_config_says_where_each_setting_came_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = tmp_path / "monitor.toml"
    settings.write_text('poll_interval = "1h"\nmax_per_host = 3\n')
    monkeypatch.setenv("MONITOR_CONFIG", str(settings))
    monkeypatch.setenv("MONITOR_MAX_PER_HOST", "4")
    monkeypatch.setenv("MONITOR_SMTP_PASSWORD", "hunter2")
    code, out, _ = run(capsys, "config", "--json")
    assert code == 0 and "hunter2" not in out
    found = json.loads(out)["settings"]
    assert found["MONITOR_POLL_INTERVAL"] == {"value": "3600", "source": f"file {settings}"}
    assert found["MONITOR_MAX_PER_HOST"] == {"value": "4", "source": "env"}
    assert found["MONITOR_MAX_CONNECTIONS"] == {"value": "16", "source": "default"}
    assert found["MONITOR_SMTP_PASSWORD"] == {"value": "***", "source": "env"}
    assert found["MONITOR_CONFIG"] == {"value": str(settings), "source": "env"}
    code, out, _ = run(capsys, "config")
    assert code == 0 and f"[file {settings}]" in out and not list((tmp_path / "data").glob("*"))


def test_settings_file_errors_name_the_file_and_the_key_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = tmp_path / "monitor.toml"
    monkeypatch.setenv("MONITOR_CONFIG", str(settings))
    settings.write_text('poll_intervall = "1h"\n')
    code, _, err = run(capsys, "status")
    assert code == 2
    assert f"{settings}: poll_intervall: not a setting (did you mean poll_interval?)" in err
    assert "MONITOR_POLL_INTERVALL" not in err
    settings.write_text('MONITOR_POLL_INTERVAL = "1h"\n')
    code, _, err = run(capsys, "status")
    assert code == 2 and f"{settings}: MONITOR_POLL_INTERVAL: " in err
    assert "write poll_interval" in err and "MONITOR_MONITOR" not in err
    settings.write_text('poll_interval = "soon"\n')
    code, _, err = run(capsys, "status")
    assert code == 2 and f"{settings}: poll_interval: not a duration" in err
    monkeypatch.setenv("MONITOR_POLL_INTERVAL", "later")  # the environment wins: named as such
    code, _, err = run(capsys, "status")
    assert code == 2 and "MONITOR_POLL_INTERVAL: not a duration: 'later'" in err


def test_status_is_honest_when_no_source_is_reachable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # .invalid never resolves: each poll fails at the network level, as on a machine offline.
    for name in ("one", "two"):
        url = f"http://{name}.example.invalid/feed.xml"
        assert run(capsys, "sources", "add", "--no-check", url)[0] == 0
    assert run(capsys, "poll")[0] == 0
    code, out, _ = run(capsys, "status")
    assert code == 0
    assert "2 sources (2 failing)" in out
    assert "no source reachable: is this machine offline?" in out
    assert out.count("failing: http://") == 2
    _, out, _ = run(capsys, "status", "--json")
    status = json.loads(out)
    assert status["unreachable"] is True
    assert all(s["failing"] and s["last_error"] for s in status["sources"])
    _, out, _ = run(capsys, "sources", "list")
    assert "ok" not in out.split() and out.count("failing (its last poll failed)") == 2


def test_a_digest_goes_only_the_way_it_was_recorded_to_go(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    smtp: SmtpFactory,
) -> None:
    monkeypatch.setenv("MONITOR_DIGEST_SEND_EMPTY", "true")
    monkeypatch.setenv("MONITOR_DIGEST_TO", "a@example.org")
    monkeypatch.setenv("MONITOR_SMTP_URL", f"smtp://127.0.0.1:{free_port()}")  # nobody there
    code, out, _ = run(capsys, "digest", "send")
    assert code == 1 and "will retry" in out
    _, out, _ = run(capsys, "digests", "--json")
    (recorded,) = json.loads(out)
    assert recorded["status"] == "pending" and recorded["transport"] == "smtp"

    monkeypatch.delenv("MONITOR_SMTP_URL")  # a shell without the SMTP settings
    code, out, _ = run(capsys, "digest", "send")
    assert code == 1
    assert (
        "digest 1: left pending: it was recorded to be emailed to a@example.org, but "
        "MONITOR_SMTP_URL is not set here" in out
    )
    outbox = tmp_path / "data" / "outbox"
    assert not outbox.exists() or not any(outbox.glob("*-digest-1.eml"))
    _, out, _ = run(capsys, "digests")
    (line,) = [x for x in out.splitlines() if x.startswith("   1  ")]
    assert "pending" in line and line.endswith("by email to a@example.org")
    _, out, _ = run(capsys, "digests", "--json")
    assert [d["status"] for d in json.loads(out) if d["id"] == 1] == ["pending"]

    server = smtp()
    monkeypatch.setenv("MONITOR_SMTP_URL", f"smtp://127.0.0.1:{server.port}")
    code, out, _ = run(capsys, "digest", "send")
    assert code == 0 and f"digest 1: sent to smtp://127.0.0.1:{server.port}" in out
    assert server.messages and all(m.rcpt_tos == ["a@example.org"] for m in server.messages)
    _, out, _ = run(capsys, "digests", "--json")
    first = next(d for d in json.loads(out) if d["id"] == 1)
    assert first["status"] == "sent" and first["delivered_to"] == f"smtp://127.0.0.1:{server.port}"


def test_an_outbox_digest_is_not_emailed_and_says_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MONITOR_DIGEST_SEND_EMPTY", "true")
    monkeypatch.setenv("MONITOR_DIGEST_TO", "a@example.org")
    monkeypatch.setenv("MONITOR_OUTBOX_DIR", "/proc/no-such-outbox")  # cannot be written
    code, _, _ = run(capsys, "digest", "send")
    assert code == 1
    _, out, _ = run(capsys, "digests")
    assert "to the outbox" in out and "a@example.org" not in out
    monkeypatch.setenv("MONITOR_SMTP_URL", "smtp://127.0.0.1:1")
    code, out, _ = run(capsys, "digest", "send")
    assert code == 1 and "recorded to be written to the outbox" in out


def test_a_sigterm_poll_gives_back_its_claims_and_exits_143(
    env: LocalServer, capsys: pytest.CaptureFixture[str]
) -> None:
    env.routes["/slow.xml"] = Route(b"<rss>" + b" " * 4096, stall_after=10)
    assert run(capsys, "sources", "add", "--no-check", env.url("/slow.xml"))[0] == 0
    poller = subprocess.Popen(
        [sys.executable, "-m", "monitor", "poll"],
        env={**os.environ, "MONITOR_REQUEST_DEADLINE": "120", "MONITOR_READ_TIMEOUT": "120"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert wait_for(lambda: env.hits("/slow.xml") > 0, timeout=30)
        _, out, _ = run(capsys, "status")
        assert f"being polled: {env.url('/slow.xml')} (by " in out
        (polled,) = json.loads(run(capsys, "status", "--json")[1])["sources"]
        assert polled["claimed_by"] and f":{poller.pid}:" in polled["claimed_by"]
        code, out, _ = run(capsys, "poll", "--force")
        assert code == 0 and "1 skipped: another process is polling them" in out
        poller.send_signal(signal.SIGTERM)
        _, err = poller.communicate(timeout=60)
    finally:
        if poller.poll() is None:
            poller.kill()
            poller.wait()
    assert poller.returncode == 143 and "Traceback" not in err
    assert "monitor: stopped by SIGTERM" in err
    (source,) = json.loads(run(capsys, "sources", "list", "--json")[1])
    assert source["claimed_until"] is None  # given back: the next poll takes it at once
