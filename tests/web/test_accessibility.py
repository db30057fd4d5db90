"""Accessibility in real Chromium: axe-core's WCAG 2.1 A/AA rules on every page, and what axe cannot see.

axe-core comes from package.json (``.ci/install-axe``, run by ``make test``). Skipped with the
reason when it or the browser is missing; under ``CI=true``, failed.
"""

from __future__ import annotations

from urllib.parse import quote

import needs
import pytest

needs.require_module("selenium", "accessibility tests need selenium: pip install -e '.[test]'")

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from web_helpers import ADMIN_TOKEN  # noqa: E402
from web_helpers import EN_DOC  # noqa: E402
from web_helpers import ROOT  # noqa: E402
from web_helpers import app_over  # noqa: E402
from web_helpers import serve_in_thread  # noqa: E402

pytestmark = pytest.mark.browser
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
RUN_AXE = """
const done = arguments[arguments.length - 1];
axe.run(document, {runOnly: {type: "tag", values: arguments[0]}, resultTypes: ["violations"]})
  .then(result => done(result.violations.map(v => ({id: v.id, help: v.help, nodes: v.nodes.map(n => n.html)}))))
  .catch(error => done([{id: "axe-error", help: String(error), nodes: []}]));
"""
PAGES = {
    "home": "/",
    "home in French": "/?ui=fr",
    "results": "/search?q=money+laundering",
    "results in French": "/search?q=blanchiment&ui=fr",
    "every passage": "/search?q=coop%C3%A9ration&group=none",
    "no results": "/search?q=zzyzxq",
    "bad parameter": "/search?q=x&per_page=0",
    "document with a target passage": f"/doc/{EN_DOC}?q=port+security#",
    "unknown document": "/doc/nothing-here",
    "unknown page": "/nowhere",
}


@pytest.fixture(autouse=True)
def fresh_session(browser):
    """No interface language chosen by an earlier test (it is kept in a cookie)."""
    browser.execute_cdp_cmd("Network.clearBrowserCookies", {})


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.is_file():
        needs.missing(f"accessibility tests need {AXE}: run .ci/install-axe")
    return AXE.read_text(encoding="utf-8")


def violations(browser, axe_source: str) -> list[dict]:
    browser.execute_script(axe_source)
    browser.set_script_timeout(30)
    return browser.execute_async_script(RUN_AXE, WCAG_21_AA)


@pytest.mark.parametrize("name", PAGES)
def test_every_page_passes_axe(browser, live_server, axe_source, name):
    browser.get(live_server + PAGES[name])
    assert violations(browser, axe_source) == []


def test_the_admin_page_passes_axe(browser, axe_source, admin_index_dir, admin_corpus):
    with (
        app_over(admin_index_dir, CORPUS_DIR=str(admin_corpus), ADMIN_TOKEN=ADMIN_TOKEN) as app,
        serve_in_thread(app) as url,
    ):
        browser.get(url + "/admin")
        assert browser.find_elements(By.TAG_NAME, "form")
        assert violations(browser, axe_source) == []


@pytest.mark.parametrize("name", PAGES)
def test_every_page_has_one_h1(browser, live_server, name):
    browser.get(live_server + PAGES[name])
    assert len(browser.find_elements(By.TAG_NAME, "h1")) == 1


@pytest.mark.parametrize(
    "url, other",
    [
        ("/search?q=money+laundering&ui=fr", "en"),  # English titles on the French interface
        ("/search?q=coop%C3%A9ration+lang:fr&ui=en", "fr"),  # and French ones on the English interface
        ("/search?q=coop%C3%A9ration&group=none&ui=fr", "en"),
    ],
)
def test_document_titles_and_text_carry_their_language(browser, live_server, url, other):
    browser.get(live_server + url)
    pieces = browser.find_elements(By.CSS_SELECTOR, ".doc-title, .section-title, .snippet, .sub-link, .sub-section")
    assert pieces
    for piece in pieces:
        lang = browser.execute_script("return arguments[0].closest('[lang]').getAttribute('lang')", piece)
        assert lang in ("en", "fr"), piece.get_attribute("outerHTML")
    titles = browser.find_elements(By.CSS_SELECTOR, ".doc-title")
    assert all(title.get_attribute("lang") in ("en", "fr") for title in titles)  # its own, not the page's
    assert other in {title.get_attribute("lang") for title in titles}


@pytest.mark.parametrize(
    "url", ["/search?q=blanchiment", "/search?q=blanchiment&group=none", "/search?q=coop%C3%A9ration"]
)
def test_result_links_have_distinct_accessible_names(browser, live_server, url):
    browser.get(live_server + url)
    links = browser.find_elements(By.CSS_SELECTOR, ".hit-title a, .sub-link")
    names = [link.accessible_name for link in links]
    assert len(names) > 1 and len(set(names)) == len(names), names


def test_a_skip_link_takes_the_keyboard_to_the_filters_past_the_results(browser, live_server):
    browser.get(live_server + "/search?q=blanchiment")
    skip = browser.find_element(By.CSS_SELECTOR, "a[href='#filters']")
    element, stops = browser.find_element(By.TAG_NAME, "body"), 0
    while element != skip and stops < 12:  # a few stops after the search form, before any result
        element.send_keys(Keys.TAB)
        element, stops = browser.switch_to.active_element, stops + 1
    assert element == skip, f"not reached in {stops} Tab stops"
    skip.send_keys(Keys.ENTER)
    skip = browser.switch_to.active_element
    skip.send_keys(Keys.TAB)
    assert browser.execute_script("return document.activeElement.closest('#filters') !== null")


def test_the_results_say_that_matching_words_are_highlighted(browser, live_server):
    browser.get(live_server + "/search?q=money+laundering")
    assert "highlighted" in browser.find_element(By.CSS_SELECTOR, ".result-count").text


def test_the_keyboard_reaches_the_search_box_the_results_and_the_filters_in_that_order(browser, live_server):
    browser.get(live_server + "/search?q=blanchiment")
    first_stop = {}
    element = browser.find_element(By.TAG_NAME, "body")
    for stop in range(200):
        element.send_keys(Keys.TAB)
        element = browser.switch_to.active_element
        kind = browser.execute_script(
            "const e = arguments[0];"
            "return e.id === 'q' ? 'search' : e.closest('.hits') ? 'results' : e.closest('#filters') ? 'filters' : null",
            element,
        )
        first_stop.setdefault(kind, stop)
        if "filters" in first_stop:
            break
    assert first_stop.get("search", 999) < first_stop.get("results", 999) < first_stop.get("filters", 999), first_stop


def test_permalinks_on_the_document_page_are_underlined(browser, live_server):
    browser.get(f"{live_server}/doc/{quote(EN_DOC)}")
    link = browser.find_element(By.CSS_SELECTOR, ".permalink")
    assert "underline" in link.value_of_css_property("text-decoration")


def test_the_no_results_page_lists_example_searches(browser, live_server):
    browser.get(live_server + "/search?q=zzyzxq")
    assert browser.find_elements(By.CSS_SELECTOR, ".syntax a")


@pytest.mark.parametrize("url", ["/search?q=blanchiment", "/search?q=blanchiment&group=none", f"/doc/{EN_DOC}?q=port"])
def test_pages_fit_a_phone_screen_without_sideways_scrolling(browser, live_server, url):
    phone = {"width": 375, "height": 800, "deviceScaleFactor": 1, "mobile": True}
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", phone)
    try:
        browser.get(live_server + url)
        width = browser.execute_script("return [window.innerWidth, document.documentElement.scrollWidth]")
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    assert width == [375, 375]
