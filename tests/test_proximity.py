"""The second ranking stage: query words close together, and named early, rank a passage higher."""

import pytest

from indexer.engine import proximity
from indexer.engine.proximity import PassageScorer

IDF = {"money": 2.0, "launder": 3.0, "custom": 1.5}


def scorer(*words: str) -> PassageScorer:
    return PassageScorer([{word: 1.0} for word in words], IDF.__getitem__)


def filler(n: int) -> list[str]:
    return [f"other{i}" for i in range(n)]


def passage(*parts) -> str:
    """A passage's terms as the index stores them: space-separated."""
    return " ".join(term for part in parts for term in ([part] if isinstance(part, str) else part))


def test_adjacent_query_words_score_more_than_distant_ones():
    near = passage(filler(30), "money", "launder", filler(30))
    far = passage(filler(30), "money", filler(5), "launder", filler(25))
    assert scorer("money", "launder").bonus(near) > scorer("money", "launder").bonus(far)


def test_words_further_apart_than_the_window_are_not_near():
    apart = passage(filler(40), "money", filler(proximity.WINDOW), "launder")
    alone = passage(filler(40), "money", filler(proximity.WINDOW), "other")
    assert scorer("money", "launder").bonus(apart) == pytest.approx(
        scorer("money", "launder").bonus(alone) + scorer("launder").bonus(apart)
    )


def test_a_word_named_early_counts_more_than_the_same_word_named_late():
    assert scorer("custom").bonus(passage("custom", filler(100))) > scorer("custom").bonus(
        passage(filler(100), "custom")
    )


def test_only_words_adjacent_in_the_query_make_pairs():
    # "money custom launder": (money, custom) and (custom, launder) are pairs, (money, launder) is not
    text = passage(filler(50), "money", "launder", filler(50))
    assert scorer("money", "custom", "launder").bonus(text) == pytest.approx(
        scorer("money").bonus(text) + scorer("launder").bonus(text)
    )


def test_a_passage_without_the_query_words_gets_nothing():
    assert scorer("money", "launder").bonus(passage(filler(20))) == 0.0


def test_translations_count_by_their_weight():
    own = PassageScorer([{"money": 1.0}, {"launder": 1.0}], IDF.__getitem__)
    translated = PassageScorer([{"money": 0.5}, {"launder": 0.5}], IDF.__getitem__)
    text = passage("money", "launder", filler(10))
    assert translated.bonus(text) == pytest.approx(own.bonus(text) / 2)


def test_a_word_that_is_part_of_another_term_is_not_found_there():
    assert scorer("money").bonus(passage("moneylaunder", "launder", "money2")) == 0.0


def test_positions_count_terms_not_characters():
    # "launder" is the 3rd term: at distance 1 from the "money" before it, however long the words
    early = scorer("money", "launder").bonus(passage("averyveryverylongterm", "money", "launder"))
    short = scorer("money", "launder").bonus(passage("a", "money", "launder"))
    assert early == pytest.approx(short)


def searching(*terms: str, phrases=()) -> PassageScorer:
    """A scorer for a query whose terms (and equivalents) are ``terms``, its first word ``terms[0]``."""
    return PassageScorer([{terms[0]: 1.0}], lambda term: IDF.get(term, 1.0), terms, phrases)


def test_a_short_passage_without_a_query_word_is_demoted():
    lead_in = passage("project", "three", "specif", "object")  # "The project has three specific objectives:"
    assert searching("launder").rescore(10.0, lead_in) == pytest.approx(10.0 * proximity.LOW_CONTENT_FACTOR)


def test_a_short_passage_holding_a_query_word_or_phrase_is_not_demoted():
    assert searching("launder").rescore(10.0, passage("launder", "law")) > 10.0
    phrased = searching("launder", "money", phrases=[("money", "launder")])
    assert phrased.rescore(10.0, passage("fight", "money", "launder")) > 10.0


def test_a_short_passage_naming_an_entry_the_query_describes_is_not_demoted():
    amount = passage("8.5m", "european", "union")
    assert searching("fund").rescore(10.0, amount, named_terms="european union eu fund") == 10.0
    assert searching("launder").rescore(10.0, amount, named_terms="european union eu fund") < 10.0


def test_a_long_passage_without_a_query_word_keeps_its_score():
    assert searching("launder").rescore(10.0, passage(filler(proximity.LOW_CONTENT_TERMS))) == 10.0
