"""`monitor articles`: the stored articles, newest first; `monitor article ID`: one of them."""

from __future__ import annotations

import argparse
import json
import textwrap
from typing import Any

from monitor.app import App, gazetteer_path
from monitor.classify.gazetteer import load_gazetteer
from monitor.cli.authorities import find_authority
from monitor.cli.output import EXIT_OK, article_json, iso, parse_since, positive_int
from monitor.digest.render import council
from monitor.errors import MonitorError
from monitor.models import ArticleSummary

_FLAGS = {True: "relevant", False: "not relevant", None: "unclassified"}


def _date(a: ArticleSummary) -> str:
    """The publication date, or "undated" (the first-seen date is not a publication date)."""
    return f"{a.published:%Y-%m-%d}" if a.published else "undated"


def cmd_articles(app: App, args: argparse.Namespace) -> int:
    code = None
    if args.authority:
        code = find_authority(load_gazetteer(gazetteer_path()), args.authority).code
    articles = app.store.list_articles(
        since=args.since, relevant=args.relevant, limit=args.limit, authority=code
    )
    for a in articles:
        if args.json:
            print(json.dumps(article_json(a), ensure_ascii=False))
            continue
        details = [f"#{a.id}", a.source]
        if a.published is None:
            details.append(f"first seen {a.fetched_at:%Y-%m-%d}")
        details.append(_FLAGS[a.relevant])
        if a.themes:
            details.append(", ".join(a.themes))
        details.append(a.url or "-")
        print(f"{_date(a):<10}  {a.title}\n            {' | '.join(details)}")
    return EXIT_OK


def cmd_article(app: App, args: argparse.Namespace) -> int:
    found = app.store.article_detail(args.id)
    if found is None:
        raise MonitorError(f"no article {args.id}: `monitor articles` lists them with their ids")
    authorities = app.store.article_authorities(args.id)
    a = found.summary
    if args.json:
        shape = {
            **article_json(a),
            "text": found.text,
            "theme_matches": [m.as_json() for m in found.theme_matches],
            "authorities": [x.as_json() for x in authorities],
            "digests": [{"id": i, "period": p, "kind": k} for i, p, k in found.digests],
            "label": None
            if found.label is None
            else {
                "label": found.label.label,
                "themes": found.label.themes,
                "who": found.label.who,
                "updated_at": iso(found.label.updated_at),
            },
        }
        print(json.dumps(shape, indent=2, ensure_ascii=False))
        return EXIT_OK
    published = (
        f"published {a.published:%Y-%m-%d %H:%M} UTC"
        if a.published
        else f"undated ({a.date_status} date); first seen {a.fetched_at:%Y-%m-%d %H:%M} UTC"
    )
    print(f"#{a.id}  {a.title}")
    print(f"    {a.source} | {published} | {a.origin}")
    print(f"    {a.url or '(no URL)'}")
    relevance = f" (relevance {a.relevance:.2f})" if a.relevance is not None else ""
    classifier = f", by {found.classifier}" if found.classifier else ""
    print(f"{_FLAGS[a.relevant]}{relevance}{classifier}")
    if found.label is not None:
        themes = f" ({', '.join(found.label.themes)})" if found.label.themes else ""
        print(f"readers' label: {found.label.label}{themes}, by {found.label.who}")
    print("themes:" if found.theme_matches else "themes: none")
    for match in found.theme_matches:
        print(f"  {match.theme_id} {match.score:.2f}")
        for sentence in match.evidence:
            print(textwrap.fill(sentence, 96, initial_indent="    > ", subsequent_indent="      "))
    print("councils:" if authorities else "councils: none")
    for authority in authorities:
        print(f"  {council(authority)} ({authority.code})")
        if authority.evidence:
            print(
                textwrap.fill(
                    authority.evidence, 96, initial_indent="    > ", subsequent_indent="      "
                )
            )
    if found.digests:
        carried = "; ".join(
            f"digest {i} ({period}{'' if kind == 'item' else ', ' + kind.replace('_', ' ')})"
            for i, period, kind in found.digests
        )
        print(f"digests: {carried}")
    else:
        print("digests: none yet")
    if a.extraction_error:
        print(f"extraction: {a.extraction_error}")
    print()
    print(found.text)
    return EXIT_OK


def add_commands(commands: Any) -> None:
    articles = commands.add_parser(
        "articles",
        help="list stored articles, newest first",
        description="List stored articles, newest first (by publication date; an undated "
        "article by the time it was first seen).",
    )
    articles.add_argument(
        "--since",
        type=parse_since,
        metavar="DATE",
        help="only articles published since DATE (YYYY-MM-DD, UTC unless it says otherwise); "
        "undated articles count from when they were first seen",
    )
    articles.add_argument(
        "--relevant", action="store_true", help="only articles the classifier found relevant"
    )
    articles.add_argument("--limit", type=positive_int, metavar="N", help="at most N articles")
    articles.add_argument("--json", action="store_true", help="one JSON object per line")
    articles.add_argument(
        "--authority", metavar="NAME_OR_CODE", help="only stories about this council"
    )
    articles.set_defaults(func=cmd_articles, read_only=True)
    article = commands.add_parser(
        "article",
        help="show one article: its text, themes, evidence, relevance, councils and digests",
    )
    article.add_argument("id", type=positive_int, metavar="ID", help="the article's id")
    article.add_argument("--json", action="store_true", help="print it as one JSON object")
    article.set_defaults(func=cmd_article, read_only=True)
