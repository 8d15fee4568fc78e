"""The web app's speed over 100,000 stored articles, and what serving it costs `monitor run`.

    .venv/bin/python bench/web_speed.py [DATABASE_URL] [--requests N] [--memory-only]

Fills a fresh database (a SQLite file in a temporary folder unless a URL is given; a
PostgreSQL URL names an empty database it may fill) straight through SQL with 100,000
classified articles over 24 months (a quarter relevant, with themes and evidence; some about
councils; what the storage files them under, `article.filed_relevant` and `article_theme`,
written as the storage would), then serves it with `monitor web` (uvicorn, a real process on 127.0.0.1) and times
each page with a real HTTP client (httpx, one keep-alive connection, after a warm-up): p50
and p95 of N requests (targets: the articles page and search under 50 ms at p95, the Themes
chart under 200 ms). Then starts `monitor run` over an empty database twice, with the app off
(MONITOR_WEB_BIND empty) and on, and compares the idle service's resident memory (target:
the app adds under 30 MB).
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import httpx
import sqlalchemy as sa

from monitor.app import open_app
from monitor.config import load_settings
from monitor.storage.tables import metadata

TOTAL = 100_000
NOW = datetime.now(UTC).replace(microsecond=0)
MONTHS = 24
WORDS = (
    "ofsted inspectors council children services social workers care leavers placements "
    "assessment plan review court family foster residential homes agency staff caseloads "
    "leaders managers oversight practice improvement commissioner department education "
    "judgement inadequate good outstanding requires improvement report findings visit "
    "monitoring quality decisions risk harm neglect protection safeguarding partners police "
    "health schools budget funding recruitment retention turnover training supervision the "
    "a of in to and for with on by from was were had said found that this which their"
).split()
COUNCILS = [
    ("E08000025", "Birmingham"),
    ("E08000024", "Sunderland"),
    ("E09000012", "Hackney"),
    ("E06000023", "Bristol"),
    ("E10000016", "Kent"),
]
GRADES = ["inadequate", "requires improvement", "good", "outstanding"]
ROOT = Path(__file__).resolve().parents[1]
MONITOR = [sys.executable, "-m", "monitor"]


def text_of(rng: random.Random, n: int) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(100, 200))]
    words[rng.randrange(len(words))] = f"story{n}"  # one rare word per article
    return "\n".join(
        " ".join(words[i : i + 15]).capitalize() + "." for i in range(0, len(words), 15)
    )


def fill(url: str) -> None:
    rng = random.Random(13)
    app = open_app(load_settings(database_url=url, load_default_feeds=False))
    themes = [t.id for t in app.classify.book.themes]
    tables = metadata.tables
    with app.engine.begin() as connection:
        for start in range(0, TOTAL, 5000):
            articles, labels, councils = [], [], []
            filed: list[dict[str, object]] = []
            for i in range(start + 1, start + 5001):
                seen = NOW - timedelta(minutes=rng.randint(1, MONTHS * 30 * 1440))
                relevant = rng.random() < 0.25
                text = text_of(rng, i)
                articles.append(
                    {
                        "id": i,
                        "url": f"https://news.example/{i}",
                        "source_name": rng.choice(
                            ["Community Care", "CYP Now", "GOV.UK", "Local Gazette"]
                        ),
                        "origin": "poll" if i % 3 else "backfill",
                        "title": f"Story {i} about children's services",
                        "text": text,
                        "date_status": "ok",
                        "published_at": seen - timedelta(hours=1),
                        "first_seen_at": seen,
                        "sort_at": seen - timedelta(hours=1),
                        "filed_relevant": relevant,  # no reader's labels here
                    }
                )
                chosen = rng.sample(themes, rng.randint(1, 3)) if relevant else []
                filed.extend(
                    {"article_id": i, "theme_id": t, "sort_at": seen - timedelta(hours=1)}
                    for t in chosen
                )
                labels.append(
                    {
                        "article_id": i,
                        "relevant": relevant,
                        "relevance": rng.uniform(0.5, 0.95) if relevant else rng.uniform(0, 0.4),
                        "themes": [
                            {
                                "id": t,
                                "score": 0.9 - k * 0.2,
                                "evidence": [text.split("\n")[k]],
                            }
                            for k, t in enumerate(chosen)
                        ],
                        "classifier": "bench",
                        "classified_at": seen,
                    }
                )
                if relevant and rng.random() < 0.2:
                    code, name = rng.choice(COUNCILS)
                    councils.append(
                        {
                            "article_id": i,
                            "code": code,
                            "name": name,
                            "grade": rng.choice([None, *GRADES]),
                            "previous_grade": None,
                            "evidence": f"{name} children's services were inspected.",
                        }
                    )
            connection.execute(sa.insert(tables["article"]), articles)
            connection.execute(sa.insert(tables["classification"]), labels)
            if councils:
                connection.execute(sa.insert(tables["article_authority"]), councils)
            connection.execute(sa.insert(tables["article_theme"]), filed)
    if app.store.is_postgresql:
        with app.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.exec_driver_sql("VACUUM ANALYZE")
    else:
        with app.engine.begin() as c:
            c.exec_driver_sql("ANALYZE")
    app.engine.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def monitor(command: str, env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*MONITOR, command], env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT
        )
        try:
            yield process
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


def wait_until(predicate: object, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(predicate) and predicate():
            return
        time.sleep(0.1)
    raise SystemExit(f"timed out; the log says:\n{log.read_text(errors='replace')}")


def serving(url: str) -> bool:
    try:
        return httpx.get(url + "/healthz", timeout=2).status_code in (200, 503)
    except httpx.HTTPError:
        return False


def says(log: Path, text: str) -> bool:
    return text in log.read_text(errors="replace")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def speed(url: str, folder: Path, requests: int) -> None:
    port = free_port()
    env = {
        **os.environ,
        "MONITOR_DATABASE_URL": url,
        "MONITOR_DATA_DIR": str(folder / "data"),
        "MONITOR_LOAD_DEFAULT_FEEDS": "false",
        "MONITOR_WEB_BIND": f"127.0.0.1:{port}",
        "MONITOR_LOG_LEVEL": "WARNING",
    }
    base = f"http://127.0.0.1:{port}"
    log = folder / "web.log"
    with monitor("web", env, log):
        wait_until(lambda: serving(base), log)
        pages = {
            "articles, page 1": "/articles",
            "articles, page 100": "/articles?page=100",
            "articles, relevant + theme": "/articles?relevant=relevant&theme={theme}",
            "articles, a council": "/articles?authority=E08000025",
            "search, one common word": "/search?q=caseloads",
            "search, a rare word": "/search?q=story{n}",
            'search, "phrase" -word + relevant': '/search?q="social workers" -budget&relevant=relevant',
            "/api/articles?q=": "/api/articles?q=inspectors",
            "themes chart": "/themes",
        }
        rng = random.Random(5)
        with httpx.Client(base_url=base, timeout=30) as client:
            theme = client.get("/api/articles?relevant=relevant").json()["articles"][0]["themes"][0]
            print(f"{'page':40} {'p50':>8} {'p95':>8}  (ms, {requests} requests each)")
            for name, path in pages.items():
                timings = []
                for k in range(requests + 5):
                    target = path.format(theme=theme, n=rng.randint(1, TOTAL))
                    started = time.perf_counter()
                    response = client.get(target)
                    elapsed = time.perf_counter() - started
                    if response.status_code != 200:
                        raise SystemExit(f"{target}: {response.status_code}")
                    if k >= 5:  # the first five warm the caches
                        timings.append(elapsed * 1000)
                print(f"{name:40} {statistics.median(timings):8.1f} {percentile(timings, 95):8.1f}")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def memory(folder: Path) -> None:
    """`monitor run` over an empty SQLite database, idle, with the app off and on."""
    figures = {}
    for label, bind in (("off", ""), ("on", f"127.0.0.1:{free_port()}")):
        data = folder / f"memory-{label}"
        env = {
            **os.environ,
            "MONITOR_DATA_DIR": str(data),
            "MONITOR_DATABASE_URL": f"sqlite:///{data / 'monitor.db'}",
            "MONITOR_LOAD_DEFAULT_FEEDS": "false",
            "MONITOR_WEB_BIND": bind,
            "MONITOR_POLL_INTERVAL": "3600",
        }
        log = folder / f"run-{label}.log"
        with monitor("run", env, log) as process:
            wait_until(partial(says, log, "service started"), log)
            if bind:
                wait_until(partial(serving, f"http://{bind}"), log)
            time.sleep(5)  # settled: imports done, threads parked
            figures[label] = rss_mb(process.pid)
            if bind:
                with httpx.Client(base_url=f"http://{bind}") as client:
                    for _ in range(20):
                        for path in ("/articles", "/themes", "/sources", "/status"):
                            client.get(path)
                figures["on, after 80 requests"] = rss_mb(process.pid)
    print(
        f"monitor run, idle, resident memory of the service process: app off "
        f"{figures['off']:.1f} MB, app on {figures['on']:.1f} MB "
        f"(+{figures['on'] - figures['off']:.1f} MB), after 80 page requests "
        f"{figures['on, after 80 requests']:.1f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url", nargs="?")
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--memory-only", action="store_true")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="web-bench-"))
    if not args.memory_only:
        url = args.url or f"sqlite:///{folder / 'bench.db'}"
        started = time.perf_counter()
        fill(url)
        kind = url.split(":")[0].split("+")[0]
        print(f"filled {TOTAL:,} articles in {time.perf_counter() - started:.0f} s ({kind})")
        speed(url, folder, args.requests)
    memory(folder)


if __name__ == "__main__":
    main()
