"""`make bench-against REV=…`: the Python API's search latency of this checkout against another git revision, in one run.

Machines here are noisy, so a speed claim is a ratio to a baseline measured in the same run:
the first ``--size`` Canadian passages are indexed by each revision's own ``python -m indexer
index`` (index formats differ between revisions), then the same warm-up and timed queries as
`make bench`'s Python API row go through each revision's ``indexer.search``, each in a fresh
process, alternating revisions for ``--rounds`` rounds. The report gives each round's p50 and
p99 (wall time, as `make bench`, and CPU time), their medians, and this checkout's over the other's.

    python -m bench.perf_against --against main [--size 100000] [--queries 300] [--rounds 3] [--keep-index DIR]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

if __package__ in (None, ""):  # run as a file: python bench/perf_against.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import perf_build as build
from bench.perf import DATA_SET
from bench.perf import DEFAULT_DATA
from bench.perf import WARMUP_QUERIES
from bench.perf import query_pool
from bench.perf_queries import split_pool
from bench.perf_stats import summarize
from bench.report import log
from bench.report import markdown_table
from bench.report import write_results

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
THIS = "this checkout"
# Runs inside each revision's tree: only the public API both revisions share.
TIMER = """
import json, sys, time
from indexer import SearchQuery, open_index, search
index = open_index(sys.argv[1])
index.backend.wait_until_warm()
queries = json.load(open(sys.argv[2]))
def one(query):
    search(SearchQuery(text=query["text"], lang=tuple(query["lang"]), per_page=10), index)
for query in queries["warmup"]:
    one(query)
wall, cpu = [], []
for query in queries["timed"]:
    started, used = time.perf_counter(), time.process_time()
    one(query)
    wall.append((time.perf_counter() - started) * 1000)
    cpu.append((time.process_time() - used) * 1000)
print(json.dumps({"wall": wall, "cpu": cpu}))
"""


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    passages = options.data / DATA_SET / "passages.jsonl"
    if not passages.is_file():
        log(f"shared data not found at {options.data / DATA_SET} (set PASSERELLE_DATA)")
        return 0
    if options.keep_index:
        results = measure(options, passages, Path(options.keep_index))
    else:
        with tempfile.TemporaryDirectory(prefix="passerelle-against-") as work:
            results = measure(options, passages, Path(work))
    table = render(results)
    print(table)
    write_results(options.out, "perf-against", table, results, stamped=False)
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.perf_against", description=__doc__.split("\n\n")[0])
    parser.add_argument("--against", required=True, help="the git revision to compare with (a branch, tag or commit)")
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("PASSERELLE_DATA") or DEFAULT_DATA))
    parser.add_argument("--size", type=int, default=100_000, help="passages indexed (default: %(default)s)")
    parser.add_argument("--queries", type=int, default=300, help="timed queries per run (default: %(default)s)")
    parser.add_argument(
        "--rounds", type=int, default=5, help="runs of each revision, alternated (default: %(default)s)"
    )
    parser.add_argument("--keep-index", type=Path, help="keep the checkout, corpus and indexes here")
    parser.add_argument("--out", type=Path, default=RESULTS)
    return parser.parse_args(argv)


def measure(options: argparse.Namespace, passages: Path, work: Path) -> dict:
    work = work.resolve()
    commit = _git("rev-parse", "--verify", f"{options.against}^{{commit}}").strip()
    trees = {THIS: ROOT, options.against: _export(commit, work / f"tree-{commit[:12]}")}
    corpus = work / "corpus"
    if not corpus.is_dir():
        log(f"writing the first {options.size} passages…")
        build.write_corpus(passages, options.size, corpus)
    indexes = {}
    for name, tree in trees.items():
        indexes[name] = work / f"index-{'this' if name == THIS else commit[:12]}"
        if name == THIS or not (indexes[name] / "current").exists():
            log(f"indexing with {name}…")
            _python(tree, "-m", "indexer", "index", "--corpus", str(corpus), "--index", str(indexes[name]), ok=(0, 3))
    pool = query_pool(passages, min(10_000, options.size), options.queries)
    warmup, (timed, *_) = split_pool(pool, WARMUP_QUERIES, options.queries, runs=1)
    queries = work / "queries.json"
    as_json = lambda found: [{"text": q.text(), "lang": [q.lang_param] if q.lang_param else []} for q in found]  # noqa: E731
    queries.write_text(json.dumps({"warmup": as_json(warmup), "timed": as_json(timed)}))
    rounds = {name: [] for name in trees}
    for number in range(options.rounds):
        for name, tree in trees.items():
            times = json.loads(_python(tree, "-c", TIMER, str(indexes[name]), str(queries)))
            rounds[name].append({clock: summarize(found, sum(found) / 1000) for clock, found in times.items()})
            log(
                f"round {number + 1}, {name}: "
                + ", ".join(
                    f"{clock} p50 {found['p50_ms']} ms, p99 {found['p99_ms']} ms"
                    for clock, found in rounds[name][-1].items()
                )
            )
    return {
        "against": options.against,
        "commit": commit,
        "size": options.size,
        "queries": len(timed),
        "warmup": len(warmup),
        "rounds": rounds,
        "load_average": round(os.getloadavg()[0], 2),
    }


def render(results: dict) -> str:
    this, other = results["rounds"][THIS], results["rounds"][results["against"]]
    header = ["", *(f"round {n + 1}" for n in range(len(this))), "median"]
    body = []
    for clock in ("wall", "cpu"):
        for key in ("p50_ms", "p99_ms"):
            for name, found in ((THIS, this), (results["against"], other)):
                values = [r[clock][key] for r in found]
                body.append([f"{name} {key[:3]} ms ({clock})", *map(str, values), f"{statistics.median(values):.2f}"])
            ratios = [a[clock][key] / b[clock][key] for a, b in zip(this, other)]
            body.append(
                [f"{key[:3]} ratio ({clock})", *(f"{r:.2f}" for r in ratios), f"**{statistics.median(ratios):.2f}**"]
            )
    return "\n".join(
        [
            f"# Search latency against {results['against']} ({results['commit'][:12]})",
            "",
            f"Python API, {results['size']:,} Canadian passages, {results['queries']} timed queries after "
            f"{results['warmup']} warm-up ones (make bench's mix), each revision in a fresh process, rounds alternated; "
            f"wall time as make bench measures it, and the process's CPU time, steadier on a shared machine. "
            f"Ratios are this checkout's over {results['against']}'s; load average at the end {results['load_average']}.",
            "",
            *markdown_table(header, body),
        ]
    )


def _export(commit: str, tree: Path) -> Path:
    """The revision's files (git archive), without touching this checkout."""
    if not tree.is_dir():
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit], check=True, capture_output=True).stdout
        tree.mkdir(parents=True)
        with tarfile.open(fileobj=io.BytesIO(archive)) as files:
            files.extractall(tree, filter="data")
    return tree


def _python(tree: Path, *args: str, ok: tuple[int, ...] = (0,)) -> str:
    """Run Python in ``tree`` (its packages first on the path); its stdout. 3 from ``index``: a file skipped."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run([sys.executable, *args], cwd=tree, env=env, capture_output=True, text=True)
    if done.returncode not in ok:
        raise RuntimeError(f"{' '.join(args[:3])} in {tree} exited {done.returncode}: {done.stderr[-2000:]}")
    return done.stdout


def _git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(ROOT), *args], check=True, capture_output=True, text=True).stdout


if __name__ == "__main__":
    sys.exit(main())
