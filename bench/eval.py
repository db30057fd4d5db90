"""`make eval`: Passerelle's ranking against the reference configuration, per query file and half.

Query sets:

1. ``ours``: the judged queries of ``tests/eval/queries.jsonl`` over ``corpus/``; the unit is a passage.
2. The shared data sets (``<repo>/../shared/data`` or ``$PASSERELLE_DATA``), all indexed together into
   one index; the unit is a record (a hit is relevant when its ``doc_id`` is listed).

Two systems answer every query over the same records, built in the same run: Passerelle as a user
gets it (``indexer.search``, expansion on, the glossary and taxonomy of ``corpus/``) and the reference
configuration (``../shared/reference/whoosh_reference.py``, loaded by ``bench.eval_reference``).
Each query file is sampled as the reference script samples it (at most 1,000 queries, a seeded hash
of the qid) and split into a training half, on which ranking was tuned, and a held-out half
(``eval_data.half``); rows give both halves and all, with the difference to the reference and its
standard error (paired over the queries).

Cross-language files (a heading in one language, the provision in the other) are searched in
their target language only, as a user wanting the French provision filters on French: Passerelle
with ``lang=<target>`` and the lexicon learned from the data set's pairs, the reference's first
``REFERENCE_FILTER_DEPTH`` hits kept if in that language (it has no filter).

    python -m bench.eval [--data DIR] [--sets a,b] [--max-queries N] [--out DIR] [--keep-index DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):  # run as a file: python bench/eval.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import eval_reference
from bench import metrics
from bench.eval_data import CORPUS
from bench.eval_data import Judged
from bench.eval_data import index_data
from bench.eval_data import load_data_queries
from bench.eval_data import query_files
from bench.eval_data import read_jsonl
from bench.eval_data import records
from bench.eval_data import select_sets
from bench.eval_data import write_corpus
from bench.eval_data import write_language
from bench.eval_lexicons import learned_lexicon
from bench.eval_lexicons import with_lexicon
from bench.eval_report import Run
from bench.eval_report import Scored
from bench.eval_report import as_json
from bench.eval_report import markdown
from bench.eval_report import per_query
from bench.eval_report import rows
from bench.report import log
from bench.report import stage
from bench.report import write_results

ROOT = Path(__file__).resolve().parent.parent
OUR_QUERIES = ROOT / "tests" / "eval" / "queries.jsonl"
RESULTS = ROOT / "bench" / "results"
DEFAULT_DATA = ROOT.parent / "shared" / "data"
DEFAULT_MAX_QUERIES = 1000  # the reference script's own sample size
REFERENCE_FILTER_DEPTH = 1000
WHOLE = "whole collection"
TARGET_ONLY = "target language, learned lexicon"
# Cross-language files again, on an index of the target language's passages alone (issue 25):
# nothing there to learn a translation from, as in a collection without translations.
ALONE = {"fr": "French passages only", "en": "English passages only"}
ALONE_DEFAULTS = "{}, Passerelle's defaults"
ALONE_LEARNED = "{}, learned lexicon"

Ranker = Callable[[str], list[str]]


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, evaluate, print the table and write the result files."""
    options = parse_args(argv)
    run = evaluate(options)
    table = markdown(run)
    print(table)
    write_results(options.out, "eval", table, as_json(run), stamped=False)
    detail = options.out / "runs" / "eval-queries-latest.json"  # large: ignored by git
    detail.parent.mkdir(parents=True, exist_ok=True)
    detail.write_text(json.dumps(per_query(run), ensure_ascii=False))
    log(f"wrote {detail}")
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Flags win over ``PASSERELLE_DATA``, ``PASSERELLE_EVAL_SETS`` and ``PASSERELLE_EVAL_MAX_QUERIES``."""
    parser = argparse.ArgumentParser(prog="python -m bench.eval", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("PASSERELLE_DATA") or DEFAULT_DATA))
    parser.add_argument(
        "--sets",
        default=os.environ.get("PASSERELLE_EVAL_SETS", ""),
        help="comma list of data folders to evaluate (default: all; 'none': only ours)",
    )
    parser.add_argument(
        "--max-queries",
        type=int,
        help=f"queries sampled per file (0 = all; default {DEFAULT_MAX_QUERIES})",
        default=int(os.environ.get("PASSERELLE_EVAL_MAX_QUERIES") or DEFAULT_MAX_QUERIES),
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="folder for the result files")
    parser.add_argument(
        "--keep-index", type=Path, help="build the indexes (and the reference's rankings) here, reuse them next time"
    )
    options = parser.parse_args(argv)
    if options.max_queries < 0:
        parser.error("--max-queries must be 0 (all) or more")
    options.sets = tuple(name.strip() for name in options.sets.split(",") if name.strip())
    return options


def evaluate(options: argparse.Namespace) -> Run:
    """Evaluate our set, then the shared data sets that are present and selected."""
    eval_reference.load()  # fails first, and clearly, when the reference script is missing
    folders = select_sets(options.data, options.sets)
    run = Run(options.max_queries, options.data, folders is not None, eval_reference.script_path())
    with tempfile.TemporaryDirectory(prefix="passerelle-eval-") as tmp:
        evaluate_ours(Path(tmp), run)
        if folders is None:
            message = f"shared data not found at {options.data} (set PASSERELLE_DATA)"
            log(message)
            run.notes.append(message)
        elif folders:
            evaluate_data(folders, Path(options.keep_index or tmp), run)
    return run


# -- our judged queries ------------------------------------------------------------------------


def evaluate_ours(work: Path, run: Run) -> None:
    """Index corpus/ with Passerelle and, passage by passage, with the reference; score tests/eval/queries.jsonl."""
    from indexer import index_corpus
    from indexer import open_index

    with stage(run.timings, "ours: index corpus/ with Passerelle"):
        index_corpus(CORPUS, work / "ours-index")
    index = open_index(work / "ours-index")
    reference = eval_reference.Reference(work / "ours-reference")
    try:
        documents = [index.backend.get_document(doc_id) for doc_id in sorted(index.backend.doc_ids())]
        passages = [passage for document in documents for passage in document.passages]
        with stage(run.timings, f"ours: index {len(passages)} passages with the reference"):
            reference.build((passage_key(p), p.lang, p.text) for p in passages)
        chosen = _sampled(load_our_queries(OUR_QUERIES, passages, run), run.max_queries)
        rankers = {"passerelle": passerelle_ranker(index, passage_key), "reference": reference.rank}
        with stage(run.timings, f"ours: search {len(chosen)} queries"):
            scored = score_queries("ours", chosen, rankers)
    finally:
        reference.close()
        index.close()
    for kind in ("en", "fr", "cross", "all"):
        group = [s for s in scored if kind in (s.query.kind, "all")]
        run.rows.extend(rows("ours", "queries", kind, group, halves=False))
    run.scored["ours"] = scored


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


def evaluate_data(folders: dict[str, Path], work: Path, run: Run) -> None:
    """Index the selected data sets together with Passerelle and with the reference, then score every query file."""
    from indexer import open_index

    work.mkdir(parents=True, exist_ok=True)
    with stage(run.timings, f"data: copy passages of {', '.join(folders)}"):
        langs = write_corpus(folders, work / "data-corpus")
    with stage(run.timings, f"data: index {len(langs)} passages with Passerelle"):
        index_data(work / "data-corpus", work / "data-index")
    reference = eval_reference.Reference(work / "data-reference")
    stamp = _reference_stamp(folders)
    if not (reference.exists() and _read_json(work / "data-reference-stamp.json") == stamp):
        with stage(run.timings, f"data: index {len(langs)} passages with the reference"):
            reference.build(records(folders))
        (work / "data-reference-stamp.json").write_text(json.dumps(stamp))
    with stage(run.timings, "data: the learned lexicon"):
        lexicon, note = learned_lexicon(folders, work)
    if note:
        run.notes.append(note)
    kept_rankings = RankingCache(work / "reference-rankings.json", stamp)
    index = open_index(work / "data-index")
    try:
        for name, folder in folders.items():
            for path in query_files(folder):
                judged = load_data_queries(path, langs)
                chosen = _sampled(judged, run.max_queries)
                label = f"{name}/{path.stem}"
                if all(query.kind != "cross" for query in chosen):
                    rankers = {
                        "passerelle": passerelle_ranker(index, lambda hit: hit.doc_id),
                        "reference": kept_rankings.ranker(label, reference.rank),
                    }
                    with stage(run.timings, f"{label}: search {len(chosen)} of {len(judged)} queries"):
                        scored = score_queries(label, chosen, rankers)
                    run.rows.extend(rows(name, path.stem, WHOLE, scored))
                elif lexicon is not None:
                    with stage(run.timings, f"{label}: search {len(chosen)} of {len(judged)} in their target language"):
                        scored = target_language_run(label, chosen, langs, index, lexicon, reference, kept_rankings)
                    run.rows.extend(rows(name, path.stem, TARGET_ONLY, scored))
                    kept_rankings.save()
                    run.scored[label] = scored
                    alone_runs(
                        label, name, path.stem, chosen, langs, folder, work, lexicon, reference, kept_rankings, run
                    )
                    continue
                else:
                    continue
                run.scored[label] = scored
                kept_rankings.save()
    finally:
        reference.close()
        index.close()


def alone_runs(label, name, stem, queries, langs, folder, work, lexicon, reference, kept_rankings, run) -> None:
    """A cross-language file on an index of its target language alone: Passerelle's defaults, then the learned lexicon."""
    from indexer import open_index

    by_target = {lang: [q for q in queries if target_language(q, langs) == lang] for lang in ALONE}
    for lang, group in by_target.items():
        if not group:
            continue
        with stage(run.timings, f"data: index the {lang} passages of {name} alone"):
            root = alone_index(folder, lang, work / f"alone-{name}-{lang}")
        index = open_index(root)
        rank_reference = kept_rankings.ranker(f"{label} lang={lang}", reference.rank, REFERENCE_FILTER_DEPTH)

        def reference_ranker(text: str, rank=rank_reference, lang=lang) -> list[str]:
            return [key for key in rank(text) if langs.get(key) == lang][: metrics.K]

        try:
            for scope, searched in ((ALONE_DEFAULTS, index), (ALONE_LEARNED, with_lexicon(index, lexicon))):
                rankers = {
                    "passerelle": passerelle_ranker(searched, lambda hit: hit.doc_id),
                    "reference": reference_ranker,
                }
                with stage(
                    run.timings, f"{label}: search {len(group)} in {ALONE[lang]} ({scope.format('').strip(', ')})"
                ):
                    scored = score_queries(f"{label} {lang} alone", group, rankers)
                run.rows.extend(rows(name, stem, scope.format(ALONE[lang]), scored))
                run.scored[f"{label} {scope.format(ALONE[lang])}"] = scored
        finally:
            index.close()
        kept_rankings.save()


def alone_index(folder: Path, lang: str, work: Path) -> Path:
    """An index of the data set's passages of one language, built by the pipeline with its default settings."""
    corpus = work / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    write_language(folder / "passages.jsonl", lang, corpus)
    index_data(corpus, work / "index")
    return work / "index"


def _sampled(judged: list[Judged], max_queries: int) -> list[Judged]:
    kept = {row["qid"] for row in eval_reference.sample([{"qid": q.qid} for q in judged], max_queries)}
    return [query for query in judged if query.qid in kept]


def target_language_run(label, queries, langs, index, lexicon, reference, kept_rankings) -> list[Scored]:
    """Cross-language queries searched in the language of their relevant passages only."""
    translating = with_lexicon(index, lexicon)
    scored = []
    for lang in ("en", "fr"):
        group = [query for query in queries if target_language(query, langs) == lang]
        rank_reference = kept_rankings.ranker(f"{label} lang={lang}", reference.rank, REFERENCE_FILTER_DEPTH)
        rankers = {
            "passerelle": passerelle_ranker(translating, lambda hit: hit.doc_id, lang=lang),
            "reference": lambda text, rank=rank_reference, lang=lang: [
                key for key in rank(text) if langs.get(key) == lang
            ][: metrics.K],
        }
        scored += score_queries(f"{label} lang={lang}", group, rankers)
    order = {query.qid: position for position, query in enumerate(queries)}
    return sorted(scored, key=lambda item: order[item.query.qid])


def target_language(query: Judged, langs: dict[str, str]) -> str:
    """The language of the query's relevant passages (the most common one, should they differ)."""
    found = [langs.get(key, "") for key in sorted(query.relevant)]
    return max(sorted(set(found)), key=found.count)


class RankingCache:
    """The reference's rankings, kept beside a kept index: it takes minutes to answer, and never changes."""

    def __init__(self, path: Path, stamp: dict):
        self.path, self.stamp = path, stamp
        kept = _read_json(path) or {}
        self.rankings: dict[str, dict[str, list[str]]] = kept.get("rankings", {}) if kept.get("stamp") == stamp else {}

    def ranker(self, label: str, rank: Callable[..., list[str]], limit: int = metrics.K) -> Ranker:
        kept = self.rankings.setdefault(label, {})

        def cached(text: str) -> list[str]:
            if text not in kept:
                kept[text] = rank(text, limit)
            return kept[text]

        return cached

    def save(self) -> None:
        self.path.write_text(json.dumps({"stamp": self.stamp, "rankings": self.rankings}))


def _reference_stamp(folders: dict[str, Path]) -> dict:
    return {
        "script": eval_reference.fingerprint(),
        "data": {name: (folder / "passages.jsonl").stat().st_size for name, folder in folders.items()},
    }


def _read_json(path: Path):
    return json.loads(path.read_text()) if path.is_file() else None


# -- scoring -----------------------------------------------------------------------------------


def passerelle_ranker(index, key: Callable, lang: str | None = None) -> Ranker:
    """``indexer.search`` as a user calls it, top 10, as unit keys; ``lang`` filters on a language."""
    from indexer import SearchQuery
    from indexer import search
    from indexer.errors import PasserelleError

    filters = {"lang": (lang,)} if lang else {}

    def rank(text: str) -> list[str]:
        try:
            result = search(SearchQuery(text=text, per_page=metrics.K, **filters), index)
        except PasserelleError:  # e.g. a question over the length limit: nothing found
            return []
        return [key(hit) for hit in result.results]

    return rank


def score_queries(label: str, queries: list[Judged], rankers: dict[str, Ranker]) -> list[Scored]:
    """Each query's ranking by each system; progress every 100 queries."""
    scored = []
    for n, query in enumerate(queries, start=1):
        scored.append(Scored(query, {name: rank(query.text) for name, rank in rankers.items()}))
        if n % 100 == 0:
            log(f"  {label}: {n}/{len(queries)} queries")
    return scored


if __name__ == "__main__":
    sys.exit(main())
