"""What every benchmark shares: progress on stderr, timed stages, Markdown tables, the result files."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = 13  # the speed benchmark's queries are drawn with random.Random(SEED): its table says so


def repo_path(path: Path | str) -> str:
    """``path`` relative to the repository (``../shared/data/…``), as committed result files name it:
    an absolute path would name the folders of the machine that ran the benchmark."""
    return Path(os.path.relpath(Path(path).resolve(), ROOT)).as_posix()


def markdown_table(header: list[str], body: list[list[str]]) -> list[str]:
    """A Markdown table's lines, padded so that the columns also line up in a terminal."""
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return [_cells(header, widths), rule, *(_cells(cells, widths) for cells in body)]


def _cells(cells: list[str], widths: list[int]) -> str:
    return "| " + " | ".join(cell.ljust(width) for cell, width in zip(cells, widths)) + " |"


def write_results(out: Path, name: str, table: str, data: dict, stamped: bool = True) -> list[Path]:
    """``<name>-latest.md`` and ``.json`` in ``out`` (kept in git), and when ``stamped`` a
    ``runs/<name>-<time>`` pair too (``runs/`` is ignored by git: history lives in git's log)."""
    (out / "runs").mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, ensure_ascii=False, indent=1)
    names = [f"runs/{name}-{time.strftime('%Y%m%d-%H%M%S')}"] if stamped else []
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
