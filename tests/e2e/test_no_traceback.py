"""No traceback, ever: every command, with bad settings and bad arguments, ends with one line
on stderr and exit 2 (configuration) or 1 (a failure); a closed stdout ends it quietly.

The in-process runs would raise out of `main` where a real run prints a traceback; a few
real subprocesses check the same from the outside."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from monitor.cli.main import build_parser
from tests.support.cli import run

# The least each command needs to get past argument parsing.
COMMANDS: dict[str, list[str]] = {
    "db upgrade": [],
    "config": [],
    "sources add": ["http://127.0.0.1:9/feed.xml", "--no-check"],
    "sources list": [],
    "sources remove": ["1"],
    "sources import": ["{missing}"],
    "sources export": [],
    "poll": [],
    "backfill seeds": ["{missing}"],
    "backfill urls": ["{missing}"],
    "backfill feed": ["http://127.0.0.1:9/feed.xml"],
    "articles": [],
    "article": ["1"],
    "classify-file": ["{missing}"],
    "eval": ["{missing}"],
    "train": ["{missing}"],
    "reclassify": [],
    "authorities": [],
    "feedback export": [],
    "digest preview": [],
    "digest send": [],
    "digests": [],
    "run": [],
    "web": [],  # the tests' settings turn the web app off: it stops at once
    "status": [],
}

# Each is refused when the settings are read, whatever the command.
BAD_SETTINGS = [
    {"MONITOR_LOG_LEVEL": "LOUD"},
    {"MONITOR_DATA_DIR": "{file}"},
    {"MONITOR_DATA_DIR": ""},
    {"MONITOR_MAX_CONNECTIONS": "0"},
    {"MONITOR_MAX_CONNECTIONS": "-1"},
    {"MONITOR_MAX_PER_HOST": "0"},
    {"MONITOR_WORKERS": "1000"},
    {"MONITOR_WORKERS": "0"},
    {"MONITOR_ALLOW_HOSTS": "127.0.0.1:notaport"},
    {"MONITOR_ALLOW_HOSTS": "127.0.0.1:99999"},
    {"MONITOR_PROXY_URL": "notaurl"},
    {"MONITOR_NEW_SOURCE_LOOKBACK": "99999999999d"},
    {"MONITOR_REQUEST_DEADLINE": "0"},
    {"MONITOR_WORKER_TIMEOUT": "0"},
    {"MONITOR_FEED_MAX_BYTES": "-1"},
    {"MONITOR_MAX_REDIRECTS": "-1"},
    {"MONITOR_WORKER_MEMORY_MB": "-1"},
    {"MONITOR_WORKER_IDLE": "0"},
    {"MONITOR_POLL_INTERVAL": "0"},
    {"MONITOR_POLL_INTERVAL": "soon"},
    {"MONITOR_TIMEZONE": "Mars/Olympus"},
    {"MONITOR_LOG_FORMAT": "xml"},
    {"MONITOR_CONFIG": "{missing}"},
    {"MONITOR_CONFIG": "{not_toml}"},
    {"MONITOR_CONFIG": "{misspelt_toml}"},
]

# Each is refused by the commands that use it (the others may succeed).
BAD_WHEN_USED = [
    {"MONITOR_DIGEST_CRON": "every morning"},
    {"MONITOR_SMTP_URL": "notaurl"},
    {"MONITOR_SMTP_URL": "smtp://127.0.0.1:1"},  # no recipients
    {"MONITOR_THEMES_FILE": "{missing}"},
    {"MONITOR_THEMES_FILE": "{bad_threshold}"},
    {"MONITOR_THEMES_FILE": "{bad_evidence}"},
    {"MONITOR_DATABASE_URL": "foo://nowhere"},
    {"MONITOR_DATABASE_URL": "not a url"},
    {"MONITOR_DATABASE_URL": "sqlite:///{file}/monitor.db"},
]

# (command and arguments, expected exit code)
BAD_ARGUMENTS = [
    ("articles --limit -3", 2),
    ("articles --limit many", 2),
    ("articles --since yesterday", 2),
    ("article 0", 2),
    ("article one", 2),
    ("article 999", 1),
    ("digests --limit 0", 2),
    ("sources import {not_opml}", 2),
    ("sources import {missing}", 2),
    ("sources add notaurl", 2),
    ("sources remove 999", 1),
    ("backfill urls {missing}", 2),
    ("backfill seeds {missing}", 2),
    ("backfill feed notaurl", 2),
    ("classify-file {missing}", 2),
    ("eval {missing}", 2),
    ("digest preview --html {missing_dir}/digest.html", 2),
    ("digest preview --since never", 2),
    ("nosuchcommand", 2),
    ("sources", 2),
]


def leaf_commands(parser: argparse.ArgumentParser, prefix: str = "") -> list[str]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += leaf_commands(sub, f"{prefix} {name}".strip())
    return found or [prefix]


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    themes = (Path(__file__).resolve().parents[2] / "seeds" / "themes.toml").read_text()
    (tmp_path / "a-file").write_text("not a folder\n")
    (tmp_path / "not.toml").write_text("this is = = not toml\n")
    (tmp_path / "misspelt.toml").write_text('poll_intervall = "1h"\n')
    (tmp_path / "not.opml").write_text('<?xml version="1.0"?><rss><channel/></rss>\n')
    for name, key, value in (
        ("threshold", "theme_threshold", '"high"'),
        ("evidence", "evidence_sentences", '"two"'),
    ):
        written = re.sub(rf"(?m)^{key} = .*$", f"{key} = {value}", themes)
        assert written != themes
        (tmp_path / f"{name}.toml").write_text(written)
    return {
        "file": str(tmp_path / "a-file"),
        "missing": str(tmp_path / "missing"),
        "missing_dir": str(tmp_path / "missing-dir"),
        "not_toml": str(tmp_path / "not.toml"),
        "misspelt_toml": str(tmp_path / "misspelt.toml"),
        "not_opml": str(tmp_path / "not.opml"),
        "bad_threshold": str(tmp_path / "threshold.toml"),
        "bad_evidence": str(tmp_path / "evidence.toml"),
    }


def command_line(command: str, files: dict[str, str]) -> list[str]:
    return command.split() + [a.format(**files) for a in COMMANDS[command]]


def assert_one_line(code: int, err: str, expected: set[int]) -> None:
    assert "Traceback" not in err
    assert code in expected, err
    if code:
        lines = err.splitlines()
        usage = lines[:-1]  # argparse's usage, which may wrap, then the one line of error
        assert not usage or (
            usage[0].startswith("usage: ") and all(u.startswith(" ") for u in usage[1:])
        ), err


def test_the_table_covers_every_command() -> None:
    assert sorted(leaf_commands(build_parser())) == sorted(COMMANDS)


@pytest.mark.parametrize("bad", BAD_SETTINGS, ids=lambda b: "=".join(next(iter(b.items()))))
def test_bad_settings_stop_every_command_with_one_line(
    bad: dict[str, str],
    files: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name, value in bad.items():
        monkeypatch.setenv(name, value.format(**files))
    for command in COMMANDS:
        code, _, err = run(capsys, *command_line(command, files))
        assert_one_line(code, err, {2})


@pytest.mark.parametrize("bad", BAD_WHEN_USED, ids=lambda b: "=".join(next(iter(b.items()))))
def test_settings_bad_when_used_never_give_a_traceback(
    bad: dict[str, str],
    files: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(capsys, "db", "upgrade")[0] == 0
    for name, value in bad.items():
        monkeypatch.setenv(name, value.format(**files))
    for command in COMMANDS:
        code, _, err = run(capsys, *command_line(command, files))
        assert_one_line(code, err, {0, 1, 2})
        if command == "run":
            assert code != 0  # it never started


@pytest.mark.parametrize(("line", "expected"), BAD_ARGUMENTS, ids=[a for a, _ in BAD_ARGUMENTS])
def test_bad_arguments_give_one_line_and_a_usage_code(
    line: str, expected: int, files: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "db", "upgrade")[0] == 0
    code, _, err = run(capsys, *[part.format(**files) for part in line.split()])
    assert_one_line(code, err, {expected})


def test_theme_file_errors_name_the_file_and_the_key(
    files: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MONITOR_THEMES_FILE", files["bad_threshold"])
    code, _, err = run(capsys, "status")
    assert code == 2 and files["bad_threshold"] in err and "theme_threshold" in err
    monkeypatch.setenv("MONITOR_THEMES_FILE", files["bad_evidence"])
    code, _, err = run(capsys, "status")
    assert code == 2 and "evidence_sentences" in err


def _monitor(
    *args: str,
    env: dict[str, str] | None = None,
    stdout: int | None = None,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        env={**os.environ, **(env or {})},
        stdout=stdout if stdout is not None else subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    "bad",
    [
        {"MONITOR_LOG_LEVEL": "LOUD"},
        {"MONITOR_DATA_DIR": "{file}"},
        {"MONITOR_MAX_CONNECTIONS": "-1"},
        {"MONITOR_NEW_SOURCE_LOOKBACK": "99999999999d"},
    ],
    ids=lambda b: "=".join(next(iter(b.items()))),
)
def test_a_real_process_with_a_bad_setting_prints_one_line(
    bad: dict[str, str], files: dict[str, str]
) -> None:
    done = _monitor("poll", env={k: v.format(**files) for k, v in bad.items()})
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1 and next(iter(bad)) in done.stderr


@pytest.mark.parametrize(
    "command",
    [["articles"], ["articles", "--json"], ["sources", "list"], ["digest", "preview"]],
    ids=" ".join,
)
def test_a_closed_pipe_ends_quietly(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    # Something to print, made in process (a process start costs a second of imports); only
    # the command writing to the closed pipe needs to be a real process.
    assert run(capsys, "sources", "add", "--no-check", "http://127.0.0.1:9/feed.xml")[0] == 0
    assert run(capsys, "backfill", "seeds")[0] == 0
    reader, writer = os.pipe()
    os.close(reader)  # the reader has gone before the first line is written: `| head -0`
    try:
        done = _monitor(*command, stdout=writer)
    finally:
        os.close(writer)
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, done.stderr
    assert done.returncode == 141, done.stderr
