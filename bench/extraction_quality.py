"""Our extraction against trafilatura's own on every page of ../shared/bench-corpus: how many
of the gold snippets each finds ("with") and how many of the page furniture snippets each
avoids ("without"). The unit test scores every other page; this scores them all."""

from __future__ import annotations

import json
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.unit.test_extract import CORPUS, _scores  # noqa: E402


def main() -> None:
    gold = CORPUS / "gold.jsonl"
    if not gold.is_file():
        raise SystemExit(f"{gold} is not there: the bench corpus lives in ../shared/")
    items = [json.loads(line) for line in gold.read_text().splitlines() if line.strip()]
    with ProcessPoolExecutor(2) as pool:
        totals = [sum(c) for c in zip(*pool.map(_scores, items, chunksize=8), strict=True)]
    found, avoided, base_found, base_avoided = totals
    with_total = sum(len(i["with"]) for i in items)
    without_total = sum(len(i["without"]) for i in items)
    print(f"{len(items)} pages")
    print(f"with found:      monitor {found}/{with_total}, trafilatura {base_found}/{with_total}")
    print(
        f"without avoided: monitor {avoided}/{without_total}, "
        f"trafilatura {base_avoided}/{without_total}"
    )


if __name__ == "__main__":
    main()
