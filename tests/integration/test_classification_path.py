"""One classification path: every article, with a page or feed-only, is classified by the
classifier the composition root was given, in the worker processes, after the duplicate
check; a classifier that raises is a bug, not a page error."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import pytest
from sqlmodel import Session, select

from monitor.app import App, build_classifier, open_app
from monitor.classify import Classifier
from monitor.config import load_settings
from monitor.ingest.workers import WorkerPool
from monitor.models import Classification, PollReport
from monitor.storage.tables import ArticleRow, ClassificationRow
from tests.support.builders import INADEQUATE_STORY, Item, article_html, rss
from tests.support.servers import LocalServer, Route


class MarkingClassifier(Classifier):
    """The real classifier, with its answers marked, so a test can tell who classified."""

    def __call__(self, title: str, text: str) -> Classification:
        found = super().__call__(title, text)
        return Classification(found.relevant, found.relevance, found.themes, "marked")


class BrokenClassifier(Classifier):
    def __call__(self, title: str, text: str) -> Classification:
        raise RuntimeError("classifier bug on purpose")


def poll(app: App, workers: WorkerPool) -> PollReport:
    async def run() -> PollReport:
        async with app.pipeline(workers=workers) as pipeline:
            return await pipeline.poll(force=True)

    return asyncio.run(run())


def open_with(classifier_type: type[Classifier]) -> App:
    settings = load_settings()
    return open_app(settings, classifier=classifier_type(build_classifier(settings).book))


def serve_feed(app: App, server: LocalServer) -> None:
    server.routes["/story"] = Route(
        article_html(INADEQUATE_STORY), content_type="text/html; charset=utf-8"
    )
    server.routes["/feed"] = Route(
        rss(
            [
                Item("Northmoor rated inadequate", server.url("/story"), "with-page"),
                Item(
                    "Ofsted: Eastshire children's services inadequate",
                    None,
                    "feed-only",
                    description="Ofsted inspectors rated Eastshire council's children's social "
                    "care services inadequate after finding children at risk of harm.",
                ),
                Item("A copy of the first", server.url("/story"), "duplicate"),
            ]
        )
    )
    app.store.add_source(server.url("/feed"), None, None, app.clock())


@pytest.fixture
def marked(env: LocalServer) -> Iterator[App]:
    app = open_with(MarkingClassifier)
    yield app
    app.close()


@pytest.fixture
def broken(env: LocalServer) -> Iterator[App]:
    app = open_with(BrokenClassifier)
    yield app
    app.close()


def classifications(app: App) -> dict[str, ClassificationRow]:
    with Session(app.engine) as session:
        rows = session.exec(select(ArticleRow, ClassificationRow).join(ClassificationRow)).all()
        return {a.title: c for a, c in rows}


def test_every_article_is_classified_by_the_injected_classifier(
    marked: App, server: LocalServer, workers: WorkerPool
) -> None:
    serve_feed(marked, server)
    report = poll(marked, workers)
    assert (report.new_articles, report.duplicates) == (2, 1)
    found = classifications(marked)
    assert set(found) == {
        "Northmoor rated inadequate",
        "Ofsted: Eastshire children's services inadequate",
    }
    assert {c.classifier for c in found.values()} == {"marked"}
    assert all(c.relevant for c in found.values())


def test_a_classifier_bug_keeps_the_article_unclassified_and_is_logged(
    broken: App, server: LocalServer, workers: WorkerPool, caplog: pytest.LogCaptureFixture
) -> None:
    serve_feed(broken, server)
    with caplog.at_level(logging.ERROR, logger="monitor.ingest.pipeline"):
        report = poll(broken, workers)
    assert (report.new_articles, report.page_errors) == (2, 0)
    assert all(c.relevant is None for c in classifications(broken).values())
    assert broken.store.status().unclassified == 2
    with Session(broken.engine) as session:
        assert all(a.extraction_error is None for a in session.exec(select(ArticleRow)))
    logged = [r.getMessage() for r in caplog.records if "classification failed" in r.getMessage()]
    assert len(logged) == 2
    assert all("Traceback" in m and "classifier bug on purpose" in m for m in logged)
