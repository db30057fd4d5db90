"""Citing documents on the web: dates and pages on hits and document pages, the year facet and date
range, the feed's dates, and the originals served read-only under /files/ (never anything else)."""

from __future__ import annotations

import io
import os
import re
import xml.etree.ElementTree as ET
from datetime import UTC
from datetime import datetime
from urllib.request import urlopen

import needs
import pytest
from pypdf import PdfReader
from pypdf import PdfWriter
from web_helpers import app_over
from web_helpers import serve_in_thread

from indexer import index_corpus

ATOM = "{http://www.w3.org/2005/Atom}"
FIRST_PAGE = ["Port security", "Harbour masters inspected every container landed at the quay."]
SECOND_PAGE = ["Customs training", "Customs officers learned to profile smuggled cocaine shipments."]
SECRET = "the secret outside the corpus"
FILE_TIME = datetime(2021, 7, 14, 12, tzinfo=UTC).timestamp()


def _make_pdf(lines: list[str]) -> bytes:
    from readers_helpers import make_files

    return make_files.make_pdf(lines)


def pdf_of_pages(*pages: list[str], created: str) -> bytes:
    writer = PdfWriter()
    for lines in pages:
        writer.add_page(PdfReader(io.BytesIO(_make_pdf(lines))).pages[0])
    writer.add_metadata({"/CreationDate": created})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def cited(tmp_path_factory):
    """(corpus, index) of a dated two-page PDF, a text dated May 2023 by its sidecar, an HTML page dated
    2022, a text dated by its file only, a JSON Lines record, and a file later swapped for a symlink out."""
    root = tmp_path_factory.mktemp("cited")
    corpus = root / "corpus"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "report.pdf").write_bytes(pdf_of_pages(FIRST_PAGE, SECOND_PAGE, created="D:20230504093000+02'00'"))
    (corpus / "notes.txt").write_text("Smuggled cocaine was found by customs officers in May.\n")
    (corpus / "notes.meta.toml").write_text('date = "2023-05"\nlang = "en"\n')
    (corpus / "page.html").write_text(
        '<html lang="en"><head><meta name="date" content="2022-01-10"><title>Page</title></head>'
        "<body><h1>Seizures</h1><p>Customs officers seized cocaine hidden in bananas.</p></body></html>"
    )
    undated = corpus / "sub" / "undated.txt"
    undated.write_text("Customs officers counted the cocaine seized that year.\n")
    os.utime(undated, (FILE_TIME, FILE_TIME))
    (corpus / "records.jsonl").write_text(
        '{"id": "rec-1", "lang": "en", "title": "Record", "text": "Customs seized cocaine.", "date": "2020"}\n'
    )
    (corpus / "escape.txt").write_text("Customs officers and cocaine, a file soon swapped.\n")
    index_corpus(corpus, root / "index")
    secret = root / "secret.txt"
    secret.write_text(SECRET)
    (corpus / "escape.txt").unlink()
    (corpus / "escape.txt").symlink_to(secret)
    return corpus, root / "index"


@pytest.fixture(scope="module")
def cited_app(cited):
    corpus, index_dir = cited
    with app_over(index_dir, CORPUS_DIR=str(corpus)) as app:
        yield app


@pytest.fixture
def client(cited_app):
    return cited_app.test_client()


def text_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_data(as_text=True)


# --- originals ----------------------------------------------------------------------------------------


def test_the_original_pdf_is_served_with_its_type(client, cited):
    corpus, _ = cited
    with client.get("/files/report") as response:  # closed: it holds the file open
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        assert response.data == (corpus / "report.pdf").read_bytes()


@pytest.mark.parametrize(
    ("doc_id", "mimetype"), [("page", "text/html"), ("notes", "text/plain"), ("sub/undated", "text/plain")]
)
def test_other_originals_are_served_with_their_type(client, doc_id, mimetype):
    with client.get(f"/files/{doc_id}") as response:
        assert response.status_code == 200 and response.mimetype == mimetype


def assert_serves_originals(client) -> None:
    """The same client is served a real original: a 404 below is a refusal, not a missing route."""
    with client.get("/files/report") as response:
        assert response.status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/files/../secret.txt",
        "/files/%2e%2e/secret.txt",
        "/files/%2E%2E%2Fsecret.txt",
        "/files/sub%2f..%2f..%2fsecret.txt",
        "/files/sub/../../secret.txt",
        "/files//etc/passwd",
        "/files/%2fetc%2fpasswd",
        "/files/escape",  # indexed, then replaced by a symlink out of the corpus
        "/files/sub",  # a folder: never listed
        "/files/",
        "/files/report.pdf",  # by doc id only, not by file name
        "/files/rec-1",  # a JSON Lines record has no file of its own
        "/files/nothing-here",
    ],
)
def test_anything_but_an_indexed_document_original_is_not_found(client, cited, url):
    assert_serves_originals(client)
    with client.get(url, follow_redirects=True) as response:  # "//" is merged by a redirect first
        assert response.status_code == 404
        assert SECRET not in response.get_data(as_text=True)


def test_an_absolute_path_is_not_found(client, cited):
    corpus, _ = cited
    assert_serves_originals(client)
    with client.get(f"/files/{corpus.parent / 'secret.txt'}", follow_redirects=True) as response:
        assert response.status_code == 404 and SECRET not in response.get_data(as_text=True)


# --- hits and document pages ---------------------------------------------------------------------------


def test_a_hit_shows_its_page_linking_to_the_original_at_that_page(client):
    html = text_of(client, "/search?q=profile+smuggled+shipments&group=none")
    assert re.search(r'<a class="page-link" href="/files/report#page=2"[^>]*>p\. 2</a>', html)


@pytest.mark.parametrize(
    ("ui", "doc_id", "shown"),
    [
        ("en", "report", "4 May 2023"),
        ("fr", "report", "4 mai 2023"),
        ("en", "notes", "May 2023"),
        ("fr", "notes", "mai 2023"),
        ("en", "sub/undated", "14 July 2021 (file date)"),
        ("fr", "sub/undated", "14 juillet 2021 (date du fichier)"),
        ("en", "rec-1", "2020"),
    ],
)
def test_the_document_page_shows_its_date_in_the_interface_language(client, ui, doc_id, shown):
    html = text_of(client, f"/doc/{doc_id}?ui={ui}")
    assert re.search(rf"<time datetime=\"[\d-]+\">{re.escape(shown)}</time>", html)


def test_hits_show_their_document_date(client):
    html = text_of(client, "/search?q=smuggled+cocaine&ui=fr&group=none")
    assert '<time datetime="2023-05">mai 2023</time>' in html
    assert '<time datetime="2023-05-04">4 mai 2023</time>' in html


def test_the_document_page_links_the_original_and_each_passage_its_page(client):
    html = text_of(client, "/doc/report")
    assert 'class="original-link" href="/files/report"' in html
    assert 'href="/files/report#page=1"' in html and 'href="/files/report#page=2"' in html
    assert "/files/" not in text_of(client, "/doc/rec-1")  # a record has no original to open


def test_the_document_api_gives_the_date_and_each_passage_page(client):
    body = client.get("/api/documents/report").get_json()
    assert (body["date"], body["date_source"]) == ("2023-05-04", "document")
    assert [p["page"] for section in body["sections"] for p in section["passages"]] == [1, 2]


# --- filtering, facets, feed ----------------------------------------------------------------------------


def test_the_api_filters_by_date_range_and_names_a_bad_date(client):
    found = client.get("/api/search?q=cocaine&from=2022-06&to=2023-05").get_json()
    assert {hit["doc_id"] for hit in found["results"]} == {"report", "notes"}
    typed = client.get("/api/search?q=cocaine+avant:2022").get_json()
    assert {hit["doc_id"] for hit in typed["results"]} == {"rec-1", "sub/undated"}
    refused = client.get("/api/search?q=cocaine&from=May")
    assert refused.status_code == 400 and "from" in refused.get_data(as_text=True)


def test_the_year_facet_is_shown_and_filters(client):
    html = text_of(client, "/search?q=cocaine&ui=en")
    assert 'id="facet-year"' in html and "Year" in html
    assert re.search(r'href="[^"]*year=2022[^"]*"', html)
    filtered = client.get("/api/search?q=cocaine&year=2022").get_json()
    assert [hit["doc_id"] for hit in filtered["results"]] == ["page"]


def test_the_date_form_keeps_the_search_and_the_chips_remove_a_bound(client):
    html = text_of(client, "/search?q=cocaine&from=2022&lang=en&ui=en")
    assert '<input id="date-from" name="from" value="2022"' in html
    assert '<input type="hidden" name="lang" value="en">' in html
    chip = re.search(r'<a class="chip" href="([^"]+)"[^>]*>From 2022', html)
    assert chip and "from=" not in chip.group(1).replace("&amp;", "&")


def test_the_feed_dates_entries_by_their_documents(client):
    feed = ET.fromstring(client.get("/feed.atom?q=cocaine").data)
    dates = {
        entry.findtext(f"{ATOM}link[@rel='alternate']") or entry.find(f"{ATOM}link").get("href"): (
            entry.findtext(f"{ATOM}published"),
            entry.findtext(f"{ATOM}updated"),
        )
        for entry in feed.iter(f"{ATOM}entry")
    }
    by_doc = {re.search(r"/doc/([^#]+)", url).group(1): when for url, when in dates.items()}
    assert by_doc["report"] == ("2023-05-04T00:00:00Z", "2023-05-04T00:00:00Z")
    assert by_doc["notes"][0] == "2023-05-01T00:00:00Z"
    assert by_doc["sub/undated"][0].startswith("2021-07-14T12:00:00")
    order = list(by_doc)
    assert order.index("report") < order.index("notes") < order.index("sub/undated")  # newest first


# --- in a browser ----------------------------------------------------------------------------------------


@pytest.mark.browser
def test_in_a_browser_the_page_link_opens_the_original_at_its_page(cited_app, browser):
    """Chromium's PDF viewer does not tell a page which page it shows, so the link's target and what
    following it serves are checked: the original at ``#page=2``, as a PDF."""
    needs.require_module("selenium", "browser tests need selenium: pip install -e '.[test]'")
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    with serve_in_thread(cited_app) as base_url:
        browser.get(f"{base_url}/search?q=profile+smuggled+shipments&group=none")
        wait = WebDriverWait(browser, 10, poll_frequency=0.05)
        link = wait.until(lambda b: b.find_element(By.CSS_SELECTOR, ".hit-cite a.page-link"))
        href = link.get_attribute("href")
        assert href == f"{base_url}/files/report#page=2" and link.text == "p. 2"
        link.click()
        wait.until(lambda b: b.current_url == href)
        with urlopen(href.partition("#")[0]) as response:
            assert response.headers.get_content_type() == "application/pdf"
            assert response.read().startswith(b"%PDF-")
