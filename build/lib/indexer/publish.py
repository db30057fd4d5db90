"""One indexer, many searchers: copy the live generation of an index to the folders replicas serve.

``publish(source, dest)`` copies ``source``'s live generation into ``dest/generations/`` and only
then points ``dest/current`` at it, so a replica serving ``dest`` sees the old generation or
the new one, never a part (it follows ``current`` on its next request, as after a rebuild). An
interrupted copy leaves ``current`` where it was; the next publish removes the partial folder.
The generation the new one replaced is kept until the next publish, for searches that started
on it; anything older is removed.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from indexer.errors import IndexNotFound
from indexer.store import GENERATIONS
from indexer.store import Generation
from indexer.store import current_generation
from indexer.store import discard
from indexer.store import make_current
from indexer.store import write_lock


@dataclass(frozen=True)
class Published:
    """What one publish did: the commit number now live in ``dest``, and how long the copy took."""

    dest: Path
    generation: int
    seconds: float


def publish(source: Path, dest: Path) -> Published:
    """Make ``source``'s live generation, as of its last commit, the live generation of ``dest``.

    The source's writer lock is held during the copy, so no indexing run changes the files
    being copied (indexing waits, searches go on); the destination's, so two publishes to one
    folder take turns.

    :raises IndexNotFound: when nothing has been indexed at ``source``.
    """
    started = time.perf_counter()
    source, dest = Path(source), Path(dest)
    with write_lock(source):
        live = current_generation(source)
        if live is None or not live.backend_dir.exists():
            raise IndexNotFound(str(source))
        number = live.load_commit().number
        with write_lock(dest):
            kept = current_generation(dest)
            _remove_all_but(dest, kept)
            copy = Generation(dest / GENERATIONS / f"{time.strftime('%Y%m%d-%H%M%S')}-commit-{number}-{time.time_ns()}")
            shutil.copytree(live.path, copy.path)
            make_current(dest, copy)
    return Published(dest, number, time.perf_counter() - started)


def _remove_all_but(dest: Path, kept: Generation | None) -> None:
    """Delete every generation of ``dest`` but ``kept``: older ones, and partial copies of interrupted publishes."""
    folder = dest / GENERATIONS
    for path in sorted(folder.iterdir()) if folder.is_dir() else ():
        if kept is None or path.resolve() != kept.path:
            discard(Generation(path))
