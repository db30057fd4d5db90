"""New documents arriving by upload, and documents removed on request: the corpus side of both.

The web app's upload, replace and delete endpoints are thin adapters over ``store_file``,
``replace_file``, ``find_source``, ``find_file`` and ``remove_record``; re-indexing is ``indexer.ingest.pipeline.index_corpus`` as always.
A stored file never overwrites a different one, never lands outside the corpus, and never shows
under a supported name half-written (it is written to a hidden file, then linked into place).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from pathlib import PurePosixPath
from typing import BinaryIO

from indexer.atomic import write_atomically
from indexer.errors import BadParameter
from indexer.errors import DocumentNotFound
from indexer.errors import FileNotIndexed
from indexer.errors import UnsupportedFileType
from indexer.ingest.manifest import Manifest
from indexer.ingest.readers import SUPPORTED_SUFFIXES
from indexer.ingest.readers.metadata import is_web_url
from indexer.ingest.readers.metadata import sidecar_path
from indexer.models import LANGUAGES
from indexer.store import current_generation

FALLBACK_STEM = "document"  # when nothing of the uploaded name survives sanitising
MAX_STEM_CHARS = 100
MAX_NAME_TRIES = 10_000
SIDECAR_FIELDS = ("title", "lang", "publisher", "source_url", "translation_of")
_CHUNK = 1 << 16
# Name choice and linking are serialised in this process; O_EXCL and link(2) guard against others.
_naming = threading.Lock()


@dataclass(frozen=True)
class StoredFile:
    """Where an upload landed: its path on disk, its path in the corpus, its sidecar if one was written."""

    path: Path
    rel: str
    sidecar: Path | None
    created: bool  # False when an identical file was already there under that name

    def discard(self) -> None:
        """Remove what this upload created (never a file that was there before)."""
        if self.sidecar is not None:
            self.sidecar.unlink(missing_ok=True)
        if self.created:
            self.path.unlink(missing_ok=True)


def upload_suffix(filename: str) -> str:
    """The lower-cased suffix of an uploaded file name.

    :raises UnsupportedFileType: when it is not one of ``SUPPORTED_SUFFIXES``.
    """
    suffix = PurePosixPath(_basename(filename)).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnsupportedFileType(filename, suffix)
    return suffix


def safe_stem(filename: str) -> str:
    """A file-system-safe stem for ``filename`` (ASCII, no separators, not hidden, bounded length)."""
    from werkzeug.utils import secure_filename  # imported here: indexing never needs werkzeug

    stem = secure_filename(PurePosixPath(_basename(filename)).stem)[:MAX_STEM_CHARS].strip("._")
    return stem or FALLBACK_STEM


def check_metadata(fields: dict[str, str]) -> dict[str, str]:
    """The non-empty sidecar fields of ``fields``, validated.

    :raises BadParameter: for a ``lang`` other than en or fr, or a ``source_url`` that is not an
        http or https address.
    """
    chosen = {name: str(fields.get(name) or "").strip() for name in SIDECAR_FIELDS}
    chosen = {name: value for name, value in chosen.items() if value}
    if "lang" in chosen and chosen["lang"] not in LANGUAGES:
        raise BadParameter("lang", chosen["lang"], f"must be {' or '.join(LANGUAGES)}")
    if "source_url" in chosen and not is_web_url(chosen["source_url"]):
        raise BadParameter("source_url", chosen["source_url"][:200], "must be an http or https address")
    return chosen


def toml_string(value: str) -> str:
    """``value`` as a TOML basic string: quotes, backslashes and control characters escaped."""
    out = ['"']
    for char in value:
        code = ord(char)
        if char in _TOML_ESCAPES:
            out.append(_TOML_ESCAPES[char])
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04X}")
        elif 0xD800 <= code <= 0xDFFF:
            out.append("\ufffd")  # a lone surrogate cannot be encoded in UTF-8 at all
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


_TOML_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def sidecar_text(metadata: dict[str, str]) -> str:
    """A ``.meta.toml`` holding ``metadata`` (keys in the documented order)."""
    lines = [f"{name} = {toml_string(metadata[name])}" for name in SIDECAR_FIELDS if name in metadata]
    return "".join(line + "\n" for line in lines)


def store_file(
    corpus: Path, folder: Path, filename: str, stream: BinaryIO, metadata: dict[str, str] | None = None
) -> StoredFile:
    """Store an uploaded file in ``folder`` (inside ``corpus``) under a safe, unused name.

    The name is ``safe_stem(filename)`` plus the lower-cased suffix, with ``-2``, ``-3``… added
    while that stem is taken by any document or sidecar (documents sharing a stem would share an
    id and a sidecar). An identical file already stored under the candidate name is reused.

    :param metadata: sidecar fields from ``check_metadata``; a sidecar is written when any is set.
    :raises UnsupportedFileType: for a suffix the readers do not know.
    :raises BadParameter: when ``folder`` is not inside ``corpus``.
    """
    corpus, folder = Path(corpus), Path(folder)
    suffix = upload_suffix(filename)
    if not is_inside(folder, corpus):
        raise BadParameter("UPLOAD_DIR", str(folder), "must be a folder inside the corpus")
    folder.mkdir(parents=True, exist_ok=True)
    tmp, digest = _receive(folder, stream)
    try:
        with _naming:
            stored = _place(corpus, folder, safe_stem(filename), suffix, tmp, digest, metadata or {})
    finally:
        tmp.unlink(missing_ok=True)
    return stored


def is_inside(path: Path, root: Path) -> bool:
    """True when ``path`` (symlinks resolved) is ``root`` or below it."""
    path, root = Path(path).resolve(), Path(root).resolve()
    return path == root or root in path.parents


@dataclass(frozen=True)
class Source:
    """An indexed corpus file: its path in the corpus and the documents it gave."""

    rel: str
    doc_ids: tuple[str, ...]

    @property
    def collection(self) -> bool:
        """True for a ``.jsonl`` collection, whose every record is a document of its own."""
        return PurePosixPath(self.rel).suffix.lower() == ".jsonl"


def find_source(index_root: Path, doc_id: str) -> Source:
    """The indexed file that gave document ``doc_id`` in the live index.

    :raises DocumentNotFound: when no indexed file gave that document.
    """
    for source in _indexed(index_root):
        if doc_id in source.doc_ids:
            return source
    raise DocumentNotFound(doc_id)


def find_file(index_root: Path, rel: str) -> Source:
    """The indexed file at corpus path ``rel``.

    :raises FileNotIndexed: when the live index holds no file at that path.
    """
    for source in _indexed(index_root):
        if source.rel == rel:
            return source
    raise FileNotIndexed(rel)


def _indexed(index_root: Path) -> list[Source]:
    live = current_generation(index_root)
    manifest = Manifest.load(live.manifest_path) if live else Manifest()
    return [Source(rel, tuple(record.doc_ids)) for rel, record in manifest.files.items()]


def remove_record(corpus: Path, rel: str, record_id: str) -> None:
    """Rewrite collection ``rel`` without the record ``record_id`` (atomically, streamed); a
    collection left without records is removed with its sidecar.

    :raises DocumentNotFound: when ``rel`` leaves the corpus.
    """
    path = Path(corpus) / rel
    if not is_inside(path.parent, corpus):
        raise DocumentNotFound(rel)
    if not path.exists():
        return
    needle = json.dumps(record_id)[1:-1].encode("utf-8")  # a cheap test before parsing a line
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{threading.get_ident()}.tmp")
    kept = 0
    try:
        with path.open("rb") as lines, tmp.open("wb") as out:
            for line in lines:
                if needle in line and _record_id(line) == record_id:
                    continue
                out.write(line)
                kept += bool(line.strip())
        if kept:
            os.replace(tmp, path)
        else:
            remove_source(corpus, rel)
    finally:
        tmp.unlink(missing_ok=True)


def _record_id(line: bytes) -> object:
    try:
        record = json.loads(line)
    except ValueError:
        return None
    return record.get("id") if isinstance(record, dict) else None


@dataclass(frozen=True)
class Replacement:
    """An upload stored in place of an indexed file, with hidden copies of what it replaced."""

    stored: StoredFile
    backups: tuple[tuple[str, str], ...]  # (hidden copy, corpus path it came from)


def replace_file(
    corpus: Path, source: Source, filename: str, stream: BinaryIO, metadata: dict[str, str] | None = None
) -> Replacement:
    """Store an upload in place of the indexed file ``source``, so its documents keep their ids.

    The new file takes the old one's path (its stem with the upload's suffix); the old file, and the
    sidecar when ``metadata`` replaces it, are kept as hidden copies until the task ends
    (``restore_backups`` puts them back if the indexer refuses the new file, ``drop_backups``
    forgets them).

    :raises UnsupportedFileType: for a suffix the readers do not know.
    :raises BadParameter: when a collection would be replaced by anything but a ``.jsonl`` file, or
        another file already has the new name.
    :raises DocumentNotFound: when the file leaves the corpus.
    """
    corpus = Path(corpus)
    suffix = upload_suffix(filename)
    old = corpus / source.rel
    if not is_inside(old.parent, corpus):
        raise DocumentNotFound(source.rel)
    if source.collection and suffix != ".jsonl":
        raise BadParameter("file", _basename(filename), f"{source.rel} is a collection: replace it with a .jsonl file")
    new = old.with_suffix(suffix)
    if new != old and (new.exists() or new.is_symlink()):
        raise BadParameter("file", _basename(filename), f"{_rel(corpus, new)} already exists")
    old.parent.mkdir(parents=True, exist_ok=True)
    tmp, _ = _receive(old.parent, stream)
    backups = []
    try:
        with _naming:
            sidecar = sidecar_path(old)
            for kept in (old, sidecar if metadata else None):
                if kept is not None and kept.exists():
                    backups.append((_rel(corpus, _hidden_copy(kept)), _rel(corpus, kept)))
            if metadata:
                write_atomically(sidecar, sidecar_text(metadata).encode("utf-8"))
            os.replace(tmp, new)
            if new != old:
                old.unlink(missing_ok=True)
    except BaseException:  # a full disk half-way: the replaced files come back as they were
        restore_backups(corpus, new.relative_to(corpus).as_posix(), backups)
        raise
    finally:
        tmp.unlink(missing_ok=True)
    return Replacement(StoredFile(new, _rel(corpus, new), None, created=new != old), tuple(backups))


def forget_replacement(corpus: Path, replacement: Replacement) -> None:
    """Undo ``replace_file`` when its task could not be recorded: the replaced files come back."""
    restore_backups(corpus, replacement.stored.rel, replacement.backups)


def _hidden_copy(path: Path) -> Path:
    """A hard link to ``path`` under a hidden name beside it (the corpus walk ignores it)."""
    for n in range(MAX_NAME_TRIES):
        copy = path.with_name(f".replaced-{n}-{path.name}")
        try:
            os.link(path, copy)
        except FileExistsError:
            continue
        return copy
    raise FileExistsError(str(path))


def restore_backups(corpus: Path, rel: str, backups) -> None:
    """Put back what a replacement replaced: the new file ``rel`` goes, the hidden copies return."""
    corpus = Path(corpus)
    originals = {original for _, original in backups}
    if rel not in originals:
        (corpus / rel).unlink(missing_ok=True)
    for backup, original in backups:
        if is_inside((corpus / backup).parent, corpus) and (corpus / backup).exists():
            os.replace(corpus / backup, corpus / original)


def drop_backups(corpus: Path, backups) -> None:
    """Forget the hidden copies of a replacement that succeeded."""
    for backup, _ in backups:
        if is_inside((Path(corpus) / backup).parent, corpus):
            (Path(corpus) / backup).unlink(missing_ok=True)


def remove_source(corpus: Path, rel: str) -> None:
    """Delete corpus file ``rel`` and its sidecar (if any); refuses anything outside the corpus.

    :raises DocumentNotFound: when ``rel`` leaves the corpus (a manifest never says so).
    """
    path = Path(corpus) / rel
    if not is_inside(path.parent, corpus):
        raise DocumentNotFound(rel)
    sidecar = sidecar_path(path)
    path.unlink(missing_ok=True)
    # A sidecar is shared by every file of its stem: keep it while a sibling still uses it.
    if not any(path.with_suffix(other).exists() for other in SUPPORTED_SUFFIXES):
        sidecar.unlink(missing_ok=True)


def _basename(filename: str) -> str:
    return PurePosixPath((filename or "").replace("\\", "/")).name


def _receive(folder: Path, stream: BinaryIO) -> tuple[Path, str]:
    """Copy ``stream`` to a hidden file in ``folder`` (the corpus walk ignores it); returns it and its hash."""
    digest = hashlib.sha256()
    fd, name = _exclusive(folder, lambda n: f".upload-{os.getpid()}-{threading.get_ident()}-{n}.part")
    try:
        with os.fdopen(fd, "wb") as handle:
            while chunk := stream.read(_CHUNK):
                digest.update(chunk)
                handle.write(chunk)
    except BaseException:  # a full disk (or a dropped connection) leaves no part behind
        (folder / name).unlink(missing_ok=True)
        raise
    return folder / name, digest.hexdigest()


def _exclusive(folder: Path, name_for) -> tuple[int, str]:
    for n in range(MAX_NAME_TRIES):
        try:
            return os.open(folder / name_for(n), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644), name_for(n)
        except FileExistsError:
            continue
    raise FileExistsError(str(folder / name_for(0)))


def _place(corpus, folder, stem, suffix, tmp, digest, metadata) -> StoredFile:
    for n in range(1, MAX_NAME_TRIES):
        candidate = stem if n == 1 else f"{stem}-{n}"
        path = folder / f"{candidate}{suffix}"
        if path.exists() and _sha256(path) == digest:
            return _finish(corpus, path, metadata, created=False)
        if _stem_taken(folder, candidate):
            continue
        sidecar = sidecar_path(path)
        if metadata and not _create(sidecar, sidecar_text(metadata).encode("utf-8")):
            continue
        try:
            os.link(tmp, path)  # fails rather than overwrite a file that appeared meanwhile
        except FileExistsError:
            if metadata:
                sidecar.unlink(missing_ok=True)
            continue
        except OSError:
            if metadata:
                sidecar.unlink(missing_ok=True)
            raise
        return StoredFile(path, _rel(corpus, path), sidecar if metadata else None, created=True)
    raise FileExistsError(str(folder / f"{stem}{suffix}"))


def _finish(corpus, path, metadata, created) -> StoredFile:
    """Reuse an identical stored file; new metadata replaces its sidecar."""
    sidecar = None
    if metadata:
        sidecar = sidecar_path(path)
        sidecar.write_text(sidecar_text(metadata), encoding="utf-8")
    return StoredFile(path, _rel(corpus, path), None, created)


def _stem_taken(folder: Path, stem: str) -> bool:
    names = [f"{stem}{suffix}" for suffix in SUPPORTED_SUFFIXES] + [f"{stem}.meta.toml"]
    return any((folder / name).exists() or (folder / name).is_symlink() for name in names)


def _create(path: Path, data: bytes) -> bool:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return False
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
    except OSError:
        path.unlink(missing_ok=True)
        raise
    return True


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _rel(corpus: Path, path: Path) -> str:
    return path.resolve().relative_to(Path(corpus).resolve()).as_posix()
