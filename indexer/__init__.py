"""Passerelle's indexer: corpus files -> passages -> index, and the one search function over it."""

from indexer.models import Document
from indexer.models import Hit
from indexer.models import IndexedDocument
from indexer.models import Passage
from indexer.models import SearchQuery
from indexer.models import SearchResult
from indexer.models import Section
from indexer.pipeline import IndexReport
from indexer.pipeline import index_corpus
from indexer.search import search
from indexer.store import OpenIndex
from indexer.store import open_index

__all__ = [
    "Document",
    "Hit",
    "IndexReport",
    "IndexedDocument",
    "OpenIndex",
    "Passage",
    "SearchQuery",
    "SearchResult",
    "Section",
    "index_corpus",
    "open_index",
    "search",
]
