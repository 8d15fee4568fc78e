"""`monitor articles`: the stored articles, newest first."""

from __future__ import annotations

import argparse
import json
from typing import Any

from monitor.app import App, gazetteer_path
from monitor.classify.gazetteer import load_gazetteer
from monitor.cli.authorities import find_authority
from monitor.cli.output import EXIT_OK, article_json, parse_since, positive_int


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
        when = a.published if a.published else a.fetched_at
        flag = {True: "relevant", False: "not relevant", None: "unclassified"}[a.relevant]
        print(f"{when:%Y-%m-%d}  {a.title}\n            {a.source} | {flag} | {a.url or '-'}")
    return EXIT_OK


def add_commands(commands: Any) -> None:
    articles = commands.add_parser("articles", help="list stored articles, newest first")
    articles.add_argument("--since", type=parse_since, metavar="DATE")
    articles.add_argument("--relevant", action="store_true")
    articles.add_argument("--limit", type=positive_int, metavar="N", help="at most N articles")
    articles.add_argument("--json", action="store_true", help="one JSON object per line")
    articles.add_argument(
        "--authority", metavar="NAME_OR_CODE", help="only stories about this council"
    )
    articles.set_defaults(func=cmd_articles, read_only=True)
