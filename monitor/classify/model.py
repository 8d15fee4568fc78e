"""The learned layer over the lexical scores: one logistic regression per theme. Pure.

It weighs the article-level features of features.py; the evidence sentences still come from
the text. A model is a small JSON file, trained by `monitor train` from labelled files and
shipped beside the themes file; without one the classifier falls back to its threshold.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from monitor.classify.features import FEATURES
from monitor.errors import SeedError

MODEL_FORMAT = 1
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
    """Per-theme weights, the probability a theme needs, and what it was trained on."""

    themes: Mapping[str, ThemeWeights]
    threshold: float
    max_themes: int
    trained_on: int

    def to_json(self) -> str:
        """Stable text: the same model is always the same bytes."""
        document = {
            "format": MODEL_FORMAT,
            "features": list(FEATURES),
            "threshold": self.threshold,
            "max_themes": self.max_themes,
            "trained_on": self.trained_on,
            "themes": {
                theme_id: {
                    "bias": round(w.bias, 6),
                    "weights": [round(x, 6) for x in w.weights],
                }
                for theme_id, w in sorted(self.themes.items())
            },
        }
        return json.dumps(document, indent=2) + "\n"


def parse_model(document: str, source: str) -> ThemeModel:
    try:
        data = json.loads(document)
        if data.get("format") != MODEL_FORMAT or data.get("features") != list(FEATURES):
            raise SeedError(
                f"{source}: made for other features than this version computes: "
                "run `monitor train` again"
            )
        themes = {
            str(theme_id): ThemeWeights(
                tuple(float(x) for x in item["weights"]), float(item["bias"])
            )
            for theme_id, item in data["themes"].items()
        }
        if any(len(w.weights) != len(FEATURES) for w in themes.values()):
            raise SeedError(f"{source}: a theme has the wrong number of weights")
        return ThemeModel(
            themes,
            float(data["threshold"]),
            int(data["max_themes"]),
            int(data.get("trained_on", 0)),
        )
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
