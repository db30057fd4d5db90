"""Documents that cost far more than their size (issue 27): each is refused by name or read at a
sane cost, and the run goes on with the other files. Limits are lowered by the tests through the
module constants, so every file here is small."""

from __future__ import annotations

import io
import random
import threading
import zipfile
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path

import docx
import pytest
from docx.parts.document import DocumentPart
from pypdf import PdfReader
from pypdf import PdfWriter
from readers_helpers import make_files
from readers_helpers import unreadable_reason

from indexer import SearchQuery
from indexer import index_corpus
from indexer import search
from indexer.errors import UnreadableDocument
from indexer.ingest import sandbox
from indexer.ingest.readers import read_documents
from indexer.ingest.readers import text as text_reader
from indexer.models import Document
from indexer.models import Section
from indexer.store import open_index

MB = 1024 * 1024
RUN_DEADLINE_SECONDS = 60
_RELEASE_HUNG_READER = threading.Event()


def docx_with_body(body_xml: str) -> bytes:
    """A DOCX made by python-docx whose body is ``body_xml`` (WordprocessingML paragraphs)."""
    base = io.BytesIO()
    docx.Document().save(base)
    out = io.BytesIO()
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            data = source.read(member.filename)
            if member.filename == "word/document.xml":
                head = data.decode("utf-8").partition("<w:body>")[0]
                data = f"{head}<w:body>{body_xml}<w:sectPr/></w:body></w:document>".encode()
            target.writestr(member, data)
    return out.getvalue()


def paragraph(text: str = "", style: str = "") -> str:
    style_xml = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    return f'<w:p>{style_xml}<w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>' if text else "<w:p/>"


def wordy_paragraphs(paragraphs: int, runs: int) -> str:
    """Paragraphs of many one-word runs: megabytes of XML that compress about 50 times (under the zip-bomb ratio)."""
    pick = random.Random(27).choice
    words = ("port", "douane", "cargo", "quai", "navire", "fret", "audit", "risque")
    run = '<w:r><w:t xml:space="preserve">{} </w:t></w:r>'
    return "".join(
        "<w:p>" + "".join(run.format(pick(words)) for _ in range(runs)) + "</w:p>" for _ in range(paragraphs)
    )


def two_page_pdf(first: str, second: str) -> bytes:
    writer = PdfWriter()
    for line in (first, second):
        writer.add_page(PdfReader(io.BytesIO(make_files.make_pdf([line]))).pages[0])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def corpus_with(tmp_path: Path, files: dict[str, bytes]) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.txt").write_text("Okapi sightings near the port of Cotonou.\n", encoding="utf-8")
    for name, data in files.items():
        (corpus / name).write_bytes(data)
    return corpus


def found(index_root: Path, word: str) -> set[str]:
    index = open_index(index_root)
    try:
        return {hit.doc_id for hit in search(SearchQuery(text=word, expand=False), index).results}
    finally:
        index.close()


def test_a_docx_of_many_empty_paragraphs_looks_each_style_up_once(tmp_path, monkeypatch):
    # python-docx searched the styles part twice per paragraph: a million empty paragraphs took 13 minutes.
    lookups = []
    real = DocumentPart.get_style
    monkeypatch.setattr(DocumentPart, "get_style", lambda self, *args: lookups.append(args) or real(self, *args))
    body = paragraph("Port security", "Heading1") + paragraph() * 3000 + paragraph("Customs cooperation.")
    path = tmp_path / "empty.docx"
    path.write_bytes(docx_with_body(body))
    (document,) = read_documents(path, tmp_path)
    assert document.sections == (Section("Port security", ("Customs cooperation.",), 1),)
    assert len(lookups) <= 2, f"{len(lookups)} style lookups for 3002 paragraphs of 2 styles"


def test_a_docx_over_the_element_cap_is_refused_by_name_and_the_run_goes_on(tmp_path, monkeypatch):
    monkeypatch.setattr(text_reader, "MAX_ELEMENTS", 500)  # sent to the child that reads the DOCX
    corpus = corpus_with(tmp_path, {"crowded.docx": docx_with_body(paragraph("Walrus.") * 600)})
    report = index_corpus(corpus, tmp_path / "index")
    assert "more than 500 elements" in dict(report.skipped)["crowded.docx"]
    assert found(tmp_path / "index", "okapi") == {"good"}


def test_a_docx_whose_xml_needs_more_memory_than_its_limit_is_refused_and_the_run_goes_on(tmp_path, monkeypatch):
    monkeypatch.setattr(sandbox, "MEMORY_FLOOR_BYTES", 24 * MB)
    monkeypatch.setattr(sandbox, "MEMORY_PER_BYTE", 4)
    inflating = docx_with_body(wordy_paragraphs(100, 3000))  # about 15 MB of XML in 0.3 MB
    corpus = corpus_with(tmp_path, {"inflating.docx": inflating, "plain.docx": make_files.make_docx()})
    report = index_corpus(corpus, tmp_path / "index")
    budget = sandbox.memory_budget(len(inflating))
    assert budget < 30 * MB
    assert dict(report.skipped) == {"inflating.docx": f"needs more than {budget // MB} MB to read"}
    assert found(tmp_path / "index", "okapi") == {"good"}
    assert found(tmp_path / "index", "WeCAPS") == {"plain"}  # a DOCX within its limit is read


def test_an_html_file_over_the_element_cap_is_refused_by_name(tmp_path, monkeypatch):
    monkeypatch.setattr(text_reader, "MAX_ELEMENTS", 100)
    path = tmp_path / "crowded.html"
    path.write_text("<html><body>" + "<p>Walrus.</p>" * 150 + "</body></html>", encoding="utf-8")
    assert unreadable_reason(path) == text_reader.too_many_elements()
    assert "more than 100 elements" in text_reader.too_many_elements()


def read_or_hang(path: Path, root: Path, warn) -> list[Document]:
    """``read_documents``, except that a PDF never comes back (in the child that reads it)."""
    if path.suffix == ".pdf":
        _RELEASE_HUNG_READER.wait()  # set by the test only when the reader was not run in a child
        raise UnreadableDocument(path.name, "released by the test")
    return list(read_documents(path, root, warn))


def test_a_reader_that_hangs_is_stopped_after_its_time_and_the_run_goes_on(tmp_path, monkeypatch):
    monkeypatch.setattr("indexer.ingest.reading.read_documents", read_or_hang)  # goes to the child by name
    monkeypatch.setattr(sandbox, "SECONDS_FLOOR", 1.0)
    monkeypatch.setattr(sandbox, "SECONDS_PER_MB", 0.0)
    corpus = corpus_with(tmp_path, {"stuck.pdf": make_files.make_pdf(["Narwhal."])})
    with ThreadPoolExecutor(1) as pool:
        run = pool.submit(index_corpus, corpus, tmp_path / "index")
        try:
            report = run.result(timeout=RUN_DEADLINE_SECONDS)
        except FutureTimeout:
            _RELEASE_HUNG_READER.set()
            pytest.fail(f"the run still waited on the hung reader after {RUN_DEADLINE_SECONDS} s")
    assert dict(report.skipped) == {"stuck.pdf": "took longer than 1 s to read"}
    assert found(tmp_path / "index", "okapi") == {"good"}


def test_a_pdf_of_two_pages_of_one_short_line_gives_passages(tmp_path):
    # Each page's line looks like a heading; a document of headings only once gave 0 passages.
    corpus = corpus_with(
        tmp_path, {"short.pdf": two_page_pdf("Port security in Cotonou", "Customs cooperation in Dakar")}
    )
    report = index_corpus(corpus, tmp_path / "index")
    assert not report.skipped and report.passages == 3
    assert found(tmp_path / "index", "Dakar") == {"short"}


def noise_only(path: Path, root: Path, warn) -> list[Document]:
    return [Document(doc_id="menu", path=path.name, title="Menu", sections=(Section("", ("Print",), 1),))]


def test_a_document_read_without_a_passage_is_warned_by_name(tmp_path, monkeypatch):
    monkeypatch.setattr("indexer.ingest.reading.read_documents", noise_only)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "menu.txt").write_text("Print\n", encoding="utf-8")
    report = index_corpus(corpus, tmp_path / "index")
    assert any(warning.startswith("menu.txt: 'menu' gives no passage") for warning in report.warnings)


def test_only_risky_files_go_to_a_child_process_and_one_child_reads_them_all(tmp_path, monkeypatch):
    started = []
    real = sandbox._Child
    monkeypatch.setattr(sandbox, "_idle", sandbox._IdleChildren())  # no child left idle by another test
    monkeypatch.setattr(sandbox, "_Child", lambda: started.append(1) or real())
    corpus = corpus_with(
        tmp_path,
        {
            "notes.md": b"# Port\n\nCustoms.\n",
            "page.html": b"<p>Quay.</p>",
            "one.pdf": make_files.make_pdf(["Narwhal sightings."]),
            "two.pdf": make_files.make_pdf(["Walrus sightings."]),
        },
    )
    (corpus / "records.jsonl").write_text('{"id": "r1", "text": "Dugong."}\n', encoding="utf-8")
    try:
        report = index_corpus(corpus, tmp_path / "index")
    finally:
        sandbox._idle.end_all()
    assert report.added == 6 and not report.skipped
    assert started == [1]
