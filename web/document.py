"""What the document page shows: the stored passages in reading order, grouped into sections, marked."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby
from urllib.parse import quote

from flask import request

from indexer import TAG_FIELDS
from indexer import DocumentInfo
from indexer import IndexedDocument
from indexer import OpenIndex
from indexer import Passage
from indexer import document_url
from indexer import is_web_url
from indexer import passage_url
from indexer import translation_links
from web.files import original_url
from web.links import site_root
from web.links import text_fragment_url
from web.marks import mark_headings
from web.marks import mark_passages


@dataclass(frozen=True)
class Counterpart:
    """A passage of the document's translation shown beside the passage it renders."""

    lang: str
    html: str  # escaped, query words in <mark>
    url: str  # its permalink in its own document


@dataclass(frozen=True)
class Translation:
    """The document's other-language version: its id and language, and the passages beside ours when shown."""

    doc_id: str
    lang: str
    counterparts: dict[str, list[Counterpart]]


@dataclass(frozen=True)
class PassageView:
    """One passage: anchor, language, marked HTML, permalink and, when the source is online, a text-fragment link."""

    passage_id: str
    anchor: str  # the href of the in-page link: "#" + the percent-encoded id
    lang: str
    html: str  # escaped, query words in <mark>
    permalink: str  # absolute, without ?q=, for copying
    source_link: str
    current: bool
    page: int = 0  # the page of the original it starts on (0: not a paged format)
    page_link: str = ""  # the original file opened at that page
    counterparts: tuple[Counterpart, ...] = ()  # the aligned passages of the translation, when shown beside it


@dataclass(frozen=True)
class SectionView:
    """Consecutive passages under one heading."""

    section_id: str
    title: str  # plain text, "" before the first heading
    title_html: str  # escaped, query words in <mark>
    lang: str
    passages: list[PassageView]


def translation_view(index: OpenIndex, document: IndexedDocument, q: str, parallel: bool) -> Translation | None:
    """The document's translation, if the index paired it with one; with ``parallel``, its passages
    grouped under the passages of ``document`` they render (a passage aligned with none joins the
    one before it), query words marked."""
    links = translation_links(index.generation.path)
    own = links.get(document.info.doc_id)
    if not own:
        return None
    other_id, _, lang = next(iter(own.values()))
    counterparts: dict[str, list[Counterpart]] = {}
    other = index.document(other_id) if parallel else None
    if other is not None:
        theirs = links.get(other_id, {})
        passages = list(other.passages)
        row = document.passages[0].passage_id
        for passage, html in zip(passages, mark_passages(index, q, passages)):
            link = theirs.get(passage.passage_id)
            if link is not None and link[0] == document.info.doc_id:
                row = link[1]
            url = passage_url(other_id, passage.passage_id)
            counterparts.setdefault(row, []).append(Counterpart(passage.lang, html, url))
    return Translation(other_id, lang, counterparts)


def section_views(
    index: OpenIndex, document: IndexedDocument, q: str, current: str = "", translation: Translation | None = None
) -> list[SectionView]:
    """The document's sections in reading order, query words of ``q`` marked in text and headings;
    with a ``translation`` shown beside it, each passage with its counterparts."""
    passages = list(document.passages)
    texts = mark_passages(index, q, passages)
    groups = [list(group) for _, group in groupby(zip(passages, texts), key=lambda pair: pair[0].section_id)]
    headings = mark_headings(index, q, [group[0][0] for group in groups])
    source = document.info.source_url if is_web_url(document.info.source_url) else ""
    sections, seen = [], set()
    for group, heading in zip(groups, headings):
        first = group[0][0]
        views = [_passage_view(passage, html, source, current, document.info, translation) for passage, html in group]
        title_html = heading if first.section_title else ""
        anchor = _unique(first.section_id, seen)
        sections.append(SectionView(anchor, first.section_title, title_html, first.lang, views))
    return sections


def document_tags(document: IndexedDocument) -> list[tuple[str, str]]:
    """(kind, id) of every tag of any passage, in first-seen order per kind."""
    found = {}
    for kind, attribute in TAG_FIELDS.items():
        for passage in document.passages:
            for value in getattr(passage.tags, attribute):
                found.setdefault((kind, value), None)
    return list(found)


def _passage_view(
    passage: Passage, html: str, source: str, current: str, info: DocumentInfo, translation
) -> PassageView:
    return PassageView(
        passage_id=passage.passage_id,
        anchor="#" + quote(passage.passage_id, safe=""),
        lang=passage.lang,
        html=html,
        permalink=site_root() + passage_url(passage.doc_id, passage.passage_id),
        source_link=text_fragment_url(source, passage.text) if source else "",
        current=passage.passage_id == current,
        page=passage.page,
        page_link=f"{request.script_root}{original_url(info, passage.page)}" if passage.page else "",
        counterparts=tuple(translation.counterparts.get(passage.passage_id, ())) if translation else (),
    )


def _unique(section_id: str, seen: set[str]) -> str:
    """An HTML id for the section: its own the first time, suffixed if a heading repeats later."""
    anchor, n = section_id, 1
    while anchor in seen:
        n += 1
        anchor = f"{section_id}-{n}"
    seen.add(anchor)
    return anchor


def document_dict(document: IndexedDocument) -> dict:
    """The JSON shape of /api/documents: metadata, tags, and sections holding their passages."""
    info = document.info
    tags = {}
    for kind, value in document_tags(document):
        tags.setdefault(kind, []).append(value)
    sections = []
    for section_id, group in groupby(document.passages, key=lambda p: p.section_id):
        group = list(group)
        passages = [_passage_dict(passage) for passage in group]
        sections.append({"section_id": section_id, "title": group[0].section_title, "passages": passages})
    return {
        "doc_id": info.doc_id,
        "title": info.title,
        "lang": info.lang,
        "path": info.path,
        "publisher": info.publisher,
        "source_url": info.source_url,
        "updated": info.updated,
        "date": info.date,
        "date_source": info.date_source,
        "url": document_url(info.doc_id),
        "tags": {kind: tags.get(kind, []) for kind in TAG_FIELDS},
        "sections": sections,
    }


def _passage_dict(passage: Passage) -> dict:
    return {
        "passage_id": passage.passage_id,
        "position": passage.position,
        "lang": passage.lang,
        "text": passage.text,
        "page": passage.page,
        "url": passage_url(passage.doc_id, passage.passage_id),
        "projects": list(passage.tags.projects),
        "partners": list(passage.tags.partners),
        "topics": list(passage.tags.topics),
    }
