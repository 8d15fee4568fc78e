"""`monitor sources add|list|remove|import|export`: the feed subscriptions."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from monitor.app import App
from monitor.cli.output import EXIT_FAILED, EXIT_OK, source_json
from monitor.errors import BlockedURLError, ConfigError, SourceError
from monitor.ingest.opml import OpmlFeed, read_opml, write_opml
from monitor.models import plural
from monitor.urls import url_problem


def cmd_sources_add(app: App, args: argparse.Namespace) -> int:
    url = args.url.strip()
    problem = url_problem(url)
    if problem:
        raise ConfigError(f"not added: {url!r}: {problem}")
    if args.no_check:
        source = app.store.add_source(url, args.name, None, app.clock())
        print(f"added source {source.id}: {url} (not checked)")
        return EXIT_OK

    try:
        found = asyncio.run(app.discover_feed(url))
    except BlockedURLError as exc:  # --no-check would only fail at every poll
        print(f"not added: {url}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except SourceError as exc:
        print(f"not added: {url}: {exc}", file=sys.stderr)
        print("use --no-check to add it anyway (e.g. a feed that is down today)", file=sys.stderr)
        return EXIT_FAILED
    name = args.name or found.feed.title
    source = app.store.add_source(found.feed_url, name, found.feed.site_url, app.clock())
    where = f" (found on the page {found.from_page})" if found.from_page else ""
    print(
        f"added source {source.id}: {found.feed_url}{where}: {name or 'untitled feed'}, "
        f"{plural(len(found.feed.entries), 'entry', 'entries')} listed now (the next poll "
        "ingests them)"
    )
    for other in found.other_feeds:
        print(f"  the page also links {other}")
    return EXIT_OK


def cmd_sources_list(app: App, args: argparse.Namespace) -> int:
    sources = app.store.list_sources()
    if args.json:
        print(json.dumps([source_json(s) for s in sources], indent=2))
        return EXIT_OK
    for s in sources:
        health = "ok"
        if s.last_polled_at is None:
            health = "never polled"
        elif s.failing:
            streak = s.consecutive_failures
            health = f"failing ({streak} in a row)" if streak else "failing (its last poll failed)"
        articles = plural(s.articles, "article")
        print(f"{s.id:>4}  {s.name or '-'}\n      {s.url}\n      {articles}, {health}")
        if s.last_error:
            label = "last error" if s.failing else "warning at the last poll"
            print(f"      {label}: {s.last_error}")
    if not sources:
        print("no sources: add one with `monitor sources add URL`")
    return EXIT_OK


def cmd_sources_remove(app: App, args: argparse.Namespace) -> int:
    source = app.store.find_source(args.source)
    if source is None:
        print(f"no source with id or URL {args.source!r}", file=sys.stderr)
        return EXIT_FAILED
    app.store.remove_source(source.id)
    print(f"removed source {source.id}: {source.url} (its articles are kept)")
    return EXIT_OK


def cmd_sources_import(app: App, args: argparse.Namespace) -> int:
    refused: list[str] = []
    try:
        feeds = read_opml(Path(args.file).read_bytes(), refused)
    except OSError as exc:
        raise ConfigError(f"cannot read {args.file}: {exc.strerror or exc}") from exc
    except ConfigError as exc:
        raise ConfigError(f"{args.file}: {exc}") from exc
    known = {s.url for s in app.store.list_sources()}
    added = 0
    for feed in feeds:
        if feed.url in known:
            continue
        app.store.add_source(feed.url, feed.name, None, app.clock())
        known.add(feed.url)
        added += 1
    print(f"imported {plural(added, 'source')} ({len(feeds) - added} already subscribed)")
    if refused:
        reasons = ", ".join(f"{n} {why}" for why, n in Counter(refused).most_common())
        print(f"refused {plural(len(refused), 'outline')} that are not http(s) feeds: {reasons}")
    return EXIT_OK


def cmd_sources_export(app: App, args: argparse.Namespace) -> int:
    sys.stdout.write(write_opml([OpmlFeed(s.url, s.name) for s in app.store.list_sources()]))
    return EXIT_OK


def add_commands(commands: Any) -> None:
    sources = commands.add_parser("sources", help="manage feed subscriptions").add_subparsers(
        dest="sources_command", required=True
    )
    add = sources.add_parser("add", help="subscribe to a feed (or a page that links one)")
    add.add_argument("url", metavar="URL", help="the feed, or a web page that links one")
    add.add_argument("--name", help="what digests and lists call it (default: the feed's title)")
    add.add_argument(
        "--no-check",
        action="store_true",
        help="add without fetching it (a feed that is down today)",
    )
    add.set_defaults(func=cmd_sources_add)
    listing = sources.add_parser("list", help="list sources and their health")
    listing.add_argument("--json", action="store_true", help="a JSON array of the sources")
    listing.set_defaults(func=cmd_sources_list, read_only=True)
    remove = sources.add_parser("remove", help="unsubscribe (articles are kept)")
    remove.add_argument(
        "source", metavar="ID_OR_URL", help="the source's id (from `sources list`) or URL"
    )
    remove.set_defaults(func=cmd_sources_remove)
    importer = sources.add_parser("import", help="subscribe to every feed in an OPML file")
    importer.add_argument(
        "file", metavar="FILE.opml", help="an OPML file, as feed readers export them"
    )
    importer.set_defaults(func=cmd_sources_import)
    sources.add_parser("export", help="print the sources as OPML").set_defaults(
        func=cmd_sources_export, read_only=True
    )
