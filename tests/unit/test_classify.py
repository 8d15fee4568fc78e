"""The default classifier: contract, explainability, and quality on the development set."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from monitor.bundled import bundled_path
from monitor.classify import Classifier, load_themes
from monitor.classify.evaluate import Labelled, evaluate, scores
from monitor.classify.text import normalise, split_sentences
from monitor.classify.themes import parse_themes
from monitor.errors import SeedError
from monitor.ingest.seeds import load_seed_articles
from tests.support.builders import INADEQUATE_STORY, SCHOOL_STORY

THEMES = bundled_path("seeds") / "themes.toml"
DEV_SET = Path(__file__).resolve().parents[1] / "data" / "labelled" / "dev.jsonl"
CONTRACT_IDS = (
    "process-vs-practice",
    "inspection-scope",
    "judgements-ratings",
    "improvement",
    "inspector-expertise",
    "funding-context",
    "workforce",
    "frameworks-reform",
    "service-areas",
)


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier(load_themes(THEMES))


def test_the_nine_contract_themes_are_defined(classifier: Classifier) -> None:
    assert classifier.book.ids == CONTRACT_IDS
    for theme in classifier.book.themes:
        assert theme.name and theme.description and theme.exemplars and theme.keywords


def test_every_exemplar_is_quoted_from_a_seed_article() -> None:
    seeds = " ".join(
        normalise(a.title + " " + a.text)
        for a in load_seed_articles(bundled_path("seeds") / "articles")
    )
    seeds = re.sub(r"\s+", " ", seeds)
    for theme in load_themes(THEMES).themes:
        for exemplar in theme.exemplars:
            assert re.sub(r"\s+", " ", exemplar) in seeds, (theme.id, exemplar[:60])


def test_seeds_are_relevant_with_their_labelled_themes(classifier: Classifier) -> None:
    book = classifier.book
    for seed in load_seed_articles(bundled_path("seeds") / "articles"):
        result = classifier(seed.title, seed.text)
        assert result.relevant, seed.file_name
        found = {m.theme_id for m in result.themes}
        labelled = set(book.seed_labels[seed.file_name])
        assert len(found & labelled) >= len(labelled) - 2, (seed.file_name, found, labelled)


def test_an_inadequate_council_is_relevant_and_a_school_report_is_not(
    classifier: Classifier,
) -> None:
    council = classifier(INADEQUATE_STORY.title, "\n".join(INADEQUATE_STORY.paragraphs))
    school = classifier(SCHOOL_STORY.title, "\n".join(SCHOOL_STORY.paragraphs))
    assert council.relevant and council.relevance is not None and council.relevance > 0.5
    assert {"judgements-ratings", "workforce"} <= {m.theme_id for m in council.themes}
    assert not school.relevant and school.themes == ()


def test_evidence_is_sentences_of_the_article_and_themes_are_sorted(classifier: Classifier) -> None:
    text = "\n".join(INADEQUATE_STORY.paragraphs)
    result = classifier(INADEQUATE_STORY.title, text)
    sentences = set(split_sentences(normalise(text)))
    for match in result.themes:
        assert match.evidence and all(e in sentences for e in match.evidence)
        assert 0 < match.score <= 1
    assert [m.score for m in result.themes] == sorted(
        (m.score for m in result.themes), reverse=True
    )


def test_classification_is_deterministic(classifier: Classifier) -> None:
    text = "\n".join(INADEQUATE_STORY.paragraphs)
    assert classifier(INADEQUATE_STORY.title, text) == classifier(INADEQUATE_STORY.title, text)


@pytest.mark.parametrize(
    ("title", "text"),
    [
        (
            "Care home rated inadequate by CQC",
            "The Care Quality Commission found residents with dementia were left without help. The home must improve.",
        ),
        (
            "Social workers get pay rise",
            "Children's social workers will receive a 5 per cent pay rise to tackle vacancies and agency use. Caseloads remain high.",
        ),
        (
            "Council budget row",
            "The council, whose children's services were rated good by Ofsted in 2021, will close three libraries. "
            * 1
            + "Residents protested outside the town hall. " * 12,
        ),
        ("", ""),
    ],
)
def test_near_misses_are_not_relevant(classifier: Classifier, title: str, text: str) -> None:
    result = classifier(title, text)
    assert result.relevant is False and result.themes == ()


def test_users_can_add_remove_and_reword_themes() -> None:
    custom = parse_themes(
        """
        [[themes]]
        id = "secure-homes"
        name = "Secure children's homes"
        description = "Secure placements"
        exemplars = ["The secure children's home was inspected."]
        keywords = [{ pattern = "secure (children's )?homes?", weight = 1.0 }]
        """
    )
    result = Classifier(custom)(
        "Ofsted downgrades secure children's home",
        "Ofsted has rated a secure children's home inadequate after inspectors found children in care were restrained. The secure home must improve.",
    )
    assert [m.theme_id for m in result.themes] == ["secure-homes"]


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("[[themes]]\nid = 'Bad Id'\nkeywords = [{pattern = 'x'}]", "id"),
        ("[[themes]]\nid = 'a'\nkeywords = [{pattern = '(unclosed'}]", "not a valid regex"),
        ("[[themes]]\nid = 'a'", "needs exemplars or keywords"),
        (
            "[[themes]]\nid = 'a'\nkeywords=[{pattern='x'}]\n[[themes]]\nid = 'a'\nkeywords=[{pattern='y'}]",
            "twice",
        ),
        ("nothing = 1", "no [[themes]]"),
        ("[[themes", "not valid TOML"),
        ("[[themes]]\nid = 'a'\nkeywords = [{pattern = 'CQC'}]", "lower case"),
    ],
)
def test_invalid_themes_files_are_refused_with_the_reason(document: str, message: str) -> None:
    with pytest.raises(SeedError, match=re.escape(message)):
        parse_themes(document)


def test_scores_arithmetic() -> None:
    assert scores(8, 2, 2).f1 == 0.8
    assert scores(0, 0, 0).f1 == 0.0


def test_quality_on_the_development_set_meets_the_targets(classifier: Classifier) -> None:
    """The held-out targets, checked on our own labelled set (155 written articles + 5 seeds)."""
    rows = [json.loads(line) for line in DEV_SET.read_text(encoding="utf-8").splitlines()]
    assert len(rows) >= 155
    pairs = []
    for row in rows:
        result = classifier(row["title"], row["text"])
        pairs.append(
            (
                Labelled(row["relevant"], frozenset(row["themes"])),
                Labelled(bool(result.relevant), frozenset(m.theme_id for m in result.themes)),
            )
        )
    report = evaluate(pairs, classifier.book.ids)
    print(json.dumps(report.as_dict(), indent=1))
    assert report.relevance.precision >= 0.95
    assert report.relevance.recall >= 0.92
    assert report.micro_f1 >= 0.80
    assert min(s.f1 for s in report.themes.values()) >= 0.60


@pytest.mark.parametrize(
    "pattern",
    [
        r"\binadequate\b",
        r"\b(budgets?|£\s?\d)",
        r"\brated .{0,20}good\b",
        r"\bcare\b|\bhome\b",
        r"\b\d+ per cent\b",
    ],
)
def test_keyword_matches_are_those_of_the_original_pattern(pattern: str) -> None:
    from monitor.classify.themes import _keyword

    keyword = _keyword("t", 1, {"pattern": pattern})
    for text in [
        "xinadequate inadequate, inadequate.",
        "the budget of £5m and £ 6m; abudget budgets",
        "rated quite good! unrated good goods rated good",
        "carehome care home homecare",
        "12 per cent, a12 per cent and 7 per centre",
        "",
    ]:
        assert list(keyword.starts(text)) == [m.start() for m in re.finditer(pattern, text)]
