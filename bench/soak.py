"""Soak: the production server searched by a few clients for a long time, its processes' memory sampled.

The corpus and index are the load test's (``bench.load.prepare``: our ``corpus/`` plus Canadian
passages of the shared data). ``passerelle serve`` runs with its default workers; ``--clients``
threads search without pause, cycling through every English and French question of the Canadian
set with one in ten of ``bench.querygen.random_query`` (so that per-term state meets new words
until the end). Every ``--sample-seconds`` the resident and private (unshared) memory of each
process under the server is read from ``/proc``. The verdict is the private memory each search
worker gained over the second half of the run, which must stay under ``--growth-limit-mb``, and
every answer must be 200 (or the documented refusal of a random query: 400 "nothing to
search", 414 for a request line over gunicorn's limit).

    python -m bench.soak [--minutes 60] [--clients 2] [--sample-seconds 15] [--growth-limit-mb 2]
                         [--records 50000] [--data DIR] [--work DIR] [--out DIR]

The table goes to stdout and ``bench/results/soak-latest.md`` (and ``.json``); progress to stderr.
Without the shared data it says so and exits 0. Linux only (``/proc``); not part of ``make test``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a file: python bench/soak.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.load import DATA_SET
from bench.load import HOSTILE_SHARE
from bench.load import REFUSED
from bench.load import SEED
from bench.load import Tally
from bench.load import add_corpus_options
from bench.load import client_loop
from bench.load import log
from bench.load import prepare
from bench.load import server_description
from bench.load import server_errors
from bench.perf_http import running_server
from bench.perf_stats import summarize
from bench.querygen import random_query
from bench.report import write_results

QUESTION_FILES = ("queries_en.jsonl", "queries_fr.jsonl", "queries_en_to_fr.jsonl", "queries_fr_to_en.jsonl")
MB = 1024 * 1024


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    source = options.data / DATA_SET / "passages.jsonl"
    if not source.is_file():
        print(f"shared data not found at {source.parent} (set PASSERELLE_DATA); no soak run")
        return 0
    with tempfile.TemporaryDirectory(prefix="passerelle-soak-") as scratch:
        work = options.work or Path(scratch)
        _, index_root = prepare(work, source, options.records)
        queries = SoakQueries(options.data / DATA_SET)
        description = server_description()  # imported now: the code on disk may change during a long soak
        with running_server(index_root, work / "server.log") as server:
            log(f"server ready on 127.0.0.1:{server.port}; {options.clients} clients for {options.minutes:g} min")
            run = soak(server, queries, options)
        run["server_errors"] = server_errors(work / "server.log")
    run["server"] = description
    markdown = render(run)
    write_results(options.out, "soak", markdown, run, stamped=False)
    print(markdown)
    return 0 if run["passed"] else 1


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=60.0, help="length of the soak (default 60)")
    parser.add_argument("--clients", type=int, default=2, help="concurrent clients (default 2)")
    parser.add_argument("--sample-seconds", type=float, default=15.0, help="seconds between memory samples")
    parser.add_argument("--growth-limit-mb", type=float, default=2.0, help="a worker's allowed growth, second half")
    add_corpus_options(parser, "soak")
    return parser.parse_args(argv)


class SoakQueries:
    """Every distinct question of the set's query files in a fixed order, with every tenth query a new
    random one (``random_query`` seeded by its position), so that the server meets new words until the end."""

    def __init__(self, folder: Path):
        questions: dict[str, None] = {}
        for name in QUESTION_FILES:
            with (folder / name).open(encoding="utf-8") as lines:
                questions.update((json.loads(line)["question"], None) for line in lines)
        self.questions = list(questions)
        random.Random(SEED).shuffle(self.questions)

    def __len__(self) -> int:
        return sys.maxsize

    def __getitem__(self, position: int) -> str:
        if position % round(1 / HOSTILE_SHARE) == 0:
            return random_query(random.Random(position))
        return self.questions[position % len(self.questions)]


# -- the soak ------------------------------------------------------------------------------------


def soak(server, queries: SoakQueries, options) -> dict:
    """Clients search until the end while the sampler reads the server's processes' memory."""
    seconds = options.minutes * 60
    tally, stop = Tally(), threading.Event()
    deadline = time.monotonic() + seconds
    clients = [
        threading.Thread(
            target=client_loop, args=(server.port, queries, n, tally, deadline, sys.maxsize, stop), daemon=True
        )
        for n in range(options.clients)
    ]
    started = time.monotonic()
    for client in clients:
        client.start()
    samples = []
    kept = options.out / "runs" / "soak-samples.jsonl"  # written as it goes: survives a run that fails at its end
    kept.parent.mkdir(parents=True, exist_ok=True)
    kept.write_text("")

    def sample() -> None:
        samples.append({"seconds": round(time.monotonic() - started, 1), "processes": memory_of(server.process.pid)})
        with kept.open("a") as lines:
            lines.write(json.dumps(samples[-1]) + "\n")

    while True:
        sample()
        if stop.wait(min(options.sample_seconds, max(0.0, deadline - time.monotonic()))):
            break
        if time.monotonic() >= deadline:
            sample()
            break
        if len(samples) % 20 == 0:
            log(f"{samples[-1]['seconds']:.0f} s, {tally.sent} requests")
    for client in clients:
        client.join()
    wall = time.monotonic() - started
    workers = growth(samples, options.growth_limit_mb)
    errors = sum(count for status, count in tally.statuses.items() if status not in (200, REFUSED, 414))
    return {
        "minutes": options.minutes,
        "clients": options.clients,
        "records": options.records,
        "questions": len(queries.questions),
        "requests": tally.sent,
        "statuses": {str(status): count for status, count in tally.statuses.items()},
        "connection_errors": dict(tally.connection_errors),
        "latency": summarize(tally.latencies_ms, wall),
        "growth_limit_mb": options.growth_limit_mb,
        "workers": workers,
        "samples": samples,
        "passed": errors == 0 and not tally.connection_errors and all(w["within_limit"] for w in workers),
    }


def memory_of(root_pid: int) -> dict[str, dict]:
    """Resident and private memory (bytes) of every process under ``root_pid``, by pid, with its role."""
    found = {}
    for pid in descendants(root_pid):
        rollup = _smaps_rollup(pid)
        if rollup:
            found[str(pid)] = {"role": _role(pid, root_pid), **rollup}
    return found


def descendants(pid: int) -> list[int]:
    pids, queue = [], [pid]
    while queue:
        parent = queue.pop()
        try:
            children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            pids.append(child)
            queue.append(child)
    return pids


def _smaps_rollup(pid: int) -> dict[str, int] | None:
    try:
        lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
    except OSError:
        return None  # the process ended between the listing and the read
    fields = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        fields[name] = int(value.split()[0]) * 1024
    return {"rss": fields["Rss"], "private": fields["Private_Clean"] + fields["Private_Dirty"]}


def _role(pid: int, root_pid: int) -> str:
    """ "writers" (the task runner's process), "worker" (a search worker: the master's other children) or "child"."""
    try:
        parent = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return "gone"
    if b"run_writers" in command:
        return "writers"
    return "worker" if parent == root_pid else "child"


def growth(samples: list[dict], limit_mb: float) -> list[dict]:
    """Per process seen from the middle of the run to its end: private memory at the middle and end."""
    middle_at = samples[-1]["seconds"] / 2
    middle = next(s for s in samples if s["seconds"] >= middle_at)
    last = samples[-1]
    rows = []
    for pid, first in middle["processes"].items():
        end = last["processes"].get(pid)
        if end is None:
            continue  # restarted: its growth is its replacement's, which started after the middle
        gained = (end["private"] - first["private"]) / MB
        rows.append(
            {
                "pid": int(pid),
                "role": first["role"],
                "private_middle_mb": round(first["private"] / MB, 1),
                "private_end_mb": round(end["private"] / MB, 1),
                "rss_end_mb": round(end["rss"] / MB, 1),
                "growth_second_half_mb": round(gained, 2),
                "within_limit": first["role"] != "worker" or gained < limit_mb,
            }
        )
    return rows


def render(run: dict) -> str:
    latency = run["latency"]
    lines = [
        f"# Soak: {run['clients']} clients for {run['minutes']:g} min, {run['records']:,} shared passages",
        "",
        f"{run['requests']:,} requests over {run['questions']:,} distinct questions and new random queries; answers {run['statuses']}; "
        f"connection errors {run['connection_errors'] or 0}; p50 {latency['p50_ms']} ms, p99 {latency['p99_ms']} ms.",
        "",
        f"Memory of the server's processes from the middle of the run to its end (limit for a search worker: "
        f"{run['growth_limit_mb']:g} MB of private memory):",
        "",
        "| process | role | private at the middle (MB) | private at the end (MB) | growth (MB) | RSS at the end (MB) |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in run["workers"]:
        lines.append(
            f"| {row['pid']} | {row['role']} | {row['private_middle_mb']} | {row['private_end_mb']} | "
            f"{row['growth_second_half_mb']} | {row['rss_end_mb']} |"
        )
    lines += ["", f"Server log errors: {run['server_errors'] or 'none'}.", f"Server: {run['server']}.", ""]
    lines.append("**passed**" if run["passed"] else "**failed**")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
