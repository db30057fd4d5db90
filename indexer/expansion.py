"""Cross-language query expansion: glossary and taxonomy equivalents of the query's words.

Matching is on analysed forms, so "douanes" meets the entry "douane" and "Money-Laundering"
meets "money laundering". Each match becomes an ``Expanded`` node: the user's words, OR the
equivalents (a phrase stays a phrase), which the backend weights below the user's words.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from indexer.analysis import analyze
from indexer.analysis import is_stopword
from indexer.glossary import Glossary
from indexer.models import LANGUAGES
from indexer.models import Expansion
from indexer.query import And
from indexer.query import Expanded
from indexer.query import Or
from indexer.query import Phrase
from indexer.query import Term

MAX_ALTERNATIVES = 6  # per matched span: the preferred expressions come first in the glossary


@dataclass(frozen=True)
class _Expression:
    tokens: tuple[str, ...]
    entry: int
    text: str


@dataclass(frozen=True)
class _Match:
    start: int  # first word of the span
    end: int  # one past its last word
    entries: tuple[int, ...]


class Expander:
    """Built once per index from its glossary; ``expand`` rewrites query trees."""

    def __init__(self, glossary: Glossary):
        self.glossary = glossary
        self._by_first: dict[str, dict[str, list[_Expression]]] = {lang: defaultdict(list) for lang in LANGUAGES}
        for position, entry in enumerate(glossary.entries):
            for lang in LANGUAGES:
                for text in entry.expressions(lang):
                    tokens = tuple(analyze(text, lang))
                    if tokens and not any(is_stopword(token) for token in tokens):
                        self._by_first[lang][tokens[0]].append(_Expression(tokens, position, text))
        for table in self._by_first.values():
            for candidates in table.values():
                candidates.sort(key=lambda expression: -len(expression.tokens))

    def expand(self, tree) -> tuple[object, tuple[Expansion, ...]]:
        """The tree with glossary matches expanded, and what was added (for the result)."""
        found: list[Expansion] = []
        return self._rewrite(tree, found), tuple(found)

    def _rewrite(self, node, found):
        if isinstance(node, Term):
            return self._expand_run([node.text], found, lambda words: node)[0]
        if isinstance(node, Phrase):
            nodes = self._expand_run(list(node.words), found, lambda words: node, whole=True)
            return nodes[0] if len(nodes) == 1 else node
        if isinstance(node, Or):
            return Or(tuple(self._rewrite(child, found) for child in node.children))
        if isinstance(node, And):
            return And(tuple(self._rewrite_and(node.children, found)))
        return node  # NOT and anything else: never expanded

    def _rewrite_and(self, children, found):
        out, run = [], []
        for child in (*children, None):
            if isinstance(child, Term):
                run.append(child.text)
                continue
            if run:
                out.extend(self._expand_run(run, found, _terms))
                run = []
            if child is not None:
                out.append(self._rewrite(child, found))
        return out

    def _expand_run(self, words, found, original, whole=False):
        """Nodes for a run of adjacent words: matched spans become ``Expanded`` nodes."""
        matches = self._matches(words)
        if whole:
            matches = [m for m in matches if (m.start, m.end) == (0, len(words))]
        nodes, cursor = [], 0
        for match in matches:
            nodes.extend(Term(word) for word in words[cursor:match.start])
            span = words[match.start:match.end]
            alternatives = self._alternatives(span, match.entries)
            base = original(span) if (match.start, match.end) == (0, len(words)) else _terms(span)
            nodes.append(Expanded(base, alternatives) if alternatives else base)
            found.extend(_describe(" ".join(span), alternatives))
            cursor = match.end
        if not matches:
            return [original(words)] if whole or len(words) == 1 else [Term(word) for word in words]
        nodes.extend(Term(word) for word in words[cursor:])
        return nodes

    def _matches(self, words) -> list[_Match]:
        """Non-overlapping spans of words that some entry names, longest first, left to right."""
        spans: dict[tuple[int, int], list[int]] = defaultdict(list)
        for lang in LANGUAGES:
            # A stop word of either language never starts or joins a match: English "the" is
            # a French non-stop word, French "eu" ("a eu lieu") would read as "EU".
            tokens = [
                (token, i) for i, word in enumerate(words) if not is_stopword(word) for token in analyze(word, lang)
            ]
            for start in range(len(tokens)):
                for expression in self._by_first[lang].get(tokens[start][0], ()):
                    end = start + len(expression.tokens)
                    if tuple(t for t, _ in tokens[start:end]) == expression.tokens:
                        spans[(tokens[start][1], tokens[end - 1][1] + 1)].append(expression.entry)
        chosen, taken = [], set()
        for (start, end), entries in sorted(spans.items(), key=lambda item: (item[0][0] - item[0][1], item[0][0])):
            if taken.isdisjoint(range(start, end)):
                chosen.append(_Match(start, end, tuple(dict.fromkeys(entries))))
                taken.update(range(start, end))
        return sorted(chosen, key=lambda match: match.start)

    def _alternatives(self, span, entries) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """Equivalents of a span in each language, minus what the span already searches."""
        alternatives = []
        for lang in LANGUAGES:
            seen = {tuple(analyze(" ".join(span), lang))}
            texts = [text for position in entries for text in self.glossary.entries[position].expressions(lang)]
            for text in texts:
                tokens = tuple(analyze(text, lang))
                if tokens and tokens not in seen and len(seen) <= MAX_ALTERNATIVES:
                    seen.add(tokens)
                    alternatives.append((lang, tuple(text.split())))
        return tuple(alternatives)


def _terms(words):
    return Term(words[0]) if len(words) == 1 else And(tuple(Term(word) for word in words))


def _describe(source: str, alternatives) -> list[Expansion]:
    by_lang: dict[str, list[str]] = defaultdict(list)
    for lang, words in alternatives:
        by_lang[lang].append(" ".join(words))
    return [Expansion(source, tuple(texts), lang) for lang, texts in by_lang.items()]
