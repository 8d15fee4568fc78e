"""A digest as an email: Jinja2 templates (HTML with inline CSS, plain text), multipart. Pure.

Everything from feeds and pages is untrusted: the HTML template autoescapes it, links are
kept only for http(s) URLs, and every string is reduced to one clean line before it is used
(no control, bidi, zero-width or line separator characters), so one hostile headline can
neither inject a header or markup nor make the email package refuse the message.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import message_from_bytes
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, getaddresses, parseaddr
from zoneinfo import ZoneInfo

import jinja2

from monitor.digest.build import Digest
from monitor.models import AuthorityMatch
from monitor.urls import is_http_url

SUBJECT_PREFIX = "Ofsted & children's social care"
_SPACES = re.compile(r"\s+")
# Characters that break a line or a header (controls, line and paragraph separators,
# surrogates, private use, unassigned) become spaces; invisible format characters (bidi
# overrides, zero-width joiners, soft hyphens) are dropped.
_BREAKING = frozenset({"Cc", "Zl", "Zp", "Cs", "Co", "Cn"})
_INVISIBLE = "Cf"
# The longest any one string from a feed may run in a digest (an evidence sentence is the
# longest wanted; titles are stored at most 300 long): whatever a feed sends, a story's size
# is bounded. A longer link is no link.
LINE_CHARS = 500
URL_CHARS = 2000


@dataclass(frozen=True)
class Envelope:
    sender: str
    recipients: tuple[str, ...]
    message_id: str
    date: datetime


@dataclass(frozen=True)
class Settings:
    """What the footer tells readers about changing the digest, and the zone for dates."""

    zone: ZoneInfo
    schedule: str
    themes: str
    # Where readers find every story, shown or not (the web app's articles): None, no link.
    archive_url: str | None = None


def one_line(value: object) -> str:
    """`value` as one line of visible text: unwanted characters become spaces, runs collapse."""
    text = "" if value is None else str(value)
    if text.isprintable():  # the common case: nothing but letters, marks, symbols and spaces
        return _SPACES.sub(" ", text).strip()
    kept = []
    for ch in text:
        category = unicodedata.category(ch)
        if category in _BREAKING:
            kept.append(" ")
        elif category != _INVISIBLE:
            kept.append(ch)
    cleaned = "".join(kept)
    return _SPACES.sub(" ", cleaned).strip()


def clipped_line(value: object) -> str:
    """`one_line`, at most LINE_CHARS long (cut at a word, with an ellipsis)."""
    text = one_line(value)
    if len(text) <= LINE_CHARS:
        return text
    cut = text[: LINE_CHARS - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut[LINE_CHARS // 2 :] else cut) + "…"


def safe_url(value: object) -> str | None:
    url = one_line(value)
    if len(url) > URL_CHARS:
        return None
    return url if url and " " not in url and is_http_url(url) else None


def subject(digest: Digest, zone: ZoneInfo) -> str:
    count = digest.story_count
    what = f"{count} new article{'s' if count != 1 else ''}" if count else "no new articles"
    return f"{SUBJECT_PREFIX}: {what} ({_day(digest.until, zone)})"


def _day(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return f"{local.day} {local:%b %Y}"


def _moment(moment: datetime | None, zone: ZoneInfo) -> str:
    if moment is None:
        return ""
    local = moment.astimezone(zone)
    return f"{local.day} {local:%b %Y %H:%M}"


def _duration(value: timedelta | None) -> str:
    if value is None:
        return ""
    days = value.total_seconds() / 86400
    return f"{days:.0f} days" if days >= 2 else f"{value.total_seconds() / 3600:.0f} hours"


def council(authority: AuthorityMatch) -> str:
    """A council and its grade as a digest shows them: "Nottingham · inadequate (was requires
    improvement)", or the name alone when the story gives no grade."""
    if authority.grade is None:
        return one_line(authority.name)
    text = f"{authority.name} · {authority.grade}"
    if authority.previous_grade:
        text += f" (was {authority.previous_grade})"
    return one_line(text)


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("monitor.digest", "templates"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",)),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["line"] = clipped_line
    env.filters["url"] = safe_url
    env.filters["duration"] = _duration
    env.filters["council"] = council
    return env


_ENV = _environment()


# A feedback link: (article id, action) -> the URL, or no links at all.
FeedbackLinks = Callable[[int, str], str]


def render_parts(
    digest: Digest, settings: Settings, links: FeedbackLinks | None = None
) -> tuple[str, str]:
    """(text, html) bodies of a digest; with `links`, each story gets "Not relevant" and
    "Wrong theme" links and each near miss a "Relevant" link."""
    zone = settings.zone
    theme_counts = [(s.name, len(s.items)) for s in digest.sections]
    context = {
        "digest": digest,
        "subject": subject(digest, zone),
        "since": _moment(digest.since, zone),
        "until": _moment(digest.until, zone),
        "zone": zone.key,
        "theme_counts": theme_counts,
        "day": lambda m: _day(m, zone),
        "settings": settings,
        "failing": [c for c in digest.coverage if c.state == "failing"],
        "unpolled": [c for c in digest.coverage if c.state == "not polled"],
        "quiet": [c for c in digest.coverage if c.state == "quiet"],
        "healthy": [c for c in digest.coverage if c.state == "ok"],
        "links": links,
        "hidden": len(digest.hidden),
        "archive_url": settings.archive_url,
    }
    text = _ENV.get_template("digest.txt").render(context)
    html = _ENV.get_template("digest.html").render(context)
    return text, html


def render_digest(
    digest: Digest, envelope: Envelope, settings: Settings, links: FeedbackLinks | None = None
) -> EmailMessage:
    """The multipart/alternative message (text, then HTML), UTF-8, with clean headers."""
    text, html = render_parts(digest, settings, links)
    message = EmailMessage(policy=SMTP)
    message["Subject"] = one_line(subject(digest, settings.zone))
    message["From"] = header_address(envelope.sender)
    message["To"] = ", ".join(header_address(r) for r in envelope.recipients) or (
        "undisclosed-recipients:;"
    )
    message["Date"] = format_datetime(envelope.date)
    message["Message-ID"] = envelope.message_id
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text, subtype="plain", charset="utf-8")
    message.add_alternative(html, subtype="html", charset="utf-8")
    return message


def header_address(value: str) -> str:
    """An address for a header, rebuilt from its parts so that nothing else rides along."""
    name, address = parseaddr(one_line(value))
    if not address:
        return ""
    user, _, domain = address.rpartition("@")
    if not user:
        return one_line(address)
    return str(Address(display_name=one_line(name), username=user, domain=domain))


def envelope_address(value: str) -> str:
    """The bare address (for SMTP MAIL FROM / RCPT TO)."""
    found = getaddresses([one_line(value)])
    return found[0][1] if found else ""


# Headers a trimmed digest keeps from the message it replaces (the same Message-ID: the
# refused message was never delivered, so it is still the one digest).
_KEPT_HEADERS = ("Subject", "From", "To", "Date", "Message-ID", "Auto-Submitted")
_TRIMMED_END = "[... the rest of this digest did not fit: it is in the web archive]"


def html_size(message: EmailMessage) -> int:
    """Bytes of the message's HTML part (what Gmail clips beyond 102 KB)."""
    part = message.get_body(("html",))
    return len(str(part.get_content()).encode()) if part is not None else 0


def trimmed_message(data: bytes, budget: int, where: str | None) -> bytes:
    """A text-only version of the rendered digest `data`, at most about `budget` bytes: a
    note that it was shortened (and where the whole is, `where`), then as many whole lines
    of the plain-text digest as fit."""
    parsed = message_from_bytes(data, _class=EmailMessage, policy=SMTP)
    assert isinstance(parsed, EmailMessage)
    part = parsed.get_body(("plain",))
    text = str(part.get_content()) if part is not None else ""
    note = "This digest was too large for the mail server, so it is shortened here"
    note += f": every story is at {where}\n\n" if where else ".\n\n"
    room = budget - len(note.encode()) - len(_TRIMMED_END) - 2048  # headers and encoding
    kept: list[str] = []
    used = 0
    lines = text.splitlines()
    for line in lines:
        size = len(line.encode()) + 1
        if used + size > room:
            break
        kept.append(line)
        used += size
    body = note + "\n".join(kept)
    if len(kept) < len(lines):
        body += f"\n\n{_TRIMMED_END}\n"
    message = EmailMessage(policy=SMTP)
    for name in _KEPT_HEADERS:
        if parsed[name] is not None:
            message[name] = str(parsed[name])
    message.set_content(body, subtype="plain", charset="utf-8")
    return message.as_bytes()
