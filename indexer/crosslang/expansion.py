"""Cross-language query expansion: glossary equivalents and lexicon translations of the query's words.

Matching is on analysed forms, so "douanes" meets the entry "douane" and "Money-Laundering"
meets "money laundering". Each match becomes an ``Expanded`` node: the user's words, OR the
equivalents (a phrase stays a phrase), which the backend weights below the user's words.

Words that no glossary entry covers are then translated with the lexicons: each word
is read as an English and as a French index term, and each reading gets its best translations
(``TRANSLATIONS_PER_TERM``, ``TRANSLATION_FLOOR``). The best one weighs ``TRANSLATION_WEIGHT``,
the others that times their probability relative to the best (``Expander.translations``), and
when every translation of a word goes into one language, the word read as a term of that language
(a cognate) weighs the same (``indexer.engine.whoosh.queries``): in the other language's passages every word
of the query then counts alike, as in its own language, and ``TRANSLATION_WEIGHT`` only says how
far below a passage in the query's language a passage in the other language ranks. Stop words,
numbers and identifiers are never translated (``is_translatable``),
and words inside a quoted phrase stay as typed: a phrase's order cannot be translated word by word.
When the query's language is clear (``_target_language``), only the translations out of it are
kept. Each word's translations stay with it (``Expanded(Term(word))``), so a word and its
translations count once (the best of them), and a passage in the other language ranks by how many
of the words it translates, as one in the query's language by how many it has.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from dataclasses import replace

from indexer.analysis import LANGUAGE_SPECS
from indexer.analysis import analyze
from indexer.analysis import is_stopword
from indexer.crosslang.cognates import cognates
from indexer.crosslang.glossary import Glossary
from indexer.crosslang.lexicon import Lexicon
from indexer.crosslang.lexicon import is_translatable
from indexer.crosslang.numbers import spellings
from indexer.folding import fold
from indexer.models import LANGUAGES
from indexer.models import Expansion
from indexer.models import other_language
from indexer.query import And
from indexer.query import Expanded
from indexer.query import Or
from indexer.query import Phrase
from indexer.query import Term
from indexer.query import positive_words

# What "Also searched" says a translation comes from, by the method of its lexicon.
VIA = {"dictionaries": "dictionary", "freedict": "dictionary", "ibm-model1": "learned"}
MAX_ALTERNATIVES = 6  # per matched span: the preferred expressions come first in the glossary
# Translations: up to 12 per reading of a word, however improbable: the search weighs them by
# probability and lets the collection choose (``indexer.engine.whoosh.arrays.WeightedTerms``,
# ``indexer.engine.whoosh.ranking.with_translations_chosen``). With the shipped dictionary
# lexicon, Canadian headings target language only, training halves, en->fr / fr->en MRR@10:
# 4 per term and a floor of 0.05 (chosen when each translation was a term of its own) 0.118 /
# 0.089, 12 and no floor 0.121 / 0.093, 16 0.123 / 0.118 (docs/relevance.md).
TRANSLATIONS_PER_TERM = 12
TRANSLATION_FLOOR = 0.0
# A word's best translation weighs this much (the user's own words weigh 1): how far below a
# passage in the query's language one in the other language ranks when nothing filters by
# language. 1.0 drew the French twin of an English answer level with it (same-language MRR@10 en
# 0.291 -> 0.230, fr 0.271 -> 0.161, when every word was required); 0.5 and 0.3 tied, and 0.5
# ranks cross-language better.
TRANSLATION_WEIGHT = 0.5
SHOWN_TRANSLATIONS = 4  # "Also searched" names a word's likeliest; the others weigh little
# A cognate ("criminality" -> "criminalité") weighs this times a word's best dictionary
# translation, or as much as it when no dictionary has the word.
COGNATE_WEIGHT = 0.5
LANGUAGE_MARGIN = 1.5  # one language's evidence must be this many times the other's to decide


@dataclass(frozen=True)
class _Expression:
    tokens: tuple[str, ...]
    entry: int
    text: str
    # The words a query must spell in full when the term's stop words carried its sense: "Afrique
    # de l'Est" analyses to "afriqu" alone ("est" is a French stop word); empty for other terms.
    spelled: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Match:
    start: int  # first word of the span
    end: int  # one past its last word
    entries: tuple[int, ...]


class Expander:
    """Built once per index from its glossary and lexicons; ``expand`` rewrites query trees."""

    def __init__(
        self,
        glossary: Glossary,
        lexicon: Lexicon | None = None,
        per_term: int = TRANSLATIONS_PER_TERM,
        floor: float = TRANSLATION_FLOOR,
        weight: float = TRANSLATION_WEIGHT,
        cognate_weight: float = COGNATE_WEIGHT,
    ):
        """
        :param lexicon: translations of index terms (merged sources); None translates nothing.
        :param per_term: at most this many translations per reading of a word.
        :param floor: only translations at least this probable.
        :param weight: the weight of a reading's best translation; the others weigh this times
            their probability relative to the best one.
        """
        self.glossary = glossary
        self.lexicon = lexicon
        self.per_term, self.floor, self.weight = per_term, floor, weight
        self.cognate_weight = cognate_weight
        self._by_first: dict[str, dict[str, list[_Expression]]] = {lang: defaultdict(list) for lang in LANGUAGES}
        # Each entry's expressions as spelled (accents and case aside), for ``_names``.
        self._spellings = [
            frozenset(_spelled(text) for lang in LANGUAGES for text in entry.expressions(lang))
            for entry in glossary.entries
        ]
        for position, entry in enumerate(glossary.entries):
            for lang in LANGUAGES:
                for text in entry.expressions(lang):
                    tokens = tuple(analyze(text, lang))
                    if tokens and not any(is_stopword(token) for token in tokens):
                        spelled = _spelled(text) if len(tokens) == 1 and len(text.split()) > 1 else ()
                        self._by_first[lang][tokens[0]].append(_Expression(tokens, position, text, spelled))
        for table in self._by_first.values():
            for candidates in table.values():
                candidates.sort(key=lambda expression: -len(expression.tokens))

    def expand(self, tree, languages=LANGUAGES, holds=None) -> tuple[object, tuple[Expansion, ...]]:
        """The tree with glossary matches expanded and words translated, and what was added (for the result).

        :param languages: those of the passages the search can return. When the query's language
            is not among them, translations weigh as the user's own words (``weight`` only ranks
            the other language below the query's own).
        :param holds: ``holds(lang, term)``, whether the collection's passages in ``lang`` have the
            index term. A translation they lack is not searched, so the result does not name it.
        """
        found: list[tuple[bool, Expansion]] = []  # (is a translation, what was added)
        tree = self._rewrite(tree, found)
        target = _target_language(tree, self.evidence)
        # Into a language whose passages are the only ones searched, translations weigh 1.
        factors = {lang: 1.0 if other_language(lang) in languages else 1 / self.weight for lang in LANGUAGES}
        if target is None:
            tree = _reweighed(tree, set(LANGUAGES), factors)
        else:  # the query's language is clear: drop translations into it
            tree = _as_read_in(_reweighed(tree, {target}, factors), target, self.weight * factors[target])
        added = (e for translated, e in found if not translated or target in (None, e.lang))
        return tree, tuple(_named(added, holds))

    def _rewrite(self, node, found):
        if isinstance(node, Term):
            return self._expand_run([node.text], found, lambda words: self._translated(node.text, found))[0]
        if isinstance(node, Phrase):
            nodes = self._expand_run(list(node.words), found, lambda words: node, whole=True)
            return nodes[0] if len(nodes) == 1 else node
        if isinstance(node, Or):
            return Or(tuple(self._rewrite(child, found) for child in node.children))
        if isinstance(node, And):
            children = self._rewrite_and(node.children, found)
            return replace(node, children=tuple(children))
        return node  # NOT and anything else: never expanded

    def _rewrite_and(self, children, found):
        out, run = [], []
        for child in (*children, None):
            if isinstance(child, Term):
                run.append(child.text)
                continue
            if run:
                out.extend(self._expand_run(run, found, self._translated_terms(found)))
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
            nodes.extend(self._translated(word, found) for word in words[cursor : match.start])
            span = words[match.start : match.end]
            alternatives = self._alternatives(span, match.entries)
            # The glossary's equivalents stand for the span, unless it is one word that meets an
            # entry only through its stem, maybe in another sense (*gouvernement* meets
            # *gouvernance*, *cours* meets *cour*): that one keeps its dictionary senses beside them.
            found.extend((False, e) for e in _describe(" ".join(span), alternatives))
            base, translations = original(span) if whole else _terms(span), ()
            if len(span) == 1 and not whole and not self._names(span[0], match.entries):
                translated = self._translated(span[0], found)
                if isinstance(translated, Expanded):
                    translations = translated.translations
            nodes.append(Expanded(base, alternatives, translations) if alternatives or translations else base)
            cursor = match.end
        if not matches:
            return [original(words)] if whole or len(words) == 1 else [self._translated(word, found) for word in words]
        nodes.extend(self._translated(word, found) for word in words[cursor:])
        return nodes

    def _names(self, word: str, entries) -> bool:
        """Whether one of the glossary ``entries`` spells ``word`` (accents and case aside)."""
        spelled = _spelled(word)
        return any(spelled in self._spellings[position] for position in entries)

    def _translated_terms(self, found):
        """Like ``_terms``, with each word translated."""

        def build(words):
            nodes = [self._translated(word, found) for word in words]
            return nodes[0] if len(nodes) == 1 else And(tuple(nodes))

        return build

    def _translated(self, word: str, found):
        """``Term(word)``, or an ``Expanded`` node adding its lexicon translations (recorded in ``found``).

        The node keeps a translation that is the word's own stem in the other language
        ("infraction"): the compiler searches it once, as the word's reading in that language, with
        its weight (see ``indexer.engine.whoosh.queries``). ``found`` shows only what the word does not already say.
        """
        numbers = [(lang, text) for lang, text in spellings(word) if analyze(text, lang)]  # not "un" alone
        if numbers:  # a number is never translated: its words are searched beside its digits
            found.extend((False, Expansion(word, (text,), lang, "number")) for lang, text in numbers)
            return Expanded(Term(word), tuple((lang, tuple(text.split())) for lang, text in numbers))
        scored = self._scored(word)
        if not scored:
            return Term(word)
        shown: dict[tuple[str, str], list[str]] = defaultdict(list)
        for (lang, term), (_, via, spelled) in scored.items():
            if term not in analyze(word, lang):
                shown[lang, via].append(spelled or self.lexicon.surface(term, lang))
        found.extend(
            (True, Expansion(word, tuple(dict.fromkeys(words)), lang, via)) for (lang, via), words in shown.items()
        )
        return Expanded(Term(word), (), tuple((lang, term, weight) for (lang, term), (weight, *_) in scored.items()))

    def translations(self, word: str) -> tuple[tuple[str, str, float], ...]:
        """``(language, index term, weight)`` of the word's best translations, strongest first.

        The word is read as an index term of each language. Each reading's best translation
        weighs ``weight``, the next ones ``weight`` x their probability relative to the best: the
        probability orders and discounts alternatives, it does not say how much the word matters.
        Weighing by the probability itself let a word whose translations spread over synonyms
        (p = 0.3) count a fifth of a cognate in the same heading. Cognates (``cognates``) that no
        lexicon gives weigh ``cognate_weight`` x ``weight``, or ``weight`` when no lexicon
        translates the word into their language.
        """
        return tuple((lang, term, weight) for (lang, term), (weight, *_) in self._scored(word).items())

    def _scored(self, word: str) -> dict[tuple[str, str], tuple[float, str, str]]:
        """``(language, term) -> (weight, where it comes from, its spelling)`` of the word's translations,
        strongest first; the spelling of a cognate, "" for the lexicon's (it knows their words)."""
        if is_stopword(word):
            return {}
        best: dict[tuple[str, str], tuple[float, str, str]] = {}
        for _source, target, ranked in self._readings(word) if self.lexicon is not None else ():
            for translation in ranked:
                weight = self.weight * translation.prob / ranked[0].prob
                if weight > best.get((target, translation.term), (0.0, ""))[0]:
                    best[target, translation.term] = (weight, VIA.get(translation.source, "dictionary"), "")
        for source in LANGUAGES if self.cognate_weight else ():
            target = other_language(source)
            translated = any(lang == target for lang, _ in best)
            weight = self.weight * (self.cognate_weight if translated else 1.0)
            own = set(analyze(word, target))
            for spelling in cognates(word, source):
                terms = analyze(spelling, target)
                key = (target, terms[0]) if len(terms) == 1 else None
                if key and key not in best and terms[0] not in own and is_translatable(terms[0], target):
                    best[key] = (weight, "cognate", spelling)
        ranked = sorted(best.items(), key=lambda item: -item[1][0])
        return {key: (round(weight, 4), *rest) for key, (weight, *rest) in ranked}

    def evidence(self, word: str) -> dict[str, float]:
        """Per target language, the probability of the word's best translation into it (0 when none).

        A word read in its own language has confident translations; read in the wrong one it
        meets only the other language's words quoted in passages ("(loi)"), with low ones.
        """
        if self.lexicon is None or is_stopword(word):
            return {}
        return {target: ranked[0].prob for _, target, ranked in self._readings(word)}

    def _readings(self, word: str):
        """``(source, target, translations)`` for each language the word reads as a term of, with translations."""
        for source in LANGUAGES:
            terms = analyze(word, source)
            if len(terms) != 1:
                continue
            ranked = self.lexicon.translate(terms[0], source, self.per_term, self.floor)
            if ranked:
                yield source, other_language(source), ranked

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
                    if tuple(t for t, _ in tokens[start:end]) != expression.tokens:
                        continue
                    span = (tokens[start][1], tokens[end - 1][1] + 1)
                    if expression.spelled:
                        span = _spelled_at(words, tokens[start][1], expression.spelled)
                    if span is not None:
                        spans[span].append(expression.entry)
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


def _target_language(tree, evidence) -> str | None:
    """The language to translate into, when the query's own language is clear; None to translate both ways.

    Each word was read both ways; its reading in the query's language finds translations that
    are more probable (a word read in the wrong language meets only the other language's words
    quoted in passages, "(loi)"), and stop words of one language only are a strong sign.
    """
    votes = {lang: 0.0 for lang in LANGUAGES}
    words = list(positive_words(tree))
    for word in words:
        folded = fold(word)
        own = [lang for lang in LANGUAGES if folded in LANGUAGE_SPECS[lang].stopwords]
        if len(own) == 1:
            votes[other_language(own[0])] += 1.0
    for node in _expanded_nodes(tree):
        if node.translations and isinstance(node.original, Term):
            for lang, prob in evidence(node.original.text).items():
                votes[lang] += prob
    (first, high), (_, low) = sorted(votes.items(), key=lambda item: -item[1])
    return first if high > 0 and high >= LANGUAGE_MARGIN * low else None


def _expanded_nodes(node):
    if isinstance(node, Expanded):
        yield node
        yield from _expanded_nodes(node.original)
    elif isinstance(node, (And, Or)):
        for child in node.children:
            yield from _expanded_nodes(child)


def _reweighed(node, targets: set[str], factors: dict[str, float]):
    """The tree with translations into ``targets`` only, each weight times its language's factor;
    a node left with nothing added is unwrapped."""
    if isinstance(node, Expanded):
        original = _reweighed(node.original, targets, factors)
        kept = tuple((lang, term, w * factors[lang]) for lang, term, w in node.translations if lang in targets)
        if not kept and not node.alternatives:
            return original
        return Expanded(original, node.alternatives, kept)
    if isinstance(node, (And, Or)):
        return replace(node, children=tuple(_reweighed(child, targets, factors) for child in node.children))
    return node


def _as_read_in(node, target: str, weight: float):
    """The tree with each untranslated word read in ``target`` at a translation's weight.

    In the other language's passages a word nothing translates (a name, a word no dictionary
    has) is only its own spelling read in that language: it counts as a translated word does,
    not twice as much.
    """
    if isinstance(node, Term):
        own = analyze(node.text, target)
        if is_stopword(node.text) or not own:
            return node
        return Expanded(node, (), tuple((target, term, weight) for term in own))
    if isinstance(node, (And, Or)):
        return replace(node, children=tuple(_as_read_in(child, target, weight) for child in node.children))
    return node


def _spelled(text: str) -> tuple[str, ...]:
    return tuple(fold(text).replace("’", "'").lower().split())


def _spelled_at(words, at: int, spelled: tuple[str, ...]) -> tuple[int, int] | None:
    """The span of ``words`` around word ``at`` that spells the whole term, or None."""
    for first in range(max(0, at - len(spelled) + 1), at + 1):
        if _spelled(" ".join(words[first : first + len(spelled)])) == spelled:
            return first, first + len(spelled)
    return None


def _terms(words):
    return Term(words[0]) if len(words) == 1 else And(tuple(Term(word) for word in words))


def _named(added, holds):
    """What the result names of ``added``: each word's likeliest translations among those searched."""
    for expansion in added:
        if expansion.via == "glossary":  # the glossary's equivalents are named whether the collection has them or not
            yield expansion
            continue
        lang = expansion.lang
        to = [word for word in expansion.to if holds is None or all(holds(lang, t) for t in analyze(word, lang))]
        if to:
            yield replace(expansion, to=tuple(to[:SHOWN_TRANSLATIONS]))


def _describe(source: str, alternatives) -> list[Expansion]:
    by_lang: dict[str, list[str]] = defaultdict(list)
    for lang, words in alternatives:
        by_lang[lang].append(" ".join(words))
    return [Expansion(source, tuple(texts), lang) for lang, texts in by_lang.items()]
