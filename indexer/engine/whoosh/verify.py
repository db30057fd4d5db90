"""``passerelle check --deep`` for the Whoosh index: decode every file of a generation and name the ones that would not."""

from __future__ import annotations

import functools
from pathlib import Path

from whoosh import index as whoosh_index

from indexer.engine.whoosh.records import stored_records
from indexer.engine.whoosh.segments import segment_key


def verify_files(path: Path) -> list[str]:
    """Decode everything the Whoosh index at ``path`` holds, through a reader of its own: every term
    and posting list (with weights and positions), stored record, column and field length. Each
    problem names the file that would not decode (at most one a kind per segment)."""
    try:
        index = whoosh_index.open_dir(path)
        reader = index.reader()
    except Exception as error:  # noqa: BLE001 - a garbled file raises anything: that is what is reported
        return [f"{path}/{TOC}: undecodable ({_summary(error)})"]
    problems = []
    try:
        for leaf, _ in reader.leaf_readers():
            if leaf.doc_count_all():
                problems += _verify_segment(Path(path), leaf)
    finally:
        reader.close()
        index.close()
    return problems


TOC = "_MAIN_*.toc"


def _verify_segment(path: Path, leaf) -> list[str]:
    prefix = f"{path}/MAIN_{segment_key(leaf)}"
    schema = leaf.schema
    checks = [
        (f"{prefix}.trm", lambda: [list(leaf.iter_field(name)) for name in schema.names() if schema[name].indexed])
    ]
    checks.append((f"{prefix}.pst", lambda: _decode_every_posting(leaf)))
    checks.append(
        (f"{prefix}._stored.col", lambda: [stored_records(leaf.stored_fields(n)) for n in range(leaf.doc_count_all())])
    )
    for name in schema.names():
        if schema[name].column_type is not None and leaf.has_column(name):
            checks.append(
                (f"{prefix}.{name}.col", functools.partial(lambda name: list(leaf.column_reader(name)), name))
            )
        if schema[name].scorable:
            lengths = functools.partial(
                lambda name: [leaf.doc_field_length(n, name) for n in range(leaf.doc_count_all())], name
            )
            checks.append((f"{prefix}._{name}_len.col", lengths))
    problems = []
    for file, check in checks:
        try:
            check()
        except Exception as error:  # noqa: BLE001 - a garbled file raises anything: that is what is reported
            problems.append(f"{file}: undecodable ({_summary(error)})")
    return problems


def _decode_every_posting(leaf) -> None:
    schema = leaf.schema
    for name in schema.names():
        if not schema[name].indexed:
            continue
        kinds = [kind for kind in ("weight", "positions") if schema[name].format.supports(kind)]
        for text, _ in leaf.iter_field(name):
            for kind in kinds:
                matcher = leaf.postings(name, text)
                for _ in matcher.items_as(kind):
                    pass


def _summary(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:120]
