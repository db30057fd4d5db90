"""The speed benchmark's query mix: drawn from the passages with a fixed seed, rendered for each system.

Every query comes from the words of one passage, so that it has at least that passage to find
under an AND of its words. Kinds, in these shares: single words, two and three words, phrases in
quotes, a ``lang:`` filter typed in the query, the ``lang`` parameter (API and ``lang=`` in the
URL). Words are letters only, at least four of them, and never a stop word of either language
(Passerelle drops those from a query, the baselines would not, and the systems would then answer
different questions).
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

# kind -> share of the mix (they add up to 1)
MIX = {
    "word": 0.25,
    "two words": 0.20,
    "three words": 0.15,
    "phrase": 0.15,
    "lang: filter": 0.125,
    "lang parameter": 0.125,
}
WORD = re.compile(r"[^\W\d_]{4,}")
PHRASE_PAIR = re.compile(r"(?=\b([^\W\d_]{3,})\s+([^\W\d_]{3,})\b)")
MAX_TRIES_PER_QUERY = 50


@dataclass(frozen=True)
class BenchQuery:
    """One query of the mix: words (a phrase when ``phrase``), and at most one language filter."""

    kind: str
    words: tuple[str, ...]
    phrase: bool = False
    typed_lang: str | None = None  # "lang:fr" typed in the query text
    lang_param: str | None = None  # the API's lang parameter

    def text(self) -> str:
        """What a user types in Passerelle (and what the naive Whoosh parser reads: same syntax)."""
        words = " ".join(self.words)
        text = f'"{words}"' if self.phrase else words
        return f"{text} lang:{self.typed_lang}" if self.typed_lang else text

    def lang(self) -> str | None:
        """The language the query is restricted to, typed or as a parameter."""
        return self.typed_lang or self.lang_param

    def fts5_match(self) -> str:
        """The same query in FTS5's syntax: every word quoted, AND between them, a phrase as one string."""
        if self.phrase:
            return '"' + " ".join(self.words) + '"'
        return " ".join(f'"{word}"' for word in self.words)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "text": self.text(), "lang": self.lang_param}


def draw_queries(
    passages: Sequence[tuple[str, str]], count: int, seed: int, stopwords: frozenset[str]
) -> list[BenchQuery]:
    """``count`` distinct queries drawn from ``(lang, text)`` passages with ``random.Random(seed)``.

    Kinds follow ``MIX`` (rounded), in a shuffled order, so that any prefix of the list is a mix too.

    :raises ValueError: when the passages cannot give that many distinct queries.
    """
    rng = random.Random(seed)
    kinds = [kind for kind, share in MIX.items() for _ in range(round(share * count))]
    kinds = (kinds + list(MIX))[:count] if len(kinds) < count else kinds[:count]
    rng.shuffle(kinds)
    seen: set[tuple] = set()
    queries = []
    for kind in kinds:
        for _ in range(MAX_TRIES_PER_QUERY):
            lang, text = passages[rng.randrange(len(passages))]
            query = _query_of_kind(kind, lang, text, rng, stopwords)
            key = query and (query.text().lower(), query.lang_param)
            if query and key not in seen:
                seen.add(key)
                queries.append(query)
                break
        else:
            raise ValueError(f"could not draw {count} distinct queries ({kind!r}) from {len(passages)} passages")
    return queries


def _query_of_kind(kind: str, lang: str, text: str, rng: random.Random, stopwords: frozenset[str]):
    words = [w.lower() for w in WORD.findall(text) if w.lower() not in stopwords]
    words = list(dict.fromkeys(words))  # a word twice would make a different query of the same size
    if kind == "phrase":
        pairs = [(a.lower(), b.lower()) for a, b in PHRASE_PAIR.findall(text)]
        pairs = [p for p in pairs if not {*p} & stopwords and p[0] != p[1]]
        return BenchQuery(kind, rng.choice(pairs), phrase=True) if pairs else None
    size = {"word": 1, "two words": 2, "three words": 3}.get(kind, rng.choice((1, 2)))
    if len(words) < size:
        return None
    chosen = tuple(words[i] for i in sorted(rng.sample(range(len(words)), size)))
    if kind == "lang: filter":
        return BenchQuery(kind, chosen, typed_lang=lang)
    if kind == "lang parameter":
        return BenchQuery(kind, chosen, lang_param=lang)
    return BenchQuery(kind, chosen)


def split_pool(
    queries: list[BenchQuery], warmup: int, timed: int, runs: int
) -> tuple[list[BenchQuery], list[list[BenchQuery]]]:
    """The warm-up queries, then ``runs`` disjoint lists of ``timed`` queries: no query repeats in a process."""
    return queries[:warmup], [queries[warmup + i * timed : warmup + (i + 1) * timed] for i in range(runs)]
