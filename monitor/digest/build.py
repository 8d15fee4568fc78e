"""What a digest says: stories grouped by theme, near misses and source coverage. Pure."""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

from monitor.classify.grades import SEVERITY
from monitor.digest.dedupe import group_same_stories
from monitor.digest.lede import lede
from monitor.models import AuthorityMatch, Candidate, SourceActivity

# Articles scoring at least this, but below the classifier's threshold, are near misses.
NEAR_MISS_FLOOR = 0.15
NEAR_MISS_LIMIT = 10
# A source is quiet when its silence is this many times its usual gap between new entries...
QUIET_FACTOR = 4
# ...and at least this long (a daily source missing one day is not news).
QUIET_MINIMUM = timedelta(days=2)
# Fewer new-entry events than this and nothing is "usual" yet.
QUIET_MIN_EVENTS = 3
OTHER_SECTION = "Other Ofsted and children's social care news"
# Reports of the same council's same new grade this close together are one story.
SAME_JUDGEMENT_WITHIN = timedelta(days=3)
EXCERPT_CHARS = 280


@dataclass(frozen=True)
class DigestItem:
    """One story: its best article, and the other outlets that reported it (`also`)."""

    article: Candidate
    theme_id: str | None
    tags: tuple[str, ...]
    evidence: tuple[str, ...]
    also: tuple[Candidate, ...]
    summary: str | None = None  # the story's lede


@dataclass(frozen=True)
class ThemeSection:
    theme_id: str | None
    name: str
    items: tuple[DigestItem, ...]


CoverageState = Literal["failing", "not polled", "quiet", "ok"]


@dataclass(frozen=True)
class SourceCoverage:
    name: str
    url: str
    state: CoverageState
    polls_ok: int
    polls_failed: int
    new_articles: int
    error: str | None
    silent_for: timedelta | None  # set when quiet


@dataclass(frozen=True)
class Judgement:
    """A council's grade as a digest story reports it (for "Judgements reported")."""

    authority: AuthorityMatch
    article: Candidate


@dataclass(frozen=True)
class Digest:
    since: datetime | None
    until: datetime
    sections: tuple[ThemeSection, ...]
    near_misses: tuple[Candidate, ...]
    coverage: tuple[SourceCoverage, ...]
    # Every council given a grade in this digest's stories, worst grade first.
    judgements: tuple[Judgement, ...] = ()
    # Stories beyond the digest's cap (MONITOR_DIGEST_MAX_ITEMS), least relevant: counted
    # and carried by the digest (recorded with it), not shown.
    hidden: tuple[DigestItem, ...] = ()

    @property
    def items(self) -> tuple[DigestItem, ...]:
        """The stories shown, section by section."""
        return tuple(item for section in self.sections for item in section.items)

    @property
    def story_count(self) -> int:
        """Every story the digest carries, shown or not."""
        return len(self.items) + len(self.hidden)

    @property
    def is_empty(self) -> bool:
        return not self.sections


def build_digest(
    candidates: Sequence[Candidate],
    activity: Sequence[SourceActivity],
    theme_names: Mapping[str, str],
    *,
    since: datetime | None,
    until: datetime,
    rejected: Sequence[str] = (),
    max_items: int | None = None,
) -> Digest:
    """Group the relevant candidates into stories and sections; pick the near misses.
    With `max_items`, only that many stories are shown (the most relevant, then the most
    recent); the rest are `hidden`, counted but not shown.

    An article sits under its highest-scoring theme and shows its other themes as tags;
    sections follow the order of `theme_names`, then articles matching no theme. Within a
    section: the more relevant first (in steps of 0.1), then the most recent. A story that
    is the same as one of the `rejected` texts (readers marked it not relevant) is left out.
    """
    relevant = sorted((c for c in candidates if c.relevant), key=_rank)
    texts = [f"{c.title}\n{c.text}" for c in relevant]
    stories = [
        group
        for group in group_same_stories([*texts, *rejected])
        if all(i < len(relevant) for i in group)
    ]
    stories = merge_same_judgements(relevant, stories)
    items = [_item([relevant[i] for i in group], theme_names) for group in stories]
    sections = []
    for theme_id, name in [*theme_names.items(), (None, OTHER_SECTION)]:
        members = sorted(
            (i for i in items if i.theme_id == theme_id), key=lambda i: _rank(i.article)
        )
        if members:
            sections.append(ThemeSection(theme_id, name, tuple(members)))
    near = sorted(
        (c for c in candidates if not c.relevant and c.relevance >= NEAR_MISS_FLOOR),
        key=lambda c: (-c.relevance, -c.date.timestamp(), c.id),
    )
    digest = Digest(
        since=since,
        until=until,
        sections=tuple(sections),
        near_misses=tuple(near[:NEAR_MISS_LIMIT]),
        coverage=summarise_coverage(activity, until),
        judgements=judgements_reported([i for s in sections for i in s.items]),
    )
    return digest if max_items is None else limit_stories(digest, max_items)


def limit_stories(digest: Digest, shown: int) -> Digest:
    """The digest showing only its `shown` best stories (by relevance, then date; at most
    those it shows now); the others move to `hidden`, the least relevant last. Sections keep
    their order; a section left empty goes."""
    ranked = sorted(digest.items, key=lambda i: _rank(i.article))
    kept = {id(i) for i in ranked[: max(shown, 0)]}
    sections = []
    for section in digest.sections:
        members = tuple(i for i in section.items if id(i) in kept)
        if members:
            sections.append(ThemeSection(section.theme_id, section.name, members))
    return replace(
        digest,
        sections=tuple(sections),
        hidden=(*(i for i in ranked if id(i) not in kept), *digest.hidden),
        judgements=judgements_reported([i for s in sections for i in s.items]),
    )


def merge_same_judgements(
    candidates: Sequence[Candidate], stories: list[list[int]]
) -> list[list[int]]:
    """Join stories that report the same council's same new grade within a few days: two
    differently worded reports of one inspection share few runs of words, but they are one
    story. Groups keep their members in input order, ordered by their first member."""
    parent = list(range(len(stories)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    seen: dict[tuple[str, str], list[tuple[int, datetime]]] = {}
    for g, group in enumerate(stories):
        for i in group:
            candidate = candidates[i]
            for authority in candidate.authorities:
                if authority.grade is None:
                    continue
                key = (authority.code, authority.grade)
                for other, when in seen.get(key, []):
                    if abs(candidate.date - when) <= SAME_JUDGEMENT_WITHIN:
                        parent[root(g)] = root(other)
                seen.setdefault(key, []).append((g, candidate.date))
    merged: dict[int, list[int]] = {}
    for g, group in enumerate(stories):
        merged.setdefault(root(g), []).extend(group)
    return sorted((sorted(m) for m in merged.values()), key=lambda m: m[0])


def judgements_reported(items: Sequence[DigestItem]) -> tuple[Judgement, ...]:
    """Each council with a grade in the items (once, from the lead article that gives it),
    worst grade first, then by name."""
    found: dict[str, Judgement] = {}
    for item in items:
        for article in (item.article, *item.also):
            for authority in article.authorities:
                if authority.grade is not None and authority.code not in found:
                    found[authority.code] = Judgement(authority, article)
    return tuple(
        sorted(
            found.values(),
            key=lambda j: (SEVERITY.get(j.authority.grade or "", 9), j.authority.name),
        )
    )


def _rank(candidate: Candidate) -> tuple[float, float, int]:
    band = int(candidate.relevance * 10 + 1e-9)
    return (-band, -candidate.date.timestamp(), candidate.id)


def _item(story: list[Candidate], theme_names: Mapping[str, str]) -> DigestItem:
    lead, others = story[0], story[1:]
    known = [m for m in lead.themes if m.theme_id in theme_names]
    top = known[0] if known else None
    summary = lede(lead.title, lead.text)
    evidence = top.evidence[:2] if top and top.evidence else (_excerpt(lead),)
    return DigestItem(
        article=lead,
        theme_id=top.theme_id if top else None,
        tags=tuple(theme_names[m.theme_id] for m in known[1:]),
        evidence=tuple(e for e in evidence if e and e != summary),
        also=tuple(sorted(others, key=lambda c: (c.first_seen_at, c.id))),
        summary=summary,
    )


def _excerpt(candidate: Candidate) -> str:
    text = " ".join((candidate.summary or candidate.text).split())
    if len(text) <= EXCERPT_CHARS:
        return text
    return text[:EXCERPT_CHARS].rsplit(" ", 1)[0] + " …"


def summarise_coverage(
    activity: Sequence[SourceActivity], now: datetime
) -> tuple[SourceCoverage, ...]:
    """Each source's state, the worrying ones first: failing, not polled, quiet, then ok."""
    order: dict[CoverageState, int] = {"failing": 0, "not polled": 1, "quiet": 2, "ok": 3}
    found = []
    for source in activity:
        silent = quiet_for(source, now)
        state: CoverageState
        if source.polls_ok + source.polls_failed == 0:
            state = "not polled"
        elif source.last_poll_failed:
            state = "failing"
        elif silent is not None:
            state = "quiet"
        else:
            state = "ok"
        found.append(
            SourceCoverage(
                name=source.name,
                url=source.url,
                state=state,
                polls_ok=source.polls_ok,
                polls_failed=source.polls_failed,
                new_articles=source.new_articles,
                error=source.last_error if source.polls_failed else None,
                silent_for=silent,
            )
        )
    return tuple(sorted(found, key=lambda c: (order[c.state], c.name.casefold())))


def quiet_for(source: SourceActivity, now: datetime) -> timedelta | None:
    """How long a source has gone without new entries, when that is much longer than usual."""
    times = source.new_entry_times
    if source.last_new_entry_at is None or len(times) < QUIET_MIN_EVENTS:
        return None
    usual = statistics.median((b - a).total_seconds() for a, b in itertools.pairwise(times))
    silence = now - source.last_new_entry_at
    if silence > max(QUIET_MINIMUM, timedelta(seconds=usual * QUIET_FACTOR)):
        return silence
    return None
