"""The task runner and the admin API under faults: a full disk, a dead runner, a task that never
ends, a cancelled task; and absolute links that a hostile ``Host`` header must not reach."""

from __future__ import annotations

import errno
import io
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from test_serve import children_of
from test_serve import serving
from test_serve import wait_until
from web_helpers import ADMIN_TOKEN
from web_helpers import AUTH
from web_helpers import EN_DOC
from web_helpers import NEW_TEXT
from web_helpers import app_over
from web_helpers import running_tasks
from web_helpers import upload

import web.cli
from indexer.ingest.tasks import TaskQueue
from indexer.store import write_lock

DEADLINE_SECONDS = 60
HOSTILE_HOST = "evil.example"


def eventually(condition, what: str, seconds: float = DEADLINE_SECONDS):
    """``condition()`` once it is true, failing after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not (found := condition()):
        assert time.monotonic() < deadline, f"{what} did not happen within {seconds} s"
        time.sleep(0.02)
    return found


def runner_thread(corpus: Path, index_dir: Path, **options):
    """A task runner with a time limit (each batch in a child process) in a thread, stopped afterwards."""
    return running_tasks(corpus, index_dir, **{"timeout": 60, **options})


@pytest.fixture
def site(admin_corpus, admin_index_dir, monkeypatch):
    """An app with the admin token over a copy of the corpus, and no task runner yet."""
    monkeypatch.delenv("PASSERELLE_ADMIN_TOKEN", raising=False)
    with app_over(admin_index_dir, CORPUS_DIR=str(admin_corpus), ADMIN_TOKEN=ADMIN_TOKEN) as app:
        yield app


@contextmanager
def full_tmpfs(folder: Path, spare_bytes: int = 0) -> Iterator[bool]:
    """``folder`` (its files kept) on a small tmpfs filled up; yields False when mounting is impossible."""
    if os.geteuid() != 0:
        print(f"not root: cannot mount a tmpfs at {folder}")
        yield False
        return
    kept = folder.with_name(folder.name + ".kept")
    folder.rename(kept)
    folder.mkdir()
    used = sum(path.stat().st_size for path in kept.rglob("*") if path.is_file())
    size_kb = (used + spare_bytes) // 1024 + 256
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(folder)], check=False)
    if mounted.returncode != 0:
        print(f"mount -t tmpfs failed (no CAP_SYS_ADMIN?): {folder}")
        folder.rmdir()
        kept.rename(folder)
        yield False
        return
    try:
        shutil.copytree(kept, folder, dirs_exist_ok=True, symlinks=True)
        with open(folder / ".filler", "wb") as filler:
            try:
                while True:
                    filler.write(b"\0" * (1 << 16))
                    filler.flush()
            except OSError as error:
                assert error.errno == errno.ENOSPC
        yield True
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)
        folder.rmdir()
        kept.rename(folder)


class FullDisk(io.RawIOBase):
    """A file whose writes fail as on a full disk (when no tmpfs can be mounted)."""

    def writable(self):
        return True

    def write(self, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


# --- uploads with no room ---


def test_an_upload_while_the_disk_is_full_is_a_507_and_keeps_nothing(site, admin_corpus, monkeypatch):
    uploads = admin_corpus / "uploads"
    uploads.mkdir()
    site.config["UPLOAD_FOLDER"] = str(uploads)
    with full_tmpfs(uploads) as mounted:
        if not mounted:
            print("writes of the upload are patched to fail with ENOSPC instead")
            real_fdopen = os.fdopen
            monkeypatch.setattr(
                os,
                "fdopen",
                lambda fd, mode="r", *a, **k: real_fdopen(fd, mode, *a, **k) if "r" in mode else FullDisk(),
            )
        response = upload(site.test_client(), data=NEW_TEXT * 2000, wait=0)
        assert response.status_code == 507
        body = response.get_json()
        assert body["code"] == "disk_full" and body["status"] == 507
        assert "zanzibar.md" in body["error"] and "No space left on device" in body["error"]
        assert sorted(path.name for path in uploads.iterdir()) == ([".filler"] if mounted else [])
    assert TaskQueue(Path(site.config["INDEX_DIR"])).recent() == []


def test_an_upload_whose_task_cannot_be_recorded_is_a_507_and_its_file_is_removed(site, admin_corpus, monkeypatch):
    def no_room(path, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr("indexer.ingest.tasks.write_json", no_room)
    response = upload(site.test_client(), wait=0)
    assert response.status_code == 507 and response.get_json()["code"] == "disk_full"
    assert not (admin_corpus / "zanzibar.md").exists()
    monkeypatch.undo()
    assert TaskQueue(Path(site.config["INDEX_DIR"])).recent() == []


def test_a_task_that_keeps_hitting_a_full_disk_is_tried_with_a_doubling_wait_then_fails(
    site, admin_corpus, admin_index_dir, caplog
):
    client = site.test_client()
    with full_tmpfs(admin_index_dir / "generations") as mounted:
        if not mounted:
            pytest.skip("a full disk for the index needs a tmpfs: run the tests as root to mount one")
        with caplog.at_level(logging.WARNING, logger="indexer.ingest.runner"):
            with runner_thread(admin_corpus, admin_index_dir, retries=3, retry_seconds=0.05):
                task = upload(client, wait=0).get_json()
                ended = eventually(lambda: TaskQueue(admin_index_dir).get(task["task"]).finished, "the task's end")
                task = TaskQueue(admin_index_dir).get(task["task"])
    assert task.status == "failed" and task.error["code"] == "os_error"
    assert "after 3 tries" in task.error["message"] and "No space left on device" in task.error["message"]
    lines = [record for record in caplog.records if record.name == "indexer.ingest.runner"]
    assert len(lines) == 3 and not any(record.exc_info for record in lines), [r.getMessage() for r in lines]
    assert "next try in 0.05 s" in lines[0].getMessage() and "next try in 0.1 s" in lines[1].getMessage()
    assert ended and not (admin_corpus / "zanzibar.md").exists()
    # The disk has room again: the next upload goes through.
    with runner_thread(admin_corpus, admin_index_dir):
        assert upload(client, wait=30).status_code == 201


# --- a task that never ends, cancelled tasks ---


@contextmanager
def blocked_index(index_dir: Path) -> Iterator[None]:
    """Another writer holding the index (as a `passerelle index` run would): a task's run waits, never ends."""
    with write_lock(index_dir):
        yield


def test_a_task_over_its_time_limit_fails_and_the_next_is_applied(site, admin_corpus, admin_index_dir):
    queue, client = TaskQueue(admin_index_dir), site.test_client()
    with runner_thread(admin_corpus, admin_index_dir, timeout=1) as runner:
        with blocked_index(admin_index_dir):
            slow = upload(client, wait=0).get_json()["task"]
            eventually(lambda: queue.get(slow).finished, "the end of the task over its limit")
        runner.timeout = 60  # the next one may take longer than 1 s on a busy machine
        assert upload(client, name="next.md", wait=30).status_code == 201
    failed = queue.get(slow)
    assert failed.status == "failed" and failed.error["code"] == "timeout"
    assert failed.error["message"].startswith("zanzibar.md: took longer than 1 s")
    assert not (admin_corpus / "zanzibar.md").exists()
    assert queue.waiting() == []  # not run again at the next start


def test_a_waiting_task_is_cancelled_and_its_file_removed_and_an_ended_one_is_a_409(site, admin_corpus):
    client = site.test_client()
    task = upload(client, wait=0).get_json()
    assert (admin_corpus / "zanzibar.md").exists()
    response = client.delete(f"/api/tasks/{task['task']}", headers=AUTH)
    assert response.status_code == 200 and response.get_json()["status"] == "cancelled"
    assert not (admin_corpus / "zanzibar.md").exists()
    again = client.delete(f"/api/tasks/{task['task']}", headers=AUTH)
    assert again.status_code == 409 and "cancelled" in again.get_json()["error"]
    assert client.delete("/api/tasks/999", headers=AUTH).status_code == 404
    assert client.delete(f"/api/tasks/{task['task']}").status_code == 401
    listed = client.get("/api/tasks", headers=AUTH).get_json()["tasks"]
    assert [(t["task"], t["status"]) for t in listed] == [(task["task"], "cancelled")]
    assert "cancelled" in client.get("/admin?ui=en").get_data(as_text=True)  # the page has the word to show


def test_a_task_being_applied_is_stopped_when_cancelled_and_the_next_is_applied(site, admin_corpus, admin_index_dir):
    queue, client = TaskQueue(admin_index_dir), site.test_client()
    with runner_thread(admin_corpus, admin_index_dir, timeout=600):
        with blocked_index(admin_index_dir):
            slow = upload(client, wait=0).get_json()["task"]
            eventually(lambda: queue.get(slow).status == "processing", "the task being applied")
            response = client.delete(f"/api/tasks/{slow}", headers=AUTH)
            assert response.status_code == 200 and response.get_json()["status"] == "cancelled"
        assert not (admin_corpus / "zanzibar.md").exists()
        assert upload(client, name="next.md", wait=30).status_code == 201


# --- the writers' process supervised ---


def writers_pids(server) -> list[int]:
    return [pid for pid in children_of(server.process.pid) if b"run_writers" in _command_line(pid)]


def _command_line(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:  # the child ended between the listing and the read (the killed one)
        return b""


def test_a_killed_writers_process_is_restarted_and_applies_the_next_upload(tmp_path, admin_corpus, admin_index_dir):
    args = ("--workers", "2", "--threads", "2", "--index", str(admin_index_dir), "--corpus", str(admin_corpus))
    with serving(tmp_path, *args) as server:
        first = wait_until(lambda: writers_pids(server), "the writers' process", server=server)[0]
        status, health = server.get_json("/api/health")
        assert health["tasks"] == {"runner": "running", "waiting": 0, "oldest_waiting_seconds": 0.0}
        os.kill(first, signal.SIGKILL)
        wait_until(
            lambda: [pid for pid in writers_pids(server) if pid != first], "a new writers' process", server=server
        )
        wait_until(lambda: server.get_json("/api/health")[1]["tasks"]["runner"] == "running", "running", server=server)
        status, body = server.upload("zanzibar.md", NEW_TEXT, wait=30)
        assert status == 201 and body["doc_id"] == "zanzibar", body
    assert "the task runner (pid" in server.output()


def test_a_runner_that_cannot_be_restarted_is_dead_and_health_answers_503(admin_corpus, admin_index_dir, monkeypatch):
    monkeypatch.setattr(web.cli, "RESTART_DELAYS", (0, 0))
    failing = web.cli.WritersProcess(admin_corpus, admin_index_dir, False, command=[sys.executable, "-c", "exit(3)"])
    failing.start()
    queue = TaskQueue(admin_index_dir)
    try:
        eventually(lambda: failing.check() or queue.runner_state() == "dead", "giving up on the runner")
    finally:
        failing.stop()
        queue.record_runner("dead")
    with app_over(admin_index_dir) as app:
        response = app.test_client().get("/api/health")
    assert response.status_code == 503 and "task runner" in response.get_json()["error"]


# --- links that must be absolute, and a hostile Host header ---


@pytest.mark.parametrize("path", ["/opensearch.xml", "/feed.atom?q=money+laundering", f"/doc/{EN_DOC}"])
def test_absolute_links_never_take_the_hosts_header(client, path):
    body = client.get(path, headers={"Host": HOSTILE_HOST}).get_data(as_text=True)
    assert HOSTILE_HOST not in body
    assert "http://localhost/" in body  # the address the server listens on


@pytest.mark.parametrize("path", ["/opensearch.xml", "/feed.atom?q=money+laundering", f"/doc/{EN_DOC}"])
def test_absolute_links_use_the_public_url_or_a_trusted_proxys_host(web_index_dir, path):
    with app_over(web_index_dir, PUBLIC_URL="https://search.example.org/") as app:
        body = app.test_client().get(path, headers={"Host": HOSTILE_HOST}).get_data(as_text=True)
    assert HOSTILE_HOST not in body and "https://search.example.org/" in body
    forwarded = {"X-Forwarded-Host": "passerelle.example.net", "X-Forwarded-Proto": "https"}
    with app_over(web_index_dir, PUBLIC_URL="", TRUSTED_PROXIES="10.0.0.0/8") as app:
        proxied = app.test_client().get(path, headers=forwarded, environ_base={"REMOTE_ADDR": "10.1.2.3"})
        stranger = app.test_client().get(path, headers=forwarded, environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert "https://passerelle.example.net/" in proxied.get_data(as_text=True)
    assert "passerelle.example.net" not in stranger.get_data(as_text=True)


# --- a refused upload changes nothing searches see ---


def test_a_refused_upload_keeps_the_index_generation(admin_client):
    before = admin_client.get("/api/health").get_json()["generation"]
    response = upload(admin_client, name="blob.txt", data=b"\x00\x01\x02\xff" * 50, wait=30)
    assert response.status_code == 422
    assert admin_client.get("/api/health").get_json()["generation"] == before
    assert upload(admin_client, wait=30).status_code == 201  # an accepted one does move it
    assert admin_client.get("/api/health").get_json()["generation"] == before + 1
