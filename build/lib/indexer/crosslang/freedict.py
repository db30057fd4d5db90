"""The FreeDict English-French and French-English dictionaries as a ``Lexicon``.

The Debian packages ``dict-freedict-eng-fra`` and ``dict-freedict-fra-eng`` (installed by
``.ci/install-freedict``) put dictd files in /usr/share/dictd: a ``.index`` of
``headword<TAB>offset<TAB>length`` lines (numbers in dictd's base64) and a ``.dict.dz``
(dictzip, which plain gzip reads) holding the entries. An entry looks like::

    drug /drʌg/
    1. remède
    2. drogue, stupéfiant

a headword line (with pronunciation and part of speech), then either one line of
comma-separated translations or numbered senses. Indented lines are examples or notes.

Normalisation: headwords and translations go through ``analyze`` in their languages, so entries
meet query stems. Only single words are kept, on both sides: a phrase ("faire la cour",
"give up") or a hyphenated compound would have to be searched as a phrase, and the search
uses a translation as one index term. The first sense weighs 1.0, each later one
``SENSE_DECAY`` times the previous; synonyms within a sense weigh the same.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from pathlib import Path

from indexer.analysis import TOKEN_PATTERN
from indexer.analysis import analyze
from indexer.crosslang.lexicon import Lexicon
from indexer.crosslang.lexicon import is_translatable
from indexer.errors import PasserelleError
from indexer.models import other_language

DICTD_DIR = Path("/usr/share/dictd")
DICTIONARY_NAMES = {"en": "freedict-eng-fra", "fr": "freedict-fra-eng"}  # by source language
SENSE_DECAY = 0.7  # sense 1: 1.0, sense 2: 0.7, sense 3: 0.49…
# A translation learned only from the other direction's dictionary ("douane: customs" read
# backwards as "customs: douane") is weaker evidence: the headword may be a rare sense.
INVERSE_WEIGHT = 0.5
METHOD = "freedict"

_BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_BASE64_VALUES = {char: value for value, char in enumerate(_BASE64)}
_SENSE = re.compile(r"^(\d+)\.\s+(.*)$")
_HEADWORD = re.compile(r"^(.*?)\s*(?:/[^/]*/)?\s*(?:<[^>]*>)?\s*$")
_BRACKETED = re.compile(r"\([^)]*\)|\[[^\]]*\]|<[^>]*>")
_WORD = re.compile(TOKEN_PATTERN)


class DictionaryNotFound(PasserelleError):
    """A FreeDict dictionary's files are not installed where they were looked for."""

    def __init__(self, path: str):
        super().__init__(
            f"FreeDict dictionary not found: {path} "
            "(install dict-freedict-eng-fra and dict-freedict-fra-eng, or run .ci/install-freedict)"
        )
        self.path = path


def read_freedict(index_path: Path, dict_path: Path) -> Iterator[tuple[str, list[list[str]]]]:
    """Each entry of a dictd dictionary as ``(headword, senses)``, in index order.

    ``senses`` lists the translations of each sense, first sense first, as written (not yet
    analysed); parenthesised and bracketed glosses ("(female) duck", "[cul] giblets") are
    removed. The dictionary's own ``00database…`` entries and entries without a translation
    are skipped.

    :raises DictionaryNotFound: when either file is missing.
    """
    index_path, dict_path = Path(index_path), Path(dict_path)
    for path in (index_path, dict_path):
        if not path.is_file():
            raise DictionaryNotFound(str(path))
    # The whole dictionary is a few hundred kB: reading it at once beats dictzip's random access.
    with gzip.open(dict_path, "rb") as handle:
        data = handle.read()
    with open(index_path, encoding="utf-8") as index:
        for line in index:
            entry = _entry(line, data)
            if entry is not None:
                yield entry


def _entry(index_line: str, data: bytes) -> tuple[str, list[list[str]]] | None:
    cells = index_line.rstrip("\n").split("\t")
    if len(cells) != 3 or cells[0].startswith("00database"):
        return None
    offset, length = decode_number(cells[1]), decode_number(cells[2])
    lines = data[offset : offset + length].decode("utf-8", errors="replace").split("\n")
    headword = _HEADWORD.match(lines[0].strip()).group(1) or cells[0]
    senses = [sense for sense in (_sense(line) for line in lines[1:]) if sense]
    return (headword, senses) if senses else None


def _sense(line: str) -> list[str]:
    """The translations on one definition line; indented lines (examples, notes) give none."""
    if not line.strip() or line[:1].isspace():
        return []
    match = _SENSE.match(line)
    text = _BRACKETED.sub(" ", match.group(2) if match else line)
    return [part.strip(" ]") for part in text.split(",") if part.strip(" ]")]


def decode_number(text: str) -> int:
    """A dictd index number: base64 digits, most significant first ("B" is 1, "BA" is 64)."""
    value = 0
    for char in text:
        value = value * 64 + _BASE64_VALUES[char]
    return value


def default_freedict_paths(directory: Path | None = None) -> dict[str, tuple[Path, Path]] | None:
    """The installed dictionaries as ``{source lang: (index, dict.dz)}``, or None when neither is there.

    :param directory: where to look [default: /usr/share/dictd].
    """
    directory = Path(directory or DICTD_DIR)
    found = {}
    for lang, name in DICTIONARY_NAMES.items():
        index_path, dict_path = directory / f"{name}.index", directory / f"{name}.dict.dz"
        if index_path.is_file() and dict_path.is_file():
            found[lang] = (index_path, dict_path)
    return found or None


def freedict_lexicon(source_lang: str, index_path: Path | None = None, dict_path: Path | None = None) -> Lexicon:
    """One dictionary (``source_lang`` to the other language) as a lexicon of index terms.

    :param source_lang: "en" reads eng-fra, "fr" reads fra-eng.
    :param index_path: the ``.index`` file [default: the installed one].
    :param dict_path: the ``.dict.dz`` file [default: the installed one].
    :raises DictionaryNotFound: when the files are missing.
    """
    name = DICTIONARY_NAMES[source_lang]
    index_path = Path(index_path or DICTD_DIR / f"{name}.index")
    dict_path = Path(dict_path or DICTD_DIR / f"{name}.dict.dz")
    target_lang = other_language(source_lang)
    table: dict[str, dict[str, float]] = {}
    surfaces: dict[str, dict[str, str]] = {source_lang: {}, target_lang: {}}  # the first word seen per stem
    for headword, senses in read_freedict(index_path, dict_path):
        source = single_term(headword, source_lang)
        if source is None:
            continue
        surfaces[source_lang].setdefault(source, headword.strip().lower())
        targets = table.setdefault(source, {})
        for rank, sense in enumerate(senses):
            for translation in sense:
                target = single_term(translation, target_lang)
                # Several headwords share a stem ("abandon", "abandonment"): keep the best rank.
                if target is not None and SENSE_DECAY**rank > targets.get(target, 0.0):
                    targets[target] = SENSE_DECAY**rank
                    surfaces[target_lang].setdefault(target, translation.strip().lower())
    entries = {term: list(targets.items()) for term, targets in table.items() if targets}
    return Lexicon({source_lang: entries}, {"method": METHOD, "dictionary": name}, surfaces)


def build_freedict_lexicon(paths: dict[str, tuple[Path, Path]] | None = None) -> Lexicon | None:
    """Both dictionaries, each also read backwards at ``INVERSE_WEIGHT``, merged; None when none is installed.

    :param paths: ``{source lang: (index, dict.dz)}`` [default: ``default_freedict_paths()``].
    """
    paths = paths if paths is not None else default_freedict_paths()
    if not paths:
        return None
    lexicons = []
    for lang, (index_path, dict_path) in sorted(paths.items()):
        forward = freedict_lexicon(lang, index_path, dict_path)
        lexicons.extend((forward, _inverse(forward, lang).scaled(INVERSE_WEIGHT)))
    merged = Lexicon.merge(*lexicons)
    names = ", ".join(DICTIONARY_NAMES[lang] for lang in sorted(paths))
    meta = {"method": METHOD, "dictionaries": names, "inverse_weight": str(INVERSE_WEIGHT)}
    return Lexicon(merged.table(), meta, merged.surfaces)


def _inverse(lexicon: Lexicon, source_lang: str) -> Lexicon:
    """The same translations read from the other side: ``a -> b (p)`` becomes ``b -> a (p)``."""
    inverse: dict[str, dict[str, float]] = {}
    for term, translations in lexicon.entries(source_lang).items():
        for translation in translations:
            targets = inverse.setdefault(translation.term, {})
            targets[term] = max(targets.get(term, 0.0), translation.prob)
    table = {term: list(targets.items()) for term, targets in inverse.items()}
    return Lexicon({other_language(source_lang): table}, {"method": METHOD}, lexicon.surfaces)


def single_term(text: str, lang: str) -> str | None:
    """The one index term of a single word, or None for phrases, affixes, stop words and identifiers."""
    text = text.strip()
    words = _WORD.findall(text)
    # The whole text must be one word: "-able", "... ago", "abat-jour" and "give up" are not.
    if len(words) != 1 or len(words[0]) != len(text):
        return None
    terms = analyze(text, lang)
    if len(terms) != 1 or not is_translatable(terms[0], lang):
        return None
    return terms[0]
