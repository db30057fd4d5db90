"""A hit's passage in the document's translation (issue 28, item 3): in the JSON API, on the pages, in a browser."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_alignment import ENGLISH
from test_alignment import FRENCH
from test_alignment import write
from web_helpers import app_over
from web_helpers import serve_in_thread

from indexer import index_corpus
from web.cli import main

SPLIT_PARAGRAPH = (
    "Les inspecteurs des Douanes de Norland"  # the French passage rendering the English "Inspectors from…"
)


@pytest.fixture(scope="module")
def paired_index(tmp_path_factory) -> Path:
    corpus = tmp_path_factory.mktemp("paired-corpus")
    write(corpus, "report", ENGLISH, lang="en")
    write(corpus, "rapport", FRENCH, lang="fr", translation_of="report")
    root = tmp_path_factory.mktemp("paired-index")
    index_corpus(corpus, root)
    return root


@pytest.fixture(scope="module")
def paired_app(paired_index):
    with app_over(paired_index) as app:
        yield app


def french_passage_id(client) -> str:
    document = client.get("/api/documents/rapport").get_json()
    passages = [p for section in document["sections"] for p in section["passages"]]
    (passage,) = [p for p in passages if p["text"].startswith(SPLIT_PARAGRAPH)]
    return passage["passage_id"]


def test_the_api_hit_names_its_passage_in_the_translation(paired_app):
    client = paired_app.test_client()
    body = client.get("/api/search?q=laboratory+Ostrava&lang=en").get_json()
    first = body["results"][0]
    assert first["doc_id"] == "report"
    passage_id = french_passage_id(client)
    assert first["translation"] == {
        "passage_id": passage_id,
        "doc_id": "rapport",
        "lang": "fr",
        "url": f"/doc/rapport#{passage_id}",
    }
    french = client.get("/api/search?q=laboratoire+Ostrava&lang=fr").get_json()["results"][0]
    assert french["translation"]["doc_id"] == "report" and french["translation"]["lang"] == "en"


def test_the_cli_prints_the_translation_link(paired_index):
    result = CliRunner().invoke(main, ["search", "--index", str(paired_index), "--lang", "en", "laboratory Ostrava"])
    assert result.exit_code == 0
    assert "Version française › /doc/rapport#" in result.output


@pytest.mark.parametrize(("ui", "query", "label", "target"), [
    ("en", "laboratory Ostrava", "Version française ›", "rapport"),
    ("fr", "laboratory Ostrava", "Version française ›", "rapport"),
    ("en", "laboratoire Ostrava", "English version ›", "report"),
    ("fr", "laboratoire Ostrava", "English version ›", "report"),
])  # fmt: skip
def test_a_result_offers_the_other_version_of_its_passage(paired_app, ui, query, label, target):
    lang = "en" if target == "rapport" else "fr"
    page = paired_app.test_client().get(f"/search?q={query}&lang={lang}&ui={ui}").get_data(as_text=True)
    links = re.findall(r'<p class="translation-link"><a href="([^"]+)"[^>]*><span lang="(\w+)">([^<]+)</span>', page)
    assert links, "no translation link on the results page"
    href, link_lang, text = links[0]
    assert html.unescape(text) == label and link_lang == ("fr" if target == "rapport" else "en")
    assert html.unescape(href).startswith(f"/doc/{target}?q=")


def test_the_document_page_shows_both_versions_side_by_side(paired_app):
    client = paired_app.test_client()
    plain = client.get("/doc/report").get_data(as_text=True)
    assert "Show both versions side by side" in plain and SPLIT_PARAGRAPH not in plain
    parallel = client.get("/doc/report?parallel=1").get_data(as_text=True)
    assert 'class="document parallel"' in parallel
    inspectors = parallel.index("Inspectors from Customs Norland")
    counterpart = parallel.index(html.escape(SPLIT_PARAGRAPH, quote=False))
    next_english = parallel.index("Traders ship zorblak")
    assert inspectors < counterpart < next_english, "the French passage is not beside the English one it renders"
    assert "Show this version only" in parallel


@pytest.mark.browser
def test_following_version_francaise_opens_the_aligned_passage(paired_app, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.execute_cdp_cmd("Network.clearBrowserCookies", {})
    with serve_in_thread(paired_app) as base:
        browser.get(f"{base}/search?q=laboratory+Ostrava&lang=en")
        link = WebDriverWait(browser, 10, poll_frequency=0.05).until(
            lambda b: b.find_element(By.CSS_SELECTOR, ".hit .translation-link a")
        )
        assert link.text.startswith("Version française ›")
        link.click()
        WebDriverWait(browser, 10, poll_frequency=0.05).until(lambda b: "/doc/rapport" in b.current_url)
        target = browser.execute_script("return document.querySelector(':target')")
        assert target is not None and target.text.startswith(SPLIT_PARAGRAPH)
        assert target.get_attribute("lang") == "fr"
