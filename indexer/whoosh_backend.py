"""Whoosh implementation of the backend contract. No Whoosh object leaves this module.

One entry per passage. Each language has its own analysed fields (body, heading, tags), so
a passage is stemmed by its own language's rules while a query is analysed once per language
and searched in both. Tag fields hold the labels and aliases of the passage's taxonomy
entries in both languages, which is how a tag named in either language finds the passage.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.fields import ID
from whoosh.fields import KEYWORD
from whoosh.fields import STORED
from whoosh.fields import TEXT
from whoosh.fields import Schema
from whoosh.index import LockError
from whoosh.scoring import BM25F
from whoosh.scoring import BM25FScorer
from whoosh.scoring import WeightScorer

from indexer import query as q
from indexer.analysis import ANALYZERS
from indexer.analysis import analyze
from indexer.analysis import analyze_with_offsets
from indexer.analysis import is_stopword
from indexer.analysis import words_analyzer
from indexer.backend import BackendHit
from indexer.backend import BackendHits
from indexer.backend import IndexBatch
from indexer.backend import SearchPlan
from indexer.errors import IndexBusy
from indexer.errors import IndexNotFound
from indexer.models import LANGUAGES
from indexer.models import DocumentInfo
from indexer.models import IndexedDocument
from indexer.models import Passage
from indexer.models import Tags
from indexer.taxonomy import Taxonomy

# Above body matches, but only just: a heading is shared by every passage of its section,
# and a stronger weight ranked bare lead-ins ("The objectives are to :") above content.
HEADING_BOOST = 1.2
TAGS_BOOST = 1.1
EXPANSION_WEIGHT = 0.6  # glossary equivalents count less than the user's own words
FACET_FIELDS = {"lang": "lang", "project": "projects", "partner": "partners", "topic": "topics"}
LOCK_WAIT_SECONDS = 60.0
WRITER_MEMORY_MB = 256
REFRESH_CHECK_SECONDS = 0.5  # how often a long-lived searcher looks for a newer commit


def make_schema() -> Schema:
    """One Whoosh document per passage: stored fields for display, analysed fields per language."""
    fields = dict(
        key=ID(unique=True),
        doc_id=ID(stored=True),
        passage_id=STORED,
        section_id=STORED,
        section_title=STORED,
        position=STORED,
        text=STORED,
        lang=ID(stored=True),
        projects=KEYWORD(stored=True, commas=True),
        partners=KEYWORD(stored=True, commas=True),
        topics=KEYWORD(stored=True, commas=True),
        doc=STORED,  # (path, title, lang, publisher, source_url, updated) of the document
        updated=ID(sortable=True),
        words=TEXT(analyzer=words_analyzer(), phrase=False),
    )
    for lang in LANGUAGES:
        fields[f"body_{lang}"] = TEXT(analyzer=ANALYZERS[lang])
        fields[f"heading_{lang}"] = TEXT(analyzer=ANALYZERS[lang])
        fields[f"tags_{lang}"] = TEXT(analyzer=ANALYZERS[lang])
    return Schema(**fields)


class LanguageBM25F(BM25F):
    """BM25F whose average field length counts only passages of the field's language.

    Whoosh divides a field's total length by all documents, so with half the passages in
    each language the average is halved and long passages are over-penalised.
    """

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


class WhooshBackend:
    """Passages in a Whoosh index folder, with one long-lived searcher refreshed on new commits."""

    def __init__(self, path: Path, taxonomy: Taxonomy | None = None, create: bool = False):
        self.path = Path(path)
        self.taxonomy = taxonomy or Taxonomy(())
        if create and not whoosh_index.exists_in(self.path):
            self.path.mkdir(parents=True, exist_ok=True)
            whoosh_index.create_in(self.path, make_schema())
        if not whoosh_index.exists_in(self.path):
            raise IndexNotFound(str(self.path))
        self._index = whoosh_index.open_dir(self.path)
        self._searcher = None
        self._checked_at = 0.0
        self._refresh_lock = threading.Lock()
        self._facet_cache: dict = {}

    # -- writing ---------------------------------------------------------------

    def apply(self, batch: IndexBatch) -> None:
        """Delete then add documents in one commit; waits up to ``LOCK_WAIT_SECONDS`` for the lock."""
        writer = self._writer()
        # One searcher for all the deletions of the batch: without it Whoosh reopens every
        # segment for each delete_by_term, and indexing slows down as the index grows.
        searcher = writer.searcher()
        try:
            for doc_id in (*batch.delete, *(document.info.doc_id for document in batch.add)):
                writer.delete_by_term("doc_id", doc_id, searcher=searcher)
            for document in batch.add:
                for passage in document.passages:
                    writer.add_document(**self._fields(document.info, passage))
        except BaseException:
            searcher.close()
            writer.cancel()
            raise
        searcher.close()
        writer.commit()

    def _writer(self):
        try:
            return self._index.writer(timeout=LOCK_WAIT_SECONDS, delay=0.25, limitmb=WRITER_MEMORY_MB)
        except LockError:
            raise IndexBusy(str(self.path), LOCK_WAIT_SECONDS) from None

    def _fields(self, info: DocumentInfo, passage: Passage) -> dict:
        lang = passage.lang
        return {
            "key": f"{passage.doc_id}\x1f{passage.passage_id}",
            "doc_id": passage.doc_id,
            "passage_id": passage.passage_id,
            "section_id": passage.section_id,
            "section_title": passage.section_title,
            "position": passage.position,
            "text": passage.text,
            "lang": lang,
            "projects": ",".join(passage.tags.projects),
            "partners": ",".join(passage.tags.partners),
            "topics": ",".join(passage.tags.topics),
            "doc": (info.path, info.title, info.lang, info.publisher, info.source_url, info.updated),
            "updated": info.updated or "0",
            "words": f"{passage.text}\n{passage.section_title}",
            f"body_{lang}": passage.text,
            f"heading_{lang}": passage.section_title,
            **{f"tags_{tag_lang}": self._tag_text(passage.search_tags, tag_lang) for tag_lang in LANGUAGES},
        }

    def _tag_text(self, tags: Tags, lang: str) -> str:
        lines = []
        for kind, ids in (("project", tags.projects), ("partner", tags.partners), ("topic", tags.topics)):
            for tag_id in ids:
                entry = self.taxonomy.get(kind, tag_id)
                lines.append(entry.label(lang) if entry else tag_id)
                if entry:
                    lines.extend(entry.aliases)
        return "\n".join(lines)

    # -- reading ---------------------------------------------------------------

    def searcher(self):
        """The long-lived searcher, replaced when a newer commit exists (checked at most every 0.5 s)."""
        now = time.monotonic()
        if self._searcher is not None and now - self._checked_at <= REFRESH_CHECK_SECONDS:
            return self._searcher
        with self._refresh_lock:  # web threads share the backend: one refresh, no leaked searcher
            if self._searcher is None:
                self._searcher = self._index.searcher(weighting=LanguageBM25F())
                self._checked_at = now
            elif now - self._checked_at > REFRESH_CHECK_SECONDS:
                self._checked_at = now
                if not self._searcher.up_to_date():
                    self._searcher = self._searcher.refresh()
                    self._facet_cache = {}
            return self._searcher

    def refresh(self) -> None:
        """See the latest commit now."""
        self._checked_at = float("-inf")
        self.searcher()

    def close(self) -> None:
        """Release the searcher's files."""
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None
        self._index.close()

    def search(self, plan: SearchPlan) -> BackendHits:
        """Ranked passages for ``plan``, with match spans, total and facet counts."""
        searcher = self.searcher()
        compiled = compile_query(plan.query.tree, compile_filters(plan.filters))
        # normalize() merges repeated sub-queries ("cooperation OR coopération" share a stem);
        # Whoosh 2.7.4 drops top hits of an Or that holds the same term twice.
        sorting = {"sortedby": "updated", "reverse": True} if plan.sort == "newest" else {}
        results = searcher.search(compiled.normalize(), limit=plan.offset + plan.limit, terms=False, **sorting)
        positive = positive_terms(plan.query.tree)
        ranked = plan.sort == "relevance"  # when sorted by date, Whoosh's "score" is the sort key
        window = results[plan.offset:plan.offset + plan.limit]
        hits = tuple(self._hit(hit, positive, hit.score if ranked else 0.0) for hit in window)
        facets = self._facets(searcher, results.docs()) if plan.with_facets else {}
        return BackendHits(total=len(results), hits=hits, facets=facets)

    def _hit(self, hit, positive, score) -> BackendHit:
        passage, info = _records(hit.fields())
        return BackendHit(passage, info, float(score or 0.0), spans_for(passage, positive))

    def _facets(self, searcher, docnums) -> dict[str, dict[str, int]]:
        counts = {}
        for facet, fieldname in FACET_FIELDS.items():
            values = {}
            for value, postings in self._facet_postings(searcher, fieldname).items():
                count = len(docnums & postings)
                if count:
                    values[value] = count
            counts[facet] = dict(sorted(values.items(), key=lambda item: (-item[1], item[0])))
        return counts

    def _facet_postings(self, searcher, fieldname) -> dict[str, set[int]]:
        if fieldname not in self._facet_cache:
            reader = searcher.reader()
            self._facet_cache[fieldname] = {
                value.decode("utf-8") if isinstance(value, bytes) else value: set(
                    reader.postings(fieldname, value).all_ids()
                )
                for value in reader.lexicon(fieldname)
            }
        return self._facet_cache[fieldname]

    def match_spans(self, plan: SearchPlan, passages: list[Passage]):
        """Spans of the plan's positive terms in each passage (for the document page)."""
        positive = positive_terms(plan.query.tree)
        return [spans_for(passage, positive) for passage in passages]

    def get_document(self, doc_id: str) -> IndexedDocument | None:
        """The stored document with its passages in reading order, or None."""
        stored = list(self.searcher().documents(doc_id=doc_id))
        if not stored:
            return None
        records = sorted((_records(fields) for fields in stored), key=lambda pair: pair[0].position)
        return IndexedDocument(records[0][1], tuple(passage for passage, _ in records))

    def suggest(self, words: list[str]) -> dict[str, str]:
        """For each word no analysed field knows, the closest indexed word (edit distance ≤ 2)."""
        searcher = self.searcher()
        corrector = None
        suggestions = {}
        for word in words:
            if is_stopword(word) or self._known(searcher, word):
                continue
            corrector = corrector or searcher.corrector("words")
            token = next(iter(words_analyzer()(word)), None)
            found = corrector.suggest(token.text, limit=1, maxdist=2) if token else []
            if found:
                suggestions[word] = found[0]
        return suggestions

    def _known(self, searcher, word: str) -> bool:
        for lang in LANGUAGES:
            terms = analyze(word, lang)
            if terms and all(searcher.doc_frequency(f"body_{lang}", t) or searcher.doc_frequency(f"heading_{lang}", t) for t in terms):
                return True
        return False

    def doc_ids(self) -> set[str]:
        """Ids of every indexed document."""
        reader = self.searcher().reader()
        return {value.decode("utf-8") if isinstance(value, bytes) else value for value in reader.lexicon("doc_id")}

    def passage_count(self) -> int:
        """Number of passages in the index."""
        return self.searcher().doc_count()


def open_whoosh(path: Path, taxonomy: Taxonomy | None = None, create: bool = False) -> WhooshBackend:
    """Open (or create) the Whoosh index at ``path``."""
    return WhooshBackend(path, taxonomy, create)


# -- query compilation -----------------------------------------------------------


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
        parts = [_compile(node.original, lang, keep_stops)]
        for alt_lang, words in node.alternatives:
            if alt_lang == lang:
                parts.append(_field_query(analyze(" ".join(words), lang), lang, EXPANSION_WEIGHT))
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
        terms[lang].update(analyze(" ".join(alternative), lang))
    return terms


def _alternatives(node):
    if isinstance(node, q.Expanded):
        yield from node.alternatives
    elif isinstance(node, (q.And, q.Or)):
        for child in node.children:
            yield from _alternatives(child)


def spans_for(passage: Passage, positive: dict[str, set[str]]) -> tuple[tuple[int, int], ...]:
    """Character spans of the passage's words whose analysed form is a query term."""
    wanted = positive.get(passage.lang) or set()
    if not wanted:
        return ()
    return tuple((start, end) for term, start, end in analyze_with_offsets(passage.text, passage.lang) if term in wanted)


def _records(fields: dict) -> tuple[Passage, DocumentInfo]:
    path, title, doc_lang, publisher, source_url, updated = fields["doc"]
    tags = Tags(
        projects=_split(fields.get("projects")),
        partners=_split(fields.get("partners")),
        topics=_split(fields.get("topics")),
    )
    passage = Passage(
        doc_id=fields["doc_id"],
        passage_id=fields["passage_id"],
        section_id=fields["section_id"],
        section_title=fields["section_title"],
        position=fields["position"],
        text=fields["text"],
        lang=fields["lang"],
        tags=tags,
    )
    return passage, DocumentInfo(fields["doc_id"], path, title, doc_lang, publisher, source_url, updated)


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(v for v in (value or "").split(",") if v)

