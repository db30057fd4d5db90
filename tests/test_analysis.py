import pytest

from indexer.analysis import analyze
from indexer.analysis import analyze_with_offsets


@pytest.mark.parametrize(
    "lang, left, right",
    [
        ("fr", "sécurité", "securite"),
        ("fr", "Sécurité intérieure", "SECURITE INTERIEURE"),
        ("fr", "l’Union africaine", "l'union africaine"),
        ("fr", "douanes", "douane"),
        ("fr", "coopération policière", "cooperation policiere"),
        ("en", "organisations", "organisation"),
        ("en", "the agency's approach", "agency approach"),
        ("en", "trafficking", "trafficked"),
    ],
)
def test_variants_of_a_word_share_their_index_terms(lang, left, right):
    assert analyze(left, lang) == analyze(right, lang)


@pytest.mark.parametrize(
    "text, lang, expected",
    [
        ("l’ONUDC", "fr", ["onudc"]),
        ("d'INTERPOL", "fr", ["interpol"]),
        ("jusqu’aux", "fr", []),  # "aux" is a stop word too
        ("l’organisation", "fr", ["organis"]),
        ("qu’il", "fr", []),
        ("lorsqu’une", "fr", []),
        ("puisqu'elle", "fr", []),
    ],
)
def test_french_elisions_are_dropped_with_either_apostrophe(text, lang, expected):
    assert analyze(text, lang) == expected


def test_stop_words_are_not_indexed():
    assert "the" not in analyze("the fight against the trade", "en")
    assert "de" not in analyze("la lutte contre le crime de la drogue", "fr")


def test_offsets_point_at_the_original_words_after_elision():
    text = "membres de l’Union africaine"
    spans = {term: text[start:end] for term, start, end in analyze_with_offsets(text, "fr")}
    assert spans["union"] == "Union"
    assert spans["africain"] == "africaine"


def test_slashes_and_hyphens_split_acronyms():
    assert analyze("AML/CFT", "en") == analyze("AML-CFT", "en") == ["aml", "cft"]


def test_the_stop_word_lists_are_whooshs_which_the_reference_configuration_uses():
    from whoosh.lang.stopwords import stoplists

    from indexer.stopwords import SNOWBALL_STOPWORDS

    assert {code: frozenset(stoplists[code]) for code in ("en", "fr")} == SNOWBALL_STOPWORDS


def test_highlighting_more_words_than_the_memo_holds_marks_them_all(monkeypatch):
    import indexer.analysis as analysis

    monkeypatch.setattr(analysis, "_MEMO_LIMIT", 4)  # a search server's memo, full: turned over while marking
    text = "ports harbours quays berths docks wharves"
    spans = analysis.spans_of(text, "en", {analysis.analyze(word, "en")[0] for word in text.split()})
    assert sorted(text[start:end] for start, end in spans) == sorted(text.split())


def test_a_search_servers_memo_stays_within_its_limit_and_keeps_the_words_met_often(monkeypatch):
    import indexer.analysis as analysis

    monkeypatch.setattr(analysis, "_MEMO_LIMIT", 100)
    table = analysis._TermTable("en")
    for number in range(1000):  # new words without end, as a server meets them, and one met often
        assert table(f"word{number}")[0] == f"word{number}" and table("customs")[0] == "custom"
        assert len(table.memo) + len(table.older) <= 100
    assert "customs" in table.memo or "customs" in table.older
