"""The articles as the web app lists them: filters, full-text search, one article in full,
and theme counts per month. Readers' labels (`article_label`) win over the classifier's.

Search: SQLite FTS5 (`article_fts`, porter stemming) and PostgreSQL full-text search (the
generated `article.search_vector`, English stemming, GIN index; see migration 20261201_web),
where a phrase first narrows the search to the articles holding its adjacent word pairs
(`article.search_pairs`, 20261201_search_pairs).
The relevance and theme filters read what the articles are filed under (`filing`): an
index walk newest first, with the readers' labels already applied.

Queries are parsed here into plain words (`parse_search`), so no query syntax of either
database ever reaches it from a user: a stray quote or operator cannot make a query fail.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY

from monitor.models import (
    ArticleDetail,
    ArticleFilter,
    ArticleLabel,
    ArticlePage,
    ArticleRowView,
    ArticleSummary,
    DateStatus,
    FeedbackLabel,
    Origin,
    SearchTerms,
    ThemeMatch,
)
from monitor.storage.base import (
    ARTICLE_AUTHORITIES,
    ARTICLE_THEMES,
    ARTICLES,
    CLASSIFICATIONS,
    DIGEST_ITEMS,
    DIGESTS,
    LABELS,
    SEEN_KEYS,
    StoreBase,
    aware,
)
from monitor.storage.db import wrap_errors
from monitor.storage.feedback import feedback_records

# Markers around matched words in snippets (the stored text never holds control characters).
MARK_START, MARK_END = "\x02", "\x03"
MAX_TERMS = 16
MAX_TERM_WORDS = 12
MAX_WORD_CHARS = 64
_TERM = re.compile(r'(-?)"([^"]*)"?|(-?)([^\s"]+)')
_WORD = re.compile(r"\w+")


def parse_search(query: str | None) -> SearchTerms:
    """Words, "quoted phrases" (an unclosed quote runs to the end) and `-word` / `-"phrase"`
    exclusions; everything else (punctuation, operators) separates words. Bounded: at most
    MAX_TERMS terms of MAX_TERM_WORDS words of MAX_WORD_CHARS characters."""
    include: list[tuple[str, ...]] = []
    exclude: list[tuple[str, ...]] = []
    text = unicodedata.normalize("NFKC", (query or "")[:4096])
    for match in _TERM.finditer(text):
        negated = bool(match.group(1) or match.group(3))
        body = match.group(2) if match.group(2) is not None else match.group(4)
        words = tuple(w[:MAX_WORD_CHARS].casefold() for w in _WORD.findall(body or ""))
        words = words[:MAX_TERM_WORDS]
        if not words:
            continue
        target = exclude if negated else include
        if len(include) + len(exclude) < MAX_TERMS and words not in target:
            target.append(words)
    return SearchTerms(tuple(include), tuple(exclude))


def _fts5(terms: Sequence[tuple[str, ...]]) -> str:
    """An FTS5 MATCH string: each term a quoted phrase (words only, so nothing to escape)."""
    return " ".join('"' + " ".join(words) + '"' for words in terms)


def _label(row: Any) -> ArticleLabel | None:
    m = row._mapping
    if m["label"] is None:
        return None
    themes = m["label_themes"]
    return ArticleLabel(
        label=cast(FeedbackLabel, m["label"]),
        themes=tuple(themes) if themes is not None else None,
        who=m["label_who"],
        updated_at=aware(m["label_at"]) or m["label_at"],
    )


def _summary(row: Any) -> ArticleSummary:
    m = row._mapping
    themes = m["themes"] or ()
    return ArticleSummary(
        id=m["id"],
        url=m["url"],
        title=m["title"],
        source=m["source_name"],
        origin=cast(Origin, m["origin"]),
        published=m["published_at"],
        date_status=cast(DateStatus, m["date_status"]),
        fetched_at=m["first_seen_at"],
        relevant=m["relevant"],
        relevance=m["relevance"],
        themes=tuple(str(t["id"]) for t in themes),
        extraction_error=m["extraction_error"],
    )


def _single_words(terms: SearchTerms) -> str:
    """The included words that are not in a phrase, as one string."""
    return " ".join(words[0] for words in terms.include if len(words) == 1)


@dataclass(frozen=True)
class _PhraseLookup:
    """What a PostgreSQL search with phrases asks the database before its query."""

    pairs: tuple[str, ...] = ()  # the included phrases' adjacent lexeme pairs, if any
    words: bool = False  # whether the included single words hold a lexeme


_NO_LOOKUP = _PhraseLookup()


class SearchStore(StoreBase):
    # --- the conditions -------------------------------------------------------------------

    def _phrase_lookup(self, connection: sa.Connection, terms: SearchTerms) -> _PhraseLookup:
        """PostgreSQL: the adjacent lexeme pairs of the included phrases, as
        `article.search_pairs` holds them (stemmed by the database itself), and whether the
        included single words hold any lexeme. Nothing without a phrase, or on SQLite."""
        phrases = [" ".join(words) for words in terms.include if len(words) > 1]
        if not self.is_postgresql or not phrases:
            return _PhraseLookup()
        row = connection.execute(
            sa.select(
                sa.func.numnode(sa.func.plainto_tsquery("english", _single_words(terms))) > 0,
                *(sa.func.article_word_pairs(sa.func.to_tsvector("english", p)) for p in phrases),
            )
        ).one()
        return _PhraseLookup(tuple(sorted({pair for pairs in row[1:] for pair in pairs})), row[0])

    def _search_condition(
        self, terms: SearchTerms, lookup: _PhraseLookup = _NO_LOOKUP
    ) -> list[Any]:
        a = ARTICLES
        conditions: list[Any] = []
        if self.is_postgresql:
            vector: sa.ColumnElement[Any] = sa.literal_column("article.search_vector")

            def phrase(words: tuple[str, ...]) -> Any:
                return sa.func.phraseto_tsquery("english", " ".join(words))

            if not terms.include:
                return [sa.not_(vector.op("@@")(phrase(words))) for words in terms.exclude]
            # One tsquery (a & b & !c), not one @@ a term: each row's vector is then read
            # once, and the GIN index leaves out the excluded words' articles itself. (A
            # term of stop words only is empty, and drops out of it.)
            query = phrase(terms.include[0])
            for words in terms.include[1:]:
                query = sa.func.tsquery_and(query, phrase(words))
            for words in terms.exclude:
                query = sa.func.tsquery_and(query, sa.func.tsquery_not(phrase(words)))
            if not lookup.pairs:
                return [vector.op("@@")(query)]
            # A phrase: the articles holding its adjacent word pairs (a GIN lookup), then the
            # tsquery on each, for exactness. That test is written `NOT (vector @@ !query)`,
            # the same test (the vectors have positions, so no match is "maybe"), so that the
            # planner cannot AND in the vector's GIN index for it: that reads the whole
            # posting list of every word of the phrase and of the excluded ones (20-40 ms
            # for common words here), a cost it underrates. Its estimate of the rows stays
            # (1 - (1 - s)), so it still walks the newest (relevant) articles when the pairs
            # are common. The single words are kept as an index condition of their own
            # (the same as the tsquery asks of them, or less): a rare word is then found
            # first. Without a lexeme (stop words only) that condition would match nothing.
            #
            # The tsquery first: on a walk, PostgreSQL tests the conditions in this order, and
            # the vector is in the row while the pairs are in TOAST (1.6 ms or 10 ms for a
            # page of a phrase in half the articles).
            holds: sa.ColumnElement[Any] = sa.literal_column("article.search_pairs")
            conditions = [
                sa.not_(vector.op("@@")(sa.func.tsquery_not(query))),
                holds.op("@>")(sa.literal(list(lookup.pairs), ARRAY(sa.Text))),
            ]
            if lookup.words:
                single = sa.func.plainto_tsquery("english", _single_words(terms))
                conditions.append(vector.op("@@")(single))
            return conditions
        fts = sa.table("article_fts", sa.column("rowid"))
        match = sa.literal_column("article_fts").op("MATCH")
        # `id + 0`, not `id`: SQLite then walks the newest-first index, checking each row
        # against the matches, and stops at the page's end; on `id` it fetches and sorts every
        # match first (0.1 s for a word in every one of 100,000 articles).
        unindexed = a.c.id + 0
        if not terms.include:
            for words in terms.exclude:
                found = sa.select(fts.c.rowid).where(match(_fts5([words])))
                conditions.append(unindexed.not_in(found))
            return conditions
        # One MATCH, `(a b) NOT ("c" OR "d")`: FTS5 subtracts the excluded words' matches
        # itself, instead of this query listing every article holding a common word to
        # leave them out.
        expression = f"({_fts5(terms.include)})"
        if terms.exclude:
            expression += " NOT (" + " OR ".join(_fts5([words]) for words in terms.exclude) + ")"
        found = sa.select(fts.c.rowid).where(match(expression))
        return [unindexed.in_(found)]

    def _conditions(self, f: ArticleFilter, lookup: _PhraseLookup = _NO_LOOKUP) -> list[Any]:
        a, c, lab = ARTICLES, CLASSIFICATIONS, LABELS
        conditions: list[Any] = []
        unlabelled = lab.c.label.is_(None)
        if f.relevant == "relevant":
            # "= TRUE" (SQLite: "= 1"), as ix_article_relevant_sort_at_id is defined.
            conditions.append(a.c.filed_relevant == sa.true())
        elif f.relevant == "near":
            conditions.append(
                unlabelled & c.c.relevant.is_(False) & (c.c.relevance >= f.near_miss_floor)
            )
        elif f.relevant == "not":
            conditions.append(
                sa.or_(
                    lab.c.label == "not_relevant",
                    unlabelled & c.c.relevant.is_(False) & (c.c.relevance < f.near_miss_floor),
                )
            )
        if f.source is not None:
            conditions.append(a.c.source_id == f.source)
        if f.since is not None:
            conditions.append(a.c.sort_at >= f.since)
        if f.until is not None:
            conditions.append(a.c.sort_at < f.until)
        if f.origin is not None:
            conditions.append(a.c.origin == f.origin)
        if f.authority is not None:
            aa = ARTICLE_AUTHORITIES
            about = sa.select(aa.c.article_id).where(aa.c.code == f.authority)
            conditions.append(a.c.id.in_(about))
        conditions.extend(self._search_condition(f.search, lookup))
        return conditions

    # --- reading ------------------------------------------------------------------------

    def _columns(self) -> list[Any]:
        a, c, lab = ARTICLES, CLASSIFICATIONS, LABELS
        return [
            a.c.id,
            a.c.url,
            a.c.title,
            a.c.source_name,
            a.c.origin,
            a.c.published_at,
            a.c.date_status,
            a.c.first_seen_at,
            a.c.extraction_error,
            c.c.relevant,
            c.c.relevance,
            c.c.themes,
            lab.c.label,
            lab.c.themes.label("label_themes"),
            lab.c.who.label("label_who"),
            lab.c.updated_at.label("label_at"),
        ]

    def _joined(self, *columns: Any, theme: str | None = None) -> sa.Select[Any]:
        a, c, lab, t = ARTICLES, CLASSIFICATIONS, LABELS, ARTICLE_THEMES
        joined: Any = a
        if theme is not None:
            joined = t.join(a, a.c.id == t.c.article_id)
        joined = joined.outerjoin(c, c.c.article_id == a.c.id).outerjoin(
            lab, lab.c.article_id == a.c.id
        )
        query = sa.select(*columns).select_from(joined)
        return query if theme is None else query.where(t.c.theme_id == theme)

    def find_articles(self, f: ArticleFilter, *, page: int = 1, per_page: int = 50) -> ArticlePage:
        """One page of the articles matching `f`, newest first (by trusted publication date,
        else first sight). `page` counts from 1; a page past the end is empty."""
        with wrap_errors("searching articles"), self.engine.connect() as connection:
            lookup = self._phrase_lookup(connection, f.search)
            query = self._page_query(f, lookup, page, per_page)
            rows = list(connection.execute(query))
            has_next = len(rows) > per_page
            rows = rows[:per_page]
            snippets = (
                self._snippets(connection, [r.id for r in rows], f.search)
                if f.search.include
                else {}
            )
        views = tuple(ArticleRowView(_summary(r), _label(r), snippets.get(r.id)) for r in rows)
        return ArticlePage(views, page, per_page, has_next)

    def _page_query(
        self, f: ArticleFilter, lookup: _PhraseLookup, page: int, per_page: int
    ) -> sa.Select[Any]:
        a, t = ARTICLES, ARTICLE_THEMES
        # A theme's articles come from article_theme, in the order of its index (the same
        # as the article's: sort_at is copied, and never changes).
        order = (t.c.sort_at, t.c.article_id) if f.theme is not None else (a.c.sort_at, a.c.id)
        query = (
            self._joined(*self._columns(), theme=f.theme)
            .where(*self._conditions(f, lookup))
            .order_by(*(column.desc() for column in order))
            .offset((page - 1) * per_page)
            .limit(per_page + 1)
        )
        if f.relevant in ("all", "relevant"):
            # The page's ids first, then their rows, when no filter needs the classification
            # or the label: the walk to a deep page (OFFSET) then reads the article's index
            # alone, not the joined rows of every article it skips (both databases drop the
            # unused outer joins). Near misses and irrelevant articles do need them, and
            # PostgreSQL's estimate of a label's absence then makes it sort every article.
            ids = query.with_only_columns(a.c.id)
            query = (
                self._joined(*self._columns())
                .where(a.c.id.in_(ids))
                .order_by(a.c.sort_at.desc(), a.c.id.desc())
            )
        return query

    def _snippets(
        self, connection: sa.Connection, ids: list[int], terms: SearchTerms
    ) -> dict[int, str]:
        if not ids:
            return {}
        if self.is_postgresql:
            query: Any = None
            for words in terms.include:
                one = sa.func.phraseto_tsquery("english", " ".join(words))
                query = one if query is None else query.op("&&")(one)
            # One stretch of 12 to 30 words around the best match, as SQLite's snippet gives
            # (two fragments cost ts_headline half as much again).
            options = f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=30, MinWords=12"
            rows = connection.execute(
                sa.select(
                    ARTICLES.c.id,
                    sa.func.ts_headline("english", ARTICLES.c.text, query, options),
                ).where(ARTICLES.c.id.in_(ids))
            )
            return {int(r[0]): str(r[1]) for r in rows}
        rows = connection.execute(
            sa.text(
                "SELECT rowid, snippet(article_fts, 1, char(2), char(3), ' … ', 24) "
                "FROM article_fts WHERE article_fts MATCH :q AND rowid IN "
                "(SELECT value FROM json_each(:ids))"
            ),
            {"q": _fts5(terms.include), "ids": json.dumps(ids)},
        )
        return {int(r[0]): str(r[1]) for r in rows}

    def article_detail(self, article_id: int) -> ArticleDetail | None:
        a, c, k = ARTICLES, CLASSIFICATIONS, SEEN_KEYS
        query = self._joined(
            *self._columns(),
            a.c.text,
            a.c.entry_url,
            a.c.author,
            a.c.site_name,
            a.c.published_raw,
            c.c.classifier,
        ).where(a.c.id == article_id)
        with wrap_errors("reading an article"), self.engine.connect() as connection:
            row = connection.execute(query).first()
            if row is None:
                return None
            identities = connection.execute(
                sa.select(k.c.kind, sa.func.count())
                .where(k.c.article_id == article_id)
                .group_by(k.c.kind)
                .order_by(k.c.kind)
            ).all()
            digests = connection.execute(
                sa.select(DIGESTS.c.id, DIGESTS.c.period, DIGEST_ITEMS.c.kind)
                .join(DIGESTS, DIGESTS.c.id == DIGEST_ITEMS.c.digest_id)
                .where(DIGEST_ITEMS.c.article_id == article_id)
                .order_by(DIGESTS.c.id)
            ).all()
            feedback = feedback_records(connection, article_id=article_id)
        m = row._mapping
        return ArticleDetail(
            summary=_summary(row),
            text=m["text"],
            entry_url=m["entry_url"],
            author=m["author"],
            site_name=m["site_name"],
            published_raw=m["published_raw"],
            classifier=m["classifier"],
            theme_matches=tuple(ThemeMatch.from_json(t) for t in m["themes"] or ()),
            identities=tuple((str(kind), int(n)) for kind, n in identities),
            digests=tuple((int(i), str(p), str(kind)) for i, p, kind in digests),
            label=_label(row),
            feedback=tuple(feedback),
        )

    def theme_version(self) -> tuple[Any, ...]:
        """Changes when an article is added or a reader's label is given (two index reads):
        what the theme counts' cache is keyed on."""
        a, lab = ARTICLES, LABELS
        query = sa.select(
            sa.select(sa.func.max(a.c.id)).scalar_subquery(),
            sa.select(sa.func.count()).select_from(lab).scalar_subquery(),
            sa.select(sa.func.max(lab.c.updated_at)).scalar_subquery(),
        )
        with wrap_errors("counting themes"), self.engine.connect() as connection:
            return tuple(connection.execute(query).one())

    def theme_months(self, since: datetime) -> list[tuple[str, str, int]]:
        """(month "YYYY-MM", theme id, relevant articles) since `since`, by the classifier's
        themes (a reader's "wrong theme" label replaces them; "not relevant" drops them)."""
        # Two passes, each on an index: the articles the classifier found relevant (by
        # classification.relevant), and those it did not that a reader called relevant.
        # One pass with an OR scans every article with its JSON (0.4 s at 100,000 on SQLite).
        yes, no = ("true", "false") if self.is_postgresql else ("1", "0")  # 1: SQLite's index
        passes = (
            f"c.relevant = {yes}",
            f"c.relevant = {no} AND l.label IN ('relevant', 'wrong_theme')",
        )
        if self.is_postgresql:
            sql = (
                "SELECT to_char(a.sort_at AT TIME ZONE 'UTC', 'YYYY-MM') AS month, "
                "t.theme, count(*) FROM classification c "
                "JOIN article a ON a.id = c.article_id "
                "LEFT JOIN article_label l ON l.article_id = a.id "
                "CROSS JOIN LATERAL (SELECT j->>'id' AS theme FROM json_array_elements("
                "CASE WHEN l.label IS NULL OR l.label = 'relevant' THEN c.themes "
                "ELSE '[]'::json END) j UNION ALL SELECT x FROM json_array_elements_text("
                "CASE WHEN l.label = 'wrong_theme' THEN l.themes ELSE '[]'::json END) x) t "
                "WHERE {where} AND a.sort_at >= :since GROUP BY month, t.theme"
            )
        else:
            sql = (
                "SELECT strftime('%Y-%m', a.sort_at) AS month, "
                "CASE WHEN j.type = 'object' THEN json_extract(j.value, '$.id') ELSE j.value END "
                "AS theme, count(*) FROM classification c "
                "CROSS JOIN article a ON a.id = c.article_id "
                "LEFT JOIN article_label l ON l.article_id = a.id, "
                "json_each(CASE WHEN l.label IS NULL OR l.label = 'relevant' THEN c.themes "
                "WHEN l.label = 'wrong_theme' THEN l.themes ELSE '[]' END) j "
                "WHERE {where} AND a.sort_at >= :since GROUP BY month, theme"
            )
        since_value: Any = since if self.is_postgresql else since.strftime("%Y-%m-%d %H:%M:%S")
        counts: dict[tuple[str, str], int] = {}
        with wrap_errors("counting themes"), self.engine.connect() as connection:
            for where in passes:
                rows = connection.execute(sa.text(sql.format(where=where)), {"since": since_value})
                for m, t, n in rows:
                    counts[str(m), str(t)] = counts.get((str(m), str(t)), 0) + int(n)
        return sorted((m, t, n) for (m, t), n in counts.items())
