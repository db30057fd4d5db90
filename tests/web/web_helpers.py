"""Shared by the web tests: corpus paths, the hostile corpus, an app over an index, a server thread.

Not a package module on purpose: tests/ has no __init__.py, so pytest puts this folder on sys.path
and a tests/web/__init__.py would shadow the real ``web`` package.
"""

from __future__ import annotations

import io
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask

from indexer.ingest.runner import TaskRunner
from web import create_app
from web.engine import live_index

ROOT = Path(__file__).resolve().parents[2]
TASK_RUNNER_STOP_SECONDS = 30
CORPUS = ROOT / "corpus"
SCREENSHOTS = ROOT / "tests" / "output" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1280,900",
)

EN_DOC = "expertise-france-global-threats-organised-crime"
FR_DOC = "pfig-partenaires-flux-illicites-globaux"
HOSTILE_DOC = "reports/xss (draft): v1"  # "/", ":", "(", ")" and a space in a document id
JS_LINK_DOC = "evil-link"
SCRIPT_PAYLOAD = '<script>alert("xss")</script>'
ADMIN_TOKEN = "correct horse battery staple"
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
NEW_TEXT = b"# Zanzibar ports\n\nDhow captains reported xylophone smuggling through Zanzibar harbour.\n"
IMG_PAYLOAD = "<img src=x onerror=alert(1)>"
HOSTILE_TITLE = "<script>alert('title')</script> Hostile report"
HOSTILE_PUBLISHER = "Evil <i>Corp</i> & Co"
HOSTILE_HEADING = "Hostile <b>heading</b> section"
HOSTILE_LABEL = "<em>Hostile</em> topic"
HOSTILE_SOURCE = "https://example.org/report?a=1&b=2"


def write_hostile_corpus(folder: Path) -> Path:
    """A corpus whose every text field carries markup that must be shown as text, never run."""
    (folder / "reports").mkdir(parents=True)
    stem = folder / "reports" / "xss (draft): v1"
    stem.with_suffix(".txt").write_text(
        f"{HOSTILE_HEADING}\n\n"
        f"This passage shows {SCRIPT_PAYLOAD} as text and an image {IMG_PAYLOAD} that must not load; "
        "it is about money laundering.\n\n"
        'Another passage about corruption & "quotes" with a link <a href="javascript:alert(2)">click</a>.\n',
        encoding="utf-8",
    )
    Path(f"{stem}.meta.toml").write_text(
        f'title = "{HOSTILE_TITLE}"\nlang = "en"\npublisher = "{HOSTILE_PUBLISHER}"\nsource_url = "{HOSTILE_SOURCE}"\n',
        encoding="utf-8",
    )
    plain = "A plain passage about money laundering with a bad source.\n"
    (folder / f"{JS_LINK_DOC}.txt").write_text(plain, encoding="utf-8")
    (folder / f"{JS_LINK_DOC}.meta.toml").write_text(
        'title = "Bad source link"\nlang = "en"\nsource_url = "javascript:alert(3)"\n', encoding="utf-8"
    )
    (folder / "taxonomy.toml").write_text(
        f'[[topic]]\nid = "corruption"\nlabel_en = "{HOSTILE_LABEL}"\nlabel_fr = "{HOSTILE_LABEL}"\n'
        'aliases = ["corruption"]\n',
        encoding="utf-8",
    )
    return folder


@contextmanager
def app_over(index_dir: Path, **config) -> Iterator[Flask]:
    """An app over ``index_dir``; its index is closed afterwards (an open file would warn, and warnings fail)."""
    app = create_app({"INDEX_DIR": str(index_dir), "TESTING": True, **config})
    try:
        yield app
    finally:
        live_index(app).close()


@contextmanager
def serve_in_thread(app: Flask) -> Iterator[str]:
    """Serve ``app`` with waitress on 127.0.0.1 and a free port; yields the base URL."""
    from waitress.server import create_server
    from waitress.wasyncore import close_all

    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, name="waitress", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        # Close every socket from inside the server's loop (the trigger runs it there), so the
        # loop sees an empty map and returns; closing from this thread would race with its poll.
        server.trigger.pull_trigger(lambda: close_all(server._map))
        thread.join(timeout=5)
        server.task_dispatcher.shutdown()


def copy_corpus(target: Path) -> Path:
    """A writable copy of the real corpus (for tests that change files under a running app)."""
    shutil.copytree(CORPUS, target)
    return target


def upload(client, name="zanzibar.md", data=NEW_TEXT, headers=AUTH, wait=30, **fields):
    """POST a file to /api/documents (with the admin token unless ``headers`` says otherwise).

    With ``wait`` (seconds) the answer is the synchronous one once the task ends; 0 gives the 202 at once.
    """
    url = f"/api/documents?wait={wait}" if wait else "/api/documents"
    return client.post(url, headers=headers, data={"file": (io.BytesIO(data), name), **fields})


def delete(client, doc_id, headers=AUTH, wait=30):
    """DELETE /api/documents/<doc_id>, waiting for the task like ``upload``."""
    url = f"/api/documents/{doc_id}" + (f"?wait={wait}" if wait else "")
    return client.delete(url, headers=headers)


@contextmanager
def running_tasks(corpus: Path, index_dir: Path, **options) -> Iterator[TaskRunner]:
    """A task runner over ``index_dir`` in a thread, as ``passerelle serve`` runs one, stopped afterwards;
    ``options`` go to ``TaskRunner`` (a ``timeout`` applies each batch in a child process)."""
    runner = TaskRunner(corpus, index_dir, poll=0.05, **options)
    thread = threading.Thread(target=runner.run_forever, name="task-runner", daemon=True)
    thread.start()
    try:
        yield runner
    finally:
        runner.stop()
        thread.join(timeout=TASK_RUNNER_STOP_SECONDS)
        assert not thread.is_alive(), "the task runner did not stop"
