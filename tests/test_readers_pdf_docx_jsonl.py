"""Readers of packaged and bulk formats: PDF, DOCX and JSON Lines, including their unreadable cases."""

from __future__ import annotations

import io
import json

import pytest
from pypdf import PdfReader
from readers_helpers import DATA
from readers_helpers import make_files
from readers_helpers import read_one
from readers_helpers import titles
from readers_helpers import unreadable_reason
from readers_helpers import write

from indexer.errors import UnreadableDocument
from indexer.ingest.readers import read_documents
from indexer.models import Document
from indexer.models import Section

# --- pdf -----------------------------------------------------------------------------------------

PDF_LINES = [
    "Port security",
    "The WeCAPS project strengthens the security of ports in West and",
    "Central Africa and supports port gover-",
    "nance across the region.",
    "Components",
    "• Strengthen the security of port facilities;",
    "• Support port governance: organisation, management.",
    "Check out WeCAPS project sheet",
]


def test_hand_made_pdf_has_text_pypdf_extracts():
    text = PdfReader(io.BytesIO(make_files.make_pdf(["Yaoundé Process"]))).pages[0].extract_text()
    assert "Yaoundé Process" in text


def test_pdf_lines_are_joined_into_paragraphs_under_headings(tmp_path):
    document = read_one(write(tmp_path, "sheet.pdf", make_files.make_pdf(PDF_LINES)))
    assert [(s.title, s.paragraphs) for s in document.sections] == [
        (
            "Port security",
            (
                "The WeCAPS project strengthens the security of ports in West and Central Africa and supports "
                "port governance across the region.",
            ),
        ),
        (
            "Components",
            ("Strengthen the security of port facilities;", "Support port governance: organisation, management."),
        ),
    ]


def test_pdf_title_comes_from_its_metadata(tmp_path):
    path = write(tmp_path, "sheet.pdf", make_files.make_pdf(PDF_LINES, title="WeCAPS project sheet"))
    assert read_one(path).title == "WeCAPS project sheet"


def test_pdf_encrypted_with_an_empty_user_password_is_read(tmp_path):
    data = make_files.encrypt_pdf(make_files.make_pdf(PDF_LINES), user_password="")
    assert titles(read_one(write(tmp_path, "open.pdf", data))) == ["Port security", "Components"]


@pytest.mark.parametrize(
    ("build", "reason"),
    [
        (lambda: b"", "empty file"),
        (lambda: b"Plain text, saved under a .pdf name.\n", "not a PDF"),
        (lambda: make_files.make_pdf(PDF_LINES)[:300], "corrupt PDF"),
        (lambda: b"%PDF-1.4\nthis is not a PDF body", "corrupt PDF"),
        (lambda: make_files.encrypt_pdf(make_files.make_pdf(PDF_LINES), user_password="secret"), "encrypted PDF"),
        (lambda: make_files.make_pdf([]), "no extractable text (scanned PDF?)"),
    ],
    ids=["zero bytes", "text named .pdf", "truncated", "garbage", "encrypted", "no text"],
)
def test_unreadable_pdfs_are_refused(tmp_path, build, reason):
    assert unreadable_reason(write(tmp_path, "bad.pdf", build())).startswith(reason)


# --- docx ----------------------------------------------------------------------------------------


def test_docx_heading_styles_give_sections_and_other_paragraphs_are_paragraphs(tmp_path):
    document = read_one(write(tmp_path, "sheet.docx", make_files.make_docx(title="WeCAPS")))
    assert [(s.title, s.level, s.paragraphs) for s in document.sections] == [
        ("Port security", 1, ("WeCAPS strengthens the security of ports in West Africa.", "Support port governance")),
        ("Components", 2, ("Country | Budget", "Benin | 8.5m")),
    ]


@pytest.mark.parametrize(
    ("title", "core_title", "expected"),
    [
        ("WeCAPS", "WeCAPS core title", "WeCAPS core title"),
        ("WeCAPS", "", "WeCAPS"),
        ("", "", "Port security"),
    ],
)
def test_docx_title_from_properties_then_title_style_then_heading(tmp_path, title, core_title, expected):
    data = make_files.make_docx(title=title, core_title=core_title)
    assert read_one(write(tmp_path, "sheet.docx", data)).title == expected


@pytest.mark.parametrize(
    ("build", "reason"),
    [
        (make_files.make_zip_bomb, "suspicious archive (zip bomb?)"),
        (lambda: b"PK\x03\x04 not really a zip", "corrupt DOCX"),
        (lambda: b"plain text renamed to .docx", "corrupt DOCX"),
        (lambda: make_files.make_zip({"word/other.xml": b"<x/>"}), "corrupt DOCX"),
        (lambda: make_files.make_zip({"word/document.xml": b"<not-a-docx/>"}), "corrupt DOCX"),
    ],
    ids=["zip bomb", "broken zip", "not a zip", "no document.xml", "not a package"],
)
def test_unreadable_docx_files_are_refused(tmp_path, build, reason):
    assert unreadable_reason(write(tmp_path, "bad.docx", build())).startswith(reason)


# --- jsonl ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def records() -> list[Document]:
    return list(read_documents(DATA / "records.jsonl", DATA))


def test_jsonl_ids_are_doc_ids_verbatim(records):
    assert [record.doc_id for record in records] == ["ca:A-0.6:122(1):fr", "eu/2024/wecaps", "x-de"]
    assert {record.path for record in records} == {"records.jsonl"}


def test_jsonl_text_is_split_on_blank_lines_into_one_section_headed_by_the_title(records):
    assert records[0].sections == (Section("Loi sur les douanes", ("Premier alinéa.", "Second alinéa.")),)


@pytest.mark.parametrize(
    ("index", "field", "expected"),
    [
        (0, "title", "Loi sur les douanes"),
        (0, "lang", "fr"),
        (0, "source_url", "https://laws.example.ca/a-0.6"),
        (0, "publisher", ""),
        (1, "lang", "en"),
        (1, "publisher", "Expertise France"),
        (1, "source_url", ""),
        (2, "lang", None),
        (2, "title", "x-de"),
    ],
)
def test_jsonl_record_metadata(records, index, field, expected):
    assert getattr(records[index], field) == expected


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("{not json", "invalid JSON"),
        ('["a list"]', "not a JSON object"),
        ('{"lang": "en", "text": "No id."}', "missing 'id'"),
        ('{"id": "a", "lang": "en"}', "missing 'text'"),
        ('{"id": "a", "text": "   "}', "missing 'text'"),
        ('{"id": "good", "text": "Same id again."}', "duplicate id 'good'"),
    ],
)
def test_jsonl_bad_lines_are_warned_about_and_skipped(tmp_path, line, reason):
    good = json.dumps({"id": "good", "lang": "en", "title": "Good", "text": "Fine."})
    path = write(tmp_path, "dump.jsonl", f"{good}\n\n{line}\n")
    warnings: list[str] = []
    documents = list(read_documents(path, tmp_path, warnings.append))
    assert [document.doc_id for document in documents] == ["good"]
    assert len(warnings) == 1 and warnings[0].startswith(f"dump.jsonl line 3: {reason}")


def test_jsonl_is_streamed_one_record_at_a_time(tmp_path):
    good = json.dumps({"id": "first", "text": "Read before the rest."})
    path = write(tmp_path, "dump.jsonl", good + "\n" + "{broken\n" * 100)
    warnings: list[str] = []
    documents = read_documents(path, tmp_path, warnings.append)
    assert next(documents).doc_id == "first"
    assert warnings == []  # the broken lines have not been read yet
    assert list(documents) == [] and len(warnings) == 100


def test_jsonl_without_a_valid_record_is_unreadable(tmp_path):
    assert unreadable_reason(write(tmp_path, "dump.jsonl", "{broken\n")) == "no valid record"


def test_jsonl_that_is_not_utf8_warns_per_line(tmp_path):
    path = write(tmp_path, "dump.jsonl", '{"id": "x", "text": "caf\xe9"}\n'.encode("latin-1"))
    warnings: list[str] = []
    with pytest.raises(UnreadableDocument):
        list(read_documents(path, tmp_path, warnings.append))
    assert warnings == ["dump.jsonl line 1: not UTF-8"]
