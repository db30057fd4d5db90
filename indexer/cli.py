"""The `passerelle` command line: index and search. Thin adapters over the library."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from indexer.check import check_index
from indexer.cli_errors import PasserelleGroup
from indexer.crosslang.command import lexicon
from indexer.errors import IndexWriteFailed
from indexer.ingest.pipeline import index_corpus
from indexer.models import SearchQuery
from indexer.search import GROUPS
from indexer.search import SORTS
from indexer.search import search as run_search
from indexer.settings import load_settings
from indexer.snippets import ELLIPSIS
from indexer.snippets import excerpt
from indexer.store import open_index

EXIT_SKIPPED = 3  # indexing finished, but some files were skipped
EXIT_DAMAGED = 2  # `passerelle check` found damage (1 is any other error)
EXIT_WRITE_FAILED = 4  # indexing could not write the index (a full disk, say): the live index is as before


@click.group(cls=PasserelleGroup)
@click.version_option(package_name="passerelle")
def main():
    """Passerelle: bilingual (English/French) passage search."""


@main.command()
@click.option("--corpus", type=click.Path(path_type=Path), help="Corpus folder [default: corpus].")
@click.option("--index", "index_dir", type=click.Path(path_type=Path), help="Index folder [default: var/index].")
@click.option("--rebuild", is_flag=True, help="Build a new index beside the live one, then swap it in.")
@click.option("-v", "--verbose", is_flag=True, help="List every warning, not just their number.")
def index(corpus, index_dir, rebuild, verbose):
    """Index the corpus folder (incremental: only added, changed and removed files are applied).

    Exit status: 0 when every file was indexed, 3 when some were skipped (each is listed
    with its reason), 4 when the index could not be written (a full disk, say), 1 on another error.
    """
    settings = load_settings({"corpus": corpus, "index": index_dir})
    progress = _Progress()
    try:
        report = index_corpus(
            Path(settings["corpus"]),
            Path(settings["index"]),
            rebuild=rebuild,
            on_plan=progress.start,
            on_file=progress.advance,
        )
    except IndexWriteFailed as error:
        progress.finish()
        click.echo(f"passerelle: {error}", err=True)
        sys.exit(EXIT_WRITE_FAILED)
    progress.finish()
    _print_report(report, verbose)
    if report.skipped:
        sys.exit(EXIT_SKIPPED)


@main.command()
@click.option("--index", "index_dir", type=click.Path(path_type=Path), help="Index folder [default: var/index].")
@click.option("--deep", is_flag=True, help="Also decode every posting list, stored record and column (slower).")
@click.option("--repair", is_flag=True, help="When damaged, rebuild the index from the corpus.")
@click.option("--corpus", type=click.Path(path_type=Path), help="Corpus folder --repair reads [default: corpus].")
def check(index_dir, deep, repair, corpus):
    """Verify every file of the index against the checksums written with it.

    Each damaged file is listed (missing, size, checksum, undecodable). Exit status: 0 when the
    index is sound (or was repaired), 2 when it is damaged, 1 on another error.
    """
    settings = load_settings({"corpus": corpus, "index": index_dir})
    found = check_index(Path(settings["index"]), deep)
    for problem in found.problems:
        click.secho(f"damaged: {problem}", fg="red", err=True)
    if found.note:
        click.secho(f"note: {found.note}", fg="yellow", err=True)
    click.echo(found.summary())
    if not found.problems:
        return
    if not repair:
        click.echo("repair: `passerelle check --repair` (or `passerelle index --rebuild`) rebuilds it from the corpus")
        sys.exit(EXIT_DAMAGED)
    report = index_corpus(Path(settings["corpus"]), Path(settings["index"]), rebuild=True)
    _print_report(report, verbose=False)
    repaired = check_index(Path(settings["index"]), deep)
    click.echo(f"repaired: {repaired.summary()}")
    if repaired.problems:
        sys.exit(EXIT_DAMAGED)


@main.command()
@click.option("--corpus", type=click.Path(path_type=Path), help="Corpus folder [default: corpus].")
@click.option("--index", "index_dir", type=click.Path(path_type=Path), help="Index folder [default: var/index].")
@click.option("-v", "--verbose", is_flag=True, help="List every warning, not just their number.")
def watch(corpus, index_dir, verbose):
    """Index the corpus, then keep indexing files as they are added, changed, moved or deleted.

    A burst of changes is applied in one run once the folder has been quiet for a second and
    every changed file has stopped growing. Stop with Ctrl-C.
    """
    from indexer.ingest.watch import CorpusWatcher

    settings = load_settings({"corpus": corpus, "index": index_dir})
    watcher = CorpusWatcher(Path(settings["corpus"]), Path(settings["index"]), _report_printer(verbose))
    click.echo(f"Watching {settings['corpus']} (Ctrl-C to stop)")
    try:
        watcher.run_forever()
    except KeyboardInterrupt:
        watcher.stop()


@main.command()
@click.option("--index", "index_dir", type=click.Path(path_type=Path), help="Index folder [default: var/index].")
@click.option(
    "--to",
    "destinations",
    multiple=True,
    required=True,
    type=click.Path(path_type=Path),
    help="A replica's index folder (repeat for each replica).",
)
def publish(index_dir, destinations):
    """Copy the live index to replicas' folders; each switches to it whole, or keeps what it had.

    Run it after `passerelle index` on the indexer's machine; `passerelle serve --replica
    --index DEST` serves each copy and follows every publish without a restart.
    """
    from indexer.publish import publish as publish_to

    source = Path(load_settings({"index": index_dir})["index"])
    for dest in destinations:
        done = publish_to(source, dest)
        click.echo(f"published commit {done.generation} to {done.dest} in {done.seconds:.1f} s")


def _report_printer(verbose: bool):
    return lambda report: _print_report(report, verbose, stamp=time.strftime("%H:%M:%S "))


def _print_report(report, verbose: bool, stamp: str = "") -> None:
    """Skipped files with their reasons, warnings, then the summary line."""
    for rel, reason in report.skipped:
        click.secho(f"skipped {rel}: {reason}", fg="yellow", err=True)
    _print_warnings(report.warnings, verbose)
    click.echo(f"{stamp}{report.summary()}")


@main.command()
@click.argument("query", nargs=-1)
@click.option("--index", "index_dir", type=click.Path(path_type=Path), help="Index folder [default: var/index].")
@click.option("--lang", multiple=True, type=click.Choice(["en", "fr"]), help="Only passages in this language.")
@click.option("--project", multiple=True, help="Only passages tagged with this project id.")
@click.option("--partner", multiple=True, help="Only passages tagged with this partner id.")
@click.option("--topic", multiple=True, help="Only passages tagged with this topic id.")
@click.option("--year", multiple=True, help="Only documents dated in this year (YYYY).")
@click.option("--from", "date_from", default="", help="Only documents dated on or after: YYYY, YYYY-MM or YYYY-MM-DD.")
@click.option("--to", "date_to", default="", help="Only documents dated on or before (that period included).")
@click.option("--page", type=int, default=1, show_default=True, help="Result page.")
@click.option("--per-page", type=int, default=10, show_default=True, help="Results per page.")
@click.option(
    "--sort",
    type=click.Choice(SORTS),
    default="relevance",
    show_default=True,
    help="newest: newest documents first; with no words, every passage.",
)
@click.option("--no-expand", is_flag=True, help="Search only the words typed, not their glossary equivalents.")
@click.option(
    "--group",
    type=click.Choice(GROUPS),
    default="none",
    show_default=True,
    help="document: a page of documents, each with its best passages.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result object as JSON.")
def search(
    query, index_dir, lang, project, partner, topic, year, date_from, date_to, page, per_page, sort, no_expand, group,
    as_json,
):  # fmt: skip
    """Search the index: words, "phrases", OR, NOT/-word, lang: project: partner: topic: year: filters, after: before:."""
    settings = load_settings({"index": index_dir})
    request = SearchQuery(
        " ".join(query), lang, project, partner, topic, page, per_page, sort, expand=not no_expand, group=group,
        year=year, date_from=date_from, date_to=date_to,
    )  # fmt: skip
    opened = open_index(Path(settings["index"]))
    try:
        result = run_search(request, opened)
    finally:
        opened.close()
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(f"{_count(result)} ({result.took_ms:.1f} ms)")
    if result.suggestion:
        click.echo(f"Did you mean: {result.suggestion}")
    if result.relaxed:
        click.echo("No passage has every word; showing passages with some of them.")
    for expansion in result.expanded:
        click.echo(f"Also searched ({expansion.lang}, {expansion.via}): {', '.join(expansion.to)}")
    first = (result.page - 1) * result.per_page
    if result.group == "document":
        for rank, group in enumerate(result.groups, start=first + 1):
            dated = f", dated {_date(group.hits[0])}" if group.hits[0].date else ""
            click.echo(f"\n{rank}. {group.doc_title}  ({_plural(group.matched, 'matching passage')}){dated}")
            for hit in group.hits:
                section = _own_section_title(hit)
                # Without a title of its own, the passage's language leads its excerpt.
                click.echo(
                    f"   [{hit.lang}] {section}\n      {_terminal(hit)}"
                    if section
                    else f"   [{hit.lang}] {_terminal(hit)}"
                )
                click.echo(f"      {hit.url}{f'  ({_page(hit)})' if hit.page else ''}")
                _echo_translation(hit, "      ")
        return
    for rank, hit in enumerate(result.results, start=first + 1):
        heading = " › ".join(part for part in (hit.doc_title, _own_section_title(hit)) if part)
        cited = ", ".join(part for part in (f"dated {_date(hit)}" if hit.date else "", _page(hit)) if part)
        click.echo(f"\n{rank}. [{hit.lang}] {heading}{f'  ({cited})' if cited else ''}")
        click.echo(f"   {_terminal(hit)}")
        click.echo(f"   {hit.url}")
        _echo_translation(hit, "   ")


VERSION_LABELS = {"en": "English version ›", "fr": "Version française ›"}  # as the pages name them


def _echo_translation(hit, indent: str) -> None:
    """The permalink of the hit's passage in its document's translation, when the index aligned one."""
    if hit.translation is not None:
        click.echo(f"{indent}{VERSION_LABELS.get(hit.translation.lang, hit.translation.lang)} {hit.translation.url}")


def _date(hit) -> str:
    """The hit's document date, said to be the file's when no metadata gave one."""
    return f"{hit.date} (file date)" if hit.date_source == "file" else hit.date


def _page(hit) -> str:
    return f"p. {hit.page}" if hit.page else ""


def _own_section_title(hit) -> str:
    """The hit's section title, or "" when it has none or it repeats the document's title."""
    return hit.section_title if hit.section_title != hit.doc_title else ""


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _count(result) -> str:
    """``12 passages``, or ``12 passages in 3 documents`` when grouped."""
    passages = _plural(result.total, "passage")
    return f"{passages} in {_plural(result.documents, 'document')}" if result.group == "document" else passages


def _terminal(hit) -> str:
    """A hit's excerpt for a terminal: matches in bold (or **…** when not a terminal)."""
    part = excerpt(hit.text, hit.spans)
    bold = sys.stdout.isatty()
    out, cursor = [ELLIPSIS if part.cut_before else ""], 0
    for start, end in part.spans:
        word = part.text[start:end]
        out += [part.text[cursor:start], click.style(word, bold=True, underline=True) if bold else f"**{word}**"]
        cursor = end
    out += [part.text[cursor:], ELLIPSIS if part.cut_after else ""]
    return "".join(out)


def _print_warnings(warnings: list[str], verbose: bool) -> None:
    if not warnings:
        return
    shown = warnings if verbose else warnings[:5]
    for warning in shown:
        click.secho(f"warning: {warning}", fg="yellow", err=True)
    if len(warnings) > len(shown):
        click.secho(f"... and {len(warnings) - len(shown)} more warnings (--verbose lists them)", err=True)


class _Progress:
    """A progress bar over the files to read, shown only on a terminal."""

    def __init__(self):
        self._bar = None

    def start(self, plan) -> None:
        if sys.stderr.isatty() and plan.to_read:
            self._bar = click.progressbar(length=len(plan.to_read), label="Indexing", file=sys.stderr)
            self._bar.__enter__()

    def advance(self, rel: str) -> None:
        if self._bar:
            self._bar.update(1)

    def finish(self) -> None:
        if self._bar:
            self._bar.__exit__(None, None, None)


main.add_command(lexicon)
