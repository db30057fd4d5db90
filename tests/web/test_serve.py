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
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from web_helpers import copy_corpus

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
        try:
            with urllib.request.urlopen(self.url + path, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            with error:
                return error.code, json.loads(error.read())

    def output(self) -> str:
        return self.stdout.read_text() + self.stderr.read_text()


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


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A reaped-later zombie still answers kill(0); it is no longer running.
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"


@contextmanager
def serving(tmp_path: Path, *args: str, ready=lambda server: server.get_json("/api/health")[0] == 200) -> Iterator[Server]:
    """Start ``passerelle serve ARGS`` on a free port; yield once ``ready``; stop it with SIGTERM afterwards."""
    port = free_port()
    stdout, stderr = tmp_path / "serve.out", tmp_path / "serve.err"
    command = [sys.executable, "-c", "from web.cli import main; main()", "serve", "--port", str(port), *args]
    with stdout.open("w") as out, stderr.open("w") as err:
        process = subprocess.Popen(command, stdout=out, stderr=err, cwd=tmp_path)
    server = Server(process, f"http://127.0.0.1:{port}", stdout, stderr)
    try:
        deadline = time.monotonic() + START_LIMIT_SECONDS
        while True:
            assert process.poll() is None, f"the server stopped: {server.output()}"
            try:
                if ready(server):
                    break
            except (urllib.error.URLError, ConnectionError):
                pass  # not listening yet
            assert time.monotonic() < deadline, f"the server never became ready: {server.output()}"
            time.sleep(0.2)
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_LIMIT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise


def test_two_workers_answer_health_and_search_then_stop_on_sigterm(tmp_path, web_index_dir):
    with serving(tmp_path, "--workers", "2", "--threads", "2", "--index", str(web_index_dir)) as server:
        workers = children_of(server.process.pid)
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
    assert not [pid for pid in workers if alive(pid)]  # no worker outlives the master
    assert "2 worker processes × 2 threads" in server.output()


def test_one_worker_serves_with_waitress_in_one_process(tmp_path, web_index_dir):
    with serving(tmp_path, "--workers", "1", "--index", str(web_index_dir)) as server:
        assert children_of(server.process.pid) == []
        status, found = server.get_json("/api/search?q=douane")
        assert status == 200 and found["total"] > 0
    assert "gunicorn" not in server.output()


def test_watch_with_workers_runs_one_watcher_in_the_master(tmp_path):
    corpus = copy_corpus(tmp_path / "corpus")
    index_dir = tmp_path / "index"
    args = ("--workers", "2", "--threads", "2", "--watch", "--corpus", str(corpus), "--index", str(index_dir))
    with serving(tmp_path, *args) as server:
        (corpus / "zanzibar.md").write_text("# Zanzibar\n\nThe quokkafish of Zanzibar port.\n", encoding="utf-8")
        deadline = time.monotonic() + START_LIMIT_SECONDS
        while server.get_json("/api/search?q=quokkafish")[1]["total"] == 0:
            assert time.monotonic() < deadline, f"the new file was never indexed: {server.output()}"
            time.sleep(0.2)
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
