"""Corpus files to Documents: one reader per format, chosen by suffix.

``read_documents(path, root)`` is the only entry point. It refuses paths that leave the corpus,
merges metadata (sidecar > front matter > the format's own > first heading > file name) and raises
``UnreadableDocument`` for a file that cannot be read at all. Single-document formats are read
completely before the Document is yielded, so a failure never follows a partial result.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path
from pathlib import PurePosixPath

from indexer.errors import UnreadableDocument
from indexer.ingest.readers.jsonl import read_records
from indexer.ingest.readers.metadata import Metadata
from indexer.ingest.readers.metadata import Parsed
from indexer.ingest.readers.metadata import load_sidecar
from indexer.ingest.readers.metadata import sidecar_path
from indexer.ingest.readers.metadata import title_from_stem
from indexer.models import Document
from indexer.models import Section

Reader = Callable[[bytes, str, Callable[[str], None]], Parsed]

# Single-document readers as "module:function" under indexer.ingest.readers; each takes bytes, the relative
# path (for messages) and warn, and returns sections and the format's metadata. They are imported on
# first use, so searching never pays for pypdf, python-docx or BeautifulSoup.
READERS: dict[str, str] = {
    ".txt": "text:read_text",
    ".md": "markdown:read_markdown",
    ".markdown": "markdown:read_markdown",
    ".html": "html:read_html",
    ".htm": "html:read_html",
    ".pdf": "pdf:read_pdf",
    ".docx": "docx:read_docx",
}
SUPPORTED_SUFFIXES: frozenset[str] = frozenset(READERS) | {".jsonl"}
MB = 1024 * 1024
# Single-document files are read whole, so their size is capped to keep memory bounded (a 50 MB
# text file is a dump, not a document: split it). PDF and DOCX sizes are mostly images. A .jsonl
# collection is streamed record by record instead (see readers.jsonl.MAX_RECORD_BYTES).
MAX_FILE_BYTES: dict[str, int] = {
    ".txt": 16 * MB, ".md": 16 * MB, ".markdown": 16 * MB, ".html": 16 * MB, ".htm": 16 * MB,
    ".pdf": 128 * MB, ".docx": 128 * MB,
}  # fmt: skip

__all__ = ["MAX_FILE_BYTES", "READERS", "SUPPORTED_SUFFIXES", "check_corpus_file", "precheck", "read_documents"]


def read_documents(path: Path, root: Path, warn: Callable[[str], None] | None = None) -> Iterator[Document]:
    """Read one corpus file into Documents (one for most formats, one per record for .jsonl)."""
    warn = warn or _ignore
    relpath = check_corpus_file(path, root)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnreadableDocument(relpath, f"unsupported file type {suffix or '(no suffix)'!r}")
    sidecar = _sidecar(path, root, warn)
    if suffix == ".jsonl":
        yield from read_records(path, relpath, sidecar, warn)
        return
    parsed = reader_for(suffix)(_read_bytes(path, relpath, MAX_FILE_BYTES[suffix]), relpath, warn)
    yield _document(path, relpath, parsed, sidecar)


def check_corpus_file(path: Path, root: Path) -> str:
    """The corpus-relative path of ``path``, checked before a single byte of it is read.

    :raises UnreadableDocument: when it (or its symlink target) is outside the corpus, or is not
        a regular file: a link to a device such as /dev/zero would otherwise be read forever.
    """
    relpath = corpus_relpath(path, root)
    if not path.is_file():  # follows symlinks: False for devices, pipes, sockets and broken links
        raise UnreadableDocument(relpath, "not a regular file (a device, a pipe or a broken link)")
    return relpath


def precheck(path: Path, relpath: str) -> None:
    """Refuse a file whose container is wrong, by checks that read a few bytes of it only (the end
    of a DOCX's ZIP, a PDF's header); ``read_documents`` makes them, and more, again.

    :raises UnreadableDocument: as ``read_documents`` would for that reason.
    """
    suffix = path.suffix.lower()
    if suffix == ".docx":
        importlib.import_module("indexer.ingest.readers.docx").check_zip_end(path, relpath)
    elif suffix == ".pdf":
        pdf = importlib.import_module("indexer.ingest.readers.pdf")
        with path.open("rb") as handle:
            pdf.check_header(handle.read(pdf.PDF_HEADER_WITHIN), relpath)


def reader_for(suffix: str) -> Reader:
    """The single-document reader function for a (lower-case) suffix from ``READERS``."""
    module_name, function_name = READERS[suffix].split(":")
    module = importlib.import_module(f"indexer.ingest.readers.{module_name}")
    return getattr(module, function_name)


def corpus_relpath(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` with "/" separators; raises when it (or its target) is outside."""
    relative = _relative_to(Path(os.path.abspath(path)), Path(os.path.abspath(root)))
    resolved = _relative_to(path.resolve(), root.resolve())
    if relative is None:
        relative = resolved  # the caller walked the resolved tree while root is a symlink
    if relative is None:
        raise UnreadableDocument(str(path), "outside the corpus")
    if resolved is None:
        raise UnreadableDocument(relative.as_posix(), "symlink points outside the corpus")
    return relative.as_posix()


def _relative_to(path: Path, root: Path) -> Path | None:
    try:
        return path.relative_to(root)
    except ValueError:
        return None


def _sidecar(path: Path, root: Path, warn: Callable[[str], None]) -> Metadata:
    sidecar = sidecar_path(path)
    return load_sidecar(sidecar, corpus_relpath(sidecar, root), warn)


def _read_bytes(path: Path, relpath: str, limit: int) -> bytes:
    try:
        size = path.stat().st_size
        if size <= limit:
            with path.open("rb") as handle:
                data = handle.read(size + 1)  # read(n) reserves n bytes: never ask for the limit itself
                if len(data) > size:  # the file grew since stat: read on, still not past the limit
                    data += handle.read(limit + 1 - len(data))
            size = len(data)
    except OSError as exc:
        raise UnreadableDocument(relpath, f"cannot read: {exc.strerror or exc}") from exc
    if size > limit:
        limit_text = f"the limit for {path.suffix.lower()} files is {_megabytes(limit)}"
        raise UnreadableDocument(relpath, f"too large: {_megabytes(size)} ({limit_text})")
    return data


def _megabytes(size: int) -> str:
    return f"{size / MB:.1f} MB"


def _document(path: Path, relpath: str, parsed: Parsed, sidecar: Metadata) -> Document:
    if not parsed.sections:
        raise UnreadableDocument(relpath, "no text content (only capture noise)")
    metadata = sidecar.over(parsed.metadata)
    first_heading = next((section.title for section in parsed.sections if section.title), "")
    sections = parsed.sections
    if not any(section.paragraphs for section in sections):
        # Only title-like lines (a PDF of one short sentence per page): each is also its section's
        # text, or the document would have no passage.
        sections = tuple(Section(section.title, (section.title,), section.level) for section in sections)
    return Document(
        doc_id=str(PurePosixPath(relpath).with_suffix("")),
        path=relpath,
        title=metadata.title or first_heading or title_from_stem(path),
        sections=sections,
        lang=metadata.lang,
        publisher=metadata.publisher,
        source_url=metadata.source_url,
        tags=metadata.tags,
        **date_fields(sidecar, parsed.metadata),
    )


def date_fields(sidecar: Metadata, own: Metadata) -> dict[str, str]:
    """``date`` and ``date_source`` of a Document: the sidecar's date, else the document's own
    (front matter or the format's properties); none here when neither has one (the file's is used)."""
    if sidecar.date:
        return {"date": sidecar.date, "date_source": "sidecar"}
    return {"date": own.date, "date_source": "document"} if own.date else {}


def _ignore(message: str) -> None:
    """Default warn: per-record problems are dropped when nobody listens."""
