"""URLs the pages link to: the search page with filters added or removed, passages, original sources."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import replace
from urllib.parse import quote
from urllib.parse import urlencode

from flask import request
from flask import url_for

from indexer import FACETS
from indexer import SearchQuery
from web.params import DEFAULT_PER_PAGE
from web.params import DEFAULT_SORT
from web.params import PAGE_GROUP

FRAGMENT_START_WORDS = 8  # text fragments: first words of the passage ...
FRAGMENT_END_WORDS = 4  # ... and its last words, so the whole passage is selected


@dataclass(frozen=True)
class SearchLinks:
    """URLs of the search page derived from the current query; defaults are left out to keep URLs short."""

    query: SearchQuery
    ui: str | None = None  # an explicit ?ui= is carried along, so shared links keep the language

    def params(self, **changes) -> dict:
        """URL parameters of the current query with ``changes`` (SearchQuery fields) applied."""
        query = replace(self.query, **changes)
        params = {"q": query.text, **{facet: list(getattr(query, facet)) for facet in FACETS}}
        params["page"] = query.page if query.page != 1 else None
        params["per_page"] = query.per_page if query.per_page != DEFAULT_PER_PAGE else None
        params["sort"] = query.sort if query.sort != DEFAULT_SORT else None
        params["expand"] = None if query.expand else "0"
        params["group"] = query.group if query.group != PAGE_GROUP else None
        params["ui"] = self.ui
        return {name: value for name, value in params.items() if value}

    def url(self, endpoint: str = "pages.search", **changes) -> str:
        """The URL of ``endpoint`` for the current query with ``changes``."""
        return url_for(endpoint, **self.params(**changes))

    def add(self, facet: str, value: str) -> str:
        """The first page of results with one more filter value."""
        values = getattr(self.query, facet)
        return self.url(page=1, **{facet: values if value in values else values + (value,)})

    def remove(self, facet: str, value: str) -> str:
        """The first page of results without this filter value."""
        return self.url(page=1, **{facet: tuple(v for v in getattr(self.query, facet) if v != value)})

    def clear(self) -> str:
        """The first page of results without any filter."""
        return self.url(page=1, **{facet: () for facet in FACETS})

    def page(self, number: int) -> str:
        """Result page ``number``."""
        return self.url(page=number)

    def with_text(self, text: str) -> str:
        """The first page of results for another query text, filters kept (the "did you mean" link)."""
        return self.url(page=1, text=text)

    def toggle_grouping(self) -> str:
        """The same search with passages grouped by document, or every passage on its own."""
        return self.url(page=1, group="none" if self.query.group == PAGE_GROUP else PAGE_GROUP)

    def toggle_expansion(self) -> str:
        """The same results with cross-language expansion switched off, or back on."""
        return self.url(page=1, expand=not self.query.expand)

    def active(self) -> list[tuple[str, str]]:
        """Every (facet, value) filter of the query, in facet order."""
        return [(facet, value) for facet in FACETS for value in getattr(self.query, facet)]


def passage_link(hit_url: str, q: str, ui: str | None = None) -> str:
    """A hit's permalink with ``?q=`` (and ``ui``) before the fragment, so the page marks the query."""
    path, _, fragment = hit_url.partition("#")
    return f"{document_link(path, q, ui)}#{fragment}"


def document_link(document_url: str, q: str, ui: str | None = None) -> str:
    """A document page with ``?q=`` (and ``ui``), so the page marks the query."""
    params = {name: value for name, value in (("q", q), ("ui", ui)) if value}
    query = f"?{urlencode(params)}" if params else ""
    return f"{request.script_root}{document_url}{query}"


def text_fragment_url(source_url: str, text: str) -> str:
    """``source_url`` with a text fragment selecting ``text`` (first words, then last words).

    See https://wicg.github.io/scroll-to-text-fragment/: ``#:~:text=start,end``, where "-", ","
    and "&" inside a term must be percent-encoded.
    """
    words = text.split()
    if len(words) <= FRAGMENT_START_WORDS + FRAGMENT_END_WORDS:
        directive = _fragment_term(words)
    else:
        start, end = words[:FRAGMENT_START_WORDS], words[-FRAGMENT_END_WORDS:]
        directive = f"{_fragment_term(start)},{_fragment_term(end)}"
    return f"{source_url.partition('#')[0]}#:~:text={directive}"


def _fragment_term(words: list[str]) -> str:
    # quote() leaves "-" alone (it is unreserved in URLs), but the directive syntax gives it a meaning.
    return quote(" ".join(words), safe="").replace("-", "%2D")
