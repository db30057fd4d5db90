"""Our posting pool writes the postings Whoosh's own pool writes."""

from __future__ import annotations

import pytest
from whoosh import index as whoosh_index
from whoosh.writing import PostingPool

import indexer.engine.whoosh.writing as whoosh_writing
from indexer.ingest.pipeline import index_corpus

FIELDS = ("body_en", "body_fr", "heading_en", "tags_fr", "words", "doc_id", "topics")


def postings(path):
    """Every (field, term) -> [(docnum, weight, value)] of an index, as Whoosh reads them back."""
    ix = whoosh_index.open_dir(str(path))
    with ix.reader() as reader:
        found = {}
        for fieldname in FIELDS:
            for term in reader.lexicon(fieldname):
                matcher = reader.postings(fieldname, term)
                found[fieldname, term] = [(docnum, matcher.weight(), matcher.value()) for docnum in _ids(matcher)]
        return found, reader.doc_count_all()


def _ids(matcher):
    while matcher.is_active():
        yield matcher.id()
        matcher.next()


def whoosh_folder(root):
    return next(root.glob("generations/*/whoosh"))


@pytest.fixture
def whoosh_pool(monkeypatch):
    """Writers keep Whoosh's own ``PostingPool`` (what our pool must match)."""

    def keep_whooshs_pool(writer):
        writer.pool = PostingPool(writer._tempstorage, writer.newsegment, limitmb=1)  # 1 MB: spills to disk
        return writer

    real = whoosh_writing._tuned
    monkeypatch.setattr(whoosh_writing, "_tuned", lambda writer: real(writer) and keep_whooshs_pool(writer))


def build_then_edit(corpus, root):
    """Index the corpus, then again after an edit (Whoosh merges the small segments into the new one)."""
    path = corpus / "expertise-france-global-threats-organised-crime.txt"
    original = path.read_text(encoding="utf-8")
    index_corpus(corpus, root)
    path.write_text(
        original.replace("Port", "Harbour") + "\nA new paragraph about harbour security.\n", encoding="utf-8"
    )
    index_corpus(corpus, root)
    path.write_text(original, encoding="utf-8")
    return postings(whoosh_folder(root))


def test_runs_write_the_postings_whooshs_own_pool_writes(tmp_corpus, tmp_path, request):
    ours = build_then_edit(tmp_corpus, tmp_path / "ours")
    request.getfixturevalue("whoosh_pool")
    found, count = ours
    assert count > 40 and len(found) > 1000 and any(term == b"harbour" for _, term in found)
    assert ours == build_then_edit(tmp_corpus, tmp_path / "whoosh")


def test_postings_come_out_ordered_by_field_term_and_docnum_whatever_the_order_they_came_in(tmp_path):
    from random import Random

    from whoosh.filedb.filestore import FileStorage

    rng = Random(5)
    items = [
        (
            field,
            term,
            docnum,
            float(rng.randint(1, 3)),
            rng.choice([None, b"", bytes([rng.randint(0, 255)]) * rng.randint(1, 4)]),
        )
        for field in ("body_en", "words")
        for term in (b"a", b"b\xc3\xa9", b"ab", b"z")
        for docnum in rng.sample(range(-1, 60), 20)
    ]
    rng.shuffle(items)
    pool = whoosh_writing.TermPool()
    reference = PostingPool(FileStorage(str(tmp_path)).create(), None, limitmb=1)
    for item in items:
        pool.add(item)
        reference.add(item)
    expected = [(f, t, d, w, v or b"") for f, t, d, w, v in reference.iter_postings()]
    assert list(pool.iter_postings()) == expected
