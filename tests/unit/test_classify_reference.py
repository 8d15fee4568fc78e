"""The classifier's faster parts give what straightforward versions of them give."""

from __future__ import annotations

import math
import random
import re
import unicodedata

from monitor.classify import Classifier, load_themes
from monitor.classify.relevance import (
    ADULT_HEALTH,
    INSPECTION,
    OFSTED,
    SCHOOLS,
    SOCIAL_CARE,
    SOCIAL_CARE_WEAK,
    RelevanceSignals,
    measure,
)
from monitor.classify.text import STOPWORDS, content_words, normalise, split_sentences, stem
from tests.unit.test_keywords import THEMES, articles

QUOTES = str.maketrans({"‘": "'", "’": "'", "‛": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


def reference_normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(QUOTES)
    return re.sub(r"[ \t\f\v\u00a0]+", " ", text)


def count(pattern: re.Pattern[str], text: str) -> int:
    return sum(1 for _ in pattern.finditer(text))


def reference_measure(title: str, sentences: list[str]) -> RelevanceSignals:
    """Each lexicon searched sentence by sentence for the sentence signals."""
    title = title.lower()
    sentences = [s.lower() for s in sentences]
    body = "\n".join(sentences)
    linked = oversight = 0
    for sentence in sentences:
        if OFSTED.search(sentence) or INSPECTION.search(sentence):
            oversight += 1
            linked += 1 if SOCIAL_CARE.search(sentence) else 0
    if (OFSTED.search(title) or INSPECTION.search(title)) and SOCIAL_CARE.search(title):
        linked += 1
    return RelevanceSignals(
        ofsted=count(OFSTED, body) + count(OFSTED, title),
        ofsted_in_title=count(OFSTED, title),
        inspection=count(INSPECTION, body) + count(INSPECTION, title),
        social_care=count(SOCIAL_CARE, body) + 0.5 * count(SOCIAL_CARE_WEAK, body),
        social_care_in_title=count(SOCIAL_CARE, title) + 0.5 * count(SOCIAL_CARE_WEAK, title),
        schools=count(SCHOOLS, body) + count(SCHOOLS, title),
        adult_health=count(ADULT_HEALTH, body) + count(ADULT_HEALTH, title),
        linked_sentences=linked,
        oversight_share=oversight / max(1, len(sentences)),
    )


def reference_closeness(classifier: Classifier, words: frozenset[str]) -> dict[int, float]:
    """Every exemplar of every theme compared with the sentence."""
    best: dict[int, float] = {}
    for t, theme in enumerate(classifier.book.themes):
        for exemplar in theme.exemplar_words:
            shared = len(words & exemplar)
            if shared:
                similarity = shared / math.sqrt(len(words) * len(exemplar))
                best[t] = max(best.get(t, 0.0), similarity)
    return best


def test_normalise_is_the_straightforward_one() -> None:
    rng = random.Random(7)
    alphabet = " \t\f\v\u00a0\nab.‘’‛“”–—ﬁ½"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))) for _ in range(5000)]
    for text in texts + [text for _, text in articles()]:
        assert normalise(text) == reference_normalise(text), repr(text)


def test_relevance_signals_are_those_of_searching_each_sentence() -> None:
    for title, text in articles():
        lines = split_sentences(normalise(text))
        assert measure(normalise(title), lines) == reference_measure(normalise(title), lines)


def test_content_words_and_exemplar_closeness_are_the_straightforward_ones() -> None:
    classifier = Classifier(load_themes(THEMES))
    for title, text in articles():
        for sentence in [title, *split_sentences(normalise(text))]:
            words = re.findall(r"[a-z0-9]+(?:'[a-z]+)?", sentence.lower())
            assert content_words(sentence) == {stem(w) for w in words if w not in STOPWORDS}
            found = classifier._closeness(content_words(sentence))
            reference = reference_closeness(classifier, content_words(sentence))
            assert found == {t: c for t, c in reference.items() if c > 0.25}
