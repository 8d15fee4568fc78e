"""Time to find every local-authority name in a news-length text (target: well under 1 ms).

Uses the seed articles, padded with council names to 5,000 characters.
"""

from __future__ import annotations

import statistics
import time

from monitor.bundled import bundled_path
from monitor.classify.gazetteer import load_gazetteer


def main() -> None:
    seeds = bundled_path("seeds")
    started = time.perf_counter()
    gazetteer = load_gazetteer(seeds / "authorities.toml")
    print(f"load: {(time.perf_counter() - started) * 1000:.1f} ms")
    for path in sorted((seeds / "articles").glob("*.txt")):
        text = (path.read_text(encoding="utf-8") + " Birmingham City Council and Reading. ") * 3
        text = text[:5000]
        timings = []
        for _ in range(300):
            began = time.perf_counter()
            found = gazetteer.find_mentions(text)
            timings.append(time.perf_counter() - began)
        median = statistics.median(timings) * 1e6
        print(f"{path.name}: {len(text)} chars, {len(found)} mentions, median {median:.0f} µs")


if __name__ == "__main__":
    main()
