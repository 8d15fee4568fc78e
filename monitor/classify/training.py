"""Training the theme model from labelled articles: deterministic, offline, in seconds. Pure.

Each theme gets the word ratios of words.py (counted) and an L2-regularised logistic
regression fitted by Newton's method (exact, so the same data always gives the same
weights) over its article features and its word score. The word scores the regression
learns from are out of fold (each article scored by ratios counted without it), as they will
be for new text. The probability a theme needs is chosen by cross-validation: out-of-fold
predictions over a grid of thresholds, keeping the one with the best micro-F1.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from monitor.classify.model import ThemeModel, ThemeWeights, choose_themes
from monitor.classify.words import vocabulary, word_ratios, word_score

L2 = 1.0
FOLDS = 5
MAX_THEMES = 4
THRESHOLDS = tuple(round(0.25 + 0.05 * i, 2) for i in range(8))  # 0.25 .. 0.60
_NEWTON_STEPS = 50
_TOLERANCE = 1e-10


@dataclass(frozen=True)
class Example:
    """A relevant labelled article: its feature vectors (one per theme, in the book's order,
    with the book's themes as context), its content words and the themes a reader gave it."""

    features: tuple[tuple[float, ...], ...]
    words: frozenset[str]
    themes: frozenset[str]


@dataclass(frozen=True)
class _Fit:
    weights: dict[str, ThemeWeights]
    ratios: dict[str, dict[str, float]]


@dataclass(frozen=True)
class TrainingReport:
    model: ThemeModel
    # threshold -> out-of-fold micro-F1 (what the model can be expected to score on new text)
    cross_validated: dict[float, float]


def train_model(examples: Sequence[Example], theme_ids: Sequence[str]) -> TrainingReport:
    if len(examples) < FOLDS:
        raise ValueError(f"training needs at least {FOLDS} labelled relevant articles")
    out_of_fold: list[list[tuple[str, float]]] = [[] for _ in examples]
    for fold in range(FOLDS):
        held = [i for i in range(len(examples)) if i % FOLDS == fold]
        kept = [e for i, e in enumerate(examples) if i % FOLDS != fold]
        fit = _fit_all(kept, theme_ids)
        for i in held:
            out_of_fold[i] = _probabilities(fit, examples[i], theme_ids)
    cross_validated = {
        threshold: _micro_f1(
            [{t for t, _ in choose_themes(p, threshold, MAX_THEMES)} for p in out_of_fold],
            [e.themes for e in examples],
        )
        for threshold in THRESHOLDS
    }
    best = max(THRESHOLDS, key=lambda t: (cross_validated[t], -abs(t - 0.5)))
    fit = _fit_all(examples, theme_ids)
    model = ThemeModel(fit.weights, best, MAX_THEMES, len(examples), tuple(theme_ids), fit.ratios)
    return TrainingReport(model, cross_validated)


def _fit_all(examples: Sequence[Example], theme_ids: Sequence[str]) -> _Fit:
    ratios = _ratios(examples, theme_ids)
    scores = _out_of_fold_word_scores(examples, theme_ids)
    weights = {
        theme_id: fit_logistic(
            [(*e.features[t], score[theme_id]) for e, score in zip(examples, scores, strict=True)],
            [1.0 if theme_id in e.themes else 0.0 for e in examples],
        )
        for t, theme_id in enumerate(theme_ids)
    }
    return _Fit(weights, ratios)


def _ratios(examples: Sequence[Example], theme_ids: Sequence[str]) -> dict[str, dict[str, float]]:
    documents = [e.words for e in examples]
    known = vocabulary(documents)
    return {
        theme_id: word_ratios(documents, [theme_id in e.themes for e in examples], known)
        for theme_id in theme_ids
    }


def _out_of_fold_word_scores(
    examples: Sequence[Example], theme_ids: Sequence[str]
) -> list[dict[str, float]]:
    """Each example's word score per theme, from ratios counted on the other folds."""
    scores: list[dict[str, float]] = [{} for _ in examples]
    for fold in range(FOLDS):
        ratios = _ratios([e for i, e in enumerate(examples) if i % FOLDS != fold], theme_ids)
        for i in range(fold, len(examples), FOLDS):
            scores[i] = {t: word_score(examples[i].words, ratios[t]) for t in theme_ids}
    return scores


def _probabilities(
    fit: _Fit, example: Example, theme_ids: Sequence[str]
) -> list[tuple[str, float]]:
    return [
        (
            theme_id,
            fit.weights[theme_id].probability(
                (*example.features[t], word_score(example.words, fit.ratios[theme_id]))
            ),
        )
        for t, theme_id in enumerate(theme_ids)
    ]


def fit_logistic(
    rows: Sequence[Sequence[float]], labels: Sequence[float], l2: float = L2
) -> ThemeWeights:
    """Weights and bias minimising the log loss plus `l2` times the squared weights."""
    size = len(rows[0]) + 1  # the bias is the last coefficient, not penalised
    coefficients = [0.0] * size
    augmented = [[*row, 1.0] for row in rows]
    for _ in range(_NEWTON_STEPS):
        gradient = [l2 * c for c in coefficients[:-1]] + [0.0]
        hessian = [[0.0] * size for _ in range(size)]
        for j in range(size - 1):
            hessian[j][j] = l2
        for x, y in zip(augmented, labels, strict=True):
            p = _sigmoid(sum(c * v for c, v in zip(coefficients, x, strict=True)))
            error, curvature = p - y, p * (1 - p)
            for j in range(size):
                gradient[j] += error * x[j]
                weighted, row = curvature * x[j], hessian[j]
                for k in range(j, size):  # the upper triangle: the matrix is symmetric
                    row[k] += weighted * x[k]
        for j in range(size):
            for k in range(j):
                hessian[j][k] = hessian[k][j]
        step = _solve(hessian, gradient)
        coefficients = [c - s for c, s in zip(coefficients, step, strict=True)]
        if max(abs(s) for s in step) < _TOLERANCE:
            break
    return ThemeWeights(tuple(coefficients[:-1]), coefficients[-1])


def _sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))


def _solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (the system is small and well posed)."""
    n = len(vector)
    rows = [[*matrix[i], vector[i]] for i in range(n)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(rows[r][col]))
        rows[col], rows[pivot] = rows[pivot], rows[col]
        if abs(rows[col][col]) < 1e-12:
            continue
        for r in range(col + 1, n):
            factor = rows[r][col] / rows[col][col]
            for k in range(col, n + 1):
                rows[r][k] -= factor * rows[col][k]
    solution = [0.0] * n
    for r in range(n - 1, -1, -1):
        if abs(rows[r][r]) < 1e-12:
            continue
        known = sum(rows[r][k] * solution[k] for k in range(r + 1, n))
        solution[r] = (rows[r][n] - known) / rows[r][r]
    return solution


def _micro_f1(predicted: Sequence[set[str]], gold: Sequence[frozenset[str]]) -> float:
    tp = sum(len(p & g) for p, g in zip(predicted, gold, strict=True))
    fp = sum(len(p - g) for p, g in zip(predicted, gold, strict=True))
    fn = sum(len(g - p) for p, g in zip(predicted, gold, strict=True))
    return round(2 * tp / (2 * tp + fp + fn), 4) if tp else 0.0
