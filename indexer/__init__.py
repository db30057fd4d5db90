"""Passerelle's indexer: corpus files -> passages -> index, and the one search function over it.

This is the public surface: the web app and other callers import from here only. The packages
below hold the stages: ``ingest`` (files to passages), ``crosslang`` (English/French query
expansion), ``engine`` (the backend contract and its Whoosh implementation).
"""

from indexer.cli import main
from indexer.crosslang.parallel import translation_links
from indexer.dates import date_bounds
from indexer.dates import read_date
from indexer.errors import BadParameter
from indexer.errors import DocumentNotFound
from indexer.errors import FileNotIndexed
from indexer.errors import IndexDamaged
from indexer.errors import IndexNotFound
from indexer.errors import IndexOutdated
from indexer.errors import NothingToSearch
from indexer.errors import PasserelleError
from indexer.errors import UnknownFilterValue
from indexer.errors import UnsupportedFileType
from indexer.ingest.intake import check_metadata
from indexer.ingest.intake import find_file
from indexer.ingest.intake import find_source
from indexer.ingest.intake import forget_replacement
from indexer.ingest.intake import is_inside
from indexer.ingest.intake import replace_file
from indexer.ingest.intake import store_file
from indexer.ingest.pipeline import IndexReport
from indexer.ingest.pipeline import index_corpus
from indexer.ingest.readers.metadata import is_web_url
from indexer.ingest.runner import TaskRunner
from indexer.ingest.tasks import Task
from indexer.ingest.tasks import TaskQueue
from indexer.ingest.watch import CorpusWatcher
from indexer.models import FACETS
from indexer.models import LANGUAGES
from indexer.models import TAG_FIELDS
from indexer.models import Document
from indexer.models import DocumentInfo
from indexer.models import Hit
from indexer.models import HitGroup
from indexer.models import IndexedDocument
from indexer.models import Passage
from indexer.models import SearchQuery
from indexer.models import SearchResult
from indexer.models import Section
from indexer.query import MAX_QUERY_CHARS
from indexer.search import GROUPS
from indexer.search import MAX_PAGE
from indexer.search import MAX_PER_PAGE
from indexer.search import document_url
from indexer.search import known_values
from indexer.search import match_spans
from indexer.search import passage_url
from indexer.search import resolve_filters
from indexer.search import search
from indexer.settings import load_settings
from indexer.settings import number_setting
from indexer.snippets import SNIPPET_CHARS
from indexer.snippets import highlight
from indexer.snippets import make_snippet
from indexer.store import IndexedFile
from indexer.store import IndexStats
from indexer.store import LiveIndex
from indexer.store import OpenIndex
from indexer.store import has_index
from indexer.store import index_stats
from indexer.store import indexed_files
from indexer.store import open_index

__all__ = [
    "FACETS",
    "GROUPS",
    "LANGUAGES",
    "MAX_PAGE",
    "MAX_PER_PAGE",
    "MAX_QUERY_CHARS",
    "SNIPPET_CHARS",
    "TAG_FIELDS",
    "BadParameter",
    "CorpusWatcher",
    "Document",
    "DocumentInfo",
    "DocumentNotFound",
    "Hit",
    "HitGroup",
    "FileNotIndexed",
    "IndexDamaged",
    "IndexNotFound",
    "IndexOutdated",
    "IndexReport",
    "IndexStats",
    "IndexedDocument",
    "IndexedFile",
    "LiveIndex",
    "NothingToSearch",
    "OpenIndex",
    "Passage",
    "PasserelleError",
    "SearchQuery",
    "SearchResult",
    "Section",
    "Task",
    "TaskQueue",
    "TaskRunner",
    "UnknownFilterValue",
    "UnsupportedFileType",
    "check_metadata",
    "date_bounds",
    "document_url",
    "find_file",
    "find_source",
    "forget_replacement",
    "has_index",
    "highlight",
    "index_corpus",
    "is_web_url",
    "index_stats",
    "known_values",
    "indexed_files",
    "is_inside",
    "replace_file",
    "main",
    "make_snippet",
    "read_date",
    "match_spans",
    "open_index",
    "passage_url",
    "resolve_filters",
    "search",
    "load_settings",
    "number_setting",
    "store_file",
    "translation_links",
]
