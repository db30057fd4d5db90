"""Readers: every corpus format to Documents, the real captures, metadata, and every unreadable case."""

from __future__ import annotations

import codecs
import importlib.util
import io
import json
from pathlib import Path

import pytest
from pypdf import PdfReader

from indexer.errors import UnreadableDocument
from indexer.models import Document
from indexer.models import Section
from indexer.readers import SUPPORTED_SUFFIXES
from indexer.readers import read_documents
from indexer.readers.text import is_heading

DATA = Path(__file__).parent / "data" / "readers"
CORPUS = Path(__file__).parent.parent / "corpus"
ENGLISH = CORPUS / "expertise-france-global-threats-organised-crime.txt"
FRENCH = CORPUS / "pfig-partenaires-flux-illicites-globaux.txt"


def _load_make_files():
    # Loaded by path: tests/ is not a package, and the helper must not depend on how pytest sets sys.path.
    spec = importlib.util.spec_from_file_location("readers_make_files", DATA / "make_files.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_files = _load_make_files()


def read_one(path: Path, root: Path | None = None, warn=None) -> Document:
    documents = list(read_documents(path, root or path.parent, warn))
    assert len(documents) == 1
    return documents[0]


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def paragraphs(document: Document) -> list[str]:
    return [paragraph for section in document.sections for paragraph in section.paragraphs]


def titles(document: Document) -> list[str]:
    return [section.title for section in document.sections]


def section(document: Document, title: str) -> Section:
    return next(section for section in document.sections if section.title == title)


def unreadable_reason(path: Path, root: Path | None = None) -> str:
    with pytest.raises(UnreadableDocument) as raised:
        list(read_documents(path, root or path.parent))
    return raised.value.reason


@pytest.fixture(scope="module")
def english() -> Document:
    return read_one(ENGLISH, CORPUS)


@pytest.fixture(scope="module")
def french() -> Document:
    return read_one(FRENCH, CORPUS)


# --- the public interface -------------------------------------------------------------------------


def test_supported_suffixes_are_the_documented_ones():
    assert SUPPORTED_SUFFIXES == {".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx", ".jsonl"}


def test_doc_id_is_the_relative_path_without_suffix(tmp_path):
    path = write(tmp_path, "reports/2024/wecaps-sheet.txt", "WeCAPS secures ports.\n")
    document = read_one(path, tmp_path)
    assert (document.doc_id, document.path) == ("reports/2024/wecaps-sheet", "reports/2024/wecaps-sheet.txt")


def test_unsupported_suffix_is_unreadable(tmp_path):
    assert "unsupported" in unreadable_reason(write(tmp_path, "notes.rtf", "{\\rtf1 hello}"))


def test_symlink_leading_outside_the_corpus_is_refused(tmp_path):
    secret = write(tmp_path, "outside/secret.txt", "Not part of the corpus.\n")
    root = tmp_path / "corpus"
    root.mkdir()
    (root / "link.txt").symlink_to(secret)
    assert "outside the corpus" in unreadable_reason(root / "link.txt", root)


def test_path_outside_root_is_refused(tmp_path):
    path = write(tmp_path, "elsewhere.txt", "Not part of the corpus.\n")
    (tmp_path / "corpus").mkdir()
    assert "outside the corpus" in unreadable_reason(path, tmp_path / "corpus")


def test_symlink_inside_the_corpus_is_read_under_its_own_name(tmp_path):
    target = write(tmp_path, "real/wecaps.txt", "WeCAPS secures ports.\n")
    (tmp_path / "alias.txt").symlink_to(target)
    assert read_one(tmp_path / "alias.txt", tmp_path).doc_id == "alias"


# --- the real corpus: English capture ------------------------------------------------------------


def test_english_capture_drops_the_print_button(english):
    assert "print" not in [text.casefold() for text in paragraphs(english) + titles(english)]


@pytest.mark.parametrize(
    "label",
    [
        "Check out SEACOP V project sheet",
        "Check out AML-CFT project sheet",
        "Check out EL PAcCTO project sheet and the project's website",
        "Check out WeCAPS project sheet",
        "Last publications",
    ],
)
def test_english_capture_drops_link_labels(english, label):
    assert label not in paragraphs(english) + titles(english)


@pytest.mark.parametrize("fragment", ["More specifically, SEACOP V aims to", "The objectives are to :"])
def test_sentence_fragments_are_paragraphs_not_headings(english, fragment):
    assert fragment in paragraphs(english)
    assert fragment not in titles(english)


@pytest.mark.parametrize(
    "title",
    [
        "Some examples of projects",
        "SEACOP V - Seaport Cooperation Project",
        "EU Global Facility on Anti-Money Laundering and Countering the Financing of Terrorism (GF-AML/CFT)",
        "EL PAcCTO - Programme of assistance against transnational organised crime in Latin America",
        "WeCAPS – Western and Central Africa Port Security",
    ],
)
def test_project_titles_start_sections(english, title):
    assert title in titles(english)


def test_wecaps_bullets_are_paragraphs_of_their_section_without_the_bullet(english):
    wecaps = section(english, "WeCAPS – Western and Central Africa Port Security")
    assert "Support port governance: organisation, management, regulation;" in wecaps.paragraphs
    assert not any(text.startswith("•") for text in paragraphs(english))


def test_numbered_objectives_are_paragraphs_without_the_number(english):
    facility = section(english, titles(english)[3])
    assert "To strengthen the AML/CFT legislative, regulatory and policy framework." in facility.paragraphs


def test_english_capture_keeps_typographic_apostrophes(english):
    assert any("Expertise France’s work" in text for text in paragraphs(english))


def test_english_capture_replaces_no_break_spaces(english):
    assert not any("\u00a0" in text for text in paragraphs(english))
    assert any("regional curricula" in text for text in paragraphs(english))


def test_english_capture_title_is_its_first_heading(english):
    assert english.title == "Global threats and organised crime"


# --- the real corpus: French capture -------------------------------------------------------------


def test_french_capture_has_one_paragraph_per_line(french):
    lines = [line for line in FRENCH.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(paragraphs(french)) == len(lines)


def test_a_title_like_line_inside_a_run_of_paragraphs_is_not_a_section(french):
    # The partner name leads only its own paragraph; as a section it would tag RUSI, ONUDC, OMD...
    assert titles(french) == [""]
    assert "Les services répressifs de plusieurs États membres de l’Union européenne" in paragraphs(french)


def test_a_title_like_line_opening_a_block_is_a_section(tmp_path):
    (tmp_path / "a.txt").write_text("Objectives\n• Train customs officers.\n• Equip ports.\n", encoding="utf-8")
    (doc,) = read_documents(tmp_path / "a.txt", tmp_path)
    assert [s.title for s in doc.sections] == ["Objectives"]


# --- the heading heuristic -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Some examples of projects", True),
        ("2024 annual report", True),
        ("WeCAPS – Western and Central Africa Port Security", True),
        ("More specifically, SEACOP V aims to", False),
        ("The objectives are to :", False),
        ("The project has three specific objectives:", False),
        ("1) To strengthen the AML/CFT framework", False),
        ("2. Port governance", False),
        ("• Support port governance", False),
        ("- Support port governance", False),
        ("€5m (European Union)", False),
        ("lowercase start is a fragment", False),
        ("Print", False),
        ("La coopération des services de", False),
        ("A very long line " + "with many words " * 8, False),
    ],
)
def test_heading_heuristic(line, expected):
    assert is_heading(line) is expected


# --- plain text ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoded", "name"),
    [
        ("Coopération portuaire à Yaoundé\n".encode("latin-1"), "latin-1"),
        ("Coopération portuaire à Yaoundé – l’État\n".encode("cp1252"), "cp1252"),
        (codecs.BOM_UTF8 + "Coopération portuaire à Yaoundé\n".encode("utf-8"), "utf-8 with BOM"),
        ("Coopération portuaire à Yaoundé\n".encode("utf-16"), "utf-16 with BOM"),
        (codecs.BOM_UTF16_BE + "Coopération portuaire à Yaoundé\n".encode("utf-16-be"), "utf-16-be with BOM"),
    ],
)
def test_text_encodings_are_decoded(tmp_path, encoded, name):
    document = read_one(write(tmp_path, "port.txt", encoded))
    assert document.sections[0].title.startswith("Coopération portuaire à Yaoundé"), name


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty file"),
        (b"  \n\n\t \n", "empty file"),
        ("\u00a0\n".encode("utf-8"), "empty file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01", "binary file, not text"),
        (bytes(range(1, 32)) * 10, "binary file, not text"),
    ],
)
def test_text_that_is_not_readable_is_refused(tmp_path, content, reason):
    assert unreadable_reason(write(tmp_path, "bad.txt", content)) == reason


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("capture.txt", "Pourquoi\u202f? Parce que\u00a0les ports comptent.\n"),
        ("note.md", "Pourquoi\u202f? Parce que\u00a0les ports comptent.\n"),
        ("page.html", "<p>Pourquoi&#8239;? Parce que&nbsp;les ports comptent.</p>"),
        ("dump.jsonl", json.dumps({"id": "1", "text": "Pourquoi\u202f? Parce que\u00a0les ports comptent."})),
    ],
)
def test_no_break_spaces_become_plain_spaces(tmp_path, name, content):
    assert paragraphs(read_one(write(tmp_path, name, content))) == ["Pourquoi ? Parce que les ports comptent."]


def test_hard_wrapped_text_joins_lines_of_a_block(tmp_path):
    text = (
        "Port security in the Gulf of Guinea\n\n"
        "The WeCAPS project strengthens the security and safety of ports\n"
        "in West and Central Africa and supports their integration into the\n"
        "maritime strategy of the European Union for the Gulf of Guinea.\n"
    )
    document = read_one(write(tmp_path, "wrapped.txt", text))
    assert document.sections[0].title == "Port security in the Gulf of Guinea"
    assert document.sections[0].paragraphs == (
        "The WeCAPS project strengthens the security and safety of ports in West and Central Africa and "
        "supports their integration into the maritime strategy of the European Union for the Gulf of Guinea.",
    )


def test_text_before_the_first_heading_has_an_untitled_section(tmp_path):
    text = "This capture starts with a sentence.\n\nPort Security\nPorts are secured.\n"
    document = read_one(write(tmp_path, "capture.txt", text))
    assert titles(document) == ["", "Port Security"]


def test_title_falls_back_to_the_file_name(tmp_path):
    document = read_one(write(tmp_path, "wecaps_port-security.txt", "Ports are secured.\n"))
    assert document.title == "wecaps port security"


def test_text_of_nothing_but_noise_is_refused(tmp_path):
    assert "no text" in unreadable_reason(write(tmp_path, "menu.txt", "print\nshare\nLast publications\n"))


# --- markdown ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def markdown_document() -> Document:
    return read_one(DATA / "sample.md")


def test_markdown_headings_give_sections_with_levels(markdown_document):
    assert [(s.title, s.level) for s in markdown_document.sections] == [
        ("Western and Central Africa Port Security", 1),
        ("Components", 2),
    ]


def test_markdown_inline_markup_is_reduced_to_text(markdown_document):
    assert markdown_document.sections[0].paragraphs == (
        "WeCAPS strengthens the security of ports in West and Central Africa.",
    )


def test_markdown_nested_list_items_and_table_rows_are_paragraphs(markdown_document):
    assert section(markdown_document, "Components").paragraphs == (
        "Support port governance: organisation, management, regulation;",
        "Assist civil security:",
        "prevention and risk management;",
        "handling of hazardous materials.",
        "Country | Budget",
        "Benin | 8.5m",
    )


def test_markdown_code_blocks_and_link_labels_are_skipped(markdown_document):
    assert not any("print(" in text or "Check out" in text for text in paragraphs(markdown_document))


def test_markdown_front_matter_gives_metadata(markdown_document):
    assert (markdown_document.title, markdown_document.lang) == ("WeCAPS in short", "en")
    assert (markdown_document.publisher, markdown_document.tags) == ("Expertise France", ("wecaps",))


def test_markdown_title_is_the_first_level_one_heading_without_front_matter(tmp_path):
    path = write(tmp_path, "note.markdown", "Intro text.\n\n## Detail\n\nMore.\n\n# Main title\n\nBody.\n")
    assert read_one(path).title == "Main title"


def test_malformed_front_matter_is_unreadable(tmp_path):
    path = write(tmp_path, "bad.md", "---\ntitle: [unclosed\n---\n# Heading\n")
    assert "front matter" in unreadable_reason(path)


# --- html ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def html_document() -> Document:
    return read_one(DATA / "sample.html")


def test_html_headings_give_sections_in_order(html_document):
    assert [(s.title, s.level) for s in html_document.sections] == [
        ("Les partenaires du programme", 1),
        ("CIVIPOL", 2),
    ]


def test_html_paragraphs_include_loose_text_list_items_quotes_and_table_rows(html_document):
    assert paragraphs(html_document) == [
        "Le programme est mis en œuvre par huit partenaires.",
        "Texte libre dans un bloc",
        "Un paragraphe imbriqué.",
        "Opérateur de coopération technique",
        "Une citation de l’équipe.",
        "Pays | Budget",
        "Bénin | 8,5 M€",
    ]


@pytest.mark.parametrize(
    "furniture", ["not content", "Site header", "Menu item", "Rechercher", "Related links", "Footer", "color"]
)
def test_html_page_furniture_is_removed(html_document, furniture):
    assert not any(furniture in text for text in paragraphs(html_document) + titles(html_document))


def test_html_title_and_language_come_from_the_page(html_document):
    assert (html_document.title, html_document.lang) == ("Flux illicites : les partenaires", "fr")


def test_html_title_falls_back_to_the_first_h1(tmp_path):
    path = write(tmp_path, "page.htm", "<html><body><h2>Minor</h2><h1>Main</h1><p>Body.</p></body></html>")
    assert read_one(path).title == "Main"


def test_deeply_nested_html_is_unreadable(tmp_path):
    path = write(tmp_path, "deep.html", "<div>" * 5000 + "text" + "</div>" * 5000)
    assert unreadable_reason(path) == "HTML too deeply nested"


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
        (lambda: b"", "corrupt PDF"),
        (lambda: make_files.make_pdf(PDF_LINES)[:300], "corrupt PDF"),
        (lambda: b"%PDF-1.4\nthis is not a PDF body", "corrupt PDF"),
        (lambda: make_files.encrypt_pdf(make_files.make_pdf(PDF_LINES), user_password="secret"), "encrypted PDF"),
        (lambda: make_files.make_pdf([]), "no extractable text (scanned PDF?)"),
    ],
    ids=["zero bytes", "truncated", "garbage", "encrypted", "no text"],
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


# --- metadata ------------------------------------------------------------------------------------

SIDECAR = """
title = "WeCAPS project sheet"
lang = "en"
publisher = "Expertise France"
source_url = "https://www.expertisefrance.fr/en/wecaps"
tags = ["wecaps", "port-security"]
"""


def test_sidecar_sets_every_field(tmp_path):
    path = write(tmp_path, "wecaps.txt", "Ports are secured.\n")
    write(tmp_path, "wecaps.meta.toml", SIDECAR)
    document = read_one(path)
    assert (document.title, document.lang, document.publisher) == ("WeCAPS project sheet", "en", "Expertise France")
    assert (document.source_url, document.tags) == ("https://www.expertisefrance.fr/en/wecaps", ("wecaps", "port-security"))


def test_sidecar_wins_over_front_matter_key_by_key(tmp_path):
    path = write(tmp_path, "note.md", "---\ntitle: From front matter\nlang: fr\npublisher: CIVIPOL\n---\nBody.\n")
    write(tmp_path, "note.meta.toml", 'title = "From sidecar"\n')
    document = read_one(path)
    assert (document.title, document.lang, document.publisher) == ("From sidecar", "fr", "CIVIPOL")


def test_sidecar_language_wins_over_html_lang(tmp_path):
    path = write(tmp_path, "page.html", '<html lang="fr"><body><p>Bonjour.</p></body></html>')
    write(tmp_path, "page.meta.toml", 'lang = "en"\n')
    assert read_one(path).lang == "en"


def test_sidecar_title_wins_over_the_first_heading(tmp_path):
    write(tmp_path, "capture.txt", ENGLISH.read_bytes())
    write(tmp_path, "capture.meta.toml", 'title = "Organised crime"\n')
    assert read_one(tmp_path / "capture.txt").title == "Organised crime"


@pytest.mark.parametrize(
    ("sidecar", "warning"),
    [
        ('colour = "blue"\n', "unknown metadata key 'colour'"),
        ('lang = "de"\n', "lang 'de' is not one of en, fr"),
        ('tags = "wecaps"\n', "'tags' should be a list"),
    ],
)
def test_sidecar_problems_are_warned_about_and_ignored(tmp_path, sidecar, warning):
    path = write(tmp_path, "wecaps.txt", "Ports are secured.\n")
    write(tmp_path, "wecaps.meta.toml", sidecar)
    warnings: list[str] = []
    document = read_one(path, warn=warnings.append)
    assert (document.lang, document.tags) == (None, ())
    assert len(warnings) == 1 and warnings[0].startswith("wecaps.meta.toml: ") and warning in warnings[0]


def test_malformed_sidecar_is_unreadable_and_named(tmp_path):
    path = write(tmp_path, "sub/wecaps.txt", "Ports are secured.\n")
    write(tmp_path, "sub/wecaps.meta.toml", "title = \n")
    with pytest.raises(UnreadableDocument) as raised:
        list(read_documents(path, tmp_path))
    assert raised.value.path == "sub/wecaps.meta.toml"


def test_sidecar_defaults_apply_to_jsonl_records_except_the_title(tmp_path):
    path = write(tmp_path, "dump.jsonl", json.dumps({"id": "r1", "text": "Body."}) + "\n")
    write(tmp_path, "dump.meta.toml", 'title = "Whole dump"\npublisher = "Justice Laws"\nlang = "fr"\n')
    document = read_one(path)
    assert (document.title, document.publisher, document.lang) == ("r1", "Justice Laws", "fr")


def test_sidecar_symlink_outside_the_corpus_is_refused(tmp_path):
    root = tmp_path / "corpus"
    path = write(root, "wecaps.txt", "Ports are secured.\n")
    (root / "wecaps.meta.toml").symlink_to(write(tmp_path, "elsewhere.toml", 'title = "x"\n'))
    assert "outside the corpus" in unreadable_reason(path, root)
