"""Writing to the Whoosh index: documents turned into fields, then written into segments.

``make_schema`` is the index's layout. ``WhooshPreparer`` turns a document into Whoosh fields,
analysed down to encoded postings. ``WhooshTransaction`` owns the index's one Whoosh writer:
deletions and additions, committed or cancelled together. ``SideSegment`` lets a worker
process write documents into a segment of its own, which a transaction then includes at its
commit: Whoosh writes a segment on one core, so a big run writes two at once.

A failed commit (a full disk, any ``OSError``) or cancel leaves the folder as the last commit
left it: the partial segment files and Whoosh's temporary folder are removed.
"""

from __future__ import annotations

import os
import shutil
import uuid
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.codec.whoosh3 import _lenfield
from whoosh.columns import VarBytesColumn
from whoosh.fields import COLUMN
from whoosh.fields import ID
from whoosh.fields import KEYWORD
from whoosh.fields import STORED
from whoosh.fields import TEXT
from whoosh.fields import Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC
from whoosh.index import LockError
from whoosh.index import clean_files
from whoosh.index import open_dir
from whoosh.util.numeric import byte_to_length
from whoosh.writing import SegmentWriter

from indexer.analysis import WORDS
from indexer.analysis import analyze
from indexer.engine import proximity
from indexer.engine.whoosh.analyzers import ANALYZERS
from indexer.errors import IndexBusy
from indexer.models import LANGUAGES
from indexer.models import IndexedDocument
from indexer.models import Tags
from indexer.taxonomy import Taxonomy


class StoredRecord(NamedTuple):
    """What a passage keeps for showing it: its own fields, then its document's.

    Stored as a plain tuple, so that the index format names no class of ours.
    """

    passage_id: str
    section_id: str
    section_title: str
    position: int
    text: str
    path: str
    title: str
    lang: str
    publisher: str
    source_url: str
    updated: str
    page: int = 0
    date: str = ""
    date_source: str = ""


def make_schema() -> Schema:
    """One Whoosh document per passage: stored fields for display, analysed fields per language."""
    fields = dict(
        doc_id=ID(stored=True, sortable=True),  # a column: results grouped by document
        lang=ID(stored=True),
        projects=KEYWORD(stored=True, commas=True),
        partners=KEYWORD(stored=True, commas=True),
        topics=KEYWORD(stored=True, commas=True),
        # One stored tuple rather than a field each: Whoosh's per-field work dominates indexing.
        record=STORED,  # a StoredRecord, as a plain tuple
        # "<lang> <the text's index terms, space-separated>": what the second ranking stage reads, from a
        # column (a few µs a passage) rather than the stored record (tens of µs)
        terms=COLUMN(VarBytesColumn()),
        date=ID(sortable=True),  # the document's date, "0" when none: a column for sort=newest and date ranges
        year=ID(),  # the date's year: the year facet
        words=PostingsText(analyzer=ANALYZERS[WORDS], phrase=False),
    )
    for lang in LANGUAGES:
        fields[f"body_{lang}"] = PostingsText(analyzer=ANALYZERS[lang])
        fields[f"heading_{lang}"] = PostingsText(analyzer=ANALYZERS[lang])
        fields[f"tags_{lang}"] = PostingsText(analyzer=ANALYZERS[lang])
    return Schema(**fields)


@dataclass(frozen=True)
class Postings:
    """One field of one passage as Whoosh posts it: (term bytes, frequency, weight, encoded positions)."""

    items: tuple


class PostingsText(TEXT):
    """A text field that also takes its ``Postings`` computed ahead, in another process.

    Turning terms into postings (positions gathered and encoded per term) is a fifth of
    ``add_document``; Whoosh pickles this class into the index by name.
    """

    def index(self, value, **kwargs):
        if isinstance(value, Postings):
            return value.items
        return super().index(value, **kwargs)


@dataclass(frozen=True)
class PreparedDocument:
    """A document as Whoosh fields, one dict per passage, ready for ``WhooshTransaction.add``."""

    doc_id: str
    passages: tuple[dict, ...]


class WhooshPreparer:
    """Turns documents into Whoosh fields; pure, so it may run in another process."""

    def __init__(self, taxonomy: Taxonomy):
        self.taxonomy = taxonomy
        self._schema = make_schema()

    def __getstate__(self):
        return {"taxonomy": self.taxonomy}  # the schema is rebuilt: its analyzers pickle by name only

    def __setstate__(self, state):
        self.__init__(state["taxonomy"])

    def __call__(self, document: IndexedDocument) -> PreparedDocument:
        info = document.info
        passages = []
        for passage in document.passages:
            lang = passage.lang
            terms = analyze(passage.text, lang)
            fields = {
                "doc_id": passage.doc_id,
                "lang": lang,
                "projects": ",".join(passage.tags.projects),
                "partners": ",".join(passage.tags.partners),
                "topics": ",".join(passage.tags.topics),
                "record": tuple(
                    StoredRecord(
                        passage.passage_id,
                        passage.section_id,
                        passage.section_title,
                        passage.position,
                        passage.text,
                        info.path,
                        info.title,
                        info.lang,
                        info.publisher,
                        info.source_url,
                        info.updated,
                        passage.page,
                        info.date,
                        info.date_source,
                    )
                ),
                "terms": terms_column(lang, terms, self._own_tag_terms(passage, terms)),
                "date": info.date or "0",
                "year": info.date[:4],
                # Terms go in pre-analysed (a list bypasses Whoosh's analyzer): one memoised pass each.
                "words": list(dict.fromkeys(analyze(f"{passage.text}\n{passage.section_title}", WORDS))),
                f"body_{lang}": terms,
                f"heading_{lang}": analyze(passage.section_title, lang),
                **{
                    f"tags_{tag_lang}": analyze(self._tag_text(passage.search_tags, tag_lang), tag_lang)
                    for tag_lang in LANGUAGES
                },
            }
            schema = self._schema
            passages.append(
                {
                    name: Postings(tuple(schema[name].index(value))) if isinstance(value, list) else value
                    for name, value in fields.items()
                    if value != "" and value != []
                }
            )
        return PreparedDocument(info.doc_id, tuple(passages))

    def _own_tag_terms(self, passage, terms: list[str]) -> list[str]:
        """The index terms of the names of the entries a short passage names (for the second stage)."""
        if (
            len(terms) >= proximity.LOW_CONTENT_TERMS
            or not passage.own_tags.projects + passage.own_tags.partners + passage.own_tags.topics
        ):
            return []
        return analyze(self._tag_text(passage.own_tags, passage.lang), passage.lang)

    def _tag_text(self, tags: Tags, lang: str) -> str:
        lines = []
        for kind, ids in (("project", tags.projects), ("partner", tags.partners), ("topic", tags.topics)):
            for tag_id in ids:
                entry = self.taxonomy.get(kind, tag_id)
                lines.append(entry.label(lang) if entry else tag_id)
                if entry:
                    lines.extend(entry.aliases)
        return "\n".join(lines)


def terms_column(lang: str, terms: list[str], own_tag_terms: list[str]) -> bytes:
    """``"<lang> <terms, space-separated>"``, then a tab and the terms of the entries the passage names, if any."""
    value = f"{lang} {' '.join(terms)}"
    return (f"{value}\t{' '.join(own_tag_terms)}" if own_tag_terms else value).encode()


def read_terms_column(value: bytes) -> tuple[str, str, str]:
    """(language, the passage's terms, the terms of the entries it names) from a ``terms_column`` value."""
    lang, _, rest = value.decode("utf-8").partition(" ")
    terms, _, tag_terms = rest.partition("\t")
    return lang, terms, tag_terms


def open_writer(index, path):
    """A Whoosh writer on ``index`` that reads field lengths from memory at its commit.

    Writers wait their turn on the index folder's lock (``indexer.store.write_lock``) before
    they get here, so Whoosh's own lock is free unless something else writes to the folder.

    :raises IndexBusy: when Whoosh's lock is held all the same.
    """
    try:
        writer = SegmentWriter(_WriterIndex(index, _TrackedStorage(index.storage.folder)), timeout=0, compound=False)
    except LockError:
        raise IndexBusy(str(path), 0) from None
    return _tuned(writer)


class _TrackedStorage(FileStorage):
    """A folder as a Whoosh writer writes into it, with each file it opened for writing.

    A failed commit closes them all: a file deleted while still open keeps its disk space.
    """

    def __init__(self, path: str, opened: list | None = None):
        super().__init__(path)
        self.opened = [] if opened is None else opened

    def create_file(self, name, *args, **kwargs):
        handle = super().create_file(name, *args, **kwargs)
        self.opened.append(handle)
        return handle

    def temp_storage(self, name=None):
        name = name or f"{uuid.uuid4().hex}.tmp"
        return _TrackedStorage(os.path.join(self.folder, name), self.opened).create()

    def close_all(self) -> None:
        """Close every file opened, unflushed data lost (the disk may be full)."""
        for handle in self.opened:
            try:
                handle.file.close()  # the raw file is closed even when flushing fails
            except Exception:  # noqa: BLE001, S110 - the error that failed the commit is the one reported
                pass
        self.opened.clear()


class _WriterIndex:
    """What a ``SegmentWriter`` reads of its index: the table of contents, its lock, and a storage to write to."""

    def __init__(self, index, storage: _TrackedStorage):
        self._index = index
        self.storage = storage
        self.indexname = index.indexname

    def _read_toc(self):
        return self._index._read_toc()

    def lock(self, name):
        return self._index.lock(name)


def _tuned(writer):
    """A Whoosh segment writer with our pool, and field lengths read from memory at its commit."""
    writer.pool.cleanup()
    writer.pool = TermPool()
    open_lengths = writer.per_document_reader
    writer.per_document_reader = lambda: _LengthsInMemory(open_lengths())
    return writer


class _PassageWriter:
    """Adds prepared documents to one Whoosh writer, each spelling word posted once.

    The ``words`` field is the spelling vocabulary, not a search field: a word is posted on
    its first passage in the segment rather than on every passage, which halves the
    postings a commit writes. Suggestions rank candidates by body frequency.
    """

    def __init__(self, writer):
        self._writer = writer
        self._vocabulary: set[bytes] = set()

    def add_passages(self, document: PreparedDocument) -> None:
        vocabulary = self._vocabulary
        for fields in document.passages:
            words = fields.get("words")
            if words:
                new_words = tuple(item for item in words.items if item[0] not in vocabulary)
                vocabulary.update(item[0] for item in new_words)
                fields = (
                    {**fields, "words": Postings(new_words)}
                    if new_words
                    else {k: v for k, v in fields.items() if k != "words"}
                )
            self._writer.add_document(**fields)


class WhooshTransaction(_PassageWriter):
    """One Whoosh writer: deletions and additions, committed or cancelled together.

    A commit writes one new segment, and one segment searches faster than several, so the
    pipeline streams a whole run into one transaction (``TermPool`` holds its postings), or
    two segments written at once for a big run (``include``).
    """

    def __init__(self, writer):
        super().__init__(writer)
        # One searcher for all the deletions: without it Whoosh reopens every segment for
        # each delete_by_term, and indexing slows down as the index grows.
        self._searcher = writer.searcher()
        self._nothing_committed = self._searcher.doc_count_all() == 0
        self._included: list = []
        self._written_ahead = False
        self._before = list(writer.segments)  # what the last commit left: a failure goes back to it
        self._committed: list | None = None
        # After this writer's own new segment: documents keep the order they were read in. Whoosh
        # would also delete the files of older segments here; that waits for ``record`` (see commit).
        writer._commit_toc = self._write_toc

    def _write_toc(self, segments) -> None:
        writer = self._writer
        self._committed = [*segments, *self._included]
        TOC(writer.schema, self._committed, writer.generation).write(writer.storage, writer.indexname)

    def delete(self, doc_ids) -> None:
        """Remove the committed documents with these ids."""
        if self._nothing_committed:  # a first build: 96,000 term look-ups for nothing, say
            return
        for doc_id in doc_ids:
            self._writer.delete_by_term("doc_id", doc_id, searcher=self._searcher)

    def add(self, document: PreparedDocument) -> None:
        """Write a document's passages, replacing its committed version if any."""
        if self._written_ahead:
            raise RuntimeError("a transaction takes no document after write_ahead()")
        self.delete((document.doc_id,))
        self.add_passages(document)

    def write_ahead(self) -> None:
        """Write the documents added so far into their segment now, rather than at ``commit``.

        Deletions and ``include`` may follow; ``add`` may not. The commit then merges no
        small segments into this one: its files are already written.
        """
        writer = self._writer
        if writer._added:
            writer._finalize_segment()
            self._included.insert(0, writer.get_segment())
            writer._added = False
        writer.merge = False
        self._written_ahead = True

    def include(self, written: WrittenSegment, dropped=()) -> None:
        """Commit a segment ``SideSegment`` wrote, without its passages numbered in ``dropped``.

        Its files move into the index folder now (a rename each); its documents' earlier
        versions are the caller's to ``delete``.
        """
        segment = written.segment
        for docnum in dropped:
            segment.delete_document(docnum)
        if not segment.doc_count_all():
            return
        for name in written.files:
            os.replace(Path(written.folder, name), Path(self._writer.storage.folder, name))
        self._included.append(segment)

    def commit(self, record=None) -> None:
        """Write the new segments and make them the index's; then ``record()``, if given.

        Until ``record`` returns, the files of the segments the commit replaced are kept: when it
        raises, the commit is undone (the new table of contents and segments deleted, the previous
        ones in force again) and its error raised, so what ``record`` writes (the manifest) never
        disagrees with the passages.
        """
        self._close_searcher()
        try:
            self._writer.commit()
            if record is not None:
                record()
        except BaseException:
            self._roll_back()
            raise
        writer = self._writer
        clean_files(writer.storage, writer.indexname, writer.generation, self._committed)

    def cancel(self) -> None:
        """Drop everything written since the transaction began (a failed commit is already dropped)."""
        self._close_searcher()
        self._roll_back()

    def _close_searcher(self) -> None:
        if self._searcher is not None:
            searcher, self._searcher = self._searcher, None
            searcher.close()

    def _roll_back(self) -> None:
        """Back to the last commit's files, whatever state the writer was left in.

        Each step goes on when one before it fails (closing a file flushes it, and the disk may
        still be full): the error that made the transaction fail is the one to report.
        """
        writer = self._writer
        if writer.is_closed and self._committed is None:
            return
        steps = (
            writer.storage.close_all,  # or the deleted files' disk space stays taken until they are
            writer._tempstorage.destroy,
            lambda: clean_files(writer.storage, writer.indexname, writer.generation - 1, self._before),
            lambda: _remove_unfinished_tocs(writer.storage.folder, writer.indexname),
            lambda: writer.writelock and writer.writelock.release(),
        )
        for step in steps:
            try:
                step()
            except Exception:  # noqa: BLE001, S110 - see the docstring
                pass
        writer.is_closed = True
        self._committed = None

    def __enter__(self) -> WhooshTransaction:
        return self

    def __exit__(self, kind, error, trace) -> None:
        if kind is None:
            self.commit()
        else:
            self.cancel()


def _remove_unfinished_tocs(folder: str, indexname: str) -> None:
    """Whoosh writes a table of contents to ``_<name>_<generation>.toc.<time>`` before renaming it."""
    for path in Path(folder).glob(f"_{indexname}_*.toc.*"):
        path.unlink(missing_ok=True)


@dataclass(frozen=True)
class WrittenSegment:
    """What ``SideSegmentWriter.finish`` returns (picklable): a segment and where its files are."""

    segment: object
    folder: str
    files: tuple[str, ...]


class SideSegment:
    """Where another process writes documents into a new segment of the index (picklable).

    ``open()`` there, ``add`` prepared documents (their passages are numbered from 0 in add
    order), then ``finish()``: the ``WrittenSegment`` it returns pickles back, for
    ``WhooshTransaction.include``. Nothing is visible until that transaction commits.

    The segment is written in a folder of its own beside the index's files, with its own
    temporary files: a commit of the main writer meanwhile deletes Whoosh's temporary folder
    and every segment file its table of contents does not name. ``discard()`` removes that
    folder and what is left in it (everything, unless ``include`` took the segment).
    """

    def __init__(self, path):
        self.path = str(path)
        self.folder = os.path.join(self.path, f"side-{uuid.uuid4().hex[:12]}.tmp")

    def open(self) -> SideSegmentWriter:
        # No lock: the transaction that will include the segment holds the index's lock.
        writer = SegmentWriter(
            _WriterIndex(open_dir(self.path), _TrackedStorage(self.folder).create()), _lk=False, compound=False
        )
        return SideSegmentWriter(_tuned(writer))

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


class SideSegmentWriter(_PassageWriter):
    """The writing end of a ``SideSegment``."""

    def add(self, document: PreparedDocument) -> None:
        self.add_passages(document)

    def finish(self) -> WrittenSegment:
        """Write the segment's files; what to include in a transaction."""
        writer = self._writer
        writer._flush_segment()
        writer._close_segment()
        writer._tempstorage.destroy()
        segment = writer.get_segment()
        prefix = f"{segment.segment_id()}."
        files = tuple(name for name in writer.storage.list() if name.startswith(prefix))
        return WrittenSegment(segment, writer.storage.folder, files)


class TermPool:
    """Whoosh's posting pool, in flat arrays rather than a tuple per posting.

    Whoosh's ``PostingPool`` holds a tuple per posting (about 180 bytes), sorts them all at
    the commit, and past its memory limit pickles sorted runs to disk and merges them back: a
    third of a big run's time went to spilling alone. Here a posting takes about 30 bytes, so
    nothing spills, and postings are ordered by one NumPy sort of (term rank, docnum) at the commit.
    """

    def __init__(self):
        self._term_ids: dict[tuple[str, bytes], int] = {}
        self._terms = array("i")
        self._docnums = array("i")  # -1: Whoosh's spelling-only postings
        self._weights = array("d")
        self._ends = array("q")  # where each posting's value ends in ``_values``
        self._values = bytearray()

    def add(self, item) -> None:
        """One posting: (fieldname, term bytes, docnum, weight, value bytes or None)."""
        fieldname, tbytes, docnum, weight, value = item
        key = (fieldname, tbytes)
        term = self._term_ids.get(key)
        if term is None:
            term = self._term_ids[key] = len(self._term_ids)
        self._terms.append(term)
        self._docnums.append(docnum)
        self._weights.append(weight)
        if value:
            self._values += value
        self._ends.append(len(self._values))

    def iter_postings(self):
        """The postings ordered by field, term and docnum (a ``None`` value comes back empty, as Whoosh writes it)."""
        keys = list(self._term_ids)
        rank = np.empty(len(keys), dtype=np.int64)
        rank[sorted(range(len(keys)), key=keys.__getitem__)] = np.arange(len(keys))
        terms, docnums, weights, ends = self._terms, self._docnums, self._weights, self._ends
        order = np.lexsort((np.frombuffer(docnums, dtype=np.int32), rank[np.frombuffer(terms, dtype=np.int32)]))
        values = bytes(self._values)
        for start in range(0, len(order), 65_536):  # Python ints a slice at a time, not millions at once
            for number in order[start : start + 65_536].tolist():
                fieldname, tbytes = keys[terms[number]]
                yield (
                    fieldname,
                    tbytes,
                    docnums[number],
                    weights[number],
                    values[ends[number - 1] if number else 0 : ends[number]],
                )

    def cleanup(self) -> None:
        self.__init__()


class _LengthsInMemory:
    """The new segment's field lengths, each field's column read once, for the commit.

    Whoosh's commit asks for a document's field length once per posting, and its reader
    seeks and unpacks one byte from the column file each time: a third of the commit.
    """

    def __init__(self, reader):
        self._reader = reader
        self._lengths: dict[str, list | None] = {}

    def doc_field_length(self, docnum, fieldname, default=0):
        if fieldname not in self._lengths:
            column = self._reader._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
            # As Whoosh's own reader: a zero byte reads as None, not as a length.
            self._lengths[fieldname] = None if column is None else [_BYTE_LENGTHS[b] for b in column.load()]
        lengths = self._lengths[fieldname]
        return default if lengths is None else lengths[docnum]

    def close(self):
        self._reader.close()


_BYTE_LENGTHS = [byte_to_length(b) if b else None for b in range(256)]
