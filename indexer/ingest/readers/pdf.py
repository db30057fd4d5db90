"""PDF: text per page through pypdf, then the hard-wrapped text rules and heading heuristic of ``text``.

Encrypted files are tried with the empty password (many "protected" PDFs only restrict printing).
Anything pypdf cannot parse is reported as a corrupt PDF; a PDF without a text layer (a scan) is
reported as such rather than indexed as an empty document.
"""

from __future__ import annotations

import io
import logging
import threading
import warnings
from contextlib import contextmanager

from pypdf import PasswordType
from pypdf import PdfReader
from pypdf.errors import DependencyError
from pypdf.errors import PyPdfError

from indexer.errors import UnreadableDocument
from indexer.ingest.readers.metadata import Metadata
from indexer.ingest.readers.metadata import Parsed
from indexer.ingest.readers.metadata import Warn
from indexer.ingest.readers.text import SectionBuilder
from indexer.ingest.readers.text import add_text
from indexer.ingest.readers.text import clean

# pypdf raises its own errors for most damage, but truncated or hand-edited files also surface as
# plain Python errors from deep inside the parser.
PDF_HEADER_WITHIN = 1024  # where readers look for "%PDF-" (the specification allows bytes before it)
PDF_ERRORS = (PyPdfError, ValueError, TypeError, KeyError, IndexError, AttributeError, AssertionError, OSError)


def read_pdf(data: bytes, relpath: str, warn: Warn) -> Parsed:
    """Read a .pdf file; the document information title, when present, is the title."""
    check_header(data[:PDF_HEADER_WITHIN], relpath)
    try:
        with warnings.catch_warnings(), _pypdf_log() as notes:
            # pypdf warns about damage it works around; the outcome is judged below, not by warnings.
            warnings.simplefilter("ignore")
            title, pages = _extract(data, relpath)
    except UnreadableDocument:
        raise
    except RecursionError as exc:
        raise UnreadableDocument(relpath, "corrupt PDF: objects nested too deeply") from exc
    except PDF_ERRORS as exc:
        raise UnreadableDocument(relpath, f"corrupt PDF: {str(exc) or type(exc).__name__}") from exc
    if not any(clean(page) for page in pages):
        raise UnreadableDocument(relpath, "no extractable text (scanned PDF?)")
    for note in dict.fromkeys(notes):  # damage pypdf worked around, said once, as a warning of the run
        warn(f"{relpath}: {note}")
    builder = SectionBuilder()
    for page in pages:
        add_text(builder, page, wrapped=True)
    return Parsed(builder.sections(), Metadata(title=title))


def check_header(start: bytes, relpath: str) -> None:
    """Refuse a file whose first ``PDF_HEADER_WITHIN`` bytes are not those of a PDF."""
    if not start:
        raise UnreadableDocument(relpath, "empty file")
    if b"%PDF-" not in start[:PDF_HEADER_WITHIN]:
        raise UnreadableDocument(relpath, "not a PDF (no %PDF header): a file of another kind named .pdf")


class _Notes(logging.Handler):
    """Collects what pypdf logs from this thread, so it never reaches the terminal raw."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.thread = threading.get_ident()
        self.notes: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.notes.append(" ".join(record.getMessage().split())[:200])


@contextmanager
def _pypdf_log():
    """pypdf's log messages while reading one file: a skipped file's reason says enough, a read
    file's are warnings of the run (named with the file), not stray lines before the report."""
    handler, logger = _Notes(), logging.getLogger("pypdf")
    logger.addHandler(handler)
    try:
        yield handler.notes
    finally:
        logger.removeHandler(handler)


def _extract(data: bytes, relpath: str) -> tuple[str, list[str]]:
    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted and not _opens_with_empty_password(reader):
        raise UnreadableDocument(relpath, "encrypted PDF")
    pages = [page.extract_text() or "" for page in reader.pages]
    return _title(reader), pages


def _opens_with_empty_password(reader: PdfReader) -> bool:
    try:
        return reader.decrypt("") != PasswordType.NOT_DECRYPTED
    except DependencyError:
        return False  # AES without a crypto package installed: as good as a real password


def _title(reader: PdfReader) -> str:
    info = reader.metadata
    title = info.title if info is not None else None
    return clean(title) if isinstance(title, str) else ""
