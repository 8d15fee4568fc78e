"""Articles per second of the default classifier on one core (target: at least 200/s).

Classifies the development set (tests/data/labelled/dev.jsonl, short articles) and the text
trafilatura extracts from ../shared/bench-corpus (real article lengths), a few times over.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from monitor.bundled import bundled_path
from monitor.classify import Classifier, load_themes
from monitor.errors import ExtractionError
from monitor.ingest.extract import extract_article

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "bench-corpus"


def rate(classifier: Classifier, articles: list[tuple[str, str]], rounds: int = 3) -> float:
    started = time.perf_counter()
    for _ in range(rounds):
        for title, text in articles:
            classifier(title, text)
    return rounds * len(articles) / (time.perf_counter() - started)


def main() -> None:
    classifier = Classifier(load_themes(bundled_path("seeds") / "themes.toml"))
    dev = [
        json.loads(line)
        for line in (ROOT / "tests/data/labelled/dev.jsonl").read_text().splitlines()
    ]
    short = [(r["title"], r["text"]) for r in dev]
    relevant = [(r["title"], r["text"]) for r in dev if r["relevant"]]
    # Relevant articles take the full path (themes and evidence); repeated to news length.
    long_relevant = [(title, "\n".join([text] * 8)) for title, text in relevant]
    for label, articles in (
        ("development set", short),
        ("its relevant articles", relevant),
        ("relevant articles at news length", long_relevant),
    ):
        chars = sum(len(t) for _, t in articles) // len(articles)
        print(
            f"{label} ({len(articles)}, {chars} chars on average): "
            f"{rate(classifier, articles):.0f} articles/s"
        )
    if CORPUS.is_dir():
        real = []
        for row in map(json.loads, (CORPUS / "manifest.jsonl").read_text().splitlines()):
            try:
                extracted = extract_article(
                    (CORPUS / "pages" / row["file"]).read_bytes(), row["url"]
                )
            except ExtractionError:
                continue
            real.append((extracted.title or "", extracted.text))
        print(
            f"bench corpus ({len(real)} extracted articles, {sum(len(t) for _, t in real) // len(real)} chars on average): "
            f"{rate(classifier, real):.0f} articles/s (target >= 200)"
        )


if __name__ == "__main__":
    main()
