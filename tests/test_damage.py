"""Damage at rest (issue 27): each kind of index file cut, overwritten, deleted or garbled is named by
`passerelle check`, refused by searches (a 503 naming it, never a traceback nor a wrong answer) and
by incremental runs, and repaired by `passerelle check --repair` or `passerelle index --rebuild`."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from indexer import IndexDamaged
from indexer import SearchQuery
from indexer import index_corpus
from indexer import search
from indexer import store
from indexer.cli import main
from indexer.store import LiveIndex
from indexer.store import current_generation
from indexer.store import open_index
from web import create_app
from web.engine import live_index

QUERIES = ("cooperation", "criminalité organisée", "money laundering", "blanchiment")
TOPICS = [
    ("cooperation", "Cooperation against organised crime in the {n} region: customs, police and justice."),
    ("laundering", "Money laundering through real estate and shell companies, case {n}."),
    ("coopération", "La coopération contre la criminalité organisée dans la région {n}."),
    ("blanchiment", "Le blanchiment d'argent par l'immobilier, dossier {n}."),
]


def write_corpus(folder: Path) -> Path:
    """Twelve small documents, in English and French, two sections each."""
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(12):
        title, text = TOPICS[n % len(TOPICS)]
        body = "\n\n".join(text.format(n=f"{n}-{part}") for part in range(3))
        (folder / f"doc{n}.md").write_text(f"# {title} {n}\n\n{body}\n\n## Annex {n}\n\n{text.format(n=n)}\n")
    return folder


def ranked(root: Path) -> list[list[tuple[str, float]]]:
    """Passage ids and scores of every query, in rank order."""
    index = open_index(root)
    try:
        return [[(hit.passage_id, hit.score) for hit in search(SearchQuery(q), index).results] for q in QUERIES]
    finally:
        index.close()


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """(corpus, index folder, rankings before any damage), built once."""
    corpus = write_corpus(tmp_path_factory.mktemp("damage-corpus") / "corpus")
    root = tmp_path_factory.mktemp("damage-index") / "index"
    index_corpus(corpus, root)
    return corpus, root, ranked(root)


@pytest.fixture
def index_copy(pristine, tmp_path):
    """(corpus, a fresh copy of the pristine index, its rankings)."""
    corpus, root, rankings = pristine
    copy = tmp_path / "index"
    shutil.copytree(root, copy, symlinks=True)
    return corpus, copy, rankings


def target(root: Path, kind: str) -> Path:
    """The file of the live generation a damage kind is about."""
    live = current_generation(root)
    if kind == "current":
        return root / "current"
    if kind in ("commit.json", "manifest.json", "taxonomy.json", "glossary.json", "format"):
        return live.path / kind
    pattern = "_MAIN_*.toc" if kind == "toc" else f"MAIN_*{kind}"
    (found,) = live.backend_dir.glob(pattern)
    return found


def damage(path: Path, how: str) -> None:
    if how == "cut":
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif how == "overwrite":  # 4 KB (or half of a smaller file) in the middle, same size
        data = bytearray(path.read_bytes())
        count = min(4096, max(1, len(data) // 2))
        start = (len(data) - count) // 2
        data[start : start + count] = bytes((i * 37 + 11) % 256 for i in range(count))
        path.write_bytes(bytes(data))
    elif how == "delete":
        path.unlink()
    elif how == "garbage":
        if path.is_symlink():
            path.unlink()
        path.write_bytes(b"\x00{garbage\xff")
    elif how == "dangling":
        path.unlink()
        os.symlink("generations/gone", path)


SEGMENT_FILES = (".pst", ".trm", "._stored.col", "._body_en_len.col", ".doc_id.col", ".terms.col", ".date.col")
CASES = [
    *[(kind, how) for kind in SEGMENT_FILES for how in ("cut", "overwrite")],
    (".pst", "delete"),
    (".trm", "delete"),
    *[("toc", how) for how in ("cut", "overwrite", "delete")],
    *[(kind, how) for kind in ("commit.json", "manifest.json", "taxonomy.json", "glossary.json") for how in ("garbage", "delete")],
    ("manifest.json", "overwrite"),
    ("format", "garbage"),
    ("format", "delete"),
    ("current", "garbage"),
    ("current", "dangling"),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "how"), CASES, ids=[f"{how}-{kind}" for kind, how in CASES])
def test_damage_is_named_refused_and_repaired(index_copy, runner, kind, how):
    corpus, root, before = index_copy
    path = target(root, kind)
    damage(path, how)

    checked = runner.invoke(main, ["check", "--index", str(root)])
    assert checked.exit_code == 2, checked.output
    assert path.name in checked.output and "passerelle check --repair" in checked.output

    app = create_app({"INDEX_DIR": str(root), "TESTING": True})
    try:
        client = app.test_client()
        for url in ("/api/search?q=cooperation", "/api/search?q=blanchiment&group=document", "/api/health"):
            answer = client.get(url)
            assert answer.status_code == 503, (url, answer.get_json())
            assert path.name in answer.get_json()["error"] and answer.get_json()["damaged"], answer.get_json()
        page = client.get("/search?q=cooperation")
        assert page.status_code == 503 and path.name in page.get_data(as_text=True)
    finally:
        live_index(app).close()

    searched = runner.invoke(main, ["search", "--index", str(root), "cooperation"])
    assert searched.exit_code == 1 and path.name in searched.output and "Traceback" not in searched.output

    incremental = runner.invoke(main, ["index", "--corpus", str(corpus), "--index", str(root)])
    assert incremental.exit_code == 1 and "passerelle index --rebuild" in incremental.output, incremental.output

    if how in ("cut", "garbage"):
        repaired = runner.invoke(main, ["check", "--repair", "--index", str(root), "--corpus", str(corpus)])
    else:
        repaired = runner.invoke(main, ["index", "--rebuild", "--corpus", str(corpus), "--index", str(root)])
    assert repaired.exit_code == 0, repaired.output
    assert runner.invoke(main, ["check", "--deep", "--index", str(root)]).exit_code == 0
    assert ranked(root) == before


def test_deep_check_names_a_posting_file_that_decodes_wrongly_with_no_checksums(index_copy, runner):
    """An index whose checksums vouch for nothing (a run cut short) is still decoded whole by --deep."""
    _, root, _ = index_copy
    live = current_generation(root)
    live.unseal()
    path = target(root, ".pst")
    damage(path, "cut")
    checked = runner.invoke(main, ["check", "--deep", "--index", str(root)])
    assert checked.exit_code == 2 and path.name in checked.output, checked.output


def test_a_run_cut_short_is_not_damage(index_copy, runner):
    """Files rewritten by a run that never sealed them are unverified, not damaged: the index answers."""
    corpus, root, before = index_copy
    live = current_generation(root)
    live.unseal()
    manifest = live.path / "manifest.json"
    manifest.write_text(json.dumps(json.loads(manifest.read_text())))  # rewritten as a run would, not sealed
    checked = runner.invoke(main, ["check", "--index", str(root)])
    assert checked.exit_code == 0 and "did not finish" in checked.output, checked.output
    assert ranked(root) == before
    assert runner.invoke(main, ["index", "--corpus", str(corpus), "--index", str(root)]).exit_code == 0
    assert runner.invoke(main, ["check", "--index", str(root)]).output.endswith("sound\n")


def test_damage_after_opening_is_never_answered_from_what_was_decoded(index_copy, monkeypatch):
    """A server that searched the index, then meets a damaged file, answers 503 naming it, to every
    query including those it answered before, until a rebuild replaces the index."""
    corpus, root, before = index_copy
    monkeypatch.setattr(store, "DAMAGE_CHECK_SECONDS", 3600.0)  # only a failed read can tell
    live = LiveIndex(root)
    try:
        index = live.get()
        first = search(SearchQuery(QUERIES[0]), index)
        assert first.total
        path = target(root, ".pst")
        damage(path, "cut")
        damage(target(root, ".trm"), "cut")
        with pytest.raises(IndexDamaged) as raised:
            for query in QUERIES[1:]:
                search(SearchQuery(query), live.get())
        assert path.name in str(raised.value)
        with pytest.raises(IndexDamaged):
            search(SearchQuery(QUERIES[0]), live.get())  # answered before, from caches then
        index_corpus(corpus, root, rebuild=True)
        assert [
            [(h.passage_id, h.score) for h in search(SearchQuery(q), live.get()).results] for q in QUERIES
        ] == before
    finally:
        live.close()


def test_a_server_names_damage_done_while_it_runs(index_copy, monkeypatch):
    """Damage that no search reads yet still turns /api/health to 503 within the check interval."""
    _, root, _ = index_copy
    monkeypatch.setattr(store, "DAMAGE_CHECK_SECONDS", 0.05)
    app = create_app({"INDEX_DIR": str(root), "TESTING": True})
    try:
        client = app.test_client()
        assert client.get("/api/health").status_code == 200
        path = target(root, "._stored.col")
        damage(path, "overwrite")
        deadline = time.monotonic() + 5
        while (answer := client.get("/api/health")).status_code == 200 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert answer.status_code == 503 and any(path.name in problem for problem in answer.get_json()["damaged"])
    finally:
        live_index(app).close()


def test_an_empty_index_searches_fine(tmp_path, runner):
    """An index holding no passage answers zero hits in the API, the pages and the CLI."""
    root = tmp_path / "index"
    (tmp_path / "empty").mkdir()
    index_corpus(tmp_path / "empty", root)
    app = create_app({"INDEX_DIR": str(root), "TESTING": True})
    try:
        client = app.test_client()
        for url in ("/api/search?q=cooperation", "/api/search?q=cooperation&group=document", "/api/search?sort=newest"):
            answer = client.get(url)
            assert answer.status_code == 200 and answer.get_json()["total"] == 0, (url, answer.get_json())
        assert client.get("/search?q=cooperation").status_code == 200
        assert client.get("/api/health").get_json()["passages"] == 0
    finally:
        live_index(app).close()
    searched = runner.invoke(main, ["search", "--index", str(root), "cooperation"])
    assert searched.exit_code == 0 and searched.output.startswith("0 passages"), searched.output
