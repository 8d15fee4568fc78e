"""Articles stored straight into an App's database, classified by the App."""

from __future__ import annotations

from datetime import timedelta

from monitor.app import App
from monitor.models import Classification, Origin
from tests.support.builders import INADEQUATE_STORY, stored_article


def add(
    app: App,
    n: int,
    title: str,
    text: str,
    *,
    ago: float = 1,
    classification: Classification | None = None,
    origin: Origin = "poll",
    source_name: str = "Community Care",
) -> int:
    """Stores article `n`, first seen `ago` hours before the App's clock, classified by the App
    unless `classification` is given."""
    classification = classification or app.classify(title, text)
    article = stored_article(
        f"https://news.example/{n}",
        title,
        text,
        app.clock() - timedelta(hours=ago),
        origin=origin,
        source_name=source_name,
    )
    article_id = app.store.add_article(article, classification, app.clock())
    assert article_id is not None
    return article_id


def inadequate(app: App, n: int, *, ago: float = 1) -> int:
    """Stores a copy of the inadequate-rating story about Northmoor{n}."""
    text = "\n".join(INADEQUATE_STORY.paragraphs).replace("Northmoor", f"Northmoor{n}")
    return add(app, n, INADEQUATE_STORY.title.replace("Northmoor", f"Northmoor{n}"), text, ago=ago)
