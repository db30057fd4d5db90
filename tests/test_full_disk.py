"""`passerelle index` on a full disk, and any error writing the index (issue 27).

The index lives on a small tmpfs filled up (the suite runs as root here and in CI); where no
tmpfs can be mounted, the command's writes into the index folder fail with ENOSPC past a budget
instead, and the test prints why.
"""

from __future__ import annotations

import builtins
import errno
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from indexer.cli import EXIT_WRITE_FAILED
from indexer.engine.whoosh.writing import SideSegment
from indexer.errors import IndexWriteFailed
from indexer.ingest.manifest import Manifest
from indexer.ingest.pipeline import index_corpus
from indexer.models import SearchQuery
from indexer.search import search
from indexer.store import indexed_files
from indexer.store import open_index

TESTS = Path(__file__).resolve().parent
DISK_KB = 16384  # a rebuild holds two generations, each with its copy of the shipped lexicon (3 MB)
SPARE_BYTES = 48 * 1024  # room left on the filled disk: the small files fit, a segment does not
QUERY = "laundering OR blanchiment"


@contextmanager
def small_disk(folder: Path) -> Iterator[bool]:
    """``folder`` on a tmpfs of its own (True), or a plain folder where mounting is impossible (False)."""
    folder.mkdir()
    if os.geteuid() != 0:
        print(f"not root, no tmpfs at {folder}: the index's writes fail past a budget instead")
        yield False
        return
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DISK_KB}k", "tmpfs", str(folder)], check=False)
    if mounted.returncode != 0:
        print(f"mount -t tmpfs failed (no CAP_SYS_ADMIN?) at {folder}: the index's writes fail past a budget instead")
        yield False
        return
    try:
        yield True
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


@pytest.fixture
def disk(tmp_path) -> Iterator[tuple[Path, bool]]:
    """A folder for the index, and whether it is a real small file system."""
    with small_disk(tmp_path / "disk") as mounted:
        yield tmp_path / "disk", mounted


def fill(folder: Path, spare: int) -> Path:
    """Fill the file system of ``folder`` but ``spare`` bytes; the file that fills it."""
    filler = folder / "filler"
    with open(filler, "wb") as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
                handle.flush()
        except OSError as error:
            assert error.errno == errno.ENOSPC
    size = filler.stat().st_size
    os.truncate(filler, max(0, size - spare))
    return filler


def limit_writes(folder: str, spare: int) -> None:
    """Files under ``folder`` may grow by ``spare`` bytes in all (in this process), as on a disk with that
    much room left: a write past it fails with ENOSPC; deleting files gives room back."""
    real_open = builtins.open
    limit = _usage(folder) + spare
    state = {"usage": limit - spare, "since": 0}  # bytes found under the folder, and written since

    class Budgeted:
        def __init__(self, handle, path):
            self._handle, self._path = handle, path

        def write(self, data):
            if state["usage"] + state["since"] + len(data) > limit:
                state["usage"], state["since"] = _usage(folder), 0
                if state["usage"] + len(data) > limit:
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), self._path)
            state["since"] += len(data)
            return self._handle.write(data)

        def __getattr__(self, name):
            return getattr(self._handle, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self._handle.close()

        def __iter__(self):
            return iter(self._handle)

    def budgeted_open(file, mode="r", *args, **kwargs):
        handle = real_open(file, mode, *args, **kwargs)
        inside = isinstance(file, (str, os.PathLike)) and os.path.abspath(file).startswith(folder + os.sep)
        return Budgeted(handle, os.fspath(file)) if inside and set(mode) & set("wax+") else handle

    builtins.open = io.open = budgeted_open


def _usage(folder: str) -> int:
    return sum(os.lstat(os.path.join(top, name)).st_size for top, _, names in os.walk(folder) for name in names)


def passerelle(*args: str, budget: tuple[Path, int] | None = None) -> subprocess.CompletedProcess:
    """Run `passerelle ARGS` in a new process (with writes under ``budget``'s folder limited)."""
    start = "from indexer.cli import main; main()"
    if budget is not None:
        folder, size = budget
        start = f"import test_full_disk as t; t.limit_writes({str(folder)!r}, {size}); {start}"
    command = [sys.executable, "-c", f"import sys; sys.argv[0] = 'passerelle'; {start}", *args]
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), *sys.path])}
    return subprocess.run(command, capture_output=True, text=True, env=environment, timeout=300)


def hits(index: Path) -> list[str]:
    done = passerelle("search", "--index", str(index), "--json", "--per-page", "50", QUERY)
    assert done.returncode == 0, done.stderr
    return [hit["passage_id"] for hit in json.loads(done.stdout)["results"]]


def files_of(folder: Path) -> dict[str, int]:
    """Every file and folder under ``folder`` with its size (folders 0)."""
    return {
        path.relative_to(folder).as_posix(): (0 if path.is_dir() else path.stat().st_size)
        for path in sorted(folder.rglob("*"))
    }


def free_blocks(folder: Path) -> int:
    return os.statvfs(folder).f_bfree


def big_file(corpus: Path) -> None:
    """A document whose segment takes far more than the room left: each paragraph its own words."""
    paragraphs = [
        f"Harbour report {number}: cargo zx{number}q inspected at berth yb{number}w." for number in range(1500)
    ]
    (corpus / "harbour.txt").write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")


@pytest.mark.parametrize("rebuild", [False, True], ids=["incremental", "rebuild"])
def test_a_full_disk_ends_the_run_in_one_line_and_leaves_the_index_and_the_disk_as_they_were(tmp_corpus, disk, rebuild):
    folder, mounted = disk
    index = folder / "index"
    first = passerelle("index", "--corpus", str(tmp_corpus), "--index", str(index))
    assert first.returncode == 0, first.stderr
    before = hits(index)
    assert before
    big_file(tmp_corpus)
    filler = fill(folder, SPARE_BYTES) if mounted else None
    files, free = files_of(folder), free_blocks(folder)

    args = ["index", "--corpus", str(tmp_corpus), "--index", str(index), *(["--rebuild"] if rebuild else [])]
    failed = passerelle(*args, budget=None if mounted else (folder, SPARE_BYTES))

    assert failed.returncode == EXIT_WRITE_FAILED, failed.stderr
    assert failed.stderr.splitlines() == [
        f"passerelle: cannot write the index at {index}: No space left on device (disk full); "
        "nothing was changed, the live index is as before"
    ]
    assert files_of(folder) == files  # no partial segment, temporary folder or new generation left
    if mounted:
        assert free_blocks(folder) == free
    assert hits(index) == before

    if filler is not None:
        filler.unlink()
    again = passerelle(*args)
    assert again.returncode == 0, again.stderr
    assert sorted(hits(index)) == sorted(before)  # the same passages (ranked by new corpus statistics)
    found = passerelle("search", "--index", str(index), "--json", "zx1499q")
    assert [hit["doc_id"] for hit in json.loads(found.stdout)["results"]] == ["harbour"]


def test_a_manifest_that_cannot_be_saved_undoes_the_commit(tmp_corpus, tmp_path, monkeypatch):
    root = tmp_path / "index"
    index_corpus(tmp_corpus, root)
    (tmp_corpus / "harbour.txt").write_text("Cargo zx17q inspected at the harbour.\n", encoding="utf-8")
    real_save = Manifest.save

    def no_room(self, path):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(Manifest, "save", no_room)
    with pytest.raises(IndexWriteFailed, match="No space left on device"):
        index_corpus(tmp_corpus, root)

    opened = open_index(root)
    try:
        assert search(SearchQuery("zx17q"), opened).total == 0  # not searchable, as it is not recorded
    finally:
        opened.close()
    assert "harbour.txt" not in [record.path for record in indexed_files(root)]

    monkeypatch.setattr(Manifest, "save", real_save)
    index_corpus(tmp_corpus, root)
    opened = open_index(root)
    try:
        assert [hit.doc_id for hit in search(SearchQuery("zx17q"), opened).results] == ["harbour"]
    finally:
        opened.close()
    assert "harbour.txt" in [record.path for record in indexed_files(root)]


class NoRoomForTheWorker(SideSegment):
    """The worker's segment, whose writes fail as on a full disk once its files are open."""

    def open(self):
        writer = super().open()

        def no_room(document):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), self.folder)

        writer.add = no_room
        return writer


def test_a_full_disk_in_the_worker_process_is_the_same_error_and_leaves_no_file(tmp_corpus, tmp_path, monkeypatch):
    import indexer.ingest.reading as file_reading
    from indexer.engine.whoosh.backend import WhooshBackend
    from indexer.store import current_generation

    root = tmp_path / "index"
    index_corpus(tmp_corpus, root)
    whoosh = current_generation(root).backend_dir
    files = sorted(path.name for path in whoosh.iterdir())
    big_file(tmp_corpus)
    (tmp_corpus / "quay.txt").write_text("Quay report: cargo inspected.\n" * 50, encoding="utf-8")  # two files to split
    monkeypatch.setattr(file_reading, "WORKER_MIN_BYTES", 0)
    monkeypatch.setattr(file_reading.os, "cpu_count", lambda: 2)  # the worker even on one core
    monkeypatch.setattr(WhooshBackend, "side_writer", lambda self: NoRoomForTheWorker(self.path))

    with pytest.raises(IndexWriteFailed, match=r"No space left on device \(disk full\); nothing was changed"):
        index_corpus(tmp_corpus, root)

    assert sorted(path.name for path in whoosh.iterdir()) == files  # no side-*.tmp, MAIN.tmp or segment left
    opened = open_index(root)
    try:
        assert search(SearchQuery("zx1499q"), opened).total == 0
    finally:
        opened.close()
