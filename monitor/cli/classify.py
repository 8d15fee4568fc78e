"""`monitor classify-file`, `eval` (no database) and `reclassify` (the stored articles)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import IO, Any

from monitor.app import App, build_classifier, open_app, theme_model_path
from monitor.classify import Classifier
from monitor.classify.evaluate import (
    GoldPair,
    Labelled,
    Mistake,
    council_mistakes,
    evaluate,
    evaluate_authorities,
    format_evaluation,
    format_mistakes,
    match_councils,
)
from monitor.classify.features import theme_features
from monitor.classify.labelled import BadLine, InputArticle, read_articles
from monitor.classify.training import Example, train_model
from monitor.cli.output import EXIT_FAILED, EXIT_OK, classification_json
from monitor.config import Settings
from monitor.errors import ConfigError
from monitor.ingest.progress import make_progress
from monitor.models import AuthorityMatch, Classification, plural


def _open_input(path: str) -> IO[bytes]:
    """The file (or stdin for `-`) as bytes: each line is decoded on its own, so one line
    that is not UTF-8 is skipped and the others are read."""
    try:
        return sys.stdin.buffer if path == "-" else open(path, "rb")
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
    councils: list[tuple[list[GoldPair], tuple[AuthorityMatch, ...]]] = []
    mistakes: list[Mistake] = []
    gazetteer = classify.gazetteer
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
        if args.errors:
            mistakes += _mistakes(classify, item, gold, result)
        if item.authorities is not None:
            labels = [
                (found.code if (found := gazetteer.resolve(a.name)) else None, a.grade)
                for a in item.authorities
            ]
            councils.append((labels, result.authorities))
            if args.errors:
                names = {
                    code: a.name for (code, _), a in zip(labels, item.authorities, strict=True)
                }
                matching = match_councils(labels, result.authorities, gazetteer)
                mistakes += council_mistakes(_article_name(item), names, matching)
    report = evaluate(pairs, classify.book.ids)
    if councils:
        report.authorities = evaluate_authorities(councils, gazetteer)
    if args.json:
        document = report.as_dict()
        if args.errors:
            document["errors"] = [vars(m) for m in mistakes]
        print(json.dumps(document, indent=2))
    else:
        print(format_evaluation(report))
        if args.errors and mistakes:
            print(f"\n{format_mistakes(mistakes)}")
    return EXIT_FAILED if bad else EXIT_OK


def _article_name(item: InputArticle) -> str:
    return f"{item.id}: {item.title}" if item.id is not None else item.title


def _mistakes(
    classify: Classifier, item: InputArticle, gold: Labelled, result: Classification
) -> list[Mistake]:
    """The themes of one article the classifier gave wrongly or missed, with their sentences."""
    given = {m.theme_id: m.evidence for m in result.themes}
    name = _article_name(item)
    found = [Mistake(t, "wrong", name, given[t]) for t in sorted(set(given) - gold.themes)]
    missed = sorted(gold.themes - set(given))
    if missed:
        evidence = classify.theme_evidence(item.title, item.text)
        found += [Mistake(t, "missed", name, evidence.get(t, ())) for t in missed]
    return found


def cmd_train(settings: Settings, args: argparse.Namespace) -> int:
    """Fit the theme model on labelled files and write it where the themes file names it."""
    classifier = build_classifier(settings, with_model=False)
    book = classifier.book
    examples, bad = [], 0
    for path in args.files:
        with _open_input(path) as stream:
            for item in read_articles(stream, labelled=True):
                if isinstance(item, BadLine):
                    bad += 1
                    print(f"{path}:{item.line}: skipped: {item.reason}", file=sys.stderr)
                elif item.relevant and item.themes:
                    table, words = classifier.theme_table(item.title, item.text)
                    features = tuple(tuple(v) for v in theme_features(table, book.ids, book.ids))
                    examples.append(Example(features, words, frozenset(item.themes)))
    try:
        report = train_model(examples, book.ids)
    except ValueError as exc:
        raise ConfigError(f"cannot train: {exc}") from exc
    output = Path(args.output) if args.output else theme_model_path(settings, book)
    if output is None:
        raise ConfigError(
            'the themes file names no model file: add `model = "theme_model.json"` to its '
            "[classifier] section, or give --output"
        )
    try:
        output.write_text(report.model.to_json(), encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write {output}: {exc.strerror or exc}") from exc
    print(f"trained on {len(examples)} relevant labelled articles; wrote {output}")
    for threshold, f1 in report.cross_validated.items():
        mark = "  <- chosen" if threshold == report.model.threshold else ""
        print(f"  threshold {threshold:.2f}: cross-validated theme micro-F1 {f1:.3f}{mark}")
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
    print(f"reclassified {plural(sum(counts.values()), 'article')}: {counts[True]} relevant")
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
    evaluation.add_argument(
        "file", metavar="IN.jsonl", nargs="?", help="labelled articles (`relevant`, `themes`)"
    )
    evaluation.add_argument(
        "--feedback", action="store_true", help="score against the readers' stored labels"
    )
    evaluation.add_argument("--json", action="store_true", help="one machine-readable object")
    evaluation.add_argument(
        "--errors",
        action="store_true",
        help="also list each mistake: the article, the theme, and the sentences behind it",
    )
    evaluation.set_defaults(func=cmd_eval, raw=True)
    train = commands.add_parser(
        "train", help="fit the theme model on labelled JSON Lines (no database)"
    )
    train.add_argument("files", nargs="+", metavar="IN.jsonl", help="labelled articles")
    train.add_argument(
        "--output", metavar="FILE", help="where to write the model (default: the themes file's)"
    )
    train.set_defaults(func=cmd_train, raw=True)
    commands.add_parser(
        "reclassify", help="classify every stored article again (after editing the themes)"
    ).set_defaults(func=cmd_reclassify)
