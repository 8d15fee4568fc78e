"""Same-story grouping on rewritten coverage, and no grouping of look-alike stories."""

from __future__ import annotations

from monitor.digest.dedupe import group_same_stories
from tests.support.stories import LOCAL, OTHER_COUNCIL, TRADE

HEADLINE_ONLY = "Harrowfield children's services rated inadequate"


def test_rewrites_of_one_report_are_one_story() -> None:
    assert group_same_stories([TRADE, LOCAL]) == [[0, 1]]


def test_the_same_template_about_another_council_is_another_story() -> None:
    assert group_same_stories([TRADE, OTHER_COUNCIL, LOCAL]) == [[0, 2], [1]]


def test_grouping_is_transitive_and_keeps_input_order() -> None:
    extract = LOCAL.split("\n", 3)[3]  # a later syndication of the local story's second half
    groups = group_same_stories([OTHER_COUNCIL, extract, TRADE, LOCAL])
    assert groups == [[0], [1, 2, 3]]


def test_texts_too_short_to_judge_stay_alone() -> None:
    assert group_same_stories([HEADLINE_ONLY, TRADE, HEADLINE_ONLY]) == [[0], [1], [2]]


def test_nothing_in_nothing_out() -> None:
    assert group_same_stories([]) == []
