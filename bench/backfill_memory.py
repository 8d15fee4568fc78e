"""Memory during a 5,000-article backfill (target: largest process under 400 MB).

Runs `monitor backfill urls` on 5,000 URLs of the local bench server (pages served with
--unique, so copies are not all one article) and samples the resident memory of the command
and every process below it (worker processes, the fork server) every 0.2 s.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from serve import start_server

ARTICLES = 5000


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(children.get(current, []))
    return found


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def main() -> None:
    server, base = start_server(unique=True)
    with tempfile.TemporaryDirectory() as tmp:
        urls = Path(tmp) / "urls.txt"
        urls.write_text("".join(f"{base}/article/{i}.html\n" for i in range(ARTICLES)))
        env = {
            **os.environ,
            "MONITOR_DATA_DIR": str(Path(tmp) / "data"),
            "MONITOR_ALLOW_HOSTS": base.removeprefix("http://"),
            "MONITOR_LOAD_DEFAULT_FEEDS": "false",
            "MONITOR_LOG_LEVEL": "WARNING",
        }
        started = time.perf_counter()
        command = subprocess.Popen(
            [sys.executable, "-m", "monitor", "backfill", "urls", str(urls)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        peak: dict[int, float] = {}
        while command.poll() is None:
            for pid in descendants(command.pid):
                peak[pid] = max(peak.get(pid, 0.0), rss_mb(pid))
            time.sleep(0.2)
        elapsed = time.perf_counter() - started
        output = command.stdout.read() if command.stdout else ""
    server.shutdown()
    print(output.strip().splitlines()[0] if output.strip() else "(no output)")
    main_peak = peak.get(command.pid, 0.0)
    others = sorted((v for k, v in peak.items() if k != command.pid), reverse=True)
    print(f"{ARTICLES} URLs in {elapsed:.0f} s ({ARTICLES / elapsed:.1f}/s)")
    print(
        f"peak RSS: command {main_peak:.0f} MB; other processes {', '.join(f'{v:.0f}' for v in others[:4])} MB "
        f"(target: largest under 400 MB)"
    )


if __name__ == "__main__":
    main()
