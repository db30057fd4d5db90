"""The production server as the benchmark drives it: start ``passerelle serve``, load it, read its memory.

Clients are threads, each with one keep-alive ``http.client`` connection to 127.0.0.1; latency is
measured by the client, from sending a request to having read the whole JSON answer.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from bench.perf_queries import BenchQuery
from bench.perf_stats import summarize

READY_LIMIT_SECONDS = 180  # opening the whole Canadian index takes a few seconds; a hang must end
STOP_LIMIT_SECONDS = 60
IDLE_SECONDS = 0.5
IDLE_CPU_SHARE = 0.1  # of one core, over IDLE_SECONDS: the server's processes are waiting for work
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
FRESHNESS_LIMIT_SECONDS = 60
FRESHNESS_POLL_SECONDS = 0.005
PROBE_WORD = "quorbelfrisk"  # a made-up word: no passage of any data set has it
PROBE_FILE = "bench-freshness-probe.jsonl"


def passerelle_command() -> list[str]:
    """The ``passerelle`` console script of this interpreter's environment, or the same CLI through ``-c``."""
    script = Path(sys.executable).with_name("passerelle")
    return [str(script)] if script.exists() else [sys.executable, "-c", "from web.cli import main; main()"]


def free_port() -> int:
    """A loopback port nobody listens on now (the server binds it a moment later)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    """A running ``passerelle serve`` child process."""

    process: subprocess.Popen
    port: int
    log_path: Path

    def get(self, path: str) -> tuple[int, dict]:
        """One request on a new connection: status and decoded body."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, json.loads(response.read())
        finally:
            connection.close()


@contextmanager
def running_server(index_root: Path, log_path: Path, *options: str) -> Iterator[Server]:
    """``passerelle serve`` over ``index_root`` on a free port, ready to answer; SIGTERM when done.

    :raises RuntimeError: when the server exits or is not answering ``/api/health`` in time.
    """
    port = free_port()
    command = [*passerelle_command(), "serve", "--port", str(port), "--index", str(index_root), *options]
    with log_path.open("w") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    server = Server(process, port, log_path)
    try:
        _wait_until_ready(server)
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)  # gunicorn stops its workers gracefully
        try:
            process.wait(timeout=STOP_LIMIT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_ready(server: Server) -> None:
    deadline = time.monotonic() + READY_LIMIT_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"passerelle serve exited ({server.process.returncode}); see {server.log_path}")
        try:
            status, body = server.get("/api/health")
        except (OSError, http.client.HTTPException, ValueError):
            time.sleep(0.2)  # not listening yet
            continue
        if status == 200:
            return
        # The index was built before the server started: an answer other than 200 will not change.
        raise RuntimeError(f"passerelle serve answers /api/health with {status}: {body.get('error')}")
    raise RuntimeError(f"passerelle serve did not answer /api/health in {READY_LIMIT_SECONDS} s; see {server.log_path}")


def search_path(query: BenchQuery) -> str:
    """``/api/search`` with the query, and ``lang=`` when the query uses the parameter."""
    params = {"q": query.text()}
    if query.lang_param:
        params["lang"] = query.lang_param
    return "/api/search?" + urlencode(params)


class _Client:
    """One keep-alive connection; reconnects once when the server closed it between requests."""

    def __init__(self, port: int):
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def fetch(self, path: str) -> int:
        for attempt in (1, 2):
            try:
                self.connection.request("GET", path)
                response = self.connection.getresponse()
                response.read()
                return response.status
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.connection.close()


def load(server: Server, queries: list[BenchQuery], clients: int) -> dict:
    """Send every query once, spread over ``clients`` concurrent connections; latency and requests/s."""
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)

    def client(share: list[BenchQuery]) -> None:
        connection = _Client(server.port)
        mine, errors = [], []
        start.wait()
        for query in share:
            began = time.perf_counter()
            try:
                status = connection.fetch(search_path(query))
            except (OSError, http.client.HTTPException) as error:
                errors.append(f"{query.text()!r}: {error!r}")
                continue
            mine.append((time.perf_counter() - began) * 1000)
            if status != 200:
                errors.append(f"{query.text()!r}: HTTP {status}")
        connection.close()
        with lock:
            latencies.extend(mine)
            failures.extend(errors)

    threads = [threading.Thread(target=client, args=(queries[i::clients],)) for i in range(clients)]
    for thread in threads:
        thread.start()
    # Which worker did the work: keep-alive connections stay with the worker that accepted them.
    workers = children(server.process.pid) or [server.process.pid]
    cpu_before = [_cpu_seconds(worker) for worker in workers]
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    worker_cpu = sorted((round(_cpu_seconds(w) - b, 2) for w, b in zip(workers, cpu_before)), reverse=True)
    return summarize(
        latencies,
        wall,
        clients=clients,
        errors=len(failures),
        first_error=failures[0] if failures else None,
        worker_cpu_s=worker_cpu,
        server_cores=round(sum(worker_cpu) / wall, 2) if wall > 0 else None,
    )


def warm_up(server: Server, queries: list[BenchQuery], timeout: float) -> None:
    """Untimed requests, so that every worker has opened its index; then wait, up to ``timeout``,
    until the health check says warm and the server's processes are idle.

    Idle as well, because a worker still warming (a Python thread decoding postings) is slow to
    accept connections, so every health check may be answered by another, warm one.
    """
    load(server, queries, clients=min(4, len(queries)) or 1)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.get("/api/health")[1].get("warm") and _idle(server.process.pid):
            return


def _idle(pid: int) -> bool:
    """True when the server and its workers used less than ``IDLE_CPU_SHARE`` of a core over ``IDLE_SECONDS``."""
    processes = [pid, *children(pid)]
    before = sum(_cpu_seconds(p) for p in processes)
    time.sleep(IDLE_SECONDS)
    return sum(_cpu_seconds(p) for p in processes) - before < IDLE_CPU_SHARE * IDLE_SECONDS


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime


# -- memory --------------------------------------------------------------------------------------


def memory(pid: int) -> dict:
    """Resident memory of the server process and of each of its workers, in MB (RSS, peak RSS, PSS)."""
    workers = [_process_memory(child) for child in children(pid)]
    main = _process_memory(pid)
    serving = workers or [main]  # waitress: the server process is the one worker
    return {
        "server": main,
        "workers": workers,
        "worker_rss_mb_max": max(w["rss_mb"] for w in serving),
        "worker_pss_mb_max": max(w["pss_mb"] for w in serving),
        "total_pss_mb": round(main["pss_mb"] + sum(w["pss_mb"] for w in workers), 1),
    }


def _process_memory(pid: int) -> dict:
    status = _proc_fields(Path(f"/proc/{pid}/status"))
    rollup = _proc_fields(Path(f"/proc/{pid}/smaps_rollup"))
    return {
        "pid": pid,
        "rss_mb": round(status.get("VmRSS", 0) / 1024, 1),
        "peak_rss_mb": round(status.get("VmHWM", 0) / 1024, 1),
        # PSS shares the pages a worker still has in common with its master between them.
        "pss_mb": round(rollup.get("Pss", 0) / 1024, 1),
    }


def _proc_fields(path: Path) -> dict[str, int]:
    """``Name: N kB`` lines of a /proc file as a dict of kB (empty when unreadable)."""
    fields = {}
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return fields
    for line in lines:
        name, _, value = line.partition(":")
        parts = value.split()
        if len(parts) == 2 and parts[1] == "kB":
            fields[name] = int(parts[0])
    return fields


def children(pid: int) -> list[int]:
    """The process's children (of all its threads), from /proc; none once it has ended."""
    found = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            found.extend(int(child) for child in (task / "children").read_text().split())
    except OSError:  # ended while we looked
        pass
    return sorted(found)


# -- freshness -----------------------------------------------------------------------------------


def freshness(server: Server, corpus: Path, index_root: Path, log_path: Path) -> dict:
    """Add one document, run ``passerelle index``, poll ``/api/search`` until the document is found.

    The end of the commit is taken from the live generation's ``manifest.json``, which the pipeline
    writes right after committing; the command's exit comes later (summary, interpreter exit).
    The probe is removed (and the index brought back to the same passages) afterwards.
    """
    probe = corpus / PROBE_FILE
    record = {"id": "bench:freshness-probe", "lang": "en", "title": "Freshness probe",
              "text": f"The {PROBE_WORD} was added while the server was running."}  # fmt: skip
    probe.write_text(json.dumps(record) + "\n", encoding="utf-8")
    seen: dict[str, float] = {}
    stop = threading.Event()
    poller = threading.Thread(target=_poll_until_found, args=(server, seen, stop), daemon=True)
    try:
        poller.start()
        began = time.time()
        _run_index(corpus, index_root, log_path)
        exited = time.time()
        committed = (index_root / "current" / "manifest.json").stat().st_mtime
        poller.join(timeout=FRESHNESS_LIMIT_SECONDS)
    finally:
        stop.set()
        poller.join(timeout=5)
        probe.unlink(missing_ok=True)
    _run_index(corpus, index_root, log_path)  # the kept index holds the same passages again
    measured = {
        "index_command_s": round(exited - began, 2),
        "command_exit_after_commit_s": round(exited - committed, 3),
    }
    if "at" not in seen:
        return measured | {"visible_after_commit_s": None, "note": f"not visible within {FRESHNESS_LIMIT_SECONDS} s"}
    return measured | {
        "visible_after_start_s": round(seen["at"] - began, 3),
        "visible_after_commit_s": round(seen["at"] - committed, 3),
    }


def _poll_until_found(server: Server, seen: dict, stop: threading.Event) -> None:
    """A new connection per request, so that every worker gets asked, not the one a connection sticks to."""
    path = "/api/search?" + urlencode({"q": PROBE_WORD, "per_page": 1})
    while not stop.is_set():
        status, body = server.get(path)
        if status == 200 and body.get("total"):
            seen["at"] = time.time()
            return
        time.sleep(FRESHNESS_POLL_SECONDS)


def _run_index(corpus: Path, index_root: Path, log_path: Path) -> None:
    with log_path.open("a") as output:
        command = [*passerelle_command(), "index", "--corpus", str(corpus), "--index", str(index_root)]
        code = subprocess.run(command, stdout=output, stderr=subprocess.STDOUT).returncode
    if code not in (0, 3):  # 3: some file skipped, the rest indexed
        raise RuntimeError(f"passerelle index exited {code}; see {log_path}")
