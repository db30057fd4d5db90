"""Long query fuzzing: 20,000 generated hostile queries against ``indexer.search``; errors must be 0.

The index holds our corpus and, when the shared data is there, the first ``--records`` records of
the Canadian passages plus the PIAF and XQuAD passages (a slice: enough vocabulary and volume for
suggestions, relaxation and facets to work, small enough to index in about a minute). Queries come
from ``bench.querygen.random_query`` with a fixed seed, so every run sends the same ones; each is
sent with drawn parameters (expansion on or off, language and taxonomy filters, page, page size,
sort). An error is an exception or an unsound answer (``bench.querygen.result_problems``).

    python -m bench.fuzz [--queries 20000] [--seed 7] [--records 2000] [--workers N] [--data DIR] [--out DIR]

The table goes to stdout and to ``bench/results/fuzz-latest.md`` (and ``.json``); progress to
stderr. The exit status is 1 when any query failed. Not part of ``make test``.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import traceback
from itertools import islice
from pathlib import Path

if __package__ in (None, ""):  # run as a file: python bench/fuzz.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.querygen import FILTER_VALUES
from bench.querygen import random_query
from bench.querygen import result_problems
from bench.report import log as report_log
from bench.report import write_results
from indexer import NothingToSearch
from indexer import SearchQuery
from indexer import UnknownFilterValue
from indexer import index_corpus
from indexer import search
from indexer.store import open_index

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_DATA = ROOT.parent / "shared" / "data"
SLICES = (("canada_federal_laws_en_fr", None), ("piaf_fr", 0), ("xquad_en", 0))  # None: --records; 0: all
SLOWEST_SHOWN = 10
ERRORS_SHOWN = 20


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="passerelle-fuzz-") as work:
        corpus, sources = build_corpus(Path(work) / "corpus", options)
        log(f"indexing {', '.join(sources)}")
        started = time.monotonic()
        report = index_corpus(corpus, Path(work) / "index")
        index_seconds = time.monotonic() - started
        log(f"indexed {report.passages} passages in {index_seconds:.0f} s")
        run = fuzz(Path(work) / "index", options)
    run.update(sources=sources, passages=report.passages, index_seconds=round(index_seconds, 1))
    markdown = render(run)
    write_results(options.out, "fuzz", markdown, run, stamped=False)
    print(markdown)
    return 1 if run["errors"] else 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Flags win over ``PASSERELLE_DATA``."""
    parser = argparse.ArgumentParser(prog="python -m bench.fuzz", description=__doc__.split("\n")[0])
    parser.add_argument("--queries", type=int, default=20_000, help="queries to send (default 20000)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the query generator (default 7)")
    parser.add_argument("--records", type=int, default=2000, help="Canadian records in the index (default 2000)")
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="processes sharing the queries (default: one per core)"
    )
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("PASSERELLE_DATA") or DEFAULT_DATA))
    parser.add_argument("--out", type=Path, default=RESULTS, help="where fuzz-latest.md/.json go")
    return parser.parse_args(argv)


def build_corpus(corpus: Path, options: argparse.Namespace) -> tuple[Path, list[str]]:
    """Our corpus, plus a slice of the shared data sets when they are there."""
    shutil.copytree(ROOT / "corpus", corpus)
    sources = ["corpus/"]
    for name, limit in SLICES:
        source = options.data / name / "passages.jsonl"
        if not source.is_file():
            log(f"shared data not found at {source.parent} (set PASSERELLE_DATA); fuzzing without it")
            continue
        count = options.records if limit is None else None
        with source.open("rb") as lines, (corpus / f"{name}.jsonl").open("wb") as out:
            written = sum(1 for line in islice(lines, count) if out.write(line))
        sources.append(f"{name} ({written} records)")
    return corpus, sources


def draw_query(rng: random.Random) -> SearchQuery:
    """A hostile query text with drawn parameters (all within the documented ranges)."""
    filters = {
        facet: tuple(rng.choice(FILTER_VALUES) for _ in range(rng.choice((0, 0, 0, 1, 2))))
        for facet in ("project", "partner", "topic")
    }
    return SearchQuery(
        text=random_query(rng),
        lang=rng.choice(((), (), (), ("en",), ("fr",), ("en", "fr"))),
        page=rng.choice((1, 1, 1, 2, 3, 1000)),
        per_page=rng.choice((10, 10, 1, 20, 100)),
        sort=rng.choice(("relevance", "relevance", "newest")),
        expand=rng.random() < 0.7,
        **filters,
    )


def fuzz(index_path: Path, options: argparse.Namespace) -> dict:
    """Send ``options.queries`` drawn queries, shared among ``options.workers`` processes (each
    with its own open index, as server workers have); count errors, keep the slowest."""
    rng = random.Random(options.seed)
    queries = [draw_query(rng) for _ in range(options.queries)]
    workers = max(1, min(options.workers, len(queries)))
    started = time.monotonic()
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        shares = pool.starmap(_run_share, [(index_path, queries[k::workers], k) for k in range(workers)])
    times = [pair for share_times, _ in shares for pair in share_times]
    errors = [error for _, share_errors in shares for error in share_errors]
    seconds = sorted(elapsed for elapsed, _ in times)
    slowest = sorted(times, key=lambda pair: -pair[0])[:SLOWEST_SHOWN]
    return {
        "queries": len(times),
        "seed": options.seed,
        "errors": len(errors),
        "error_examples": errors[:ERRORS_SHOWN],
        "workers": workers,
        "wall_seconds": round(time.monotonic() - started, 1),
        "median_ms": round(statistics.median(seconds) * 1000, 1),
        "p99_ms": round(seconds[int(len(seconds) * 0.99)] * 1000, 1),
        "max_ms": round(seconds[-1] * 1000, 1),
        "slowest": [{"ms": round(elapsed * 1000, 1), "query": describe(query)} for elapsed, query in slowest],
    }


def _run_share(index_path: Path, queries: list[SearchQuery], share: int) -> tuple[list, list]:
    """One process's share of the queries: (seconds, query) per query, and the errors."""
    index = open_index(index_path)
    times, errors = [], []
    started = time.monotonic()
    try:
        for number, query in enumerate(queries, 1):
            before = time.perf_counter()
            try:
                problems = result_problems(search(query, index))
            except (NothingToSearch, UnknownFilterValue):
                problems = []  # the documented refusals, naming the parameter: a sound answer
            except Exception as error:  # noqa: BLE001 - counting failures is what this run is for
                problems = [f"{type(error).__name__}: {error}", traceback.format_exc(limit=-3)]
            times.append((time.perf_counter() - before, query))
            if problems:
                errors.append({"query": describe(query), "problems": problems})
            if number % 1000 == 0:
                log(f"share {share}: {number} queries, {len(errors)} errors, {time.monotonic() - started:.0f} s")
    finally:
        index.close()
    return times, errors


def describe(query: SearchQuery) -> dict:
    """The query's text and every parameter that is not the default."""
    defaults = SearchQuery()
    return {name: value for name, value in vars(query).items() if name == "text" or value != getattr(defaults, name)}


def render(run: dict) -> str:
    lines = [
        "# Query fuzzing (`python -m bench.fuzz`)",
        "",
        f"Index: {', '.join(run['sources'])}: {run['passages']} passages, indexed in {run['index_seconds']} s. "
        f"Queries: {run['queries']} from `bench.querygen.random_query` (seed {run['seed']}), each with drawn "
        f"parameters (expansion, language and taxonomy filters, page up to 1000, page size, sort), shared among "
        f"{run['workers']} processes.",
        "",
        "| measure | value |",
        "| --- | --- |",
        f"| queries | {run['queries']} |",
        f"| errors (exceptions or unsound answers) | {run['errors']} |",
        f"| median time per query | {run['median_ms']} ms |",
        f"| 99th percentile | {run['p99_ms']} ms |",
        f"| slowest query | {run['max_ms']} ms: `{_short(run['slowest'][0]['query'])}` |",
        f"| whole run | {run['wall_seconds']} s |",
        "",
        "Slowest queries:",
        "",
        *(f"- {item['ms']} ms: `{_short(item['query'])}`" for item in run["slowest"]),
    ]
    if run["error_examples"]:
        lines += ["", "Errors (first ones):", ""]
        lines += [f"- `{_short(item['query'])}`: {item['problems'][0]}" for item in run["error_examples"]]
    return "\n".join(lines) + "\n"


def _short(query: dict, limit: int = 90) -> str:
    """A query for a Markdown cell: repr (control characters visible), cut, backticks and pipes made harmless."""
    text = repr(query["text"])
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    extra = ", ".join(f"{name}={value!r}" for name, value in query.items() if name != "text")
    shown = f"{text} ({extra})" if extra else text
    return shown.replace("`", "'").replace("|", "\\|")


def log(message: str) -> None:
    report_log(f"[fuzz] {message}")


if __name__ == "__main__":
    sys.exit(main())
