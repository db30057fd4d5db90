"""XML for browsers and feed readers, built with ElementTree: the Atom feed of the newest passages
matching a query (RFC 4287) and the OpenSearch description that adds Passerelle as a search engine.

ElementTree escapes text and attributes; characters XML 1.0 forbids (stray control
characters in captured documents) are dropped first, or the feed would not parse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from xml.etree import ElementTree as ET

from indexer import LANGUAGES
from indexer import OpenIndex
from indexer import SearchResult
from indexer import date_bounds
from indexer import index_stats

ATOM_NS = "http://www.w3.org/2005/Atom"
OPENSEARCH_NS = "http://a9.com/-/spec/opensearch/1.1/"
GENERATOR = "Passerelle"
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class FeedInfo:
    """Feed-level fields: what the feed is, where it lives, which page it mirrors."""

    title: str
    feed_url: str  # absolute; also the feed's id
    page_url: str  # absolute URL of the same search as a web page
    root_url: str  # absolute URL of the site, without the trailing "/"
    lang: str


def atom_feed(result: SearchResult, index: OpenIndex, info: FeedInfo) -> bytes:
    """The result's hits as an Atom feed document (UTF-8 bytes with an XML declaration).

    An entry is published and updated at its document's date (the first moment of a partial
    date's period, "2023" is 2023-01-01T00:00:00Z), or at its file's modification time when that
    is all the document's date is.
    """
    updated_by_doc = _document_times(result, index)
    fallback = index_stats(index).updated
    feed = ET.Element("feed", {"xmlns": ATOM_NS, "xml:lang": info.lang})
    _add(feed, "title", info.title)
    _add(feed, "id", info.feed_url)
    _add(feed, "updated", max(updated_by_doc.values(), default=fallback) or fallback)
    _add(feed, "link", rel="self", type="application/atom+xml", href=info.feed_url)
    _add(feed, "link", rel="alternate", type="text/html", href=info.page_url)
    _add(_add(feed, "author"), "name", GENERATOR)
    _add(feed, "generator", GENERATOR)
    for hit in result.results:
        permalink = info.root_url + hit.url
        entry = _add(feed, "entry", {"xml:lang": hit.lang})
        _add(entry, "id", permalink)
        _add(entry, "title", " › ".join(part for part in (hit.doc_title, hit.section_title) if part))
        when = updated_by_doc.get(hit.doc_id) or fallback
        _add(entry, "published", when)
        _add(entry, "updated", when)
        _add(entry, "link", rel="alternate", type="text/html", href=permalink)
        _add(entry, "summary", hit.text)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def opensearch_description(description: str, search_url: str, feed_url: str, self_url: str) -> bytes:
    """The OpenSearch 1.1 description: URL templates of the search page and of the feed."""
    root = ET.Element("OpenSearchDescription", {"xmlns": OPENSEARCH_NS})
    _add(root, "ShortName", GENERATOR)
    _add(root, "Description", description)
    _add(root, "InputEncoding", "UTF-8")
    _add(root, "OutputEncoding", "UTF-8")
    for lang in LANGUAGES:
        _add(root, "Language", lang)
    # {searchTerms} is filled in by the browser, so it must stay unencoded in the template.
    _add(root, "Url", type="text/html", method="get", template=f"{search_url}?q={{searchTerms}}")
    _add(root, "Url", type="application/atom+xml", method="get", template=f"{feed_url}?q={{searchTerms}}")
    _add(root, "Url", type="application/opensearchdescription+xml", rel="self", template=self_url)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _document_times(result: SearchResult, index: OpenIndex) -> dict[str, str]:
    """Each hit's document date as an RFC 3339 time (its file's time when the file dates it; the
    documents are looked up only for those, once per document)."""
    times = {}
    for hit in result.results:
        if hit.doc_id in times:
            continue
        if hit.date_source == "file":
            document = index.document(hit.doc_id)
            times[hit.doc_id] = document.info.updated if document else ""
        else:
            times[hit.doc_id] = f"{date_bounds(hit.date)[0]}T00:00:00Z" if hit.date else ""
    return times


def _add(parent: ET.Element, tag: str, text_or_attrs: str | dict | None = None, **attrs: str) -> ET.Element:
    """A child element: ``text_or_attrs`` is its text, or a dict of attributes with colons (xml:lang)."""
    extra = text_or_attrs if isinstance(text_or_attrs, dict) else {}
    child = ET.SubElement(parent, tag, {name: _clean(value) for name, value in {**extra, **attrs}.items()})
    if isinstance(text_or_attrs, str):
        child.text = _clean(text_or_attrs)
    return child


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)
