"""Articles: their identities (seen keys), the articles themselves and their classification."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import datetime
from typing import cast

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from monitor.errors import StorageError
from monitor.models import (
    ArticleSummary,
    AuthorityEvent,
    AuthorityMatch,
    AuthoritySummary,
    Classification,
    DateStatus,
    NewArticle,
    Origin,
    StoredArticle,
)
from monitor.storage.base import (
    ARTICLE_AUTHORITIES,
    ARTICLES,
    CLASSIFICATIONS,
    SEEN_KEYS,
    StoreBase,
    aware,
    stored_authority,
)
from monitor.storage.db import read_session, wrap_errors
from monitor.storage.filing import refile
from monitor.storage.tables import ArticleAuthorityRow, ArticleRow, ClassificationRow
from monitor.textclean import clean_text


def _classification_values(
    article_id: int, classification: Classification, now: datetime
) -> dict[str, object]:
    return {
        "article_id": article_id,
        "relevant": classification.relevant,
        "relevance": classification.relevance,
        "themes": [m.as_json() for m in classification.themes],
        "classifier": classification.classifier,
        "classified_at": now,
    }


def _authority_values(article_id: int, classification: Classification) -> list[dict[str, object]]:
    seen: set[str] = set()
    rows = []
    for match in classification.authorities:
        if match.code in seen:
            continue
        seen.add(match.code)
        rows.append(
            {
                "article_id": article_id,
                "code": match.code,
                "name": match.name,
                "grade": match.grade,
                "previous_grade": match.previous_grade,
                "evidence": _clip(match.evidence, EVIDENCE_CHARS) or "",
                "judgements": dict(match.judgements) or None,
            }
        )
    return rows


# Untrusted strings are stored at most this long (a feed can send an 800 KB "title").
TITLE_CHARS = 300
SUMMARY_CHARS = 2000
NAME_CHARS = 300
EVIDENCE_CHARS = 500


def _clip(value: str | None, limit: int) -> str | None:
    """`value` cleaned, at most `limit` characters (cut at a word, with an ellipsis)."""
    text = clean_text(value)
    if text is None or len(text) <= limit:
        return text
    cut = text[: limit - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut[limit // 2 :] else cut) + "…"


# Keys asked about in one statement: far below SQLite's (32,766) and PostgreSQL's (65,535)
# limits on bound parameters, whatever the size of the feed.
KEY_BATCH = 500


class ArticleStore(StoreBase):
    def known_keys(self, keys: Iterable[str]) -> set[str]:
        wanted = list(dict.fromkeys(keys))
        found: set[str] = set()
        if not wanted:
            return found
        with wrap_errors("reading seen entries"), self.engine.connect() as connection:
            for start in range(0, len(wanted), KEY_BATCH):
                batch = wanted[start : start + KEY_BATCH]
                query = sa.select(SEEN_KEYS.c.key).where(SEEN_KEYS.c.key.in_(batch))
                found.update(connection.execute(query).scalars())
        return found

    def add_keys(self, keys: Iterable[str], article_key: str, now: datetime) -> None:
        """Record more identities of an already stored article (found under `article_key`)."""
        seen = SEEN_KEYS
        with wrap_errors("recording seen entries"), self._write() as connection:
            article_id = connection.execute(
                sa.select(seen.c.article_id).where(seen.c.key == article_key)
            ).scalar()
            self._insert_keys(connection, keys, article_id, now)

    def _insert_keys(
        self,
        connection: sa.Connection,
        keys: Iterable[str],
        article_id: int | None,
        now: datetime,
        *,
        strict: bool = False,
    ) -> None:
        """Record identities; `strict`: a key already stored raises IntegrityError (a new
        article's identities must all be new), else it is left as it is."""
        rows = [
            {
                "key": key,
                "kind": {"e": "entry", "u": "url", "f": "fp"}.get(key[0], "other"),
                "article_id": article_id,
                "first_seen_at": now,
            }
            for key in dict.fromkeys(keys)
        ]
        if rows and strict:
            connection.execute(sa.insert(SEEN_KEYS), rows)
        elif rows:
            connection.execute(self._upsert(SEEN_KEYS).on_conflict_do_nothing(), rows)

    def add_article(
        self, article: NewArticle, classification: Classification, now: datetime
    ) -> int | None:
        """Store an article, its identities and its classification in one transaction.

        Returns the new id, or None when an article with the same URL or any of the same
        identities was stored meanwhile by another task or process: the identities are unique
        in the database (seen_key's primary key), so two writers never store one entry twice;
        the loser's other identities join the stored article.
        """
        published = article.published_at if article.date_status == "ok" else None
        sort_at = min(published, article.first_seen_at) if published else article.first_seen_at
        values = {
            "url": article.url,
            "entry_url": article.entry_url,
            "source_id": article.source_id,
            "source_name": _clip(article.source_name, NAME_CHARS) or "",
            "origin": article.origin,
            "title": _clip(article.title, TITLE_CHARS) or "",
            "text": clean_text(article.text) or "",
            "summary": _clip(article.summary, SUMMARY_CHARS),
            "author": _clip(article.author, NAME_CHARS),
            "site_name": _clip(article.site_name, NAME_CHARS),
            "html_gz": article.html_gz,
            "extraction_error": clean_text(article.extraction_error),
            "published_raw": clean_text(article.published_raw),
            "published_at": article.published_at,
            "date_status": article.date_status,
            "first_seen_at": article.first_seen_at,
            "sort_at": sort_at,
            "fingerprint": article.fingerprint,
        }
        with wrap_errors("storing an article"):
            try:
                with self._write() as connection:
                    article_id = connection.execute(
                        sa.insert(ARTICLES).values(values).returning(ARTICLES.c.id)
                    ).scalar_one()
                    connection.execute(
                        sa.insert(CLASSIFICATIONS),
                        _classification_values(article_id, classification, now),
                    )
                    authorities = _authority_values(article_id, classification)
                    if authorities:
                        connection.execute(sa.insert(ARTICLE_AUTHORITIES), authorities)
                    refile(connection, [article_id])
                    self._insert_keys(connection, article.keys, article_id, now, strict=True)
                    return int(article_id)
            except IntegrityError:
                pass
            # Another task or process stored the same article meanwhile: the keys join it.
            with self._write() as connection:
                existing = connection.execute(
                    sa.select(SEEN_KEYS.c.article_id)
                    .where(SEEN_KEYS.c.key.in_(list(article.keys)))
                    .where(SEEN_KEYS.c.article_id.is_not(None))
                    .limit(1)
                ).scalar()
                if existing is None and article.url is not None:
                    existing = connection.execute(
                        sa.select(ARTICLES.c.id).where(ARTICLES.c.url == article.url)
                    ).scalar()
                if (
                    existing is None
                    and not connection.execute(
                        sa.select(SEEN_KEYS.c.key).where(SEEN_KEYS.c.key.in_(list(article.keys)))
                    ).first()
                ):
                    raise StorageError("storing an article: refused, and no duplicate found")
                self._insert_keys(connection, article.keys, existing, now)
            return None

    def save_classification(
        self, article_id: int, classification: Classification, now: datetime
    ) -> None:
        """Replace an article's classification (reclassification), and what the web views
        file it under (a reader's label still wins)."""
        table = CLASSIFICATIONS
        with wrap_errors("storing a classification"), self._write() as connection:
            connection.execute(sa.delete(table).where(table.c.article_id == article_id))
            connection.execute(
                sa.insert(table), _classification_values(article_id, classification, now)
            )
            councils = ARTICLE_AUTHORITIES
            connection.execute(sa.delete(councils).where(councils.c.article_id == article_id))
            authorities = _authority_values(article_id, classification)
            if authorities:
                connection.execute(sa.insert(councils), authorities)
            refile(connection, [article_id])

    def iter_articles(self, batch: int = 200) -> Iterator[StoredArticle]:
        """Every stored article, in id order, read in batches (for reclassification)."""
        last_id = 0
        while True:
            with wrap_errors("reading articles"), read_session(self.engine) as session:
                rows = session.exec(
                    select(ArticleRow)
                    .where(col(ArticleRow.id) > last_id)
                    .order_by(col(ArticleRow.id))
                    .limit(batch)
                ).all()
                found = [StoredArticle(r.id or 0, r.url, r.title, r.text, r.html_gz) for r in rows]
            if not found:
                return
            yield from found
            last_id = found[-1].id

    def count_articles(self) -> int:
        with wrap_errors("counting articles"), read_session(self.engine) as session:
            return int(session.exec(select(sa.func.count()).select_from(ArticleRow)).one())

    def list_articles(
        self,
        *,
        since: datetime | None = None,
        relevant: bool = False,
        limit: int | None = None,
        authority: str | None = None,
    ) -> list[ArticleSummary]:
        """Newest first: by publication date where it is trusted, else by first sight.
        `authority`: only articles about the council with this ONS code. Each comes with the
        councils it is about (`authorities`, empty when none)."""
        query = (
            select(ArticleRow, ClassificationRow)
            .join(ClassificationRow, isouter=True)
            .order_by(col(ArticleRow.sort_at).desc(), col(ArticleRow.id).desc())
        )
        if authority is not None:
            about = select(ArticleAuthorityRow.article_id).where(
                col(ArticleAuthorityRow.code) == authority
            )
            query = query.where(col(ArticleRow.id).in_(about))
        if since is not None:
            query = query.where(col(ArticleRow.sort_at) >= since)
        if relevant:
            query = query.where(col(ClassificationRow.relevant).is_(True))
        if limit is not None:
            query = query.limit(limit)
        with wrap_errors("reading articles"), read_session(self.engine) as session:
            found = [
                ArticleSummary(
                    id=a.id or 0,
                    url=a.url,
                    title=a.title,
                    source=a.source_name,
                    origin=cast(Origin, a.origin),
                    published=a.published_at,
                    date_status=cast(DateStatus, a.date_status),
                    fetched_at=a.first_seen_at,
                    relevant=c.relevant if c else None,
                    relevance=c.relevance if c else None,
                    themes=tuple(str(t["id"]) for t in c.themes) if c else (),
                    extraction_error=a.extraction_error,
                )
                for a, c in session.exec(query).all()
            ]
            councils: dict[int, list[AuthorityMatch]] = defaultdict(list)
            ids = [a.id for a in found]
            for start in range(0, len(ids), 500):
                rows = session.exec(
                    select(ArticleAuthorityRow)
                    .where(col(ArticleAuthorityRow.article_id).in_(ids[start : start + 500]))
                    .order_by(col(ArticleAuthorityRow.article_id), col(ArticleAuthorityRow.code))
                )
                for row in rows:
                    councils[row.article_id].append(stored_authority(row))
            return [replace(a, authorities=tuple(councils.get(a.id, ()))) for a in found]

    def authority_timeline(self, code: str, limit: int = 500) -> list[AuthorityEvent]:
        """The articles about the council with ONS code `code`, newest first, each with the
        grade it reported (if any) and the sentence that named the council."""
        aa, a = ARTICLE_AUTHORITIES, ARTICLES
        query = (
            sa.select(
                a.c.id,
                a.c.title,
                a.c.url,
                a.c.source_name,
                a.c.sort_at,
                aa.c.grade,
                aa.c.previous_grade,
                aa.c.evidence,
            )
            .join(a, a.c.id == aa.c.article_id)
            .where(aa.c.code == code)
            .order_by(a.c.sort_at.desc(), a.c.id.desc())
            .limit(limit)
        )
        with wrap_errors("reading a council's articles"), self.engine.connect() as connection:
            return [
                AuthorityEvent(
                    article_id=int(r.id),
                    title=r.title,
                    url=r.url,
                    source=r.source_name,
                    at=aware(r.sort_at) or r.sort_at,
                    grade=r.grade,
                    previous_grade=r.previous_grade,
                    evidence=r.evidence,
                )
                for r in connection.execute(query)
            ]

    def authority_summaries(self) -> list[AuthoritySummary]:
        """Every council with articles about it: the count and the latest grade reported
        (the newest article giving one), by name."""
        aa, a = ARTICLE_AUTHORITIES, ARTICLES
        counts = sa.select(aa.c.code, sa.func.count().label("n"), sa.func.max(aa.c.name)).group_by(
            aa.c.code
        )
        graded = (
            sa.select(
                aa.c.code,
                aa.c.grade,
                aa.c.previous_grade,
                a.c.sort_at,
                a.c.id,
                sa.func.row_number()
                .over(partition_by=aa.c.code, order_by=(a.c.sort_at.desc(), a.c.id.desc()))
                .label("rank"),
            )
            .join(a, a.c.id == aa.c.article_id)
            .where(aa.c.grade.is_not(None))
            .subquery()
        )
        with wrap_errors("reading authorities"), self.engine.connect() as connection:
            latest = {
                row.code: row
                for row in connection.execute(sa.select(graded).where(graded.c.rank == 1))
            }
            found = []
            for code, count, name in connection.execute(counts):
                row = latest.get(code)
                found.append(
                    AuthoritySummary(
                        code=code,
                        name=name,
                        articles=int(count),
                        grade=row.grade if row else None,
                        previous_grade=row.previous_grade if row else None,
                        graded_at=aware(row.sort_at) if row else None,
                        graded_article_id=int(row.id) if row else None,
                    )
                )
        return sorted(found, key=lambda s: s.name.casefold())

    def article_authorities(self, article_id: int) -> tuple[AuthorityMatch, ...]:
        """The councils an article is about, as stored with its classification."""
        aa = ARTICLE_AUTHORITIES
        query = sa.select(aa).where(aa.c.article_id == article_id).order_by(aa.c.name)
        with wrap_errors("reading an article's councils"), self.engine.connect() as connection:
            return tuple(stored_authority(row) for row in connection.execute(query))
