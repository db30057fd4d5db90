"""User query text -> a backend-neutral query tree. Never raises: odd input degrades to plain words.

Syntax: words, "quoted phrases", OR (binds tighter than the juxtaposition of words, as in
web search engines: ``a b OR c`` is ``a (b OR c)``), AND, NOT and ``-word``, parentheses,
and filters ``lang:fr project:wecaps partner:unodc topic:corruption year:2023`` (French field
names work too: langue, projet, partenaire, theme, année), and dates ``after:2022 before:2024``
(``après:``, ``avant:``), each period excluded: documents dated 2023. Operators are upper case so that the French
words "et", "ou" stay words; ET, OU and SAUF are accepted.

What a tree matches (``top_clauses``): words typed side by side are each optional, and a
passage needs one of them; ranking then puts the passages with more of them, closer
together, first. Quoted phrases, NOT, explicit AND and parenthesised groups are required
(a group of alternatives, ``(a OR b)``, by one of them); ``a b OR c`` without parentheses is not.
Questions are the reason: an answer rarely holds every word of the question (requiring
them all, then relaxing when nothing had them all, cost 0.07 MRR@10 on the French
service-public questions and 0.02 on Canadian headings; see docs/relevance.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from indexer.folding import fold

FILTER_FIELDS = {
    "lang": "lang", "langue": "lang", "language": "lang",
    "project": "project", "projet": "project",
    "partner": "partner", "partenaire": "partner",
    "topic": "topic", "theme": "topic",
    "year": "year", "annee": "year",
    "after": "after", "apres": "after", "before": "before", "avant": "before",
}  # fmt: skip
DATE_FILTERS = ("after", "before")  # dates, not facet values: ``after:2022`` is 2023 onwards
AND_WORDS = {"AND", "ET", "&&"}
OR_WORDS = {"OR", "OU", "||"}
NOT_WORDS = {"NOT", "SAUF"}
MAX_QUERY_CHARS = 500  # ``search`` refuses longer queries; other callers' text is read this far
MAX_TERMS = 64  # words kept, phrase words included; the rest is dropped: every term costs a posting-list walk
# Words, phrases, operators and parentheses kept: also bounds how deeply groups can nest.
MAX_TOKENS = MAX_TERMS * 2

_TOKEN = re.compile(
    r"""(?P<neg>-)?(?:(?P<field>\w+):"(?P<quoted>[^"]*)"?|"(?P<phrase>[^"]*)"?|(?P<open>\()|(?P<close>\))"""
    r"""|(?P<word>[^\s"()]+))"""
)


@dataclass(frozen=True)
class Term:
    """One word as the user typed it; each backend analyses it per language."""

    text: str


@dataclass(frozen=True)
class Phrase:
    """Words that must appear together, in order."""

    words: tuple[str, ...]


@dataclass(frozen=True)
class And:
    """Every child. At the top of a tree, and not ``strict``, the words typed side by side (see ``top_clauses``)."""

    children: tuple
    strict: bool = False  # explicit AND, or a group in parentheses: every child required


@dataclass(frozen=True)
class Or:
    children: tuple


@dataclass(frozen=True)
class Not:
    child: object


@dataclass(frozen=True)
class Expanded:
    """A part of the query with equivalents from the glossary or translations from the lexicons.

    Both are searched below the user's own words. Glossary equivalents are words, which each
    backend analyses; lexicon translations are index terms already (stems), never re-analysed.
    """

    original: object
    alternatives: tuple[tuple[str, tuple[str, ...]], ...]  # (language, words) of each equivalent
    translations: tuple[tuple[str, str, float], ...] = ()  # (language, index term, weight below 1)


@dataclass(frozen=True)
class ParsedQuery:
    """The tree (None when only filters or nothing was given) and the field filters found in the text."""

    tree: object | None
    filters: dict[str, tuple[str, ...]]

    def words(self) -> list[str]:
        """Every positive word of the tree, in order (for suggestions and highlighting)."""
        return list(positive_words(self.tree))


def parse_query(text: str) -> ParsedQuery:
    """Parse the first ``MAX_QUERY_CHARS`` of ``text``; unbalanced quotes or parentheses and stray operators are tolerated."""
    tokens, filters = _tokenize((text or "")[:MAX_QUERY_CHARS])
    parser = _Parser(tokens)
    tree = parser.parse_and()
    while parser.peek() is not None:  # a stray ")" ends a group early; keep the rest
        parser.pos += 1
        rest = parser.parse_and()
        tree = _join(And, [tree, rest])
    return ParsedQuery(tree, filters)


def _tokenize(text: str):
    tokens, filters = [], {}
    words_left = MAX_TERMS
    for match in _TOKEN.finditer(text):
        kind, value = _classify(match)
        if kind == "filter":
            field, val = value
            filters.setdefault(field, ())
            filters[field] += (val,)
            continue
        if kind is None or len(tokens) >= MAX_TOKENS or (kind in ("word", "phrase") and words_left <= 0):
            continue
        if kind == "phrase":
            value = value[:words_left]  # a 200-word "phrase" would otherwise bypass the term limit
        words_left -= len(value) if kind == "phrase" else kind == "word"
        tokens.append((kind, value, bool(match.group("neg"))))
    return tokens, filters


def _classify(match):
    field = match.group("field")
    if field and fold(field) in FILTER_FIELDS and match.group("quoted").strip():
        return "filter", (FILTER_FIELDS[fold(field)], match.group("quoted").strip())
    if field:  # an unknown field before a quoted value: keep the phrase, drop the field name
        words = tuple(w for w in match.group("quoted").split() if _has_word(w))
        return ("phrase", words) if words else (None, None)
    if match.group("open"):
        return "open", None
    if match.group("close"):
        return "close", None
    phrase = match.group("phrase")
    if phrase is not None:
        words = tuple(w for w in phrase.split() if _has_word(w))
        return ("phrase", words) if words else (None, None)
    word = match.group("word")
    if word in AND_WORDS | OR_WORDS | NOT_WORDS and not match.group("neg"):
        return "op", word
    field, sep, value = word.partition(":")
    if sep and fold(field) in FILTER_FIELDS and value.strip("\"'"):
        return "filter", (FILTER_FIELDS[fold(field)], value.strip("\"'"))
    return ("word", word) if _has_word(word) else (None, None)


def _has_word(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


class _Parser:
    def __init__(self, tokens):
        self.tokens = tokens
        self.pos = 0

    def peek(self):
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _at_operand(self) -> bool:
        token = self.peek()
        return token is not None and token[0] != "close"

    def parse_and(self):
        parts = []
        while (token := self.peek()) is not None and token[0] != "close":
            if token[0] == "op" and token[1] in AND_WORDS:
                self.pos += 1
                if parts and self._at_operand():  # "a AND b": both required
                    parts[-1] = _all(parts[-1], self.parse_or())
                continue
            if token[0] == "op" and token[1] in OR_WORDS:
                self.pos += 1  # a leading or doubled OR means nothing
                continue
            parts.append(self.parse_or())
        return _join(And, parts)

    def parse_or(self):
        parts = [self.parse_unary()]
        while (token := self.peek()) is not None and token[0] == "op" and token[1] in OR_WORDS:
            self.pos += 1
            if self._at_operand():
                parts.append(self.parse_unary())
        return _join(Or, parts)

    def parse_unary(self):
        kind, value, negated = self.tokens[self.pos]
        self.pos += 1
        if kind == "op":  # NOT
            operand = self.parse_unary() if self._at_operand() else None
            return Not(operand) if operand is not None else None
        node = self.parse_group() if kind == "open" else _leaf(kind, value)
        return Not(node) if negated and node is not None else node

    def parse_group(self):
        """A group in parentheses is required: every word of ``(a b)``, one alternative of ``(a OR b)``.

        An OR group is wrapped in a strict ``And`` of one child, which says "required" in a way every
        rewrite of the tree keeps (expansion rebuilds ``Or`` nodes but keeps ``And``'s flag). A lone
        word stays a word: text pasted with a parenthesis, ``walrus (ISS)``, is not a filter.
        """
        node = self.parse_and()
        if self.peek() is not None:
            self.pos += 1  # the closing ")"; a missing one closes at the end
        if isinstance(node, And):
            return And(node.children, strict=True)
        return And((node,), strict=True) if isinstance(node, Or) else node


def _leaf(kind, value):
    if kind == "phrase":
        return Phrase(value) if len(value) > 1 else Term(value[0])
    return Term(value) if kind == "word" else None


def _all(left, right):
    """``left AND right`` as one strict group (chains stay flat)."""
    if right is None:
        return left
    if left is None:
        return right
    children = left.children if isinstance(left, And) and left.strict else (left,)
    return And((*children, right), strict=True)


def _join(node_type, parts):
    parts = [p for p in parts if p is not None]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else node_type(tuple(parts))


def positive_words(node):
    """The words of a tree outside any NOT, in order."""
    if isinstance(node, Term):
        yield node.text
    elif isinstance(node, Phrase):
        yield from node.words
    elif isinstance(node, Expanded):
        yield from positive_words(node.original)
    elif isinstance(node, (And, Or)):
        for child in node.children:
            yield from positive_words(child)


def top_clauses(tree) -> tuple[tuple, tuple]:
    """``(optional, required)``: the clauses at the top of a tree, as ``search`` matches them.

    A passage matches when it has every required clause and, if there are optional ones, at
    least one of them. Optional: the words typed side by side (with what expansion added to
    them). Required: quoted phrases, NOT, explicit AND and groups in parentheses, and a tree
    that is a single clause of those kinds.
    """
    if tree is None:
        return (), ()
    if not isinstance(tree, And) or tree.strict:
        return ((), (tree,)) if _is_required(tree) else ((tree,), ())
    optional, required = [], []
    for child in tree.children:
        (required if _is_required(child) else optional).append(child)
    return tuple(optional), tuple(required)


def _is_required(node) -> bool:
    if isinstance(node, Expanded):
        return isinstance(node.original, Phrase)
    return isinstance(node, (Not, Phrase)) or (isinstance(node, And) and node.strict)
