"""Document -> passages: anchors, language and taxonomy tags for each paragraph."""

from __future__ import annotations

from indexer.ingest.language import detect_language
from indexer.ingest.noise import is_noise
from indexer.ingest.sections import AnchorAllocator
from indexer.ingest.sections import content_hash
from indexer.ingest.sections import slugify
from indexer.models import Document
from indexer.models import DocumentInfo
from indexer.models import IndexedDocument
from indexer.models import Passage
from indexer.models import Tags
from indexer.taxonomy import KINDS
from indexer.taxonomy import Tagger
from indexer.taxonomy import Taxonomy

DEFAULT_LANGUAGE = "en"
SAMPLE_CHARS = 3000  # enough text for a confident document-level guess


def prepare_document(doc: Document, tagger: Tagger, updated: str = "") -> IndexedDocument:
    """Turn a read document into index-ready passages.

    ``updated`` is the file's modification time, which dates the document when its metadata does not.
    Language: declared metadata wins; otherwise each passage is detected, and short passages
    take their section's language, which takes the document's. Tags: a passage carries what
    its own text names plus what its section heading and its document name.
    """
    doc_lang = doc.lang or detect_language(_sample(doc), DEFAULT_LANGUAGE)
    doc_tags = tagger.tag(doc.title).merge(declared_tags(tagger.taxonomy, doc.tags))
    sections = AnchorAllocator()
    passages: list[Passage] = []
    for section in doc.sections:
        pages = section.pages or (0,) * len(section.paragraphs)
        kept = [(p, page) for p, page in zip(section.paragraphs, pages) if not is_noise(p)]
        paragraphs = [p for p, _ in kept]
        if not paragraphs:
            continue
        section_id = sections.claim(slugify(section.title))
        section_lang = doc.lang or detect_language(" ".join(paragraphs), doc_lang)
        heading_tags = tagger.tag(section.title)
        anchors = AnchorAllocator()
        for text, page in kept:
            own_tags = tagger.tag(text)
            passages.append(
                Passage(
                    doc_id=doc.doc_id,
                    passage_id=anchors.claim(f"{section_id}-{content_hash(text)}"),
                    section_id=section_id,
                    section_title=section.title,
                    position=len(passages),
                    text=text,
                    lang=doc.lang or detect_language(text, section_lang),
                    tags=doc_tags.merge(heading_tags).merge(own_tags),
                    search_tags=heading_tags.merge(own_tags),
                    own_tags=own_tags,
                    page=page,
                )
            )
    date, date_source = (doc.date, doc.date_source) if doc.date else (updated[:10], "file" if updated else "")
    info = DocumentInfo(
        doc.doc_id, doc.path, doc.title, doc_lang, doc.publisher, doc.source_url, updated, date, date_source
    )
    return IndexedDocument(info, tuple(passages))


def declared_tags(taxonomy: Taxonomy, ids: tuple[str, ...]) -> Tags:
    """Tags named by id (or alias) in a document's metadata, sorted into their kinds."""
    found = {kind: [] for kind in KINDS}
    for value in ids:
        for kind in KINDS:
            tag_id = taxonomy.resolve(kind, value)
            if tag_id:
                found[kind].append(tag_id)
    return Tags(tuple(found["project"]), tuple(found["partner"]), tuple(found["topic"]))


def _sample(doc: Document) -> str:
    text = " ".join(p for section in doc.sections for p in section.paragraphs)
    return text[:SAMPLE_CHARS]
