"""Property-based tests of the one search function: whatever is typed, an answer, never an exception.

Queries come from ``bench.querygen`` (the long run, ``python -m bench.fuzz``, draws 20,000 of
them); the index is the real corpus plus one document of hostile text, built once for the module.
"""

from __future__ import annotations

import shutil

import pytest
from fuzz_helpers import assert_sound_result
from fuzz_helpers import filter_values
from fuzz_helpers import queries
from hypothesis import given
from hypothesis import strategies as st
from readers_helpers import CORPUS

from indexer import SearchQuery
from indexer import index_corpus
from indexer import search
from indexer.errors import BadParameter
from indexer.errors import NothingToSearch
from indexer.errors import UnknownFilterValue
from indexer.query import MAX_QUERY_CHARS
from indexer.query import MAX_TERMS
from indexer.query import parse_query
from indexer.search import is_known
from indexer.store import open_index

HOSTILE_TEXT = (
    """Hostile <b>passages</b>

Money laundering <script>alert("x")</script> & "quotes" in the port of Lomé.

غسل الأموال money laundering שלום \u202eevil\u202c customs.

Sécurité\u0301 portuaire ﬁnance Straße 🙂 l’Union douane &amp; &lt;tag&gt;.

Supercalifragilistic"""
    + "expialidocious" * 40
    + """ corruption.
"""
)


@pytest.fixture(scope="module")
def fuzz_index(tmp_path_factory):
    """The real corpus and a document of hostile text, indexed once for the module."""
    corpus = tmp_path_factory.mktemp("fuzz-corpus") / "corpus"
    shutil.copytree(CORPUS, corpus)
    (corpus / "hostile.txt").write_text(HOSTILE_TEXT, encoding="utf-8")
    root = tmp_path_factory.mktemp("fuzz-index")
    index_corpus(corpus, root)
    opened = open_index(root)
    yield opened
    opened.close()


@given(text=queries(surrogates=True))
def test_any_query_gets_a_sound_answer(fuzz_index, text):
    assert_sound_answer(SearchQuery(text=text), fuzz_index)


@given(
    text=queries(),
    lang=st.lists(st.sampled_from(["en", "fr", "EN", "english", "Français"]), max_size=2),
    project=st.lists(filter_values(), max_size=3),
    partner=st.lists(filter_values(), max_size=3),
    topic=st.lists(filter_values(), max_size=3),
    page=st.integers(1, 5),
    per_page=st.integers(1, 100),
    sort=st.sampled_from(["relevance", "newest"]),
    expand=st.booleans(),
)
def test_any_query_with_any_filters_and_paging_gets_a_sound_answer(
    fuzz_index, text, lang, project, partner, topic, page, per_page, sort, expand
):
    query = SearchQuery(text, tuple(lang), tuple(project), tuple(partner), tuple(topic), page, per_page, sort, expand)
    assert_sound_answer(query, fuzz_index)


def assert_sound_answer(query, index) -> None:
    """A sound result; or the error naming a filter parameter the index does not know; or, only for a
    query with nothing to search sorted by relevance, the error saying so."""
    parsed = parse_query(query.text)
    if any(not is_known(facet, value, index) for facet, values in query.filters().items() for value in values):
        with pytest.raises(UnknownFilterValue):
            search(query, index)
    elif parsed.tree is None and not parsed.filters and not query.filters() and query.sort == "relevance":
        with pytest.raises(NothingToSearch):
            search(query, index)
    else:
        assert_sound_result(search(query, index))


@given(text=st.one_of(queries(max_chars=20_000, surrogates=True), st.text(max_size=20_000)))
def test_parsing_keeps_at_most_the_term_limit_and_never_raises(text):
    assert len(parse_query(text).words()) <= MAX_TERMS


def test_thousands_of_terms_and_deep_nesting_are_parsed_within_the_limits():
    many = parse_query(" ".join(f"w{i}" for i in range(5000)))
    nested = parse_query("(" * 50 + "port" + ")" * 50 + " NOT" * 3000 + " -(" * 3000 + "customs")
    too_deep = parse_query("(" * 3000 + "port" + ")" * 3000)  # past the token limit: only brackets are kept
    long_phrase = parse_query('"' + " ".join(f"w{i}" for i in range(300)) + '" customs')
    assert len(many.words()) == MAX_TERMS
    assert nested.words() == ["port"]
    assert too_deep.words() == []
    assert len(long_phrase.words()) == MAX_TERMS


def test_a_query_longer_than_the_limit_is_refused_naming_q(fuzz_index):
    with pytest.raises(BadParameter) as raised:
        search(SearchQuery(text="port " * 101), fuzz_index)
    assert raised.value.name == "q" and str(MAX_QUERY_CHARS) in raised.value.reason


@pytest.mark.parametrize(
    ("pattern", "plain"),
    [("secur*", "secur"), ("*laundering", "laundering"), ("blanchi*", "blanchi"), ("s?curity", '"s curity"')],
)
def test_star_and_question_mark_are_not_wildcards_but_word_separators(fuzz_index, pattern, plain):
    found = search(SearchQuery(text=pattern), fuzz_index)
    expected = search(SearchQuery(text=plain), fuzz_index)
    assert [hit.passage_id for hit in found.results] == [hit.passage_id for hit in expected.results]


def test_hostile_text_in_a_passage_comes_back_escaped_and_marked(fuzz_index):
    result = search(SearchQuery(text="money laundering Lomé"), fuzz_index)
    snippet = next(hit["snippet"] for hit in result.to_dict()["results"] if hit["doc_id"] == "hostile")
    assert "&lt;script&gt;" in snippet and "<script>" not in snippet
    assert "<mark>Lomé</mark>" in snippet
