"""In real headless Chromium: the /admin page shows the index only with the token, uploads and deletes (no inline script)."""

from __future__ import annotations

import needs
import pytest

needs.require_module("selenium", "browser tests need selenium: pip install -e '.[test]'")

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402
from web_helpers import app_over  # noqa: E402
from web_helpers import copy_corpus  # noqa: E402
from web_helpers import running_tasks  # noqa: E402
from web_helpers import serve_in_thread  # noqa: E402

from indexer import index_corpus  # noqa: E402

pytestmark = pytest.mark.browser
TOKEN = "browser-token"
EN_DOC_FILE = "expertise-france-global-threats-organised-crime.txt"


@pytest.fixture
def admin_site(tmp_path, monkeypatch):
    """(base URL, corpus) of a served app with the admin token and a task runner."""
    monkeypatch.delenv("PASSERELLE_ADMIN_TOKEN", raising=False)
    corpus = copy_corpus(tmp_path / "corpus")
    index_dir = tmp_path / "index"
    index_corpus(corpus, index_dir)
    with (
        running_tasks(corpus, index_dir),
        app_over(index_dir, CORPUS_DIR=str(corpus), ADMIN_TOKEN=TOKEN) as app,
        serve_in_thread(app) as url,
    ):
        yield url, corpus


def show_index(browser, wait, token: str) -> None:
    field = browser.find_element(By.ID, "admin-token")
    field.clear()
    field.send_keys(token)
    browser.find_element(By.CSS_SELECTOR, "#token-form button[type=submit]").click()


@pytest.mark.parametrize(("ui", "wrong"), [("en", "not the right one"), ("fr", "n’est pas le bon")])
def test_the_admin_page_shows_the_index_only_once_the_token_is_given(browser, screenshot, admin_site, ui, wrong):
    url, _ = admin_site
    wait = WebDriverWait(browser, 10, poll_frequency=0.05)
    browser.get(f"{url}/admin?ui={ui}")
    main = browser.find_element(By.TAG_NAME, "main")
    assert EN_DOC_FILE not in main.text and not browser.find_element(By.ID, "admin-index").is_displayed()
    show_index(browser, wait, "wrong")
    wait.until(EC.text_to_be_present_in_element((By.ID, "admin-status"), wrong))
    assert EN_DOC_FILE not in main.text
    show_index(browser, wait, TOKEN)
    wait.until(EC.text_to_be_present_in_element((By.ID, "documents-table"), EN_DOC_FILE))
    screenshot(ui)


def test_the_admin_page_uploads_then_deletes_a_document(browser, screenshot, admin_site, tmp_path):
    url, corpus = admin_site
    upload = tmp_path / "walrus-report.md"
    upload.write_text("# Walrus\n\nWalrus ivory seized at the harbour.\n", encoding="utf-8")
    wait = WebDriverWait(browser, 10, poll_frequency=0.05)
    browser.get(f"{url}/admin?ui=en")
    browser.find_element(By.ID, "admin-token").send_keys(TOKEN)
    browser.find_element(By.ID, "upload-file").send_keys(str(upload))
    browser.find_element(By.ID, "upload-title").send_keys('Walrus "report"')
    browser.find_element(By.CSS_SELECTOR, "#upload-form button[type=submit]").click()
    wait.until(EC.text_to_be_present_in_element((By.ID, "admin-status"), "Indexed walrus-report"))
    screenshot("uploaded")
    assert (corpus / "walrus-report.md").exists()
    browser.get(f"{url}/admin?ui=en")
    show_index(browser, wait, TOKEN)
    wait.until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".admin-tasks"), "walrus-report.md"))  # the queue
    browser.find_element(By.CSS_SELECTOR, '.delete-document[data-doc-id="walrus-report"]').click()
    wait.until(EC.alert_is_present()).accept()
    wait.until(EC.text_to_be_present_in_element((By.ID, "admin-status"), "Deleted walrus-report"))
    assert not (corpus / "walrus-report.md").exists()
    assert not browser.find_elements(By.CSS_SELECTOR, '.delete-document[data-doc-id="walrus-report"]')
    browser.find_element(By.ID, "admin-token").clear()
    browser.find_element(By.ID, "admin-token").send_keys("wrong")
    browser.find_elements(By.CSS_SELECTOR, ".delete-document")[0].click()
    wait.until(EC.alert_is_present()).accept()
    wait.until(EC.text_to_be_present_in_element((By.ID, "admin-status"), "token"))
    screenshot("wrong-token")


@pytest.mark.parametrize(
    ("ui", "limit", "refusal"),
    [("en", "at most 20 MB", "not a PDF"), ("fr", "20 Mo au plus", "ce n’est pas un PDF")],
)
def test_the_admin_page_speaks_the_interface_language_and_looks_like_the_search_page(
    browser, screenshot, admin_site, tmp_path, ui, limit, refusal
):
    url, corpus = admin_site
    fake = tmp_path / "notes.pdf"
    fake.write_text("Plain text saved under a .pdf name.\n", encoding="utf-8")
    wait = WebDriverWait(browser, 10, poll_frequency=0.05)
    browser.get(f"{url}/admin?ui={ui}")
    assert limit in browser.find_element(By.CSS_SELECTOR, "label[for=upload-file]").text
    browser.find_element(By.ID, "admin-token").send_keys(TOKEN)
    upload_from_page(browser, fake)
    wait.until(EC.text_to_be_present_in_element((By.ID, "admin-status"), refusal))
    assert "corrupt" not in browser.find_element(By.ID, "admin-status").text
    show_index(browser, wait, TOKEN)
    wait.until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".admin-tasks"), refusal))
    button = browser.find_element(By.CSS_SELECTOR, "#upload-form button[type=submit]")
    field = browser.find_element(By.ID, "upload-title")
    assert button.value_of_css_property("color") == "rgba(255, 255, 255, 1)"  # white on the accent, as Search
    assert field.value_of_css_property("border-top-width") == "2px"
    assert not (corpus / "notes.pdf").exists()
    screenshot(ui)


def upload_from_page(browser, path) -> None:
    browser.find_element(By.ID, "upload-file").send_keys(str(path))
    browser.find_element(By.CSS_SELECTOR, "#upload-form button[type=submit]").click()


@pytest.mark.parametrize(
    ("ui", "deleted_record", "deleted_file"),
    [("en", "Deleted rec-1.", "Deleted tusks.jsonl."), ("fr", "rec-1 supprimé.", "tusks.jsonl supprimé.")],
)
def test_the_admin_page_deletes_one_record_of_a_collection_then_the_whole_file(
    browser, screenshot, admin_site, tmp_path, ui, deleted_record, deleted_file
):
    url, corpus = admin_site
    records = tmp_path / "tusks.jsonl"
    records.write_text(
        '{"id": "rec-1", "lang": "en", "title": "One", "text": "Walrus tusks seized."}\n'
        '{"id": "rec-2", "lang": "en", "title": "Two", "text": "Narwhal tusks seized."}\n'
        '{"id": "rec-3", "lang": "en", "title": "Three", "text": "Mammoth tusks seized."}\n',
        encoding="utf-8",
    )
    wait = WebDriverWait(browser, 10, poll_frequency=0.05)
    browser.get(f"{url}/admin?ui={ui}")
    browser.find_element(By.ID, "admin-token").send_keys(TOKEN)
    upload_from_page(browser, records)
    wait.until(EC.visibility_of_element_located((By.CSS_SELECTOR, '.delete-record[data-doc-id="rec-1"]'))).click()
    wait.until(EC.alert_is_present()).accept()
    wait.until(EC.text_to_be_present_in_element((By.ID, "admin-status"), deleted_record))
    assert "rec-1" not in (corpus / "tusks.jsonl").read_text(encoding="utf-8")
    assert not browser.find_elements(By.CSS_SELECTOR, '.delete-record[data-doc-id="rec-1"]')
    screenshot(ui + "-record")
    browser.find_element(By.CSS_SELECTOR, '.delete-file[data-path="tusks.jsonl"]').click()
    wait.until(EC.alert_is_present()).accept()
    wait.until(EC.text_to_be_present_in_element((By.ID, "admin-status"), deleted_file))
    assert not (corpus / "tusks.jsonl").exists()
    assert "tusks.jsonl" not in browser.find_element(By.ID, "documents-table").text


@pytest.mark.parametrize(("ui", "replaced"), [("en", "Replaced rapport-abidjan"), ("fr", "rapport-abidjan remplacé")])
def test_the_admin_page_replaces_a_document_under_the_same_id(browser, screenshot, admin_site, tmp_path, ui, replaced):
    url, corpus = admin_site
    first = tmp_path / "rapport-abidjan.md"
    first.write_text("# Abidjan\n\nXylophone seizures at the port.\n", encoding="utf-8")
    changed = tmp_path / "changed" / "rapport-abidjan.md"
    changed.parent.mkdir()
    changed.write_text("# Abidjan\n\nMarimba seizures at the port.\n", encoding="utf-8")
    wait = WebDriverWait(browser, 10, poll_frequency=0.05)
    browser.get(f"{url}/admin?ui={ui}")
    browser.find_element(By.ID, "admin-token").send_keys(TOKEN)
    upload_from_page(browser, first)
    replace = (By.CSS_SELECTOR, '.replace-document[aria-label$="rapport-abidjan"]')
    wait.until(EC.visibility_of_element_located(replace)).click()
    assert browser.find_element(By.ID, "upload-replace").get_attribute("value") == "rapport-abidjan"
    upload_from_page(browser, changed)
    wait.until(EC.text_to_be_present_in_element((By.ID, "admin-status"), replaced))
    screenshot(ui)
    assert sorted(path.name for path in corpus.glob("rapport-abidjan*")) == ["rapport-abidjan.md"]
    assert "Marimba" in (corpus / "rapport-abidjan.md").read_text(encoding="utf-8")
    assert "rapport-abidjan-2" not in browser.find_element(By.ID, "documents-table").text
