"""Documents dated as analysts cite them: where each date comes from, partial dates, sorting and filtering by date."""

from __future__ import annotations

import io
import json
import os
from datetime import UTC
from datetime import datetime

import docx
import pytest
from docx.oxml.ns import qn
from pypdf import PdfReader
from pypdf import PdfWriter
from readers_helpers import make_files
from readers_helpers import read_one
from readers_helpers import write

from indexer.cli import main
from indexer.errors import BadParameter
from indexer.ingest.pipeline import index_corpus
from indexer.ingest.readers import read_documents
from indexer.models import SearchQuery
from indexer.search import search
from indexer.store import open_index

TEXT = "Customs officers of the port seized cocaine hidden in a container of bananas.\n"
XMP = """<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
{body}
</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="r"?>"""


def dated(document) -> tuple[str, str]:
    return document.date, document.date_source


def pdf_with(info: dict | None = None, xmp: str | None = None) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_files.make_pdf(["Port security", TEXT.strip()]))))
    if info:
        writer.add_metadata(info)
    if xmp:
        writer.xmp_metadata = XMP.format(body=xmp).encode()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def docx_with(created: datetime | None, modified: datetime | None = None) -> bytes:
    document = docx.Document()
    properties = document.core_properties
    for name, value in (("created", created), ("modified", modified)):
        if value is None:  # python-docx cannot unset one: its element goes
            for element in properties._element.findall(qn(f"dcterms:{name}")):
                properties._element.remove(element)
        else:
            setattr(properties, name, value)
    document.add_paragraph(TEXT.strip())
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# --- where a date comes from ---------------------------------------------------------------------


def test_a_sidecar_dates_its_document(tmp_path):
    write(tmp_path, "report.meta.toml", 'date = "2023-05-04"\n')
    assert dated(read_one(write(tmp_path, "report.txt", TEXT))) == ("2023-05-04", "sidecar")


def test_an_unquoted_toml_date_in_a_sidecar_is_read(tmp_path):
    write(tmp_path, "report.meta.toml", "date = 2023-05-04\n")
    assert dated(read_one(write(tmp_path, "report.txt", TEXT))) == ("2023-05-04", "sidecar")


def test_markdown_front_matter_dates_its_document(tmp_path):
    path = write(tmp_path, "report.md", f"---\ndate: 2022-11-30\n---\n# Report\n\n{TEXT}")
    assert dated(read_one(path)) == ("2022-11-30", "document")


def test_the_sidecar_date_comes_before_the_front_matter_date(tmp_path):
    write(tmp_path, "report.meta.toml", 'date = "2021"\n')
    path = write(tmp_path, "report.md", f"---\ndate: 2022-11-30\n---\n# Report\n\n{TEXT}")
    assert dated(read_one(path)) == ("2021", "sidecar")


@pytest.mark.parametrize(
    "head",
    [
        '<meta name="date" content="2023-05-04">',
        '<meta name="dcterms.date" content="2023-05-04">',
        '<meta name="DC.date" content="2023-05-04T09:30:00+02:00">',
        '<meta property="article:published_time" content="2023-05-04T09:30:00Z">',
    ],
)
def test_an_html_date_meta_dates_the_page(tmp_path, head):
    page = f"<html><head>{head}<title>Report</title></head><body><p>{TEXT}</p></body></html>"
    assert dated(read_one(write(tmp_path, "report.html", page))) == ("2023-05-04", "document")


def test_a_time_in_the_html_header_dates_the_page(tmp_path):
    page = (
        '<html><body><header><h1>Report</h1><p>Published <time datetime="2023-05-04">4 May</time></p></header>'
        f'<main><p>{TEXT}</p><p>Seen again on <time datetime="2025-01-01">new year</time>.</p></main></body></html>'
    )
    assert dated(read_one(write(tmp_path, "report.html", page))) == ("2023-05-04", "document")


def test_a_pdf_creation_date_dates_it(tmp_path):
    path = write(tmp_path, "report.pdf", pdf_with({"/CreationDate": "D:20230504093000+02'00'"}))
    assert dated(read_one(path)) == ("2023-05-04", "document")


def test_a_pdf_modification_date_dates_it_without_a_creation_date(tmp_path):
    path = write(tmp_path, "report.pdf", pdf_with({"/ModDate": "D:202305"}))
    assert dated(read_one(path)) == ("2023-05", "document")


@pytest.mark.parametrize(
    "xmp",
    [
        "<xmp:CreateDate>2023-05-04T09:30:00+02:00</xmp:CreateDate>",
        "<dc:date><rdf:Seq><rdf:li>2023-05-04</rdf:li></rdf:Seq></dc:date>",
    ],
)
def test_pdf_xmp_metadata_dates_it(tmp_path, xmp):
    path = write(tmp_path, "report.pdf", pdf_with(xmp=xmp))
    assert dated(read_one(path)) == ("2023-05-04", "document")


def test_docx_core_properties_date_it(tmp_path):
    path = write(tmp_path, "report.docx", docx_with(datetime(2023, 5, 4, 9, 30, tzinfo=UTC)))
    assert dated(read_one(path)) == ("2023-05-04", "document")


def test_a_docx_without_creation_date_is_dated_when_modified(tmp_path):
    path = write(tmp_path, "report.docx", docx_with(None, datetime(2022, 1, 31, tzinfo=UTC)))
    assert dated(read_one(path)) == ("2022-01-31", "document")


def test_jsonl_records_have_their_own_dates_and_the_sidecar_dates_the_others(tmp_path):
    lines = [
        {"id": "a", "lang": "en", "title": "A", "text": TEXT, "date": "2020-02-29"},
        {"id": "b", "lang": "en", "title": "B", "text": TEXT},
        {"id": "c", "lang": "en", "title": "C", "text": TEXT, "date": "2020-02-30"},
    ]
    write(tmp_path, "records.meta.toml", 'date = "2019"\n')
    path = write(tmp_path, "records.jsonl", "\n".join(json.dumps(line) for line in lines) + "\n")
    warnings: list[str] = []
    documents = {doc.doc_id: dated(doc) for doc in read_documents(path, tmp_path, warnings.append)}
    assert documents == {"a": ("2020-02-29", "document"), "b": ("2019", "sidecar"), "c": ("2019", "sidecar")}
    assert any("records.jsonl line 3" in w and "2020-02-30" in w for w in warnings), warnings


@pytest.mark.parametrize(("written", "kept"), [('"2023"', "2023"), ('"2023-05"', "2023-05"), ("2023", "2023")])
def test_partial_dates_are_kept_as_written(tmp_path, written, kept):
    write(tmp_path, "report.md", f"---\ndate: {written}\n---\n# Report\n\n{TEXT}")
    assert dated(read_one(tmp_path / "report.md")) == (kept, "document")


@pytest.mark.parametrize("bad", ['"2023-13-01"', '"2023-02-30"', '"last spring"'])
def test_an_invalid_sidecar_date_is_named_in_a_warning_and_the_document_date_is_used(tmp_path, bad):
    write(tmp_path, "report.meta.toml", f"date = {bad}\n")
    page = f'<html><head><meta name="date" content="2022-03-01"></head><body><p>{TEXT}</p></body></html>'
    warnings: list[str] = []
    document = read_one(write(tmp_path, "report.html", page), warn=warnings.append)
    assert dated(document) == ("2022-03-01", "document")
    assert any("report.meta.toml" in w and bad.strip('"') in w for w in warnings), warnings


def test_an_invalid_front_matter_date_is_named_in_a_warning(tmp_path):
    warnings: list[str] = []
    path = write(tmp_path, "report.md", f"---\ndate: 31/12/2023\n---\n# Report\n\n{TEXT}")
    assert read_one(path, warn=warnings.append).date == ""
    assert any("report.md" in w and "31/12/2023" in w for w in warnings), warnings


def test_without_a_date_in_its_metadata_a_document_has_its_file_date(tmp_path):
    corpus = tmp_path / "corpus"
    path = write(corpus, "plain.txt", TEXT)
    moment = datetime(2021, 7, 14, 12, tzinfo=UTC).timestamp()
    os.utime(path, (moment, moment))
    index_corpus(corpus, tmp_path / "index")
    opened = open_index(tmp_path / "index")
    try:
        hit = search(SearchQuery("cocaine"), opened).results[0]
    finally:
        opened.close()
    assert (hit.date, hit.date_source) == ("2021-07-14", "file")


# --- sorting and filtering -------------------------------------------------------------------------

DATES = {"y2020": "2020", "m2021": "2021-06", "d2022": "2022-12-31", "d2023": "2023-01-01", "y2024": "2024"}


@pytest.fixture(scope="module")
def dated_index_dir(tmp_path_factory):
    """An index of five documents about seizures, dated by their sidecars as precisely as ``DATES`` says."""
    root = tmp_path_factory.mktemp("dated")
    corpus = root / "corpus"
    for name, date in DATES.items():
        write(corpus, f"{name}.txt", TEXT)
        write(corpus, f"{name}.meta.toml", f'date = "{date}"\nlang = "en"\n')
    index_corpus(corpus, root / "index")
    return root / "index"


@pytest.fixture(scope="module")
def dated_index(dated_index_dir):
    opened = open_index(dated_index_dir)
    yield opened
    opened.close()


def found(index, text="cocaine", **options) -> list[str]:
    return [hit.doc_id for hit in search(SearchQuery(text, per_page=50, **options), index).results]


def test_newest_first_follows_the_documents_dates(dated_index):
    assert found(dated_index, sort="newest") == ["y2024", "d2023", "d2022", "m2021", "y2020"]


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"date_from": "2022"}, {"d2022", "d2023", "y2024"}),
        ({"date_to": "2021"}, {"y2020", "m2021"}),
        ({"date_from": "2021-06-15", "date_to": "2022-12"}, {"m2021", "d2022"}),  # June 2021 overlaps the range
        ({"date_from": "2023-01-01", "date_to": "2023-01-01"}, {"d2023"}),
    ],
)
def test_from_and_to_keep_the_documents_dated_in_the_range(dated_index, options, expected):
    assert set(found(dated_index, **options)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cocaine after:2022", {"d2023", "y2024"}),
        ("cocaine before:2022", {"y2020", "m2021"}),
        ("cocaine après:2021-06 avant:2023-01-01", {"d2022"}),
        ("cocaine after:2020 before:2024", {"m2021", "d2022", "d2023"}),
    ],
)
def test_after_and_before_in_the_query_exclude_the_period_named(dated_index, text, expected):
    assert set(found(dated_index, text)) == expected


def test_a_typed_date_that_is_no_date_matches_nothing_and_is_reported(dated_index):
    result = search(SearchQuery("cocaine after:someday"), dated_index)
    assert result.total == 0 and result.unknown_filters == (("after", "someday"),)


@pytest.mark.parametrize(("name", "options"), [("from", {"date_from": "2023-02-30"}), ("to", {"date_to": "soon"})])
def test_a_bad_from_or_to_is_refused_by_name(dated_index, name, options):
    with pytest.raises(BadParameter) as error:
        search(SearchQuery("cocaine", **options), dated_index)
    assert error.value.name == name


def test_a_range_that_ends_before_it_starts_is_refused(dated_index):
    with pytest.raises(BadParameter) as error:
        search(SearchQuery("cocaine", date_from="2024", date_to="2023"), dated_index)
    assert error.value.name == "from"


def test_the_year_facet_counts_passages_by_year_and_filters(dated_index):
    result = search(SearchQuery("cocaine"), dated_index)
    assert result.facets["year"] == {"2020": 1, "2021": 1, "2022": 1, "2023": 1, "2024": 1}
    assert set(found(dated_index, year=("2021", "2024"))) == {"m2021", "y2024"}
    assert set(found(dated_index, "cocaine year:2022")) == {"d2022"}


def test_the_cli_filters_by_date(dated_index_dir, runner):
    args = ["search", "--index", str(dated_index_dir), "--json", "cocaine"]
    ranged = json.loads(runner.invoke(main, [*args, "--from", "2021", "--to", "2022"]).output)
    typed = json.loads(runner.invoke(main, [*args, "avant:2021"]).output)
    assert {hit["doc_id"] for hit in ranged["results"]} == {"m2021", "d2022"}
    assert [hit["doc_id"] for hit in typed["results"]] == ["y2020"]
    assert typed["results"][0]["date"] == "2020" and typed["results"][0]["date_source"] == "sidecar"
    refused = runner.invoke(main, [*args, "--from", "20x1"])
    assert refused.exit_code != 0 and "from" in refused.output


def test_the_cli_shows_each_hit_date(dated_index_dir, runner):
    output = runner.invoke(main, ["search", "--index", str(dated_index_dir), "cocaine", "year:2022"]).output
    assert "dated 2022-12-31" in output
