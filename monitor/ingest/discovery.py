"""What `sources add` subscribes to: the URL itself when it is a feed, else a feed it links."""

from __future__ import annotations

from dataclasses import dataclass

from monitor.errors import FeedParseError, SourceError
from monitor.ingest.feeds import find_feed_links, looks_like_html, parse_feed
from monitor.ingest.fetch import FEED_ACCEPT, Fetcher
from monitor.ingest.workers import WorkerPool
from monitor.models import ParsedFeed

MAX_CANDIDATES = 5


@dataclass(frozen=True)
class Discovery:
    feed_url: str
    feed: ParsedFeed
    from_page: str | None  # the HTML page it was discovered on, if any
    other_feeds: tuple[str, ...]


async def discover_feed(
    fetcher: Fetcher, workers: WorkerPool, url: str, max_bytes: int
) -> Discovery:
    """Raises SourceError saying why nothing usable was found."""
    result = await fetcher.fetch(url, max_bytes=max_bytes, accept=FEED_ACCEPT)
    try:
        feed = await workers.run(parse_feed, result.body, result.headers, result.final_url)
        return Discovery(url, feed, None, ())
    except FeedParseError as not_a_feed:
        if not looks_like_html(result.body):
            raise
        candidates = find_feed_links(result.body, result.final_url)
        if not candidates:
            raise FeedParseError(
                f"{url} is an HTML page that links no RSS, Atom or JSON feed", url=url
            ) from not_a_feed
    problems = []
    for candidate in candidates[:MAX_CANDIDATES]:
        try:
            found = await fetcher.fetch(candidate, max_bytes=max_bytes, accept=FEED_ACCEPT)
            feed = await workers.run(parse_feed, found.body, found.headers, found.final_url)
        except SourceError as exc:
            problems.append(f"{candidate}: {exc}")
            continue
        others = tuple(c for c in candidates if c != candidate)
        return Discovery(candidate, feed, url, others)
    raise FeedParseError(
        f"{url} links feeds, but none could be read: " + "; ".join(problems), url=url
    )
