"""Plain records passed between the stages: document -> section -> passage -> hit.

Nothing here knows about Whoosh; a second backend consumes and produces the same records.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from dataclasses import fields

from indexer.snippets import make_snippet

LANGUAGES = ("en", "fr")
FACETS = ("lang", "project", "partner", "topic", "year")
TAG_FIELDS = {
    "project": "projects",
    "partner": "partners",
    "topic": "topics",
}  # taxonomy kind -> attribute of Tags and Hit


def other_language(lang: str) -> str:
    """The other one of the two languages (English for French, French for English)."""
    return next(other for other in LANGUAGES if other != lang)


@dataclass(frozen=True)
class Section:
    """A heading and the paragraphs under it, in reading order, as a reader found them."""

    title: str  # "" for text before the first heading
    paragraphs: tuple[str, ...]
    level: int = 1
    pages: tuple[int, ...] = ()  # each paragraph's page (1 = first) in a paged format, else empty


@dataclass(frozen=True)
class Document:
    """One source document: metadata and ordered sections, before any analysis."""

    doc_id: str
    path: str  # relative to the corpus folder, with "/" separators
    title: str
    sections: tuple[Section, ...]
    lang: str | None = None  # declared language; detection decides when None
    publisher: str = ""
    source_url: str = ""
    tags: tuple[str, ...] = ()  # taxonomy ids declared in metadata
    date: str = ""  # "YYYY", "YYYY-MM" or "YYYY-MM-DD" from its metadata; "" when it declares none
    date_source: str = ""  # where ``date`` comes from: one of DATE_SOURCES


# Where a document's date comes from: its own metadata (front matter, HTML meta, PDF or DOCX
# properties, a JSONL record), its sidecar, or the file's modification time.
DATE_SOURCES = ("document", "sidecar", "file")


@dataclass(frozen=True)
class Tags:
    """Taxonomy ids attached to a passage."""

    projects: tuple[str, ...] = ()
    partners: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()

    def merge(self, other: Tags) -> Tags:
        """Union of both tag sets, keeping first-seen order."""
        return Tags(
            projects=_union(self.projects, other.projects),
            partners=_union(self.partners, other.partners),
            topics=_union(self.topics, other.topics),
        )


@dataclass(frozen=True)
class Passage:
    """The unit of search: one paragraph or list item, with everything an index entry needs."""

    doc_id: str
    passage_id: str  # unique within the document; doubles as the HTML anchor
    section_id: str
    section_title: str
    position: int  # reading order within the document
    text: str
    lang: str
    tags: Tags = field(default_factory=Tags)  # for filters and facets: own, section's and document's
    # Entries named by the passage or its heading: their names count as matches in ranking.
    # Document-level tags are left out, or a word of the title would match every passage.
    search_tags: Tags = field(default_factory=Tags)
    # Entries named by the passage's own text: a short passage naming one the query describes
    # is not a mere lead-in (see indexer.engine.proximity). Written to the index, not read back.
    own_tags: Tags = field(default_factory=Tags, compare=False)
    page: int = 0  # the page of the original it starts on (PDF), 0 when the format has no pages


@dataclass(frozen=True)
class DocumentInfo:
    """Document-level metadata stored with every passage, enough to render the document page."""

    doc_id: str
    path: str
    title: str
    lang: str
    publisher: str = ""
    source_url: str = ""
    updated: str = ""  # ISO 8601 UTC time the source file was last modified
    date: str = ""  # the document's date as cited ("YYYY", "YYYY-MM" or "YYYY-MM-DD"): sortable text
    date_source: str = ""  # one of DATE_SOURCES


@dataclass(frozen=True)
class IndexedDocument:
    """A document ready for a backend: its metadata and its passages in reading order."""

    info: DocumentInfo
    passages: tuple[Passage, ...]


@dataclass(frozen=True)
class SearchQuery:
    """What a user asked for. Filters hold taxonomy ids (or languages); values of one facet are ORed."""

    text: str = ""
    lang: tuple[str, ...] = ()
    project: tuple[str, ...] = ()
    partner: tuple[str, ...] = ()
    topic: tuple[str, ...] = ()
    page: int = 1
    per_page: int = 10
    sort: str = "relevance"  # or "newest": the most recently dated documents first
    expand: bool = True  # add glossary and taxonomy equivalents in the other language
    group: str = "none"  # or "document": a page of documents, each with its best passages
    year: tuple[str, ...] = ()  # years of the documents' dates ("2023")
    date_from: str = ""  # documents dated on or after ("YYYY", "YYYY-MM" or "YYYY-MM-DD"); "" for no bound
    date_to: str = ""  # documents dated on or before, that period included

    def filters(self) -> dict[str, tuple[str, ...]]:
        """The non-empty filters, keyed by facet name."""
        return {name: getattr(self, name) for name in FACETS if getattr(self, name)}


@dataclass(frozen=True)
class TranslationLink:
    """The passage of the other language's version of a document that renders a given passage."""

    doc_id: str
    passage_id: str
    lang: str
    url: str

    def to_dict(self) -> dict:
        """The JSON shape: ``{"passage_id", "doc_id", "lang", "url"}``."""
        return {"passage_id": self.passage_id, "doc_id": self.doc_id, "lang": self.lang, "url": self.url}


@dataclass(frozen=True)
class Hit:
    """One ranked passage in a result page."""

    doc_id: str
    doc_title: str
    doc_lang: str  # the document's language (its title's); ``lang`` is the passage's
    section_id: str
    section_title: str
    passage_id: str
    lang: str
    url: str
    score: float
    text: str
    projects: tuple[str, ...] = ()
    partners: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    spans: tuple[tuple[int, int], ...] = ()  # where the query matched in ``text`` (character offsets)
    date: str = ""  # the document's date (see DocumentInfo.date)
    date_source: str = ""
    page: int = 0  # the page of the original the passage starts on; 0: not a paged format
    translation: TranslationLink | None = None  # its aligned passage in the document's translation


@dataclass(frozen=True)
class HitGroup:
    """One document's matching passages in a grouped result: the best ones, best first."""

    doc_id: str
    doc_title: str
    url: str  # the document page
    hits: tuple[Hit, ...]  # the first is the document's best passage, which ranks the group
    matched: int  # passages of the document that match, shown or not
    more_url: str = ""  # the first matching passage not among ``hits``, in reading order ("" when none)

    @property
    def more(self) -> int:
        """Matching passages of the document not among ``hits``."""
        return self.matched - len(self.hits)

    def to_dict(self) -> dict:
        """The JSON shape of a group: its document, ``matched``, ``more`` (and where the first of them is) and its ``hits``."""
        return {
            "doc_id": self.doc_id,
            "doc_title": self.doc_title,
            "url": self.url,
            "matched": self.matched,
            "more": self.more,
            "more_url": self.more_url or None,
            "hits": [_hit_dict(hit) for hit in self.hits],
        }


@dataclass(frozen=True)
class Expansion:
    """Words of the query that the glossary or a lexicon matched, and what was searched besides."""

    source: str  # the query words as typed
    to: tuple[str, ...]  # equivalents searched too, weighted below the user's own words
    lang: str  # language of the equivalents
    via: str = "glossary"  # where they come from: one of EXPANSION_SOURCES

    def to_dict(self) -> dict:
        """The JSON shape: ``{"from": …, "to": [...], "lang": …, "via": …}``."""
        return {"from": self.source, "to": list(self.to), "lang": self.lang, "via": self.via}


# Where an expansion comes from: the glossary, a dictionary lexicon (shipped, or FreeDict), a
# lexicon learned from the collection (its aligned passages, its glossed terms), the regular
# spellings of cognates, or a number's words.
EXPANSION_SOURCES = ("glossary", "dictionary", "learned", "cognate", "number")


@dataclass(frozen=True)
class SearchResult:
    """A page of hits with facet counts; ``to_dict`` is the JSON shape of the CLI and the API."""

    query: str
    total: int
    page: int
    per_page: int
    took_ms: float
    results: tuple[Hit, ...]
    facets: dict[str, dict[str, int]]
    suggestion: str | None = None
    expanded: tuple[Expansion, ...] = ()
    # True when no passage had every word, so passages with some of them are shown instead
    relaxed: bool = False
    group: str = "none"  # "document": ``groups`` holds the page, ``page`` and ``per_page`` count documents
    groups: tuple[HitGroup, ...] = ()
    documents: int = 0  # documents with a matching passage, when grouped
    # (filter, value) typed in the query text (``topic:bogus``) that names nothing known: it matches nothing
    unknown_filters: tuple[tuple[str, str], ...] = ()

    @property
    def ranked_total(self) -> int:
        """How many things the pages are made of: documents when grouped, passages otherwise."""
        return self.documents if self.group == "document" else self.total

    def to_dict(self) -> dict:
        """The documented JSON object (lists, not tuples).

        Built field by field: ``dataclasses.asdict`` deep-copies every value and took 0.5 ms for
        a page of ten hits, about 5% of a request's CPU in the server.
        """
        # Ungrouped, the shape is the one clients had before grouping existed, key for key.
        grouped = {"documents": self.documents, "group": self.group} if self.group == "document" else {}
        return {
            "query": self.query,
            "total": self.total,
            **grouped,
            "page": self.page,
            "per_page": self.per_page,
            "took_ms": self.took_ms,
            "results": [group.to_dict() for group in self.groups] if grouped else [_hit_dict(h) for h in self.results],
            "facets": {name: dict(counts) for name, counts in self.facets.items()},
            "suggestion": self.suggestion,
            "expanded": [expansion.to_dict() for expansion in self.expanded],
            "relaxed": self.relaxed,
            "unknown_filters": [{"filter": facet, "value": value} for facet, value in self.unknown_filters],
        }


def _hit_dict(hit: Hit) -> dict:
    """A hit in the JSON shape: its fields with ``snippet`` (HTML) in place of the spans it is made from."""
    data = {}
    for name in _HIT_FIELDS:
        value = getattr(hit, name)
        if isinstance(value, TranslationLink):
            value = value.to_dict()
        data[name] = list(value) if isinstance(value, tuple) else value
        if name == "score":
            data["snippet"] = make_snippet(hit.text, hit.spans)
    return data


_HIT_FIELDS = tuple(f.name for f in fields(Hit) if f.name != "spans")


def _union(first: tuple[str, ...], second: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(first + second))
