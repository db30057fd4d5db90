"""The contract between Passerelle and a search engine, in plain records.

A backend stores passages and answers query plans. ``WhooshBackend`` is the first
implementation; an OpenSearch one would implement the same methods:

- ``preparer()``: a picklable callable turning an ``IndexedDocument`` into what the backend
  writes (analysed fields); pure, so the pipeline may run it in a worker process.
- ``begin()``: a transaction: ``add(preparer()(document))``, ``delete(doc_ids)``, then
  ``commit()`` or ``cancel()`` (a context manager commits on success); readers see all of a
  document's passages or none of them. ``commit(record)`` calls ``record()`` before the commit
  is final and undoes it when that raises; a failed commit leaves the files as the last one did.
- ``side_writer()``: a picklable handle with which another process writes prepared documents
  in bulk (``open()``, then ``add(prepared)`` per document, then ``finish()``); what ``finish``
  returns goes to a transaction's ``include(written, dropped)``, which commits those documents
  but the passages numbered in ``dropped`` (0 = the first passage written); ``discard()`` then
  removes what the other process left (everything, when no transaction included it).
- ``search(plan)``: ranked passages with match spans, the total, and facet counts; with
  ``plan.group == "document"``, a page of documents instead, each with its best passages.
- ``get_document(doc_id)``: the stored document, passages in reading order, or None.
- ``match_spans(plan, passages)``: where the plan's terms occur in arbitrary passages.
- ``suggest(words, also)``: for each word neither the index nor the ``also`` vocabulary knows,
  the closest indexed or ``also`` word, or None when there is none.
- ``keep_warm()``: a long-lived process will search a lot: load ahead what first searches need;
  ``is_warm()``: whether that is done for the current view of the index.
- ``refresh()``: see the latest commit; ``close()``.
- Damage: any error reading the files raises ``IndexDamaged`` (after dropping everything decoded
  so far); ``damage`` holds it once confirmed, and every later read raises it. ``verify()``
  decodes every posting list, stored record and column, naming the files it could not decode.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from typing import Protocol

from indexer.engine.spelling import Vocabulary
from indexer.errors import IndexDamaged
from indexer.models import DocumentInfo
from indexer.models import IndexedDocument
from indexer.models import Passage
from indexer.query import ParsedQuery
from indexer.snippets import Span


@dataclass(frozen=True)
class SearchPlan:
    """A parsed query with resolved filters and the slice of ranked hits wanted."""

    query: ParsedQuery
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    offset: int = 0
    limit: int = 10
    with_facets: bool = True
    sort: str = "relevance"  # or "newest"
    # "document": ``offset`` and ``limit`` count documents, ranked by their best passage, each
    # answered with its ``group_size`` best passages (BackendHits.groups); "none": passages.
    group: str = "none"
    group_size: int = 4
    # Documents dated within these days, both included ("YYYY-MM-DD"; "" leaves that end open).
    dates: tuple[str, str] = ("", "")


@dataclass(frozen=True)
class BackendHit:
    """One ranked passage as stored, with the spans of its matching words."""

    passage: Passage
    info: DocumentInfo
    score: float
    spans: tuple[Span, ...]


@dataclass(frozen=True)
class BackendGroup:
    """One document's matching passages: the best ones, best first, how many match in all, and the
    first in reading order of those not among the best ("" when every match is shown)."""

    hits: tuple[BackendHit, ...]
    matched: int
    first_unshown: str = ""  # a passage id


@dataclass(frozen=True)
class BackendHits:
    """What a backend answers to a plan: ``hits``, or ``groups`` when the plan groups by document."""

    total: int  # matching passages
    hits: tuple[BackendHit, ...]
    facets: dict[str, dict[str, int]]
    relaxed: bool = False  # no passage has every word of the query, so passages with some are answered
    groups: tuple[BackendGroup, ...] = ()
    total_groups: int = 0  # documents with a matching passage, when grouped


class Transaction(Protocol):
    """Writes that readers see all at once, at ``commit``."""

    def add(self, prepared) -> None: ...  # what ``Backend.preparer()`` made of a document

    def delete(self, doc_ids) -> None: ...

    def include(self, written, dropped) -> None: ...  # what a ``side_writer()`` finished

    def commit(self, record=None) -> None: ...  # ``record()`` raising undoes the commit

    def cancel(self) -> None: ...


class Backend(Protocol):
    """What the pipeline and the search function need from a search engine."""

    damage: IndexDamaged | None

    def preparer(self) -> Callable[[IndexedDocument], object]: ...

    def side_writer(self) -> object: ...

    def begin(self) -> Transaction: ...

    def search(self, plan: SearchPlan) -> BackendHits: ...

    def get_document(self, doc_id: str) -> IndexedDocument | None: ...

    def match_spans(self, plan: SearchPlan, passages: list[Passage]) -> list[tuple[Span, ...]]: ...

    def suggest(self, words: list[str], also: Vocabulary | None = None) -> dict[str, str | None]: ...

    def doc_ids(self) -> set[str]: ...

    def document_count(self) -> int: ...

    def passage_count(self) -> int: ...

    def languages(self) -> frozenset[str]: ...  # of the passages held

    def holds(self, lang: str, term: str) -> bool: ...  # a passage's text in ``lang`` has the index term

    def keep_warm(self) -> None: ...

    def is_warm(self) -> bool: ...

    def refresh(self) -> None: ...

    def verify(self) -> list[str]: ...

    def close(self) -> None: ...
