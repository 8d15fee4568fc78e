"""The learned layer over the lexical scores: one logistic regression per theme. Pure.

It weighs the article-level features of features.py and the article's word score (words.py);
the evidence sentences still come from the text. A model is a JSON file (each theme's
weights and word ratios, readable: the words that speak most for a theme have the largest
ratios), trained by `monitor train` from labelled files and shipped beside the themes file;
without one the classifier falls back to its threshold.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from monitor.classify.features import CONTEXT, FEATURES, feature_count
from monitor.classify.words import word_score
from monitor.errors import SeedError

# 2: each theme also weighs the scores and ledes of the CONTEXT themes, and its word score
MODEL_FORMAT = 2
USUAL_THEMES = 3
EXTRA_THEME = 0.8


@dataclass(frozen=True)
class ThemeWeights:
    weights: tuple[float, ...]
    bias: float

    def probability(self, features: Sequence[float]) -> float:
        z = self.bias + sum(w * x for w, x in zip(self.weights, features, strict=True))
        return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))


@dataclass(frozen=True)
class ThemeModel:
    """Per-theme weights, the probability a theme needs, and what it was trained on.
    `context`: the themes whose CONTEXT features follow each theme's own (the themes file's
    themes when it was trained); the last weight is the word score's, from `words` (theme ->
    word -> ratio)."""

    themes: Mapping[str, ThemeWeights]
    threshold: float
    max_themes: int
    trained_on: int
    context: tuple[str, ...]
    words: Mapping[str, Mapping[str, float]]

    def probability(self, theme_id: str, features: Sequence[float], words: frozenset[str]) -> float:
        """How likely the theme is, from its features (features.py) and the article's words."""
        score = word_score(words, self.words.get(theme_id, {}))
        return self.themes[theme_id].probability((*features, score))

    def to_json(self) -> str:
        """Stable text: the same model is always the same bytes."""
        document = {
            "format": MODEL_FORMAT,
            "features": list(FEATURES),
            "context_features": list(CONTEXT),
            "context": list(self.context),
            "threshold": self.threshold,
            "max_themes": self.max_themes,
            "trained_on": self.trained_on,
            "themes": {
                theme_id: {
                    "bias": round(w.bias, 6),
                    "weights": [round(x, 6) for x in w.weights],
                    "words": {
                        word: round(ratio, 6)
                        for word, ratio in sorted(self.words.get(theme_id, {}).items())
                    },
                }
                for theme_id, w in sorted(self.themes.items())
            },
        }
        return json.dumps(document, indent=2) + "\n"


def parse_model(document: str, source: str) -> ThemeModel:
    try:
        data = json.loads(document)
        if not isinstance(data, dict) or "format" not in data:
            raise SeedError(f"{source}: not a theme model: it has no format number")
        if (
            data.get("format") != MODEL_FORMAT
            or data.get("features") != list(FEATURES)
            or data.get("context_features") != list(CONTEXT)
        ):
            raise SeedError(
                f"{source}: made for other features than this version computes: "
                "run `monitor train` again"
            )
        context = tuple(str(theme_id) for theme_id in data["context"])
        themes = {
            str(theme_id): ThemeWeights(
                tuple(float(x) for x in item["weights"]), float(item["bias"])
            )
            for theme_id, item in data["themes"].items()
        }
        if any(len(w.weights) != feature_count(context) + 1 for w in themes.values()):
            raise SeedError(f"{source}: a theme has the wrong number of weights")
        words = {
            str(theme_id): {str(word): float(r) for word, r in item.get("words", {}).items()}
            for theme_id, item in data["themes"].items()
        }
        return ThemeModel(
            themes,
            float(data["threshold"]),
            int(data["max_themes"]),
            int(data.get("trained_on", 0)),
            context,
            words,
        )
    except SeedError:
        raise
    except (json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise SeedError(f"{source}: not a theme model: {exc}") from exc


def load_model(path: Path) -> ThemeModel:
    try:
        document = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SeedError(f"cannot read the theme model {path}: {exc}") from exc
    return parse_model(document, str(path))


def choose_themes(
    probabilities: Sequence[tuple[str, float]], threshold: float, max_themes: int
) -> list[tuple[str, float]]:
    """The themes an article gets: those reaching `threshold`, the likeliest first, at most
    `max_themes`; and for a relevant article always at least its likeliest one."""
    ranked = sorted(probabilities, key=lambda item: (-item[1], item[0]))
    chosen = [(t, p) for t, p in ranked[:max_themes] if p >= threshold]
    # A story rarely speaks to more than three themes: a fourth must be near certain.
    if len(chosen) > USUAL_THEMES:
        chosen = chosen[:USUAL_THEMES] + [
            (t, p) for t, p in chosen[USUAL_THEMES:] if p >= EXTRA_THEME
        ]
    return chosen or ranked[:1]
