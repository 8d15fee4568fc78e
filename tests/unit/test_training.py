"""The learned theme layer: fitting, choosing themes, the shipped model, weak evidence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.app import build_classifier
from monitor.bundled import bundled_path
from monitor.classify import Classifier
from monitor.classify.evidence import choose_evidence
from monitor.classify.features import feature_count, theme_features
from monitor.classify.model import ThemeModel, ThemeWeights, choose_themes, parse_model
from monitor.classify.text import content_words
from monitor.classify.training import Example, fit_logistic, train_model
from monitor.classify.words import vocabulary, word_ratios, word_score
from monitor.config import Settings
from monitor.errors import SeedError

LABELLED = Path(__file__).resolve().parents[1] / "data" / "labelled"
# What the shipped model is trained on (README: "Classification"), in this order.
TRAINING_FILES = (
    "dev.jsonl",
    "news.jsonl",
    "news2.jsonl",
    "news3.jsonl",
    "check.jsonl",
    "check2.jsonl",
    "check3.jsonl",
    "check4.jsonl",
)


def examples(classifier: Classifier) -> list[Example]:
    found = []
    for name in TRAINING_FILES:
        for line in (LABELLED / name).read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            if item["relevant"] and item["themes"]:
                table, words = classifier.theme_table(item["title"], item["text"])
                ids = classifier.book.ids
                features = tuple(tuple(v) for v in theme_features(table, ids, ids))
                found.append(Example(features, words, frozenset(item["themes"])))
    return found


def test_logistic_regression_separates_what_is_separable() -> None:
    rows = [[x / 10] for x in range(20)]
    labels = [1.0 if x >= 10 else 0.0 for x in range(20)]
    weights = fit_logistic(rows, labels, l2=0.01)
    assert weights.probability([0.0]) < 0.1 < 0.9 < weights.probability([1.9])
    assert fit_logistic(rows, labels, l2=0.01) == weights  # exact, so repeatable


def test_themes_are_chosen_by_probability_at_most_three_unless_near_certain() -> None:
    probabilities = [("a", 0.95), ("b", 0.9), ("c", 0.85), ("d", 0.7), ("e", 0.2)]
    assert [t for t, _ in choose_themes(probabilities, 0.4, 4)] == ["a", "b", "c"]
    certain = [*probabilities[:3], ("d", 0.85)]
    assert [t for t, _ in choose_themes(certain, 0.4, 4)] == ["a", "b", "c", "d"]
    assert choose_themes([("a", 0.1), ("b", 0.3)], 0.4, 4) == [("b", 0.3)]  # never none


def test_a_model_round_trips_and_a_stale_one_is_refused() -> None:
    weights = ThemeWeights(tuple([0.5] * (feature_count(("x",)) + 1)), -1.0)
    model = ThemeModel({"x": weights}, 0.4, 4, 10, ("x",), {"x": {"caseload": 1.5}})
    assert parse_model(model.to_json(), "m.json") == model
    stale = json.loads(model.to_json())
    stale["features"] = ["score"]
    with pytest.raises(SeedError, match="run `monitor train` again"):
        parse_model(json.dumps(stale), "m.json")
    with pytest.raises(SeedError, match="not a theme model"):
        parse_model("{}", "m.json")


def test_word_ratios_favour_the_words_of_a_theme_and_scores_do_not_grow_with_length() -> None:
    documents = [
        frozenset({"caseload", "agency", "ofsted"}),
        frozenset({"caseload", "vacancy", "ofsted"}),
        frozenset({"caseload", "agency", "inspect"}),
        frozenset({"fostering", "ofsted", "inspect"}),
        frozenset({"fostering", "adoption", "ofsted"}),
        frozenset({"adoption", "inspect", "agency"}),
    ]
    labels = [True, True, True, False, False, False]
    known = vocabulary(documents)
    assert known == {"caseload", "agency", "ofsted", "inspect"}  # in at least 3 documents
    ratios = word_ratios(documents, labels, known)
    assert ratios["caseload"] > ratios["agency"] > 0 > ratios["inspect"]
    assert word_score(frozenset({"caseload", "unknown"}), ratios) == ratios["caseload"]
    many = frozenset({"caseload", "agency", "ofsted", "inspect"})
    assert word_score(many, ratios) < ratios["caseload"] * 2
    assert word_score(frozenset({"unknown"}), ratios) == 0.0


@pytest.mark.slow
def test_the_shipped_model_is_what_monitor_train_makes_from_the_labelled_files() -> None:
    classifier = build_classifier(Settings(), with_model=False)
    report = train_model(examples(classifier), classifier.book.ids)
    shipped = (bundled_path("seeds") / "theme_model.json").read_text(encoding="utf-8")
    assert report.model.to_json() == shipped, (
        "seeds/theme_model.json is stale: run `monitor train "
        + " ".join(f"tests/data/labelled/{name}" for name in TRAINING_FILES)
        + "`"
    )


def test_the_default_classifier_uses_the_model_and_gives_one_to_four_themes() -> None:
    classifier = build_classifier(Settings())
    assert classifier.model is not None and classifier.version == "lexical-3+model"
    for line in (LABELLED / "news.jsonl").read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        result = classifier(item["title"], item["text"])
        if result.relevant:
            assert 1 <= len(result.themes) <= 4, item["id"]
            assert all(m.evidence for m in result.themes)


def sentences(*texts: str) -> tuple[list[str], list[frozenset[str]]]:
    return list(texts), [content_words(t) for t in texts]


def test_weak_evidence_is_passed_over() -> None:
    texts, words = sentences(
        "Northmoor children's services rated inadequate by Ofsted",
        "Northmoor children's services have been rated inadequate by Ofsted.",  # the headline
        "Jane Brown is the chief executive of the Northmoor Safeguarding Partnership.",
        '"We are disappointed, and we will be looking at the report closely," she said.',
        "Inspectors found that social workers held caseloads of up to 35 children.",
    )
    scores = [2.0, 1.8, 1.6, 0.8, 1.0]
    assert choose_evidence(texts, words, scores, 2) == (texts[4],)


def test_with_only_weak_sentences_the_best_one_is_kept() -> None:
    texts, words = sentences("Headline about the inspection", "Headline about the inspection.")
    assert choose_evidence(texts, words, [1.0, 1.0], 2) == (texts[0],)
