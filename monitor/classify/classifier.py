"""The default classifier: lexical relevance plus theme evidence from keywords and exemplars."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass

from monitor.classify.keywords import KeywordScorer
from monitor.classify.relevance import OFSTED, measure, relevance_score
from monitor.classify.text import content_words, normalise, split_sentences
from monitor.classify.themes import Theme, ThemeBook
from monitor.models import Classification, ThemeMatch

CLASSIFIER_VERSION = "lexical-1"
RELEVANCE_THRESHOLD = 0.3
# A sentence this close to an exemplar (cosine of content words) counts as evidence.
_SIMILARITY_FLOOR = 0.25
_SENTENCES_PER_THEME = 3
_SENTENCE_CAP = 2.0


@dataclass(frozen=True)
class _Sentence:
    text: str
    words: frozenset[str]


class Classifier:
    """`classifier(title, text) -> Classification`; the pipeline's classification stage."""

    def __init__(self, book: ThemeBook, relevance_threshold: float = RELEVANCE_THRESHOLD) -> None:
        self.book = book
        self.relevance_threshold = relevance_threshold
        self._keywords = KeywordScorer(book)
        # word -> the exemplars (numbered across themes) holding it, for similarity by counting
        exemplars = [
            (t, words) for t, theme in enumerate(book.themes) for words in theme.exemplar_words
        ]
        self._exemplar_themes = [t for t, _ in exemplars]
        self._exemplar_sizes = [len(words) for _, words in exemplars]
        index: dict[str, list[int]] = defaultdict(list)
        for e, (_, words) in enumerate(exemplars):
            for word in words:
                index[word].append(e)
        self._exemplar_index = {word: tuple(es) for word, es in index.items()}

    def __call__(self, title: str, text: str) -> Classification:
        title, text = normalise(title or ""), normalise(text or "")
        if not (OFSTED.search(title.lower()) or OFSTED.search(text.lower())):  # decided at once
            return Classification(False, 0.0, (), CLASSIFIER_VERSION)
        lines = split_sentences(text)
        if lines and lines[0] == title:  # extracted text often repeats the headline
            lines = lines[1:]
        relevance = round(relevance_score(measure(title, lines)), 4)
        relevant = relevance >= self.relevance_threshold
        if not relevant:
            return Classification(False, relevance, (), CLASSIFIER_VERSION)
        sentences = [_Sentence(s, content_words(s)) for s in [title, *lines] if s]
        table = self._sentence_scores(sentences)
        matches = [
            m
            for theme, scores in zip(self.book.themes, table, strict=True)
            if (m := self._theme(theme, scores, sentences))
        ]
        matches.sort(key=lambda m: (-m.score, m.theme_id))
        return Classification(True, relevance, tuple(matches), CLASSIFIER_VERSION)

    def _sentence_scores(self, sentences: list[_Sentence]) -> list[list[float]]:
        """score[theme][sentence]: keyword weights plus closeness to the theme's exemplars."""
        table = self._keywords([s.text.lower() for s in sentences])
        for i, sentence in enumerate(sentences):
            if len(sentence.words) < 4:
                continue
            for t, similarity in self._closeness(sentence.words).items():
                if similarity > _SIMILARITY_FLOOR:
                    table[t][i] += 2.5 * (similarity - _SIMILARITY_FLOOR)
        return [[min(score, _SENTENCE_CAP) for score in row] for row in table]

    def _closeness(self, words: frozenset[str]) -> dict[int, float]:
        """theme -> the cosine of content words between the sentence and its nearest exemplar
        (for the themes with an exemplar sharing a word)."""
        index = self._exemplar_index
        shared = Counter([e for word in words if word in index for e in index[word]])
        best: dict[int, float] = {}
        for e, count in shared.items():
            similarity = count / math.sqrt(len(words) * self._exemplar_sizes[e])
            t = self._exemplar_themes[e]
            if similarity > best.get(t, 0.0):
                best[t] = similarity
        return best

    def _theme(
        self, theme: Theme, scores: list[float], sentences: list[_Sentence]
    ) -> ThemeMatch | None:
        ranked = sorted(((score, i) for i, score in enumerate(scores)), reverse=True)
        top = [(score, i) for score, i in ranked[:_SENTENCES_PER_THEME] if score > 0]
        score = round(1 - math.exp(-sum(s for s, _ in top) / 2), 4)
        if score < self.book.threshold:
            return None
        evidence = [
            sentences[i].text
            for s, i in top[: self.book.evidence_sentences]
            if s >= 1.0 and i > 0  # the headline alone is not evidence
        ] or [sentences[top[0][1]].text]
        return ThemeMatch(theme.id, score, tuple(evidence))
