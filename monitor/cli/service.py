"""The service commands: `run`, and `status` with the scheduler's state and `--check`."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from typing import TYPE_CHECKING, Any

from monitor.app import App
from monitor.cli.output import EXIT_OK, when
from monitor.errors import ConfigError
from monitor.models import plural
from monitor.service.health import OFFLINE
from monitor.service.scheduler import Service
from monitor.service.status import service_status

if TYPE_CHECKING:
    from monitor.web.server import WebServer

log = logging.getLogger(__name__)

EXIT_UNHEALTHY = 1


def cmd_run(app: App, args: argparse.Namespace) -> int:
    stop = threading.Event()
    web = _web_server(app) if app.settings.web_bind.strip() else None  # ConfigError: exit 2

    def request_stop(signum: int, _frame: object) -> None:
        log.info("received %s", signal.Signals(signum).name)
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, request_stop)
    service = Service(app, stop)
    if web is not None:
        web.start()
    try:
        code = service.run()
    finally:
        if web is not None:
            web.stop()
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
    st = service_status(app)
    now = app.clock()
    if args.json:
        print(json.dumps(st.as_json(), indent=2))
    else:
        r = st.report
        failing = [x for x in r.source_health if x.failing]
        print(
            f"{plural(r.sources, 'source')} ({len(failing)} failing), "
            f"{plural(r.articles, 'article')}, "
            f"{r.relevant} relevant, {r.unclassified} unclassified"
        )
        if st.unreachable:
            print(OFFLINE)
        for x in r.source_health:
            if x.claimed_until and x.claimed_until > now:
                by = f"by {x.claimed_by}, " if x.claimed_by else ""
                print(f"  being polled: {x.url} ({by}claimed until {when(x.claimed_until)})")
        for x in failing:
            streak = f"{x.consecutive_failures} in a row" if x.consecutive_failures else "last poll"
            print(f"  failing: {x.url}: {streak}: {x.last_error}")
        print(f"last successful poll: {when(st.last_success)}; next poll due: {when(st.next_poll)}")
        print(f"next digest: {when(st.next_digest)} (schedule {st.schedule!r}, {st.timezone})")
        last_digest = st.last_digest
        if last_digest:
            sent_or_made = when(last_digest.sent_at or last_digest.created_at)
            print(
                f"last digest: {last_digest.id}, {last_digest.status}, "
                f"{plural(last_digest.item_count, 'story', 'stories')}, {sent_or_made}"
            )
        holder = st.sender["instance"] if st.sender else "no running instance"
        print(f"digest lock: {holder}")
        print(f"database: {st.database}; data folder: {st.data_dir}")
        print(f"settings file: {st.settings_file or 'none (MONITOR_CONFIG is not set)'}")
        print("healthy" if st.healthy else "UNHEALTHY:")
        for problem in st.problems:
            print(f"  {problem}")
    if args.check and st.problems:
        return EXIT_UNHEALTHY
    return EXIT_OK


def cmd_web(app: App, args: argparse.Namespace) -> int:
    """Only the web app (for more web processes beside the pollers, on PostgreSQL)."""
    if not app.settings.web_bind.strip():
        raise ConfigError("MONITOR_WEB_BIND is empty: set HOST:PORT for `monitor web`")
    _web_server(app).run()
    return EXIT_OK


RUN_SETTINGS = """settings that matter (environment variables; in the MONITOR_CONFIG file, the same
names in lower case without MONITOR_; `monitor config` shows them all and where each came from):
  MONITOR_DATA_DIR         the data folder: database, outbox (default: the user data folder)
  MONITOR_DATABASE_URL     PostgreSQL instead of the SQLite file in the data folder
  MONITOR_POLL_INTERVAL    how often each source is due (default 30m)
  MONITOR_DIGEST_CRON      when the digest is sent (default "0 7 * * *")
  MONITOR_TIMEZONE         the schedule's time zone (default Europe/London)
  MONITOR_SMTP_URL         send digests by email (unset: .eml files in the outbox)
  MONITOR_DIGEST_TO        the digest's recipients, comma-separated
  MONITOR_WEB_BIND         where the web app listens (default 127.0.0.1:8080; empty: none)
  MONITOR_ALLOW_HOSTS      host:port of feeds on this machine or a private network
  MONITOR_WORKERS          worker processes for parsing and extraction (default: CPUs)
  MONITOR_WORKER_IDLE      a worker exits after this long without work (default 1m)
  MONITOR_LOG_LEVEL        DEBUG, INFO, WARNING or ERROR (default INFO)"""


def _web_server(app: App) -> WebServer:
    """The web app's server. Imported here: the web framework costs every other command a
    third of a second at start-up."""
    from monitor.web.server import WebServer

    return WebServer(app)


def add_commands(commands: Any) -> None:
    commands.add_parser(
        "web", help="serve only the web app on MONITOR_WEB_BIND (no polling, no digests)"
    ).set_defaults(func=cmd_web)
    run = commands.add_parser(
        "run",
        help="run the service: poll, send digests and retry them on schedule",
        description="Run the service until SIGTERM or Ctrl-C: poll the sources, send the "
        "digest on its schedule and retry pending ones, and serve the web app.",
        epilog=RUN_SETTINGS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.set_defaults(func=cmd_run)
    status = commands.add_parser("status", help="counts, source health and the scheduler")
    status.add_argument("--json", action="store_true", help="one JSON object")
    status.add_argument("--check", action="store_true", help="exit 1 when the service is unhealthy")
    status.set_defaults(func=cmd_status, read_only=True)
