"""Keep the index in step with the corpus folder as files arrive, change, move or go.

Events only say *that* something changed; the incremental pipeline decides *what*: after a
quiet spell, one ``index_corpus`` run applies every change of the burst in its commits.
A file still being written (its size or time still moving) holds the run back, so a large
copy in progress is never indexed half-written.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from indexer.ingest.pipeline import IndexReport
from indexer.ingest.pipeline import index_corpus

QUIET_SECONDS = 1.0  # no event for this long ends a burst
SETTLE_SECONDS = 0.5  # a file must keep its size and time this long to count as written
POLL_SECONDS = 0.2


class CorpusWatcher:
    """Watches a corpus folder and re-indexes after each burst of changes."""

    def __init__(
        self,
        corpus: Path,
        index_root: Path,
        on_report: Callable[[IndexReport], None] | None = None,
        quiet: float = QUIET_SECONDS,
        settle: float = SETTLE_SECONDS,
    ):
        self.corpus = Path(corpus)
        self.index_root = Path(index_root)
        self.on_report = on_report or (lambda report: None)
        self.quiet = quiet
        self.settle = settle
        self._pending: set[Path] = set()
        self._last_event = 0.0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._observer = None

    def notice(self, path: str) -> None:
        """Record that ``path`` changed (called from the file-system observer thread)."""
        with self._lock:
            self._pending.add(Path(path))
            self._last_event = time.monotonic()

    def start(self) -> None:
        """Start observing the folder, then index once: a file that arrives meanwhile is not missed."""
        from watchdog.observers import Observer  # imported here: search never needs it

        observer = Observer()
        observer.schedule(_Handler(self), str(self.corpus), recursive=True)
        observer.start()  # returns once the folder's watches are in place
        self._observer = observer
        self._run()

    def observing(self) -> bool:
        """True once changes to the folder are being noticed."""
        return self._observer is not None and self._observer.is_alive()

    def run_forever(self) -> None:
        """Start and loop until ``stop()`` (or Ctrl-C in the CLI)."""
        self.start()
        try:
            while not self._stop.is_set():
                self.step()
                self._stop.wait(POLL_SECONDS)
        finally:
            self.close()

    def step(self) -> bool:
        """Index if a burst has ended and its files have settled; True when a run happened."""
        with self._lock:
            if not self._pending or time.monotonic() - self._last_event < self.quiet:
                return False
            pending = set(self._pending)
        if not _settled(pending, self.settle):
            with self._lock:
                self._last_event = time.monotonic()
            return False
        with self._lock:
            self._pending -= pending
        self._run()
        return True

    def stop(self) -> None:
        """Ask ``run_forever`` to return."""
        self._stop.set()

    def close(self) -> None:
        """Stop observing."""
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=5)
            self._observer = None

    def _run(self) -> None:
        self.on_report(index_corpus(self.corpus, self.index_root))


class _Handler:
    """watchdog's handler protocol: every event of interest lands in ``notice``."""

    def __init__(self, watcher: CorpusWatcher):
        self.watcher = watcher

    def dispatch(self, event) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return  # reads, including our own, change nothing
        self.watcher.notice(event.src_path)
        if getattr(event, "dest_path", ""):
            self.watcher.notice(event.dest_path)


def _settled(paths: set[Path], settle: float) -> bool:
    """True when no existing path changed size or modification time during ``settle`` seconds."""
    before = {path: _signature(path) for path in paths}
    time.sleep(settle)
    return all(_signature(path) == signature for path, signature in before.items())


def _signature(path: Path):
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_size, stat.st_mtime_ns)
