"""Per-language analysis: text -> index terms, described as data and built as Whoosh filter chains.

The description (``LANGUAGE_SPECS``) is what a second backend would translate into its own
analyzer settings (OpenSearch has elision, stop, asciifolding and snowball filters).
Only the Whoosh backend imports this module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer
from whoosh.analysis import Filter
from whoosh.analysis import RegexTokenizer
from whoosh.analysis import StopFilter
from whoosh.lang.stopwords import stoplists

from indexer.folding import fold

# Words with inner apostrophes or dots stay one token ("aujourd'hui", "l’union", "u.s") so the
# elision and possessive filters can see them; "/" and "-" split ("AML/CFT" -> aml, cft).
TOKEN_PATTERN = r"\w+(?:[.'’]\w+)*"

FRENCH_ELISIONS = ("l", "d", "j", "n", "s", "c", "m", "t", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu")
FRENCH_EXTRA_STOPS = ("les", "cette", "cet", "aussi", "ainsi", "dont", "entre", "tout", "tous", "toutes", "plus")
ENGLISH_EXTRA_STOPS = ("its", "their", "which", "been", "has", "was", "were", "also", "such", "than")


@dataclass(frozen=True)
class LanguageSpec:
    """How one language's text becomes index terms."""

    code: str
    stemmer: str  # Snowball algorithm name
    stopwords: frozenset[str]  # folded
    elisions: tuple[str, ...] = ()
    strip_possessive: bool = False


def _stops(code: str, extra: tuple[str, ...]) -> frozenset[str]:
    return frozenset(fold(word) for word in (*stoplists[code], *extra))


LANGUAGE_SPECS = {
    "en": LanguageSpec("en", "english", _stops("en", ENGLISH_EXTRA_STOPS), strip_possessive=True),
    "fr": LanguageSpec("fr", "french", _stops("fr", FRENCH_EXTRA_STOPS + FRENCH_ELISIONS), elisions=FRENCH_ELISIONS),
}
ALL_STOPWORDS = frozenset().union(*(spec.stopwords for spec in LANGUAGE_SPECS.values()))


class FoldFilter(Filter):
    """Case, accent, ligature and apostrophe folding (the same ``fold`` the tagger uses)."""

    def __call__(self, tokens):
        for t in tokens:
            t.text = _fold_token(t.text)
            yield t


class ElisionFilter(Filter):
    """Drops French elided articles and pronouns: l’Union -> union, qu'il -> il."""

    def __init__(self, elisions: tuple[str, ...] = FRENCH_ELISIONS):
        self.elisions = tuple(elisions)
        alternatives = "|".join(sorted(self.elisions, key=len, reverse=True))
        self._pattern = re.compile(rf"^(?:{alternatives})'(?=\w)")

    def __call__(self, tokens):
        for t in tokens:
            match = self._pattern.match(t.text)
            if match:
                t.text = t.text[match.end():]
                if hasattr(t, "startchar"):
                    t.startchar += match.end()
            yield t


class PossessiveFilter(Filter):
    """Strips the English possessive: agency's -> agency, States’ -> states."""

    def __call__(self, tokens):
        for t in tokens:
            if t.text.endswith("'s"):
                t.text = t.text[:-2]
                if hasattr(t, "endchar"):
                    t.endchar -= 2
            yield t


class SnowballStemFilter(Filter):
    """Snowball stemming through PyStemmer, picklable (Whoosh pickles the schema into the index)."""

    def __init__(self, algorithm: str):
        self.algorithm = algorithm

    def __getstate__(self):
        return {"algorithm": self.algorithm}

    def __setstate__(self, state):
        self.algorithm = state["algorithm"]

    def __eq__(self, other):
        return type(other) is type(self) and other.algorithm == self.algorithm

    def __call__(self, tokens):
        stem = _stemmer(self.algorithm)
        for t in tokens:
            if not t.stopped:
                t.text = stem(t.text)
            yield t


@lru_cache(maxsize=200_000)
def _fold_token(text: str) -> str:
    return fold(text)


@lru_cache(maxsize=None)
def _stemmer(algorithm: str):
    stemmer = snowballstemmer.stemmer(algorithm)
    return lru_cache(maxsize=200_000)(stemmer.stemWord)


def language_analyzer(lang: str):
    """The analyzer of one language's fields: tokens, folding, elision or possessive, stop words, stems."""
    spec = LANGUAGE_SPECS[lang]
    chain = RegexTokenizer(TOKEN_PATTERN) | FoldFilter()
    if spec.elisions:
        chain = chain | ElisionFilter(spec.elisions)
    if spec.strip_possessive:
        chain = chain | PossessiveFilter()
    return chain | StopFilter(stoplist=spec.stopwords, minsize=1) | SnowballStemFilter(spec.stemmer)


def words_analyzer():
    """Unstemmed folded words: the vocabulary behind "did you mean" suggestions."""
    return RegexTokenizer(TOKEN_PATTERN) | FoldFilter() | ElisionFilter() | PossessiveFilter()


ANALYZERS = {lang: language_analyzer(lang) for lang in LANGUAGE_SPECS}


def analyze(text: str, lang: str) -> list[str]:
    """Index terms of ``text`` in ``lang``, in order (stop words removed)."""
    return [t.text for t in ANALYZERS[lang](text)]


def analyze_with_offsets(text: str, lang: str) -> list[tuple[str, int, int]]:
    """Index terms of ``text`` with their character spans, for highlighting."""
    return [(t.text, t.startchar, t.endchar) for t in ANALYZERS[lang](text, chars=True)]


def is_stopword(word: str) -> bool:
    """True when the folded word is a stop word of either language."""
    return _fold_token(word) in ALL_STOPWORDS
