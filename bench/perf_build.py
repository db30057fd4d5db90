"""Building the benchmark's indexes: a corpus folder of the first N passages, Passerelle's index of it
(``passerelle index`` in a child process, whose peak memory the kernel reports), and the baselines.

A kept folder (``--keep-index``) holds, per size, ``corpus/``, ``passerelle/``, ``naive-whoosh/``,
``fts5.sqlite`` and ``stamp.json``: the fingerprint of the passages, and the measurements of the
builds, reported again when the indexes are reused.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

from bench.eval_data import CHUNK_RECORDS
from bench.eval_data import CORPUS
from bench.eval_data import CORPUS_SETTINGS
from bench.eval_data import copy_corpus_settings
from bench.perf_baselines import BASELINES
from bench.perf_http import children
from bench.perf_http import passerelle_command
from bench.report import log

STAMP = "stamp.json"
RSS_SAMPLE_SECONDS = 0.1
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


class SizeFolder:
    """Where one size's corpus, indexes and stamp live."""

    def __init__(self, root: Path):
        self.root = root
        self.corpus = root / "corpus"
        self.passerelle = root / "passerelle"
        self.stamp_path = root / STAMP
        self.paths = {"naive_whoosh": root / "naive-whoosh", "fts5": root / "fts5.sqlite"}

    def load_stamp(self) -> dict:
        try:
            return json.loads(self.stamp_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def save_stamp(self, stamp: dict) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.stamp_path.write_text(json.dumps(stamp, indent=1), encoding="utf-8")


def passage_lines(passages_file: Path, limit: int | None) -> Iterator[str]:
    """The first ``limit`` non-blank lines of a JSON Lines file (all when None)."""
    with passages_file.open(encoding="utf-8") as lines:
        yield from islice((line for line in lines if line.strip()), limit)


def count_passages(passages_file: Path) -> int:
    return sum(1 for _ in passage_lines(passages_file, None))


def fingerprint(passages_file: Path, limit: int | None) -> str:
    """What the indexes of a size depend on: its passages and our taxonomy and glossary."""
    digest = hashlib.sha256()
    for line in passage_lines(passages_file, limit):
        digest.update(line.encode("utf-8"))
    for name in CORPUS_SETTINGS:
        if (CORPUS / name).exists():
            digest.update((CORPUS / name).read_bytes())
    return digest.hexdigest()


def write_corpus(passages_file: Path, limit: int | None, corpus: Path) -> None:
    """The first ``limit`` passages as ``.jsonl`` files of ``CHUNK_RECORDS`` records (as ``make eval``
    writes them: a file per chunk, so the pipeline reports progress per file), with our taxonomy
    and glossary, so that tagging and expansion work as on our corpus."""
    shutil.rmtree(corpus, ignore_errors=True)
    corpus.mkdir(parents=True)
    out = None
    for number, line in enumerate(passage_lines(passages_file, limit)):
        if number % CHUNK_RECORDS == 0:
            if out:
                out.close()
            out = (corpus / f"passages-{number // CHUNK_RECORDS:02d}.jsonl").open("w", encoding="utf-8")
        out.write(line if line.endswith("\n") else line + "\n")
    if out:
        out.close()
    copy_corpus_settings(corpus)


def records(passages_file: Path, limit: int | None) -> Iterator[tuple[str, str, str]]:
    """``(id, lang, heading and text)`` of the first ``limit`` passages, for the baselines."""
    for line in passage_lines(passages_file, limit):
        record = json.loads(line)
        yield record["id"], record.get("lang", ""), f"{record.get('title', '')}\n{record['text']}"


def build_passerelle(corpus: Path, index_root: Path, log_path: Path) -> dict:
    """A fresh ``passerelle index`` of ``corpus`` in a child process: wall time and peak RSS.

    The peak is of the command and its worker process together, sampled every
    ``RSS_SAMPLE_SECONDS``: rusage would give the larger of the two, not their sum, and
    counts what the child shared with this process before it started the command.

    :raises RuntimeError: when the command fails (its output is in ``log_path``).
    """
    shutil.rmtree(index_root, ignore_errors=True)
    command = [*passerelle_command(), "index", "--corpus", str(corpus), "--index", str(index_root)]
    with log_path.open("w") as output:
        began = time.perf_counter()
        child = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
        peak = _TreePeak(child.pid)
        _, status, _ = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - began
        peak.stop()
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode not in (0, 3):  # 3: some file skipped, the rest indexed
        raise RuntimeError(f"passerelle index exited {child.returncode}; see {log_path}")
    summary = log_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-1:]
    log(f"  {summary[0] if summary else '(no output)'}")
    return {"seconds": round(seconds, 2), "peak_rss_mb": round(peak.mb, 1)}


class _TreePeak:
    """The largest resident size of a process and its descendants together, sampled in a thread."""

    def __init__(self, pid: int):
        self.mb = 0.0
        self._pid = pid
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._done.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._done.wait(RSS_SAMPLE_SECONDS):
            self.mb = max(self.mb, sum(_rss_mb(pid) for pid in _tree(self._pid)))


def _tree(pid: int) -> list[int]:
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        pending.extend(children(current))
    return found


def _rss_mb(pid: int) -> float:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_BYTES / 2**20
    except (OSError, IndexError, ValueError):
        return 0.0


def build_baseline(name: str, path: Path, passages_file: Path, limit: int | None) -> dict:
    """Build one baseline in this process; its wall time."""
    remove(path)
    began = time.perf_counter()
    count = BASELINES[name].build(path, records(passages_file, limit))
    return {"seconds": round(time.perf_counter() - began, 2), "passages": count}


def index_size_mb(index_root: Path) -> float:
    """Bytes on disk of the live generation of a Passerelle index, in MB."""
    return disk_mb((index_root / "current").resolve())


def disk_mb(path: Path) -> float:
    """Bytes of a file, or of every file under a folder, in MB."""
    if path.is_file():
        return round(path.stat().st_size / 2**20, 1)
    return round(sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20, 1)


def remove(path: Path) -> None:
    """Delete a file or a folder tree if it exists."""
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()
