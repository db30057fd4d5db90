"""The two baselines of the speed benchmark, built and searched over the same passages and queries.

- **naive Whoosh**: Whoosh as its tutorial uses it: ``bench/baseline.py``'s schema (one ``TEXT``
  field with ``StandardAnalyzer``) with the text stored for highlighting and the language as an
  ``ID`` field (so ``lang:fr`` in a query works as in Passerelle), written with the writer's
  defaults (128 MB, one process, compound segments); per query a new searcher and a new
  ``QueryParser`` (AND of the words, as Passerelle), top 10, ``hit.highlights()`` for each.
- **SQLite FTS5**: Python's ``sqlite3``, one ``fts5`` table with the ``unicode61 remove_diacritics 2``
  tokenizer, ranked by ``bm25`` (``ORDER BY rank``), top 10 with ``snippet()``.

Both index a passage's heading and text together, as Passerelle searches both.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path

from bench.perf_queries import BenchQuery

TOP = 10
Record = tuple[str, str, str]  # key, lang, heading and text


class NaiveWhoosh:
    """An open naive-Whoosh index; ``search`` is timed as one query of a user."""

    name = "naive Whoosh"

    @staticmethod
    def build(path: Path, records: Iterable[Record]) -> int:
        """Index ``records`` into a new Whoosh index at ``path``; returns how many."""
        from whoosh import index as whoosh_index
        from whoosh.analysis import StandardAnalyzer
        from whoosh.fields import ID
        from whoosh.fields import TEXT
        from whoosh.fields import Schema

        path.mkdir(parents=True, exist_ok=True)
        schema = Schema(key=ID(stored=True), lang=ID(stored=True), body=TEXT(analyzer=StandardAnalyzer(), stored=True))
        index = whoosh_index.create_in(path, schema)
        writer = index.writer()  # Whoosh's defaults, as a first set-up has them
        count = 0
        try:
            for key, lang, text in records:
                writer.add_document(key=key, lang=lang, body=text)
                count += 1
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        index.close()
        return count

    def __init__(self, path: Path):
        from whoosh import index as whoosh_index

        self._index = whoosh_index.open_dir(path)

    def search(self, query: BenchQuery) -> int:
        """Top 10 with highlights; returns how many came back (at most 10)."""
        from whoosh.qparser import QueryParser
        from whoosh.query import Term

        with self._index.searcher() as searcher:
            parsed = QueryParser("body", self._index.schema).parse(query.text())
            restrict = Term("lang", query.lang_param) if query.lang_param else None
            results = searcher.search(parsed, limit=TOP, filter=restrict)
            for hit in results:
                hit.highlights("body")
            return results.scored_length()  # len() would run the query again to count every match

    def close(self) -> None:
        self._index.close()


class Fts5:
    """An open SQLite FTS5 table; ``search`` is timed as one query of a user."""

    name = "SQLite FTS5"

    @staticmethod
    def build(path: Path, records: Iterable[Record]) -> int:
        """Index ``records`` into a new database file at ``path``; returns how many."""
        path.unlink(missing_ok=True)
        connection = sqlite3.connect(path)
        try:
            connection.execute(
                "CREATE VIRTUAL TABLE passages USING fts5("
                "key UNINDEXED, lang UNINDEXED, body, tokenize = 'unicode61 remove_diacritics 2')"
            )
            with connection:
                cursor = connection.executemany("INSERT INTO passages VALUES (?, ?, ?)", records)
            count = connection.execute("SELECT count(*) FROM passages").fetchone()[0]
            cursor.close()
        finally:
            connection.close()
        return count

    def __init__(self, path: Path):
        self._connection = sqlite3.connect(path)

    def search(self, query: BenchQuery) -> int:
        """Top 10 by bm25 with snippets; returns how many rows came back (at most 10)."""
        sql = (
            "SELECT key, snippet(passages, 2, '<mark>', '</mark>', '…', 16) FROM passages "
            "WHERE passages MATCH ?" + (" AND lang = ?" if query.lang() else "") + " ORDER BY rank LIMIT ?"
        )
        params = (query.fts5_match(), *([query.lang()] if query.lang() else []), TOP)
        return len(self._connection.execute(sql, params).fetchall())

    def close(self) -> None:
        self._connection.close()


BASELINES = {"naive_whoosh": NaiveWhoosh, "fts5": Fts5}
