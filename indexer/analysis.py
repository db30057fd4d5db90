"""Per-language analysis: text -> index terms, described as data and run as one memoised pass.

The description (``LANGUAGE_SPECS``) is what a second backend would translate into its own
analyzer settings (OpenSearch has elision, stop, asciifolding and snowball filters); the
Whoosh backend wraps ``analyze_with_offsets`` in its schema's analyzers
(``indexer.engine.whoosh.analyzers``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from itertools import accumulate

import snowballstemmer

from indexer.folding import fold
from indexer.stopwords import SNOWBALL_STOPWORDS

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
    return frozenset(fold(word) for word in (*SNOWBALL_STOPWORDS[code], *extra))


LANGUAGE_SPECS = {
    "en": LanguageSpec("en", "english", _stops("en", ENGLISH_EXTRA_STOPS), strip_possessive=True),
    "fr": LanguageSpec("fr", "french", _stops("fr", FRENCH_EXTRA_STOPS + FRENCH_ELISIONS), elisions=FRENCH_ELISIONS),
}
ALL_STOPWORDS = frozenset().union(*(spec.stopwords for spec in LANGUAGE_SPECS.values()))


WORDS = "words"  # the unstemmed vocabulary behind "did you mean": folded, elided, no stop list
_TOKENS = re.compile(TOKEN_PATTERN)
_SPLIT = re.compile(f"({TOKEN_PATTERN})")
_MEMO_LIMIT = 500_000  # distinct raw tokens remembered per kind, both generations; a corpus's vocabulary fits


def limit_memo(tokens: int) -> None:
    """Remember at most ``tokens`` raw tokens per kind from now on, in this process.

    A search server analyses the text of every passage it highlights and every word typed, random
    ones included, so over days its memo would grow towards a whole corpus's vocabulary and beyond:
    a small one, full within minutes, keeps its memory flat.
    """
    global _MEMO_LIMIT
    _MEMO_LIMIT = tokens
    for kind in LANGUAGE_SPECS.keys() | {WORDS}:
        table = _table(kind)
        if len(table.memo) + len(table.older) > tokens:
            table.memo, table.older = {}, {}


class _TermTable:
    """Raw token -> (term or None for a stop word, start shift, end shift), memoised.

    One lookup replaces the folding, elision, possessive, stop-word and stemming steps for
    every repeated token: words follow Zipf's law, so most tokens of a text are repeats.
    """

    def __init__(self, kind: str):
        spec = LANGUAGE_SPECS.get(kind)
        self.stopwords = spec.stopwords if spec else frozenset()
        elisions = spec.elisions if spec else FRENCH_ELISIONS
        self.strip_possessive = spec.strip_possessive if spec else True
        alternatives = "|".join(sorted(elisions, key=len, reverse=True))
        self.elision = re.compile(rf"^(?:{alternatives})'(?=\w)") if elisions else None
        self.stem = snowballstemmer.stemmer(spec.stemmer).stemWord if spec else None
        # Two generations: when ``memo`` holds half the limit it becomes ``older``, and the tokens
        # looked up again move back to the new one. The frequent ones stay, the memory stays under
        # the limit, and no lookup meets an empty memo.
        self.memo: dict[str, tuple[str | None, int, int]] = {}
        self.older: dict[str, tuple[str | None, int, int]] = {}

    def __call__(self, raw: str) -> tuple[str | None, int, int]:
        found = self.memo.get(raw)
        if found is None:
            found = self.older.get(raw) or self._analyse(raw)
            if len(self.memo) >= _MEMO_LIMIT // 2:
                self.memo, self.older = {}, self.memo
            self.memo[raw] = found
        return found

    def _analyse(self, raw: str) -> tuple[str | None, int, int]:
        text = fold(raw)
        start_shift = end_shift = 0
        match = self.elision.match(text) if self.elision else None
        if match:
            text, start_shift = text[match.end() :], match.end()
        if self.strip_possessive and text.endswith("'s"):
            text, end_shift = text[:-2], 2
        if text in self.stopwords:
            return None, start_shift, end_shift
        return (self.stem(text) if self.stem else text), start_shift, end_shift


@cache
def _table(kind: str) -> _TermTable:
    return _TermTable(kind)


def analyze(text: str, lang: str) -> list[str]:
    """Index terms of ``text`` in ``lang``, in order (stop words removed); ``lang`` may be ``WORDS``."""
    table = _table(lang)
    known = table.memo.get  # inlined memo lookup: this loop runs for every token indexed
    terms = []
    for raw in _TOKENS.findall(text):
        term = (known(raw) or table(raw))[0]
        if term is not None:
            terms.append(term)
    return terms


def analyze_with_offsets(text: str, lang: str) -> list[tuple[str, int, int]]:
    """Index terms of ``text`` with their character spans, for highlighting."""
    table = _table(lang)
    known = table.memo.get
    found = []
    for match in _TOKENS.finditer(text):
        raw = match.group()
        term, start_shift, end_shift = known(raw) or table(raw)
        if term is not None:
            found.append((term, match.start() + start_shift, match.end() - end_shift))
    return found


def spans_of(text: str, lang: str, wanted: set[str]) -> list[tuple[int, int]]:
    """Character spans of the words of ``text`` whose index term is in ``wanted`` (for highlighting).

    Runs for every hit shown: the tokens and their offsets come from one ``re.split`` and a
    running sum of lengths, the marked ones from ``list.index`` (all in C), and only the
    distinct tokens are looked up.
    """
    table = _table(lang)
    parts = _SPLIT.split(text)  # [gap, token, gap, token, ..., gap]
    tokens = parts[1::2]
    known = table.memo.get
    marked = {raw for raw in set(tokens) if (known(raw) or table(raw))[0] in wanted}
    if not marked:
        return []
    ends = list(accumulate(map(len, parts)))
    spans = []
    for raw in marked:
        _, start_shift, end_shift = known(raw) or table(raw)  # the memo may have been cleared meanwhile
        number = tokens.index(raw)  # list.index scans in C
        while True:
            spans.append((ends[2 * number] + start_shift, ends[2 * number + 1] - end_shift))
            try:
                number = tokens.index(raw, number + 1)
            except ValueError:
                break
    return sorted(spans)


def phrase_spans(text: str, lang: str, phrases) -> list[tuple[int, int]]:
    """Character spans of each whole occurrence in ``text`` of the ``phrases`` (sequences of index terms).

    An occurrence runs from its first word's start to its last word's end; stop words between
    them are skipped, as the index skips them when it matches a phrase.
    """
    if not phrases:
        return []
    found = analyze_with_offsets(text, lang)
    terms = [term for term, _, _ in found]
    present = set(terms)
    spans = []
    for phrase in phrases:
        if not present.issuperset(phrase):
            continue
        size = len(phrase)
        for i in range(len(terms) - size + 1):
            if terms[i] == phrase[0] and tuple(terms[i : i + size]) == phrase:
                spans.append((found[i][1], found[i + size - 1][2]))
    return spans


def is_stopword(word: str) -> bool:
    """True when the folded word is a stop word of either language."""
    return fold(word) in ALL_STOPWORDS
