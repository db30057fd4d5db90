"""In real headless Chromium: search, follow a result to its passage, filter, switch language, stay safe.

Marked ``browser``; skipped with the reason when selenium, Chromium or chromedriver is missing, failed
under ``CI=true`` (``.ci/install-browser`` installs the browser). Each test saves a screenshot in tests/output/screenshots/.
"""

from __future__ import annotations

import json
from urllib.parse import quote
from urllib.request import urlopen

import needs
import pytest

needs.require_module("selenium", "browser tests need selenium: pip install -e '.[test]'")

from selenium.common.exceptions import NoAlertPresentException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402
from web_helpers import EN_DOC  # noqa: E402
from web_helpers import HOSTILE_DOC  # noqa: E402
from web_helpers import IMG_PAYLOAD  # noqa: E402
from web_helpers import SCRIPT_PAYLOAD  # noqa: E402
from web_helpers import app_over  # noqa: E402
from web_helpers import serve_in_thread  # noqa: E402

pytestmark = pytest.mark.browser
WAIT_SECONDS = 10
IN_VIEW = "const r = arguments[0].getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight;"


@pytest.fixture(autouse=True)
def fresh_session(browser):
    """Each test starts without cookies, so a language chosen by one test never leaks into the next."""
    browser.execute_cdp_cmd("Network.clearBrowserCookies", {})


def wait(browser) -> WebDriverWait:
    """An explicit wait that polls often, so no test sleeps."""
    return WebDriverWait(browser, WAIT_SECONDS, poll_frequency=0.05)


def visible(browser, selector: str):
    """The element matching ``selector`` once it is displayed."""
    return wait(browser).until(EC.visibility_of_element_located((By.CSS_SELECTOR, selector)))


def search_for(browser, base_url: str, text: str) -> None:
    """Type ``text`` in the query box of the home page and submit with Enter, like a person."""
    browser.get(base_url + "/")
    box = visible(browser, "#q")
    box.clear()
    box.send_keys(text, Keys.ENTER)
    wait(browser).until(lambda b: "/search?" in b.current_url)
    visible(browser, ".result-count")


def result_count(browser) -> int:
    """The number of passages the results page announces."""
    return int(visible(browser, ".result-count strong").text.split()[0])


def alert_was_shown(browser) -> bool:
    """True (and the alert dismissed) if a page script opened a dialog."""
    try:
        browser.switch_to.alert.dismiss()
    except NoAlertPresentException:
        return False
    return True


def test_a_search_shows_the_aml_cft_passage_with_marked_words(browser, live_server, screenshot):
    search_for(browser, live_server, "money laundering")
    hits = browser.find_elements(By.CSS_SELECTOR, ".hit")
    aml = [hit for hit in hits if "AML/CFT" in hit.text and hit.find_elements(By.TAG_NAME, "mark")]
    assert aml, [hit.text for hit in hits]
    marked = {mark.text.lower() for mark in aml[0].find_elements(By.TAG_NAME, "mark")}
    assert marked & {"money", "laundering"}
    assert browser.find_element(By.ID, "q").get_attribute("value") == "money laundering"
    assert "money laundering" in browser.title
    screenshot()


def test_clicking_a_result_shows_the_passage_in_view_and_marked(browser, live_server, screenshot):
    search_for(browser, live_server, "money laundering")
    link = browser.find_element(By.CSS_SELECTOR, ".hit .hit-title a")
    passage_id = link.get_attribute("href").rsplit("#", 1)[1]
    link.click()
    wait(browser).until(lambda b: "/doc/" in b.current_url)
    target = visible(browser, f".passage[id='{passage_id}']")
    assert browser.execute_script("return document.querySelector(':target').id") == passage_id
    wait(browser).until(lambda b: b.execute_script(IN_VIEW, target))
    plain = browser.execute_script(
        "return getComputedStyle(document.querySelector('.passage:not(:target)')).backgroundColor"
    )
    assert target.value_of_css_property("background-color") != plain
    assert browser.find_elements(By.CSS_SELECTOR, ".document mark")
    assert not browser.find_element(By.ID, "passage-missing").is_displayed()
    screenshot()


def test_a_facet_narrows_the_results(browser, live_server, screenshot):
    search_for(browser, live_server, "crime")
    before = result_count(browser)
    value = browser.find_element(By.CSS_SELECTOR, ".facet[aria-labelledby='facet-project'] .facet-value")
    expected = int(value.find_element(By.CSS_SELECTOR, ".count").text)
    value.find_element(By.TAG_NAME, "a").click()
    wait(browser).until(lambda b: "project=" in b.current_url)
    after = result_count(browser)
    assert after == expected and 0 < after < before
    assert browser.find_elements(By.CSS_SELECTOR, ".active-filters .chip")
    screenshot()


def test_the_interface_switches_to_french(browser, live_server, screenshot):
    search_for(browser, live_server, "money laundering")
    browser.find_element(By.CSS_SELECTOR, ".ui-switch a[hreflang='fr']").click()
    wait(browser).until(lambda b: b.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr")
    assert browser.find_element(By.CSS_SELECTOR, ".search-row button").text == "Rechercher"
    assert browser.find_element(By.ID, "q").get_attribute("value") == "money laundering"
    assert "Affiner" in browser.find_element(By.CSS_SELECTOR, ".facets").text
    browser.get(live_server + "/")  # the choice is remembered by the cookie
    assert visible(browser, ".search-row button").text == "Rechercher"
    screenshot()


def test_a_missing_passage_shows_the_notice(browser, live_server, screenshot):
    browser.get(f"{live_server}/doc/{EN_DOC}#no-such-passage")
    assert "no longer in this document" in visible(browser, "#passage-missing").text
    screenshot()


def test_hostile_document_text_is_shown_and_nothing_runs(browser, hostile_index_dir, screenshot):
    with app_over(hostile_index_dir) as app, serve_in_thread(app) as url:
        search_for(browser, url, SCRIPT_PAYLOAD + " money")
        assert not alert_was_shown(browser)
        assert not browser.find_elements(By.CSS_SELECTOR, "main img, main script")
        assert SCRIPT_PAYLOAD in browser.find_element(By.ID, "q").get_attribute("value")
        screenshot("results")
        browser.get(f"{url}/doc/{quote(HOSTILE_DOC, safe='/')}?q=money")
        text = visible(browser, ".document").text
        screenshot()
        assert not alert_was_shown(browser)
        assert SCRIPT_PAYLOAD in text and IMG_PAYLOAD in text
        assert not browser.find_elements(By.CSS_SELECTOR, "main img, main script")
        assert browser.execute_script("return document.scripts.length") == 1  # passage.js only


def marks_in(browser, selector: str) -> list[str]:
    return [mark.text for mark in browser.find_elements(By.CSS_SELECTOR, f"{selector} mark")]


def test_hits_sharing_a_document_show_one_group_with_sub_results_and_a_more_link(browser, live_server, screenshot):
    search_for(browser, live_server, "terrorisme")
    count = visible(browser, ".result-count strong").text  # "11 passages in 2 documents"
    groups = browser.find_elements(By.CSS_SELECTOR, ".hits > li.group")
    assert f"in {len(groups)} documents" in count
    titles = [group.find_element(By.CSS_SELECTOR, ".doc-title").text for group in groups]
    assert len(set(titles)) == len(titles)  # each document once
    first = groups[0]
    subs = first.find_elements(By.CSS_SELECTOR, ".sub-hit a.sub-link")
    assert 1 <= len(subs) <= 3
    more = first.find_element(By.CSS_SELECTOR, ".more-in-document a")
    screenshot("results")
    more.click()
    wait(browser).until(lambda b: "/doc/" in b.current_url and "q=terrorisme" in b.current_url)
    assert visible(browser, ".document h1").text == titles[0]
    assert marks_in(browser, ".document")
    screenshot("document")


@pytest.mark.parametrize(("ui", "more"), [("en", "more passages in this document"), ("fr", "autres passages")])
def test_more_passages_opens_the_document_at_the_first_of_them(browser, live_server, screenshot, ui, more):
    browser.get(f"{live_server}/search?q=terrorisme&ui={ui}")
    first = visible(browser, ".hits > li.group")
    link = first.find_element(By.CSS_SELECTOR, ".more-in-document a")
    shown = {
        a.get_attribute("href").rsplit("#", 1)[1]
        for a in first.find_elements(By.CSS_SELECTOR, ".hit-title a, .sub-hit a")
    }
    assert len(shown) >= 2
    assert more in link.text
    link.click()
    wait(browser).until(lambda b: "/doc/" in b.current_url and "#" in b.current_url)
    passage_id = browser.current_url.rsplit("#", 1)[1]
    assert passage_id not in shown
    target = visible(browser, f".passage[id='{passage_id}']")
    wait(browser).until(lambda b: b.execute_script(IN_VIEW, target))
    assert target.find_elements(By.TAG_NAME, "mark")
    earlier = browser.execute_script(
        "const all = [...document.querySelectorAll('.passage')];"
        "return all.slice(0, all.findIndex(p => p.id === arguments[0]))"
        ".filter(p => p.querySelector('mark') && !arguments[1].includes(p.id)).length;",
        passage_id,
        sorted(shown),
    )
    assert earlier == 0  # no marked passage left out of the results comes before it
    screenshot(ui)


def test_a_phrase_query_marks_only_the_phrase_on_results_and_document_page(browser, live_server, screenshot):
    search_for(browser, live_server, '"port security"')
    marks = marks_in(browser, ".hits")
    # The phrase, and the glossary's phrases for it; never one of its words on its own.
    assert "port security" in {mark.lower() for mark in marks} and all(" " in mark for mark in marks), marks
    screenshot("results")
    browser.find_element(By.CSS_SELECTOR, ".hit .hit-title a").click()
    wait(browser).until(lambda b: "/doc/" in b.current_url)
    marks = marks_in(browser, ".document")
    assert marks and all(" " in mark for mark in marks), marks
    screenshot("document")


def test_the_keyboard_reaches_every_sub_result_link(browser, live_server):
    search_for(browser, live_server, "terrorisme")
    wanted = {
        a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, ".sub-hit a, .more-in-document a")
    }
    assert wanted
    browser.find_element(By.ID, "q").click()
    reached = set()
    for _ in range(300):  # more Tab stops than the page has links
        browser.switch_to.active_element.send_keys(Keys.TAB)
        reached.add(browser.switch_to.active_element.get_attribute("href"))
        if wanted <= reached:
            break
    assert wanted <= reached, wanted - reached


@pytest.mark.parametrize(
    ("ui", "shown", "not_shown"),
    [
        ("en", ("customs AND police", "trafficking -drugs", "project:wecaps"), ("ET", "SAUF", "projet:")),
        ("fr", ("douane ET police", "trafic SAUF drogue", "projet:wecaps", "langue:en", "(port OU portuaire)"),
         ("customs AND police", "trafficking -drugs", "project:wecaps")),
    ],
)  # fmt: skip
def test_the_search_help_speaks_the_interface_language(browser, live_server, screenshot, ui, shown, not_shown):
    browser.get(f"{live_server}/?ui={ui}")
    examples = [code.text for code in browser.find_elements(By.CSS_SELECTOR, ".syntax dt code")]
    assert examples and all(any(text in example for example in examples) for text in shown), examples
    assert not [example for example in examples for text in not_shown if text in example], examples
    screenshot(ui)


@pytest.mark.parametrize(("ui", "ending"), [("en", "laundering?"), ("fr", "laundering\u202f?")])
def test_did_you_mean_ends_with_the_spacing_of_the_interface_language(browser, live_server, ui, ending):
    browser.get(f"{live_server}/search?q=launderng&ui={ui}")
    assert visible(browser, ".suggestion").get_attribute("textContent").strip().endswith(ending)


@pytest.mark.parametrize(("ui", "asks"), [("en", "Did you mean security port?"), ("fr", "Vouliez-vous dire")])
def test_a_misspelt_word_is_corrected_even_when_the_other_words_find_passages(browser, live_server, ui, asks):
    browser.get(f"{live_server}/search?q=securty+port&ui={ui}")
    assert result_count(browser) >= 3
    assert asks in " ".join(visible(browser, ".suggestion").text.split())
    browser.find_element(By.LINK_TEXT, "security port").click()
    wait(browser).until(lambda b: "q=security+port" in b.current_url)
    assert result_count(browser) > 0


@pytest.mark.parametrize("ui", ["en", "fr"])
def test_no_suggestion_keeps_a_word_the_index_does_not_know(browser, live_server, ui):
    browser.get(f"{live_server}/search?q=zzqxv+quantum+unicorn&ui={ui}")
    visible(browser, ".result-count")
    assert not browser.find_elements(By.CSS_SELECTOR, ".suggestion")


@pytest.mark.parametrize(
    ("ui", "says", "browse"),
    [
        ("en", "There is nothing to search in “AND”: type words", "List every passage, newest first"),
        ("fr", "Il n’y a rien à chercher dans « AND » : tapez des mots", "Lister tous les passages"),
    ],
)
def test_an_operator_alone_says_what_to_type_and_offers_browsing(browser, live_server, screenshot, ui, says, browse):
    browser.get(f"{live_server}/search?q=AND&ui={ui}")
    assert visible(browser, ".error-message").text.startswith(says)
    assert not browser.find_elements(By.CSS_SELECTOR, ".hit, .group")
    assert browser.find_elements(By.CSS_SELECTOR, ".syntax dt code")  # the examples to type
    screenshot(ui)
    browser.find_element(By.PARTIAL_LINK_TEXT, browse).click()
    wait(browser).until(lambda b: "sort=newest" in b.current_url)
    with urlopen(f"{live_server}/api/health") as health:
        assert result_count(browser) == json.load(health)["passages"]


@pytest.mark.parametrize(
    ("ui", "says", "known"),
    [("en", "There is no topic “bogus”.", "Corruption"), ("fr", "Il n’y a pas de thème « bogus ».", "Corruption")],
)
def test_an_unknown_topic_is_said_and_the_known_ones_are_offered(browser, live_server, screenshot, ui, says, known):
    browser.get(f"{live_server}/search?q=corruption&topic=bogus&ui={ui}")
    assert visible(browser, ".error-message").text == says
    assert not browser.find_elements(By.CSS_SELECTOR, ".active-filters .chip")
    screenshot(ui)
    browser.find_element(By.LINK_TEXT, known).click()
    wait(browser).until(lambda b: "topic=corruption" in b.current_url)
    assert result_count(browser) > 0


@pytest.mark.parametrize(("ui", "one"), [("en", "(document 1)"), ("fr", "(document 1)")])
def test_a_single_result_is_counted_without_a_range(browser, live_server, ui, one):
    browser.get(f"{live_server}/search?q=SEACOP&ui={ui}")
    count = " ".join(visible(browser, ".result-count").text.split())
    assert one in count and "1–1" not in count and "1 à 1" not in count


@pytest.mark.parametrize("ui", ["en", "fr"])
def test_on_a_phone_the_first_result_comes_before_what_else_was_searched_and_tags_fit(
    browser, live_server, screenshot, ui
):
    phone = {"width": 375, "height": 800, "deviceScaleFactor": 1, "mobile": True}
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", phone)
    try:
        browser.get(f"{live_server}/search?q=blanchiment&ui={ui}")
        first = visible(browser, ".hits > li")
        expanded = browser.find_element(By.CSS_SELECTOR, ".expanded")
        top = browser.execute_script("return arguments[0].getBoundingClientRect().top", first)
        assert top < 420 and first.location["y"] < expanded.location["y"]  # it was at 536 to 561 px
        assert expanded.text  # still shown, below the results
        tags = browser.find_elements(By.CSS_SELECTOR, ".hit .tag")
        assert tags
        edges = browser.execute_script(
            "return arguments[0].map(t => t.getBoundingClientRect().right)"
            ".concat([...document.querySelectorAll('.hit .tags')].map(r => r.scrollWidth - r.clientWidth))",
            tags,
        )
        assert max(edges[: len(tags)]) <= 375 and max(edges[len(tags) :]) <= 0, edges
        screenshot(ui)
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
