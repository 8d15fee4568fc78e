"""What a user notices: the words of refusals and summaries, each failure said once, exit codes."""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from datetime import UTC, datetime, timedelta

import pytest

from monitor.app import open_app
from monitor.cli.main import build_parser
from monitor.cli.main import main as cli_main
from monitor.config import Settings, load_settings
from tests.support.builders import SCHOOL_STORY, Item, hours_ago, rss
from tests.support.cli import run
from tests.support.servers import LocalServer, Route


def test_a_loopback_feed_is_refused_in_one_line_naming_the_allow_list(
    news: LocalServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MONITOR_ALLOW_HOSTS")
    code, out, err = run(capsys, "sources", "add", news.url("/feed.xml"))
    assert code == 1 and out == ""
    assert err.count("\n") == 1, err
    assert f"MONITOR_ALLOW_HOSTS={news.host}" in err and "--no-check" not in err


def test_already_subscribed_is_a_failure_not_a_usage_error(
    news: LocalServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "sources", "add", news.url("/feed.xml"))[0] == 0
    code, _, err = run(capsys, "sources", "add", news.url("/feed.xml"))
    assert code == 1 and "already subscribed" in err


def test_one_of_each_is_said_in_the_singular_and_each_failure_once(
    news: LocalServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "sources", "add", news.url("/feed.xml"))
    assert code == 0 and "2 entries listed now" in out
    run(capsys, "sources", "add", news.url("/down.xml"), "--no-check")
    code, out, err = run(capsys, "poll")
    assert code == 0
    assert "polled 2 sources: 0 unchanged, 1 failed; 2 new articles" in out
    # The failure is in the summary, and nowhere else.
    assert (out + err).count("/down.xml") == 1, out + err
    news.routes.pop("/down.xml", None)
    code, _, _ = run(capsys, "sources", "remove", news.url("/down.xml"))
    code, out, _ = run(capsys, "poll", "--force")
    assert "polled 1 source: 1 unchanged, 0 failed; 0 new articles, 0 duplicates" in out
    code, out, _ = run(capsys, "status")
    assert out.startswith("1 source (0 failing), 2 articles, 1 relevant")


def test_digest_send_beside_a_running_service_names_it_in_words(
    env: LocalServer, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The lock is held by this process; `digest send` runs as another."""
    app = open_app(load_settings())
    lock = app.digest_lock()
    try:
        assert lock.acquire()
        app.record_digest_sender("carehost:4242", datetime(2026, 12, 1, 7, 0, tzinfo=UTC))
        done = subprocess.run(
            [sys.executable, "-m", "monitor", "digest", "send"],
            env=dict(os.environ),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        lock.release()
        app.close()
    assert done.returncode == 1
    assert done.stderr == (
        "monitor: digests are being sent by the service on carehost (process 4242), sending "
        "digests since 2026-12-01 07:00 UTC: it sends pending digests itself; stop it to send "
        "one by hand\n"
    )


@pytest.mark.slow
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the terminal is what matters
def test_the_progress_bar_counts_entries_and_log_lines_go_above_it(news: LocalServer) -> None:
    """`monitor poll` on a terminal (a real pseudo-terminal as its stderr)."""
    env = dict(os.environ)
    # Subscribed in process: only the poll on the terminal needs to be a real process.
    assert cli_main(["sources", "add", news.url("/feed.xml")]) == 0
    main, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "monitor", "poll"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=terminal,
        )
        os.close(terminal)
        screen = b""
        while True:
            try:
                chunk = os.read(main, 4096)
            except OSError:  # EIO: the command ended and closed the terminal
                break
            if not chunk:
                break
            screen += chunk
        out, _ = process.communicate(timeout=60)
    finally:
        os.close(main)
    assert process.returncode == 0 and b"polled 1 source" in out
    text = screen.decode(errors="replace")
    assert "poll: 0 entries" in text or "/2 entries" in text, text
    assert "item" not in text
    logged = [part for part in re.split(r"[\r\n]", text) if " INFO monitor" in part]
    assert logged, text
    for line in logged:  # each log line starts a line of its own, never inside the bar
        assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\S* INFO monitor", line), repr(line)


def test_articles_show_themes_and_undated_ones_as_undated_filtered_on_first_seen(
    news: LocalServer, capsys: pytest.CaptureFixture[str]
) -> None:
    # A page that gives no date anywhere (no metadata, no copyright year).
    paragraphs = "".join(f"<p>{p}</p>" for p in SCHOOL_STORY.paragraphs)
    undated_page = f"<html><body><article><h1>Hillside</h1>{paragraphs}</article></body></html>"
    news.routes["/news/undated"] = Route(undated_page.encode(), content_type="text/html")
    news.routes["/mixed.xml"] = Route(
        rss(
            [
                Item("Northmoor inadequate", news.url("/news/northmoor"), "n", hours_ago(240)),
                Item("Hillside good", news.url("/news/undated"), "h", pub_date=None),
            ]
        )
    )
    run(capsys, "sources", "add", news.url("/mixed.xml"))
    assert run(capsys, "poll")[0] == 0
    code, out, _ = run(capsys, "articles")
    assert code == 0
    lines = out.splitlines()
    dated = lines.index(next(line for line in lines if "Northmoor" in line))
    assert re.match(r"\d{4}-\d\d-\d\d  ", lines[dated])
    assert "| relevant | judgements-ratings" in lines[dated + 1]  # its themes
    undated = lines.index(next(line for line in lines if "Hillside" in line))
    assert lines[undated].startswith("undated     ")
    assert "| first seen " in lines[undated + 1]
    # --since: the dated article by its publication date (ten days ago), the undated one by
    # when it was first seen (now).
    since = (datetime.now(UTC) - timedelta(days=2)).strftime("%Y-%m-%d")
    code, out, _ = run(capsys, "articles", "--since", since)
    assert "Hillside" in out and "Northmoor" not in out


def test_article_shows_one_article_with_its_classification_and_digests(
    news: LocalServer, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "sources", "add", news.url("/feed.xml"))
    run(capsys, "poll")
    rows = [json.loads(line) for line in run(capsys, "articles", "--json")[1].splitlines()]
    relevant = next(r for r in rows if r["relevant"])
    assert run(capsys, "digest", "send")[0] == 0
    code, out, _ = run(capsys, "article", str(relevant["id"]))
    assert code == 0
    assert out.startswith(f"#{relevant['id']}  {relevant['title']}\n")
    assert "relevant (relevance " in out and "themes:\n  judgements-ratings " in out
    assert "\n    > " in out  # evidence sentences
    assert "councils:" in out and "digests: digest 1 (manual/" in out
    assert "inadequate" in out.split("digests:")[1]  # the text follows
    shape = json.loads(run(capsys, "article", str(relevant["id"]), "--json")[1])
    assert shape["id"] == relevant["id"] and shape["digests"][0]["id"] == 1
    assert shape["theme_matches"][0]["evidence"] and "authorities" in shape
    code, _, err = run(capsys, "article", "999")
    assert (
        code == 1
        and err == "monitor: no article 999: `monitor articles` lists them with their ids\n"
    )


def _parsers(
    parser: argparse.ArgumentParser, prefix: str = ""
) -> list[tuple[str, argparse.ArgumentParser]]:
    found = [(prefix, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += _parsers(sub, f"{prefix} {name}".strip())
    return found


def test_every_option_and_argument_says_what_it_does() -> None:
    missing = [
        f"{command}: {'/'.join(action.option_strings) or action.dest}"
        for command, parser in _parsers(build_parser())
        for action in parser._actions
        if not isinstance(action, argparse._SubParsersAction) and not action.help
    ]
    assert missing == []


def test_run_help_names_the_settings_that_matter(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "run", "--help")
    assert code == 0
    named = set(re.findall(r"\bMONITOR_[A-Z_]+\b", out)) - {"MONITOR_CONFIG"}
    assert {"MONITOR_DATA_DIR", "MONITOR_SMTP_URL", "MONITOR_DIGEST_CRON"} <= named
    fields = {f"MONITOR_{name.upper()}" for name in Settings.model_fields}
    assert named <= fields  # each is a real setting
