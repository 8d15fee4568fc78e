"""The classifier's faster parts give what straightforward versions of them give."""

from __future__ import annotations

import random
import re
import unicodedata

from monitor.classify.text import STOPWORDS, content_words, normalise, split_sentences, stem
from tests.unit.test_keywords import articles

QUOTES = str.maketrans({"‘": "'", "’": "'", "‛": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


def reference_normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(QUOTES)
    return re.sub(r"[ \t\f\v\u00a0]+", " ", text)


def test_normalise_is_the_straightforward_one() -> None:
    rng = random.Random(7)
    alphabet = " \t\f\v\u00a0\nab.‘’‛“”–—ﬁ½"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))) for _ in range(5000)]
    for text in texts + [text for _, text in articles()]:
        assert normalise(text) == reference_normalise(text), repr(text)


def test_content_words_are_the_straightforward_ones() -> None:
    for title, text in articles():
        for sentence in [title, *split_sentences(normalise(text))]:
            words = re.findall(r"[a-z0-9]+(?:'[a-z]+)?", sentence.lower())
            assert content_words(sentence) == {stem(w) for w in words if w not in STOPWORDS}
