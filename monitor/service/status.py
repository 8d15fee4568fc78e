"""What `monitor status` shows, as one value for the command line and the web app."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from monitor.app import App
from monitor.config import config_file
from monitor.digest.schedule import digest_trigger, next_fire
from monitor.ingest.pipeline import UNREACHABLE
from monitor.models import DigestRecord, StatusReport
from monitor.service.health import problems
from monitor.service.shapes import digest_json, iso, source_json
from monitor.storage.db import describe_database


@dataclass(frozen=True)
class ServiceStatus:
    report: StatusReport
    next_poll: datetime | None
    last_success: datetime | None
    next_digest: datetime | None
    last_digest: DigestRecord | None
    last_sent: DigestRecord | None
    sender: dict[str, str | None] | None
    problems: tuple[str, ...]
    schedule: str
    timezone: str
    # The last cycle reached no source at all: the machine looks offline.
    unreachable: bool
    database: str  # the database URL, password masked
    data_dir: str
    settings_file: str | None

    @property
    def healthy(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, Any]:
        """The shape of `monitor status --json`."""
        r = self.report
        return {
            "database": self.database,
            "data_dir": self.data_dir,
            "settings_file": self.settings_file,
            "sources_count": r.sources,
            "articles": r.articles,
            "relevant": r.relevant,
            "unclassified": r.unclassified,
            "sources": [source_json(x) for x in r.source_health],
            "scheduler": {
                "next_poll": iso(self.next_poll),
                "last_successful_poll": iso(self.last_success),
                "next_digest": iso(self.next_digest),
                "digest_schedule": self.schedule,
                "timezone": self.timezone,
                "last_digest": digest_json(self.last_digest) if self.last_digest else None,
                "last_sent_digest": digest_json(self.last_sent) if self.last_sent else None,
                "digest_lock_holder": self.sender,
            },
            "unreachable": self.unreachable,
            "healthy": self.healthy,
            "problems": list(self.problems),
        }


def service_status(app: App) -> ServiceStatus:
    s = app.settings
    now = app.clock()
    report = app.store.status()
    next_poll, last_success = app.store.polling_summary()
    last_digest = app.digest_store.latest()
    failing = [x for x in report.source_health if x.failing]
    unreachable = (
        bool(failing)
        and len(failing) == report.sources
        and app.store.get_meta(UNREACHABLE) == "true"
    )
    settings_file = config_file()
    found = problems(
        now,
        poll_interval=s.poll_interval,
        sources=report.sources,
        last_success=last_success,
        first_started=app.first_started(),
        last_digest=last_digest,
        unreachable=unreachable,
    )
    return ServiceStatus(
        report=report,
        next_poll=next_poll,
        last_success=last_success,
        next_digest=next_fire(digest_trigger(s.digest_cron, s.zone), now),
        last_digest=last_digest,
        last_sent=app.digest_store.latest(sent=True),
        sender=app.digest_sender(),
        problems=tuple(found),
        schedule=s.digest_cron,
        timezone=s.timezone,
        unreachable=unreachable,
        database=describe_database(s.effective_database_url),
        data_dir=str(s.data_dir.absolute()),
        settings_file=str(settings_file) if settings_file else None,
    )
