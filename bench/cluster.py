"""`make cluster-test`: HAProxy and three replicas on loopback, fed by one indexer, under load.

The indexer's corpus is our ``corpus/`` plus the first 50,000 Canadian passages of the shared data
(as in ``bench.load``), indexed with ``passerelle index`` and copied to three replica folders with
``passerelle publish``. Three ``passerelle serve --replica --workers 1`` run on loopback ports,
behind HAProxy started with the repository's ``deploy/haproxy.cfg``. Clients are threads with one
keep-alive connection each, sending the Canadian set's questions (and one in ten made-up queries).

1. **one replica**: the clients against replica 1 directly, ``--baseline-seconds``;
2. **three replicas**: the clients through HAProxy, as long, nothing disturbed;
3. **disturbed**: through HAProxy for ``--seconds`` while, in turn: new documents are indexed
   and published (twice), replica 2 is killed with SIGKILL and restarted, and replica 3 fails
   its health checks for 10 s (a ``drain`` file in its folder). After each publish, every
   replica is asked directly for the new documents until all answer.

Passing means: 0 answers other than 200 and 0 connection errors seen by clients in phases 2
and 3, phase 2 at least ``MIN_SPEEDUP`` times phase 1's requests per second, and every
publish visible on every replica. The table goes to ``bench/results/cluster-latest.md``.

    python -m bench.cluster [--seconds 60] [--baseline-seconds 20] [--clients 16] [--records 50000]
                            [--data DIR] [--work DIR] [--out DIR]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlencode

if __package__ in (None, ""):  # run as a file: python bench/cluster.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.load import DATA_SET
from bench.load import Tally
from bench.load import add_corpus_options
from bench.load import client_loop
from bench.load import load_queries
from bench.load import prepare
from bench.perf_http import free_port
from bench.perf_http import passerelle_command
from bench.perf_stats import summarize
from bench.report import log
from bench.report import markdown_table
from bench.report import write_results

ROOT = Path(__file__).resolve().parent.parent
HAPROXY_CONFIG = ROOT / "deploy" / "haproxy.cfg"
REPLICAS = 3
REPLICA_THREADS = 4  # deploy/haproxy.cfg keeps 3 requests open on each: one thread is left for health checks
MIN_SPEEDUP = 1.6
DRAIN_SECONDS = 10.0
READY_SECONDS = 120.0  # a replica starting, or a publish reaching every replica
POLL_SECONDS = 0.05
MAX_REQUESTS = 10_000_000
NEW_DOCUMENT_WORDS = ("zorvandel", "quimbrastor")  # made up: no passage of any data set has them


class Replica:
    """One ``passerelle serve --replica --workers 1`` on a fixed loopback port, over its own folder."""

    def __init__(self, number: int, folder: Path, work: Path):
        self.number, self.folder, self.port = number, folder, free_port()
        self.log_path = work / f"replica-{number}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = [*passerelle_command(), "serve", "--replica", "--workers", "1", "--threads", str(REPLICA_THREADS)]
        command += ["--port", str(self.port)]
        with self.log_path.open("a") as output:
            self.process = subprocess.Popen([*command, "--index", str(self.folder)], stdout=output, stderr=output)
        wait_for(lambda: self.health().get("warm") is True, f"replica {self.number} ready and warm")

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def health(self) -> dict:
        status, body = get(self.port, "/api/health")
        return body if status == 200 else {}

    def finds(self, word: str) -> bool:
        status, body = get(self.port, "/api/search?" + urlencode({"q": word}))
        return status == 200 and body["total"] > 0


class HAProxy:
    """``haproxy -f deploy/haproxy.cfg`` in the foreground, its addresses given by the environment."""

    def __init__(self, replicas: list[Replica], work: Path):
        self.port = free_port()
        self.env = {
            **os.environ,
            "PASSERELLE_BIND": f"127.0.0.1:{self.port}",
            **{f"PASSERELLE_REPLICA_{r.number}": f"127.0.0.1:{r.port}" for r in replicas},
        }
        self.replicas, self.log_path, self.process = replicas, work / "haproxy.log", None

    def start(self) -> None:
        with self.log_path.open("w") as output:
            command = ["haproxy", "-db", "-f", str(HAPROXY_CONFIG)]
            self.process = subprocess.Popen(command, env=self.env, stdout=output, stderr=output)
        # Ready when every replica has answered through it (each health answer names its process).
        wanted = {r.process.pid for r in self.replicas}
        seen: set[int] = set()
        wait_for(lambda: seen.add(get(self.port, "/api/health")[1].get("pid")) or wanted <= seen, "HAProxy ready")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def get(port: int, path: str) -> tuple[int, dict]:
    """One request on a new connection: (status, JSON body); (0, {}) when nothing answers."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    except (OSError, http.client.HTTPException, ValueError):
        return 0, {}
    finally:
        connection.close()


def wait_for(condition, what: str, limit: float = READY_SECONDS) -> float:
    """Seconds until ``condition()`` is true; raises after ``limit`` seconds."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > limit:
            raise RuntimeError(f"{what}: not true after {limit:.0f} s")
        time.sleep(POLL_SECONDS)
    return time.monotonic() - started


def run(command: list[str], log_path: Path) -> None:
    with log_path.open("a") as output:
        status = subprocess.run(command, stdout=output, stderr=subprocess.STDOUT, check=False).returncode
    if status not in (0, 3):  # 3: some files skipped, the rest indexed
        raise RuntimeError(f"{' '.join(command[-6:])} failed ({status}); see {log_path}")


class Indexer:
    """The indexer's corpus and index, and the ``passerelle publish`` that feeds the replicas."""

    def __init__(self, corpus: Path, index_root: Path, replicas: list[Replica], work: Path):
        self.corpus, self.index_root, self.replicas, self.log_path = corpus, index_root, replicas, work / "indexer.log"

    def publish(self) -> float:
        """``passerelle publish`` to every replica's folder; its duration."""
        started = time.monotonic()
        destinations = [arg for r in self.replicas for arg in ("--to", str(r.folder))]
        run([*passerelle_command(), "publish", "--index", str(self.index_root), *destinations], self.log_path)
        return time.monotonic() - started

    def add_documents(self, word: str) -> None:
        """A new corpus file of 20 passages holding ``word``, indexed."""
        records = [
            {
                "id": f"cluster-{word}-{n}",
                "lang": "en",
                "title": f"Cluster notice {n}",
                "text": f"Notice {n} on {word}.",
            }
            for n in range(20)
        ]
        lines = "".join(json.dumps(record) + "\n" for record in records)
        (self.corpus / f"cluster-{word}.jsonl").write_text(lines, encoding="utf-8")
        run(
            [*passerelle_command(), "index", "--corpus", str(self.corpus), "--index", str(self.index_root)],
            self.log_path,
        )


def load(port: int, queries: list[str], clients: int, seconds: float) -> tuple[Tally, float]:
    """``clients`` threads searching on ``port`` for ``seconds``; what they saw and the wall time."""
    tally, stop = Tally(), threading.Event()
    deadline = time.monotonic() + seconds
    threads = [
        threading.Thread(target=client_loop, args=(port, queries, n, tally, deadline, MAX_REQUESTS, stop))
        for n in range(clients)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally, time.monotonic() - started


def phase(name: str, tally: Tally, wall: float) -> dict:
    result = {
        "phase": name,
        **summarize(tally.latencies_ms, wall),
        "non_200": sum(count for status, count in tally.statuses.items() if status != 200),
        "connection_errors": sum(tally.connection_errors.values()),
        "statuses": dict(tally.statuses),
        "connection_error_kinds": dict(tally.connection_errors),
    }
    log(f"{name}: {result['count']} answers, {result['per_second']}/s, p50 {result['p50_ms']} ms, "
        f"p99 {result['p99_ms']} ms, {result['non_200']} non-200, {result['connection_errors']} connection errors")  # fmt: skip
    return result


def disturb(indexer: Indexer, replicas: list[Replica], seconds: float, events: list[dict]) -> None:
    """The events of phase 3, spread over its ``seconds``; each is recorded in ``events``."""
    started = time.monotonic()

    def at(share: float) -> None:
        time.sleep(max(0.0, started + share * seconds - time.monotonic()))

    def publish(word: str) -> None:
        indexer.add_documents(word)
        copy = indexer.publish()
        visible = copy + wait_for(lambda: all(r.finds(word) for r in replicas), f"{word} on every replica")
        events.append(
            {"event": f"publish ({word})", "publish_seconds": round(copy, 2), "visible_seconds": round(visible, 2)}
        )
        log(f"published {word}: copied in {copy:.1f} s, on every replica {visible:.1f} s after the publish began")

    at(0.08)
    publish(NEW_DOCUMENT_WORDS[0])
    at(0.25)
    killed = replicas[1]
    killed.kill()
    down = time.monotonic()
    killed.start()
    events.append(
        {"event": f"SIGKILL replica {killed.number}, restart", "back_seconds": round(time.monotonic() - down, 2)}
    )
    log(f"replica {killed.number} killed and back (warm) in {time.monotonic() - down:.1f} s")
    at(0.5)
    drained = replicas[2]
    (drained.folder / "drain").touch()
    time.sleep(DRAIN_SECONDS)  # the disturbance itself lasts this long
    (drained.folder / "drain").unlink()
    events.append({"event": f"replica {drained.number} fails health checks", "seconds": DRAIN_SECONDS})
    log(f"replica {drained.number} failed its health checks for {DRAIN_SECONDS:.0f} s")
    at(0.75)
    publish(NEW_DOCUMENT_WORDS[1])


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    source = options.data / DATA_SET / "passages.jsonl"
    if not source.is_file():
        print(f"cluster-test: shared data not found at {source.parent} (set PASSERELLE_DATA)", file=sys.stderr)
        return 1
    if shutil.which("haproxy") is None:
        print("cluster-test: haproxy is not installed (`bash .ci/install-haproxy` as root)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="passerelle-cluster-") as scratch, ExitStack() as running:
        work = options.work or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        corpus, index_root = prepare(work, source, options.records)
        queries = load_queries(options.data / DATA_SET)
        replicas = [Replica(n, work / f"replica-{n}", work) for n in range(1, REPLICAS + 1)]
        indexer = Indexer(corpus, index_root, replicas, work)
        log(f"published to {REPLICAS} replica folders in {indexer.publish():.1f} s")
        for replica in replicas:
            running.callback(replica.stop)
            replica.start()
        haproxy = HAProxy(replicas, work)
        running.callback(haproxy.stop)
        haproxy.start()
        log(f"HAProxy on 127.0.0.1:{haproxy.port}, replicas on {', '.join(str(r.port) for r in replicas)}")
        phases = [
            phase("one replica, directly", *load(replicas[0].port, queries, options.clients, options.baseline_seconds))
        ]
        phases.append(
            phase(
                "three replicas, through HAProxy",
                *load(haproxy.port, queries, options.clients, options.baseline_seconds),
            )
        )
        events: list[dict] = []
        disturber = threading.Thread(target=disturb, args=(indexer, replicas, options.seconds, events), name="disturb")
        disturber.start()
        phases.append(
            phase("three replicas, disturbed", *load(haproxy.port, queries, options.clients, options.seconds))
        )
        disturber.join()
    speedup = phases[1]["per_second"] / phases[0]["per_second"]
    result = {"records": options.records, "clients": options.clients, "phases": phases, "events": events,
              "speedup": round(speedup, 2), "cores": os.cpu_count()}  # fmt: skip
    errors = sum(p["non_200"] + p["connection_errors"] for p in phases[1:])
    passed = errors == 0 and speedup >= MIN_SPEEDUP and sum("publish" in e["event"] for e in events) == 2
    result["passed"] = passed
    table = render(result)
    write_results(options.out, "cluster", table, result, stamped=False)
    print(table)
    return 0 if passed else 1


def render(result: dict) -> str:
    header = ["phase", "answers", "per second", "p50 ms", "p99 ms", "non-200", "connection errors"]
    body = [
        [p["phase"], str(p["count"]), str(p["per_second"]), str(p["p50_ms"]), str(p["p99_ms"]), str(p["non_200"]),
         str(p["connection_errors"])]
        for p in result["phases"]
    ]  # fmt: skip
    events = [
        f"- {e['event']}: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in e.items() if k != "event")
        for e in result["events"]
    ]
    lines = [
        "# Cluster test: HAProxy and three replicas fed by one indexer (`make cluster-test`)",
        "",
        f"{result['records']:,} Canadian passages plus `corpus/`, {result['clients']} client threads, "
        f"{result['cores']} cores; each replica is `passerelle serve --replica --workers 1`.",
        "",
        *markdown_table(header, body),
        "",
        f"Three replicas answer {result['speedup']}× the requests per second of one (at least {MIN_SPEEDUP}× "
        "required). Every replica is one Python process, one core at most: on this machine's "
        f"{result['cores']} cores, three can use them all where one uses one, so about {result['cores']}× is what "
        "to expect, less what HAProxy and the client threads use; one replica alone under every client also "
        "loses some time to its threads taking turns on one interpreter lock, which HAProxy's queue spares the three.",
        "",
        "During the disturbed phase (seconds from the start of each publish until every replica, asked directly, "
        "finds the new documents):",
        "",
        *events,
        "",
        f"Result: {'passed' if result['passed'] else 'FAILED'}.",
    ]
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.cluster", description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the disturbed phase (default 60)")
    parser.add_argument("--baseline-seconds", type=float, default=20.0, help="length of phases 1 and 2 (default 20)")
    parser.add_argument("--clients", type=int, default=16, help="client threads (default 16)")
    add_corpus_options(parser, "cluster")
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(main())
