"""A long-running process follows every indexing run: passages, taxonomy, glossary and lexicons, without a restart."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer import SearchQuery
from indexer import search
from indexer.analysis import analyze
from indexer.crosslang.lexicon import LEARNED_FILE
from indexer.crosslang.lexicon import Lexicon
from indexer.ingest.pipeline import index_corpus
from indexer.store import LiveIndex
from indexer.store import index_stats

NEW_TERM = '\n[[term]]\nen = ["zorblax"]\nfr = ["terrorisme"]\ndomain = "cooperation"\n'
NEW_TOPIC = '\n[[topic]]\nid = "quokka-watch"\nlabel_en = "Quokka watch"\nlabel_fr = "Veille quokka"\naliases = ["terrorisme"]\n'


@pytest.fixture
def live(tmp_corpus, tmp_path):
    root = tmp_path / "index"
    index_corpus(tmp_corpus, root)
    opened = LiveIndex(root)
    yield opened
    opened.close()


def stem(word: str, lang: str) -> str:
    return analyze(word, lang)[0]


def run(live: LiveIndex, text: str):
    return search(SearchQuery(text), live.get())


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_a_glossary_edit_reaches_an_open_index_with_the_next_run(live, tmp_corpus):
    before = index_stats(live.get()).generation
    assert run(live, "zorblax").total == 0
    append(tmp_corpus / "glossary.toml", NEW_TERM)
    report = index_corpus(tmp_corpus, live.root)
    assert report.documents == 0  # no passage changed, only the glossary
    result = run(live, "zorblax")
    assert result.total > 0 and any(group.source == "zorblax" for group in result.expanded)
    assert index_stats(live.get()).generation == before + 1


def test_a_taxonomy_edit_retags_and_shows_in_facets_and_labels(live, tmp_corpus):
    assert "quokka-watch" not in run(live, "terrorisme").facets["topic"]
    append(tmp_corpus / "taxonomy.toml", NEW_TOPIC)
    index_corpus(tmp_corpus, live.root)
    result = run(live, "terrorisme")
    assert result.facets["topic"].get("quokka-watch", 0) > 0
    assert live.get().taxonomy.label("topic", "quokka-watch", "fr") == "Veille quokka"


def test_a_lexicon_edit_reaches_an_open_index(live, tmp_corpus):
    assert run(live, "zorblax").total == 0
    Lexicon({"en": {stem("zorblax", "en"): [(stem("terrorisme", "fr"), 0.9)]}}).save(tmp_corpus / LEARNED_FILE)
    index_corpus(tmp_corpus, live.root)
    result = run(live, "zorblax")
    assert result.total > 0 and all(hit.lang == "fr" for hit in result.results)


def test_a_run_that_changes_nothing_keeps_the_generation_and_the_open_index(live, tmp_corpus):
    opened = live.get()
    generation = index_stats(opened).generation
    index_corpus(tmp_corpus, live.root)
    assert live.get() is opened and index_stats(live.get()).generation == generation


def test_a_new_document_and_a_rebuild_both_move_the_generation(live, tmp_corpus):
    first = index_stats(live.get()).generation
    (tmp_corpus / "walrus.md").write_text("# Walrus\n\nWalrus ivory seized at the harbour.\n", encoding="utf-8")
    index_corpus(tmp_corpus, live.root)
    assert index_stats(live.get()).generation == first + 1 and run(live, "walrus").total == 1
    index_corpus(tmp_corpus, live.root, rebuild=True)
    assert index_stats(live.get()).generation == first + 2 and run(live, "walrus").total == 1
