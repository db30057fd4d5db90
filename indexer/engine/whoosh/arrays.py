"""Compiled Whoosh queries evaluated over NumPy arrays: the Whoosh backend's query engine.

Whoosh scores each matching posting through a chain of Python matcher objects (about 10 µs
a match) and must run a query again to count or facet its matches. Here a term's postings are
decoded once into arrays and kept (``segments``); a query is evaluated over the whole collection with array operations, and the one match mask
it yields gives the total, the facet counts and the top k. A Whoosh ``Term`` scores as Whoosh's
BM25F would (same idf, quantised lengths and average lengths). A phrase is found in a passage's
text by its stored terms (the ``terms`` column), in headings and tags by Whoosh's own matcher.

Two query nodes exist only here: ``FieldsTerm``, one word searched in several fields and scored
by BM25F proper (field matches summed before saturation, which Whoosh's per-field sum does not
do), and ``Words``, the optional words at the top of a query, which also says which passages
have every one of them (``Match.complete``).

Only the Whoosh backend's modules import this one.
"""

from __future__ import annotations

import copy
from bisect import bisect_right
from collections import Counter
from collections import OrderedDict
from dataclasses import dataclass
from math import log

import numpy as np
from whoosh import query as wq
from whoosh import scoring

from indexer.dates import date_bounds
from indexer.engine.whoosh.segments import EMPTY
from indexer.engine.whoosh.segments import MappedColumn
from indexer.engine.whoosh.segments import SegmentCache
from indexer.engine.whoosh.segments import decode_term
from indexer.engine.whoosh.segments import segment_key
from indexer.engine.whoosh.writing import read_terms_column

# A translation's probability is multiplied by its document frequency to this power before the
# translations of a word are normalised: of a dictionary's senses, the one the collection uses most
# is likelier the one meant (0, 0.25, 0.5, 0.75 on the training halves: 0.25 best, docs/relevance.md).
DF_PRIOR = 0.25
PHRASES_KEPT = 1024  # position-checked phrases remembered per searcher
# Terms whose document frequency and idf are remembered per searcher; a searcher lives until the
# next commit, and the words of a long run of queries would otherwise pile up with it.
TERMS_KEPT = 50_000
UNDATED = "0"  # the ``date`` column's value for a document without a date


class TermMemo(dict):
    """A per-searcher memo of terms' statistics, emptied once it holds ``limit`` of them (``TERMS_KEPT``)."""

    def __init__(self, limit: int | None = None):
        super().__init__()
        self.limit = limit

    def __setitem__(self, key, value) -> None:
        if len(self) >= (self.limit or TERMS_KEPT):
            self.clear()
        super().__setitem__(key, value)


@dataclass
class Match:
    """Which documents of the collection match, and their scores (dense, one slot per docnum)."""

    mask: np.ndarray  # bool
    scores: np.ndarray  # float64
    # Documents matching every part of the query (all its optional words); None: the same as ``mask``.
    complete: np.ndarray | None = None

    def every_part(self) -> np.ndarray:
        return self.mask if self.complete is None else self.complete


class _ValueQuery(wq.Query):
    """A leaf query that is its values: equal, hashed and shown by ``_values()``."""

    def _values(self) -> tuple:
        raise NotImplementedError

    def __eq__(self, other):
        return type(other) is type(self) and self._values() == other._values()

    def __hash__(self):
        return hash(self._values())

    def __repr__(self):
        return f"{type(self).__name__}{self._values()!r}"


class FieldsTerm(_ValueQuery):
    """One analysed term searched in several fields, each with its weight, scored by BM25F.

    The term's frequency in each field, normalised by that field's length, is weighted and
    summed, then saturated once: a word in the heading counts as ``weight`` more occurrences,
    not as a second, separately saturated match (as Whoosh's ``BM25F`` scores an ``Or`` of
    per-field terms). The idf is the body's when the body has the term.
    """

    fieldname = None  # several fields: Whoosh's normalising asks

    def __init__(self, text: str, fields: tuple[tuple[str, float], ...], boost: float = 1.0):
        self.text, self.fields, self.boost = text, tuple(fields), boost

    def _values(self) -> tuple:
        return self.text, self.fields, self.boost


class WeightedTerms(_ValueQuery):
    """A word's translations in one field, as one term: probabilistic structured queries (Darwish and Oard).

    Each translation's frequency in a passage counts times its probability, and its document
    frequency too, so the translations share the word's idf: a rare wrong translation cannot
    score as a rare word, and a passage with several translations of the word counts them once,
    saturated together. Translations the collection lacks are left out and the others'
    probabilities normalised: the collection chooses among what the lexicon offers.
    """

    def __init__(self, fieldname: str, terms: tuple[tuple[str, float], ...], boost: float = 1.0):
        self.fieldname, self.terms, self.boost = fieldname, tuple(terms), boost

    def _values(self) -> tuple:
        return self.fieldname, self.terms, self.boost


class DateRange(_ValueQuery):
    """Passages whose document's date may fall within ``first`` to ``last`` (days, "YYYY-MM-DD"; "" is
    open): a partial date counts as its whole period, so ``2023`` is within a range that holds May 2023."""

    fieldname = None  # a column, not a field's terms: Whoosh's normalising asks

    def __init__(self, first: str, last: str):
        self.first, self.last = first, last

    def _values(self) -> tuple:
        return self.first, self.last


class Words(wq.CompoundQuery):
    """The optional words at the top of a query: any of them matches, their scores add up, and
    the match records which documents have every one of them (for "no passage has all your words")."""

    JOINT = " WORDS "


class QueryArrays:
    """One searcher's view: its segments at their docnum offsets, and the live-document mask."""

    def __init__(self, searcher, cache: SegmentCache, average_length):
        self.searcher = searcher
        self.cache = cache
        self.average_length = average_length
        self.size = searcher.doc_count_all()
        self.leaves = list(searcher.reader().leaf_readers())
        self.live = np.ones(self.size, dtype=bool)
        for reader, offset in self.leaves:
            deleted = list(reader._perdoc.deleted_docs())
            if deleted:
                self.live[np.asarray(deleted, dtype=np.int64) + offset] = False
        cache.forget({segment_key(reader) for reader, _ in self.leaves})
        weighting = searcher.weighting
        self.K1, self.B, self._field_B = weighting.K1, weighting.B, weighting._field_B
        self._column_values: dict = {}
        self._column_readers: dict = {}
        self._idfs = TermMemo()
        self._frequencies = TermMemo()
        self._value_ids: dict = {}
        self._values: dict = {}
        self._average_lengths: dict = {}
        self._phrases: OrderedDict = OrderedDict()
        self._scratch = np.zeros(self.size)  # BM25F's per-field sums, zeroed after each term

    def empty(self) -> Match:
        return Match(np.zeros(self.size, dtype=bool), np.zeros(self.size))

    def term_scores(self, fieldname: str, text: str, boost: float, into: Match) -> None:
        """Add one term's matches and BM25F scores (times ``boost``) into ``into``."""
        field = self.searcher.schema[fieldname]
        scorable = field.scorable
        if scorable:
            idf = self.searcher.idf(fieldname, text)
            avgfl = self._average_length(fieldname)
            B = self._field_B.get(fieldname, self.B)
        for reader, offset in self.leaves:
            ids, weights = self.cache.postings(reader, fieldname, text)
            if not len(ids):
                continue
            if scorable:
                lengths = self.cache.lengths(reader, fieldname)[ids]
                scores = idf * (weights * (self.K1 + 1)) / (weights + self.K1 * ((1 - B) + B * lengths / avgfl))
            else:
                scores = weights
            into.mask[ids + offset] = True
            into.scores[ids + offset] += scores * boost

    def fields_term_scores(self, query: FieldsTerm, boost: float) -> tuple[np.ndarray, np.ndarray]:
        """A ``FieldsTerm``'s matching docnums and their BM25F scores (times ``boost``)."""
        idf = self._fields_idf(query)
        parts = [(fieldname, query.text, weight) for fieldname, weight in query.fields] if idf else []
        return self._saturated(parts, idf, boost)

    def weighted_terms_scores(self, query: WeightedTerms, boost: float) -> tuple[np.ndarray, np.ndarray]:
        """A ``WeightedTerms``' matching docnums and their scores: BM25 of the probability-weighted frequencies."""
        present = [(text, weight, self.doc_frequency(query.fieldname, text)) for text, weight in query.terms]
        present = [(text, weight * df**DF_PRIOR, df) for text, weight, df in present if df and weight > 0]
        if not present:
            return EMPTY[0], EMPTY[1]
        total = sum(weight for _, weight, _ in present)
        frequency = sum(weight * df for _, weight, df in present) / total
        idf = log(self.size / (frequency + 1)) + 1
        return self._saturated([(query.fieldname, text, weight / total) for text, weight, _ in present], idf, boost)

    def _saturated(self, parts, idf: float, boost: float) -> tuple[np.ndarray, np.ndarray]:
        """BM25F over ``(field, term, weight)`` parts: length-normalised frequencies weighted, summed, saturated once.

        A docnum found in several parts comes several times, with the same score: scattering
        (``a[docnums] = …``, ``a[docnums] += …``) writes it once. Uses one scratch array for the
        whole collection: callers hold the backend's read lock.
        """
        summed = self._scratch
        touched = []
        for fieldname, text, weight in parts:
            avgfl = self._average_length(fieldname)
            B = self._field_B.get(fieldname, self.B)
            for reader, offset in self.leaves:
                ids, weights = self.cache.postings(reader, fieldname, text)
                if len(ids):
                    lengths = self.cache.lengths(reader, fieldname)[ids]
                    docnums = ids + offset
                    summed[docnums] += weight * weights / ((1 - B) + B * lengths / avgfl)
                    touched.append(docnums)
        if not touched:
            return EMPTY[0], EMPTY[1]
        docnums = np.concatenate(touched) if len(touched) > 1 else touched[0]
        frequency = summed[docnums]
        summed[docnums] = 0.0
        return docnums, boost * idf * frequency * (self.K1 + 1) / (frequency + self.K1)

    def doc_frequency(self, fieldname: str, text: str) -> int:
        """How many documents hold the term (Whoosh's reader, remembered: a query's translations ask twice)."""
        key = (fieldname, text)
        found = self._frequencies.get(key)
        if found is None:
            found = self._frequencies[key] = self.searcher.doc_frequency(fieldname, text)
        return found

    def _fields_idf(self, query: FieldsTerm) -> float:
        """The idf of the first of the term's fields that has it (0 when none has)."""
        key = (query.text, query.fields)
        found = self._idfs.get(key)
        if found is None:
            searcher = self.searcher
            field = next((f for f, _ in query.fields if searcher.doc_frequency(f, query.text)), None)
            if field is None:
                return 0.0  # a word the collection lacks (a typo, a made-up word): not remembered
            found = self._idfs[key] = searcher.idf(field, query.text)
        return found

    def _average_length(self, fieldname: str) -> float:
        found = self._average_lengths.get(fieldname)
        if found is None:
            found = self._average_lengths[fieldname] = self.average_length(self.searcher, fieldname)
        return found

    def idf(self, fieldname: str, text: str) -> float:
        """The term's idf in a field, as BM25 scores it."""
        return self.searcher.idf(fieldname, text)

    def phrase_docnums(self, query, candidates: np.ndarray) -> np.ndarray:
        """Which of ``candidates`` (the documents with every word) have the phrase, remembered per searcher.

        Checking positions is the dearest step of a search, and the same phrases come back:
        the glossary adds its multi-word equivalents ("blanchiment de capitaux") to every query
        that names a concept, in every field searched. In a passage's text, the words are looked
        for side by side in its stored terms (``terms`` column: about 5 µs a passage, ten times
        faster than Whoosh's span matcher); in headings and tags, Whoosh's matcher checks them.
        """
        key = (query.fieldname, tuple(query.words), query.slop)
        found = self._phrases.get(key)
        if found is not None:
            self._phrases.move_to_end(key)
            return found
        if query.fieldname.startswith("body_") and query.slop == 1:
            needle = f" {' '.join(query.words)} "
            value = self.column_value
            found = np.fromiter(
                (
                    docnum
                    for docnum in candidates.tolist()
                    if needle in f" {read_terms_column(value('terms', docnum))[1]} "
                ),
                dtype=np.int64,
            )
        else:
            positions = wq.Phrase(query.fieldname, query.words, slop=query.slop)
            matcher = positions.matcher(self.searcher, self.searcher.context(needs_current=False, weighting=_UNSCORED))
            found = np.fromiter(matcher.all_ids(), dtype=np.int64)
        self._phrases[key] = found
        if len(self._phrases) > PHRASES_KEPT:
            self._phrases.popitem(last=False)
        return found

    def values(self, fieldname: str) -> list[str]:
        """Every value an unscored (facet) field holds."""
        found = self._values.get(fieldname)
        if found is None:
            lexicon = self.searcher.reader().lexicon(fieldname)
            found = self._values[fieldname] = [decode_term(value) for value in lexicon]
        return found

    def value_docnums(self, fieldname: str, value: str) -> np.ndarray:
        """Live docnums holding ``value`` in an unscored (facet) field."""
        key = (fieldname, value)
        found = self._value_ids.get(key)
        if found is None:
            parts = [self.cache.postings(reader, fieldname, value)[0] + offset for reader, offset in self.leaves]
            found = np.concatenate(parts) if parts else EMPTY[0]
            self._value_ids[key] = found = found[self.live[found]]
        return found

    def column_value(self, fieldname: str, docnum: int):
        """One document's value in a column field."""
        readers = self._column_readers.get(fieldname)
        if readers is None:
            offsets = [offset for _, offset in self.leaves]
            segment_readers = [
                MappedColumn(reader.column_reader(fieldname, translate=False)) for reader, _ in self.leaves
            ]
            readers = self._column_readers[fieldname] = (offsets, segment_readers)
        offsets, segment_readers = readers
        number = bisect_right(offsets, docnum) - 1
        return segment_readers[number][docnum - offsets[number]]

    def document_numbers(self) -> np.ndarray:
        """Each passage's document, as a number (the same for every passage of a document).

        A document's passages are written together, so they have consecutive docnums (merges
        keep the order): a new number starts wherever the doc_id changes. Sorting the ids
        instead took a second for 200,000 passages.
        """
        found = self._column_values.get("document numbers")
        if found is None:
            parts = [self.cache.column_values(reader, "doc_id") for reader, _ in self.leaves]
            ids = np.concatenate(parts) if parts else np.empty(0, dtype=object)
            starts = np.ones(len(ids), dtype=bool)
            starts[1:] = ids[1:] != ids[:-1]
            found = self._column_values["document numbers"] = np.cumsum(starts) - 1
        return found

    def column_ranks(self, fieldname: str) -> np.ndarray:
        """Each document's rank in the sort order of a sortable column (for sorting by date)."""
        return self._sorted_column(fieldname)[1]

    def _sorted_column(self, fieldname: str) -> tuple[np.ndarray, np.ndarray]:
        """A sortable column's distinct values, sorted, and each document's index among them."""
        found = self._column_values.get(fieldname)
        if found is None:
            values = [str(decode_term(value)) for value in self.searcher.reader().column_reader(fieldname)]
            found = self._column_values[fieldname] = np.unique(np.asarray(values), return_inverse=True)
        return found

    def dated_within(self, query: DateRange) -> np.ndarray:
        """Which documents have a date whose period meets ``query``'s range (dense mask)."""
        found = self._column_values.get("date bounds")
        if found is None:
            # Computed per distinct date, not per passage: a collection has few dates.
            dates, which = self._sorted_column("date")
            bounds = [date_bounds(date) if date != UNDATED else ("", "") for date in dates.tolist()]
            firsts = np.asarray([first for first, _ in bounds] or [""])[which]
            lasts = np.asarray([last for _, last in bounds] or [""])[which]
            found = self._column_values["date bounds"] = (firsts, lasts)
        firsts, lasts = found
        within = firsts != ""
        if query.first:
            within &= lasts >= query.first
        if query.last:
            within &= firsts <= query.last
        return within


def translated_words(query) -> Counter:
    """How many of a compiled query's words are searched through translations, per field."""
    if isinstance(query, WeightedTerms):
        return Counter((query.fieldname,))
    found: Counter = Counter()
    for sub in query.subqueries if isinstance(query, (wq.CompoundQuery, wq.BinaryQuery)) else ():
        found.update(translated_words(sub))
    return found


def with_translation_weights(query, factor):
    """The compiled query with each translation's weight multiplied by ``factor(field, term)``."""
    if isinstance(query, WeightedTerms):
        terms = tuple((text, weight * factor(query.fieldname, text)) for text, weight in query.terms)
        return WeightedTerms(query.fieldname, terms, query.boost)
    if isinstance(query, wq.BinaryQuery):
        changed = copy.copy(query)
        changed.a, changed.b = with_translation_weights(query.a, factor), with_translation_weights(query.b, factor)
        changed.subqueries = (changed.a, changed.b)
        return changed
    if isinstance(query, wq.CompoundQuery):
        changed = copy.copy(query)
        changed.subqueries = [with_translation_weights(sub, factor) for sub in query.subqueries]
        return changed
    return query


def normalized(query):
    """``query.normalize()`` (repeated sub-queries merged), without most of its deep copies.

    Whoosh's ``normalize`` merges an Or nested in an Or (an And in an And) by deep-copying each
    of its children: 15% of the time of long fuzzed queries. Nested compounds with no boost of
    their own are merged here first, which leaves ``normalize`` the same result to find.
    """
    return _flattened(query).normalize()


def _flattened(query):
    kind = type(query)
    if kind is wq.Not:
        return wq.Not(_flattened(query.query), boost=query.boost)
    if kind is not wq.Or and kind is not wq.And:
        return query
    subqueries = []
    for sub in map(_flattened, query.subqueries):
        plain = type(sub) is kind and sub.boost == 1.0 and (kind is wq.And or (sub.minmatch, sub.scale) == (0, None))
        subqueries.extend(sub.subqueries) if plain else subqueries.append(sub)
    if kind is wq.And:
        return wq.And(subqueries, boost=query.boost)
    return wq.Or(subqueries, boost=query.boost, minmatch=query.minmatch, scale=query.scale)


def evaluate(query, arrays: QueryArrays) -> Match:
    """The live documents matching a (normalised) compiled query, with their scores."""
    found = _evaluate(query, arrays, 1.0)
    found.mask &= arrays.live
    return found


def _evaluate(query, arrays: QueryArrays, boost: float) -> Match:
    boost *= getattr(query, "boost", 1.0)
    if isinstance(query, wq.Term):
        found = arrays.empty()
        arrays.term_scores(query.fieldname, query.text, boost, found)
        return found
    if isinstance(query, FieldsTerm):
        found = arrays.empty()
        _scatter(arrays.fields_term_scores(query, boost), found)
        return found
    if isinstance(query, WeightedTerms):
        found = arrays.empty()
        _scatter(arrays.weighted_terms_scores(query, boost), found)
        return found
    if isinstance(query, wq.Or):
        return _union(query.subqueries, arrays, boost)
    if isinstance(query, Words):
        return _words(query.subqueries, arrays, boost)
    if isinstance(query, wq.DisjunctionMax):
        return _best_of(query.subqueries, arrays, boost)
    if isinstance(query, wq.And):
        return _intersection(query.subqueries, arrays, boost)
    if isinstance(query, wq.AndMaybe):
        return _and_maybe(query.a, query.b, arrays, boost)
    if isinstance(query, wq.Phrase):
        return _phrase(query, arrays, boost)
    if isinstance(query, wq.Not):
        inner = _evaluate(query.query, arrays, 1.0)
        return Match(arrays.live & ~inner.mask, np.zeros(arrays.size))
    if isinstance(query, wq.ConstantScoreQuery):
        inner = _evaluate(query.child, arrays, 1.0)
        return Match(inner.mask, np.where(inner.mask, query.score, 0.0))
    if isinstance(query, DateRange):
        within = arrays.dated_within(query) & arrays.live
        return Match(within, np.zeros(arrays.size))
    if isinstance(query, wq.Every):
        return Match(arrays.live.copy(), np.zeros(arrays.size))
    if query is wq.NullQuery or isinstance(query, type(wq.NullQuery)):
        return arrays.empty()
    raise TypeError(f"no array evaluation for Whoosh query {type(query).__name__}")


def _union(children, arrays: QueryArrays, boost: float) -> Match:
    found = arrays.empty()
    partial = []  # children that match some documents only in part (language branches of a query's words)
    for child in children:
        if isinstance(child, wq.Term):  # the common leaves: scattered straight into the sum
            arrays.term_scores(child.fieldname, child.text, boost * child.boost, found)
        elif isinstance(child, FieldsTerm):
            _scatter(arrays.fields_term_scores(child, boost * child.boost), found)
        elif isinstance(child, Words):
            partial.append(child)
        else:
            part = _evaluate(child, arrays, boost)
            found.mask |= part.mask
            found.scores += part.scores
            if part.complete is not None:
                partial.append(part)
    if partial:  # complete: wholly matching one alternative
        complete = found.mask.copy()
        for part in partial:
            if isinstance(part, Words):
                complete |= _add_words(part.subqueries, arrays, boost * part.boost, found)
            else:
                complete |= part.complete
        found.complete = complete
    return found


def _words(children, arrays: QueryArrays, boost: float) -> Match:
    found = arrays.empty()
    found.complete = _add_words(children, arrays, boost, found)
    return found


def _add_words(children, arrays: QueryArrays, boost: float, into: Match) -> np.ndarray:
    """Add each word's scores into ``into``; where every word matched (dense mask).

    Words are kept sparse (a word's docnums, scattered) rather than a dense match each: a
    query's words are evaluated per language, and full-collection array operations per word
    and language were a third of a short query's time.
    """
    matched = np.zeros(arrays.size, dtype=np.int16)
    touched, dense = [], False
    for child in children:
        if isinstance(child, FieldsTerm):
            docnums, scores = arrays.fields_term_scores(child, boost * child.boost)
            _scatter((docnums, scores), into)
            matched[docnums] += 1  # a docnum repeated (found in two fields) counts once
            touched.append(docnums)
            continue
        part = _evaluate(child, arrays, boost)
        into.mask |= part.mask
        into.scores += part.scores
        matched += part.every_part()
        dense = True
    if dense:
        return matched == len(children)
    docnums = np.concatenate(touched) if touched else EMPTY[0]
    complete = np.zeros(arrays.size, dtype=bool)
    complete[docnums[matched[docnums] == len(children)]] = True
    return complete


def _scatter(sparse: tuple[np.ndarray, np.ndarray], into: Match) -> None:
    docnums, scores = sparse
    into.mask[docnums] = True
    into.scores[docnums] += scores


def _best_of(children, arrays: QueryArrays, boost: float) -> Match:
    """DisjunctionMax: a word and its equivalents count once, by the best of them."""
    found = arrays.empty()
    for child in children:
        part = _evaluate(child, arrays, boost)
        found.mask |= part.mask
        np.maximum(found.scores, part.scores, out=found.scores)
    return found


def _intersection(children, arrays: QueryArrays, boost: float) -> Match:
    found = arrays.empty()
    for number, child in enumerate(children):
        part = _evaluate(child, arrays, boost)
        if number == 0:
            found = Match(part.mask, part.scores, part.every_part().copy())
        else:
            found.mask &= part.mask
            found.scores += part.scores
            found.complete &= part.every_part()
        if not found.mask.any():
            break
    found.scores[~found.mask] = 0.0
    if found.complete is not None:
        found.complete &= found.mask
    return found


def _and_maybe(required, optional, arrays: QueryArrays, boost: float) -> Match:
    """The required part's documents; the optional part only adds to their scores."""
    found = _evaluate(required, arrays, boost)
    extra = _evaluate(optional, arrays, boost)
    found.scores += np.where(found.mask, extra.scores, 0.0)
    found.complete = found.every_part() & extra.every_part()
    return found


def _phrase(query, arrays: QueryArrays, boost: float) -> Match:
    terms = [wq.Term(query.fieldname, word) for word in query.words]
    found = _intersection(terms, arrays, boost)
    if found.mask.any():
        verified = np.zeros(arrays.size, dtype=bool)
        verified[arrays.phrase_docnums(query, np.flatnonzero(found.mask))] = True
        found.mask &= verified
        found.scores[~found.mask] = 0.0
    return found


class _Unscored(scoring.WeightingModel):
    """For matchers that only find documents: Whoosh's own weighting would set up BM25F
    statistics for each word of each phrase, a tenth of a phrase check's time."""

    def scorer(self, searcher, fieldname, text, qf=1):
        return scoring.WeightScorer(1.0)


_UNSCORED = _Unscored()


def top(found: Match, count: int, offset: int = 0, ranks: np.ndarray | None = None) -> list[tuple[int, float]]:
    """The ``offset``-th to ``offset + count``-th best (docnum, score): by score, or by ``ranks``
    (newest first) then score; ties go to the lower docnum."""
    docnums = np.flatnonzero(found.mask)
    wanted = offset + count
    if not len(docnums) or offset >= len(docnums):
        return []
    scores = found.scores[docnums]
    primary = -ranks[docnums] if ranks is not None else -scores
    if len(docnums) > wanted:
        keep = np.argpartition(primary, wanted - 1)[:wanted]
        # argpartition splits ties at the boundary arbitrarily: take every tie, then sort.
        keep = np.flatnonzero(primary <= primary[keep].max())
        docnums, scores, primary = docnums[keep], scores[keep], primary[keep]
    order = np.lexsort((docnums, -scores, primary))[offset:wanted]
    return [(int(docnums[i]), float(scores[i])) for i in order]
