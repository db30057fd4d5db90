"""Query translation with lexicons (issue 8): from the lexicon file to what a search finds and shows."""

from __future__ import annotations

from pathlib import Path

import needs
import pytest
from whoosh import query as wq

from indexer.analysis import analyze
from indexer.crosslang.expansion import TRANSLATION_WEIGHT
from indexer.crosslang.expansion import Expander
from indexer.crosslang.freedict import default_freedict_paths
from indexer.crosslang.glossary import Glossary
from indexer.crosslang.glossary import GlossaryEntry
from indexer.crosslang.lexicon import LEARNED_FILE
from indexer.crosslang.lexicon import Lexicon
from indexer.crosslang.numbers import spellings
from indexer.engine.whoosh.arrays import FieldsTerm
from indexer.engine.whoosh.arrays import WeightedTerms
from indexer.engine.whoosh.queries import compile_query
from indexer.errors import BadParameter
from indexer.ingest.pipeline import index_corpus
from indexer.models import SearchQuery
from indexer.query import Expanded
from indexer.query import Term
from indexer.query import parse_query
from indexer.search import match_spans
from indexer.search import search
from indexer.snippets import highlight
from indexer.store import open_index


def stem(word: str, lang: str) -> str:
    (term,) = analyze(word, lang)
    return term


WARDROBE, ARMOIRE = stem("wardrobe", "en"), stem("armoire", "fr")
KEY, CLEF = stem("key", "en"), stem("clef", "fr")


def wardrobe_lexicon() -> Lexicon:
    """English "wardrobe" means French "armoire"; nothing else in the corpus below bridges them."""
    return Lexicon(
        {"en": {WARDROBE: [(ARMOIRE, 0.8)], KEY: [(CLEF, 0.6)]}, "fr": {ARMOIRE: [(WARDROBE, 0.9)]}},
        {"method": "hand"},
        {"fr": {ARMOIRE: "armoire"}},
    )


@pytest.fixture
def small_corpus(tmp_path, monkeypatch) -> Path:
    """One French and one English document, and the lexicon file beside them (the only lexicon searched)."""
    monkeypatch.setenv("PASSERELLE_DICTIONARIES", "off")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    french = "Les registres du greffe sont rangés dans l'armoire du tribunal.\n"
    (corpus / "greffe.txt").write_text(french, encoding="utf-8")
    (corpus / "shelf.txt").write_text("The court keeps its registers on a shelf.\n", encoding="utf-8")
    for name in ("greffe", "shelf"):
        lang = "fr" if name == "greffe" else "en"
        (corpus / f"{name}.meta.toml").write_text(f'lang = "{lang}"\n', encoding="utf-8")
    wardrobe_lexicon().save(corpus / LEARNED_FILE)
    return corpus


def build(corpus: Path, root: Path):
    report = index_corpus(corpus, root)
    return report, open_index(root)


def run(index, text: str, **options):
    return search(SearchQuery(text, **options), index)


# --- search over a tiny index -----------------------------------------------------------------


def test_an_english_word_known_only_to_the_lexicon_finds_the_french_passage(small_corpus, tmp_path):
    _, index = build(small_corpus, tmp_path / "index")
    try:
        result = run(index, "wardrobe")
        assert [hit.doc_id for hit in result.results] == ["greffe"]
        assert "<mark>armoire</mark>" in result.to_dict()["results"][0]["snippet"]
    finally:
        index.close()


def test_the_expanded_field_lists_translations_as_words(small_corpus, tmp_path):
    _, index = build(small_corpus, tmp_path / "index")
    try:
        expanded = run(index, "wardrobe").to_dict()["expanded"]
        assert expanded == [{"from": "wardrobe", "to": ["armoire"], "lang": "fr", "via": "dictionary"}]
    finally:
        index.close()


def test_a_translation_without_a_known_word_is_shown_as_its_stem(small_corpus, tmp_path):
    (small_corpus / "clef.txt").write_text("La clef de l'armoire est au greffe.\n", encoding="utf-8")
    (small_corpus / "clef.meta.toml").write_text('lang = "fr"\n', encoding="utf-8")
    _, index = build(small_corpus, tmp_path / "index")
    try:
        assert run(index, "key").to_dict()["expanded"] == [
            {"from": "key", "to": [CLEF], "lang": "fr", "via": "dictionary"}
        ]
    finally:
        index.close()


def test_a_translation_the_collection_lacks_is_not_named(small_corpus, tmp_path):
    _, index = build(small_corpus, tmp_path / "index")  # no passage says "clef"
    try:
        assert run(index, "key").to_dict()["expanded"] == []
        assert [e.to for e in run(index, "wardrobe key").expanded] == [("armoire",)]
    finally:
        index.close()


def test_a_number_in_digits_finds_the_passage_that_spells_it_and_says_so(small_corpus, tmp_path):
    (small_corpus / "conge.txt").write_text("Le congé est d'au plus dix-sept semaines.\n", encoding="utf-8")
    (small_corpus / "conge.meta.toml").write_text('lang = "fr"\n', encoding="utf-8")
    _, index = build(small_corpus, tmp_path / "index")
    try:
        result = run(index, "17").to_dict()
        assert [hit["doc_id"] for hit in result["results"]] == ["conge"]
        assert "<mark>dix-sept</mark>" in result["results"][0]["snippet"]
        # No passage says "seventeen": only the French words are named.
        assert result["expanded"] == [{"from": "17", "to": ["dix-sept"], "lang": "fr", "via": "number"}]
    finally:
        index.close()


@pytest.mark.parametrize(
    "word, english, french",
    [
        ("17", "seventeen", "dix-sept"),
        ("$100,000,000", "one hundred million", "cent millions"),
        ("1,500", "one thousand five hundred", "mille cinq cents"),
    ],
)
def test_a_number_is_spelled_in_each_language(word, english, french):
    assert spellings(word) == (("en", english), ("fr", french))


@pytest.mark.parametrize("word", ["2010", "0", "12a", "s.83", "1" + "0" * 12])
def test_years_zero_identifiers_and_huge_numbers_are_not_spelled(word):
    assert spellings(word) == ()


def test_the_first_of_a_month_is_written_as_each_language_writes_it():
    assert ("fr", "1er") in spellings("1") and spellings("1er") == (("en", "1"),)
    tree, found = expand("April 1", wardrobe_lexicon())
    named = [(e.source, e.to, e.lang) for e in found]
    assert ("1", ("1er",), "fr") in named
    assert ("1", ("un",), "fr") not in named  # a French stop word alone searches nothing


def test_the_document_page_marks_the_translation(small_corpus, tmp_path):
    _, index = build(small_corpus, tmp_path / "index")
    try:
        document = index.backend.get_document("greffe")
        (spans,) = match_spans(index, "wardrobe", list(document.passages))
        assert "<mark>armoire</mark>" in highlight(document.passages[0].text, spans)
    finally:
        index.close()


def test_a_passage_with_the_translation_of_only_some_words_is_found_when_relaxed(small_corpus, tmp_path):
    _, index = build(small_corpus, tmp_path / "index")
    try:
        result = run(index, "wardrobe key")  # the French passage has "armoire", not "clef"
        assert [hit.doc_id for hit in result.results] == ["greffe"] and result.relaxed
    finally:
        index.close()


def test_a_passage_with_every_translation_does_not_hide_the_querys_own_language(small_corpus, tmp_path):
    (small_corpus / "greffe.txt").write_text("La clef de l'armoire du greffe.\n", encoding="utf-8")
    (small_corpus / "shelf.txt").write_text("The key is kept on the shelf.\n", encoding="utf-8")
    _, index = build(small_corpus, tmp_path / "index")
    try:
        both = run(
            index, "wardrobe key"
        )  # English: no English passage has both words, the French one both translations
        assert not both.relaxed and {hit.doc_id for hit in both.results} == {"greffe", "shelf"}
        french = run(index, "wardrobe key", lang=("fr",))
        assert not french.relaxed and [hit.doc_id for hit in french.results] == ["greffe"]
    finally:
        index.close()


def test_without_expansion_nothing_is_translated(small_corpus, tmp_path):
    _, index = build(small_corpus, tmp_path / "index")
    try:
        result = run(index, "wardrobe", expand=False)
        assert result.total == 0 and result.expanded == ()
    finally:
        index.close()


def test_without_a_lexicon_search_behaves_as_before(small_corpus, tmp_path):
    (small_corpus / LEARNED_FILE).unlink()
    _, index = build(small_corpus, tmp_path / "index")
    try:
        result = run(index, "wardrobe")
        assert result.total == 0 and result.expanded == ()
    finally:
        index.close()


def test_the_index_keeps_its_copy_of_the_lexicon(small_corpus, tmp_path):
    build(small_corpus, tmp_path / "index")[1].close()
    (small_corpus / LEARNED_FILE).unlink()
    index = open_index(tmp_path / "index")
    try:
        assert run(index, "wardrobe").total == 1  # the corpus folder's file is gone; the index's copy answers
    finally:
        index.close()
    build(small_corpus, tmp_path / "index")[1].close()  # re-indexed without it: gone from the index too
    index = open_index(tmp_path / "index")
    try:
        assert run(index, "wardrobe").total == 0
    finally:
        index.close()


def test_the_lexicons_setting_names_files_outside_the_corpus(small_corpus, tmp_path, monkeypatch):
    elsewhere = tmp_path / "elsewhere.tsv.gz"
    (small_corpus / LEARNED_FILE).rename(elsewhere)
    monkeypatch.setenv("PASSERELLE_LEXICONS", str(elsewhere))
    _, index = build(small_corpus, tmp_path / "index")
    try:
        assert run(index, "wardrobe").total == 1
    finally:
        index.close()


def test_a_missing_lexicon_file_is_named_and_indexing_goes_on(small_corpus, tmp_path, monkeypatch):
    monkeypatch.setenv("PASSERELLE_LEXICONS", str(tmp_path / "nope.tsv.gz"))
    report, index = build(small_corpus, tmp_path / "index")
    try:
        assert any("nope.tsv.gz" in warning for warning in report.warnings)
        assert run(index, "registres").total == 1 and run(index, "wardrobe").total == 0
    finally:
        index.close()


def test_a_broken_lexicon_file_is_named_and_left_out(small_corpus, tmp_path):
    (small_corpus / LEARNED_FILE).write_bytes(b"not gzip")
    report, index = build(small_corpus, tmp_path / "index")
    try:
        assert any(LEARNED_FILE in warning for warning in report.warnings)
        assert run(index, "wardrobe").total == 0
    finally:
        index.close()


def test_an_unknown_freedict_setting_is_refused_by_name(small_corpus, tmp_path, monkeypatch):
    monkeypatch.setenv("PASSERELLE_FREEDICT", "maybe")
    with pytest.raises(BadParameter, match="freedict"):
        index_corpus(small_corpus, tmp_path / "index")


def test_freedict_on_translates_with_the_installed_dictionaries(small_corpus, tmp_path, monkeypatch):
    if default_freedict_paths() is None:
        needs.missing("FreeDict dictionaries not installed (run .ci/install-freedict)")
    (small_corpus / LEARNED_FILE).unlink()
    monkeypatch.setenv("PASSERELLE_FREEDICT", "on")
    _, index = build(small_corpus, tmp_path / "index")
    try:
        assert run(index, "wardrobe").total == 1  # FreeDict: wardrobe -> armoire
    finally:
        index.close()


# --- the expander: caps, floors, what is never translated -------------------------------------


def expand(text: str, lexicon: Lexicon, glossary: Glossary | None = None, languages=("en", "fr"), **options):
    """The query expanded with ``lexicon`` alone (no cognates unless ``cognate_weight`` is given)."""
    options.setdefault("cognate_weight", 0.0)
    return Expander(glossary or Glossary(()), lexicon, **options).expand(parse_query(text).tree, languages)


def many_translations() -> Lexicon:
    probs = [("douane", 0.5), ("coutume", 0.3), ("usage", 0.12), ("habitude", 0.05)]
    targets = [(stem(word, "fr"), prob) for word, prob in probs]
    return Lexicon({"en": {stem("customs", "en"): targets}})


def test_translations_are_capped_per_term():
    tree, _ = expand("customs", many_translations(), per_term=2, floor=0)
    assert [term for _, term, _ in tree.translations] == [stem("douane", "fr"), stem("coutume", "fr")]


def test_translations_below_the_floor_are_dropped():
    tree, _ = expand("customs", many_translations(), per_term=10, floor=0.1)
    assert [term for _, term, _ in tree.translations] == [stem(w, "fr") for w in ("douane", "coutume", "usage")]


def test_the_best_translation_weighs_the_translation_weight_and_the_next_in_proportion_to_it():
    # douane 0.5, coutume 0.3: the best counts fully (as the word would), the next 0.3 / 0.5 of it.
    tree, _ = expand("customs", many_translations(), per_term=2, floor=0)
    assert [weight for _, _, weight in tree.translations] == [TRANSLATION_WEIGHT, round(0.6 * TRANSLATION_WEIGHT, 4)]
    assert all(weight < 1 for _, _, weight in tree.translations)


def test_a_word_with_spread_translations_weighs_as_much_as_a_word_with_one_sure_translation():
    # "customs" spreads over synonyms (best 0.5), "wardrobe" has one sure translation (0.8):
    # each is one word of the query, so their best translations weigh the same.
    lexicon = Lexicon({"en": {**many_translations().table()["en"], WARDROBE: [(ARMOIRE, 0.8)]}})
    tree, _ = expand("customs wardrobe", lexicon, per_term=2, floor=0)
    assert [node.translations[0][2] for node in tree.children] == [TRANSLATION_WEIGHT, TRANSLATION_WEIGHT]


@pytest.mark.parametrize("text", ["the", "2002", "s.83", "C-46"])
def test_stop_words_numbers_and_identifiers_stay_as_typed(text):
    terms = {term for lang in ("en", "fr") for term in analyze(text, lang)} | {text.lower()}
    lexicon = Lexicon({lang: {term: [("anything", 0.9)] for term in terms} for lang in ("en", "fr")})
    tree, found = expand(text, lexicon)
    assert not any(isinstance(node, Expanded) for node in _nodes(tree)) and found == ()


def test_words_of_a_quoted_phrase_are_not_translated():
    tree, found = expand('"wardrobe key"', wardrobe_lexicon())
    assert found == () and not any(isinstance(node, Expanded) for node in _nodes(tree))


def test_a_word_the_glossary_spells_is_not_translated_again():
    glossary = Glossary((GlossaryEntry(("wardrobe",), ("garde-robe",)),))
    tree, found = expand("wardrobe key", wardrobe_lexicon(), glossary)
    assert [(e.source, e.to) for e in found] == [("wardrobe", ("garde-robe",)), ("key", (CLEF,))]


def test_a_word_that_meets_an_entry_only_through_its_stem_keeps_its_dictionary_senses():
    # Another sense may share the stem: "gouvernement" meets the entry "gouvernance".
    glossary = Glossary((GlossaryEntry(("wardrobes",), ("garde-robes",)),))
    tree, found = expand("wardrobe key", wardrobe_lexicon(), glossary)
    assert [(e.source, e.to, e.via) for e in found] == [
        ("wardrobe", ("garde-robes",), "glossary"),
        ("wardrobe", ("armoire",), "dictionary"),
        ("key", (CLEF,), "dictionary"),
    ]


def test_the_words_of_a_glossary_expression_are_not_translated_one_by_one():
    glossary = Glossary((GlossaryEntry(("wardrobe key",), ("clé d'armoire",)),))
    _, found = expand("wardrobe key", wardrobe_lexicon(), glossary)
    assert [(e.source, e.to) for e in found] == [("wardrobe key", ("clé d'armoire",))]


@pytest.mark.parametrize(("languages", "weight"), [(("en", "fr"), TRANSLATION_WEIGHT), (("fr",), 1.0)])
def test_translations_weigh_as_the_users_words_where_only_the_other_language_can_answer(languages, weight):
    # Over English and French passages, a French one ranks below an English one with the same
    # words; over French passages alone, nothing of the query's own language competes.
    tree, _ = expand("wardrobe key", wardrobe_lexicon(), languages=languages)
    translations = [t for node in _nodes(tree) if isinstance(node, Expanded) for t in node.translations]
    assert max(w for _, _, w in translations) == weight
    assert {term for _, term, _ in translations} >= {ARMOIRE, CLEF}


def test_each_word_of_a_query_gets_its_own_translations():
    _, found = expand("wardrobe key", wardrobe_lexicon())
    assert [(e.source, e.to, e.lang) for e in found] == [("wardrobe", ("armoire",), "fr"), ("key", (CLEF,), "fr")]


def test_by_default_translations_stay_with_their_word():
    tree, _ = expand("wardrobe key", wardrobe_lexicon())
    assert [node.original for node in tree.children] == [Term("wardrobe"), Term("key")]


@pytest.mark.parametrize(
    ("text", "into"),
    [("wardrobe key", {"fr"}), ("the wardrobe", {"fr"}), ("l'armoire", {"en"}), ("armoire wardrobe", {"en", "fr"})],
)
def test_translations_go_out_of_the_querys_language_when_it_is_clear(text, into):
    tree, found = expand(text, wardrobe_lexicon())
    assert {lang for node in _nodes(tree) if isinstance(node, Expanded) for lang, _, _ in node.translations} == into
    assert {e.lang for e in found} == into


def test_a_french_word_is_translated_into_english():
    tree, found = expand("armoire", wardrobe_lexicon())
    assert tree.translations == (("en", WARDROBE, TRANSLATION_WEIGHT),)


def test_a_translation_the_word_already_searches_is_shown_and_searched_once():
    # "infraction" is the same stem in both languages: it is searched once in French, as the
    # word's French reading weighted like its best translation, and not listed as added.
    same = stem("infraction", "fr")
    lexicon = Lexicon({"en": {stem("infraction", "en"): [(same, 0.7), (stem("délit", "fr"), 0.2)]}})
    tree, found = expand("infraction", lexicon)
    assert [(e.to, e.lang) for e in found] == [((stem("délit", "fr"),), "fr")]
    french = _term_boosts(compile_query(tree), "body_fr")
    assert french == {same: [TRANSLATION_WEIGHT], stem("délit", "fr"): [round(0.2 / 0.7 * TRANSLATION_WEIGHT, 4)]}


def test_the_word_read_in_the_target_language_weighs_like_its_best_translation():
    # An English query: in French passages "wardrobe" (a foreign word quoted there, or a cognate)
    # counts like "armoire", and in English passages it counts fully.
    tree, _ = expand("wardrobe", wardrobe_lexicon())
    compiled = compile_query(tree)
    assert _term_boosts(compiled, "body_fr") == {
        ARMOIRE: [TRANSLATION_WEIGHT],
        stem("wardrobe", "fr"): [TRANSLATION_WEIGHT],
    }
    assert _term_boosts(compiled, "body_en") == {WARDROBE: [1.0]}


def test_the_word_keeps_its_full_weight_in_both_languages_when_its_language_is_unclear():
    # "armoire wardrobe": translations go both ways, so no reading of either word is discounted.
    tree, _ = expand("armoire wardrobe", wardrobe_lexicon())
    compiled = compile_query(tree)
    assert _term_boosts(compiled, "body_fr")[ARMOIRE] == [1.0, TRANSLATION_WEIGHT]  # the word, wardrobe's translation
    assert _term_boosts(compiled, "body_en")[WARDROBE] == [TRANSLATION_WEIGHT, 1.0]  # armoire's translation, the word


def test_the_query_language_is_decided_by_translation_probabilities_not_weights():
    # Read as French, "wardrobe" has a weak translation (0.1), which now weighs TRANSLATION_WEIGHT
    # like its English reading's sure one (0.8): the vote must use the probabilities.
    lexicon = Lexicon(
        {"en": {WARDROBE: [(ARMOIRE, 0.8)]}, "fr": {stem("wardrobe", "fr"): [(stem("closet", "en"), 0.1)]}}
    )
    tree, found = expand("wardrobe", lexicon, floor=0.05)
    assert {e.lang for e in found} == {"fr"}
    assert {lang for lang, _, _ in tree.translations} == {"fr"}


def test_without_a_lexicon_the_expander_adds_nothing():
    tree, found = expand("wardrobe", None)
    assert tree == Term("wardrobe") and found == ()


def _term_boosts(query, field: str) -> dict[str, list[float]]:
    """Every term the compiled query searches in ``field``, with its boosts in tree order."""
    found: dict[str, list[float]] = {}
    stack = [query]
    while stack:
        node = stack.pop(0)
        if isinstance(node, wq.Term) and node.fieldname == field:
            found.setdefault(node.text, []).append(round(node.boost, 4))
        if isinstance(node, FieldsTerm) and field in dict(node.fields):
            found.setdefault(node.text, []).append(round(node.boost, 4))
        if isinstance(node, WeightedTerms) and node.fieldname == field:
            for text, weight in node.terms:
                found.setdefault(text, []).append(round(weight, 4))
        stack[:0] = list(getattr(node, "subqueries", ()) or ())
    return found


def _nodes(node):
    yield node
    for child in getattr(node, "children", ()):
        yield from _nodes(child)
    if isinstance(node, Expanded):
        yield from _nodes(node.original)


def test_once_the_last_passage_of_a_language_is_gone_translations_count_as_typed_words(tmp_path):
    # The index's field values outlive deleted documents until segments merge: the English one
    # must not keep the index "bilingual", where a translation weighs half a typed word.
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    texts = {
        "report": ("en", "The customs officers inspected the ship in the port."),
        "rapport": ("fr", "Les agents des douanes ont inspecté le navire au port."),
        "peche": ("fr", "Le rapport traite de la pêche illégale et des navires."),
    }
    for name, (lang, text) in texts.items():
        (corpus / f"{name}.txt").write_text(text + "\n", encoding="utf-8")
        (corpus / f"{name}.meta.toml").write_text(f'lang = "{lang}"\n', encoding="utf-8")

    def french_score() -> float:
        index = open_index(tmp_path / "index")
        try:
            result = search(SearchQuery(text="customs inspected"), index)
            return next(hit.score for hit in result.results if hit.doc_id == "rapport")
        finally:
            index.close()

    index_corpus(corpus, tmp_path / "index")
    bilingual = french_score()
    for suffix in (".txt", ".meta.toml"):
        (corpus / f"report{suffix}").unlink()
    index_corpus(corpus, tmp_path / "index")
    assert french_score() > 1.5 * bilingual
