"""Readers: every corpus format to Documents, the real captures, metadata, and every unreadable case."""

from __future__ import annotations

import codecs
import json

import pytest
from readers_helpers import CORPUS
from readers_helpers import DATA
from readers_helpers import ENGLISH
from readers_helpers import FRENCH
from readers_helpers import paragraphs
from readers_helpers import read_one
from readers_helpers import section
from readers_helpers import titles
from readers_helpers import unreadable_reason
from readers_helpers import write

from indexer.errors import UnreadableDocument
from indexer.ingest.readers import SUPPORTED_SUFFIXES
from indexer.ingest.readers import read_documents
from indexer.ingest.readers.text import is_heading
from indexer.models import Document


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
        (codecs.BOM_UTF8 + "Coopération portuaire à Yaoundé\n".encode(), "utf-8 with BOM"),
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
    assert (document.source_url, document.tags) == (
        "https://www.expertisefrance.fr/en/wecaps",
        ("wecaps", "port-security"),
    )


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
