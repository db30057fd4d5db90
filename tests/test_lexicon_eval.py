"""`make eval`'s learned lexicon, and its cross-language rows searched in the target language only."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # bench/ is not an installed package; `make eval` runs it from the root
    sys.path.insert(0, str(ROOT))

from bench import eval as make_eval  # noqa: E402
from bench.eval_data import Judged  # noqa: E402
from bench.eval_lexicons import learned_lexicon  # noqa: E402

DATA = Path(__file__).parent / "data" / "lexicon"  # 40 pairs of 4 instruments: corrections, courts, customs, drugs


def test_a_learned_lexicon_is_kept_and_reused(tmp_path):
    folder = tmp_path / "tiny"
    shutil.copytree(DATA, folder)
    first, note = learned_lexicon({"tiny": folder}, tmp_path / "work")
    assert note is None and first.translate("custom", "en")[0].term == "douan"
    assert [path.name for path in (tmp_path / "work" / "lexicons").iterdir()] == ["tiny.tsv.gz"]
    second, _ = learned_lexicon({"tiny": folder}, tmp_path / "work")
    assert second.table() == first.table()
    assert second.meta["seconds"] == first.meta["seconds"]  # read back, not learned again


def test_without_pairs_there_is_no_lexicon_and_a_note_says_so(tmp_path):
    lexicon, note = learned_lexicon({}, tmp_path)
    assert lexicon is None and "pairs.jsonl" in note


def test_the_target_language_is_the_language_of_the_relevant_passages():
    langs = {"a:fr": "fr", "a:en": "en"}
    assert make_eval.target_language(Judged("q1", "cross", "warrant", frozenset({"a:fr"})), langs) == "fr"
    assert make_eval.target_language(Judged("q2", "cross", "mandat", frozenset({"a:en"})), langs) == "en"


def test_kept_reference_rankings_are_reused_only_for_the_same_stamp(tmp_path):
    calls = []

    def rank(text, limit):
        calls.append(text)
        return [text][:limit]

    cache = make_eval.RankingCache(tmp_path / "kept.json", {"script": "a"})
    assert cache.ranker("file", rank)("x") == ["x"]
    cache.save()
    assert make_eval.RankingCache(tmp_path / "kept.json", {"script": "a"}).ranker("file", rank)("x") == ["x"]
    make_eval.RankingCache(tmp_path / "kept.json", {"script": "b"}).ranker("file", rank)("x")
    assert calls == ["x", "x"]
