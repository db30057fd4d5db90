"""The command line through its public door: option parsing, output, exit status."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from readers_helpers import make_files

from indexer.cli import EXIT_SKIPPED
from indexer.cli import main

ROOT = Path(__file__).resolve().parent.parent


def index(runner, corpus, root, *extra):
    return runner.invoke(main, ["index", "--corpus", str(corpus), "--index", str(root), *extra])


def test_index_prints_a_summary_line(runner, tmp_corpus, tmp_path):
    result = index(runner, tmp_corpus, tmp_path / "index")
    assert result.exit_code == 0, result.output
    assert "2 added" in result.output and "passages" in result.output


def test_index_exit_status_says_files_were_skipped(runner, tmp_corpus, tmp_path):
    (tmp_corpus / "empty.txt").write_text("")
    result = index(runner, tmp_corpus, tmp_path / "index")
    assert result.exit_code == EXIT_SKIPPED
    assert "skipped empty.txt: empty file" in result.output


def test_index_of_a_missing_corpus_is_a_clear_error(runner, tmp_path):
    result = index(runner, tmp_path / "nope", tmp_path / "index")
    assert result.exit_code == 1
    assert "corpus folder not found" in result.output and "nope" in result.output


def test_search_before_indexing_says_what_to_do(runner, tmp_path):
    result = runner.invoke(main, ["search", "--index", str(tmp_path / "none"), "crime"])
    assert result.exit_code == 1
    assert "passerelle index" in result.output


def test_search_json_prints_the_result_object(runner, tmp_corpus, tmp_path):
    index(runner, tmp_corpus, tmp_path / "index")
    result = runner.invoke(main, ["search", "--index", str(tmp_path / "index"), "--json", "--lang", "fr", "douanes"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["query"] == "douanes" and data["total"] >= 1
    assert all(hit["lang"] == "fr" for hit in data["results"])
    assert "<mark>" in data["results"][0]["snippet"]


def test_search_prints_ranked_passages_with_their_links(runner, tmp_corpus, tmp_path):
    index(runner, tmp_corpus, tmp_path / "index")
    result = runner.invoke(main, ["search", "--index", str(tmp_path / "index"), "SEACOP"])
    assert result.exit_code == 0, result.output
    assert "1. [en]" in result.output and "**SEACOP**" in result.output
    assert "/doc/expertise-france-global-threats-organised-crime#seacop-v" in result.output


def test_search_grouped_prints_each_document_once_with_its_passages(runner, tmp_corpus, tmp_path):
    index(runner, tmp_corpus, tmp_path / "index")
    args = ["search", "--index", str(tmp_path / "index"), "coopération"]
    grouped = runner.invoke(main, [*args, "--group", "document"])
    assert grouped.exit_code == 0, grouped.output
    data = json.loads(runner.invoke(main, [*args, "--group", "document", "--json"]).output)
    assert f"{data['total']} passages in {data['documents']} documents" in grouped.output
    for rank, group in enumerate(data["results"], start=1):
        assert grouped.output.count(f"\n{rank}. {group['doc_title']}  ({group['matched']} matching passages)") == 1
        assert all(hit["url"] in grouped.output for hit in group["hits"])
    refused = runner.invoke(main, [*args, "--group", "section"])
    assert refused.exit_code != 0 and "--group" in refused.output


def test_search_filters_and_paging_options(runner, tmp_corpus, tmp_path):
    index(runner, tmp_corpus, tmp_path / "index")
    args = [
        "search",
        "--index",
        str(tmp_path / "index"),
        "--json",
        "--project",
        "wecaps",
        "--per-page",
        "2",
        "--page",
        "2",
    ]
    data = json.loads(runner.invoke(main, [*args, "security"]).output)
    assert data["page"] == 2 and len(data["results"]) <= 2
    assert all("wecaps" in hit["projects"] for hit in data["results"])


def test_a_bad_parameter_is_named(runner, tmp_corpus, tmp_path):
    index(runner, tmp_corpus, tmp_path / "index")
    result = runner.invoke(main, ["search", "--index", str(tmp_path / "index"), "--per-page", "0", "crime"])
    assert result.exit_code == 1
    assert "per_page" in result.output


def test_settings_come_from_the_environment(runner, tmp_corpus, tmp_path, monkeypatch):
    monkeypatch.setenv("PASSERELLE_CORPUS", str(tmp_corpus))
    monkeypatch.setenv("PASSERELLE_INDEX", str(tmp_path / "env-index"))
    assert runner.invoke(main, ["index"]).exit_code == 0
    assert (tmp_path / "env-index" / "current").exists()


def test_search_no_expand_searches_only_the_typed_words(runner, tmp_corpus, tmp_path):
    index(runner, tmp_corpus, tmp_path / "index")
    base = ["search", "--index", str(tmp_path / "index"), "--json", "renforcement des capacités"]
    expanded = json.loads(runner.invoke(main, base).output)
    plain = json.loads(runner.invoke(main, [*base, "--no-expand"]).output)
    assert expanded["expanded"] and not plain["expanded"]
    assert plain["total"] < expanded["total"]


def test_search_names_a_title_once_and_never_prints_a_bare_language(runner, tmp_corpus, tmp_path):
    (tmp_corpus / "untitled.md").write_text("Walrus ivory was seized at the harbour.\n", encoding="utf-8")
    index(runner, tmp_corpus, tmp_path / "index")
    title = "Global threats and organised crime"  # its first section has the same title
    for query in ("terrorisme", "walrus ivory"):
        args = ["search", "--index", str(tmp_path / "index"), query]
        for output in (runner.invoke(main, args).output, runner.invoke(main, [*args, "--group", "document"]).output):
            lines = output.splitlines()
            assert f"{title} › {title}" not in output and f"   [en] {title}\n" not in output
            assert not [line for line in lines if line.strip() in ("[en]", "[fr]")], output


def test_an_unknown_filter_value_is_an_error_naming_it(runner, tmp_corpus, tmp_path):
    index(runner, tmp_corpus, tmp_path / "index")
    result = runner.invoke(main, ["search", "--index", str(tmp_path / "index"), "--topic", "bogus", "police"])
    assert result.exit_code == 1
    assert "topic='bogus': no such topic (known: " in result.output and "corruption" in result.output


def test_search_with_nothing_to_search_says_what_to_type_and_newest_browses(runner, tmp_corpus, tmp_path):
    index(runner, tmp_corpus, tmp_path / "index")
    refused = runner.invoke(main, ["search", "--index", str(tmp_path / "index"), "AND"])
    assert refused.exit_code == 1 and "type words" in refused.output
    browsed = runner.invoke(main, ["search", "--index", str(tmp_path / "index"), "--sort", "newest", "--json"])
    assert browsed.exit_code == 0 and json.loads(browsed.output)["total"] > 0


def test_index_says_what_pypdf_noticed_in_its_own_lines_never_raw(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    pdf = make_files.make_pdf(["Port security review", "The customs service inspected the containers."] * 3)
    (corpus / "truncated.pdf").write_bytes(pdf[:300])
    (corpus / "damaged.pdf").write_bytes(re.sub(rb"startxref\s+\d+", b"startxref\n12", pdf))  # read all the same
    # A process of its own: pypdf's messages went to the terminal through logging's last resort.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run(
        [sys.executable, "-m", "indexer", "index", "--corpus", str(corpus), "--index", str(tmp_path / "index")],
        capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == EXIT_SKIPPED, result.stderr
    lines = result.stderr.splitlines()
    assert lines and all(line.startswith(("skipped ", "warning: ")) for line in lines), lines
    assert "skipped truncated.pdf: corrupt PDF" in lines[0]
    assert any(line.startswith("warning: damaged.pdf: incorrect startxref") for line in lines), lines
