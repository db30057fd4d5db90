"""A run past the batch size while the worker writes its segment (issue 27: 966,620 passages died in
Whoosh's column writer, the two writers sharing its temporary folder)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import indexer.ingest.pipeline as pipeline
import indexer.ingest.reading as file_reading
from indexer.engine.whoosh.backend import WhooshBackend
from indexer.ingest.pipeline import index_corpus
from indexer.models import SearchQuery
from indexer.search import search
from indexer.store import current_generation
from indexer.store import open_index

DEADLINE_SECONDS = 60.0


def write_collections(corpus: Path, files: int = 4, records: int = 12) -> int:
    """``files`` JSON Lines collections, each record one passage naming its own word; the record count."""
    corpus.mkdir()
    for number in range(files):
        lines = [
            json.dumps(
                {"id": f"c{number}-r{record}", "title": f"Record {record}", "text": f"Word zq{number}x{record}."}
            )
            for record in range(records)
        ]
        (corpus / f"collection-{number}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return files * records


class CrossingPreparer:
    """Makes the run commit a batch while the worker's writer is open and still to write its segment.

    The worker, on its first document, says so (a file) and waits; this process, on its second
    document (after the first one's commit: a batch is one passage), lets it go on.
    """

    def __init__(self, real, signals: Path):
        self.real = real
        self.here = os.getpid()
        self.worker_opened = signals / "worker-opened"
        self.batch_committed = signals / "batch-committed"
        self.calls = 0

    def __call__(self, document):
        self.calls += 1
        if os.getpid() != self.here:
            if self.calls == 1:
                self.worker_opened.touch()
                _wait_for(self.batch_committed)
        elif self.calls == 1:
            _wait_for(self.worker_opened)
        elif self.calls == 2:
            self.batch_committed.touch()
        return self.real(document)


def _wait_for(path: Path) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not path.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} did not appear within {DEADLINE_SECONDS:.0f} s")
        time.sleep(0.01)


def test_a_run_committing_batches_while_the_worker_writes_indexes_every_passage(tmp_path, monkeypatch):
    records = write_collections(tmp_path / "corpus")
    signals = tmp_path / "signals"
    signals.mkdir()
    monkeypatch.setattr(pipeline, "BATCH_PASSAGES", 1)
    monkeypatch.setattr(file_reading, "WORKER_MIN_BYTES", 0)
    monkeypatch.setattr(file_reading.os, "cpu_count", lambda: 2)  # the worker even on one core
    real = WhooshBackend.preparer
    monkeypatch.setattr(WhooshBackend, "preparer", lambda self: CrossingPreparer(real(self), signals))

    report = index_corpus(tmp_path / "corpus", tmp_path / "index")

    assert (signals / "worker-opened").exists()  # the worker did write a part of the run
    assert (report.documents, report.passages, report.skipped) == (records, records, [])
    opened = open_index(tmp_path / "index")
    try:
        assert opened.backend.passage_count() == records
        for number in range(4):
            for record in range(12):
                found = search(SearchQuery(f"zq{number}x{record}"), opened)
                assert [hit.doc_id for hit in found.results] == [f"c{number}-r{record}"]
    finally:
        opened.close()
    whoosh = current_generation(tmp_path / "index").backend_dir
    assert sorted(path.name for path in whoosh.iterdir() if path.suffix == ".tmp") == []
