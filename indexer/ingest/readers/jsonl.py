"""JSON Lines: one document per line, streamed (the real file holds about 192,000 records).

Each line is an object with ``id``, ``lang``, ``title``, ``text``, an optional ``source`` and an
optional ``date`` (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; a bad one is reported and ignored). The id is
the doc_id exactly as written (ids such as ``ca:A-0.6:122(1):fr`` are kept). A bad line is reported
through ``warn`` and skipped; only a file without a single good record is unreadable.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from indexer.dates import read_date
from indexer.errors import UnreadableDocument
from indexer.ingest.readers.metadata import Metadata
from indexer.ingest.readers.metadata import Warn
from indexer.ingest.readers.text import SectionBuilder
from indexer.ingest.readers.text import clean
from indexer.models import LANGUAGES
from indexer.models import Document

_BLANK_LINE = re.compile(r"\n[^\S\n]*\n")
_URL_SCHEMES = ("http://", "https://")
# Lines are read with this limit, so one endless line never fills memory; a longer record is skipped.
MAX_RECORD_BYTES = 16 * 1024 * 1024


class _BadRecord(ValueError):
    """One line of the file that is not a usable record; the message says why."""


def read_records(path: Path, relpath: str, defaults: Metadata, warn: Warn) -> Iterator[Document]:
    """Yield one Document per good line of ``path``; ``defaults`` (the sidecar, minus its title) fill gaps."""
    defaults = replace(defaults, title="")  # one title cannot fit every record
    seen: set[str] = set()
    found = 0
    try:
        with path.open("rb") as lines:
            for number, line in enumerate(_bounded_lines(lines), start=1):
                if line is not None and not line.strip():
                    continue
                where = f"{relpath} line {number}"
                try:
                    document = _document(line, relpath, seen, functools.partial(_warn_at, warn, where))
                except _BadRecord as exc:
                    warn(f"{where}: {exc}")
                    continue
                found += 1
                yield _with_defaults(document, defaults)
    except OSError as exc:
        raise UnreadableDocument(relpath, f"cannot read: {exc.strerror or exc}") from exc
    if not found:
        raise UnreadableDocument(relpath, "no valid record")


def _bounded_lines(handle) -> Iterator[bytes | None]:
    """Each line of ``handle``; a line longer than ``MAX_RECORD_BYTES`` comes as ``None`` after being skipped."""
    while line := handle.readline(MAX_RECORD_BYTES + 1):
        if len(line) > MAX_RECORD_BYTES and not line.endswith(b"\n"):
            while (rest := handle.readline(MAX_RECORD_BYTES)) and not rest.endswith(b"\n"):
                pass  # the rest of the over-long line, read in bounded pieces and dropped
            line = None
        yield line


def _document(line: bytes | None, relpath: str, seen: set[str], warn: Warn) -> Document:
    record = _parse(line)
    doc_id = record.get("id")
    text = record.get("text")
    if not isinstance(doc_id, str) or not doc_id.strip():
        raise _BadRecord("missing 'id'")
    if not isinstance(text, str) or not text.strip():
        raise _BadRecord("missing 'text'")
    if doc_id in seen:
        raise _BadRecord(f"duplicate id {doc_id!r}")
    title = clean(record["title"]) if isinstance(record.get("title"), str) else ""
    builder = SectionBuilder()
    builder.heading(title)  # the record's title heads its one section, so it is searchable
    for paragraph in _BLANK_LINE.split(text):
        builder.paragraph(paragraph)
    sections = builder.sections()
    if not any(section.paragraphs for section in sections):
        raise _BadRecord("'text' holds nothing but capture noise")
    seen.add(doc_id)
    return Document(
        doc_id=doc_id, path=relpath, title=title or doc_id, sections=sections, **_source(record), **_date(record, warn)
    )


def _warn_at(warn: Warn, where: str, problem: str) -> None:
    warn(f"{where}: {problem}")


def _date(record: dict, warn: Warn) -> dict:
    """The record's own ``date`` as Document fields, when it has a valid one."""
    value = record.get("date")
    if value is None or value == "":
        return {}
    date = read_date(value)
    if date is None:
        warn(f"date {str(value)[:40]!r} is not a date (YYYY, YYYY-MM or YYYY-MM-DD), ignored")
        return {}
    return {"date": date, "date_source": "document"}


def _parse(line: bytes | None) -> dict:
    if line is None:
        raise _BadRecord(f"longer than {MAX_RECORD_BYTES:,} bytes")
    try:
        record = json.loads(line.decode("utf-8").lstrip("\ufeff"))
    except UnicodeDecodeError as exc:
        raise _BadRecord("not UTF-8") from exc
    except json.JSONDecodeError as exc:
        raise _BadRecord(f"invalid JSON ({exc.msg})") from exc
    if not isinstance(record, dict):
        raise _BadRecord("not a JSON object")
    return record


def _source(record: dict) -> dict:
    # "source" is a URL or the name of whoever published the text.
    lang = record.get("lang")
    lang = lang.strip().lower() if isinstance(lang, str) else None
    source = clean(record["source"]) if isinstance(record.get("source"), str) else ""
    is_url = source.startswith(_URL_SCHEMES)
    return {
        "lang": lang if lang in LANGUAGES else None,
        "source_url": source if is_url else "",
        "publisher": "" if is_url else source,
    }


def _with_defaults(document: Document, defaults: Metadata) -> Document:
    if defaults == Metadata():
        return document
    merged = Metadata(document.title, document.lang, document.publisher, document.source_url).over(defaults)
    dated = {"date": defaults.date, "date_source": "sidecar"} if defaults.date and not document.date else {}
    return replace(
        document,
        lang=merged.lang,
        publisher=merged.publisher,
        source_url=merged.source_url,
        tags=defaults.tags,
        **dated,
    )
