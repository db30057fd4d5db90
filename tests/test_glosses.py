"""Terms the collection glosses in the other language, in parentheses, learned from at index time."""

from __future__ import annotations

from pathlib import Path

from indexer.crosslang.glosses import glosses
from indexer.ingest.pipeline import index_corpus
from indexer.models import SearchQuery
from indexer.search import search
from indexer.store import open_index

KNOWN = {"en": {"hear", "good"}, "fr": {"audienc", "marchandis", "loi"}}


def known(term: str, lang: str) -> bool:
    return term in KNOWN[lang]


def test_a_definition_pairs_its_english_term_with_the_words_that_open_it():
    text = (
        "audience Séance où le tribunal entend les parties. (hearing) "
        "marchandises Biens meubles de toute nature. (goods)"
    )
    assert glosses(text, "fr", known) == [
        ("hearing", "audience Séance où le tribunal entend les parties."),
        ("goods", "marchandises Biens meubles de toute nature."),
    ]


def test_references_list_markers_and_same_language_asides_are_not_glosses():
    text = "Au sens du paragraphe (1), l’alinéa (a), le sous-alinéa (iii) et la présente (loi) s’appliquent."
    assert glosses(text, "fr", known) == []


def test_an_english_word_only_a_gloss_translates_finds_the_french_passage(tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    definitions = (  # "vramoule" alone opens every definition glossed "(hearing)"
        "vramoule Séance publique tenue par l’office des douanes.",
        "vramoule Audition des parties devant le comité.",
        "vramoule Occasion donnée à chacun d’être entendu par le tribunal.",
    )
    for number, definition in enumerate(definitions):
        (corpus / f"loi-{number}.txt").write_text(
            f"Les définitions qui suivent s’appliquent à la présente loi.\n\n{definition} (hearing)\n",
            encoding="utf-8",
        )
        (corpus / f"loi-{number}.meta.toml").write_text('lang = "fr"\n', encoding="utf-8")
    index_corpus(corpus, tmp_path / "index")
    index = open_index(tmp_path / "index")
    try:
        result = search(SearchQuery(text="hearing", lang=("fr",)), index)
        assert result.results and all("vramoule" in hit.text for hit in result.results)
        assert any(e.via == "learned" and "vramoule" in e.to for e in result.expanded), result.expanded
    finally:
        index.close()
