"""Relevance and theme classification: pure, offline, deterministic and explainable."""

from __future__ import annotations

from monitor.classify.classifier import CLASSIFIER_VERSION, Classifier
from monitor.classify.gazetteer import Gazetteer, load_gazetteer
from monitor.classify.stage import AuthorityClassifier
from monitor.classify.themes import ThemeBook, load_themes

__all__ = [
    "CLASSIFIER_VERSION",
    "AuthorityClassifier",
    "Classifier",
    "Gazetteer",
    "ThemeBook",
    "load_gazetteer",
    "load_themes",
]
