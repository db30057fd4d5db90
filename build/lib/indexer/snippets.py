"""Excerpts of passages around their matches, and HTML from them: escape first, then mark.

The only place that makes HTML from document text; a ``Hit`` carries its passage's text and
match spans, and whoever shows it (the JSON API, the pages, the CLI) makes its excerpt here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from html import escape

SNIPPET_CHARS = 260  # about three lines of a result list
ELLIPSIS = "…"
Span = tuple[int, int]  # character offsets [start, end) of a match
MARK_OPEN = "<mark>"
MARK_CLOSE = "</mark>"


def highlight(text: str, spans: Iterable[Span]) -> str:
    """The whole ``text`` escaped, with each ``(start, end)`` span wrapped in ``<mark>``."""
    out, cursor = [], 0
    for start, end in _clean(spans, len(text)):
        out.append(escape(text[cursor:start]))
        out.append(f"{MARK_OPEN}{escape(text[start:end])}{MARK_CLOSE}")
        cursor = end
    out.append(escape(text[cursor:]))
    return "".join(out)


@dataclass(frozen=True)
class Excerpt:
    """A part of a passage's text with the matches inside it; ``cut_before``/``cut_after`` when text was left out."""

    text: str
    spans: tuple[Span, ...]
    cut_before: bool = False
    cut_after: bool = False


def excerpt(text: str, spans: Iterable[Span], max_chars: int = SNIPPET_CHARS) -> Excerpt:
    """At most about ``max_chars`` of ``text`` around the densest run of matches, cut between words."""
    spans = _clean(spans, len(text))
    if len(text) <= max_chars:
        return Excerpt(text, tuple(spans))
    start = _window_start(text, spans, max_chars)
    end = min(len(text), start + max_chars)
    start, end = _to_word_edges(text, start, end)
    inside = tuple((s - start, e - start) for s, e in spans if s >= start and e <= end)
    return Excerpt(text[start:end], inside, start > 0, end < len(text))


def make_snippet(text: str, spans: Iterable[Span], max_chars: int = SNIPPET_CHARS) -> str:
    """An escaped excerpt of at most about ``max_chars`` around the densest run of matches, marked."""
    part = excerpt(text, spans, max_chars)
    return (
        (ELLIPSIS if part.cut_before else "") + highlight(part.text, part.spans) + (ELLIPSIS if part.cut_after else "")
    )


def _clean(spans, length: int) -> list[tuple[int, int]]:
    """Sorted, in-bounds spans, overlapping ones merged (a word inside a marked phrase)."""
    cleaned: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        start, end = max(start, 0), min(end, length)
        if start >= end:
            continue
        if cleaned and start < cleaned[-1][1]:
            cleaned[-1] = (cleaned[-1][0], max(end, cleaned[-1][1]))
        else:
            cleaned.append((start, end))
    return cleaned


def _window_start(text: str, spans, max_chars: int) -> int:
    """Start of the window holding the most matches, with a little context before the first."""
    if not spans:
        return 0
    best_start, best_count = spans[0][0], 0
    for i, (start, _) in enumerate(spans):
        count = sum(1 for s, e in spans[i:] if e <= start + max_chars)
        if count > best_count:
            best_start, best_count = start, count
    return max(0, min(best_start - max_chars // 5, len(text) - max_chars))


def _to_word_edges(text: str, start: int, end: int) -> tuple[int, int]:
    """Move the edges inward to whitespace, so no word is cut in half."""
    if start > 0:
        space = text.find(" ", start, start + 30)
        start = space + 1 if space != -1 else start
    if end < len(text):
        space = text.rfind(" ", end - 30, end)
        end = space if space > start else end
    return start, end
