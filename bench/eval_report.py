"""`make eval`'s records and outputs: per-query rankings, rows per half, the Markdown table, its JSON twin."""

from __future__ import annotations

import math
import statistics
import time
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from bench import metrics
from bench.eval_data import HELD_OUT
from bench.eval_data import TRAINING
from bench.eval_data import Judged
from bench.report import markdown_table
from bench.report import repo_path

SYSTEMS = {"passerelle": "Passerelle", "reference": "reference"}
ALL = "all"


@dataclass
class Scored:
    """One query and each system's ranking of it (unit keys, best first)."""

    query: Judged
    ranks: dict[str, list[str]]

    def metric(self, system: str, name: str) -> float | None:
        return metrics.METRICS[name](self.ranks[system], self.query.relevant)


@dataclass
class Row:
    """One group of queries: each system's MRR@10 and Recall@10, and Passerelle's difference to the reference."""

    set: str
    file: str
    scope: str  # "whole collection", the language filter of cross-language files, or a kind of our queries
    half: str  # training, held-out or all
    queries: int
    mrr: dict[str, float | None]
    recall: dict[str, float | None]
    difference: float | None  # Passerelle's MRR@10 minus the reference's
    standard_error: float | None  # of that difference, paired over the queries


@dataclass
class Run:
    """Everything one evaluation produced."""

    max_queries: int
    data: Path
    data_found: bool
    reference: Path
    rows: list[Row] = field(default_factory=list)
    scored: dict[str, list[Scored]] = field(default_factory=dict)  # by query file, for the JSON twin
    timings: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def rows(set_name: str, file: str, scope: str, scored: list[Scored], halves: bool = True) -> list[Row]:
    """The training half, the held-out half and all queries (only all when ``halves`` is false)."""
    groups = (
        [
            (TRAINING, [s for s in scored if s.query.half == TRAINING]),
            (HELD_OUT, [s for s in scored if s.query.half == HELD_OUT]),
        ]
        if halves
        else []
    )
    groups.append((ALL, scored))
    return [_row(set_name, file, scope, name, group) for name, group in groups if group]


def _row(set_name: str, file: str, scope: str, half: str, group: list[Scored]) -> Row:
    kept = [s for s in group if s.query.relevant]  # a query with nothing relevant has no score
    mrr = {system: metrics.mean(s.metric(system, "mrr") for s in kept) for system in SYSTEMS}
    recall = {system: metrics.mean(s.metric(system, "recall") for s in kept) for system in SYSTEMS}
    differences = [s.metric("passerelle", "mrr") - s.metric("reference", "mrr") for s in kept]
    difference = statistics.fmean(differences) if differences else None
    error = statistics.stdev(differences) / math.sqrt(len(differences)) if len(differences) > 1 else None
    return Row(set_name, file, scope, half, len(kept), mrr, recall, difference, error)


def markdown(run: Run) -> str:
    """The table (one line per file, scope and half), notes and timings."""
    limit = f"at most {run.max_queries}" if run.max_queries else "all"
    data = repo_path(run.data) if run.data_found else f"not found at {repo_path(run.data)}"
    header = [
        "set",
        "queries",
        "scope",
        "half",
        "n",
        "Passerelle MRR@10",
        "reference MRR@10",
        "difference ± SE",
        "Passerelle R@10",
        "reference R@10",
    ]
    body = [
        [
            row.set,
            row.file,
            row.scope,
            row.half,
            str(row.queries),
            _number(row.mrr["passerelle"]),
            _number(row.mrr["reference"]),
            _difference(row),
            _number(row.recall["passerelle"]),
            _number(row.recall["reference"]),
        ]
        for row in run.rows
    ]
    lines = [
        "# Passerelle relevance evaluation",
        "",
        f"{time.strftime('%Y-%m-%d %H:%M:%S %Z')} · binary relevance · queries per file: {limit}, sampled as the "
        f"reference script samples them · halves by a hash of the qid (ranking was tuned on the training half) · "
        f"reference: {repo_path(run.reference)} · shared data: {data}",
        "",
        *markdown_table(header, body),
    ]
    if run.notes:
        lines += ["", "## Notes", "", *(f"- {note}" for note in run.notes)]
    lines += ["", "## Timings", "", *(f"- {name}: {seconds:.1f} s" for name, seconds in run.timings.items())]
    return "\n".join(lines)


def _difference(row: Row) -> str:
    if row.difference is None:
        return "–"
    return (
        f"{row.difference:+.3f} ± {row.standard_error:.3f}"
        if row.standard_error is not None
        else f"{row.difference:+.3f}"
    )


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def as_json(run: Run) -> dict:
    """The JSON twin of the table."""
    return {
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "k": metrics.K,
        "max_queries": run.max_queries,
        "data": repo_path(run.data) if run.data_found else None,
        "reference": repo_path(run.reference),
        "systems": SYSTEMS,
        "rows": [asdict(row) for row in run.rows],
        "notes": run.notes,
        "timings": run.timings,
    }


def per_query(run: Run) -> dict:
    """The rank of the first relevant unit per query and system, by query file: where to start when a row moves."""
    return {label: [_describe(s) for s in scored] for label, scored in run.scored.items()}


def _describe(scored: Scored) -> dict:
    first = {
        system: next((i for i, key in enumerate(ranked, start=1) if key in scored.query.relevant), None)
        for system, ranked in scored.ranks.items()
    }
    return {
        "qid": scored.query.qid,
        "half": scored.query.half,
        "query": scored.query.text,
        "first_relevant_rank": first,
    }
