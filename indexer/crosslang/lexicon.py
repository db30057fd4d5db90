"""Word translations between English and French index terms, for cross-language queries.

A ``Lexicon`` maps an index term (a stem, as ``indexer.analysis.analyze`` gives it) of one
language to weighted index terms of the other. Two sources fill it: the FreeDict dictionaries
(``indexer.crosslang.freedict``) and translation probabilities learned from aligned passages
(``indexer.crosslang.learn``). Both are optional at run time, so a lexicon is loaded once per
process and every lookup is a dict lookup on that preloaded table.

File format (``save``/``load``): gzip-compressed UTF-8 text, one source term per line::

    # passerelle-lexicon 1
    # key: value                      (provenance: method, pairs, vocabulary sizes...)
    en<TAB>custom<TAB>douan<TAB>0.8312<TAB>droit<TAB>0.0511
    fr<TAB>douan<TAB>custom<TAB>0.9120
    @fr<TAB>douan<TAB>douane          (optional: the word a stem is shown as, its most frequent form)

Translations on a line are sorted by probability, highest first.
"""

from __future__ import annotations

import gzip
import io
import re
from dataclasses import dataclass
from pathlib import Path

from indexer.analysis import LANGUAGE_SPECS
from indexer.atomic import write_atomically
from indexer.errors import LexiconFileError
from indexer.models import LANGUAGES

FORMAT_HEADER = "# passerelle-lexicon 1"
LEARNED_FILE = "lexicon.tsv.gz"  # default name in the corpus folder, beside glossary.toml
FREEDICT_FILE = "lexicon-freedict.tsv.gz"
# Defaults of ``translate`` for tools; query translation passes its own (``indexer.crosslang.expansion``).
DEFAULT_LIMIT = 3
DEFAULT_FLOOR = 0.1
PROB_DIGITS = 4

_DIGIT = re.compile(r"\d")


@dataclass(frozen=True, slots=True)
class Translation:
    """One translation of a term: an index term (stem) of the other language and its weight."""

    term: str
    prob: float


Table = dict[str, dict[str, list[tuple[str, float]]]]


class Lexicon:
    """Translations of index terms in both directions, looked up per query term."""

    def __init__(
        self, table: Table, meta: dict[str, str] | None = None, surfaces: dict[str, dict[str, str]] | None = None
    ):
        """Build from ``{"en": {en_stem: [(fr_stem, p), ...]}, "fr": {...}}``.

        Lists are re-sorted by probability (highest first); a missing language is an empty table.

        :param meta: provenance (method, sizes...), written as comments by ``save``.
        :param surfaces: ``{lang: {stem: word}}``, how to show a stem to a reader (see ``surface``).
        """
        self.meta = dict(meta or {})
        self.surfaces: dict[str, dict[str, str]] = {lang: dict(words) for lang, words in (surfaces or {}).items()}
        self._entries: dict[str, dict[str, tuple[Translation, ...]]] = {lang: {} for lang in LANGUAGES}
        for lang, entries in table.items():
            target = self._entries.setdefault(lang, {})
            for term, translations in entries.items():
                ranked = sorted(translations, key=lambda pair: -pair[1])
                if ranked:
                    target[term] = tuple(Translation(other, float(prob)) for other, prob in ranked)

    def __len__(self) -> int:
        """Number of source terms with at least one translation, both languages together."""
        return sum(len(entries) for entries in self._entries.values())

    def __repr__(self) -> str:
        sizes = ", ".join(f"{lang}={len(entries)}" for lang, entries in self._entries.items())
        return f"Lexicon({sizes})"

    def translate(
        self, term: str, source_lang: str, limit: int = DEFAULT_LIMIT, floor: float = DEFAULT_FLOOR
    ) -> list[Translation]:
        """The best translations of one index term into the other language, best first.

        Stop words, numbers and identifiers are never translated (see ``is_translatable``).

        :param term: an index term of ``source_lang``, as ``analyze`` gives it.
        :param limit: at most this many translations.
        :param floor: only translations with at least this probability.
        """
        if limit <= 0 or not is_translatable(term, source_lang):
            return []
        kept = []
        for translation in self._entries.get(source_lang, {}).get(term, ()):
            if translation.prob < floor or len(kept) == limit:
                break
            kept.append(translation)
        return kept

    def surface(self, term: str, lang: str) -> str:
        """A word to show for an index term of ``lang``: its most frequent form when known, else the stem."""
        return self.surfaces.get(lang, {}).get(term, term)

    def entries(self, lang: str) -> dict[str, tuple[Translation, ...]]:
        """Every source term of ``lang`` and its translations (read-only view, for tools and tests)."""
        return self._entries.get(lang, {})

    def table(self) -> Table:
        """The plain table the constructor takes, for merging and rewriting."""
        return {
            lang: {term: [(t.term, t.prob) for t in translations] for term, translations in entries.items()}
            for lang, entries in self._entries.items()
        }

    def scaled(self, factor: float) -> Lexicon:
        """The same translations with every probability multiplied by ``factor`` (to weigh a source)."""
        table = {
            lang: {term: [(t.term, t.prob * factor) for t in translations] for term, translations in entries.items()}
            for lang, entries in self._entries.items()
        }
        return Lexicon(table, {**self.meta, "scaled": str(factor)}, self.surfaces)

    @classmethod
    def merge(cls, *lexicons: Lexicon) -> Lexicon:
        """One lexicon holding every translation of every input; a pair found twice keeps its highest probability."""
        best: dict[str, dict[str, dict[str, float]]] = {}
        for lexicon in lexicons:
            for lang, entries in lexicon._entries.items():
                by_term = best.setdefault(lang, {})
                for term, translations in entries.items():
                    targets = by_term.setdefault(term, {})
                    for t in translations:
                        if t.prob > targets.get(t.term, -1.0):
                            targets[t.term] = t.prob
        table = {
            lang: {term: list(targets.items()) for term, targets in by_term.items()} for lang, by_term in best.items()
        }
        surfaces: dict[str, dict[str, str]] = {}
        for lexicon in reversed(lexicons):  # the first lexicon's surface form of a stem wins
            for lang, words in lexicon.surfaces.items():
                surfaces.setdefault(lang, {}).update(words)
        sources = [lexicon.meta.get("method", "?") for lexicon in lexicons]
        return cls(table, {"method": "merge", "sources": " + ".join(sources)}, surfaces)

    def save(self, path: Path) -> None:
        """Write the lexicon as gzip-compressed tab-separated lines (see the module docstring)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        # No name or time in the gzip header: the same lexicon gives the same bytes wherever it is saved.
        raw = io.BytesIO()
        with gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as zipped:
            zipped.write(self._text().encode("utf-8"))
        write_atomically(path, raw.getvalue())

    def _text(self) -> str:
        lines = [FORMAT_HEADER]
        lines.extend(f"# {key}: {value}" for key, value in sorted(self.meta.items()))
        for lang in sorted(self._entries):
            for term in sorted(self._entries[lang]):
                cells = [lang, term]
                for t in self._entries[lang][term]:
                    cells.extend((t.term, f"{t.prob:.{PROB_DIGITS}g}"))
                lines.append("\t".join(cells))
        for lang in sorted(self.surfaces):
            lines.extend(f"@{lang}\t{term}\t{word}" for term, word in sorted(self.surfaces[lang].items()))
        return "\n".join(lines) + "\n"

    @classmethod
    def load(cls, path: Path) -> Lexicon:
        """Read a lexicon written by ``save``.

        :raises LexiconFileError: when the file is missing, not gzip, or has a malformed line.
        """
        path = Path(path)
        try:
            with gzip.open(path, "rt", encoding="utf-8") as handle:
                text = handle.read()
        except (OSError, EOFError, UnicodeDecodeError) as error:
            raise LexiconFileError(str(path), f"cannot read lexicon: {error}") from None
        return cls._parse(text, str(path))

    @classmethod
    def _parse(cls, text: str, where: str) -> Lexicon:
        lines = text.splitlines()
        if not lines or lines[0] != FORMAT_HEADER:
            raise LexiconFileError(where, f"not a lexicon file (first line should be {FORMAT_HEADER!r})")
        meta: dict[str, str] = {}
        table: Table = {lang: {} for lang in LANGUAGES}
        surfaces: dict[str, dict[str, str]] = {}
        for number, line in enumerate(lines[1:], start=2):
            if line.startswith("#"):
                key, _, value = line[1:].partition(":")
                meta[key.strip()] = value.strip()
            elif line.startswith("@"):
                cells = line[1:].split("\t")
                if len(cells) != 3:
                    raise LexiconFileError(where, f"line {number}: expected @lang, term, then the word shown for it")
                surfaces.setdefault(cells[0], {})[cells[1]] = cells[2]
            elif line:
                lang, term, translations = _parse_line(line, where, number)
                table.setdefault(lang, {})[term] = translations
        return cls(table, meta, surfaces)


def _parse_line(line: str, where: str, number: int) -> tuple[str, str, list[tuple[str, float]]]:
    cells = line.split("\t")
    if len(cells) < 4 or len(cells) % 2:
        raise LexiconFileError(where, f"line {number}: expected lang, term, then term/probability pairs")
    try:
        translations = [(cells[i], float(cells[i + 1])) for i in range(2, len(cells), 2)]
    except ValueError:
        raise LexiconFileError(where, f"line {number}: a probability is not a number") from None
    return cells[0], cells[1], translations


def is_translatable(term: str, lang: str) -> bool:
    """False for what a query must keep as typed: stop words, numbers and identifiers.

    An identifier is any term with a digit ("s.83", "c46", "2002") or of one or two characters.
    Stop words are those of ``lang`` only: a stem of one language often spells a stop word of
    the other (French "note" stems to "not"), and that must not block its translation.
    """
    if len(term) <= 2 or _DIGIT.search(term):
        return False
    spec = LANGUAGE_SPECS.get(lang)
    return spec is None or term not in spec.stopwords
