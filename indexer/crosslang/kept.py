"""Which translation lexicons an index searches with: chosen when indexing, kept in the generation.

At indexing time the lexicons come from the ``lexicons`` setting (files, comma-separated),
by default ``lexicon.tsv.gz`` in the corpus folder (what ``passerelle lexicon learn`` writes),
plus the dictionary lexicon that ships with Passerelle unless the ``dictionaries`` setting is
``off`` (``indexer/crosslang/data/``), plus the Debian FreeDict dictionaries when the
``freedict`` setting is ``on``. They are copied
into the generation (``<generation>/lexicons/``), as the glossary is, so a search needs neither
the corpus folder nor the dictionaries, and an index keeps answering as it was built.
All are optional: without any, queries are translated only by cognates.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

from indexer.atomic import write_atomically
from indexer.crosslang.lexicon import FREEDICT_FILE
from indexer.crosslang.lexicon import LEARNED_FILE
from indexer.crosslang.lexicon import Lexicon
from indexer.crosslang.lexicon import StackedLexicons
from indexer.errors import BadParameter
from indexer.errors import LexiconFileError

LEXICONS_DIR = "lexicons"
SHIPPED_FILE = Path(__file__).resolve().parent / "data" / "lexicon-dictionaries.tsv.gz"  # make lexicon
SWITCH_CHOICES = ("on", "off")
# FreeDict's weights are sense ranks (1.0 for every synonym of the first sense), not
# probabilities: scaled down, a learned translation of the domain outranks a dictionary one.
DICTIONARY_SCALE = 0.5
DICTIONARY_METHODS = ("freedict", "dictionaries")
# Learned at index time from the collection's translated documents (indexer.crosslang.parallel),
# after the settings' lexicons are copied: named to sort after theirs and before the dictionaries'.
COLLECTION_LEXICON = "50-collection.tsv.gz"


def lexicon_paths(corpus: Path, setting: str = "") -> list[Path]:
    """The lexicon files to index with: those the setting names, else the corpus folder's learned lexicon.

    :param setting: the ``lexicons`` setting, file paths separated by commas ("" for the default).
    :raises LexiconFileError: when a file the setting names does not exist.
    """
    named = [Path(part.strip()) for part in setting.split(",") if part.strip()]
    for path in named:
        if not path.is_file():
            raise LexiconFileError(str(path), "no such lexicon file (see the lexicons setting)")
    if named:
        return named
    default = Path(corpus) / LEARNED_FILE
    return [default] if default.is_file() else []


def switched_on(name: str, setting: str) -> bool:
    """An on/off setting (``freedict``, ``dictionaries``) as a boolean.

    :raises BadParameter: for a value other than on or off.
    """
    value = (setting or "off").strip().lower()
    if value not in SWITCH_CHOICES:
        raise BadParameter(name, setting, f"must be one of {', '.join(SWITCH_CHOICES)}")
    return value == "on"


def save_lexicons(
    generation_path: Path, paths: list[Path], freedict: bool = False, dictionaries: bool = True
) -> list[str]:
    """Copy the lexicon files (the shipped dictionary lexicon, the FreeDict one built if asked) into the generation.

    Each file is checked by loading it first, so a broken file never replaces a good copy.
    Returns warnings (a broken file, FreeDict asked for but not installed); the files
    concerned are left out.
    """
    folder = Path(generation_path) / LEXICONS_DIR
    warnings, keep = [], []
    for number, path in enumerate(paths):
        try:
            _loaded(path)
        except LexiconFileError as error:
            warnings.append(f"{error}; searching without it")
            continue
        keep.append((f"{number:02d}-{path.name}", path))
    if dictionaries:
        keep.append((SHIPPED_FILE.name, SHIPPED_FILE))
    staged = []
    if freedict:
        built = installed_freedict_lexicon()
        if built is None:
            warnings.append("freedict = on, but the FreeDict dictionaries are not installed (.ci/install-freedict)")
        else:
            staged.append((FREEDICT_FILE, built))
    folder.mkdir(parents=True, exist_ok=True)
    wanted = {name for name, _ in keep} | {name for name, _ in staged} | {COLLECTION_LEXICON}
    for stale in folder.iterdir():
        if stale.name not in wanted:
            stale.unlink()
    for name, path in keep:
        copy = folder / name
        if path.resolve() != copy.resolve():
            data = path.read_bytes()
            if not (copy.is_file() and copy.read_bytes() == data):  # every run keeps the 2 MB shipped copy
                write_atomically(copy, data)
    for name, lexicon in staged:
        lexicon.save(folder / name)
    return warnings


_freedict_cache: dict[tuple, Lexicon | None] = {}


def installed_freedict_lexicon() -> Lexicon | None:
    """The installed FreeDict dictionaries as a lexicon, built once per process and dictionary version."""
    from indexer.crosslang.freedict import build_freedict_lexicon
    from indexer.crosslang.freedict import default_freedict_paths

    paths = default_freedict_paths()
    if not paths:
        return None
    stamp = tuple((str(p), p.stat().st_size, p.stat().st_mtime) for pair in paths.values() for p in pair)
    if stamp not in _freedict_cache:
        _freedict_cache[stamp] = build_freedict_lexicon(paths)
    return _freedict_cache[stamp]


def load_lexicon(generation_path: Path) -> Lexicon | None:
    """The lexicons kept in a generation, combined; None when it has none (or only unreadable ones)."""
    folder = Path(generation_path) / LEXICONS_DIR
    if not folder.is_dir():
        return None
    lexicons = []
    for path in sorted(folder.iterdir()):
        try:
            lexicons.append(_loaded(path))
        except LexiconFileError:
            continue  # checked when it was copied; a damaged copy only loses its translations
    return combine(lexicons)


_loaded_cache: dict[bytes, Lexicon] = {}
_loaded_lock = threading.Lock()
LOADED_KEPT = 8  # lexicon contents a process keeps loaded (a server sees a learned lexicon replaced)


def loaded_lexicon(path: Path) -> Lexicon:
    """A lexicon file, loaded once per content and process.

    :raises LexiconFileError: when it is missing or malformed.
    """
    try:
        return _loaded(path)
    except OSError as error:
        raise LexiconFileError(str(path), error.strerror or str(error)) from None


def _loaded(path: Path) -> Lexicon:
    """``Lexicon.load``, once per content: every generation holds a copy of the shipped lexicon."""
    key = hashlib.sha1(path.read_bytes()).digest()
    with _loaded_lock:
        found = _loaded_cache.pop(key, None)
    if found is None:
        found = Lexicon.load(path)
    with _loaded_lock:
        _loaded_cache[key] = found  # the most recently used last
        while len(_loaded_cache) > LOADED_KEPT:
            del _loaded_cache[next(iter(_loaded_cache))]
    return found


def combine(lexicons: list[Lexicon]) -> Lexicon | StackedLexicons | None:
    """One lexicon from several sources; dictionary weights scaled by ``DICTIONARY_SCALE``."""
    if not lexicons:
        return None
    if len(lexicons) == 1:  # a query weighs a word's translations relative to its best: no scaling
        return lexicons[0]
    return StackedLexicons(
        [
            (lexicon, DICTIONARY_SCALE if lexicon.meta.get("method") in DICTIONARY_METHODS else 1.0)
            for lexicon in lexicons
        ]
    )


def save_configured_lexicons(corpus: Path, generation_path: Path) -> list[str]:
    """``save_lexicons`` with the files and FreeDict choice of the settings; returns warnings.

    :raises BadParameter: for a ``freedict`` setting other than on or off.
    """
    from indexer.settings import load_settings

    settings = load_settings()
    freedict = switched_on("freedict", settings["freedict"])
    dictionaries = switched_on("dictionaries", settings["dictionaries"])
    try:
        paths = lexicon_paths(corpus, settings["lexicons"])
    except LexiconFileError as error:
        return [f"{error}; searching without lexicons"] + save_lexicons(generation_path, [], freedict, dictionaries)
    return save_lexicons(generation_path, paths, freedict, dictionaries)
