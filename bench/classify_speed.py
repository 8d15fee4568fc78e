"""Articles per second of the default classifier on one core, old code beside new.

The baseline is the classifier package as it was at BASELINE (before the keyword prefilter),
taken from git into a temporary package, so both run in the same process on the same
articles and the ratio does not depend on the machine. Kinds of article: relevant ones at
news length (the development set's relevant texts repeated to about 5,400 characters: the
full theme scoring), the development set itself, its irrelevant articles (short and at news
length), and the text trafilatura extracts from ../shared/bench-corpus (real pages, few of
which name Ofsted; skipped when absent). The baseline runs with its own themes file; the new
classifier is the default one: the themes with their learned model, and once more with the
councils of relevant articles (issue 12's extraction). Targets: relevant news-length
articles at least 400/s and 2.5 times the baseline; irrelevant ones above 1,000/s.

    python bench/classify_speed.py [--baseline REV] [--rounds N]
"""

from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from monitor.app import build_classifier
from monitor.classify import Classifier
from monitor.config import Settings
from monitor.errors import ExtractionError
from monitor.ingest.extract import extract_article

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "bench-corpus"
BASELINE = "100d476"  # the last commit before the keyword prefilter

Articles = list[tuple[str, str]]
Classify = Callable[[str, str], object]


def baseline_classifier(revision: str) -> Classify:
    """The classifier of `revision`, with that revision's themes file: monitor/classify from
    git as package `monitor_baseline` (its other imports, models and errors, are current)."""
    folder = Path(tempfile.mkdtemp(prefix="classify-baseline-"))
    package = folder / "monitor_baseline" / "classify"
    package.mkdir(parents=True)
    (package.parent / "__init__.py").write_text("")
    names = git("ls-tree", "--name-only", revision, "monitor/classify/").split()
    for name in names:
        source = git("show", f"{revision}:{name}")
        source = source.replace("monitor.classify", "monitor_baseline.classify")
        (package / Path(name).name).write_text(source)
    sys.path.insert(0, str(folder))
    themes = folder / "themes.toml"
    themes.write_text(git("show", f"{revision}:seeds/themes.toml"))
    module = importlib.import_module("monitor_baseline.classify")
    classifier: Classify = module.Classifier(module.load_themes(themes))
    return classifier


def git(*args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(ROOT), *args], check=True, capture_output=True, text=True
    ).stdout


def best_rate(classify: Classify, articles: Articles, rounds: int) -> float:
    """Articles per second in the fastest of `rounds` passes (the least disturbed)."""
    fastest = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for title, text in articles:
            classify(title, text)
        fastest = min(fastest, time.perf_counter() - started)
    return len(articles) / fastest


def corpus_articles() -> Articles:
    real = []
    for row in map(json.loads, (CORPUS / "manifest.jsonl").read_text().splitlines()):
        try:
            extracted = extract_article((CORPUS / "pages" / row["file"]).read_bytes(), row["url"])
        except ExtractionError:
            continue
        real.append((extracted.title or "", extracted.text))
    return real


def kinds() -> list[tuple[str, Articles]]:
    dev = [
        json.loads(line)
        for line in (ROOT / "tests/data/labelled/dev.jsonl").read_text().splitlines()
    ]
    relevant = [(r["title"], r["text"]) for r in dev if r["relevant"]]
    irrelevant = [(r["title"], r["text"]) for r in dev if not r["relevant"]]
    found = [
        ("relevant, news length", [(t, "\n".join([x] * 8)) for t, x in relevant]),
        ("development set", [(r["title"], r["text"]) for r in dev]),
        ("irrelevant", irrelevant),
        ("irrelevant, news length", [(t, "\n".join([x] * 8)) for t, x in irrelevant]),
    ]
    if CORPUS.is_dir():
        found.append(("bench corpus (real pages)", corpus_articles()))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default=BASELINE, help="git revision to compare with")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    councils = build_classifier(Settings())
    themes_only = Classifier(councils.book, model=councils.model)
    old = baseline_classifier(args.baseline)
    print(
        f"{'articles':28} {'n':>4} {'chars':>6} {'old/s':>8} {'new/s':>8} {'ratio':>6}"
        f" {'+councils/s':>12}"
    )
    for label, articles in kinds():
        old_rate = new_rate = with_councils = 0.0
        for _ in range(2):  # interleaved, so that a busy moment hits all
            old_rate = max(old_rate, best_rate(old, articles, args.rounds))
            new_rate = max(new_rate, best_rate(themes_only, articles, args.rounds))
            with_councils = max(with_councils, best_rate(councils, articles, args.rounds))
        chars = sum(len(x) for _, x in articles) // len(articles)
        print(
            f"{label:28} {len(articles):4d} {chars:6d} {old_rate:8.0f} {new_rate:8.0f}"
            f" {new_rate / old_rate:5.2f}x {with_councils:12.0f}"
        )


if __name__ == "__main__":
    main()
