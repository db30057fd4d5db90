"""The JSON API: every endpoint, the one error shape, and the same answers as `passerelle search --json`."""

from __future__ import annotations

import json
import time
from urllib.parse import quote

import pytest
from web_helpers import EN_DOC
from web_helpers import FR_DOC
from web_helpers import HOSTILE_DOC
from web_helpers import app_over
from web_helpers import copy_corpus

from indexer import index_corpus
from indexer.store import index_stats
from indexer.store import open_index
from web.cli import main

SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy")


def assert_error(response, status: int, *words: str) -> dict:
    """The one error shape, with ``status`` and each of ``words`` in the message."""
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"ok", "error", "errors", "status"}
    assert body["ok"] is False and body["status"] == status
    assert body["errors"] and body["errors"][0] == body["error"]
    for word in words:
        assert word in body["error"]
    assert "Traceback" not in response.get_data(as_text=True)
    return body


def without_timing(result: dict) -> dict:
    return {key: value for key, value in result.items() if key != "took_ms"}


@pytest.mark.parametrize(
    "params, cli_args",
    [
        ({"q": "money laundering"}, []),
        ({"q": "douanes"}, []),
        ({"q": "organised OR organisé", "lang": "fr"}, ["--lang", "fr"]),
        (
            {"q": "cooperation", "topic": "terrorism", "page": "2", "per_page": "3"},
            ["--topic", "terrorism", "--page", "2", "--per-page", "3"],
        ),
        ({"q": "monney"}, []),
    ],
)
def test_api_search_equals_the_cli_json_apart_from_timing(client, runner, web_index_dir, params, cli_args):
    response = client.get("/api/search", query_string=params)
    assert response.status_code == 200
    printed = runner.invoke(main, ["search", "--index", str(web_index_dir), "--json", *cli_args, params["q"]])
    assert printed.exit_code == 0, printed.output
    assert without_timing(response.get_json()) == without_timing(json.loads(printed.stdout))


def test_api_search_has_every_field_of_the_result(client):
    body = client.get("/api/search?q=money+laundering").get_json()
    assert {"query", "total", "page", "per_page", "took_ms", "results", "facets", "suggestion"} <= set(body)
    assert body["results"][0]["url"].startswith(f"/doc/{EN_DOC}#")


def test_api_search_filters_repeat_and_combine(client):
    both = client.get("/api/search?q=cooperation&lang=en&lang=fr").get_json()
    english = client.get("/api/search?q=cooperation&lang=en").get_json()
    assert english["total"] < both["total"]
    assert set(english["facets"]["lang"]) == {"en"}


def test_api_search_sorts_by_newest_on_request(client):
    body = client.get("/api/search?q=cooperation&sort=newest").get_json()
    assert body["total"] > 0


@pytest.mark.parametrize(
    "query, name",
    [
        ("page=abc", "page"),
        ("page=0", "page"),
        ("page=1001", "page"),
        ("per_page=101", "per_page"),
        ("per_page=ten", "per_page"),
        ("sort=oldest", "sort"),
        ("lang=de", "lang"),
        ("q=" + "a" * 501, "q"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(client, query, name):
    assert_error(client.get(f"/api/search?{query}"), 400, name)


def test_a_document_has_metadata_sections_and_passages(client):
    body = client.get(f"/api/documents/{EN_DOC}").get_json()
    assert body["doc_id"] == EN_DOC and body["lang"] == "en" and body["title"]
    assert {"publisher", "source_url", "updated", "path", "url", "tags", "sections"} <= set(body)
    passages = [p for section in body["sections"] for p in section["passages"]]
    assert [p["position"] for p in passages] == sorted(p["position"] for p in passages)
    assert {"passage_id", "lang", "text", "url", "projects", "partners", "topics"} <= set(passages[0])
    assert "aml-cft" in body["tags"]["topic"]


def test_a_french_document_is_served_as_stored(client):
    body = client.get(f"/api/documents/{FR_DOC}").get_json()
    assert body["lang"] == "fr"
    assert all(p["lang"] for s in body["sections"] for p in s["passages"])


def test_a_document_id_with_slash_colon_and_parentheses_is_found(hostile_client):
    response = hostile_client.get(f"/api/documents/{quote(HOSTILE_DOC, safe='/')}")
    assert response.status_code == 200
    assert response.get_json()["doc_id"] == HOSTILE_DOC


def test_an_unknown_document_is_a_json_404(client):
    assert_error(client.get("/api/documents/no/such(doc)"), 404, "no/such(doc)")


def test_the_taxonomy_lists_ids_and_labels_per_kind(client):
    body = client.get("/api/taxonomy").get_json()
    assert set(body) == {"project", "partner", "topic"}
    wecaps = next(entry for entry in body["project"] if entry["id"] == "wecaps")
    assert wecaps["label_en"] and wecaps["label_fr"]


def test_health_reports_counts_generation_and_version(client, web_index_dir):
    body = client.get("/api/health").get_json()
    opened = open_index(web_index_dir)
    try:
        stats = index_stats(opened)
    finally:
        opened.close()
    assert body["ok"] is True
    assert (body["passages"], body["documents"], body["generation"]) == (
        stats.passages,
        stats.documents,
        stats.generation,
    )
    assert body["updated"] == stats.updated
    assert body["version"]


@pytest.mark.parametrize("path", ["/api/search?q=crime", "/api/health", "/api/taxonomy", f"/api/documents/{EN_DOC}"])
def test_no_index_yet_is_a_503_with_a_clear_message(no_index_client, path):
    body = assert_error(no_index_client.get(path), 503, "no index")
    assert "nothing-here" not in body["error"]  # the server's folders are not shown


def test_an_unknown_api_path_is_a_json_404(client):
    assert_error(client.get("/api/nothing"), 404)


def test_a_wrong_method_is_a_json_405_with_allow(client):
    response = client.post("/api/search")
    assert_error(response, 405)
    assert "GET" in response.headers["Allow"]


def test_an_unexpected_error_is_a_json_500_without_details(web_index_dir):
    with app_over(web_index_dir) as app:
        app.add_url_rule("/api/boom", "boom", lambda: 1 / 0)
        body = assert_error(app.test_client().get("/api/boom"), 500)
    assert "division" not in body["error"]


def test_api_responses_carry_the_security_headers(client):
    response = client.get("/api/search?q=crime")
    for header in SECURITY_HEADERS:
        assert header in response.headers


def test_the_app_sees_a_rebuilt_index_without_restarting(tmp_path):
    corpus = copy_corpus(tmp_path / "corpus")
    root = tmp_path / "index"
    index_corpus(corpus, root)
    with app_over(root) as app:
        client = app.test_client()
        assert client.get("/api/search?q=zanzibarite").get_json()["total"] == 0
        (corpus / "new.txt").write_text("A passage about zanzibarite smuggling.\n", encoding="utf-8")
        index_corpus(corpus, root, rebuild=True)
        assert client.get("/api/search?q=zanzibarite").get_json()["total"] == 1


def test_health_says_when_the_server_has_warmed_its_index(client):
    deadline = time.monotonic() + 30
    while not client.get("/api/health").get_json()["warm"]:  # warming runs in the background
        assert time.monotonic() < deadline, "the served index never reported warm"
        time.sleep(0.05)
    assert client.get("/api/search?q=crime").status_code == 200
    assert client.get("/api/health").get_json()["warm"] is True


@pytest.mark.parametrize(
    ("query", "name", "value"),
    [
        ("topic=bogus", "topic", "bogus"),
        ("project=nope", "project", "nope"),
        ("partner=x", "partner", "x"),
        ("expand=2", "expand", "2"),
    ],
)
def test_an_unknown_filter_value_or_switch_is_a_400_naming_it(client, query, name, value):
    body = assert_error(client.get(f"/api/search?q=police&{query}"), 400, name)
    assert f"{name}='{value}'" in body["error"]


def test_a_filter_value_may_be_a_label_or_an_alias(client):
    assert client.get("/api/search?q=police&partner=ONUDC").status_code == 200


def test_an_unknown_filter_typed_in_the_query_is_named_in_the_result(client):
    body = client.get("/api/search?q=police+topic:bogus").get_json()
    assert body["total"] == 0 and body["unknown_filters"] == [{"filter": "topic", "value": "bogus"}]
    assert client.get("/api/search?q=police+topic:corruption").get_json()["unknown_filters"] == []


@pytest.mark.parametrize("q", ["", "AND", "-", '"'])
def test_nothing_to_search_is_a_400_saying_what_to_type(client, q):
    assert_error(client.get("/api/search", query_string={"q": q}), 400, "q=", "type words", "sort=newest")


def test_sorting_by_newest_browses_every_passage(client):
    every = client.get("/api/health").get_json()["passages"]
    assert client.get("/api/search?sort=newest&per_page=100").get_json()["total"] == every
