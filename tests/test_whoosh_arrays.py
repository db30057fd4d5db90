"""The array query engine ranks exactly as Whoosh's own BM25F search would, only faster.

Whoosh itself is the reference: the same compiled queries go through ``Searcher.search`` and
through the engine, over an index with several segments and deleted documents.
"""

from collections import Counter

import pytest

from indexer.backend import IndexBatch
from indexer.expansion import Expander
from indexer.glossary import load_glossary
from indexer.backend import SearchPlan
from indexer.models import DocumentInfo
from indexer.models import IndexedDocument
from indexer.models import Passage
from indexer.models import Tags
from indexer.query import ParsedQuery
from indexer.query import parse_query
from tests.conftest import CORPUS
from indexer.whoosh_arrays import normalized
from indexer.whoosh_backend import open_whoosh
from indexer.whoosh_queries import compile_filters
from indexer.whoosh_queries import compile_query

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
QUERIES = [
    "customs", "money laundering", "douanes cocaïne", "cocaine OR cocaïne",
    '"money laundering"', '"flux financiers"', "trafficking OR traite OR corruption", "port",
]
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
    backend.apply(IndexBatch(add=tuple(documents[:half])))  # two commits: two segments
    backend.apply(IndexBatch(add=tuple(documents[half:]), delete=("doc-en-1",)))
    yield backend
    backend.close()


def _plan(text: str, **filters) -> SearchPlan:
    parsed = parse_query(text)
    return SearchPlan(ParsedQuery(parsed.tree, parsed.filters), filters, limit=20)


def _whoosh_ranking(backend, plan: SearchPlan) -> list[tuple[str, float]]:
    searcher = backend.searcher()
    compiled = compile_query(plan.query.tree, compile_filters(plan.filters)).normalize()
    return [(hit["doc_id"], hit.score) for hit in searcher.search(compiled, limit=plan.limit)]


def _same_ranking(found, expected, offset: float = 0.0) -> bool:
    """Same passages in the same order, scores equal to float32 precision (give or take ``offset``)."""
    ranked = [(hit.passage.doc_id, hit.score + offset) for hit in found.hits]
    return [doc for doc, _ in ranked] == [doc for doc, _ in expected] and [s for _, s in ranked] == pytest.approx(
        [s for _, s in expected], rel=1e-5
    )


def test_the_index_under_test_has_several_segments_and_a_deletion(backend):
    reader = backend.searcher().reader()
    assert len(list(reader.leaf_readers())) == 2
    assert reader.doc_count() == reader.doc_count_all() - 1


@pytest.mark.parametrize("text", QUERIES)
def test_same_hits_same_scores_same_order_as_whoosh(backend, text):
    plan = _plan(text)
    expected = _whoosh_ranking(backend, plan)
    found = backend.search(plan)
    assert expected, f"the reference found nothing for {text!r}"
    assert _same_ranking(found, expected)
    assert found.total == len(expected)


def test_a_negated_word_excludes_without_changing_the_order(backend):
    plan = _plan("police -corruption")
    found = backend.search(plan)
    assert found.hits and all("orruption" not in hit.passage.text for hit in found.hits)
    assert _same_ranking(found, _whoosh_ranking(backend, plan), offset=WHOOSH_CONSTANT)


def test_filters_narrow_without_changing_the_order(backend):
    plan = _plan("customs OR douanes", topic=("aml",))
    found = backend.search(plan)
    assert _same_ranking(found, _whoosh_ranking(backend, plan), offset=WHOOSH_CONSTANT)
    assert {hit.passage.tags.topics for hit in found.hits} == {("aml",)}


def test_a_deleted_document_is_never_returned(backend):
    found = backend.search(_plan("cocaine OR cocaïne"))
    assert "doc-en-1" not in {hit.passage.doc_id for hit in found.hits}


def test_facets_count_the_matching_passages(backend):
    found = backend.search(_plan("customs OR douanes"))
    assert found.total == len(found.hits) > 2
    assert found.facets["lang"] == dict(Counter(hit.passage.lang for hit in found.hits))
    assert found.facets["topic"] == dict(Counter(hit.passage.tags.topics[0] for hit in found.hits))


def test_paging_continues_the_same_ranking(backend):
    whole = [hit.passage.doc_id for hit in backend.search(_plan("customs OR douanes OR police")).hits]
    pages = [
        hit.passage.doc_id
        for offset in (0, 2, 4)
        for hit in backend.search(SearchPlan(_plan("customs OR douanes OR police").query, offset=offset, limit=2)).hits
    ]
    assert pages == whole[: len(pages)]


def test_newest_first_orders_by_the_document_date(backend):
    plan = SearchPlan(_plan("customs OR douanes").query, sort="newest", limit=20)
    dates = [hit.info.updated for hit in backend.search(plan).hits]
    assert dates == sorted(dates, reverse=True)


@pytest.mark.parametrize("text", [*QUERIES, "customs -cocaine", "(port OR douanes) money", "blanchiment OR laundering OR douanes"])
def test_the_engine_normalises_queries_as_whoosh_does(text):
    expander = Expander(load_glossary(CORPUS / "glossary.toml"))  # its equivalents nest Ors in Ors
    tree, _ = expander.expand(parse_query(text).tree)
    for filters in (None, compile_filters({"lang": ("fr",)})):
        compiled = compile_query(tree, filters)
        assert repr(normalized(compiled)) == repr(compiled.normalize())
