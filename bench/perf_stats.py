"""Latency summaries: percentiles by nearest rank, and throughput over the wall time of a run."""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(sorted_ms: Sequence[float], p: float) -> float:
    """The nearest-rank ``p``-th percentile of an ascending list (p99 of 300 values is the 297th)."""
    if not sorted_ms:
        return math.nan
    rank = max(1, math.ceil(p / 100 * len(sorted_ms)))
    return sorted_ms[rank - 1]


def summarize(latencies_ms: Sequence[float], wall_seconds: float, **extra) -> dict:
    """p50/p95/p99/mean/max in milliseconds and requests per second (count over wall time)."""
    ordered = sorted(latencies_ms)
    count = len(ordered)
    return {
        "count": count,
        "p50_ms": round(percentile(ordered, 50), 2),
        "p95_ms": round(percentile(ordered, 95), 2),
        "p99_ms": round(percentile(ordered, 99), 2),
        "mean_ms": round(sum(ordered) / count, 2) if count else math.nan,
        "max_ms": round(ordered[-1], 2) if count else math.nan,
        "per_second": round(count / wall_seconds, 1) if wall_seconds > 0 else math.nan,
        **extra,
    }
