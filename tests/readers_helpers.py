"""Shared helpers of the reader tests: fixture files, reading one document, looking inside it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from indexer.errors import UnreadableDocument
from indexer.ingest.readers import read_documents
from indexer.models import Document
from indexer.models import Section

DATA = Path(__file__).parent / "data" / "readers"
CORPUS = Path(__file__).parent.parent / "corpus"
ENGLISH = CORPUS / "expertise-france-global-threats-organised-crime.txt"
FRENCH = CORPUS / "pfig-partenaires-flux-illicites-globaux.txt"


def _load_make_files():
    # Loaded by path: tests/ is not a package, and the helper must not depend on how pytest sets sys.path.
    spec = importlib.util.spec_from_file_location("readers_make_files", DATA / "make_files.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_files = _load_make_files()


def read_one(path: Path, root: Path | None = None, warn=None) -> Document:
    documents = list(read_documents(path, root or path.parent, warn))
    assert len(documents) == 1
    return documents[0]


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def paragraphs(document: Document) -> list[str]:
    return [paragraph for section in document.sections for paragraph in section.paragraphs]


def titles(document: Document) -> list[str]:
    return [section.title for section in document.sections]


def section(document: Document, title: str) -> Section:
    return next(section for section in document.sections if section.title == title)


def unreadable_reason(path: Path, root: Path | None = None) -> str:
    with pytest.raises(UnreadableDocument) as raised:
        list(read_documents(path, root or path.parent))
    return raised.value.reason
