"""Memory of `monitor run` at rest, and the cost of the first poll after idling (target: the
service and all its processes under 150 MB while it waits for its next poll).

Serves four feeds of the bench corpus (381 pages) on 127.0.0.1, runs `monitor run` on them
with a poll interval of `--interval` seconds, and after the first poll (which stores every
article) samples the sum of the resident memory (RSS) of the service and every process below
it (the fork server, the resource tracker, workers) once a second until the second poll.
Runs twice: with workers exiting after `--idle` seconds without work (MONITOR_WORKER_IDLE),
and with workers kept (an idle limit longer than the run), so the second poll's time shows
what starting the workers again costs. The second poll finds the feeds unchanged: it parses
them and stores nothing.

    .venv/bin/python bench/memory_at_rest.py [--interval 150] [--idle 60]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from backfill_memory import descendants, rss_mb
from serve import feed_xml, load_pages, start_server

from monitor.ingest.feeds import parse_feed
from monitor.ingest.jobs import process_page
from monitor.ingest.workers import WorkerPool

FEEDS = 4
_POLL = re.compile(r"poll: polled (\d+) source")


@dataclass
class Run:
    idle: float
    first_poll: float = 0.0  # seconds from start to the end of the first poll
    at_rest: list[tuple[float, int, float]] = field(default_factory=list)  # (t, processes, MB)
    processes: str = ""  # the last sample, process by process


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return "?"


def name(pid: int) -> str:
    line = cmdline(pid)
    if "monitor run" in line:
        return "service"
    if "resource_tracker" in line:
        return "resource tracker"
    if "forkserver" in line:  # the fork server, or a worker it forked
        try:
            ppid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            return "?"
        return "worker" if "forkserver" in cmdline(ppid) else "fork server"
    return line[:40]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def service(base: str, data: Path, idle: float, rest: float) -> Run:
    """`monitor run` until `rest` seconds after its first poll, sampling its memory."""
    env = {
        **os.environ,
        "MONITOR_DATA_DIR": str(data),
        "MONITOR_ALLOW_HOSTS": base.removeprefix("http://"),
        "MONITOR_LOAD_DEFAULT_FEEDS": "false",
        "MONITOR_LOG_LEVEL": "INFO",
        "MONITOR_POLL_INTERVAL": "1h",
        "MONITOR_WORKER_IDLE": f"{idle:g}",
        "MONITOR_WORKERS": "2",
        "MONITOR_WEB_BIND": f"127.0.0.1:{free_port()}",  # the web app runs too, as by default
    }
    for n in range(FEEDS):
        subprocess.run(
            [sys.executable, "-m", "monitor", "sources", "add", f"{base}/feed/{n}.xml"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    run = Run(idle)
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "monitor", "run"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    stderr = process.stderr
    lines: list[str] = []
    polled = threading.Event()

    def read() -> None:
        for line in stderr:
            lines.append(line)
            if _POLL.search(line) and not polled.is_set():
                run.first_poll = time.monotonic() - started
                polled.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        while process.poll() is None and not polled.wait(1):
            pass
        if not polled.is_set():
            sys.exit("the service stopped before its first poll:\n" + "".join(lines[-20:]))
        while time.monotonic() - started < run.first_poll + rest:
            pids = descendants(process.pid)
            sizes = [rss_mb(pid) for pid in pids]
            run.at_rest.append((time.monotonic() - started - run.first_poll, len(pids), sum(sizes)))
            run.processes = ", ".join(
                f"{name(pid)} {mb:.0f}" for pid, mb in zip(pids, sizes, strict=True)
            )
            time.sleep(1)
    finally:
        process.terminate()
        process.wait(30)
        reader.join(5)
    return run


async def timed(pool: WorkerPool, feeds: list[bytes], pages: list[bytes]) -> float:
    """A poll's work for the workers: parse each feed, extract each page."""
    began = time.perf_counter()
    await asyncio.gather(
        *(pool.run(parse_feed, feed, {}, "https://bench.example/feed") for feed in feeds),
        *(pool.run(process_page, page, "https://bench.example/article") for page in pages),
    )
    return time.perf_counter() - began


def first_poll_after_idling(pages: list[bytes], idle: float) -> tuple[float, float, float]:
    """The worker side of a poll of four feeds with ten new pages, on two workers: (on a new
    pool, after its workers exited, with its workers running), in seconds."""
    feeds = [feed_xml("https://bench.example", list(range(n, 381, FEEDS))) for n in range(FEEDS)]
    work = pages[:10]
    with WorkerPool(2, timeout=60, memory_mb=1024, idle=idle) as pool:
        new = asyncio.run(timed(pool, feeds, work))
        while pool.running:
            time.sleep(0.1)
        time.sleep(1)  # the fork server stops just after the last worker
        after_idle = asyncio.run(timed(pool, feeds, work))
        warm = asyncio.run(timed(pool, feeds, work))
    return new, after_idle, warm


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--idle", type=float, default=60.0, help="MONITOR_WORKER_IDLE, seconds")
    args = parser.parse_args()
    rest = args.idle + 20
    server, base = start_server(feeds=FEEDS)
    try:
        runs = []
        for idle in (args.idle, 100 * rest):
            with tempfile.TemporaryDirectory() as tmp:
                runs.append(service(base, Path(tmp) / "data", idle, rest))
    finally:
        server.shutdown()
    for run in runs:
        label = "workers exit when idle" if run.idle == args.idle else "workers kept"
        print(f"{label} (MONITOR_WORKER_IDLE={run.idle:g} s):")
        print(
            f"  first poll (stores {len(load_pages())} articles) ended {run.first_poll:.0f} s after start"
        )
        soon = [s for s in run.at_rest if s[0] < 5]
        late = [s for s in run.at_rest if s[0] >= args.idle + 10]
        for name, samples in (("just after the poll", soon), ("at rest", late)):
            if samples:
                mb = [s[2] for s in samples]
                print(
                    f"  {name} ({samples[0][0]:.0f}-{samples[-1][0]:.0f} s after it): "
                    f"{min(mb):.0f}-{max(mb):.0f} MB in {samples[-1][1]} processes"
                )
        print(f"  at the end, in MB: {run.processes}")
    new, after_idle, warm = first_poll_after_idling(load_pages(), idle=1.0)
    print("the workers' share of a poll (4 feeds parsed, 10 pages extracted, 2 workers):")
    print(f"  on a new pool (the fork server and the workers start): {new:.2f} s")
    print(f"  first poll after the workers exited (they start again): {after_idle:.2f} s")
    print(f"  with the workers running: {warm:.2f} s")


if __name__ == "__main__":
    main()
