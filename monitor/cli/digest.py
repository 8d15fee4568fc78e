"""The digest commands: `digest preview`, `digest send`, `digests`."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from monitor.app import App
from monitor.cli.output import (
    EXIT_FAILED,
    EXIT_OK,
    destination,
    digest_json,
    parse_since,
    positive_int,
    when,
)
from monitor.digest.lifecycle import DigestService, SendOutcome
from monitor.errors import ConfigError, MonitorError
from monitor.models import plural


def _part(message: EmailMessage, subtype: str) -> str:
    for part in message.walk():
        if part.get_content_type() == f"text/{subtype}":
            return str(part.get_content())
    return ""


def cmd_digest_preview(app: App, args: argparse.Namespace) -> int:
    digest, message = app.digests().preview(since=args.since)
    if args.html:
        try:
            Path(args.html).write_text(_part(message, "html"), encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot write {args.html}: {exc.strerror or exc}") from exc
        print(f"wrote the HTML part to {args.html}", file=sys.stderr)
    if args.text or not args.html:
        print(f"Subject: {message['Subject']}\n")
        sys.stdout.write(_part(message, "plain"))
    if digest.is_empty:
        print("(nothing new: `digest send` would not send this one)", file=sys.stderr)
    return EXIT_OK


def _describe(outcome: SendOutcome) -> str:
    if outcome.status == "sent":
        note = f" ({outcome.error})" if outcome.error else ""
        return f"digest {outcome.digest_id}: sent to {outcome.where}{note}"
    if outcome.status == "retry":
        return (
            f"digest {outcome.digest_id}: not delivered, will retry after "
            f"{outcome.next_attempt_at:%Y-%m-%d %H:%M UTC}: {outcome.error}"
        )
    if outcome.status == "failed":
        return f"digest {outcome.digest_id}: failed: {outcome.error}"
    if outcome.status == "held":
        return f"digest {outcome.digest_id}: left pending: {outcome.error}"
    return f"digest {outcome.digest_id}: being sent by another process, or already sent"


def _holder(sender: dict[str, str | None] | None) -> str:
    """Who holds the digest lock, in words: "the service on host (process 123), sending
    digests since 2026-12-01 07:00 UTC"."""
    instance = (sender or {}).get("instance") or ""
    host, _, pid = instance.rpartition(":")
    who = (
        f"the service on {host} (process {pid})"
        if host and pid.isdigit()
        else "a running `monitor run`"
    )
    since = (sender or {}).get("since")
    try:
        started = datetime.fromisoformat(since) if since else None
    except ValueError:
        started = None
    return f"{who}, sending digests since {when(started)}" if started else who


def cmd_digest_send(app: App, args: argparse.Namespace) -> int:
    service = app.digests()
    lock = app.digest_lock()
    if not lock.acquire():
        raise MonitorError(
            f"digests are being sent by {_holder(app.digest_sender())}: it sends pending "
            "digests itself; stop it to send one by hand"
        )
    try:
        service.release_claims()  # we hold the lock: any claim is a dead process's
        return _send(app, service)
    finally:
        lock.release()


def _send(app: App, service: DigestService) -> int:
    outcomes = service.retry_pending(ignore_backoff=True)
    record, _ = service.create(f"manual/{app.clock().isoformat()}")
    if record.status == "skipped":
        print(
            f"digest {record.id}: nothing new, no email "
            "(set MONITOR_DIGEST_SEND_EMPTY=true to send one anyway)"
        )
    else:
        print(
            f"digest {record.id}: {plural(record.item_count, 'story', 'stories')}, "
            f"{plural(record.near_miss_count, 'near miss', 'near misses')}"
        )
        outcomes.append(service.send(record.id))
    for outcome in outcomes:
        print(_describe(outcome))
    failed = any(o.status in ("retry", "failed", "held") for o in outcomes)
    return EXIT_FAILED if failed else EXIT_OK


def cmd_digests(app: App, args: argparse.Namespace) -> int:
    records = app.digest_store.list(limit=args.limit)
    if args.json:
        print(json.dumps([digest_json(r) for r in records], indent=2, ensure_ascii=False))
        return EXIT_OK
    if not records:
        print("no digests yet: `monitor digest send` builds and sends one")
    for r in records:
        when = r.sent_at or r.created_at
        where = destination(r)
        stories = plural(r.item_count, "story", "stories")
        print(f"{r.id:>4}  {when:%Y-%m-%d %H:%M}  {r.status:<8} {stories:>11}  {where}")
        if r.delivered_to:
            print(f"      delivered: {r.delivered_to}")
        if r.status == "pending" and r.next_attempt_at:
            retry = f"{r.next_attempt_at:%Y-%m-%d %H:%M UTC}"
            print(f"      next attempt: {retry} (attempt {r.attempts + 1})")
        if r.last_error:
            print(f"      error: {r.last_error}")
    return EXIT_OK


def add_commands(commands: Any) -> None:
    digest = commands.add_parser("digest", help="build and send the digest email").add_subparsers(
        dest="digest_command", required=True
    )
    preview = digest.add_parser(
        "preview", help="build the next digest without sending it or moving anything forward"
    )
    preview.add_argument(
        "--since",
        type=parse_since,
        metavar="DATE",
        help="cover everything relevant since DATE, including articles already sent",
    )
    preview.add_argument("--html", metavar="FILE", help="write the HTML part to FILE")
    preview.add_argument("--text", action="store_true", help="print the text part (the default)")
    preview.set_defaults(func=cmd_digest_preview, read_only=True)
    digest.add_parser(
        "send", help="retry pending digests, then build and send the next one"
    ).set_defaults(func=cmd_digest_send)
    digests = commands.add_parser("digests", help="the digests recorded, newest first")
    digests.add_argument("--json", action="store_true", help="a JSON array of the digests")
    digests.add_argument("--limit", type=positive_int, metavar="N", help="at most N digests")
    digests.set_defaults(func=cmd_digests, read_only=True)
