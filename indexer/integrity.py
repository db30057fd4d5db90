"""Checksums of a generation's files, written when an indexing run ends and verified when the
index is opened, checked (``passerelle check``) or about to be updated.

``checksums.json`` records each file's size, modification time and SHA-256. While a run writes
into a live generation the record is marked unsealed (it vouches for nothing), and sealed again
with the new files at the end, so a run cut short is never mistaken for damage.

Verification comes in three depths, by cost:

- ``CHANGED``: stat every file; hash only one whose time moved (a file is never rewritten in
  place, so a new time means something wrote into it). What a server does now and then.
- ``SMALL``: also hash the small files every search depends on (format, commit, manifest,
  taxonomy, glossary, Whoosh's table of contents). What opening an index does.
- ``ALL``: hash every file. What ``passerelle check`` does.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from indexer.atomic import write_json

CHECKSUMS = "checksums.json"
CHANGED, SMALL, ALL = "changed", "small", "all"
SMALL_FILES = ("format", "commit.json", "manifest.json", "taxonomy.json", "glossary.json")
UNSEALED = "unsealed"  # the last run on this generation did not finish: nothing is vouched for
UNRECORDED = "unrecorded"  # no checksums: written before they existed
# A writer's lock file and temporary files are not part of what a run leaves behind.
NOT_SEALED = ("MAIN_WRITELOCK", CHECKSUMS)
RETRIES = 3
# Files whose time moved but whose bytes proved intact (touched, or restored by a copy that did not
# keep times), by path -> (size, time, hash): hashed once per process, not on every periodic check.
_INTACT: dict[str, tuple[int, int, str]] = {}
INTACT_LIMIT = 10_000


@dataclass(frozen=True)
class Verification:
    """What a verification found: ``problems`` name a file each; ``state`` is "sealed" when the
    checksums vouched for every file, else why they could not (UNSEALED, UNRECORDED)."""

    state: str
    problems: tuple[str, ...] = ()
    files: int = 0  # files verified


def seal(folder: Path, commit_number: int) -> None:
    """Record every file of the generation at ``folder`` as it is now (the run writing it is done).

    A file whose size and time match the previous record keeps its hash: segments are written
    once, so an incremental run hashes only what it wrote.
    """
    folder = Path(folder)
    try:
        previous = _recorded(folder).get("files", {})
    except ValueError:  # damaged checksums: hash everything anew
        previous = {}
    files = {}
    for path in sorted(_sealed_files(folder)):
        rel = path.relative_to(folder).as_posix()
        stat = path.stat()
        known = previous.get(rel)
        if known and known.get("size") == stat.st_size and known.get("mtime_ns") == stat.st_mtime_ns:
            digest = known["sha256"]
        else:
            digest = file_sha256(path)
        files[rel] = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": digest}
    write_json(folder / CHECKSUMS, {"sealed": True, "commit": commit_number, "files": files})


def unseal(folder: Path) -> None:
    """Mark the checksums as not vouching (a run is about to write into this generation); the
    record is kept so that ``seal`` rehashes only what the run changes."""
    try:
        recorded = _recorded(Path(folder))
    except ValueError:
        recorded = {}
    if recorded.get("sealed"):
        write_json(Path(folder) / CHECKSUMS, {**recorded, "sealed": False})


def verify(folder: Path, depth: str = SMALL) -> Verification:
    """Compare the files of the generation at ``folder`` with its checksums.

    A mismatch seen while a writer unseals or replaces the checksums (a run started) is looked at
    again rather than reported: only a file that differs from a record that stayed put is damage.
    """
    folder = Path(folder)
    for _ in range(RETRIES):
        before = _identity(folder / CHECKSUMS)
        found = _verify_once(folder, depth)
        if not found.problems or _identity(folder / CHECKSUMS) == before:
            return found
    return Verification(UNSEALED)


def _verify_once(folder: Path, depth: str) -> Verification:
    try:
        recorded = _recorded(folder)
    except ValueError as error:
        return Verification("sealed", (f"{CHECKSUMS}: undecodable ({error})",))
    if not recorded:
        return Verification(UNRECORDED)
    if not recorded.get("sealed"):
        return Verification(UNSEALED)
    problems = []
    files = recorded.get("files", {})
    for rel, expected in files.items():
        problem = _file_problem(folder / rel, expected, _must_hash(rel, depth))
        if problem:
            problems.append(f"{rel}: {problem}")
    return Verification("sealed", tuple(problems), len(files))


def _must_hash(rel: str, depth: str) -> bool:
    return depth == ALL or (depth == SMALL and (rel in SMALL_FILES or rel.endswith(".toc")))


def _file_problem(path: Path, expected: dict, must_hash: bool) -> str:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return "missing"
    except OSError as error:
        return f"unreadable ({error.strerror})"
    if stat.st_size != expected["size"]:
        return f"size {stat.st_size} bytes, {expected['size']} when written"
    moved = stat.st_mtime_ns != expected["mtime_ns"]
    if moved and _INTACT.get(str(path)) == (stat.st_size, stat.st_mtime_ns, expected["sha256"]) and not must_hash:
        return ""
    if must_hash or moved:
        try:
            if file_sha256(path) != expected["sha256"]:
                return "checksum differs from the one recorded when it was written"
        except OSError as error:
            return f"unreadable ({error.strerror})"
        if moved:
            if len(_INTACT) >= INTACT_LIMIT:
                _INTACT.clear()
            _INTACT[str(path)] = (stat.st_size, stat.st_mtime_ns, expected["sha256"])
    return ""


def _recorded(folder: Path) -> dict:
    """The checksums record ({} when there is none). :raises ValueError: when it is undecodable."""
    try:
        data = json.loads((folder / CHECKSUMS).read_bytes())
    except FileNotFoundError:
        return {}
    except (ValueError, UnicodeDecodeError) as error:
        raise ValueError(str(error)[:80]) from None
    if not isinstance(data, dict) or not isinstance(data.get("files", {}), dict):
        raise ValueError("not a checksums record")
    return data


def _sealed_files(folder: Path):
    for path in folder.rglob("*"):
        if path.is_file() and not path.name.startswith(".") and path.name not in NOT_SEALED:
            yield path


def _identity(path: Path) -> tuple | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_ino, stat.st_mtime_ns, stat.st_size


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()
