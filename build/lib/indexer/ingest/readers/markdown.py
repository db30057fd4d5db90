"""Markdown: YAML front matter for metadata, ``#`` headings for sections, through markdown-it-py.

Paragraphs and list items (nested ones too) become paragraphs; a table row becomes one paragraph
with its cells joined by " | "; code blocks and raw HTML are skipped; inline markup is reduced to
its text (link labels, image alt text, inline code).
"""

from __future__ import annotations

import frontmatter
import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from indexer.errors import UnreadableDocument
from indexer.ingest.noise import is_noise
from indexer.ingest.readers.metadata import Metadata
from indexer.ingest.readers.metadata import Parsed
from indexer.ingest.readers.metadata import Warn
from indexer.ingest.readers.metadata import metadata_from_mapping
from indexer.ingest.readers.text import SectionBuilder
from indexer.ingest.readers.text import clean
from indexer.ingest.readers.text import decode_text

_PARSER = MarkdownIt("commonmark").enable("table")
_TEXT_TOKENS = frozenset({"text", "code_inline"})
_BREAK_TOKENS = frozenset({"softbreak", "hardbreak"})


def read_markdown(data: bytes, relpath: str, warn: Warn) -> Parsed:
    """Read a .md file; front matter gives metadata, the first ``#`` heading the title."""
    front_matter, body = _split_front_matter(decode_text(data, relpath), relpath)
    builder = SectionBuilder()
    first_title = _add_tokens(builder, _PARSER.parse(body))
    declared = metadata_from_mapping(front_matter, f"{relpath} (front matter)", warn)
    return Parsed(builder.sections(), declared.over(Metadata(title=first_title)))


def _split_front_matter(text: str, relpath: str) -> tuple[dict, str]:
    try:
        post = frontmatter.loads(text)
    except (yaml.YAMLError, ValueError, TypeError, AttributeError) as exc:
        raise UnreadableDocument(relpath, f"malformed front matter: {exc}") from exc
    return dict(post.metadata), post.content


def _add_tokens(builder: SectionBuilder, tokens: list[Token]) -> str:
    # Block tokens come flat, each "inline" token right after the opening token of its container.
    first_title = ""
    row: list[str] | None = None
    for previous, token in zip([None, *tokens], tokens):
        if token.type == "tr_open":
            row = []
        elif token.type == "tr_close" and row is not None:
            builder.paragraph(" | ".join(cell for cell in row if cell))
            row = None
        elif token.type == "inline" and row is not None:
            row.append(clean(_inline_text(token)))
        elif token.type == "inline" and previous.type == "heading_open":
            text = clean(_inline_text(token))
            builder.heading(text, int(previous.tag[1:]))
            if previous.tag == "h1" and not first_title and not is_noise(text):
                first_title = text
        elif token.type == "inline" and previous.type == "paragraph_open":
            builder.paragraph(_inline_text(token))
    return first_title


def _inline_text(token: Token) -> str:
    parts = []
    for child in token.children or ():
        if child.type in _TEXT_TOKENS:
            parts.append(child.content)
        elif child.type in _BREAK_TOKENS:
            parts.append(" ")
        elif child.type == "image":
            parts.append(_inline_text(child))
    return "".join(parts)
