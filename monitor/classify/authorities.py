"""Which councils a story is about, and the Ofsted grade it reports for each. Pure.

The gazetteer finds every name; this decides which of them are the story's subject. Each
mention is weighed by where it is (the headline and the opening sentences count most) and by
what its sentence says: inspection and judgement words near it count for it; being an
improvement partner or helper ("Salford, which has been asked to act as an improvement
partner", "Essex will help Southend improve"), a speaker's employer ("said X, director of
children's services at Hampshire", unless the sentence gives that council's grade from Ofsted),
a place ("a children's home in Lancashire"), a neighbour or an example without a grade of its
own (with one, "neighbouring Dudley, which is rated good", it is a subject), an exception or a
council not inspected ("the inspection does not cover Nottinghamshire"), one of a list, or a
caption or newsletter line counts for nothing. An opening sentence going on about "the council"
counts for the council the sentence before named. A shared trust ("Achieving for Children")
counts for the members its sentence names. An authority is about the story when its weight is
high enough on its own and beside the story's main authority, or when it has a section of its
own in a roundup ("Torbay: requires improvement (previously inadequate)", a text table's row),
or when a sentence gives it its own grade; a former authority beside its successor is dropped.

The grade of an authority is the rating stated nearest one of its mentions (in the same
sentence, and closer to it than to another council's name); or in a sentence naming no council
that goes on about it ("The borough was rated good in 2018") or lies in its roundup section;
or, for the main authority only, in an opening sentence naming no other council and not about
councils in general, or in a judgement list's "Overall effectiveness: X" line, which wins. A
grade stated for a counted group ("three councils rated inadequate") goes to each council
without one. Sentences about sub-judgements (help and protection, children in care, care
leavers, the impact of leaders) and about other providers (a children's home, a school, CQC)
give none.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field, replace

from monitor.classify.gazetteer import Authority, Gazetteer, Mention
from monitor.classify.grades import (
    EARLIER_CLAUSE,
    GRADE_PATTERN,
    GradeStatement,
    canonical,
    explains_scores,
    find_grades,
    find_scores,
    marked_earlier,
)
from monitor.classify.text import normalise, split_sentences
from monitor.models import AuthorityMatch

# Weight of a mention by its place: the headline, the first body sentences, the next, the rest.
_TITLE, _LEAD, _EARLY, _LATER = 3.0, 2.0, 1.0, 0.5
_LEAD_SENTENCES, _EARLY_SENTENCES = 3, 6
# Without an inspection word in its sentence, a mention counts this share of its weight.
_UNCUED = 0.3
# An authority is about the story with this much weight, and this share of the top one's.
_ABOUT, _RELATIVE = 2.0, 0.35
# A mention given its own grade counts at least this much, wherever it is, and makes the council
# one of the story's subjects: a council named only in a later paragraph with its grade ("Leeds
# was judged to be performing well"), a neighbour compared ("Its neighbour Bolton is rated good").
_GRADED = 2.0
# What lies between a council's name and its grade when the grade is not the council's own
# rating: an aside ("Leeds, rated outstanding, ..."), a grade of councils in general ("are
# among the councils rated inadequate"), an example ("Leeds, an example of a council rated").
_ASIDE = re.compile(
    r",\s*(?i:which|who|where)\b[^,]*,"
    r"|,\s*(?i:by contrast|in contrast|meanwhile|however|too|for its part|though|in turn),"
    # where it is: "Tameside, in Greater Manchester, was judged ..."
    r"|,\s*(?:in|near|on) (?:the )?[A-Z][^,]{1,40},"
)
_NOT_RATED_BETWEEN = re.compile(
    r"^\s*[,(-]|\b(?:which|who|where|councils|authorities|a council|an authority|one of"
    r"|among|example|include|includes|including|like)\b",
    re.IGNORECASE,
)
# ... but a clause of the council's own giving its grade is its rating: "Neighbouring Dudley,
# which was rated requires improvement in 2019, ...", "Knowsley, one of the most deprived
# areas, which was rated inadequate", "Leeds and Hertfordshire, both rated outstanding".
_RATED_CLAUSE = re.compile(
    r"(?:\s+(?:County|City|Borough|Metropolitan Borough)?\s*Council)?,\s*(?:[^,;]{0,80},\s*)?"
    r"(?:which|that|whose)\s+(?:(?!\b(?:councils|authorities|many|most|other)\b)[^,.;]){0,80}"
    # "Leeds and Hertfordshire, both rated outstanding"
    r"|,\s*(?:both|all|each)\s+(?:now\s+)?(?:rated|judged|graded)\s+(?:as\s+)?",
    re.IGNORECASE,
)
_APPOSITIVE_RATED = re.compile(
    r"(?:\s+(?:County|City|Borough|Metropolitan Borough)?\s*Council)?,\s*(?:is|was|were|are"
    r"|has been|have been)\s+(?:also\s+|now\s+)?(?:rated|judged|graded)\s+(?:as\s+|to\s+be\s+)?"
)
# A grade before the name it is for: "the lowest rating is Birmingham", "rated good was Leeds".
_INVERTED = re.compile(r"['\"]?\s*(?:rating|grade|judgement)?\s*(?:is|was|were|are|went to)\s+")
# A sentence rating "the council" this close after one naming it gives that council its grade.
_GOES_ON = 2
# Sentences naming this many authorities are lists ("Doncaster, Sunderland and Slough").
_LIST = 3

_CUE = re.compile(
    r"ofsted|(?<!chief )inspect|\brated\b|\brating|\bjudged|judgement|judgment|\bgrade|inadequate"
    r"|outstanding|requires improvement|requiring improvement|monitoring visit|focused visit"
    r"|monitoring letter|joint targeted|intervention|commissioner|statutory direction"
    r"|improvement notice|performing poorly|children's services|children's social care"
    r"|performing (?:excellently|well|adequately)|annual (?:performance )?assessment"
    # a move between grades needs no other word: "North Somerset moved to good in the spring"
    r"|\b(?:moved|moves|rose|climbed|slipped|slips|fell|dropped|drops|lifted|upgraded"
    r"|downgraded|improved|back|up|down) to ['\"]?(?:good|outstanding|inadequate|requires)"
)
_BOILERPLATE = re.compile(
    r"^(?:photo|picture|credit|related|sign up|subscribe|read more|see also|caption)\b",
    re.IGNORECASE,
)
# Cues that the mention BEFORE them is a helper, not the subject.
_HELPER_AFTER = re.compile(
    r"^[^.;]{0,120}?\b(?P<cue>improvement partner|partner in practice|act as (?:a|an|its) partner"
    r"|(?:is|has been|was|were) (?:helping|supporting|mentoring|advising)"
    r"|(?:is|has been|was|were|have been) (?:providing|offering|giving|lending) (?:[\w-]+ ){0,2}?"
    r"(?:support|help|advice|expertise)"
    r"|(?:to|will|would|is to|has agreed to|has been asked to) (?:help|support)\b[^.;]{1,60}?"
    r"\bimprove|sector-led improvement partner"
    # a headline's "Lincolnshire to help North East Lincolnshire after ..."
    r"|(?:to|will) (?:help|support|mentor|advise)\s+(?-i:[A-Z]))",
    re.IGNORECASE,
)
# Every cue of _HELPER_AFTER holds one of these.
_HELPER_WORDS = (
    "partner",
    "help",
    "support",
    "mentor",
    "advis",
    "provid",
    "offer",
    "giving",
    "lend",
)
# Cues that the mention AFTER them is a helper, a comparison, a place or someone's employer.
# (Each is searched for once per sentence; a mention follows one when what lies between is
# a few words, without a full stop: see _Sentence.after_phrase.)
_DEMOTE_BEFORE = re.compile(
    r"\b(?:supported by|helped by|advised by|mentored by|partnered with|partnership with"
    r"|working with|alongside|with help from|with support from"
    r"|does not cover|did not include|do not include|not include|excluding"
    r"|support (?:offered|provided|given) by|backed by|with the help of|help from"
    r"|formerly of|formerly at|former"
    r"|competing with|compete with|competes with"
    r"|previously worked at|previously at|on secondment from"
    r"|(?:home|homes|school|schools|nursery|nurseries|academy|college"
    r"|agency|provider|hospital|prison|care home|unit|setting)s? (?:in|near|based in|run by|on)"
    r"|(?:conference|summit|event|meeting|speech|festival|rally|audience)s? (?:in|at|near)"
    # whom a provider serves: "supports 140 foster families across the North East and Kent"
    r"|(?:famil(?:y|ies)|children|carers|households|homes|placements|people) (?:across"
    r"|throughout)"
    r"|run jointly with|shared services? with|universit(?:y|ies) of"
    # a span of places, not one council: "councils from Cumbria to Kent"
    r"|(?:councils|authorities|areas|places) (?:ranging )?from)"
    r"(?=\s)"
)
# Cues that the mention AFTER them is a comparison: it counts for nothing unless the sentence
# gives its own grade ("neighbouring Bournemouth has been judged to be performing well").
_COMPARED_BEFORE = re.compile(
    r"\b(?:neighbouring|neighbours?|unlike|like|compared with|compared to|as well as|also"
    r"|the same as|such as|including)(?=\s)"
)
# A speaker's employer: "director of children's services at Hampshire", "the leader of
# Bracknell Forest Council", "Gateshead's director", "the Hampshire chief executive".
_EMPLOYER_BEFORE = re.compile(
    r"\b(?:chief executive of|director(?: of children's services)? (?:at|of|for|in)"
    r"|(?:leader|chair|head|president) of|who chairs|who leads)(?=\s)"
)
_GAP = re.compile(r"\s+(?:the\s+)?[^.;]{0,25}")
_EMPLOYER_AFTER = re.compile(
    r"^(?:'s)?\s*(?:,\s*)?(?:(?:corporate|strategic|interim|acting|assistant|deputy|new"
    r"|former|outgoing|council)\s+)*(?:director|chief executive|executive director|leader|head"
    r"|cabinet member|lead member|chair|president|mp)\b",
    re.IGNORECASE,
)
# The mention followed by these is a place's adjective or outside the inspection.
_DEMOTE_AFTER = re.compile(
    r"^(?:'s)?\s*(?:,\s*)?(?:police|constabulary|university"
    r"|cathedral|hospital|nhs|clinical commissioning|icb|integrated care)\b"
    # where a provider is: "the Bristol-based agency"
    r"|^-based\b"
    # a place: "on the Lincolnshire coast", "a Kent village"
    r"|^\s+(?:coast|coastline|countryside|village|villages|seaside|town of|market town)\b"
    r"|^[^.;]{0,30}"
    r"\b(?:was|were|are|is) not part of|^'s (?:services|children's services) (?:were|are) not",
    re.IGNORECASE,
)
# "the Devon borough", "a Kent town": a place named by the county it lies in.
_PLACE_NOUN_AFTER = re.compile(r"\s+(?:borough|town|city|resort|port|district)\b(?!\s+council)")
_ARTICLE_BEFORE = re.compile(r"\b(?:the|a|an)\s+$", re.IGNORECASE)
_NOT_PART = re.compile(
    r"\bnot (?:part of|included in|covered by|affected)\b|\bunaffected\b"
    r"|^[^.;]{0,30}\b(?:is|was|were|are|has|have) (?:yet to be|not yet been|not been|not)"
    r" inspected\b",
    re.IGNORECASE,
)
# A grade right after another, unnamed council: "who joins from a neighbouring authority
# rated outstanding", "like many councils judged to require improvement".
_UNNAMED_COUNCIL = re.compile(
    r"\b(?:a|an|another|other|one|many|most|some|those|similar)\s+(?:[a-z-]+\s+){0,2}?"
    r"(?:authority|authorities|council|councils|borough|boroughs|areas?)\s+(?:(?:which|that|who)"
    r"\s+(?:is|are|was|were|has been|have been|had been)\s+)?(?:rated|judged|graded|deemed)?"
    r"\s*(?:as\s+|to\s+be\s+|to\s+)?['\"]?$"
)
# ... or before it: "appoints director from 'outstanding' neighbour".
_UNNAMED_AFTER = re.compile(
    r"['\"]?\s+(?:neighbou?rs?|partners?|councils|authorities|peers?)\b", re.IGNORECASE
)
# A grade stated for councils in general ("60 per cent of councils are now rated good"): not
# the main council's.
_GENERAL = re.compile(r"\bcouncils\b|\bauthorities\b|\bper cent\b|%", re.IGNORECASE)
# What a speaker's council's grade needs beside it to be news about that council.
_INSPECTION = re.compile(r"ofsted|inspector|inspection", re.IGNORECASE)
# Sentences about some other provider's or service's rating.
_OTHER_PROVIDER = re.compile(
    r"children's home|\bschools?\b|nursery|nurseries|academy|\bcollege|fostering agency"
    r"|adoption agency|independent fostering|\bcqc\b|care quality commission|care home"
    r"|adult social care|youth justice|probation|constabulary|\bpolice\b|hmicfrs"
)
# Every branch of _OTHER_PROVIDER holds one of these: most sentences hold none.
_PROVIDER_WORDS = (
    "home",
    "school",
    "nurser",
    "academy",
    "college",
    "agency",
    "fostering",
    "cqc",
    "care quality",
    "adult social",
    "youth justice",
    "probation",
    "constabulary",
    "police",
    "hmicfrs",
)
_SUB_JUDGEMENT = re.compile(
    r"help and protection|children in care|care leavers|leaving care|impact of leaders"
    r"|experiences and progress|judgements\b|in every area|other judgements|looked-after"
    # the judgement of leaders by another name: "its 'inadequate' rating for leadership"
    r"|(?:rating|grade|judgement) for (?:its |the )?leadership|leadership (?:judgement|rating"
    r"|grade)",
    re.IGNORECASE,
)
_OVERALL = re.compile(r"\boverall\b|overall effectiveness", re.IGNORECASE)
_EVERY_AREA = re.compile(
    r"['\"]?\s+(?:in|across|for) (?:every|all|each) (?:area|areas|judgement|judgements)\b"
    r"(?!\s+(?:except|but|apart))",
    re.IGNORECASE,
)
_CLAUSE = re.compile(r",|;|\bwhile\b|\bwhereas\b|\bbut\b|\bwith the\b", re.IGNORECASE)
# Ambiguous names ("Reading", "Bury", "Sutton") count with one of these beside them.
_CONTEXT_AFTER = re.compile(
    r"^(?:'s\b|\s+(?:council|borough|city|county|children|child|safeguarding|local authority"
    r"|metropolitan|social care|family|families|council's)"
    # "Together for Children, the company that runs ...", "Bolton rated good"
    r"|,?\s+(?:the|a)\s+(?:company|trust|council|organisation|social enterprise)\b"
    r"|\s+(?:(?:has|have) been\s+|was\s+|is\s+|were\s+)?(?:rated|judged|graded)\b)",
    re.IGNORECASE,
)
# A sentence naming no council that goes on about the one the sentence before named.
_REFERS_BACK = re.compile(
    r"^(?:(?:today|now|since then|however|but|and|meanwhile|last year|this year"
    r"|in (?:19|20)\d\d),?\s+"
    # "At its previous inspection in 2019, the borough was rated good."
    r"|(?:(?:at|in|after|before|since|during|when|until) [^,.;]{3,50},\s+){1,2})?"
    r"(?:it|its|they|their|the (?:council|authority|borough|city|county|trust|company"
    r"|service|services|department|island|town|district)"
    r"|the (?:previous|last|earlier|latest|new|overall) (?:rating|grade|judgement|inspection"
    r"|report)|the report(?:'s)? (?:rates|overall))\b"
    # the council as the object of a rating: "Ofsted judged the council's services inadequate
    # in 2022", "Inspectors rated it good"
    r"|^(?:ofsted|inspectors|the inspectorate|the regulator)\s+(?:\w+\s+)?(?:rated|judged"
    r"|graded|found)\s+(?:it|them|its|their|the (?:council|authority|borough|city|county"
    r"|trust|company))\b",
    re.IGNORECASE,
)
_CONTEXT_BEFORE = re.compile(
    r"\b(?:in|for|across|neighbouring|(?<!town )(?<!village )of)\s+$", re.IGNORECASE
)
_COORDINATED = re.compile(r"^\s*(?:,|and|&|,\s*and)\s*$")
# Words naming the council as a whole: a rating after one of these is the overall one.
_WHOLE = re.compile(
    r"\b(?:the (?:trust|council|authority|borough|company|county|city)|children's services"
    r"|children's social care|overall)\b",
    re.IGNORECASE,
)


# A line of a judgement list naming the whole: "- Overall effectiveness: requires improvement".
_OVERALL_LINE = re.compile(
    r"^[-*\u2022\s]*overall(?: effectiveness)?\s*:"
    # "The report's overall effectiveness judgement is outstanding", "The report rates the
    # council's overall effectiveness as requires improvement"
    r"|^(?:the|its|their) (?:report's |inspection's |council's |)overall effectiveness"
    r" (?:judgement |grade |rating )?(?:is|was)\b"
    r"|^the report (?:rates|judges|grades) (?:the council's |its |their )?overall effectiveness"
    r" as\b",
    re.IGNORECASE,
)
# The areas a full inspection judges besides the whole, as `judgements` names them.
_AREAS = (
    ("children in care and care leavers", r"children in care and care leavers"),
    ("help and protection", r"help and protection"),
    ("children in care", r"children in care|looked[- ]after children"),
    ("care leavers", r"care leavers|leaving care"),
    ("impact of leaders", r"impact of leaders"),
)
_AREA = re.compile("|".join(f"(?P<a{i}>{p})" for i, (_, p) in enumerate(_AREAS)), re.IGNORECASE)
_AREA_AFTER = re.compile(
    r"\s*(?:overall,?\s+and\s+)?(?:grade|rating|judgement)?\s*(?:for|in)\s+(?:the\s+)?(?="
    + _AREA.pattern
    + ")",
    re.IGNORECASE,
)
# A line of a judgement list about one area: "- Help and protection: requires improvement".
_AREA_LINE = re.compile(
    rf"^[-*\u2022\s]*(?:the\s+)?(?:{_AREA.pattern})[^:]{{0,60}}:", re.IGNORECASE
)
# A roundup's section heading: a council's name, a colon, a few words ("Torbay: requires
# improvement (previously inadequate)", "Knowsley: children in care"), or a text table's row
# opening with its name ("Derby | Requires improvement to be good | 2025").
_HEADING_MAX = 80
_HEADING_MARK = re.compile(r"\s*[:|]|\s+-\s")
# A grade stated for a counted group of councils in the opening: "monitoring visits to three
# councils whose children's services are rated inadequate".
_COUNTED_COUNCILS = re.compile(
    r"\b(?:two|three|four|five|six|seven|eight|both|these|all (?:two|three|four|five|six))"
    r"\s+(?:(?:\w+\s+)?councils|local authorities|authorities)\b[^.;]*$",
    re.IGNORECASE,
)

_BYLINE = re.compile(
    r"^(?:By\s+(?:[A-Z][\w'.-]*\s*){1,4}(?:,[^.!?]{0,60})?"
    r"|\d{1,2}\s+(?:January|February|March|April|May|June|July|August|September|October"
    r"|November|December)\s+\d{4}|(?:Published|Updated|Posted)\b[^.!?]{0,60})$"
)
# A roundup's line naming several councils, each with its grade right after its name: "The
# latest results: Bolton good, Rochdale requires improvement and Salford inadequate",
# "Enfield (good), Medway (requires improvement)", "Bolton was rated good, Rochdale requires
# improvement". What may come between a name and its grade:
_PAIRED = re.compile(
    r"(?:'s)?(?:\s+(?:children's\s+)?services)?"
    r"(?:\s*[:(,-]\s*|\s+(?:(?:is|was|were|are|has|have|had|been|now|still|remains?|remained"
    r"|stays?|stayed|moved|moves|rose|rises|fell|falls|dropped|drops|climbed|climbs|slipped"
    r"|slips|improved|improves|up|down|back|to|both|all|each|also|again|since)\s+)*"
    r"(?:(?:rated|judged|graded|found|deemed)\s+(?:as\s+|to\s+be\s+|to\s+)?)?)"
    rf"['\"]?(?P<g>{GRADE_PATTERN})['\"]?(?!\w)(?!\s+(?:enough|practice|progress|relationships?"
    r"|work|news|start)\b)",
    re.IGNORECASE,
)
# Two names joined by "and" share the grade after the second ("Bolton and Wigan good").
_AND = re.compile(r"\s*(?:and|&)\s*")
# A roundup by grade: a line that is a grade alone ("Outstanding", "Rated requires
# improvement") heads a section; a short line without a full stop ("What the grades mean")
# that names no council ends it.
_GRADE_HEADING = re.compile(
    rf"^(?:rated\s+|judged\s+)?['\"]?(?P<g>{GRADE_PATTERN})['\"]?\s*:?$", re.IGNORECASE
)
# ... or a grade heading that lost its line break, before the section's first council.
_GRADE_LEAD = re.compile(
    r"(?P<g>Outstanding|Good|Requires improvement(?: to be good)?|Inadequate|Adequate)\s+(?=[A-Z])"
)
_SECTION_END = re.compile(r"^[^.!?]{1,60}$")
# In a roundup, a line about one council's inspection event: "Separately, Peterborough City
# Council received a monitoring visit letter" gives it a section of its own.
_INSPECTED_AFTER = re.compile(
    r"(?:'s\s+(?:children's\s+)?services)?[^.;]{0,30}?\b(?:received|had|has had|was given"
    r"|were given|underwent|was subject to|were subject to)\s+(?:(?:a|an|its|their|another)\s+)?"
    r"(?:[\w-]+\s+){0,2}?(?:monitoring visits?|focused visits?|inspections?"
    r"|joint targeted area inspections?)",
    re.IGNORECASE,
)
# A line of annual assessment scores after a council's name: "Westminster: 4".
_HEADING_SCORE = re.compile(r"\s*[:|]\s*[1-4]\s*")
# A text table's column of earlier grades ("Previous grade"), and a cell that is a grade.
_EARLIER_COLUMN = re.compile(
    r"\b(?:previous|previously|last|earlier|former|old|before|was)\b", re.IGNORECASE
)
_GRADE_CELL = re.compile(rf"\s*['\"]?(?P<g>{GRADE_PATTERN})['\"]?\s*", re.IGNORECASE)
# A roundup's heading with its grade: "Newcastle: good (2025)", "Reading - requires improvement",
# "Reading | Good | 2024".
_HEADING_GRADE = re.compile(rf"\s*(?::|\s-|\|)\s*['\"]?(?:{GRADE_PATTERN})\b", re.IGNORECASE)


@dataclass(frozen=True)
class _Pair:
    """A council's grade right after its name in a roundup's line: where it lies, and the
    end of its stretch of the line (the next council's name, or the line's end)."""

    statement: GradeStatement
    stop: int


@dataclass
class _Sentence:
    index: int  # 0 is the headline
    text: str
    mentions: tuple[Mention, ...]
    # Worked out when first needed: most sentences never need them.
    _cued: bool | None = None
    _provider: bool | None = None
    _grades: list[GradeStatement] | None = None
    _codes: frozenset[str] | None = None
    _names: int | None = None
    _phrases: dict[int, list[int]] = field(default_factory=dict)
    _demoted: dict[int, bool] = field(default_factory=dict)
    _subs: dict[GradeStatement, bool] = field(default_factory=dict)
    _lower: str | None = None
    _pairs: dict[str, _Pair] | None = None
    section: str | None = None  # the grade heading the section it lies in (`_GRADE_HEADING`)
    scored: bool = False  # the story gives the annual assessment's scale (`explains_scores`)

    @property
    def pairs(self) -> dict[str, _Pair]:
        """The councils of a roundup's line with the grade right after each name, by code;
        empty unless two or more councils have one (`_PAIRED`)."""
        if self._pairs is None:
            self._pairs = _roundup_pairs(self) if len(self.mentions) > 1 and self.grades else {}
        return self._pairs

    @property
    def lower(self) -> str:
        """The text in lower case, for the patterns below written in lower case (scanning
        it case-sensitively is about twice as fast as re.IGNORECASE); the same offsets,
        or the text itself when lower-casing would move them."""
        if self._lower is None:
            lowered = self.text.lower()
            self._lower = lowered if len(lowered) == len(self.text) else self.text
        return self._lower

    def search(self, pattern: re.Pattern[str], start: int = 0, end: int | None = None) -> bool:
        text = self.lower
        if text is self.text:
            pattern = re.compile(pattern.pattern, re.IGNORECASE)
        return pattern.search(text, start, len(text) if end is None else end) is not None

    def after_phrase(self, pattern: re.Pattern[str], start: int) -> bool:
        """Whether the text at `start` follows one of `pattern`'s phrases by a few words."""
        ends = self._phrases.get(id(pattern))
        if ends is None:
            text = self.lower
            if text is self.text:
                pattern = re.compile(pattern.pattern, re.IGNORECASE)
            # Only the stretch before the names can hold a phrase before one.
            begin = max(0, self.mentions[0].start - 80) if self.mentions else 0
            stop = self.mentions[-1].start if self.mentions else 0
            ends = [m.end() for m in pattern.finditer(text, begin, stop)]
            self._phrases[id(pattern)] = ends
        return any(
            end < start and _GAP.fullmatch(self.text, end, start) is not None for end in ends
        )

    @property
    def cued(self) -> bool:
        if self._cued is None:
            self._cued = self.search(_CUE)
        return self._cued

    @property
    def provider(self) -> bool:
        if self._provider is None:
            lowered = self.lower
            self._provider = any(word in lowered for word in _PROVIDER_WORDS) and self.search(
                _OTHER_PROVIDER
            )
        return self._provider

    @property
    def grades(self) -> list[GradeStatement]:
        if self._grades is None:
            found = find_grades(self.text)
            if self.scored:
                spans = [(g.start, g.end) for g in found]
                found += [
                    g
                    for g in find_scores(self.text)
                    if all(g.end <= s or g.start >= e for s, e in spans)
                ]
                found.sort(key=lambda g: g.start)
            self._grades = found
        return self._grades

    def sub_judgement(self, statement: GradeStatement) -> bool:
        """Whether the grade is a sub-judgement's (`_sub_judgement`), worked out once."""
        found = self._subs.get(statement)
        if found is None:
            found = self._subs[statement] = _sub_judgement(self.text, statement)
        return found

    @property
    def codes(self) -> frozenset[str]:
        if self._codes is None:
            self._codes = frozenset(a.code for m in self.mentions for a in m.authorities)
        return self._codes

    @property
    def names(self) -> int:
        """How many councils the sentence names: a shared name ("Achieving for Children")
        is one, or none beside the names of its members."""
        if self._names is None:
            single = {m.authorities[0].code for m in self.mentions if len(m.authorities) == 1}
            shared = {
                m.alias
                for m in self.mentions
                if len(m.authorities) > 1 and not single & {a.code for a in m.authorities}
            }
            self._names = len(single) + len(shared)
        return self._names


@dataclass
class _Candidate:
    authority: Authority
    weight: float = 0.0
    first: int = 10**9
    sentences: list[tuple[_Sentence, Mention]] = field(default_factory=list)
    heading: bool = False  # it has a section of its own in a roundup
    section: str | None = None  # the grade of the roundup's section it is named in


def extract_authorities(title: str, text: str, gazetteer: Gazetteer) -> tuple[AuthorityMatch, ...]:
    """The councils the story is about, the main one first, each with the grade the story
    reports for it (None when it states none) and one evidence sentence."""
    sentences = _sentences(title, text, gazetteer)
    headings = _headings(sentences)
    candidates = _weigh(sentences, headings)
    if not candidates:
        return ()
    ranked = sorted(candidates.values(), key=lambda c: (-c.weight, c.first))
    top = ranked[0].weight
    about = [c for c in ranked if c.heading or (c.weight >= _ABOUT and c.weight >= _RELATIVE * top)]
    # A former council beside its successor is the successor's past ("Cumbria County Council
    # was rated good in 2019" in a story about Cumberland).
    present = {c.authority.code for c in about}
    about = [c for c in about if not (set(c.authority.succeeded_by) & present)]
    if not about:
        return ()
    codes = {c.authority.code for c in about}
    # The opening's sentences naming no council are the main council's when the story is
    # about it: not in a story about several that the headline names none of.
    single = len(about) == 1 or bool(sentences[0].mentions)
    matches = [
        _match(candidate, sentences, codes, headings, main=i == 0 and single)
        for i, candidate in enumerate(about)
    ]
    matches = [_sectioned(m, c.section) for m, c in zip(matches, about, strict=True)]
    counted = _counted_grade(sentences) if len(about) > 1 else None
    if counted is not None:
        matches = [m if m.grade else replace(m, grade=counted) for m in matches]
    return tuple(matches)


def _same_place(sentences: list[_Sentence], gazetteer: Gazetteer) -> None:
    """A former authority named as its successor is, beside it, the successor: "Dorset
    County Council" in a story that also says "Dorset" (not Cumbria beside Cumberland)."""
    named = {m.authorities[0].code for s in sentences for m in s.mentions if m.authority}
    for sentence in sentences:
        if not any(m.authority is not None and m.authority.former for m in sentence.mentions):
            continue
        mentions = []
        for mention in sentence.mentions:
            former = mention.authority
            if former is not None and former.former:
                for code in former.succeeded_by:
                    successor = gazetteer.by_code(code)
                    if (
                        successor is not None
                        and code in named
                        and former.name.startswith(successor.name + " ")
                    ):
                        mention = replace(mention, authorities=(successor,))
                        break
            mentions.append(mention)
        sentence.mentions = tuple(mentions)


def _sectioned(match: AuthorityMatch, section: str | None) -> AuthorityMatch:
    """The grade of a council named in a roundup's grade section is the section's; another
    grade its sentences give is the earlier one ("Hull, previously rated good")."""
    if section is None or match.grade == section:
        return match
    previous = match.grade or match.previous_grade
    return replace(match, grade=section, previous_grade=None if previous == section else previous)


def _sentences(title: str, text: str, gazetteer: Gazetteer) -> list[_Sentence]:
    title, text = normalise(title or "").strip(), normalise(text or "")
    lines = split_sentences(text)
    if lines and title and lines[0] == title:
        lines = lines[1:]
    # A byline or a dateline is not a sentence of the story: the opening sentences after it
    # are still its opening.
    lines = [line for line in lines if not _BYLINE.match(line)]
    found = []
    scored = explains_scores(text)
    for index, sentence in enumerate([title, *lines]):
        mentions = tuple(gazetteer.find_mentions(sentence)) if sentence else ()
        found.append(_Sentence(index, sentence, mentions, scored=scored))
    _grade_sections(found)
    _table_grades(found)
    _same_place(found, gazetteer)
    # Ambiguous names need context, or the same authority named unambiguously elsewhere.
    # A shared name ("Achieving for Children") vouches for its members' short names.
    named = {a.code for s in found for m in s.mentions if not m.ambiguous for a in m.authorities}
    for s in found:
        if any(m.ambiguous for m in s.mentions):
            s.mentions = tuple(
                m
                for m in s.mentions
                if not m.ambiguous
                or m.authorities[0].code in named
                or _has_context(s.text, m)
                # A grade right after it, in a line naming other councils: a roundup's line.
                or (len(s.mentions) > 1 and _PAIRED.match(s.text, m.end) is not None)
                # A line opening with it, a colon and a grade (or a score): a roundup's heading.
                or (m.start <= 2 and _HEADING_GRADE.match(s.text, m.end) is not None)
                # ... or a dash in a roundup's grade section: "Good Newcastle - rated good".
                or (
                    s.section is not None
                    and _opens_line(s, m)
                    and _HEADING_MARK.match(s.text, m.end) is not None
                )
                or (scored and m.start <= 2 and _HEADING_SCORE.fullmatch(s.text, m.end) is not None)
            )
    return found


def _grade_sections(sentences: list[_Sentence]) -> None:
    """Mark the sentences of a roundup by grade with their section's grade: the lines after
    a grade heading ("Requires improvement") up to the next heading or the end of the
    sections. Two or more different grade headings make a roundup."""
    grade: str | None = None
    marked: list[_Sentence] = []
    for sentence in sentences[1:]:
        heading = _GRADE_HEADING.match(sentence.text)
        if heading is not None:
            grade = canonical(heading["g"])
            continue
        lead = _grade_lead(sentence)
        if lead is not None:
            grade = lead
        if grade is not None and not sentence.mentions and _SECTION_END.match(sentence.text):
            grade = None
        if grade is not None:
            sentence.section = grade
            marked.append(sentence)
    if len({s.section for s in marked}) < 2:
        for sentence in marked:
            sentence.section = None


def _table_grades(sentences: list[_Sentence]) -> None:
    """The grades of a text table's rows, by its header's columns: a column of earlier grades
    ("Borough | Previous grade | Latest grade") gives each row's previous grade. A table
    whose line breaks were lost ("Council | Grade | Previous grade Essex | Outstanding |
    Good Hertfordshire | ...") is one line: each council's name there starts a row."""
    header: list[str] | None = None
    for sentence in sentences[1:]:
        text = sentence.text
        if "|" not in text:
            header = None
            continue
        names = [m for m in sentence.mentions if len(m.authorities) == 1]
        first = names[0].start if names else len(text)
        if "|" in text[:first]:
            header = text[:first].split("|")
        if header is None or not names:
            continue
        earlier = [bool(_EARLIER_COLUMN.search(name)) for name in header]
        ends = [m.start for m in names[1:]] + [len(text)]
        rows = [
            (mention, statement, end)
            for mention, end in zip(names, ends, strict=True)
            if (statement := _table_row(text, mention.start, end, earlier)) is not None
        ]
        if len(rows) > 1:
            sentence._grades = [statement for _, statement, _ in rows]
            sentence._pairs = {
                m.authorities[0].code: _Pair(statement, end) for m, statement, end in rows
            }
        elif rows and any(earlier):
            sentence._grades = [rows[0][1]]


def _table_row(text: str, start: int, end: int, earlier: list[bool]) -> GradeStatement | None:
    """A table row's latest grade, with the earlier one when a column holds it."""
    cells = text[start:end].split("|")
    if len(cells) != len(earlier):
        return None
    latest: tuple[int, int, str] | None = None
    previous: str | None = None
    for cell, was in zip(cells, earlier, strict=True):
        word = _GRADE_CELL.fullmatch(cell)
        if word is not None:
            if was:
                previous = previous or canonical(word["g"])
            elif latest is None:
                latest = (start + word.start("g"), start + word.end("g"), canonical(word["g"]))
        start += len(cell) + 1
    return None if latest is None else GradeStatement(*latest, previous)


def _grade_lead(sentence: _Sentence) -> str | None:
    """The grade heading a line opens with when the heading lost its line break: "Good
    Newcastle - rated good, ..." (the grade, then a council's name and a dash or colon)."""
    lead = _GRADE_LEAD.match(sentence.text)
    if lead is None or not sentence.mentions:
        return None
    first = sentence.mentions[0]
    if first.start != lead.end() or not _HEADING_MARK.match(sentence.text, first.end):
        return None
    return canonical(lead["g"])


def _opens_line(sentence: _Sentence, mention: Mention) -> bool:
    """Whether the mention opens its line, or follows only the grade heading it lost its line
    break to ("Good Newcastle - rated good")."""
    if mention.start <= 2:
        return True
    lead = _GRADE_LEAD.match(sentence.text)
    return lead is not None and lead.end() == mention.start


def _roundup_pairs(sentence: _Sentence) -> dict[str, _Pair]:
    text = sentence.text
    single = [m for m in sentence.mentions if len(m.authorities) == 1]
    found: dict[str, _Pair] = {}
    waiting: list[Mention] = []  # names joined by "and" to the next one
    for i, mention in enumerate(single):
        stop = single[i + 1].start if i + 1 < len(single) else len(text)
        match = _PAIRED.match(text, mention.end, stop)
        if match is None:
            if i + 1 < len(single) and _AND.fullmatch(text, mention.end, stop):
                waiting.append(mention)
            else:
                waiting = []
            continue
        grade = canonical(match["g"])
        begin = mention.start if i else 0  # "Last year Bolton was rated good and ..."
        if marked_earlier(text[begin : match.start("g")]):
            # An earlier grade ("Last year Bolton was rated good and Wigan ..."): no roundup.
            waiting = []
            continue
        # "(previously inadequate)" in the council's stretch of the line.
        previous = next(
            (g.previous for g in sentence.grades if match.end() <= g.start < stop and g.previous),
            None,
        )
        statement = GradeStatement(match.start("g"), match.end("g"), grade, previous)
        for named in [*waiting, mention]:
            code = named.authorities[0].code
            found.setdefault(code, _Pair(statement, stop))
        waiting = []
    # Two grades or more: "Trafford and Stockport are rated outstanding" is one.
    return found if len({id(p.statement) for p in found.values()}) >= 2 else {}


def _headings(sentences: list[_Sentence]) -> dict[int, str]:
    """The section headings of a roundup, by sentence index, with the council each opens:
    lines that start with one council's name and a colon. Two or more make a roundup."""
    found: dict[int, str] = {}
    for sentence in sentences[1:]:
        text = sentence.text
        if not sentence.mentions or len(text) > _HEADING_MAX or len(sentence.codes) != 1:
            continue
        first = sentence.mentions[0]
        if _opens_line(sentence, first) and _HEADING_MARK.match(text, first.end):
            (found[sentence.index],) = sentence.codes
    return found if len(set(found.values())) >= 2 else {}


def _has_context(sentence: str, mention: Mention) -> bool:
    return bool(
        _CONTEXT_AFTER.match(sentence[mention.end : mention.end + 30])
        or _CONTEXT_BEFORE.search(sentence[max(0, mention.start - 20) : mention.start])
    )


def _paired(sentence: _Sentence, mention: Mention) -> bool:
    """Whether the mention has its own grade in a roundup's line."""
    return len(mention.authorities) == 1 and mention.authorities[0].code in sentence.pairs


def _graded(sentence: _Sentence, mention: Mention) -> bool:
    """Whether the sentence rates this council: a grade (or an earlier one) nearer its name
    than any other council's, not a sub-judgement's, with the council as what is rated ("Leeds
    was judged to be performing well", "Ofsted rated children's services in Sunderland
    inadequate", "Among the councils given the lowest rating is Birmingham", "The other two
    councils performing poorly were Haringey and Salford"); not an aside ("Leeds, rated
    outstanding, is cited") nor a grade of councils in general ("Bradford and Tameside are
    among the councils rated inadequate")."""
    if len(mention.authorities) != 1 or not sentence.grades:
        return False
    text = sentence.text
    mine = [mention]
    others = [m for m in sentence.mentions if m.authorities != mention.authorities]
    mine += [o for o in others if _coordinated(text, o, mine)]
    others = [o for o in others if o not in mine]
    for g in sentence.grades:
        if not (g.grade or g.previous) or not _nearest_is_mine(g, mine, others, text):
            continue
        if sentence.sub_judgement(g):
            continue
        if g.start < mention.start:
            # "... were Haringey and Salford": the first of the names joined to this one
            first = min((m for m in mine if m.start > g.end), key=lambda m: m.start)
            if _INVERTED.fullmatch(text, g.end, first.start):
                return True
            continue
        if _unnamed(text, g):
            continue
        if _RATED_CLAUSE.fullmatch(text, mention.end, g.start) or (
            # "The city's neighbour, East Riding of Yorkshire Council, was rated good"
            _APPOSITIVE_RATED.fullmatch(text, mention.end, g.start)
            and text[: mention.start].rstrip().endswith(",")
        ):
            return True
        between = _ASIDE.sub(" ", text[mention.end : g.start])
        if not _NOT_RATED_BETWEEN.search(between):
            return True
    return False


def _visited_in_roundup(sentence: _Sentence, mention: Mention) -> bool:
    """Whether a roundup's line is about this council's visit: "Separately, Peterborough
    City Council received a monitoring visit letter", "Lambeth and Enfield also received
    focused visits"."""
    text = sentence.text
    run = [m for m in sentence.mentions if m.start >= mention.start]
    last = mention
    for following in run[1:]:
        if not _COORDINATED.match(text[last.end : following.start]):
            return False
        last = following
    earlier = [m for m in sentence.mentions if m.start < mention.start]
    if earlier and not _COORDINATED.match(text[earlier[-1].end : mention.start]):
        return False
    return _INSPECTED_AFTER.match(text, last.end) is not None


def _place_weight(index: int) -> float:
    if index == 0:
        return _TITLE
    if index <= _LEAD_SENTENCES:
        return _LEAD
    if index <= _EARLY_SENTENCES:
        return _EARLY
    return _LATER


def _demoted(sentence: _Sentence, mention: Mention) -> bool:
    found = sentence._demoted.get(mention.start)
    if found is None:
        found = sentence._demoted[mention.start] = _is_demoted(sentence, mention)
    return found


def _is_demoted(sentence: _Sentence, mention: Mention) -> bool:
    text = sentence.text
    if _BOILERPLATE.match(text):
        return True
    if (
        sentence.names >= _LIST
        and sentence.index
        and sentence.section is None
        and not _paired(sentence, mention)
    ):
        return True
    after = text[mention.end :]
    if sentence.after_phrase(_DEMOTE_BEFORE, mention.start) or _DEMOTE_AFTER.match(after):
        return True
    if _PLACE_NOUN_AFTER.match(after) and _ARTICLE_BEFORE.search(text, 0, mention.start):
        return True  # "children in the Devon borough" is Torbay, a borough in Devon
    if sentence.after_phrase(_COMPARED_BEFORE, mention.start):
        return not _graded(sentence, mention)
    if _NOT_PART.search(after[:80]):
        return True
    if sentence.after_phrase(_EMPLOYER_BEFORE, mention.start) or _EMPLOYER_AFTER.match(after):
        # A speaker's council is the subject when the sentence gives its grade and names no
        # other council: "The leader of Bracknell Forest Council has accused Ofsted of basing
        # its inadequate judgement on record-keeping".
        return (
            len(sentence.codes) > 1 or not sentence.grades or not _INSPECTION.search(sentence.text)
        )
    window = after[:200].lower()
    helper = _HELPER_AFTER.match(after) if any(word in window for word in _HELPER_WORDS) else None
    if helper is None or _graded(sentence, mention):
        # A helper given its own grade is reported with its rating: "Hampshire's own
        # children's services are rated outstanding, and the county has acted as an
        # improvement partner to several other authorities".
        return False
    # "Southend was rated inadequate and Essex will help it improve": the helper is the
    # council named between.
    if any(mention.end < m.start < mention.end + helper.start("cue") for m in sentence.mentions):
        return False
    # "BCP's improvement partner" names the council helped, not the helper.
    return not re.match(r"^'s\s+improvement partner", after, re.IGNORECASE)


def _weigh(sentences: list[_Sentence], headings: dict[int, str]) -> dict[str, _Candidate]:
    candidates: dict[str, _Candidate] = {}
    subject: _Candidate | None = None  # the one council the last sentence naming any named
    named_at = 0  # that sentence's index
    # A trust serving several councils named in the headline: each of them the story rates in
    # a sentence of its own is a subject ("Kingston upon Thames was rated outstanding in March"
    # in a story headed "... as Achieving for Children celebrates").
    members = {
        a.code for m in sentences[0].mentions if len(m.authorities) > 1 for a in m.authorities
    }
    for sentence in sentences:
        if not sentence.mentions:
            # An opening sentence going on about it counts for it: "A study praised Gateshead
            # Council's approach. The council's children's services were rated outstanding."
            if (
                subject is not None
                and _REFERS_BACK.match(sentence.text)
                and sentence.cued
                and not sentence.provider
            ):
                if sentence.index <= _EARLY_SENTENCES:
                    subject.weight += _place_weight(sentence.index)
                if (
                    sentence.index - named_at <= _GOES_ON
                    and any(g.grade for g in sentence.grades)
                    and not _GENERAL.search(sentence.text)
                ):
                    # "In Plymouth, by contrast, inspectors found services had deteriorated.
                    # The city council's services were rated requires improvement."
                    subject.heading = True
            continue
        # A shared name's weight goes to those of its members the sentence names on their
        # own ("Richmond, run by Achieving for Children"), or a little to each.
        single = {m.authorities[0].code for m in sentence.mentions if len(m.authorities) == 1}
        heading = headings.get(sentence.index)
        counted = False
        for mention in sentence.mentions:
            for authority in mention.authorities:
                candidate = candidates.setdefault(authority.code, _Candidate(authority))
                candidate.sentences.append((sentence, mention))
                if heading == authority.code:
                    candidate.heading = True
                if _demoted(sentence, mention):
                    continue
                if _paired(sentence, mention):
                    candidate.heading = True
                if headings and _visited_in_roundup(sentence, mention):
                    candidate.heading = True
                if (
                    authority.code in members
                    and len(sentence.codes) == 1
                    and sentence.cued
                    and _graded(sentence, mention)
                ):
                    candidate.heading = True
                if sentence.section is not None and len(mention.authorities) == 1:
                    # Named in a roundup's grade section: one of its subjects, with that grade.
                    candidate.heading = True
                    candidate.section = candidate.section or sentence.section
                weight = _place_weight(sentence.index)
                if not sentence.cued or sentence.provider:
                    weight *= _UNCUED
                elif _graded(sentence, mention):
                    # A council the story gives its own grade, however far down, is one of
                    # its subjects: a neighbour compared too ("Its neighbour Bolton is rated
                    # good"), and with an earlier grade ("Shropshire was judged good last
                    # year").
                    candidate.heading = True
                    weight = max(weight, _GRADED)
                if len(mention.authorities) > 1:
                    named = single & {a.code for a in mention.authorities}
                    if named and authority.code not in named:
                        continue
                    if not named:
                        weight *= _UNCUED
                candidate.weight += weight
                candidate.first = min(candidate.first, sentence.index)
                counted = True
        if counted:
            subject, named_at = None, sentence.index
            if len(sentence.codes) == 1:
                (code,) = sentence.codes
                subject = candidates[code]
    return candidates


def _match(
    candidate: _Candidate,
    sentences: list[_Sentence],
    codes: set[str],
    headings: dict[int, str],
    *,
    main: bool,
) -> AuthorityMatch:
    grade: str | None = None
    previous: str | None = None
    evidence: str | None = None
    overall: tuple[str, _Sentence] | None = None
    superseded = False
    current = False  # the grade taken is marked as today's
    earlier: list[str] = []  # every earlier grade stated, in order
    judgements: dict[str, str] = {}
    for sentence, statements, subs in _grade_sentences(candidate, sentences, headings, main):
        listed = bool(_AREA_LINE.match(sentence.text))
        for area, area_grade in _judgements(sentence, subs, statements):
            # A judgement list's line is surer than running text.
            if listed:
                judgements[area] = area_grade
            else:
                judgements.setdefault(area, area_grade)
        for statement in statements:
            if (
                statement.grade is not None
                and overall is None
                and _OVERALL_LINE.match(sentence.text)
            ):
                overall = (statement.grade, sentence)
            if statement.current and grade not in (None, statement.grade) and not current:
                # "When Ofsted rated Sunderland inadequate ... Today the city's services are
                # rated good": the earlier grade told first is the previous one.
                previous, grade, current = grade, statement.grade, True
                evidence = sentence.text
            elif grade is None and statement.grade is not None:
                grade = statement.grade
                current = statement.current
                previous = previous or statement.previous
                evidence = evidence if evidence and sentence.index else sentence.text
            elif previous is None and statement.previous is not None:
                previous = statement.previous
                superseded = statement.superseded
            if statement.previous is not None:
                earlier.append(statement.previous)
            if grade is not None and evidence is None:
                evidence = sentence.text
    if overall is not None and overall[0] != grade:
        # "Overall effectiveness: inadequate" in a list of judgements is the grade.
        grade = overall[0]
    if grade is None and previous is not None and not superseded:
        # Only an earlier grade stated ("was rated good at its last inspection"): it is the
        # latest the story reports, and one stated before it the previous ("judged good last
        # year, after two inspections at which it was rated requires improvement").
        grade, previous = previous, next((p for p in earlier if p != previous), None)
    if evidence is None or evidence == sentences[0].text:
        evidence = _evidence(candidate) or evidence
    if previous == grade:
        previous = None
    authority = candidate.authority
    return AuthorityMatch(
        authority.code,
        authority.name,
        grade,
        previous,
        evidence or "",
        tuple(judgements.items()),
    )


def _judgements(
    sentence: _Sentence, subs: list[GradeStatement], others: list[GradeStatement]
) -> list[tuple[str, str]]:
    """The areas the sentence's grades are for: those named right after a grade ("a requires
    improvement grade for the help and protection of children") or else between the grade
    before it (or the sentence's start) and it ("children in care and the impact of leaders
    require improvement"). A grade taken for the whole counts for areas only when no word
    for the whole ("the council") comes between."""
    text = sentence.text
    found = []
    for statement in sorted([*subs, *others], key=lambda g: g.start):
        if statement.grade is None:
            continue
        after = _AREA_AFTER.match(text, statement.end)
        if after is not None:
            stop = min([g.start for g in sentence.grades if g.start > statement.end] or [len(text)])
            clause = _CLAUSE.search(text, after.end())
            stop = min(stop, after.end() + 80, clause.start() if clause else len(text))
            areas = list(_AREA.finditer(text, after.start(), stop))
        else:
            before = [g.end for g in sentence.grades if g.end <= statement.start]
            begin = max(before, default=0)
            areas = list(_AREA.finditer(text, begin, statement.start))
            if (
                statement in others
                and areas
                and _WHOLE.search(text, areas[-1].end(), statement.start)
            ):
                areas = []
        for match in areas:
            found.append((_AREAS[int(str(match.lastgroup)[1:])][0], statement.grade))
    return found


def _evidence(candidate: _Candidate) -> str | None:
    """The first body sentence naming the authority with an inspection word, else any."""
    body = [(s, m) for s, m in candidate.sentences if s.index]
    for sentence, _ in body:
        if sentence.cued and not _BOILERPLATE.match(sentence.text):
            return sentence.text
    return body[0][0].text if body else None


def _counted_grade(sentences: list[_Sentence]) -> str | None:
    """The grade a sentence naming no council states for a counted group of them ("three
    councils whose children's services are rated inadequate", "Both councils are rated
    requires improvement")."""
    for sentence in sentences:
        if sentence.mentions:
            continue
        for statement in sentence.grades:
            if statement.grade and _COUNTED_COUNCILS.search(sentence.text[: statement.start]):
                return statement.grade
    return None


def _grade_sentences(
    candidate: _Candidate, sentences: list[_Sentence], headings: dict[int, str], main: bool
) -> list[tuple[_Sentence, list[GradeStatement], list[GradeStatement]]]:
    """The rating statements that attach to this authority, sentence by sentence, in order.

    A sentence naming no council belongs to the council the story was last about when it
    goes on about "the council" or "it" (a roundup's section is about its heading's council);
    a line of a judgement list about the whole ("Overall effectiveness: good") belongs to the
    main council."""
    code = candidate.authority.code
    own: dict[int, list[Mention]] = defaultdict(list)
    for sentence, mention in candidate.sentences:
        if not _demoted(sentence, mention) and not _shared_for_another(sentence, mention, code):
            own[sentence.index].append(mention)
    found: list[tuple[_Sentence, list[GradeStatement], list[GradeStatement]]] = []
    subject: str | None = None  # the council the last sentence naming one was about
    for sentence in sentences:
        if sentence.mentions:
            # The councils it is about: not a helper, an employer or a place beside them.
            codes = frozenset(
                a.code
                for m in sentence.mentions
                if not _demoted(sentence, m)
                for a in m.authorities
            )
            if sentence.index in headings:
                subject = headings[sentence.index]
            elif all(_demoted(sentence, m) for m in sentence.mentions):
                # A helper, a speaker's employer or a place ("Kent County Council, which has
                # been providing support, ..."): the story is still about the council before.
                pass
            elif len(codes) == 1 and not _BOILERPLATE.match(sentence.text):
                (only,) = codes
                subject = only if only != code or sentence.index in own else None
            elif len(codes) > 1:
                subject = None
        elif (subject == code and (headings or _REFERS_BACK.match(sentence.text))) or (
            main and (_OVERALL_LINE.match(sentence.text) or _AREA_LINE.match(sentence.text))
        ):
            own.setdefault(sentence.index, [])
        mine = own.get(sentence.index)
        others = [m for m in sentence.mentions if code not in {a.code for a in m.authorities}]
        near = main and not others and sentence.index <= _EARLY_SENTENCES and not headings
        if mine is None and not near:
            continue
        if sentence.provider and not _OVERALL.search(sentence.text):
            continue
        statements = sentence.grades
        if not statements:
            continue
        pair = sentence.pairs.get(code)
        if pair is not None:
            found.append((sentence, [pair.statement], []))
            continue
        if sentence.pairs and mine:
            continue
        mine = (mine or []) + [o for o in others if _coordinated(sentence.text, o, mine or [])]
        others = [o for o in others if o not in mine]
        general = mine == [] and not sentence.mentions
        overall, subs = [], []
        for g in statements:
            if (
                not _nearest_is_mine(g, mine, others, sentence.text)
                or (general and _GENERAL.search(sentence.text, 0, g.start))
                or _unnamed(sentence.text, g)
            ):
                continue
            if sentence.sub_judgement(g) or (
                _AREA_LINE.match(sentence.text) and not _OVERALL_LINE.match(sentence.text)
            ):
                subs.append(g)
            else:
                overall.append(g)
        if overall or subs:
            found.append((sentence, overall, subs))
    return found


def _shared_for_another(sentence: _Sentence, mention: Mention, code: str) -> bool:
    """Whether a shared name ("Achieving for Children") stands, in this sentence, for other
    members than this council: the sentence names one of them on its own and not this one
    ("Richmond children's services rated good as Achieving for Children celebrates")."""
    if len(mention.authorities) < 2:
        return False
    members = {a.code for a in mention.authorities}
    single = {m.authorities[0].code for m in sentence.mentions if len(m.authorities) == 1}
    return code not in single and bool(single & members)


def _unnamed(text: str, statement: GradeStatement) -> bool:
    """Whether the grade is another, unnamed council's (`_UNNAMED_COUNCIL`)."""
    return bool(
        _UNNAMED_COUNCIL.search(text, max(0, statement.start - 60), statement.start)
        or _UNNAMED_AFTER.match(text, statement.end)
    )


def _coordinated(text: str, other: Mention, mine: list[Mention]) -> bool:
    """Whether `other` is joined to one of `mine` by "and" or a comma ("Croydon and Sandwell")."""
    for m in mine:
        first, second = (m, other) if m.start < other.start else (other, m)
        # "Calderdale, which was performing adequately last year, and Walsall"
        if _COORDINATED.match(_ASIDE.sub(",", text[first.end : second.start])):
            return True
    return False


_OWN_CLAUSE = re.compile(r";|,\s*(?:while|whereas|but)\b")
_AND_NEXT = re.compile(r"['\"]?\s*,?\s*(?:and|as|after|while|when|because)\s+")


def _nearest_is_mine(
    statement: GradeStatement, mine: list[Mention], others: list[Mention], text: str
) -> bool:
    if not others:
        return True
    if not mine:
        return False

    def distance(m: Mention) -> int:
        if m.end <= statement.start:
            if _RATED_CLAUSE.fullmatch(text, m.end, statement.start):
                return 0  # "Knowsley, one of the most deprived areas, which was rated X"
            # "X, which was rated inadequate in 2022, moved up to ...", "X, which has the
            # highest rate of children in care, is rated ...": the clause is not a gap
            gap = text[m.end : statement.start]
            return len(_ASIDE.sub("", EARLIER_CLAUSE.sub("", gap))) if "," in gap else len(gap)
        if _OWN_CLAUSE.search(text, statement.end, m.start) or _AND_NEXT.fullmatch(
            text, statement.end, m.start
        ):
            # "X moved to good; Y is rated ...", "X is rated good, while Y ...", "X was
            # rated outstanding and Y requires improvement": Y's clause is its own
            return len(text)
        return (m.start - statement.end) * 2  # a name after the grade binds less

    return min(map(distance, mine)) <= min(map(distance, others))


def _sub_judgement(sentence: str, statement: GradeStatement) -> bool:
    """Whether the grade sits in a clause about one judgement area rather than the whole."""
    if not _SUB_JUDGEMENT.search(sentence):
        return False
    if _EVERY_AREA.match(sentence, statement.end):
        return False  # "judged services to be good in every area": the whole, too
    starts = [0, *(m.end() for m in _CLAUSE.finditer(sentence))]
    clause_start = max(s for s in starts if s <= statement.start)
    ends = [m.start() for m in _CLAUSE.finditer(sentence) if m.start() >= statement.end]
    clause = sentence[clause_start : min(ends) if ends else len(sentence)]
    # "overall" before the grade or right after it ("rated good overall"), not further on
    # ("care leavers judged inadequate as overall rating slips").
    if _OVERALL.search(sentence[clause_start : statement.start]) or re.match(
        r"\W*overall\b", sentence[statement.end :], re.IGNORECASE
    ):
        return False
    # The nearer of an area ("care leavers") and the whole ("the trust") before the grade.
    before = sentence[clause_start : statement.start]
    areas = [m.end() for m in _SUB_JUDGEMENT.finditer(before)]
    wholes = [m.end() for m in _WHOLE.finditer(before)]
    if areas and wholes:
        return max(areas) > max(wholes)
    return bool(_SUB_JUDGEMENT.search(clause))
