"""The service commands: `run`, and `status` with the scheduler's state and `--check`."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from typing import Any

from monitor.app import App
from monitor.cli.output import EXIT_OK, digest_json, iso, source_json, when
from monitor.config import config_file
from monitor.digest.schedule import digest_trigger, next_fire
from monitor.ingest.pipeline import UNREACHABLE
from monitor.service.health import OFFLINE, problems
from monitor.service.scheduler import Service
from monitor.storage.db import describe_database

log = logging.getLogger(__name__)

EXIT_UNHEALTHY = 1


def cmd_run(app: App, args: argparse.Namespace) -> int:
    stop = threading.Event()

    def request_stop(signum: int, _frame: object) -> None:
        log.info("received %s", signal.Signals(signum).name)
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, request_stop)
    code = Service(app, stop).run()
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # stopped: a repeated SIGTERM changes nothing
    app.close()
    if any(
        t.is_alive() and not t.daemon
        for t in threading.enumerate()
        if t is not threading.main_thread()
    ):
        # A job overran the stop grace period: exit now rather than wait for it (what it did
        # not commit is rolled back; a digest it was sending is sent again by the next start).
        logging.shutdown()
        sys.stdout.flush()
        os._exit(code)
    return code


def cmd_status(app: App, args: argparse.Namespace) -> int:
    s = app.settings
    now = app.clock()
    status = app.store.status()
    next_poll, last_success = app.store.polling_summary()
    last_digest = app.digest_store.latest()
    last_sent = app.digest_store.latest(sent=True)
    next_digest = next_fire(digest_trigger(s.digest_cron, s.zone), now)
    sender = app.digest_sender()
    failing = [x for x in status.source_health if x.failing]
    unreachable = (
        bool(failing)
        and len(failing) == status.sources
        and app.store.get_meta(UNREACHABLE) == "true"
    )
    found = problems(
        now,
        poll_interval=s.poll_interval,
        sources=status.sources,
        last_success=last_success,
        first_started=app.first_started(),
        last_digest=last_digest,
        unreachable=unreachable,
    )
    database = describe_database(s.effective_database_url)
    settings_file = config_file()
    if args.json:
        print(
            json.dumps(
                {
                    "database": database,
                    "data_dir": str(s.data_dir.absolute()),
                    "settings_file": str(settings_file) if settings_file else None,
                    "sources_count": status.sources,
                    "articles": status.articles,
                    "relevant": status.relevant,
                    "unclassified": status.unclassified,
                    "sources": [source_json(x) for x in status.source_health],
                    "scheduler": {
                        "next_poll": iso(next_poll),
                        "last_successful_poll": iso(last_success),
                        "next_digest": iso(next_digest),
                        "digest_schedule": s.digest_cron,
                        "timezone": s.timezone,
                        "last_digest": digest_json(last_digest) if last_digest else None,
                        "last_sent_digest": digest_json(last_sent) if last_sent else None,
                        "digest_lock_holder": sender,
                    },
                    "unreachable": unreachable,
                    "healthy": not found,
                    "problems": found,
                },
                indent=2,
            )
        )
    else:
        print(
            f"{status.sources} sources ({len(failing)} failing), {status.articles} articles, "
            f"{status.relevant} relevant, {status.unclassified} unclassified"
        )
        if unreachable:
            print(OFFLINE)
        for x in status.source_health:
            if x.claimed_until and x.claimed_until > now:
                print(f"  being polled: {x.url} (claimed until {when(x.claimed_until)})")
        for x in failing:
            streak = f"{x.consecutive_failures} in a row" if x.consecutive_failures else "last poll"
            print(f"  failing: {x.url}: {streak}: {x.last_error}")
        print(f"last successful poll: {when(last_success)}; next poll due: {when(next_poll)}")
        print(f"next digest: {when(next_digest)} (schedule {s.digest_cron!r}, {s.timezone})")
        if last_digest:
            sent_or_made = when(last_digest.sent_at or last_digest.created_at)
            print(
                f"last digest: {last_digest.id}, {last_digest.status}, "
                f"{last_digest.item_count} stories, {sent_or_made}"
            )
        holder = sender["instance"] if sender else "no running instance"
        print(f"digest lock: {holder}")
        print(f"database: {database}; data folder: {s.data_dir.absolute()}")
        print(f"settings file: {settings_file or 'none (MONITOR_CONFIG is not set)'}")
        print("healthy" if not found else "UNHEALTHY:")
        for problem in found:
            print(f"  {problem}")
    if args.check and found:
        return EXIT_UNHEALTHY
    return EXIT_OK


def add_commands(commands: Any) -> None:
    run = commands.add_parser(
        "run", help="run the service: poll, send digests and retry them on schedule"
    )
    run.set_defaults(func=cmd_run)
    status = commands.add_parser("status", help="counts, source health and the scheduler")
    status.add_argument("--json", action="store_true")
    status.add_argument("--check", action="store_true", help="exit 1 when the service is unhealthy")
    status.set_defaults(func=cmd_status, read_only=True)
