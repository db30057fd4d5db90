"""What the search page shows, computed from a SearchResult: hit links, facets, filters, pages, title.

Everything here decorates the result of ``indexer.search``; nothing ranks or builds snippets.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil

from indexer import FACETS
from indexer import LANGUAGES
from indexer import MAX_PAGE
from indexer import SNIPPET_CHARS
from indexer import TAG_FIELDS
from indexer import Hit
from indexer import OpenIndex
from indexer import SearchResult
from indexer import make_snippet
from indexer import read_date
from indexer import resolve_filters
from web.i18n import current_locale
from web.i18n import date_text
from web.i18n import translate
from web.links import SearchLinks
from web.links import document_link
from web.links import passage_link
from web.marks import mark_hit_headings

SUB_SNIPPET_CHARS = 140  # a sub-result's excerpt: about one line and a half
FACET_SHOWN = 8  # values listed before the rest folds under "n more"
PAGE_WINDOW = 2  # page links shown on each side of the current page


@dataclass(frozen=True)
class Link:
    """A labelled URL (a tag, a filter to remove, a facet value)."""

    kind: str
    label: str
    url: str
    count: int = 0
    active: bool = False


@dataclass(frozen=True)
class HitView:
    """A hit with its link to the passage, its marked snippet and section title, and its tag links."""

    hit: Hit
    link: str
    snippet_html: str  # an excerpt, escaped, matches in <mark>
    heading_html: str  # escaped, query words in <mark>
    tags: list[Link]
    translation_link: str = ""  # the aligned passage in the document's translation, query marked


@dataclass(frozen=True)
class GroupView:
    """A document in grouped results: its best passage, a few more as sub-results, and a link to the rest."""

    best: HitView
    subs: list[tuple[HitView, bool]]  # shorter snippets; True: the section title differs from the one above
    more: int  # matching passages of the document not shown
    more_url: str  # the document page at the first passage not shown, the query marked


@dataclass(frozen=True)
class FacetView:
    """One facet: its name and its values with counts, the first few shown, the rest folded."""

    facet: str
    title: str
    shown: list[Link]
    more: list[Link]


def facet_label(index: OpenIndex, facet: str, value: str) -> str:
    """The display name of a filter value in the interface language (aliases resolved to their entry)."""
    if facet == "lang":
        return translate(f"lang_{value}") if value in LANGUAGES else value
    if facet == "year":
        return value
    entry_id = index.taxonomy.resolve(facet, value) or value
    return index.taxonomy.label(facet, entry_id, current_locale())


def hit_views(index: OpenIndex, result: SearchResult, links: SearchLinks) -> list[HitView]:
    """Each hit of ``result`` ready to render."""
    headings = mark_hit_headings(index, result.query, result.results)
    return [_hit_view(index, hit, heading, links) for hit, heading in zip(result.results, headings)]


def group_views(index: OpenIndex, result: SearchResult, links: SearchLinks) -> list[GroupView]:
    """Each document of a grouped ``result`` ready to render: best passage, sub-results, link to the rest."""
    headings = iter(mark_hit_headings(index, result.query, tuple(hit for g in result.groups for hit in g.hits)))
    views = []
    for group in result.groups:
        best, *subs = group.hits
        above = [best, *subs]
        views.append(
            GroupView(
                _hit_view(index, best, next(headings), links),
                [
                    (
                        _hit_view(index, hit, next(headings), links, SUB_SNIPPET_CHARS),
                        hit.section_id != previous.section_id,
                    )
                    for hit, previous in zip(subs, above)
                ],
                group.more,
                passage_link(group.more_url, result.query, links.ui)
                if group.more_url
                else document_link(group.url, result.query, links.ui),
            )
        )
    return views


def _hit_view(index: OpenIndex, hit: Hit, heading: str, links: SearchLinks, chars: int = SNIPPET_CHARS) -> HitView:
    link = passage_link(hit.url, links.query.text, links.ui)
    translated = passage_link(hit.translation.url, links.query.text, links.ui) if hit.translation else ""
    snippet = make_snippet(hit.text, hit.spans, chars)
    return HitView(hit, link, snippet, heading, _tag_links(index, hit, links), translated)


def facet_views(index: OpenIndex, result: SearchResult, links: SearchLinks) -> list[FacetView]:
    """Facet lists with counts; a value already filtered on links to its removal."""
    active = resolve_filters(links.query.filters(), index)
    views = []
    for facet in FACETS:
        counts = result.facets[facet].items()
        values = [_facet_link(index, links, facet, value, count, active) for value, count in counts]
        if values:
            views.append(FacetView(facet, translate(f"facet_{facet}"), values[:FACET_SHOWN], values[FACET_SHOWN:]))
    return views


def active_filters(index: OpenIndex, links: SearchLinks) -> list[Link]:
    """The filters in the URL, each with the URL that removes it (the ends of the date range too)."""
    found = [
        Link(facet, facet_label(index, facet, value), links.remove(facet, value)) for facet, value in links.active()
    ]
    query = links.query
    for name, date, change in (("from", query.date_from, "date_from"), ("to", query.date_to, "date_to")):
        if date:
            label = f"{translate('date_' + name)} {date_text(date) if read_date(date) == date else date}"
            found.append(Link(name, label, links.url(page=1, **{change: ""})))
    return found


def pagination(result: SearchResult, links: SearchLinks) -> dict | None:
    """Previous/next URLs and numbered page links (``None`` marks a gap), or None for a single page."""
    last = max(1, min(ceil(result.ranked_total / result.per_page), MAX_PAGE))
    if last <= 1 and result.page == 1:
        return None
    current = result.page
    numbers = sorted({1, last, *range(max(1, current - PAGE_WINDOW), min(last, current + PAGE_WINDOW) + 1)})
    items = []
    for number in numbers:
        if items and number - items[-1][0] > 1:
            items.append((None, None))
        items.append((number, links.page(number)))
    return {
        "items": items,
        "current": current,
        "previous": links.page(min(current - 1, last)) if current > 1 else None,
        "next": links.page(current + 1) if current < last else None,
    }


def page_title(index: OpenIndex, links: SearchLinks) -> str:
    """The window title: the query and its filters, so a bookmark says what it finds."""
    query = links.query
    details = [facet_label(index, facet, value) for facet, value in links.active()]
    if query.page > 1:
        details.append(translate("title_page", n=query.page))
    if query.text:
        return translate("title_results", q=" · ".join([query.text, *details]))
    return translate("title_filtered", filters=" · ".join(details)) if details else translate("title_home")


def _tag_links(index: OpenIndex, hit: Hit, links: SearchLinks) -> list[Link]:
    return [
        Link(kind, index.taxonomy.label(kind, value, current_locale()), links.add(kind, value))
        for kind, attribute in TAG_FIELDS.items()
        for value in getattr(hit, attribute)
    ]


def _facet_link(index, links, facet, value, count, active) -> Link:
    label = facet_label(index, facet, value)
    if value not in active.get(facet, ()):
        return Link(facet, label, links.add(facet, value), count)
    # Remove every URL value that names this entry (an alias and an id may both be there).
    values = getattr(links.query, facet)
    remaining = tuple(v for v in values if resolve_filters({facet: (v,)}, index)[facet] != (value,))
    return Link(facet, label, links.url(page=1, **{facet: remaining}), count, active=True)
