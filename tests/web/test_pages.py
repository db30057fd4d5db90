"""The pages through the Flask test client: results, facets, filters, languages, escaping, headers, feeds."""

from __future__ import annotations

import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs
from urllib.parse import quote
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

import pytest
from markupsafe import escape
from web_helpers import EN_DOC
from web_helpers import HOSTILE_DOC
from web_helpers import HOSTILE_HEADING
from web_helpers import HOSTILE_LABEL
from web_helpers import HOSTILE_PUBLISHER
from web_helpers import HOSTILE_TITLE
from web_helpers import IMG_PAYLOAD
from web_helpers import JS_LINK_DOC
from web_helpers import ROOT
from web_helpers import SCRIPT_PAYLOAD

from web.cli import main
from web.i18n import STRINGS
from web.links import text_fragment_url
from web.security import HEADERS

ATOM = "{http://www.w3.org/2005/Atom}"
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"
TEMPLATES = ROOT / "web" / "templates"
# The only values a template may output unescaped: HTML made by indexer.snippets (escape, then mark).
SAFE_VALUES = {"item.snippet_html", "item.heading_html", "section.title_html", "passage.html", "counterpart.html"}


class Elements(HTMLParser):
    """Every start tag of a page with its attributes, and the page's text."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def find(self, tag: str, **attrs) -> list[dict]:
        """Attributes of each ``tag`` element whose attributes include ``attrs`` (class_ means class contains)."""
        wanted_class = attrs.pop("class_", None)
        return [
            found
            for name, found in self.tags
            if name == tag
            and all(found.get(k) == v for k, v in attrs.items())
            and (wanted_class is None or wanted_class in (found.get("class") or "").split())
        ]


def page(client, url: str, status: int = 200, **kwargs):
    response = client.get(url, **kwargs)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def params(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


# -- the search page ----------------------------------------------------------------------------


def test_the_empty_page_explains_the_query_syntax(client):
    html = page(client, "/")
    examples = (
        "money laundering",
        "&#34;port security&#34;",
        " OR ",
        " -",
        "lang:fr",
        "project:wecaps",
        "partner:unodc",
    )
    for example in (*examples, "topic:corruption"):
        assert example in html
    assert not Elements(html).find("ol", class_="hits")


@pytest.mark.parametrize(
    ("ui", "says"), [("en", "one of the words in parentheses is required"), ("fr", "entre parenthèses est exigé")]
)
def test_the_search_help_says_a_group_in_parentheses_is_required(client, ui, says):
    html = page(client, f"/?ui={ui}")
    assert "(port OR seaport) security" in html or "(port OU portuaire) sécurité" in html
    assert says in html


def test_results_keep_the_query_and_link_each_passage_with_the_query(client):
    html = page(client, "/search?q=money+laundering")
    elements = Elements(html)
    assert elements.find("input", id="q")[0]["value"] == "money laundering"
    hits = [a["href"] for a in elements.find("a") if a.get("href", "").startswith("/doc/")]
    assert hits and hits[0].startswith(f"/doc/{EN_DOC}?q=money+laundering#")
    assert "<mark>" in html


def test_the_page_title_names_the_query_and_its_filters(client):
    html = page(client, "/search?q=money+laundering&lang=en&page=1")
    title = re.search(r"<title>(.*?)</title>", html).group(1)
    assert "money laundering" in title and "English" in title


def test_the_result_count_and_time_are_shown(client):
    html = page(client, "/search?q=money+laundering")
    assert re.search(r"\d+ passages", html) and re.search(r"in (\d+|under 1) ms", html)


def test_a_language_badge_and_lang_attribute_mark_each_hit(client):
    elements = Elements(page(client, "/search?q=cooperation+OR+coop%C3%A9ration&per_page=50"))
    snippet_langs = {attrs["lang"] for attrs in elements.find("p", class_="snippet")}
    assert snippet_langs == {"en", "fr"}
    assert elements.find("abbr", class_="badge-fr")


def test_facet_values_link_to_the_search_with_that_filter_added(client):
    elements = Elements(page(client, "/search?q=money+laundering"))
    facet_links = [a["href"] for a in elements.find("a") if "topic=" in a.get("href", "")]
    assert any(params(url).get("topic") == ["aml-cft"] for url in facet_links)
    assert all(params(url)["q"] == ["money laundering"] for url in facet_links)


def test_following_a_facet_link_narrows_the_results(client):
    before = client.get("/api/search?q=crime").get_json()["total"]
    elements = Elements(page(client, "/search?q=crime"))
    url = next(a["href"] for a in elements.find("a") if params(a.get("href", "")).get("project"))
    assert 0 < client.get("/api" + url).get_json()["total"] < before


def test_active_filters_are_shown_and_each_can_be_removed(client):
    elements = Elements(page(client, "/search?q=crime&lang=en&topic=terrorism"))
    chips = [a["href"] for a in elements.find("a", class_="chip")]
    assert len(chips) == 2
    assert {tuple(sorted(params(url))) for url in chips} == {("lang", "q"), ("q", "topic")}


def test_hit_tags_link_to_the_search_with_the_tag_added(client):
    elements = Elements(page(client, "/search?q=money+laundering&lang=en"))
    tag_urls = [a["href"] for a in elements.find("a", class_="tag")]
    assert tag_urls
    assert all(params(url)["lang"] == ["en"] and params(url)["q"] == ["money laundering"] for url in tag_urls)


def test_a_section_titled_like_its_document_is_not_named_twice(client):
    html = page(client, "/search?q=terrorisme")  # its best passage is under the document's own title
    titles = re.findall(r'<span class="doc-title"[^>]*>([^<]*)</span>\s*(<span class="sep")?', html)
    assert titles and titles[0][0] == "Global threats and organised crime" and not titles[0][1]


@pytest.mark.parametrize(
    ("ui", "one_document", "under_1_ms"),
    [("en", "(document 1)", "in under 1 ms"), ("fr", "(document 1)", "en moins d’une milliseconde")],
)
def test_one_result_and_a_sub_millisecond_search_read_naturally(client, monkeypatch, ui, one_document, under_1_ms):
    import web.pages

    real = web.pages.run_search
    monkeypatch.setattr(web.pages, "run_search", lambda query, index: replace(real(query, index), took_ms=0.3))
    text = " ".join(Elements(page(client, f"/search?q=walrus+OR+SEACOP&ui={ui}")).text)
    assert one_document in " ".join(text.split()) and under_1_ms in text
    assert "1–1" not in text and "1 à 1" not in text and " 0 ms" not in text


@pytest.mark.parametrize(
    ("ui", "says"), [("en", "There is no topic “bogus”."), ("fr", "Il n’y a pas de thème « bogus ».")]
)
def test_an_unknown_topic_is_a_400_page_offering_the_known_ones(client, ui, says):
    html = page(client, f"/search?q=police&topic=bogus&ui={ui}", status=400)
    elements = Elements(html)
    assert says in " ".join(elements.text) and "chip" not in html
    offered = [a["href"] for a in elements.find("a") if "topic=" in a.get("href", "")]
    assert any(params(url)["topic"] == ["corruption"] and params(url)["q"] == ["police"] for url in offered)


@pytest.mark.parametrize(
    ("ui", "says"), [("en", "There is no topic “bogus”"), ("fr", "Il n’y a pas de thème « bogus »")]
)
def test_an_unknown_topic_typed_in_the_query_gets_a_notice(client, ui, says):
    elements = Elements(page(client, f"/search?q=police+topic:bogus&ui={ui}"))
    assert says in " ".join(elements.text)
    offered = [a["href"] for a in elements.find("a") if "topic:corruption" in a.get("href", "")]
    assert offered and params(offered[0])["q"] == ["police topic:corruption"]


def test_results_are_paginated(client):
    elements = Elements(page(client, "/search?q=money+laundering&per_page=2&group=none"))
    nav = elements.find("a", rel="next")
    assert nav and params(nav[0]["href"])["page"] == ["2"] and params(nav[0]["href"])["per_page"] == ["2"]
    assert params(nav[0]["href"])["group"] == ["none"]
    second = Elements(page(client, nav[0]["href"]))
    assert second.find("ol", class_="hits")[0]["start"] == "3"


def test_grouped_results_are_paginated_by_document(client):
    first = Elements(page(client, "/search?q=coop%C3%A9ration&per_page=1"))
    nav = first.find("a", rel="next")
    assert nav and "group" not in params(nav[0]["href"])
    second = Elements(page(client, nav[0]["href"]))
    assert second.find("ol", class_="hits")[0]["start"] == "2"
    assert len(first.find("li", class_="group")) == len(second.find("li", class_="group")) == 1


def test_a_misspelled_query_offers_a_did_you_mean_link(client):
    elements = Elements(page(client, "/search?q=monney"))
    suggestion = [a["href"] for a in elements.find("a") if params(a.get("href", "")).get("q") == ["money"]]
    assert suggestion


def test_no_results_explains_what_to_try(client):
    html = page(client, "/search?q=zzzzqqqq+xxxyyy")
    assert "No passage matches" in html and "How to search" in html


@pytest.mark.parametrize(
    "query, words",
    [
        ("q=crime&page=1001", "1000"),
        ("q=crime&page=abc", "page number"),
        ("q=crime&per_page=101", "100"),
        ("q=" + "<b>" * 200, "500 characters"),
    ],
)
def test_limits_give_an_escaped_message_with_status_400(client, query, words):
    html = page(client, f"/search?{query}", status=400)
    assert words in html and "error-message" in html
    assert "<b><b>" not in html


def test_the_form_after_an_error_drops_the_bad_parameter(client):
    elements = Elements(page(client, "/search?q=crime&per_page=500", status=400))
    assert not elements.find("input", name="per_page")
    assert elements.find("input", id="q")[0]["value"] == "crime"


# -- interface language -------------------------------------------------------------------------


def test_accept_language_chooses_french(client):
    html = page(client, "/", headers={"Accept-Language": "fr-CA,fr;q=0.9,en;q=0.5"})
    assert '<html lang="fr">' in html and "Rechercher" in html


def test_the_ui_parameter_wins_and_is_remembered_in_a_cookie(client):
    response = client.get("/?ui=fr", headers={"Accept-Language": "en"})
    assert '<html lang="fr">' in response.get_data(as_text=True)
    assert "ui=fr" in response.headers["Set-Cookie"]
    assert '<html lang="fr">' in page(client, "/", headers={"Accept-Language": "en"})


def test_the_ui_parameter_overrides_the_cookie(client):
    client.set_cookie("ui", "fr")
    assert '<html lang="en">' in page(client, "/?ui=en")


def test_facet_labels_come_from_the_taxonomy_in_the_interface_language(client):
    english = page(client, "/search?q=money+laundering&ui=en")
    french = page(client, "/search?q=money+laundering&ui=fr")
    assert "EU Global Facility on AML/CFT" in english
    assert str(escape("Facilité mondiale de l'UE LBC/FT")) in french
    assert "Anglais" in french and "Affiner" in french


def test_links_keep_an_explicit_interface_language(client):
    elements = Elements(page(client, "/search?q=crime&ui=fr"))
    hit_links = [a["href"] for a in elements.find("a") if a.get("href", "").startswith("/doc/")]
    assert hit_links and all("ui=fr" in url for url in hit_links)


def test_the_language_switch_links_to_the_same_page(client):
    elements = Elements(page(client, "/search?q=crime&lang=en"))
    french = next(a["href"] for a in elements.find("a", hreflang="fr"))
    assert params(french) == {"q": ["crime"], "lang": ["en"], "ui": ["fr"]}


def test_documents_are_not_translated(client):
    html = page(client, f"/doc/{EN_DOC}?ui=fr")
    assert "Global threats and organised crime" in html and '<html lang="fr">' in html


# -- the document page --------------------------------------------------------------------------


def test_the_document_page_shows_every_passage_with_its_anchor_and_language(client):
    body = client.get(f"/api/documents/{EN_DOC}").get_json()
    elements = Elements(page(client, f"/doc/{EN_DOC}"))
    passages = elements.find("div", class_="passage")
    expected = [p["passage_id"] for s in body["sections"] for p in s["passages"]]
    assert [p["id"] for p in passages] == expected
    assert all(p["lang"] == "en" for p in passages)
    assert {s["id"] for s in elements.find("section", class_="doc-section") if "id" in s} >= {
        s["section_id"] for s in body["sections"] if s["section_id"]
    }


def test_the_document_page_marks_the_query_words(client):
    html = page(client, f"/doc/{EN_DOC}?q=money+laundering")
    assert "<mark>" in html and "Remove highlighting" in html
    assert "<mark>" not in page(client, f"/doc/{EN_DOC}")


def test_the_document_page_marks_a_quoted_phrase_only_where_it_occurs_whole(client):
    html = page(client, f"/doc/{EN_DOC}?q=" + quote('"port security"'))
    marks = {mark.casefold() for mark in re.findall(r"<mark>(.*?)</mark>", html)}
    # The phrase and the glossary's phrases for it ("port facility"), never a word on its own.
    assert "port security" in marks and all(" " in mark for mark in marks), marks


def test_each_passage_has_a_permalink_that_works_without_javascript(client):
    elements = Elements(page(client, f"/doc/{EN_DOC}"))
    link = elements.find("a", class_="permalink")[0]
    assert link["href"].startswith("#")
    assert link["data-permalink"].startswith(f"http://localhost/doc/{EN_DOC}#")


def test_a_missing_passage_named_by_parameter_shows_the_notice(client):
    elements = Elements(page(client, f"/doc/{EN_DOC}?passage=gone-123456"))
    assert "hidden" not in elements.find("p", id="passage-missing")[0]


def test_the_notice_is_in_the_page_hidden_for_the_script(client):
    elements = Elements(page(client, f"/doc/{EN_DOC}"))
    assert "hidden" in elements.find("p", id="passage-missing")[0]
    assert elements.find("script", src="/static/passage.js")


def test_an_existing_passage_named_by_parameter_is_marked_current(client):
    passage = client.get(f"/api/documents/{EN_DOC}").get_json()["sections"][0]["passages"][0]["passage_id"]
    elements = Elements(page(client, f"/doc/{EN_DOC}?passage={passage}"))
    assert "hidden" in elements.find("p", id="passage-missing")[0]
    assert elements.find("div", id=passage, class_="is-current")


def test_an_unknown_document_is_a_404_page(client):
    html = page(client, "/doc/no/such(doc)", status=404)
    assert "no/such(doc)" in html and "<!doctype html>" in html


def test_a_document_with_a_web_source_links_each_passage_to_its_text(hostile_client):
    elements = Elements(page(hostile_client, f"/doc/{quote(HOSTILE_DOC, safe='/')}"))
    links = [a["href"] for a in elements.find("a", class_="source-link")]
    assert links and all(url.startswith("https://example.org/report?a=1&b=2#:~:text=") for url in links)


def test_a_source_that_is_not_a_web_url_is_never_linked(hostile_client):
    html = page(hostile_client, f"/doc/{JS_LINK_DOC}")
    assert "javascript:" not in html


def test_text_fragments_encode_their_own_syntax_characters():
    text = "one-two, three & four five six seven eight nine ten eleven twelve thirteen"
    start = "one%2Dtwo%2C%20three%20%26%20four%20five%20six%20seven%20eight"  # the first 8 words
    end = "ten%20eleven%20twelve%20thirteen"  # the last 4
    assert text_fragment_url("https://e.org/p#old", text) == f"https://e.org/p#:~:text={start},{end}"
    assert text_fragment_url("https://e.org/", "Short passage.") == "https://e.org/#:~:text=Short%20passage."


# -- escaping -----------------------------------------------------------------------------------


def test_document_text_title_heading_and_publisher_are_escaped(hostile_client):
    html = page(hostile_client, f"/doc/{quote(HOSTILE_DOC, safe='/')}?q=money")
    for raw in (SCRIPT_PAYLOAD, IMG_PAYLOAD, HOSTILE_TITLE, HOSTILE_HEADING, HOSTILE_PUBLISHER, '<a href="javascript'):
        assert raw not in html
    text = "".join(Elements(html).text)  # entities decoded: markup shown as text ends up here
    for shown in (SCRIPT_PAYLOAD, IMG_PAYLOAD, HOSTILE_TITLE, HOSTILE_HEADING, HOSTILE_PUBLISHER):
        assert shown in text
    assert_no_script_but_ours(html)


def test_result_snippets_titles_and_labels_are_escaped(hostile_client):
    html = page(hostile_client, "/search?q=money+OR+corruption")
    for raw in (SCRIPT_PAYLOAD, IMG_PAYLOAD, HOSTILE_TITLE, HOSTILE_LABEL, "<b>heading"):
        assert raw not in html
    text = "".join(Elements(html).text)
    assert HOSTILE_LABEL in text and SCRIPT_PAYLOAD in text
    assert_no_script_but_ours(html)


@pytest.mark.parametrize("q", [SCRIPT_PAYLOAD, '"><img src=x onerror=alert(1)>', "</title><script>alert(1)</script>"])
def test_the_query_is_escaped_in_the_box_title_and_messages(client, q):
    html = page(client, "/search", query_string={"q": q})
    assert q not in html
    assert Elements(html).find("input", id="q")[0]["value"] == q
    assert_no_script_but_ours(html)


def test_the_suggestion_is_escaped(client):
    q = "monney <script>alert(1)</script>"
    html = page(client, "/search", query_string={"q": q})
    assert "Did you mean" in html
    assert "<script>alert(1)" not in html
    assert_no_script_but_ours(html)


def test_the_feed_escapes_document_text(hostile_client):
    response = hostile_client.get("/feed.atom?q=money")
    feed = ET.fromstring(response.data)
    summaries = [entry.findtext(f"{ATOM}summary") for entry in feed.iter(f"{ATOM}entry")]
    assert any(SCRIPT_PAYLOAD in summary for summary in summaries)
    assert SCRIPT_PAYLOAD.encode() not in response.data


def test_only_indexer_made_html_is_ever_output_unescaped():
    for template in TEMPLATES.glob("*.html"):
        for value in re.findall(r"\{\{\s*([\w.]+)\s*\|\s*safe", template.read_text(encoding="utf-8")):
            assert value in SAFE_VALUES, f"{template.name}: {value}|safe"
    assert "autoescape false" not in "".join(t.read_text(encoding="utf-8") for t in TEMPLATES.glob("*"))


def assert_no_script_but_ours(html: str) -> None:
    """No script element but the static file, no inline event handler, no style attribute."""
    elements = Elements(html)
    assert [attrs.get("src") for attrs in elements.find("script")] == ["/static/passage.js"]
    for tag, attrs in elements.tags:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        assert "style" not in attrs, (tag, attrs)
        assert not (attrs.get("href") or "").lower().startswith("javascript:"), (tag, attrs)


# -- headers, errors, browser integration -------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["/", "/search?q=crime", f"/doc/{EN_DOC}", "/doc/missing", "/static/style.css", "/feed.atom", "/opensearch.xml"],
)
def test_every_response_carries_the_security_headers(client, url):
    response = client.get(url)
    response.close()  # static files are streamed from an open file
    for name, value in HEADERS.items():
        assert response.headers[name] == value
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("url", ["/", "/search?q=money+laundering&lang=en", f"/doc/{EN_DOC}?q=crime", "/doc/missing"])
def test_pages_need_no_inline_script_or_style(client, url):
    assert_no_script_but_ours(client.get(url).get_data(as_text=True))


def test_a_missing_index_is_a_503_page(no_index_client):
    html = page(no_index_client, "/search?q=crime", status=503)
    assert "not ready" in html


def test_an_unknown_page_is_a_404_page_in_the_interface_language(client):
    html = page(client, "/nowhere?ui=fr", status=404)
    assert "Il n’y a pas de page" in html


def test_opensearch_description_is_served_and_linked(client):
    response = client.get("/opensearch.xml")
    assert response.mimetype == "application/opensearchdescription+xml"
    description = ET.fromstring(response.data)
    templates = {url.get("type"): url.get("template") for url in description.iter(f"{OPENSEARCH}Url")}
    assert templates["text/html"] == "http://localhost/search?q={searchTerms}"
    link = Elements(page(client, "/")).find("link", rel="search")[0]
    assert link["type"] == "application/opensearchdescription+xml" and link["href"] == "/opensearch.xml"


def test_the_feed_lists_the_newest_matching_passages(client):
    response = client.get("/feed.atom?q=money+laundering&lang=en")
    assert response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.data)
    entries = list(feed.iter(f"{ATOM}entry"))
    assert entries and feed.findtext(f"{ATOM}id") and feed.findtext(f"{ATOM}updated")
    for entry in entries:
        assert entry.findtext(f"{ATOM}id").startswith("http://localhost/doc/")
        assert " › " in entry.findtext(f"{ATOM}title")
        assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", entry.findtext(f"{ATOM}updated"))
        assert entry.find(f"{ATOM}link").get("href") == entry.findtext(f"{ATOM}id")
        assert entry.findtext(f"{ATOM}summary")


def test_results_pages_link_their_feed(client):
    link = Elements(page(client, "/search?q=crime&topic=terrorism")).find("link", rel="alternate")[0]
    assert link["type"] == "application/atom+xml"
    assert params(link["href"]) == {"q": ["crime"], "topic": ["terrorism"]}


def test_a_bad_feed_parameter_is_a_400(client):
    page(client, "/feed.atom?page=x", status=400)


# -- the serve command --------------------------------------------------------------------------


def test_serve_runs_the_app_under_waitress(runner, monkeypatch, web_index_dir):
    calls = []
    monkeypatch.setattr("waitress.serve", lambda app, **options: calls.append((app, options)))
    result = runner.invoke(
        main, ["serve", "--workers", "1", "--index", str(web_index_dir), "--port", "8123", "--threads", "2"]
    )
    assert result.exit_code == 0, result.output
    app, options = calls[0]
    assert options == {"host": "127.0.0.1", "port": 8123, "threads": 2}
    assert Path(app.config["INDEX_DIR"]) == web_index_dir


def test_serve_uses_the_development_server_only_with_debug(runner, monkeypatch, web_index_dir):
    calls = []
    monkeypatch.setattr("flask.Flask.run", lambda app, **options: calls.append(options))
    monkeypatch.setattr("waitress.serve", lambda *a, **k: pytest.fail("waitress with --debug"))
    result = runner.invoke(main, ["serve", "--index", str(web_index_dir), "--debug"])
    assert result.exit_code == 0, result.output
    assert calls == [{"host": "127.0.0.1", "port": 8000, "debug": True}]


def test_serve_warns_when_there_is_no_index_yet(runner, monkeypatch, tmp_path):
    monkeypatch.setattr("waitress.serve", lambda *a, **k: None)
    result = runner.invoke(main, ["serve", "--workers", "1", "--index", str(tmp_path / "none")])
    assert result.exit_code == 0 and "no index" in result.output


def test_the_command_lists_serve_beside_the_indexer_commands(runner):
    output = runner.invoke(main, ["--help"]).output
    assert all(command in output for command in ("index", "search", "serve"))


def test_equivalents_searched_in_the_other_language_are_named(client):
    html = page(client, "/search?q=money+laundering")
    assert "Also searched:" in html and 'lang="fr"' in html


@pytest.mark.parametrize(
    ("ui", "glossary", "dictionary"), [("en", "(glossary)", "(dictionary)"), ("fr", "(glossaire)", "(dictionnaire)")]
)
def test_also_searched_says_where_each_equivalent_comes_from(client, ui, glossary, dictionary):
    # "money laundering" is a glossary term; "network" only the dictionary translates.
    html = page(client, f"/search?q=money+laundering+network&ui={ui}")
    line = html[html.index('class="expanded"') :].split("</p>", 1)[0]
    assert glossary in line and dictionary in line and "réseau" in line


def test_a_relaxed_search_says_that_not_every_word_was_found(client):
    assert "No passage has all your words" in page(client, "/search?q=corruption+zanzibar")


def test_a_page_past_the_last_result_links_back_without_a_page_zero(client):
    elements = Elements(page(client, "/search?q=zzzzqqqq&page=3"))
    urls = [a["href"] for a in elements.find("a") if "page=" in a.get("href", "")]
    assert all(params(url)["page"] != ["0"] for url in urls)
    assert params(elements.find("a", rel="prev")[0]["href"]).get("page") is None  # page 1 is the default


def test_a_filter_only_search_is_titled_by_its_filters(client):
    html = page(client, "/search?topic=terrorism&ui=fr")
    assert re.search(r"<title>Passages : Terrorisme[^<]* – Passerelle</title>", html)


def test_every_interface_string_exists_in_both_languages():
    assert set(STRINGS["en"]) == set(STRINGS["fr"])
    keys = re.compile(r"""\btn?\(\s*["'](\w+)["']\s*[,)]""")  # literal keys; "lang_" + code is built at run time
    used = {key for path in TEMPLATES.glob("*") for key in keys.findall(path.read_text(encoding="utf-8"))}
    known = set(STRINGS["en"]) | {key.rsplit("_", 1)[0] for key in STRINGS["en"] if key.endswith(("_one", "_other"))}
    assert used and used <= known, used - known


def test_expansion_is_shown_and_can_be_switched_off(client):
    page = client.get("/search?q=customs").get_data(as_text=True)
    assert "douane" in page and "expand=0" in page
    off = client.get("/search?q=customs&expand=0").get_data(as_text=True)
    assert 'name="expand" value="0"' in off


def test_api_search_honours_expand_0(client):
    assert client.get("/api/search?q=customs").get_json()["expanded"]
    assert client.get("/api/search?q=customs&expand=0").get_json()["expanded"] == []
