"""The speed benchmark's Markdown tables, with the issue's targets checked."""

from __future__ import annotations

import math

from bench.report import markdown_table

SYSTEMS = {
    "passerelle": "Passerelle",
    "passerelle_grouped": "Passerelle, grouped by document",  # as the pages search (issue 18)
    "passerelle_translated": "Passerelle + translation",  # FreeDict and the learned lexicon (issue 8)
    "naive_whoosh": "naive Whoosh",
    "fts5": "SQLite FTS5",
}
TARGET_SIZE = "100000"  # the search targets are set at 100,000 passages
WHOLE = "all"


def render_markdown(results: dict) -> str:
    """Header, indexing, search (API and HTTP), freshness, targets and the run's own timings."""
    label = f" · {results['label']}" if results["label"] else ""
    mix = ", ".join(f"{kind} {count}" for kind, count in results["query_mix"].items())
    lines = [
        f"# Passerelle speed benchmark{label}",
        "",
        f"{results['created']} · {results['machine']['cpus']} cores (load average {_load(results['machine'])}) · "
        f"Python {results['machine']['python']} · "
        f"`{results['data']}` · {results['queries']} distinct queries per timed run after {results['warmup']} "
        f"warm-up ones, never repeated within a process (random.Random({results['seed']})): {mix} · "
        "top 10 with snippets, cross-language expansion on",
        "",
        "## Indexing",
        "",
        *markdown_table(
            ["passages", "system", "seconds", "passages/s", "index MB", "peak RSS MB"], _indexing_rows(results)
        ),
        "",
        "## Search through the Python API (one client)",
        "",
        *markdown_table(
            ["passages", "system", "p50 ms", "p95 ms", "p99 ms", "queries/s", "Passerelle p50 ÷ this p50", "no hit"],
            _api_rows(results),
        ),
    ]
    http_rows = _http_rows(results)
    if http_rows:
        lines += [
            "",
            "## Search through HTTP (`passerelle serve`, `/api/search`)",
            "",
            *markdown_table(
                [
                    "passages",
                    "workers",
                    "clients",
                    "p50 ms",
                    "p95 ms",
                    "p99 ms",
                    "requests/s",
                    "errors",
                    "largest worker RSS MB",
                    "cores busy (CPU s per worker)",
                ],
                http_rows,
            ),  # fmt: skip
        ]
    fresh = _freshness(results)
    if fresh:
        lines += ["", fresh]
    lines += ["", "## Targets (issue 6)", "", *markdown_table(["target", "measured", "met"], _target_rows(results))]
    if results["notes"]:
        lines += ["", "## Notes", "", *(f"- {note}" for note in results["notes"])]
    lines += ["", "## Where the benchmark's time went", "",
              *(f"- {name}: {seconds:.1f} s" for name, seconds in results["timings"].items())]  # fmt: skip
    return "\n".join(lines)


def _cores(measured: dict) -> str:
    """How many cores the workers kept busy, and each worker's share, when the run recorded it."""
    if measured.get("server_cores") is None:
        return "–"
    shares = " / ".join(_n(seconds, 1) for seconds in measured["worker_cpu_s"])
    return f"{_n(measured['server_cores'], 2)} ({shares})"


def _load(machine: dict) -> str:
    """The 1-minute load average at start and end: other work on the machine slows every number."""
    start, end = machine.get("load_average_at_start"), machine.get("load_average_at_end")
    return "–" if start is None else f"{start} at start, {end} at end"


def _indexing_rows(results: dict) -> list[list[str]]:
    rows = []
    for entry in results["sizes"].values():
        for system, m in entry["indexing"].items():
            seconds = _n(m["seconds"], 1) + (f" (kept, {m['built']})" if m.get("reused") else "")
            peak = _n(m.get("peak_rss_mb"), 0) if "peak_rss_mb" in m else "–"
            rows.append([f"{entry['passages']:,}", SYSTEMS[system], seconds, _n(m["passages_per_s"], 0),
                         _n(m["index_mb"], 0), peak])  # fmt: skip
    return rows


def _api_rows(results: dict) -> list[list[str]]:
    rows = []
    for entry in results["sizes"].values():
        ours = entry["search_api"]["passerelle"]
        for system, m in entry["search_api"].items():
            ratio = "–" if system == "passerelle" else f"{ours['p50_ms'] / m['p50_ms']:.2f}×"
            rows.append([f"{entry['passages']:,}", SYSTEMS[system], _n(m["p50_ms"], 2), _n(m["p95_ms"], 2),
                         _n(m["p99_ms"], 2), _n(m["per_second"], 0), ratio, str(m["no_hit"])])  # fmt: skip
    return rows


def _http_rows(results: dict) -> list[list[str]]:
    rows = []
    for entry in results["sizes"].values():
        measured = entry.get("http")
        if not measured:
            continue
        for key in ("1_clients", "8_clients"):
            m = measured[key]
            rows.append([f"{entry['passages']:,}", str(measured["workers"]), str(m["clients"]), _n(m["p50_ms"], 1),
                         _n(m["p95_ms"], 1), _n(m["p99_ms"], 1), _n(m["per_second"], 0), str(m["errors"]),
                         _n(measured["memory"]["worker_rss_mb_max"], 0), _cores(m)])  # fmt: skip
    return rows


def _freshness(results: dict) -> str:
    for entry in results["sizes"].values():
        fresh = entry.get("http", {}).get("freshness")
        if fresh:
            after = fresh.get("visible_after_commit_s")
            if after is None:
                return f"**New document:** not measured: {fresh.get('note')}."
            return (f"**New document** (at {entry['passages']:,} passages, server running): `passerelle index` "
                    f"took {fresh['index_command_s']} s; `/api/search` found the document {after:.3f} s after the "
                    f"end of its commit (the manifest written right after it), {fresh['visible_after_start_s']:.2f} s "
                    f"after the command started.")  # fmt: skip
    return ""


def _target_rows(results: dict) -> list[list[str]]:
    sizes = results["sizes"]
    rows = []

    def check(name: str, value, limit, at_most: bool, unit: str) -> None:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return
        met = value <= limit if at_most else value >= limit
        rows.append([name, f"{value:,.2f} {unit}".strip(), "yes" if met else "**no**"])

    at = sizes.get(TARGET_SIZE)
    if at:
        api = at["search_api"]
        check("100k: Python API p50 ≤ 5 ms", api["passerelle"]["p50_ms"], 5, True, "ms")
        check("100k: Python API p99 ≤ 25 ms", api["passerelle"]["p99_ms"], 25, True, "ms")
        if "naive_whoosh" in api:
            ratio = api["passerelle"]["p50_ms"] / api["naive_whoosh"]["p50_ms"]
            check("100k: ≤ 0.1 × naive Whoosh (p50)", ratio, 0.1, True, "×")
        if "passerelle_translated" in api:
            added = api["passerelle_translated"]["p50_ms"] - api["passerelle"]["p50_ms"]
            check("100k: translation adds ≤ 5 ms to the p50 (issue 8)", added, 5, True, "ms")
        many = at.get("http", {}).get("8_clients")
        if many:
            check("100k: HTTP, 8 clients ≥ 300 requests/s", many["per_second"], 300, False, "/s")
            check("100k: HTTP, 8 clients p99 ≤ 50 ms", many["p99_ms"], 50, True, "ms")
    whole = sizes.get(WHOLE)
    if whole:
        indexing = whole["indexing"]["passerelle"]
        check("all: indexing ≥ 2,000 passages/s", indexing["passages_per_s"], 2000, False, "/s")
        check("all: indexing peak memory ≤ 1.5 GB", indexing["peak_rss_mb"], 1536, True, "MB")
        served = whole.get("http")
        if served:
            fresh = served.get("freshness", {})
            check(
                "all: new document searchable ≤ 1 s after the commit", fresh.get("visible_after_commit_s"), 1, True, "s"
            )
            check("all: serving ≤ 400 MB resident per worker", served["memory"]["worker_rss_mb_max"], 400, True, "MB")
    return rows or [["(measured at 100,000 and all passages only)", "–", "–"]]


def _n(value, digits: int) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:,.{digits}f}"
