"""Capture noise: strings that web captures leave in a page but that are not content.

Everything the decision uses is data at the top of this module, so a new kind of noise is one more
entry in a list, not one more branch in a function.
"""

from __future__ import annotations

import re

# Whole strings (case-folded, surrounding punctuation removed) that are menu or button labels.
MENU_WORDS = frozenset(
    {
        "print",
        "share",
        "menu",
        "search",
        "back to top",
        "read more",
        "last publications",
        "latest publications",
        "imprimer",
        "partager",
        "rechercher",
        "retour en haut",
        "lire la suite",
        "dernières publications",
    }
)

# A link label opens with one of these verbs...
LINK_OPENERS = ("check out", "see the", "download the", "voir la fiche", "consulter la fiche", "télécharger")
# ...and points at one of these things.
LINK_TARGETS = ("sheet", "website", "fiche", "site")
# Labels are short; a longer line that happens to start the same way is a sentence, so it is kept.
LINK_MAX_WORDS = 15
# Longer than any menu word or link label: only the "has a word character" test applies.
LABEL_MAX_CHARS = 200

_LINK_LABEL = re.compile(
    # Two lookaheads, because the target may be part of the opener ("voir la fiche").
    r"^(?=(?:{openers})\b)(?=.*\b(?:{targets})s?\b)".format(
        openers="|".join(re.escape(opener) for opener in LINK_OPENERS),
        targets="|".join(LINK_TARGETS),
    )
)
_HAS_WORD_CHARACTER = re.compile(r"\w")
_EDGE_PUNCTUATION = " \t\r\n.,;:!?…·•|>»«<-–—_*#()[]{}\"'’"


def is_noise(text: str) -> bool:
    """True when ``text`` is capture noise (an empty string, a menu word, a link label), not content."""
    if not _HAS_WORD_CHARACTER.search(text):
        return True
    if len(text) > LABEL_MAX_CHARS:
        return False
    folded = _fold(text)
    return folded in MENU_WORDS or _is_link_label(folded)


def _fold(text: str) -> str:
    # Case and spacing vary between captures of the same menu ("Print", " PRINT ", "Back  to top ↑").
    words = text.casefold().split()
    return " ".join(words).strip(_EDGE_PUNCTUATION + "↑↓→←")


def _is_link_label(folded: str) -> bool:
    return len(folded.split()) <= LINK_MAX_WORDS and _LINK_LABEL.match(folded) is not None
