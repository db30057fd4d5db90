"""Blueprint "pages": the search page, the document page, the OpenSearch description and the Atom feed.

Searches go through ``indexer.search`` only; templates escape everything except the HTML that
``indexer.snippets`` made (escaped, then marked).
"""

from __future__ import annotations

from dataclasses import fields
from dataclasses import replace

from flask import Blueprint
from flask import Response
from flask import render_template
from flask import request
from flask import url_for
from werkzeug.exceptions import NotFound

from indexer import BadParameter
from indexer import NothingToSearch
from indexer import SearchQuery
from indexer import UnknownFilterValue
from indexer import is_web_url
from indexer import known_values
from indexer import search as run_search
from web.document import document_tags
from web.document import section_views
from web.document import translation_view
from web.engine import get_index
from web.errors import bad_parameter_message
from web.feeds import FeedInfo
from web.feeds import atom_feed
from web.feeds import opensearch_description
from web.files import original_url
from web.i18n import current_locale
from web.i18n import explicit_locale
from web.i18n import translate
from web.links import SearchLinks
from web.links import absolute_url
from web.links import site_root
from web.links import this_url
from web.params import DEFAULT_PER_PAGE
from web.params import PAGE_GROUP
from web.params import search_query_from
from web.views import active_filters
from web.views import facet_label
from web.views import facet_views
from web.views import group_views
from web.views import hit_views
from web.views import page_title
from web.views import pagination

FEED_PER_PAGE = 20
# Each interface language's examples use its own words and operator names (both work in either).
SYNTAX_EXAMPLES = {
    "en": (
        ("money laundering", "syntax_words"),
        ("customs AND police", "syntax_and"),
        ('"port security"', "syntax_phrase"),
        ("corruption OR bribery", "syntax_or"),
        ("trafficking -drugs", "syntax_not"),
        ("(port OR seaport) security", "syntax_group"),
        ("coopération lang:fr", "syntax_lang"),
        ("project:wecaps", "syntax_project"),
        ("partner:unodc", "syntax_partner"),
        ("topic:corruption", "syntax_topic"),
    ),
    "fr": (
        ("blanchiment de capitaux", "syntax_words"),
        ("douane ET police", "syntax_and"),
        ('"sécurité portuaire"', "syntax_phrase"),
        ("corruption OU pots-de-vin", "syntax_or"),
        ("trafic SAUF drogue", "syntax_not"),
        ("(port OU portuaire) sécurité", "syntax_group"),
        ("cooperation langue:en", "syntax_lang"),
        ("projet:wecaps", "syntax_project"),
        ("partenaire:onudc", "syntax_partner"),
        ("theme:corruption", "syntax_topic"),
    ),
}

bp = Blueprint("pages", __name__)


@bp.app_context_processor
def _page_globals() -> dict:
    """``home_url``: the empty search page, in the language the URL asked for."""
    ui = explicit_locale()
    return {"home_url": url_for("pages.search", **({"ui": ui} if ui else {}))}


@bp.get("/")
@bp.get("/search")
def search():
    """Results, facets and pages for ``?q=`` and filters; the query syntax when nothing is asked."""
    links = SearchLinks(SearchQuery(text=request.args.get("q", "").strip(), group=PAGE_GROUP), explicit_locale())
    try:
        links = SearchLinks(search_query_from(request.args, group=PAGE_GROUP), explicit_locale())
        # Nothing asked: the query syntax. Sorted by newest, nothing asked browses every passage.
        if not (links.query.text or links.query.filters() or request.args.get("sort") == "newest"):
            return render_template("search.html", links=links, examples=_examples(links))
        index = get_index()
        result = run_search(links.query, index)
    except BadParameter as error:
        # The form keeps the query but drops the culprit, so submitting it again can succeed.
        links = replace(links, query=_without(links.query, error.name))
        known = (
            _known_links(get_index(), links, error.name, error.known) if isinstance(error, UnknownFilterValue) else []
        )
        browse = {}
        if isinstance(error, NothingToSearch):  # say what to type instead, and how to browse
            ui = {"ui": links.ui} if links.ui else {}
            browse = {"examples": _examples(links), "browse_url": url_for("pages.search", sort="newest", **ui)}
        message = bad_parameter_message(error)
        return render_template("search.html", links=links, error=message, known=known, **browse), 400
    return render_template("search.html", **_results_context(index, result, links))


@bp.get("/doc/<path:doc_id>")
def document(doc_id: str):
    """A whole document in reading order, the words of ``?q=`` marked; ``?passage=`` names the passage sought.

    :raises NotFound: for an unknown document id.
    """
    index = get_index()
    found = index.document(doc_id)
    if found is None:
        raise NotFound(translate("doc_not_found", doc_id=doc_id))
    q = request.args.get("q", "").strip()
    wanted = request.args.get("passage", "").strip()
    ui = explicit_locale()
    parallel = request.args.get("parallel", "") == "1"
    translation = translation_view(index, found, q, parallel)
    return render_template(
        "document.html",
        doc=found.info,
        q=q,
        sections=section_views(index, found, q, wanted, translation),
        translation=translation,
        parallel=parallel and translation is not None,
        translation_url=_document_url(translation.doc_id, q, ui) if translation else "",
        parallel_url=_document_url(doc_id, q, ui, parallel=not parallel) if translation else "",
        missing=bool(wanted) and wanted not in {p.passage_id for p in found.passages},
        source_url=found.info.source_url if is_web_url(found.info.source_url) else "",
        tags=_tag_links(index, found, ui),
        back_url=SearchLinks(SearchQuery(text=q), ui).url() if q else "",
        plain_url=url_for("pages.document", doc_id=doc_id, ui=ui),
        original_url=f"{request.script_root}{original_url(found.info)}" if original_url(found.info) else "",
    )


def _document_url(doc_id: str, q: str, ui: str | None, parallel: bool = False) -> str:
    params = {name: value for name, value in (("q", q), ("ui", ui), ("parallel", "1" if parallel else "")) if value}
    return url_for("pages.document", doc_id=doc_id, **params)


@bp.get("/opensearch.xml")
def opensearch():
    """The OpenSearch description that lets browsers add Passerelle as a search engine."""
    body = opensearch_description(
        translate("opensearch_description"),
        search_url=absolute_url("pages.search"),
        feed_url=absolute_url("pages.feed"),
        self_url=absolute_url("pages.opensearch"),
    )
    return Response(body, mimetype="application/opensearchdescription+xml")


@bp.get("/feed.atom")
def feed():
    """An Atom feed of the newest passages matching ``?q=`` and the filters."""
    query = replace(search_query_from(request.args, per_page=FEED_PER_PAGE), sort="newest", group="none")
    index = get_index()
    result = run_search(query, index)
    links = SearchLinks(query, explicit_locale())
    info = FeedInfo(
        title=translate("feed_title", q=query.text) if query.text else translate("feed_title_all"),
        feed_url=this_url(),
        page_url=absolute_url("pages.search", **links.params(sort="relevance", per_page=DEFAULT_PER_PAGE)),
        root_url=site_root(),
        lang=current_locale(),
    )
    return Response(atom_feed(result, index, info), mimetype="application/atom+xml")


def _results_context(index, result, links: SearchLinks) -> dict:
    first = (result.page - 1) * result.per_page + 1
    grouped = result.group == PAGE_GROUP
    return {
        "links": links,
        "result": result,
        "hits": [] if grouped else hit_views(index, result, links),
        "groups": group_views(index, result, links) if grouped else [],
        "facets": facet_views(index, result, links),
        "filters": active_filters(index, links),
        "pages": pagination(result, links),
        "title": page_title(index, links),
        "first": first,
        "last": first + len(result.groups if grouped else result.results) - 1,
        "grouping_toggle_url": links.toggle_grouping(),
        "suggestion_url": links.with_text(result.suggestion) if result.suggestion else "",
        "expansion_toggle_url": links.toggle_expansion(),
        "feed_url": links.url("pages.feed", page=1, per_page=DEFAULT_PER_PAGE, sort="relevance"),
        "examples": _examples(links) if not result.total else [],
        "unknown_filters": [
            (
                translate("unknown_typed_filter", facet=translate(f"filter_name_{facet}"), value=value),
                _typed_links(index, links, facet, value),
            )
            for facet, value in result.unknown_filters
        ],
    }


def _typed_links(index, links: SearchLinks, facet: str, value: str) -> list[tuple[str, str]]:
    """(label, URL of the query with the typed filter naming it instead) for each value the filter takes."""
    text = links.query.text

    def corrected(known: str) -> str:
        fixed = text.replace(f':"{value}"', f":{known}", 1)
        return fixed if fixed != text else text.replace(f":{value}", f":{known}", 1)

    return [
        (facet_label(index, facet, known), links.with_text(corrected(known))) for known in known_values(facet, index)
    ]


def _known_links(index, links: SearchLinks, facet: str, ids) -> list[tuple[str, str]]:
    """(label, URL of the same search filtered on it) for each value a filter takes."""
    return [(facet_label(index, facet, value), links.add(facet, value)) for value in ids]


def _examples(links: SearchLinks) -> list[tuple[str, str, str]]:
    """(query, explanation, URL) for each syntax example of the empty state."""
    return [(text, translate(key), links.with_text(text)) for text, key in SYNTAX_EXAMPLES[current_locale()]]


def _tag_links(index, document, ui: str | None) -> list[tuple[str, str]]:
    """(label, search URL filtered on the tag) for each tag of the document."""
    links = SearchLinks(SearchQuery(), ui)
    return [(facet_label(index, kind, value), links.add(kind, value)) for kind, value in document_tags(document)]


def _without(query: SearchQuery, name: str) -> SearchQuery:
    """``query`` with parameter ``name`` back to its default (the query text is kept, to be edited)."""
    defaults = {field.name: field.default for field in fields(SearchQuery) if field.name != "text"}
    return replace(query, **{name: defaults[name]}) if name in defaults else query
