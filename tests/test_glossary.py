"""The glossary file, its checks, the taxonomy as a glossary, storage and merging."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.analysis import analyze
from indexer.crosslang.glossary import EMPTY_GLOSSARY
from indexer.crosslang.glossary import Glossary
from indexer.crosslang.glossary import GlossaryEntry
from indexer.crosslang.glossary import alias_languages
from indexer.crosslang.glossary import from_taxonomy
from indexer.crosslang.glossary import load_glossary
from indexer.crosslang.glossary import merge
from indexer.errors import GlossaryError
from indexer.folding import fold
from indexer.taxonomy import Entry
from indexer.taxonomy import Taxonomy
from indexer.taxonomy import load_taxonomy

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


@pytest.fixture(scope="module")
def glossary():
    return load_glossary(CORPUS / "glossary.toml")


@pytest.fixture(scope="module")
def taxonomy_glossary():
    return from_taxonomy(load_taxonomy(CORPUS / "taxonomy.toml"))


def write(tmp_path, text):
    path = tmp_path / "glossary.toml"
    path.write_text(text, encoding="utf-8")
    return path


def bridges(glossary, en, fr):
    """True when one entry lists *en* among its English and *fr* among its French expressions."""
    return any(fold(en) in map(fold, entry.en) and fold(fr) in map(fold, entry.fr) for entry in glossary.entries)


def taxonomy_entry(glossary, kind, id):
    return next(entry for entry in glossary.entries if entry.domain == f"taxonomy:{kind}:{id}")


# --- the corpus glossary --------------------------------------------------------------------------


def test_corpus_glossary_has_at_least_220_entries(glossary):
    assert len(glossary) >= 220


def test_every_corpus_entry_has_both_languages(glossary):
    assert all(entry.en and entry.fr for entry in glossary.entries)


@pytest.mark.parametrize(
    ("en", "fr"),
    [
        ("customs", "douane"),
        ("money laundering", "blanchiment de capitaux"),
        ("UNODC", "ONUDC"),
        ("police cooperation", "coopération policière"),
        ("WCO", "OMD"),
    ],
)
def test_corpus_glossary_bridges_the_pairs_of_the_issue(glossary, en, fr):
    assert bridges(glossary, en, fr)


def test_every_corpus_expression_keeps_a_word_after_analysis(glossary):
    empty = [
        (lang, text)
        for entry in glossary.entries
        for lang in ("en", "fr")
        for text in entry.expressions(lang)
        if not analyze(text, lang)
    ]
    assert empty == []


# --- loading --------------------------------------------------------------------------------------


def test_missing_file_gives_the_empty_glossary(tmp_path):
    assert load_glossary(tmp_path / "nowhere.toml") == EMPTY_GLOSSARY


def test_file_entries_keep_their_order_and_domain(tmp_path):
    path = write(tmp_path, '[[term]]\nen = ["seizure"]\nfr = ["saisie"]\ndomain = "assets"\n')
    assert load_glossary(path) == Glossary((GlossaryEntry(("seizure",), ("saisie",), "assets"),))


def test_domain_is_optional(tmp_path):
    path = write(tmp_path, '[[term]]\nen = ["seizure"]\nfr = ["saisie"]\n')
    assert load_glossary(path).entries[0].domain == ""


GOOD = 'en = ["customs"]\nfr = ["douane"]\n'


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ('[[term]]\nen = ["customs]\nfr = ["douane"]\n', ["TOML syntax error", "line 2"]),
        (f'title = "x"\n[[term]]\n{GOOD}', ["'title'", "[[term]]"]),
        (f"[[terms]]\n{GOOD}", ["'terms'", "[[term]]"]),
        ('term = "customs"\n', ["[[term]]"]),
        (f'[[term]]\n{GOOD}domains = "x"\n', ["term #1 ('customs')", "'domains'"]),
        (f'[[term]]\n{GOOD}\n[[term]]\nen = "seizure"\nfr = ["saisie"]\n', ["term #2", "'en'", "list of strings"]),
        ('[[term]]\nen = ["customs", 3]\nfr = ["douane"]\n', ["term #1 ('customs')", "'en'", "list of strings"]),
        ('[[term]]\nen = ["customs", " "]\nfr = ["douane"]\n', ["term #1 ('customs')", "' '"]),
        ('[[term]]\nen = ["customs"]\nfr = ["--"]\n', ["term #1 ('customs')", "'--'", "letter or digit"]),
        ('[[term]]\nen = ["customs"]\n', ["term #1 ('customs')", "missing 'fr'"]),
        ('[[term]]\nfr = ["douane"]\n', ["term #1 ('douane')", "missing 'en'"]),
        ('[[term]]\nen = []\nfr = ["douane"]\n', ["term #1 ('douane')", "'en' is empty"]),
        (f"[[term]]\n{GOOD}domain = 3\n", ["term #1 ('customs')", "domain"]),
        ('[[term]]\nen = ["AML/CFT", "aml-cft"]\nfr = ["LBC/FT"]\n', ["term #1 ('AML/CFT')", "'aml-cft'"]),
        (f"[[term]]\n{GOOD}\n[[term]]\n{GOOD}", ["term #2 ('customs')", "duplicate", "term #1"]),
        (
            f'[[term]]\n{GOOD}\n[[term]]\nen = ["Customs"]\nfr = ["Douane"]\n',
            ["term #2 ('Customs')", "duplicate", "term #1"],
        ),
        ("[[term]]\n[[term]]\n", ["term #1", "missing 'en'"]),
    ],
    ids=[
        "toml-syntax",
        "unknown-top-level-key",
        "unknown-table",
        "term-not-an-array",
        "unknown-key-in-entry",
        "expressions-not-a-list",
        "expressions-not-strings",
        "blank-expression",
        "expression-without-letters",
        "no-french",
        "no-english",
        "empty-list",
        "domain-not-a-string",
        "same-expression-twice",
        "duplicate-entry",
        "duplicate-entry-up-to-case",
        "empty-entry",
    ],
)
def test_bad_file_raises_an_error_naming_the_file_and_the_entry(tmp_path, text, names):
    path = write(tmp_path, text)
    with pytest.raises(GlossaryError) as caught:
        load_glossary(path)
    for name in [str(path), *names]:
        assert name in str(caught.value)


def test_error_carries_the_path_and_the_reason(tmp_path):
    path = write(tmp_path, '[[term]]\nen = ["customs"]\n')
    with pytest.raises(GlossaryError) as caught:
        load_glossary(path)
    assert (caught.value.path, "missing 'fr'" in caught.value.reason) == (str(path), True)


# --- entries --------------------------------------------------------------------------------------


def test_expressions_gives_the_expressions_of_a_language():
    entry = GlossaryEntry(("customs",), ("douane", "douanier"))
    assert (entry.expressions("en"), entry.expressions("fr")) == (("customs",), ("douane", "douanier"))


def test_expressions_of_an_unknown_language_raise():
    with pytest.raises(ValueError):
        GlossaryEntry(("customs",), ("douane",)).expressions("es")


# --- from the taxonomy ----------------------------------------------------------------------------


def test_taxonomy_glossary_puts_the_french_names_of_unodc_in_french(taxonomy_glossary):
    entry = taxonomy_entry(taxonomy_glossary, "partner", "unodc")
    assert {"ONUDC", "Office des Nations unies contre la drogue et le crime"} <= set(entry.fr)


def test_taxonomy_glossary_puts_unodc_in_english_only(taxonomy_glossary):
    entry = taxonomy_entry(taxonomy_glossary, "partner", "unodc")
    assert ("UNODC" in entry.en, "UNODC" in entry.fr, "ONUDC" in entry.en) == (True, False, False)


@pytest.mark.parametrize(("kind", "id", "acronym"), [("topic", "port-security", "ISPS"), ("partner", "eu", "UE")])
def test_taxonomy_glossary_puts_acronyms_without_markers_in_both_languages(taxonomy_glossary, kind, id, acronym):
    entry = taxonomy_entry(taxonomy_glossary, kind, id)
    assert (acronym in entry.en, acronym in entry.fr) == (True, True)


def test_taxonomy_glossary_has_one_entry_per_taxonomy_entry(taxonomy_glossary):
    assert len(taxonomy_glossary) == len(load_taxonomy(CORPUS / "taxonomy.toml").entries)


def test_label_with_an_acronym_in_parentheses_gives_both_expressions():
    wco = Entry("partner", "wco", "World Customs Organization (WCO)", "Organisation mondiale des douanes (OMD)")
    entry = from_taxonomy(Taxonomy((wco,))).entries[0]
    assert (entry.en, entry.fr) == (("World Customs Organization", "WCO"), ("Organisation mondiale des douanes", "OMD"))


def test_alias_repeating_a_label_is_listed_once():
    taxonomy = Taxonomy((Entry("topic", "customs", "Customs", "Douanes", ("customs", "douanes")),))
    entry = from_taxonomy(taxonomy).entries[0]
    assert (entry.en, entry.fr) == (("Customs",), ("Douanes",))


@pytest.mark.parametrize(
    ("alias", "languages"),
    [
        ("douane", ("fr",)),  # inside the French label, after stemming
        ("customs administration", ("en",)),  # no marker: English
        ("sûreté portuaire", ("fr",)),  # accent
        ("trafic d'armes", ("fr",)),  # elision
        ("gestion des frontieres", ("fr",)),  # function word
        ("judiciaire", ("fr",)),  # ending
        ("douanier", ("fr",)),  # ending
        ("cash courier", ("en",)),  # "-ier" alone is not a French ending
        ("AML/CFT", ("en", "fr")),  # acronym
        ("Justice", ("en", "fr")),  # inside both labels
    ],
)
def test_alias_language_follows_the_documented_rules(alias, languages):
    assert alias_languages(alias, "Customs and justice", "Douanes et justice") == languages


# --- storage and merging ----------------------------------------------------------------


def test_to_dict_and_from_dict_round_trip(glossary):
    assert Glossary.from_dict(glossary.to_dict()) == glossary


def test_merged_corpus_and_taxonomy_glossary_can_be_stored_and_read_back(glossary, taxonomy_glossary):
    merged = merge(glossary, taxonomy_glossary)
    assert Glossary.from_dict(merged.to_dict()) == merged


def test_from_dict_checks_like_a_file():
    with pytest.raises(GlossaryError) as caught:
        Glossary.from_dict({"term": [{"en": ["customs"]}]})
    assert "<stored glossary>" in str(caught.value)


def test_merge_keeps_the_order_and_drops_duplicates():
    customs = GlossaryEntry(("customs",), ("douane",))
    seizure = GlossaryEntry(("seizure",), ("saisie",))
    assert merge(Glossary((customs, seizure)), Glossary((customs,))).entries == (customs, seizure)


def test_merge_drops_an_entry_differing_only_in_case_accents_or_domain():
    first = GlossaryEntry(("rule of law",), ("état de droit",), "justice")
    second = GlossaryEntry(("Rule of law",), ("Etat de droit",))
    assert merge(Glossary((first,)), Glossary((second,))).entries == (first,)


def test_merge_of_nothing_is_empty():
    assert merge() == EMPTY_GLOSSARY


def test_a_term_whose_stop_words_carry_its_sense_is_matched_only_whole(corpus_index):
    # "Afrique de l'Est" analyses to "afriqu" alone ("est" is a French stop word): every such
    # term of corpus/glossary.toml and taxonomy.toml, asked by its one remaining word, adds nothing.
    from indexer.analysis import is_stopword
    from indexer.models import LANGUAGES
    from indexer.query import parse_query

    expander = corpus_index.expander
    shrinking = [
        (entry, lang, text)
        for entry in expander.glossary.entries
        for lang in LANGUAGES
        for text in entry.expressions(lang)
        if len(text.split()) > 1 and len(analyze(text, lang)) == 1 and not is_stopword(analyze(text, lang)[0])
    ]
    assert ("fr", "Afrique de l'Est") in {(lang, text) for _, lang, text in shrinking}
    for entry, lang, text in shrinking:
        word = next(w for w in text.split() if analyze(w, lang))
        singles = {tuple(analyze(t, lang)) for t in entry.expressions(lang) if len(t.split()) == 1}
        if tuple(analyze(word, lang)) in singles:
            continue  # the entry also names that one word: matching it is right
        _, found = expander.expand(parse_query(word).tree)
        equivalents = {t for other in LANGUAGES for t in entry.expressions(other)}
        assert not any(set(e.to) & equivalents for e in found if e.via == "glossary"), (text, word)
        _, found = expander.expand(parse_query(text).tree)
        assert any(set(e.to) & equivalents for e in found if e.via == "glossary"), text
