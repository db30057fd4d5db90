"""Markup in every place a page shows: document text, titles, headings, publishers, taxonomy labels,
glossary equivalents, record ids, queries, filters, suggestions and feed entries. Each payload must
come out as text, in the HTML and in real Chromium: no script runs, no dialog opens.

test_pages.py checks the document fields of web_helpers' hostile corpus; this corpus puts a
different payload in each remaining place, so a payload that gets through names its place.
"""

from __future__ import annotations

import json
from urllib.parse import quote
from xml.etree import ElementTree as ET

import pytest
from test_pages import Elements
from test_pages import assert_no_script_but_ours
from web_helpers import app_over
from web_helpers import serve_in_thread

from indexer import index_corpus
from indexer.ingest.intake import toml_string

ATOM = "{http://www.w3.org/2005/Atom}"
PAYLOADS = {
    "heading": "Harbour <script>alert('heading')</script> controls",
    "text": "<img src=x onerror=alert('text')> walrus smuggling",
    "title": "</title><script>alert('title')</script>",
    "publisher": "<iframe src=javascript:alert('publisher')>",
    "project": "<img src=x onerror=alert('project')>",
    "partner": "<svg onload=alert('partner')>",
    "topic": "\"><script>alert('topic')</script>",
    "glossary": "morse <b onmouseover=alert('glossary')>x</b>",
    "record_id": "rec\"><img src=x onerror=alert('id')>",
    "record_title": "<a href=javascript:alert('record')>record</a>",
    "query": "walrus <script>alert('query')</script>",
    "filter": "<script>alert('filter')</script>",
}


def write_xss_corpus(folder):
    """One text document, one JSON Lines record, a taxonomy and a glossary, each field a payload."""
    folder.mkdir(parents=True)
    (folder / "harbour.txt").write_text(
        f"{PAYLOADS['heading']}\n\n{PAYLOADS['text']} by narwhal traders.\n\nMore walrus smuggling evidence.\n",
        encoding="utf-8",
    )
    (folder / "harbour.meta.toml").write_text(
        f'title = {toml_string(PAYLOADS["title"])}\nlang = "en"\npublisher = {toml_string(PAYLOADS["publisher"])}\n',
        encoding="utf-8",
    )
    record = {"id": PAYLOADS["record_id"], "lang": "en", "title": PAYLOADS["record_title"], "text": "A walrus record."}
    (folder / "records.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    (folder / "taxonomy.toml").write_text(
        "".join(
            f'[[{kind}]]\nid = "evil-{kind}"\nlabel_en = {toml_string(PAYLOADS[kind])}\n'
            f'label_fr = {toml_string(PAYLOADS[kind])}\naliases = ["{alias}"]\n\n'
            for kind, alias in (("project", "walrus"), ("partner", "narwhal"), ("topic", "smuggling"))
        ),
        encoding="utf-8",
    )
    (folder / "glossary.toml").write_text(
        f'[[term]]\nen = ["walrus"]\nfr = [{toml_string(PAYLOADS["glossary"])}]\n', encoding="utf-8"
    )
    return folder


@pytest.fixture(scope="module")
def xss_app(tmp_path_factory):
    """An app over the payload corpus, indexed once for the module."""
    corpus = write_xss_corpus(tmp_path_factory.mktemp("xss") / "corpus")
    root = tmp_path_factory.mktemp("xss-index")
    report = index_corpus(corpus, root)
    assert not report.skipped and report.documents == 2, report
    with app_over(root) as app:
        yield app


RECORD_URL = f"/doc/{quote(PAYLOADS['record_id'], safe='')}"
PAGES = [
    "/search?q=walrus+smuggling+narwhal",  # snippets, titles, headings, facet and tag labels, equivalents
    "/search?q=walrus&project=evil-project&partner=evil-partner&topic=evil-topic",  # filter chips, title
    "/search?q=walrus&topic=" + quote(PAYLOADS["filter"]),  # an unknown filter value, shown as given
    "/search?q=" + quote(PAYLOADS["query"]),  # the box, the title, the "did you mean", the feed link
    "/search?q=walrusz+" + quote(PAYLOADS["heading"]),  # a suggestion carrying the rest of the query
    "/search?q=walrus&page=" + quote(PAYLOADS["filter"]),  # a bad parameter's message
    "/doc/harbour?q=" + quote(PAYLOADS["query"]),  # the document page: highlight note, back link, tags, TOC
    RECORD_URL + "?q=walrus",  # a document whose id is a payload
    "/doc/" + quote(PAYLOADS["filter"]),  # the 404 page naming an unknown id
    "/search?q=walrus&ui=fr",  # the French interface shows the same fields
]


@pytest.mark.parametrize("url", PAGES)
def test_no_payload_reaches_a_page_as_markup(xss_app, url):
    response = xss_app.test_client().get(url)
    assert response.status_code in (200, 400, 404)
    html = response.get_data(as_text=True)
    for place, payload in PAYLOADS.items():
        assert payload not in html, place
    assert_no_script_but_ours(html)


def test_labels_equivalents_and_titles_are_shown_as_text(xss_app):
    client = xss_app.test_client()
    urls = ("/search?q=walrus+smuggling+narwhal", "/search?q=walrus")
    pages = [client.get(url).get_data(as_text=True) for url in urls]
    text = "".join(chunk for html in pages for chunk in Elements(html).text)
    for place in ("project", "partner", "topic", "glossary", "title", "record_title", "heading"):
        assert PAYLOADS[place] in text, place


def test_the_document_page_shows_its_payloads_as_text(xss_app):
    html = xss_app.test_client().get("/doc/harbour?q=" + quote(PAYLOADS["query"])).get_data(as_text=True)
    text = "".join(Elements(html).text)
    for place in ("title", "publisher", "heading", "query"):
        assert PAYLOADS[place] in text, place


def test_feed_titles_and_entries_carry_payloads_as_escaped_text(xss_app):
    response = xss_app.test_client().get("/feed.atom", query_string={"q": PAYLOADS["query"]})
    feed = ET.fromstring(response.data)
    titles = [feed.findtext(f"{ATOM}title")] + [entry.findtext(f"{ATOM}title") for entry in feed.iter(f"{ATOM}entry")]
    assert "alert('query')" in titles[0]
    assert any(PAYLOADS["title"] in title for title in titles[1:])
    for payload in PAYLOADS.values():
        assert payload.encode() not in response.data


def test_the_api_serves_payloads_as_json_strings_the_browser_never_sniffs(xss_app):
    response = xss_app.test_client().get("/api/search?q=walrus")
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert PAYLOADS["record_id"] in {hit["doc_id"] for hit in response.get_json()["results"]}


# -- in real Chromium --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def xss_server(xss_app):
    with serve_in_thread(xss_app) as url:
        yield url


@pytest.mark.browser
@pytest.mark.parametrize(
    "url", [PAGES[0], PAGES[1], PAGES[6], PAGES[7], PAGES[8]], ids=["results", "filters", "document", "record", "404"]
)
def test_in_chromium_no_payload_runs_and_no_dialog_opens(browser, xss_server, screenshot, url):
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    browser.get(xss_server + url)
    browser.find_element(By.TAG_NAME, "main")
    screenshot()
    try:
        browser.switch_to.alert.dismiss()
        opened = True
    except NoAlertPresentException:
        opened = False
    assert not opened
    assert browser.execute_script("return document.scripts.length") == 1  # passage.js only
    handlers = "return document.querySelectorAll('[onerror],[onload],[onmouseover],iframe,svg,main img').length"
    assert browser.execute_script(handlers) == 0
