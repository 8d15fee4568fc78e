from __future__ import annotations

import json
import re
from concurrent.futures import ProcessPoolExecutor
from typing import cast

import pytest
import trafilatura

from monitor.errors import ExtractionError
from monitor.ingest.extract import extract_article
from monitor.ingest.jobs import process_page
from tests.support.builders import INADEQUATE_STORY, Page, article_html
from tests.support.paths import SHARED

CORPUS = SHARED / "bench-corpus"


def test_extracts_text_and_metadata_without_page_furniture() -> None:
    page = Page(**{**INADEQUATE_STORY.__dict__, "canonical": "https://news.example/story-1"})
    extracted = extract_article(article_html(page), "https://news.example/story-1?amp")
    assert "rated inadequate by Ofsted" in extracted.text
    assert "Most read" not in extracted.text and "All rights reserved" not in extracted.text
    assert extracted.title == INADEQUATE_STORY.title
    assert extracted.author == "Staff reporter"
    assert extracted.published_raw == "2026-11-16"
    assert extracted.site_name == "Care News Today"
    assert extracted.canonical_url == "https://news.example/story-1"


def test_page_without_article_text_is_an_extraction_error() -> None:
    html = b"<html><body><nav><a href='/'>Home</a></nav><img src='x.png'></body></html>"
    with pytest.raises(ExtractionError, match="no article text"):
        extract_article(html, "https://x.example/")
    outcome = process_page(html, "https://x.example/")
    assert outcome.extracted is None and outcome.error and outcome.html_gz


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _scores(item: dict[str, object]) -> tuple[int, int, int, int]:
    html = (CORPUS / "pages" / str(item["file"])).read_bytes()
    url = str(item["url"])
    ours_text = ""
    try:
        ours_text = extract_article(html, url).text
    except ExtractionError:
        pass
    baseline_text = trafilatura.extract(html, url=url) or ""
    ours, baseline = _normalise(ours_text), _normalise(baseline_text)
    with_ = [_normalise(str(s)) for s in cast(list[object], item["with"])]
    without = [_normalise(str(s)) for s in cast(list[object], item["without"])]
    return (
        sum(s in ours for s in with_),
        sum(s not in ours for s in without),
        sum(s in baseline for s in with_),
        sum(s not in baseline for s in without),
    )


@pytest.mark.slow
def test_our_extraction_loses_nothing_against_trafilatura_alone() -> None:
    gold_path = CORPUS / "gold.jsonl"
    if not gold_path.is_file():
        pytest.skip("../shared/bench-corpus is not present beside the checkout")
    lines = [line for line in gold_path.read_text().splitlines() if line.strip()]
    # Every other page keeps the suite fast; bench/extraction_quality.py scores them all.
    items = [json.loads(line) for line in lines[::2]]
    with ProcessPoolExecutor(2) as pool:
        totals = [
            sum(column) for column in zip(*pool.map(_scores, items, chunksize=8), strict=True)
        ]
    found, avoided, base_found, base_avoided = totals
    with_total = sum(len(i["with"]) for i in items)
    without_total = sum(len(i["without"]) for i in items)
    print(
        f"with found: ours {found}/{with_total}, trafilatura {base_found}/{with_total}; "
        f"without avoided: ours {avoided}/{without_total}, trafilatura {base_avoided}/{without_total}"
    )
    assert found / with_total >= base_found / with_total
    assert avoided / without_total >= base_avoided / without_total
