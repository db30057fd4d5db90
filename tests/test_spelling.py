"""The candidate search behind spelling suggestions."""

from indexer.engine.spelling import Vocabulary

WORDS = ["corruption", "corrosion", "coruption", "eruption", "customs", "cooperation"]


def test_words_within_the_distance_and_sharing_the_first_letter_are_found():
    vocabulary = Vocabulary(WORDS)
    assert vocabulary.within("corupton", 1) == ["coruption"]
    assert sorted(vocabulary.within("corupton", 2)) == ["corruption", "coruption"]


def test_the_word_itself_and_other_first_letters_are_left_out():
    vocabulary = Vocabulary(WORDS)
    assert vocabulary.within("coruption", 1) == ["corruption"]  # "eruption" is 2 edits, other letter
    assert vocabulary.within("zzz", 2) == []
