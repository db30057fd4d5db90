"""Translated documents (issue 28, items 3 and 4): paired, their passages aligned, a lexicon learned from them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from indexer.crosslang.parallel import parallel_state
from indexer.ingest.pipeline import index_corpus
from indexer.models import SearchQuery
from indexer.search import search
from indexer.store import current_generation
from indexer.store import open_index

# A report and its translation. The French version splits the second English paragraph in two.
# "Zorblak" (English) and "vramoule" (French) are made-up words that only the aligned passages
# can connect: no dictionary knows them and they share no spelling.
ENGLISH = """# Harbour inspection report 2031

## Findings

The Harbour Authority of Port-Valmont inspected 412 containers between 3 March and 17 June 2031.

Inspectors from Customs Norland found 27 containers holding zorblak without a licence. The zorblak was seized and sent to the laboratory in Ostrava for testing, and the importers were questioned by the police.

## Zorblak trade

Traders ship zorblak through Port-Valmont because the port has 9 berths and few patrols.

A kilo of zorblak sells for 380 euros in Ostrava, four times its price in Norland.

The Authority asks for 12 more inspectors to stop the zorblak reaching the market.
"""

FRENCH = """# Rapport d'inspection portuaire 2031

## Constatations

L'Autorité portuaire de Port-Valmont a inspecté 412 conteneurs entre le 3 mars et le 17 juin 2031.

Les inspecteurs des Douanes de Norland ont trouvé 27 conteneurs contenant de la vramoule sans licence.

La vramoule a été saisie et envoyée au laboratoire d'Ostrava pour analyse, et les importateurs ont été interrogés par la police.

## Commerce de la vramoule

Les trafiquants expédient la vramoule par Port-Valmont parce que le port compte 9 postes à quai et peu de patrouilles.

Un kilo de vramoule se vend 380 euros à Ostrava, quatre fois son prix en Norland.

L'Autorité demande 12 inspecteurs de plus pour empêcher la vramoule d'atteindre le marché.
"""

UNRELATED_FRENCH = """# Jardins partagés de Lyon

## Bilan de la saison

Les jardiniers ont récolté des tomates, des courgettes et des haricots dans les douze parcelles du quartier.

La mairie a installé deux récupérateurs d'eau de pluie et un composteur collectif près de l'école.
"""

UNRELATED_ENGLISH = """# Choir rehearsal schedule

## Autumn term

The choir meets every Thursday evening in the church hall to rehearse carols for the winter concert.

Singers should bring their own sheet music and a bottle of water; tea is served at the break.
"""


def write(corpus: Path, name: str, text: str, **meta: str) -> None:
    (corpus / f"{name}.md").write_text(text, encoding="utf-8")
    if meta:
        sidecar = "".join(f"{key} = {json.dumps(value)}\n" for key, value in meta.items())
        (corpus / f"{name}.meta.toml").write_text(sidecar, encoding="utf-8")


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    return folder


def pairs_of(index_root: Path) -> set[tuple[str, str, str]]:
    state = parallel_state(current_generation(index_root).path)
    return {(pair["en"], pair["fr"], pair["how"]) for pair in state.get("pairs", [])}


def document(index_root: Path, doc_id: str):
    index = open_index(index_root)
    try:
        return index.document(doc_id)
    finally:
        index.close()


def hit_in(index_root: Path, text: str, **filters):
    index = open_index(index_root)
    try:
        return search(SearchQuery(text=text, **filters), index)
    finally:
        index.close()


def test_a_declared_translation_is_paired_and_its_passage_offered(corpus, tmp_path):
    write(corpus, "report", ENGLISH, lang="en")
    write(corpus, "rapport", FRENCH, lang="fr", translation_of="report")
    write(corpus, "jardins", UNRELATED_FRENCH, lang="fr")
    index_root = tmp_path / "index"
    report = index_corpus(corpus, index_root)
    assert report.warnings == []
    assert pairs_of(index_root) == {("report", "rapport", "declared")}
    result = hit_in(index_root, "laboratory Ostrava", lang=("en",))
    hit = result.results[0]
    assert hit.doc_id == "report" and "laboratory" in hit.text
    link = result.to_dict()["results"][0]["translation"]
    assert link["doc_id"] == "rapport" and link["lang"] == "fr"
    assert link["url"] == f"/doc/rapport#{link['passage_id']}"
    french = document(index_root, "rapport")
    (target,) = [p for p in french.passages if p.passage_id == link["passage_id"]]
    assert target.text.startswith("Les inspecteurs des Douanes")


def test_a_declaration_naming_no_document_is_reported(corpus, tmp_path):
    write(corpus, "rapport", FRENCH, lang="fr", translation_of="missing-report")
    report = index_corpus(corpus, tmp_path / "index")
    assert any("rapport" in w and "missing-report" in w and "no indexed document" in w for w in report.warnings)


def test_undeclared_translations_are_found_and_unrelated_documents_left_alone(corpus, tmp_path):
    write(corpus, "report", ENGLISH)
    write(corpus, "rapport", FRENCH)
    write(corpus, "jardins", UNRELATED_FRENCH)
    write(corpus, "choir", UNRELATED_ENGLISH)
    index_root = tmp_path / "index"
    index_corpus(corpus, index_root)
    assert pairs_of(index_root) == {("report", "rapport", "found")}
    result = hit_in(index_root, "choir carols")
    assert result.results[0].doc_id == "choir" and result.results[0].translation is None


def test_a_paragraph_split_in_two_is_aligned_two_to_one(corpus, tmp_path):
    write(corpus, "report", ENGLISH, lang="en")
    write(corpus, "rapport", FRENCH, lang="fr", translation_of="report")
    index_root = tmp_path / "index"
    index_corpus(corpus, index_root)
    english, french = document(index_root, "report"), document(index_root, "rapport")
    (state_pair,) = parallel_state(current_generation(index_root).path)["pairs"]
    text = {p.passage_id: p.text for p in english.passages + french.passages}
    beads = [([text[i][:20] for i in en], [text[j][:20] for j in fr]) for en, fr in state_pair["beads"]]
    assert (["Inspectors from Cust"], ["Les inspecteurs des ", "La vramoule a été sa"]) in beads
    one_to_one = [bead for bead in beads if len(bead[0]) == len(bead[1]) == 1]
    assert len(one_to_one) == len(english.passages) - 1
    assert all(len(en) and len(fr) for en, fr in beads)


def test_the_learned_lexicon_translates_a_word_only_the_aligned_passages_know(corpus, tmp_path, monkeypatch):
    write(corpus, "report", ENGLISH, lang="en")
    write(corpus, "rapport", FRENCH, lang="fr")  # found, not declared
    index_root = tmp_path / "index"
    index_corpus(corpus, index_root)
    result = hit_in(index_root, "zorblak", lang=("fr",))
    assert result.results and all("vramoule" in hit.text for hit in result.results)
    assert any(e.via == "learned" and "vramoule" in e.to for e in result.expanded)
