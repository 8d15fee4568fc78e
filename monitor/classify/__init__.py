"""Relevance and theme classification: pure, offline, deterministic and explainable."""

from __future__ import annotations

from monitor.classify.classifier import CLASSIFIER_VERSION, Classifier
from monitor.classify.themes import ThemeBook, load_themes

__all__ = ["CLASSIFIER_VERSION", "Classifier", "ThemeBook", "load_themes"]
