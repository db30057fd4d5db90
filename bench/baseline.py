"""The plain-Whoosh baseline: what Whoosh gives out of the box, over the same units as Passerelle.

One Whoosh document per unit (a passage of our corpus, a record of a shared data set), one
``TEXT`` field with Whoosh's ``StandardAnalyzer`` (regex tokens, lower case, English stop words;
no stemming, no accent folding, no second language), BM25F with its default parameters, and the
query parsed by ``QueryParser`` with ``OrGroup``: any word may match, more words score higher.

One change from the parser's defaults: wildcards are off. Questions end with "?", which Whoosh
would read as a one-character wildcard ("sports?" matches "sportsa", never "sports"), and that
would measure a parsing accident rather than the ranking.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

WRITER_MEMORY_MB = 256


def build(path: Path, units: Iterable[tuple[str, str]]) -> int:
    """Index ``(key, text)`` pairs into a new Whoosh index at ``path``; returns how many were added."""
    from whoosh import index as whoosh_index
    from whoosh.analysis import StandardAnalyzer
    from whoosh.fields import ID
    from whoosh.fields import TEXT
    from whoosh.fields import Schema

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    schema = Schema(key=ID(stored=True), body=TEXT(analyzer=StandardAnalyzer()))
    index = whoosh_index.create_in(path, schema)
    writer = index.writer(limitmb=WRITER_MEMORY_MB, procs=1)
    count = 0
    try:
        for key, text in units:
            writer.add_document(key=key, body=text)
            count += 1
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    index.close()
    return count


def exists(path: Path) -> bool:
    """True when ``path`` holds a Whoosh index (a baseline kept from an earlier run)."""
    from whoosh import index as whoosh_index

    return Path(path).is_dir() and whoosh_index.exists_in(path)


class Baseline:
    """An open baseline index: ``search(text)`` returns the keys of the top hits, best first."""

    def __init__(self, path: Path):
        from whoosh import index as whoosh_index
        from whoosh.qparser import OrGroup
        from whoosh.qparser import QueryParser
        from whoosh.qparser import WildcardPlugin

        self._index = whoosh_index.open_dir(Path(path))
        self._searcher = self._index.searcher()  # BM25F, Whoosh's default weighting
        self._parser = QueryParser("body", self._index.schema, group=OrGroup)
        self._parser.remove_plugin_class(WildcardPlugin)

    def search(self, text: str, limit: int = 10) -> list[str]:
        """Keys of the ``limit`` best units for the query ``text``."""
        query = self._parser.parse(text)
        return [hit["key"] for hit in self._searcher.search(query, limit=limit)]

    def close(self) -> None:
        """Release the index files."""
        self._searcher.close()
        self._index.close()
