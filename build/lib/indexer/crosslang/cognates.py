"""Cognates: the other language's spelling of a word, by the regular correspondences of English and French.

Legal and administrative English took much of its vocabulary from French, and the endings moved
in regular ways: *criminality* / *criminalité*, *registrar* / *registraire*, *inspector* /
*inspecteur*, *economic* / *économique*. ``cognates`` rewrites a word's ending by each rule that
fits and returns the candidate spellings; the search keeps only those the collection holds
(``indexer.engine.whoosh.arrays.WeightedTerms``), so a wrong guess costs one dictionary lookup.
A word spelt the same in both languages (*expulsion*, *infraction*) needs no rule: every word is
also searched as a term of the other language.
"""

from __future__ import annotations

from indexer.folding import fold

# (English ending, French ending): longest first, so "-ical" wins over "-al".
RULES = (
    ("ically", "iquement"),
    ("ation", "ation"),
    ("ities", "ités"),
    ("ively", "ivement"),
    ("ical", "ique"),
    ("ship", ""),
    ("ized", "isé"),
    ("ised", "isé"),
    ("izing", "isant"),
    ("ize", "iser"),
    ("ise", "iser"),
    ("ism", "isme"),
    ("ist", "iste"),
    ("ity", "ité"),
    ("ies", "ies"),
    ("ous", "eux"),
    ("ary", "aire"),
    ("ory", "oire"),
    ("ive", "if"),
    ("ic", "ique"),
    ("ics", "iques"),
    ("ar", "aire"),
    ("er", "re"),
    ("or", "eur"),
    ("ated", "é"),
    ("ate", "er"),
    ("ed", "é"),
    ("y", "ie"),
    ("al", "el"),
)
MIN_STEM = 4  # letters left before the ending: shorter words have too many false friends


def cognates(word: str, source: str) -> list[str]:
    """Candidate spellings of ``word`` (a word of ``source``) in the other language, most regular first."""
    word = fold(word).lower()
    if not word.isalpha():
        return []
    found = []
    for english, french in RULES:
        ending, replacement = (english, french) if source == "en" else (fold(french), english)
        if ending and word.endswith(ending) and len(word) - len(ending) >= MIN_STEM:
            found.append(word[: len(word) - len(ending)] + replacement)
    return list(dict.fromkeys(found))
