"""Stable, readable anchors for sections and passages.

A passage id is its section's slug plus a short hash of its own text, so it survives
re-indexing while the text is unchanged, and editing one passage changes only that id.
"""

from __future__ import annotations

import hashlib
import re

from indexer.folding import fold

SLUG_MAX = 40
HASH_CHARS = 6
UNTITLED = "intro"


def slugify(title: str) -> str:
    """A lowercase ASCII slug of a heading, at most ``SLUG_MAX`` characters, never empty."""
    slug = re.sub(r"[^a-z0-9]+", "-", fold(title)).strip("-")
    return slug[:SLUG_MAX].rstrip("-") or UNTITLED


def content_hash(text: str) -> str:
    """Short hash of a passage's text, insensitive to whitespace changes."""
    normalized = " ".join(text.split())
    return hashlib.sha1(normalized.encode("utf-8")).hexdigest()[:HASH_CHARS]


class AnchorAllocator:
    """Hands out ids unique within one document, suffixing repeats with -2, -3, ..."""

    def __init__(self):
        self._seen: set[str] = set()

    def claim(self, wanted: str) -> str:
        """``wanted`` if free, else the first free ``wanted-N``."""
        candidate, n = wanted, 1
        while candidate in self._seen:
            n += 1
            candidate = f"{wanted}-{n}"
        self._seen.add(candidate)
        return candidate
