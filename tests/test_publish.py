"""`passerelle publish`: replicas' folders get the indexer's live generation whole, or keep theirs."""

from __future__ import annotations

import shutil

import pytest

from indexer import IndexNotFound
from indexer import LiveIndex
from indexer import SearchQuery
from indexer import index_corpus
from indexer import search
from indexer.cli import main
from indexer.publish import publish
from indexer.store import GENERATIONS
from indexer.store import current_generation


def _corpus(tmp_path, **texts):
    corpus = tmp_path / "corpus"
    corpus.mkdir(exist_ok=True)
    for name, text in texts.items():
        (corpus / f"{name}.txt").write_text(text + "\n", encoding="utf-8")
        (corpus / f"{name}.meta.toml").write_text('lang = "en"\n', encoding="utf-8")
    return corpus


def _hits(live: LiveIndex, text: str) -> int:
    return search(SearchQuery(text), live.get()).total


@pytest.fixture
def indexer(tmp_path):
    corpus = _corpus(tmp_path, first="Customs officers inspect containers at the port of Abidjan.")
    index_corpus(corpus, tmp_path / "indexer")
    return corpus, tmp_path / "indexer"


def test_a_replica_follows_each_publish_and_keeps_one_older_generation(indexer, tmp_path):
    corpus, source = indexer
    replica = LiveIndex(tmp_path / "replica")
    first = publish(source, tmp_path / "replica")
    assert _hits(replica, "containers") == 1 and _hits(replica, "smuggling") == 0
    _corpus(tmp_path, second="Maritime smuggling routes cross the Gulf of Guinea.")
    index_corpus(corpus, source)
    second = publish(source, tmp_path / "replica")
    assert second.generation == first.generation + 1
    assert _hits(replica, "smuggling") == 1 and replica.get().commit.number == second.generation
    publish(source, tmp_path / "replica")
    assert len(list((tmp_path / "replica" / GENERATIONS).iterdir())) == 2  # the live one and the one before
    replica.close()


def test_a_search_still_holding_the_replaced_index_goes_on_answering(indexer, tmp_path):
    # A server's threads may be searching the index a publish (or a rebuild) just replaced.
    corpus, source = indexer
    publish(source, tmp_path / "replica")
    replica = LiveIndex(tmp_path / "replica")
    held = replica.get()
    _corpus(tmp_path, second="Maritime smuggling routes cross the Gulf of Guinea.")
    index_corpus(corpus, source)
    publish(source, tmp_path / "replica")
    assert replica.get() is not held
    assert search(SearchQuery("containers"), held).total == 1
    assert search(SearchQuery("containres"), held).suggestion == "containers"  # the spelling path too
    replica.close()


def test_an_interrupted_copy_leaves_the_old_generation_live_and_is_cleaned_up_next_time(indexer, tmp_path, monkeypatch):
    corpus, source = indexer
    dest = tmp_path / "replica"
    publish(source, dest)
    live = current_generation(dest)
    _corpus(tmp_path, second="Maritime smuggling routes cross the Gulf of Guinea.")
    index_corpus(corpus, source)

    copy = shutil.copytree

    def copy_half(src, dst):
        copy(src / "whoosh", dst / "whoosh")  # part of the files, then the copy dies
        raise KeyboardInterrupt

    monkeypatch.setattr("indexer.publish.shutil.copytree", copy_half)
    with pytest.raises(KeyboardInterrupt):
        publish(source, dest)
    assert current_generation(dest) == live
    replica = LiveIndex(dest)
    assert _hits(replica, "containers") == 1 and _hits(replica, "smuggling") == 0
    monkeypatch.undo()
    publish(source, dest)
    assert _hits(replica, "smuggling") == 1
    assert len(list((dest / GENERATIONS).iterdir())) == 2  # the partial copy is gone
    replica.close()


def test_publishing_nothing_is_a_clear_error(tmp_path):
    with pytest.raises(IndexNotFound, match="passerelle index"):
        publish(tmp_path / "empty", tmp_path / "replica")
    assert not (tmp_path / "replica" / "current").exists()


def test_the_command_publishes_to_every_destination(indexer, tmp_path, runner):
    _, source = indexer
    result = runner.invoke(
        main, ["publish", "--index", str(source), "--to", str(tmp_path / "a"), "--to", str(tmp_path / "b")]
    )
    assert result.exit_code == 0, result.output
    assert result.output.count("published commit 1 to") == 2
    for name in ("a", "b"):
        replica = LiveIndex(tmp_path / name)
        assert _hits(replica, "containers") == 1
        replica.close()
