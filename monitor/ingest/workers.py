"""A pool of worker processes for CPU-bound, untrusted-input work (feed parsing, extraction).

Unlike concurrent.futures, a job that runs past its time limit gets its own worker killed and
replaced, and each worker runs under an address-space limit, so a hostile document (an XML
entity bomb, a page that sends trafilatura into a 15-second loop) fails that one document and
nothing else.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import resource
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, TypeVar

from monitor.errors import MonitorError, WorkerError

T = TypeVar("T")
MIB = 1024 * 1024
_PRELOAD = ["monitor.ingest.feeds", "monitor.ingest.extract", "trafilatura"]


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
    def __init__(self, context: Any, memory_bytes: int) -> None:
        self._context = context
        self._memory_bytes = memory_bytes
        self._start()

    _closing = False

    def _start(self) -> None:
        parent, child = self._context.Pipe()
        process: BaseProcess = self._context.Process(
            target=_worker_main, args=(child, self._memory_bytes), daemon=True
        )
        process.start()
        child.close()
        self._conn: Connection = parent
        self._process = process

    def restart(self) -> None:
        closing = self._closing
        self.stop(kill=True)
        if not closing:  # a pool shutting down does not replace what it just killed
            self._closing = False
            self._start()

    def call(self, fn: Callable[..., Any], args: tuple[Any, ...], timeout: float) -> Any:
        """Runs in a thread: send the job and wait for its reply or its deadline."""
        try:
            self._conn.send((fn, args))
            if not self._conn.poll(timeout):
                self.restart()
                raise WorkerError(
                    f"gave up after {timeout:g} s (MONITOR_WORKER_TIMEOUT); the document is too "
                    "large or pathological to process"
                )
            status, value = self._conn.recv()
        except (EOFError, OSError, BrokenPipeError) as exc:
            code = self._process.exitcode
            self.restart()
            raise WorkerError(f"worker process died (exit code {code}) on this document") from exc
        if status == "err":
            raise value
        return value

    def stop(self, *, kill: bool = False) -> None:
        self._closing = True
        if not kill:
            try:
                self._conn.send(None)
            except (OSError, BrokenPipeError):
                pass
            self._process.join(timeout=2)
        if self._process.is_alive():
            self._process.kill()
            self._process.join(timeout=2)
        self._conn.close()


class WorkerPool:
    """`await pool.run(fn, *args)` runs a top-level function in a worker process."""

    def __init__(self, size: int, *, timeout: float, memory_mb: int) -> None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(_PRELOAD)
        self._timeout = timeout
        self._workers = [_Worker(context, memory_mb * MIB) for _ in range(max(1, size))]
        self._threads = ThreadPoolExecutor(len(self._workers), thread_name_prefix="worker-io")
        self._idle: asyncio.Queue[_Worker] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def size(self) -> int:
        return len(self._workers)

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
        if kill:
            for worker in self._workers:
                worker.stop(kill=True)
        self._threads.shutdown(wait=True, cancel_futures=True)
        if not kill:
            for worker in self._workers:
                worker.stop()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
