"""tests/eval/queries.jsonl is well-formed and its judgments still point at real passages; make eval runs."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # bench/ is not an installed package; `make eval` runs it from the root
    sys.path.insert(0, str(ROOT))

QUERIES_FILE = ROOT / "tests" / "eval" / "queries.jsonl"
QUERIES = [json.loads(line) for line in QUERIES_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]
KINDS = {"en", "fr", "cross"}


def matching_passages(index, judgment):
    document = index.backend.get_document(judgment["doc"])
    assert document is not None, f"no document {judgment['doc']!r} in the corpus index"
    return [p for p in document.passages if judgment["contains"] in p.text]


def test_there_are_enough_queries_of_each_kind():
    kinds = Counter(query["kind"] for query in QUERIES)
    assert len(QUERIES) >= 80
    assert kinds["cross"] >= 30
    assert kinds["en"] >= 20 and kinds["fr"] >= 20


def test_every_query_has_the_documented_fields():
    for query in QUERIES:
        assert set(query) == {"qid", "kind", "lang", "query", "relevant"}, query["qid"]
        assert query["kind"] in KINDS and query["lang"] in ("en", "fr"), query["qid"]
        assert query["kind"] == "cross" or query["kind"] == query["lang"], query["qid"]
        assert query["query"].strip() and query["relevant"], query["qid"]
        for judgment in query["relevant"]:
            assert set(judgment) == {"doc", "contains"} and judgment["contains"].strip(), query["qid"]


def test_query_ids_and_texts_are_unique():
    assert len({query["qid"] for query in QUERIES}) == len(QUERIES)
    assert len({query["query"].casefold() for query in QUERIES}) == len(QUERIES)


@pytest.mark.parametrize("query", QUERIES, ids=[query["qid"] for query in QUERIES])
def test_each_judgment_names_exactly_one_passage_and_no_passage_twice(query, corpus_index):
    found = []
    for judgment in query["relevant"]:
        passages = matching_passages(corpus_index, judgment)
        assert len(passages) == 1, f"{judgment['contains']!r} is in {len(passages)} passages of {judgment['doc']}"
        found.append((passages[0].doc_id, passages[0].passage_id))
    assert len(set(found)) == len(found), "two judgments name the same passage"


@pytest.mark.parametrize("query", QUERIES, ids=[query["qid"] for query in QUERIES])
def test_the_kind_matches_the_language_of_the_relevant_passages(query, corpus_index):
    langs = {p.lang for judgment in query["relevant"] for p in matching_passages(corpus_index, judgment)}
    if query["kind"] == "cross":
        assert langs - {query["lang"]}, "a cross-language query needs a relevant passage in the other language"
    else:
        assert langs == {query["lang"]}, "a same-language query has relevant passages in its language only"


def test_make_eval_on_our_set_alone_compares_passerelle_with_the_reference(tmp_path, monkeypatch, capsys):
    from bench import eval as make_eval

    for name in ("PASSERELLE_DATA", "PASSERELLE_EVAL_SETS", "PASSERELLE_EVAL_MAX_QUERIES"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "no-data").mkdir()
    status = make_eval.main(["--data", str(tmp_path / "no-data"), "--max-queries", "6", "--out", str(tmp_path / "out")])
    assert status == 0
    assert "shared data not found at" in capsys.readouterr().err
    table = (tmp_path / "out" / "eval-latest.md").read_text(encoding="utf-8")
    header = next(line for line in table.splitlines() if line.startswith("| set"))
    assert all(label in header for label in ("Passerelle MRR@10", "reference MRR@10", "difference ± SE"))
    data = json.loads((tmp_path / "out" / "eval-latest.json").read_text(encoding="utf-8"))
    assert {row["set"] for row in data["rows"]} == {"ours"}
    assert next(row["queries"] for row in data["rows"] if row["scope"] == "all") == 6
    assert all(row["mrr"][system] is not None for row in data["rows"] for system in data["systems"])


def test_make_eval_says_where_the_reference_script_is_missing(tmp_path, monkeypatch):
    from bench import eval_reference

    monkeypatch.setenv("PASSERELLE_REFERENCE", str(tmp_path / "nowhere.py"))
    monkeypatch.delitem(sys.modules, eval_reference.MODULE, raising=False)
    with pytest.raises(eval_reference.ReferenceMissing, match="nowhere.py"):
        eval_reference.load()
