"""`monitor run`: the scheduler that polls, sends digests and retries them, unattended.

APScheduler (in-memory job store) only says when to look; the truth lives in our tables:
sources are claimed before they are polled (one poller per source, whatever the number of
processes), and a digest is recorded once per schedule period (see schedule.py), so a double
fire, a restart or a second instance cannot make a second one. Each job runs at most once at
a time (max_instances=1), late runs are coalesced into one, and a late run is never dropped
(no misfire grace limit). Polling is not an APScheduler job: it has its own thread and event
loop (see poll_loop), where each tick starts a cycle over the sources due and not claimed.

On SQLite one service runs at a time: a second one waits as a standby until the first stops.
On PostgreSQL every instance polls, and one at a time, the holder of the `digests` lock, sends
digests; when it dies its lock is released and another instance takes over within a minute.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from datetime import UTC, datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from monitor.app import App, Lock
from monitor.digest.schedule import digest_trigger, latest_fire, next_fire, period_key, poll_tick
from monitor.errors import MonitorError
from monitor.ingest.workers import WorkerPool
from monitor.log import current_job
from monitor.models import PollReport
from monitor.storage.locks import instance_name

log = logging.getLogger(__name__)

RETRY_EVERY = 10.0  # seconds between looks for pending digests that are due
STANDBY_EVERY = 5.0  # seconds between attempts of a standby to take over
STOP_GRACE = 8.0  # seconds the jobs get to finish once asked to stop
CANCEL_CHECK = 0.2
POLL_SLOTS = 4  # poll cycles running at once (each takes the due sources no other holds)


def _log_cycle(cycle: asyncio.Task[PollReport]) -> None:
    if cycle.cancelled():
        return
    error = cycle.exception()
    if isinstance(error, MonitorError):
        log.error("poll failed: %s", error)
        return
    if error is not None:
        log.error("poll failed", exc_info=error)
        return
    report = cycle.result()
    if report.sources_polled:
        log.info(
            "poll: %s",
            report.summary(),
            extra={
                "sources": report.sources_polled,
                "failed": report.sources_failed,
                "new_articles": report.new_articles,
            },
        )


class Service:
    def __init__(self, app: App, stop: threading.Event) -> None:
        self.app = app
        self.stop = stop
        s = app.settings
        self.zone = s.zone
        self.trigger = digest_trigger(s.digest_cron, self.zone)
        self.digests = app.digests()  # raises ConfigError now, not at 07:00
        self.instance = instance_name()
        self.digest_lock = app.digest_lock()
        self.first_started = datetime.min.replace(tzinfo=UTC)
        self._pool: WorkerPool | None = None
        self._standing_by = False
        # This instance's heartbeat: renewed every half tick, it lasts one tick, so the claims
        # of an instance that stopped are freed within two ticks by any other.
        self.tick = poll_tick(s.poll_interval)
        app.poller_ttl = timedelta(seconds=self.tick)

    # --- jobs --------------------------------------------------------------------------

    def poll_loop(self) -> None:
        """Polling, in its own thread and event loop for the service's life: every tick a
        new cycle takes the sources due and not claimed, while earlier cycles may still be
        polling theirs, so a slow source never holds the others back. At most POLL_SLOTS
        cycles run at once; a tick finding them all busy is logged once, not every tick."""
        current_job.set("poll")
        while self._pool is not None and not self.stop.is_set():
            try:
                asyncio.run(self._poll_forever(self._pool))
            except MonitorError as exc:  # set-up failed (the database is down): try again
                log.error("poll failed: %s", exc)
                self.stop.wait(self.tick)

    async def _poll_forever(self, pool: WorkerPool) -> None:
        async with self.app.pipeline(workers=pool) as pipeline:
            cycles: set[asyncio.Task[PollReport]] = set()
            busy_logged = False
            while not self.stop.is_set():
                if len(cycles) < POLL_SLOTS:
                    busy_logged = False
                    cycle = asyncio.ensure_future(pipeline.poll())
                    cycles.add(cycle)
                    cycle.add_done_callback(cycles.discard)
                    cycle.add_done_callback(_log_cycle)
                elif not busy_logged:
                    log.warning(
                        "poll tick skipped: %d poll cycles still running (slow sources); "
                        "said once until one ends",
                        len(cycles),
                    )
                    busy_logged = True
                await self._sleep(self.tick)
            running = set(cycles)  # each cycle leaves `cycles` when it ends
            for cycle in running:
                cycle.cancel()
            if running:
                await asyncio.wait(running)
            if running:
                log.info("poll interrupted by shutdown: %d cycles cut short", len(running))
            else:
                log.info("polling stopped")

    async def _sleep(self, seconds: float) -> None:
        """Wait `seconds`, or less when the service is asked to stop."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while not self.stop.is_set() and loop.time() < deadline:
            await asyncio.sleep(min(CANCEL_CHECK, max(deadline - loop.time(), 0)))

    def heartbeat_job(self) -> None:
        current_job.set("heartbeat")
        if self.stop.is_set():
            return
        try:
            self.free_orphaned_claims()
        except MonitorError as exc:
            log.error("heartbeat: %s", exc)

    def free_orphaned_claims(self, *, unowned: bool = False) -> int:
        """Heartbeat, and give back the claims of pollers that are gone (stopped heartbeating,
        or their process on this host ended); with `unowned`, claims naming no poller too."""
        store, poller, now = self.app.store, self.app.poller, self.app.clock()
        store.heartbeat(poller, now, self.app.poller_ttl)
        released = store.release_orphaned_claims(now, host=poller.host, unowned=unowned)
        if released:
            log.info("%d sources left mid-poll by a stopped process are due again", released)
        return released

    def digest_job(self) -> None:
        """Make sure the digest of the current period exists and is sent. Run at each fire of
        the schedule and once at start-up: a digest missed while the service was down is sent
        then, once, covering the whole gap."""
        current_job.set("digest")
        if self.stop.is_set() or not self._is_digest_sender():
            return
        now = self.app.clock()
        fire = latest_fire(self.trigger, now)
        if fire is None or fire < self.first_started:
            return
        period = period_key(fire, self.zone)
        try:
            self.digests.retry_pending()
            record, created = self.digests.create(period)
            if created and record.status == "pending":
                self.digests.send(record.id)
        except MonitorError as exc:
            log.error("digest %s: %s", period, exc)

    def retry_job(self) -> None:
        current_job.set("retry")
        if self.stop.is_set() or not self._is_digest_sender():
            return
        try:
            self.digests.retry_pending()
        except MonitorError as exc:
            log.error("digest retry: %s", exc)

    def _is_digest_sender(self) -> bool:
        lock = self.digest_lock
        if lock.held():
            return True
        if not lock.acquire():
            if not self._standing_by:
                holder = self.app.digest_sender()
                log.info(
                    "digests are sent by %s; this instance polls only",
                    holder["instance"] if holder else "another instance",
                )
                self._standing_by = True
            return False
        self._standing_by = False
        released = self.digests.release_claims()
        self.app.record_digest_sender(self.instance, self.app.clock())
        log.info(
            "this instance (%s) now sends the digests%s",
            self.instance,
            f"; {released} digests left mid-send by a stopped process will be sent again"
            if released
            else "",
        )
        return True

    # --- running -----------------------------------------------------------------------

    def run(self) -> int:
        service_lock = None
        if not self.app.store.is_postgresql:
            service_lock = self.app.lock("service")
            if not self._wait_for(service_lock):
                return 0
            self.free_orphaned_claims(unowned=True)
        try:
            now = self.app.clock()
            self.first_started = self.app.record_first_start(now)
            with self.app.workers() as pool:
                self._pool = pool
                try:
                    self._schedule(now)
                finally:
                    pool.close(kill=True)
        finally:
            with contextlib.suppress(MonitorError):
                self.app.store.forget_poller(self.app.poller)
            self.digest_lock.release()
            if service_lock is not None:
                service_lock.release()
        log.info("stopped")
        return 0

    def _wait_for(self, lock: Lock) -> bool:
        if lock.acquire():
            return True
        log.info(
            "another `monitor run` is using this SQLite database; waiting as a standby until it "
            "stops (use PostgreSQL to run several instances at once)"
        )
        while not self.stop.wait(STANDBY_EVERY):
            if lock.acquire():
                log.info("the other instance stopped: this one takes over")
                return True
        return False

    def _schedule(self, now: datetime) -> None:
        s = self.app.settings
        tick = self.tick
        scheduler = BackgroundScheduler(
            jobstores={"default": MemoryJobStore()},
            executors={"default": ThreadPoolExecutor(4)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            timezone=self.zone,
        )
        scheduler.add_job(
            self.heartbeat_job,
            IntervalTrigger(seconds=tick / 2, timezone=self.zone),
            id="heartbeat",
            next_run_time=now,
        )
        scheduler.add_job(self.digest_job, self.trigger, id="digest", next_run_time=now)
        scheduler.add_job(
            self.retry_job, IntervalTrigger(seconds=RETRY_EVERY, timezone=self.zone), id="retry"
        )
        scheduler.start()
        poller = threading.Thread(target=self.poll_loop, name="poll", daemon=True)
        poller.start()
        upcoming = next_fire(self.trigger, now)
        log.info(
            "service started: polling every %s s (sources due every %s s), next digest %s (%s), "
            "delivery via %s",
            f"{tick:g}",
            f"{s.poll_interval:g}",
            upcoming.isoformat() if upcoming else "never",
            s.digest_cron,
            self.digests.mailer.describe(),
            extra={"instance": self.instance},
        )
        try:
            self.stop.wait()
        finally:
            log.info("stopping: finishing the current step")
            stopper = threading.Thread(target=scheduler.shutdown, kwargs={"wait": True})
            stopper.start()
            stopper.join(STOP_GRACE)
            poller.join(STOP_GRACE)
            if stopper.is_alive() or poller.is_alive():
                log.warning(
                    "a job is still running after %g s; leaving it (it is retried)", STOP_GRACE
                )
