"""The indexed words near a typed one: the candidate search behind spelling suggestions.

Whoosh finds them by walking a Levenshtein automaton over its term file in Python, about
80 ms a word at distance 2 on the Canadian laws; here the vocabulary is held in memory,
grouped by first letter, and RapidFuzz's compiled Levenshtein distance filters it (under a
millisecond). Backend-free: a backend hands over its words, once per searcher, and the index
hands over the words of its glossary and taxonomy (``OpenIndex.spelling_words``), which are
known even when no passage holds them and are offered as corrections too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

SHARED_PREFIX = 1  # letters a suggestion shares with the word typed: first-letter typos are rare


class Vocabulary:
    """Indexed words, grouped by their first ``SHARED_PREFIX`` letters."""

    def __init__(self, words: Iterable[str]):
        self._by_prefix: dict[str, list[str]] = defaultdict(list)
        self._words: set[str] = set()
        for word in words:
            if word not in self._words:
                self._words.add(word)
                self._by_prefix[word[:SHARED_PREFIX]].append(word)

    def __contains__(self, word: str) -> bool:
        return word in self._words

    def within(self, word: str, distance: int) -> list[str]:
        """The other words at most ``distance`` edits from ``word`` that share its prefix."""
        choices = self._by_prefix.get(word[:SHARED_PREFIX], ())
        found = process.extract(word, choices, scorer=Levenshtein.distance, score_cutoff=distance, limit=None)
        return [candidate for candidate, _, _ in found if candidate != word]
