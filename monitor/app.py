"""The composition root: settings in, wired collaborators out."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy.engine import Engine

from monitor.bundled import bundled_path
from monitor.classify import Classifier, load_themes
from monitor.config import Settings
from monitor.digest.lifecycle import DigestOptions, DigestService
from monitor.digest.mailer import Mailer, make_mailer, require_recipients
from monitor.digest.render import Settings as RenderSettings
from monitor.ingest.fetch import Fetcher, FetchPolicy
from monitor.ingest.netguard import AllowList
from monitor.ingest.pipeline import Pipeline, PollPolicy
from monitor.ingest.progress import Progress
from monitor.ingest.seeds import SeedFeed, load_feeds
from monitor.ingest.workers import WorkerPool
from monitor.models import Clock, utcnow
from monitor.storage.db import is_current, make_engine, schema_lock, upgrade
from monitor.storage.digests import DigestStore
from monitor.storage.store import Store

log = logging.getLogger(__name__)


@dataclass
class App:
    settings: Settings
    engine: Engine
    store: Store
    clock: Clock
    classify: Classifier

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
        return Fetcher(policy, AllowList.parse(s.allow_hosts), proxy=s.proxy_url, clock=self.clock)

    def workers(self) -> WorkerPool:
        s = self.settings
        return WorkerPool(s.workers, timeout=s.worker_timeout, memory_mb=s.worker_memory_mb)

    def poll_policy(self) -> PollPolicy:
        s = self.settings
        return PollPolicy(
            s.poll_interval,
            s.max_backoff,
            s.feed_max_bytes,
            s.page_max_bytes,
            s.fetch_pages,
            s.new_source_lookback,
            str(themes_path(s)),
        )

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
        )
        # Longer than any one delivery can take, so a live sender never loses its claim.
        lease = timedelta(seconds=max(300.0, 10 * s.smtp_timeout))
        return DigestService(DigestStore(self.engine), mailer, options, self.clock, lease)

    @contextlib.asynccontextmanager
    async def pipeline(
        self, progress: Progress | None = None, *, workers: WorkerPool | None = None
    ) -> AsyncIterator[Pipeline]:
        """A pipeline with its own fetcher, and its own worker pool unless one is given."""
        with contextlib.ExitStack() as stack:
            pool = workers or stack.enter_context(self.workers())
            async with self.fetcher() as fetcher:
                yield Pipeline(
                    self.store,
                    fetcher,
                    pool,
                    self.classify,
                    self.poll_policy(),
                    self.clock,
                    progress,
                )


def open_app(settings: Settings, *, clock: Clock = utcnow, migrate: bool = True) -> App:
    """Connect, apply migrations and, on a new database, subscribe to the default feeds.

    Seed files are read first, so that a broken one fails before anything connects."""
    classify = Classifier(load_themes(themes_path(settings)))
    feeds = load_feeds(bundled_path("seeds") / "feeds.toml") if settings.load_default_feeds else []
    engine = make_engine(settings.effective_database_url)
    try:
        store = Store(engine)
        if migrate:
            with schema_lock(engine):
                _set_up(engine, store, feeds, clock)
    except BaseException:
        engine.dispose()
        raise
    return App(settings, engine, store, clock, classify)


def _set_up(engine: Engine, store: Store, feeds: list[SeedFeed], clock: Clock) -> None:
    if not is_current(engine):
        log.info("database schema is not current: applying migrations")
    upgrade(engine)
    if feeds:
        added = store.load_default_feeds(((f.url, f.name) for f in feeds), clock())
        if added:
            log.info("new database: subscribed to the %d default feeds", added)


def themes_path(settings: Settings) -> Path:
    return settings.themes_file or bundled_path("seeds") / "themes.toml"
