"""The second ranking stage: where the query's words stand in a passage.

The first stage (BM25F) sees a passage as a bag of words. Among the passages it ranks best,
two things it cannot see tell the one that answers from the one that merely shares words;
both were chosen, and their constants set, on the training half of the open query sets
(docs/relevance.md):

- **proximity**: the query's words close together, as typed. Each adjacent pair of query
  words is scored as in BM25TP (Rasolofo and Savoy, 2003): every occurrence of the first word
  with the second within ``WINDOW`` terms adds 1 / distance², the sum is saturated like a term
  frequency and weighted by the commoner word's idf (the smaller). Stop words are not terms, so
  "management of property" and "management of all property" are at distance 1 and 2.
- **early mention**: a passage that names a query word in its first lines is about it. Each
  word found adds its idf / (1 + first position / ``EARLY_SCALE``).

- **low content**: a passage of a few words that neither holds a query word nor names an
  entry the query's words describe (a list lead-in, "The project has three specific
  objectives:", or an amount, "€20.15m (European Union)") matched only through its heading, which
  every passage of its section shares; its score is multiplied by ``LOW_CONTENT_FACTOR``.

These only change the scores of the ``DEPTH`` best passages, which stay above the rest, so the
order below them, and every passage's place among them, stays consistent from page to page.
Pure functions over analysed terms: a backend hands in each passage's terms (as stored at
indexing, space-separated) and each query term's idf.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from collections.abc import Collection
from collections.abc import Sequence

DEPTH = 50  # first-stage passages re-scored (20 lost 0.015 MRR@10 on long French pages, 100 gained nothing)
WINDOW = 8  # terms (stop words not counted) within which two query words count as near
PAIR_SATURATION = 1.2  # k of the BM25-like saturation of a pair's proximity sum
PROXIMITY_WEIGHT = 0.75
EARLY_WEIGHT = 0.6
EARLY_SCALE = 20.0  # terms: a word first seen here counts half as much as the first term
LOW_CONTENT_TERMS = 6  # a passage with fewer index terms than this is low in content
LOW_CONTENT_FACTOR = 0.5


Slot = dict[str, float]  # a query word in one language: index term -> weight (1 for the word itself)


class PassageScorer:
    """What the second stage adds to a passage's score, for one query in one language.

    :param slots: the query's words in order, each as {index term: weight}.
    :param idf: the idf of an index term in this language's passages.
    :param terms: every index term the query searches (its words, their equivalents and translations).
    :param phrases: the term sequences it searches as phrases.
    """

    def __init__(
        self,
        slots: Sequence[Slot],
        idf: Callable[[str], float],
        terms: Collection[str] = (),
        phrases: Collection[tuple[str, ...]] = (),
    ):
        self.slots = list(slots)
        self.terms = frozenset(terms)
        self.phrases = tuple(phrases)
        # per slot: (" term ", weight x the slot's idf) of each of its terms, looked for with str.find
        shared = [_shared_idf(slot, idf) for slot in self.slots]
        self._needles = [
            [(f" {term} ", weight * word_idf) for term, weight in slot.items()]
            for slot, word_idf in zip(self.slots, shared, strict=True)
        ]
        self.pairs = [
            (a, a + 1) for a in range(len(self.slots) - 1) if self.slots[a].keys() != self.slots[a + 1].keys()
        ]

    def __bool__(self) -> bool:
        return bool(self.slots)

    def rescore(self, score: float, terms: str, named_terms: str = "") -> float:
        """A first-stage ``score`` re-scored: plus ``bonus``, times ``LOW_CONTENT_FACTOR`` for a low-content passage.

        :param terms: the passage's terms, space-separated, in order.
        :param named_terms: the terms of the names of the entries the passage names, space-separated.
        """
        score += self.bonus(terms)
        if terms.count(" ") + 1 < LOW_CONTENT_TERMS and not self._holds_query(terms, named_terms):
            score *= LOW_CONTENT_FACTOR
        return score

    def _holds_query(self, terms: str, named_terms: str) -> bool:
        """True when the passage's terms hold a query term or phrase, or the names it names hold one."""
        padded = f" {terms} "
        if any(f" {term} " in padded for term in self.terms):
            return True
        if any(f" {' '.join(phrase)} " in padded for phrase in self.phrases):
            return True
        named = set(named_terms.split())
        return bool(named) and (bool(named & self.terms) or any(named.issuperset(p) for p in self.phrases))

    def bonus(self, terms: str) -> float:
        """Proximity and early mention of the query's words in a passage's terms (space-separated, in order)."""
        padded = f" {terms} "
        positions: list[list[int]] = []
        strength = []  # per slot: the best weight x idf of its terms present
        early = 0.0
        for needles in self._needles:
            found, best, earliest = [], 0.0, 0.0
            for needle, value in needles:
                at = _positions(padded, needle)
                if at:
                    found += at
                    best = max(best, value)
                    earliest = max(earliest, value / (1 + at[0] / EARLY_SCALE))
            positions.append(sorted(found) if len(needles) > 1 else found)
            strength.append(best)
            early += earliest
        score = EARLY_WEIGHT * early
        for a, b in self.pairs:
            if positions[a] and positions[b]:
                near = _nearness(positions[a], positions[b])
                if near:
                    saturated = near * (PAIR_SATURATION + 1) / (near + PAIR_SATURATION)
                    score += PROXIMITY_WEIGHT * min(strength[a], strength[b]) * saturated
        return score


def _shared_idf(slot: Slot, idf: Callable[[str], float]) -> float:
    """A word's idf: its terms' (its own, its translations') averaged by their weights, as the first
    stage scores translations as one term: a rare, unlikely translation is not a rare word."""
    total = sum(slot.values())
    return sum(weight * idf(term) for term, weight in slot.items()) / total if total else 0.0


def _positions(padded: str, needle: str) -> list[int]:
    """Where `` term `` stands in `` t0 t1 t2 `` (term positions, not characters): str.find and count run in C."""
    found, position, counted = [], 0, 0
    at = padded.find(needle)
    while at >= 0:
        position += padded.count(" ", counted, at)
        counted = at
        found.append(position)
        at = padded.find(needle, at + 1)
    return found


def _nearness(first: list[int], second: list[int]) -> float:
    """Sum over the occurrences of one word of 1 / d², d the distance to the nearest other (≤ WINDOW)."""
    total = 0.0
    for position in first:
        at = bisect_left(second, position)
        distance = min(
            (abs(second[i] - position) for i in (at - 1, at) if 0 <= i < len(second) and second[i] != position),
            default=0,
        )
        if 0 < distance <= WINDOW:
            total += 1.0 / distance**2
    return total
