"""Uploads and deletions as tasks: recorded under the index folder, applied in order by one runner.

A request only stores the file (or checks the document to delete) and records a task, so it
answers at once; a ``TaskRunner`` beside the server (``indexer.ingest.runner``) takes the waiting
tasks in order, applies them, and records each outcome here. Tasks are files, so they survive a
restart: a runner that starts finds what was enqueued, or left ``processing`` by a runner that died.

    <index>/tasks/waiting/<id>.json    enqueued or processing
    <index>/tasks/done/<id>.json       succeeded, failed or cancelled (the newest ``KEEP_DONE`` are kept)
    <index>/tasks/cancel/<id>          a request to stop a task being applied
    <index>/tasks/runner.json          the runner's state, as the server that supervises it records it
    <index>/tasks/next                 the next id (ids are never reused)
"""

from __future__ import annotations

import fcntl
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
from indexer.ingest.intake import Replacement
from indexer.ingest.intake import StoredFile
from indexer.ingest.intake import restore_backups

TASKS_DIR = "tasks"
KEEP_DONE = 1000
UPLOAD, REPLACE, DELETE = "upload", "replace", "delete"
ENQUEUED, PROCESSING, SUCCEEDED, FAILED = "enqueued", "processing", "succeeded", "failed"
CANCELLED = "cancelled"
# Why a task failed; the web layer maps these to the status a synchronous answer would have.
UNREADABLE, NO_DOCUMENT, CORPUS_MISSING, INTERNAL = "unreadable_file", "no_document", "corpus_missing", "internal"
TIMED_OUT, OS_ERROR, INTERRUPTED = "timeout", "os_error", "interrupted"
RUNNER_FILE = "runner.json"


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
            task = Task(number, kind, path, enqueued_at=now(), **details)
            # The counter first: should the task fail to be written, its id is skipped, never reused.
            write_atomically(counter, f"{number + 1}\n".encode())
            self._write(self.waiting_dir, task)
        return task

    def locked(self):
        """The queue's lock: enqueueing, taking tasks to apply and cancelling them never interleave."""
        self.folder.mkdir(parents=True, exist_ok=True)
        return flock(self.folder / ".lock")

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
                return self.update(replace(task, status=CANCELLED, finished_at=now()))
            self.cancel_dir.mkdir(parents=True, exist_ok=True)
            (self.cancel_dir / str(task.id)).touch()
            return task

    def cancel_requests(self, task_ids) -> set[int]:
        """Which of ``task_ids`` someone asked to cancel."""
        return {task_id for task_id in task_ids if (self.cancel_dir / str(task_id)).exists()}

    def record_runner(self, state: str, pid: int | None = None) -> None:
        """Record the runner's state ("running", "restarting", "dead", "stopped") for ``health``."""
        self.folder.mkdir(parents=True, exist_ok=True)
        write_json(self.folder / RUNNER_FILE, {"state": state, "pid": pid, "since": now()})

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


def undo(corpus: Path, task: Task) -> None:
    """Remove what an upload stored (or put back what a replacement replaced); a deletion has nothing to undo."""
    if task.type == UPLOAD:
        path = Path(corpus) / task.path
        StoredFile(path, task.path, path.with_name(task.sidecar) if task.sidecar else None, task.created).discard()
    elif task.type == REPLACE:
        restore_backups(Path(corpus), task.path, task.backups)


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
def flock(path: Path, wait: bool = True):
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


def now() -> str:
    """The time as tasks record it: UTC, ISO 8601, to the millisecond."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")
