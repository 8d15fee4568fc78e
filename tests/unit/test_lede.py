"""The story's lede, shown as each digest item's summary."""

from __future__ import annotations

import email
import html
from email.message import EmailMessage
from email.policy import default
from zoneinfo import ZoneInfo

import pytest

from monitor.digest.build import build_digest
from monitor.digest.lede import LEDE_CHARS, lede
from monitor.digest.render import Envelope, Settings, render_digest
from tests.support.digest_inputs import NOW, THEMES, candidate
from tests.support.smtp import text_body

STORY = """Westshire children's services rated inadequate
By Sam Carter
| 27 November 2026
Photo: Westshire County Hall, where councillors met on Tuesday
LONDON — Children's services in Westshire have been rated inadequate by Ofsted after inspectors found that children at risk of harm waited weeks for help. The council said it accepted the findings.
Inspectors also found that caseloads had risen."""


def test_the_lede_skips_the_headline_byline_dateline_and_caption() -> None:
    assert lede("Westshire children's services rated inadequate", STORY) == (
        "Children's services in Westshire have been rated inadequate by Ofsted after inspectors "
        "found that children at risk of harm waited weeks for help."
    )


@pytest.mark.parametrize(
    "furniture",
    [
        "Sign up to our free newsletter for the latest children's services news every week",
        "Related articles: Ofsted changes its framework for inspecting children's homes again",
        "Published 3 May 2024, updated 4 May 2024 at 10:02 by the news desk",
        "Image: a social worker at her desk in the council's offices on Monday",
        "Read more",
    ],
)
def test_page_furniture_is_never_the_lede(furniture: str) -> None:
    text = f"{furniture}\nOfsted has rated the council's fostering service good in every area."
    assert lede("A headline", text) == (
        "Ofsted has rated the council's fostering service good in every area."
    )


def test_a_long_first_sentence_is_cut_at_a_word() -> None:
    long = "Inspectors said " + "that the council had not acted quickly enough " * 12 + "."
    found = lede("t", long)
    assert found is not None and found.endswith(" …") and len(found) <= LEDE_CHARS + 2


def test_no_prose_no_lede() -> None:
    assert lede("Headline", "Headline\nBy Sam Carter\nShare this") is None


def test_each_digest_item_shows_its_lede_above_the_evidence() -> None:
    story = candidate(
        1, title="Westshire rated inadequate", themes=(("workforce", 0.9),), text=STORY
    )
    digest = build_digest([story], [], THEMES, since=None, until=NOW)
    [item] = digest.items
    assert item.summary and item.summary.startswith("Children's services in Westshire")
    envelope = Envelope("monitor@example.org", ("policy@example.org",), "<d.1@example.org>", NOW)
    settings = Settings(ZoneInfo("Europe/London"), "0 7 * * *", "the built-in themes file")
    message = email.message_from_bytes(
        render_digest(digest, envelope, settings).as_bytes(), policy=default
    )
    assert isinstance(message, EmailMessage)
    for kind in ("plain", "html"):
        body = html.unescape(text_body(message, kind))
        assert body.index("Children's services in Westshire") < body.index("Evidence for workforce")
