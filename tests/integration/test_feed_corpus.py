"""Every feed of ../shared/feed-corpus, served with its own HTTP headers, polled in one cycle."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from typing import Any

import pytest

from monitor.app import App
from monitor.ingest.workers import WorkerPool
from monitor.models import PollReport
from tests.support.paths import SHARED
from tests.support.servers import LocalServer, Route

CORPUS = SHARED / "feed-corpus"


def load_manifest() -> list[dict[str, Any]]:
    manifest = CORPUS / "manifest.jsonl"
    if not manifest.is_file():
        pytest.skip("../shared/feed-corpus is not present beside the checkout")
    return [json.loads(line) for line in manifest.read_text().splitlines() if line.strip()]


@pytest.mark.slow
def test_the_poller_survives_every_feed_in_the_corpus(
    app: App, server: LocalServer, workers: WorkerPool
) -> None:
    manifest = load_manifest()
    app.settings.fetch_pages = False
    for item in manifest:
        path = "/feeds/" + item["path"]
        server.routes[path] = Route(
            (CORPUS / "feeds" / item["path"]).read_bytes(),
            content_type=item["content_type"],
            headers={k: v for k, v in (item.get("headers") or {}).items() if v},
        )
        app.store.add_source(server.url(path), None, None, app.clock())

    async def run() -> PollReport:
        async with app.pipeline(workers=workers) as pipeline:
            return await pipeline.poll()

    report = asyncio.run(run())

    assert report.sources_polled == len(manifest) == 574
    sources = {s.url: s for s in app.store.list_sources()}
    outcomes: Counter[str] = Counter()
    for item in manifest:
        health = sources[server.url("/feeds/" + item["path"])]
        assert health.last_polled_at is not None, item["path"]
        failed = health.consecutive_failures > 0
        outcomes[f"{'failed' if failed else 'ok'}:{item['kind']}"] += 1
        if failed:
            assert health.last_error, item["path"]
            # Only documents a strict parser rejects may fail, never a valid feed.
            assert item["kind"] in ("illformed", "encoding", "entities"), (
                item["path"],
                health.last_error,
            )
    print(dict(outcomes), report.summary())
    assert report.sources_failed == sum(v for k, v in outcomes.items() if k.startswith("failed"))
    assert report.new_articles >= 150  # most corpus items carry no title, link or text
