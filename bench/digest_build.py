"""Build and render a digest of 500 articles from a database of 50,000 (target: under 1 s).

    .venv/bin/python bench/digest_build.py [DATABASE_URL]

Fills a fresh database (a SQLite file in a temporary folder unless a URL is given) with
50,000 classified articles: 500 relevant news articles since the last digest, among older
digested ones, history (backfill) and irrelevant news; then times `digest preview` (gather,
group, render) and the recording of the digest, each the median of five runs.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from monitor.app import open_app
from monitor.config import load_settings
from monitor.storage.tables import metadata

TOTAL, FRESH = 50_000, 500
NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
THEMES = [
    "judgement-outcomes",
    "workforce",
    "inspection-scope",
    "improvement-support",
    "children-in-care",
]
WORDS = (
    "ofsted inspectors council children services social workers care leavers placements "
    "assessment plan review court family foster residential homes agency staff caseloads "
    "leaders managers oversight practice improvement commissioner department education "
    "judgement inadequate good outstanding requires improvement report findings visit "
    "monitoring quality decisions risk harm neglect protection safeguarding partners police "
    "health schools budget funding recruitment retention turnover training supervision the "
    "a of in to and for with on by from was were had said found that this which their"
).split()


def article_text(rng: random.Random) -> str:
    """News-length text (300-600 words) with little in common with other articles."""
    words = [rng.choice(WORDS) for _ in range(rng.randint(300, 600))]
    return " ".join(
        " ".join(words[i : i + 15]).capitalize() + "." for i in range(0, len(words), 15)
    )


def retelling(rng: random.Random, original: str) -> str:
    """Another outlet's version: most sentences kept, reordered, some new ones."""
    sentences = original.split(". ")
    kept = rng.sample(sentences, int(len(sentences) * 0.6))
    return ". ".join(kept + article_text(rng).split(". ")[:5])


def fill(url: str) -> None:
    rng = random.Random(1)
    app = open_app(load_settings(database_url=url, load_default_feeds=False), clock=lambda: NOW)
    articles, classifications = metadata.tables["article"], metadata.tables["classification"]
    rows, labels = [], []
    fresh_texts: list[str] = []
    for i in range(TOTAL):
        fresh = i >= TOTAL - FRESH
        seen = NOW - (
            timedelta(minutes=rng.randint(1, 1400)) if fresh else timedelta(days=2, minutes=i)
        )
        relevant = fresh or rng.random() < 0.2
        text = article_text(rng) if relevant else "An unrelated story."
        if fresh and fresh_texts and rng.random() < 0.1:  # one story in ten told twice
            text = retelling(rng, rng.choice(fresh_texts))
        if fresh:
            fresh_texts.append(text)
        rows.append(
            {
                "id": i + 1,
                "url": f"https://news.example/{i}",
                "source_name": rng.choice(["Community Care", "CYP Now", "GOV.UK", "Local Gazette"]),
                "origin": "poll" if fresh or i % 3 else "backfill",
                "title": f"Story {i} about children's services",
                "text": text,
                "date_status": "ok",
                "published_at": seen - timedelta(hours=1),
                "first_seen_at": seen,
                "sort_at": seen - timedelta(hours=1),
            }
        )
        themes = rng.sample(THEMES, rng.randint(1, 3)) if relevant else []
        labels.append(
            {
                "article_id": i + 1,
                "relevant": relevant,
                "relevance": rng.uniform(0.3, 0.9) if relevant else rng.uniform(0, 0.29),
                "themes": [
                    {
                        "id": t,
                        "score": 0.9 - k * 0.2,
                        "evidence": [f"Evidence sentence {k} for story {i}."],
                    }
                    for k, t in enumerate(themes)
                ],
                "classifier": "bench",
                "classified_at": NOW,
            }
        )
    with app.engine.begin() as connection:
        for start in range(0, TOTAL, 5000):
            connection.execute(sa.insert(articles), rows[start : start + 5000])
            connection.execute(sa.insert(classifications), labels[start : start + 5000])
        # The last digest was sent a day ago: everything older is spoken for.
        connection.execute(
            sa.insert(metadata.tables["digest"]).values(
                period="bench-previous",
                created_at=NOW - timedelta(days=1),
                window_end=NOW - timedelta(days=1),
                status="sent",
                subject="previous",
                sender="m@example.org",
                recipients=[],
                item_count=0,
                near_miss_count=0,
                attempts=1,
            )
        )
    app.engine.dispose()


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="digest-bench-"))
    url = sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{folder / 'bench.db'}"
    started = time.perf_counter()
    fill(url)
    print(
        f"filled {TOTAL:,} articles in {time.perf_counter() - started:.1f} s ({url.split(':')[0]})"
    )
    settings = load_settings(
        database_url=url, load_default_feeds=False, outbox_dir=folder / "outbox"
    )
    app = open_app(settings, clock=lambda: NOW)
    service = app.digests()
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        digest, message = service.preview()
        timings.append(time.perf_counter() - started)
    size = len(message.as_bytes())
    print(
        f"preview (gather + group + render): {statistics.median(timings) * 1000:.0f} ms median of 5, "
        f"{digest.story_count} stories, {len(digest.near_misses)} near misses, {size / 1024:.0f} KiB email"
    )
    started = time.perf_counter()
    record, _ = service.create("bench")
    print(
        f"create (locked build + render + record with items): {(time.perf_counter() - started) * 1000:.0f} ms, {record.item_count} stories"
    )
    app.engine.dispose()


if __name__ == "__main__":
    main()
