"""The array query engine: Whoosh's own scores where Whoosh has the query, BM25F by the book where not.

Whoosh itself is the reference for terms, phrases, AND, OR, NOT and filters: the same queries go
through ``Searcher.search`` and through the engine, over an index with several segments and
deleted documents. ``FieldsTerm`` (BM25F across fields) is checked against the formula, and the
matching rules of ``query.top_clauses`` through the backend.
"""

from collections import Counter

import pytest
from whoosh import query as wq
from whoosh.util.numeric import byte_to_length
from whoosh.util.numeric import length_to_byte

from indexer.analysis import analyze
from indexer.crosslang.expansion import Expander
from indexer.crosslang.glossary import load_glossary
from indexer.engine import proximity
from indexer.engine.contract import SearchPlan
from indexer.engine.whoosh.arrays import FieldsTerm
from indexer.engine.whoosh.arrays import evaluate
from indexer.engine.whoosh.arrays import normalized
from indexer.engine.whoosh.arrays import top
from indexer.engine.whoosh.backend import open_whoosh
from indexer.engine.whoosh.queries import compile_filters
from indexer.engine.whoosh.queries import compile_query
from indexer.engine.whoosh.records import stored_records
from indexer.models import DocumentInfo
from indexer.models import IndexedDocument
from indexer.models import Passage
from indexer.models import Tags
from indexer.query import Expanded
from indexer.query import ParsedQuery
from indexer.query import Term
from indexer.query import parse_query
from tests.conftest import CORPUS

TEXTS = {
    "en": [
        "Money laundering through trade: customs officers trace illicit financial flows.",
        "The customs administration seized cocaine in the port; money was laundered abroad.",
        "Police cooperation against organised crime and trafficking in human beings.",
        "Maritime security: the coast guard boarded a vessel carrying cocaine.",
        "Corruption and money laundering cases were referred to the prosecutor.",
        "Training for customs and police officers on financial investigations.",
    ],
    "fr": [
        "Le blanchiment d'argent par le commerce : les douanes tracent les flux financiers illicites.",
        "L'administration des douanes a saisi de la cocaïne dans le port.",
        "Coopération policière contre la criminalité organisée et la traite des êtres humains.",
        "Sûreté maritime : les garde-côtes ont arraisonné un navire chargé de cocaïne.",
        "Les affaires de corruption et de blanchiment ont été transmises au procureur.",
    ],
}
# Whoosh scores a negated word or a filter 1 (its inverse matcher and a zero constant score
# both answer 1); the engine adds 0. Every match moves by the same 1, so no order changes.
WHOOSH_CONSTANT = 1.0


def _document(number: int, lang: str, text: str, topic: str) -> IndexedDocument:
    doc_id = f"doc-{lang}-{number}"
    info = DocumentInfo(doc_id, f"{doc_id}.txt", f"Title {number}", lang, "", "", f"2026-01-{number + 1:02d}")
    passage = Passage(doc_id, "p1", "s1", f"Section {number} customs", 0, text, lang, Tags(topics=(topic,)))
    return IndexedDocument(info, (passage,))


@pytest.fixture(scope="module")
def backend(tmp_path_factory):
    backend = open_whoosh(tmp_path_factory.mktemp("arrays") / "index", create=True)
    documents = [
        _document(number, lang, text, "aml" if "laund" in text or "blanchi" in text else "other")
        for lang, texts in TEXTS.items()
        for number, text in enumerate(texts)
    ]
    half = len(documents) // 2
    prepare = backend.preparer()
    for part, deleted in ((documents[:half], ()), (documents[half:], ("doc-en-1",))):  # two commits: two segments
        with backend.begin() as transaction:
            transaction.delete(deleted)
            for document in part:
                transaction.add(prepare(document))
    yield backend
    backend.close()


def _plan(text: str, **filters) -> SearchPlan:
    parsed = parse_query(text)
    return SearchPlan(ParsedQuery(parsed.tree, parsed.filters), filters, limit=20)


def _t(field: str, word: str) -> wq.Term:
    lang = field.rpartition("_")[2]
    return wq.Term(field, analyze(word, lang)[0])


# Whoosh queries the engine must answer as Whoosh does: terms, phrases, AND, OR, NOT, filters.
WHOOSH_QUERIES = {
    "customs": wq.Or([_t("body_en", "customs"), _t("heading_en", "customs")]),
    "douanes OR cocaïne": wq.Or([_t("body_fr", "douanes"), _t("body_fr", "cocaïne")]),
    "money AND laundering": wq.And([_t("body_en", "money"), _t("body_en", "laundering")]),
    '"money laundering"': wq.Phrase("body_en", [analyze(w, "en")[0] for w in ("money", "laundering")]),
    '"flux financiers"': wq.Phrase("body_fr", [analyze(w, "fr")[0] for w in ("flux", "financiers")]),
    "trafficking OR traite OR corruption": wq.Or(
        [
            _t("body_en", "trafficking"),
            _t("body_fr", "traite"),
            _t("body_en", "corruption"),
            _t("body_fr", "corruption"),
        ]
    ),
    "port, boosted": wq.Or([wq.Term("body_en", "port", boost=2.0), wq.Term("body_fr", "port", boost=0.5)]),
}


def _engine(backend, query, limit: int = 20) -> list[tuple[str, float]]:
    searcher, arrays = backend._view()
    found = evaluate(normalized(query), arrays)
    return [(searcher.stored_fields(docnum)["doc_id"], score) for docnum, score in top(found, limit)]


def _whoosh(backend, query, limit: int = 20) -> list[tuple[str, float]]:
    return [(hit["doc_id"], hit.score) for hit in backend.searcher().search(query.normalize(), limit=limit)]


def _same_ranking(found, expected, offset: float = 0.0) -> bool:
    """Same passages in the same order, scores equal to float32 precision (give or take ``offset``)."""
    return [doc for doc, _ in found] == [doc for doc, _ in expected] and [
        s + offset for _, s in found
    ] == pytest.approx([s for _, s in expected], rel=1e-5)


def test_the_index_under_test_has_several_segments_and_a_deletion(backend):
    reader = backend.searcher().reader()
    assert len(list(reader.leaf_readers())) == 2
    assert reader.doc_count() == reader.doc_count_all() - 1


@pytest.mark.parametrize("name", WHOOSH_QUERIES)
def test_same_hits_same_scores_same_order_as_whoosh(backend, name):
    expected = _whoosh(backend, WHOOSH_QUERIES[name])
    assert expected, f"Whoosh found nothing for {name}"
    assert _same_ranking(_engine(backend, WHOOSH_QUERIES[name]), expected)


def test_a_negated_word_excludes_without_changing_the_order(backend):
    query = wq.And([wq.Or([_t("body_en", "police"), _t("body_fr", "police")]), wq.Not(_t("body_en", "corruption"))])
    found = _engine(backend, query)
    assert found and all(doc != "doc-en-4" for doc, _ in found)
    assert _same_ranking(found, _whoosh(backend, query), offset=WHOOSH_CONSTANT)


def test_filters_narrow_without_changing_the_order(backend):
    words = wq.Or([_t("body_en", "customs"), _t("body_fr", "douanes")])
    query = compile_query(None, compile_filters({"topic": ("aml",)}))
    query = wq.And([words, query])
    found = _engine(backend, query)
    assert _same_ranking(found, _whoosh(backend, query), offset=WHOOSH_CONSTANT)
    assert {doc for doc, _ in found} == {"doc-en-0", "doc-fr-0"}


def test_a_word_in_several_fields_is_scored_by_bm25f(backend):
    """Field frequencies normalised by their lengths, weighted, summed, then saturated once."""
    searcher, arrays = backend._view()
    word = analyze("customs", "en")[0]
    fields = (("body_en", 1.0), ("heading_en", 0.5))
    found = dict(_engine(backend, FieldsTerm(word, fields)))
    idf = searcher.idf("body_en", word)
    expected = {}
    for fields_stored in searcher.all_stored_fields():
        passage, _ = stored_records(fields_stored)
        summed = 0.0
        for (fieldname, weight), text in zip(fields, (passage.text, passage.section_title)):
            terms = analyze(text, "en")
            length = byte_to_length(length_to_byte(len(terms)))
            norm = (1 - arrays._field_B.get(fieldname, arrays.B)) + arrays._field_B.get(
                fieldname, arrays.B
            ) * length / arrays._average_length(fieldname)
            summed += weight * terms.count(word) / norm
        if summed and passage.lang == "en":
            expected[passage.doc_id] = idf * summed * (arrays.K1 + 1) / (summed + arrays.K1)
    assert found.keys() == expected.keys() and len(found) > 2
    assert [found[doc] for doc in sorted(found)] == pytest.approx([expected[doc] for doc in sorted(found)], rel=1e-5)


def test_a_word_and_its_equivalent_count_once(backend):
    plain = backend.search(_plan("police"))
    tree = Expanded(Term("police"), (("en", ("police",)), ("fr", ("police",))))
    doubled = backend.search(SearchPlan(ParsedQuery(tree, {}), limit=20))
    assert [(h.passage.doc_id, h.score) for h in doubled.hits] == [(h.passage.doc_id, h.score) for h in plain.hits]


def test_any_of_the_words_matches_and_passages_with_more_of_them_come_first(backend):
    found = backend.search(_plan("cocaine prosecutor corruption"))
    docs = [hit.passage.doc_id for hit in found.hits]
    assert {"doc-en-3", "doc-en-4"} <= set(docs)  # cocaine alone; corruption and prosecutor
    assert docs[0] == "doc-en-4"
    assert found.relaxed  # no passage has all three


def test_a_query_whose_words_one_passage_has_is_not_relaxed(backend):
    found = backend.search(_plan("douanes cocaïne"))
    assert not found.relaxed and found.hits[0].passage.doc_id == "doc-fr-1"


def test_a_quoted_phrase_is_required_and_the_other_words_only_rank(backend):
    found = backend.search(_plan('"money laundering" prosecutor'))
    assert [hit.passage.doc_id for hit in found.hits] == ["doc-en-4", "doc-en-0"]


def test_explicit_and_requires_every_word(backend):
    found = backend.search(_plan("training AND police"))
    assert [hit.passage.doc_id for hit in found.hits] == ["doc-en-5"]
    assert len(backend.search(_plan("training police")).hits) > 1


def test_a_deleted_document_is_never_returned(backend):
    found = backend.search(_plan("cocaine OR cocaïne"))
    assert "doc-en-1" not in {hit.passage.doc_id for hit in found.hits}


def test_facets_count_the_matching_passages(backend):
    found = backend.search(_plan("customs OR douanes"))
    assert found.total == len(found.hits) > 2
    assert found.facets["lang"] == dict(Counter(hit.passage.lang for hit in found.hits))
    assert found.facets["topic"] == dict(Counter(hit.passage.tags.topics[0] for hit in found.hits))


@pytest.mark.parametrize("depth", [1, 3, 50])
def test_paging_continues_the_same_ranking(backend, monkeypatch, depth):
    monkeypatch.setattr(proximity, "DEPTH", depth)  # pages that cross the re-ranked head
    query = _plan("customs douanes police cocaine").query
    whole = [hit.passage.doc_id for hit in backend.search(SearchPlan(query, limit=20)).hits]
    pages = [
        hit.passage.doc_id
        for offset in (0, 2, 4, 6)
        for hit in backend.search(SearchPlan(query, offset=offset, limit=2)).hits
    ]
    assert len(whole) > 6 and pages == whole[: len(pages)]


def test_newest_first_orders_by_the_document_date(backend):
    plan = SearchPlan(_plan("customs OR douanes").query, sort="newest", limit=20)
    dates = [hit.info.date for hit in backend.search(plan).hits]
    assert dates == sorted(dates, reverse=True)


@pytest.mark.parametrize(
    "text",
    [
        "customs",
        "money laundering",
        "douanes cocaïne",
        "customs -cocaine",
        "(port OR douanes) money",
        "blanchiment OR laundering OR douanes",
    ],
)
def test_the_engine_normalises_queries_as_whoosh_does(text):
    expander = Expander(load_glossary(CORPUS / "glossary.toml"))  # its equivalents nest Ors in Ors
    tree, _ = expander.expand(parse_query(text).tree)
    for filters in (None, compile_filters({"lang": ("fr",)})):
        compiled = compile_query(tree, filters)
        assert repr(normalized(compiled)) == repr(compiled.normalize())


def test_a_long_lived_searcher_remembers_a_bounded_number_of_terms_and_ranks_the_same(backend, monkeypatch):
    from indexer.engine.whoosh import arrays as arrays_module

    monkeypatch.setattr(arrays_module, "TERMS_KEPT", 6)
    words = sorted({word.strip(".,:;").lower() for text in TEXTS["en"] for word in text.split()} - {"the", "and"})
    first = [(hit.passage.doc_id, hit.score) for hit in backend.search(_plan("customs money")).hits]
    searcher, arrays = backend._view()
    monkeypatch.setattr(searcher._idf_cache, "limit", 6)  # Whoosh's own, bounded as ours
    for word in words + words:  # a server's stream of new words (the first pass turns over earlier tests' memos)
        backend.search(_plan(word))
    assert all(len(memo) <= 6 for memo in (searcher._idf_cache, arrays._idfs, arrays._frequencies))
    again = [(hit.passage.doc_id, hit.score) for hit in backend.search(_plan("customs money")).hits]
    assert len(words) > 20 and again == first
