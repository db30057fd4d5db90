"""`make eval`: relevance of Passerelle (glossary, translation lexicons, neither) against plain Whoosh.

Query sets:

1. ``ours``: the judged queries of ``tests/eval/queries.jsonl`` over ``corpus/``; the unit is a passage.
2. The shared data sets (``<repo>/../shared/data`` or ``$PASSERELLE_DATA``), all indexed together into
   one index; the unit is a record (a hit is relevant when its ``doc_id`` is listed).

Every system answers the same queries over the same units, built in the same run. The table goes to
stdout and to ``bench/results/eval-<time>.md``, ``eval-latest.md`` and ``eval-latest.json``.

The lexicon systems (issue 8) add query translation to the glossary: FreeDict, a lexicon learned
from the first selected data set with ``pairs.jsonl``, or both (``bench/eval_lexicons.py``). That
data set also gets split rows: the learned lexicon is learned again from half of the instruments
and only the queries of the other half are scored.

Cross-language queries are scored twice. Over the whole collection (kind ``cross``), a heading
in one language competes with the passage's own official translation, which holds its very words:
that row says how a mixed result list serves someone who wants the other language, and a system
that ranks the twin first scores low by design. Restricted to the target language (kind
``cross, target language only (lang filter)``), Passerelle searches with ``lang=<language of the
relevant passage>``, as a user wanting the French provision would filter; the plain Whoosh
baseline has no filter, so its first ``BASELINE_FILTER_DEPTH`` hits are kept if in that language.

    python -m bench.eval [--data DIR] [--sets a,b] [--max-queries N] [--out DIR] [--keep-index DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

if __package__ in (None, ""):  # run as a file: python bench/eval.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import baseline as plain
from bench import eval_lexicons
from bench import metrics
from bench.eval_data import CORPUS
from bench.eval_data import Judged
from bench.eval_data import build_data_baseline
from bench.eval_data import index_data
from bench.eval_data import load_data_queries
from bench.eval_data import query_files
from bench.eval_data import read_jsonl
from bench.eval_data import select_sets
from bench.eval_data import write_corpus
from bench.report import SEED
from bench.report import Row
from bench.report import Run
from bench.report import render_json
from bench.report import render_markdown
from bench.report import log
from bench.report import stage
from bench.report import write_results

ROOT = Path(__file__).resolve().parent.parent
OUR_QUERIES = ROOT / "tests" / "eval" / "queries.jsonl"
RESULTS = ROOT / "bench" / "results"
DEFAULT_DATA = ROOT.parent / "shared" / "data"
DEFAULT_MAX_QUERIES = 500
SYSTEMS = {
    "expansion": "Passerelle + expansion",
    "plain": "Passerelle, no expansion",
    "dictionary": "+ dictionary",
    "learned": "+ learned lexicon",
    "both": "+ both lexicons",
    "baseline": "plain Whoosh baseline",
}
SPLIT_SUFFIX = " (split)"  # rows scored with the lexicon learned from the other half of the instruments
TARGET_ONLY = "cross, target language only (lang filter)"  # kind of the rows searched with lang=<target>
BASELINE_FILTER_DEPTH = 1000  # the baseline's hits filtered by language afterwards (it has no filter)
KINDS = ("en", "fr", "cross", TARGET_ONLY)

Ranker = Callable[[str], list[str]]


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, evaluate, print the table and write the result files."""
    options = parse_args(argv)
    run = evaluate(options)
    systems = run.systems or SYSTEMS
    table = render_markdown(run, systems)
    print(table)
    write_results(options.out, "eval", table, render_json(run, systems))
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Flags win over ``PASSERELLE_DATA``, ``PASSERELLE_EVAL_SETS`` and ``PASSERELLE_EVAL_MAX_QUERIES``."""
    parser = argparse.ArgumentParser(prog="python -m bench.eval", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("PASSERELLE_DATA") or DEFAULT_DATA))
    parser.add_argument("--sets", default=os.environ.get("PASSERELLE_EVAL_SETS", ""),
                        help="comma list of data folders to evaluate (default: all; 'none': only ours)")
    parser.add_argument("--max-queries", type=int, help="queries sampled per file (0 = all; default 500)",
                        default=int(os.environ.get("PASSERELLE_EVAL_MAX_QUERIES") or DEFAULT_MAX_QUERIES))
    parser.add_argument("--out", type=Path, default=RESULTS, help="folder for the result files")
    parser.add_argument("--keep-index", type=Path, help="build the data indexes here, and reuse them next time")
    parser.add_argument("--systems", default="", help=f"comma list of systems to run (default: all of {', '.join(SYSTEMS)})")
    options = parser.parse_args(argv)
    if options.max_queries < 0:
        parser.error("--max-queries must be 0 (all) or more")
    chosen = [name.strip() for name in options.systems.split(",") if name.strip()] or list(SYSTEMS)
    unknown = [name for name in chosen if name not in SYSTEMS]
    if unknown:
        parser.error(f"--systems: unknown {', '.join(unknown)} (choose among {', '.join(SYSTEMS)})")
    options.systems = {name: label for name, label in SYSTEMS.items() if name in chosen}
    options.sets = tuple(name.strip() for name in options.sets.split(",") if name.strip())
    return options


def evaluate(options: argparse.Namespace) -> Run:
    """Evaluate our set, then the shared data sets that are present and selected."""
    folders = select_sets(options.data, options.sets)
    run = Run(options.max_queries, options.data, folders is not None, systems=options.systems)
    with tempfile.TemporaryDirectory(prefix="passerelle-eval-") as tmp:
        work = Path(options.keep_index or tmp)
        if folders:
            with stage(run.timings, "lexicons: FreeDict and learned"):
                lexicons = eval_lexicons.prepare(folders, work)
        else:  # our set alone stays a quick run: no dictionary to build, no pairs to learn from
            note = "no shared data set evaluated: the lexicon systems equal glossary only"
            lexicons = eval_lexicons.Lexicons(notes=[note])
        run.notes.extend(lexicons.notes)
        evaluate_ours(Path(tmp), run, lexicons)
        if folders is None:
            message = f"shared data not found at {options.data} (set PASSERELLE_DATA)"
            log(message)
            run.notes.append(message)
        elif folders:
            evaluate_data(folders, work, run, lexicons)
    return run


# -- our judged queries ------------------------------------------------------------------------


def evaluate_ours(work: Path, run: Run, lexicons: eval_lexicons.Lexicons) -> None:
    """Index corpus/ and its passages for the baseline, then score tests/eval/queries.jsonl."""
    from indexer import index_corpus
    from indexer import open_index

    with stage(run.timings, "ours: index corpus/ with Passerelle"):
        index_corpus(CORPUS, work / "ours-index")
    index = open_index(work / "ours-index")
    try:
        documents = [index.backend.get_document(doc_id) for doc_id in sorted(index.backend.doc_ids())]
        passages = [passage for document in documents for passage in document.passages]
        with stage(run.timings, f"ours: build the baseline ({len(passages)} passages)"):
            plain.build(work / "ours-baseline", ((passage_key(p), f"{p.text}\n{p.section_title}") for p in passages))
        judged = load_our_queries(OUR_QUERIES, passages, run)
        queries = sample(judged, run.max_queries)
        baseline = plain.Baseline(work / "ours-baseline")
        try:
            rankers = passerelle_rankers(index, passage_key, lexicons) | {"baseline": baseline.search}
            with stage(run.timings, f"ours: search {len(queries)} queries"):
                scored = score_queries("ours", queries, rankers, run.systems)
        finally:
            baseline.close()
    finally:
        index.close()
    run.rows.extend(group_rows("ours", "queries", scored, judged, add_all=True))
    run.our_queries = [describe(query, ranks) for query, ranks in scored]


def passage_key(passage) -> str:
    """The unit id of a passage of our corpus (passage ids are slugs, so "#" never occurs in them)."""
    return f"{passage.doc_id}#{passage.passage_id}"


def load_our_queries(path: Path, passages: list, run: Run) -> list[Judged]:
    """Judged queries with each ``contains`` resolved to the passages of its document that hold it."""
    by_doc: dict[str, list] = {}
    for passage in passages:
        by_doc.setdefault(passage.doc_id, []).append(passage)
    queries = []
    for record in read_jsonl(path):
        relevant = set()
        for judgment in record["relevant"]:
            found = {passage_key(p) for p in by_doc.get(judgment["doc"], []) if judgment["contains"] in p.text}
            if not found:
                run.notes.append(f"{record['qid']}: no passage of {judgment['doc']} contains {judgment['contains']!r}")
            relevant |= found
        queries.append(Judged(record["qid"], record["kind"], record["query"], frozenset(relevant)))
    return queries


# -- shared data sets --------------------------------------------------------------------------


def evaluate_data(folders: dict[str, Path], work: Path, run: Run, lexicons: eval_lexicons.Lexicons) -> None:
    """Index the selected data sets together (and with the baseline when it runs), then score every query file."""
    from indexer import open_index

    work.mkdir(parents=True, exist_ok=True)
    with stage(run.timings, f"data: copy passages of {', '.join(folders)}"):
        langs = write_corpus(folders, work / "data-corpus")
    with stage(run.timings, f"data: index {len(langs)} passages with Passerelle"):
        index_data(work / "data-corpus", work / "data-index")
    baseline = None
    if run.systems is None or "baseline" in run.systems:  # minutes at 200,000 passages: only when asked
        with stage(run.timings, "data: build the baseline"):
            build_data_baseline(folders, work / "data-corpus", work / "data-baseline")
        baseline = plain.Baseline(work / "data-baseline")
    index = open_index(work / "data-index")
    try:
        rankers = passerelle_rankers(index, lambda hit: hit.doc_id, lexicons)
        if baseline is not None:
            rankers["baseline"] = baseline.search
        half = passerelle_rankers(index, lambda hit: hit.doc_id, lexicons, half=True)

        def rankers_for(lang: str, half: bool) -> dict[str, Ranker]:
            """Every system searching ``lang`` passages only; with ``half``, the half lexicon (split rows)."""
            rankers = passerelle_rankers(index, lambda hit: hit.doc_id, lexicons, half=half, lang=lang)
            if not half and baseline is not None:
                rankers["baseline"] = filtered_baseline(baseline, langs, lang)
            return rankers

        for name, folder in folders.items():
            pooled, pooled_judged = [], []
            files = query_files(folder)
            for path in files:
                judged = load_data_queries(path, langs)
                queries = sample(judged, run.max_queries)
                with stage(run.timings, f"{name}: search {len(queries)} of {len(judged)} {path.stem}"):
                    scored = score_queries(f"{name}/{path.stem}", queries, rankers, run.systems)
                run.rows.extend(group_rows(name, path.stem, scored, judged))
                pooled, pooled_judged = pooled + scored, pooled_judged + judged
                if name == lexicons.source:
                    split_run(name, path.stem, scored, judged, lexicons.held_out, half, run)
                held_out = lexicons.held_out if name == lexicons.source else frozenset()
                target_only_run(name, path.stem, queries, judged, langs, rankers_for, held_out, run)
            if len(files) > 1:
                run.rows.append(Row(name, "all", "all", len(pooled), len(pooled_judged), mean_scores(pooled)))
    finally:
        if baseline is not None:
            baseline.close()
        index.close()


# -- scoring -----------------------------------------------------------------------------------


def sample(queries: list[Judged], max_queries: int) -> list[Judged]:
    """At most ``max_queries`` queries (0 = all), drawn with the fixed seed, in file order."""
    if not max_queries or len(queries) <= max_queries:
        return queries
    chosen = set(random.Random(SEED).sample(range(len(queries)), max_queries))
    return [query for i, query in enumerate(queries) if i in chosen]


def split_run(name: str, file: str, scored: list, judged: list[Judged], held_out, half: dict, run: Run) -> None:
    """Rows for the queries of held-out instruments, their lexicon systems re-ranked with the half lexicon."""
    kept = [(query, ranks) for query, ranks in scored if query.instrument in held_out]
    if not kept:
        return
    with stage(run.timings, f"{name}: search {len(kept)} held-out {file} with the half lexicon"):
        rescored = score_queries(f"{name}/{file}{SPLIT_SUFFIX}", [query for query, _ in kept],
                                 {system: half[system] for system in eval_lexicons.LEXICON_SYSTEMS}, run.systems)
    merged = [(query, ranks | new) for (query, ranks), (_, new) in zip(kept, rescored)]
    held_out_judged = [query for query in judged if query.instrument in held_out]
    run.rows.extend(group_rows(name + SPLIT_SUFFIX, file, merged, held_out_judged))


def target_only_run(name: str, file: str, queries: list[Judged], judged: list[Judged], langs: dict[str, str],
                    rankers_for: Callable[[str, bool], dict[str, Ranker]], held_out, run: Run) -> None:
    """``TARGET_ONLY`` rows: the file's cross-language queries searched in their target language only.

    Each query is searched with ``rankers_for(lang, False)``, ``lang`` being the language of its
    relevant passages; when ``held_out`` names instruments, split rows are made the same way with
    ``rankers_for(lang, True)`` (the half lexicon's systems, also filtered).
    """
    cross = [replace(query, kind=TARGET_ONLY) for query in queries if query.kind == "cross"]
    if not cross:
        return
    cross_judged = [replace(query, kind=TARGET_ONLY) for query in judged if query.kind == "cross"]
    by_target: dict[str, list[Judged]] = {}
    for query in cross:
        by_target.setdefault(target_language(query, langs), []).append(query)
    scored = []
    with stage(run.timings, f"{name}: search {len(cross)} {file} in their target language only"):
        for lang, group in by_target.items():
            scored += score_queries(f"{name}/{file} lang={lang}", group, rankers_for(lang, False), run.systems)
    order = {query.qid: position for position, query in enumerate(cross)}
    scored.sort(key=lambda item: order[item[0].qid])
    run.rows.extend(group_rows(name, file, scored, cross_judged))
    for lang, group in by_target.items() if held_out else ():
        qids = {query.qid for query in group}
        kept = [item for item in scored if item[0].qid in qids]
        judged_here = [query for query in cross_judged if target_language(query, langs) == lang]
        split_run(name, file, kept, judged_here, held_out, rankers_for(lang, True), run)


def target_language(query: Judged, langs: dict[str, str]) -> str:
    """The language of the query's relevant passages (the most common one, should they differ)."""
    found = [langs.get(key, "") for key in sorted(query.relevant)]
    return max(sorted(set(found)), key=found.count)


def filtered_baseline(baseline, langs: dict[str, str], lang: str) -> Ranker:
    """The baseline's ranking with the hits of other languages left out (its first ``BASELINE_FILTER_DEPTH``)."""

    def rank(text: str) -> list[str]:
        hits = baseline.search(text, limit=BASELINE_FILTER_DEPTH)
        return [key for key in hits if langs.get(key) == lang][: metrics.K]

    return rank


def passerelle_rankers(index, key: Callable, lexicons: eval_lexicons.Lexicons, half: bool = False,
                       lang: str | None = None) -> dict[str, Ranker]:
    """Passerelle's search function without and with expansion and lexicons, as lists of unit keys.

    :param half: the lexicon systems use the lexicon learned from half of the instruments.
    :param lang: search only passages of this language (the ``lang`` filter); None for all.
    """
    from indexer import SearchQuery
    from indexer import search
    from indexer.errors import PasserelleError

    def ranker(expand: bool, index=index) -> Ranker:
        def rank(text: str) -> list[str]:
            try:
                filters = {"lang": (lang,)} if lang else {}
                result = search(SearchQuery(text=text, per_page=metrics.K, expand=expand, **filters), index)
            except PasserelleError:  # e.g. a question over the length limit: nothing found
                return []
            return [key(hit) for hit in result.results]

        return rank

    opened = eval_lexicons.expanders(index, lexicons, half)
    translated = {system: ranker(True, with_lexicons) for system, with_lexicons in opened.items()}
    return {"expansion": ranker(True), "plain": ranker(False)} | translated


def score_queries(label: str, queries: list[Judged], rankers: dict[str, Ranker],
                  systems: dict[str, str] | None = None) -> list[tuple[Judged, dict]]:
    """Each query's ranking by each system (only those in ``systems`` when given); progress every 100 queries."""
    chosen = {name: rank for name, rank in rankers.items() if systems is None or name in systems}
    scored = []
    for n, query in enumerate(queries, start=1):
        scored.append((query, {name: rank(query.text) for name, rank in chosen.items()}))
        if n % 100 == 0:
            log(f"  {label}: {n}/{len(queries)} queries")
    return scored


def group_rows(set_name: str, file: str, scored: list, judged: list[Judged], add_all: bool = False) -> list[Row]:
    """One row per kind of query (en, fr, cross), plus an "all" row when asked and useful.

    ``judged`` is the whole file before sampling, for the count each row was drawn from.
    """
    kinds = sorted({query.kind for query, _ in scored}, key=KINDS.index)
    groups = [(kind, [s for s in scored if s[0].kind == kind]) for kind in kinds]
    totals = {kind: sum(query.kind == kind for query in judged) for kind in kinds}
    if add_all and len(groups) > 1:
        groups.append(("all", scored))
        totals["all"] = len(judged)
    return [Row(set_name, file, kind, len(group), totals[kind], mean_scores(group)) for kind, group in groups]


def mean_scores(scored: list) -> dict[str, dict[str, float | None]]:
    """Mean of each metric per system; queries with nothing relevant are left out."""
    means = {}
    for system in [system for system in SYSTEMS if scored and system in scored[0][1]]:
        per_query = [metrics.score(ranks[system], query.relevant) for query, ranks in scored]
        kept = [s for s in per_query if s is not None]
        means[system] = {name: metrics.mean(s[name] for s in kept) for name in metrics.METRICS}
    return means


def describe(query: Judged, ranks: dict[str, list[str]]) -> dict:
    """Per-query detail for the JSON twin: where each system put the first relevant passage."""
    first = {
        system: next((i for i, key in enumerate(ranked, start=1) if key in query.relevant), None)
        for system, ranked in ranks.items()
    }
    return {"qid": query.qid, "kind": query.kind, "query": query.text, "relevant": len(query.relevant),
            "first_relevant_rank": first}


# -- output ------------------------------------------------------------------------------------


if __name__ == "__main__":
    sys.exit(main())
