"""Query words marked in text the page shows in full (document passages, section headings).

Spans come from the backend and HTML from ``indexer.snippets.highlight`` (escape, then mark),
exactly as for result snippets; nothing here parses or ranks on its own.
"""

from __future__ import annotations

from dataclasses import replace

from indexer import Hit
from indexer import OpenIndex
from indexer import Passage
from indexer import highlight
from indexer import match_spans


def mark_passages(index: OpenIndex, q: str, passages: list[Passage]) -> list[str]:
    """Each passage's text as escaped HTML, with the words of ``q`` in ``<mark>``."""
    spans = match_spans(index, q, list(passages)) if q.strip() else [()] * len(passages)
    return [highlight(passage.text, found) for passage, found in zip(passages, spans)]


def mark_headings(index: OpenIndex, q: str, passages: list[Passage]) -> list[str]:
    """Each passage's section title as escaped HTML, marked like the text (headings match queries too)."""
    return mark_passages(index, q, [replace(passage, text=passage.section_title) for passage in passages])


def mark_hit_headings(index: OpenIndex, q: str, hits: tuple[Hit, ...]) -> list[str]:
    """The section title of each hit, escaped and marked."""
    passages = [
        Passage(hit.doc_id, hit.passage_id, hit.section_id, hit.section_title, 0, hit.section_title, hit.lang)
        for hit in hits
    ]
    return mark_passages(index, q, passages)
