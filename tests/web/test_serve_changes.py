"""What changes reaches a running `passerelle serve --workers 2 --watch`: settings edits, uploads as tasks, restarts."""

from __future__ import annotations

import os
import signal
import statistics
import time
from datetime import datetime
from pathlib import Path

import pytest
from test_serve import STOP_LIMIT_SECONDS
from test_serve import Server
from test_serve import children_of
from test_serve import search_total
from test_serve import serving
from test_serve import wait_until
from test_serve import worker_pids
from web_helpers import copy_corpus

from indexer.analysis import analyze
from indexer.crosslang.lexicon import LEARNED_FILE
from indexer.crosslang.lexicon import Lexicon
from indexer.store import current_generation
from indexer.store import write_lock

VISIBLE_WITHIN_SECONDS = 1.0  # the bound, from the commit to every worker answering with it
UPLOAD_ANSWER_SECONDS = 0.1
EDIT_SECONDS = 60  # bound for the watcher to notice an edit and commit it
WORKERS = 2
NEW_TERM = '\n[[term]]\nen = ["zorblax"]\nfr = ["terrorisme"]\ndomain = "cooperation"\n'
NEW_TOPIC = '\n[[topic]]\nid = "quokka-watch"\nlabel_en = "Quokka watch"\nlabel_fr = "Veille quokka"\naliases = ["terrorisme"]\n'


@pytest.fixture
def corpus(tmp_path) -> Path:
    return copy_corpus(tmp_path / "corpus")


def serve_args(corpus: Path, index_dir: Path) -> tuple[str, ...]:
    return ("--workers", str(WORKERS), "--threads", "2", "--watch", "--corpus", str(corpus), "--index", str(index_dir))


def commit_number(index_dir: Path) -> int:
    live = current_generation(index_dir)
    return live.load_commit().number if live else 0


def every_worker_on(server: Server, number: int) -> float:
    """Poll /api/health on new connections until each worker has answered with commit ``number``; returns when."""
    workers = set(worker_pids(server))
    assert len(workers) == WORKERS, workers
    seen: set[int] = set()

    def all_seen():
        status, health = server.get_json("/api/health")
        if status == 200 and health["generation"] >= number:
            seen.add(health["pid"])
        return workers <= seen and time.time()

    return wait_until(all_seen, f"every worker answering with commit {number}", seconds=30, server=server)


def edit_and_measure(server: Server, index_dir: Path, edit) -> float:
    """Apply ``edit`` to the corpus; once the watcher commits it, seconds until every worker serves that commit."""
    before = commit_number(index_dir)
    edit()
    number = wait_until(
        lambda: commit_number(index_dir) > before and commit_number(index_dir), "the commit", EDIT_SECONDS
    )
    committed = datetime.fromisoformat(current_generation(index_dir).load_commit().committed).timestamp()
    return every_worker_on(server, number) - committed


def ended(server: Server, task_id: int) -> dict:
    """The task once it has succeeded or failed (bounded)."""

    def finished():
        task = server.task(task_id)
        return task if task["status"] in ("succeeded", "failed") else None

    return wait_until(finished, f"task {task_id} ending", server=server)


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def answers(server: Server, path: str, times: int = 6) -> list[dict]:
    """The same GET on ``times`` new connections (spread over the workers)."""
    return [server.get_json(path)[1] for _ in range(times)]


def test_glossary_taxonomy_and_lexicon_edits_reach_every_worker_within_a_second(tmp_path, corpus):
    index_dir = tmp_path / "index"
    with serving(tmp_path, *serve_args(corpus, index_dir)) as server:
        assert search_total(server, "zorblax") == 0

        delay = edit_and_measure(server, index_dir, lambda: append(corpus / "glossary.toml", NEW_TERM))
        assert delay < VISIBLE_WITHIN_SECONDS, f"glossary: {delay:.2f} s"
        for found in answers(server, "/api/search?q=zorblax"):
            assert found["total"] > 0 and found["expanded"][0]["from"] == "zorblax", found

        delay = edit_and_measure(server, index_dir, lambda: append(corpus / "taxonomy.toml", NEW_TOPIC))
        assert delay < VISIBLE_WITHIN_SECONDS, f"taxonomy: {delay:.2f} s"
        for found in answers(server, "/api/search?q=terrorisme"):
            assert found["facets"]["topic"].get("quokka-watch", 0) > 0, found["facets"]

        (word,), (french,) = analyze("glorbix", "en"), analyze("criminalité", "fr")
        lexicon = Lexicon({"en": {word: [(french, 0.9)]}})
        delay = edit_and_measure(server, index_dir, lambda: lexicon.save(corpus / LEARNED_FILE))
        assert delay < VISIBLE_WITHIN_SECONDS, f"lexicon: {delay:.2f} s"
        for found in answers(server, "/api/search?q=glorbix"):
            assert found["total"] > 0 and {hit["lang"] for hit in found["results"]} == {"fr"}, found


def test_uploads_answer_at_once_with_tasks_that_succeed_and_wait_answers_as_before(tmp_path, corpus):
    index_dir = tmp_path / "index"
    with serving(tmp_path, *serve_args(corpus, index_dir)) as server:
        seconds, tasks = [], []
        for n in range(5):
            started = time.perf_counter()
            status, body = server.upload(f"walrus-{n}.md", f"# Walrus {n}\n\nWalrus ivory lot {n} seized.\n".encode())
            seconds.append(time.perf_counter() - started)
            assert status == 202 and body["status"] in ("enqueued", "processing"), body
            tasks.append(body["task"])
        assert statistics.median(seconds) < UPLOAD_ANSWER_SECONDS, seconds
        for task_id in tasks:
            task = ended(server, task_id)
            assert task["status"] == "succeeded" and task["documents"][0]["passages"] == 1, task
        assert search_total(server, "walrus") == 5

        status, body = server.upload("narwhal.md", b"# Narwhal\n\nNarwhal tusks seized.\n", wait=30)
        assert status == 201, body
        assert (body["ok"], body["doc_id"], body["passages"], body["path"]) == (True, "narwhal", 1, "narwhal.md")
        assert search_total(server, "narwhal") == 1  # seen by whichever worker answers next


def test_a_task_queued_while_another_writer_holds_the_lock_finishes_after_it(tmp_path, corpus):
    index_dir = tmp_path / "index"
    with serving(tmp_path, *serve_args(corpus, index_dir)) as server:
        with write_lock(index_dir):
            status, body = server.upload("walrus.md", b"# Walrus\n\nWalrus ivory seized.\n")
            assert status == 202
            wait_until(lambda: server.task(body["task"])["status"] == "processing", "the runner taking the task")
            assert server.task(body["task"])["status"] == "processing"  # still: it waits for the lock
            released = time.time()
        task = ended(server, body["task"])
        assert task["status"] == "succeeded", task
        assert datetime.fromisoformat(task["finished_at"]).timestamp() >= released


def test_a_server_killed_with_a_task_enqueued_resumes_it_after_restart(tmp_path, corpus):
    index_dir = tmp_path / "index"
    with write_lock(index_dir):  # the task cannot run before the kill (and the watcher cannot index)
        # Nothing is indexed yet, so /api/health answers 503: answering at all is ready.
        with serving(
            tmp_path, *serve_args(corpus, index_dir), ready=lambda server: server.get_json("/api/health")
        ) as server:
            status, body = server.upload("walrus.md", b"# Walrus\n\nWalrus ivory.\n")
            assert status == 202, body
            workers = children_of(server.process.pid)
            os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait(timeout=STOP_LIMIT_SECONDS)
            wait_until(lambda: not any(Path(f"/proc/{pid}").exists() for pid in workers), "the workers' end")
    with serving(tmp_path, *serve_args(corpus, index_dir)) as server:
        task = ended(server, body["task"])
        assert task["status"] == "succeeded", task
        assert search_total(server, "walrus") == 1
