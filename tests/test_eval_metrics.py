"""bench/metrics.py on hand-made rankings, each value worked out by hand in the comment beside it."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # bench/ is not an installed package; `make eval` runs it from the root
    sys.path.insert(0, str(ROOT))

from bench.metrics import mean  # noqa: E402
from bench.metrics import ndcg  # noqa: E402
from bench.metrics import recall  # noqa: E402
from bench.metrics import reciprocal_rank  # noqa: E402
from bench.metrics import score  # noqa: E402

LOG2_3 = math.log2(3)  # discount at rank 2 is 1 / log2(3)


def test_a_perfect_ranking_scores_one_on_every_metric():
    assert score(["a", "b", "c"], {"a", "b"}) == {"ndcg": 1.0, "mrr": 1.0, "recall": 1.0}


def test_the_first_relevant_at_rank_two_gives_a_reciprocal_rank_of_one_half():
    assert reciprocal_rank(["x", "a", "b"], {"a", "b"}) == 0.5


def test_nothing_relevant_in_the_top_ten_scores_zero():
    assert score(["x", "y"], {"a"}) == {"ndcg": 0.0, "mrr": 0.0, "recall": 0.0}


def test_ndcg_with_two_relevant_at_ranks_one_and_three():
    # DCG = 1/log2(2) + 1/log2(4) = 1.5; ideal = 1 + 1/log2(3) = 1.6309...; 1.5 / 1.6309 = 0.9197
    assert ndcg(["a", "x", "b"], {"a", "b"}) == pytest.approx(1.5 / (1 + 1 / LOG2_3))
    assert ndcg(["a", "x", "b"], {"a", "b"}) == pytest.approx(0.91972, abs=1e-5)


def test_ndcg_with_two_relevant_at_ranks_two_and_four():
    # DCG = 1/log2(3) + 1/log2(5) = 0.63093 + 0.43068 = 1.06161; / 1.63093 = 0.65092
    assert ndcg(["x", "a", "y", "b"], {"a", "b"}) == pytest.approx(0.65092, abs=1e-5)


def test_recall_at_ten_ignores_a_relevant_id_ranked_eleventh():
    ranked = ["x1", "x2", "a", *[f"y{i}" for i in range(7)], "b"]  # a at rank 3, b at rank 11
    assert recall(ranked, {"a", "b"}) == 0.5
    assert reciprocal_rank(ranked, {"a", "b"}) == pytest.approx(1 / 3)


def test_recall_at_ten_with_more_than_ten_relevant_cannot_reach_one_but_ndcg_can():
    relevant = {f"r{i}" for i in range(12)}
    ranked = sorted(relevant)
    assert recall(ranked, relevant) == pytest.approx(10 / 12)
    assert ndcg(ranked, relevant) == pytest.approx(1.0)


def test_a_repeated_relevant_id_counts_once_and_keeps_its_slot():
    # Two passages of one relevant document: gains 1, 0, 1 -> DCG 1 + 1/log2(4) = 1.5, as with "a x b".
    assert ndcg(["a", "a", "b"], {"a", "b"}) == pytest.approx(1.5 / (1 + 1 / LOG2_3))
    assert ndcg(["a", "a"], {"a"}) == 1.0
    assert recall(["a", "a", "a"], {"a"}) == 1.0


@pytest.mark.parametrize("metric", [ndcg, reciprocal_rank, recall])
def test_a_query_with_no_relevant_id_has_no_score(metric):
    assert metric(["a", "b"], set()) is None


def test_a_query_without_score_is_left_out_of_the_average():
    assert score(["a"], set()) is None
    assert mean([1.0, None, 0.0]) == 0.5
    assert mean([None, None]) is None
    assert mean([]) is None


def test_the_cut_off_can_be_changed():
    assert reciprocal_rank(["x", "x2", "a"], {"a"}, k=2) == 0.0
    assert recall(["x", "a"], {"a"}, k=1) == 0.0
