"""Terms a passage gives in the other language, in parentheses: translations the collection writes itself.

Bilingual legal and institutional texts gloss their terms: Canada's French statutes define
*marchandises* "… (goods)" and *audience* "… (hearing)", each definition opening with its term and
closing with the English one. Each parenthesised phrase in the other language is paired with the
first words of the text since the previous parenthesis, where such a definition names its term.
The pairs are learned from with the aligned passages of translated documents
(``indexer.crosslang.parallel``): Model 1 sorts out which words translate which, so that the legal
senses no dictionary ranks first (*hearing*: *audience*, *notice*: *avis*) come from the collection
that uses them. (The words just before the parenthesis too, for a sentence's inline gloss, lost
on the Canadian training half: docs/relevance.md.)
"""

from __future__ import annotations

import re

from indexer.analysis import analyze
from indexer.models import other_language

# A parenthesised phrase of words: no digits or nested parentheses ("(1)", "(a)", "(see 3(2))" are
# references, not glosses), at least three letters.
_GLOSS = re.compile(r"\(([^\W\d_][^()\d]{2,60})\)")
CONTEXT_WORDS = 8  # words taken from the segment's start (4 more from its end: 0.168 against 0.173)


def glosses(text: str, lang: str, known) -> list[tuple[str, str]]:
    """``(gloss, context)`` for each phrase in parentheses in ``text`` (written in ``lang``) that
    is in the other language: ``known(term, lang)`` tells whether a language knows an index term."""
    found, start = [], 0
    for match in _GLOSS.finditer(text):
        words = text[start : match.start()].split()
        start = match.end()
        gloss = match.group(1).strip()
        if words and _written_in(gloss, other_language(lang), lang, known):
            found.append((gloss, " ".join(words[:CONTEXT_WORDS])))
    return found


def _written_in(phrase: str, lang: str, other: str, known) -> bool:
    """As many of the phrase's words are known terms of ``lang`` as of ``other``, or more, and some
    are: a legal term is often spelt alike in both (*(Minister)*, *(ministre)*)."""
    ours = sum(known(term, lang) for term in analyze(phrase, lang))
    theirs = sum(known(term, other) for term in analyze(phrase, other))
    return ours >= theirs and ours > 0
