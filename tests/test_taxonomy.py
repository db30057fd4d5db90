"""The taxonomy file, its checks, and the tagger on sentences from the corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.errors import TaxonomyError
from indexer.models import Tags
from indexer.taxonomy import EMPTY
from indexer.taxonomy import KINDS
from indexer.taxonomy import Entry
from indexer.taxonomy import Tagger
from indexer.taxonomy import Taxonomy
from indexer.taxonomy import load_taxonomy

CORPUS = Path(__file__).resolve().parent.parent / "corpus"

# Real paragraphs, copied from the two corpus texts.
ONUDC_PARAGRAPH = (
    "Depuis deux décennies, l’Office des Nations unies contre la drogue et le crime (ONUDC) contribue à "
    "rendre le monde plus sûr en luttant contre la drogue, le crime organisé, la corruption et le terrorisme. "
    "L’ONUDC s’est engagé à assurer la santé, la sécurité et la justice pour tous."
)
OMD_PARAGRAPH = (
    "L’Organisation mondiale des douanes (OMD) est un organisme intergouvernemental indépendant, créé en 1952 "
    "sous le nom de Conseil de coopération douanière (CCD), dont la mission est d’améliorer l’efficacité et "
    "l’efficience des services douaniers dans le monde entier."
)
CIVIPOL_PARAGRAPH = (
    "CIVIPOL est l’opérateur de coopération technique internationale du Ministère de l’Intérieur. [...] "
    "CIVIPOL bâtit des coopérations de sécurité avec les Etats, "
    "dans une logique de retour en sécurité intérieure."
)
WECAPS_HEADING = "WeCAPS – Western and Central Africa Port Security"
EL_PACCTO_PARAGRAPH = (
    "As a technical assistance programme, EL PAcCTO intervenes in the different forms of organised crime "
    "(drug trafficking, human trafficking, gangs, kidnapping, etc.) but also in the fight against corruption, "
    "money laundering and for a more systematic seizure and confiscation of criminal assets."
)


@pytest.fixture(scope="module")
def taxonomy():
    return load_taxonomy(CORPUS / "taxonomy.toml")


@pytest.fixture(scope="module")
def tagger(taxonomy):
    return Tagger(taxonomy)


def write(tmp_path, text):
    path = tmp_path / "taxonomy.toml"
    path.write_text(text, encoding="utf-8")
    return path


# --- loading --------------------------------------------------------------------------------------


def test_corpus_taxonomy_loads_with_every_kind(taxonomy):
    assert all(taxonomy.of_kind(kind) for kind in KINDS)


@pytest.mark.parametrize(
    ("kind", "id"),
    [
        ("project", "seacop"),
        ("project", "global-facility-aml-cft"),
        ("project", "el-paccto"),
        ("project", "wecaps"),
        ("project", "pfig"),
        ("partner", "unodc"),
        ("partner", "wco"),
        ("partner", "eu"),
        ("partner", "african-union"),
        ("topic", "aml-cft"),
        ("topic", "port-security"),
        ("topic", "corruption"),
    ],
)
def test_corpus_taxonomy_has_the_required_ids(taxonomy, kind, id):
    assert taxonomy.get(kind, id) is not None


def test_missing_file_gives_the_empty_taxonomy(tmp_path):
    assert load_taxonomy(tmp_path / "nowhere.toml") == EMPTY


GOOD = 'id = "ok"\nlabel_en = "OK"\nlabel_fr = "OK"\n'


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ('[[topic]]\nid = "drugs"\nlabel_en = "Drugs"\n', ["topic #1 (id 'drugs')", "label_fr"]),
        ('[[topic]]\nlabel_en = "Drugs"\nlabel_fr = "Drogue"\n', ["topic #1", "'id'"]),
        (
            f'[[topic]]\n{GOOD}\n[[topic]]\nid = "x"\nlabel_en = ""\nlabel_fr = "X"\n',
            ["topic #2 (id 'x')", "label_en"],
        ),
        ('[[partner]]\nid = "Sea Cop"\nlabel_en = "S"\nlabel_fr = "S"\n', ["partner #1 (id 'Sea Cop')", "bad id"]),
        (f"[[project]]\n{GOOD}\n[[project]]\n{GOOD}", ["project #2 (id 'ok')", "duplicate id", "project #1"]),
        (f'[[topic]]\n{GOOD}aliases = "drugs"\n', ["topic #1 (id 'ok')", "aliases"]),
        (f"[[topic]]\n{GOOD}aliases = [1, 2]\n", ["topic #1 (id 'ok')", "aliases"]),
        (f'[[topic]]\n{GOOD}aliases = ["--"]\n', ["topic #1 (id 'ok')", "'--'"]),
        (f'[[topic]]\n{GOOD}alias = ["x"]\n', ["topic #1 (id 'ok')", "'alias'"]),
        (f"[[topics]]\n{GOOD}", ["[[topics]]"]),
        ('topic = "x"\n', ["[[topic]]"]),
        ('[[topic]]\nid = "ok\nlabel_en = "OK"\nlabel_fr = "OK"\n', ["TOML syntax error", "line 2"]),
    ],
    ids=[
        "missing-label",
        "missing-id",
        "empty-label",
        "bad-id",
        "duplicate-id",
        "aliases-not-a-list",
        "aliases-not-strings",
        "alias-without-letters",
        "unknown-key",
        "unknown-table",
        "kind-not-an-array",
        "toml-syntax",
    ],
)
def test_bad_file_raises_an_error_naming_the_file_and_the_entry(tmp_path, text, names):
    path = write(tmp_path, text)
    with pytest.raises(TaxonomyError) as caught:
        load_taxonomy(path)
    for name in [str(path), *names]:
        assert name in str(caught.value)


def test_same_id_in_two_kinds_is_allowed(tmp_path):
    taxonomy = load_taxonomy(write(tmp_path, f"[[partner]]\n{GOOD}\n[[topic]]\n{GOOD}"))
    assert [e.kind for e in taxonomy.entries] == ["partner", "topic"]


def test_aliases_are_optional(tmp_path):
    taxonomy = load_taxonomy(write(tmp_path, f"[[topic]]\n{GOOD}"))
    assert taxonomy.get("topic", "ok").aliases == ()


# --- tagging real sentences -----------------------------------------------------------------------


def test_onudc_paragraph_is_tagged_with_unodc(tagger):
    assert "unodc" in tagger.tag(ONUDC_PARAGRAPH).partners


def test_omd_paragraph_is_tagged_with_wco_and_customs(tagger):
    tags = tagger.tag(OMD_PARAGRAPH)
    assert "wco" in tags.partners
    assert "customs" in tags.topics


def test_civipol_paragraph_is_tagged_with_civipol(tagger):
    assert "civipol" in tagger.tag(CIVIPOL_PARAGRAPH).partners


def test_wecaps_heading_gets_the_project_and_the_port_security_topic(tagger):
    tags = tagger.tag(WECAPS_HEADING)
    assert tags.projects == ("wecaps",)
    assert "port-security" in tags.topics


def test_el_paccto_paragraph_gets_each_topic_it_names(tagger):
    tags = tagger.tag(EL_PACCTO_PARAGRAPH)
    assert tags.projects == ("el-paccto",)
    expected = {"organised-crime", "drug-trafficking", "human-trafficking", "corruption", "aml-cft", "asset-recovery"}
    assert expected <= set(tags.topics)


def test_tags_come_in_order_of_first_occurrence_without_duplicates(tagger):
    tags = tagger.tag("corruption, drugs, corruption again, then terrorism and drugs")
    assert tags.topics == ("corruption", "drug-trafficking", "terrorism")


@pytest.mark.parametrize(
    ("text", "kind", "id"),
    [
        ("blanchiment de capitaux", "topic", "aml-cft"),
        ("money laundering", "topic", "aml-cft"),
        ("AML/CFT frameworks", "topic", "aml-cft"),
        ("Check out AML-CFT project sheet", "topic", "aml-cft"),
        ("AML CFT", "topic", "aml-cft"),
        ("la LBC-FT", "topic", "aml-cft"),
        ("les membres fondateurs de l’Initiative globale", "partner", "gi-toc"),
        ("GITOC", "partner", "gi-toc"),
        ("avec l’ONUDC", "partner", "unodc"),
        ("le bureau d’INTERPOL", "partner", "interpol"),
        ("États membres de l’Union européenne", "partner", "eu"),
        ("les services répressifs des États membres", "partner", "eu-law-enforcement"),
        ("the EU and its member states", "partner", "eu"),
        ("les pays de l’UE", "partner", "eu"),
        ("dans d’autres pays de l’OTAN", "partner", "nato"),
        ("membres de l’Union africaine", "partner", "african-union"),
        ("L’Institut d’études de sécurité (ISS)", "partner", "iss"),
        (
            "Fondation internationale et ibéroaméricaine pour l’administration et les politiques publiques",
            "partner",
            "fiiapp",
        ),
        ("SEACOP V - Seaport Cooperation Project", "project", "seacop"),
        ("Le Programme des Flux Illicites Globaux", "project", "pfig"),
        ("(GF-AML/CFT)", "project", "global-facility-aml-cft"),
        ("SECURITE   PORTUAIRE", "topic", "port-security"),
        ("traite des\nêtres humains", "topic", "human-trafficking"),
        ("Protecting critical infrastructure (transport, cyber…);", "topic", "critical-infrastructure"),
        ("la justice pénale", "topic", "justice"),
        ("le changement climatique", "topic", "climate"),
        ("les migrations", "topic", "migration"),
        ("law enforcement services of EU member states", "topic", "police"),
    ],
)
def test_alias_tags_its_entry(tagger, text, kind, id):
    assert id in getattr(tagger.tag(text), kind + "s")


@pytest.mark.parametrize(
    "text",
    [
        "passport security",
        "Europolitan",
        "customsx",
        "ISSUE",
        "il a eu lieu au Sénégal",
        "a transport route",
        "Interpolation",
    ],
)
def test_aliases_match_whole_words_only(tagger, text):
    assert tagger.tag(text) == Tags()


def test_empty_taxonomy_tags_nothing():
    assert Tagger(EMPTY).tag("UNODC, terrorism and SEACOP") == Tags()


# --- lookups, copies and fingerprints -------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "value", "id"),
    [
        ("partner", "ONUDC", "unodc"),
        ("partner", "onudc", "unodc"),
        ("partner", "unodc", "unodc"),
        ("partner", "Organisation mondiale des douanes", "wco"),
        ("partner", "ORGANISATION MONDIALE DES DOUANES", "wco"),
        ("partner", "Union europeenne", "eu"),
        ("project", "SEACOP V", "seacop"),
        ("topic", "Sécurité portuaire", "port-security"),
        ("topic", "AML-CFT", "aml-cft"),
    ],
)
def test_resolve_maps_any_name_to_its_id(taxonomy, kind, value, id):
    assert taxonomy.resolve(kind, value) == id


def test_resolve_respects_the_kind(taxonomy):
    assert taxonomy.resolve("topic", "ONUDC") is None


def test_resolve_gives_none_for_an_unknown_name(taxonomy):
    assert taxonomy.resolve("partner", "Acme Corp") is None


def test_label_follows_the_language(taxonomy):
    assert taxonomy.label("partner", "wco", "fr") == "Organisation mondiale des douanes (OMD)"
    assert taxonomy.label("partner", "wco", "en") == "World Customs Organization (WCO)"


def test_label_of_an_unknown_id_is_the_id(taxonomy):
    assert taxonomy.label("topic", "no-such-topic", "fr") == "no-such-topic"


def test_to_dict_and_from_dict_round_trip(taxonomy):
    assert Taxonomy.from_dict(taxonomy.to_dict()) == taxonomy


def test_fingerprint_is_stable(taxonomy):
    assert Taxonomy.from_dict(taxonomy.to_dict()).fingerprint() == taxonomy.fingerprint()


def test_fingerprint_changes_when_an_alias_is_added():
    entry = Entry("topic", "drugs", "Drugs", "Drogue", ("drug",))
    before = Taxonomy((entry,))
    after = Taxonomy((Entry("topic", "drugs", "Drugs", "Drogue", ("drug", "cocaine")),))
    assert before.fingerprint() != after.fingerprint()
