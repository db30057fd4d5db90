"""Hostile search queries, generated: one vocabulary for the Hypothesis tests and the long fuzz run.

Queries mix real words of both languages with everything a search box receives on a bad day:
arbitrary Unicode, unbalanced quotes and parentheses, operators alone, field filters with unknown
fields or values, very long words, hundreds of terms, ``*`` and ``?`` patterns (not wildcards:
Passerelle has no prefix or wildcard search), control characters and right-to-left text.

``random_query(rng)`` draws one from a ``random.Random`` (``bench.fuzz``, fixed seed);
``queries()`` and ``filter_values()`` are Hypothesis strategies of the same (tests, which shrink).
``result_problems(result)`` says what is wrong with an answer, for both.
"""

from __future__ import annotations

import html
import json
import random
import re

_WORD_LIST = (
    "money laundering customs port security corruption trafficking firearms maritime police justice "
    "WeCAPS SEACOP EL-PAcCTO Interpol UNODC AML/CFT douane sécurité coopération blanchiment criminalité "
    "organisée frontières l'Union l’Union aujourd'hui d’argent États-Unis prison cybercriminalité"
)
WORDS = tuple(_WORD_LIST.split())
STOP_WORDS = ("the", "of", "and", "de", "la", "et", "ou", "les", "a", "le")
OPERATORS = ("AND", "OR", "NOT", "ET", "OU", "SAUF", "&&", "||", "-", "+", "!", "~", "^")
PUNCTUATION = ('"', "(", ")", ":", "'", "’", "«", "»", "\\", "/", "[", "]", "{", "}", "<", ">", "&", ";", ",", ".")
FIELDS = ("lang", "langue", "language", "project", "projet", "partner", "partenaire", "topic", "theme")
UNKNOWN_FIELDS = ("title", "doc_id", "body_en", "foo", "http", "x", "LANG", "_", "ca:A-0.6")
FILTER_VALUES = (
    "en", "fr", "xx", "EN", "anglais", "wecaps", "unodc", "ONUDC", "corruption", "port-security",
    '"RUSI Europe"', '"unclosed', "", "*", "<script>", "../../etc/passwd", "%00",
)  # fmt: skip
PATTERNS = ("*", "?", "**", "?*?", "secur*", "*tion", "s?curit?", "blanchi*", "*", "douan?", "wo*rd", "*:*")
CONTROL = tuple(chr(code) for code in (*range(0x00, 0x20), 0x7F, 0x85, 0x2028, 0x2029))
RIGHT_TO_LEFT = ("مرحبا بالعالم", "غسل الأموال", "שלום עולם", "\u202eevil\u202c", "\u200fرمز", "abc\u202edef")
ODD_UNICODE = (
    "ﬁnance", "Straße", "İstanbul", "e\u0301", "\u0301", "🙂", "☃", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "ｆｕｌｌｗｉｄｔｈ", "\ufeff", "\u00ad",
    "a\u200bb", "\u00a0", "\u202f", "٣٤٥", "漢字", "Ω≈ç√", "\uffff", "\U0010ffff",
)  # fmt: skip
PAYLOADS = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "javascript:alert(1)", "{{7*7}}", "${7*7}")
SEPARATORS = (" ", " ", " ", "", "\t", "\n", "  ")
MAX_QUERY_CHARS = 500  # indexer.query.MAX_QUERY_CHARS, repeated so generation never imports the indexer


def random_query(rng: random.Random, max_chars: int = MAX_QUERY_CHARS) -> str:
    """One hostile query of at most ``max_chars`` characters."""
    shape = rng.random()
    if shape < 0.1:
        return _arbitrary_text(rng, rng.randint(0, 60))[:max_chars]
    if shape < 0.15:
        return " ".join(rng.choice(WORDS + STOP_WORDS) for _ in range(rng.randint(60, 300)))[:max_chars]
    if shape < 0.2:
        return (rng.choice("aé漢🙂") * rng.randint(50, max_chars))[:max_chars]
    pieces = [_piece(rng) for _ in range(rng.randint(1, 12))]
    return "".join(piece + rng.choice(SEPARATORS) for piece in pieces)[:max_chars]


def _piece(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.35:
        return rng.choice(WORDS)
    if kind < 0.42:
        return rng.choice(STOP_WORDS)
    if kind < 0.52:
        return rng.choice(OPERATORS)
    if kind < 0.6:
        return rng.choice(PUNCTUATION)
    if kind < 0.68:
        field = rng.choice(FIELDS + UNKNOWN_FIELDS)
        return f"{rng.choice(('', '-'))}{field}:{rng.choice(FILTER_VALUES)}"
    if kind < 0.74:
        return rng.choice(PATTERNS)
    if kind < 0.79:
        return '"' + " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 6))) + rng.choice(('"', ""))
    if kind < 0.83:
        return rng.choice(CONTROL) + rng.choice(WORDS)
    if kind < 0.87:
        return rng.choice(RIGHT_TO_LEFT)
    if kind < 0.92:
        return rng.choice(ODD_UNICODE)
    if kind < 0.95:
        return rng.choice(PAYLOADS)
    return _arbitrary_text(rng, rng.randint(1, 12))


def _arbitrary_text(rng: random.Random, length: int) -> str:
    """Code points from anywhere in Unicode except surrogates, which no HTTP request can carry."""
    chars = []
    while len(chars) < length:
        code = rng.choice((rng.randint(0, 0x7F), rng.randint(0x80, 0x2FFF), rng.randint(0x3000, 0x10FFFF)))
        if not 0xD800 <= code <= 0xDFFF:
            chars.append(chr(code))
    return "".join(chars)


# -- the same as Hypothesis strategies ------------------------------------------------------------


def queries(max_chars: int = MAX_QUERY_CHARS, surrogates: bool = False):
    """Hypothesis strategy of hostile query texts (lone surrogates only when ``surrogates``: a CLI can pass them)."""
    from hypothesis import strategies as st  # imported here: only the tests and bench.fuzz need Hypothesis

    excluded = () if surrogates else ("Cs",)
    arbitrary = st.text(st.characters(exclude_categories=excluded), max_size=80)
    piece = st.one_of(
        st.sampled_from(WORDS + STOP_WORDS),
        st.sampled_from(OPERATORS + PUNCTUATION + PATTERNS + CONTROL + RIGHT_TO_LEFT + ODD_UNICODE + PAYLOADS),
        st.builds("{}:{}".format, st.sampled_from(FIELDS + UNKNOWN_FIELDS), st.sampled_from(FILTER_VALUES)),
        st.builds(lambda n, word: word * n, st.integers(1, 300), st.sampled_from(("a", "é", "secur", "漢"))),
        arbitrary,
    )
    assembled = st.lists(st.tuples(piece, st.sampled_from(SEPARATORS)), max_size=30).map(
        lambda parts: "".join(text + sep for text, sep in parts)
    )
    many_terms = st.lists(st.sampled_from(WORDS + STOP_WORDS + ("x",)), min_size=60, max_size=300).map(" ".join)
    return st.one_of(assembled, arbitrary, many_terms).map(lambda text: text[:max_chars])


def filter_values():
    """Hypothesis strategy of taxonomy filter values: ids, labels, aliases, unknown and hostile ones."""
    from hypothesis import strategies as st

    return st.one_of(st.sampled_from(FILTER_VALUES), st.text(st.characters(exclude_categories=("Cs",)), max_size=30))


# -- what every answer must be -----------------------------------------------------------------

_MARK = re.compile(r"</?mark>")


def result_problems(result) -> list[str]:
    """What is wrong with a ``SearchResult``: a page out of bounds, a snippet that is not the escaped
    text with ``<mark>`` added, missing facets, no JSON twin. Empty when the answer is sound."""
    problems = []
    if not 0 <= len(result.results) <= result.per_page:
        problems.append(f"{len(result.results)} results on a page of {result.per_page}")
    if result.page == 1 and result.total < len(result.results):
        problems.append(f"total {result.total} below the {len(result.results)} results shown")
    if set(result.facets) != {"lang", "project", "partner", "topic", "year"}:
        problems.append(f"facets {sorted(result.facets)}")
    if result.suggestion is not None and not isinstance(result.suggestion, str):
        problems.append(f"suggestion {result.suggestion!r}")
    for hit, shown in zip(result.results, result.to_dict()["results"]):
        unmarked = _MARK.sub("", shown["snippet"])
        if "<" in unmarked or ">" in unmarked:
            problems.append(f"unescaped markup in the snippet of {hit.passage_id}: {shown['snippet'][:80]!r}")
        elif html.unescape(unmarked).strip("…") not in hit.text:
            problems.append(f"the snippet of {hit.passage_id} is not an excerpt of its text")
    try:
        json.dumps(result.to_dict())
    except (TypeError, ValueError) as error:
        problems.append(f"no JSON twin: {error}")
    return problems
