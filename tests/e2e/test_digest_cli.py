"""`digest preview`, `digest send` and `digests` through the command line, after a real poll."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.builders import INADEQUATE_STORY, Item, Page, article_html, rss
from tests.support.cli import run
from tests.support.servers import LocalServer, Route
from tests.support.smtp import SmtpFactory, text_body

HOSTILE_TITLE = (
    "Ofsted\u2028judges <script>alert('x')</script> council inadequate\r\nBcc: all@example.org"
)


@pytest.fixture
def polled(news: LocalServer, capsys: pytest.CaptureFixture[str]) -> LocalServer:
    hostile = Page(title=HOSTILE_TITLE, paragraphs=INADEQUATE_STORY.paragraphs[::-1])
    news.routes["/news/hostile"] = Route(article_html(hostile), content_type="text/html")
    news.routes["/feed.xml"] = Route(
        rss(
            [
                Item("Northmoor inadequate", news.url("/news/northmoor"), "n"),
                Item("Hillside good", news.url("/news/hillside"), "h"),
                Item(HOSTILE_TITLE, news.url("/news/hostile"), "x"),
            ],
            title="Care News Today",
        )
    )
    assert run(capsys, "sources", "add", news.url("/feed.xml"))[0] == 0
    code, out, _ = run(capsys, "poll")
    assert code == 0 and "3 new articles" in out
    return news


def test_send_twice_sends_one_email(
    polled: LocalServer,
    smtp: SmtpFactory,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = smtp("starttls")
    monkeypatch.setenv("MONITOR_SMTP_URL", f"smtp://127.0.0.1:{server.port}")
    monkeypatch.setenv("MONITOR_SMTP_CA_FILE", str(smtp.certificates.ca_file))
    monkeypatch.setenv("MONITOR_DIGEST_TO", "desk@example.org")
    monkeypatch.setenv("MONITOR_DIGEST_FROM", "Monitor <monitor@example.org>")

    code, out, _ = run(capsys, "digest", "send")
    assert code == 0, out
    assert "digest 1: 1 story," in out
    assert f"digest 1: sent to smtp://127.0.0.1:{server.port}" in out
    code, out, _ = run(capsys, "digest", "send")
    assert code == 0 and "digest 2: nothing new, no email" in out
    [got] = server.messages
    assert got.tls and got.rcpt_tos == ["desk@example.org"]
    message = got.message
    assert message["Bcc"] is None
    text = text_body(message)
    html = text_body(message, "html")
    assert "Care News Today" in text
    assert "Also reported by:" in text  # the hostile page retells the Northmoor story
    assert "<script>" not in html and "\u2028" not in text + html

    code, out, _ = run(capsys, "digests", "--json")
    listed = json.loads(out)
    assert [d["status"] for d in listed] == ["skipped", "sent"]
    sent = listed[1]
    assert sent["items"] == 1 and sent["recipients"] == ["desk@example.org"]
    assert sent["message_id"] == message["Message-ID"] and sent["error"] is None
    for key in (
        "id",
        "period",
        "created_at",
        "window_start",
        "window_end",
        "subject",
        "attempts",
        "sent_at",
        "delivered_to",
    ):
        assert key in sent


def test_preview_moves_nothing_forward(
    polled: LocalServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    page = tmp_path / "digest.html"
    code, out, err = run(capsys, "digest", "preview", "--html", str(page), "--text")
    assert code == 0
    assert out.startswith("Subject: Ofsted & children's social care: 1 new article (")
    assert "Northmoor" in out and "Hillside" not in out
    assert "<!DOCTYPE html>" in page.read_text() and "wrote the HTML part" in err
    assert run(capsys, "digest", "preview")[1] == out  # the same again: nothing moved
    code, out, _ = run(capsys, "digests")
    assert "no digests yet" in out

    # Once sent (to the outbox), the next preview is empty, but --since shows the period again.
    code, out, _ = run(capsys, "digest", "send")
    assert code == 0 and "outbox" in out
    assert "Nothing new was found" in run(capsys, "digest", "preview")[1]
    assert "Northmoor" in run(capsys, "digest", "preview", "--since", "2020-01-01")[1]


def test_smtp_without_recipients_is_a_configuration_error(
    polled: LocalServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MONITOR_SMTP_URL", "smtp://127.0.0.1:25")
    code, _, err = run(capsys, "digest", "send")
    assert code == 2 and "MONITOR_DIGEST_TO" in err


def test_failed_delivery_exits_non_zero_and_is_listed(
    polled: LocalServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MONITOR_SMTP_URL", "smtp://user:hunter2@127.0.0.1:1")
    monkeypatch.setenv("MONITOR_DIGEST_TO", "desk@example.org")
    code, out, err = run(capsys, "digest", "send")
    assert code == 1 and "will retry after" in out
    code, out, _ = run(capsys, "digests")
    assert "pending" in out and "next attempt" in out and "cannot deliver" in out
    assert "hunter2" not in out + err


def test_status_check_reports_a_failing_digest(
    polled: LocalServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = run(capsys, "status", "--check")
    assert code == 0 and "healthy" in out and "digest lock: no running instance" in out
    monkeypatch.setenv("MONITOR_SMTP_URL", "smtp://127.0.0.1:1")
    monkeypatch.setenv("MONITOR_DIGEST_TO", "desk@example.org")
    run(capsys, "digest", "send")
    code, out, _ = run(capsys, "status", "--check")
    assert code == 1 and "UNHEALTHY" in out and "is not getting through" in out
    code, out, _ = run(capsys, "status", "--json")
    status = json.loads(out)
    assert status["healthy"] is False and status["problems"]
    scheduler = status["scheduler"]
    assert scheduler["last_digest"]["status"] == "pending"
    assert (
        scheduler["next_digest"].endswith("+00:00") and scheduler["digest_schedule"] == "0 7 * * *"
    )
    assert scheduler["last_successful_poll"] is not None and scheduler["digest_lock_holder"] is None
