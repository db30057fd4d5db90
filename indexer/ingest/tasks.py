"""Uploads and deletions as tasks: recorded under the index folder, applied in order by one runner.

A request only stores the file (or checks the document to delete) and records a task, so it
answers at once; a ``TaskRunner`` beside the server takes the waiting tasks in order, applies
them in one indexing run (one writer at a time: the index's writer lock), and records each
outcome. Tasks are files, so they survive a restart: a runner that starts finds what was
enqueued, or left ``processing`` by a runner that died, and runs it (a task that was being
applied when the runner died ``MAX_INTERRUPTED`` times fails instead: it would kill the next one).

With a time limit, each batch is applied in a child process, so that a batch over the limit, or a
task cancelled while being applied, is stopped by killing the child; the runner then undoes what
the stopped tasks stored and goes on with the next ones. A batch that hits a file-system error
(a full disk) is tried again later, each wait twice the last, and fails after ``retries`` tries.

    <index>/tasks/waiting/<id>.json    enqueued or processing
    <index>/tasks/done/<id>.json       succeeded, failed or cancelled (the newest ``KEEP_DONE`` are kept)
    <index>/tasks/cancel/<id>          a request to stop a task being applied
    <index>/tasks/runner.json          the runner's state, as the server that supervises it records it
    <index>/tasks/next                 the next id (ids are never reused)
"""

from __future__ import annotations

import fcntl
import logging
import multiprocessing
import multiprocessing.connection
import os
import threading
import time
from contextlib import contextmanager
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from datetime import UTC
from datetime import datetime
from pathlib import Path

from indexer.atomic import read_json
from indexer.atomic import write_atomically
from indexer.atomic import write_json
from indexer.errors import CorpusNotFound
from indexer.errors import DocumentNotFound
from indexer.errors import IndexBusy
from indexer.ingest.intake import Replacement
from indexer.ingest.intake import StoredFile
from indexer.ingest.intake import drop_backups
from indexer.ingest.intake import remove_record
from indexer.ingest.intake import remove_source
from indexer.ingest.intake import restore_backups
from indexer.ingest.manifest import Manifest
from indexer.ingest.pipeline import IndexReport
from indexer.ingest.pipeline import index_corpus
from indexer.store import current_generation
from indexer.store import open_index

TASKS_DIR = "tasks"
KEEP_DONE = 1000
POLL_SECONDS = 0.2
UPLOAD, REPLACE, DELETE = "upload", "replace", "delete"
ENQUEUED, PROCESSING, SUCCEEDED, FAILED = "enqueued", "processing", "succeeded", "failed"
CANCELLED = "cancelled"
# Why a task failed; the web layer maps these to the status a synchronous answer would have.
UNREADABLE, NO_DOCUMENT, CORPUS_MISSING, INTERNAL = "unreadable_file", "no_document", "corpus_missing", "internal"
TIMED_OUT, OS_ERROR, INTERRUPTED = "timeout", "os_error", "interrupted"
INTERNAL_MESSAGE = "internal error while applying the task: the problem was logged"
DEFAULT_RETRIES = 5
DEFAULT_RETRY_SECONDS = 1.0
MAX_RETRY_SECONDS = 60.0
MAX_INTERRUPTED = 3
MAX_IDLE_SECONDS = 30.0  # the longest pause of a runner whose own bookkeeping keeps failing
RUNNER_FILE = "runner.json"
# What a batch came to, as the child (or the runner itself, without a time limit) reports it.
DONE, BUSY, KILLED = "done", "busy", "killed"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Task:
    """One upload or deletion, from ``enqueued`` to ``succeeded`` or ``failed``."""

    id: int
    type: str  # UPLOAD, REPLACE or DELETE
    path: str  # the corpus file added, replaced or removed (or the collection a record leaves)
    status: str = ENQUEUED
    enqueued_at: str = ""
    started_at: str = ""
    finished_at: str = ""
    documents: tuple[dict, ...] = ()  # {"doc_id", "passages"}: indexed (upload) or removed (delete)
    error: dict | None = None  # {"code", "message"} when failed
    sidecar: str = ""  # upload: the sidecar it wrote, removed with the file when the upload fails
    created: bool = True  # upload: False when an identical file was already stored under that name
    record: str = ""  # delete: the one record of the collection ``path`` to remove (else the whole file)
    backups: tuple[tuple[str, str], ...] = ()  # replace: (hidden copy, corpus path) of what was replaced
    attempts: int = 0  # times taken to be applied without an outcome (a runner that died keeps it counted)
    os_errors: int = 0  # tries that hit a file-system error
    retry_at: float = 0.0  # epoch seconds: not to be tried again before
    alone: bool = False  # in a batch of its own (it was in a batch stopped for taking too long)

    @property
    def finished(self) -> bool:
        return self.status in (SUCCEEDED, FAILED, CANCELLED)

    @property
    def failed(self) -> bool:
        return self.status == FAILED

    def to_dict(self) -> dict:
        """The task as the API shows it."""
        return {
            "task": self.id,
            "type": self.type,
            "status": self.status,
            "path": self.path,
            "documents": list(self.documents),
            "error": self.error,
            "enqueued_at": self.enqueued_at,
            "started_at": self.started_at or None,
            "finished_at": self.finished_at or None,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Task:
        backups = tuple(tuple(pair) for pair in data.get("backups", ()))
        return cls(**{**data, "documents": tuple(data.get("documents", ())), "backups": backups})


@dataclass
class TaskQueue:
    """The tasks of one index folder (shared by every process serving it)."""

    index_root: Path
    folder: Path = field(init=False)

    def __post_init__(self):
        self.folder = Path(self.index_root) / TASKS_DIR

    @property
    def waiting_dir(self) -> Path:
        return self.folder / "waiting"

    @property
    def done_dir(self) -> Path:
        return self.folder / "done"

    def enqueue_upload(self, stored: StoredFile) -> Task:
        """Record that ``stored`` (already in the corpus) is to be indexed."""
        sidecar = stored.sidecar.name if stored.sidecar else ""
        return self._enqueue(UPLOAD, stored.rel, sidecar=sidecar, created=stored.created)

    def enqueue_replace(self, replacement: Replacement) -> Task:
        """Record that ``replacement`` (already in place of an indexed file) is to be indexed."""
        stored = replacement.stored
        return self._enqueue(REPLACE, stored.rel, created=stored.created, backups=replacement.backups)

    def enqueue_delete(self, rel: str, doc_ids, record: str = "") -> Task:
        """Record that corpus file ``rel`` (which gave ``doc_ids``), or only its ``record``, is to be
        removed, then the index updated."""
        return self._enqueue(DELETE, rel, documents=tuple({"doc_id": doc_id} for doc_id in doc_ids), record=record)

    @property
    def cancel_dir(self) -> Path:
        return self.folder / "cancel"

    def _enqueue(self, kind: str, path: str, **details) -> Task:
        """:raises OSError: when the task cannot be recorded (nothing is then recorded)."""
        self.waiting_dir.mkdir(parents=True, exist_ok=True)
        self.done_dir.mkdir(parents=True, exist_ok=True)
        with self.locked():
            counter = self.folder / "next"
            number = int(counter.read_text()) if counter.exists() else 1
            task = Task(number, kind, path, enqueued_at=_now(), **details)
            # The counter first: should the task fail to be written, its id is skipped, never reused.
            write_atomically(counter, f"{number + 1}\n".encode())
            self._write(self.waiting_dir, task)
        return task

    def locked(self):
        """The queue's lock: enqueueing, taking tasks to apply and cancelling them never interleave."""
        self.folder.mkdir(parents=True, exist_ok=True)
        return _flock(self.folder / ".lock")

    def cancel(self, task_id: int, corpus: Path) -> Task | None:
        """Cancel a task: a waiting one at once (what it stored in ``corpus`` removed), one being applied
        by asking its runner to stop it; returns the task as it then stands (None when unknown).

        A finished task, or a deletion being applied (its files may be gone already), is returned unchanged.
        """
        with self.locked():
            task = self.get(task_id)
            if task is None or task.finished or (task.status == PROCESSING and task.type == DELETE):
                return task
            if task.status == ENQUEUED:
                undo(Path(corpus), task)
                return self.update(replace(task, status=CANCELLED, finished_at=_now()))
            self.cancel_dir.mkdir(parents=True, exist_ok=True)
            (self.cancel_dir / str(task.id)).touch()
            return task

    def cancel_requests(self, task_ids) -> set[int]:
        """Which of ``task_ids`` someone asked to cancel."""
        return {task_id for task_id in task_ids if (self.cancel_dir / str(task_id)).exists()}

    def record_runner(self, state: str, pid: int | None = None) -> None:
        """Record the runner's state ("running", "restarting", "dead", "stopped") for ``health``."""
        self.folder.mkdir(parents=True, exist_ok=True)
        write_json(self.folder / RUNNER_FILE, {"state": state, "pid": pid, "since": _now()})

    def runner_state(self) -> str:
        """The state last recorded, or "none" when no runner was ever started for this index."""
        return (read_json(self.folder / RUNNER_FILE) or {}).get("state", "none")

    def health(self) -> dict:
        """The runner's state, how many tasks wait and how long the oldest has waited (seconds)."""
        waiting = self.waiting()
        oldest = min((_seconds_since(task.enqueued_at) for task in waiting), default=0.0)
        return {"runner": self.runner_state(), "waiting": len(waiting), "oldest_waiting_seconds": round(oldest, 1)}

    def get(self, task_id: int) -> Task | None:
        """The task with this id, or None (unknown, or finished so long ago it was dropped)."""
        # Waiting first: a finishing task is written to done/ before it leaves waiting/.
        for folder in (self.waiting_dir, self.done_dir):
            data = read_json(folder / f"{int(task_id)}.json")
            if data is not None:
                return Task.from_dict(data)
        return None

    def waiting(self) -> list[Task]:
        """Enqueued and processing tasks, oldest first."""
        return [task for task in map(self.get, _ids(self.waiting_dir)) if task is not None and not task.finished]

    def recent(self, limit: int = 50) -> list[Task]:
        """The newest tasks, waiting or done, newest first."""
        ids = sorted({*_ids(self.waiting_dir), *_ids(self.done_dir)}, reverse=True)[:limit]
        return [task for task in map(self.get, ids) if task is not None]

    def wait(self, task_id: int, timeout: float, poll: float = 0.05) -> Task | None:
        """The task once finished, or as it stands when ``timeout`` seconds have passed."""
        deadline = time.monotonic() + timeout
        task = self.get(task_id)
        while task is not None and not task.finished and time.monotonic() < deadline:
            time.sleep(poll)
            task = self.get(task_id)
        return task

    def update(self, task: Task) -> Task:
        """Store a task's new state; a finished one moves to done/ (and the oldest done ones go)."""
        if not task.finished:
            self._write(self.waiting_dir, task)
            return task
        self._write(self.done_dir, task)
        (self.waiting_dir / f"{task.id}.json").unlink(missing_ok=True)
        (self.cancel_dir / str(task.id)).unlink(missing_ok=True)
        for old in sorted(_ids(self.done_dir))[:-KEEP_DONE]:
            (self.done_dir / f"{old}.json").unlink(missing_ok=True)
        return task

    @staticmethod
    def _write(folder: Path, task: Task) -> None:
        write_json(folder / f"{task.id}.json", asdict(task))


class TaskRunner:
    """Applies waiting tasks in order, several at once when they queue up; one runner at a time per index.

    :param timeout: seconds a batch may take; with it, each batch runs in a child process that is
        killed when over it or when one of its tasks is cancelled. Without it (None), batches run in
        this process, with no time limit and no stopping of a task being applied.
    :param retries: tries of a batch that hits a file-system error before its tasks fail.
    :param retry_seconds: wait before the second try, doubled at each further try (at most ``MAX_RETRY_SECONDS``).
    """

    def __init__(
        self,
        corpus: Path,
        index_root: Path,
        on_batch=None,
        poll: float = POLL_SECONDS,
        timeout: float | None = None,
        retries: int = DEFAULT_RETRIES,
        retry_seconds: float = DEFAULT_RETRY_SECONDS,
    ):
        self.corpus = Path(corpus)
        self.index_root = Path(index_root)
        self.queue = TaskQueue(self.index_root)
        self.on_batch = on_batch or (lambda tasks, report: None)
        self.poll = poll
        self.timeout = timeout
        self.retries = max(1, int(retries))
        self.retry_seconds = retry_seconds
        self._stop = threading.Event()

    def run_forever(self) -> None:
        """Run waiting tasks until ``stop()``; an error is logged on one line and the runner waits
        longer after each one in a row (a full disk must not fill the log)."""
        pause = self.poll
        while not self._stop.is_set():
            try:
                ran = self.run_pending()
                pause = self.poll
            except OSError as error:
                pause = min(max(pause * 2, 1.0), MAX_IDLE_SECONDS)
                log.warning("task runner: %s; trying again in %g s", error, pause)
                ran = False
            except Exception:  # noqa: BLE001 - the runner must outlive any one batch
                pause = min(max(pause * 2, 1.0), MAX_IDLE_SECONDS)
                log.exception("task runner: a batch failed; trying again in %g s", pause)
                ran = False
            if not ran:
                self._stop.wait(pause)

    def stop(self) -> None:
        """Ask ``run_forever`` to return after the batch in hand."""
        self._stop.set()

    def run_pending(self) -> bool:
        """Apply the next batch of waiting tasks; False when none waited or another runner has them."""
        if not self.queue.waiting_dir.is_dir():
            return False
        with _flock(self.queue.folder / "runner.lock", wait=False) as held:
            if not held:
                return False
            batch = self._take()
            if not batch:
                return False
            before = _commit_mark(self.index_root)
            kind, detail = self._execute([task.id for task in batch])
            if kind == DONE:
                finished = [task for task in map(self.queue.get, [t.id for t in batch]) if task and task.finished]
                self.on_batch(finished, detail)
                return True
            if kind == BUSY:  # another writer held the lock all along: wait for our turn
                self._requeue(batch)
                return False
            if kind == OS_ERROR:
                self._retry_or_fail(batch, detail)
            elif kind == KILLED:
                self._stopped(batch, detail)
            if _commit_mark(self.index_root) != before:
                self._resync()
            return True

    def _take(self) -> list[Task]:
        """The next batch, marked processing; a task that was being applied when runners died too often fails."""
        with self.queue.locked():
            ready = []
            for task in self.queue.waiting():
                if task.status == PROCESSING and task.attempts >= MAX_INTERRUPTED:
                    message = f"{task.path}: the task runner stopped {task.attempts} times while applying it"
                    log.error("task runner: task %s failed: %s", task.id, message)
                    self._end(task, FAILED, {"code": INTERRUPTED, "message": message})
                else:
                    ready.append(task)
            started = _now()
            return [
                self.queue.update(replace(task, status=PROCESSING, started_at=started, attempts=task.attempts + 1))
                for task in _next_batch(ready)
            ]

    def _execute(self, task_ids: list[int]) -> tuple[str, object]:
        """Apply the tasks here, or in a child process watched for the time limit and for cancellations."""
        if self.timeout is None:
            return apply_batch(self.corpus, self.index_root, task_ids)
        context = _child_context()
        results, sender = context.Pipe(duplex=False)
        child = context.Process(
            target=_apply_in_child, args=(str(self.corpus), str(self.index_root), task_ids, sender), name="task-batch"
        )
        child.start()
        sender.close()
        deadline = time.monotonic() + self.timeout
        try:
            while True:
                if results.poll(self.poll):
                    try:
                        return results.recv()
                    except EOFError:
                        child.join()
                        return KILLED, f"the process applying it stopped (exit status {child.exitcode})"
                cancelled = self.queue.cancel_requests(task_ids)
                if cancelled:
                    return KILLED, cancelled
                if time.monotonic() >= deadline:
                    return KILLED, f"took longer than {self.timeout:g} s (task_timeout_seconds)"
        finally:
            if child.is_alive():
                child.kill()
            child.join()
            results.close()

    def _stopped(self, batch: list[Task], reason) -> None:
        """A batch whose child was killed: cancelled tasks end so; over the time limit, a task alone
        fails and several are tried again one by one; after a crash they are tried again."""
        if isinstance(reason, set):
            for task in batch:
                if task.id in reason:
                    log.warning("task runner: task %s (%s %s) cancelled while applied", task.id, task.type, task.path)
                    self._end(task, CANCELLED, None)
                else:
                    self._requeue([task])
        elif reason.startswith("took longer") and len(batch) == 1:
            task = batch[0]
            log.error("task runner: task %s (%s %s) failed: %s", task.id, task.type, task.path, reason)
            self._end(task, FAILED, {"code": TIMED_OUT, "message": f"{task.path}: {reason}"})
        else:
            log.warning("task runner: tasks %s: %s; trying them again one by one", [t.id for t in batch], reason)
            self._requeue(batch, alone=True, uncount=reason.startswith("took longer"))

    def _retry_or_fail(self, batch: list[Task], error: str) -> None:
        """A batch that hit a file-system error: tried again after a wait, or failed after ``retries`` tries."""
        tries = max(task.os_errors for task in batch) + 1
        ids = [task.id for task in batch]
        if tries >= self.retries:
            log.error("task runner: tasks %s failed after %d tries: %s", ids, tries, error)
            for task in batch:
                message = f"{task.path}: could not be applied after {tries} tries: {error}"
                self._end(task, FAILED, {"code": OS_ERROR, "message": message})
            return
        delay = min(self.retry_seconds * 2 ** (tries - 1), MAX_RETRY_SECONDS)
        log.warning(
            "task runner: tasks %s: %s (try %d of %d); next try in %g s", ids, error, tries, self.retries, delay
        )
        retry_at = time.time() + delay
        for task in self._fresh(batch):
            self.queue.update(
                replace(
                    task, status=ENQUEUED, started_at="", attempts=task.attempts - 1, os_errors=tries, retry_at=retry_at
                )
            )

    def _requeue(self, batch: list[Task], alone: bool = False, uncount: bool = True) -> None:
        for task in self._fresh(batch):
            attempts = task.attempts - 1 if uncount else task.attempts
            self.queue.update(
                replace(task, status=ENQUEUED, started_at="", attempts=attempts, alone=task.alone or alone)
            )

    def _end(self, task: Task, status: str, error: dict | None) -> None:
        """Finish a task that did not succeed, removing what it stored (a replaced file comes back)."""
        for current in self._fresh([task]):
            undo(self.corpus, current)
            self.queue.update(replace(current, status=status, error=error, finished_at=_now()))

    def _fresh(self, batch: list[Task]) -> list[Task]:
        """The tasks of ``batch`` as recorded now, but those that finished meanwhile."""
        return [task for task in map(self.queue.get, [t.id for t in batch]) if task and not task.finished]

    def _resync(self) -> None:
        """Index the corpus as it now is: a stopped batch may have committed what was then undone."""
        kind, detail = self._execute([])
        if kind != DONE:
            log.warning("task runner: the index could not be brought in line with the corpus: %s", detail)


def apply_batch(corpus: Path, index_root: Path, task_ids: list[int]) -> tuple[str, object]:
    """Apply the tasks ``task_ids`` (all processing) in one indexing run and record their outcomes.

    :returns: (DONE, the run's report), (BUSY, None) when another writer kept the index, or
        (OS_ERROR, message) when a file-system error stopped it (the tasks are left processing).
    """
    return _Batch(Path(corpus), Path(index_root)).run(task_ids)


class _Batch:
    """One indexing run for a batch of tasks, in the runner's process or in its child."""

    def __init__(self, corpus: Path, index_root: Path):
        self.corpus = corpus
        self.index_root = index_root
        self.queue = TaskQueue(index_root)

    def run(self, task_ids: list[int]) -> tuple[str, object]:
        batch = [task for task in map(self.queue.get, task_ids) if task is not None and not task.finished]
        try:
            report = self._apply(batch)
        except IndexBusy:
            return BUSY, None
        except CorpusNotFound:
            self._fail_all(
                batch, CORPUS_MISSING, f"the corpus folder {self.corpus.name!r} does not exist on the server"
            )
            return DONE, None
        except Exception as error:  # noqa: BLE001 - recorded on the tasks, details in the log only
            cause = _os_error_in(error)
            if cause is not None:
                return OS_ERROR, str(cause)
            log.exception("task runner: indexing tasks %s failed", [task.id for task in batch])
            self._fail_all(batch, INTERNAL, INTERNAL_MESSAGE)
            return DONE, None
        try:
            self._resolve(batch, report)
        except OSError as error:
            return OS_ERROR, str(error)
        return DONE, report

    def _apply(self, batch: list[Task]) -> IndexReport:
        for task in batch:
            if task.type == DELETE:
                try:
                    if task.record:
                        remove_record(self.corpus, task.path, task.record)
                    else:
                        remove_source(self.corpus, task.path)
                except DocumentNotFound:
                    pass  # refused as outside the corpus when enqueued; nothing to remove
        if not self.corpus.is_dir():
            raise CorpusNotFound(str(self.corpus))
        return index_corpus(self.corpus, self.index_root)

    def _resolve(self, batch: list[Task], report: IndexReport) -> list[Task]:
        live = current_generation(self.index_root)
        manifest = Manifest.load(live.manifest_path) if live else Manifest()
        skipped = dict(report.skipped)
        outcomes, discarded = [], False
        for task in batch:
            record = manifest.files.get(task.path)
            doc_ids = list(record.doc_ids) if record else []
            if task.type == DELETE:
                outcomes.append((task, None))
            elif task.path in skipped:
                outcomes.append((task, {"code": UNREADABLE, "message": f"{task.path}: {skipped[task.path]}"}))
            elif not doc_ids:
                reasons = [w for w in report.warnings if w.startswith(task.path)] or [f"{task.path}: no document in it"]
                outcomes.append((task, {"code": NO_DOCUMENT, "message": "; ".join(reasons)}))
                discarded = True  # its empty manifest record is forgotten by the run below
            else:
                outcomes.append((task, doc_ids))
        for task, outcome in outcomes:
            if isinstance(outcome, dict) and task.type == REPLACE:
                restore_backups(self.corpus, task.path, task.backups)  # the replaced file comes back
                discarded = True
            elif isinstance(outcome, dict):
                self._stored(task).discard()
            elif task.type == REPLACE:
                drop_backups(self.corpus, task.backups)
        if discarded:
            index_corpus(self.corpus, self.index_root)
        counts = self._passage_counts([i for _, outcome in outcomes if isinstance(outcome, list) for i in outcome])
        finished_at = _now()
        results = []
        for task, outcome in outcomes:
            if isinstance(outcome, dict):
                task = replace(task, status=FAILED, error=outcome)
            elif outcome is not None:
                documents = tuple({"doc_id": doc_id, "passages": counts.get(doc_id, 0)} for doc_id in outcome)
                task = replace(task, status=SUCCEEDED, documents=documents)
            else:
                task = replace(task, status=SUCCEEDED)
            results.append(self.queue.update(replace(task, finished_at=finished_at)))
        return results

    def _passage_counts(self, doc_ids: list[str]) -> dict[str, int]:
        if not doc_ids:
            return {}
        index = open_index(self.index_root)
        try:
            found = {doc_id: index.backend.get_document(doc_id) for doc_id in doc_ids}
        finally:
            index.close()
        return {doc_id: len(document.passages) for doc_id, document in found.items() if document is not None}

    def _stored(self, task: Task) -> StoredFile:
        path = self.corpus / task.path
        sidecar = path.with_name(task.sidecar) if task.sidecar else None
        return StoredFile(path, task.path, sidecar, task.created)

    def _fail_all(self, batch: list[Task], code: str, message: str) -> None:
        for task in batch:
            self.queue.update(
                replace(task, status=FAILED, error={"code": code, "message": message}, finished_at=_now())
            )


def _next_batch(waiting: list[Task]) -> list[Task]:
    """The oldest waiting tasks that one indexing run can apply in order.

    Deletions are applied before the run and uploads are already stored, so a deletion that
    follows an upload starts the next batch (it may be about the file just uploaded).
    A task waiting for its next try after a file-system error holds back those behind it (order
    matters), and a task to be applied alone gets a batch of its own.
    """
    batch: list[Task] = []
    for task in waiting:
        if task.retry_at > time.time():
            break
        if batch and (task.alone or batch[0].alone):
            break
        if task.type == DELETE and any(queued.type != DELETE for queued in batch):
            break
        batch.append(task)
    return batch


def undo(corpus: Path, task: Task) -> None:
    """Remove what an upload stored (or put back what a replacement replaced); a deletion has nothing to undo."""
    if task.type == UPLOAD:
        path = Path(corpus) / task.path
        StoredFile(path, task.path, path.with_name(task.sidecar) if task.sidecar else None, task.created).discard()
    elif task.type == REPLACE:
        restore_backups(Path(corpus), task.path, task.backups)


def _apply_in_child(corpus: str, index_root: str, task_ids: list[int], results) -> None:
    """The child's side of ``TaskRunner._execute``: apply the batch, send the outcome back."""
    parent = multiprocessing.parent_process()
    if parent is not None:  # a runner killed with SIGKILL takes its batch with it
        threading.Thread(target=_exit_with, args=(parent.sentinel,), daemon=True).start()
    kind, detail = apply_batch(Path(corpus), Path(index_root), task_ids)
    results.send((kind, detail))


def _exit_with(sentinel) -> None:
    multiprocessing.connection.wait([sentinel])
    os._exit(1)


_context = None


def _child_context():
    """Children forked from a server process that has the indexer imported already (a fresh
    interpreter each time would import it again; a fork of the runner's process would copy its threads' locks)."""
    global _context
    if _context is None:
        _context = multiprocessing.get_context("forkserver")
        _context.set_forkserver_preload(["indexer.ingest.tasks"])
    return _context


def _os_error_in(error: BaseException) -> OSError | None:
    """The file-system error behind ``error``, if any: cleaning up after one can raise another."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, OSError):
            return error
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return None


def _commit_mark(index_root: Path) -> tuple | None:
    live = current_generation(index_root)
    return (live.path, live.load_commit().number) if live else None


def _seconds_since(stamp: str) -> float:
    try:
        return max(0.0, (datetime.now(UTC) - datetime.fromisoformat(stamp)).total_seconds())
    except ValueError:
        return 0.0


def _ids(folder: Path) -> list[int]:
    try:
        names = [entry.name for entry in folder.iterdir()]
    except FileNotFoundError:
        return []
    return sorted(int(name[:-5]) for name in names if name.endswith(".json") and name[:-5].isdigit())


@contextmanager
def _flock(path: Path, wait: bool = True):
    """An exclusive flock(2) on ``path`` (released by the kernel if the process dies); yields whether it is held."""
    with open(path, "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")
