"""Translated documents of the collection: paired, their passages aligned, a lexicon learned from them.

Run once at the end of every indexing run (``update_parallel``), over what the run committed:

1. Declared pairs: a document whose sidecar (``translation_of = "<doc id>"``) or JSONL record
   (a ``translation_of`` field) names a document of the other language.
2. Found pairs, among the documents no declaration pairs (``indexer.crosslang.pairing``).
3. Each pair's passages aligned (``indexer.crosslang.align``): passage -> its counterpart.
4. Each document's glosses: terms its passages give in the other language, in parentheses
   (``indexer.crosslang.glosses``).
5. When the set of pairs (or a paired document) or the glosses changed, a lexicon learned from the
   aligned passages and the glosses (``indexer.crosslang.learn``), kept with the generation's
   other lexicons.

Everything is stored with the generation as plain JSON (``parallel/``): ``state.json`` keeps what
the next run reuses (per document the version it was read from, its declaration, profile and
glosses; per pair its links), ``links.json`` is what a search reads, ``{doc_id: {passage_id: [doc_id,
passage_id, lang]}}``. A run re-reads, re-profiles and re-aligns only documents whose file changed.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import threading
from pathlib import Path

from indexer.atomic import write_atomically
from indexer.crosslang.align import align
from indexer.crosslang.align import unit
from indexer.crosslang.glosses import glosses
from indexer.crosslang.kept import COLLECTION_LEXICON
from indexer.crosslang.kept import LEXICONS_DIR
from indexer.crosslang.kept import SHIPPED_FILE
from indexer.crosslang.pairing import Profile
from indexer.crosslang.pairing import find_pairs
from indexer.crosslang.pairing import profile
from indexer.errors import LexiconFileError
from indexer.errors import UnreadableDocument
from indexer.models import LANGUAGES

PARALLEL_DIR = "parallel"
STATE_FILE = "state.json"
LINKS_FILE = "links.json"
STATE_VERSION = 3  # 3: documents' glosses
DECLARED_KEY = "translation_of"
# Beyond this many undeclared documents, finding translations is skipped (a collection of one-passage
# JSONL records is not a set of reports); declared pairs still count.
MAX_PAIRING_DOCUMENTS = 20_000
MAX_LEARNING_PAIRS = 200_000  # aligned passage pairs the lexicon learns from: bounds its time
LEARNING_ITERATIONS = 5


def update_parallel(corpus: Path, generation) -> list[str]:
    """Pair, align and learn from the documents the generation holds; returns warnings."""
    from indexer.ingest.manifest import Manifest

    folder = Path(generation.path) / PARALLEL_DIR
    state = _read_json(folder / STATE_FILE) or {}
    if state.get("version") != STATE_VERSION:
        state = {}
    manifest = Manifest.load(generation.manifest_path)
    warnings: list[str] = []
    backend = generation.open_backend()
    try:
        documents = _documents(Path(corpus), manifest, state.get("documents", {}), warnings)
        fetched: dict = {}

        def fetch(doc_id: str):
            if doc_id not in fetched:
                fetched[doc_id] = backend.get_document(doc_id)
            return fetched[doc_id]

        _fill_languages_and_glosses(documents, fetch)
        pairs = _declared_pairs(documents, warnings)
        pairs += _found_pairs(documents, pairs, fetch, warnings)
        old_pairs = {(p["en"], p["fr"]): p for p in state.get("pairs", [])}
        for pair in pairs:
            pair["key"] = [documents[pair["en"]]["key"], documents[pair["fr"]]["key"]]
            kept = old_pairs.get((pair["en"], pair["fr"]))
            if kept is not None and kept.get("key") == pair["key"]:
                pair["beads"] = kept["beads"]
            else:
                pair["beads"] = _beads(fetch(pair["en"]), fetch(pair["fr"]))
        glossed = _glossed(documents)
        learned = _fingerprint(pairs, glossed)
        lexicon_path = Path(generation.path) / LEXICONS_DIR / COLLECTION_LEXICON
        if learned != state.get("learned") or ((pairs or glossed) and not lexicon_path.is_file()):
            warnings += _learn(pairs, glossed, fetch, lexicon_path)
    finally:
        backend.close()
    folder.mkdir(parents=True, exist_ok=True)
    _write_json(folder / LINKS_FILE, _links(pairs, documents))
    _write_json(
        folder / STATE_FILE,
        {"version": STATE_VERSION, "documents": documents, "pairs": pairs, "learned": learned},
    )
    return warnings


def _documents(corpus: Path, manifest, previous: dict, warnings: list[str]) -> dict[str, dict]:
    """Every indexed document: the version of its file, its declaration, and what is kept of earlier runs."""
    documents = {}
    for rel, record in manifest.files.items():
        key = f"{record.sha256}:{record.sidecar or ''}"
        declared = None
        for doc_id in record.doc_ids:
            old = previous.get(doc_id)
            if old is not None and old.get("key") == key:
                documents[doc_id] = old
                continue
            if declared is None:
                declared = _declarations(corpus, rel, record.doc_ids, warnings)
            documents[doc_id] = {"key": key, "rel": rel, "declared": declared.get(doc_id, "")}
    return documents


def _declarations(corpus: Path, rel: str, doc_ids: list[str], warnings: list[str]) -> dict[str, str]:
    """``{doc_id: the doc id it declares itself a translation of}`` for the documents of one file."""
    from indexer.ingest.readers.metadata import load_sidecar
    from indexer.ingest.readers.metadata import sidecar_path

    path = corpus / rel
    if path.suffix.lower() == ".jsonl":
        return _jsonl_declarations(path, rel, warnings)
    try:
        metadata = load_sidecar(sidecar_path(path), rel, lambda message: None)
    except UnreadableDocument:
        return {}  # the run that read the document already named what is wrong with its sidecar
    return {doc_id: metadata.translation_of for doc_id in doc_ids} if metadata.translation_of else {}


def _jsonl_declarations(path: Path, rel: str, warnings: list[str]) -> dict[str, str]:
    declared = {}
    try:
        with path.open("rb") as handle:
            for line in handle:
                if DECLARED_KEY.encode() not in line:
                    continue  # most records declare nothing: not worth parsing again
                try:
                    record = json.loads(line)
                except ValueError:
                    continue  # the reader reported it
                value = record.get(DECLARED_KEY) if isinstance(record, dict) else None
                if isinstance(value, str) and value.strip() and isinstance(record.get("id"), str):
                    declared[record["id"]] = value.strip()
                elif value is not None:
                    warnings.append(f"{rel}: record {record.get('id')!r}: {DECLARED_KEY!r} should be a document id")
    except OSError as error:
        warnings.append(f"{rel}: {error.strerror or error}; its {DECLARED_KEY} declarations are not read")
    return declared


def _fill_languages_and_glosses(documents: dict[str, dict], fetch) -> None:
    """Each document read this run: its language, and its glosses when it has any."""
    dictionary = functools.cache(_dictionary)  # loaded only if some document has a parenthesis to judge

    def known(term: str, lang: str) -> bool:
        return dictionary() is not None and bool(dictionary().translate(term, lang, limit=1, floor=0.0))

    for doc_id, entry in documents.items():
        if "lang" not in entry:
            document = fetch(doc_id)
            entry["lang"] = document.info.lang if document is not None else ""
            if entry["lang"] in LANGUAGES:
                found = [list(g) for p in document.passages for g in glosses(p.text, entry["lang"], known)]
                if found:
                    entry["glosses"] = found


def _glossed(documents: dict[str, dict]) -> list[tuple[str, str]]:
    """Every gloss as an ``(English text, French text)`` pair, in document order."""
    pairs = []
    for doc_id in sorted(documents):
        entry = documents[doc_id]
        for gloss, context in entry.get("glosses", ()):
            pairs.append((context, gloss) if entry["lang"] == "en" else (gloss, context))
    return pairs


def _declared_pairs(documents: dict[str, dict], warnings: list[str]) -> list[dict]:
    pairs, taken = [], set()
    for doc_id in sorted(documents):
        entry = documents[doc_id]
        target = entry.get("declared")
        if not target:
            continue
        where = f"{entry['rel']}: {doc_id}: {DECLARED_KEY} = {target!r}"
        other = documents.get(target)
        if other is None:
            warnings.append(f"{where} names no indexed document; not paired")
        elif other.get("lang") == entry.get("lang") or entry.get("lang") not in LANGUAGES:
            warnings.append(f"{where} is in the same language; not paired")
        elif doc_id in taken or target in taken:
            warnings.append(f"{where}: one of them is already paired; not paired again")
        else:
            taken.update((doc_id, target))
            en, fr = (doc_id, target) if entry["lang"] == "en" else (target, doc_id)
            pairs.append({"en": en, "fr": fr, "how": "declared"})
    return pairs


def _found_pairs(documents: dict[str, dict], declared: list[dict], fetch, warnings: list[str]) -> list[dict]:
    taken = {doc_id for pair in declared for doc_id in (pair["en"], pair["fr"])}
    candidates = [d for d, entry in documents.items() if d not in taken and entry.get("lang") in LANGUAGES]
    if len(candidates) > MAX_PAIRING_DOCUMENTS:
        warnings.append(
            f"{len(candidates)} documents without {DECLARED_KEY}: more than {MAX_PAIRING_DOCUMENTS}, "
            f"translations are not looked for (declare them with {DECLARED_KEY})"
        )
        return []
    profiles = []
    for doc_id in candidates:
        entry = documents[doc_id]
        if "profile" not in entry:
            document = fetch(doc_id)
            if document is None:
                continue
            entry["profile"] = profile(document).to_dict()
        profiles.append(Profile.from_dict(entry["profile"]))
    found = find_pairs(profiles, _dictionary())
    return [{"en": pair.en, "fr": pair.fr, "how": "found", "score": pair.score} for pair in found]


def _dictionary():
    """The shipped dictionary lexicon, which translates a document's terms for pairing (None if absent)."""
    from indexer.crosslang.kept import loaded_lexicon

    try:
        return loaded_lexicon(SHIPPED_FILE)
    except LexiconFileError:
        return None


def _beads(english, french) -> list[list[list[str]]]:
    """The alignment of two documents as ``[[English passage ids], [French passage ids]]`` per bead."""
    if english is None or french is None:
        return []
    beads = align([unit(p.text) for p in english.passages], [unit(p.text) for p in french.passages])
    return [
        [[english.passages[i].passage_id for i in bead.source], [french.passages[j].passage_id for j in bead.target]]
        for bead in beads
    ]


def _links(pairs: list[dict], documents: dict[str, dict]) -> dict:
    """``{doc_id: {passage_id: [doc_id, passage_id, lang]}}``: each passage's first counterpart."""
    links: dict[str, dict[str, list[str]]] = {}
    for pair in pairs:
        for side, other in (("en", "fr"), ("fr", "en")):
            own = links.setdefault(pair[side], {})
            for bead in pair["beads"]:
                mine, theirs = (bead[0], bead[1]) if side == "en" else (bead[1], bead[0])
                if theirs:
                    for passage_id in mine:
                        own[passage_id] = [pair[other], theirs[0], other]
    return links


def _fingerprint(pairs: list[dict], glossed: list[tuple[str, str]]) -> str:
    digest = hashlib.sha256()
    for pair in sorted(pairs, key=lambda p: (p["en"], p["fr"])):
        digest.update(json.dumps([pair["en"], pair["fr"], pair["key"]]).encode())
    digest.update(json.dumps(glossed).encode())
    return digest.hexdigest()


def _learn(pairs: list[dict], glossed: list[tuple[str, str]], fetch, path: Path) -> list[str]:
    """Learn the collection's lexicon from the aligned passages of its pairs and its glosses (or
    drop it when it has neither)."""
    from indexer.crosslang.learn import learn_from_texts

    texts = []
    for pair in pairs:
        english, french = fetch(pair["en"]), fetch(pair["fr"])
        if english is None or french is None:
            continue
        en_text = {p.passage_id: p.text for p in english.passages}
        fr_text = {p.passage_id: p.text for p in french.passages}
        for en_ids, fr_ids in pair["beads"]:
            if en_ids and fr_ids:
                texts.append((" ".join(en_text[i] for i in en_ids), " ".join(fr_text[i] for i in fr_ids)))
        if len(texts) >= MAX_LEARNING_PAIRS:
            break
    texts = texts[:MAX_LEARNING_PAIRS] + glossed[:MAX_LEARNING_PAIRS]
    if not texts:
        path.unlink(missing_ok=True)
        return []
    lexicon = learn_from_texts(texts, iterations=LEARNING_ITERATIONS)
    lexicon.meta["source"] = "the collection's aligned passages and glossed terms"
    path.parent.mkdir(parents=True, exist_ok=True)
    lexicon.save(path)
    return []


_links_cache: dict[Path, tuple[tuple, dict]] = {}
_links_lock = threading.Lock()


def translation_links(generation_path: Path) -> dict:
    """The generation's ``links.json`` (empty when none), read again only when the file changed."""
    path = Path(generation_path) / PARALLEL_DIR / LINKS_FILE
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return {}
    stamp = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
    with _links_lock:
        cached = _links_cache.get(path)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    links = _read_json(path) or {}
    with _links_lock:
        _links_cache[path] = (stamp, links)
        while len(_links_cache) > 4:
            del _links_cache[next(iter(_links_cache))]
    return links


def parallel_state(generation_path: Path) -> dict:
    """What the last run stored (documents, pairs), for tools and measurements."""
    return _read_json(Path(generation_path) / PARALLEL_DIR / STATE_FILE) or {}


def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _write_json(path: Path, data) -> None:
    write_atomically(path, json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
