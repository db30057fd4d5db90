"""In real headless Chromium: the /admin page uploads with the bearer token and deletes (no inline script)."""

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


def test_the_admin_page_uploads_then_deletes_a_document(browser, screenshot, tmp_path, monkeypatch):
    monkeypatch.delenv("PASSERELLE_ADMIN_TOKEN", raising=False)
    corpus = copy_corpus(tmp_path / "corpus")
    index_dir = tmp_path / "index"
    index_corpus(corpus, index_dir)
    upload = tmp_path / "walrus-report.md"
    upload.write_text("# Walrus\n\nWalrus ivory seized at the harbour.\n", encoding="utf-8")
    wait = WebDriverWait(browser, 10, poll_frequency=0.05)
    with (
        running_tasks(corpus, index_dir),
        app_over(index_dir, CORPUS_DIR=str(corpus), ADMIN_TOKEN=TOKEN) as app,
        serve_in_thread(app) as url,
    ):
        browser.get(f"{url}/admin?ui=en")
        browser.find_element(By.ID, "admin-token").send_keys(TOKEN)
        browser.find_element(By.ID, "upload-file").send_keys(str(upload))
        browser.find_element(By.ID, "upload-title").send_keys('Walrus "report"')
        browser.find_element(By.CSS_SELECTOR, "#upload-form button[type=submit]").click()
        wait.until(EC.text_to_be_present_in_element((By.ID, "admin-status"), "Indexed walrus-report"))
        screenshot("uploaded")
        assert (corpus / "walrus-report.md").exists()
        browser.get(f"{url}/admin?ui=en")
        assert "walrus-report.md" in browser.find_element(By.CSS_SELECTOR, ".admin-tasks").text  # the queue
        browser.find_element(By.ID, "admin-token").send_keys(TOKEN)
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
