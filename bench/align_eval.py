"""Pairing, alignment and the lexicon learned at index time, measured on the Canadian laws (`make eval-align`).

The data set (``../shared/data/canada_federal_laws_en_fr``) holds single passages; each instrument
is rebuilt as one English and one French Markdown document (passages in provision order, one
section per provision, headed by the provision's label, the language declared in front matter),
in files whose names say nothing of their instrument or language, with no ``translation_of``. Passerelle's own pipeline indexes them
into ``var/align-eval/`` (kept and brought up to date on the next run), pairing, aligning and
learning as it always does. Then:

- pairing: the pairs found against the instruments (precision, recall);
- alignment: the passage pairs of the correctly paired documents against ``pairs.jsonl``;
- target-language MRR@10 of the cross-language query files, held-out half (``bench.eval_data.half``),
  searched with the lexicon the index learned (no pairs file given).

Never part of `make test`; no query or answer is written anywhere but the report it prints.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import time
from collections import defaultdict
from pathlib import Path

from bench import metrics
from bench.eval_data import HELD_OUT
from bench.eval_data import TRAINING
from bench.eval_data import copy_corpus_settings
from bench.eval_data import half
from bench.eval_data import index_data
from bench.eval_data import read_jsonl
from bench.report import log

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "canada_federal_laws_en_fr"
WORK = ROOT / "var" / "align-eval"
QUERY_FILES = ("queries_en_to_fr.jsonl", "queries_fr_to_en.jsonl")
CITATION = re.compile(r",\s+(?:s|ss|par|art|al|para|paras)\.\s.*$")  # "Criminal Code, s. 462.31" -> "Criminal Code"
MARKDOWN_START = re.compile(r"^([#>*+\-=|`~]|\d+[.)])")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.align_eval", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--work", type=Path, default=WORK)
    parser.add_argument("--halves", default=HELD_OUT, help=f"{HELD_OUT}, {TRAINING} or both (comma-separated)")
    options = parser.parse_args(argv)
    if not (options.data / "passages.jsonl").is_file():
        log(f"no data at {options.data}: nothing measured")
        return 1
    corpus, index_root = options.work / "corpus", options.work / "index"
    started = time.perf_counter()
    log("writing one document per instrument and language…")
    documents = write_documents(options.data, corpus)
    log(f"  {len(documents)} documents ({time.perf_counter() - started:.0f} s); indexing…")
    index_data(corpus, index_root)
    log(f"  indexed ({time.perf_counter() - started:.0f} s)")
    from indexer.crosslang.parallel import parallel_state
    from indexer.store import open_index

    index = open_index(index_root)
    try:
        state = parallel_state(index.generation.path)
        truth_of = passage_truth(index, documents)
        report_pairing(state, documents)
        report_alignment(state, documents, truth_of, options.data)
        halves = tuple(part.strip() for part in options.halves.split(",") if part.strip())
        report_queries(index, documents, options.data, halves)
        report_lexicon(index.generation.path)
    finally:
        index.close()
    log(f"done in {time.perf_counter() - started:.0f} s")
    return 0


def write_documents(data: Path, corpus: Path) -> dict[str, tuple[str, str]]:
    """One Markdown file per (instrument, language); returns ``{doc_id: (instrument, lang)}``.

    A file already holding the same text is left alone, so a kept index is not re-read.
    """
    provisions: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    titles: dict[tuple[str, str], str] = {}
    for record in read_jsonl(data / "passages.jsonl"):
        _, instrument, provision, lang = record["id"].split(":")
        key = (instrument, lang)
        provisions[key].append((provision, record["text"]))
        titles.setdefault(key, CITATION.sub("", record["title"]))
    corpus.mkdir(parents=True, exist_ok=True)
    written = copy_corpus_settings(corpus)
    documents = {}
    for (instrument, lang), items in provisions.items():
        stem = hashlib.sha1(f"align-eval:{instrument}:{lang}".encode()).hexdigest()[:12]
        # The language is declared, as a collection's documents usually do (no per-passage detection).
        lines = ["---", f"lang: {lang}", "---", f"# {titles[(instrument, lang)]}", ""]
        for provision, text in items:
            text = " ".join(text.split())
            lines += [f"## {provision}", "", "\\" + text if MARKDOWN_START.match(text) else text, ""]
        text = "\n".join(lines)
        path = corpus / f"{stem}.md"
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        written.add(path.name)
        documents[stem] = (instrument, lang)
    for stale in corpus.iterdir():
        if stale.name not in written:
            stale.unlink()
    return documents


def passage_truth(index, documents) -> dict[tuple[str, str], str]:
    """``{(doc_id, passage_id): the data set's passage id}``, through each passage's section (its provision)."""
    truth = {}
    for doc_id, (instrument, lang) in documents.items():
        document = index.document(doc_id)
        if document is None:
            continue
        for passage in document.passages:
            truth[(doc_id, passage.passage_id)] = f"ca:{instrument}:{passage.section_title}:{lang}"
    return truth


def report_pairing(state: dict, documents) -> None:
    found = [(pair["en"], pair["fr"]) for pair in state.get("pairs", [])]
    right = [pair for pair in found if documents[pair[0]][0] == documents[pair[1]][0]]
    english = {documents[d][0] for d in documents if documents[d][1] == "en"}
    french = {documents[d][0] for d in documents if documents[d][1] == "fr"}
    possible = len(english & french)
    log(
        f"pairing: {len(found)} pairs found, {len(right)} right, of {possible} translated instruments: "
        f"precision {_ratio(len(right), len(found))}, recall {_ratio(len(right), possible)}"
    )


def report_alignment(state: dict, documents, truth_of, data: Path) -> None:
    predicted, paired = set(), set()
    for pair in state.get("pairs", []):
        if documents[pair["en"]][0] != documents[pair["fr"]][0]:
            continue
        paired.add(documents[pair["en"]][0])
        for en_ids, fr_ids in pair["beads"]:
            for en in en_ids:
                for fr in fr_ids:
                    left, right = truth_of.get((pair["en"], en)), truth_of.get((pair["fr"], fr))
                    if left and right:
                        predicted.add((left, right))
    truth = {(r["en"], r["fr"]) for r in read_jsonl(data / "pairs.jsonl") if r["instrument"] in paired}
    right = len(predicted & truth)
    log(
        f"alignment ({len(paired)} correctly paired instruments): {len(predicted)} passage pairs, {right} right, "
        f"of {len(truth)}: precision {_ratio(right, len(predicted))}, recall {_ratio(right, len(truth))}"
    )


def report_queries(index, documents, data: Path, halves: tuple[str, ...]) -> None:
    from indexer import SearchQuery
    from indexer import search
    from indexer.errors import PasserelleError

    for name in QUERY_FILES:
        queries = list(read_jsonl(data / name))
        for part in halves:
            chosen = [q for q in queries if half(q["qid"]) == part]
            ranks = []
            for query in chosen:
                target = query["relevant"][0].rsplit(":", 1)[1]
                try:
                    result = search(SearchQuery(text=query["question"], lang=(target,), per_page=metrics.K), index)
                except PasserelleError:
                    ranks.append(0.0)
                    continue
                keys = [_truth_key(documents, hit) for hit in result.results]
                ranks.append(metrics.reciprocal_rank(keys, set(query["relevant"])) or 0.0)
            log(f"{name} {part}: MRR@{metrics.K} {sum(ranks) / max(1, len(ranks)):.3f} over {len(ranks)} queries")


def _truth_key(documents, hit) -> str:
    """The data set's id of a hit: its document's instrument and language, its section's provision."""
    instrument, lang = documents.get(hit.doc_id, ("?", "?"))
    return f"ca:{instrument}:{hit.section_title}:{lang}"


def report_lexicon(generation_path: Path) -> None:
    from indexer.crosslang.kept import COLLECTION_LEXICON
    from indexer.crosslang.kept import LEXICONS_DIR
    from indexer.crosslang.lexicon import Lexicon

    path = Path(generation_path) / LEXICONS_DIR / COLLECTION_LEXICON
    if not path.is_file():
        log("no lexicon was learned at index time")
        return
    lexicon = Lexicon.load(path)
    log(f"learned at index time: {lexicon!r}, {json.dumps(lexicon.meta)}")


def _ratio(part: int, whole: int) -> str:
    return f"{part / whole:.3f}" if whole else "n/a"


if __name__ == "__main__":
    raise SystemExit(main())
