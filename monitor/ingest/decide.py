"""The ingest decider: what to write for what a feed says and a page holds. Pure.

It does not fetch, store or read the clock: given a feed entry, what fetching and extraction
made of its page, what storage already knows and `now`, it returns what to write. The
pipeline only fetches, asks storage which keys it knows, calls these functions and stores.

The rules, each tested in tests/unit/test_decide.py:
- An entry is known by its id within its feed (else its link, else its content) and by its
  canonical link; an article also by every URL it was fetched under, its page's canonical
  URL and its body fingerprint. Any known identity makes it a duplicate, whose new
  identities join the stored article.
- The article's URL is the page's rel=canonical when plausible, else the URL we ended at.
- The title is the feed's, else the page's, else the text's first line; the text is the
  page's, else the feed's summary. With neither title nor text there is nothing to store.
- The date is the feed's, else the page's; it is trusted only when it parses and is not in
  the future. On a source's first poll an entry dated before the look-back is history.
- Backoff after a failed poll doubles per failure, honours Retry-After, and is capped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from monitor.errors import FetchError, SourceError
from monitor.ingest.identity import entry_identity, fingerprint, seen_key
from monitor.ingest.policy import PollPolicy
from monitor.models import DateStatus, EntryCandidate, Extracted, NewArticle, Origin
from monitor.urls import canonical_url, prefer_canonical

_FUTURE_TOLERANCE = timedelta(hours=1)
_FALLBACK_TITLE_CHARS = 120


@dataclass(frozen=True)
class EntryOrigin:
    """Where entries come from: the key their entry ids are scoped by, and how to label them."""

    key: str
    source_id: int | None
    name: str
    kind: Origin
    # On a source's first poll, entries dated before this are history, as if backfilled.
    history_before: datetime | None = None


@dataclass(frozen=True)
class KeyedEntry:
    """A feed entry with its identity in its feed and its canonical link."""

    key: str
    entry: EntryCandidate
    link: str | None

    @property
    def link_key(self) -> str | None:
        return seen_key("url", self.link) if self.link else None


@dataclass(frozen=True)
class Triage:
    """A feed's entries sorted by what storage knows of them: `fresh` ones to fetch, and
    `relinked` ones whose link is stored under another entry id (entry key, link key)."""

    fresh: tuple[KeyedEntry, ...]
    relinked: tuple[tuple[str, str], ...]
    duplicates: int


@dataclass(frozen=True)
class FetchedPage:
    """What fetching and the worker made of an entry's page: the canonical URL it ended at,
    the extraction (None when there was no text), the compressed page, or why not."""

    final_url: str | None
    extracted: Extracted | None
    html_gz: bytes | None
    error: str | None


@dataclass(frozen=True)
class ArticleDraft:
    """An article before the duplicate check: its content and every identity it has."""

    url: str | None
    entry_url: str | None
    origin: EntryOrigin
    title: str
    text: str
    summary: str | None
    author: str | None
    site_name: str | None
    html_gz: bytes | None
    extraction_error: str | None
    published_raw: str | None
    published_at: datetime | None
    fingerprint: str | None
    keys: tuple[str, ...]


@dataclass(frozen=True)
class Duplicate:
    """The draft is an article already stored under `known_key`: add its `keys` to it."""

    keys: tuple[str, ...]
    known_key: str


# --- entries of a feed -------------------------------------------------------------------


def key_entries(origin: EntryOrigin, entries: tuple[EntryCandidate, ...]) -> list[KeyedEntry]:
    return [
        KeyedEntry(
            seen_key("entry", f"{origin.key}\n{entry_identity(e)}"),
            e,
            canonical_url(e.link) if e.link else None,
        )
        for e in entries
    ]


def lookup_keys(keyed: list[KeyedEntry]) -> list[str]:
    """The keys to ask storage about before deciding which entries are new."""
    return [k.key for k in keyed] + [k.link_key for k in keyed if k.link_key]


def triage(keyed: list[KeyedEntry], known: set[str]) -> Triage:
    fresh, relinked, duplicates = [], [], 0
    for item in keyed:
        if item.key in known:
            duplicates += 1
        elif item.link_key in known:  # the same article under another entry id
            assert item.link_key is not None
            relinked.append((item.key, item.link_key))
            duplicates += 1
        else:
            fresh.append(item)
    return Triage(tuple(fresh), tuple(relinked), duplicates)


# --- one article -------------------------------------------------------------------------


def draft_article(
    origin: EntryOrigin, item: KeyedEntry, page: FetchedPage | None
) -> ArticleDraft | None:
    """The article an entry makes with its page (None when no page was fetched), or None
    when there is neither a title nor any text."""
    entry = item.entry
    extracted = page.extracted if page else None
    final_url = page.final_url if page else item.link
    url = final_url
    if extracted is not None and final_url:
        url = prefer_canonical(final_url, extracted.canonical_url)
    text = extracted.text if extracted else (entry.summary or "")
    title = entry.title or (extracted.title if extracted else None)
    if not title and not text:
        return None
    urls = sorted({u for u in (item.link, final_url, url) if u})
    print_ = fingerprint(text, (entry.title, extracted.title if extracted else None))
    keys = [item.key, *(seen_key("url", u) for u in urls)]
    if print_:
        keys.append(seen_key("fp", print_))
    published, raw_date = entry.published, entry.published_raw
    page_date = _date_from_extraction(extracted)
    if published is None and page_date is not None and extracted is not None:
        published, raw_date = page_date, extracted.published_raw
    return ArticleDraft(
        url=url,
        entry_url=entry.link,
        origin=origin,
        title=title or text[:_FALLBACK_TITLE_CHARS].split("\n")[0],
        text=text,
        summary=entry.summary,
        author=entry.author or (extracted.author if extracted else None),
        site_name=extracted.site_name if extracted else None,
        html_gz=page.html_gz if page else None,
        extraction_error=page.error if page else None,
        published_raw=raw_date,
        published_at=published,
        fingerprint=print_,
        keys=tuple(keys),
    )


def draft_seed(
    origin: EntryOrigin,
    file_name: str,
    title: str,
    text: str,
    published: datetime | None,
    published_raw: str | None,
) -> ArticleDraft:
    """A seed article: known by its file name and its content."""
    print_ = fingerprint(text, (title,))
    keys = [seen_key("entry", f"{origin.key}\n{file_name}")]
    if print_:
        keys.append(seen_key("fp", print_))
    return ArticleDraft(
        url=None,
        entry_url=None,
        origin=origin,
        title=title,
        text=text,
        summary=None,
        author=None,
        site_name=None,
        html_gz=None,
        extraction_error=None,
        published_raw=published_raw,
        published_at=published,
        fingerprint=print_,
        keys=tuple(keys),
    )


def decide(draft: ArticleDraft, known: set[str], now: datetime) -> NewArticle | Duplicate:
    """A new article to store, or a duplicate of what storage `known`s under the draft's keys."""
    found = [k for k in draft.keys if k in known]
    if found:
        return Duplicate(draft.keys, found[0])
    date_status = classify_date(draft.published_at, draft.published_raw, now)
    origin = draft.origin
    kind = origin.kind
    if origin.history_before and draft.published_at and date_status == "ok":
        kind = "backfill" if draft.published_at < origin.history_before else kind
    return NewArticle(
        url=draft.url,
        entry_url=draft.entry_url,
        source_id=origin.source_id,
        source_name=origin.name,
        origin=kind,
        title=draft.title,
        text=draft.text,
        summary=draft.summary,
        author=draft.author,
        site_name=draft.site_name,
        html_gz=draft.html_gz,
        extraction_error=draft.extraction_error,
        published_raw=draft.published_raw,
        published_at=draft.published_at,
        date_status=date_status,
        first_seen_at=now,
        fingerprint=draft.fingerprint,
        keys=draft.keys,
    )


def classify_date(published: datetime | None, raw: str | None, now: datetime) -> DateStatus:
    """How far a claimed publication date can be trusted: ok, missing, unparseable or future."""
    if published is None:
        return "unparseable" if raw else "missing"
    if published > now + _FUTURE_TOLERANCE:
        return "future"
    return "ok"


def _date_from_extraction(extracted: Extracted | None) -> datetime | None:
    if extracted is None or not extracted.published_raw:
        return None
    try:
        return datetime.fromisoformat(extracted.published_raw[:10]).replace(tzinfo=UTC)
    except ValueError:
        return None


# --- sources -----------------------------------------------------------------------------


def next_poll_after_failure(
    now: datetime, failures: int, policy: PollPolicy, retry_after: float | None
) -> datetime:
    """Exponential backoff, capped so that a source is retried at least every max_backoff."""
    delay = min(policy.interval * 2 ** min(max(0, failures - 1), 32), policy.max_backoff)
    if retry_after is not None:
        delay = min(max(delay, retry_after), policy.max_backoff)
    return now + timedelta(seconds=delay)


def failures_are_ours(polled: int, errors: list[SourceError]) -> bool:
    """Every source failing at the network level at once (DNS, unreachable) says more about
    our own network than about the sources: such failures are counted against none of them."""
    return (
        polled >= 2
        and len(errors) == polled
        and all(isinstance(e, FetchError) and e.network for e in errors)
    )
