"""`monitor poll` and `monitor backfill seeds|urls|feed`: the commands that fetch."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from monitor.app import App
from monitor.bundled import bundled_path
from monitor.cli.output import EXIT_FAILED, EXIT_OK, print_report
from monitor.errors import ConfigError, SourceError
from monitor.ingest.backfill import backfill_feed, backfill_seeds, backfill_urls
from monitor.ingest.pipeline import Pipeline
from monitor.ingest.progress import make_progress
from monitor.ingest.seeds import load_seed_articles
from monitor.models import PollReport
from monitor.urls import is_http_url


def run_pipeline(
    app: App, label: str, job: Callable[[Pipeline], Awaitable[PollReport]]
) -> PollReport:
    """Run `job` on a pipeline of the app's, with a progress display labelled `label`."""
    progress = make_progress(label)

    async def run() -> PollReport:
        # Each failure is printed once, in the summary, rather than logged as well.
        async with app.pipeline(progress, log_failures=False) as pipeline:
            return await job(pipeline)

    try:
        return asyncio.run(run())
    finally:
        progress.close()


def cmd_poll(app: App, args: argparse.Namespace) -> int:
    report = run_pipeline(app, "poll", lambda p: p.poll(force=args.force))
    print_report(report)
    return EXIT_OK


def cmd_backfill_seeds(app: App, args: argparse.Namespace) -> int:
    folder = Path(args.dir) if args.dir else bundled_path("seeds") / "articles"
    skipped: list[str] = []
    articles = load_seed_articles(folder, skipped)
    for reason in skipped:
        print(f"skipped: {reason}", file=sys.stderr)
    report = run_pipeline(app, "seeds", lambda p: backfill_seeds(p, articles))
    print(f"seed articles: {report.new_articles} imported, {report.duplicates} already stored")
    return EXIT_OK


def cmd_backfill_urls(app: App, args: argparse.Namespace) -> int:
    try:
        lines = Path(args.file).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {args.file}: {exc}") from exc
    urls = []
    for number, line in enumerate(lines, start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if not is_http_url(line):
            print(f"{args.file}:{number}: skipped, not an http(s) URL: {line!r}", file=sys.stderr)
            continue
        urls.append(line)
    report = run_pipeline(app, "backfill", lambda p: backfill_urls(p, urls))
    print_report(report, backfill=True)
    return EXIT_OK


def cmd_backfill_feed(app: App, args: argparse.Namespace) -> int:
    if not is_http_url(args.url):
        raise ConfigError(f"not an http(s) URL: {args.url!r}")
    try:
        report = run_pipeline(app, "backfill", lambda p: backfill_feed(p, args.url))
    except SourceError as exc:
        print(f"backfill failed: {args.url}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print_report(report, backfill=True)
    return EXIT_OK


def add_commands(commands: Any) -> None:
    poll = commands.add_parser("poll", help="poll every due source once")
    poll.add_argument("--force", action="store_true", help="poll every source, due or not")
    poll.set_defaults(func=cmd_poll)

    backfill = commands.add_parser("backfill", help="import history").add_subparsers(
        dest="backfill_command", required=True
    )
    seeds = backfill.add_parser("seeds", help="import the seed articles")
    seeds.add_argument(
        "dir",
        nargs="?",
        metavar="DIR",
        help="a folder of seed articles (default: the bundled ones)",
    )
    seeds.set_defaults(func=cmd_backfill_seeds)
    urls = backfill.add_parser("urls", help="download and import each URL in FILE")
    urls.add_argument(
        "file", metavar="FILE", help="one URL a line; blank lines and # comments are skipped"
    )
    urls.set_defaults(func=cmd_backfill_urls)
    feed = backfill.add_parser("feed", help="import every entry a feed lists now")
    feed.add_argument("url", metavar="URL", help="the feed's URL (it is not subscribed to)")
    feed.set_defaults(func=cmd_backfill_feed)
