"""PDF: text per page through pypdf, then the hard-wrapped text rules and heading heuristic of ``text``.

Each paragraph keeps the number of the page it was read from (a paragraph never spans pages: each
page is split on its own), and the document its date from the PDF's properties (``pdf_date``).

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
from pypdf.xmp import DC_NAMESPACE
from pypdf.xmp import RDF_NAMESPACE
from pypdf.xmp import XMP_NAMESPACE

from indexer.dates import read_date
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
            title, pages, date = _extract(data, relpath)
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
    for number, page in enumerate(pages, start=1):
        builder.page = number  # each passage knows the page it is cited by
        add_text(builder, page, wrapped=True)
    return Parsed(builder.sections(), Metadata(title=title, date=date))


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


def _extract(data: bytes, relpath: str) -> tuple[str, list[str], str]:
    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted and not _opens_with_empty_password(reader):
        raise UnreadableDocument(relpath, "encrypted PDF")
    pages = [page.extract_text() or "" for page in reader.pages]
    return _title(reader), pages, pdf_date(reader)


def _opens_with_empty_password(reader: PdfReader) -> bool:
    try:
        return reader.decrypt("") != PasswordType.NOT_DECRYPTED
    except DependencyError:
        return False  # AES without a crypto package installed: as good as a real password


def _title(reader: PdfReader) -> str:
    info = reader.metadata
    title = info.title if info is not None else None
    return clean(title) if isinstance(title, str) else ""


def pdf_date(reader: PdfReader) -> str:
    """The PDF's date: its creation date (document information, else XMP ``xmp:CreateDate`` or
    ``dc:date``), else its modification date; as precise as written, "" when none is valid.

    Raw values are read (pypdf's parsed ones make "D:2023" the 1st of January): a damaged date is
    no reason to refuse the text, so it is passed over.
    """
    info = reader.metadata
    candidates = [info.get("/CreationDate")] if info is not None else []
    xmp = _xmp(reader)
    candidates += [*_xmp_values(xmp, XMP_NAMESPACE, "CreateDate"), *_xmp_values(xmp, DC_NAMESPACE, "date")]
    candidates += [info.get("/ModDate")] if info is not None else []
    candidates += _xmp_values(xmp, XMP_NAMESPACE, "ModifyDate")
    for value in candidates:
        date = read_date(str(value)) if isinstance(value, str) else None
        if date:
            return date
    return ""


def _xmp(reader: PdfReader):
    try:
        return reader.xmp_metadata
    except PDF_ERRORS:
        return None


def _xmp_values(xmp, namespace: str, name: str) -> list[str]:
    """The texts of an XMP property, written as an attribute of ``rdf:Description`` or as an element
    (a ``dc:date`` holds a sequence of dates)."""
    if xmp is None:
        return []
    values = []
    for description in xmp.rdf_root.getElementsByTagNameNS(RDF_NAMESPACE, "Description"):
        if description.hasAttributeNS(namespace, name):
            values.append(description.getAttributeNS(namespace, name))
        for element in description.getElementsByTagNameNS(namespace, name):
            items = element.getElementsByTagNameNS(RDF_NAMESPACE, "li") or [element]
            values += [
                "".join(node.data for node in item.childNodes if node.nodeType == node.TEXT_NODE) for item in items
            ]
    return values
