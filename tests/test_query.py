import pytest

from indexer.query import And
from indexer.query import Not
from indexer.query import Or
from indexer.query import Phrase
from indexer.query import Term
from indexer.query import parse_query
from indexer.query import top_clauses


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
        ("corruption AND prison", And((Term("corruption"), Term("prison")), strict=True)),
        ("port security AND customs", And((Term("port"), And((Term("security"), Term("customs")), strict=True)))),
        ("a AND b AND c", And((Term("a"), Term("b"), Term("c")), strict=True)),
        ("(port security) africa", And((And((Term("port"), Term("security")), strict=True), Term("africa")))),
        (
            "(port OR seaport) security",
            And((And((Or((Term("port"), Term("seaport"))),), strict=True), Term("security"))),
        ),
        ("(port) security", And((Term("port"), Term("security")))),
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
        (
            "project:wecaps partner:unodc topic:corruption",
            {"project": ("wecaps",), "partner": ("unodc",), "topic": ("corruption",)},
        ),
        (
            "langue:fr projet:wecaps partenaire:onudc theme:corruption",
            {"lang": ("fr",), "project": ("wecaps",), "partner": ("onudc",), "topic": ("corruption",)},
        ),
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


@pytest.mark.parametrize(
    "text, optional, required",
    [
        ("customs", ["customs"], []),
        ("money laundering trade", ["money", "laundering", "trade"], []),
        ('"port security" africa', ["africa"], ['"port security"']),
        ("corruption -prison", ["corruption"], ["-prison"]),
        ("port OR seaport security", ["port OR seaport", "security"], []),
        ("customs AND police", [], ["customs AND police"]),
        ("(customs police) training", ["training"], ["customs AND police"]),
    ],
)
def test_words_typed_side_by_side_are_optional_and_the_rest_required(text, optional, required):
    def show(node):
        if isinstance(node, Term):
            return node.text
        if isinstance(node, Phrase):
            return '"' + " ".join(node.words) + '"'
        if isinstance(node, Not):
            return "-" + show(node.child)
        if isinstance(node, Or):
            return " OR ".join(map(show, node.children))
        return " AND ".join(map(show, node.children))  # a group in parentheses is strict too

    found_optional, found_required = top_clauses(parse_query(text).tree)
    assert [show(node) for node in found_optional] == optional
    assert [show(node) for node in found_required] == required
