"""Numbers in words: a number typed in digits also searches its spelling in each language.

Statutes and reports spell many numbers out ("dix-sept semaines", "cent millions de dollars",
"twelve or thirteen years") where a heading or a question writes digits ("17 weeks",
"$100,000,000"), and French writes the first of a month "1er". ``spellings`` gives those other
spellings; the expander searches them as phrases beside the digits. Four-digit numbers without a
thousands separator are left alone: they are years and section numbers, which texts write in digits.
"""

from __future__ import annotations

import re

from num2words import num2words

from indexer.models import LANGUAGES

_NUMBER = re.compile(r"\$?(\d{1,3}(?:,\d{3})+|\d+)\$?")
LARGEST = 10**12  # beyond, no text spells a number out
# French writes the first of a month "1er" ("le 1er avril 1998"), English "1" ("April 1, 1998").
FIRST = {"1": ("fr", "1er"), "1er": ("en", "1"), "1re": ("en", "1")}


def spellings(word: str) -> tuple[tuple[str, str], ...]:
    """``(language, text)`` of the other ways texts write a number typed as ``word``; () for other words.

    >>> spellings("$100,000,000")
    (('en', 'one hundred million'), ('fr', 'cent millions'))
    """
    first = FIRST.get(word.lower())
    others = (first,) if first else ()
    match = _NUMBER.fullmatch(word)
    if match is None:
        return others
    digits = match.group(1)
    value = int(digits.replace(",", ""))
    if not 0 < value < LARGEST or len(digits) == 4:  # none, too large, or a year or section number
        return others
    return tuple((lang, num2words(value, lang=lang).replace(",", "")) for lang in LANGUAGES) + others
