"""search_pairs: the adjacent word pairs of each article, so a phrase is an index lookup

Revision ID: 20261201_search_pairs
Revises: 20261201_article_theme
Create Date: 2026-12-01 13:30:00

PostgreSQL only (SQLite's FTS5 index holds positions already). `article.search_pairs` is a
stored generated column, as `search_vector` is (20261201_web), holding every pair of lexemes
at adjacent positions of that same vector ("social worker", "children servic"), with a GIN
index. A phrase's tsquery (`'social' <-> 'worker'`) can only match an article holding all
of the phrase's adjacent pairs, so `search_pairs @> <the phrase's pairs>` narrows a phrase
search to its candidates from the index; the tsquery is still tested on each of them, so the
results are the same. The pairs come from the vector's own positions (title, then text, as
the vector concatenates them), so they cannot miss a match the tsquery would find.

Adding the column computes it for every existing row (a rewrite of `article`: about a minute
for 100,000 articles on the project's machine); the index then takes some seconds more.
"""

from __future__ import annotations

from alembic import op

revision = "20261201_search_pairs"
down_revision = "20261201_article_theme"
branch_labels = None
depends_on = None

# Every pair of lexemes at positions p and p + 1 of a tsvector, as "first second". Joined on
# the position, not by neighbour, so lexemes sharing a position (all those past 16,383 do)
# each make their pairs. Not those with a lexeme of over 100 characters (a URL, a token of
# 2,000): a GIN entry holds at most 2,712 bytes, and an article with two such tokens side by
# side could not be stored. A phrase's own pairs are made by this function too, so it never
# asks for a pair left out here (and a search word is at most 64 characters anyway).
WORD_PAIRS = """
CREATE FUNCTION article_word_pairs(vector tsvector) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    WITH w AS (
        SELECT t.lexeme, p FROM unnest(vector) t, unnest(t.positions) p
        WHERE length(t.lexeme) <= 100
    )
    SELECT coalesce(array_agg(DISTINCT a.lexeme || ' ' || b.lexeme), '{}')
    FROM w a JOIN w b ON b.p = a.p + 1
$$
"""
# The same expression as article.search_vector's.
SEARCH_PAIRS = (
    "ALTER TABLE article ADD COLUMN search_pairs text[] GENERATED ALWAYS AS ("
    "article_word_pairs("
    "setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(text, '')), 'B'))) STORED"
)
POSTGRES_UP = [
    WORD_PAIRS,
    # The vector stays in the row (compressed or moved out only when nothing else is left
    # to move), the pairs go to TOAST: else a row that outgrows 2 kB with the pairs sends
    # its vector, the largest value once the pairs are compressed, out of line, and every
    # tsquery test on it (a walk of the newest articles, a phrase's candidates) reads TOAST:
    # 3.5 times slower here.
    "ALTER TABLE article ALTER COLUMN search_vector SET STORAGE MAIN",
    SEARCH_PAIRS,
    "CREATE INDEX ix_article_search_pairs ON article USING gin (search_pairs)",
    "ANALYZE article",
]
POSTGRES_DOWN = [
    "DROP INDEX IF EXISTS ix_article_search_pairs",
    "ALTER TABLE article DROP COLUMN IF EXISTS search_pairs",
    "DROP FUNCTION IF EXISTS article_word_pairs(tsvector)",
    "ALTER TABLE article ALTER COLUMN search_vector SET STORAGE EXTENDED",
]


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        for statement in POSTGRES_UP:
            op.execute(statement)


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        for statement in POSTGRES_DOWN:
            op.execute(statement)
