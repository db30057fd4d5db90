"""What is indexed, and from what: corpus file -> content hash and document ids.

Kept beside the index rather than inside it, so incremental indexing does not depend on the
backend. Written after each commit, atomically; applying a document is idempotent (delete by
id, then add), so a crash between the two writes costs a re-read, never a duplicate.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from indexer.atomic import write_json
from indexer.ingest.readers.metadata import MAX_SIDECAR_BYTES
from indexer.ingest.readers.metadata import sidecar_path

VERSION = 1


@dataclass
class FileRecord:
    """One indexed corpus file: its content hash, its stat signature, the documents it gave and its sidecar's hash."""

    sha256: str
    size: int
    mtime_ns: int
    doc_ids: list[str] = field(default_factory=list)
    sidecar: str = ""  # hash of its ``.meta.toml`` ("" when it has none): metadata edits re-read the file

    def same_stat(self, stat: os.stat_result) -> bool:
        """True when size and modification time are unchanged (then the file is not even read)."""
        return self.size == stat.st_size and self.mtime_ns == stat.st_mtime_ns


@dataclass
class Manifest:
    """The manifest of one index generation."""

    files: dict[str, FileRecord] = field(default_factory=dict)
    taxonomy: str = ""  # fingerprint of the taxonomy the passages were tagged with

    @classmethod
    def load(cls, path: Path) -> Manifest:
        """Read ``path``; a missing file is an empty manifest."""
        if not path.exists():
            return cls()
        data = json.loads(path.read_text(encoding="utf-8"))
        files = {name: FileRecord(**record) for name, record in data.get("files", {}).items()}
        return cls(files=files, taxonomy=data.get("taxonomy", ""))

    def save(self, path: Path) -> None:
        """Write atomically: a temporary file renamed over the old one."""
        data = {
            "version": VERSION,
            "taxonomy": self.taxonomy,
            "files": {name: vars(record) for name, record in sorted(self.files.items())},
        }
        write_json(path, data)


def sidecar_sha256(path: Path) -> str:
    """Hex SHA-256 of the sidecar of corpus file ``path`` (its first ``MAX_SIDECAR_BYTES`` + 1 bytes,
    all a reader takes), or "" when it has none."""
    try:
        with sidecar_path(path).open("rb") as handle:
            return hashlib.sha256(handle.read(MAX_SIDECAR_BYTES + 1)).hexdigest()
    except OSError:
        return ""


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
