"""Watching the corpus: bursts become one run, half-written files wait, changes become searchable."""

from __future__ import annotations

import threading
import time

from indexer.ingest.watch import CorpusWatcher
from indexer.models import SearchQuery
from indexer.search import search
from indexer.store import open_index


def total(root, text):
    opened = open_index(root)
    try:
        return search(SearchQuery(text), opened).total
    finally:
        opened.close()


QUIET = 2.0  # long enough that no pause of a busy machine ends it between two lines of a test


def wait_for(condition, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_a_burst_of_changes_is_applied_in_one_run(tmp_corpus, tmp_path):
    reports = []
    watcher = CorpusWatcher(tmp_corpus, tmp_path / "index", reports.append, quiet=QUIET, settle=0.1)
    watcher._run()
    for name in ("a", "b", "c"):
        (tmp_corpus / f"{name}.md").write_text(f"# {name}\n\nZebrafish report {name}.\n", encoding="utf-8")
        watcher.notice(str(tmp_corpus / f"{name}.md"))
    assert watcher.step() is False  # still inside the quiet period
    assert wait_for(watcher.step)  # once it has passed
    assert reports[-1].added == 3 and len(reports) == 2
    assert total(tmp_path / "index", "zebrafish") == 3


def test_a_file_still_growing_is_not_indexed_yet(tmp_corpus, tmp_path):
    reports = []
    watcher = CorpusWatcher(tmp_corpus, tmp_path / "index", reports.append, quiet=0.0, settle=0.3)
    watcher._run()
    path = tmp_corpus / "big.txt"
    path.write_text("Zebrafish smuggling. " * 10, encoding="utf-8")
    watcher.notice(str(path))
    writer = threading.Timer(0.1, lambda: path.write_text("Zebrafish smuggling. " * 2000, encoding="utf-8"))
    writer.start()
    assert watcher.step() is False  # the size moved while it was checked
    writer.join()
    assert watcher.step() is True
    index = open_index(tmp_path / "index")
    document = index.backend.get_document("big")
    index.close()
    assert sum(len(p.text) for p in document.passages) > 20_000


def test_the_observer_notices_new_and_deleted_files(tmp_corpus, tmp_path):
    watcher = CorpusWatcher(tmp_corpus, tmp_path / "index", quiet=0.2, settle=0.1)
    thread = threading.Thread(target=watcher.run_forever, daemon=True)
    thread.start()
    try:
        assert wait_for(lambda: watcher.observing() and (tmp_path / "index" / "current").exists())
        (tmp_corpus / "new.md").write_text("# New\n\nA zebrafish shipment was seized.\n", encoding="utf-8")
        assert wait_for(lambda: total(tmp_path / "index", "zebrafish") == 1)
        (tmp_corpus / "new.md").unlink()
        assert wait_for(lambda: total(tmp_path / "index", "zebrafish") == 0)
    finally:
        watcher.stop()
        thread.join(timeout=10)
