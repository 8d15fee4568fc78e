"""`monitor poll` against the trafilatura command line's feed mode, on the same local server.

Serves ../shared/bench-corpus as 10 feeds carrying each of its 381 pages once, then measures:
1. the trafilatura command line (feed mode, one process, its own downloads and extraction);
2. `monitor poll` from an empty SQLite database (fetch, parse, extract, classify, store).
Prints articles per second for each and the ratio, which is what to compare across machines.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from serve import start_server

HERE = Path(__file__).resolve().parent
PYTHON = sys.executable
TRAFILATURA_CONFIG = """[DEFAULT]
DOWNLOAD_TIMEOUT = 30
MAX_FILE_SIZE = 20000000
MIN_FILE_SIZE = 10
SLEEP_TIME = 0
USER_AGENTS =
COOKIE =
MAX_REDIRECTS = 2
SSRF_PROTECTION = off
INSECURE_SSL_FALLBACK = off
MIN_EXTRACTED_SIZE = 250
MIN_OUTPUT_SIZE = 1
MIN_OUTPUT_COMM_SIZE = 1
MAX_TREE_SIZE =
MIN_EXTRACTED_COMM_SIZE = 1
MIN_DUPLCHECK_SIZE = 100
MAX_REPETITIONS = 2
EXTENSIVE_DATE_SEARCH = on
EXTERNAL_URLS = off
"""


def run_trafilatura(base: str, feeds: int, work: Path) -> tuple[float, int]:
    (work / "trafilatura.cfg").write_text(TRAFILATURA_CONFIG)
    named = base.replace("127.0.0.1", "bench.localhost")
    (work / "feeds.txt").write_text("".join(f"{named}/feed/{n}.xml\n" for n in range(feeds)))
    out = work / "trafilatura-out"
    started = time.perf_counter()
    subprocess.run(
        [
            PYTHON,
            str(HERE / "trafilatura_cli.py"),
            "-i",
            str(work / "feeds.txt"),
            "--feed",
            "--config-file",
            str(work / "trafilatura.cfg"),
            "-o",
            str(out),
            "--parallel",
            "1",
        ],
        check=True,
        capture_output=True,
    )
    elapsed = time.perf_counter() - started
    return elapsed, len(list(out.glob("*"))) if out.exists() else 0


def run_monitor(base: str, feeds: int, work: Path) -> tuple[float, int]:
    env = {
        **os.environ,
        "MONITOR_DATA_DIR": str(work / "data"),
        "MONITOR_ALLOW_HOSTS": base.removeprefix("http://"),
        "MONITOR_LOAD_DEFAULT_FEEDS": "false",
        "MONITOR_LOG_LEVEL": "WARNING",
    }
    monitor = [PYTHON, "-m", "monitor"]
    for n in range(feeds):
        subprocess.run(
            [*monitor, "sources", "add", f"{base}/feed/{n}.xml", "--no-check"],
            env=env,
            check=True,
            capture_output=True,
        )
    started = time.perf_counter()
    done = subprocess.run([*monitor, "poll"], env=env, check=True, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    print("  monitor:", done.stdout.strip())
    status = subprocess.run(
        [*monitor, "articles", "--json"], env=env, check=True, capture_output=True, text=True
    )
    return elapsed, len(status.stdout.splitlines())


def main() -> None:
    feeds = 10
    server, base = start_server(feeds)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            cpu = time.process_time()
            t_time, t_count = run_trafilatura(base, feeds, work)
            t_server, cpu = time.process_time() - cpu, time.process_time()
            m_time, m_count = run_monitor(base, feeds, work)
            m_server = time.process_time() - cpu
    finally:
        server.shutdown()
    t_rate, m_rate = t_count / t_time, m_count / m_time
    print(
        f"trafilatura CLI feed mode: {t_count} articles in {t_time:.1f} s = {t_rate:.1f} articles/s"
    )
    print(
        f"monitor poll:              {m_count} articles in {m_time:.1f} s = {m_rate:.1f} articles/s"
    )
    print(f"ratio monitor / trafilatura: {m_rate / t_rate:.2f}x (target >= 1.8x)")
    print(
        f"CPU used by the benchmark's own HTTP server: {t_server:.1f} s during trafilatura, "
        f"{m_server:.1f} s during monitor"
    )


if __name__ == "__main__":
    main()
