"""Uploads and deletions as tasks: recorded under the index folder, applied in order by one runner.

A request only stores the file (or checks the document to delete) and records a task, so it
answers at once; a ``TaskRunner`` beside the server takes the waiting tasks in order, applies
them in one indexing run (one writer at a time: the index's writer lock), and records each
outcome. Tasks are files, so they survive a restart: a runner that starts finds what was
enqueued, or left ``processing`` by a runner that died, and runs it.

    <index>/tasks/waiting/<id>.json    enqueued or processing
    <index>/tasks/done/<id>.json       succeeded or failed (the newest ``KEEP_DONE`` are kept)
    <index>/tasks/next                 the next id (ids are never reused)
"""

from __future__ import annotations

import fcntl
import logging
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
# Why a task failed; the web layer maps these to the status a synchronous answer would have.
UNREADABLE, NO_DOCUMENT, CORPUS_MISSING, INTERNAL = "unreadable_file", "no_document", "corpus_missing", "internal"
INTERNAL_MESSAGE = "internal error while applying the task: the problem was logged"

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

    @property
    def finished(self) -> bool:
        return self.status in (SUCCEEDED, FAILED)

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

    def _enqueue(self, kind: str, path: str, **details) -> Task:
        self.waiting_dir.mkdir(parents=True, exist_ok=True)
        self.done_dir.mkdir(parents=True, exist_ok=True)
        with _flock(self.folder / ".lock"):
            counter = self.folder / "next"
            number = int(counter.read_text()) if counter.exists() else 1
            task = Task(number, kind, path, enqueued_at=_now(), **details)
            self._write(self.waiting_dir, task)
            write_atomically(counter, f"{number + 1}\n".encode())
        return task

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
        for old in sorted(_ids(self.done_dir))[:-KEEP_DONE]:
            (self.done_dir / f"{old}.json").unlink(missing_ok=True)
        return task

    @staticmethod
    def _write(folder: Path, task: Task) -> None:
        write_json(folder / f"{task.id}.json", asdict(task))


class TaskRunner:
    """Applies waiting tasks in order, several at once when they queue up; one runner at a time per index."""

    def __init__(self, corpus: Path, index_root: Path, on_batch=None, poll: float = POLL_SECONDS):
        self.corpus = Path(corpus)
        self.index_root = Path(index_root)
        self.queue = TaskQueue(self.index_root)
        self.on_batch = on_batch or (lambda tasks, report: None)
        self.poll = poll
        self._stop = threading.Event()

    def run_forever(self) -> None:
        """Run waiting tasks until ``stop()``; an error in one batch is logged and the next goes on."""
        while not self._stop.is_set():
            try:
                ran = self.run_pending()
            except Exception:  # noqa: BLE001 - the runner must outlive any one batch
                log.exception("task runner: a batch failed")
                ran = False
            if not ran:
                self._stop.wait(self.poll)

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
            batch = _next_batch(self.queue.waiting())
            if not batch:
                return False
            started = _now()
            batch = [self.queue.update(replace(task, status=PROCESSING, started_at=started)) for task in batch]
            try:
                report = self._apply(batch)
            except IndexBusy:
                for task in batch:  # another writer held the lock all along: wait for our turn
                    self.queue.update(replace(task, status=ENQUEUED, started_at=""))
                return False
            except CorpusNotFound:
                self._fail_all(
                    batch, CORPUS_MISSING, f"the corpus folder {self.corpus.name!r} does not exist on the server"
                )
                return True
            except Exception:  # noqa: BLE001 - recorded on the tasks, details in the log only
                log.exception("task runner: indexing tasks %s failed", [task.id for task in batch])
                self._fail_all(batch, INTERNAL, INTERNAL_MESSAGE)
                return True
            finished = self._resolve(batch, report)
            self.on_batch(finished, report)
            return True

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
    """
    batch: list[Task] = []
    for task in waiting:
        if task.type == DELETE and any(queued.type != DELETE for queued in batch):
            break
        batch.append(task)
    return batch


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
