"""Whoosh implementation of the backend contract. No Whoosh object leaves this package
(``queries``: query compilation; ``arrays``: query evaluation; ``segments``: what is decoded
from each segment and kept; ``writing``: documents into fields, and the writer; ``records``:
stored fields back into records; ``verify``: every file decoded, for ``passerelle check --deep``).

One entry per passage. Each language has its own analysed fields (body, heading, tags), so
a passage is stemmed by its own language's rules while a query is analysed once per language
and searched in both. Tag fields hold the labels and aliases of the passage's taxonomy
entries in both languages, which is how a tag named in either language finds the passage.
"""

from __future__ import annotations

import functools
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

import numpy as np
from whoosh import index as whoosh_index
from whoosh.scoring import BM25F
from whoosh.scoring import BM25FScorer
from whoosh.scoring import WeightScorer

from indexer.analysis import WORDS
from indexer.analysis import analyze
from indexer.analysis import is_stopword
from indexer.engine.contract import BackendGroup
from indexer.engine.contract import BackendHit
from indexer.engine.contract import BackendHits
from indexer.engine.contract import SearchPlan
from indexer.engine.spelling import Vocabulary
from indexer.engine.whoosh.arrays import QueryArrays
from indexer.engine.whoosh.arrays import TermMemo
from indexer.engine.whoosh.arrays import evaluate
from indexer.engine.whoosh.arrays import normalized
from indexer.engine.whoosh.arrays import top
from indexer.engine.whoosh.queries import FACET_FIELDS
from indexer.engine.whoosh.queries import compile_filters
from indexer.engine.whoosh.queries import compile_query
from indexer.engine.whoosh.queries import positive_marks
from indexer.engine.whoosh.ranking import document_page
from indexer.engine.whoosh.ranking import passage_page
from indexer.engine.whoosh.ranking import with_translations_chosen
from indexer.engine.whoosh.records import stored_records
from indexer.engine.whoosh.segments import WARM_FIELDS
from indexer.engine.whoosh.segments import SegmentCache
from indexer.engine.whoosh.segments import decode_term
from indexer.engine.whoosh.verify import verify_files
from indexer.engine.whoosh.writing import SideSegment
from indexer.engine.whoosh.writing import StoredRecord
from indexer.engine.whoosh.writing import WhooshPreparer
from indexer.engine.whoosh.writing import WhooshTransaction
from indexer.engine.whoosh.writing import make_schema
from indexer.engine.whoosh.writing import open_writer
from indexer.errors import IndexDamaged
from indexer.errors import IndexNotFound
from indexer.errors import PasserelleError
from indexer.models import LANGUAGES
from indexer.models import IndexedDocument
from indexer.models import Passage
from indexer.taxonomy import Taxonomy

RESULT_CACHE_SIZE = 256
SUGGESTION_CACHE_SIZE = 10_000
IDFS_KEPT = 10_000  # (field, term) idfs a searcher remembers: about 1.6 MB
KNOWN = object()  # a word the index or the glossary knows: nothing to suggest
REFRESH_CHECK_SECONDS = 0.5  # how often a long-lived searcher looks for a newer commit
RETIRED_SEARCHER_SECONDS = 30.0
WARM_MIN_DOCS = 200  # terms in at least this many passages (and 0.5% of them) are decoded ahead


# BM25 constants, chosen on the training half of the open query sets (docs/relevance.md):
# Whoosh's defaults (K1 1.2, B 0.75) saturated repeated words too slowly for short queries.
K1 = 0.7
B = 0.8
HEADING_B = 1.0  # a long heading says less about each of its words


class LanguageBM25F(BM25F):
    """BM25F whose average field length counts only passages of the field's language.

    Whoosh divides a field's total length by all documents, so with half the passages in
    each language the average is halved and long passages are over-penalised.
    """

    def __init__(self):
        super().__init__(B=B, K1=K1, **{f"heading_{lang}_B": HEADING_B for lang in LANGUAGES})

    def scorer(self, searcher, fieldname, text, qf=1):
        if not searcher.schema[fieldname].scorable:
            return WeightScorer.for_(searcher, fieldname, text)
        B = self._field_B.get(fieldname, self.B)
        return _LanguageBM25FScorer(searcher, fieldname, text, B, self.K1, qf=qf)


class _LanguageBM25FScorer(BM25FScorer):
    def __init__(self, searcher, fieldname, text, B, K1, qf=1):
        # The average must be right before setup(): block skipping uses it for upper bounds.
        parent = searcher.get_parent()
        self.idf = parent.idf(fieldname, text)
        self.avgfl = _average_length(parent, fieldname)
        self.B, self.K1, self.qf = B, K1, qf
        self.setup(searcher, fieldname, text)


def _average_length(searcher, fieldname: str) -> float:
    lang = fieldname.rpartition("_")[2]
    if lang in LANGUAGES and not fieldname.startswith("tags_"):
        passages = searcher.doc_frequency("lang", lang)
        if passages:
            return searcher.field_length(fieldname) / passages or 1
    return searcher.avg_field_length(fieldname) or 1


def _reading(method):
    """Any error while reading the index's files is damage: drop everything decoded so far, answer
    ``IndexDamaged``. Whoosh's readers keep state across calls (open blocks, seek positions), and
    answers built on a half-decoded block were found to be silently wrong."""

    @functools.wraps(method)
    def reading(self, *args, **kwargs):
        if self.damage is not None:
            raise self.damage
        try:
            return method(self, *args, **kwargs)
        except (PasserelleError, MemoryError):
            raise
        except Exception as error:
            raise self._damaged(error) from error

    return reading


class WhooshBackend:
    """Passages in a Whoosh index folder, with one long-lived searcher refreshed on new commits.

    ``diagnose(error)`` turns an error met while reading into the ``IndexDamaged`` to raise (it
    names the damaged files); once one is ``confirmed``, every later read raises it (``damage``).
    """

    def __init__(
        self,
        path: Path,
        taxonomy: Taxonomy | None = None,
        create: bool = False,
        diagnose: Callable[[Exception], IndexDamaged] | None = None,
    ):
        self.path = Path(path)
        self.taxonomy = taxonomy or Taxonomy(())
        self.damage: IndexDamaged | None = None
        self._diagnose = diagnose or (lambda error: IndexDamaged(str(self.path), (), f"{type(error).__name__}"))
        if create and not whoosh_index.exists_in(self.path):
            self.path.mkdir(parents=True, exist_ok=True)
            whoosh_index.create_in(self.path, make_schema())
        if not whoosh_index.exists_in(self.path):
            raise IndexNotFound(str(self.path))
        try:
            self._index = whoosh_index.open_dir(self.path)
        except Exception as error:  # a garbled table of contents
            raise self._diagnose(error) from error
        self._searcher = None
        self._arrays: QueryArrays | None = None  # the searcher's array view, swapped with it
        self._segment_cache = SegmentCache()
        self._checked_at = 0.0
        self._refresh_lock = threading.Lock()
        # Whoosh's readers seek and read shared file objects: one thread reads at a time (the GIL
        # allowed no more anyway; worker processes are how serving uses several cores).
        self._read_lock = threading.RLock()
        self._warmed = threading.Event()
        self._keep_warm = False
        self._results = _ResultCache()  # answers of the current searcher, by plan
        self._document_count: tuple | None = None  # (searcher, its number of documents)
        self._retired: list = []  # (time replaced, searcher) not closed yet

    # -- writing ---------------------------------------------------------------

    def preparer(self) -> WhooshPreparer:
        """What turns a document into what ``begin().add`` takes (picklable: may run elsewhere)."""
        return WhooshPreparer(self.taxonomy)

    def side_writer(self) -> SideSegment:
        """Where another process may write prepared documents for ``begin().include`` (picklable)."""
        return SideSegment(self.path)

    def begin(self) -> WhooshTransaction:
        """A transaction to stream prepared documents into; readers see nothing of it until ``commit``."""
        return WhooshTransaction(open_writer(self._index, self.path))

    # -- reading ---------------------------------------------------------------

    def _damaged(self, error: Exception) -> IndexDamaged:
        """Forget the searcher and everything decoded from it; the damage to raise."""
        with self._refresh_lock:
            if self._searcher is not None:
                self._retire(self._searcher, time.monotonic())  # other threads may still hold it
            self._searcher, self._arrays = None, None
            self._results = _ResultCache()
            self._segment_cache = SegmentCache()
            self._document_count = None
            self._warmed.clear()
        damage = self._diagnose(error)
        if damage.confirmed:
            self.damage = damage
        return damage

    @_reading
    def searcher(self):
        """The long-lived searcher, replaced when a newer commit exists (checked at most every 0.5 s)."""
        return self._view()[0]

    def _view(self):
        """(searcher, its array view), replaced together when a newer commit exists."""
        now = time.monotonic()
        view = self._searcher, self._arrays
        if view[0] is not None and now - self._checked_at <= REFRESH_CHECK_SECONDS:
            return view
        with self._refresh_lock:  # web threads share the backend: one refresh, no leaked searcher
            if self._searcher is None:
                searcher = self._open_searcher()
            elif now - self._checked_at > REFRESH_CHECK_SECONDS and not self._searcher.up_to_date():
                # A new searcher rather than refresh(): refresh() shares segment readers with the
                # old searcher, which then could never be closed. Decoded postings are cached per
                # segment, so unchanged segments cost nothing to reopen.
                try:
                    searcher = self._open_searcher()
                except whoosh_index.EmptyIndexError:
                    # A rebuild replaced and removed this folder: the open searcher keeps its
                    # files and answers until the caller opens the new generation.
                    searcher = None
                else:
                    self._retire(self._searcher, now)
            else:
                searcher = None
            if searcher is not None:
                # An index holding no passage has no segment to view: searches answer nothing.
                arrays = (
                    QueryArrays(searcher, self._segment_cache, _average_length) if searcher.doc_count_all() else None
                )
                self._searcher, self._arrays = searcher, arrays
                self._results = _ResultCache()
                self._warmed.clear()
                if self._keep_warm:
                    self._start_warming(searcher)
            self._checked_at = now
            return self._searcher, self._arrays

    def _open_searcher(self):
        searcher = self._index.searcher(weighting=LanguageBM25F())
        # Whoosh remembers every term's idf, in every field, for the searcher's life, which lasts
        # until the next commit: a server's stream of new words would grow it without end. An idf
        # costs one term lookup to recompute.
        searcher._idf_cache = TermMemo(IDFS_KEPT)
        return searcher

    def keep_warm(self) -> None:
        """From now on, decode the frequent terms' postings whenever a searcher opens.

        For long-lived processes (the web server): a one-off search would only pay for it.
        """
        if not self._keep_warm:
            self._keep_warm = True
            self._start_warming(self.searcher())

    def _start_warming(self, searcher) -> None:
        threading.Thread(target=self._warm, args=(searcher,), name="warm-postings", daemon=True).start()

    def _warm(self, searcher) -> None:
        """Decode the frequent terms' postings in the background (cached segments cost nothing)."""
        try:
            self._warm_postings(searcher)
        except Exception as error:  # noqa: BLE001 - a garbled file raises anything; kept for the next search
            if self._searcher is searcher:  # not merely closed under it: damage, for the next search to report
                self._damaged(error)

    def _warm_postings(self, searcher) -> None:
        min_frequency = max(WARM_MIN_DOCS, searcher.doc_count_all() // 200)
        still_open = lambda: self._searcher is searcher  # noqa: E731 - replaced or closed: stop
        for reader, _ in searcher.reader().leaf_readers():
            self._segment_cache.warm(reader, WARM_FIELDS, min_frequency, self._read_lock, still_open)
        with self._read_lock:
            if still_open() and self._arrays is not None:
                self._arrays.document_numbers()  # what grouped results need
        if still_open():
            self._warmed.set()

    def is_warm(self) -> bool:
        """True once ``keep_warm`` has decoded the current searcher's frequent postings."""
        return self._warmed.is_set()

    def wait_until_warm(self, timeout: float | None = None) -> bool:
        """``keep_warm``, then block until the current searcher's frequent postings are decoded."""
        self.keep_warm()
        return self._warmed.wait(timeout)

    def _retire(self, searcher, now: float) -> None:
        """Close a replaced searcher once no search can still be using it (they last milliseconds)."""
        kept = []
        for since, old in self._retired:
            if now - since < RETIRED_SEARCHER_SECONDS:
                kept.append((since, old))
            else:
                old.close()
        self._retired = [*kept, (now, searcher)]

    @_reading
    def refresh(self) -> None:
        """See the latest commit now."""
        self._checked_at = float("-inf")
        self.searcher()

    def close(self) -> None:
        """Release the searcher's files."""
        with self._read_lock:
            for _, old in self._retired:
                old.close()
            self._retired = []
            if self._searcher is not None:
                self._searcher.close()
                self._searcher, self._arrays = None, None
        self._index.close()

    @_reading
    def search(self, plan: SearchPlan) -> BackendHits:
        """Ranked passages for ``plan``, with match spans, total and facet counts."""
        searcher, arrays = self._view()
        results = self._results
        key = repr(plan)
        found = results.get(key)
        if found is None:
            with self._read_lock:
                found = results.put(key, self._search(plan, searcher, arrays))
        return found

    def _search(self, plan: SearchPlan, searcher, arrays: QueryArrays) -> BackendHits:
        if arrays is None:  # no passage
            return BackendHits(0, (), {facet: {} for facet in FACET_FIELDS} if plan.with_facets else {})
        compiled = compile_query(plan.query.tree, compile_filters(plan.filters, plan.dates))
        # Normalising merges repeated sub-queries ("cooperation OR coopération" share a stem).
        query = normalized(compiled)
        found = with_translations_chosen(query, evaluate(query, arrays), arrays)
        marks = positive_marks(plan.query.tree)

        def hit(docnum: int, score: float) -> BackendHit:
            passage, info = stored_records(searcher.stored_fields(docnum))
            return BackendHit(passage, info, score, marks.spans(passage))

        hits, groups, total_groups = (), (), 0
        if plan.group == "document":
            page, total_groups = document_page(found, plan, arrays, marks)
            groups = tuple(
                BackendGroup(tuple(hit(*ranked) for ranked in best), matched, self._passage_id(searcher, unshown))
                for best, matched, unshown in page
            )
        elif plan.sort == "newest":
            hits = tuple(hit(*ranked) for ranked in top(found, plan.limit, plan.offset, arrays.column_ranks("date")))
        else:
            hits = tuple(hit(*ranked) for ranked in passage_page(found, plan, arrays, marks))
        facets = self._facets(arrays, found.mask) if plan.with_facets else {}
        matched = found.mask.any()
        relaxed = bool(matched and not (found.every_part() & found.mask).any())
        total = int(np.count_nonzero(found.mask))
        return BackendHits(total, hits, facets, relaxed, groups, total_groups)

    @staticmethod
    def _passage_id(searcher, docnum: int | None) -> str:
        return "" if docnum is None else StoredRecord(*searcher.stored_fields(docnum)["record"]).passage_id

    def _facets(self, arrays: QueryArrays, mask) -> dict[str, dict[str, int]]:
        counts = {}
        for facet, fieldname in FACET_FIELDS.items():
            values = {}
            for value in arrays.values(fieldname):
                count = int(np.count_nonzero(mask[arrays.value_docnums(fieldname, value)]))
                if count:
                    values[value] = count
            counts[facet] = dict(sorted(values.items(), key=lambda item: (-item[1], item[0])))
        return counts

    def match_spans(self, plan: SearchPlan, passages: list[Passage]):
        """Spans of the plan's positive terms in each passage (for the document page)."""
        marks = positive_marks(plan.query.tree)
        return [marks.spans(passage) for passage in passages]

    @_reading
    def get_document(self, doc_id: str) -> IndexedDocument | None:
        """The stored document with its passages in reading order, or None."""
        with self._read_lock:
            stored = list(self.searcher().documents(doc_id=doc_id))
        if not stored:
            return None
        records = sorted((stored_records(fields) for fields in stored), key=lambda pair: pair[0].position)
        return IndexedDocument(records[0][1], tuple(passage for passage, _ in records))

    @_reading
    def suggest(self, words: list[str], also: Vocabulary | None = None) -> dict[str, str | None]:
        """For each word that no analysed field and no word of ``also`` knows, the closest indexed or
        ``also`` word (edit distance ≤ 2), or None when none is that close."""
        searcher = self.searcher()
        results = self._results
        with self._read_lock:
            if results.also is not also:  # per searcher and vocabulary: the same typos come back
                results.suggestions.clear()
                results.also = also
            known = results.suggestions
            suggestions = {}
            for word in words:
                if word not in known:
                    known[word] = self._suggestion(searcher, word, also)
                if known[word] is not KNOWN:
                    suggestions[word] = known[word]
        return suggestions

    def _suggestion(self, searcher, word: str, also: Vocabulary | None):
        token = next(iter(analyze(word, WORDS)), None)
        if is_stopword(word) or not token or (also is not None and token in also) or self._known(searcher, word):
            return KNOWN
        return self._closest_word(searcher, token, also)

    def _closest_word(self, searcher, word: str, also: Vocabulary | None) -> str | None:
        """The nearest word, the most frequent in passages among equally near ones; a word of ``also``
        that no passage holds comes after the indexed ones."""
        vocabulary = self._results.vocabulary
        if vocabulary is None:
            vocabulary = self._results.vocabulary = Vocabulary(map(decode_term, searcher.reader().lexicon("words")))
        searched = [analyze(word, lang) for lang in LANGUAGES]
        for distance in (1, 2):
            ranked = sorted((-self._frequency(searcher, c), c) for c in vocabulary.within(word, distance))
            ranked = [(frequency, c) for frequency, c in ranked if frequency < 0]
            if also is not None:
                ranked += sorted((-self._frequency(searcher, c), c) for c in also.within(word, distance))
                ranked.sort()
            # The first word not analysed as the one typed: "cour" for "cours" would search the same terms.
            chosen = next((c for _, c in ranked if [analyze(c, lang) for lang in LANGUAGES] != searched), None)
            if chosen is not None:
                return chosen
        return None

    def _frequency(self, searcher, word: str) -> int:
        """Passages holding ``word`` in either language (0 when no passage still has it)."""
        return max(
            sum(
                searcher.doc_frequency(f"{kind}_{lang}", term)
                for kind in ("body", "heading")
                for term in analyze(word, lang)[:1]
            )
            for lang in LANGUAGES
        )

    def _known(self, searcher, word: str) -> bool:
        for lang in LANGUAGES:
            terms = analyze(word, lang)
            if terms and all(
                searcher.doc_frequency(f"body_{lang}", t) or searcher.doc_frequency(f"heading_{lang}", t) for t in terms
            ):
                return True
        return False

    @_reading
    def doc_ids(self) -> set[str]:
        """Ids of every indexed document (not of deleted ones, whose terms stay in the lexicon until a merge)."""
        with self._read_lock:
            return _live_doc_ids(self.searcher().reader())

    @_reading
    def document_count(self) -> int:
        """Number of indexed documents, counted once per view of the index (health checks ask often)."""
        searcher = self.searcher()
        counted = self._document_count
        if counted is None or counted[0] is not searcher:
            with self._read_lock:
                counted = self._document_count = (searcher, len(_live_doc_ids(searcher.reader())))
        return counted[1]

    def verify(self) -> list[str]:
        """Decode every posting list, stored record and column (slow: ``passerelle check --deep``);
        the files that would not decode."""
        return verify_files(self.path)

    @_reading
    def passage_count(self) -> int:
        """Number of passages in the index."""
        with self._read_lock:
            return self.searcher().doc_count()

    def languages(self) -> frozenset[str]:
        """The languages of the passages the index holds (a field's values outlive their deleted
        documents until segments merge: a language whose last passage went is not one)."""
        _, arrays = self._view()
        if arrays is None:
            return frozenset()
        with self._read_lock:
            return frozenset(lang for lang in arrays.values("lang") if len(arrays.value_docnums("lang", lang)))

    @_reading
    def holds(self, lang: str, term: str) -> bool:
        """Whether a passage's text in ``lang`` has the index term (translations are searched in the text only)."""
        _, arrays = self._view()
        if arrays is None:
            return False
        with self._read_lock:
            return arrays.doc_frequency(f"body_{lang}", term) > 0


class _ResultCache:
    """The last ``RESULT_CACHE_SIZE`` answers of one searcher (paging and facet clicks repeat
    queries), and its spelling suggestions."""

    def __init__(self):
        self._answers: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self.suggestions: dict[str, object] = {}  # word -> closest word, None (none) or KNOWN
        self.vocabulary: Vocabulary | None = None  # the searcher's words, read on the first typo
        self.also: Vocabulary | None = None  # the other words the suggestions were made with

    def get(self, key):
        with self._lock:
            found = self._answers.get(key)
            if found is not None:
                self._answers.move_to_end(key)
            return found

    def put(self, key, answer):
        with self._lock:
            self._answers[key] = answer
            if len(self._answers) > RESULT_CACHE_SIZE:
                self._answers.popitem(last=False)
            if len(self.suggestions) > SUGGESTION_CACHE_SIZE:
                self.suggestions.clear()
        return answer


def open_whoosh(
    path: Path,
    taxonomy: Taxonomy | None = None,
    create: bool = False,
    diagnose: Callable[[Exception], IndexDamaged] | None = None,
) -> WhooshBackend:
    """Open (or create) the Whoosh index at ``path``; ``diagnose`` names the damage a failed read meets."""
    return WhooshBackend(path, taxonomy, create, diagnose)


def _live_doc_ids(reader) -> set[str]:
    """The ``doc_id`` of each passage not deleted. The lexicon alone would do while nothing is deleted;
    a deleted document's term stays in it (and in a segment's postings) until its segment is merged."""
    if not reader.has_deletions():
        return set(map(decode_term, reader.lexicon("doc_id")))
    column = reader.column_reader("doc_id")
    return {column[number] for number in reader.all_doc_ids()}
