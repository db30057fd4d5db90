"""DOCX: paragraph styles give the structure ("Title", "Heading N"), through python-docx.

The ZIP container is inspected before python-docx opens it: a DOCX is small XML, so a huge or
extremely compressible member is a decompression bomb, refused before anything is inflated.
Each style is looked up once per document (python-docx's ``paragraph.style`` searches the styles
part every time, which made a million empty paragraphs a quarter of an hour's work), and paragraphs
and table cells count towards ``MAX_ELEMENTS``.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import docx
from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from docx.table import _Cell
from docx.text.paragraph import Paragraph
from lxml import etree

from indexer.dates import read_date
from indexer.errors import UnreadableDocument
from indexer.ingest.readers.metadata import Metadata
from indexer.ingest.readers.metadata import Parsed
from indexer.ingest.readers.metadata import Warn
from indexer.ingest.readers.text import ElementCount
from indexer.ingest.readers.text import SectionBuilder
from indexer.ingest.readers.text import clean

MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
# Small parts of real documents (styles, numbering) can compress very well; only big members are judged by ratio.
RATIO_MIN_BYTES = 1024 * 1024
DOCX_ERRORS = (
    PackageNotFoundError,
    zipfile.BadZipFile,
    etree.LxmlError,
    KeyError,
    ValueError,
    TypeError,
    AttributeError,
    NotImplementedError,
    OSError,
)
NOT_A_ZIP = "corrupt DOCX: not a ZIP archive"
_HEADING_STYLE = re.compile(r"^heading\s*([1-9])$", re.IGNORECASE)


def read_docx(data: bytes, relpath: str, warn: Warn) -> Parsed:
    """Read a .docx file; core properties title, else the first Title or Heading 1 paragraph, is the title."""
    check_archive(data, relpath)
    try:
        document = docx.Document(io.BytesIO(data))
        return _parse(document, ElementCount(relpath))
    except DOCX_ERRORS as exc:
        raise UnreadableDocument(relpath, f"corrupt DOCX: {str(exc) or type(exc).__name__}") from exc


def check_zip_end(path: Path, relpath: str) -> None:
    """Refuse a file without a ZIP directory, looking at its last 64 KB only (``check_archive``
    reads the whole directory, which a hostile file can make huge)."""
    if not zipfile.is_zipfile(path):
        raise UnreadableDocument(relpath, NOT_A_ZIP)


def check_archive(data: bytes, relpath: str) -> None:
    """Refuse bytes that are not a ZIP with a main document part, or that would inflate suspiciously."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise UnreadableDocument(relpath, NOT_A_ZIP) from exc
    if not any(member.filename.endswith("document.xml") for member in members):
        raise UnreadableDocument(relpath, "corrupt DOCX: no word/document.xml")
    total = sum(member.file_size for member in members)
    if total > MAX_UNCOMPRESSED_BYTES or any(_inflates_too_much(member) for member in members):
        raise UnreadableDocument(relpath, "suspicious archive (zip bomb?)")


def _inflates_too_much(member: zipfile.ZipInfo) -> bool:
    ratio = member.file_size / max(member.compress_size, 1)
    return member.file_size >= RATIO_MIN_BYTES and ratio > MAX_COMPRESSION_RATIO


def _parse(document: DocxDocument, elements: ElementCount) -> Parsed:
    builder = SectionBuilder()
    titles: dict[str, str] = {}  # first "Title" and first "Heading 1" paragraph
    styles = _StyleNames(document)
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                cells = row.cells
                elements.add(len(cells))
                builder.paragraph(_row_text(cells))
        else:
            elements.add()
            _add_paragraph(builder, block, styles.of(block), titles)
    title = clean(document.core_properties.title or "") or titles.get("title") or titles.get("h1", "")
    return Parsed(builder.sections(), Metadata(title=title, date=docx_date(document)))


def docx_date(document: DocxDocument) -> str:
    """The core properties' ``created`` date, else ``modified``; "" when neither is set."""
    properties = document.core_properties
    for value in (properties.created, properties.modified):
        date = read_date(value) if value is not None else None
        if date:
            return date
    return ""


class _StyleNames:
    """Paragraph style names by style id, each looked up in the styles part once."""

    def __init__(self, document: DocxDocument) -> None:
        self.part = document.part
        self.names: dict[str | None, str] = {}

    def of(self, paragraph: Paragraph) -> str:
        style_id = paragraph._p.style  # the id written in the paragraph, None for the default style
        if style_id not in self.names:
            style = self.part.get_style(style_id, WD_STYLE_TYPE.PARAGRAPH)
            self.names[style_id] = (style.name or "") if style is not None else ""
        return self.names[style_id]


def _add_paragraph(builder: SectionBuilder, paragraph: Paragraph, style: str, titles: dict[str, str]) -> None:
    text = clean(paragraph.text)
    heading = _HEADING_STYLE.match(style)
    if style.lower() == "title" and text and "title" not in titles:
        titles["title"] = text  # the document title, not a section
    elif style.lower() == "title" or heading:
        level = int(heading.group(1)) if heading else 1
        if level == 1 and text:
            titles.setdefault("h1", text)
        builder.heading(text, level)
    else:
        builder.paragraph(text)


def _row_text(row_cells: list[_Cell]) -> str:
    # A merged cell is returned once per grid column it spans; keep each underlying cell once.
    cells = {cell._tc: clean(cell.text) for cell in row_cells}
    return " | ".join(text for text in cells.values() if text)
