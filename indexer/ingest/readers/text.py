"""Plain text: encoding detection, the heading heuristic, and the paragraph rules other readers reuse.

Text files come in two shapes. Web captures put one paragraph per line, with blank lines between
groups; hard-wrapped files (and PDF text) break paragraphs at a fixed width. ``add_text`` tells them
apart with ``looks_hard_wrapped`` and splits each accordingly. Short title-like lines become headings
(``is_heading``); each heading starts a level-1 section.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Iterable

from indexer.errors import UnreadableDocument
from indexer.ingest.noise import is_noise
from indexer.ingest.readers.metadata import Metadata
from indexer.ingest.readers.metadata import Parsed
from indexer.ingest.readers.metadata import Warn
from indexer.models import Section

# Heading heuristic limits: a heading is a short line that does not read as (part of) a sentence.
HEADING_MAX_CHARS = 100
HEADING_MAX_WORDS = 14
HEADING_BAD_ENDINGS = ".,;:!?…"
# A line ending on one of these words is a sentence cut short ("More specifically, X aims to").
FUNCTION_WORDS = frozenset("to of the and for with in on by a an de la le les des du à pour et en sur par".split())
# Bullets and "1)" / "1." prefixes of list items; the marker is not part of the paragraph text.
LIST_MARKER = re.compile(r"^\s*(?:[•▪◦‣·]\s*|[-*–]\s+|\d{1,3}[.)]\s+)")
# Hard wrapping: most lines of middling length and most lines not ending a sentence.
WRAP_MIN_CHARS = 40
WRAP_MAX_CHARS = 100
SENTENCE_ENDINGS = ".!?…:;"
# In wrapped text, a line shorter than this share of the block's widest line ends its paragraph
# (when it ends a sentence) or may be a heading (when it is title-like).
SHORT_LINE_RATIO = 0.7
# Share of control characters above which decoded bytes are taken for a binary file.
BINARY_CONTROL_RATIO = 0.05
# A longer paragraph (a whole dump on one line) is cut at spaces into passages at most this long, so
# that detecting, highlighting and snippets work on bounded text. Above every paragraph of the shared
# data sets (the longest, in service-public, has 82,296 characters).
MAX_PARAGRAPH_CHARS = 100_000
# Paragraphs and table cells of a DOCX, tags of an HTML file: a document with more is refused, since
# reading costs time and memory per element, empty or not (a DOCX of a million empty paragraphs).
MAX_ELEMENTS = 200_000

# Zero-width space, stray BOM and soft hyphen vanish; no-break spaces (U+00A0, U+202F) need no entry,
# as str.split() and str.strip() already treat them as whitespace.
_INVISIBLE = re.compile("[\u200b\ufeff\u00ad]")
_TEXT_CONTROLS = frozenset("\t\n\r\f\v")
_CLOSING = "\"'’”»)]"


def clean(text: str) -> str:
    """Text with no-break spaces made plain, invisible characters removed and whitespace collapsed."""
    return " ".join(_INVISIBLE.sub("", text).split())


def strip_list_marker(text: str) -> str:
    """``text`` without a leading bullet or "1)" / "1." list marker."""
    return LIST_MARKER.sub("", text, count=1)


def is_heading(line: str) -> bool:
    """True when ``line`` looks like a title rather than (part of) a sentence.

    A heading is at most 100 characters and 14 words; starts with an uppercase letter or a digit but
    not with a list marker ("•", "-", "1)", "1."); does not end with . , ; : ! ? …; does not end on a
    function word ("More specifically, SEACOP V aims to" is a sentence cut short); and is not noise.
    """
    text = clean(line)
    words = text.split()
    if not words or len(text) > HEADING_MAX_CHARS or len(words) > HEADING_MAX_WORDS:
        return False
    if not (text[0].isupper() or text[0].isdigit()) or LIST_MARKER.match(text):
        return False
    if text[-1] in HEADING_BAD_ENDINGS or words[-1].casefold() in FUNCTION_WORDS:
        return False
    return not is_noise(text)


def decode_text(data: bytes, relpath: str) -> str:
    """Bytes of a text file as a string: UTF-8 (BOM stripped), UTF-16 with BOM, else cp1252."""
    if not data.strip():
        raise UnreadableDocument(relpath, "empty file")
    if data.startswith(codecs.BOM_UTF8):
        text = data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16", errors="replace")
    elif b"\x00" in data:
        raise UnreadableDocument(relpath, "binary file, not text")
    else:
        text = _decode_without_bom(data)
    if _looks_binary(text):
        raise UnreadableDocument(relpath, "binary file, not text")
    if not clean(text):
        raise UnreadableDocument(relpath, "empty file")
    return text


def looks_hard_wrapped(lines: Iterable[str]) -> bool:
    """True when most non-blank lines are 40-100 characters long and most do not end a sentence."""
    lines = [line for line in (clean(line) for line in lines) if line]
    if len(lines) < 3:
        return False
    middling = sum(WRAP_MIN_CHARS <= len(line) <= WRAP_MAX_CHARS for line in lines)
    open_ended = sum(not _ends_sentence(line) for line in lines)
    return middling * 2 > len(lines) and open_ended * 2 > len(lines)


class ElementCount:
    """Counts a document's elements as they are read; refuses the document past ``MAX_ELEMENTS``."""

    def __init__(self, relpath: str) -> None:
        self.relpath = relpath
        self.count = 0

    def add(self, count: int = 1) -> None:
        self.count += count
        if self.count > MAX_ELEMENTS:
            raise UnreadableDocument(self.relpath, too_many_elements())


def too_many_elements() -> str:
    """The reason given for a document over ``MAX_ELEMENTS``."""
    return f"more than {MAX_ELEMENTS:,} elements (paragraphs, table cells or HTML tags), the limit per document"


class SectionBuilder:
    """Collects headings and paragraphs in reading order into Sections, dropping capture noise."""

    def __init__(self) -> None:
        self._sections: list[Section] = []
        self._title = ""
        self._level = 1
        self._paragraphs: list[str] = []
        self.page = 0  # the page of a paged format that paragraphs come from now (0: not paged)
        self._pages: list[int] = []

    def heading(self, text: str, level: int = 1) -> None:
        """Start a new section, unless the heading is empty or noise (then its text is dropped)."""
        text = clean(text)
        if text and not is_noise(text):
            self._close()
            self._title, self._level = text, level

    def paragraph(self, text: str) -> None:
        """Add a paragraph to the current section, unless it is empty or noise."""
        text = clean(text)
        if text and not is_noise(text):
            self._paragraphs.extend(_pieces(text, MAX_PARAGRAPH_CHARS))
            self._pages.extend([self.page] * (len(self._paragraphs) - len(self._pages)))

    def sections(self) -> tuple[Section, ...]:
        """Everything collected so far; sections with neither title nor paragraphs are left out."""
        self._close()
        return tuple(self._sections)

    def _close(self) -> None:
        if self._title or self._paragraphs:
            pages = tuple(self._pages) if any(self._pages) else ()
            self._sections.append(Section(self._title, tuple(self._paragraphs), self._level, pages))
        self._title, self._level, self._paragraphs, self._pages = "", 1, [], []


def add_text(builder: SectionBuilder, text: str, wrapped: bool | None = None) -> None:
    """Split ``text`` into headings and paragraphs; ``wrapped=None`` decides with ``looks_hard_wrapped``."""
    lines = _INVISIBLE.sub("", text).splitlines()
    if wrapped is None:
        wrapped = looks_hard_wrapped(lines)
    for block in _blocks(lines):
        if wrapped:
            _add_wrapped_block(builder, block)
        else:
            _add_lines(builder, block)


def read_text(data: bytes, relpath: str, warn: Warn) -> Parsed:
    """Read a .txt file; it carries no metadata of its own."""
    builder = SectionBuilder()
    add_text(builder, decode_text(data, relpath))
    return Parsed(builder.sections(), Metadata())


def _decode_without_bom(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        # cp1252 leaves five bytes undefined; Latin-1 maps them to controls, which the binary check counts.
        return data.decode("latin-1")


def _pieces(text: str, limit: int) -> Iterable[str]:
    """``text`` in pieces of at most ``limit`` characters, cut at a space in the second half where there is one."""
    while len(text) > limit:
        cut = text.rfind(" ", limit // 2, limit)
        cut = cut if cut > 0 else limit
        yield text[:cut]
        text = text[cut:].lstrip()
    if text:
        yield text


def _looks_binary(text: str) -> bool:
    controls = sum(unicodedata.category(char) == "Cc" and char not in _TEXT_CONTROLS for char in text)
    return controls > BINARY_CONTROL_RATIO * len(text)


def _ends_sentence(line: str) -> bool:
    stripped = line.rstrip(_CLOSING)
    return bool(stripped) and stripped[-1] in SENTENCE_ENDINGS


def _blocks(lines: list[str]) -> list[list[str]]:
    blocks: list[list[str]] = [[]]
    for line in lines:
        if line.strip():
            blocks[-1].append(line.strip())
        elif blocks[-1]:
            blocks.append([])
    return [block for block in blocks if block]


def _add_lines(builder: SectionBuilder, lines: list[str]) -> None:
    # A heading opens or closes its block. A title-like line in the middle of a run of
    # one-line paragraphs (the partner names of the PFIG capture) leads the next paragraph
    # only; as a section it would hand its tags to every paragraph after it.
    content = [i for i, line in enumerate(lines) if not is_noise(line)]
    edges = {content[0], content[-1]} if content else set()
    for i, line in enumerate(lines):
        if i in edges and is_heading(line):
            builder.heading(line)
        else:
            builder.paragraph(strip_list_marker(line))


def _add_wrapped_block(builder: SectionBuilder, lines: list[str]) -> None:
    # A heading must follow a sentence end (or open the block) and be short, so the first line of a
    # wrapped paragraph, which runs to the full width, is not mistaken for one.
    width = max(len(line) for line in lines)
    paragraph: list[str] = []
    after_sentence = True
    for line in lines:
        short = len(lines) == 1 or len(line) < SHORT_LINE_RATIO * width
        if after_sentence and is_noise(line):
            _flush(builder, paragraph)  # a link label under a paragraph must not be glued onto it
            continue
        if after_sentence and short and is_heading(line):
            _flush(builder, paragraph)
            builder.heading(line)
            continue
        if LIST_MARKER.match(line):
            _flush(builder, paragraph)
        paragraph.append(line)
        after_sentence = _ends_sentence(line)
        if after_sentence and short:
            _flush(builder, paragraph)
    _flush(builder, paragraph)


def _flush(builder: SectionBuilder, lines: list[str]) -> None:
    if lines:
        builder.paragraph(strip_list_marker(_join_wrapped(lines)))
        lines.clear()


def _join_wrapped(lines: list[str]) -> str:
    joined = lines[0]
    for line in lines[1:]:
        if joined.endswith("-") and line[:1].islower():
            joined = joined[:-1] + line  # "gover-" + "nance": a word cut by the wrap
        elif joined.endswith("-"):
            joined += line  # "EU-" + "LA": a hyphenated compound, keep the hyphen
        else:
            joined += " " + line
    return joined
