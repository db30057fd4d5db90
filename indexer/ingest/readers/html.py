"""HTML: sections from h1-h6 in document order, paragraphs from block elements, via BeautifulSoup.

Page furniture (navigation, headers, footers, forms, scripts) is removed first. The walk treats every
block element as a paragraph boundary, so text in ``p``, ``li``, ``blockquote``, ``dd``/``dt``, ``pre``
and loose text directly inside a ``div`` or ``body`` all become paragraphs; a table row becomes one
paragraph with its cells joined by " | ".
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup
from bs4.element import NavigableString
from bs4.element import PreformattedString
from bs4.element import Tag

from indexer.dates import read_date
from indexer.errors import UnreadableDocument
from indexer.ingest.readers.metadata import Metadata
from indexer.ingest.readers.metadata import Parsed
from indexer.ingest.readers.metadata import Warn
from indexer.ingest.readers.text import ElementCount
from indexer.ingest.readers.text import SectionBuilder
from indexer.ingest.readers.text import clean
from indexer.ingest.readers.text import decode_text
from indexer.models import LANGUAGES
from indexer.models import Section

REMOVED_TAGS = ("script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form", "svg")
HEADING_TAGS = {f"h{level}": level for level in range(1, 7)}
# Elements that end the paragraph before them and start a new one; all others are inline.
# An opening tag; counted on the bytes before BeautifulSoup builds its tree (which takes about a
# kilobyte per tag), so a file of too many tags is refused at the cost of a scan.
_START_TAG = re.compile(r"<[A-Za-z]")
BLOCK_TAGS = frozenset(
    "address article blockquote body caption dd details dialog div dl dt fieldset figcaption figure hgroup hr "
    "html li main ol p pre section summary table tbody td tfoot th thead tr ul".split()
)


def read_html(data: bytes, relpath: str, warn: Warn) -> Parsed:
    """Read a .html/.htm file; ``<title>`` (else the first h1) gives the title, ``<html lang>`` the language."""
    text = decode_text(data, relpath)
    ElementCount(relpath).add(_START_TAG.subn("", text)[1])  # subn counts in C, without a list of matches
    try:
        soup = BeautifulSoup(text, "html.parser")
        date = page_date(soup)  # before the page furniture goes: a header's <time> may hold it
        for tag in soup.find_all(REMOVED_TAGS):
            tag.decompose()
        for tag in soup.find_all("br"):
            tag.replace_with(" ")  # a line break separates words even inside a heading
        metadata = Metadata(title=_title(soup), lang=_language(soup), date=date)
        for tag in soup.find_all(["head", "title"]):
            tag.decompose()  # its text is metadata, not content
        walker = _Walker()
        walker.walk(soup)
        return Parsed(walker.finish(), metadata)
    except RecursionError as exc:
        raise UnreadableDocument(relpath, "HTML too deeply nested") from exc


# <meta> names (or properties) that give a page's date, most specific first; compared lower-cased.
DATE_META_NAMES = ("date", "dcterms.date", "dc.date", "article:published_time")


def page_date(soup: BeautifulSoup) -> str:
    """The page's date: a date ``<meta>`` (``name`` or ``property``), else the first ``<time datetime>``
    of a ``<header>``; "" when none holds a valid date."""
    found = {}
    for meta in soup.find_all("meta"):
        key = str(meta.get("name") or meta.get("property") or "").strip().lower()
        if key in DATE_META_NAMES and key not in found:
            found[key] = read_date(str(meta.get("content") or ""))
    for key in DATE_META_NAMES:
        if found.get(key):
            return found[key]
    for header in soup.find_all("header"):
        for time in header.find_all("time", datetime=True):
            date = read_date(str(time["datetime"]))
            if date:
                return date
    return ""


def _title(soup: BeautifulSoup) -> str:
    for tag in (soup.title, soup.find("h1")):
        if tag is not None and clean(tag.get_text()):
            return clean(tag.get_text())
    return ""


def _language(soup: BeautifulSoup) -> str | None:
    # lang="fr-CA" declares French; only the primary subtag matters here.
    html = soup.find("html")
    declared = html.get("lang", "") if html is not None else ""
    primary = str(declared).strip().lower().split("-")[0]
    return primary if primary in LANGUAGES else None


class _Walker:
    """Depth-first walk gathering inline text until a block boundary ends the paragraph."""

    def __init__(self) -> None:
        self.builder = SectionBuilder()
        self.pending: list[str] = []

    def walk(self, node: Tag) -> None:
        for child in node.children:
            if isinstance(child, PreformattedString):
                continue  # comments, doctype, CDATA, processing instructions
            if isinstance(child, NavigableString):
                self.pending.append(str(child))
            elif isinstance(child, Tag):
                self.visit(child)

    def visit(self, tag: Tag) -> None:
        if tag.name in HEADING_TAGS:
            self.flush()
            self.builder.heading(tag.get_text(), HEADING_TAGS[tag.name])
        elif tag.name == "tr":
            self.flush()
            cells = (clean(cell.get_text(" ")) for cell in tag.find_all(["td", "th"], recursive=False))
            self.builder.paragraph(" | ".join(cell for cell in cells if cell))
        elif tag.name in BLOCK_TAGS:
            self.flush()
            self.walk(tag)
            self.flush()
        else:
            self.walk(tag)

    def flush(self) -> None:
        if self.pending:
            self.builder.paragraph("".join(self.pending))
            self.pending.clear()

    def finish(self) -> tuple[Section, ...]:
        self.flush()
        return self.builder.sections()
