"""A poll cycle over 200 feeds that all answer 304 Not Modified (target: under 1 s).

The first cycle stores each feed's ETag; the measured cycles send it back and get 304s.
Measured in process (the cycle, not the command's start-up), over a few repetitions.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from pathlib import Path

from serve import start_server

from monitor.app import open_app
from monitor.config import load_settings

FEEDS = 200


async def cycles(app: object, rounds: int) -> list[tuple[float, str]]:
    results = []
    async with app.pipeline() as pipeline:  # type: ignore[attr-defined]
        await pipeline.poll(force=True)
        for _ in range(rounds):
            started = time.perf_counter()
            report = await pipeline.poll(force=True)
            results.append((time.perf_counter() - started, report.summary()))
    return results


def measure(max_per_host: int) -> None:
    server, base = start_server()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.update(
            MONITOR_MAX_PER_HOST=str(max_per_host),
            MONITOR_DATA_DIR=str(Path(tmp) / "data"),
            MONITOR_ALLOW_HOSTS=base.removeprefix("http://"),
            MONITOR_LOAD_DEFAULT_FEEDS="false",
            MONITOR_LOG_LEVEL="WARNING",
        )
        app = open_app(load_settings())
        for n in range(FEEDS):
            app.store.add_source(f"{base}/unchanged/{n}.xml", None, None, app.clock())
        results = asyncio.run(cycles(app, 5))
        app.engine.dispose()
    server.shutdown()
    times = sorted(t for t, _ in results)
    print(
        f"{FEEDS} unchanged feeds, MONITOR_MAX_PER_HOST={max_per_host}: "
        f"median {times[len(times) // 2]:.2f} s, best {times[0]:.2f} s ({results[-1][1]})"
    )


def main() -> None:
    # All feeds share one host here: the default politeness limit (2 requests at a time per
    # host) serialises them. Real feeds are spread over many hosts; 16 emulates that.
    measure(2)
    measure(16)


if __name__ == "__main__":
    main()
