"""A corpus of hostile files, generated here, indexed in one run: each file is indexed when its text
can be recovered, otherwise skipped by name with a clear reason; memory stays bounded; nothing
outside the corpus is read; the rest of the corpus is indexed.

The reader tests (test_readers*.py) check each reader on its own; this checks them together,
through ``index_corpus`` as ``passerelle index`` runs it.
"""

from __future__ import annotations

import json
import os
import tracemalloc
from pathlib import Path

import pytest
from readers_helpers import make_files

from indexer import SearchQuery
from indexer import index_corpus
from indexer import search
from indexer.ingest.language import detect_language
from indexer.ingest.readers import MAX_FILE_BYTES
from indexer.ingest.readers import read_documents
from indexer.ingest.readers.text import MAX_PARAGRAPH_CHARS
from indexer.store import open_index

MB = 1024 * 1024
HUGE_TEXT_BYTES = 50 * MB
# Python allocations during the whole run: reading the 50 MB file whole would pass this on its own,
# and so would inflating the zip bomb (20 MB); the run needs about 6 MB.
MEMORY_BUDGET_BYTES = 16 * MB
PDF_LINES = ["Port security", "The WeCAPS project strengthens the security of ports in West Africa."]

# name -> (a word only that file holds, or None) for files whose text is recoverable
INDEXED = {
    "good.txt": "zebrawood",
    "invalid-utf8.txt": "quokka",
    "utf16-bom.txt": "wombat",
    "latin1.txt": "numbat",
    "scripted.html": "tapir",
    "report ..\\..\\escape.txt": "axolotl",
    "long-line.txt": "pangolin",
}
# name -> words of the reason it is skipped
SKIPPED = {
    "binary.txt": "binary file",
    "empty.txt": "empty file",
    "zero-bytes.pdf": "empty file",
    "truncated.pdf": "corrupt PDF",
    "encrypted.pdf": "encrypted PDF",
    "bomb.docx": "zip bomb",
    "nested.html": "too deeply nested",
    "huge.txt": "too large",
    "outside-link.txt": "outside the corpus",
    "dev-zero.txt": "outside the corpus",
    "caf\udce9.txt": "not valid UTF-8",
    "big-sidecar.txt": "malformed sidecar",
}
NEVER_INDEXED = ("okapi", "kinkajou")  # the file outside the corpus; a script's text


def write_hostile_corpus(corpus: Path) -> Path:
    """Every hostile file of the issue, plus one good document, under ``corpus``; a secret file beside it."""
    corpus.mkdir(parents=True)
    outside = corpus.parent / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("A secret about the okapi.\n", encoding="utf-8")
    files = {
        "good.txt": "Port security cooperation in Lomé protects zebrawood shipments.\n".encode(),
        "invalid-utf8.txt": b"Blanchiment d'argent \xff\xfe au caf\xe9 du port: quokka.\n",
        "utf16-bom.txt": "Coopération douanière et wombat.\n".encode("utf-16"),
        "latin1.txt": "Sécurité portuaire à Cotonou: numbat.\n".encode("latin-1"),
        "scripted.html": b"<html><head><style>p{color:red}</style><script>var w = 'kinkajou';</script></head>"
        b"<body><script>alert('kinkajou')</script><p>Port security and the tapir.</p></body></html>",
        "report ..\\..\\escape.txt": b"A name with dot-dot and backslashes, about the axolotl.\n",
        "long-line.txt": ("pangolin trafficking " * (MAX_PARAGRAPH_CHARS // 10)).encode(),
        "binary.txt": bytes(range(256)) * 64,
        "empty.txt": b"",
        "zero-bytes.pdf": b"",
        "truncated.pdf": make_files.make_pdf(PDF_LINES)[:300],
        "encrypted.pdf": make_files.encrypt_pdf(make_files.make_pdf(PDF_LINES), user_password="secret"),
        "bomb.docx": make_files.make_zip_bomb(),
        "nested.html": b"<div>" * 5000 + b"deep" + b"</div>" * 5000,
    }
    for name, data in files.items():
        (corpus / name).write_bytes(data)
    (corpus / "big-sidecar.txt").write_text("Port security.\n", encoding="utf-8")
    (corpus / "big-sidecar.meta.toml").write_bytes(b"# padding\n" * 200_000)  # 2 MB of comments
    _write_huge_text(corpus / "huge.txt", HUGE_TEXT_BYTES)
    (corpus / "outside-link.txt").symlink_to(outside / "secret.txt")
    (corpus / "dev-zero.txt").symlink_to("/dev/zero")  # read, it would never end
    os.mkfifo(corpus / "pipe.txt")  # opened, it would block forever
    with open(os.path.join(os.fsencode(corpus), b"caf\xe9.txt"), "wb") as handle:  # a Latin-1 name
        handle.write(b"A file whose name is not UTF-8.\n")
    return corpus


def _write_huge_text(path: Path, size: int) -> None:
    block = ("Port security and customs cooperation in the Gulf of Guinea. " * 17 + "\n").encode() * 1000
    with open(path, "wb") as handle:
        for _ in range(size // len(block) + 1):
            handle.write(block)


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    """The hostile corpus indexed once: (report, open index, peak Python memory of the run)."""
    base = tmp_path_factory.mktemp("hostile-files")
    corpus = write_hostile_corpus(base / "corpus")
    # langdetect loads its profiles (about 50 MB) once per process: load them before measuring,
    # so the figure is the run's own whatever ran first.
    detect_language("Port security and customs cooperation in the Gulf of Guinea.")
    tracemalloc.start()
    try:
        report = index_corpus(corpus, base / "index")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    index = open_index(base / "index")
    yield report, index, peak, corpus, base / "index"
    index.close()


def found(index, word: str) -> set[str]:
    """Paths of the documents with a passage holding ``word``."""
    result = search(SearchQuery(text=word, per_page=100, expand=False), index)
    return {index.backend.get_document(hit.doc_id).info.path for hit in result.results}


def test_the_huge_file_is_really_over_the_limit(hostile_run):
    corpus = hostile_run[3]
    assert (corpus / "huge.txt").stat().st_size >= HUGE_TEXT_BYTES > MAX_FILE_BYTES[".txt"]


@pytest.mark.parametrize(("name", "word"), INDEXED.items())
def test_a_file_whose_text_can_be_recovered_is_indexed(hostile_run, name, word):
    report, index, *_ = hostile_run
    assert name not in dict(report.skipped)
    assert found(index, word) == {name}


@pytest.mark.parametrize(("name", "reason"), SKIPPED.items())
def test_an_unreadable_file_is_skipped_by_name_with_its_reason(hostile_run, name, reason):
    skipped = dict(hostile_run[0].skipped)
    shown = name.encode("utf-8", "replace").decode("utf-8")  # a name that is not UTF-8 is shown with "?"
    assert reason in skipped.get(name, skipped.get(shown, "(not skipped)"))


def test_the_recovered_encodings_keep_their_accents(hostile_run):
    index = hostile_run[1]
    texts = {p.text for doc in ("latin1", "utf16-bom") for p in index.backend.get_document(doc).passages}
    assert texts == {"Sécurité portuaire à Cotonou: numbat.", "Coopération douanière et wombat."}


def test_nothing_outside_the_corpus_nor_inside_a_script_is_indexed(hostile_run):
    for word in NEVER_INDEXED:
        assert found(hostile_run[1], word) == set()


def test_a_one_line_dump_is_cut_into_bounded_passages(hostile_run):
    passages = hostile_run[1].backend.get_document("long-line").passages
    assert len(passages) > 1 and max(len(p.text) for p in passages) <= MAX_PARAGRAPH_CHARS


def test_the_pipe_is_neither_read_nor_indexed(hostile_run):
    report, index, *_ = hostile_run
    assert "pipe" not in index.backend.doc_ids()
    assert report.added == len(INDEXED)


def test_memory_stays_bounded_while_indexing_the_hostile_corpus(hostile_run):
    assert hostile_run[2] < MEMORY_BUDGET_BYTES, f"peak {hostile_run[2] / MB:.1f} MB"


def test_a_second_run_skips_the_same_files_and_keeps_every_document(hostile_run):
    report, index, _, corpus, index_root = hostile_run
    again = index_corpus(corpus, index_root)
    assert dict(again.skipped) == dict(report.skipped)
    assert again.unchanged == len(INDEXED) and again.added == again.changed == again.removed == 0


def test_a_file_outside_the_corpus_is_refused_before_a_byte_is_hashed(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.txt").write_text("Port security.\n", encoding="utf-8")
    (corpus / "dev-zero.txt").symlink_to("/dev/zero")
    hashed = []
    monkeypatch.setattr("indexer.ingest.reading.file_sha256", lambda path: hashed.append(path.name) or "0" * 64)
    index_corpus(corpus, tmp_path / "index")
    assert hashed == ["good.txt"]


def test_an_over_long_jsonl_record_is_skipped_and_the_others_are_read(tmp_path, monkeypatch):
    monkeypatch.setattr("indexer.ingest.readers.jsonl.MAX_RECORD_BYTES", 1024)
    records = [{"id": "a", "text": "Okra."}, {"id": "b", "text": "walrus " * 500}, {"id": "c", "text": "Quince."}]
    path = tmp_path / "records.jsonl"
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    warnings = []
    documents = list(read_documents(path, tmp_path, warn=warnings.append))
    assert [document.doc_id for document in documents] == ["a", "c"]
    assert warnings == ["records.jsonl line 2: longer than 1,024 bytes"]
