"""Article extraction with trafilatura, on HTML bytes we fetched (trafilatura never fetches)."""

from __future__ import annotations

import gzip
import unicodedata
from dataclasses import dataclass

import trafilatura
from trafilatura.settings import Document

from monitor.errors import ExtractionError
from monitor.models import Extracted

MIN_TEXT_CHARS = 80


def extract_article(html: bytes, url: str) -> Extracted:
    """Main text and metadata of an article page. Raises ExtractionError when there is none.

    Top-level and pure so that a worker process can run it.
    """
    document = trafilatura.bare_extraction(html, url=url, with_metadata=True)
    if not isinstance(document, Document):
        raise ExtractionError("no article text could be extracted from the page", url=url)
    text = unicodedata.normalize("NFC", document.text or "").strip()
    if len(text) < MIN_TEXT_CHARS:
        raise ExtractionError("no article text could be extracted from the page", url=url)
    return Extracted(
        text=text,
        title=document.title or None,
        author=document.author or None,
        published_raw=document.date or None,
        site_name=document.sitename or None,
        canonical_url=document.url or None,
    )


@dataclass(frozen=True)
class PageOutcome:
    """A downloaded page after the worker is done with it: extraction result or why not."""

    extracted: Extracted | None
    error: str | None
    html_gz: bytes


def process_page(html: bytes, url: str) -> PageOutcome:
    """Worker job: extract the article and compress the page for keeping."""
    compressed = gzip.compress(html, compresslevel=6)
    try:
        return PageOutcome(extract_article(html, url), None, compressed)
    except ExtractionError as exc:
        return PageOutcome(None, str(exc), compressed)
