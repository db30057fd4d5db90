"""Fixtures named for what they give: the real corpus, a copy to edit, an index built from it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from indexer.ingest.pipeline import index_corpus
from indexer.store import open_index

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"


@pytest.fixture
def tmp_corpus(tmp_path) -> Path:
    """A writable copy of the real corpus."""
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory):
    """The real corpus indexed once per session, opened for search."""
    root = tmp_path_factory.mktemp("index")
    index_corpus(CORPUS, root)
    opened = open_index(root)
    yield opened
    opened.close()


@pytest.fixture
def runner() -> CliRunner:
    """A Click runner for the `passerelle` command."""
    return CliRunner()
