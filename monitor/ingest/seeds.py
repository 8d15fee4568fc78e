"""The product's own data files under seeds/: default feeds and seed articles."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from monitor.errors import SeedError
from monitor.urls import is_http_url

_MONTHS = (
    "january february march april may june july august september october november december"
).split()
_MONTH = r"(?P<month>" + "|".join(m.capitalize() for m in _MONTHS) + ")"
_DATE_PATTERNS = (
    re.compile(r"\b(?P<day>\d{1,2})(?:st|nd|rd|th)? " + _MONTH + r",? (?P<year>(?:19|20)\d\d)\b"),
    re.compile(r"\b" + _MONTH + r" (?P<day>\d{1,2})(?:st|nd|rd|th)?,? (?P<year>(?:19|20)\d\d)\b"),
)


@dataclass(frozen=True)
class SeedFeed:
    url: str
    name: str | None


@dataclass(frozen=True)
class SeedArticle:
    file_name: str
    title: str
    text: str
    published: datetime | None
    published_raw: str | None


def load_feeds(path: Path) -> list[SeedFeed]:
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SeedError(f"cannot read default feeds from {path}: {exc}") from exc
    feeds = []
    for number, item in enumerate(document.get("feeds", []), start=1):
        url = item.get("url") if isinstance(item, dict) else None
        if not isinstance(url, str) or not is_http_url(url):
            raise SeedError(f"{path}: feed #{number} has no http(s) url")
        feeds.append(SeedFeed(url, item.get("name")))
    return feeds


def find_date(text: str) -> tuple[datetime | None, str | None]:
    """The first written date in `text` (`27 September 2019`, `April 29, 2015`)."""
    for pattern in _DATE_PATTERNS:
        match = pattern.search(text)
        if match:
            month = _MONTHS.index(match.group("month").lower()) + 1
            try:
                when = datetime(
                    int(match.group("year")), month, int(match.group("day")), tzinfo=UTC
                )
            except ValueError:
                continue
            return when, match.group(0)
    return None, None


def _looks_like_headline(line: str) -> bool:
    return 4 <= len(line.split()) <= 25 and not line.endswith((".", ":"))


def parse_seed_article(file_name: str, content: str) -> SeedArticle:
    """Title from the first line, text from the rest.

    A first line of fewer than four words followed by a headline-shaped line (as in a page
    whose site furniture came first, "GLD Vacancies") gives way to that second line.
    """
    lines = [line.strip() for line in content.splitlines()]
    non_empty = [i for i, line in enumerate(lines) if line]
    if not non_empty:
        raise SeedError(f"seed article {file_name} is empty")
    title_index = non_empty[0]
    if len(non_empty) > 1 and len(lines[title_index].split()) < 4:
        following = non_empty[1]
        if _looks_like_headline(lines[following]):
            title_index = following
    text = "\n".join(lines[title_index + 1 :]).strip()
    published, raw = find_date(text[:600])
    return SeedArticle(file_name, lines[title_index], text, published, raw)


def load_seed_articles(directory: Path, skipped: list[str] | None = None) -> list[SeedArticle]:
    """The folder's seed articles. A file that cannot be one (unreadable, not UTF-8 text,
    empty) raises SeedError, or with `skipped` adds why to it and the others are read."""
    if not directory.is_dir():
        raise SeedError(f"no seed article folder at {directory}")
    articles = []
    for path in sorted(directory.glob("*.txt")):
        try:
            try:
                content = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise SeedError(f"cannot read seed article {path}: {exc}") from exc
            if "\x00" in content:
                raise SeedError(f"seed article {path} is not a text file")
            articles.append(parse_seed_article(path.name, content))
        except SeedError as exc:
            if skipped is None:
                raise
            skipped.append(str(exc))
    return articles
