"""The web app's commands: `monitor feedback export`, `monitor eval --feedback`, `monitor web`
on a port already taken, and `monitor run` serving the app as a real process."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from monitor.app import App
from tests.support.articles import add, inadequate
from tests.support.builders import SCHOOL_STORY
from tests.support.cli import run


def _labelled(app: App) -> dict[str, int]:
    """Three stored articles with readers' labels: one of each kind."""
    wrong = inadequate(app, 1)
    school = add(app, 2, SCHOOL_STORY.title, "\n".join(SCHOOL_STORY.paragraphs))
    dropped = inadequate(app, 3)
    now = app.clock()
    app.store.record_feedback([wrong], "ann@example.org", "wrong_theme", ["workforce"], None, now)
    app.store.record_feedback([school], "bob@example.org", "relevant", None, None, now)
    app.store.record_feedback([dropped], "ann@example.org", "not_relevant", None, None, now)
    return {"wrong": wrong, "school": school, "dropped": dropped}


def test_feedback_export_writes_the_eval_input_and_eval_scores_it(
    app: App, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ids = _labelled(app)
    code, out, _ = run(capsys, "feedback", "export", "--json")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in rows] == sorted(ids.values())
    by_id = {r["id"]: r for r in rows}
    assert set(by_id[ids["wrong"]]) == {"id", "title", "text", "relevant", "themes"}
    assert by_id[ids["wrong"]]["relevant"] is True
    assert by_id[ids["wrong"]]["themes"] == ["workforce"]
    assert by_id[ids["school"]]["relevant"] is True
    assert by_id[ids["dropped"]] | {"text": ""} == {
        "id": ids["dropped"],
        "title": by_id[ids["dropped"]]["title"],
        "text": "",
        "relevant": False,
        "themes": [],
    }
    assert "Northmoor" in by_id[ids["wrong"]]["text"]

    code, text, _ = run(capsys, "feedback", "export")
    assert code == 0 and text.splitlines()[-1].startswith("3 labelled articles")
    assert "workforce" in text and "not relevant" in text

    exported = tmp_path / "feedback.jsonl"
    exported.write_text(out)
    code, from_file, _ = run(capsys, "eval", str(exported))
    assert code == 0
    code, from_store, _ = run(capsys, "eval", "--feedback")
    assert code == 0
    assert from_store.replace(str(exported), "") == from_file.replace(str(exported), "")
    assert "3" in from_store


def test_eval_needs_a_file_or_feedback_but_not_both(
    app: App, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(capsys, "eval")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "--feedback" in err
    code, _, err = run(capsys, "eval", "--feedback", str(tmp_path / "x.jsonl"))
    assert code == 2 and len(err.strip().splitlines()) == 1


def test_web_on_a_port_already_taken_is_one_line_and_exit_2(
    app: App, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        bind = f"127.0.0.1:{taken.getsockname()[1]}"
        monkeypatch.setenv("MONITOR_WEB_BIND", bind)
        for command in ("web", "run"):
            code, _, err = run(capsys, command)
            assert code == 2, command
            assert err.strip().splitlines() == [err.strip()], err
            assert "already in use" in err and bind in err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_run_serves_the_app(app: App, tmp_path: Path) -> None:
    inadequate(app, 1)
    bind = f"127.0.0.1:{_free_port()}"
    log = tmp_path / "run.log"
    env = {**os.environ, "MONITOR_WEB_BIND": bind, "MONITOR_POLL_INTERVAL": "3600"}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "monitor", "run"], env=env, stdout=out, stderr=subprocess.STDOUT
        )
        try:
            url = f"http://{bind}"
            deadline = time.monotonic() + 30
            while f"web app at {url}/" not in log.read_text(errors="replace"):
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.05)
            page = httpx.get(url + "/articles", timeout=10)
            assert page.status_code == 200 and "Northmoor1" in page.text
            assert httpx.get(url + "/healthz", timeout=10).status_code in (200, 503)
        finally:
            process.send_signal(signal.SIGTERM)
            code = process.wait(timeout=30)
    assert code == 0, log.read_text()
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "/healthz", timeout=2)
