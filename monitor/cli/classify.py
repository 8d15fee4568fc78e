"""`monitor classify-file`, `eval` (no database) and `reclassify` (the stored articles)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import IO, Any

from monitor.app import App, build_classifier, open_app
from monitor.classify.evaluate import Labelled, evaluate, format_evaluation
from monitor.classify.labelled import BadLine, InputArticle, read_articles
from monitor.cli.output import EXIT_FAILED, EXIT_OK, classification_json
from monitor.config import Settings
from monitor.errors import ConfigError
from monitor.ingest.progress import make_progress


def _open_input(path: str) -> IO[str]:
    try:
        return sys.stdin if path == "-" else open(path, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc


def cmd_classify_file(settings: Settings, args: argparse.Namespace) -> int:
    classify = build_classifier(settings)
    bad = 0
    with _open_input(args.file) as stream:
        for item in read_articles(stream):
            if isinstance(item, BadLine):
                bad += 1
                print(f"{args.file}:{item.line}: skipped: {item.reason}", file=sys.stderr)
                continue
            result = classify(item.title, item.text)
            print(json.dumps(classification_json(item.id, result), ensure_ascii=False))
    sys.stdout.flush()
    return EXIT_FAILED if bad else EXIT_OK


def _labelled_from_feedback(settings: Settings) -> list[InputArticle]:
    app = open_app(settings)
    try:
        return [
            InputArticle(0, a.id, a.title, a.text, a.relevant, a.themes)
            for a in app.store.labelled_articles()
        ]
    finally:
        app.close()


def cmd_eval(settings: Settings, args: argparse.Namespace) -> int:
    if (args.file is None) == (not args.feedback):
        raise ConfigError("give either a labelled IN.jsonl or --feedback")
    classify = build_classifier(settings)
    pairs: list[tuple[Labelled, Labelled]] = []
    bad = 0
    items: list[InputArticle | BadLine]
    if args.feedback:
        items = list(_labelled_from_feedback(settings))
    else:
        with _open_input(args.file) as stream:
            items = list(read_articles(stream, labelled=True))
    for item in items:
        if isinstance(item, BadLine):
            bad += 1
            print(f"{args.file}:{item.line}: skipped: {item.reason}", file=sys.stderr)
            continue
        result = classify(item.title, item.text)
        gold = Labelled(bool(item.relevant), frozenset(item.themes or ()))
        predicted = Labelled(bool(result.relevant), frozenset(m.theme_id for m in result.themes))
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


def add_commands(commands: Any) -> None:
    classify_file = commands.add_parser(
        "classify-file", help="classify the articles of a JSON Lines file (no database)"
    )
    classify_file.add_argument("file", metavar="IN.jsonl", help="`-` for standard input")
    classify_file.set_defaults(func=cmd_classify_file, raw=True)
    evaluation = commands.add_parser(
        "eval", help="precision, recall and F1 of the classifier on labelled JSON Lines"
    )
    evaluation.add_argument("file", metavar="IN.jsonl", nargs="?")
    evaluation.add_argument(
        "--feedback", action="store_true", help="score against the readers' stored labels"
    )
    evaluation.add_argument("--json", action="store_true", help="one machine-readable object")
    evaluation.set_defaults(func=cmd_eval, raw=True)
    commands.add_parser(
        "reclassify", help="classify every stored article again (after editing the themes)"
    ).set_defaults(func=cmd_reclassify)
