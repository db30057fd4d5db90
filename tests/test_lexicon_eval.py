"""The lexicons `make eval` compares, and its split-by-instrument rows (issue 8)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # bench/ is not an installed package; `make eval` runs it from the root
    sys.path.insert(0, str(ROOT))

from bench import eval as make_eval  # noqa: E402
from bench import eval_lexicons  # noqa: E402
from bench.report import Run  # noqa: E402

DATA = Path(__file__).parent / "data" / "lexicon"  # 40 pairs of 4 instruments: corrections, courts, customs, drugs


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> eval_lexicons.Lexicons:
    folder = tmp_path_factory.mktemp("data") / "tiny"
    shutil.copytree(DATA, folder)
    return eval_lexicons.prepare({"tiny": folder}, tmp_path_factory.mktemp("work"))


def test_every_other_instrument_is_held_out(prepared):
    assert prepared.held_out == {"courts", "drugs"} and prepared.source == "tiny"


def test_the_half_lexicon_never_saw_the_held_out_instruments(prepared):
    # "warrant" occurs only in the court provisions.
    assert prepared.learned.translate("warrant", "en")
    assert not prepared.learned_half.translate("warrant", "en")
    assert prepared.learned_half.translate("custom", "en")[0].term == "douan"


def test_a_learned_lexicon_is_kept_and_reused(tmp_path):
    folder = tmp_path / "tiny"
    shutil.copytree(DATA, folder)
    first = eval_lexicons.prepare({"tiny": folder}, tmp_path / "work")
    kept = sorted((tmp_path / "work" / "lexicons").iterdir())
    assert [path.name for path in kept] == ["tiny-all.tsv.gz", "tiny-half.tsv.gz"]
    second = eval_lexicons.prepare({"tiny": folder}, tmp_path / "work")
    assert second.learned.table() == first.learned.table()
    assert second.learned.meta["seconds"] == first.learned.meta["seconds"]  # read back, not learned again


def test_without_pairs_the_learned_systems_are_glossary_only_and_a_note_says_so(tmp_path):
    found = eval_lexicons.prepare({}, tmp_path)
    assert found.learned is None and any("pairs.jsonl" in note for note in found.notes)


def test_split_rows_score_only_held_out_queries_with_the_half_lexicon_rankers():
    queries = [
        make_eval.Judged("q1", "cross", "warrant", frozenset({"a"}), "courts"),
        make_eval.Judged("q2", "cross", "customs", frozenset({"b"}), "customs"),
    ]
    full = {system: ["x"] for system in make_eval.SYSTEMS}
    scored = [(query, dict(full)) for query in queries]
    half = {system: (lambda text: ["a"]) for system in eval_lexicons.LEXICON_SYSTEMS}
    run = Run(0, Path("."), True)
    make_eval.split_run("tiny", "queries_en_to_fr", scored, queries, frozenset({"courts"}), half, run)
    (row,) = run.rows
    assert row.set == "tiny (split)" and row.queries == 1 and row.total == 1
    assert row.scores["learned"]["mrr"] == 1.0  # the half lexicon's ranking
    assert row.scores["expansion"]["mrr"] == 0.0  # the other systems keep their ranking


def test_cross_language_queries_get_separately_labelled_target_language_only_rows():
    # "q1" wants French passage "a:fr"; the whole-collection ranking put its English twin first,
    # the filtered rankers (what rankers_for gives for "fr") search French passages only.
    langs = {"a:fr": "fr", "a:en": "en", "b:fr": "fr"}
    queries = [
        make_eval.Judged("q1", "cross", "warrant", frozenset({"a:fr"}), "courts"),
        make_eval.Judged("q2", "cross", "customs", frozenset({"b:fr"}), "customs"),
        make_eval.Judged("q3", "en", "warrant", frozenset({"a:en"}), "courts"),
    ]
    asked = []

    def rankers_for(lang, half):
        asked.append((lang, half))
        answer = ["a:fr"] if half else ["b:fr", "a:fr"]
        return {system: (lambda text, answer=answer: answer) for system in make_eval.SYSTEMS}

    run = Run(0, Path("."), True)
    make_eval.target_only_run("tiny", "queries_en_to_fr", queries, queries, langs, rankers_for, frozenset({"courts"}), run)
    whole, split = run.rows
    assert (whole.set, whole.kind, whole.queries) == ("tiny", make_eval.TARGET_ONLY, 2)
    assert "target language only" in whole.kind and whole.kind != "cross"
    assert whole.scores["learned"]["mrr"] == (0.5 + 1.0) / 2  # q1: a:fr second, q2: b:fr first
    assert (split.set, split.kind, split.queries) == ("tiny (split)", make_eval.TARGET_ONLY, 1)
    assert split.scores["learned"]["mrr"] == 1.0 and split.scores["expansion"]["mrr"] == 0.5
    assert asked == [("fr", False), ("fr", True)]


def test_the_baseline_without_a_language_filter_is_filtered_afterwards():
    class Baseline:
        def search(self, text, limit=10):
            return ["a:en", "b:en", "a:fr"][:limit]

    rank = make_eval.filtered_baseline(Baseline(), {"a:en": "en", "b:en": "en", "a:fr": "fr"}, "fr")
    assert rank("anything") == ["a:fr"]
