"""Passages of a PDF know the page of the original they are on, so a hit can be cited by its page."""

from __future__ import annotations

import io
import json

from pypdf import PdfReader
from pypdf import PdfWriter
from readers_helpers import make_files
from readers_helpers import read_one
from readers_helpers import write

from indexer.cli import main
from indexer.ingest.pipeline import index_corpus
from indexer.models import SearchQuery
from indexer.search import search
from indexer.store import open_index

FIRST_PAGE = ["Port security", "Harbour masters inspected every container landed at the quay."]
SECOND_PAGE = ["Customs training", "Customs officers learned to profile smuggled cocaine shipments."]


def pdf_of_pages(*pages: list[str]) -> bytes:
    """A PDF with one page per list of lines (each page drawn by the hand-made one-page PDF)."""
    writer = PdfWriter()
    for lines in pages:
        writer.add_page(PdfReader(io.BytesIO(make_files.make_pdf(lines))).pages[0])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_each_pdf_paragraph_keeps_its_page(tmp_path):
    document = read_one(write(tmp_path, "report.pdf", pdf_of_pages(FIRST_PAGE, SECOND_PAGE)))
    pages = {paragraph: page for s in document.sections for paragraph, page in zip(s.paragraphs, s.pages)}
    assert pages == {FIRST_PAGE[1]: 1, SECOND_PAGE[1]: 2}


def test_hits_from_a_pdf_carry_their_page_and_others_none(tmp_path, runner):
    corpus = tmp_path / "corpus"
    write(corpus, "report.pdf", pdf_of_pages(FIRST_PAGE, SECOND_PAGE))
    write(corpus, "notes.txt", "Customs officers seized cocaine in a container at the quay.\n")
    index_corpus(corpus, tmp_path / "index")
    opened = open_index(tmp_path / "index")
    try:
        hits = search(SearchQuery("cocaine OR container", per_page=10), opened).results
        document = opened.document("report")
    finally:
        opened.close()
    assert {(hit.doc_id, hit.text): hit.page for hit in hits} == {
        ("report", FIRST_PAGE[1]): 1,
        ("report", SECOND_PAGE[1]): 2,
        ("notes", "Customs officers seized cocaine in a container at the quay."): 0,
    }
    assert [passage.page for passage in document.passages] == [1, 2]
    shown = runner.invoke(main, ["search", "--index", str(tmp_path / "index"), "profile smuggled"]).output
    assert "p. 2" in shown
    data = json.loads(runner.invoke(main, ["search", "--index", str(tmp_path / "index"), "--json", "harbour"]).output)
    assert data["results"][0]["page"] == 1
