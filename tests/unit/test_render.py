"""render_digest: MIME structure, headers, escaping and hostile feed text."""

from __future__ import annotations

import email
from dataclasses import replace
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import default
from zoneinfo import ZoneInfo

from monitor.digest.build import Digest, build_digest
from monitor.digest.render import Envelope, Settings, header_address, one_line, render_digest
from monitor.models import Candidate, SourceActivity
from tests.support.digest_inputs import THEMES, activity, candidate

NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
SETTINGS = Settings(ZoneInfo("Europe/London"), "0 7 * * *", "the built-in themes file")
ENVELOPE = Envelope(
    "Ofsted monitor <monitor@example.org>",
    ("policy@example.org", "Director <dcs@example.org>"),
    "<digest.42@example.org>",
    NOW,
)
HOSTILE = (
    "Ofsted\r\nBcc: victim@example.org\u2028<script>alert(1)</script> "
    "<b>inadequate</b> \u202eevil\u202c rating"
)


def digest_of(*candidates: Candidate, sources: tuple[SourceActivity, ...] = ()) -> Digest:
    return build_digest(
        list(candidates), list(sources), THEMES, since=NOW.replace(day=22), until=NOW
    )


def parse(message: EmailMessage) -> EmailMessage:
    parsed = email.message_from_bytes(message.as_bytes(), policy=default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


def test_structure_and_headers() -> None:
    digest = digest_of(
        *(candidate(i, themes=(("workforce", 0.9),)) for i in range(12)),
        sources=(activity("Community Care"),),
    )
    message = parse(render_digest(digest, ENVELOPE, SETTINGS))
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in message.iter_parts())
    assert message["Subject"] == "Ofsted & children's social care: 12 new articles (23 Nov 2026)"
    assert message["From"] == "Ofsted monitor <monitor@example.org>"
    assert message["To"] == "policy@example.org, Director <dcs@example.org>"
    assert message["Message-ID"] == "<digest.42@example.org>"
    assert message["Date"] == "Mon, 23 Nov 2026 07:00:00 +0000"


def test_content_header_items_coverage_footer() -> None:
    lead = candidate(
        1,
        title="Council's care services rated inadequate",
        themes=(("judgement-outcomes", 0.9), ("workforce", 0.4)),
    )
    near = candidate(2, title="Nursery closed after inspection", relevant=False, relevance=0.2)
    sources = (
        activity("Community Care"),
        activity(
            "GOV.UK",
            polls_ok=0,
            polls_failed=4,
            last_poll_failed=True,
            last_error="HTTP 503 Service Unavailable",
        ),
    )
    text, html = parts(
        parse(render_digest(digest_of(lead, near, sources=sources), ENVELOPE, SETTINGS))
    )
    for body in (text, html):
        assert "Covering 22 Nov 2026 07:00 to 23 Nov 2026 07:00 (Europe/London)" in body
        assert "Judgements and outcomes: " in body
        assert (
            "Council's care services rated inadequate" in body
            or "Council&#39;s care services" in body
        )
        assert "Evidence for judgement-outcomes in 1." in body
        assert "Workforce" in body  # the tag
        assert "Nursery closed after inspection" in body and "relevance 0.20" in body
        assert "HTTP 503 Service Unavailable" in body
        assert "Community Care" in body
        assert "MONITOR_DIGEST_CRON" in body and "MONITOR_THEMES_FILE" in body
    assert 'href="https://news.example/1"' in html
    assert "https://news.example/1" in text
    assert "width:100%;max-width:600px" in html and "<!--[if mso]>" in html
    assert "<script" not in html and "<link" not in html


def test_hostile_titles_cannot_inject_headers_or_markup() -> None:
    bad = candidate(1, title=HOSTILE, source="Evil\nFeed", themes=(("workforce", 0.9),))
    bad = replace(bad, url="javascript:alert(1)")
    envelope = replace(ENVELOPE, sender="Monitor\r\nBcc: x@example.org <monitor@example.org>")
    raw = render_digest(digest_of(bad), envelope, SETTINGS).as_bytes()
    message = parse(render_digest(digest_of(bad), envelope, SETTINGS))
    assert message["Bcc"] is None and b"\nBcc:" not in raw
    text, html = parts(message)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>inadequate</b>" not in html
    assert "javascript:" not in html and "javascript:" not in text
    assert "\u2028" not in text + html and "\u202e" not in text + html
    title_line = next(line for line in text.splitlines() if line.startswith("* "))
    assert (
        title_line
        == "* Ofsted Bcc: victim@example.org <script>alert(1)</script> <b>inadequate</b> evil rating"
    )
    assert "Evil Feed" in text


def test_every_header_of_a_digest_with_hostile_text_is_one_clean_line() -> None:
    message = render_digest(digest_of(candidate(1, title=HOSTILE)), ENVELOPE, SETTINGS)
    for name, value in message.items():
        assert "\n" not in str(value) and "\r" not in str(value), name


def test_one_line() -> None:
    assert one_line("a\r\nb\u2028c\u2029d\x00e\tf") == "a b c d e f"
    assert one_line("chil\u00addren\u200b \u202eright\u202c") == "children right"
    assert one_line(None) == ""
    assert one_line("  plain   text ") == "plain text"


def test_header_address_keeps_only_the_address() -> None:
    assert header_address("Team <team@example.org>") == "Team <team@example.org>"
    assert header_address("team@example.org") == "team@example.org"
    folded = header_address("Evil\r\nBcc: x@y <a@example.org>")
    assert "\r" not in folded and "\n" not in folded


def test_empty_digest_says_nothing_new() -> None:
    text, html = parts(parse(render_digest(digest_of(), ENVELOPE, SETTINGS)))
    assert "Nothing new was found in this period." in text
    assert "No sources are subscribed" in html
