"""The composition root: settings in, wired collaborators out.

Every entry point (the CLI, the service, benchmarks, tests) gets its stores, locks, fetcher,
workers, classifier and digest service from an App, never by building its own. The seams
for tests are the arguments of `open_app`: `clock`, `transport` (an httpx transport in
place of the network) and `classifier`.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import cast

import httpx
from sqlalchemy.engine import Engine

from monitor.bundled import bundled_path
from monitor.classify import AuthorityClassifier, Classifier, ThemeBook, load_gazetteer, load_themes
from monitor.classify.model import load_model
from monitor.config import Settings
from monitor.digest.lifecycle import DigestOptions, DigestService
from monitor.digest.mailer import Mailer, make_mailer, require_recipients
from monitor.digest.render import Settings as RenderSettings
from monitor.errors import NoDatabaseError
from monitor.ingest.discovery import Discovery, discover_feed
from monitor.ingest.fetch import Fetcher, FetchPolicy
from monitor.ingest.jobs import ShippedClassifier
from monitor.ingest.netguard import AllowList
from monitor.ingest.pipeline import Pipeline
from monitor.ingest.policy import PollPolicy
from monitor.ingest.progress import Progress
from monitor.ingest.seeds import SeedFeed, load_feeds
from monitor.ingest.workers import WorkerPool
from monitor.models import Clock, FeedbackLabel, Poller, utcnow
from monitor.storage.db import (
    describe_database,
    has_schema,
    is_current,
    make_engine,
    schema_lock,
    sqlite_path,
    upgrade,
)
from monitor.storage.digests import DigestStore
from monitor.storage.locks import AdvisoryLock, FileLock, is_locked, make_lock, this_poller
from monitor.storage.store import Store
from monitor.tokens import FeedbackClaim, Signer, load_or_create_key

log = logging.getLogger(__name__)

# Meta keys the service records for `status` and for other instances.
FIRST_STARTED = "service_first_started_at"
DIGEST_SENDER = "digest_sender"

Lock = FileLock | AdvisoryLock


@dataclass
class App:
    settings: Settings
    engine: Engine
    store: Store
    digest_store: DigestStore
    clock: Clock
    classify: Classifier
    transport: httpx.AsyncBaseTransport | None = None
    # This process as its claims on sources name it, and how long its heartbeat lasts (the
    # service heartbeats every poll tick and shortens it; see Service).
    poller: Poller = field(default_factory=this_poller)
    poller_ttl: timedelta = timedelta(minutes=15)
    _shipped: ShippedClassifier | None = field(default=None, repr=False)
    _signer: Signer | None = field(default=None, repr=False)

    # --- ingest --------------------------------------------------------------------------

    def fetcher(self) -> Fetcher:
        s = self.settings
        policy = FetchPolicy(
            connect_timeout=s.connect_timeout,
            read_timeout=s.read_timeout,
            deadline=s.request_deadline,
            max_redirects=s.max_redirects,
            max_connections=s.max_connections,
            max_per_host=s.max_per_host,
            user_agent=s.user_agent,
        )
        return Fetcher(
            policy,
            AllowList.parse(s.allow_hosts),
            proxy=s.proxy_url,
            clock=self.clock,
            transport=self.transport,
        )

    def workers(self) -> WorkerPool:
        s = self.settings
        return WorkerPool(
            s.workers,
            timeout=s.worker_timeout,
            memory_mb=s.worker_memory_mb,
            idle=s.worker_idle,
        )

    def poll_policy(self) -> PollPolicy:
        s = self.settings
        return PollPolicy(
            s.poll_interval,
            s.max_backoff,
            s.feed_max_bytes,
            s.page_max_bytes,
            s.fetch_pages,
            s.new_source_lookback,
            max_entries_per_poll=s.max_entries_per_poll,
            poller_ttl=self.poller_ttl,
        )

    def shipped_classifier(self) -> ShippedClassifier:
        """The classifier, pickled once for the worker processes."""
        if self._shipped is None:
            self._shipped = ShippedClassifier.of(self.classify)
        return self._shipped

    async def discover_feed(self, url: str) -> Discovery:
        """The feed at `url`, or the one a page at `url` links (`sources add`, the Sources
        page); raises SourceError when there is none."""
        with self.workers() as workers:
            async with self.fetcher() as fetcher:
                return await discover_feed(fetcher, workers, url, self.settings.feed_max_bytes)

    @contextlib.asynccontextmanager
    async def pipeline(
        self,
        progress: Progress | None = None,
        *,
        workers: WorkerPool | None = None,
        log_failures: bool = True,
    ) -> AsyncIterator[Pipeline]:
        """A pipeline with its own fetcher, and its own worker pool unless one is given;
        `log_failures=False` for a command that prints each failure in its summary."""
        with contextlib.ExitStack() as stack:
            pool = workers or stack.enter_context(self.workers())
            async with self.fetcher() as fetcher:
                yield Pipeline(
                    self.store,
                    fetcher,
                    pool,
                    self.shipped_classifier(),
                    self.poll_policy(),
                    self.clock,
                    progress,
                    log_failures=log_failures,
                    poller=self.poller,
                )

    # --- digests -------------------------------------------------------------------------

    def mailer(self) -> Mailer:
        s = self.settings
        return make_mailer(
            s.smtp_url,
            outbox=s.effective_outbox_dir,
            password=s.smtp_password.get_secret_value() if s.smtp_password else None,
            password_file=s.smtp_password_file,
            ca_file=s.smtp_ca_file,
            timeout=s.smtp_timeout,
        )

    def digests(self, mailer: Mailer | None = None) -> DigestService:
        """The digest service; raises ConfigError when the mail settings cannot work."""
        s = self.settings
        mailer = mailer or self.mailer()
        require_recipients(mailer, s.digest_to)
        options = DigestOptions(
            sender=s.digest_from,
            recipients=tuple(s.digest_to),
            send_empty=s.digest_send_empty,
            theme_names={t.id: t.name for t in self.classify.book.themes},
            render=RenderSettings(
                zone=s.zone,
                schedule=s.digest_cron,
                themes=str(s.themes_file) if s.themes_file else "the built-in themes file",
            ),
            feedback_url=self.feedback_url if s.base_url else None,
            max_items=s.digest_max_items,
            archive_url=f"{s.base_url}/articles" if s.base_url else None,
        )
        # Longer than any one delivery can take, so a live sender never loses its claim.
        lease = timedelta(seconds=max(300.0, 10 * s.smtp_timeout))
        return DigestService(self.digest_store, mailer, options, self.clock, lease)

    # --- the web app and feedback -------------------------------------------------------

    def signer(self) -> Signer:
        """Signs feedback links and sessions with MONITOR_SECRET_KEY, or with a key made
        once into the data folder (set the setting when several machines share a database)."""
        if self._signer is None:
            s = self.settings
            configured = s.secret_key.get_secret_value() if s.secret_key else None
            self._signer = Signer(load_or_create_key(configured, s.data_dir))
        return self._signer

    def feedback_url(self, article_id: int, period: str, recipient: str, action: str) -> str:
        """The signed link a digest carries for one answer about one article."""
        claim = FeedbackClaim(article_id, period, recipient, cast(FeedbackLabel, action))
        return f"{self.settings.base_url}/feedback/{self.signer().feedback_token(claim)}"

    # --- coordination between processes --------------------------------------------------

    def lock(self, name: str) -> Lock:
        """A lock between processes on this database (`digests`, `service`)."""
        return make_lock(self.engine, name)

    def digest_lock(self) -> Lock:
        """Held by the one process that sends digests."""
        return self.lock("digests")

    def record_digest_sender(self, instance: str, since: datetime) -> None:
        self.store.set_meta(
            DIGEST_SENDER, json.dumps({"instance": instance, "since": since.isoformat()})
        )

    def digest_sender(self) -> dict[str, str | None] | None:
        """Which instance holds the digest lock now, or None when no process holds it."""
        if not is_locked(self.digest_lock()):
            return None
        recorded = self.store.get_meta(DIGEST_SENDER)
        if not recorded:
            return {"instance": "unknown", "since": None}
        found: dict[str, str | None] = json.loads(recorded)
        return found

    def first_started(self) -> datetime | None:
        started = self.store.get_meta(FIRST_STARTED)
        return datetime.fromisoformat(started) if started else None

    def record_first_start(self, now: datetime) -> datetime:
        """The service's first start, recorded once in the database's life."""
        started = self.store.set_meta(FIRST_STARTED, now.isoformat(), only_if_missing=True)
        return datetime.fromisoformat(started)

    def close(self) -> None:
        self.engine.dispose()


def open_app(
    settings: Settings,
    *,
    clock: Clock = utcnow,
    migrate: bool = True,
    transport: httpx.AsyncBaseTransport | None = None,
    classifier: Classifier | None = None,
    create: bool = True,
) -> App:
    """Connect, apply migrations and, on a new database, subscribe to the default feeds.

    With `create=False` (the read-only commands) a database that does not exist yet is not
    created: NoDatabaseError says where it was looked for. Seed files are read first, so
    that a broken one fails before anything connects."""
    classify = classifier or build_classifier(settings)
    # A read-only command never subscribes a database to the default feeds.
    subscribe = settings.load_default_feeds and create
    feeds = load_feeds(bundled_path("seeds") / "feeds.toml") if subscribe else []
    url = settings.effective_database_url
    path = sqlite_path(url)
    if not create and path is not None and not path.is_file():
        raise NoDatabaseError(no_database_message(url))
    engine = make_engine(url)
    try:
        if not create and not has_schema(engine):
            raise NoDatabaseError(no_database_message(url))
        store = Store(engine)
        if migrate:
            with schema_lock(engine):
                _set_up(engine, store, feeds, clock)
    except BaseException:
        engine.dispose()
        raise
    return App(settings, engine, store, DigestStore(engine), clock, classify, transport)


def no_database_message(url: str) -> str:
    return (
        f"no database at {describe_database(url)}: start the service with `monitor run`, "
        "or set MONITOR_DATA_DIR"
    )


def upgrade_database(settings: Settings) -> None:
    """Apply every migration to the configured database (`monitor db upgrade`)."""
    engine = make_engine(settings.effective_database_url)
    try:
        with schema_lock(engine):
            upgrade(engine)
    finally:
        engine.dispose()


def build_classifier(settings: Settings, *, with_model: bool = True) -> AuthorityClassifier:
    """The classifier of the configured themes file, the theme model it names and the
    bundled gazetteer of councils. Read once: a change takes effect when the service
    restarts (then `monitor reclassify` applies it to the archive)."""
    book = load_themes(themes_path(settings))
    model_path = theme_model_path(settings, book)
    model = load_model(model_path) if with_model and model_path else None
    return AuthorityClassifier(book, load_gazetteer(gazetteer_path()), model=model)


def theme_model_path(settings: Settings, book: ThemeBook) -> Path | None:
    """Where the themes file says its model is (relative to the themes file)."""
    return themes_path(settings).parent / book.model_file if book.model_file else None


def _set_up(engine: Engine, store: Store, feeds: list[SeedFeed], clock: Clock) -> None:
    if not is_current(engine):
        log.info("database schema is not current: applying migrations")
    upgrade(engine)
    if feeds:
        added = store.load_default_feeds(((f.url, f.name) for f in feeds), clock())
        if added:
            log.info("new database: subscribed to the %d default feeds", added)


def gazetteer_path() -> Path:
    return bundled_path("seeds") / "authorities.toml"


def themes_path(settings: Settings) -> Path:
    return settings.themes_file or bundled_path("seeds") / "themes.toml"
