"""What the pages draw from stored text, all of it untrusted: search snippets and evidence
highlighted with <mark>, and the themes chart as inline SVG. Everything is escaped first."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence

from markupsafe import Markup, escape

from monitor.storage.search import MARK_END, MARK_START

_BREAKING = frozenset({"Cc", "Zl", "Zp", "Cs", "Co", "Cn"})
PALETTE = (
    "#1d4ed8", "#b91c1c", "#047857", "#a16207", "#7c3aed",
    "#be185d", "#0e7490", "#4d7c0f", "#c2410c", "#374151",
)  # fmt: skip


def snippet(text: str | None) -> Markup:
    """A snippet with its match markers turned into <mark> (after escaping everything)."""
    if not text:
        return Markup("")
    escaped = str(escape(visible(text, keep=MARK_START + MARK_END)))
    return Markup(escaped.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>"))


def visible(text: str, keep: str = "") -> str:
    """`text` without invisible format characters (bidi overrides, zero-width joiners) and
    with other controls but newlines (and `keep`) made spaces: stored text as it reads."""
    kept = "\n" + keep
    probe = text
    for ch in kept:  # kept characters are not printable: a snippet's marks, a newline
        probe = probe.replace(ch, "")
    if probe.isprintable():
        return text
    return "".join(
        " " if unicodedata.category(ch) in _BREAKING and ch not in kept else ch
        for ch in text
        if unicodedata.category(ch) != "Cf"
    )


def _squash(text: str) -> str:
    return " ".join(visible(text).split())


def highlight(text: str, evidence: Mapping[str, Sequence[str]]) -> list[Markup]:
    """The article's paragraphs, each evidence sentence wrapped in <mark data-theme=...>.
    A sentence not found verbatim (the classifier normalises spacing) is matched with the
    spacing squashed; one found nowhere is simply not marked."""
    wanted = [
        (_squash(sentence), theme)
        for theme, sentences in evidence.items()
        for sentence in sentences
        if sentence.strip()
    ]
    paragraphs = []
    for raw in text.splitlines():
        paragraph = _squash(raw)
        if not paragraph:
            continue
        spans: list[tuple[int, int, str]] = []
        for sentence, theme in wanted:
            start = paragraph.find(sentence)
            if start >= 0 and not any(s < start + len(sentence) and start < e for s, e, _ in spans):
                spans.append((start, start + len(sentence), theme))
        out, at = [], 0
        for start, end, theme in sorted(spans):
            out.append(str(escape(paragraph[at:start])))
            out.append(
                f'<mark class="evidence" data-theme="{escape(theme)}" title="{escape(theme)}">'
                f"{escape(paragraph[start:end])}</mark>"
            )
            at = end
        out.append(str(escape(paragraph[at:])))
        paragraphs.append(Markup("".join(out)))
    return paragraphs


def theme_chart(
    months: Sequence[str],
    series: Sequence[tuple[str, str, Sequence[int]]],
    *,
    width: int = 760,
    height: int = 300,
) -> Markup:
    """Lines of articles per month, one per theme: (theme id, name, counts per month).
    Only SVG presentation attributes (no style attribute), so it passes a strict CSP."""
    left, right, top, bottom = 40, 10, 10, 40
    inner_w, inner_h = width - left - right, height - top - bottom
    peak = max([1, *(n for _, _, counts in series for n in counts)])
    step = inner_w / max(len(months) - 1, 1)

    def x(i: int) -> float:
        if len(months) == 1:  # one month: its points in the middle, not on the axis
            return left + inner_w / 2
        return left + i * step

    def y(n: int) -> float:
        return top + inner_h - n * inner_h / peak

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-labelledby="chart-title" class="chart">',
        '<title id="chart-title">Articles per theme per month</title>',
        f'<line x1="{left}" y1="{top + inner_h}" x2="{left + inner_w}" y2="{top + inner_h}" '
        'stroke="#9ca3af"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + inner_h}" stroke="#9ca3af"/>',
    ]
    for tick in sorted({0, peak // 2, peak}):
        parts.append(
            f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#4b5563">{tick}</text>'
        )
    label_every = max(1, len(months) // 12)
    for i, month in enumerate(months):
        if i % label_every == 0:
            parts.append(
                f'<text x="{x(i):.1f}" y="{height - bottom + 16}" text-anchor="middle" '
                f'font-size="11" fill="#4b5563">{escape(month)}</text>'
            )
    for n, (theme_id, name, counts) in enumerate(series):
        colour = PALETTE[n % len(PALETTE)]
        points = " ".join(f"{x(i):.1f},{y(c):.1f}" for i, c in enumerate(counts))
        parts.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}" '
            f'data-theme="{escape(theme_id)}"><title>{escape(name)}</title></polyline>'
        )
        for i, c in enumerate(counts):
            parts.append(
                f'<circle cx="{x(i):.1f}" cy="{y(c):.1f}" r="2.5" fill="{colour}">'
                f"<title>{escape(name)}, {escape(months[i])}: {c}</title></circle>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))
