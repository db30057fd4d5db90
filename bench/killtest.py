"""Kill test: an indexing run killed with SIGKILL at a random moment must never hurt the index.

Each run starts a ``python -c`` indexer over a generated corpus (300 Markdown files of about ten
paragraphs each, the same every time), kills it after a random delay, then checks that:

- the index opens and answers a search;
- every document the manifest listed just before the kill is still there (committed documents lost);
- a re-run completes, after which no (doc_id, passage_id) appears twice and ``passage_count``
  equals the passages of the documents.

Runs alternate between an incremental run into a partly built index and a ``--rebuild`` of a
complete one (killed mid-rebuild, searches must keep the old generation). The indexer commits
every ``--batch`` passages (default 500, instead of 5000) so that kills land between commits.

    python -m bench.killtest [--runs 50] [--files 300] [--paragraphs 10] [--seed 7] [--out DIR]

The table goes to stdout and to ``bench/results/killtest-latest.md``. Not part of ``make test``.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a file: python bench/killtest.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
WORDS = (
    "customs port security cooperation border police judicial network training corruption laundering "
    "firearms trafficking maritime container seizure intelligence partner project evaluation regional "
    "douane sécurité coopération frontière police réseau formation blanchiment armes trafic portuaire "
    "saisie renseignement partenaire projet évaluation régionale justice enquête criminalité organisée"
).split()
INDEXER = (
    "import sys\n"
    "import indexer.ingest.pipeline as pipeline\n"
    "pipeline.BATCH_PASSAGES = int(sys.argv[3])\n"
    "pipeline.index_corpus(sys.argv[1], sys.argv[2], rebuild=sys.argv[4] == '1')\n"
)


def write_corpus(folder: Path, files: int = 300, paragraphs: int = 10, seed: int = 7, start: int = 0) -> Path:
    """``files`` Markdown documents of ``paragraphs`` paragraphs each, the same for the same arguments."""
    rng = random.Random(seed * 100_003 + start)
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(start, start + files):
        lines = [f"# Report {number}: {rng.choice(WORDS)} {rng.choice(WORDS)}", ""]
        for paragraph in range(paragraphs):
            words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(12, 30)))
            lines += [f"Paragraph {paragraph} of report {number}: {words}.", ""]
        (folder / f"report-{number:04d}.md").write_text("\n".join(lines), encoding="utf-8")
    return folder


def start_indexer(corpus: Path, index_root: Path, batch: int = 500, rebuild: bool = False) -> subprocess.Popen:
    """A separate Python process running ``index_corpus`` (committing every ``batch`` passages)."""
    args = [sys.executable, "-c", INDEXER, str(corpus), str(index_root), str(batch), "1" if rebuild else "0"]
    return subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def committed_doc_ids(index_root: Path) -> set[str]:
    """Document ids the live manifest lists (each was committed before the manifest named it)."""
    from indexer.ingest.manifest import Manifest
    from indexer.store import current_generation

    live = current_generation(index_root)
    if live is None:
        return set()
    return {doc_id for record in Manifest.load(live.manifest_path).files.values() for doc_id in record.doc_ids}


@dataclass
class IndexCheck:
    """What an index holds, read through the public API."""

    documents: set[str]
    duplicates: int  # (doc_id, passage_id) pairs seen more than once
    passage_count: int
    passages_in_documents: int
    answered: bool  # a search returned a result object


def check_index(index_root: Path) -> IndexCheck:
    """Open the index, search it, and count passages per (doc_id, passage_id)."""
    from indexer import SearchQuery
    from indexer import search
    from indexer.store import open_index

    index = open_index(index_root)
    try:
        result = search(SearchQuery(text="report"), index)
        pairs: Counter = Counter()
        documents = set()
        for doc_id in index.backend.doc_ids():
            found = index.backend.get_document(doc_id)
            if found is None:
                continue  # a deleted document's id can linger in the term list until a merge
            documents.add(doc_id)
            pairs.update((doc_id, passage.passage_id) for passage in found.passages)
        return IndexCheck(
            documents=documents,
            duplicates=sum(count - 1 for count in pairs.values() if count > 1),
            passage_count=index.backend.passage_count(),
            passages_in_documents=sum(pairs.values()),
            answered=result.total >= 0,
        )
    finally:
        index.close()


@dataclass
class KillResult:
    """One run of the kill test."""

    mode: str
    delay: float
    finished_before_kill: bool
    opened: bool
    lost: int
    duplicates: int
    count_mismatch: int
    rerun_seconds: float


def kill_once(corpus: Path, index_root: Path, delay: float, rebuild: bool, batch: int = 500) -> KillResult:
    """Start an indexer, SIGKILL it after ``delay`` seconds, check the index, re-run, check again."""
    from indexer.ingest.pipeline import index_corpus

    process = start_indexer(corpus, index_root, batch=batch, rebuild=rebuild)
    deadline = time.monotonic() + delay
    while time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.005)
    before = committed_doc_ids(index_root)  # read just before the kill: all of it was committed
    finished = process.poll() is not None
    if not finished:
        os.kill(process.pid, signal.SIGKILL)
    process.wait()
    process.stderr.close()
    try:
        after = check_index(index_root)
        opened = after.answered
        lost = len(before - after.documents)
    except Exception:  # noqa: BLE001 - any failure to open counts, and is reported as such
        opened, lost = False, len(before)
    started = time.monotonic()
    index_corpus(corpus, index_root)
    rerun = time.monotonic() - started
    final = check_index(index_root)
    return KillResult(
        mode="rebuild" if rebuild else "incremental",
        delay=delay,
        finished_before_kill=finished,
        opened=opened,
        lost=lost,
        duplicates=final.duplicates,
        count_mismatch=abs(final.passage_count - final.passages_in_documents),
        rerun_seconds=rerun,
    )


def run(runs: int, files: int, paragraphs: int, seed: int, batch: int, work: Path) -> tuple[list[KillResult], dict]:
    """``runs`` kill runs over one generated corpus; returns the runs and facts about the corpus."""
    from indexer.ingest.pipeline import index_corpus

    corpus = write_corpus(work / "corpus", files, paragraphs, seed)
    head = work / "head-corpus"  # the first tenth: the index that exists before an incremental run
    head.mkdir()
    for path in sorted(corpus.glob("*.md"))[: max(1, files // 10)]:
        shutil.copy2(path, head / path.name)
    complete = work / "complete-index"
    started = time.monotonic()
    index_corpus(corpus, complete)
    full_seconds = time.monotonic() - started
    facts = {"files": files, "passages": check_index(complete).passage_count, "full_seconds": full_seconds}
    rng = random.Random(seed)
    results = []
    for number in range(runs):
        index_root = work / f"index-{number}"
        rebuild = number % 2 == 1
        if rebuild:
            shutil.copytree(complete, index_root, symlinks=True)
        else:
            index_corpus(head, index_root)  # a tenth indexed: the killed run adds the other nine
        delay = rng.uniform(0.3, 0.3 + full_seconds * 1.2)  # ~0.3 s is interpreter start-up and imports
        results.append(kill_once(corpus, index_root, delay, rebuild, batch))
        shutil.rmtree(index_root, ignore_errors=True)
        print(_progress(number + 1, runs, results[-1]), file=sys.stderr)
    return results, facts


def table(results: list[KillResult], facts: dict, batch: int) -> str:
    """The Markdown report."""
    killed = [r for r in results if not r.finished_before_kill]
    lines = [
        "# Kill test",
        "",
        f"Corpus: {facts['files']} generated Markdown files, {facts['passages']} passages; a full index "
        f"takes {facts['full_seconds']:.1f} s here. The indexer commits every {batch} passages; runs "
        "alternate between an incremental run into an index holding a tenth of the corpus and a "
        "`--rebuild` of a complete index. Each is killed with SIGKILL after a random delay.",
        "",
        "| measure | value |",
        "| --- | --- |",
        f"| runs | {len(results)} |",
        f"| killed while indexing (the rest had finished) | {len(killed)} |",
        f"| index opened and answered after every kill | {'yes' if all(r.opened for r in results) else 'NO'} "
        f"({sum(r.opened for r in results)}/{len(results)}) |",
        f"| committed documents lost | {sum(r.lost for r in results)} |",
        f"| duplicate passages after re-run | {sum(r.duplicates for r in results)} |",
        f"| passage_count ≠ passages of documents after re-run | {sum(r.count_mismatch > 0 for r in results)} |",
        f"| median kill delay | {statistics.median(r.delay for r in results):.2f} s |",
    ]
    for mode in ("incremental", "rebuild"):
        times = [r.rerun_seconds for r in results if r.mode == mode]
        if times:
            label = f"median re-run time after a killed {mode} run ({len(times)} runs)"
            lines.append(f"| {label} | {statistics.median(times):.2f} s |")
    lines.append("")
    return "\n".join(lines)


def _progress(number: int, runs: int, result: KillResult) -> str:
    state = "finished" if result.finished_before_kill else "killed"
    return (
        f"run {number}/{runs}: {result.mode} {state} at {result.delay:.2f} s; opened={result.opened} "
        f"lost={result.lost} duplicates={result.duplicates}"
    )


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run, print and write the table; exit 1 if any check failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--files", type=int, default=300)
    parser.add_argument("--paragraphs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--batch", type=int, default=500, help="passages per commit in the killed indexer")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="passerelle-killtest-") as work:
        results, facts = run(args.runs, args.files, args.paragraphs, args.seed, args.batch, Path(work))
    report = table(results, facts, args.batch)
    print(report)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "killtest-latest.md").write_text(report, encoding="utf-8")
    bad = any(not r.opened or r.lost or r.duplicates or r.count_mismatch for r in results)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
