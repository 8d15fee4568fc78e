"""Precision, recall and F1 for relevance and for each theme."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from monitor.classify.gazetteer import Gazetteer
from monitor.models import AuthorityMatch


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float
    support: int
    wrong: int = 0  # assigned but not in the labels (false positives)
    missed: int = 0  # in the labels but not assigned (false negatives)

    def as_dict(self) -> dict[str, float | int]:
        return {
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "support": self.support,
            "wrong": self.wrong,
            "missed": self.missed,
        }


def scores(true_positive: int, false_positive: int, false_negative: int) -> Scores:
    precision = (
        true_positive / (true_positive + false_positive) if true_positive + false_positive else 0.0
    )
    recall = (
        true_positive / (true_positive + false_negative) if true_positive + false_negative else 0.0
    )
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(
        round(precision, 4),
        round(recall, 4),
        round(f1, 4),
        true_positive + false_negative,
        false_positive,
        false_negative,
    )


@dataclass(frozen=True)
class Labelled:
    relevant: bool
    themes: frozenset[str]


@dataclass(frozen=True)
class AuthorityScores:
    """Councils found against the labels, and the grade of each labelled council-grade pair
    (right when the council is found with that grade)."""

    articles: int
    scores: Scores
    grade_pairs: int
    grades_right: int

    @property
    def grade_accuracy(self) -> float:
        return round(self.grades_right / self.grade_pairs, 4) if self.grade_pairs else 0.0

    def as_dict(self) -> dict[str, object]:
        return {
            "articles": self.articles,
            **self.scores.as_dict(),
            "grade_accuracy": self.grade_accuracy,
            "grade_pairs": self.grade_pairs,
        }


@dataclass
class Evaluation:
    relevance: Scores
    themes: dict[str, Scores] = field(default_factory=dict)
    micro_f1: float = 0.0
    macro_f1: float = 0.0
    articles: int = 0
    authorities: AuthorityScores | None = None

    def as_dict(self) -> dict[str, object]:
        found: dict[str, object] = {
            "articles": self.articles,
            "relevance": self.relevance.as_dict(),
            "themes": {k: v.as_dict() for k, v in self.themes.items()},
            "micro_f1": self.micro_f1,
            "macro_f1": self.macro_f1,
        }
        if self.authorities is not None:
            found["authorities"] = self.authorities.as_dict()
        return found


GoldPair = tuple[str | None, str | None]  # (the council's code, its labelled grade)


@dataclass(frozen=True)
class CouncilMatching:
    """One article's labelled councils against those found: the pairs, the labels nobody
    found, and the councils found that no label names."""

    matched: tuple[tuple[GoldPair, AuthorityMatch], ...]
    missed: tuple[GoldPair, ...]
    extra: tuple[AuthorityMatch, ...]


def match_councils(
    gold: Sequence[GoldPair], predicted: Sequence[AuthorityMatch], gazetteer: Gazetteer
) -> CouncilMatching:
    """A council found matches a label naming the same area: a former authority ("Somerset
    County Council" in a 2011 story) its successor ("Somerset"). A label whose name is not
    in the gazetteer is missed."""

    def area(code: str) -> frozenset[str]:
        return frozenset(a.code for a in gazetteer.current_for(code)) or frozenset({code})

    unmatched = list(predicted)
    matched: list[tuple[GoldPair, AuthorityMatch]] = []
    missed: list[GoldPair] = []
    for label in gold:
        code = label[0]
        found = None
        if code is not None:
            found = next((p for p in unmatched if area(p.code) & area(code)), None)
        if found is None:
            missed.append(label)
        else:
            matched.append((label, found))
            unmatched.remove(found)
    return CouncilMatching(tuple(matched), tuple(missed), tuple(unmatched))


def evaluate_authorities(
    pairs: Sequence[tuple[Sequence[GoldPair], Sequence[AuthorityMatch]]], gazetteer: Gazetteer
) -> AuthorityScores:
    """`pairs` of (gold, predicted) per labelled article, matched by `match_councils`."""
    tp = fp = fn = grade_pairs = right = 0
    for gold, predicted in pairs:
        matching = match_councils(gold, predicted, gazetteer)
        tp, fn, fp = tp + len(matching.matched), fn + len(matching.missed), fp + len(matching.extra)
        graded = [(label, None) for label in matching.missed] + list(matching.matched)
        for (_, grade), found in graded:
            if grade is not None:
                grade_pairs += 1
                right += int(found is not None and found.grade == grade)
    return AuthorityScores(len(pairs), scores(tp, fp, fn), grade_pairs, right)


def council_mistakes(
    article: str, names: Mapping[str | None, str], matching: CouncilMatching
) -> list[Mistake]:
    """`monitor eval --errors` for one article's councils: those found that no label names
    (`wrong`), labels nobody found (`missed`, named as labelled: `names` maps a label's code
    to its name), and councils found with another grade than the label's (`wrong grade`)."""
    found = [
        Mistake(
            "councils", "wrong", f"{article} -- {m.name} ({m.grade or 'no grade'})", (m.evidence,)
        )
        for m in matching.extra
    ]
    found += [
        Mistake(
            "councils", "missed", f"{article} -- {names.get(code, '?')} ({grade or 'no grade'})", ()
        )
        for code, grade in matching.missed
    ]
    found += [
        Mistake(
            "councils",
            "wrong grade",
            f"{article} -- {m.name}: {m.grade or 'no grade'}, labelled {grade}",
            (m.evidence,),
        )
        for (_, grade), m in matching.matched
        if grade is not None and m.grade != grade
    ]
    return found


def evaluate(pairs: list[tuple[Labelled, Labelled]], theme_ids: tuple[str, ...]) -> Evaluation:
    """`pairs` of (gold, predicted). Themes are scored over every article: a theme predicted
    for an article the gold calls irrelevant is a false positive."""
    tp = sum(1 for g, p in pairs if g.relevant and p.relevant)
    fp = sum(1 for g, p in pairs if not g.relevant and p.relevant)
    fn = sum(1 for g, p in pairs if g.relevant and not p.relevant)
    result = Evaluation(relevance=scores(tp, fp, fn), articles=len(pairs))
    ids = list(theme_ids) + sorted({t for g, _ in pairs for t in g.themes} - set(theme_ids))
    totals = [0, 0, 0]
    for theme in ids:
        t_tp = sum(1 for g, p in pairs if theme in g.themes and theme in p.themes)
        t_fp = sum(1 for g, p in pairs if theme not in g.themes and theme in p.themes)
        t_fn = sum(1 for g, p in pairs if theme in g.themes and theme not in p.themes)
        result.themes[theme] = scores(t_tp, t_fp, t_fn)
        totals = [totals[0] + t_tp, totals[1] + t_fp, totals[2] + t_fn]
    result.micro_f1 = scores(*totals).f1
    with_support = [s.f1 for s in result.themes.values() if s.support]
    result.macro_f1 = round(sum(with_support) / len(with_support), 4) if with_support else 0.0
    return result


def format_evaluation(report: Evaluation) -> str:
    """The evaluation as a table for people."""
    lines = [
        f"{report.articles} articles",
        "",
        f"{'':24} {'precision':>9} {'recall':>7} {'F1':>6} {'support':>8}"
        f" {'wrong':>6} {'missed':>6}",
        _row("relevance", report.relevance),
        "",
    ]
    lines += [_row(theme, s) for theme, s in report.themes.items()]
    lines += ["", f"themes micro F1 {report.micro_f1:.3f}   macro F1 {report.macro_f1:.3f}"]
    found = report.authorities
    if found is not None:
        lines += [
            "",
            f"authorities ({found.articles} labelled articles)",
            _row("councils", found.scores),
            f"{'grades right':24} {found.grade_accuracy:9.3f}"
            f"   ({found.grades_right} of {found.grade_pairs} council-grade pairs)",
        ]
    return "\n".join(lines)


def _row(name: str, s: Scores) -> str:
    return (
        f"{name:24} {s.precision:9.3f} {s.recall:7.3f} {s.f1:6.3f} {s.support:8d}"
        f" {s.wrong:6d} {s.missed:6d}"
    )


@dataclass(frozen=True)
class Mistake:
    """One theme the classifier got wrong for one article, and the sentences behind it: the
    evidence it gave (`wrong`) or the best sentences it found but did not trust (`missed`)."""

    theme: str  # or "councils"
    kind: str  # "wrong" or "missed"; "wrong grade" for councils
    article: str
    sentences: tuple[str, ...]


def format_mistakes(mistakes: Sequence[Mistake]) -> str:
    """`monitor eval --errors`: the mistakes grouped by theme, wrong ones first."""
    lines: list[str] = []
    for theme in dict.fromkeys(m.theme for m in mistakes):
        for kind in ("wrong", "missed", "wrong grade"):
            found = [m for m in mistakes if m.theme == theme and m.kind == kind]
            if not found:
                continue
            lines += ["", f"{theme}: {kind} ({len(found)})"]
            for m in found:
                lines.append(f"  {m.article}")
                lines += [f"      > {s}" for s in m.sentences] or ["      (no sentence for it)"]
    return "\n".join(lines[1:])
