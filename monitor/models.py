"""Frozen value types passed between the pipeline's stages (no database rows here)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

Clock = Callable[[], datetime]
# Where an article came from: a poll (may go into a digest) or a backfill (history, never).
Origin = Literal["poll", "backfill"]
# How far a claimed publication date is trusted.
DateStatus = Literal["ok", "missing", "unparseable", "future"]
# A digest's state: pending (to send), sent, failed (given up), skipped (nothing to send).
DigestStatus = Literal["pending", "sent", "failed", "skipped"]


def utcnow() -> datetime:
    """The one real clock: tz-aware UTC. Everything else takes `now` as an argument."""
    return datetime.now(UTC)


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """A count and its noun: 1 source, 2 sources, 0 sources; `nouns` for an irregular plural
    (1 entry, 2 entries)."""
    return f"{count} {noun if count == 1 else nouns or noun + 's'}"


@dataclass(frozen=True)
class FetchResult:
    """A completed HTTP exchange. `body` is empty for 304 Not Modified."""

    url: str
    final_url: str
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass(frozen=True)
class EntryCandidate:
    """What a feed says about one entry, before we fetch its page."""

    entry_id: str | None
    link: str | None
    title: str | None
    summary: str | None
    published_raw: str | None
    published: datetime | None
    author: str | None = None


@dataclass(frozen=True)
class ParsedFeed:
    title: str | None
    site_url: str | None
    entries: tuple[EntryCandidate, ...]
    warning: str | None = None


@dataclass(frozen=True)
class Extracted:
    """What trafilatura found in an article page."""

    text: str
    title: str | None
    author: str | None
    published_raw: str | None
    site_name: str | None
    canonical_url: str | None


@dataclass(frozen=True)
class ThemeMatch:
    theme_id: str
    score: float
    evidence: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        """The stored and printed shape: {"id", "score", "evidence"}."""
        return {"id": self.theme_id, "score": self.score, "evidence": list(self.evidence)}

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> ThemeMatch:
        evidence = tuple(str(e) for e in value.get("evidence", ()))
        return cls(str(value["id"]), float(value["score"]), evidence)


@dataclass(frozen=True)
class AuthorityMatch:
    """A council a story is about: its ONS code, canonical name, the Ofsted grade the story
    reports for it (None when none), the earlier grade it gives, and one evidence sentence.
    `judgements`: the sub-judgements the story states beside the overall grade, (area,
    grade) pairs in the order stated ("help and protection", "inadequate")."""

    code: str
    name: str
    grade: str | None
    previous_grade: str | None
    evidence: str
    judgements: tuple[tuple[str, str], ...] = ()

    def as_json(self) -> dict[str, Any]:
        """The printed shape: {"code", "name", "grade", "previous_grade", "evidence",
        "judgements": {area: grade}}."""
        return {
            "code": self.code,
            "name": self.name,
            "grade": self.grade,
            "previous_grade": self.previous_grade,
            "evidence": self.evidence,
            "judgements": dict(self.judgements),
        }

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> AuthorityMatch:
        grade, previous = value.get("grade"), value.get("previous_grade")
        return cls(
            str(value["code"]),
            str(value["name"]),
            str(grade) if grade else None,
            str(previous) if previous else None,
            str(value.get("evidence") or ""),
            tuple((str(k), str(v)) for k, v in (value.get("judgements") or {}).items()),
        )


@dataclass(frozen=True)
class Classification:
    """The classifier's answer for one article. `relevant` is None when not yet classified.
    `authorities`: the councils a relevant story is about (empty otherwise)."""

    relevant: bool | None
    relevance: float | None
    themes: tuple[ThemeMatch, ...] = ()
    classifier: str = "unclassified"
    authorities: tuple[AuthorityMatch, ...] = ()


@dataclass
class PollReport:
    """Counts for one poll cycle, printed as its summary."""

    sources_polled: int = 0
    sources_unchanged: int = 0
    sources_failed: int = 0
    new_articles: int = 0
    duplicates: int = 0
    page_errors: int = 0
    errors: list[str] = field(default_factory=list)
    sources_skipped: int = 0  # due, but claimed by another process polling them now

    def summary(self) -> str:
        skipped = (
            f"; {self.sources_skipped} skipped: another process is polling them"
            if self.sources_skipped
            else ""
        )
        return (
            f"polled {plural(self.sources_polled, 'source')}: {self.sources_unchanged} "
            f"unchanged, {self.sources_failed} failed; {plural(self.new_articles, 'new article')}, "
            f"{plural(self.duplicates, 'duplicate')} skipped, "
            f"{plural(self.page_errors, 'page error')}{skipped}"
        )

    def backfill_summary(self) -> str:
        pages = plural(self.page_errors, "page")
        return (
            f"{plural(self.new_articles, 'new article')}, {self.duplicates} already stored, "
            f"{pages} could not be fetched or extracted"
        )


@dataclass(frozen=True)
class Poller:
    """A process that polls, as its claims name it: `id` is unique to the process."""

    id: str
    host: str
    pid: int


@dataclass(frozen=True)
class SourceInfo:
    id: int
    url: str
    name: str | None
    site_url: str | None
    added_at: datetime
    etag: str | None
    last_modified: str | None
    last_polled_at: datetime | None
    last_success_at: datetime | None
    last_error: str | None
    consecutive_failures: int
    next_poll_at: datetime | None
    articles: int = 0
    claimed_until: datetime | None = None  # while a process polls it
    claimed_by: str | None = None  # which poller (instance id) holds the claim

    @property
    def failing(self) -> bool:
        """Its last poll failed, whoever's fault it was (a success sets both times at once)."""
        if self.last_polled_at is None:
            return False
        return self.last_success_at is None or self.last_success_at < self.last_polled_at


@dataclass(frozen=True)
class NewArticle:
    """An article ready to store, with every identity it was seen under."""

    url: str | None
    entry_url: str | None
    source_id: int | None
    source_name: str
    origin: Origin
    title: str
    text: str
    summary: str | None
    author: str | None
    site_name: str | None
    html_gz: bytes | None
    extraction_error: str | None
    published_raw: str | None
    published_at: datetime | None
    date_status: DateStatus
    first_seen_at: datetime
    fingerprint: str | None
    keys: tuple[str, ...]


@dataclass(frozen=True)
class ArticleSummary:
    id: int
    url: str | None
    title: str
    source: str
    origin: Origin
    published: datetime | None
    date_status: DateStatus
    fetched_at: datetime
    relevant: bool | None
    relevance: float | None
    themes: tuple[str, ...]
    extraction_error: str | None
    # The councils the article is about, as stored with its classification (the shape of
    # `Classification.authorities`); None where the listing did not read them.
    authorities: tuple[AuthorityMatch, ...] | None = None


@dataclass(frozen=True)
class AuthorityEvent:
    """An article about a council, on the council's timeline: what it reported of it."""

    article_id: int
    title: str
    url: str | None
    source: str
    at: datetime
    grade: str | None
    previous_grade: str | None
    evidence: str


@dataclass(frozen=True)
class AuthoritySummary:
    """A council with stored articles about it: how many, and the latest grade reported
    (from the newest article that gives one, dated by that article)."""

    code: str
    name: str
    articles: int
    grade: str | None
    previous_grade: str | None
    graded_at: datetime | None
    graded_article_id: int | None


@dataclass(frozen=True)
class StoredArticle:
    """What reclassification needs of a stored article."""

    id: int
    url: str | None
    title: str
    text: str
    html_gz: bytes | None


@dataclass(frozen=True)
class StatusReport:
    sources: int
    articles: int
    relevant: int
    unclassified: int
    source_health: tuple[SourceInfo, ...]


@dataclass(frozen=True)
class DigestRecord:
    """A digest as recorded: `status` is pending, sent, failed or skipped (nothing to send)."""

    id: int
    period: str
    created_at: datetime
    window_start: datetime | None
    window_end: datetime
    status: DigestStatus
    subject: str
    message_id: str | None
    sender: str
    recipients: tuple[str, ...]
    item_count: int
    near_miss_count: int
    attempts: int
    next_attempt_at: datetime | None
    sent_at: datetime | None
    delivered_to: str | None
    last_error: str | None
    transport: str | None = None  # "smtp", "outbox", or None (recorded before it was kept)


@dataclass(frozen=True)
class Candidate:
    """A stored article that may go into a digest, with its classification."""

    id: int
    url: str | None
    title: str
    source: str
    published_at: datetime | None  # only a date we trust
    first_seen_at: datetime
    relevant: bool
    relevance: float
    themes: tuple[ThemeMatch, ...]
    text: str
    summary: str | None = None
    authorities: tuple[AuthorityMatch, ...] = ()

    @property
    def date(self) -> datetime:
        return self.published_at or self.first_seen_at


@dataclass(frozen=True)
class SourceActivity:
    """What a source did in a digest's period, as the store records it."""

    name: str
    url: str
    polls_ok: int
    polls_failed: int
    last_poll_failed: bool
    last_error: str | None
    new_articles: int
    last_new_entry_at: datetime | None
    new_entry_times: tuple[datetime, ...]  # recent polls that found new entries, oldest first


# Which articles a list shows: the readers' label, where there is one, wins over the classifier.
RelevanceFilter = Literal["relevant", "near", "not", "all"]
# A reader's label of an article (feedback).
FeedbackLabel = Literal["not_relevant", "relevant", "wrong_theme"]
FEEDBACK_LABELS: tuple[FeedbackLabel, ...] = ("not_relevant", "relevant", "wrong_theme")


@dataclass(frozen=True)
class SearchTerms:
    """A parsed search: words and "quoted phrases" that must all match, and `-excluded` ones.
    Each term is a list of plain words (no query syntax of any database survives parsing)."""

    include: tuple[tuple[str, ...], ...] = ()
    exclude: tuple[tuple[str, ...], ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.include and not self.exclude

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(w for term in self.include for w in term)


@dataclass(frozen=True)
class ArticleFilter:
    """The filters of the articles page and of `/api/articles`; `since`/`until` are UTC."""

    relevant: RelevanceFilter = "all"
    theme: str | None = None
    source: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    origin: Origin | None = None
    search: SearchTerms = field(default_factory=SearchTerms)
    near_miss_floor: float = 0.15
    authority: str | None = None  # only articles about the council with this ONS code


@dataclass(frozen=True)
class ArticleLabel:
    """The readers' current label of an article."""

    label: FeedbackLabel
    themes: tuple[str, ...] | None
    who: str
    updated_at: datetime


@dataclass(frozen=True)
class ArticleRowView:
    """An article in a list: its summary, what readers said, and a search snippet (text with
    the matched words between \\x02 and \\x03 markers)."""

    summary: ArticleSummary
    label: ArticleLabel | None = None
    snippet: str | None = None


@dataclass(frozen=True)
class ArticlePage:
    rows: tuple[ArticleRowView, ...]
    page: int
    per_page: int
    has_next: bool


@dataclass(frozen=True)
class ArticleDetail:
    summary: ArticleSummary
    text: str
    entry_url: str | None
    author: str | None
    site_name: str | None
    published_raw: str | None
    classifier: str | None
    theme_matches: tuple[ThemeMatch, ...]
    identities: tuple[tuple[str, int], ...]  # (kind, count)
    digests: tuple[tuple[int, str, str], ...]  # (digest id, period, kind)
    label: ArticleLabel | None
    feedback: tuple[FeedbackRecord, ...]


@dataclass(frozen=True)
class FeedbackRecord:
    id: int
    article_id: int
    digest_id: int | None
    who: str
    label: FeedbackLabel
    themes: tuple[str, ...] | None
    created_at: datetime


@dataclass(frozen=True)
class LabelledArticle:
    """A stored article with the readers' label, in the `monitor eval` input's terms."""

    id: int
    title: str
    text: str
    relevant: bool
    themes: tuple[str, ...]
    classifier_relevant: bool | None
    classifier_themes: tuple[str, ...]
