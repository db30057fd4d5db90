"""Results grouped by document through /api/search: exact pages of documents, each with its best passages."""

from __future__ import annotations

import pytest
from web_helpers import app_over

from indexer import index_corpus

QUERY = "customs cooperation"
DOCUMENTS = 9
FILLER = "The programme also trains staff, funds equipment and reports to its steering committee every year."


def _document(number: int) -> str:
    """A document with ``number % 7`` passages about customs (some about customs cooperation) among fillers."""
    paragraphs = [f"Report {number}", FILLER]
    for k in range(number % 7):
        words = "customs cooperation" if (number + k) % 3 == 0 else "customs"
        paragraphs.append(f"Passage {k} of report {number} is about {words} at the border posts of region {k}.")
        paragraphs.append(FILLER)
    return "\n\n".join(paragraphs)


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    root = tmp_path_factory.mktemp("grouping")
    corpus = root / "corpus"
    corpus.mkdir()
    for number in range(DOCUMENTS):
        (corpus / f"report-{number}.txt").write_text(_document(number) + "\n", encoding="utf-8")
        (corpus / f"report-{number}.meta.toml").write_text(f'lang = "en"\ntitle = "Report {number}"\n')
    index_corpus(corpus, root / "index")
    with app_over(root / "index") as app:
        yield app.test_client()


def _search(client, **params) -> dict:
    response = client.get("/api/search", query_string={"q": QUERY, **params})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _every_passage(client) -> list[dict]:
    return _search(client, per_page=100)["results"]


def test_the_api_answers_passages_unless_asked_to_group(client):
    plain, none = _search(client), _search(client, group="none")
    assert "group" not in plain and all("passage_id" in hit for hit in plain["results"])
    assert {**none, "took_ms": 0} == {**plain, "took_ms": 0}


@pytest.mark.parametrize("per_page", [1, 2, 3, 4, 100])
def test_pages_of_documents_are_exact(client, per_page):
    passages = _every_passage(client)
    expected = list(dict.fromkeys(hit["doc_id"] for hit in passages))  # by each document's best passage
    seen, page = [], 1
    while True:
        found = _search(client, group="document", per_page=per_page, page=page)
        assert found["documents"] == len(expected) and found["total"] == len(passages)
        if not found["results"]:
            break
        assert len(found["results"]) <= per_page
        seen += [group["doc_id"] for group in found["results"]]
        page += 1
    assert seen == expected  # every document once, none split across pages, in order
    assert page - 1 == -(-len(expected) // per_page)


def test_a_group_holds_its_documents_best_passages_in_rank_order_and_counts_the_rest(client):
    passages = _every_passage(client)
    groups = _search(client, group="document", per_page=100)["results"]
    assert any(group["more"] > 0 for group in groups) and any(len(group["hits"]) > 1 for group in groups)
    for group in groups:
        own = [hit for hit in passages if hit["doc_id"] == group["doc_id"]]
        assert [hit["passage_id"] for hit in group["hits"]] == [hit["passage_id"] for hit in own[:4]]
        assert group["matched"] == len(own) and group["more"] == len(own) - len(group["hits"])
        assert group["url"] == f"/doc/{group['doc_id']}"


def test_more_points_at_the_first_passage_not_shown_in_reading_order(client):
    passages = _every_passage(client)
    groups = _search(client, group="document", per_page=100)["results"]
    assert any(group["more"] for group in groups)
    for group in groups:
        shown = {hit["passage_id"] for hit in group["hits"]}
        unshown = {hit["passage_id"] for hit in passages if hit["doc_id"] == group["doc_id"]} - shown
        document = client.get(f"/api/documents/{group['doc_id']}").get_json()
        order = [passage["passage_id"] for section in document["sections"] for passage in section["passages"]]
        first = next((passage_id for passage_id in order if passage_id in unshown), None)
        assert group["more_url"] == (f"/doc/{group['doc_id']}#{first}" if first else None)


def test_facets_count_passages_whether_grouped_or_not(client):
    grouped, plain = _search(client, group="document"), _search(client)
    assert grouped["facets"] == plain["facets"] and grouped["facets"]["lang"] == {"en": plain["total"]}


def test_an_unknown_grouping_is_refused_by_name(client):
    response = client.get("/api/search", query_string={"q": QUERY, "group": "section"})
    assert response.status_code == 400 and "group" in response.get_json()["error"]
