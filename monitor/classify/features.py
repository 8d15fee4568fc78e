"""What an article says of each theme, as a few numbers a learned layer can weigh. Pure.

The input is the classifier's sentence table: score[theme][sentence], keyword weights plus
closeness to the theme's exemplars, the headline first. Each feature is about the article's
structure rather than its words: how much of the story carries the theme, whether the
headline and opening do, and how the theme stands against the article's strongest one.
Beside them come the score and the lede of every theme the model knows (the CONTEXT): how
a theme reads depends on the others (a council judgement that speaks of children in care,
a credibility story that speaks of grades), and a per-theme weight on each says how.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

FEATURES = (
    "score",  # the lexical score: 1 - exp(-(sum of the best three sentences) / 2)
    "strong",  # log(1 + sentences scoring at least 1, a phrase that shows the theme alone)
    "hits",  # log(1 + sentences with any evidence)
    "share",  # the fraction of sentences with any evidence
    "lede",  # the best score among the headline and the first three sentences, over 2
    "headline",  # 1 when the headline itself carries the theme
    "rank",  # the score over the article's best theme score
    "length",  # log(sentences)
    "density",  # the mean sentence score
)
# Of each theme of the model, beside every theme's own features.
CONTEXT = ("score", "lede")
BEST_SENTENCES = 3
LEDE_SENTENCES = 4  # the headline and the first three sentences


def lexical_score(row: Sequence[float]) -> float:
    best = sorted(row, reverse=True)[:BEST_SENTENCES]
    return 1 - math.exp(-sum(s for s in best if s > 0) / 2)


def theme_features(
    table: Sequence[Sequence[float]], theme_ids: Sequence[str], context: Sequence[str]
) -> list[list[float]]:
    """One vector per theme (row) of `table`, whose rows are the themes `theme_ids`: its own
    FEATURES, then each CONTEXT feature of every theme in `context`, in that order (0 for a
    theme the table lacks, so a model outlives an edit of the themes file)."""
    scores = [lexical_score(row) for row in table]
    best = max(scores, default=0.0) or 1.0
    own = [_own_features(row, score, best) for row, score in zip(table, scores, strict=True)]
    row_of = {theme_id: i for i, theme_id in enumerate(theme_ids)}
    shared = [
        own[row_of[theme_id]][FEATURES.index(name)] if theme_id in row_of else 0.0
        for name in CONTEXT
        for theme_id in context
    ]
    return [vector + shared for vector in own]


def feature_count(context: Sequence[str]) -> int:
    return len(FEATURES) + len(CONTEXT) * len(context)


def _own_features(row: Sequence[float], score: float, best: float) -> list[float]:
    """FEATURES of one theme's row; `best` is the article's best theme score."""
    count = len(row) or 1
    strong = sum(1 for s in row if s >= 1.0)
    hits = sum(1 for s in row if s > 0)
    return [
        score,
        math.log1p(strong),
        math.log1p(hits),
        hits / count,
        max(row[:LEDE_SENTENCES], default=0.0) / 2,
        1.0 if row and row[0] > 0 else 0.0,
        score / best,
        math.log(count),
        sum(row) / count,
    ]
