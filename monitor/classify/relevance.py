"""Is an article substantially about Ofsted in relation to children's social care?

Four lexicons are counted over the title and the text: Ofsted (by name, its chief inspector and
its frameworks), inspection language, children's social care, and the two neighbours an Ofsted
story is most often confused with: schools and early years, and adult health and care (CQC).
The score is high only when Ofsted is named, children's social care dominates the neighbours,
and sentences tie the two together; a passing mention of either side scores low.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from dataclasses import dataclass

from monitor.classify.lexicon import Lexicon

# The lexicons are lower case and matched against lower-cased text (twice as fast as
# IGNORECASE); `measure` lower-cases its input.
_I = re.NOFLAG

OFSTED = re.compile(
    r"\bofsted\b|\bhmci\b|\b(?:his|her) majesty's chief inspector\b|\bilacs\b|\bjtais?\b"
    r"|\bsccif\b|\bsingle inspection framework\b|\binspection of local authority children's"
    r" services\b|\bjoint targeted area inspections?\b|\beducation watchdog\b",
    _I,
)
INSPECTION = re.compile(
    r"\binspect(?:ion|ions|ed|ing|or|ors|orate|orates)?\b|\bregulator\b|\bwatchdog\b"
    r"|\bmonitoring visits?\b|\bfocused visits?\b|\bjudge?(?:d|ment|ments|ement|ements)\b"
    r"|\brated\b|\bdowngraded\b|\bupgraded\b",
    _I,
)
SOCIAL_CARE = re.compile(
    r"\bchildren's (?:services|social care|social workers?|homes?|home)\b|\bchild protection\b"
    r"|\bchildren (?:in care|in need|looked after)\b|\blooked[- ]after (?:children|child)\b"
    r"|\bcare leavers?\b|\bleaving care\b|\bcare[- ]experienced\b|\bfoster(?:ing| carers?| care)\b"
    r"|\badopt(?:ion|ions|ers?|ive|ed)\b|\bsocial work(?:ers?)?\b|\bsafeguarding partners\b"
    r"|\bmulti-agency safeguarding\b|\bdirectors? of children's services\b|\bsexual exploitation\b"
    r"|\bcriminal exploitation\b|\bsupported accommodation\b|\bunregistered\b"
    r"|\bsecure (?:children's )?homes?\b"
    r"|\bearly help\b|\bfamily help\b|\bcorporate parent(?:ing|s)?\b|\bkinship\b|\bspecial guardian"
    r"|\bresidential (?:care|homes?|special schools?)\b|\bplacements?\b|\bcare proceedings\b"
    r"|\bchildren's care\b|\bcare of (?:children|vulnerable)\b|\bin care\b"
    # Ofsted's children's social care frameworks name the field themselves.
    r"|\bilacs\b|\bsingle inspection framework\b|\bsccif\b|\bjtais?\b"
    r"|\bjoint targeted area inspections?\b|\bsocial care (?:inspections?|inspectors?|regulation)\b"
    r"|\b(?:director|directorate|deputy director) (?:for|of) social care\b"
    r"|\b(?:go|goes|going|gone|went) missing\b|\bmissing (?:children|from care|from home)\b"
    r"|\breturn (?:home )?interviews?\b|\bchildren at risk\b",
    _I,
)
SOCIAL_CARE_WEAK = re.compile(
    r"\bsafeguarding\b|\bsocial care\b|\bvulnerable (?:children|teenagers|young people)\b"
    r"|\bat risk of harm\b|\bneglect\b|\bexploitation\b|\bfamilies\b",
    _I,
)
SCHOOLS = re.compile(
    r"\bschools?\b|\bpupils?\b|\bteach(?:ers?|ing)\b|\bhead ?teachers?\b|\bacadem(?:y|ies)\b"
    r"|\bcurriculum\b|\blessons?\b|\bclassrooms?\b|\bgcses?\b|\bexams?\b|\bnurser(?:y|ies)\b"
    r"|\bearly years\b|\bchildminders?\b|\bchildminding\b|\bchildcare\b|\bcolleges?\b"
    r"|\bfurther education\b|\bapprentice(?:s|ships?)?\b|\buniversit(?:y|ies)\b|\bsixth form\b"
    r"|\battendance\b|\boff-rolling\b|\bspecial educational needs\b|\btrainees?\b",
    _I,
)
ADULT_HEALTH = re.compile(
    r"\bcare quality commission\b|\bcqc\b|\bcare homes?\b|\bnursing homes?\b|\bresidents\b"
    r"|\bolder people\b|\bdementia\b|\badult social care\b|\bhospitals?\b|\bmaternity\b"
    r"|\bpatients?\b|\bnhs trusts?\b|\bcare inspectorate\b|\bindependent schools inspectorate\b"
    r"|\bestyn\b",
    _I,
)


@dataclass(frozen=True)
class RelevanceSignals:
    ofsted: int
    ofsted_in_title: int
    inspection: int
    social_care: float
    social_care_in_title: float
    schools: int
    adult_health: int
    linked_sentences: int
    oversight_share: float  # share of sentences that speak of Ofsted or inspection


# The same lexicons, matched where their words begin (lexicon.py): over the body, the bulk of
# the text.
_IN_BODY = {
    pattern: Lexicon.of(pattern)
    for pattern in (OFSTED, INSPECTION, SOCIAL_CARE, SOCIAL_CARE_WEAK, SCHOOLS, ADULT_HEALTH)
}


def _count(pattern: re.Pattern[str], text: str) -> int:
    return len(pattern.findall(text))  # one list, made in C: faster than counting finditer


def _sentences_of(starts: list[int], line_starts: list[int]) -> set[int]:
    """The lines (starting at `line_starts`) in which these matches start."""
    return {bisect_right(line_starts, start) - 1 for start in starts}


def measure(title: str, sentences: list[str]) -> RelevanceSignals:
    """The signals of a title and its sentences. Each lexicon is run once over the body (the
    sentences joined by newlines); no lexicon matches a newline, so the sentences a match
    starts in are those where `search` would find one."""
    title = title.lower()
    sentences = [s.lower() for s in sentences]
    body = "\n".join(sentences)
    line_starts, position = [], 0
    for sentence in sentences:
        line_starts.append(position)
        position += len(sentence) + 1
    ofsted, inspection, social_care = (
        _IN_BODY[lexicon].starts(body) for lexicon in (OFSTED, INSPECTION, SOCIAL_CARE)
    )
    oversight = _sentences_of(ofsted, line_starts) | _sentences_of(inspection, line_starts)
    linked = len(oversight & _sentences_of(social_care, line_starts))
    if (OFSTED.search(title) or INSPECTION.search(title)) and SOCIAL_CARE.search(title):
        linked += 1
    return RelevanceSignals(
        ofsted=len(ofsted) + _count(OFSTED, title),
        ofsted_in_title=_count(OFSTED, title),
        inspection=len(inspection) + _count(INSPECTION, title),
        social_care=len(social_care) + 0.5 * _IN_BODY[SOCIAL_CARE_WEAK].count(body),
        social_care_in_title=_count(SOCIAL_CARE, title) + 0.5 * _count(SOCIAL_CARE_WEAK, title),
        schools=_IN_BODY[SCHOOLS].count(body) + _count(SCHOOLS, title),
        adult_health=_IN_BODY[ADULT_HEALTH].count(body) + _count(ADULT_HEALTH, title),
        linked_sentences=linked,
        oversight_share=len(oversight) / max(1, len(sentences)),
    )


def relevance_score(s: RelevanceSignals) -> float:
    """0 to 1. Ofsted must be named; children's social care must outweigh its neighbours."""
    if s.ofsted == 0:
        return 0.0
    ofsted = 1 - math.exp(-(s.ofsted + 2 * s.ofsted_in_title + 0.3 * min(s.inspection, 10)) / 2)
    # One mention in a long article is a passing mention, however social-care the rest is.
    ofsted *= min(1.0, (s.oversight_share + 0.5 * s.ofsted_in_title) / 0.2) ** 0.5
    social_care = 1 - math.exp(-(s.social_care + 1.5 * s.social_care_in_title) / 3)
    linked = 1 - math.exp(-s.linked_sentences / 1.5)
    focus = (s.social_care + 1) / (s.social_care + 1 + s.schools + s.adult_health)
    return float(ofsted * (0.25 + 0.35 * social_care + 0.4 * linked) * focus**0.7)
