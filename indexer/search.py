"""The one search function: the CLI, the JSON API and the pages all call ``search``."""

from __future__ import annotations

import datetime
import time
from urllib.parse import quote

from indexer.crosslang.parallel import translation_links
from indexer.dates import EARLIEST_YEAR
from indexer.dates import date_bounds
from indexer.dates import range_bounds
from indexer.dates import read_date
from indexer.engine.contract import BackendGroup
from indexer.engine.contract import BackendHit
from indexer.engine.contract import SearchPlan
from indexer.engine.contract import Span
from indexer.errors import BadParameter
from indexer.errors import NothingToSearch
from indexer.errors import UnknownFilterValue
from indexer.folding import fold
from indexer.models import FACETS
from indexer.models import LANGUAGES
from indexer.models import Hit
from indexer.models import HitGroup
from indexer.models import Passage
from indexer.models import SearchQuery
from indexer.models import SearchResult
from indexer.models import TranslationLink
from indexer.query import DATE_FILTERS
from indexer.query import MAX_QUERY_CHARS
from indexer.query import ParsedQuery
from indexer.query import parse_query
from indexer.store import OpenIndex

SORTS = ("relevance", "newest")
GROUPS = ("none", "document")
GROUP_SIZE = 4  # a document's best passage and up to three more
MAX_PER_PAGE = 100
MAX_PAGE = 1000
MAX_SUGGESTED_WORDS = 8
NOTHING_DATED = ("9999-12-31", "1000-01-01")  # a range that ends before it starts: no document is in it
MAX_SUGGESTED_WORD_CHARS = 25  # "anticonstitutionnellement"
LANGUAGE_NAMES = {
    "en": "en", "english": "en", "anglais": "en", "eng": "en",
    "fr": "fr", "french": "fr", "francais": "fr", "fra": "fr", "fre": "fr",
}  # fmt: skip


def search(query: SearchQuery, index: OpenIndex) -> SearchResult:
    """Ranked, highlighted passages for ``query``, with facet counts and a spelling suggestion.

    Filters given as parameters and filters typed in the query text (``lang:fr``) combine;
    taxonomy filter values may be ids, labels or aliases (``partner:ONUDC``). A value typed in the
    text that names nothing known matches nothing, and the result's ``unknown_filters`` says so.

    A query with nothing to search (no word, phrase or filter: empty, or an operator alone) is
    refused, unless it is sorted by ``newest``: that browses every passage, newest first (the feed).

    :raises BadParameter: for a page or page size out of range.
    :raises NothingToSearch: for nothing to search, sorted by relevance.
    :raises UnknownFilterValue: for a filter parameter naming no known language, project, partner or topic.
    """
    started = time.perf_counter()
    _check_query(query)
    for facet, values in query.filters().items():
        for value in values:
            if not is_known(facet, value, index):
                raise UnknownFilterValue(facet, value, known_values(facet, index))
    parsed = parse_query(query.text)
    dated = query.date_from or query.date_to
    if parsed.tree is None and not parsed.filters and not query.filters() and not dated and query.sort != "newest":
        raise NothingToSearch(query.text)
    unknown = tuple(
        (facet, v) for facet, values in parsed.filters.items() for v in values if not is_known(facet, v, index)
    )
    typed = {facet: values for facet, values in parsed.filters.items() if facet not in DATE_FILTERS}
    filters = resolve_filters(_merge(query.filters(), typed), index)
    tree, expanded = parsed.tree, ()
    if query.expand:  # the languages that can answer weigh the translations
        languages = filters.get("lang") or index.backend.languages()
        tree, expanded = index.expander.expand(tree, languages, index.backend.holds)
    offset = (query.page - 1) * query.per_page
    plan = SearchPlan(
        ParsedQuery(tree, parsed.filters), filters, offset, query.per_page, sort=query.sort, group=query.group,
        group_size=GROUP_SIZE, dates=date_range(query, parsed.filters),
    )  # fmt: skip
    found = index.backend.search(plan)
    links = translation_links(index.generation.path)
    suggestion = _suggestion(query.text, parsed.words(), index, expanded)
    return SearchResult(
        query=query.text,
        total=found.total,
        page=query.page,
        per_page=query.per_page,
        took_ms=round((time.perf_counter() - started) * 1000, 2),
        results=tuple(to_hit(hit, links) for hit in found.hits),
        facets={facet: found.facets.get(facet, {}) for facet in FACETS},
        suggestion=suggestion,
        expanded=expanded,
        relaxed=found.relaxed,
        group=query.group,
        groups=tuple(_to_group(group, links) for group in found.groups),
        documents=found.total_groups,
        unknown_filters=tuple(dict.fromkeys(unknown)),
    )


def is_known(facet: str, value: str, index: OpenIndex) -> bool:
    """True when ``value`` names a language (``lang``), a year (``year``), a date (``after``, ``before``)
    or an entry of the taxonomy (id, label or alias)."""
    if facet == "lang":
        return LANGUAGE_NAMES.get(fold(value)) in LANGUAGES
    if facet == "year":
        return _is_year(value)
    if facet in DATE_FILTERS:
        return read_date(value) is not None
    return index.taxonomy.resolve(facet, value) is not None


def known_values(facet: str, index: OpenIndex) -> tuple[str, ...]:
    """The ids a filter takes: the languages, or the taxonomy's entries of that kind in file order
    (none for years and dates: any will do)."""
    if facet == "lang":
        return tuple(LANGUAGES)
    if facet == "year" or facet in DATE_FILTERS:
        return ()
    return tuple(entry.id for entry in index.taxonomy.of_kind(facet))


def date_range(query: SearchQuery, typed: dict[str, tuple[str, ...]]) -> tuple[str, str]:
    """The days the documents must be dated within (first, last; "" for an open end): ``from`` and
    ``to`` with their periods included, ``after:`` and ``before:`` typed in the text with theirs
    excluded, all of them at once. A typed date that is no date leaves a range nothing is dated in."""
    first, last = range_bounds(query.date_from.strip(), query.date_to.strip())
    firsts, lasts = [first] if first else [], [last] if last else []
    for value in typed.get("after", ()):
        date = read_date(value)
        if date is None:
            return NOTHING_DATED
        firsts.append(_shifted(date_bounds(date)[1], days=1))
    for value in typed.get("before", ()):
        date = read_date(value)
        if date is None:
            return NOTHING_DATED
        lasts.append(_shifted(date_bounds(date)[0], days=-1))
    return max(firsts, default=""), min(lasts, default="")


def match_spans(index: OpenIndex, text: str, passages: list[Passage], expand: bool = True) -> list[tuple[Span, ...]]:
    """Where the query ``text`` matches in each passage's text, as (start, end) character offsets.

    The query is read as ``search`` reads it, expansion included, so a document page marks
    the same words as the result snippet that led to it.
    """
    parsed = parse_query(text)
    tree = index.expander.expand(parsed.tree)[0] if expand else parsed.tree
    return index.backend.match_spans(SearchPlan(ParsedQuery(tree, parsed.filters)), list(passages))


def passage_url(doc_id: str, passage_id: str) -> str:
    """The permalink of a passage: its document page, scrolled to the passage's anchor."""
    return f"{document_url(doc_id)}#{quote(passage_id, safe='')}"


def document_url(doc_id: str) -> str:
    """The document page."""
    return f"/doc/{quote(doc_id, safe='/')}"


def _to_group(group: BackendGroup, links: dict) -> HitGroup:
    hits = tuple(to_hit(hit, links) for hit in group.hits)
    first = hits[0]
    more_url = passage_url(first.doc_id, group.first_unshown) if group.first_unshown else ""
    return HitGroup(first.doc_id, first.doc_title, document_url(first.doc_id), hits, group.matched, more_url)


def _shifted(day: str, days: int) -> str:
    shifted = datetime.date.fromisoformat(day) + datetime.timedelta(days=days)
    return shifted.isoformat() if shifted.year >= EARLIEST_YEAR else day


def _is_year(value: str) -> bool:
    return len(value.strip()) == 4 and read_date(value) is not None


def to_hit(found: BackendHit, links: dict | None = None) -> Hit:
    """A result record from a backend hit: its text and match spans, permalink built, and its aligned
    passage in the document's translation when ``links`` (``translation_links``) has one."""
    passage = found.passage
    return Hit(
        doc_id=passage.doc_id,
        doc_title=found.info.title,
        doc_lang=found.info.lang,
        section_id=passage.section_id,
        section_title=passage.section_title,
        passage_id=passage.passage_id,
        lang=passage.lang,
        url=passage_url(passage.doc_id, passage.passage_id),
        score=round(found.score, 4),
        text=passage.text,
        projects=passage.tags.projects,
        partners=passage.tags.partners,
        topics=passage.tags.topics,
        spans=tuple(found.spans),
        date=found.info.date,
        date_source=found.info.date_source,
        page=passage.page,
        translation=translation_of(passage.doc_id, passage.passage_id, links or {}),
    )


def translation_of(doc_id: str, passage_id: str, links: dict) -> TranslationLink | None:
    """The aligned passage of the document's translation, from ``translation_links``; None when none."""
    found = links.get(doc_id, {}).get(passage_id)
    if found is None:
        return None
    other_doc, other_passage, lang = found
    return TranslationLink(other_doc, other_passage, lang, passage_url(other_doc, other_passage))


def resolve_filters(filters: dict[str, tuple[str, ...]], index: OpenIndex) -> dict[str, tuple[str, ...]]:
    """Filter values as stored ids: language names to codes, taxonomy labels and aliases to ids.

    An unknown value is kept (folded), so it matches nothing rather than being ignored.
    """
    resolved = {}
    for facet, values in filters.items():
        if facet == "lang":
            ids = [LANGUAGE_NAMES.get(fold(v), fold(v)) for v in values]
        elif facet == "year":
            ids = [v.strip() for v in values]
        else:
            ids = [index.taxonomy.resolve(facet, v) or fold(v) for v in values]
        resolved[facet] = tuple(dict.fromkeys(ids))
    return resolved


def _merge(first: dict, second: dict) -> dict[str, tuple[str, ...]]:
    merged = dict(first)
    for facet, values in second.items():
        merged[facet] = merged.get(facet, ()) + tuple(values)
    return merged


def _check_query(query: SearchQuery) -> None:
    if len(query.text) > MAX_QUERY_CHARS:
        raise BadParameter("q", query.text[:40] + "…", f"longer than {MAX_QUERY_CHARS} characters")
    if not 1 <= query.page <= MAX_PAGE:
        raise BadParameter("page", query.page, f"must be between 1 and {MAX_PAGE}")
    if not 1 <= query.per_page <= MAX_PER_PAGE:
        raise BadParameter("per_page", query.per_page, f"must be between 1 and {MAX_PER_PAGE}")
    if query.sort not in SORTS:
        raise BadParameter("sort", query.sort, f"must be one of {', '.join(SORTS)}")
    if query.group not in GROUPS:
        raise BadParameter("group", query.group, f"must be one of {', '.join(GROUPS)}")
    for lang in query.lang:
        if LANGUAGE_NAMES.get(fold(lang)) not in LANGUAGES:
            raise BadParameter("lang", lang, "must be en or fr")
    for year in query.year:
        if not _is_year(year):
            raise BadParameter("year", year[:40], "must be a year (YYYY)")
    for name, value in (("from", query.date_from), ("to", query.date_to)):
        if value and read_date(value) != value.strip():
            raise BadParameter(name, value[:40], "must be a date: YYYY, YYYY-MM or YYYY-MM-DD")
    first, last = range_bounds(query.date_from.strip(), query.date_to.strip())
    if first and last and first > last:
        raise BadParameter("from", query.date_from, f"must not be after to={query.date_to!r}")


def _could_be_misspelt(word: str) -> bool:
    """A word of letters (apostrophes and hyphens allowed), 3 to 25 of them: not a code, number or symbol."""
    letters = word.replace("'", "").replace("’", "").replace("-", "")
    return 3 <= len(word) <= MAX_SUGGESTED_WORD_CHARS and letters.isalpha()


def _suggestion(text: str, words: list[str], index: OpenIndex, expanded) -> str | None:
    """The query with each word unknown to the index and to the glossary and taxonomy replaced by the
    closest word of either; None when every word is known, or when one unknown word has no close word
    (a suggestion keeping it would find no more than the query). A word that something searched
    besides (``expanded``) is known: the glossary matched it (through its stem: *cours* and the entry
    *cour*), or it was translated into words the passages hold (English *women* over French passages)."""
    matched = {word for expansion in expanded for word in expansion.source.split()}
    # Each distinct word once, the first few, none longer than a real word: suggesting costs about
    # 50 ms a word, and its automaton grows with the word (0.7 s for 500 letters, found by fuzzing).
    candidates = [word for word in dict.fromkeys(words) if _could_be_misspelt(word) and word not in matched]
    replacements = index.backend.suggest(candidates[:MAX_SUGGESTED_WORDS], also=index.spelling_words)
    if not replacements or None in replacements.values():
        return None
    suggested = text
    for word, replacement in replacements.items():
        suggested = suggested.replace(word, replacement, 1)
    return suggested
