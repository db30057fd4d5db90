"""Reading a risky file in a child process, with a memory limit and a timeout.

A parser can need far more memory or time than its file's size suggests (a DOCX of 3 MB whose XML
inflates to 200 MB, an HTML file of millions of tags). Such a file is read by a child process
whose address space is limited (``RLIMIT_AS``) to what the file may need (``memory_budget``)
and that must answer within ``time_budget``: a file over either is refused by name, the run goes
on, and the memory the parser took goes back to the system when the child exits.

Starting an interpreter and importing the parsers takes a fraction of a second, so children are
reused: an idle one is kept for the next risky file (it exits by itself after ``IDLE_SECONDS``), a
child that failed, or that grew, is ended. Plain and small files (``needs_child``) and ``.jsonl``
collections (streamed record by record, each bounded) are read in this process, as fast as ever.
The child is a new interpreter, not a fork, for the reason given in ``reading``.
"""

from __future__ import annotations

import atexit
import importlib
import os
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from indexer.errors import UnreadableDocument
from indexer.ingest.readers import READERS
from indexer.ingest.readers import check_corpus_file
from indexer.ingest.readers import precheck
from indexer.ingest.readers import text as text_reader
from indexer.models import Document

MB = 1024 * 1024
# Formats whose parsers build big trees or run long whatever the file's size; other single-document
# formats go to a child from this size on.
ALWAYS_IN_CHILD = frozenset({".pdf", ".docx"})
CHILD_MIN_BYTES = 256 * 1024
# What reading one file may take: memory beyond what the child held before it, and time.
MEMORY_PER_BYTE = 20
MEMORY_FLOOR_BYTES = 256 * MB  # a DOCX's XML inflates: 256 MB reads about 18 MB of it, however compressed
SECONDS_FLOOR = 60.0
SECONDS_PER_MB = 2.0
# A child whose address space grew past this at any time (allocators keep freed memory) is ended
# after its file. Below MEMORY_FLOOR_BYTES, so that a peak near a file's limit is that file's own.
CHILD_KEEP_BYTES = 128 * MB
# A read that failed with the address space this close to its limit failed for want of memory
# (libxml2 then reports "unknown error", not a MemoryError).
NEAR_LIMIT_BYTES = 32 * MB
IDLE_SECONDS = 60.0
KEPT_IDLE = 2


@dataclass(frozen=True)
class _Request:
    path: Path
    root: Path
    memory: int
    max_elements: int
    read: Callable


@dataclass(frozen=True)
class _Answer:
    documents: list[Document]
    warnings: list[str]
    refusal: tuple[str, str] | None  # (path, reason): an exception with two arguments does not unpickle
    keep: bool  # False when the child ends after this answer


def needs_child(path: Path) -> bool:
    """True when ``path`` is read in a child process (its format or its size makes it risky)."""
    suffix = path.suffix.lower()
    if suffix not in READERS:
        return False  # .jsonl and unsupported files
    return suffix in ALWAYS_IN_CHILD or path.stat().st_size >= CHILD_MIN_BYTES


def memory_budget(size: int) -> int:
    """The memory reading a file of ``size`` bytes may take, in bytes."""
    return MEMORY_PER_BYTE * size + MEMORY_FLOOR_BYTES


def time_budget(size: int) -> float:
    """The seconds reading a file of ``size`` bytes may take."""
    return SECONDS_FLOOR + SECONDS_PER_MB * size / MB


def read_limited(read: Callable, path: Path, root: Path, warn: Callable[[str], None]) -> Iterator[Document]:
    """``read(path, root, warn)`` (``read_documents``), in a child process with limits when ``needs_child``;
    ``read`` goes to the child by name, so it is a module's function.

    :raises UnreadableDocument: as ``read_documents``, and when reading needs more memory or
        time than the file's budget.
    """
    if not needs_child(path):
        yield from read(path, root, warn)
        return
    relpath = check_corpus_file(path, root)
    precheck(path, relpath)  # a file its container check refuses costs no process
    size = path.stat().st_size
    request = _Request(path, root, memory_budget(size), text_reader.MAX_ELEMENTS, read)
    answer = _ask(request, relpath, time_budget(size))
    for warning in answer.warnings:
        warn(warning)
    if answer.refusal is not None:
        raise UnreadableDocument(*answer.refusal)
    yield from answer.documents


def _ask(request: _Request, relpath: str, seconds: float) -> _Answer:
    child = _idle.take() or _Child()
    try:
        child.send(request)
        answer = child.receive(seconds)
    except TimeoutError:
        child.end()
        raise UnreadableDocument(relpath, f"took longer than {seconds:.0f} s to read") from None
    except (EOFError, OSError):
        code = child.end()
        megabytes = request.memory // MB
        raise UnreadableDocument(
            relpath, f"its reader stopped (exit code {code}); it may need more than {megabytes} MB to read"
        ) from None
    except BaseException:  # an interrupt, a request that does not pickle: no child is left behind
        child.end()
        raise
    if answer.keep:
        _idle.give(child)
    else:
        child.end()
    return answer


class _Child:
    """A child process serving ``_Request``s, one at a time, over two pipes."""

    def __init__(self) -> None:
        to_child, from_parent = os.pipe()
        from_child, to_parent = os.pipe()
        # PYTHONPATH: the child imports what this process imported (a test's reader, say).
        environment = {**os.environ, "PYTHONPATH": os.pathsep.join(path for path in sys.path if path)}
        self.process = subprocess.Popen(
            [sys.executable, "-c", f"from indexer.ingest.sandbox import serve; serve({to_child}, {to_parent})"],
            pass_fds=(to_child, to_parent),
            stdin=subprocess.DEVNULL,
            env=environment,
        )
        os.close(to_child)
        os.close(to_parent)
        self.requests = Connection(from_parent, readable=False)
        self.answers = Connection(from_child, writable=False)

    def send(self, request: _Request) -> None:
        self.requests.send(request)

    def receive(self, seconds: float) -> _Answer:
        if not self.answers.poll(seconds):
            raise TimeoutError
        return self.answers.recv()

    def alive(self) -> bool:
        return self.process.poll() is None

    def end(self) -> int:
        """Stop the child (closing its pipe ends an idle one; a busy one is killed) and its exit code."""
        self.requests.close()
        self.answers.close()
        try:
            return self.process.wait(timeout=1)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()


class _IdleChildren:
    """Children waiting for the next request, shared by the threads of this process."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.children: list[tuple[_Child, float]] = []  # with the time each became idle

    def take(self) -> _Child | None:
        while True:
            with self.lock:
                if not self.children:
                    return None
                child, since = self.children.pop()
            # Half the child's idle time: one about to leave by itself could take a request with it.
            if time.monotonic() - since < IDLE_SECONDS / 2 and child.alive():
                return child
            child.end()

    def give(self, child: _Child) -> None:
        with self.lock:
            if len(self.children) < KEPT_IDLE:
                self.children.append((child, time.monotonic()))
                return
        child.end()

    def end_all(self) -> None:
        with self.lock:
            children, self.children = self.children, []
        for child, _ in children:
            child.end()


_idle = _IdleChildren()
atexit.register(_idle.end_all)


def serve(requests_fd: int, answers_fd: int) -> None:
    """The child process: reads files as requested until its parent closes the pipe or stays idle."""
    requests = Connection(requests_fd, writable=False)
    answers = Connection(answers_fd, readable=False)
    for module in set(spec.split(":")[0] for spec in READERS.values()):
        importlib.import_module(f"indexer.ingest.readers.{module}")  # before any limit applies
    start = _address_space()
    while requests.poll(IDLE_SECONDS):
        try:
            request = requests.recv()
        except EOFError:
            return
        answer = _read(request)
        answers.send(answer)
        if not answer.keep or _peak_address_space() - start > CHILD_KEEP_BYTES:
            return


def _read(request: _Request) -> _Answer:
    documents: list[Document] = []
    warnings: list[str] = []
    relpath = request.path.name
    text_reader.MAX_ELEMENTS = request.max_elements  # the parent's cap, lowered by a test or not
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = _capped(_address_space() + request.memory, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        relpath = check_corpus_file(request.path, request.root)
        documents = list(request.read(request.path, request.root, warnings.append))
    except UnreadableDocument as error:
        if _out_of_memory(error) or _peak_address_space() > limit - NEAR_LIMIT_BYTES:
            return _Answer([], warnings, _needs_more(relpath, request.memory), keep=False)
        return _Answer([], warnings, (error.path, error.reason), keep=True)
    except MemoryError:
        return _Answer([], warnings, _needs_more(relpath, request.memory), keep=False)
    except Exception as error:  # noqa: BLE001 - a parser's bug on a hostile file skips that file, not the run
        return _Answer([], warnings, (relpath, f"its reader failed: {type(error).__name__}: {error}"), keep=False)
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (hard, hard))
    return _Answer(documents, warnings, None, keep=True)


def _needs_more(relpath: str, memory: int) -> tuple[str, str]:
    return relpath, f"needs more than {memory // MB} MB to read"


def _out_of_memory(error: BaseException) -> bool:
    """True when ``error`` comes from an allocation that failed (libxml2 says so in its message)."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, MemoryError) or "memory" in str(error).lower():
            return True
        error = error.__cause__ or error.__context__
    return False


def _capped(limit: int, hard: int) -> int:
    return limit if hard == resource.RLIM_INFINITY else min(limit, hard)


def _peak_address_space() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        peak = next(line for line in status if line.startswith("VmPeak:"))
    return int(peak.split()[1]) * 1024


def _address_space() -> int:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize()
