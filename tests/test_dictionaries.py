"""Translation that ships with Passerelle (issue 25): the dictionary lexicon, cognates, and how translations are weighed."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.analysis import analyze
from indexer.crosslang import dictionaries
from indexer.crosslang.cognates import cognates
from indexer.crosslang.kept import SHIPPED_FILE
from indexer.crosslang.kept import load_lexicon
from indexer.crosslang.lexicon import LEARNED_FILE
from indexer.crosslang.lexicon import Lexicon
from indexer.ingest.pipeline import index_corpus
from indexer.models import SearchQuery
from indexer.search import search
from indexer.store import open_index


def stem(word: str, lang: str) -> str:
    (term,) = analyze(word, lang)
    return term


def write(corpus: Path, name: str, text: str, lang: str) -> None:
    (corpus / f"{name}.txt").write_text(text + "\n", encoding="utf-8")
    (corpus / f"{name}.meta.toml").write_text(f'lang = "{lang}"\n', encoding="utf-8")


@pytest.fixture
def corpus(tmp_path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    write(folder, "greffe", "Les registres du greffe sont rangés dans l'armoire du tribunal.", "fr")
    write(folder, "rapport", "La criminalité organisée profite des ports mal surveillés.", "fr")
    write(folder, "shelf", "The court keeps its registers on a shelf.", "en")
    return folder


def open_built(corpus: Path, root: Path):
    index_corpus(corpus, root)
    return open_index(root)


# --- the lexicon a fresh clone has ---------------------------------------------------------------


def test_the_shipped_lexicon_translates_common_words_both_ways():
    lexicon = Lexicon.load(SHIPPED_FILE)
    assert len(lexicon.entries("en")) > 20_000 and len(lexicon.entries("fr")) > 15_000
    for word, lang, expected in (("customs", "en", "douane"), ("seizure", "en", "saisie"), ("navire", "fr", "ship")):
        translated = [t.term for t in lexicon.translate(stem(word, lang), lang, limit=12, floor=0.0)]
        assert stem(expected, "fr" if lang == "en" else "en") in translated, (word, translated)


@pytest.mark.parametrize(("word", "lang", "expected"), [("vendus", "fr", "sell"), ("sell", "en", "vendus")])
def test_a_french_verbs_inflected_forms_translate_as_the_verb(word, lang, expected):
    # Stemming leaves "vendus" apart from "vendre": a question or a passage says one, dictionaries the other.
    lexicon = Lexicon.load(SHIPPED_FILE)
    translated = [t.term for t in lexicon.translate(stem(word, lang), lang, limit=12, floor=0.0)]
    assert stem(expected, "fr" if lang == "en" else "en") in translated, translated


@pytest.mark.parametrize(("word", "expected"), [("women", "femme"), ("men", "homme"), ("criteria", "critère")])
def test_an_irregular_plural_translates_as_its_singular(word, expected):
    lexicon = Lexicon.load(SHIPPED_FILE)
    translated = [t.term for t in lexicon.translate(stem(word, "en"), "en", limit=12, floor=0.0)]
    assert stem(expected, "fr") in translated, translated


@pytest.mark.parametrize(
    ("word", "verb"), [("paid", "payer"), ("sold", "vendre"), ("taken", "prendre"), ("sent", "envoyer")]
)
def test_an_irregular_english_form_translates_as_its_verb(word, verb):
    # Stemming leaves "paid" apart from "pay"; before WordNet's forms, one stray pivot path read it as a pond.
    lexicon = Lexicon.load(SHIPPED_FILE)
    translated = [t.term for t in lexicon.translate(stem(word, "en"), "en", limit=4, floor=0.0)]
    assert stem(verb, "fr") in translated, translated


def test_each_terms_translations_are_probabilities():
    lexicon = Lexicon.load(SHIPPED_FILE)
    for lang in ("en", "fr"):
        for term in list(lexicon.entries(lang))[:500]:
            total = sum(t.prob for t in lexicon.entries(lang)[term])
            assert total == pytest.approx(1.0, abs=0.01), (lang, term)


def test_a_fresh_index_searches_with_the_shipped_lexicon_and_names_it(corpus, tmp_path):
    index = open_built(corpus, tmp_path / "index")
    try:
        result = search(SearchQuery("wardrobe"), index)
        assert [hit.doc_id for hit in result.results] == ["greffe"]
        shown = [e for e in result.expanded if e.source == "wardrobe"]
        assert shown and shown[0].via == "dictionary" and "armoire" in shown[0].to
        assert load_lexicon(index.generation.path) is not None
    finally:
        index.close()


def test_the_dictionaries_setting_off_leaves_the_lexicon_out(corpus, tmp_path, monkeypatch):
    monkeypatch.setenv("PASSERELLE_DICTIONARIES", "off")
    index = open_built(corpus, tmp_path / "index")
    try:
        assert search(SearchQuery("wardrobe"), index).results == ()
    finally:
        index.close()


def test_no_expansion_searches_no_translation(corpus, tmp_path):
    index = open_built(corpus, tmp_path / "index")
    try:
        result = search(SearchQuery("wardrobe", expand=False), index)
        assert result.results == () and result.expanded == ()
    finally:
        index.close()


# --- cognates ------------------------------------------------------------------------------------


def test_a_word_the_dictionaries_translate_gets_no_spelling_suggestion(tmp_path):
    # On French passages alone, the English "women" is no word of the index, yet it is spelt right.
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write(corpus, "conseil", "Le conseil compte autant de femmes que d'hommes, dont Mme Wolen.", "fr")
    index = open_built(corpus, tmp_path / "index")
    try:
        result = search(SearchQuery(text="women"), index)
        assert any(e.source == "women" and e.via == "dictionary" for e in result.expanded), result.expanded
        assert result.suggestion is None
        assert search(SearchQuery(text="femmse"), index).suggestion == "femmes"  # a typo still gets one
    finally:
        index.close()


@pytest.mark.parametrize(
    ("word", "lang", "expected"),
    [
        ("criminality", "en", "criminalité"),
        ("registrar", "en", "registraire"),
        ("inspector", "en", "inspecteur"),
        ("economic", "en", "economique"),
        ("inspecteur", "fr", "inspector"),
        ("ministre", "fr", "minister"),
    ],
)
def test_cognates_follow_the_regular_endings(word, lang, expected):
    assert expected in cognates(word, lang)


def test_short_words_and_identifiers_have_no_cognates():
    assert cognates("city", "en") == [] and cognates("c46", "en") == []


def test_a_cognate_finds_the_passage_when_no_dictionary_has_the_word(corpus, tmp_path, monkeypatch):
    monkeypatch.setenv("PASSERELLE_DICTIONARIES", "off")
    index = open_built(corpus, tmp_path / "index")
    try:
        result = search(SearchQuery("criminality", lang=("fr",)), index)
        assert [hit.doc_id for hit in result.results] == ["rapport"]
        assert [(e.to, e.via) for e in result.expanded] == [(("criminalité",), "cognate")]
    finally:
        index.close()


# --- translations weighed by probability ---------------------------------------------------------


def test_a_rare_unlikely_translation_does_not_outrank_the_likely_common_one(tmp_path, monkeypatch):
    # Searched as separate terms, "coutume" (one passage: a high idf) outscored "douane" (in
    # many). As one term weighted by probability, the translations share the word's idf.
    monkeypatch.setenv("PASSERELLE_DICTIONARIES", "off")
    folder = tmp_path / "corpus"
    folder.mkdir()
    for number in range(8):
        write(folder, f"douane-{number}", f"Le bureau de douane numéro {number} contrôle les conteneurs.", "fr")
    write(folder, "coutume", "Une coutume ancienne du village.", "fr")
    lexicon = Lexicon({"en": {stem("customs", "en"): [(stem("douane", "fr"), 0.6), (stem("coutume", "fr"), 0.4)]}})
    lexicon.save(folder / LEARNED_FILE)
    index = open_built(folder, tmp_path / "index")
    try:
        result = search(SearchQuery("customs", lang=("fr",)), index)
        assert result.results[0].doc_id.startswith("douane")
    finally:
        index.close()


# --- building the lexicon ------------------------------------------------------------------------


def test_a_pair_several_sources_agree_on_outranks_one_sources_stray_path():
    douane, coutume, custom = stem("douane", "fr"), stem("coutume", "fr"), stem("customs", "en")
    agreeing = ({custom: {douane: 0.5, coutume: 0.5}}, {douane: {custom: 1.0}})
    stray = ({custom: {coutume: 1.0}}, {})
    table = dictionaries.combine({"direct": agreeing, "deu": agreeing, "spa": stray})
    ranked = table["en"][custom]
    assert [term for term, _ in ranked] == [douane, coutume]
    assert sum(p for _, p in ranked) == pytest.approx(1.0, abs=0.001)
    assert table["fr"][douane] == [(custom, 1.0)]


def test_an_irregular_form_takes_its_verbs_french_verbs_and_a_word_of_its_own_keeps_its_senses():
    table = {
        "lead": [("plomb", 0.5), ("conduir", 0.3), ("men", 0.2)],
        "led": [("voi", 1.0)],  # a stray path
        "ground": [("terr", 0.8), ("sol", 0.2)],
        "grind": [("moudr", 1.0)],
    }
    verbs = {"conduir", "men", "moudr"}
    forms = {"led": ("lead", False), "ground": ("grind", True)}
    merged = dictionaries.with_irregular_forms(table, forms, verbs)
    assert merged["led"] == [("conduir", 0.6), ("men", 0.4)]  # lead's verbs alone: no plomb, no stray voi
    assert [term for term, _ in merged["ground"]] == ["terr", "moudr", "sol"]
    assert merged["lead"] == table["lead"]


def test_an_irregular_plural_fills_only_a_gap():
    table = {"woman": [("femm", 1.0)], "datum": [("donne", 1.0)], "data": [("donne", 0.6), ("materiau", 0.4)]}
    merged = dictionaries.with_plurals(table, {"data": "datum"})
    assert merged["women"] == table["woman"]  # -men of a -man, by rule
    assert merged["data"] == table["data"]  # an entry of its own stays


def test_a_pivot_word_with_many_senses_spreads_its_probability_thin():
    # English -> German -> French: "traffic" -> "Verkehr" -> (trafic, circulation, rapports…)
    composed = dictionaries._compose(
        {"traffic": {"verkehr": 1.0}}, {"verkehr": {"trafic": 0.25, "circul": 0.25, "rapport": 0.25, "commerc": 0.25}}
    )
    assert composed == {"traffic": {"trafic": 0.25, "circul": 0.25, "rapport": 0.25, "commerc": 0.25}}


def test_a_lexicon_is_read_once_per_content_and_few_are_kept(tmp_path):
    from indexer.crosslang import kept

    first, copy = tmp_path / "a.tsv.gz", tmp_path / "b.tsv.gz"
    Lexicon({"en": {"wardrob": [("armoir", 1.0)]}}).save(first)
    copy.write_bytes(first.read_bytes())
    assert kept._loaded(first) is kept._loaded(copy)  # every generation's copy is one object
    for number in range(kept.LOADED_KEPT + 2):
        other = tmp_path / f"other-{number}.tsv.gz"
        Lexicon({"en": {f"word{number}": [("mot", 1.0)]}}).save(other)
        kept._loaded(other)
    assert len(kept._loaded_cache) == kept.LOADED_KEPT
