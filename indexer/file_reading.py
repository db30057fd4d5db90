"""Corpus files -> prepared documents, as a stream of events, here or in a worker process.

Reading, sectioning, language detection, tagging and the backend's analysis are pure work on
plain records; only the backend's writer has to stay in the indexing process. For a big run
(``WORKER_MIN_BYTES``) that pure work moves to one worker process, which streams its events
through a pipe while this process writes: both cores work, and the pipe's buffer bounds the
worker's lead. The worker is a new interpreter running ``work``, not a
fork, because the pipeline also runs in threads of a web server, where a fork could copy a
lock another thread holds; and not ``multiprocessing``'s spawn, which re-runs the caller's
main module. The events are the same either way, so the pipeline cannot tell the difference.
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
from datetime import datetime
from datetime import timezone
from pathlib import Path

from indexer.errors import UnreadableDocument
from indexer.manifest import file_sha256
from indexer.prepare import prepare_document
from indexer.readers import check_corpus_file
from indexer.readers import read_documents
from indexer.taxonomy import Tagger

# Below this much to read, starting a worker (about a second to import) is not worth it.
WORKER_MIN_BYTES = 4_000_000
EVENTS_PER_MESSAGE = 200  # documents pickled together between the processes


@dataclass(frozen=True)
class DocumentRead:
    """One document of a file, prepared for the backend."""

    rel: str
    doc_id: str
    passages: int
    prepared: object


@dataclass(frozen=True)
class FileRead:
    """A file read to its end (after its documents)."""

    rel: str
    digest: str
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class FileSkipped:
    """A file that could not be read; documents already sent for it stay sent."""

    rel: str
    reason: str


@dataclass(frozen=True)
class Warned:
    """A reader's warning, in reading order."""

    text: str


class ReadingFailed(RuntimeError):
    """The worker process stopped on an unexpected error (its traceback is the message)."""


def read_files(items, corpus: Path, digests: dict[str, str], tagger: Tagger, prepare: Callable) -> Iterator:
    """Events for each of ``items`` (``CorpusFile``), in order, in a worker process for a big run."""
    if (os.cpu_count() or 1) > 1 and _bytes(items) >= WORKER_MIN_BYTES:
        return _read_in_worker(items, corpus, digests, tagger, prepare)
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
        updated = datetime.fromtimestamp(stat.st_mtime, timezone.utc).isoformat(timespec="seconds")
        for doc in read_documents(item.path, corpus, warn=warnings.append):
            yield from _drain(warnings)
            document = prepare_document(doc, tagger, updated)
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
    yield FileRead(item.rel, digest, stat.st_size, stat.st_mtime_ns)


def _drain(warnings: list[str]):
    while warnings:
        yield Warned(warnings.pop(0))


def _bytes(items) -> int:
    total = 0
    for item in items:
        try:
            total += item.path.stat().st_size
        except OSError:
            pass  # reported when the file is read
    return total


def _read_in_worker(items, corpus, digests, tagger, prepare) -> Iterator:
    # PYTHONPATH: the worker imports what this process imported (a test's preparer, say).
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(path for path in sys.path if path)}
    worker = subprocess.Popen(
        [sys.executable, "-c", "from indexer.file_reading import work; work()"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=environment
    )
    try:
        pickle.dump((items, corpus, digests, tagger, prepare), worker.stdin, pickle.HIGHEST_PROTOCOL)
        worker.stdin.close()
        while True:
            try:
                message = pickle.load(worker.stdout)
            except EOFError:
                raise ReadingFailed(f"the reading process stopped (exit code {worker.wait()})") from None
            if message is None:
                return
            if isinstance(message, str):
                raise ReadingFailed(message)
            yield from message
    finally:
        if worker.poll() is None:
            worker.kill()
        worker.wait()
        worker.stdout.close()


def work() -> None:
    """The worker process: a job on standard input, events on standard output, then None (or a traceback).

    Messages go to the original standard output; anything else printed goes to standard error.
    """
    sink = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    try:
        items, corpus, digests, tagger, prepare = pickle.load(sys.stdin.buffer)
        batch = []
        for event in read_here(items, corpus, digests, tagger, prepare):
            batch.append(event)
            if len(batch) >= EVENTS_PER_MESSAGE:
                pickle.dump(batch, sink, pickle.HIGHEST_PROTOCOL)
                batch = []
        pickle.dump(batch, sink, pickle.HIGHEST_PROTOCOL)
        pickle.dump(None, sink)
    except BaseException:
        pickle.dump(traceback.format_exc(), sink)
    sink.flush()
