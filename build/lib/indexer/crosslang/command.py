"""`passerelle lexicon …`: build the translation lexicons of cross-language search.

Thin adapters over ``indexer.crosslang.learn.learn_lexicon`` and ``indexer.crosslang.freedict``: parse
options, show progress, write the file, print one summary line.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from indexer.cli_errors import PasserelleGroup
from indexer.crosslang.lexicon import FREEDICT_FILE
from indexer.crosslang.lexicon import LEARNED_FILE
from indexer.crosslang.lexicon import Lexicon
from indexer.settings import load_settings


@click.group(cls=PasserelleGroup)  # errors as one line, also when the group runs on its own
def lexicon():
    """Build the English-French translation lexicons used to search across languages."""


@lexicon.command()
@click.argument("pairs", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--passages",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Passages file with the paired texts [default: passages.jsonl beside PAIRS].",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"Lexicon file to write [default: <corpus>/{LEARNED_FILE}].",
)
@click.option("--iterations", type=click.IntRange(min=1), default=5, show_default=True, help="EM iterations each way.")
@click.option("--min-count", type=click.IntRange(min=1), default=3, show_default=True, help="Ignore rarer terms.")
@click.option(
    "--floor",
    type=click.FloatRange(0, 1),
    default=0.05,
    show_default=True,
    help="Keep translations at least this probable.",
)
@click.option(
    "--instruments-from",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Only learn from pairs of these instruments (ids separated by spaces or new lines; # starts a comment).",
)
def learn(pairs, passages, out, iterations, min_count, floor, instruments_from):
    """Learn translation probabilities of index terms from aligned passages (PAIRS.jsonl).

    PAIRS.jsonl has one {"en": passage id, "fr": passage id, "instrument": …} per line; the
    texts come from the passages file. IBM Model 1 is trained both ways on the analysed terms,
    and each pair of terms scores the mean of its two probabilities.
    """
    from indexer.crosslang.learn import learn_lexicon

    passages = passages or pairs.parent / "passages.jsonl"
    if not passages.is_file():
        raise click.BadParameter(f"{passages} does not exist (pass --passages)", param_hint="--passages")
    out = out or Path(load_settings()["corpus"]) / LEARNED_FILE
    instruments = _read_instruments(instruments_from) if instruments_from else None
    started = time.perf_counter()
    with _ProgressBar("Learning") as bar:
        learned = learn_lexicon(pairs, passages, iterations, min_count, floor, bar.update, instruments)
    learned.save(out)
    meta = learned.meta
    click.echo(
        f"{_count(int(meta['pairs']), 'pair')}; vocabulary {int(meta['vocabulary_en']):,} en, "
        f"{int(meta['vocabulary_fr']):,} fr; kept {_entries(learned)} "
        f"in {time.perf_counter() - started:.1f} s -> {out}"
    )


@lexicon.command()
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"Lexicon file to write [default: <corpus>/{FREEDICT_FILE}].",
)
@click.option(
    "--dictionaries",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of the dictd files [default: /usr/share/dictd].",
)
def freedict(out, dictionaries):
    """Build the dictionary lexicon from the installed FreeDict dictionaries (Debian packages).

    Reads freedict-eng-fra and freedict-fra-eng (.index and .dict.dz), from the packages
    dict-freedict-eng-fra and dict-freedict-fra-eng (.ci/install-freedict installs them).
    """
    from indexer.crosslang.freedict import DICTD_DIR
    from indexer.crosslang.freedict import DictionaryNotFound
    from indexer.crosslang.freedict import build_freedict_lexicon
    from indexer.crosslang.freedict import default_freedict_paths

    out = out or Path(load_settings()["corpus"]) / FREEDICT_FILE
    started = time.perf_counter()
    built = build_freedict_lexicon(default_freedict_paths(dictionaries) or {})
    if built is None:
        raise DictionaryNotFound(str((dictionaries or DICTD_DIR) / "freedict-eng-fra.index"))
    built.save(out)
    seconds = time.perf_counter() - started
    click.echo(f"{built.meta['dictionaries']}: kept {_entries(built)} in {seconds:.1f} s -> {out}")


def _read_instruments(path: Path) -> set[str]:
    """Instrument ids of a list file: whitespace-separated, ``#`` to the end of a line is a comment."""
    ids = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        ids.update(line.split("#", 1)[0].split())
    return ids


def _entries(built: Lexicon) -> str:
    en, fr = len(built.entries("en")), len(built.entries("fr"))
    return f"{_count(en + fr, 'term')} with translations ({en:,} en, {fr:,} fr)"


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


class _ProgressBar:
    """A click progress bar whose length is learnt from the first ``update(done, total)``; terminal only."""

    def __init__(self, label: str):
        self.label = label
        self._bar = None

    def __enter__(self):
        return self

    def update(self, done: int, total: int) -> None:
        if not sys.stderr.isatty():
            return
        if self._bar is None:
            self._bar = click.progressbar(length=total, label=self.label, file=sys.stderr)
            self._bar.__enter__()
        self._bar.length = total  # pairs without both texts shorten the work
        self._bar.update(done - self._bar.pos)

    def __exit__(self, *exc_info):
        if self._bar is not None:
            self._bar.__exit__(*exc_info)
