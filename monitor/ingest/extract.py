"""Article extraction with trafilatura, on HTML bytes we fetched (trafilatura never fetches)."""

from __future__ import annotations

import logging
import unicodedata
from typing import Any

from monitor.errors import ExtractionError
from monitor.models import Extracted

log = logging.getLogger(__name__)

MIN_TEXT_CHARS = 80


def extract_article(html: bytes, url: str) -> Extracted:
    """Main text and metadata of an article page. Raises ExtractionError when there is none.

    Top-level and pure so that a worker process can run it. trafilatura is imported here,
    not at module level, so that the parent process never pays for it.

    The page is parsed once. Metadata comes from trafilatura's own steps (meta tags, JSON-LD,
    title, canonical URL, htmldate, site name) without the parts we do not use.
    """
    from trafilatura import bare_extraction
    from trafilatura.settings import Document
    from trafilatura.utils import load_html

    tree = load_html(html)
    if tree is None:
        raise ExtractionError("the page is not readable HTML", url=url)
    metadata = _metadata(tree, url)
    document = bare_extraction(tree, url=url, with_metadata=False)
    if not isinstance(document, Document):
        raise ExtractionError("no article text could be extracted from the page", url=url)
    text = unicodedata.normalize("NFC", document.text or "").strip()
    if len(text) < MIN_TEXT_CHARS:
        raise ExtractionError("no article text could be extracted from the page", url=url)
    return Extracted(
        text=text,
        title=metadata.title or None,
        author=metadata.author or None,
        published_raw=metadata.date or None,
        site_name=metadata.sitename or None,
        canonical_url=metadata.url or None,
    )


def _metadata(tree: Any, url: str) -> Any:
    """trafilatura.metadata.extract_metadata, less categories, tags, licence, image and the
    byline search for an author that neither meta tags nor JSON-LD name (a third of its cost)."""
    from htmldate import find_date
    from trafilatura.metadata import (
        examine_meta,
        extract_meta_json,
        extract_sitename,
        extract_title,
        extract_url,
    )
    from trafilatura.settings import set_date_params

    metadata = examine_meta(tree)
    if metadata.author and " " not in metadata.author:
        metadata.author = None
    try:
        metadata = extract_meta_json(tree, metadata)
    except Exception:  # trafilatura guards this call the same way: JSON-LD in the wild is odd
        log.debug("unreadable JSON-LD metadata on %s", url)
    metadata.title = metadata.title or extract_title(tree)
    metadata.url = metadata.url or extract_url(tree, url)
    date_config = set_date_params(True)
    date_config["url"] = metadata.url
    metadata.date = find_date(tree, **date_config)
    sitename = (metadata.sitename or extract_sitename(tree) or "").lstrip("@")
    if sitename and "." not in sitename and not sitename[0].isupper():
        sitename = sitename.title()
    metadata.sitename = sitename or None
    return metadata
