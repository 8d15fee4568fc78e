"""The pipeline's classification stage: any callable from (title, text) to a Classification;
the default one adds the councils a relevant story is about to the theme classifier's answer."""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from monitor.classify.authorities import extract_authorities
from monitor.classify.classifier import RELEVANCE_THRESHOLD, Classifier
from monitor.classify.gazetteer import Gazetteer
from monitor.classify.model import ThemeModel
from monitor.classify.themes import ThemeBook
from monitor.models import Classification


class ClassifyStage(Protocol):
    def __call__(self, title: str, text: str) -> Classification: ...


class AuthorityClassifier(Classifier):
    """The classifier, then, for a relevant article, the councils it is about
    (`Classification.authorities`). Irrelevant articles get none: extraction costs nothing
    for the many articles that are not about children's social care."""

    def __init__(
        self,
        book: ThemeBook,
        gazetteer: Gazetteer,
        relevance_threshold: float = RELEVANCE_THRESHOLD,
        model: ThemeModel | None = None,
    ) -> None:
        super().__init__(book, relevance_threshold, model)
        self.gazetteer = gazetteer

    def __call__(self, title: str, text: str) -> Classification:
        result = super().__call__(title, text)
        if not result.relevant:
            return result
        return replace(result, authorities=extract_authorities(title, text, self.gazetteer))
