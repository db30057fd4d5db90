"""End to end on the real corpus: files -> index -> the one search function."""

import dataclasses
import json
import re

import pytest

from indexer.analysis import analyze
from indexer.errors import BadParameter
from indexer.errors import NothingToSearch
from indexer.models import SearchQuery
from indexer.search import search
from indexer.snippets import highlight
from indexer.snippets import make_snippet

EN_DOC = "expertise-france-global-threats-organised-crime"
FR_DOC = "pfig-partenaires-flux-illicites-globaux"


def run(index, text="", **options):
    return search(SearchQuery(text, **options), index)


def first(index, text, **options):
    result = run(index, text, **options)
    assert result.results, f"no result for {text!r}"
    return result.results[0]


def test_seacop_ranks_a_seacop_v_passage_first(corpus_index):
    assert first(corpus_index, "SEACOP").section_title.startswith("SEACOP V")


@pytest.mark.parametrize("text", ["sécurité intérieure", "securite interieure", "SÉCURITÉ INTÉRIEURE"])
def test_accents_and_case_do_not_matter(corpus_index, text):
    assert "CIVIPOL" in first(corpus_index, text).text


@pytest.mark.parametrize("text", ["l’Union africaine", "l'Union africaine"])
def test_either_apostrophe_finds_the_interpol_passage(corpus_index, text):
    assert "INTERPOL" in first(corpus_index, text).text


def test_prisons_finds_el_paccto(corpus_index):
    hits = run(corpus_index, "prisons").results
    assert any(hit.section_title.startswith("EL PAcCTO") for hit in hits)
    assert "el-paccto" in hits[0].projects


def test_matching_words_are_marked_in_the_snippet(corpus_index):
    hit = first(corpus_index, "douanes")
    assert "<mark>douanes</mark>" in make_snippet(hit.text, hit.spans)


def test_a_query_in_either_language_searches_both_languages(corpus_index):
    both = run(corpus_index, "organised OR organisé", per_page=50).results
    assert {hit.lang for hit in both} == {"en", "fr"}


@pytest.mark.parametrize("text, lang", [("organised crime", "en"), ("lutte contre la corruption", "fr")])
def test_same_language_matches_rank_first(corpus_index, text, lang):
    assert [hit.lang for hit in run(corpus_index, text, per_page=2).results] == [lang] * 2


def test_the_wecaps_bullets_carry_the_project_and_the_port_security_topic(corpus_index):
    document = corpus_index.backend.get_document(EN_DOC)
    bullets = [p for p in document.passages if p.section_title.startswith("WeCAPS")]
    assert len(bullets) >= 5
    for passage in bullets:
        assert "wecaps" in passage.tags.projects, passage.text
        assert "port-security" in passage.tags.topics, passage.text


def test_capture_noise_is_not_a_passage(corpus_index):
    document = corpus_index.backend.get_document(EN_DOC)
    texts = [p.text.strip().lower() for p in document.passages]
    assert "print" not in texts
    assert not [t for t in texts if t.startswith("check out")]
    assert "last publications" not in texts


def test_passages_are_tagged_from_their_own_text(corpus_index):
    hit = first(corpus_index, "ONUDC")
    assert "unodc" in hit.partners


@pytest.mark.parametrize(
    "text, options, facet, value",
    [
        ("coopération", {"lang": ("fr",)}, "lang", "fr"),
        ("cooperation lang:en", {}, "lang", "en"),
        ("security", {"project": ("wecaps",)}, "projects", "wecaps"),
        ("project:wecaps security", {}, "projects", "wecaps"),
        ("organisation", {"partner": ("ONUDC",)}, "partners", "unodc"),
        ("crime topic:corruption", {}, "topics", "corruption"),
    ],
)
def test_filters_narrow_the_results(corpus_index, text, options, facet, value):
    result = run(corpus_index, text, per_page=100, **options)
    assert result.total > 0
    for hit in result.results:
        assert value == hit.lang if facet == "lang" else value in getattr(hit, facet)


def test_an_unknown_filter_value_matches_nothing(corpus_index):
    assert run(corpus_index, "security project:nosuchproject").total == 0


def test_facet_counts_match_the_filtered_totals(corpus_index):
    result = run(corpus_index, "cooperation OR coopération")
    for lang, count in result.facets["lang"].items():
        assert run(corpus_index, "cooperation OR coopération", lang=(lang,)).total == count
    assert sum(result.facets["lang"].values()) == result.total


def test_negation_excludes_passages(corpus_index):
    with_prison = run(corpus_index, "organised crime", per_page=100).results
    without = run(corpus_index, "organised crime -prison", per_page=100).results
    assert any("prison" in hit.text.lower() for hit in with_prison)
    assert not any("prison" in hit.text.lower() for hit in without)
    assert len(without) < len(with_prison)


def test_a_phrase_requires_adjacent_words_in_order(corpus_index):
    assert "retour en sécurité" in first(corpus_index, '"retour en sécurité"').text
    assert run(corpus_index, "sécurité retour").total > 0
    assert run(corpus_index, '"sécurité retour"').total == 0


def test_pages_do_not_overlap(corpus_index):
    one = run(corpus_index, "cooperation OR coopération", per_page=2, page=1).results
    two = run(corpus_index, "cooperation OR coopération", per_page=2, page=2).results
    assert len(one) == len(two) == 2
    assert {h.passage_id for h in one}.isdisjoint({h.passage_id for h in two})


@pytest.mark.parametrize(
    "options, name",
    [
        ({"page": 0}, "page"),
        ({"per_page": 0}, "per_page"),
        ({"per_page": 1000}, "per_page"),
        ({"lang": ("de",)}, "lang"),
        ({"sort": "alphabetical"}, "sort"),
        ({"text": "crime " * 100}, "q"),
    ],
)
def test_bad_parameters_are_refused_by_name(corpus_index, options, name):
    options.setdefault("text", "crime")
    with pytest.raises(BadParameter) as error:
        run(corpus_index, **options)
    assert error.value.name == name


def test_newest_first_sorts_by_document_date(corpus_index):
    result = run(corpus_index, "cooperation OR coopération", sort="newest", per_page=50)
    dates = [corpus_index.backend.get_document(hit.doc_id).info.date for hit in result.results]
    assert dates == sorted(dates, reverse=True)


def test_a_misspelt_word_gets_a_suggestion(corpus_index):
    result = run(corpus_index, "corruptoin")
    assert result.total == 0
    assert result.suggestion == "corruption"


def test_known_words_get_no_suggestion(corpus_index):
    assert run(corpus_index, "corruption").suggestion is None


def test_a_misspelt_word_gets_a_suggestion_however_many_results_the_rest_finds(corpus_index):
    result = run(corpus_index, "securty port")
    assert result.total >= 3
    assert result.suggestion == "security port"


def test_a_glossary_word_no_passage_holds_is_known_and_offered(corpus_index):
    assert run(corpus_index, "blanchiment").suggestion is None  # the glossary's, searched through it
    assert run(corpus_index, "blanchment").suggestion == "blanchiment"


def test_no_suggestion_searches_what_the_word_typed_already_searched(corpus_index):
    # "cours" and the glossary's "cour" have one stem: offering "cour" would find nothing more.
    assert analyze("cours", "fr") == analyze("cour", "fr")
    result = run(corpus_index, "cours", expand=False)
    assert result.total == 0 and result.suggestion not in (None, "cour")
    assert any(analyze(result.suggestion, lang) != analyze("cours", lang) for lang in ("en", "fr"))


def test_a_word_the_glossary_matched_gets_no_suggestion(corpus_index):
    result = run(corpus_index, "cours gouvernement")  # "cours" meets the entry "cour" through its stem
    assert "cours" in [e.source for e in result.expanded] and result.suggestion is None


def test_a_taxonomy_alias_no_passage_holds_is_offered(corpus_index):
    assert run(corpus_index, "cyberatack").suggestion == "cyberattack"  # an alias of the topic cybercrime


@pytest.mark.parametrize("text", ["zzqxv quantum unicorn", "customs zzqxv", "unicorn zzqxv"])
def test_no_suggestion_keeps_a_word_nothing_knows(corpus_index, text):
    assert run(corpus_index, text).suggestion is None


@pytest.mark.parametrize("text", ["lang:xx", "a" * 400, "x " * 240, "-corruption"])
def test_odd_queries_never_raise(corpus_index, text):
    assert run(corpus_index, text).total >= 0


@pytest.mark.parametrize("text", ["", '"', "(((", "AND", "OR", "-", "NOT NOT", "*", "🙂 ☃"])
def test_nothing_to_search_says_what_to_type_instead_of_listing_every_passage(corpus_index, text):
    with pytest.raises(NothingToSearch) as error:
        run(corpus_index, text)
    assert error.value.name == "q" and "type words" in str(error.value) and "sort=newest" in str(error.value)


def test_browsing_every_passage_is_asked_for_by_sorting_by_newest(corpus_index):
    every = corpus_index.backend.passage_count()
    assert run(corpus_index, "", sort="newest", per_page=100).total == every
    assert run(corpus_index, "AND", sort="newest", per_page=100).total == every
    assert 0 < run(corpus_index, "lang:fr").total < every  # a filter alone lists its passages


def test_the_result_object_has_the_documented_json_shape(corpus_index):
    data = run(corpus_index, "money laundering").to_dict()
    assert list(data) == [
        "query", "total", "page", "per_page", "took_ms", "results", "facets", "suggestion", "expanded", "relaxed",
        "unknown_filters",
    ]  # fmt: skip
    hit = data["results"][0]
    assert list(hit) == [
        "doc_id", "doc_title", "doc_lang", "section_id", "section_title", "passage_id", "lang", "url",
        "score", "snippet", "text", "projects", "partners", "topics", "date", "date_source", "page", "translation",
    ]  # fmt: skip
    assert hit["url"] == f"/doc/{hit['doc_id']}#{hit['passage_id']}"
    assert isinstance(hit["projects"], list)
    assert set(data["facets"]) == {"lang", "project", "partner", "topic", "year"}


def test_the_json_object_holds_every_field_of_the_result_as_plain_lists_and_dicts(corpus_index):
    # to_dict is written field by field for speed: a field added to SearchResult or Hit must reach it.
    result = run(corpus_index, "blanchiment")
    assert result.results and result.expanded
    expected = dataclasses.asdict(result)
    expected["results"] = [
        {k: list(v) if isinstance(v, tuple) else v for k, v in h.items() if k != "spans"}
        | {"snippet": make_snippet(hit.text, hit.spans)}  # the spans are shown as the snippet
        for h, hit in zip(expected["results"], result.results)
    ]
    expected["expanded"] = [expansion.to_dict() for expansion in result.expanded]
    expected["unknown_filters"] = [{"filter": f, "value": v} for f, v in result.unknown_filters]
    for grouping_only in ("group", "groups", "documents"):
        del expected[grouping_only]
    assert result.to_dict() == expected
    assert json.loads(json.dumps(result.to_dict())) == expected


def test_the_grouped_json_object_gives_documents_holding_their_hits(corpus_index):
    result = run(corpus_index, "money laundering", group="document")
    data = json.loads(json.dumps(result.to_dict()))
    assert list(data) == [
        "query", "total", "documents", "group", "page", "per_page", "took_ms", "results", "facets", "suggestion",
        "expanded", "relaxed", "unknown_filters",
    ]  # fmt: skip
    assert data["group"] == "document" and data["documents"] == len(result.groups) > 0
    group = data["results"][0]
    assert list(group) == ["doc_id", "doc_title", "url", "matched", "more", "more_url", "hits"]
    assert group["url"] == f"/doc/{group['doc_id']}"
    assert 1 <= len(group["hits"]) <= 4 and group["more"] == group["matched"] - len(group["hits"])
    assert all(hit["doc_id"] == group["doc_id"] and "snippet" in hit for hit in group["hits"])
    assert sum(g["matched"] for g in data["results"]) == data["total"]


def test_only_filters_lists_passages_in_reading_order_of_a_project(corpus_index):
    result = run(corpus_index, "", project=("wecaps",), per_page=50)
    assert result.total > 0
    assert all("wecaps" in hit.projects for hit in result.results)


@pytest.mark.parametrize(
    "text, expected_in_text",
    [
        ("customs", "Organisation mondiale des douanes"),
        ("blanchiment de capitaux", "money laundering"),
        ("UNODC", "ONUDC"),
        ("police cooperation", "coopération"),
    ],
)
def test_cross_language_expansion_finds_the_other_language(corpus_index, text, expected_in_text):
    hits = run(corpus_index, text, per_page=20).results
    assert any(expected_in_text in hit.text for hit in hits)


def test_expansion_is_reported_and_can_be_turned_off(corpus_index):
    expanded = run(corpus_index, "customs")
    assert any(e.lang == "fr" and any("douane" in t for t in e.to) for e in expanded.expanded)
    plain = run(corpus_index, "renforcement des capacités", expand=False)
    assert plain.expanded == () and plain.total < run(corpus_index, "renforcement des capacités").total


def test_equivalents_are_marked_in_the_snippet(corpus_index):
    hit = next(h for h in run(corpus_index, "customs", per_page=20).results if "OMD" in h.text)
    assert "<mark>douanes</mark>" in make_snippet(hit.text, hit.spans)


def _marks(hit) -> list[str]:
    return re.findall(r"<mark>(.*?)</mark>", highlight(hit.text, hit.spans))


def test_a_quoted_phrase_is_marked_only_where_it_occurs_whole(corpus_index):
    hits = run(corpus_index, '"port security"', expand=False, per_page=50).results
    marks = [mark for hit in hits for mark in _marks(hit)]
    assert marks and {mark.casefold() for mark in marks} == {"port security"}
    # The words alone occur elsewhere in those passages, and stay unmarked.
    assert sum(hit.text.casefold().count("port") for hit in hits) > len(marks)


def test_an_equivalent_of_several_words_is_marked_only_whole(corpus_index):
    # The glossary adds "International Ship and Port Facility Security Code"; a passage saying
    # "International Ship and Port Security Code" holds its words but not the phrase.
    hits = run(corpus_index, "port security", per_page=50).results
    isps = next(hit for hit in hits if "International Ship and Port Security Code" in hit.text)
    assert "International" not in " ".join(_marks(isps))
    assert "port facilities" in [mark.casefold() for mark in _marks(isps)]


@pytest.mark.parametrize("text", ["blanchiment", "port security", "customs", "money laundering", "douane"])
def test_every_marked_word_is_a_query_word_or_an_equivalent_shown(corpus_index, text):
    result = run(corpus_index, text, per_page=50)
    shown = {lang: {text} for lang in ("en", "fr")}
    for expansion in result.expanded:
        shown[expansion.lang].update(expansion.to)
    for hit in result.results:
        allowed = {term for words in shown[hit.lang] | {text} for term in analyze(words, hit.lang)}
        for mark in _marks(hit):
            assert set(analyze(mark, hit.lang)) <= allowed, (mark, hit.text)


def test_lead_ins_and_amounts_rank_below_a_passage_holding_the_query_in_its_own_text(corpus_index):
    # Their heading names money laundering; their own text does not.
    texts = [hit.text for hit in run(corpus_index, "blanchiment", per_page=50).results]
    answer = next(i for i, text in enumerate(texts) if "money laundering" in text)
    assert answer < texts.index("The project has three specific objectives:")
    assert answer < texts.index("€20.15m (European Union)")


def test_english_stop_words_expand_to_nothing(corpus_index):
    # "the" is no French word to look up ("thé" is): only "fight" is translated.
    assert [expansion.source for expansion in run(corpus_index, "the fight").expanded] == ["fight"]


def test_a_query_with_no_passage_holding_every_word_is_relaxed(corpus_index):
    result = run(corpus_index, "SEACOP zebrafish")
    assert result.relaxed and result.total > 0
    assert not run(corpus_index, "SEACOP").relaxed


def _index_of(tmp_path, texts: dict[str, str]):
    from indexer import index_corpus
    from indexer import open_index

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in texts.items():
        (corpus / f"{name}.txt").write_text(text + "\n", encoding="utf-8")
        (corpus / f"{name}.meta.toml").write_text('lang = "en"\n', encoding="utf-8")
    index_corpus(corpus, tmp_path / "index")
    return open_index(tmp_path / "index")


# Each pair holds the same words, so the same BM25F score: a tie would go to the first file
# indexed, which is the one that must come second.
SECOND_STAGE = {
    "words side by side rank above words apart": (
        "management of property",
        {
            "apart": "Custody of the vessel was handed over to the harbour master, who noted that the property of the "
            "crew, kept aside during the inspection, needs careful management according to the rules.",
            "together": "The harbour master noted that the rules on inspection were followed and that the crew was "
            "informed; custody and the management of property of the crew were handed over to the vessel owner.",
        },
        ["together", "apart"],
    ),
    "a word named first ranks above the word named last": (
        "corruption",
        {
            "a-late": "The harbour master noted that the rules on inspection were followed, the crew informed, the "
            "vessel handed over to its owner and the cargo counted, before turning to the question of corruption.",
            "b-early": "Corruption was the question the harbour master turned to, before noting that the rules on "
            "inspection were followed, the crew informed, the vessel handed over to its owner and the cargo counted.",
        },
        ["b-early", "a-late"],
    ),
}


@pytest.mark.parametrize("case", SECOND_STAGE)
def test_where_the_words_stand_decides_between_passages_with_the_same_words(tmp_path, case):
    text, passages, expected = SECOND_STAGE[case]
    index = _index_of(tmp_path, passages)
    try:
        assert [hit.doc_id for hit in run(index, text).results] == expected
    finally:
        index.close()


@pytest.mark.parametrize("expand", [False, True])
def test_a_group_of_alternatives_in_parentheses_is_required(corpus_index, expand):
    def passages(text):
        result = run(corpus_index, text, expand=expand, per_page=100)
        assert result.total == len(result.results) > 0
        return {(hit.doc_id, hit.passage_id) for hit in result.results}

    grouped = passages("(port OR seaport) security")
    assert grouped <= passages("port OR seaport")  # each has one of the alternatives
    assert len(passages("port OR seaport security")) > len(grouped)  # without parentheses they are optional
