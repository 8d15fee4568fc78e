"""Factories behind fixtures that open several Apps or Services in one test, each with its
settings from the environment, and close them all afterwards."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest

from monitor.app import FIRST_STARTED, App, open_app
from monitor.config import load_settings
from monitor.service.scheduler import Service
from tests.support.clock import Clock
from tests.support.smtp import SmtpServer


@dataclass
class AppFactory:
    """Opens Apps on the test database with `clock`: `make_app(smtp, digest_send_empty="true")`
    delivers to `smtp` and sets MONITOR_DIGEST_SEND_EMPTY first."""

    monkeypatch: pytest.MonkeyPatch
    clock: Clock
    opened: list[App] = field(default_factory=list)

    def __call__(self, smtp: SmtpServer | None = None, **settings: str) -> App:
        if smtp is not None:
            self.monkeypatch.setenv("MONITOR_SMTP_URL", f"smtp://127.0.0.1:{smtp.port}")
            self.monkeypatch.setenv("MONITOR_DIGEST_TO", "policy@example.org, dcs@example.org")
        for name, value in settings.items():
            self.monkeypatch.setenv(f"MONITOR_{name.upper()}", value)
        app = open_app(load_settings(), clock=self.clock)
        self.opened.append(app)
        return app

    def close(self) -> None:
        for app in self.opened:
            app.engine.dispose()


@dataclass
class ServiceFactory:
    """Makes Services (as separate processes would be) delivering digests to `server`."""

    monkeypatch: pytest.MonkeyPatch
    server: SmtpServer
    made: list[Service] = field(default_factory=list)

    def __call__(
        self, clock: Clock, *, cron: str = "0 7 * * *", first_started: datetime | None = None
    ) -> Service:
        self.monkeypatch.setenv("MONITOR_DIGEST_CRON", cron)
        app = open_app(load_settings(), clock=clock)
        started = first_started or clock.now - timedelta(days=30)
        app.store.set_meta(FIRST_STARTED, started.isoformat(), only_if_missing=True)
        service = Service(app, threading.Event())
        service.first_started = datetime.fromisoformat(app.store.get_meta(FIRST_STARTED) or "")
        self.made.append(service)
        return service

    def close(self) -> None:
        for service in self.made:
            service.digest_lock.release()
            service.app.engine.dispose()
