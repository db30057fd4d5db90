"""`make bench`, first part: Passerelle's speed on the Canadian federal laws, against naive Whoosh and SQLite FTS5.

For each size (the first 10,000, 100,000 and all passages of ``canada_federal_laws_en_fr``):
indexing (passages/s, size on disk, peak memory of ``passerelle index``), search through the
Python API (top 10 with snippets), the same queries through the naive-Whoosh and FTS5 baselines
built in the same run, and search through HTTP against ``passerelle serve`` at 1 and 8 clients
with the workers' memory after the load; on the largest size, the time until a new document is
searchable in the running server. The table goes to stdout and to ``bench/results/perf-*.md``.

    python -m bench.perf [--data DIR] [--sizes 10000,100000,all] [--queries N] [--skip-http]
                         [--keep-index DIR] [--rebuild] [--naive-whoosh-up-to N] [--label TEXT] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple

if __package__ in (None, ""):  # run as a file: python bench/perf.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import perf_build as build
from bench import perf_http as http
from bench.perf_baselines import BASELINES
from bench.perf_queries import MIX
from bench.perf_queries import BenchQuery
from bench.perf_queries import draw_queries
from bench.perf_queries import split_pool
from bench.perf_report import render_markdown
from bench.perf_stats import summarize
from bench.report import SEED
from bench.report import log
from bench.report import repo_path
from bench.report import stage
from bench.report import write_results

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_DATA = ROOT.parent / "shared" / "data"
DATA_SET = "canada_federal_laws_en_fr"
DEFAULT_SIZES = "10000,100000,all"
DEFAULT_QUERIES = 300
WARMUP_QUERIES = 50
# Each worker decodes its frequent postings in the background after opening the index (about 3 s
# for all the Canadian passages on a quiet machine); timing starts once /api/health says so.
SERVER_WARM_SECONDS = 30
PAIRS_FILE = "pairs.jsonl"  # aligned passage ids beside the passages: what the lexicon is learned from
QUERY_SOURCE_PASSAGES = 10_000  # queries come from passages every size holds, so sizes compare
HTTP_CLIENTS = (1, 8)
# Naive Whoosh indexes at a tenth of Passerelle's target speed: at every size it would be a third of
# the run. The issue compares with it at 100,000 passages; FTS5 takes seconds, so it runs everywhere.
DEFAULT_NAIVE_UP_TO = 100_000


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, measure, print the table and write the result files."""
    options = parse_args(argv)
    passages_file = options.data / DATA_SET / "passages.jsonl"
    if not passages_file.is_file():
        log(f"shared data not found at {options.data / DATA_SET} (set PASSERELLE_DATA)")
        return 0
    began = time.perf_counter()
    results = measure(options, passages_file)
    results["timings"]["whole run"] = round(time.perf_counter() - began, 1)
    table = render_markdown(results)
    print(table)
    write_results(options.out, "perf", table, results)
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.perf", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data",
        type=Path,
        default=Path(os.environ.get("PASSERELLE_DATA") or DEFAULT_DATA),
        help="shared data folder (default: $PASSERELLE_DATA or <repo>/../shared/data)",
    )
    parser.add_argument(
        "--sizes",
        default=DEFAULT_SIZES,
        help="comma list of passage counts, 'all' for the whole set (default: %(default)s)",
    )
    parser.add_argument(
        "--queries", type=int, default=DEFAULT_QUERIES, help="distinct queries per timed run (default: %(default)s)"
    )
    parser.add_argument("--skip-http", action="store_true", help="measure the Python API and the baselines only")
    parser.add_argument(
        "--keep-index", type=Path, help="build the indexes here and reuse them next time when the passages are the same"
    )
    parser.add_argument("--rebuild", action="store_true", help="with --keep-index: build everything again")
    parser.add_argument(
        "--naive-whoosh-up-to",
        type=int,
        default=DEFAULT_NAIVE_UP_TO,
        metavar="N",
        help="build the naive-Whoosh baseline only for sizes up to N passages; 0: every size (default: %(default)s)",
    )
    parser.add_argument("--label", default="", help="what this run measures (e.g. the change being tried)")
    parser.add_argument(
        "--out", type=Path, default=RESULTS, help="folder for the result files (default: bench/results)"
    )
    options = parser.parse_args(argv)
    if options.queries < 10:
        parser.error("--queries must be at least 10")
    try:
        options.sizes = [None if s.strip() == "all" else int(s) for s in options.sizes.split(",") if s.strip()]
    except ValueError:
        parser.error(f"--sizes takes passage counts and 'all', not {options.sizes!r}")
    if not options.sizes or any(s is not None and s < 1 for s in options.sizes):
        parser.error(f"--sizes needs at least one positive count or 'all', not {options.sizes!r}")
    return options


def measure(options: argparse.Namespace, passages_file: Path) -> dict:
    """Every size in turn, smallest first; the largest also gets the freshness probe."""
    total = build.count_passages(passages_file)
    sizes = sorted({total if s is None or s >= total else s for s in options.sizes})
    pool = query_pool(passages_file, min(QUERY_SOURCE_PASSAGES, sizes[0]), options.queries)
    warmup, timed = split_pool(pool, WARMUP_QUERIES, options.queries, runs=3)
    queries = QuerySets(warmup, *timed)
    results = {
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "label": options.label,
        "data": repo_path(passages_file),
        "seed": SEED,
        "queries": options.queries,
        "warmup": len(warmup),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            # the machine is shared: a load above the core count means the numbers are pessimistic
            "load_average_at_start": round(os.getloadavg()[0], 2),
        },
        "query_mix": _mix(queries.api),
        "sizes": {},
        "timings": {},
        "notes": [],
    }
    if options.keep_index:
        _run_sizes(options, Path(options.keep_index), passages_file, total, sizes, queries, results)
    else:
        with tempfile.TemporaryDirectory(prefix="passerelle-perf-") as work:
            _run_sizes(options, Path(work), passages_file, total, sizes, queries, results)
    results["machine"]["load_average_at_end"] = round(os.getloadavg()[0], 2)
    results["queries_used"] = {name: [q.to_dict() for q in getattr(queries, name)] for name in QuerySets._fields}
    return results


def query_pool(passages_file: Path, source: int, timed: int) -> list[BenchQuery]:
    """Warm-up plus three disjoint timed lists, drawn with ``random.Random(SEED)`` from the first passages."""
    from whoosh.lang.stopwords import stoplists

    stopwords = frozenset(stoplists["en"]) | frozenset(stoplists["fr"])
    passages = [(r.get("lang", ""), r["text"]) for r in map(json.loads, build.passage_lines(passages_file, source))]
    return draw_queries(passages, WARMUP_QUERIES + 3 * timed, SEED, stopwords)


def _mix(queries: list[BenchQuery]) -> dict[str, int]:
    return {kind: sum(query.kind == kind for query in queries) for kind in MIX}


class QuerySets(NamedTuple):
    """Disjoint lists of queries: a query is never timed twice in one process (a cache would flatter it)."""

    warmup: list[BenchQuery]
    api: list[BenchQuery]  # the Python API and the baselines (each in its own process or index)
    http_one: list[BenchQuery]  # HTTP, one client
    http_many: list[BenchQuery]  # HTTP, 8 clients, same server as one client: other queries


def _run_sizes(
    options, work: Path, passages_file: Path, total: int, sizes: list[int], queries: QuerySets, results: dict
) -> None:
    with stage(results["timings"], "translation lexicons"):
        lexicon = translation_lexicon(passages_file.parent / PAIRS_FILE, work / "lexicon.tsv.gz", results["notes"])
    for size in sizes:
        name = "all" if size == total else str(size)
        folder = build.SizeFolder(work / name)
        limit = None if size == total else size
        with stage(results["timings"], f"{name}: indexes"):
            baselines = [
                b
                for b in BASELINES
                if b != "naive_whoosh" or not options.naive_whoosh_up_to or size <= options.naive_whoosh_up_to
            ]
            indexing = prepare_indexes(folder, passages_file, limit, options.rebuild, baselines)
        entry = {"passages": size, "indexing": indexing}
        with stage(results["timings"], f"{name}: search through the Python API and the baselines"):
            entry["search_api"] = search_api(folder, queries.warmup, queries.api, baselines, lexicon)
        if not options.skip_http:
            with stage(results["timings"], f"{name}: search through HTTP"):
                try:
                    entry["http"] = search_http(folder, queries, probe=size == sizes[-1])
                except RuntimeError as error:  # the other sizes and systems are still worth reporting
                    log(f"  {error}")
                    results["notes"].append(f"{name}: no HTTP numbers: {error}")
            if "http" in entry:
                results["notes"] += _http_errors(name, entry["http"], folder.root / "serve.log")
        results["sizes"][name] = entry


def translation_lexicon(pairs: Path, kept: Path, notes: list[str]):
    """FreeDict and the lexicon learned from ``pairs`` (kept at ``kept`` while the pairs are the same), merged."""
    from indexer.crosslang.kept import combine
    from indexer.crosslang.kept import installed_freedict_lexicon
    from indexer.crosslang.lexicon import Lexicon

    chosen = [lexicon for lexicon in [installed_freedict_lexicon()] if lexicon is not None]
    if not chosen:
        notes.append("FreeDict not installed (.ci/install-freedict): translation timed with the learned lexicon only")
    if not pairs.is_file():
        notes.append(f"no {pairs}: translation timed with FreeDict only")
    else:
        stamp = str(pairs.stat().st_size)
        learned = Lexicon.load(kept) if kept.is_file() else None
        if learned is None or learned.meta.get("bench_stamp") != stamp:
            log(f"  passerelle lexicon learn {pairs} …")
            # A child process: learning peaks above 1 GB, which this process would keep, and a
            # child's peak memory as the kernel reports it counts its parent's at the start.
            kept.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run([*http.passerelle_command(), "lexicon", "learn", str(pairs), "--out", str(kept)],
                           check=True, stdout=subprocess.DEVNULL)  # fmt: skip
            learned = Lexicon.load(kept)
            learned.meta["bench_stamp"] = stamp
            learned.save(kept)
        chosen.append(learned)
    return combine(chosen)


def prepare_indexes(
    folder: build.SizeFolder, passages_file: Path, limit: int | None, rebuild: bool, baselines: list[str]
) -> dict:
    """Build (or reuse, when kept with the same passages) Passerelle's index and the two baselines."""
    stamp = folder.load_stamp()
    fingerprint = build.fingerprint(passages_file, limit)
    if rebuild or stamp.get("fingerprint") != fingerprint:
        stamp = {"fingerprint": fingerprint, "built": {}}
    built, fresh = stamp["built"], set()
    if "passerelle" not in built or not _opens(folder.passerelle):
        log(f"  writing the corpus folder ({'all' if limit is None else limit} passages)")
        build.write_corpus(passages_file, limit, folder.corpus)
        log("  passerelle index …")
        measured = build.build_passerelle(folder.corpus, folder.passerelle, folder.root / "index.log")
        measured["passages"] = _passage_count(folder.passerelle)
        measured["index_mb"] = build.index_size_mb(folder.passerelle)
        built["passerelle"] = measured | {"built": time.strftime("%Y-%m-%d %H:%M")}
        folder.save_stamp(stamp)
        fresh.add("passerelle")
    for name in baselines:
        path = folder.paths[name]
        if name not in built or not path.exists():
            log(f"  {BASELINES[name].name} …")
            measured = build.build_baseline(name, path, passages_file, limit)
            built[name] = measured | {"index_mb": build.disk_mb(path), "built": time.strftime("%Y-%m-%d %H:%M")}
            folder.save_stamp(stamp)
            fresh.add(name)
    wanted = ["passerelle", *baselines]
    reused = [name for name in wanted if name not in fresh]
    if reused:
        log(f"  reused from an earlier run: {', '.join(reused)}")
    return {name: _rate(built[name], reused=name in reused) for name in wanted}


def _rate(measured: dict, reused: bool) -> dict:
    rate = round(measured["passages"] / measured["seconds"], 1) if measured["seconds"] else None
    return measured | {"passages_per_s": rate, "reused": reused}


def _opens(index_root: Path) -> bool:
    """True when a kept Passerelle index is there and of today's format."""
    from indexer import open_index
    from indexer.errors import PasserelleError

    try:
        open_index(index_root).close()
    except PasserelleError:
        return False
    return True


def _passage_count(index_root: Path) -> int:
    from indexer import open_index

    index = open_index(index_root)
    try:
        return index.backend.passage_count()
    finally:
        index.close()


def search_api(
    folder: build.SizeFolder, warmup: list[BenchQuery], timed: list[BenchQuery], baselines: list[str], lexicon=None
) -> dict:
    """The same warm-up and timed queries through Passerelle's ``search`` and the two baselines.

    :param lexicon: translations for a second Passerelle run on the same open index (issue 8).
    """
    systems = {"passerelle": _passerelle_run(folder, warmup, timed)}
    systems["passerelle_grouped"] = _passerelle_run(folder, warmup, timed, group="document")
    if lexicon is not None:
        systems["passerelle_translated"] = _passerelle_run(folder, warmup, timed, lexicon)
    for name in baselines:
        opened = BASELINES[name](folder.paths[name])
        try:
            systems[name] = timed_run(opened.search, warmup, timed)
        finally:
            opened.close()
    for name, numbers in systems.items():
        log(
            f"  {name}: p50 {numbers['p50_ms']} ms, p99 {numbers['p99_ms']} ms, {numbers['no_hit']} queries without a hit"
        )
    return systems


def _passerelle_run(
    folder: build.SizeFolder, warmup: list[BenchQuery], timed: list[BenchQuery], lexicon=None, group: str = "none"
) -> dict:
    """Passerelle's ``search`` on a freshly opened index (no answer cached), with ``lexicon``'s translations if
    given, grouped by document when ``group`` says so (as the pages search)."""
    from indexer import SearchQuery
    from indexer import open_index
    from indexer import search
    from indexer.crosslang.expansion import Expander

    index = open_index(folder.passerelle)
    if lexicon is not None:
        index = replace(index, expander=Expander(index.expander.glossary, lexicon))
    index.backend.wait_until_warm()  # as a server does in the seconds after it opens the index
    shape = {"expanded": 0, "relaxed": 0}

    def passerelle(query: BenchQuery) -> int:
        lang = (query.lang_param,) if query.lang_param else ()
        result = search(SearchQuery(text=query.text(), lang=lang, per_page=10, group=group), index)
        shape["expanded"] += bool(result.expanded)
        shape["relaxed"] += result.relaxed
        return len(result.groups if group == "document" else result.results)

    try:
        measured = timed_run(passerelle, warmup, timed)
    finally:
        index.close()
    return measured | {"with_expansion": shape["expanded"], "relaxed": shape["relaxed"]}


def timed_run(search_one, warmup: list[BenchQuery], timed: list[BenchQuery]) -> dict:
    """Warm up untimed, then time each query alone; ``search_one`` returns how many hits it got."""
    for query in warmup:
        search_one(query)
    latencies, no_hit = [], 0
    began = time.perf_counter()
    for query in timed:
        started = time.perf_counter()
        hits = search_one(query)
        latencies.append((time.perf_counter() - started) * 1000)
        no_hit += hits == 0
    return summarize(latencies, time.perf_counter() - began, no_hit=no_hit)


def search_http(folder: build.SizeFolder, queries: QuerySets, probe: bool) -> dict:
    """``passerelle serve`` (its default workers) under 1 then 8 clients; memory after; the freshness probe."""
    measured = {}
    with http.running_server(folder.passerelle, folder.root / "serve.log") as server:
        http.warm_up(server, queries.warmup, timeout=SERVER_WARM_SECONDS)
        for clients, timed in zip(HTTP_CLIENTS, (queries.http_one, queries.http_many)):
            measured[f"{clients}_clients"] = http.load(server, timed, clients)
            numbers = measured[f"{clients}_clients"]
            log(f"  {clients} client(s): p50 {numbers['p50_ms']} ms, p99 {numbers['p99_ms']} ms, "
                f"{numbers['per_second']} requests/s, {numbers['errors']} errors")  # fmt: skip
        measured["memory"] = http.memory(server.process.pid)
        measured["workers"] = len(measured["memory"]["workers"]) or 1
        log(f"  memory: largest worker {measured['memory']['worker_rss_mb_max']} MB RSS")
        if probe:
            try:
                measured["freshness"] = http.freshness(
                    server, folder.corpus, folder.passerelle, folder.root / "index.log"
                )
            except RuntimeError as error:  # keep the load numbers measured above
                measured["freshness"] = {"visible_after_commit_s": None, "index_command_s": None, "note": str(error)}
            log(
                f"  a new document was searchable {measured['freshness'].get('visible_after_commit_s')} s after the commit"
            )
    return measured


def _http_errors(size: str, measured: dict, log_path: Path) -> list[str]:
    """A note per run with failed requests: the first failure, and the server's last exception line."""
    notes = []
    for key in ("1_clients", "8_clients"):
        if measured[key]["errors"]:
            lines = log_path.read_text(encoding="utf-8", errors="replace").splitlines()
            raised = [line for line in lines if re.match(r"^[\w.]+(Error|Exception)\b", line)]
            notes.append(
                f"{size}, {measured[key]['clients']} client(s): {measured[key]['errors']} failed requests, "
                f"first {measured[key]['first_error']}; the server logged: {raised[-1] if raised else '(nothing)'}"
            )
    return notes


if __name__ == "__main__":
    sys.exit(main())
