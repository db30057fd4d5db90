"""Files replaced whole: a reader in another process sees the old version or the new one, never a part.

Servers read the index folder's small files (manifest, taxonomy, glossary, lexicons, commit
number, tasks) while an indexing run or an upload rewrites them.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it over ``path``."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{threading.get_ident()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_json(path: Path, data) -> None:
    """``data`` as indented UTF-8 JSON, written atomically."""
    write_atomically(path, json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8"))


def read_json(path: Path):
    """The JSON in ``path``, or None when there is no such file."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
