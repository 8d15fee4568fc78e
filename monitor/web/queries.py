"""The query parameters of the pages and of the API, as pydantic models: a bad value is a
400 by construction (see the exception handlers in app.py). Blank form fields mean "unset"."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticUseDefault

from monitor.models import ArticleFilter, Origin, RelevanceFilter
from monitor.storage.search import parse_search

MAX_PAGE = 10_000
PER_PAGE = 50
_ORIGINS: dict[str, Origin] = {"news": "poll", "history": "backfill"}


class Paging(BaseModel):
    model_config = ConfigDict(extra="ignore")

    page: int = Field(1, ge=1, le=MAX_PAGE, description="page number, from 1")

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            raise PydanticUseDefault()
        return value

    @property
    def offset(self) -> int:
        return (self.page - 1) * PER_PAGE


class PreviewQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    since: date | None = Field(
        None, description="cover everything since this day (YYYY-MM-DD), sent or not"
    )

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            raise PydanticUseDefault()
        return value


class ArticleQuery(Paging):
    q: str | None = Field(
        None,
        max_length=2000,
        description='full-text search: words, "phrases", -excluded words',
    )
    theme: str | None = Field(None, max_length=100, description="a theme id")
    source: int | None = Field(None, ge=1, le=2**31 - 1, description="a source id")
    relevant: RelevanceFilter = Field(
        "all", description="relevant, near (near misses), not (not relevant) or all"
    )
    since: date | None = Field(None, description="first day, YYYY-MM-DD (UTC)")
    until: date | None = Field(None, description="last day, YYYY-MM-DD (UTC), included")
    origin: Literal["news", "history"] | None = Field(
        None, description="news (polled) or history (backfilled)"
    )
    authority: str | None = Field(
        None,
        max_length=200,
        description="a council: its ONS code (E08000025) or its name (Birmingham)",
    )

    @field_validator("relevant", mode="before")
    @classmethod
    def _booleans(cls, value: Any) -> Any:
        aliases = {"true": "relevant", "false": "not", "near_miss": "near"}
        return aliases.get(value, value) if isinstance(value, str) else value

    def to_filter(self, near_miss_floor: float, authority: str | None = None) -> ArticleFilter:
        """The storage filter; `authority` is the ONS code `self.authority` resolved to."""

        def day(d: date) -> datetime:
            return datetime.combine(d, time(), tzinfo=UTC)

        return ArticleFilter(
            relevant=self.relevant,
            theme=self.theme,
            source=self.source,
            since=day(self.since) if self.since else None,
            until=day(self.until) + timedelta(days=1) if self.until else None,
            origin=_ORIGINS[self.origin] if self.origin else None,
            search=parse_search(self.q),
            near_miss_floor=near_miss_floor,
            authority=authority,
        )

    def link(self, **changes: Any) -> str:
        """This view's query string with `changes` (None drops a parameter)."""
        from urllib.parse import urlencode

        values = self.model_dump()
        values.update(changes)
        kept = {
            k: (v.isoformat() if isinstance(v, date) else v)
            for k, v in values.items()
            if v not in (None, "")
            and not (k == "page" and v == 1)
            and not (k == "relevant" and v == "all")
        }
        return "?" + urlencode(kept) if kept else "?"
