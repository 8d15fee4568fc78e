"""Precision, recall and F1 for relevance and for each theme."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float
    support: int

    def as_dict(self) -> dict[str, float | int]:
        return {
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "support": self.support,
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
        round(precision, 4), round(recall, 4), round(f1, 4), true_positive + false_negative
    )


@dataclass(frozen=True)
class Labelled:
    relevant: bool
    themes: frozenset[str]


@dataclass
class Evaluation:
    relevance: Scores
    themes: dict[str, Scores] = field(default_factory=dict)
    micro_f1: float = 0.0
    macro_f1: float = 0.0
    articles: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "articles": self.articles,
            "relevance": self.relevance.as_dict(),
            "themes": {k: v.as_dict() for k, v in self.themes.items()},
            "micro_f1": self.micro_f1,
            "macro_f1": self.macro_f1,
        }


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
        f"{'':24} {'precision':>9} {'recall':>7} {'F1':>6} {'support':>8}",
        _row("relevance", report.relevance),
        "",
    ]
    lines += [_row(theme, s) for theme, s in report.themes.items()]
    lines += ["", f"themes micro F1 {report.micro_f1:.3f}   macro F1 {report.macro_f1:.3f}"]
    return "\n".join(lines)


def _row(name: str, s: Scores) -> str:
    return f"{name:24} {s.precision:9.3f} {s.recall:7.3f} {s.f1:6.3f} {s.support:8d}"
