"""Articles stored straight into an App's database, classified by the App."""

from __future__ import annotations

from datetime import timedelta

from monitor.app import App
from tests.support.builders import INADEQUATE_STORY, stored_article


def add(app: App, n: int, title: str, text: str, *, ago: float = 1, **kwargs: object) -> int:
    classification = kwargs.pop("classification", None) or app.classify(title, text)
    article = stored_article(
        f"https://news.example/{n}",
        title,
        text,
        app.clock() - timedelta(hours=ago),
        **kwargs,  # type: ignore[arg-type]
    )
    article_id = app.store.add_article(article, classification, app.clock())  # type: ignore[arg-type]
    assert article_id is not None
    return article_id


def inadequate(app: App, n: int, **kwargs: object) -> int:
    text = "\n".join(INADEQUATE_STORY.paragraphs).replace("Northmoor", f"Northmoor{n}")
    return add(app, n, INADEQUATE_STORY.title.replace("Northmoor", f"Northmoor{n}"), text, **kwargs)
