"""Passages of a document and of its translation, aligned: which passage renders which.

The method is Gale and Church's length-based alignment (1993) with anchors: a dynamic
programme over the two passage sequences, in order, whose steps ("beads") are 1-1, 1-0, 0-1,
2-1 and 1-2. A bead costs

- ``-log P(bead kind)`` (Gale and Church's priors: most passages are translated one for one),
- ``-log P(length match)``: the target's characters against the source's times the document
  pair's own ratio, as a normal deviate with Gale and Church's variance per character,
- ``ANCHOR_WEIGHT`` times the share of anchors (numbers, names: tokens written the same in both
  languages) that only one side of the bead has.

The anchors keep the path on track where lengths alone are ambiguous (lists of short items,
a paragraph split in two). The programme only looks within a band around the diagonal, wide
enough for the documents' difference in passage count, so a long document costs linear time.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from indexer.folding import fold

# Gale and Church's estimates: P(bead kind) and the variance of target length per source character.
PRIORS = {(1, 1): 0.89, (1, 0): 0.0099 / 2, (0, 1): 0.0099 / 2, (2, 1): 0.089 / 2, (1, 2): 0.089 / 2}
VARIANCE = 6.8
ANCHOR_WEIGHT = 4.0
BAND = 12  # steps off the diagonal always searched, besides the difference in passage counts
NUMBER = re.compile(r"\d+(?:[ \u00a0\u202f]\d{3}(?!\d))*(?:[.,]\d+)*")  # French groups thousands with spaces
WORD = re.compile(r"[^\W\d_][\w-]*")
SENTENCE_END = '.!?:;«“"('


@dataclass(frozen=True)
class Unit:
    """What alignment needs of one passage: its length and its anchors."""

    length: int
    anchors: frozenset[str]


@dataclass(frozen=True)
class Bead:
    """One step of an alignment: consecutive source passages rendered by consecutive target passages."""

    source: tuple[int, ...]
    target: tuple[int, ...]


def unit(text: str) -> Unit:
    """A passage as alignment sees it."""
    return Unit(len(text), anchors(text))


def anchors(text: str) -> frozenset[str]:
    """Numbers (digits only: 1,000.5 and 1 000,5 agree) and capitalised names or acronyms of a text."""
    numbers = {re.sub(r"\D", "", match) for match in NUMBER.findall(text)}
    return frozenset(numbers | set(names(text)))


def names(text: str) -> list[str]:
    """Capitalised words not opening a sentence, and acronyms, folded: spelt alike in both languages."""
    found = []
    for match in WORD.finditer(text):
        word = match.group()
        if not word[0].isupper() or len(word) < 2:
            continue
        before = text[: match.start()].rstrip()
        if sum(c.isupper() for c in word) > 1 or (before and before[-1] not in SENTENCE_END):
            found.append(fold(word))
    return found


def align(source: Sequence[Unit], target: Sequence[Unit]) -> list[Bead]:
    """The cheapest sequence of beads covering both passage lists, in order."""
    n, m = len(source), len(target)
    if not n or not m:
        return [Bead((i,), ()) for i in range(n)] + [Bead((), (j,)) for j in range(m)]
    ratio = sum(u.length for u in target) / max(1, sum(u.length for u in source))
    band = BAND + abs(n - m)
    infinity = float("inf")
    cost: dict[tuple[int, int], float] = {(0, 0): 0.0}
    back: dict[tuple[int, int], tuple[int, int]] = {}
    for i in range(n + 1):
        centre = i * m / n
        for j in range(max(0, int(centre) - band), min(m, int(centre) + band) + 1):
            if i == 0 and j == 0:
                continue
            best, step = infinity, None
            for (di, dj), prior in PRIORS.items():
                previous = cost.get((i - di, j - dj))
                if previous is None:
                    continue
                total = previous + _bead_cost(source[i - di : i], target[j - dj : j], ratio, prior)
                if total < best:
                    best, step = total, (di, dj)
            if step is not None:
                cost[(i, j)] = best
                back[(i, j)] = step
    beads = []
    i, j = n, m
    while (i, j) != (0, 0):
        di, dj = back[(i, j)]
        beads.append(Bead(tuple(range(i - di, i)), tuple(range(j - dj, j))))
        i, j = i - di, j - dj
    beads.reverse()
    return beads


def _bead_cost(source: Sequence[Unit], target: Sequence[Unit], ratio: float, prior: float) -> float:
    source_length = sum(u.length for u in source)
    target_length = sum(u.length for u in target)
    cost = -math.log(prior) + _length_cost(source_length, target_length, ratio)
    if source and target:
        left = frozenset().union(*(u.anchors for u in source))
        right = frozenset().union(*(u.anchors for u in target))
        if left or right:
            cost += ANCHOR_WEIGHT * len(left ^ right) / len(left | right)
    return cost


def _length_cost(source_length: int, target_length: int, ratio: float) -> float:
    """``-log`` of the two-sided probability of a length difference at least this large."""
    mean = (source_length + target_length / ratio) / 2
    if mean == 0:
        return 0.0
    delta = (target_length - source_length * ratio) / math.sqrt(mean * VARIANCE)
    probability = math.erfc(abs(delta) / math.sqrt(2))
    return -math.log(max(probability, 1e-300))
