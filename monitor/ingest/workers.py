"""A pool of worker processes for CPU-bound, untrusted-input work (feed parsing, extraction).

Unlike concurrent.futures, a job that runs past its time limit gets its own worker killed and
replaced, and each worker runs under an address-space limit, so a hostile document (an XML
entity bomb, a page that sends trafilatura into a 15-second loop) fails that one document and
nothing else.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import multiprocessing.forkserver as forkserver
import resource
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, TypeVar

from monitor.errors import MonitorError, WorkerError

T = TypeVar("T")
MIB = 1024 * 1024
_PRELOAD = ["monitor.ingest.feeds", "monitor.ingest.extract", "trafilatura"]

# The fork server (one per process, shared by every pool) holds the preloaded modules: when no
# worker of any pool is alive it is stopped too, and the next worker starts it again.
_live_lock = threading.Lock()
_live_workers = 0


def _count_worker(change: int) -> None:
    """The caller holds `_live_lock`."""
    global _live_workers
    _live_workers += change


def _stop_fork_server_if_unused() -> None:
    with _live_lock:
        if _live_workers == 0:
            stop = getattr(forkserver._forkserver, "_stop", None)
            if stop is not None:
                stop()


def _worker_main(conn: Connection, memory_bytes: int) -> None:
    if memory_bytes > 0:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):  # the parent is gone: exit quietly
            return
        if job is None:
            return
        fn, args = job
        try:
            reply: tuple[str, Any] = ("ok", fn(*args))
        except MemoryError:
            reply = ("err", WorkerError("the document needed more memory than a worker may use"))
        except MonitorError as exc:
            reply = ("err", exc)
        except Exception as exc:  # a parser bug on odd input must not kill the worker
            reply = ("err", WorkerError(f"{type(exc).__name__}: {exc}"))
        try:
            conn.send(reply)
        except OSError:  # BrokenPipeError: the parent died meanwhile; nobody to tell
            return
        except Exception as exc:  # an unpicklable result or error
            try:
                conn.send(("err", WorkerError(f"worker could not return its result: {exc}")))
            except OSError:
                return


class _Worker:
    """One slot of the pool: its process is started when a job needs it and stopped after
    `idle` seconds without one (or when it is killed for overrunning its time limit)."""

    def __init__(self, context: Any, memory_bytes: int) -> None:
        self._context = context
        self._memory_bytes = memory_bytes
        self._lock = threading.Lock()
        self._process: BaseProcess | None = None
        self._conn: Connection | None = None
        self._busy = False
        self._closed = False
        self._last_used = time.monotonic()

    @property
    def alive(self) -> bool:
        return self._process is not None

    def _start(self) -> tuple[Connection, BaseProcess]:
        parent, child = self._context.Pipe()
        process: BaseProcess = self._context.Process(
            target=_worker_main, args=(child, self._memory_bytes), daemon=True
        )
        with _live_lock:  # never while the fork server is being stopped
            process.start()
            _count_worker(+1)
        child.close()
        self._conn, self._process = parent, process
        return parent, process

    def _end(self, *, kill: bool) -> None:
        """Stop the process, if any (the caller holds the lock)."""
        process, conn = self._process, self._conn
        self._process = self._conn = None
        if process is None or conn is None:
            return
        with _live_lock:
            _count_worker(-1)
        if not kill:
            try:
                conn.send(None)
            except (OSError, BrokenPipeError):
                pass
            process.join(timeout=2)
        if process.is_alive():
            process.kill()
            process.join(timeout=2)
        conn.close()

    def _discard(self, process: BaseProcess) -> None:
        """Kill `process` if it is still this slot's: the next job starts a fresh one."""
        with self._lock:
            if self._process is process:
                self._end(kill=True)

    def call(self, fn: Callable[..., Any], args: tuple[Any, ...], timeout: float) -> Any:
        """Runs in a thread: send the job and wait for its reply or its deadline."""
        with self._lock:
            if self._closed:
                raise WorkerError("the worker pool is shutting down")
            conn, process = (
                (self._conn, self._process)
                if self._conn is not None and self._process is not None
                else self._start()
            )
            self._busy = True
        try:
            try:
                conn.send((fn, args))
                if not conn.poll(timeout):
                    self._discard(process)
                    raise WorkerError(
                        f"gave up after {timeout:g} s (MONITOR_WORKER_TIMEOUT); the document is "
                        "too large or pathological to process"
                    )
                status, value = conn.recv()
            except (EOFError, OSError, BrokenPipeError) as exc:
                code = process.exitcode
                self._discard(process)
                raise WorkerError(
                    f"worker process died (exit code {code}) on this document"
                ) from exc
        finally:
            with self._lock:
                self._busy = False
                self._last_used = time.monotonic()
        if status == "err":
            raise value
        return value

    def stop_if_idle(self, idle: float) -> None:
        stopped = False
        with self._lock:
            if self._process is not None and not self._busy:
                if time.monotonic() - self._last_used >= idle:
                    self._end(kill=False)
                    stopped = True
        if stopped:
            _stop_fork_server_if_unused()

    def stop(self, *, kill: bool = False) -> None:
        """Stop for good. A kill does not wait for the lock: a job in progress is abandoned
        (its thread sees the pipe close and reports the document failed)."""
        self._closed = True
        if kill:
            process = self._process
            if process is not None and process.is_alive():
                process.kill()
        with self._lock:
            self._end(kill=kill)


class WorkerPool:
    """`await pool.run(fn, *args)` runs a top-level function in a worker process.

    Workers start when there is work and exit after `idle` seconds without any, so a service
    waiting for its next poll holds no worker processes (nor the fork server's preloaded
    modules)."""

    def __init__(self, size: int, *, timeout: float, memory_mb: int, idle: float = 60.0) -> None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(_PRELOAD)
        self._timeout = timeout
        self._idle_after = idle
        self._workers = [_Worker(context, memory_mb * MIB) for _ in range(max(1, size))]
        self._threads = ThreadPoolExecutor(len(self._workers), thread_name_prefix="worker-io")
        self._idle: asyncio.Queue[_Worker] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closing = threading.Event()
        self._reaper = threading.Thread(target=self._reap, name="worker-reaper", daemon=True)
        self._reaper.start()

    @property
    def size(self) -> int:
        return len(self._workers)

    @property
    def running(self) -> int:
        """How many worker processes are alive now."""
        return sum(worker.alive for worker in self._workers)

    def _reap(self) -> None:
        every = min(max(self._idle_after / 4, 0.05), 5.0)
        while not self._closing.wait(every):
            for worker in self._workers:
                worker.stop_if_idle(self._idle_after)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        if self._idle is None or self._loop is not loop:  # a queue belongs to one event loop
            self._idle, self._loop = asyncio.Queue(), loop
            for worker in self._workers:
                self._idle.put_nowait(worker)
        idle = self._idle
        worker = await idle.get()
        future = loop.run_in_executor(self._threads, worker.call, fn, args, self._timeout)
        # The worker goes back only when its job is really over, even if our caller is cancelled.
        future.add_done_callback(lambda _: idle.put_nowait(worker))
        result: T = await asyncio.shield(future)
        return result

    def close(self, *, kill: bool = False) -> None:
        """Stop the workers; `kill` ends them at once, abandoning documents in progress (a
        service shutting down must not wait out a worker's time limit)."""
        self._closing.set()
        if kill:
            for worker in self._workers:
                worker.stop(kill=True)
        self._threads.shutdown(wait=True, cancel_futures=True)
        if not kill:
            for worker in self._workers:
                worker.stop()
        self._reaper.join()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
