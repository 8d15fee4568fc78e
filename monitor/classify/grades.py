"""Ofsted grades stated in one sentence: which grade, and whether it is the new or an earlier one.

Pure. The scales: the current one (outstanding, good, requires improvement, inadequate) and
the 2008-2012 one (outstanding, good, adequate, inadequate; "performing poorly" and "poor" are
its lowest grade, reported here as inadequate; the 2009 annual ratings' "performing
excellently", "well" and "adequately" are outstanding, good and adequate after a rating verb).
"Requires improvement to be good" is requires improvement. A grade word counts only where the
sentence uses it as a rating: after a rating verb ("rated good", "judged to be inadequate",
"lifted to 'good'"), before a rating noun ("an inadequate judgement", "its good rating"), or
quoted ('good'). "A good relationship", "not good enough" and "poor inspection results" are
not ratings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

GRADES = ("outstanding", "good", "requires improvement", "adequate", "inadequate")
# Worst first: the order of the digest's "Judgements reported".
SEVERITY = {"inadequate": 0, "requires improvement": 1, "adequate": 1, "good": 2, "outstanding": 3}

_GRADE = (
    r"(?:requires? improvement(?: to be good)?|requiring improvement|outstanding|inadequate"
    r"|good|adequate|performing poorly|poor)"
)
# A grade word as a pattern, for callers that find grades their own way (a roundup's lines).
GRADE_PATTERN = _GRADE
_Q = r"['\"]?"
_ART = r"(?:(?:a|an|the|its|their|his|her)\s+)?"
# Words before a grade that make it a rating ("rated", "judged to be", "lifted to").
_VERB = (
    r"(?:rated|rating|re-rated|judged|graded|grade of|rating of|deemed|assessed as|found to be"
    r"|awarded|achieved|received|retained|retains|keeps|kept|remain|remains|remained|is now|are now"
    r"|still|stays|stay|stayed"
    r"|was|were|is|are|been|be|as|to|from|now|no longer|category of|judgement of)"
)
_NOUN = r"(?:rating|grade|judgement|judgment|verdict|category|label|overall|ofsted)"
_RATED = re.compile(
    rf"\b{_VERB}\s+(?:(?:to\s+be|as|being)\s+)?{_ART}{_Q}(?P<g>{_GRADE}){_Q}(?!\w)", re.IGNORECASE
)
_BEFORE_NOUN = re.compile(rf"(?<!\w){_Q}(?P<g>{_GRADE}){_Q}\s+{_NOUN}\b", re.IGNORECASE)
# "rated Wokingham Borough Council's children's services good", "rates the council
# inadequate overall", "rated them good in all areas"
_RATED_OBJECT = re.compile(
    rf"\b(?:rate|rates|rated|rating|judge|judges|judged|judging)\s+(?:(?:them|it)\s+|[^,.;]{{1,60}}?"
    rf"\b(?:services?|council|authority|borough|trust)(?:\s+(?:in|at|of|for)\s+[^,.;]{{1,40}}?)?"
    rf"\s+)(?:as\s+)?{_Q}(?P<g>{_GRADE}){_Q}(?!\w)",
    re.IGNORECASE,
)
# A headline's grade without a verb: "Salford children's services inadequate, Ofsted finds",
# "Council's services still 'good'". Only before the end, a comma, a dash or "says".
_SERVICES_GRADE = re.compile(
    rf"\b(?:services|council|trust)\s+(?:(?:still|now)\s+)?{_Q}(?P<g>{_GRADE}){_Q}"
    r"(?=\s*(?:$|[,:;]|-\s|\.$|\bsays?\b|\bafter\b|\bdespite\b|\bagain\b))",
    re.IGNORECASE,
)
# The two ends of the scale as an adjective of the council: "Commissioner sent in to
# inadequate Thurrock children's services", "an outstanding council" ("good children's
# services" is praise, not a grade).
_ADJECTIVE = re.compile(
    r"(?<![\w-])(?P<g>(?i:inadequate)|outstanding)\s+(?:[A-Z][\w'-]+\s+){0,3}?"
    r"(?i:children's\s+(?:services|social care)|council(?!\s+tax)|authority|local authority)\b"
)
# The 2009 annual ratings' scale: "rated as performing adequately", "judged to be performing
# well" (a rating verb first: "the service is performing well" is not a rating).
_PERFORMING = re.compile(
    r"\b(?:rated|judged|assessed|graded|deemed|found|ranked)\s+"
    r"(?:(?:[^,.;]{1,40}?\s+)?(?:as|to\s+be)\s+)?"
    rf"{_Q}(?P<g>performing\s+(?:excellently|well|adequately))\b",
    re.IGNORECASE,
)
# ... or without one in a sentence about the annual assessment: "Children's services in Dorset
# are performing well, according to Ofsted's annual assessment".
_PERFORMING_ASSESSED = re.compile(
    rf"\b(?:is|are|was|were)\s+{_Q}(?P<g>performing\s+(?:excellently|well|adequately))\b",
    re.IGNORECASE,
)
_ANNUAL = re.compile(r"\bannual (?:assessment|performance assessment|rating)", re.IGNORECASE)
_PERFORMING_GRADES = {"excellently": "outstanding", "well": "good", "adequately": "adequate"}
# "require improvement to be good" needs no verb: "Children's services in Hillingdon require
# improvement", "services that require improvement".
_REQUIRES = re.compile(
    r"(?<!\w)(?P<g>(?:requires?|requiring) improvement(?: to be good)?)(?!\w)", re.IGNORECASE
)
# A grade after a colon, alone or with "(previously X)": the lines of a roundup or a list of
# judgements ("Torbay: requires improvement (previously inadequate)", "- Overall
# effectiveness: good"), or a cell of a text table's row ("Derby | Requires improvement | 2025").
_LISTED = re.compile(
    rf"^[^:|]{{1,80}}(?::|\s-|\|)\s*{_Q}(?P<g>{_GRADE}){_Q}\s*(?=\(|$|\.$|;|\|"
    # or the earlier grade after a comma: "Hull: good, up from requires improvement"
    r"|,\s*(?:up from|down from|unchanged|previously|formerly|the same)\b)",
    re.IGNORECASE,
)
# A list of the grades themselves ("one of four ratings: outstanding, good, requires
# improvement or inadequate") rates nothing.
_ENUMERATION = re.compile(
    rf"{_Q}{_GRADE}{_Q}(?:\s*(?:,|/|\bor\b|\band\b|,\s*or|,\s*and)\s*{_Q}{_GRADE}{_Q}){{2,}}",
    re.IGNORECASE,
)
_PARENTHESISED = re.compile(
    rf"\((?:previously|formerly|was|from|up from|down from)\s+{_Q}(?P<g>{_GRADE}){_Q}\)",
    re.IGNORECASE,
)
_TOP = re.compile(r"\b(?:the\s+)?top\s+(?:ofsted\s+)?(?:grade|rating|judgement)", re.IGNORECASE)
_QUOTED = re.compile(rf"['\"](?P<g>{_GRADE})['\"]", re.IGNORECASE)
_POORLY = re.compile(r"\bperforming poorly\b", re.IGNORECASE)
_TRANSITION = re.compile(
    rf"\bfrom\s+{_ART}{_Q}(?P<old>{_GRADE}){_Q}(?:\s+(?:rating|grade|judgement))?"
    rf"\s+(?:to|into)\s+{_ART}{_Q}(?P<new>{_GRADE}){_Q}(?!\w)",
    re.IGNORECASE,
)
# "upgraded to good from requires improvement", "cut to inadequate from good"
_REVERSED_TRANSITION = re.compile(
    rf"\bto\s+{_ART}{_Q}(?P<new>{_GRADE}){_Q}(?:\s+(?:rating|grade|judgement))?"
    rf"\s+from\s+{_ART}{_Q}(?P<old>{_GRADE}){_Q}(?!\w)",
    re.IGNORECASE,
)
# "the inadequate-rated council"
_HYPHEN_RATED = re.compile(rf"(?<!\w)(?P<g>{_GRADE})-(?:rated|graded)\b", re.IGNORECASE)
# "the lowest possible rating", "the highest grade", "the second-highest rating" (good on
# either scale; "second-lowest" is not one grade)
_EXTREME = re.compile(
    r"(?<![\w-])(?P<end>lowest|highest|second[- ]highest)\s+(?:possible\s+)?(?:ofsted\s+)?"
    r"(?:grade|rating|judgement|score)",
    re.IGNORECASE,
)
# A grade left behind: "has shaken off the inadequate rating it has carried since 2011".
_SHED = (
    r"\bshak(?:e|es|en|ing) off|\bshed(?:s|ding)?\b|\b(?:left|leaves?|leaving) behind"
    r"|\bescap(?:e|es|ed|ing)\b|\bthrown off|\bthrew off|\bcast off"
)
# A non-restrictive relative clause about an earlier inspection: "Kirklees, which was rated
# inadequate in 2016, was judged good" (its grades are earlier ones; the main clause's is new).
EARLIER_CLAUSE = re.compile(
    r",\s*(?:which|who|whose\s+(?:[\w']+\s+){0,2}?services)\s+(?:was|were|had been"
    r"|had previously been)\s+[^,.;()]{3,160}?,",
    re.IGNORECASE,
)
# Words that mark a grade as the earlier one.
_PREVIOUS_BEFORE = re.compile(
    r"(?:previously|formerly|before that|up from|down from|falling from|fell from|dropping from"
    r"|moved from|improved from|no longer|out of|improvement on|after being|had been"
    r"|having been|after (?:they|it) (?:were|was|had been)|\bonce|last year|drop from"
    rf"|dropped from|slipped from|down on|\blos[et]s?\b|\blosing\b|stripped of|{_SHED}"
    r"|(?<!since its )(?<!since the )(?<!since their )(?<!since )"
    r"\b(?:last|previous|prior|earlier) (?:full |standard |ilacs )?(?:inspection|visit|rating"
    r"|grade|judgement)"
    r"|\blast visited|\byears? ago\b|\b(?:inspections?|visits?) at which\b"
    # "three years after judging them good", "Council that was rated good 'misled inspectors'"
    r"|\b(?:years?|months?) after\b|\b(?:council|authority|trust) (?:that|which) was\b"
    r"|\blast (?:rated|judged|graded|inspected)\b)"
    r"[^.;]{0,40}$",
    re.IGNORECASE,
)
# Every branch of _PREVIOUS_BEFORE holds one of these (most windows before a grade hold none).
_PREVIOUS_WORDS = (
    "previous",
    "formerly",
    "before that",
    "from",
    "no longer",
    "out of",
    "improvement on",
    "after",
    "been",
    "once",
    "last",
    "down on",
    "los",
    "stripped",
    "shak",
    "shed",
    "behind",
    "escap",
    " off",
    "prior",
    "earlier",
    "ago",
    "at which",
    "that was",
    "which was",
)
# A sentence about an earlier inspection: "At its last inspection, in 2017, the council's
# services were rated inadequate".
_PREVIOUS_OPENING = re.compile(
    r"^(?:at|in|after|following) (?:its|their|the council's|the) (?:last|previous|prior"
    r"|earlier|first) (?:full |standard )?(?:inspection|visit)\b[^.;]*,",
    re.IGNORECASE,
)
_SUPERSEDED_BEFORE = re.compile(
    rf"(?:no longer|out of|\blos[et]s?\b|\blosing\b|stripped of|{_SHED}"
    r"|up from|down from|improved from"
    r"|moved from|falling from|fell from|dropping from|dropped from|slipped from)[^.;]{0,40}$",
    re.IGNORECASE,
)
_PREVIOUS_AFTER = re.compile(
    r"^[^.;,]{0,60}\b(?:at|in|from)\s+(?:its|their|the)\s+(?:last|previous|earlier|prior)"
    r"\b|^[^.;,]{0,20}\blast year\b|^[^.;,]{0,30}\b(?:before\b|years? ago\b|in (?:19|20)\d\d\b)",
    re.IGNORECASE,
)
# A grade still held: "remains inadequate in 2024", "has not moved out of requires
# improvement", "failed to shake off its inadequate rating" (never the earlier grade).
_KEPT_BEFORE = re.compile(
    r"\b(?:remains?|remained|still|stays?|stayed|continues? to be)\s+(?:rated\s+|judged\s+)?"
    r"(?:as\s+)?['\"]?$"
    r"|\b(?:not|never|n't|failed to|yet to|unable to)\s+(?:\w+\s+){0,3}?(?:out of|moved? (?:up )?"
    r"from|los[et]|shak\w* off|escap\w*)\s+(?:(?:the|its|their)\s+)?['\"]?$",
    re.IGNORECASE,
)
_CURRENT_BEFORE = re.compile(
    r"\b(?:now|today|currently|(?:has|have) since)\b[^.;,]{0,40}$", re.IGNORECASE
)
# A rating verb that makes "good" a grade whatever follows ("rated good for the first time").
_STRONG_BEFORE = re.compile(
    r"\b(?:rated|re-rated|judged|graded|deemed)\s+(?:as\s+|to\s+be\s+)?['\"]?$", re.IGNORECASE
)
_NOT_RATING_AFTER = re.compile(
    r"^['\"]?\s+(?:enough|practice|progress|relationships?|news|work|deal|reason|idea|start"
    r"|days|times|things|signs?|people|ones|way|place|job|example|outcomes|quality"
    r"|as|for|and\s+(?:bad|evil))\b",
    re.IGNORECASE,
)
# "outstanding" as "not yet dealt with": "still outstanding concerns", "actions outstanding".
_UNRESOLVED_AFTER = re.compile(
    r"^['\"]?\s+(?:issues?|concerns?|actions?|recommendations?|cases?|work|debts?|questions?"
    r"|payments?|complaints?|matters?|balances?|invoices?|referrals?|assessments?)\b",
    re.IGNORECASE,
)
# A grade aimed at is not one given: "while it worked towards a good rating".
_AIMED_BEFORE = re.compile(
    r"\b(?:towards?|aims? (?:for|to be)|aiming (?:for|to be)|hopes? to be|bid for|push for"
    r"|ambition (?:of|to be)|target of|goal of|on track for|on course for)\s+(?:an?\s+)?['\"]?$",
    re.IGNORECASE,
)
_NEGATED_BEFORE = re.compile(
    r"\b(?:not|never|isn't|wasn't|hasn't|haven't)\s+(?:\w+\s+){0,2}$", re.IGNORECASE
)


# A sentence that explains a scale states no council's grade: "A score of four means performing
# excellently, three performing well, two performing adequately and one performing poorly".
_SCALE = re.compile(
    r"\b(?:score|grade|rating|mark) of (?:one|two|three|four|[1-4])\s+(?:means|indicates"
    r"|stands for|is given for)\b",
    re.IGNORECASE,
)
# A story explaining the 2008-2012 annual assessment's scores ("a score from one to four", "a
# score of four means performing excellently") has its councils' scores as grades.
_FOUR_POINT = re.compile(
    r"\b(?:one|1)\s+to\s+(?:four|4)\b|\bfour-point scale\b|" + _SCALE.pattern, re.IGNORECASE
)
# A council's score: "Poole received a score of two", "Bournemouth, which received a three",
# "was given a score of 1".
_SCORED = re.compile(
    r"\b(?:received|receives|was given|were given|is given|awarded|achieved|gets|got|scored)"
    r"\s+(?:a|an overall)\s+(?:score\s+of\s+)?(?P<n>one|two|three|four|[1-4])\b(?![-\w])"
    r"|(?:\b(?:a|its|their)|'s) score of (?P<m>one|two|three|four|[1-4])\b(?![-\w])"
    # a line of scores: "Ealing: 3", "Ealing | 3"
    r"|^[^:|]{1,80}[:|]\s*(?P<l>[1-4])\s*$",
    re.IGNORECASE,
)
_SCORE_GRADES = {
    "4": "outstanding",
    "3": "good",
    "2": "adequate",
    "1": "inadequate",
    "four": "outstanding",
    "three": "good",
    "two": "adequate",
    "one": "inadequate",
}


_FOUR_POINT_WORDS = (
    "to four",
    "to 4",
    "four-point",
    "score of",
    "grade of",
    "rating of",
    "mark of",
)


def explains_scores(text: str) -> bool:
    """Whether the story gives the annual assessment's four-point scale: its councils' scores
    ("received a three") are then grades."""
    lowered = text.lower()
    # Each way of giving the scale holds one of these: most stories hold none.
    if not any(word in lowered for word in _FOUR_POINT_WORDS):
        return False
    return _FOUR_POINT.search(text) is not None


def find_scores(sentence: str) -> list[GradeStatement]:
    """The annual assessment scores a sentence gives councils, as grades (four outstanding,
    three good, two adequate, one inadequate); for stories that explain the scale."""
    if " of " in sentence and _SCALE.search(sentence):
        return []
    found = []
    for match in _SCORED.finditer(sentence):
        group = next(g for g in "nml" if match[g])
        grade = _SCORE_GRADES[match[group].lower()]
        found.append(GradeStatement(match.start(group), match.end(group), grade, None))
    return found


# Every pattern below needs one of these: most sentences have none.
_GRADE_WORDS = (
    "outstanding",
    "good",
    "adequate",
    "improvement",
    "poor",
    "performing",
    "top",
    "lowest",
    "highest",
)


def canonical(word: str) -> str:
    """The grade a grade word stands for."""
    word = " ".join(word.lower().split())
    if word.startswith(("requires improvement", "require improvement", "requiring")):
        return "requires improvement"
    if word in ("poor", "performing poorly"):
        return "inadequate"
    if word.startswith("performing "):
        return _PERFORMING_GRADES.get(word.split()[-1], word)
    return word


@dataclass(frozen=True)
class GradeStatement:
    """A grade a sentence states, where (character offsets), and whether it is the new grade
    or an earlier one (`previous`); a transition ("from X to Y") gives both."""

    start: int
    end: int
    grade: str | None
    previous: str | None
    # The sentence says the earlier grade has gone ("no longer inadequate", "lost its good
    # rating"): it is not the latest grade, even when the story gives no new one.
    superseded: bool = False
    # The sentence marks the grade as today's ("now rated good", "has since moved to requires
    # improvement"): it is the latest, whatever an earlier sentence of the story said.
    current: bool = False


def marked_earlier(before: str) -> bool:
    """Whether the words before a grade mark it as an earlier one ("last year X was rated")."""
    return _previous_before(before) and _KEPT_BEFORE.search(before) is None


def _previous_before(text: str) -> bool:
    """Whether `_PREVIOUS_BEFORE` matches: tried only where one of its words is."""
    lowered = text.lower()
    return (
        any(word in lowered for word in _PREVIOUS_WORDS)
        and _PREVIOUS_BEFORE.search(text) is not None
    )


def find_grades(sentence: str) -> list[GradeStatement]:
    """The ratings stated in a sentence, in order; overlapping finds are merged."""
    lowered = sentence.lower()
    if not any(word in lowered for word in _GRADE_WORDS):
        return []
    if " of " in lowered and _SCALE.search(sentence):
        return []
    found: list[GradeStatement] = []
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    taken.extend(m.span() for m in _ENUMERATION.finditer(sentence))
    for match in (*_TRANSITION.finditer(sentence), *_REVERSED_TRANSITION.finditer(sentence)):
        if not free(*match.span()):
            continue
        found.append(
            GradeStatement(
                match.start(), match.end(), canonical(match["new"]), canonical(match["old"])
            )
        )
        taken.append(match.span())
    spans: list[tuple[int, int, str]] = []
    patterns = [_RATED, _BEFORE_NOUN, _RATED_OBJECT, _SERVICES_GRADE, _QUOTED, _REQUIRES, _LISTED]
    # The rarer patterns only where their words are.
    if "inadequate" in lowered or "outstanding" in lowered:
        patterns.append(_ADJECTIVE)
    if "performing" in lowered:
        patterns.append(_PERFORMING)
        if _ANNUAL.search(sentence):
            patterns.append(_PERFORMING_ASSESSED)
    if "(" in sentence:
        patterns.append(_PARENTHESISED)
    for pattern in patterns:
        for match in pattern.finditer(sentence):
            spans.append((match.start("g"), match.end("g"), match["g"]))
    for match in _POORLY.finditer(sentence):
        spans.append((match.start(), match.end(), match[0]))
    for match in _TOP.finditer(sentence):
        spans.append((match.start(), match.end(), "outstanding"))
    for match in _EXTREME.finditer(sentence):
        end = match["end"].lower()
        grade = {"highest": "outstanding", "lowest": "inadequate"}.get(end, "good")
        spans.append((match.start(), match.end(), grade))
    for match in _HYPHEN_RATED.finditer(sentence):
        spans.append((match.start("g"), match.end("g"), match["g"]))

    earlier = _PREVIOUS_OPENING.match(sentence) is not None
    clauses = [m.span() for m in EARLIER_CLAUSE.finditer(sentence)] if "," in sentence else []
    for start, end, word in sorted(spans):
        if not free(start, end):
            continue
        grade = canonical(word)
        after = sentence[end : end + 40]
        before = sentence[max(0, start - 60) : start]
        if (
            sentence[start:end].lower() == "good"
            and _NOT_RATING_AFTER.match(after)
            and not _STRONG_BEFORE.search(before)
        ):
            continue
        if grade == "outstanding" and _UNRESOLVED_AFTER.match(after):
            continue
        if _NEGATED_BEFORE.search(before) or _AIMED_BEFORE.search(before):
            continue
        if word.lower() == "poor" and not re.search(r"\b(?:rated|judged|as)\s+$", before):
            continue
        taken.append((start, end))
        inside = any(s <= start and end <= e for s, e in clauses)
        # After such a clause, only the words since its close bear on the main clause's grade.
        closed = [e for s, e in clauses if e <= start and start - e <= 60]
        if closed and not inside:
            before = sentence[max(closed) : start]
        kept = _KEPT_BEFORE.search(before) is not None
        if inside or (
            not kept and (earlier or _previous_before(before) or _PREVIOUS_AFTER.match(after))
        ):
            superseded = bool(_SUPERSEDED_BEFORE.search(before))
            found.append(GradeStatement(start, end, None, grade, superseded))
        else:
            current = bool(_CURRENT_BEFORE.search(before))
            found.append(GradeStatement(start, end, grade, None, current=current))
    found.sort(key=lambda g: g.start)
    if clauses and len(found) >= 2 and all(g.grade is None for g in found):
        # "Bury, which was judged inadequate in 2021 and requires improvement last year, has
        # had monitoring visits": with no grade in the main clause, the last of a clause's
        # run of grades is the latest one.
        last, prior = found[-1], found[-2]
        span = next((c for c in clauses if c[0] <= prior.start and last.end <= c[1]), None)
        if span is not None and not last.superseded and last.previous and prior.previous:
            found[-1] = GradeStatement(last.start, last.end, last.previous, prior.previous)
    return found
