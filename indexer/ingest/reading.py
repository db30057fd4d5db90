"""Corpus files -> prepared documents, as a stream of events, here and in a worker process.

Reading, sectioning, language detection, tagging and the backend's analysis are pure work on
plain records. For a big run (``WORKER_MIN_BYTES``) the files are split in two by size: this
process reads the first part while a worker process reads the second and also writes it,
into a segment of its own (the backend's ``side_writer()``): the backend's writer runs on one
core, and writing is half of indexing. ``OwnPartRead`` marks the end of this process's part
(the pipeline then writes it out while the worker finishes). The worker's events follow,
in file order, with its documents marked as written and its segment last, for the pipeline
to include in its transaction. The worker is a new interpreter running ``work``, not a fork,
because the pipeline also runs in threads of a web server, where a fork could copy a lock
another thread holds; and not ``multiprocessing``'s spawn, which re-runs the caller's main
module.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import traceback
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from pathlib import Path

from indexer.errors import UnreadableDocument
from indexer.ingest.manifest import file_sha256
from indexer.ingest.manifest import sidecar_sha256
from indexer.ingest.prepare import prepare_document
from indexer.ingest.readers import check_corpus_file
from indexer.ingest.readers import read_documents
from indexer.ingest.sandbox import read_limited
from indexer.taxonomy import Tagger

# Below this much to read, starting a worker (about a second to import) is not worth it.
WORKER_MIN_BYTES = 4_000_000


@dataclass(frozen=True)
class DocumentRead:
    """One document of a file: prepared for the backend, or already written by the worker."""

    rel: str
    doc_id: str
    passages: int
    prepared: object  # None when written
    first_written: int | None = None  # its first passage's number in the worker's segment


@dataclass(frozen=True)
class FileRead:
    """A file read to its end (after its documents)."""

    rel: str
    digest: str
    size: int
    mtime_ns: int
    sidecar: str = ""  # its sidecar's hash, taken before the file was read


@dataclass(frozen=True)
class FileSkipped:
    """A file that could not be read; documents already sent for it stay sent."""

    rel: str
    reason: str


@dataclass(frozen=True)
class Warned:
    """A reader's warning, in reading order."""

    text: str


@dataclass(frozen=True)
class OwnPartRead:
    """This process has read its part of the files; the worker's events follow once it is done."""


@dataclass(frozen=True)
class SegmentWritten:
    """The worker's segment, holding the documents sent as written (the last event)."""

    written: object  # what the side writer's ``finish()`` returned


class ReadingFailed(RuntimeError):
    """The worker process stopped on an unexpected error (its traceback is the message)."""


def read_files(
    items, corpus: Path, digests: dict[str, str], tagger: Tagger, prepare: Callable, side_writer=None
) -> Iterator:
    """Events for each of ``items`` (``CorpusFile``), in order; for a big run, part of them read
    and written by a worker process into ``side_writer`` (see the module's docstring)."""
    if side_writer is not None and (os.cpu_count() or 1) > 1 and _bytes(items) >= WORKER_MIN_BYTES:
        return _read_with_worker(items, corpus, digests, tagger, prepare, side_writer)
    return read_here(items, corpus, digests, tagger, prepare)


def read_here(items, corpus: Path, digests: dict[str, str], tagger: Tagger, prepare: Callable) -> Iterator:
    """Events for each of ``items``, read in this process."""
    for item in items:
        yield from _read_file(item, corpus, digests.get(item.rel), tagger, prepare)


def _read_file(item, corpus, digest, tagger, prepare):
    warnings: list[str] = []
    try:
        check_corpus_file(item.path, corpus)  # before hashing: a link to /dev/zero would be read forever
        stat = item.path.stat()
        digest = digest or file_sha256(item.path)
        sidecar = sidecar_sha256(item.path)
        updated = datetime.fromtimestamp(stat.st_mtime, UTC).isoformat(timespec="seconds")
        for doc in read_limited(read_documents, item.path, corpus, warnings.append):
            yield from _drain(warnings)
            document = prepare_document(doc, tagger, updated)
            if not document.passages:
                warnings.append(f"{item.rel}: {doc.doc_id!r} gives no passage, although it was read: nothing indexed")
            yield DocumentRead(item.rel, doc.doc_id, len(document.passages), prepare(document))
    except UnreadableDocument as error:
        yield from _drain(warnings)
        yield FileSkipped(item.rel, error.reason)
        return
    except OSError as error:
        yield from _drain(warnings)
        yield FileSkipped(item.rel, error.strerror or str(error))
        return
    yield from _drain(warnings)
    yield FileRead(item.rel, digest, stat.st_size, stat.st_mtime_ns, sidecar)


def _drain(warnings: list[str]):
    while warnings:
        yield Warned(warnings.pop(0))


def _bytes(items) -> int:
    return sum(map(_size, items))


def _size(item) -> int:
    try:
        return item.path.stat().st_size
    except OSError:
        return 0  # reported when the file is read


def _halves(items) -> tuple[list, list]:
    """The files split in two parts of about the same size, in order, each with a file if there are two."""
    sizes = [_size(item) for item in items]
    half, before, cut = sum(sizes) / 2, 0, len(items)
    for number, size in enumerate(sizes):
        if before + size / 2 >= half:  # the file's middle is past the half: it starts the second part
            cut = number
            break
        before += size
    cut = min(max(cut, 1), len(items) - 1) if len(items) > 1 else len(items)
    return items[:cut], items[cut:]


def _read_with_worker(items, corpus, digests, tagger, prepare, side_writer) -> Iterator:
    here, there = _halves(list(items))
    if not there:  # one file
        yield from read_here(here, corpus, digests, tagger, prepare)
        return
    # PYTHONPATH: the worker imports what this process imported (a test's preparer, say).
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(path for path in sys.path if path)}
    worker = subprocess.Popen(
        [sys.executable, "-c", "from indexer.ingest.reading import work; work()"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=environment,
    )
    try:
        pickle.dump((there, corpus, digests, tagger, prepare, side_writer), worker.stdin, pickle.HIGHEST_PROTOCOL)
        worker.stdin.close()
        yield from read_here(here, corpus, digests, tagger, prepare)
        yield OwnPartRead()  # the pipeline writes its part while the worker finishes
        try:
            # One message at the end: the worker's events are small, and this process only
            # takes them once its own part is done.
            message = pickle.load(worker.stdout)
        except EOFError:
            raise ReadingFailed(f"the indexing worker stopped (exit code {worker.wait()})") from None
        if isinstance(message, str):
            raise ReadingFailed(message)
        if isinstance(message, OSError):  # a full disk, say: reported as the run's own write errors
            raise message
        yield from message
    finally:
        if worker.poll() is None:
            worker.kill()
        worker.wait()
        worker.stdout.close()
        side_writer.discard()  # what the worker wrote and no transaction included


def work() -> None:
    """The worker process: a job on standard input; its events on standard output (or a traceback).

    Messages go to the original standard output; anything else printed goes to standard error.
    """
    sink = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    try:
        items, corpus, digests, tagger, prepare, side_writer = pickle.load(sys.stdin.buffer)
        segment = side_writer.open()
        events, written = [], 0
        for event in read_here(items, corpus, digests, tagger, prepare):
            if isinstance(event, DocumentRead):
                segment.add(event.prepared)
                event = DocumentRead(event.rel, event.doc_id, event.passages, None, written)
                written += event.passages
            events.append(event)
        events.append(SegmentWritten(segment.finish()))
        pickle.dump(events, sink, pickle.HIGHEST_PROTOCOL)
    except OSError as error:  # the disk it writes to: the parent reports it as its own
        pickle.dump(OSError(error.errno, error.strerror, error.filename), sink)
    except BaseException:  # noqa: BLE001 - whatever ends the worker is reported to the parent, which re-raises
        pickle.dump(traceback.format_exc(), sink)
    sink.flush()
