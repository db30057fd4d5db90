"""Load test: the production server under 8 then 32 concurrent clients while documents are re-indexed.

The corpus is our ``corpus/`` plus the first 50,000 Canadian passages of the shared data, written as
five ``.jsonl`` files and indexed with ``passerelle index``. ``passerelle serve`` (its default
workers) runs as a child process on a free loopback port. Each phase sends searches from N client
threads, each with one keep-alive connection, for ``--seconds`` (and at most ``--max-requests``);
queries are the Canadian set's English and French questions with one in ten from
``bench.querygen.random_query``. Meanwhile, every ``--reindex-every`` seconds, one to three small
files of the corpus are rewritten with a new made-up word each and ``passerelle index`` runs; the
run then checks that every such word becomes searchable.

    python -m bench.load [--seconds 60] [--clients 8,32] [--records 50000] [--reindex-every 5]
                         [--max-requests 200000] [--data DIR] [--work DIR] [--out DIR]

Errors must be 0: answers other than 200 and connection errors are counted apart. The table goes to
stdout and to ``bench/results/load-latest.md`` (and ``.json``); progress to stderr. Without the shared
data it says so and exits 0. Loopback only; not part of ``make test``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from dataclasses import field
from itertools import islice
from pathlib import Path
from urllib.parse import urlencode

if __package__ in (None, ""):  # run as a file: python bench/load.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.perf_http import Server
from bench.perf_http import passerelle_command
from bench.perf_http import running_server
from bench.perf_stats import summarize
from bench.querygen import random_query
from bench.report import log as report_log
from bench.report import write_results
from indexer.query import parse_query

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_DATA = ROOT.parent / "shared" / "data"
DATA_SET = "canada_federal_laws_en_fr"
RECORDS_PER_FILE = 10_000
QUESTIONS_PER_LANGUAGE = 300
HOSTILE_SHARE = 0.1
REQUEST_TIMEOUT_SECONDS = 30
SEARCHABLE_LIMIT_SECONDS = 15  # a re-indexed word not found by then counts as lost
SEED = 11
REFUSED = "400 nothing to search"  # tallied apart: the documented answer, not an error


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    source = options.data / DATA_SET / "passages.jsonl"
    if not source.is_file():
        print(f"shared data not found at {source.parent} (set PASSERELLE_DATA); no load test run")
        return 0
    with tempfile.TemporaryDirectory(prefix="passerelle-load-") as scratch:
        work = options.work or Path(scratch)
        corpus, index_root = prepare(work, source, options.records)
        queries = load_queries(options.data / DATA_SET)
        with running_server(index_root, work / "server.log") as server:
            log(f"server ready on 127.0.0.1:{server.port}")
            phases = [
                run_phase(server, queries, clients, corpus, index_root, work, options) for clients in options.clients
            ]
        errors = server_errors(work / "server.log")  # read before a temporary work folder goes
    run = {"records": options.records, "seconds": options.seconds, "phases": phases, "server": server_description()}
    run["server_errors"] = errors
    markdown = render(run)
    write_results(options.out, "load", markdown, run, stamped=False)
    print(markdown)
    return 1 if any(phase["non_200"] or phase["connection_errors"] or phase["lost"] for phase in phases) else 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Flags win over ``PASSERELLE_DATA``."""
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of each phase (default 60)")
    parser.add_argument("--clients", type=_counts, default=(8, 32), help="concurrent clients per phase (default 8,32)")
    parser.add_argument("--reindex-every", type=float, default=5.0, help="seconds between re-index runs (default 5)")
    parser.add_argument("--max-requests", type=int, default=200_000, help="request cap per phase (default 200000)")
    add_corpus_options(parser, "load")
    return parser.parse_args(argv)


def add_corpus_options(parser: argparse.ArgumentParser, name: str) -> None:
    """``--records``, ``--data``, ``--work`` and ``--out``: the corpus ``prepare`` builds, and where results go."""
    parser.add_argument("--records", type=int, default=50_000, help="Canadian passages in the corpus (default 50000)")
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("PASSERELLE_DATA") or DEFAULT_DATA))
    parser.add_argument("--work", type=Path, help="keep the corpus, index and logs here (default: temporary)")
    parser.add_argument("--out", type=Path, default=RESULTS, help=f"where {name}-latest.md/.json go")


def _counts(text: str) -> tuple[int, ...]:
    counts = tuple(int(part) for part in text.split(",") if part.strip())
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give client counts such as 8,32")
    return counts


# -- corpus, index, queries ----------------------------------------------------------------------


def prepare(work: Path, source: Path, records: int) -> tuple[Path, Path]:
    """Our corpus plus ``records`` shared passages in files of 10,000, indexed with ``passerelle index``."""
    corpus, index_root = work / "corpus", work / "index"
    if not corpus.is_dir():
        shutil.copytree(ROOT / "corpus", corpus)
        with source.open("rb") as lines:
            for number in range(0, records, RECORDS_PER_FILE):
                chunk = list(islice(lines, min(RECORDS_PER_FILE, records - number)))
                (corpus / f"{DATA_SET}-{number // RECORDS_PER_FILE + 1:02d}.jsonl").write_bytes(b"".join(chunk))
    log(f"indexing {corpus} (records: {records})")
    started = time.monotonic()
    reindex(corpus, index_root, work / "index.log")
    log(f"indexed in {time.monotonic() - started:.0f} s")
    return corpus, index_root


def reindex(corpus: Path, index_root: Path, log_path: Path) -> int:
    """``passerelle index`` as a user runs it; its exit status (0, or 3 when files were skipped)."""
    command = [*passerelle_command(), "index", "--corpus", str(corpus), "--index", str(index_root)]
    with log_path.open("a") as output:
        status = subprocess.run(command, stdout=output, stderr=subprocess.STDOUT, check=False).returncode
    if status not in (0, 3):
        raise RuntimeError(f"passerelle index failed ({status}); see {log_path}")
    return status


def load_queries(folder: Path) -> list[str]:
    """The set's English and French questions, with hostile queries mixed in, in a fixed order."""
    rng = random.Random(SEED)
    questions = []
    for name in ("queries_en.jsonl", "queries_fr.jsonl"):
        with (folder / name).open(encoding="utf-8") as lines:
            questions += [json.loads(line)["question"] for line in islice(lines, QUESTIONS_PER_LANGUAGE)]
    hostile = [random_query(rng) for _ in range(int(len(questions) * HOSTILE_SHARE))]
    queries = questions + hostile
    rng.shuffle(queries)
    return queries


# -- one phase -----------------------------------------------------------------------------------


@dataclass
class Tally:
    """What the clients of one phase saw, shared under a lock."""

    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    connection_errors: Counter = field(default_factory=Counter)
    sent: int = 0  # requests answered or failed; read without the lock, written with it
    lock: threading.Lock = field(default_factory=threading.Lock)


def run_phase(server: Server, queries, clients: int, corpus: Path, index_root: Path, work: Path, options) -> dict:
    """``clients`` threads searching for ``options.seconds`` while re-index rounds run beside them."""
    log(f"{clients} clients for {options.seconds:.0f} s")
    tally, stop = Tally(), threading.Event()
    deadline = time.monotonic() + options.seconds
    reindexer = Reindexer(server, corpus, index_root, work / "reindex.log", options.reindex_every, clients)
    threads = [threading.Thread(target=reindexer.run, args=(stop,), name="reindexer")]
    threads += [
        threading.Thread(
            target=client_loop, args=(server.port, queries, n, tally, deadline, options.max_requests, stop)
        )
        for n in range(clients)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads[1:]:
        thread.join()
    wall = time.monotonic() - started
    stop.set()
    threads[0].join()
    summary = summarize(tally.latencies_ms, wall)
    rounds = reindexer.rounds
    waits = [r["seconds_to_searchable"] for r in rounds if r["seconds_to_searchable"] is not None]
    phase = {
        "clients": clients,
        **summary,
        "non_200": sum(count for status, count in tally.statuses.items() if status not in (200, REFUSED)),
        "statuses": dict(tally.statuses),
        "connection_errors": sum(tally.connection_errors.values()),
        "connection_error_kinds": dict(tally.connection_errors),
        "reindex_rounds": len(rounds),
        "reindexed_files": sum(r["files"] for r in rounds),
        "lost": sum(not r["searchable"] for r in rounds),
        "median_index_seconds": round(statistics.median(r["index_seconds"] for r in rounds), 2) if rounds else None,
        "median_seconds_to_searchable": round(statistics.median(waits), 2) if waits else None,
        "max_seconds_to_searchable": round(max(waits), 2) if waits else None,
        "rounds": rounds,
    }
    log(f"{clients} clients: {phase['count']} requests, {phase['per_second']}/s, p95 {phase['p95_ms']} ms, "
        f"{phase['non_200']} non-200, {phase['connection_errors']} connection errors, "
        f"{len(rounds) - phase['lost']}/{len(rounds)} re-index rounds searchable")  # fmt: skip
    return phase


def classify(status: int, query: str) -> int | str:
    """The answer's status, or ``REFUSED`` for the documented 400 to a hostile query with nothing to
    search (an operator or punctuation alone), which is no error."""
    parsed = parse_query(query)
    return REFUSED if status == 400 and parsed.tree is None and not parsed.filters else status


def client_loop(port: int, queries: list[str], number: int, tally: Tally, deadline: float, cap: int, stop) -> None:
    """Search until the deadline or the phase's request cap, over one keep-alive connection."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT_SECONDS)
    position = number * 37  # clients start at different queries
    try:
        while time.monotonic() < deadline and not stop.is_set() and tally.sent < cap:
            path = "/api/search?" + urlencode({"q": queries[position % len(queries)]})
            position += 1
            before = time.perf_counter()
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException) as error:
                with tally.lock:
                    tally.connection_errors[type(error).__name__] += 1
                    tally.sent += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT_SECONDS)
                continue
            elapsed_ms = (time.perf_counter() - before) * 1000
            with tally.lock:
                tally.statuses[classify(response.status, queries[(position - 1) % len(queries)])] += 1
                tally.sent += 1
                if response.status == 200:
                    tally.latencies_ms.append(elapsed_ms)
    finally:
        connection.close()


class Reindexer:
    """Rewrites 1 to 3 small corpus files with new words, runs ``passerelle index``, checks the words are found."""

    def __init__(self, server: Server, corpus: Path, index_root: Path, log_path: Path, every: float, label: int):
        self.server, self.corpus, self.index_root, self.log_path = server, corpus, index_root, log_path
        self.every, self.label = every, label  # the label keeps each phase's words apart
        self.rounds: list[dict] = []

    def run(self, stop: threading.Event) -> None:
        number = 0
        while not stop.wait(self.every if number else self.every / 2):
            number += 1
            self.rounds.append(self.one_round(number, stop))

    def one_round(self, number: int, stop: threading.Event) -> dict:
        words = [f"zqload{self.label}r{number}f{i}" for i in range(1 + number % 3)]
        for i, word in enumerate(words):
            text = f"Load test file {i}, round {number}: customs cooperation and the made-up word {word}.\n"
            (self.corpus / f"load-test-{i}.txt").write_text(text, encoding="utf-8")
        started = time.monotonic()
        reindex(self.corpus, self.index_root, self.log_path)
        indexed = time.monotonic()
        found = all(self.searchable(word, indexed + SEARCHABLE_LIMIT_SECONDS) for word in words)
        return {
            "round": number,
            "files": len(words),
            "index_seconds": round(indexed - started, 2),
            "searchable": found,
            "seconds_to_searchable": round(time.monotonic() - indexed, 2) if found else None,
        }

    def searchable(self, word: str, deadline: float) -> bool:
        while time.monotonic() < deadline:
            try:
                status, body = self.server.get("/api/search?" + urlencode({"q": word, "expand": "0"}))
                if status == 200 and body["total"] >= 1:
                    return True
            except (OSError, http.client.HTTPException, ValueError):
                pass  # counted by the clients; here only the word matters
            time.sleep(0.05)
        return False


# -- report ------------------------------------------------------------------------------------


def server_errors(log_path: Path) -> dict[str, int]:
    """The last line of each traceback in the server's log, counted: what the non-200 answers were."""
    counts: Counter = Counter()
    lines = log_path.read_text(encoding="utf-8", errors="replace").splitlines() if log_path.exists() else []
    for previous, line in zip(lines, lines[1:]):
        if previous.startswith("  ") and line and not line.startswith((" ", "[", "Traceback")):
            counts[line[:160]] += 1
    return dict(counts.most_common(10))


def server_description() -> str:
    from web.cli import serve  # imported here: the default is read from the command itself

    defaults = {param.name: param.default for param in serve.params}
    workers = defaults.get("workers")
    threads = f"{defaults['threads']} threads"
    shown = f"{workers} worker processes × {threads}" if workers else threads
    return f"`passerelle serve` with its defaults ({shown})"


def render(run: dict) -> str:
    lines = [
        "# Load test (`python -m bench.load`)",
        "",
        f"{run['server']} on 127.0.0.1, over our corpus plus {run['records']} Canadian passages; "
        f"{run['seconds']:.0f} s per phase; clients are threads with one keep-alive connection each, sending "
        "the Canadian questions (English and French) with one hostile query in ten; a re-index of 1 to 3 "
        "rewritten files runs every few seconds throughout (5 s after the previous one ends).",
        "",
        "Latencies and requests/s count the 200 answers only; the last two columns are the errors.",
        "",
        "| clients | requests sent | 200 answers/s | p50 | p95 | p99 | max | non-200 | connection errors |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for phase in run["phases"]:
        sent = sum(phase["statuses"].values()) + phase["connection_errors"]
        lines.append(
            f"| {phase['clients']} | {sent} | {phase['per_second']} | {phase['p50_ms']} ms | "
            f"{phase['p95_ms']} ms | {phase['p99_ms']} ms | {phase['max_ms']} ms | {phase['non_200']} | "
            f"{phase['connection_errors']} |"
        )
    for phase in run["phases"]:
        odd = {status: count for status, count in phase["statuses"].items() if str(status) != "200"}
        kinds = {**odd, **phase["connection_error_kinds"]}
        if kinds:
            shown = ", ".join(f"{kind} × {count}" for kind, count in kinds.items())
            lines += ["", f"Errors with {phase['clients']} clients: {shown} (the server log says why)."]
    if run.get("server_errors"):
        lines += ["", "Exceptions in the server's log (most frequent first):", ""]
        lines += [f"- {count} × `{text.replace('`', chr(39))}`" for text, count in run["server_errors"].items()]
    lines += [
        "",
        "| clients | re-index runs | files rewritten | median `passerelle index` | re-indexed words searchable | "
        "median / max time from index run to searchable |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for phase in run["phases"]:
        found = phase["reindex_rounds"] - phase["lost"]
        lines.append(
            f"| {phase['clients']} | {phase['reindex_rounds']} | {phase['reindexed_files']} | "
            f"{phase['median_index_seconds']} s | {found}/{phase['reindex_rounds']} rounds | "
            f"{phase['median_seconds_to_searchable']} s / {phase['max_seconds_to_searchable']} s |"
        )
    return "\n".join(lines) + "\n"


def log(message: str) -> None:
    report_log(f"[load] {message}")


if __name__ == "__main__":
    sys.exit(main())
