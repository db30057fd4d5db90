"""Corpus folder -> index: walk, compare with the manifest, read, prepare, write in batches.

Incremental by content: a file whose size and modification time match the manifest is not
opened; one whose bytes hash the same is not re-read, unless its sidecar (``.meta.toml``: its
metadata) changed, appeared or went. A file that cannot be read is reported
and skipped, and whatever the index held for it before stays.

A write that fails (a full disk, any ``OSError``) ends the run with ``IndexWriteFailed``: the
commit it was writing is undone, its partial files and a half-written new generation removed,
and what earlier commits of the run wrote stays, recorded in the manifest.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from indexer.crosslang.glossary import Glossary
from indexer.crosslang.glossary import from_taxonomy
from indexer.crosslang.glossary import load_glossary
from indexer.crosslang.glossary import merge
from indexer.crosslang.kept import save_configured_lexicons
from indexer.crosslang.parallel import update_parallel
from indexer.errors import CorpusNotFound
from indexer.errors import GlossaryError
from indexer.errors import IndexWriteFailed
from indexer.errors import TaxonomyError
from indexer.ingest.manifest import FileRecord
from indexer.ingest.manifest import Manifest
from indexer.ingest.manifest import file_sha256
from indexer.ingest.manifest import sidecar_sha256
from indexer.ingest.readers import SUPPORTED_SUFFIXES
from indexer.ingest.reading import DocumentRead
from indexer.ingest.reading import FileRead
from indexer.ingest.reading import OwnPartRead
from indexer.ingest.reading import SegmentWritten
from indexer.ingest.reading import Warned
from indexer.ingest.reading import read_files
from indexer.store import Commit
from indexer.store import Generation
from indexer.store import discard
from indexer.store import discard_stale_generations
from indexer.store import live_for_update
from indexer.store import make_current
from indexer.store import new_generation
from indexer.store import write_lock
from indexer.taxonomy import Tagger
from indexer.taxonomy import Taxonomy
from indexer.taxonomy import load_taxonomy

TAXONOMY_FILE = "taxonomy.toml"
GLOSSARY_FILE = "glossary.toml"
# Passages per commit. Each commit writes a segment and one segment searches fastest, so a
# run of up to this size is one transaction (the Canadian laws corpus has 192k passages).
BATCH_PASSAGES = 250_000


@dataclass
class IndexReport:
    """What one indexing run did, for the summary line and the exit status."""

    added: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    documents: int = 0
    passages: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        """One line: file counts, documents and passages written, skips, time."""
        parts = [
            f"{self.added} added",
            f"{self.changed} changed",
            f"{self.removed} removed",
            f"{self.unchanged} unchanged",
        ]
        line = f"files: {', '.join(parts)}; wrote {_plural(self.documents, 'document')}, "
        line += f"{_plural(self.passages, 'passage')}"
        if self.skipped:
            line += f"; skipped {_plural(len(self.skipped), 'file')}"
        return f"{line} in {self.seconds:.1f} s"


@dataclass(frozen=True)
class CorpusFile:
    """A candidate file: its path relative to the corpus and on disk."""

    rel: str
    path: Path


@dataclass
class Plan:
    """Which files to read and which to drop, decided before any reading."""

    to_read: list[CorpusFile] = field(default_factory=list)
    new: set[str] = field(default_factory=set)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    digests: dict[str, str] = field(default_factory=dict)  # content hashes already computed


def index_corpus(
    corpus: Path,
    index_root: Path,
    rebuild: bool = False,
    on_plan: Callable[[Plan], None] | None = None,
    on_file: Callable[[str], None] | None = None,
) -> IndexReport:
    """Bring the index at ``index_root`` up to date with the files under ``corpus``.

    :param rebuild: build a fresh generation beside the live one and swap it in at the end.
    :param on_plan: called once with the plan (for a progress bar's length).
    :param on_file: called after each file is read (for a progress bar).
    :raises CorpusNotFound: when ``corpus`` is not a folder.
    """
    started = time.monotonic()
    corpus, index_root = Path(corpus), Path(index_root)
    if not corpus.is_dir():
        raise CorpusNotFound(str(corpus))
    try:
        with write_lock(index_root):
            report = _index_locked(corpus, index_root, rebuild, on_plan, on_file)
    except OSError as error:  # the lock file or the generations folder could not be made
        raise IndexWriteFailed(str(index_root), error) from error
    report.seconds = time.monotonic() - started
    return report


def _index_locked(corpus, index_root, rebuild, on_plan, on_file) -> IndexReport:
    report = IndexReport()
    live = live_for_update(index_root, rebuild)  # damage is refused, or replaced by a rebuild
    discard_stale_generations(index_root)
    if live is not None and not live.is_current_format():
        report.warnings.append("the index was written by an older Passerelle; rebuilding it")
        rebuild = True
    generation = new_generation(index_root) if rebuild or live is None else live
    writer = None
    try:
        taxonomy = _load_taxonomy(corpus, live, report)
        manifest = Manifest.load(generation.manifest_path)
        retag = manifest.taxonomy != taxonomy.fingerprint()
        plan = plan_changes(corpus, manifest, retag, report)
        if on_plan:
            on_plan(plan)
        generation.unseal()
        backend = generation.open_backend(taxonomy, create=True)
        try:
            writer = BatchWriter(backend, manifest, generation, report)
            try:
                _apply_plan(plan, corpus, manifest, Tagger(taxonomy), writer, on_file)
                manifest.taxonomy = taxonomy.fingerprint()
                writer.flush(force_save=True)
            except BaseException:
                writer.cancel()
                raise
        finally:
            backend.close()
        generation.save_taxonomy(taxonomy)
        generation.save_glossary(merge(_load_glossary(corpus, live, report), from_taxonomy(taxonomy)))
        report.warnings.extend(save_configured_lexicons(corpus, generation.path))
        report.warnings.extend(update_parallel(corpus, generation))  # after the lexicons: it adds one
        # A file read again but refused (unreadable) changed no passage: servers need not reload for it.
        _record_commit(live, generation, changed_passages=bool(plan.removed or report.added or report.changed))
        generation.seal()
    except BaseException as error:
        committed = _after_failure(live, generation, writer)
        if isinstance(error, OSError):
            raise IndexWriteFailed(str(index_root), error, committed) from error
        raise
    if generation is not live:
        previous = make_current(index_root, generation)
        if previous:
            discard(previous)
    return report


def _after_failure(live: Generation | None, generation: Generation, writer: BatchWriter | None) -> bool:
    """Leave the index as a failed run found it, but for the commits it made; True when there were some.

    A new generation is removed whole. In the live one, the commits made stay and are numbered for
    servers to follow, and the checksums are sealed again (each step may fail in turn on a full disk:
    the checksums then say the run did not finish, as after a crash).
    """
    if generation is not live:
        discard(generation)
        return False
    committed = writer is not None and writer.commits > 0
    try:
        if committed:
            _record_commit(live, generation, changed_passages=True)
        generation.seal()
    except OSError:
        pass
    return committed


def _record_commit(live: Generation | None, generation: Generation, changed_passages: bool) -> None:
    """Number this run in ``commit.json`` when it changed passages or settings (servers follow that file)."""
    previous = live.load_commit() if live else Commit()
    settings = generation.settings_fingerprint()
    if changed_passages or settings != previous.settings or generation is not live:
        generation.save_commit(Commit.after(previous, settings))


def plan_changes(corpus: Path, manifest: Manifest, retag: bool, report: IndexReport) -> Plan:
    """Compare the corpus with the manifest; hash only files whose size or time changed."""
    plan = Plan()
    present = set()
    for item in walk_corpus(corpus, report):
        present.add(item.rel)
        record = manifest.files.get(item.rel)
        if record is None:
            plan.new.add(item.rel)
            plan.to_read.append(item)
        elif (
            retag
            or record.sidecar != sidecar_sha256(item.path)
            or not _unchanged(item.path, record, plan.digests, item.rel)
        ):
            plan.to_read.append(item)
        else:
            plan.unchanged += 1
    plan.removed = sorted(set(manifest.files) - present)
    return plan


def walk_corpus(corpus: Path, report: IndexReport):
    """Supported files under ``corpus`` in a stable order, hidden files and folders excluded."""
    for path in sorted(corpus.rglob("*")):
        rel_parts = path.relative_to(corpus).parts
        if any(part.startswith(".") for part in rel_parts) or path.suffix.lower() not in SUPPORTED_SUFFIXES:
            continue
        rel = "/".join(rel_parts)
        if not _is_utf8(rel):
            report.skipped.append((rel.encode("utf-8", "replace").decode("utf-8"), "file name is not valid UTF-8"))
            continue
        if path.is_file() or path.is_symlink():
            yield CorpusFile(rel, path)


def _unchanged(path: Path, record: FileRecord, digests: dict[str, str], rel: str) -> bool:
    stat = path.stat()
    if record.same_stat(stat):
        return True
    if stat.st_size != record.size:
        return False
    digests[rel] = file_sha256(path)  # kept, so a changed file is not hashed a second time
    if digests[rel] == record.sha256:
        record.mtime_ns = stat.st_mtime_ns  # touched, not edited
        return True
    return False


def _apply_plan(plan, corpus, manifest, tagger, writer, on_file):
    removed = set(plan.removed)
    owners = {doc_id: rel for rel, record in manifest.files.items() if rel not in removed for doc_id in record.doc_ids}
    for rel in plan.removed:
        writer.delete(manifest.files[rel].doc_ids)
        writer.forget(rel)
        writer.report.removed += 1
    report = writer.report
    doc_ids: list[str] = []  # of the file being read
    backend = writer.backend
    events = read_files(plan.to_read, corpus, plan.digests, tagger, backend.preparer(), backend.side_writer())
    # Closed at once on a failure: the worker is stopped and its files removed before the error is reported.
    with closing(events):
        for event in events:
            if isinstance(event, DocumentRead):
                owner = owners.get(event.doc_id)
                if owner not in (None, event.rel):
                    report.warnings.append(
                        f"{event.rel}: document id {event.doc_id!r} already comes from {owner}; skipped"
                    )
                    writer.drop(event)
                    continue
                owners[event.doc_id] = event.rel
                doc_ids.append(event.doc_id)
                writer.add(event)
            elif isinstance(event, Warned):
                report.warnings.append(event.text)
            elif isinstance(event, SegmentWritten):
                writer.include(event.written)
            elif isinstance(event, OwnPartRead):
                writer.write_ahead()
            else:
                if isinstance(event, FileRead):
                    _file_done(event, doc_ids, manifest, writer, plan)
                else:
                    report.skipped.append((event.rel, event.reason))
                doc_ids = []
                if on_file:
                    on_file(event.rel)
    report.unchanged = plan.unchanged


def _file_done(event: FileRead, doc_ids: list[str], manifest, writer, plan) -> None:
    old = manifest.files.get(event.rel)
    writer.delete(sorted(set(old.doc_ids) - set(doc_ids)) if old else [])
    writer.remember(event.rel, FileRecord(event.digest, event.size, event.mtime_ns, doc_ids, event.sidecar))
    if event.rel in plan.new:
        writer.report.added += 1
    else:
        writer.report.changed += 1


class BatchWriter:
    """Streams documents into a backend transaction, committed every ``BATCH_PASSAGES`` passages and at the end.

    Documents reach the backend as they are read, so a batch costs the backend's buffer, not
    a list of documents in memory. The manifest records a file with the commit that holds all of
    its documents: it is saved once the commit is written and before that commit is final, and a
    manifest that cannot be saved undoes the commit (``Transaction.commit(record)``), so the
    passages and the manifest never disagree.
    """

    def __init__(self, backend, manifest: Manifest, generation: Generation, report: IndexReport):
        self.backend = backend
        self.manifest = manifest
        self.generation = generation
        self.report = report
        self._transaction = None
        self._records: dict[str, FileRecord | None] = {}
        self._passages = 0
        self._dropped: list[int] = []  # passages of the worker's segment not to commit
        self.commits = 0  # made by this run

    def _open(self):
        if self._transaction is None:
            self._transaction = self.backend.begin()
        return self._transaction

    def add(self, document: DocumentRead) -> None:
        """Write a prepared document, or take one the worker wrote (replacing any earlier version with the same id)."""
        self.report.documents += 1
        self.report.passages += document.passages
        if document.prepared is None:
            self._open().delete((document.doc_id,))  # its new version comes with ``include``
            return
        self._open().add(document.prepared)
        self._passages += document.passages
        if self._passages >= BATCH_PASSAGES:
            self.flush()

    def drop(self, document: DocumentRead) -> None:
        """Leave out a document read but not wanted (the worker may already have written it)."""
        if document.first_written is not None:
            self._dropped.extend(range(document.first_written, document.first_written + document.passages))

    def write_ahead(self) -> None:
        """Write out what was added so far, as the commit would (readers still see nothing):
        done while the worker finishes its part, not after it."""
        if self._transaction is not None:
            self._transaction.write_ahead()

    def include(self, written) -> None:
        """Commit the worker's segment with the next commit (in the same transaction as its deletions)."""
        self._open().include(written, self._dropped)
        self._dropped = []

    def delete(self, doc_ids) -> None:
        """Remove documents."""
        if doc_ids:
            self._open().delete(doc_ids)

    def remember(self, rel: str, record: FileRecord) -> None:
        """Record a fully read file in the manifest at the next commit."""
        self._records[rel] = record

    def forget(self, rel: str) -> None:
        """Drop a removed file from the manifest at the next commit."""
        self._records[rel] = None

    def flush(self, force_save: bool = False) -> None:
        """Commit what is written, with the manifest saved as part of the commit."""
        records, self._records, self._passages = self._records, {}, 0
        for rel, record in records.items():
            if record is None:
                self.manifest.files.pop(rel, None)
            else:
                self.manifest.files[rel] = record

        def save_manifest() -> None:
            if records or force_save:
                self.manifest.save(self.generation.manifest_path)

        if self._transaction is None:
            save_manifest()
            return
        transaction, self._transaction = self._transaction, None
        transaction.commit(record=save_manifest)
        self.commits += 1

    def cancel(self) -> None:
        """Drop what was written since the last commit."""
        if self._transaction is not None:
            self._transaction.cancel()
            self._transaction = None


def _load_taxonomy(corpus: Path, live: Generation | None, report: IndexReport) -> Taxonomy:
    """The corpus taxonomy; when it is broken, the one the live index already uses."""
    kept = live.load_taxonomy if live else lambda: Taxonomy(())
    return _load_or_keep(lambda: load_taxonomy(corpus / TAXONOMY_FILE), kept, "taxonomy", report)


def _load_glossary(corpus: Path, live: Generation | None, report: IndexReport) -> Glossary:
    """The corpus glossary; when it is broken, the live index's (which includes taxonomy terms)."""
    kept = live.load_glossary if live else lambda: Glossary(())
    return _load_or_keep(lambda: load_glossary(corpus / GLOSSARY_FILE), kept, "glossary", report)


def _load_or_keep(load, keep, what: str, report: IndexReport):
    """A corpus settings file, or with a warning naming its error, what the index already has."""
    try:
        return load()
    except (TaxonomyError, GlossaryError) as error:
        report.warnings.append(f"{error}; keeping the {what} of the existing index")
        return keep()


def _is_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"
