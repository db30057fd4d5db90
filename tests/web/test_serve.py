"""`passerelle serve --workers N`: the production server as a user starts it, in a child process."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from web_helpers import ADMIN_TOKEN
from web_helpers import AUTH
from web_helpers import copy_corpus

from indexer.publish import publish

START_LIMIT_SECONDS = 120  # a bound so that a broken server fails the test instead of hanging it
STOP_LIMIT_SECONDS = 60


@dataclass
class Server:
    """A running ``passerelle serve`` child: its process, base URL and output files."""

    process: subprocess.Popen
    url: str
    stdout: Path
    stderr: Path

    def get_json(self, path: str) -> tuple[int, dict]:
        """Status and decoded body of a GET."""
        return self.call("GET", path)

    def call(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None) -> tuple[int, dict]:
        """Status and decoded JSON body of a request, on a new connection (so any worker may answer)."""
        request = urllib.request.Request(self.url + path, data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            with error:
                return error.code, json.loads(error.read())

    def upload(self, name: str, data: bytes, wait: int = 0) -> tuple[int, dict]:
        """POST ``data`` as the multipart field ``file`` named ``name``, with the admin token."""
        boundary = "passerelle-test-boundary"
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n"
            ).encode()
            + data
            + f"\r\n--{boundary}--\r\n".encode()
        )
        headers = {**AUTH, "Content-Type": f"multipart/form-data; boundary={boundary}"}
        return self.call("POST", f"/api/documents?wait={wait}", body, headers)

    def task(self, task_id: int) -> dict:
        status, task = self.call("GET", f"/api/tasks/{task_id}", headers=AUTH)
        assert status == 200, task
        return task

    def output(self) -> str:
        return self.stdout.read_text() + self.stderr.read_text()


def wait_until(condition, what: str, seconds: float = START_LIMIT_SECONDS, server: Server | None = None):
    """Poll ``condition`` until it returns something true (returned), failing after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            found = condition()
        except (urllib.error.URLError, ConnectionError):
            found = None  # not listening (yet, or any more)
        if found:
            return found
        assert time.monotonic() < deadline, f"{what} did not happen within {seconds} s" + (
            f": {server.output()}" if server else ""
        )
        time.sleep(0.02)


def search_total(server: Server, query: str) -> int | None:
    """The total of ``/api/search?q=query``, or None while the server answers anything but 200."""
    status, body = server.get_json(f"/api/search?q={urllib.parse.quote(query)}")
    return body["total"] if status == 200 else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def children_of(pid: int) -> list[int]:
    """Process ids whose parent is ``pid`` (the server's workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:  # the process ended while we looked
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def worker_pids(server: Server) -> list[int]:
    """The server's gunicorn workers: its children but the writers' process."""
    return [pid for pid in children_of(server.process.pid) if b"run_writers" not in _cmdline(pid)]


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:  # ended meanwhile
        return b""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A reaped-later zombie still answers kill(0); it is no longer running.
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"


@contextmanager
def serving(
    tmp_path: Path, *args: str, ready=lambda server: server.get_json("/api/health")[0] == 200
) -> Iterator[Server]:
    """Start ``passerelle serve ARGS`` (admin token set) on a free port; yield once ``ready``; SIGTERM afterwards.

    The server leads its own process group, so a test can kill it and its workers at once.
    """
    port = free_port()
    stdout, stderr = tmp_path / "serve.out", tmp_path / "serve.err"
    command = [sys.executable, "-c", "from web.cli import main; main()", "serve", "--port", str(port), *args]
    env = {**os.environ, "PASSERELLE_ADMIN_TOKEN": ADMIN_TOKEN}
    with stdout.open("a") as out, stderr.open("a") as err:
        process = subprocess.Popen(command, stdout=out, stderr=err, cwd=tmp_path, env=env, start_new_session=True)
    server = Server(process, f"http://127.0.0.1:{port}", stdout, stderr)
    try:
        wait_until(
            lambda: process.poll() is None and ready(server) or _stopped(server), "the server start", server=server
        )
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_LIMIT_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            raise


def _stopped(server: Server) -> bool:
    assert server.process.poll() is None, f"the server stopped: {server.output()}"
    return False


def test_two_workers_answer_health_and_search_then_stop_on_sigterm(tmp_path, web_index_dir):
    with serving(tmp_path, "--workers", "2", "--threads", "2", "--index", str(web_index_dir)) as server:
        workers = worker_pids(server)
        children = children_of(server.process.pid)  # the workers and the writers' process
        status, health = server.get_json("/api/health")
        assert status == 200 and health["passages"] > 0
        status, found = server.get_json("/api/search?q=money+laundering&per_page=5")
        assert status == 200
        assert found["total"] > 0 and "<mark>" in found["results"][0]["snippet"]
        status, error = server.get_json("/api/search?q=x&per_page=0")
        assert status == 400 and "per_page" in error["error"]
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(timeout=STOP_LIMIT_SECONDS) == 0, server.output()
    assert len(workers) == 2, workers
    assert not [pid for pid in children if alive(pid)]  # no worker, nor the writers, outlives the master
    assert "2 worker processes × 2 threads" in server.output()


def test_one_worker_serves_with_waitress_in_one_process(tmp_path, web_index_dir):
    with serving(tmp_path, "--workers", "1", "--index", str(web_index_dir)) as server:
        assert children_of(server.process.pid) == []
        status, found = server.get_json("/api/search?q=douane")
        assert status == 200 and found["total"] > 0
    assert "gunicorn" not in server.output()


def test_a_replica_with_workers_starts_no_writers_and_refuses_uploads(tmp_path, web_index_dir):
    publish(web_index_dir, tmp_path / "replica")
    args = ("--workers", "2", "--threads", "2", "--replica", "--index", str(tmp_path / "replica"))
    with serving(tmp_path, *args) as server:
        # gunicorn starts the writers (when_ready) before it forks the workers.
        wait_until(lambda: len(worker_pids(server)) == 2, "two workers", server=server)
        assert not [pid for pid in children_of(server.process.pid) if b"run_writers" in _cmdline(pid)]
        status, found = server.get_json("/api/search?q=douane")
        assert status == 200 and found["total"] > 0
        status, _ = server.call("GET", "/api/tasks", headers=AUTH)
        assert status == 404  # even with the token the server was started with
    assert not (tmp_path / "replica" / "tasks").exists()


def test_watch_with_workers_runs_one_watcher_in_the_master(tmp_path):
    corpus = copy_corpus(tmp_path / "corpus")
    index_dir = tmp_path / "index"
    args = ("--workers", "2", "--threads", "2", "--watch", "--corpus", str(corpus), "--index", str(index_dir))
    with serving(tmp_path, *args) as server:
        (corpus / "zanzibar.md").write_text("# Zanzibar\n\nThe quokkafish of Zanzibar port.\n", encoding="utf-8")
        wait_until(lambda: search_total(server, "quokkafish"), "indexing the new file", server=server)
        # The summary line follows the commit that searches see: wait for it before stopping.
        wait_until(lambda: "watch: files: 1 added" in server.output(), "the watcher's summary line", server=server)
    output = server.output()
    assert output.count("Watching ") == 1, output
    assert output.count("watch: files: 1 added") == 1, output  # one watcher, not one per worker


def test_watch_with_workers_names_a_missing_corpus(tmp_path):
    missing = tmp_path / "nowhere"
    result = subprocess.run(
        [sys.executable, "-c", "from web.cli import main; main()", "serve", "--workers", "2", "--watch",
         "--corpus", str(missing), "--index", str(tmp_path / "index"), "--port", str(free_port())],
        capture_output=True, text=True, timeout=STOP_LIMIT_SECONDS, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 1
    assert f"corpus folder not found: {missing}" in result.stderr
