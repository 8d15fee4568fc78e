"""`monitor feedback export [--json]`: the readers' labels in the `monitor eval` input format."""

from __future__ import annotations

import argparse
import json
from typing import Any

from monitor.app import App
from monitor.cli.output import EXIT_OK


def cmd_feedback_export(app: App, args: argparse.Namespace) -> int:
    labelled = list(app.store.labelled_articles())
    rows: list[dict[str, Any]] = [
        {
            "id": a.id,
            "title": a.title,
            "text": a.text,
            "relevant": a.relevant,
            "themes": list(a.themes),
        }
        for a in labelled
    ]
    if args.json:
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
    else:
        for row in rows:
            verdict = "relevant" if row["relevant"] else "not relevant"
            themes = ", ".join(row["themes"]) or "-"
            print(f"{row['id']:>6}  {verdict:<12}  {themes}  {row['title']}")
        print(f"{len(rows)} labelled articles (--json gives the `monitor eval` input)")
    return EXIT_OK


def add_commands(commands: Any) -> None:
    feedback = commands.add_parser("feedback", help="readers' feedback").add_subparsers(
        dest="feedback_command", required=True
    )
    export = feedback.add_parser("export", help="the readers' labels of stored articles")
    export.add_argument("--json", action="store_true", help="one `monitor eval` object a line")
    export.set_defaults(func=cmd_feedback_export, read_only=True)
