"""fold(): the one normalisation shared by the taxonomy and the analyzers."""

from __future__ import annotations

import pytest

from indexer.folding import fold


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("sécurité", "securite"),
        ("ÉTATS MEMBRES", "etats membres"),
        ("Façonnés à Pretoria", "faconnes a pretoria"),
        ("ibéroaméricaine", "iberoamericaine"),
        ("Fundación Políticas Públicas", "fundacion politicas publicas"),
        ("Yaoundé", "yaounde"),
    ],
)
def test_accents_are_dropped_and_case_folded(text, folded):
    assert fold(text) == folded


def test_decomposed_accents_are_dropped_like_precomposed_ones():
    assert fold("se\u0301curite\u0301") == fold("sécurité") == "securite"


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("mise en œuvre", "mise en oeuvre"),
        ("ŒUVRE", "oeuvre"),
        ("cœur", "coeur"),
        ("Æsop", "aesop"),
        ("Straße", "strasse"),
        ("ﬁnancement", "financement"),
    ],
)
def test_ligatures_are_split(text, folded):
    assert fold(text) == folded


@pytest.mark.parametrize("apostrophe", ["\u2019", "\u2018", "\u02bc", "\u00b4", "`", "'"])
def test_every_apostrophe_becomes_the_ascii_one(apostrophe):
    assert fold(f"l{apostrophe}ONUDC") == "l'onudc"


@pytest.mark.parametrize("dash", ["\u2013", "\u2014", "\u2011", "-"])
def test_every_dash_becomes_a_hyphen(dash):
    assert fold(f"WeCAPS {dash} Port") == "wecaps - port"


@pytest.mark.parametrize("space", ["\u00a0", "\u202f"])
def test_non_breaking_spaces_become_spaces(space):
    assert fold(f"98{space}% du commerce{space}:") == "98 % du commerce :"


def test_ascii_text_is_only_lowercased():
    assert fold("GI-TOC, AML/CFT (2011-2012).") == "gi-toc, aml/cft (2011-2012)."


def test_folding_twice_changes_nothing():
    text = "L’Organisation mondiale des douanes (OMD) — cœur\u00a0: Straße"
    assert fold(fold(text)) == fold(text)
