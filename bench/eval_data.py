"""`make eval`'s data: the shared data sets found, copied into one corpus, indexed, and their queries.

Each selected folder of ``../shared/data`` (``passages.jsonl`` and ``queries*.jsonl`` or
``questions*.jsonl``) is copied in chunks into one corpus folder with our taxonomy and glossary,
indexed by Passerelle's own pipeline (the reference reads the same records, ``records``), and its
query files are read as ``Judged`` queries, each in the training or the held-out half
(``half``). ``bench.eval`` scores them; ``bench.perf_build`` reuses the chunking.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench.report import log

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
CHUNK_RECORDS = 20_000  # records per corpus file: the pipeline reports progress per file
CORPUS_SETTINGS = ("taxonomy.toml", "glossary.toml")  # the data index expands queries as ours does


TRAINING, HELD_OUT = "training", "held-out"


def half(qid: str) -> str:
    """The half a query belongs to, fixed by a hash of its id: tune on ``TRAINING``, report ``HELD_OUT``.

    The Canadian cross-language ids end in "-x" after the same-language heading's id: without it,
    a heading and its translation fall in the same half.
    """
    digest = hashlib.sha1(f"passerelle-half:{re.sub(r'-x$', '', qid)}".encode()).digest()
    return TRAINING if digest[0] % 2 == 0 else HELD_OUT


@dataclass(frozen=True)
class Judged:
    """A query and the keys of its relevant units."""

    qid: str
    kind: str  # en, fr or cross
    text: str
    relevant: frozenset[str]

    @property
    def half(self) -> str:
        return half(self.qid)


def select_sets(data: Path, wanted: tuple[str, ...]) -> dict[str, Path] | None:
    """Data folders with passages and query files: all, those named in ``wanted``, or none for "none".

    None when ``data`` holds no data set at all.
    """
    if not data.is_dir():
        return None
    available = {p.name: p for p in sorted(data.iterdir()) if (p / "passages.jsonl").is_file() and query_files(p)}
    if not available:
        return None
    if wanted == ("none",):
        return {}
    unknown = [name for name in wanted if name not in available]
    if unknown:
        raise SystemExit(f"unknown data set {', '.join(unknown)}; available: {', '.join(available)}")
    return {name: available[name] for name in wanted} if wanted else available


def query_files(folder: Path) -> list[Path]:
    """The question files of a data folder (``questions*.jsonl``, ``queries*.jsonl``)."""
    return sorted(p for p in folder.glob("*.jsonl") if p.name.startswith(("questions", "queries")))


def write_corpus(folders: dict[str, Path], corpus: Path) -> dict[str, str]:
    """Copy each set's passages into ``corpus`` in chunks; returns the language of every passage id.

    Files left from sets no longer selected are removed, so a kept index forgets them.
    """
    corpus.mkdir(parents=True, exist_ok=True)
    langs: dict[str, str] = {}
    written = set()
    for name, folder in folders.items():
        chunk, out = 0, None
        with (folder / "passages.jsonl").open(encoding="utf-8") as lines:
            for number, line in enumerate(line for line in lines if line.strip()):
                if number % CHUNK_RECORDS == 0:
                    out = _next_chunk(out, corpus / f"{name}-{chunk:02d}.jsonl", written)
                    chunk += 1
                record = json.loads(line)
                langs[record["id"]] = record.get("lang", "")
                out.write(line if line.endswith("\n") else line + "\n")
        if out:
            out.close()
    written |= copy_corpus_settings(corpus)
    for stale in corpus.iterdir():
        if stale.name not in written:
            stale.unlink()
    return langs


def write_language(passages: Path, lang: str, corpus: Path) -> None:
    """Copy a set's passages of one language into ``corpus`` in chunks, with our taxonomy and glossary.

    A file already holding the same lines is left alone, so a kept index is not re-read.
    """
    chunks: list[list[str]] = [[]]
    with passages.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip() and json.loads(line).get("lang") == lang:
                if len(chunks[-1]) == CHUNK_RECORDS:
                    chunks.append([])
                chunks[-1].append(line if line.endswith("\n") else line + "\n")
    written = copy_corpus_settings(corpus)
    for number, chunk in enumerate(chunks):
        path = corpus / f"{lang}-{number:02d}.jsonl"
        text = "".join(chunk)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        written.add(path.name)
    for stale in corpus.iterdir():
        if stale.name not in written:
            stale.unlink()


def copy_corpus_settings(corpus: Path) -> set[str]:
    """Our taxonomy and glossary into ``corpus``, so tagging and expansion work as on ours; the names copied."""
    copied = set()
    for name in CORPUS_SETTINGS:
        if (CORPUS / name).exists():
            shutil.copy2(CORPUS / name, corpus / name)
            copied.add(name)
    return copied


def _next_chunk(out, path: Path, written: set[str]):
    if out:
        out.close()
    written.add(path.name)
    return path.open("w", encoding="utf-8")


def index_data(corpus: Path, index_root: Path) -> None:
    """Run Passerelle's pipeline (incremental, so a kept index is only brought up to date)."""
    from indexer import index_corpus

    started = time.perf_counter()
    todo = {}

    def on_plan(plan):
        todo["files"] = len(plan.to_read)
        log(f"  {len(plan.to_read)} files to read, {plan.unchanged} unchanged")

    def on_file(rel):
        todo["done"] = todo.get("done", 0) + 1
        log(f"  indexed {rel} ({todo['done']}/{todo['files']} files, {time.perf_counter() - started:.0f} s)")

    report = index_corpus(corpus, index_root, on_plan=on_plan, on_file=on_file)
    log(f"  {report.summary()}")
    if report.skipped or report.warnings:
        log(f"  {len(report.skipped)} files skipped, {len(report.warnings)} warnings (first: {report.warnings[:1]})")


def records(folders: dict[str, Path]) -> Iterator[tuple[str, str, str]]:
    """``(id, lang, text)`` of every passage of the selected sets, as the reference indexes them."""
    for folder in folders.values():
        for record in read_jsonl(folder / "passages.jsonl"):
            yield record["id"], record["lang"], record["text"]


def load_data_queries(path: Path, langs: dict[str, str]) -> list[Judged]:
    """A file's questions; "cross" when a relevant passage is in the other language."""
    queries = []
    for record in read_jsonl(path):
        lang, relevant = record["lang"], frozenset(record["relevant"])
        kind = lang if all(langs.get(r, lang) == lang for r in relevant) else "cross"
        queries.append(Judged(record["qid"], kind, record["question"], relevant))
    return queries


def read_jsonl(path: Path):
    """The objects of a JSON Lines file, blank lines skipped."""
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)
