"""Property-based tests of /api/search (every parameter) and of the pages that take the same ones.

Whatever a client sends, the API answers 200 with the result object or 400 in the one error shape
naming the parameter at fault; never a 500, never a stack trace. The pages answer 200 or 400 too,
with no script but their own.
"""

from __future__ import annotations

from urllib.parse import urlencode
from xml.etree import ElementTree as ET

import pytest
from fuzz_helpers import filter_values
from fuzz_helpers import queries
from hypothesis import given
from hypothesis import strategies as st
from test_api import assert_error
from test_pages import assert_no_script_but_ours

PARAMETERS = ("q", "lang", "project", "partner", "topic", "page", "per_page", "sort", "expand", "group")
RESULT_FIELDS = {
    "query", "total", "page", "per_page", "took_ms", "results", "facets", "suggestion", "expanded", "relaxed",
    "unknown_filters",
}  # fmt: skip
GROUPED_FIELDS = RESULT_FIELDS | {"documents", "group"}
printable = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)
numbers = st.one_of(
    st.integers(1, 20).map(str),  # valid values, drawn as often as the invalid ones below
    st.integers(1, 20).map(str),
    st.integers(-10, 1200).map(str),
    st.sampled_from(["", " 2 ", "1.5", "1e3", "0x10", "-0", "١٢", "9" * 40, "NaN", "[]", "1;2"]),
    printable,
)
search_params = st.fixed_dictionaries(
    {},
    optional={
        "q": st.one_of(queries(), queries(max_chars=700)),
        "lang": st.lists(st.sampled_from(["en", "fr", "EN", "english", "de", ""]) | printable, max_size=2),
        "project": st.lists(filter_values(), max_size=3),
        "partner": st.lists(filter_values(), max_size=3),
        "topic": st.lists(filter_values(), max_size=3),
        "page": numbers,
        "per_page": numbers,
        "sort": st.one_of(st.sampled_from(["relevance", "newest", "oldest", "", "RELEVANCE"]), printable),
        "expand": st.one_of(st.sampled_from(["0", "1", "false", "off", ""]), printable),
        "group": st.one_of(st.sampled_from(["none", "document", "", "DOCUMENT"]), printable),
        "unknown": printable,
    },
)


@given(params=search_params)
def test_the_api_answers_any_parameters_with_a_result_or_a_named_400(app, params):
    response = app.test_client().get("/api/search", query_string=params)
    if response.status_code == 200:
        body = response.get_json()
        assert set(body) == (GROUPED_FIELDS if params.get("group") == "document" else RESULT_FIELDS)
        assert "Traceback" not in response.get_data(as_text=True)
    else:
        body = assert_error(response, 400)
        assert any(name in body["error"] for name in PARAMETERS), body


@given(params=search_params, path=st.sampled_from(["/search", "/feed.atom"]))
def test_the_pages_answer_any_parameters_without_a_500_or_a_script(app, params, path):
    response = app.test_client().get(path, query_string=params)
    assert response.status_code in (200, 400)
    body = response.get_data(as_text=True)
    assert "Traceback" not in body
    if path == "/feed.atom" and response.status_code == 200:
        assert "<script" not in body and ET.fromstring(response.data).tag.endswith("feed")
    else:  # the search page, or the feed's error page
        assert_no_script_but_ours(body)


@pytest.mark.parametrize(
    "raw",
    [
        "q=%ff%fe%00",  # not UTF-8, and a NUL
        "q=%ED%A0%80",  # an encoded lone surrogate
        "q=%",  # a truncated escape
        "q=a&q=b&page=1&page=2",  # repeated single-valued parameters
        "q=" + "%22" * 400,  # 400 quotes
        "page=99999999999999999999999999&per_page=-1",
        "lang=fr&lang=en&lang=" + "x" * 1000,
        urlencode({"q": "money", "topic": "\u202e<script>"}),
    ],
)
def test_malformed_query_strings_never_give_a_500(client, raw):
    response = client.get(f"/api/search?{raw}")
    assert response.status_code in (200, 400), response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)
    if response.status_code == 400:
        assert_error(response, 400)
