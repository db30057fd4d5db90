"""Uploads and deletions as tasks: kept on disk, applied in order, several per indexing run, resumed after a crash."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest

from indexer.ingest.intake import store_file
from indexer.ingest.pipeline import index_corpus
from indexer.ingest.runner import TaskRunner
from indexer.ingest.tasks import FAILED
from indexer.ingest.tasks import NO_DOCUMENT
from indexer.ingest.tasks import PROCESSING
from indexer.ingest.tasks import SUCCEEDED
from indexer.ingest.tasks import UNREADABLE
from indexer.ingest.tasks import TaskQueue
from indexer.store import open_index


@pytest.fixture
def index_root(tmp_corpus, tmp_path):
    root = tmp_path / "index"
    index_corpus(tmp_corpus, root)
    return root


def enqueue(queue: TaskQueue, corpus, name: str, text: str):
    stored = store_file(corpus, corpus, name, io.BytesIO(text.encode("utf-8")))
    return queue.enqueue_upload(stored)


def indexed(root) -> set[str]:
    index = open_index(root)
    try:
        return {doc_id for doc_id in index.backend.doc_ids() if index.backend.get_document(doc_id)}
    finally:
        index.close()


def count_runs(monkeypatch) -> list:
    import indexer.ingest.runner

    runs, real = [], indexer.ingest.runner.index_corpus
    monkeypatch.setattr(indexer.ingest.runner, "index_corpus", lambda *args: runs.append(args) or real(*args))
    return runs


def test_waiting_uploads_are_applied_in_one_run_and_each_reports_its_documents(tmp_corpus, index_root, monkeypatch):
    queue = TaskQueue(index_root)
    tasks = [
        enqueue(queue, tmp_corpus, f"{name}.md", f"# {name}\n\nA {name} was seized.\n")
        for name in ("walrus", "narwhal")
    ]
    runs = count_runs(monkeypatch)
    assert TaskRunner(tmp_corpus, index_root).run_pending()
    assert len(runs) == 1
    done = [queue.get(task.id) for task in tasks]
    assert [task.status for task in done] == [SUCCEEDED, SUCCEEDED]
    assert [task.documents for task in done] == [
        ({"doc_id": "walrus", "passages": 1},),
        ({"doc_id": "narwhal", "passages": 1},),
    ]
    assert {"walrus", "narwhal"} <= indexed(index_root)
    assert queue.waiting() == [] and not TaskRunner(tmp_corpus, index_root).run_pending()


def test_a_deletion_after_an_upload_waits_for_the_next_run_so_order_holds(tmp_corpus, index_root):
    queue = TaskQueue(index_root)
    (tmp_corpus / "old.md").write_text("# Old\n\nAn old report.\n", encoding="utf-8")
    index_corpus(tmp_corpus, index_root)
    upload = enqueue(queue, tmp_corpus, "walrus.md", "# Walrus\n\nWalrus ivory.\n")
    deletion = queue.enqueue_delete("old.md", "old")
    runner = TaskRunner(tmp_corpus, index_root)
    assert runner.run_pending()
    assert (queue.get(upload.id).status, queue.get(deletion.id).status) == (SUCCEEDED, "enqueued")
    assert runner.run_pending()
    assert queue.get(deletion.id).status == SUCCEEDED
    assert not (tmp_corpus / "old.md").exists() and "old" not in indexed(index_root)


def test_tasks_left_processing_by_a_runner_that_died_are_run_by_the_next(tmp_corpus, index_root):
    queue = TaskQueue(index_root)
    task = enqueue(queue, tmp_corpus, "walrus.md", "# Walrus\n\nWalrus ivory.\n")
    queue.update(replace(task, status=PROCESSING, started_at="2026-12-03T00:00:00+00:00"))
    restarted = TaskQueue(index_root)  # nothing in memory: all of it comes from the files
    assert [waiting.id for waiting in restarted.waiting()] == [task.id]
    assert TaskRunner(tmp_corpus, index_root).run_pending()
    assert restarted.get(task.id).status == SUCCEEDED


def test_an_unreadable_upload_fails_with_the_reason_and_its_file_is_removed(tmp_corpus, index_root):
    queue = TaskQueue(index_root)
    stored = store_file(tmp_corpus, tmp_corpus, "blob.txt", io.BytesIO(b"\x00\x01\x02\xff" * 50))
    task = queue.enqueue_upload(stored)
    TaskRunner(tmp_corpus, index_root).run_pending()
    failed = queue.get(task.id)
    assert failed.status == FAILED and failed.error["code"] == UNREADABLE and "blob.txt" in failed.error["message"]
    assert not (tmp_corpus / "blob.txt").exists()


def test_an_upload_without_any_document_fails_and_leaves_no_record(tmp_corpus, index_root):
    queue = TaskQueue(index_root)
    record = '{"id": "pfig-partenaires-flux-illicites-globaux", "lang": "fr", "title": "T", "text": "Un doublon."}\n'
    task = enqueue(queue, tmp_corpus, "records.jsonl", record)  # its only id is taken by another file
    TaskRunner(tmp_corpus, index_root).run_pending()
    failed = queue.get(task.id)
    assert failed.status == FAILED and failed.error["code"] == NO_DOCUMENT
    assert "already comes from" in failed.error["message"] and not (tmp_corpus / "records.jsonl").exists()
    assert index_corpus(tmp_corpus, index_root).removed == 0  # the manifest forgot it already


def test_ids_grow_and_are_never_reused_and_old_finished_tasks_are_dropped(tmp_corpus, index_root, monkeypatch):
    import indexer.ingest.tasks

    monkeypatch.setattr(indexer.ingest.tasks, "KEEP_DONE", 2)
    queue = TaskQueue(index_root)
    ids = []
    for n in range(3):
        ids.append(enqueue(queue, tmp_corpus, f"note{n}.md", f"# Note {n}\n\nWalrus number {n}.\n").id)
        TaskRunner(tmp_corpus, index_root).run_pending()
    assert ids == [1, 2, 3]
    assert queue.get(1) is None and [task.id for task in queue.recent()] == [3, 2]
    assert enqueue(queue, tmp_corpus, "note9.md", "# Note\n\nWalrus nine.\n").id == 4
