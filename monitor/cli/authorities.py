"""`monitor authorities`: the councils stories are about, their latest reported grades, and
one council's stories; `monitor articles --authority` filters by council."""

from __future__ import annotations

import argparse
import json
from typing import Any

from monitor.app import App, gazetteer_path
from monitor.classify.gazetteer import Authority, Gazetteer, load_gazetteer
from monitor.classify.grades import GRADES
from monitor.cli.output import EXIT_OK, article_json, iso
from monitor.errors import ConfigError
from monitor.models import AuthoritySummary


def find_authority(gazetteer: Gazetteer, name_or_code: str) -> Authority:
    """The council a name or ONS code denotes; ConfigError (a usage error) when none."""
    found = gazetteer.by_code(name_or_code) or gazetteer.resolve(name_or_code)
    if found is None:
        raise ConfigError(f"no English council with children's services is called {name_or_code!r}")
    return found


def summary_json(summary: AuthoritySummary, authority: Authority | None) -> dict[str, Any]:
    return {
        "code": summary.code,
        "name": summary.name,
        "region": authority.region if authority else None,
        "articles": summary.articles,
        "grade": summary.grade,
        "previous_grade": summary.previous_grade,
        "graded_at": iso(summary.graded_at),
        "graded_article_id": summary.graded_article_id,
    }


def cmd_authorities(app: App, args: argparse.Namespace) -> int:
    gazetteer = load_gazetteer(gazetteer_path())
    if args.authority:
        return _one(app, gazetteer, args)
    if args.region and args.region.casefold() not in {
        a.region.casefold() for a in gazetteer.authorities
    }:
        regions = sorted({a.region for a in gazetteer.authorities})
        raise ConfigError(f"unknown region {args.region!r}; one of {', '.join(regions)}")
    for summary in app.store.authority_summaries():
        authority = gazetteer.by_code(summary.code)
        if args.region and (
            authority is None or authority.region.casefold() != args.region.casefold()
        ):
            continue
        if args.grade and summary.grade != args.grade:
            continue
        if args.json:
            print(json.dumps(summary_json(summary, authority), ensure_ascii=False))
            continue
        grade = summary.grade or "no grade reported"
        if summary.previous_grade:
            grade += f" (was {summary.previous_grade})"
        when = f", {summary.graded_at:%Y-%m-%d}" if summary.graded_at else ""
        count = f"{summary.articles} article{'s' if summary.articles != 1 else ''}"
        print(f"{summary.name:32} {grade}{when} | {count}")
    return EXIT_OK


def _one(app: App, gazetteer: Gazetteer, args: argparse.Namespace) -> int:
    authority = find_authority(gazetteer, args.authority)
    for a in app.store.list_articles(authority=authority.code):
        if args.json:
            print(json.dumps(article_json(a), ensure_ascii=False))
            continue
        when = a.published if a.published else a.fetched_at
        print(f"{when:%Y-%m-%d}  {a.title}\n            {a.source} | {a.url or '-'}")
    return EXIT_OK


def add_commands(commands: Any) -> None:
    parser = commands.add_parser(
        "authorities",
        help="councils with stories about them and their latest reported grades;"
        " with NAME_OR_CODE, that council's stories",
    )
    parser.add_argument(
        "authority",
        nargs="?",
        metavar="NAME_OR_CODE",
        help="one council, by name or ONS code: its stories and grades",
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.add_argument("--region", metavar="R", help='e.g. "North West"')
    parser.add_argument("--grade", metavar="G", choices=GRADES, help=", ".join(GRADES))
    parser.set_defaults(func=cmd_authorities, read_only=True)
