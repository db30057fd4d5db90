"""Stored fields back into plain records: what ``writing`` stored for a passage, as ``Passage`` and ``DocumentInfo``."""

from __future__ import annotations

from indexer.engine.whoosh.writing import StoredRecord
from indexer.models import DocumentInfo
from indexer.models import Passage
from indexer.models import Tags


def stored_records(fields: dict) -> tuple[Passage, DocumentInfo]:
    """A passage and its document, as plain records, from the fields Whoosh stored for it."""
    record = StoredRecord(*fields["record"])
    tags = Tags(
        projects=_split(fields.get("projects")),
        partners=_split(fields.get("partners")),
        topics=_split(fields.get("topics")),
    )
    passage = Passage(
        doc_id=fields["doc_id"],
        passage_id=record.passage_id,
        section_id=record.section_id,
        section_title=record.section_title,
        position=record.position,
        text=record.text,
        lang=fields["lang"],
        tags=tags,
        page=record.page,
    )
    info = DocumentInfo(
        fields["doc_id"],
        record.path,
        record.title,
        record.lang,
        record.publisher,
        record.source_url,
        record.updated,
        record.date,
        record.date_source,
    )
    return passage, info


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(v for v in (value or "").split(",") if v)
