"""Search latency of one built index, for profiling a change: ``python -m bench.search_probe INDEX``.

Draws a reproducible mix of queries from the Canadian passages (single words, two and three
words, two-word phrases, a language filter), warms up on a separate set, then times
``indexer.search.search`` in CPU time of this process (steadier than wall time on a busy
machine). ``--profile`` prints a pyinstrument profile instead (``pip install pyinstrument``).
``make bench`` (bench/perf.py) is the reference measurement; this is the quick loop.

    python -m bench.search_probe var/bench/100000/index [--queries 300] [--profile] [--data DIR]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import re
import sys
import time
from pathlib import Path

from bench.report import SEED

DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
SOURCE_PASSAGES = 100_000


def main(argv: list[str] | None = None) -> int:
    """Time (or profile) searches over the index named on the command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.search_probe", description=__doc__.split("\n\n")[0])
    parser.add_argument("index", type=Path)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("PASSERELLE_DATA") or DEFAULT_DATA))
    options = parser.parse_args(argv)
    passages = options.data / "canada_federal_laws_en_fr" / "passages.jsonl"
    if not passages.exists():
        print(f"shared data not found at {options.data} (set PASSERELLE_DATA)")
        return 0
    from indexer import open_index
    from indexer.errors import PasserelleError

    queries = draw(passages, 2 * options.queries + 50)
    try:
        index = open_index(options.index)
    except PasserelleError as error:
        print(error, file=sys.stderr)
        return 1
    started = time.perf_counter()
    index.backend.wait_until_warm()
    print(f"frequent postings decoded in {time.perf_counter() - started:.1f} s")
    run(index, queries[-50:])
    timed = queries[: options.queries]
    if options.profile:
        try:
            from pyinstrument import Profiler
        except ImportError:
            print("--profile needs pyinstrument: .venv/bin/pip install pyinstrument", file=sys.stderr)
            return 2

        profiler = Profiler()
        profiler.start()
        run(index, timed)
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False))
        return 0
    times = sorted(run(index, timed))
    rank = lambda share: times[min(len(times) - 1, int(share * len(times)))]  # noqa: E731
    print(
        f"{len(times)} queries, CPU ms: p50 {rank(0.5):.2f}  p95 {rank(0.95):.2f}  p99 {rank(0.99):.2f}  max {times[-1]:.1f}"
    )
    return 0


def draw(passages: Path, count: int) -> list[tuple[str, dict]]:
    """``count`` distinct queries drawn with the shared seed."""
    rng = random.Random(SEED)
    with passages.open(encoding="utf-8") as lines:
        texts = [json.loads(line)["text"] for line in itertools.islice(lines, 0, SOURCE_PASSAGES, 37)]
    words = [word for text in texts for word in re.findall(r"[^\W\d_]{4,}", text)]
    queries: dict[str, dict] = {}
    while len(queries) < count:
        kind = rng.choice(["1", "1", "2", "2", "3", "phrase", "filter"])
        if kind == "phrase":
            tokens = rng.choice(texts).split()
            start = rng.randrange(max(1, len(tokens) - 2))
            queries['"' + " ".join(tokens[start : start + 2]) + '"'] = {}
        elif kind == "filter":
            queries[rng.choice(words)] = {"lang": ("fr",)}
        else:
            queries[" ".join(rng.choice(words) for _ in range(int(kind)))] = {}
    return list(queries.items())


def run(index, queries) -> list[float]:
    """CPU milliseconds of each search."""
    from indexer.models import SearchQuery
    from indexer.search import search

    times = []
    for text, options in queries:
        started = time.process_time()
        search(SearchQuery(text=text, per_page=10, **options), index)
        times.append((time.process_time() - started) * 1000)
    return times


if __name__ == "__main__":
    raise SystemExit(main())
