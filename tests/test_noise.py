"""Capture noise: what web captures add to a page that is not content."""

from __future__ import annotations

import pytest

from indexer.ingest.noise import is_noise


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \u00a0 ",
        "…",
        "• –",
        "print",
        " Print ",
        "SHARE",
        "Back to top",
        "Read more…",
        "Last publications",
        "Imprimer",
        "Retour en haut",
        "Lire la suite",
        "Dernières publications",
        "Check out SEACOP V project sheet",
        "Check out EL PAcCTO project sheet and the project's website",
        "See the project website",
        "Download the project sheet",
        "Voir la fiche projet",
        "Consulter la fiche du projet WeCAPS",
        "Télécharger la fiche",
    ],
)
def test_menu_words_link_labels_and_empty_strings_are_noise(text):
    assert is_noise(text)


@pytest.mark.parametrize(
    "text",
    [
        "Print media campaigns reached 40,000 readers.",
        "Search and rescue at sea",
        "Share of seized goods",
        "€5m (European Union)",
        "Check out the results below.",
        "See the annex for the list of ports.",
        "More specifically, SEACOP V aims to",
        "Les services répressifs de plusieurs États membres de l’Union européenne",
        "See the project website, which lists every port authority, customs office and training centre that took part",
    ],
)
def test_content_is_not_noise(text):
    assert not is_noise(text)
