"""The pipeline's classification stage. The classifier proper arrives with its own issue."""

from __future__ import annotations

from typing import Protocol

from monitor.models import Classification


class ClassifyStage(Protocol):
    def __call__(self, title: str, text: str) -> Classification: ...


def unclassified(title: str, text: str) -> Classification:
    """The stage until a classifier is configured: stored as relevant=None ("unclassified")."""
    return Classification(relevant=None, relevance=None, themes=(), classifier="unclassified")
