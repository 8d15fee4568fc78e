"""The `monitor` command line. Every command but `db upgrade` migrates the database first."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from monitor import __version__
from monitor.app import App, open_app, themes_path
from monitor.bundled import bundled_path
from monitor.classify import Classifier, load_themes
from monitor.classify.evaluate import Labelled, evaluate, format_evaluation
from monitor.classify.labelled import BadLine, read_articles
from monitor.cli.digest import add_digest_commands
from monitor.cli.service import add_service_commands
from monitor.config import load_settings
from monitor.errors import ConfigError, MonitorError, SourceError
from monitor.ingest.discovery import discover_feed
from monitor.ingest.opml import OpmlFeed, read_opml, write_opml
from monitor.ingest.pipeline import backfill_seeds
from monitor.ingest.progress import make_progress
from monitor.ingest.seeds import load_seed_articles
from monitor.log import configure_logging
from monitor.models import ArticleSummary, Classification, PollReport, SourceInfo
from monitor.storage.db import make_engine, upgrade
from monitor.urls import is_http_url

log = logging.getLogger("monitor")

EXIT_OK, EXIT_FAILED, EXIT_CONFIG = 0, 1, 2


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _parse_since(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date: {text!r} (use YYYY-MM-DD)") from exc
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _source_json(source: SourceInfo) -> dict[str, Any]:
    return {
        "id": source.id,
        "url": source.url,
        "name": source.name,
        "site_url": source.site_url,
        "added_at": _iso(source.added_at),
        "articles": source.articles,
        "last_polled": _iso(source.last_polled_at),
        "last_success": _iso(source.last_success_at),
        "last_error": source.last_error,
        "consecutive_failures": source.consecutive_failures,
        "next_poll": _iso(source.next_poll_at),
    }


def _article_json(article: ArticleSummary) -> dict[str, Any]:
    return {
        "id": article.id,
        "url": article.url,
        "title": article.title,
        "source": article.source,
        "origin": article.origin,
        "published": _iso(article.published),
        "date_status": article.date_status,
        "fetched_at": _iso(article.fetched_at),
        "relevant": article.relevant,
        "relevance": article.relevance,
        "themes": list(article.themes),
        "extraction_error": article.extraction_error,
    }


def _print_report(report: PollReport, *, backfill: bool = False) -> None:
    print(report.backfill_summary() if backfill else report.summary())
    for error in report.errors:
        print(f"  error: {error}")


# --- commands ------------------------------------------------------------------------------


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    settings = load_settings()
    engine = make_engine(settings.effective_database_url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    print(f"database is at the newest schema: {settings.effective_database_url}")
    return EXIT_OK


def cmd_sources_add(app: App, args: argparse.Namespace) -> int:
    url = args.url.strip()
    if not is_http_url(url):
        raise ConfigError(f"not an http(s) URL: {url!r}")
    if args.no_check:
        source = app.store.add_source(url, args.name, None, app.clock())
        print(f"added source {source.id}: {url} (not checked)")
        return EXIT_OK

    async def find() -> Any:
        with app.workers() as workers:
            async with app.fetcher() as fetcher:
                return await discover_feed(fetcher, workers, url, app.settings.feed_max_bytes)

    try:
        found = asyncio.run(find())
    except SourceError as exc:
        print(f"not added: {url}: {exc}", file=sys.stderr)
        print("use --no-check to add it anyway (e.g. a feed that is down today)", file=sys.stderr)
        return EXIT_FAILED
    name = args.name or found.feed.title
    source = app.store.add_source(found.feed_url, name, found.feed.site_url, app.clock())
    where = f" (found on the page {found.from_page})" if found.from_page else ""
    print(
        f"added source {source.id}: {found.feed_url}{where}: {name or 'untitled feed'}, "
        f"{len(found.feed.entries)} entries listed now (the next poll ingests them)"
    )
    for other in found.other_feeds:
        print(f"  the page also links {other}")
    return EXIT_OK


def cmd_sources_list(app: App, args: argparse.Namespace) -> int:
    sources = app.store.list_sources()
    if args.json:
        print(json.dumps([_source_json(s) for s in sources], indent=2))
        return EXIT_OK
    for s in sources:
        health = "ok" if not s.consecutive_failures else f"{s.consecutive_failures} failures"
        if s.last_polled_at is None:
            health = "never polled"
        print(f"{s.id:>4}  {s.name or '-'}\n      {s.url}\n      {s.articles} articles, {health}")
        if s.last_error:
            print(f"      last error: {s.last_error}")
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
    try:
        feeds = read_opml(Path(args.file).read_bytes())
    except OSError as exc:
        raise ConfigError(f"cannot read {args.file}: {exc}") from exc
    known = {s.url for s in app.store.list_sources()}
    added = 0
    for feed in feeds:
        if feed.url in known:
            continue
        app.store.add_source(feed.url, feed.name, None, app.clock())
        known.add(feed.url)
        added += 1
    print(f"imported {added} sources ({len(feeds) - added} already subscribed)")
    return EXIT_OK


def cmd_sources_export(app: App, args: argparse.Namespace) -> int:
    sys.stdout.write(write_opml([OpmlFeed(s.url, s.name) for s in app.store.list_sources()]))
    return EXIT_OK


def _run_pipeline(app: App, label: str, job: Callable[[Any], Any]) -> PollReport:
    progress = make_progress(label)

    async def run() -> PollReport:
        async with app.pipeline(progress) as pipeline:
            report: PollReport = await job(pipeline)
            return report

    try:
        return asyncio.run(run())
    finally:
        progress.close()


def cmd_poll(app: App, args: argparse.Namespace) -> int:
    report = _run_pipeline(app, "poll", lambda p: p.poll(force=args.force))
    _print_report(report)
    return EXIT_OK


def cmd_backfill_seeds(app: App, args: argparse.Namespace) -> int:
    folder = Path(args.dir) if args.dir else bundled_path("seeds") / "articles"
    articles = load_seed_articles(folder)
    report = backfill_seeds(app.store, articles, app.classify, app.clock())
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
    report = _run_pipeline(app, "backfill", lambda p: p.backfill_urls(urls))
    _print_report(report, backfill=True)
    return EXIT_OK


def cmd_backfill_feed(app: App, args: argparse.Namespace) -> int:
    try:
        report = _run_pipeline(app, "backfill", lambda p: p.backfill_feed(args.url))
    except SourceError as exc:
        print(f"backfill failed: {args.url}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    _print_report(report, backfill=True)
    return EXIT_OK


def cmd_articles(app: App, args: argparse.Namespace) -> int:
    articles = app.store.list_articles(since=args.since, relevant=args.relevant, limit=args.limit)
    for a in articles:
        if args.json:
            print(json.dumps(_article_json(a), ensure_ascii=False))
            continue
        when = a.published if a.published else a.fetched_at
        flag = {True: "relevant", False: "not relevant", None: "unclassified"}[a.relevant]
        print(f"{when:%Y-%m-%d}  {a.title}\n            {a.source} | {flag} | {a.url or '-'}")
    return EXIT_OK


def _classifier() -> Classifier:
    return Classifier(load_themes(themes_path(load_settings())))


def _open_input(path: str) -> IO[str]:
    try:
        return sys.stdin if path == "-" else open(path, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc


def _classification_json(item_id: Any, result: Classification) -> dict[str, Any]:
    return {
        "id": item_id,
        "relevant": bool(result.relevant),
        "relevance": result.relevance,
        "themes": [
            {"id": m.theme_id, "score": m.score, "evidence": list(m.evidence)}
            for m in result.themes
        ],
    }


def cmd_classify_file(args: argparse.Namespace) -> int:
    classify = _classifier()
    bad = 0
    with _open_input(args.file) as stream:
        for item in read_articles(stream):
            if isinstance(item, BadLine):
                bad += 1
                print(f"{args.file}:{item.line}: skipped: {item.reason}", file=sys.stderr)
                continue
            result = classify(item.title, item.text)
            print(json.dumps(_classification_json(item.id, result), ensure_ascii=False))
    sys.stdout.flush()
    return EXIT_FAILED if bad else EXIT_OK


def cmd_eval(args: argparse.Namespace) -> int:
    classify = _classifier()
    pairs: list[tuple[Labelled, Labelled]] = []
    bad = 0
    with _open_input(args.file) as stream:
        for item in read_articles(stream, labelled=True):
            if isinstance(item, BadLine):
                bad += 1
                print(f"{args.file}:{item.line}: skipped: {item.reason}", file=sys.stderr)
                continue
            result = classify(item.title, item.text)
            gold = Labelled(bool(item.relevant), frozenset(item.themes or ()))
            predicted = Labelled(
                bool(result.relevant), frozenset(m.theme_id for m in result.themes)
            )
            pairs.append((gold, predicted))
    report = evaluate(pairs, classify.book.ids)
    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        print(format_evaluation(report))
    return EXIT_FAILED if bad else EXIT_OK


def cmd_reclassify(app: App, args: argparse.Namespace) -> int:
    progress = make_progress("reclassify")
    progress.add_total(app.store.count_articles())
    counts = {True: 0, False: 0}
    try:
        for article in app.store.iter_articles():
            result = app.classify(article.title, article.text)
            app.store.save_classification(article.id, result, app.clock())
            counts[bool(result.relevant)] += 1
            progress.advance()
    finally:
        progress.close()
    print(f"reclassified {sum(counts.values())} articles: {counts[True]} relevant")
    return EXIT_OK


# --- parser --------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="monitor",
        description="Watch the news about Ofsted and children's social care; email a digest.",
    )
    parser.add_argument("--version", action="version", version=f"monitor {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    db = commands.add_parser("db", help="database schema").add_subparsers(
        dest="db_command", required=True
    )
    db.add_parser("upgrade", help="apply migrations").set_defaults(func=cmd_db_upgrade, raw=True)

    sources = commands.add_parser("sources", help="manage feed subscriptions").add_subparsers(
        dest="sources_command", required=True
    )
    add = sources.add_parser("add", help="subscribe to a feed (or a page that links one)")
    add.add_argument("url")
    add.add_argument("--name")
    add.add_argument("--no-check", action="store_true", help="add without fetching it")
    add.set_defaults(func=cmd_sources_add)
    listing = sources.add_parser("list", help="list sources and their health")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=cmd_sources_list)
    remove = sources.add_parser("remove", help="unsubscribe (articles are kept)")
    remove.add_argument("source", metavar="ID_OR_URL")
    remove.set_defaults(func=cmd_sources_remove)
    importer = sources.add_parser("import", help="subscribe to every feed in an OPML file")
    importer.add_argument("file", metavar="FILE.opml")
    importer.set_defaults(func=cmd_sources_import)
    sources.add_parser("export", help="print the sources as OPML").set_defaults(
        func=cmd_sources_export
    )

    poll = commands.add_parser("poll", help="poll every due source once")
    poll.add_argument("--force", action="store_true", help="poll every source, due or not")
    poll.set_defaults(func=cmd_poll)

    backfill = commands.add_parser("backfill", help="import history").add_subparsers(
        dest="backfill_command", required=True
    )
    seeds = backfill.add_parser("seeds", help="import the seed articles")
    seeds.add_argument("dir", nargs="?", metavar="DIR")
    seeds.set_defaults(func=cmd_backfill_seeds)
    urls = backfill.add_parser("urls", help="download and import each URL in FILE")
    urls.add_argument("file", metavar="FILE")
    urls.set_defaults(func=cmd_backfill_urls)
    feed = backfill.add_parser("feed", help="import every entry a feed lists now")
    feed.add_argument("url", metavar="URL")
    feed.set_defaults(func=cmd_backfill_feed)

    articles = commands.add_parser("articles", help="list stored articles, newest first")
    articles.add_argument("--since", type=_parse_since, metavar="DATE")
    articles.add_argument("--relevant", action="store_true")
    articles.add_argument("--limit", type=int, metavar="N")
    articles.add_argument("--json", action="store_true", help="one JSON object per line")
    articles.set_defaults(func=cmd_articles)

    classify_file = commands.add_parser(
        "classify-file", help="classify the articles of a JSON Lines file (no database)"
    )
    classify_file.add_argument("file", metavar="IN.jsonl", help="`-` for standard input")
    classify_file.set_defaults(func=cmd_classify_file, raw=True)
    evaluation = commands.add_parser(
        "eval", help="precision, recall and F1 of the classifier on labelled JSON Lines"
    )
    evaluation.add_argument("file", metavar="IN.jsonl")
    evaluation.add_argument("--json", action="store_true", help="one machine-readable object")
    evaluation.set_defaults(func=cmd_eval, raw=True)
    commands.add_parser(
        "reclassify", help="classify every stored article again (after editing the themes)"
    ).set_defaults(func=cmd_reclassify)

    add_digest_commands(commands, _parse_since)
    add_service_commands(commands, _source_json)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        configure_logging(settings.log_level, settings.log_format)
        if getattr(args, "raw", False):
            result: int = args.func(args)
            return result
        app = open_app(settings)
        try:
            result = args.func(app, args)
        finally:
            app.engine.dispose()
        return result
    except ConfigError as exc:
        print(f"monitor: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except MonitorError as exc:
        print(f"monitor: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("monitor: interrupted", file=sys.stderr)
        return 130
