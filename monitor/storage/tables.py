"""SQLModel tables: the schema Alembic migrations own. Rows never leave store.py."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

metadata = SQLModel.metadata
metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Timezone-aware UTC in and out, on SQLite (which stores no zone) as on PostgreSQL."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime stored: pass tz-aware UTC datetimes")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _utc() -> UTCDateTime:
    return UTCDateTime()


class SourceRow(SQLModel, table=True):
    __tablename__ = "source"

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(sa_column=sa.Column(sa.Text, nullable=False, unique=True))
    name: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    site_url: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    added_at: datetime = Field(sa_column=sa.Column(_utc(), nullable=False))
    etag: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    last_modified: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    last_polled_at: datetime | None = Field(default=None, sa_column=sa.Column(_utc()))
    last_success_at: datetime | None = Field(default=None, sa_column=sa.Column(_utc()))
    last_new_entry_at: datetime | None = Field(default=None, sa_column=sa.Column(_utc()))
    last_error: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    last_error_at: datetime | None = Field(default=None, sa_column=sa.Column(_utc()))
    consecutive_failures: int = Field(default=0, sa_column=sa.Column(sa.Integer, nullable=False))
    next_poll_at: datetime | None = Field(default=None, sa_column=sa.Column(_utc(), index=True))
    # Set while a process polls it (see Store.claim_due_sources), with who holds the claim
    # (a poller's id).
    claimed_until: datetime | None = Field(default=None, sa_column=sa.Column(_utc()))
    claimed_by: str | None = Field(default=None, sa_column=sa.Column(sa.String(120)))


class PollerRow(SQLModel, table=True):
    """A process that polls (`monitor run`, `monitor poll`), and its heartbeat: its claims
    on sources are freed when it stops heartbeating (`expires_at` passed) or, on its own
    host, when its process is gone."""

    __tablename__ = "poller"

    id: str = Field(sa_column=sa.Column(sa.String(120), primary_key=True))
    host: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    pid: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    started_at: datetime = Field(sa_column=sa.Column(_utc(), nullable=False))
    heartbeat_at: datetime = Field(sa_column=sa.Column(_utc(), nullable=False))
    expires_at: datetime = Field(sa_column=sa.Column(_utc(), nullable=False))


class FetchAttemptRow(SQLModel, table=True):
    """One poll of one source: the history digests use to report coverage."""

    __tablename__ = "fetch_attempt"

    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("source.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    started_at: datetime = Field(sa_column=sa.Column(_utc(), nullable=False, index=True))
    finished_at: datetime = Field(sa_column=sa.Column(_utc(), nullable=False))
    outcome: str = Field(sa_column=sa.Column(sa.String(16), nullable=False))
    http_status: int | None = Field(default=None, sa_column=sa.Column(sa.Integer))
    entries: int = Field(default=0, sa_column=sa.Column(sa.Integer, nullable=False))
    new_articles: int = Field(default=0, sa_column=sa.Column(sa.Integer, nullable=False))
    error: str | None = Field(default=None, sa_column=sa.Column(sa.Text))


class ArticleRow(SQLModel, table=True):
    __tablename__ = "article"
    # The relevant articles newest first (the web views' relevance filter): an index walk.
    # Partial, of the relevant ones only: over every article, (sort_at, id) would be a
    # covering index that PostgreSQL prefers to read whole to sort a council's few articles.
    __table_args__ = (
        sa.Index(
            "ix_article_relevant_sort_at_id",
            "sort_at",
            "id",
            postgresql_where=sa.text("filed_relevant"),
            sqlite_where=sa.text("filed_relevant = 1"),  # as SQLite must see it in a query
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    url: str | None = Field(default=None, sa_column=sa.Column(sa.Text, unique=True))
    entry_url: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    source_id: int | None = Field(
        default=None,
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("source.id", ondelete="SET NULL"), index=True
        ),
    )
    source_name: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    origin: str = Field(sa_column=sa.Column(sa.String(16), nullable=False))
    title: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    author: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    site_name: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    summary: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    text: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    html_gz: bytes | None = Field(default=None, sa_column=sa.Column(sa.LargeBinary))
    extraction_error: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    published_raw: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    published_at: datetime | None = Field(default=None, sa_column=sa.Column(_utc()))
    date_status: str = Field(sa_column=sa.Column(sa.String(16), nullable=False))
    first_seen_at: datetime = Field(sa_column=sa.Column(_utc(), nullable=False, index=True))
    sort_at: datetime = Field(sa_column=sa.Column(_utc(), nullable=False, index=True))
    fingerprint: str | None = Field(default=None, sa_column=sa.Column(sa.String(64), index=True))
    # Whether the web views file it as relevant: the readers' label, else the classifier's
    # answer (NULL: not classified). A copy the storage keeps in step (storage/filing.py).
    filed_relevant: bool | None = Field(default=None, sa_column=sa.Column(sa.Boolean))


class SeenKeyRow(SQLModel, table=True):
    """Every identity an article was seen under (entry id, URL, content fingerprint).

    Keys outlive their article: when a retention clean-up deletes an article, `article_id`
    becomes NULL and the key still stops the entry from coming back as new.
    """

    __tablename__ = "seen_key"

    key: str = Field(sa_column=sa.Column(sa.String(64), primary_key=True))
    kind: str = Field(sa_column=sa.Column(sa.String(8), nullable=False))
    article_id: int | None = Field(
        default=None,
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("article.id", ondelete="SET NULL"), index=True
        ),
    )
    first_seen_at: datetime = Field(sa_column=sa.Column(_utc(), nullable=False))


class ClassificationRow(SQLModel, table=True):
    __tablename__ = "classification"

    article_id: int = Field(
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("article.id", ondelete="CASCADE"), primary_key=True
        )
    )
    relevant: bool | None = Field(default=None, sa_column=sa.Column(sa.Boolean, index=True))
    relevance: float | None = Field(default=None, sa_column=sa.Column(sa.Float))
    themes: list[dict[str, object]] = Field(
        default_factory=list, sa_column=sa.Column(sa.JSON, nullable=False)
    )
    classifier: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))
    classified_at: datetime = Field(sa_column=sa.Column(_utc(), nullable=False))


class ArticleThemeRow(SQLModel, table=True):
    """A theme the web views file an article under: the classifier's themes, those a reader
    ticked for "wrong theme", none after "not relevant". A copy of what `classification` and
    `article_label` say, with the article's `sort_at` (which never changes), kept in step by
    the storage (storage/filing.py), so that a theme's articles, newest first, are an index
    walk."""

    __tablename__ = "article_theme"
    __table_args__ = (sa.Index(None, "theme_id", "sort_at", "article_id"),)

    article_id: int = Field(
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("article.id", ondelete="CASCADE"), primary_key=True
        )
    )
    theme_id: str = Field(sa_column=sa.Column(sa.String(64), primary_key=True))
    sort_at: datetime = Field(sa_column=sa.Column(_utc(), nullable=False))


class MetaRow(SQLModel, table=True):
    """Small facts about the database itself (e.g. whether the default feeds were loaded)."""

    __tablename__ = "meta"

    key: str = Field(sa_column=sa.Column(sa.String(64), primary_key=True))
    value: str = Field(sa_column=sa.Column(sa.Text, nullable=False))


class DigestRow(SQLModel, table=True):
    """One digest: recorded with its items and its rendered message before it is sent.

    `period` names the schedule period it belongs to (unique), so a second build for the same
    period, from a double fire, a restart or another instance, finds this row instead.
    """

    __tablename__ = "digest"

    id: int | None = Field(default=None, primary_key=True)
    period: str = Field(sa_column=sa.Column(sa.String(80), nullable=False, unique=True))
    created_at: datetime = Field(sa_column=sa.Column(_utc(), nullable=False))
    window_start: datetime | None = Field(default=None, sa_column=sa.Column(_utc()))
    window_end: datetime = Field(sa_column=sa.Column(_utc(), nullable=False))
    status: str = Field(sa_column=sa.Column(sa.String(16), nullable=False, index=True))
    subject: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    message_id: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    sender: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    recipients: list[str] = Field(
        default_factory=list, sa_column=sa.Column(sa.JSON, nullable=False)
    )
    message: bytes | None = Field(default=None, sa_column=sa.Column(sa.LargeBinary))
    item_count: int = Field(default=0, sa_column=sa.Column(sa.Integer, nullable=False))
    near_miss_count: int = Field(default=0, sa_column=sa.Column(sa.Integer, nullable=False))
    attempts: int = Field(default=0, sa_column=sa.Column(sa.Integer, nullable=False))
    next_attempt_at: datetime | None = Field(default=None, sa_column=sa.Column(_utc()))
    lease_until: datetime | None = Field(default=None, sa_column=sa.Column(_utc()))
    sent_at: datetime | None = Field(default=None, sa_column=sa.Column(_utc()))
    delivered_to: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    last_error: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    # How it was meant to go when it was recorded: "smtp" (to `recipients`) or "outbox";
    # NULL for digests recorded before this was kept (any sender may send those).
    transport: str | None = Field(default=None, sa_column=sa.Column(sa.String(16)))


class DigestItemRow(SQLModel, table=True):
    """An article a digest carries: as a story (`item`), as another outlet's report of a
    story (`also`) or as a near miss (`near_miss`)."""

    __tablename__ = "digest_item"

    digest_id: int = Field(
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("digest.id", ondelete="CASCADE"), primary_key=True
        )
    )
    article_id: int = Field(
        sa_column=sa.Column(
            sa.Integer,
            sa.ForeignKey("article.id", ondelete="CASCADE"),
            primary_key=True,
            index=True,
        )
    )
    kind: str = Field(sa_column=sa.Column(sa.String(16), nullable=False))
    theme_id: str | None = Field(default=None, sa_column=sa.Column(sa.String(64)))
    position: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))


class ArticleAuthorityRow(SQLModel, table=True):
    """A council a classified article is about, with the grade it reports (written with the
    article's classification, replaced with it)."""

    __tablename__ = "article_authority"

    article_id: int = Field(
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("article.id", ondelete="CASCADE"), primary_key=True
        )
    )
    code: str = Field(sa_column=sa.Column(sa.String(9), primary_key=True, index=True))
    name: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    grade: str | None = Field(default=None, sa_column=sa.Column(sa.String(32)))
    previous_grade: str | None = Field(default=None, sa_column=sa.Column(sa.String(32)))
    evidence: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    # The sub-judgements the story states, {area: grade}; null when it states none.
    judgements: dict[str, str] | None = Field(
        default=None, sa_column=sa.Column(sa.JSON(none_as_null=True))
    )


class FeedbackRow(SQLModel, table=True):
    """A reader's label for an article: from a digest's feedback link (`who` is the address
    the link was sent to) or from the web app (the signed-in user). One per article and
    reader: a later label from the same reader replaces the earlier one. The classifier's own
    answer stays in `classification`."""

    __tablename__ = "feedback"
    __table_args__ = (sa.UniqueConstraint("article_id", "who"),)

    id: int | None = Field(default=None, primary_key=True)
    article_id: int = Field(
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("article.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    digest_id: int | None = Field(
        default=None,
        sa_column=sa.Column(sa.Integer, sa.ForeignKey("digest.id", ondelete="SET NULL")),
    )
    who: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    label: str = Field(sa_column=sa.Column(sa.String(16), nullable=False))
    themes: list[str] | None = Field(default=None, sa_column=sa.Column(sa.JSON))
    created_at: datetime = Field(sa_column=sa.Column(_utc(), nullable=False))


class ArticleLabelRow(SQLModel, table=True):
    """The readers' current label of an article (the latest feedback on it), which wins over
    the classifier's answer in the web views and in later digests."""

    __tablename__ = "article_label"

    article_id: int = Field(
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("article.id", ondelete="CASCADE"), primary_key=True
        )
    )
    label: str = Field(sa_column=sa.Column(sa.String(16), nullable=False, index=True))
    themes: list[str] | None = Field(default=None, sa_column=sa.Column(sa.JSON))
    who: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(_utc(), nullable=False))


# Full-text search lives outside the models: an FTS5 table with its triggers on SQLite,
# generated columns with GIN indexes on PostgreSQL (a tsvector, migration 20261201_web, and
# its adjacent word pairs, 20261201_search_pairs). Schema comparisons (tests, autogenerate)
# skip these names.
SEARCH_OBJECTS = frozenset(
    {
        "article_fts",
        "search_vector",
        "ix_article_search_vector",
        "search_pairs",
        "ix_article_search_pairs",
    }
)


def is_modelled(name: str | None, type_: str, parent_names: object = None) -> bool:
    """An alembic `include_name` hook: False for the search objects the models do not own."""
    if name is None:
        return True
    return not (name in SEARCH_OBJECTS or name.startswith("article_fts_"))
