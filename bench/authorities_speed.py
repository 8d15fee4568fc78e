"""Time authority extraction adds per relevant article (target: at most 2 ms on one core).

Runs `extract_authorities` over the relevant labelled news articles (news-length, 2-4.5k
characters) and prints the mean, the median and the 95th percentile per article, in wall-clock time
and in CPU time (on a busy machine the CPU time is the steadier figure).
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

from monitor.bundled import bundled_path
from monitor.classify.authorities import extract_authorities
from monitor.classify.gazetteer import load_gazetteer

NEWS = Path(__file__).resolve().parents[1] / "tests" / "data" / "labelled" / "news.jsonl"


def main() -> None:
    gazetteer = load_gazetteer(bundled_path("seeds") / "authorities.toml")
    articles = [json.loads(line) for line in NEWS.read_text(encoding="utf-8").splitlines()]
    relevant = [(a["title"], a["text"]) for a in articles if a["relevant"]]
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(20):
        for title, text in relevant:
            began, began_cpu = time.perf_counter(), time.thread_time()
            extract_authorities(title, text, gazetteer)
            cpu.append(time.thread_time() - began_cpu)
            wall.append(time.perf_counter() - began)
    print(f"{len(relevant)} relevant news articles x 20 runs")
    for name, timings in (("wall-clock", wall), ("CPU", cpu)):
        timings.sort()
        mean = statistics.fmean(timings) * 1000
        median = statistics.median(timings) * 1000
        p95 = timings[int(len(timings) * 0.95)] * 1000
        print(
            f"extraction per article, {name}: mean {mean:.2f} ms, median {median:.2f} ms,"
            f" 95th percentile {p95:.2f} ms"
        )


if __name__ == "__main__":
    main()
