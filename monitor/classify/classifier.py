"""The default classifier: lexical relevance plus theme evidence from keywords and exemplars."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass

from monitor.classify.evidence import choose_evidence
from monitor.classify.features import lexical_score, theme_features
from monitor.classify.keywords import KeywordScorer
from monitor.classify.model import ThemeModel, choose_themes
from monitor.classify.relevance import OFSTED, measure, relevance_score
from monitor.classify.text import content_words, normalise, split_sentences
from monitor.classify.themes import Theme, ThemeBook
from monitor.models import Classification, ThemeMatch

CLASSIFIER_VERSION = "lexical-1"
# With a learned theme model.
MODEL_CLASSIFIER_VERSION = "lexical-3+model"
RELEVANCE_THRESHOLD = 0.3
# A sentence this close to an exemplar (cosine of content words) counts as evidence.
_SIMILARITY_FLOOR = 0.25
_FLOOR_INVERSE_SQUARED = 16  # 1 / _SIMILARITY_FLOOR ** 2
_SENTENCES_PER_THEME = 3
_SENTENCE_CAP = 2.0


@dataclass(frozen=True)
class _Sentence:
    text: str
    words: frozenset[str]


class Classifier:
    """`classifier(title, text) -> Classification`; the pipeline's classification stage.

    Themes are decided by the learned `model` when there is one (see model.py), else by the
    themes file's threshold on the lexical score. Either way the evidence comes from the
    sentences that scored best."""

    def __init__(
        self,
        book: ThemeBook,
        relevance_threshold: float = RELEVANCE_THRESHOLD,
        model: ThemeModel | None = None,
    ) -> None:
        self.book = book
        self.relevance_threshold = relevance_threshold
        self.model = model
        self.version = MODEL_CLASSIFIER_VERSION if model else CLASSIFIER_VERSION
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
            return Classification(False, 0.0, (), self.version)
        lines = split_sentences(text)
        if lines and lines[0] == title:  # extracted text often repeats the headline
            lines = lines[1:]
        relevance = round(relevance_score(measure(title, lines)), 4)
        relevant = relevance >= self.relevance_threshold
        if not relevant:
            return Classification(False, relevance, (), self.version)
        sentences = [_Sentence(s, content_words(s)) for s in [title, *lines] if s]
        table = self._sentence_scores(sentences)
        chosen = self._choose(table, frozenset().union(*[s.words for s in sentences]))
        matches = [
            self._match(self.book.themes[t], score, table[t], sentences) for t, score in chosen
        ]
        matches.sort(key=lambda m: (-m.score, m.theme_id))
        return Classification(True, relevance, tuple(matches), self.version)

    def theme_evidence(self, title: str, text: str) -> dict[str, tuple[str, ...]]:
        """Each theme's best evidence sentences, whether or not the theme was given: what
        `monitor eval --errors` shows for a theme the classifier missed."""
        sentences = self._sentences(title, text)
        table = self._sentence_scores(sentences)
        return {
            theme.id: choose_evidence(
                [s.text for s in sentences], [s.words for s in sentences], row, 2
            )
            for theme, row in zip(self.book.themes, table, strict=True)
        }

    def _sentences(self, title: str, text: str) -> list[_Sentence]:
        title, text = normalise(title or ""), normalise(text or "")
        lines = split_sentences(text)
        if lines and lines[0] == title:
            lines = lines[1:]
        return [_Sentence(s, content_words(s)) for s in [title, *lines] if s]

    def theme_table(self, title: str, text: str) -> tuple[list[list[float]], frozenset[str]]:
        """score[theme][sentence] for an article, headline first, whatever its relevance, and
        its content words: what a theme model is trained on."""
        sentences = self._sentences(title, text)
        words = frozenset().union(*[s.words for s in sentences])
        return self._sentence_scores(sentences), words

    def _choose(self, table: list[list[float]], words: frozenset[str]) -> list[tuple[int, float]]:
        """(theme index, score) of the themes the article gets."""
        if self.model is None:
            scores = [round(lexical_score(row), 4) for row in table]
            return [(t, s) for t, s in enumerate(scores) if s >= self.book.threshold]
        index = {theme.id: t for t, theme in enumerate(self.book.themes)}
        vectors = theme_features(table, self.book.ids, self.model.context)
        probabilities = [
            (theme.id, self.model.probability(theme.id, features, words))
            for theme, features in zip(self.book.themes, vectors, strict=True)
            if theme.id in self.model.themes and any(table[index[theme.id]])
        ]
        chosen = choose_themes(probabilities, self.model.threshold, self.model.max_themes)
        return [(index[theme_id], round(p, 4)) for theme_id, p in chosen]

    def _sentence_scores(self, sentences: list[_Sentence]) -> list[list[float]]:
        """score[theme][sentence]: keyword weights plus closeness to the theme's exemplars."""
        table = self._keywords([s.text.lower() for s in sentences])
        for i, sentence in enumerate(sentences):
            if len(sentence.words) < 4:
                continue
            for t, similarity in self._closeness(sentence.words).items():
                if similarity > _SIMILARITY_FLOOR:
                    table[t][i] += 2.5 * (similarity - _SIMILARITY_FLOOR)
        # Counter-evidence (negative weights) can cancel a sentence's evidence, not go below it.
        return [[min(max(score, 0.0), _SENTENCE_CAP) for score in row] for row in table]

    def _closeness(self, words: frozenset[str]) -> dict[int, float]:
        """theme -> the cosine of content words between the sentence and its nearest exemplar,
        for the themes with an exemplar closer than _SIMILARITY_FLOOR (the only ones that
        count as evidence)."""
        index = self._exemplar_index
        shared = Counter([e for word in words if word in index for e in index[word]])
        best: dict[int, float] = {}
        size = len(words)
        sizes = self._exemplar_sizes
        for e, count in shared.items():
            # cosine > floor, in whole numbers: skips the sqrt for the many weak overlaps
            if count * count * _FLOOR_INVERSE_SQUARED <= size * sizes[e]:
                continue
            similarity = count / math.sqrt(size * sizes[e])
            t = self._exemplar_themes[e]
            if similarity > best.get(t, 0.0):
                best[t] = similarity
        return best

    def _match(
        self, theme: Theme, score: float, scores: list[float], sentences: list[_Sentence]
    ) -> ThemeMatch:
        evidence = choose_evidence(
            [s.text for s in sentences],
            [s.words for s in sentences],
            scores,
            self.book.evidence_sentences,
        )
        return ThemeMatch(theme.id, score, evidence)
