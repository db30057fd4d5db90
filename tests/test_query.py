import pytest

from indexer.query import And
from indexer.query import Not
from indexer.query import Or
from indexer.query import Phrase
from indexer.query import Term
from indexer.query import parse_query


@pytest.mark.parametrize(
    "text, tree",
    [
        ("customs", Term("customs")),
        ("money laundering", And((Term("money"), Term("laundering")))),
        ('"money laundering"', Phrase(("money", "laundering"))),
        ("douane OR customs", Or((Term("douane"), Term("customs")))),
        ("port OR maritime security", And((Or((Term("port"), Term("maritime"))), Term("security")))),
        ("corruption -prison", And((Term("corruption"), Not(Term("prison"))))),
        ("corruption NOT prison", And((Term("corruption"), Not(Term("prison"))))),
        ("corruption AND prison", And((Term("corruption"), Term("prison")))),
        ("(port OR seaport) security", And((Or((Term("port"), Term("seaport"))), Term("security")))),
        ("douane OU douanes", Or((Term("douane"), Term("douanes")))),
        ("sécurité et défense", And((Term("sécurité"), Term("et"), Term("défense")))),
    ],
)
def test_query_syntax(text, tree):
    assert parse_query(text).tree == tree


@pytest.mark.parametrize(
    "text, filters",
    [
        ("lang:fr douane", {"lang": ("fr",)}),
        ("project:wecaps partner:unodc topic:corruption", {"project": ("wecaps",), "partner": ("unodc",), "topic": ("corruption",)}),
        ("langue:fr projet:wecaps partenaire:onudc theme:corruption", {"lang": ("fr",), "project": ("wecaps",), "partner": ("onudc",), "topic": ("corruption",)}),
        ('partner:"RUSI Europe"', {"partner": ("RUSI Europe",)}),
    ],
)
def test_field_filters_are_taken_out_of_the_text(text, filters):
    assert parse_query(text).filters == filters


@pytest.mark.parametrize(
    "text, words",
    [
        ('"unbalanced quote', ["unbalanced", "quote"]),
        ("((port security", ["port", "security"]),
        ("port security))", ["port", "security"]),
        ("AND OR NOT", []),
        ("OR customs", ["customs"]),
        ("customs OR", ["customs"]),
        ("customs NOT", ["customs"]),
        ("unknown:field value", ["unknown:field", "value"]),
        ("lang:", ["lang:"]),
        ('colour:"dark blue" sea', ["dark", "blue", "sea"]),
        ("", []),
        ('"" () - :', []),
    ],
)
def test_malformed_queries_fall_back_to_their_plain_words(text, words):
    assert parse_query(text).words() == words


def test_negated_words_are_not_positive_words():
    assert parse_query("corruption -prison NOT gangs").words() == ["corruption"]


def test_very_long_queries_are_truncated_not_rejected():
    parsed = parse_query(" ".join(f"w{i}" for i in range(10_000)))
    assert 0 < len(parsed.words()) <= 128
