"""The neutral query tree as Whoosh queries, and the analysed terms a hit should show marked.

Every query is read in both languages: each word is analysed per language and looked up in
that language's body, heading and tag fields. Only the Whoosh backend modules import this.
"""

from __future__ import annotations

from whoosh import query as wq

from indexer import query as q
from indexer.analysis import analyze
from indexer.analysis import analyze_with_offsets
from indexer.analysis import is_stopword
from indexer.models import LANGUAGES
from indexer.models import Passage

# Above body matches, but only just: a heading is shared by every passage of its section,
# and a stronger weight ranked bare lead-ins ("The objectives are to :") above content.
HEADING_BOOST = 1.2
TAGS_BOOST = 1.1
EXPANSION_WEIGHT = 0.6  # glossary equivalents count less than the user's own words
FACET_FIELDS = {"lang": "lang", "project": "projects", "partner": "partners", "topic": "topics"}


def compile_query(tree, filter_query=None) -> wq.Query:
    """The neutral tree as a Whoosh query (each language's reading of it, ORed), then filtered.

    Filters are ANDed with a zero constant score rather than passed as Whoosh's ``filter=``,
    which ignores a filter that matches nothing instead of returning nothing.
    """
    if filter_query is not None:
        constant = wq.ConstantScoreQuery(filter_query, 0.0)
        return constant if tree is None else wq.And([compile_query(tree), constant])
    if tree is None:
        return wq.Every()
    keep_stops = not any(not is_stopword(word) for word in q.positive_words(tree))
    branches = [_compile(tree, lang, keep_stops) for lang in LANGUAGES]
    branches = [b for b in branches if b is not None]
    if not branches:
        return wq.NullQuery
    return branches[0] if len(branches) == 1 else wq.Or(branches)


def _compile(node, lang, keep_stops):
    if isinstance(node, q.Term):
        if not keep_stops and is_stopword(node.text):
            return None
        return _field_query(analyze(node.text, lang), lang)
    if isinstance(node, q.Phrase):
        return _field_query(analyze(" ".join(node.words), lang), lang)
    if isinstance(node, q.Expanded):
        translations = [(term, weight) for term_lang, term, weight in node.translations if term_lang == lang]
        reading = _translated_reading(node, lang, keep_stops)
        if reading is not None:  # the word is searched in this language through its translations
            own, weight = reading
            parts = [_field_query(own, lang, weight)]
            translations = [(term, w) for term, w in translations if term not in own]
        else:
            parts = [_compile(node.original, lang, keep_stops)]
        for alt_lang, words in node.alternatives:
            if alt_lang == lang:
                parts.append(_field_query(analyze(" ".join(words), lang), lang, EXPANSION_WEIGHT))
        # Lexicon translations are stems already, searched in the body only: each costs a
        # posting-list walk, and headings would add every passage of an instrument (issue 8).
        parts.extend(wq.Term(f"body_{lang}", term, boost=weight) for term, weight in translations)
        parts = [part for part in parts if part is not None]
        return wq.Or(parts) if len(parts) > 1 else (parts[0] if parts else None)
    if isinstance(node, q.Not):
        both = [c for c in (_compile(node.child, other, True) for other in LANGUAGES) if c is not None]
        return wq.Not(wq.Or(both)) if both else None
    children = [c for c in (_compile(child, lang, keep_stops) for child in node.children) if c is not None]
    if not children:
        return None
    if len(children) == 1 and not isinstance(children[0], wq.Not):
        return children[0]
    return (wq.And if isinstance(node, q.And) else wq.Or)(children)


def _translated_reading(node, lang: str, keep_stops: bool):
    """The word's own index terms in ``lang`` and their weight, when ``lang`` is only a translation target.

    When every translation of a word goes into ``lang`` (the query's language is the other
    one), a passage in ``lang`` is the other language's side: the word read as a ``lang`` term
    (a cognate, "infraction", or a foreign word quoted in a definition, "(loi)") counts like the
    word's best translation, not like the user's word. Every word of such a query then weighs
    the same in ``lang``'s passages, and the expander's weight alone says how a passage in the
    other language ranks against one in the query's language. None when the rule does not apply.
    """
    if not isinstance(node.original, q.Term) or node.alternatives or not node.translations:
        return None
    if any(term_lang != lang for term_lang, _, _ in node.translations):
        return None
    if not keep_stops and is_stopword(node.original.text):
        return None
    own = analyze(node.original.text, lang)
    return (own, max(weight for _, _, weight in node.translations)) if own else None


def _field_query(terms: list[str], lang: str, weight: float = 1.0):
    if not terms:
        return None
    fields = ((f"body_{lang}", weight), (f"heading_{lang}", HEADING_BOOST * weight), (f"tags_{lang}", TAGS_BOOST * weight))
    if len(terms) == 1:
        return wq.Or([wq.Term(name, terms[0], boost=boost) for name, boost in fields])
    return wq.Or([wq.Phrase(name, terms, boost=boost) for name, boost in fields])


def compile_filters(filters: dict[str, tuple[str, ...]]):
    """Facet filters as a Whoosh filter query: values of one facet ORed, facets ANDed."""
    clauses = [
        wq.Or([wq.Term(FACET_FIELDS[facet], value) for value in values])
        for facet, values in filters.items()
        if facet in FACET_FIELDS and values
    ]
    return wq.And(clauses) if clauses else None


def positive_terms(tree) -> dict[str, set[str]]:
    """Analysed terms per language that a matching passage may show (negated words excluded)."""
    words = list(q.positive_words(tree))
    keep_stops = not any(not is_stopword(word) for word in words)
    kept = [w for w in words if keep_stops or not is_stopword(w)]
    terms = {lang: {t for w in kept for t in analyze(w, lang)} for lang in LANGUAGES}
    for lang, alternative in _alternatives(tree):
        terms[lang].update(alternative)
    return terms


def _alternatives(node):
    """``(language, index terms)`` of every glossary equivalent and lexicon translation in the tree."""
    if isinstance(node, q.Expanded):
        for lang, words in node.alternatives:
            yield lang, analyze(" ".join(words), lang)
        for lang, term, _ in node.translations:
            yield lang, (term,)
    elif isinstance(node, (q.And, q.Or)):
        for child in node.children:
            yield from _alternatives(child)


def spans_for(passage: Passage, positive: dict[str, set[str]]) -> tuple[tuple[int, int], ...]:
    """Character spans of the passage's words whose analysed form is a query term."""
    wanted = positive.get(passage.lang) or set()
    if not wanted:
        return ()
    return tuple((start, end) for term, start, end in analyze_with_offsets(passage.text, passage.lang) if term in wanted)
