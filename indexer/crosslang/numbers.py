"""Numbers in words: a number typed in digits also searches its spelling in each language.

Statutes and reports spell many numbers out ("dix-sept semaines", "cent millions de dollars",
"twelve or thirteen years") where a heading or a question writes digits ("17 weeks",
"$100,000,000"). ``in_words`` gives a number's words in each language (num2words); the expander
searches them as phrases beside the digits. Four-digit numbers without a thousands separator are
left alone: they are years and section numbers, which texts write in digits.
"""

from __future__ import annotations

import re

from num2words import num2words

from indexer.models import LANGUAGES

_NUMBER = re.compile(r"\$?(\d{1,3}(?:,\d{3})+|\d+)\$?")
LARGEST = 10**12  # beyond, no text spells a number out


def in_words(word: str) -> dict[str, str]:
    """``{language: the number in words}`` for a word that is a number in digits, else ``{}``.

    >>> in_words("$100,000,000")["fr"]
    'cent millions'
    """
    match = _NUMBER.fullmatch(word)
    if match is None:
        return {}
    digits = match.group(1)
    value = int(digits.replace(",", ""))
    if not 0 < value < LARGEST or (len(digits) == 4 and 1000 <= value):
        return {}
    return {lang: num2words(value, lang=lang).replace(",", "") for lang in LANGUAGES}
