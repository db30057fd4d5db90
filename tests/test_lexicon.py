"""Translation lexicons: lookups with caps and floors, the file format, and learning from pairs."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from indexer.analysis import analyze
from indexer.crosslang import learn as lexicon_learn
from indexer.crosslang.command import lexicon as lexicon_command
from indexer.crosslang.learn import learn_lexicon
from indexer.crosslang.lexicon import Lexicon
from indexer.crosslang.lexicon import Translation
from indexer.crosslang.lexicon import is_translatable
from indexer.errors import LexiconFileError
from indexer.errors import ParallelTextError

DATA = Path(__file__).parent / "data" / "lexicon"
PAIRS = DATA / "pairs.jsonl"
PASSAGES = DATA / "passages.jsonl"


def stem(word: str, lang: str) -> str:
    (term,) = analyze(word, lang)
    return term


@pytest.fixture(scope="module")
def learned() -> Lexicon:
    """The lexicon learned from the 40 aligned test sentences (min_count 2: the fixture is small)."""
    return learn_lexicon(PAIRS, PASSAGES, min_count=2)


@pytest.fixture
def small_lexicon() -> Lexicon:
    """A hand-made lexicon: one English term with five translations, one French term with one."""
    return Lexicon(
        {
            "en": {"custom": [("habitud", 0.05), ("douan", 0.8), ("coutum", 0.3), ("client", 0.12), ("usag", 0.2)]},
            "fr": {"douan": [("custom", 0.9)]},
        },
        {"method": "hand"},
    )


# --- learning ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "lang", "translation"),
    [
        ("customs", "en", "douane"),
        ("penitentiary", "en", "pénitencier"),
        ("douane", "fr", "customs"),
        ("pénitencier", "fr", "penitentiary"),
        ("drug", "en", "drogue"),
        ("warrant", "en", "mandat"),
        ("inmate", "en", "détenu"),
    ],
)
def test_learning_puts_the_known_translation_first(learned, word, lang, translation):
    other = "fr" if lang == "en" else "en"
    best = learned.translate(stem(word, lang), lang, limit=1)
    assert best == [Translation(stem(translation, other), best[0].prob)]
    assert best[0].prob > 0.5


def test_learned_translations_of_a_term_are_scores_above_the_floor_best_first(learned):
    for lang in ("en", "fr"):
        for translations in learned.entries(lang).values():
            probs = [t.prob for t in translations]
            assert all(0.05 <= p <= 1.0 for p in probs)
            assert probs == sorted(probs, reverse=True)


def test_a_translation_both_directions_agree_on_outranks_one_direction_alone():
    # t(f|e): "custom" spreads over "droit" (it shares passages with it) and "douan";
    # t(e|f): "douan" comes from "custom", "droit" mostly from "duty".
    directions = {
        "en": {"custom": [("droit", 0.5), ("douan", 0.4)], "duty": [("droit", 0.7)]},
        "fr": {"douan": [("custom", 0.9)], "droit": [("duty", 0.8), ("custom", 0.1)]},
    }
    table = lexicon_learn._symmetrised(directions, floor=0.05)
    assert table["en"]["custom"] == [("douan", 0.65), ("droit", 0.3)]
    assert table["fr"]["droit"] == [("duty", 0.75), ("custom", 0.3)]
    assert lexicon_learn._symmetrised(directions, floor=0.4)["en"]["custom"] == [("douan", 0.65)]


def test_a_pair_one_direction_alone_proposes_counts_half():
    table = lexicon_learn._symmetrised({"en": {"warrant": [("mandat", 0.8)]}, "fr": {}}, floor=0.05)
    assert table == {"en": {"warrant": [("mandat", 0.4)]}, "fr": {"mandat": [("warrant", 0.4)]}}


def test_learning_says_how_it_learned(learned):
    assert learned.meta["method"] == "ibm-model1"
    assert learned.meta["symmetry"] == "mean of both directions"
    assert learned.meta["pairs"] == "40"
    assert int(learned.meta["vocabulary_en"]) > 20 and int(learned.meta["vocabulary_fr"]) > 20


def test_learning_never_keeps_stop_words_or_numbers(learned):
    for lang in ("en", "fr"):
        other = "fr" if lang == "en" else "en"
        for term, translations in learned.entries(lang).items():
            assert is_translatable(term, lang)
            assert all(is_translatable(t.term, other) for t in translations)


def test_learning_from_some_instruments_only_uses_their_pairs():
    courts = learn_lexicon(PAIRS, PASSAGES, min_count=2, instruments={"courts"})
    assert courts.meta["pairs"] == "10"
    assert courts.translate("warrant", "en", limit=1)[0].term == "mandat"
    assert courts.translate("custom", "en") == []


def test_terms_rarer_than_min_count_are_not_learned():
    strict = learn_lexicon(PAIRS, PASSAGES, min_count=6)
    assert strict.translate("custom", "en")  # "customs" appears in 9 pairs
    assert not strict.translate("warrant", "en")  # 3 pairs only


def test_learning_reports_progress_up_to_the_total():
    calls = []
    learn_lexicon(PAIRS, PASSAGES, iterations=2, min_count=2, progress=lambda done, total: calls.append((done, total)))
    done = [call[0] for call in calls]
    assert done == sorted(done)
    assert calls[-1] == (40 * (1 + 2 * 2), 40 * (1 + 2 * 2))


def test_chunks_and_sorted_cell_numbering_learn_the_same_lexicon(learned, monkeypatch):
    # Tiny chunks cut the pairs at many boundaries; DENSE_LIMIT 0 takes the sort-based path
    # that large vocabularies use.
    monkeypatch.setattr(lexicon_learn, "CHUNK_INSTANCES", 50)
    monkeypatch.setattr(lexicon_learn, "DENSE_LIMIT", 0)
    other = learn_lexicon(PAIRS, PASSAGES, min_count=2)
    assert other.table() == learned.table()


def test_pairs_without_both_texts_are_skipped(tmp_path):
    pairs = tmp_path / "pairs.jsonl"
    missing = {"en": "t:none:1:en", "fr": "t:none:1:fr", "instrument": "none"}
    pairs.write_text(PAIRS.read_text(encoding="utf-8") + json.dumps(missing) + "\n", encoding="utf-8")
    assert learn_lexicon(pairs, PASSAGES, min_count=2).meta["pairs"] == "40"


def test_a_malformed_pairs_line_is_named(tmp_path):
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text('{"en": "a", "fr": "b"}\n{"en": "a"\n', encoding="utf-8")
    with pytest.raises(ParallelTextError, match="line 2"):
        learn_lexicon(pairs, PASSAGES)


def test_a_missing_passages_file_is_named(tmp_path):
    with pytest.raises(ParallelTextError, match="nope.jsonl"):
        learn_lexicon(PAIRS, tmp_path / "nope.jsonl")


def test_no_pairs_learn_an_empty_lexicon(tmp_path):
    assert len(learn_lexicon(PAIRS, PASSAGES, instruments={"no such act"})) == 0


# --- lookups ----------------------------------------------------------------------------------


def test_translate_returns_the_best_translations_first(small_lexicon):
    assert small_lexicon.translate("custom", "en") == [
        Translation("douan", 0.8),
        Translation("coutum", 0.3),
        Translation("usag", 0.2),
    ]


@pytest.mark.parametrize("limit", [0, 1, 2, 4])
def test_translate_returns_at_most_limit_translations(small_lexicon, limit):
    assert len(small_lexicon.translate("custom", "en", limit=limit, floor=0)) == limit


@pytest.mark.parametrize(("floor", "expected"), [(0.9, 0), (0.8, 1), (0.25, 2), (0.12, 4), (0.0, 5)])
def test_translate_drops_translations_below_the_floor(small_lexicon, floor, expected):
    found = small_lexicon.translate("custom", "en", limit=10, floor=floor)
    assert len(found) == expected and all(t.prob >= floor for t in found)


@pytest.mark.parametrize(
    ("term", "lang"),
    [
        ("the", "en"),  # stop word
        ("dans", "fr"),
        ("2002", "en"),  # number
        ("462.31", "fr"),
        ("c46", "en"),  # identifier: letters and digits
        ("s2", "en"),
        ("u", "en"),  # one or two characters
        ("eu", "fr"),
    ],
)
def test_stop_words_numbers_and_identifiers_are_never_translated(term, lang):
    lexicon = Lexicon({lang: {term: [("anything", 1.0)]}})
    assert lexicon.translate(term, lang) == []


def test_a_stem_spelled_like_a_stop_word_of_the_other_language_is_translated():
    # French "notamment" stems to "not", an English stop word: it is still a French term.
    lexicon = Lexicon({"fr": {stem("notamment", "fr"): [("includ", 0.7)]}})
    assert lexicon.translate("not", "fr") == [Translation("includ", 0.7)]
    assert lexicon.translate("not", "en") == []


def test_unknown_terms_and_languages_have_no_translation(small_lexicon):
    assert small_lexicon.translate("zzz", "en") == []
    assert small_lexicon.translate("custom", "de") == []


def test_len_counts_source_terms_of_both_languages(small_lexicon):
    assert len(small_lexicon) == 2 and len(Lexicon({})) == 0


# --- merge, scale, file -----------------------------------------------------------------------


def test_merge_keeps_every_translation_at_its_highest_probability(small_lexicon):
    other = Lexicon({"en": {"custom": [("douan", 0.9), ("tarif", 0.4)], "border": [("frontier", 0.7)]}})
    merged = Lexicon.merge(small_lexicon, other)
    assert merged.translate("custom", "en", limit=3) == [
        Translation("douan", 0.9),
        Translation("tarif", 0.4),
        Translation("coutum", 0.3),
    ]
    assert merged.translate("border", "en") == [Translation("frontier", 0.7)]
    assert merged.translate("douan", "fr") == [Translation("custom", 0.9)]
    assert len(merged) == 3


def test_scaled_multiplies_every_probability(small_lexicon):
    assert small_lexicon.scaled(0.5).translate("douan", "fr") == [Translation("custom", 0.45)]


def test_save_and_load_give_back_the_same_lexicon(small_lexicon, tmp_path):
    path = tmp_path / "sub" / "lexicon.tsv.gz"
    small_lexicon.save(path)
    loaded = Lexicon.load(path)
    assert loaded.table() == small_lexicon.table()
    assert loaded.meta == {"method": "hand"}
    assert gzip.open(path, "rt", encoding="utf-8").readline() == "# passerelle-lexicon 1\n"


def test_saving_twice_writes_the_same_bytes(learned, tmp_path):
    learned.save(tmp_path / "a.tsv.gz")
    Lexicon.load(tmp_path / "a.tsv.gz").save(tmp_path / "b.tsv.gz")
    assert (tmp_path / "a.tsv.gz").read_bytes() == (tmp_path / "b.tsv.gz").read_bytes()


def test_fifty_thousand_entries_load_back_whole(tmp_path):
    table = {
        lang: {f"{lang}term{n:05d}x": [(f"target{n}a", 0.6), (f"target{n}b", 0.3)] for n in range(25_000)}
        for lang in ("en", "fr")
    }
    path = tmp_path / "big.tsv.gz"
    Lexicon(table).save(path)
    loaded = Lexicon.load(path)
    assert len(loaded) == 50_000
    assert loaded.entries("fr")["frterm24999x"] == (Translation("target24999a", 0.6), Translation("target24999b", 0.3))


def test_surface_forms_are_saved_loaded_and_merged(small_lexicon, tmp_path):
    shown = Lexicon(small_lexicon.table(), {"method": "hand"}, {"fr": {"douan": "douane"}})
    shown.save(tmp_path / "shown.tsv.gz")
    loaded = Lexicon.load(tmp_path / "shown.tsv.gz")
    assert loaded.surface("douan", "fr") == "douane"
    assert loaded.surface("coutum", "fr") == "coutum"  # no word known: the stem
    other = Lexicon({}, surfaces={"fr": {"douan": "douanes", "coutum": "coutume"}})
    merged = Lexicon.merge(loaded, other)
    assert merged.surface("douan", "fr") == "douane" and merged.surface("coutum", "fr") == "coutume"


def test_learning_keeps_the_most_frequent_word_of_each_translation(learned):
    douane = learned.translate(stem("customs", "en"), "en", limit=1)[0]
    assert learned.surface(douane.term, "fr") in {"douane", "douanes"}


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("en\tcustom\tdouan\t0.8\n", "not a lexicon file"),
        ("# passerelle-lexicon 1\nen\tcustom\tdouan\n", "line 2"),
        ("# passerelle-lexicon 1\nen\tcustom\tdouan\thigh\n", "not a number"),
    ],
)
def test_a_malformed_lexicon_file_is_named(tmp_path, content, reason):
    path = tmp_path / "bad.tsv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(content)
    with pytest.raises(LexiconFileError, match=reason):
        Lexicon.load(path)


@pytest.mark.parametrize("content", [None, b"plain text, not gzip"])
def test_a_missing_or_unreadable_lexicon_file_is_named(tmp_path, content):
    path = tmp_path / "lexicon.tsv.gz"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(LexiconFileError, match="lexicon.tsv.gz"):
        Lexicon.load(path)


# --- command line -----------------------------------------------------------------------------


def test_lexicon_learn_writes_the_file_and_a_summary_line(runner, tmp_path):
    out = tmp_path / "lexicon.tsv.gz"
    result = runner.invoke(lexicon_command, ["learn", str(PAIRS), "--out", str(out), "--min-count", "2"])
    assert result.exit_code == 0, result.output
    assert "40 pairs" in result.output and "vocabulary" in result.output and str(out) in result.output
    assert Lexicon.load(out).translate("custom", "en", limit=1)[0].term == "douan"


def test_lexicon_learn_reads_instruments_from_a_file(runner, tmp_path):
    instruments = tmp_path / "instruments.txt"
    instruments.write_text("# the court provisions only\ncourts  drugs\n", encoding="utf-8")
    out = tmp_path / "lexicon.tsv.gz"
    args = ["learn", str(PAIRS), "--out", str(out), "--min-count", "2", "--instruments-from", str(instruments)]
    result = runner.invoke(lexicon_command, args)
    assert result.exit_code == 0, result.output
    assert "18 pairs" in result.output


def test_lexicon_learn_without_passages_beside_the_pairs_says_so(runner, tmp_path):
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text(PAIRS.read_text(encoding="utf-8"), encoding="utf-8")
    result = runner.invoke(lexicon_command, ["learn", str(pairs), "--out", str(tmp_path / "x.tsv.gz")])
    assert result.exit_code == 2
    assert "passages.jsonl" in result.output and "--passages" in result.output


def test_lexicon_learn_of_a_malformed_file_is_a_one_line_error(runner, tmp_path):
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text("not json\n", encoding="utf-8")
    args = ["learn", str(pairs), "--passages", str(PASSAGES), "--out", str(tmp_path / "x.tsv.gz")]
    result = runner.invoke(lexicon_command, args)
    assert result.exit_code == 1
    assert "line 1" in result.output and "Traceback" not in result.output
