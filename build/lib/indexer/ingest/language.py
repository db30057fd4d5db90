"""Language of a passage: English or French, deterministic, with inheritance for short text."""

from __future__ import annotations

from functools import lru_cache

from langdetect import DetectorFactory
from langdetect import detect_langs
from langdetect.lang_detect_exception import LangDetectException

from indexer.models import LANGUAGES

# Below this many letters langdetect guesses ("Annual report" -> ro); such text inherits instead.
MIN_LETTERS = 40

DetectorFactory.seed = 0  # langdetect samples at random; a fixed seed makes runs repeatable


def detect_language(text: str, fallback: str | None = None) -> str | None:
    """``en`` or ``fr`` for ``text``; ``fallback`` when the text is too short or undecidable.

    Only English and French compete: the better of the two in langdetect's ranking wins,
    even when it ranks a third language first.
    """
    if sum(ch.isalpha() for ch in text) < MIN_LETTERS:
        return fallback
    return _detect(text) or fallback


@lru_cache(maxsize=4096)
def _detect(text: str) -> str | None:
    try:
        ranking = detect_langs(text)
    except LangDetectException:
        return None
    candidates = [(guess.prob, guess.lang) for guess in ranking if guess.lang in LANGUAGES]
    return max(candidates)[1] if candidates else None
