"""The evaluation's records and its outputs: the Markdown table, its JSON twin, the result files."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from dataclasses import field
import sys
from pathlib import Path

from bench import metrics

SEED = 13  # queries are sampled with random.Random(SEED): the table says so

@dataclass
class Row:
    """Mean scores of one group of queries, per system and metric (None when nothing was scored)."""

    set: str
    file: str
    kind: str
    queries: int
    total: int  # queries in the file before sampling
    scores: dict[str, dict[str, float | None]]


@dataclass
class Run:
    """Everything one evaluation produced, for the Markdown table and its JSON twin."""

    max_queries: int
    data: Path
    data_found: bool
    rows: list[Row] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    our_queries: list[dict] = field(default_factory=list)
    systems: dict[str, str] | None = None  # name -> column label of the systems run; None: all


def render_markdown(run: Run, systems: dict[str, str]) -> str:
    """The result table, the headline comparisons, notes and timings, as Markdown."""
    limit = f"at most {run.max_queries}" if run.max_queries else "all"
    data = str(run.data) if run.data_found else f"not found at {run.data}"
    lines = [
        "# Passerelle relevance evaluation",
        "",
        f"{time.strftime('%Y-%m-%d %H:%M:%S %Z')} · binary relevance · queries per file: {limit} "
        f"(sampled with random.Random({SEED}); PASSERELLE_EVAL_MAX_QUERIES, 0 = all) · "
        "queries with no relevant unit are left out of the averages · shared data: " + data,
        "",
        *_table(run.rows, systems),
        "",
        "## Headline",
        "",
        *_headline(run.rows, systems),
    ]
    if run.notes:
        lines += ["", "## Notes", "", *(f"- {note}" for note in run.notes)]
    lines += ["", "## Timings", "", *(f"- {name}: {seconds:.1f} s" for name, seconds in run.timings.items())]
    return "\n".join(lines)


def _table(rows: list[Row], systems: dict[str, str]) -> list[str]:
    header = ["set", "queries file", "kind", "queries"]
    for label in systems.values():
        header += [f"{label} {metrics.LABELS['ndcg']}", metrics.LABELS["mrr"], metrics.LABELS["recall"]]
    body = []
    for row in rows:
        count = str(row.queries) if row.queries == row.total else f"{row.queries} of {row.total}"
        cells = [row.set, row.file, row.kind, count]
        cells += [_number(row.scores[system][m]) for system in systems for m in ("ndcg", "mrr", "recall")]
        body.append(cells)
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return [_cells(header, widths), rule, *(_cells(cells, widths) for cells in body)]


def _cells(cells: list[str], widths: list[int]) -> str:
    """One Markdown table line, padded so that the columns also line up in a terminal."""
    return "| " + " | ".join(cell.ljust(width) for cell, width in zip(cells, widths)) + " |"


def _headline(rows: list[Row], systems: dict[str, str]) -> list[str]:
    first, *_, last = systems
    lines = [f"MRR@10, {systems[first]} vs {systems[last]}:", ""]
    for name in dict.fromkeys(row.set for row in rows):
        mine = [row for row in rows if row.set == name]
        row = next((r for r in mine if r.kind == "all"), mine[0])
        ours, theirs = row.scores[first]["mrr"], row.scores[last]["mrr"]
        delta = f" ({ours - theirs:+.3f})" if ours is not None and theirs is not None else ""
        lines.append(f"- {name} ({row.queries} queries): {_number(ours)} vs {_number(theirs)}{delta}")
    lines += ["", "Cross-language rows, MRR@10 (" + " / ".join(systems.values()) + "):", ""]
    for row in (r for r in rows if r.kind == "cross"):
        values = " / ".join(_number(row.scores[system]["mrr"]) for system in systems)
        lines.append(f"- {row.set} · {row.file} ({row.queries} queries): {values}")
    return lines


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def render_json(run: Run, systems: dict[str, str]) -> dict:
    """The JSON twin of the table, with our set's per-query ranks for error analysis."""
    return {
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "k": metrics.K,
        "max_queries": run.max_queries,
        "seed": SEED,
        "data": str(run.data) if run.data_found else None,
        "systems": systems,
        "metrics": metrics.LABELS,
        "rows": [row.__dict__ for row in run.rows],
        "notes": run.notes,
        "timings": run.timings,
        "our_queries": run.our_queries,
    }


def write_results(out: Path, name: str, table: str, data: dict, stamped: bool = True) -> list[Path]:
    """``<name>-latest.md`` and ``.json`` in ``out``, and when ``stamped`` a ``<name>-<time>`` pair too."""
    out.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, ensure_ascii=False, indent=1)
    names = [f"{name}-{time.strftime('%Y%m%d-%H%M%S')}"] if stamped else []
    paths = []
    for stem in (*names, f"{name}-latest"):
        for suffix, content in ((".md", table), (".json", text)):
            path = out / f"{stem}{suffix}"
            path.write_text(content + "\n", encoding="utf-8")
            paths.append(path)
    log(f"wrote {', '.join(str(p) for p in paths)}")
    return paths


class stage:
    """Context manager: a banner on stderr, then the elapsed time, also kept in ``timings[name]``."""

    def __init__(self, timings: dict, name: str):
        self.timings, self.name = timings, name

    def __enter__(self):
        log(f"{self.name}…")
        self.began = time.perf_counter()

    def __exit__(self, *exc):
        seconds = time.perf_counter() - self.began
        self.timings[self.name] = round(seconds, 1)
        log(f"{self.name}: {seconds:.1f} s")


def log(message: str) -> None:
    """Progress goes to stderr, so stdout holds only the table."""
    print(message, file=sys.stderr, flush=True)
