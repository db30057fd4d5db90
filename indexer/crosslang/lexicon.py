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
from dataclasses import field
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
PARSED_KEPT = 4096  # entries of a lexicon read from a file kept parsed per language (see Lexicon._parsed)
PROB_DIGITS = 4

_DIGIT = re.compile(r"\d")


@dataclass(frozen=True, slots=True)
class Translation:
    """One translation of a term: an index term (stem) of the other language, its weight, and the
    method of the lexicon it came from ("dictionaries", "ibm-model1"…: what "Also searched" names)."""

    term: str
    prob: float
    source: str = field(default="", compare=False)


Table = dict[str, dict[str, list[tuple[str, float]]]]


class Lexicon:
    """Translations of index terms in both directions, looked up per query term."""

    def __init__(
        self, table: Table, meta: dict[str, str] | None = None, surfaces: dict[str, dict[str, str]] | None = None
    ):
        """Build from ``{"en": {en_stem: [(fr_stem, p), ...]}, "fr": {...}}``.

        Lists are re-sorted by probability (highest first); a missing language is an empty table.
        A pair may carry its source as a third item (merged lexicons), else it is ``meta["method"]``.

        :param meta: provenance (method, sizes...), written as comments by ``save``.
        :param surfaces: ``{lang: {stem: word}}``, how to show a stem to a reader (see ``surface``).
        """
        self.meta = dict(meta or {})
        self.surfaces: dict[str, dict[str, str]] = {lang: dict(words) for lang, words in (surfaces or {}).items()}
        self._entries: dict[str, dict[str, tuple[Translation, ...]]] = {lang: {} for lang in LANGUAGES}
        # Entries read from a file and not looked up yet, as their tab-separated cells: a lexicon
        # of 50,000 terms loads in a tenth of the time, and a search looks up a few terms.
        self._unread: dict[str, dict[str, str]] = {lang: {} for lang in LANGUAGES}
        # Entries parsed from ``_unread`` by lookups, at most ``PARSED_KEPT`` per language: kept
        # apart so that a server's memory stops growing, while ``_unread`` keeps every entry.
        self._parsed: dict[str, dict[str, tuple[Translation, ...]]] = {}
        for lang, entries in table.items():
            target = self._entries.setdefault(lang, {})
            for term, translations in entries.items():
                if translations:
                    target[term] = self._ranked(translations)

    def _ranked(self, translations) -> tuple[Translation, ...]:
        method = self.meta.get("method", "")
        ranked = sorted(translations, key=lambda pair: -pair[1])
        return tuple(Translation(pair[0], float(pair[1]), pair[2] if len(pair) > 2 else method) for pair in ranked)

    def _lookup(self, lang: str, term: str) -> tuple[Translation, ...]:
        found = self._entries.get(lang, {}).get(term)
        if found is None:
            parsed = self._parsed.setdefault(lang, {})
            found = parsed.get(term)
            if found is None:
                cells = self._unread.get(lang, {}).get(term)
                if cells is None:
                    return ()
                if len(parsed) >= PARSED_KEPT:
                    parsed.clear()
                found = parsed[term] = self._from_cells(cells)
        return found

    def _from_cells(self, cells: str) -> tuple[Translation, ...]:
        parts = cells.split("\t")
        return self._ranked([(parts[i], float(parts[i + 1])) for i in range(0, len(parts), 2)])

    def _read_all(self) -> None:
        for lang, unread in self._unread.items():
            entries = self._entries.setdefault(lang, {})
            for term, cells in unread.items():
                if term not in entries:
                    entries[term] = self._from_cells(cells)

    def __len__(self) -> int:
        """Number of source terms with at least one translation, both languages together."""
        self._read_all()
        return sum(len(entries) for entries in self._entries.values())

    def __bool__(self) -> bool:
        return any(self._entries.values()) or any(self._unread.values())

    def __repr__(self) -> str:
        self._read_all()
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
        return _best(self._lookup(source_lang, term), limit, floor)

    def surface(self, term: str, lang: str) -> str:
        """A word to show for an index term of ``lang``: its most frequent form when known, else the stem."""
        return self.surfaces.get(lang, {}).get(term, term)

    def entries(self, lang: str) -> dict[str, tuple[Translation, ...]]:
        """Every source term of ``lang`` and its translations (read-only view, for tools and tests)."""
        self._read_all()
        return self._entries.get(lang, {})

    def table(self) -> Table:
        """The plain table the constructor takes, for merging and rewriting."""
        self._read_all()
        return {
            lang: {term: [(t.term, t.prob) for t in translations] for term, translations in entries.items()}
            for lang, entries in self._entries.items()
        }

    def scaled(self, factor: float) -> Lexicon:
        """The same translations with every probability multiplied by ``factor`` (to weigh a source)."""
        self._read_all()
        table = {
            lang: {
                term: [(t.term, t.prob * factor, t.source) for t in translations]
                for term, translations in entries.items()
            }
            for lang, entries in self._entries.items()
        }
        return Lexicon(table, {**self.meta, "scaled": str(factor)}, self.surfaces)

    @classmethod
    def merge(cls, *lexicons: Lexicon) -> Lexicon:
        """One lexicon holding every translation of every input; a pair found twice keeps its highest probability."""
        best: dict[str, dict[str, dict[str, Translation]]] = {}
        for lexicon in lexicons:
            lexicon._read_all()
            for lang, entries in lexicon._entries.items():
                by_term = best.setdefault(lang, {})
                for term, translations in entries.items():
                    targets = by_term.setdefault(term, {})
                    for t in translations:
                        if t.term not in targets or t.prob > targets[t.term].prob:
                            targets[t.term] = t
        table = {
            lang: {term: [(t.term, t.prob, t.source) for t in targets.values()] for term, targets in by_term.items()}
            for lang, by_term in best.items()
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
        self._read_all()
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
        unread: dict[str, dict[str, str]] = {lang: {} for lang in LANGUAGES}
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
                lang, term, translations = _checked_line(line, where, number)
                unread.setdefault(lang, {})[term] = translations
        lexicon = cls({}, meta, surfaces)
        lexicon._unread = unread
        return lexicon


def _checked_line(line: str, where: str, number: int) -> tuple[str, str, str]:
    """(language, term, its translation cells), after checking the line's shape and numbers."""
    lang, term, translations = (line.split("\t", 2) + ["", ""])[:3]
    cells = translations.split("\t")
    if not translations or len(cells) % 2:
        raise LexiconFileError(where, f"line {number}: expected lang, term, then term/probability pairs")
    try:
        for prob in cells[1::2]:
            float(prob)
    except ValueError:
        raise LexiconFileError(where, f"line {number}: a probability is not a number") from None
    return lang, term, translations


class StackedLexicons:
    """Several lexicons searched as one, each probability times its lexicon's scale; a pair found
    in several keeps its highest. Merged per looked-up term: merging two whole lexicons of 50,000
    terms took seconds, which every search process paid again whenever any setting changed."""

    def __init__(self, layers: list[tuple[Lexicon, float]]):
        self.layers = list(layers)

    def translate(
        self, term: str, source_lang: str, limit: int = DEFAULT_LIMIT, floor: float = DEFAULT_FLOOR
    ) -> list[Translation]:
        """As ``Lexicon.translate``, over every layer."""
        if limit <= 0 or not is_translatable(term, source_lang):
            return []
        best: dict[str, Translation] = {}
        for lexicon, scale in self.layers:
            for t in lexicon._lookup(source_lang, term):
                if t.term not in best or t.prob * scale > best[t.term].prob:
                    best[t.term] = Translation(t.term, t.prob * scale, t.source)
        return _best(sorted(best.values(), key=lambda t: -t.prob), limit, floor)

    def surface(self, term: str, lang: str) -> str:
        """The first layer's word for the term."""
        for lexicon, _ in self.layers:
            if term in lexicon.surfaces.get(lang, {}):
                return lexicon.surfaces[lang][term]
        return term


def _best(ranked, limit: int, floor: float) -> list[Translation]:
    kept = []
    for translation in ranked:
        if translation.prob < floor or len(kept) == limit:
            break
        kept.append(translation)
    return kept


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
