"""Where an index lives on disk, and opening it for search.

An index folder holds generations; ``current`` is a symlink to the live one. A rebuild
writes a new generation beside it and swaps the link atomically, so searches keep
answering from the old generation until the new one is complete.

    <index>/current -> generations/<name>
    <index>/generations/<name>/whoosh/          the backend's files
    <index>/generations/<name>/manifest.json    corpus file -> hash, document ids
    <index>/generations/<name>/taxonomy.json    the taxonomy the passages were tagged with
    <index>/generations/<name>/glossary.json    the glossary queries are expanded with
    <index>/generations/<name>/lexicons/        the translation lexicons
    <index>/generations/<name>/commit.json      the number of the last indexing run that changed anything
    <index>/generations/<name>/checksums.json   size, time and hash of each file above (indexer.integrity)

A running server reads only ``current`` and ``commit.json`` on each request (two ``stat`` calls):
when the commit number moves, it sees the new passages and, if they changed, the new taxonomy,
glossary and lexicons, without a restart.

Damage at rest (a file cut, overwritten or removed) is named, never searched: opening an index
verifies its files against their checksums (stat calls, and hashes of the small files); a
long-lived process repeats the stat calls every ``DAMAGE_CHECK_SECONDS``; any error decoding the
index makes it answer ``IndexDamaged`` until a rebuild replaces it.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import replace
from datetime import UTC
from datetime import datetime
from functools import cached_property
from pathlib import Path

from indexer.analysis import WORDS
from indexer.analysis import analyze
from indexer.analysis import limit_memo
from indexer.atomic import write_json
from indexer.crosslang.expansion import Expander
from indexer.crosslang.glossary import Glossary
from indexer.crosslang.kept import LEXICONS_DIR
from indexer.crosslang.kept import load_lexicon
from indexer.engine.contract import Backend
from indexer.engine.spelling import Vocabulary
from indexer.engine.whoosh.backend import open_whoosh
from indexer.errors import IndexBusy
from indexer.errors import IndexDamaged
from indexer.errors import IndexNotFound
from indexer.errors import IndexOutdated
from indexer.ingest.manifest import Manifest
from indexer.integrity import ALL
from indexer.integrity import CHANGED
from indexer.integrity import SMALL
from indexer.integrity import Verification
from indexer.integrity import seal
from indexer.integrity import unseal
from indexer.integrity import verify
from indexer.models import LANGUAGES
from indexer.models import IndexedDocument
from indexer.taxonomy import KINDS
from indexer.taxonomy import Taxonomy

# Bump when the stored fields change: an older generation is then rebuilt by the next
# `passerelle index`, and refused (with that advice) by search instead of failing oddly.
INDEX_FORMAT = 8  # 3: one-pass analyzers, spelling vocabulary posted once per commit; 4: PostingsText fields; 5: a column of each passage's terms; 6: the schema's classes moved to indexer.engine.whoosh; 7: a doc_id column; 8: documents' dates (a date column, a year field) and passages' pages
CURRENT = "current"
GENERATIONS = "generations"
WRITE_LOCK = "write.lock"
WRITE_LOCK_WAIT_SECONDS = 120.0  # documented in the README: a second writer waits this long
RETIRED_INDEX_SECONDS = 30.0  # a search still running on a replaced index ends long before this
SEARCH_MEMO_TOKENS = 10_000  # raw tokens a searching process keeps analysed per kind (indexing keeps more)
DAMAGE_CHECK_SECONDS = 1.0  # how often a long-lived process stats the live files for damage
TOC_PATTERN = "_MAIN_*.toc"  # Whoosh's table of contents: without it the index reads as empty


@contextmanager
def write_lock(root: Path, wait: float = WRITE_LOCK_WAIT_SECONDS):
    """Hold the index folder's writer lock: one indexing run at a time, others wait in turn.

    The lock is an flock(2), which the kernel releases when its process dies, so a writer
    killed with SIGKILL never leaves a stale lock behind.

    :raises IndexBusy: when another writer held it for longer than ``wait`` seconds.
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    with open(root / WRITE_LOCK, "a+b") as handle:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise IndexBusy(str(root), wait) from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def discard_stale_generations(root: Path) -> None:
    """Delete generations left by interrupted rebuilds (call with the writer lock held)."""
    live = current_generation(root)
    folder = Path(root) / GENERATIONS
    for path in folder.iterdir() if folder.exists() else ():
        if live is None or path.resolve() != live.path:
            shutil.rmtree(path, ignore_errors=True)


@dataclass(frozen=True)
class Commit:
    """What ``commit.json`` says: which indexing run a generation's files come from."""

    number: int = 0  # grows by one with every run that changed passages or settings, across rebuilds
    committed: str = ""  # ISO 8601 UTC time of that run's end
    settings: str = ""  # fingerprint of the taxonomy, glossary and lexicons searches use

    @classmethod
    def after(cls, previous: Commit, settings: str) -> Commit:
        """The commit that follows ``previous``."""
        now = datetime.now(UTC).isoformat(timespec="milliseconds")
        return cls(previous.number + 1, now, settings)


@dataclass(frozen=True)
class Generation:
    """One complete index: backend files, manifest and taxonomy copy."""

    path: Path

    @property
    def backend_dir(self) -> Path:
        return self.path / "whoosh"

    @property
    def manifest_path(self) -> Path:
        return self.path / "manifest.json"

    @property
    def taxonomy_path(self) -> Path:
        return self.path / "taxonomy.json"

    @property
    def format_path(self) -> Path:
        return self.path / "format"

    def is_current_format(self) -> bool:
        """True when this generation was written with today's stored fields."""
        try:
            return int(self.format_path.read_text().strip()) == INDEX_FORMAT
        except (OSError, ValueError):
            return False

    @property
    def root(self) -> Path:
        """The index folder this generation belongs to."""
        return self.path.parent.parent

    def seal(self) -> None:
        """Record the checksums of every file, as a run that wrote them leaves them."""
        seal(self.path, self.load_commit().number)

    def unseal(self) -> None:
        """A run is about to write here: the checksums stop vouching until ``seal``."""
        unseal(self.path)

    def verify(self, depth: str = SMALL) -> Verification:
        """The files compared with their checksums; when none vouch (an older index, a run cut short),
        each small file decoded instead (but at ``CHANGED`` depth). Problems name files by full path."""
        found = verify(self.path, depth)
        problems = [f"{self.path}/{problem}" for problem in found.problems]
        if self.is_outdated():  # another version's number, not damage: rebuilt by the next run
            problems = [problem for problem in problems if not problem.startswith(f"{self.format_path}:")]
        if depth != CHANGED and (found.state != "sealed" or depth == ALL):  # CHANGED: stat calls only
            problems += self._undecodable()
        return replace(found, problems=tuple(dict.fromkeys(problems)))

    def _undecodable(self) -> list[str]:
        problems = []
        for load in (self.format_number, self.load_commit, self.load_manifest, self.load_taxonomy, self.load_glossary):
            try:
                load()
            except IndexDamaged as error:
                problems.extend(error.problems)
        try:
            holds_documents = any(record.doc_ids for record in self.load_manifest().files.values())
        except IndexDamaged:
            holds_documents = True
        if holds_documents and not any(self.backend_dir.glob(TOC_PATTERN)):
            problems.append(f"{self.backend_dir}/{TOC_PATTERN}: missing (the table of contents of the passages)")
        return problems

    def is_outdated(self) -> bool:
        """True when the format file names another format than this Passerelle's."""
        try:
            number = self.format_number()
        except IndexDamaged:
            return False
        return number is not None and number != INDEX_FORMAT

    def format_number(self) -> int | None:
        """The format the generation was written in (None when the file is missing)."""
        return self._decoded(self.format_path, lambda text: int(text.strip()), None)

    def load_manifest(self) -> Manifest:
        """The manifest (empty when there is none yet)."""
        return self._decoded(self.manifest_path, lambda _: Manifest.load(self.manifest_path), Manifest())

    def _decoded(self, path: Path, decode, missing):
        """``decode(text of path)``, ``missing`` when there is no such file.

        :raises IndexDamaged: naming the file, when it cannot be read or decoded.
        """
        try:
            return decode(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return missing
        except Exception as error:  # whatever a garbled file makes a decoder raise
            reason = f"{type(error).__name__}: {error}"[:120]
            raise IndexDamaged(str(self.root), (f"{path}: undecodable ({reason})",)) from error

    @property
    def glossary_path(self) -> Path:
        return self.path / "glossary.json"

    def load_glossary(self) -> Glossary:
        """The glossary (with taxonomy equivalents) stored with this generation, empty if none."""
        return self._decoded(self.glossary_path, lambda text: Glossary.from_dict(json.loads(text)), Glossary(()))

    def save_glossary(self, glossary: Glossary) -> None:
        """Store the glossary beside the index: query expansion needs no corpus folder."""
        write_json(self.glossary_path, glossary.to_dict())

    def load_taxonomy(self) -> Taxonomy:
        """The taxonomy stored with this generation (empty if none yet)."""
        return self._decoded(self.taxonomy_path, lambda text: Taxonomy.from_dict(json.loads(text)), Taxonomy(()))

    def save_taxonomy(self, taxonomy: Taxonomy) -> None:
        """Store the taxonomy beside the index, so search needs no corpus folder."""
        write_json(self.taxonomy_path, taxonomy.to_dict())

    @property
    def commit_path(self) -> Path:
        return self.path / "commit.json"

    def load_commit(self) -> Commit:
        """The last commit recorded in this generation (number 0 before the first)."""
        return self._decoded(self.commit_path, lambda text: Commit(**json.loads(text)), Commit())

    def save_commit(self, commit: Commit) -> None:
        """Record a finished run: servers watching this file pick up everything it wrote."""
        write_json(
            self.commit_path, {"number": commit.number, "committed": commit.committed, "settings": commit.settings}
        )

    def settings_fingerprint(self) -> str:
        """A hash of the taxonomy, glossary and lexicon files: what a search process must reload when it moves."""
        digest = hashlib.sha256()
        lexicons = self.path / LEXICONS_DIR
        files = [self.taxonomy_path, self.glossary_path, *(sorted(lexicons.iterdir()) if lexicons.is_dir() else ())]
        for path in files:
            digest.update(path.name.encode() + b"\0")
            if path.is_file():
                digest.update(hashlib.sha256(path.read_bytes()).digest())
        return digest.hexdigest()

    def open_backend(self, taxonomy: Taxonomy | None = None, create: bool = False) -> Backend:
        """The backend over this generation's files."""
        return open_whoosh(self.backend_dir, taxonomy or self.load_taxonomy(), create=create, diagnose=self.diagnose)

    def diagnose(self, error: Exception) -> IndexDamaged:
        """The damage to report when reading the backend failed: the files that differ from their
        checksums, or, when none is found, the index folder with the error."""
        cause = f"{type(error).__name__}: {str(error)[:120]}"
        return IndexDamaged(str(self.root), self.verify(CHANGED).problems, cause)


def has_index(root: Path) -> bool:
    """True when something has been indexed at ``root``."""
    return current_generation(root) is not None


@dataclass(frozen=True)
class IndexedFile:
    """A corpus file the live index holds, with the documents it gave."""

    path: str  # relative to the corpus folder
    doc_ids: tuple[str, ...]


def indexed_files(root: Path) -> list[IndexedFile]:
    """Every corpus file of the live index that gave documents, sorted by path (empty before any run)."""
    live = current_generation(root)
    if live is None:
        return []
    files = Manifest.load(live.manifest_path).files
    return [IndexedFile(rel, tuple(record.doc_ids)) for rel, record in sorted(files.items()) if record.doc_ids]


def current_generation(root: Path) -> Generation | None:
    """The live generation of the index at ``root``, or None if there is none (or ``current``
    points at no folder: see ``link_problems``)."""
    link = Path(root) / CURRENT
    if not link.is_dir():
        return None
    return Generation(link.resolve())


def link_problems(root: Path) -> tuple[str, ...]:
    """What is wrong with ``current`` (nothing when it links to a folder, or does not exist at all)."""
    link = Path(root) / CURRENT
    if link.is_symlink() and not link.exists():
        return (f"{link}: points at {os.readlink(link)}, which does not exist",)
    if link.exists() and not link.is_symlink():
        return (f"{link}: a {'folder' if link.is_dir() else 'file'}, not the link to the live generation",)
    return ()


def live_for_update(root: Path, rebuild: bool) -> Generation | None:
    """The live generation an indexing run builds on, checked first: damage is never built upon.

    :returns: None when there is none, or when it is damaged and ``rebuild`` replaces it anyway.
    :raises IndexDamaged: when it is damaged and the run is incremental.
    """
    problems = link_problems(root)
    live = current_generation(root)
    if live is not None and not problems:
        problems = live.verify(SMALL).problems
    if problems and not rebuild:
        raise IndexDamaged(str(root), problems)
    return None if problems else live


def new_generation(root: Path) -> Generation:
    """An empty generation folder beside the live one (not yet live)."""
    name = time.strftime("%Y%m%d-%H%M%S") + f"-{os.getpid()}-{time.monotonic_ns() % 100000}"
    path = Path(root) / GENERATIONS / name
    path.mkdir(parents=True)
    (path / "format").write_text(f"{INDEX_FORMAT}\n")
    return Generation(path)


def make_current(root: Path, generation: Generation) -> Generation | None:
    """Atomically point ``current`` at ``generation``; returns the generation it replaced."""
    root = Path(root)
    previous = current_generation(root)
    tmp_link = root / f".{CURRENT}.tmp"
    if tmp_link.is_symlink() or tmp_link.exists():
        tmp_link.unlink()
    os.symlink(generation.path.relative_to(root), tmp_link)
    if (root / CURRENT).is_dir() and not (root / CURRENT).is_symlink():
        shutil.rmtree(root / CURRENT)  # a folder put in place of the link: a rename cannot replace it
    os.replace(tmp_link, root / CURRENT)
    return previous if previous and previous.path != generation.path else None


def discard(generation: Generation) -> None:
    """Delete a generation that is no longer live (open readers keep their files on POSIX)."""
    shutil.rmtree(generation.path, ignore_errors=True)


@dataclass
class OpenIndex:
    """A searchable index: its backend, the taxonomy its passages were tagged with, its glossary."""

    root: Path
    generation: Generation
    backend: Backend
    taxonomy: Taxonomy
    expander: Expander
    commit: Commit = Commit()

    def document(self, doc_id: str) -> IndexedDocument | None:
        """The indexed document with this id (metadata, tags, sections, passages), or None."""
        return self.backend.get_document(doc_id)

    @cached_property
    def spelling_words(self) -> Vocabulary:
        """The words of the glossary's expressions and of the taxonomy's labels and aliases, as the
        spelling vocabulary holds words: known to "did you mean" and offered by it, indexed or not."""
        names = [name for kind in KINDS for entry in self.taxonomy.of_kind(kind) for name in entry.names()]
        expressions = [
            text for entry in self.expander.glossary.entries for lang in LANGUAGES for text in entry.expressions(lang)
        ]
        return Vocabulary(word for text in (*names, *expressions) for word in analyze(text, WORDS) if word.isalpha())

    def with_settings(self) -> OpenIndex:
        """The same index and backend with the taxonomy, glossary and lexicons now on disk."""
        taxonomy = self.generation.load_taxonomy()
        self.backend.taxonomy = taxonomy
        expander = Expander(self.generation.load_glossary(), load_lexicon(self.generation.path))
        return replace(self, taxonomy=taxonomy, expander=expander)

    def close(self) -> None:
        """Release the backend's files."""
        self.backend.close()


def open_index(root: Path) -> OpenIndex:
    """Open the live generation of the index at ``root`` for searching.

    :raises IndexNotFound: when nothing has been indexed there yet.
    """
    problems = link_problems(root)
    if problems:
        raise IndexDamaged(str(root), problems)
    generation = current_generation(root)
    if generation is None:
        raise IndexNotFound(str(root))
    if generation.is_outdated():
        raise IndexOutdated(str(root))
    problems = generation.verify(SMALL).problems
    if problems:
        raise IndexDamaged(str(root), problems)
    if not generation.backend_dir.exists():
        raise IndexNotFound(str(root))
    if generation.format_number() != INDEX_FORMAT:
        raise IndexOutdated(str(root))
    commit = generation.load_commit()
    taxonomy = generation.load_taxonomy()
    expander = Expander(generation.load_glossary(), load_lexicon(generation.path))
    return OpenIndex(Path(root), generation, generation.open_backend(taxonomy), taxonomy, expander, commit)


@dataclass(frozen=True)
class IndexStats:
    """What /api/health reports."""

    passages: int
    documents: int
    generation: int  # the commit number: moves with every indexing run that changed something
    updated: str  # ISO 8601 UTC time of the last commit
    warm: bool  # a long-lived process has loaded ahead what searches need (see Backend.keep_warm)


def index_stats(index: OpenIndex) -> IndexStats:
    """Counts and freshness of an open index."""
    updated = index.commit.committed
    if not updated:  # a generation written before commits were numbered
        manifest = index.generation.manifest_path
        changed = manifest.stat().st_mtime if manifest.exists() else index.generation.path.stat().st_mtime
        updated = datetime.fromtimestamp(changed, UTC).isoformat(timespec="seconds")
    return IndexStats(
        passages=index.backend.passage_count(),
        documents=index.backend.document_count(),
        generation=index.commit.number,
        updated=updated,
        warm=index.backend.is_warm(),
    )


class LiveIndex:
    """The index a long-running process searches, kept in step with every indexing run.

    Each ``get`` looks at ``current`` and the live generation's ``commit.json``: a rebuild moved
    ``current`` (reopen everything); a new commit number means new passages (refresh the backend)
    and perhaps new settings (reload the taxonomy, glossary and lexicons, keep the backend).
    """

    def __init__(self, root: Path):
        limit_memo(SEARCH_MEMO_TOKENS)
        self.root = Path(root)
        self._lock = threading.Lock()
        self._open: OpenIndex | None = None
        self._seen: tuple | None = None  # (generation path, commit.json's inode and time) of _open
        self._retired: list[tuple[float, OpenIndex]] = []  # (when replaced, index) not closed yet
        self._damage: tuple[tuple | None, IndexDamaged] | None = None  # (stamp it was seen at, damage)
        self._next_check = 0.0  # monotonic time of the next stat of the live files

    @property
    def damage(self) -> IndexDamaged | None:
        """The damage found in the live generation (cleared once a run replaces or commits to it)."""
        return self._damage[1] if self._damage else None

    def get(self) -> OpenIndex:
        """The open index of the live generation, as of its latest commit.

        :raises IndexNotFound: when nothing has been indexed at ``root`` yet.
        :raises IndexDamaged: when files of the live generation are damaged, until a run replaces it.
        """
        seen = _commit_stamp(self.root)
        opened = self._open
        now = time.monotonic()
        if self._retired and now - self._retired[0][0] > RETIRED_INDEX_SECONDS:
            self._close_retired()
        if opened is not None and seen == self._seen and now < self._next_check and opened.backend.damage is None:
            return opened
        with self._lock:
            self._find_damage(seen, now)
            if self._damage is not None and self._damage[0] == seen:
                raise self._damage[1]
            self._damage = None
            try:
                return self._current(seen)
            except IndexDamaged as error:
                self._set_damage(seen, error)
                raise

    def _find_damage(self, seen: tuple | None, now: float) -> None:
        """Look for new damage in the open index: a failed read, or (when it is time) a changed file."""
        opened = self._open
        if opened is None or seen is None or opened.generation.path != seen[0]:
            return
        if opened.backend.damage is not None:  # a read failed: nothing it decoded is used again
            self._set_damage(self._seen, opened.backend.damage)
        elif now >= self._next_check:
            self._next_check = now + DAMAGE_CHECK_SECONDS
            problems = opened.generation.verify(CHANGED).problems
            if problems and _commit_stamp(self.root) == seen:
                self._set_damage(seen, IndexDamaged(str(self.root), problems))

    def _set_damage(self, seen: tuple | None, error: IndexDamaged) -> None:
        self._damage = (seen, error)
        if self._open is not None:
            # Other threads may be searching it right now: closed later, not under them.
            self._retired.append((time.monotonic(), self._open))
            self._open, self._seen = None, None

    def _current(self, seen: tuple | None) -> OpenIndex:
        if self._open is None or seen is None or self._open.generation.path != seen[0]:
            previous, self._open = self._open, open_index(self.root)
            self._next_check = time.monotonic() + DAMAGE_CHECK_SECONDS
            self._open.backend.keep_warm()
            if previous is not None:
                # Other threads may be searching it right now: closed later, not under them.
                self._retired.append((time.monotonic(), previous))
        elif seen != self._seen:
            self._open = self._follow_commit(self._open)
        self._seen = seen
        return self._open

    @staticmethod
    def _follow_commit(opened: OpenIndex) -> OpenIndex:
        commit = opened.generation.load_commit()
        if commit.settings != opened.commit.settings:
            opened = opened.with_settings()
        opened.backend.refresh()
        return replace(opened, commit=commit)

    def _close_retired(self) -> None:
        """Close the indexes replaced long enough ago that no search can still be using them."""
        with self._lock:
            now, kept = time.monotonic(), []
            for since, old in self._retired:
                if now - since > RETIRED_INDEX_SECONDS:
                    old.close()
                else:
                    kept.append((since, old))
            self._retired = kept

    def close(self) -> None:
        """Release the open index, and those it replaced."""
        with self._lock:
            for _, old in self._retired:
                old.close()
            self._retired = []
            if self._open is not None:
                self._open.close()
                self._open, self._seen = None, None


def _commit_stamp(root: Path) -> tuple | None:
    """(live generation path, identity of its commit.json): changes with every rebuild and every commit."""
    link = Path(root) / CURRENT
    while True:
        try:
            generation = Generation(link.resolve(strict=True))
        except FileNotFoundError:
            return None
        try:
            stat = os.stat(generation.commit_path)
        except OSError:
            if link.resolve() != generation.path:
                continue  # a rebuild swapped ``current`` and is removing this generation: look again
            return (generation.path,)  # written before commits were numbered, or not a folder
        return (generation.path, stat.st_ino, stat.st_mtime_ns)
