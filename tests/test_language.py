import pytest

from indexer.ingest.language import detect_language


@pytest.mark.parametrize(
    "text, expected",
    [
        ("The overall objective of this project is to cut off access to funding for terrorists.", "en"),
        ("L’Organisation mondiale des douanes est un organisme intergouvernemental indépendant.", "fr"),
    ],
)
def test_sentences_are_detected_as_english_or_french(text, expected):
    assert detect_language(text) == expected


@pytest.mark.parametrize("text", ["Annual report", "Budget 2024", "", "123 456", "€5m (European Union)"])
def test_short_text_takes_the_fallback_language(text):
    assert detect_language(text, "fr") == "fr"


def test_a_third_language_is_never_chosen():
    german = "Die Zusammenarbeit der Polizei und des Zolls wird in diesem Projekt deutlich verstärkt."
    assert detect_language(german, "en") in ("en", "fr")


def test_detection_is_repeatable():
    text = "Coopération policière et judiciaire en Amérique latine contre le crime organisé."
    assert len({detect_language(text) for _ in range(5)}) == 1
