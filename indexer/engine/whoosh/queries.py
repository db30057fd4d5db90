"""The neutral query tree as Whoosh queries, and the analysed terms a hit should show marked.

Every query is read in both languages: each word is analysed per language and looked up in
that language's body, heading and tag fields. The top of the tree is matched as
``query.top_clauses`` says: any of the words typed side by side, every required clause.
Only the Whoosh backend modules import this.
"""

from __future__ import annotations

from dataclasses import dataclass

from whoosh import query as wq

from indexer import query as q
from indexer.analysis import analyze
from indexer.analysis import is_stopword
from indexer.analysis import phrase_spans
from indexer.analysis import spans_of
from indexer.engine.whoosh.arrays import DateRange
from indexer.engine.whoosh.arrays import FieldsTerm
from indexer.engine.whoosh.arrays import WeightedTerms
from indexer.engine.whoosh.arrays import Words
from indexer.models import LANGUAGES
from indexer.models import Passage

# BM25F field weights: a word in a heading counts as this many more occurrences in the body.
# A heading (a record's title) is shared by every passage of its section, so it weighs less
# than the passage's own words; 0.5 was measured against 0.2 and 1.0 (docs/relevance.md).
HEADING_WEIGHT = 0.5
TAGS_WEIGHT = 0.5  # the names of the taxonomy entries the passage or its heading mentions
EXPANSION_WEIGHT = 0.6  # glossary equivalents count less than the user's own words
FACET_FIELDS = {"lang": "lang", "project": "projects", "partner": "partners", "topic": "topics", "year": "year"}


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
    keep_stops = only_stopwords(tree)
    optional, required = q.top_clauses(tree)
    branches = [_compile_top(optional, required, lang, keep_stops) for lang in LANGUAGES]
    branches = [b for b in branches if b is not None]
    if not branches:
        return wq.NullQuery
    return branches[0] if len(branches) == 1 else wq.Or(branches)


def only_stopwords(tree) -> bool:
    """True when every word of the query is a stop word: then they are searched after all."""
    return not any(not is_stopword(word) for word in q.positive_words(tree))


def _compile_top(optional, required, lang, keep_stops):
    """Any of the optional words (their scores added), and every required clause.

    When a positive clause is required (a phrase, an AND), the words only rank its passages,
    as a SHOULD clause beside a MUST in Lucene; NOT clauses alone leave the words needed.
    """
    words = [c for c in (_compile(child, lang, keep_stops, loose=True) for child in optional) if c is not None]
    needed = [c for c in (_compile(child, lang, keep_stops) for child in required) if c is not None]
    words_query = Words(words) if len(words) > 1 else (words[0] if words else None)
    positive = [c for c in needed if not isinstance(c, wq.Not)]
    if positive:
        required_query = wq.And(needed) if len(needed) > 1 else needed[0]
        return wq.AndMaybe(required_query, words_query) if words_query is not None else required_query
    if words_query is None:
        return (wq.And(needed) if len(needed) > 1 else needed[0]) if needed else None
    return wq.And([words_query, *needed]) if needed else words_query


def _compile(node, lang, keep_stops, loose=False):
    """One clause in one language; ``loose``: the words of a glossary span each optional."""
    if isinstance(node, q.Term):
        if not keep_stops and is_stopword(node.text):
            return None
        return _field_query(analyze(node.text, lang), lang)
    if isinstance(node, q.Phrase):
        return _field_query(analyze(" ".join(node.words), lang), lang)
    if isinstance(node, q.Expanded):
        return _compile_expanded(node, lang, keep_stops, loose)
    if isinstance(node, q.Not):
        both = [c for c in (_compile(node.child, other, True) for other in LANGUAGES) if c is not None]
        return wq.Not(wq.Or(both)) if both else None
    children = [c for c in (_compile(child, lang, keep_stops) for child in node.children) if c is not None]
    if not children:
        return None
    if len(children) == 1 and not isinstance(children[0], wq.Not):
        return children[0]
    strict = isinstance(node, q.And) and not loose
    return (wq.And if strict else wq.Or)(children)


def _compile_expanded(node, lang, keep_stops, loose):
    """The words OR their equivalents, scored by the best of them: a word found twice counts once."""
    translations = [(term, weight) for term_lang, term, weight in node.translations if term_lang == lang]
    reading = _translated_reading(node, lang, keep_stops)
    if reading is not None:  # the word is searched in this language through its translations
        own, weight = reading
        parts = [_field_query(own, lang, weight)]
        translations = [(term, w) for term, w in translations if term not in own]
    else:
        parts = [_compile(node.original, lang, keep_stops, loose)]
    for alt_lang, words in node.alternatives:
        if alt_lang == lang:
            parts.append(_field_query(analyze(" ".join(words), lang), lang, EXPANSION_WEIGHT))
    # Lexicon translations are stems already, searched in the body only: each costs a
    # posting-list walk, and headings would add every passage of an instrument. They are one
    # term weighted by their probabilities, at the weight of the best (``WeightedTerms``).
    if translations:
        parts.append(WeightedTerms(f"body_{lang}", tuple(translations), max(w for _, w in translations)))
    parts = [part for part in parts if part is not None]
    if len(parts) > 1:
        return wq.DisjunctionMax(parts)
    return parts[0] if parts else None


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


def _fields(lang: str) -> tuple[tuple[str, float], ...]:
    weighted = ((f"body_{lang}", 1.0), (f"heading_{lang}", HEADING_WEIGHT), (f"tags_{lang}", TAGS_WEIGHT))
    return tuple((name, weight) for name, weight in weighted if weight)


def _field_query(terms: list[str], lang: str, weight: float = 1.0):
    if not terms:
        return None
    if len(terms) == 1:
        return FieldsTerm(terms[0], _fields(lang), boost=weight)
    return wq.Or([wq.Phrase(name, terms, boost=boost * weight) for name, boost in _fields(lang)])


def compile_filters(filters: dict[str, tuple[str, ...]], dates: tuple[str, str] = ("", "")):
    """Facet filters as a Whoosh filter query: values of one facet ORed, facets ANDed, and the
    documents dated within ``dates`` (first and last day, "" for an open end) when it is bounded."""
    clauses = [
        wq.Or([wq.Term(FACET_FIELDS[facet], value) for value in values])
        for facet, values in filters.items()
        if facet in FACET_FIELDS and values
    ]
    if any(dates):
        clauses.append(DateRange(*dates))
    return wq.And(clauses) if clauses else None


@dataclass(frozen=True)
class Marks:
    """What a matching passage shows marked, per language: single index terms wherever they
    occur, and phrases (a quoted phrase, a glossary equivalent of several words) only whole."""

    terms: dict[str, set[str]]
    phrases: dict[str, set[tuple[str, ...]]]

    def add(self, lang: str, analysed: list[str]) -> None:
        if len(analysed) == 1:
            self.terms[lang].add(analysed[0])
        elif analysed:
            self.phrases[lang].add(tuple(analysed))

    def spans(self, passage: Passage) -> tuple[tuple[int, int], ...]:
        """Character spans of the passage's words and phrases to mark, in order."""
        lang = passage.lang
        terms, phrases = self.terms.get(lang), self.phrases.get(lang)
        found = spans_of(passage.text, lang, terms) if terms else []
        if phrases:
            found = sorted(found + phrase_spans(passage.text, lang, phrases))
        return tuple(found)


def positive_marks(tree) -> Marks:
    """What a passage matching ``tree`` shows marked (negated words excluded)."""
    marks = Marks({lang: set() for lang in LANGUAGES}, {lang: set() for lang in LANGUAGES})
    _collect_marks(tree, only_stopwords(tree), marks)
    return marks


def _collect_marks(node, keep_stops: bool, marks: Marks) -> None:
    if isinstance(node, q.Term):
        if keep_stops or not is_stopword(node.text):
            for lang in LANGUAGES:
                marks.add(lang, analyze(node.text, lang))
    elif isinstance(node, q.Phrase):
        for lang in LANGUAGES:
            marks.add(lang, analyze(" ".join(node.words), lang))
    elif isinstance(node, q.Expanded):
        _collect_marks(node.original, keep_stops, marks)
        for lang, words in node.alternatives:
            marks.add(lang, analyze(" ".join(words), lang))
        for lang, term, _ in node.translations:
            marks.add(lang, [term])
    elif isinstance(node, (q.And, q.Or)):
        for child in node.children:
            _collect_marks(child, keep_stops, marks)


def word_slots(tree) -> dict[str, list[dict[str, float]]]:
    """Per language, the query's words in the order typed, each as {index term: weight}.

    What the second ranking stage (``indexer.engine.proximity``) looks for in a passage: a word's own
    terms weigh 1 (or its translated reading's weight, see ``_translated_reading``), its lexicon
    translations their weight. Stop words are left out unless the query has nothing else;
    glossary equivalents are phrases of their own and take no slot. Negated words take none.
    """
    keep_stops = only_stopwords(tree)
    slots: dict[str, list[dict[str, float]]] = {lang: [] for lang in LANGUAGES}
    for node in _positive_leaves(tree):
        word = node.original.text if isinstance(node, q.Expanded) else node.text
        if not keep_stops and is_stopword(word):
            continue
        for lang in LANGUAGES:
            own = analyze(word, lang)
            weight = 1.0
            translated = [(term, w) for term_lang, term, w in getattr(node, "translations", ()) if term_lang == lang]
            if isinstance(node, q.Expanded):
                reading = _translated_reading(node, lang, keep_stops)
                weight = reading[1] if reading else 1.0
            for number, term in enumerate(own):
                slot = {term: weight}
                if number == len(own) - 1:
                    slot.update((t, w) for t, w in translated if t not in slot)
                slots[lang].append(slot)
            if not own and translated:
                slots[lang].append(dict(translated))
    return slots


def _positive_leaves(node):
    """The Terms (or translated Terms) of a tree outside any NOT, in order; phrases give their words."""
    if isinstance(node, q.Term):
        yield node
    elif isinstance(node, q.Phrase):
        yield from (q.Term(word) for word in node.words)
    elif isinstance(node, q.Expanded):
        yield from ((node,) if isinstance(node.original, q.Term) else _positive_leaves(node.original))
    elif isinstance(node, (q.And, q.Or)):
        for child in node.children:
            yield from _positive_leaves(child)
