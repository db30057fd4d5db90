"""The reference ranking (``../shared/reference/whoosh_reference.py``), run on `make eval`'s own data.

The shared script is the measuring instrument the project must beat; it is loaded as it is, not
copied: its schema (two language fields, Snowball then accent folding), its BM25F with per-language
average lengths, its seeded sample and, below, its six lines of query handling. Only the passages
it indexes are chosen here, so that it and Passerelle see the same records in the same run (the
script itself always indexes all four data sets).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import sys
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SCRIPT = ROOT.parent / "shared" / "reference" / "whoosh_reference.py"
MODULE = "whoosh_reference"  # the name its schema's stemming functions are pickled under
K = 10


class ReferenceMissing(RuntimeError):
    """The shared script is not where it should be."""


def script_path() -> Path:
    return Path(os.environ.get("PASSERELLE_REFERENCE") or DEFAULT_SCRIPT)


def load(path: Path | None = None):
    """The reference script as a module (registered under ``MODULE``, which its index needs to open)."""
    path = Path(path or script_path())
    if MODULE in sys.modules:
        return sys.modules[MODULE]
    if not path.is_file():
        raise ReferenceMissing(f"reference script not found at {path} (set PASSERELLE_REFERENCE)")
    spec = importlib.util.spec_from_file_location(MODULE, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[MODULE] = module
    spec.loader.exec_module(module)
    return module


def fingerprint(path: Path | None = None) -> str:
    """Changes when the script does: kept rankings are then recomputed."""
    return hashlib.sha1(Path(path or script_path()).read_bytes()).hexdigest()[:12]


def sample(rows: list[dict], n: int) -> list[dict]:
    """The script's seeded sample: at most ``n`` rows, chosen by a hash of the qid (0 = all)."""
    return load().sample(rows, n) if n else rows


class Reference:
    """The reference configuration over one folder: build it from records, then rank query texts."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._searcher = None

    def build(self, records: Iterable[tuple[str, str, str]]) -> int:
        """Index ``(id, lang, text)`` records as the script does (text in the field of its language, no title)."""
        from whoosh import index as whoosh_index

        module = load()
        self.path.mkdir(parents=True, exist_ok=True)
        index = whoosh_index.create_in(str(self.path), module.schema())
        writer = index.writer(limitmb=256, procs=2, multisegment=True)
        counts = {"en": 0, "fr": 0}
        for key, lang, text in records:
            counts[lang] += 1
            writer.add_document(id=key, **{lang: text})
        writer.commit()
        (self.path / "passages_per_language.json").write_text(json.dumps(counts))
        return sum(counts.values())

    def exists(self) -> bool:
        return (self.path / "passages_per_language.json").is_file()

    def rank(self, question: str, limit: int = K) -> list[str]:
        """The ids the script's query handling returns for ``question``, best first."""
        searcher, parser, stop = self._open()
        words = [w for w in (w.lower() for w in re.findall(r"\w+", question)) if w not in stop]
        return [hit["id"] for hit in searcher.search(parser.parse(" ".join(words)), limit=limit)] if words else []

    def _open(self):
        if self._searcher is None:
            from whoosh import qparser
            from whoosh.index import open_dir
            from whoosh.lang import stopwords_for_language

            module = load()
            counts = json.loads((self.path / "passages_per_language.json").read_text())
            index = open_dir(str(self.path))
            self._searcher = index.searcher(weighting=module.per_language_bm25f(counts))
            self._parser = qparser.MultifieldParser(["en", "fr"], index.schema, group=qparser.OrGroup)
            self._stop = frozenset(stopwords_for_language("en")) | frozenset(stopwords_for_language("fr"))
        return self._searcher, self._parser, self._stop

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None
