"""The task runner: applies the waiting tasks of ``indexer.ingest.tasks`` in order, in batches.

One runner at a time per index (a flock), beside the server; each batch is one indexing run
(one writer at a time: the index's writer lock), and each task's outcome is recorded on it. A
task that was being applied when the runner died ``MAX_INTERRUPTED`` times fails instead: it
would kill the next one.

With a time limit, each batch is applied in a child process, so that a batch over the limit, or a
task cancelled while being applied, is stopped by killing the child; the runner then undoes what
the stopped tasks stored and goes on with the next ones. A batch that hits a file-system error
(a full disk) is tried again later, each wait twice the last, and fails after ``retries`` tries.
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.connection
import os
import threading
import time
from dataclasses import replace
from pathlib import Path

from indexer.errors import CorpusNotFound
from indexer.errors import DocumentNotFound
from indexer.errors import IndexBusy
from indexer.ingest.intake import StoredFile
from indexer.ingest.intake import drop_backups
from indexer.ingest.intake import remove_record
from indexer.ingest.intake import remove_source
from indexer.ingest.intake import restore_backups
from indexer.ingest.manifest import Manifest
from indexer.ingest.pipeline import IndexReport
from indexer.ingest.pipeline import index_corpus
from indexer.ingest.tasks import CANCELLED
from indexer.ingest.tasks import CORPUS_MISSING
from indexer.ingest.tasks import DELETE
from indexer.ingest.tasks import ENQUEUED
from indexer.ingest.tasks import FAILED
from indexer.ingest.tasks import INTERNAL
from indexer.ingest.tasks import INTERRUPTED
from indexer.ingest.tasks import NO_DOCUMENT
from indexer.ingest.tasks import OS_ERROR
from indexer.ingest.tasks import PROCESSING
from indexer.ingest.tasks import REPLACE
from indexer.ingest.tasks import SUCCEEDED
from indexer.ingest.tasks import TIMED_OUT
from indexer.ingest.tasks import UNREADABLE
from indexer.ingest.tasks import Task
from indexer.ingest.tasks import TaskQueue
from indexer.ingest.tasks import flock
from indexer.ingest.tasks import now
from indexer.ingest.tasks import undo
from indexer.store import current_generation
from indexer.store import open_index

POLL_SECONDS = 0.2
INTERNAL_MESSAGE = "internal error while applying the task: the problem was logged"
DEFAULT_RETRIES = 5
DEFAULT_RETRY_SECONDS = 1.0
MAX_RETRY_SECONDS = 60.0
MAX_INTERRUPTED = 3
MAX_IDLE_SECONDS = 30.0  # the longest pause of a runner whose own bookkeeping keeps failing
# What a batch came to, as the child (or the runner itself, without a time limit) reports it.
DONE, BUSY, KILLED = "done", "busy", "killed"

log = logging.getLogger(__name__)


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
        with flock(self.queue.folder / "runner.lock", wait=False) as held:
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
            started = now()
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
            self.queue.update(replace(current, status=status, error=error, finished_at=now()))

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
        finished_at = now()
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
            self.queue.update(replace(task, status=FAILED, error={"code": code, "message": message}, finished_at=now()))


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
        _context.set_forkserver_preload(["indexer.ingest.runner"])
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
