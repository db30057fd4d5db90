"""Fixtures for the web app: indexes of the real corpus and of a hostile one, clients, a live server, a browser."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import needs
import pytest
from flask import Flask
from web_helpers import ADMIN_TOKEN
from web_helpers import CHROMEDRIVER
from web_helpers import CHROMIUM
from web_helpers import CHROMIUM_FLAGS
from web_helpers import CORPUS
from web_helpers import SCREENSHOTS
from web_helpers import app_over
from web_helpers import copy_corpus
from web_helpers import running_tasks
from web_helpers import serve_in_thread
from web_helpers import write_hostile_corpus

from indexer import index_corpus


@pytest.fixture(scope="session")
def web_index_dir(tmp_path_factory) -> Path:
    """The real corpus indexed once per session."""
    root = tmp_path_factory.mktemp("web-index")
    index_corpus(CORPUS, root)
    return root


@pytest.fixture(scope="session")
def hostile_index_dir(tmp_path_factory) -> Path:
    """The hostile corpus indexed once per session."""
    corpus = write_hostile_corpus(tmp_path_factory.mktemp("hostile-corpus"))
    root = tmp_path_factory.mktemp("hostile-index")
    index_corpus(corpus, root)
    return root


@pytest.fixture(scope="session")
def app(web_index_dir) -> Iterator[Flask]:
    """The app over the real corpus, shared like a server process (it keeps no per-request state)."""
    with app_over(web_index_dir) as app:
        yield app


@pytest.fixture
def client(app):
    """A fresh test client of ``app`` (its own cookie jar)."""
    return app.test_client()


@pytest.fixture
def hostile_client(hostile_index_dir):
    """A test client of an app over the hostile corpus."""
    with app_over(hostile_index_dir) as app:
        yield app.test_client()


@pytest.fixture
def no_index_client(tmp_path):
    """A test client of an app whose index folder holds nothing yet."""
    with app_over(tmp_path / "nothing-here") as app:
        yield app.test_client()


@pytest.fixture(scope="session")
def live_server(app) -> Iterator[str]:
    """The app over the real corpus, served for the browser; yields its base URL."""
    with serve_in_thread(app) as url:
        yield url


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    """Headless Chromium driven by Selenium (skipped with the reason when it is not installed; under CI=true, failed)."""
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    if missing:
        needs.missing(f"browser tests need {' and '.join(missing)}: run .ci/install-browser (as root) to install them")
    webdriver = needs.require_module("selenium.webdriver", "browser tests need selenium: pip install -e '.[test]'")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    # Both paths given, so Selenium Manager never looks for (or downloads) a browser or driver.
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def screenshot(browser, request):
    """Call to save a screenshot under tests/output/screenshots/ named after the test (and ``suffix``)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def save(suffix: str = "") -> Path:
        path = SCREENSHOTS / f"{request.node.name}{'-' + suffix if suffix else ''}.png"
        browser.save_screenshot(str(path))
        return path

    return save


@pytest.fixture
def admin_corpus(tmp_path) -> Path:
    """A writable copy of the real corpus."""
    return copy_corpus(tmp_path / "corpus")


@pytest.fixture
def admin_index_dir(tmp_path, admin_corpus) -> Path:
    """``admin_corpus`` indexed into its own folder."""
    root = tmp_path / "index"
    index_corpus(admin_corpus, root)
    return root


@pytest.fixture
def admin_client(admin_corpus, admin_index_dir, monkeypatch):
    """A client of an app over ``admin_corpus`` with the admin token configured."""
    monkeypatch.delenv("PASSERELLE_ADMIN_TOKEN", raising=False)
    with running_tasks(admin_corpus, admin_index_dir):
        with app_over(admin_index_dir, CORPUS_DIR=str(admin_corpus), ADMIN_TOKEN=ADMIN_TOKEN) as app:
            yield app.test_client()
