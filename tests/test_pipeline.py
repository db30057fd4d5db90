"""Incremental indexing: what changes is applied, what does not is not read, nothing is lost."""

from __future__ import annotations

import os

import pytest

import indexer.ingest.pipeline as pipeline
import indexer.ingest.reading as file_reading
from indexer.engine.whoosh.backend import WhooshBackend
from indexer.ingest.pipeline import index_corpus
from indexer.models import SearchQuery
from indexer.search import search
from indexer.store import current_generation
from indexer.store import open_index

EN = "expertise-france-global-threats-organised-crime"
FR = "pfig-partenaires-flux-illicites-globaux"


def passage_ids(root, doc_id):
    opened = open_index(root)
    try:
        document = opened.backend.get_document(doc_id)
        return [p.passage_id for p in document.passages] if document else []
    finally:
        opened.close()


def hits(root, text):
    opened = open_index(root)
    try:
        return search(SearchQuery(text, per_page=100), opened)
    finally:
        opened.close()


def test_first_run_adds_every_file(tmp_corpus, tmp_path):
    report = index_corpus(tmp_corpus, tmp_path / "index")
    assert (report.added, report.changed, report.removed, report.unchanged) == (2, 0, 0, 0)
    assert report.passages > 40 and not report.skipped


def test_a_second_run_with_nothing_changed_reads_nothing(tmp_corpus, tmp_path, monkeypatch):
    index_corpus(tmp_corpus, tmp_path / "index")
    opened = []
    monkeypatch.setattr(file_reading, "read_documents", lambda *a, **k: opened.append(a) or iter(()))
    for module in (pipeline, file_reading):
        monkeypatch.setattr(module, "file_sha256", lambda path: opened.append(path) or "")
    report = index_corpus(tmp_corpus, tmp_path / "index")
    assert opened == []
    assert (report.added, report.changed, report.unchanged, report.passages) == (0, 0, 2, 0)


def test_a_touched_but_unedited_file_is_hashed_not_reread(tmp_corpus, tmp_path, monkeypatch):
    index_corpus(tmp_corpus, tmp_path / "index")
    (tmp_corpus / f"{EN}.txt").touch()
    read = []
    real = file_reading.read_documents
    monkeypatch.setattr(file_reading, "read_documents", lambda *a, **k: read.append(a) or real(*a, **k))
    report = index_corpus(tmp_corpus, tmp_path / "index")
    assert read == [] and report.unchanged == 2


def test_editing_one_passage_changes_only_that_passage_id(tmp_corpus, tmp_path):
    root = tmp_path / "index"
    index_corpus(tmp_corpus, root)
    before_en, before_fr = passage_ids(root, EN), passage_ids(root, FR)
    path = tmp_corpus / f"{EN}.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("€19m", "€21m"), encoding="utf-8")
    report = index_corpus(tmp_corpus, root)
    assert (report.changed, report.unchanged) == (1, 1)
    after_en = passage_ids(root, EN)
    assert passage_ids(root, FR) == before_fr
    assert len(set(before_en) - set(after_en)) == 1 and len(after_en) == len(before_en)


def test_reindexing_keeps_every_passage_id(tmp_corpus, tmp_path):
    index_corpus(tmp_corpus, tmp_path / "a")
    index_corpus(tmp_corpus, tmp_path / "b")
    assert passage_ids(tmp_path / "a", EN) == passage_ids(tmp_path / "b", EN)


def test_a_new_file_becomes_searchable_and_a_removed_one_disappears(tmp_corpus, tmp_path):
    root = tmp_path / "index"
    index_corpus(tmp_corpus, root)
    (tmp_corpus / "note.md").write_text("# Narcotics\n\nA zebrafish smuggling ring was dismantled.\n", encoding="utf-8")
    assert index_corpus(tmp_corpus, root).added == 1
    assert hits(root, "zebrafish").total == 1
    (tmp_corpus / "note.md").unlink()
    assert index_corpus(tmp_corpus, root).removed == 1
    assert hits(root, "zebrafish").total == 0
    assert hits(root, "SEACOP").total > 0


def test_unreadable_files_are_skipped_by_name_and_the_rest_is_indexed(tmp_corpus, tmp_path):
    (tmp_corpus / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj <<")
    (tmp_corpus / "blob.txt").write_bytes(bytes(range(256)) * 40)
    report = index_corpus(tmp_corpus, tmp_path / "index")
    skipped = dict(report.skipped)
    assert set(skipped) == {"broken.pdf", "blob.txt"}
    assert "PDF" in skipped["broken.pdf"] and "binary" in skipped["blob.txt"]
    assert report.added == 2
    assert hits(tmp_path / "index", "SEACOP").total > 0


def test_a_file_that_turns_unreadable_keeps_its_indexed_passages(tmp_corpus, tmp_path):
    root = tmp_path / "index"
    index_corpus(tmp_corpus, root)
    (tmp_corpus / f"{EN}.txt").write_bytes(b"\x00\x01\x02" * 1000)
    report = index_corpus(tmp_corpus, root)
    assert [rel for rel, _ in report.skipped] == [f"{EN}.txt"]
    assert hits(root, "SEACOP").total > 0
    # and it is retried (not forgotten) on the next run
    assert [rel for rel, _ in index_corpus(tmp_corpus, root).skipped] == [f"{EN}.txt"]


def test_a_taxonomy_edit_retags_passages(tmp_corpus, tmp_path):
    root = tmp_path / "index"
    index_corpus(tmp_corpus, root)
    assert hits(root, "topic:zebras").total == 0
    with (tmp_corpus / "taxonomy.toml").open("a", encoding="utf-8") as handle:
        handle.write('\n[[topic]]\nid = "zebras"\nlabel_en = "Seaports"\nlabel_fr = "Ports"\naliases = ["seaport"]\n')
    report = index_corpus(tmp_corpus, root)
    assert report.changed == 2
    assert hits(root, "topic:zebras").total > 0


def test_a_broken_taxonomy_is_reported_and_the_previous_one_kept(tmp_corpus, tmp_path):
    root = tmp_path / "index"
    index_corpus(tmp_corpus, root)
    (tmp_corpus / "taxonomy.toml").write_text("[[topic]]\nid = \n", encoding="utf-8")
    report = index_corpus(tmp_corpus, root)
    assert any("taxonomy.toml" in warning for warning in report.warnings)
    assert report.changed == 0
    assert hits(root, "partner:unodc").total > 0


def test_rebuild_swaps_in_a_new_generation_and_drops_the_old(tmp_corpus, tmp_path):
    root = tmp_path / "index"
    index_corpus(tmp_corpus, root)
    old = current_generation(root)
    report = index_corpus(tmp_corpus, root, rebuild=True)
    new = current_generation(root)
    assert report.added == 2 and new.path != old.path
    assert not old.path.exists()
    assert hits(root, "SEACOP").total > 0


def test_two_files_claiming_one_document_id_keep_the_first(tmp_corpus, tmp_path):
    (tmp_corpus / "a.jsonl").write_text('{"id": "x1", "lang": "en", "title": "A", "text": "alpha zebrafish"}\n')
    (tmp_corpus / "b.jsonl").write_text('{"id": "x1", "lang": "en", "title": "B", "text": "beta zebrafish"}\n')
    report = index_corpus(tmp_corpus, tmp_path / "index")
    assert any("x1" in warning and "a.jsonl" in warning for warning in report.warnings)
    result = hits(tmp_path / "index", "zebrafish")
    assert [hit.text for hit in result.results] == ["alpha zebrafish"]


def test_an_index_of_an_older_format_is_refused_then_rebuilt(tmp_corpus, tmp_path):
    import pytest

    from indexer.errors import IndexOutdated

    root = tmp_path / "index"
    index_corpus(tmp_corpus, root)
    current_generation(root).format_path.write_text("1\n")
    with pytest.raises(IndexOutdated):
        open_index(root)
    report = index_corpus(tmp_corpus, root)
    assert report.added == 2 and any("older" in warning for warning in report.warnings)
    assert hits(root, "SEACOP").total > 0


def test_a_big_run_split_with_a_worker_process_indexes_what_one_process_does(tmp_corpus, tmp_path, monkeypatch):
    (tmp_corpus / "broken.docx").write_bytes(b"not a zip")
    (tmp_corpus / "copy.txt").write_text((tmp_corpus / f"{EN}.txt").read_text(encoding="utf-8"), encoding="utf-8")
    alone = index_corpus(tmp_corpus, tmp_path / "alone")
    workers = []
    monkeypatch.setattr(file_reading, "WORKER_MIN_BYTES", 0)
    monkeypatch.setattr(file_reading.subprocess, "Popen", _recording(workers))
    beside = index_corpus(tmp_corpus, tmp_path / "beside")
    assert len(workers) == 1
    assert (beside.added, beside.documents, beside.passages) == (alone.added, alone.documents, alone.passages)
    assert beside.skipped == alone.skipped and [rel for rel, _ in beside.skipped] == ["broken.docx"]
    assert beside.warnings == alone.warnings
    for doc_id in (EN, FR, "copy"):
        assert passage_ids(tmp_path / "beside", doc_id) == passage_ids(tmp_path / "alone", doc_id)
    found = [(h.passage_id, round(h.score, 6)) for h in hits(tmp_path / "beside", "blanchiment OR laundering").results]
    assert found and found == [
        (h.passage_id, round(h.score, 6)) for h in hits(tmp_path / "alone", "blanchiment OR laundering").results
    ]


def test_a_worker_process_that_fails_stops_the_run_and_keeps_the_index(tmp_corpus, tmp_path, monkeypatch):
    root = tmp_path / "index"
    index_corpus(tmp_corpus, root)
    before = passage_ids(root, EN), passage_ids(root, FR)
    (tmp_corpus / f"{EN}.txt").write_text("Zanzibar port security.\n", encoding="utf-8")
    (tmp_corpus / f"{FR}.txt").write_text("Coopération portuaire.\n", encoding="utf-8")
    monkeypatch.setattr(file_reading, "WORKER_MIN_BYTES", 0)
    real = WhooshBackend.preparer
    monkeypatch.setattr(WhooshBackend, "preparer", lambda self: FailingPreparer(real(self)))
    with pytest.raises(file_reading.ReadingFailed, match="ZeroDivisionError"):
        index_corpus(tmp_corpus, root)
    assert (passage_ids(root, EN), passage_ids(root, FR)) == before
    assert hits(root, "Zanzibar").total == 0


def test_a_changed_file_written_by_the_worker_replaces_its_old_passages(tmp_corpus, tmp_path, monkeypatch):
    root = tmp_path / "index"
    index_corpus(tmp_corpus, root)
    monkeypatch.setattr(file_reading, "WORKER_MIN_BYTES", 0)
    text = (tmp_corpus / f"{FR}.txt").read_text(encoding="utf-8")  # the second, written by the worker
    (tmp_corpus / f"{FR}.txt").write_text(text + "\nCoopération portuaire renforcée à Abidjan.\n", encoding="utf-8")
    (tmp_corpus / "a-first.txt").write_text("Port security.\n" * 200, encoding="utf-8")
    index_corpus(tmp_corpus, root)
    index_corpus(tmp_corpus, tmp_path / "fresh")
    assert passage_ids(root, FR) == passage_ids(tmp_path / "fresh", FR)
    assert hits(root, "Abidjan").total == 1
    assert hits(root, "Abidjan").results[0].doc_id == FR


def test_a_document_id_seen_in_an_earlier_file_is_left_out_of_the_workers_part(tmp_corpus, tmp_path, monkeypatch):
    record = '{{"id": "shared", "title": "{0}", "text": "{0} wrote this record about port security."}}\n'
    (tmp_corpus / "a.jsonl").write_text(
        record.format("Alpha") + record.format("Alpha").replace("shared", "alpha") * 60, encoding="utf-8"
    )
    # The last file by name: in the part the worker reads and writes.
    (tmp_corpus / "z.jsonl").write_text(
        record.format("Bravo") + record.format("Bravo").replace("shared", "bravo") * 60, encoding="utf-8"
    )
    monkeypatch.setattr(file_reading, "WORKER_MIN_BYTES", 0)
    workers = []
    monkeypatch.setattr(file_reading.subprocess, "Popen", _recording(workers))
    report = index_corpus(tmp_corpus, tmp_path / "index")
    assert len(workers) == 1
    assert any("z.jsonl" in warning and "'shared'" in warning and "a.jsonl" in warning for warning in report.warnings)
    shared = [hit.text for hit in hits(tmp_path / "index", "wrote").results if hit.doc_id == "shared"]
    assert shared == ["Alpha wrote this record about port security."]
    assert hits(tmp_path / "index", "Bravo").total == 1  # the "bravo" record, not the duplicate


class FailingPreparer:
    """Prepares here, and fails on the first document in the worker process it is pickled into."""

    def __init__(self, real):
        self.real = real
        self.here = os.getpid()

    def __call__(self, document):
        if os.getpid() != self.here:
            return 1 / 0
        return self.real(document)


def _recording(started):
    real = file_reading.subprocess.Popen

    def popen(*args, **kwargs):
        started.append(args)
        return real(*args, **kwargs)

    return popen


def document_info(root, doc_id):
    opened = open_index(root)
    try:
        return opened.backend.get_document(doc_id).info
    finally:
        opened.close()


def test_an_edited_sidecar_is_applied_by_the_next_run(tmp_corpus, tmp_path):
    root = tmp_path / "index"
    index_corpus(tmp_corpus, root)
    sidecar = tmp_corpus / f"{EN}.meta.toml"
    text = sidecar.read_text(encoding="utf-8")
    sidecar.write_text(text.replace("title = ", 'title = "Renamed report"\nold_title = ', 1), encoding="utf-8")
    report = index_corpus(tmp_corpus, root)
    assert (report.changed, report.unchanged) == (1, 1)
    assert document_info(root, EN).title == "Renamed report"
    sidecar.unlink()  # a sidecar that goes takes its metadata with it
    report = index_corpus(tmp_corpus, root)
    assert report.changed == 1 and document_info(root, EN).title != "Renamed report"
    assert index_corpus(tmp_corpus, root).unchanged == 2
