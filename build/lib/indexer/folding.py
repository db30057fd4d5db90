"""The one text normalisation used for matching: accents, case, ligatures and typography folded away.

Taxonomy aliases and passage text both go through ``fold`` before they are compared, so "l’ONUDC",
"L'ONUDC" and "l'onudc" are the same string. Offsets are not preserved: "œ" becomes two characters and
NFKD expands compatibility characters ("ﬁ" -> "fi", "…" -> "...").
"""

from __future__ import annotations

import unicodedata

# Applied before NFKD as well as after it: NFKD would turn "´" into a space plus a combining accent
# and U+2011 into U+2010, so typography has to be settled first.
_REPLACEMENTS = {
    "\u2019": "'",  # right single quotation mark, the usual French apostrophe
    "\u2018": "'",  # left single quotation mark
    "\u02bc": "'",  # modifier letter apostrophe
    "\u00b4": "'",  # acute accent typed as an apostrophe
    "`": "'",
    "\u2010": "-",  # hyphen
    "\u2011": "-",  # non-breaking hyphen
    "\u2013": "-",  # en dash
    "\u2014": "-",  # em dash
    "\u00a0": " ",  # no-break space
    "\u202f": " ",  # narrow no-break space, before ":" ";" "?" "!" in French typography
    # Ligatures that NFKD leaves alone; casefold would lower Œ and Æ, but mapping both cases costs nothing.
    "œ": "oe",
    "Œ": "oe",
    "æ": "ae",
    "Æ": "ae",
    "ß": "ss",
    "ẞ": "ss",
}


class _FoldTable(dict):
    """A ``str.translate`` table: the fixed replacements, plus combining marks discovered and cached lazily.

    Listing every combining mark up front would mean scanning all of Unicode at import time; a corpus
    only ever meets a few dozen distinct characters, so each is classified once, on first sight.
    """

    def __missing__(self, codepoint: int) -> int | None:
        value = None if unicodedata.combining(chr(codepoint)) else codepoint
        self[codepoint] = value
        return value


_TABLE = _FoldTable(str.maketrans(_REPLACEMENTS))


def fold(text: str) -> str:
    """Fold *text* for matching: accents dropped, casefolded, ligatures split, typography unified.

    >>> fold("L’Office des Nations Unies — ŒUVRE Économique")
    "l'office des nations unies - oeuvre economique"
    """
    if text.isascii():
        # The only ASCII character that changes besides case is the backtick.
        return text.lower().replace("`", "'")
    decomposed = unicodedata.normalize("NFKD", text.translate(_TABLE))
    # Casefold after NFKD because compatibility forms can decompose to capitals ("℡" -> "TEL").
    return decomposed.casefold().translate(_TABLE)
