"""What is read from each Whoosh segment once and kept: decoded postings, field lengths, small
vocabularies, and columns mapped into memory.

Segments never change once written, so what is decoded from one outlives searchers: a new
searcher after a commit reuses every segment it shares with the old one. Only the Whoosh
backend's modules import this one.
"""

from __future__ import annotations

import mmap
import threading
import time
from collections import OrderedDict

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.codec.whoosh3 import _lenfield
from whoosh.columns import VarBytesColumn
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length

CACHE_BYTES = 96 * 1024 * 1024  # decoded postings kept per process (8 bytes a posting)
# What an entry costs beyond its arrays (key, two array headers, the dict's slot): counted so that
# many short postings lists cannot grow the cache far beyond its limit.
ENTRY_BYTES = 400
WARM_FIELDS = ("body_en", "body_fr", "heading_en", "heading_fr")
# Fields with a small vocabulary (headings, taxonomy names) that every word is also looked up in:
# a set of their terms per segment answers "not there" without Whoosh's on-disk term lookup.
LISTED_FIELDS = ("heading_en", "heading_fr", "tags_en", "tags_fr")
_BYTE_LENGTHS = np.array([byte_to_length(b) for b in range(256)], dtype=np.float32)
EMPTY = (np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32))


class SegmentCache:
    """Decoded postings and field lengths per segment, shared by every searcher of a backend."""

    def __init__(self, limit_bytes: int = CACHE_BYTES):
        self.limit_bytes = limit_bytes
        self._postings: OrderedDict = OrderedDict()
        self._bytes = 0
        self._lengths: dict = {}
        self._vocabularies: dict = {}
        self._values: dict = {}
        self._lock = threading.Lock()

    def postings(self, reader, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(segment-local docnums, weights) of a term in one segment reader."""
        key = (segment_key(reader), fieldname, text)
        with self._lock:
            found = self._postings.get(key)
            if found is not None:
                self._postings.move_to_end(key)
                return found
        if fieldname in LISTED_FIELDS and text not in self.vocabulary(reader, fieldname):
            return EMPTY
        found = _decode_postings(reader, fieldname, text)
        if found is EMPTY:
            return found  # a term the segment lacks: looked up again cheaply, never piled up
        size = found[0].nbytes + found[1].nbytes + ENTRY_BYTES
        with self._lock:
            self._postings[key] = found
            self._bytes += size
            while self._bytes > self.limit_bytes and len(self._postings) > 1:
                _, (ids, weights) = self._postings.popitem(last=False)
                self._bytes -= ids.nbytes + weights.nbytes + ENTRY_BYTES
        return found

    def lengths(self, reader, fieldname: str) -> np.ndarray:
        """Quantised field lengths of one segment's documents, as Whoosh's BM25F reads them."""
        key = (segment_key(reader), fieldname)
        found = self._lengths.get(key)
        if found is None:
            column = reader._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
            codes = np.frombuffer(bytes(column.load()), dtype=np.uint8) if column is not None else None
            found = _BYTE_LENGTHS[codes] if codes is not None else np.ones(reader.doc_count_all(), np.float32)
            self._lengths[key] = found
        return found

    def column_values(self, reader, fieldname: str) -> np.ndarray:
        """One segment's values of a sortable field, one per document (an object array)."""
        key = (segment_key(reader), fieldname)
        found = self._values.get(key)
        if found is None:
            values = list(reader.column_reader(fieldname))
            found = self._values[key] = np.empty(len(values), dtype=object)
            found[:] = values
        return found

    def vocabulary(self, reader, fieldname: str) -> frozenset[str]:
        """Every term of one segment's field."""
        key = (segment_key(reader), fieldname)
        found = self._vocabularies.get(key)
        if found is None:
            found = self._vocabularies[key] = frozenset(map(decode_term, reader.lexicon(fieldname)))
        return found

    def warm(self, reader, fieldnames, min_frequency: int, read_lock, still_open) -> None:
        """Decode ahead the postings of every term in at least ``min_frequency`` documents.

        Frequent terms have the longest postings: decoding one on first use is what makes a
        query slow (tens of ms); together they take a few MB per 100,000 passages. Runs beside
        searches, taking ``read_lock`` for each read so that they interleave, and stops when
        ``still_open()`` turns false (the searcher was replaced or closed).
        """
        for fieldname in LISTED_FIELDS:
            with read_lock:
                if not still_open():
                    return
                self.vocabulary(reader, fieldname)
        for fieldname in fieldnames:
            with read_lock:
                if not still_open():
                    return
                frequent = [
                    text for text, info in reader.iter_field(fieldname) if info.doc_frequency() >= min_frequency
                ]
            for text in frequent:
                with read_lock:
                    if not still_open():
                        return
                    self.postings(reader, fieldname, decode_term(text))
                # A lock is not fair: without giving up the interpreter here, this loop could take
                # it back at once, term after term, and a search or a health check wait for the end.
                time.sleep(0)

    def forget(self, live_keys: set) -> None:
        """Drop the lengths, vocabularies and values of segments merged away (postings age out of the LRU)."""
        for kept in (self._lengths, self._vocabularies, self._values):
            for key in [key for key in kept if key[0] not in live_keys]:
                del kept[key]


def decode_term(term) -> str:
    """A term or stored value as text (Whoosh hands some back as UTF-8 bytes)."""
    return term.decode("utf-8") if isinstance(term, bytes) else term


def segment_key(reader):
    return reader._segment.segment_id()


def _decode_postings(reader, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray]:
    try:
        btext = reader._text_to_bytes(fieldname, text)
        matcher = reader._terms.matcher(fieldname, btext, reader.schema[fieldname].format)
    except (TermNotFound, KeyError):
        return EMPTY
    if not isinstance(matcher, W3LeafMatcher):  # few postings, inlined in the term's entry
        ids = np.fromiter(matcher.all_ids(), dtype=np.int32)
        matcher.reset()
        weights = np.fromiter((w for _, w in matcher.items_as("weight")), dtype=np.float32, count=len(ids))
        return ids, weights
    id_blocks, weight_blocks = [], []
    while matcher.is_active():
        # The block's decoded tuple, read straight from Whoosh's own block reader: ids are
        # delta-encoded within a block, weights omitted when all 1 or all equal.
        matcher._read_data()
        raw_ids, raw_weights = matcher._data[0], matcher._data[1]
        ids = np.asarray(raw_ids, dtype=np.int32)
        id_blocks.append(ids if matcher._byteids else np.cumsum(ids))
        count = len(raw_ids)
        if raw_weights is None or isinstance(raw_weights, float):
            weight_blocks.append(np.full(count, 1.0 if raw_weights is None else raw_weights, dtype=np.float32))
        else:
            weight_blocks.append(np.asarray(raw_weights, dtype=np.float32))
        matcher._next_block()
    return np.concatenate(id_blocks), np.concatenate(weight_blocks)


class MappedColumn:
    """A segment's bytes column read through ``mmap``: a value is a slice of memory rather than
    Whoosh's seek and read (0.5 µs instead of 5; the second ranking stage reads 50 a query, a
    phrase check thousands). Any other column reader is used as it is."""

    def __init__(self, reader):
        self._reader, self._view = reader, None
        if isinstance(reader, VarBytesColumn.Reader):
            try:
                self._view = mmap.mmap(reader._dbfile.file.fileno(), 0, access=mmap.ACCESS_READ)
            except (AttributeError, OSError, ValueError):  # not a real file (RAM storage): read as Whoosh does
                return
            self._base, self._offsets, self._lengths = reader._basepos, reader._offsets, reader._lengths

    def __getitem__(self, docnum: int) -> bytes:
        if self._view is None:
            return self._reader[docnum]
        start = self._base + self._offsets[docnum]
        return self._view[start : start + self._lengths[docnum]]
