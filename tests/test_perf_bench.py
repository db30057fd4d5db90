"""The speed benchmark's own parts: its query mix, its baselines, its percentiles, its missing-data path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import perf
from bench.perf_baselines import BASELINES
from bench.perf_queries import MIX
from bench.perf_queries import BenchQuery
from bench.perf_queries import draw_queries
from bench.perf_queries import split_pool
from bench.perf_stats import percentile

STOPWORDS = frozenset({"the", "of", "and", "les", "des", "pour"})
PASSAGES = [
    ("en", "The Minister of Customs may seize contraband goods at the border crossing."),
    ("en", "Every financial institution shall report suspicious transactions to the Centre."),
    ("fr", "Le ministre des Douanes peut saisir les marchandises de contrebande à la frontière."),
    ("fr", "Toute institution financière déclare les opérations douteuses au Centre d'analyse."),
    ("en", "Maritime security inspectors board vessels entering Canadian waters."),
    ("fr", "Les inspecteurs de la sûreté maritime montent à bord des navires étrangers."),
] * 3


def test_the_query_mix_is_the_same_on_every_run_and_has_no_repeat():
    first = draw_queries(PASSAGES, 40, seed=13, stopwords=STOPWORDS)
    again = draw_queries(PASSAGES, 40, seed=13, stopwords=STOPWORDS)
    assert first == again
    keys = [(q.text().lower(), q.lang_param) for q in first]
    assert len(set(keys)) == len(keys) == 40
    assert {q.kind for q in first} == set(MIX)
    assert not {w for q in first for w in q.words} & STOPWORDS


def test_warm_up_and_timed_runs_share_no_query():
    pool = draw_queries(PASSAGES, 40, seed=13, stopwords=STOPWORDS)
    warmup, runs = split_pool(pool, warmup=10, timed=10, runs=3)
    lists = [warmup, *runs]
    assert [len(part) for part in lists] == [10, 10, 10, 10]
    assert len({q for part in lists for q in part}) == 40


def test_too_few_passages_for_the_queries_asked_is_an_error_naming_the_count():
    with pytest.raises(ValueError, match="could not draw 500 distinct queries"):
        draw_queries(PASSAGES[:2], 500, seed=13, stopwords=STOPWORDS)


@pytest.mark.parametrize(
    ("query", "text", "fts5"),
    [
        (BenchQuery("two words", ("customs", "border")), "customs border", '"customs" "border"'),
        (BenchQuery("phrase", ("maritime", "security"), phrase=True), '"maritime security"', '"maritime security"'),
        (BenchQuery("lang: filter", ("douanes",), typed_lang="fr"), "douanes lang:fr", '"douanes"'),
    ],
)
def test_each_system_gets_the_same_query_in_its_own_syntax(query, text, fts5):
    assert query.text() == text
    assert query.fts5_match() == fts5


def test_both_baselines_find_every_query_drawn_from_their_passages(tmp_path):
    records = [(f"p{i}", lang, text) for i, (lang, text) in enumerate(PASSAGES[:6])]
    queries = draw_queries(PASSAGES[:6], 20, seed=13, stopwords=STOPWORDS)
    for name, baseline in BASELINES.items():
        path = tmp_path / name
        assert baseline.build(path, records) == 6
        opened = baseline(path)
        try:
            missed = [q.text() for q in queries if opened.search(q) == 0]
        finally:
            opened.close()
        assert missed == [], name


def test_percentiles_are_by_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert (percentile(values, 50), percentile(values, 99), percentile(values, 100)) == (50.0, 99.0, 100.0)
    assert percentile([7.0], 99) == 7.0


def test_without_shared_data_it_says_where_it_looked_and_exits_0(tmp_path, capsys):
    assert perf.main(["--data", str(tmp_path / "missing"), "--out", str(tmp_path / "results")]) == 0
    err = capsys.readouterr().err
    assert f"shared data not found at {tmp_path / 'missing'}" in err and "PASSERELLE_DATA" in err
    assert not (tmp_path / "results").exists()


def test_a_bad_size_is_refused_naming_it(capsys):
    with pytest.raises(SystemExit):
        perf.parse_args(["--sizes", "10k"])
    assert "10k" in capsys.readouterr().err


def test_results_render_with_targets_checked():
    results = json.loads(json.dumps(_tiny_results()))
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in perf.render_markdown(results).splitlines()
            if line.startswith("|")]  # fmt: skip
    assert ["100,000", "Passerelle", "10.0", "10,000", "100", "500"] in rows
    assert ["100k: Python API p50 ≤ 5 ms", "4.00 ms", "yes"] in rows
    assert ["100k: ≤ 0.1 × naive Whoosh (p50)", "0.20 ×", "**no**"] in rows


def test_the_http_table_says_how_busy_each_worker_was():
    results = _tiny_results()
    one = {"clients": 1, "p50_ms": 5.0, "p95_ms": 9.0, "p99_ms": 12.0, "per_second": 150.0, "errors": 0}  # an older run
    many = one | {"clients": 8, "per_second": 160.0, "worker_cpu_s": [6.31, 1.0], "server_cores": 1.45}
    memory = {"worker_rss_mb_max": 120.0}
    results["sizes"]["100000"]["http"] = {"1_clients": one, "8_clients": many, "memory": memory, "workers": 2}
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in perf.render_markdown(results).splitlines()
            if line.startswith("| 100,000") and len(line.split("|")) > 10]  # fmt: skip
    assert [row[-1] for row in rows] == ["–", "1.45 (6.3 / 1.0)"]


def _tiny_results() -> dict:
    def latency(p50):
        return {"count": 10, "p50_ms": p50, "p95_ms": p50 * 2, "p99_ms": p50 * 3, "mean_ms": p50, "max_ms": p50 * 3,
                "per_second": 1000 / p50, "no_hit": 0}  # fmt: skip

    built = {"seconds": 10.0, "passages": 100000, "passages_per_s": 10000.0, "index_mb": 100.0, "reused": False}
    return {
        "created": "2026-11-23T13:00:00+0000", "label": "", "data": "passages.jsonl", "seed": 13, "queries": 10,
        "warmup": 5, "machine": {"cpus": 2, "python": "3.11"}, "query_mix": {"word": 10}, "notes": [], "timings": {},
        "sizes": {"100000": {"passages": 100000,
                             "indexing": {"passerelle": built | {"peak_rss_mb": 500.0}, "fts5": built},
                             "search_api": {"passerelle": latency(4.0), "naive_whoosh": latency(20.0)}}},
    }  # fmt: skip


def test_the_fuzz_run_counts_a_documented_refusal_as_a_sound_answer(tmp_path):
    from bench import fuzz
    from indexer import SearchQuery
    from indexer import index_corpus

    index_corpus(Path(__file__).resolve().parent.parent / "corpus", tmp_path / "index")
    queries = [SearchQuery("AND"), SearchQuery("port", topic=("bogus",)), SearchQuery("port")]
    times, errors = fuzz._run_share(tmp_path / "index", queries, 0)
    assert len(times) == 3 and errors == []


def test_the_load_run_tallies_the_refusal_of_nothing_to_search_apart_from_errors():
    from bench import load

    assert load.classify(400, "AND") == load.classify(400, "*") == load.REFUSED
    assert load.classify(400, "port") == 400 and load.classify(200, "AND") == 200
