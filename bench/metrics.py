"""Ranking metrics at a cut-off: nDCG, MRR and recall, with binary relevance. Pure functions.

Conventions, shared by every function here:

- ``ranked`` is the list of result ids, best first, as a system returned them; only the first
  ``k`` count.
- An id that comes back a second time (two passages of one relevant document) is counted at its
  first rank only; the repeat still takes its slot, as it does on the result page.
- A query with no relevant id has no score: the functions return ``None`` and ``mean`` leaves
  it out of the average, since no ranking could be good or bad for it.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from collections.abc import Iterable
from collections.abc import Sequence

K = 10


def gains(ranked: Sequence, relevant: Collection, k: int = K) -> list[int]:
    """1 for each of the top ``k`` ranks holding a relevant id seen for the first time, else 0."""
    seen = set()
    out = []
    for item in ranked[:k]:
        out.append(1 if item in relevant and item not in seen else 0)
        seen.add(item)
    return out


def reciprocal_rank(ranked: Sequence, relevant: Collection, k: int = K) -> float | None:
    """1 / rank of the first relevant id in the top ``k``; 0.0 when there is none there."""
    if not relevant:
        return None
    for rank, gain in enumerate(gains(ranked, relevant, k), start=1):
        if gain:
            return 1.0 / rank
    return 0.0


def ndcg(ranked: Sequence, relevant: Collection, k: int = K) -> float | None:
    """Normalised discounted cumulative gain: DCG of the top ``k`` over the DCG of a perfect ranking.

    DCG = sum over ranks r of gain(r) / log2(r + 1); a perfect ranking puts all
    ``min(len(relevant), k)`` relevant ids first.
    """
    if not relevant:
        return None
    dcg = sum(gain / math.log2(rank + 1) for rank, gain in enumerate(gains(ranked, relevant, k), start=1))
    ideal = sum(1 / math.log2(rank + 1) for rank in range(1, min(len(relevant), k) + 1))
    return dcg / ideal


def recall(ranked: Sequence, relevant: Collection, k: int = K) -> float | None:
    """Share of the relevant ids found in the top ``k`` (at most k / len(relevant) when many are relevant)."""
    if not relevant:
        return None
    return sum(gains(ranked, relevant, k)) / len(relevant)


METRICS = {"ndcg": ndcg, "mrr": reciprocal_rank, "recall": recall}
LABELS = {"ndcg": f"nDCG@{K}", "mrr": f"MRR@{K}", "recall": f"Recall@{K}"}


def score(ranked: Sequence, relevant: Collection, k: int = K) -> dict[str, float] | None:
    """Every metric of one query, keyed as in ``METRICS``; None for a query with nothing relevant."""
    if not relevant:
        return None
    return {name: metric(ranked, relevant, k) for name, metric in METRICS.items()}


def mean(values: Iterable[float | None]) -> float | None:
    """Average of the values that are not None; None when there are none."""
    kept = [value for value in values if value is not None]
    return sum(kept) / len(kept) if kept else None
