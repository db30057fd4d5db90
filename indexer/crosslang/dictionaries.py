"""Build the translation lexicon Passerelle ships, from bilingual dictionaries Debian packages.

``make lexicon`` runs this module; it needs the dictionaries installed (``.ci/install-dictionaries``)
and writes ``indexer/crosslang/data/lexicon-dictionaries.tsv.gz``, which is committed: searching
needs neither the dictionaries nor root. Sources and their licences: ``data/README.md``.

Evidence for a pair (English index term, French index term) comes from several *sources*:

- **direct**: FreeDict English-French and French-English;
- **FreeDict pivots**: through the fifteen languages of ``PIVOTS`` (English -> pivot word ->
  French, each dictionary also read backwards);
- **Apertium pivots**: its bilingual dictionaries through Spanish, Catalan and Esperanto, read
  with ``lt-proc -b`` for every known headword under each part of speech;
- **verbiste**'s French conjugations, after the pairs are scored: a French verb's inflected forms
  get its translations, and its past participles join it as translations (``with_inflected_forms``,
  ``with_participles``);
- **WordNet**'s irregular English verb forms, likewise: *paid*, *taken*, *sent* get the French
  verbs among the translations of *pay*, *take*, *send*, which stemming leaves apart
  (``with_irregular_forms``; verbs only, or *led* would be *plomb* through *lead*), and irregular
  plurals with no entry of their own get their singular's (*women*, *criteria*: ``with_plurals``).

Each source gives the probability of a translation in each direction: directly, a sense's weight
over the entry's; through a pivot, summed over the pivot words ``P(pivot | en) P(fr | pivot)``, so
a polysemous pivot word (German *Verkehr*: traffic, intercourse) spreads thin. A pair's score is
the weighted mean, over sources, of its two directions' probabilities: a word's main sense,
reached through several languages and both ways, scores high; one pivot's stray path scores low.
Pairs are kept only between known words of each language (a dictionary's headwords: WikDict's
German-French entries carry German glosses), at most ``MAX_TRANSLATIONS`` per term and none
below ``RELATIVE_FLOOR`` of its best, normalised into probabilities that sum to 1 per term.
The query then lets the collection choose among them (``indexer.engine.whoosh.arrays.WeightedTerms``).

    python -m indexer.crosslang.dictionaries [--out FILE] [--dictd DIR] [--apertium DIR]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from indexer.analysis import is_stopword
from indexer.crosslang.freedict import DICTD_DIR
from indexer.crosslang.freedict import read_freedict
from indexer.crosslang.freedict import single_term
from indexer.crosslang.kept import SHIPPED_FILE
from indexer.crosslang.lexicon import Lexicon
from indexer.folding import fold

METHOD = "dictionaries"
# Fifteen languages FreeDict links to both English and French. The ten added last (issue 25, Swedish
# onwards) raised training MRR@10 0.137 / 0.135 -> 0.142 / 0.142: a pair many languages agree on
# outweighs one pivot's stray path.
PIVOTS = ("deu", "spa", "ita", "por", "nld", "swe", "pol", "fin", "ell", "rus", "bul", "lit", "tur", "jpn", "lat")
APERTIUM_DIR = Path("/usr/share/apertium")
# Per pivot: the English->pivot, pivot->French, French->pivot and pivot->English dictionaries
# ("" where Debian has none).
APERTIUM = {
    "spa": (
        "apertium-eng-spa/eng-spa.autobil.bin",
        "apertium-fr-es/es-fr.autobil.bin",
        "apertium-fr-es/fr-es.autobil.bin",
        "apertium-eng-spa/spa-eng.autobil.bin",
    ),
    "cat": (
        "apertium-eng-cat/eng-cat.autobil.bin",
        "apertium-fra-cat/cat-fra.autobil.bin",
        "apertium-fra-cat/fra-cat.autobil.bin",
        "apertium-eng-cat/cat-eng.autobil.bin",
    ),
    "epo": ("", "", "apertium-eo-fr/fr-eo.autobil.bin", "apertium-eo-en/eo-en.autobil.bin"),
}
APERTIUM_TAGS = ("n", "vblex", "adj", "adv")
VERBISTE_DIR = Path("/usr/share/verbiste-0.1")  # French conjugations (verbiste): verbs' forms stemming splits
WORDNET_DIR = Path("/usr/share/wordnet")  # English irregular verb forms (verb.exc) and lemmas (index.*)
AUXILIARIES = ("être", "avoir")
# Chosen on the training halves of the Canadian cross-language queries (docs/relevance.md).
SENSE_DECAY = 0.7  # a later sense of an entry weighs this times the one before
BACKWARD = 0.7  # a pair read from the other direction's dictionary
# An irregular form that is a common word of its own (WordNet: a noun or verb lemma with this many
# senses seen in its tagged corpus; *left*, *ground*, *found*) keeps its translations, and adds
# its lemma's at this share. Any other form (*paid*, *given*, *sent*) takes its lemma's alone.
OWN_WORD_SENSES = 2
LEMMA_SHARE = 1 / 3
DIRECT_WEIGHT = 2.0  # the English-French dictionaries count as two pivots
MAX_TRANSLATIONS = 16  # per term: the collection chooses among them
RELATIVE_FLOOR = 0.01  # of the term's best translation's score

Edges = dict[str, dict[str, float]]  # key -> translation key -> weight or probability
Source = tuple[Edges, Edges]  # (English -> French, French -> English)


class Builder:
    """Reads the installed dictionaries once; ``lexicon()`` combines them."""

    def __init__(
        self,
        dictd: Path = DICTD_DIR,
        apertium: Path = APERTIUM_DIR,
        verbiste: Path = VERBISTE_DIR,
        wordnet: Path = WORDNET_DIR,
    ):
        self.dictd, self.apertium = Path(dictd), Path(apertium)
        self.verbiste, self.wordnet = Path(verbiste), Path(wordnet)
        self.surfaces: dict[str, dict[str, str]] = {"en": {}, "fr": {}}  # stem -> the first word seen

    def lexicon(self) -> Lexicon:
        """The shipped lexicon.

        :raises DictionaryNotFound: when a FreeDict dictionary it needs is missing.
        """
        english, french = self._headwords("eng"), self._headwords("fra")
        sources = {"direct": self._direct()}
        sources.update((pivot, self._through(pivot)) for pivot in PIVOTS)
        sources.update((f"apertium-{name}", self._apertium(paths, english, french)) for name, paths in APERTIUM.items())
        known = {"en": self._terms(english, "en"), "fr": self._terms(french, "fr")}
        table = combine({name: _between(source, known) for name, source in sources.items()})
        forms, participles = self._verb_forms()
        english_table = with_irregular_forms(table["en"], self._irregular_forms(), set(forms))
        english_table = with_plurals(english_table, self._irregular_plurals())
        table = {"en": with_participles(english_table, participles), "fr": with_inflected_forms(table["fr"], forms)}
        meta = {"method": METHOD, "sources": ", ".join([*sources, "verbiste", "wordnet"])}
        return Lexicon(table, meta, self.surfaces)

    def _term(self, word: str, lang: str) -> str | None:
        term = single_term(word, lang)
        if term is not None:
            self.surfaces[lang].setdefault(term, word.strip().lower())
        return term

    def _terms(self, words: set[str], lang: str) -> set[str]:
        # In order: the first word seen is a stem's surface, and the lexicon the same at every build.
        return {term for term in (self._term(word, lang) for word in sorted(words)) if term is not None}

    def _headwords(self, code: str) -> set[str]:
        """The single-word headwords of every installed dictionary out of a language."""
        words = set()
        for index in self.dictd.glob(f"freedict-{code}-*.index"):
            for line in index.open(encoding="utf-8"):
                word = line.split("\t", 1)[0].strip()
                if word.isalpha():
                    words.add(word)
        return words

    def _verb_forms(self) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
        """French verbs' inflected forms by the infinitive's index term, all of them and the past
        participles, as index terms that stemming leaves apart from the infinitive's
        (*payé* "pay", *payer* "pai"; *pris*, *prendre*); empty without verbiste."""
        forms: dict[str, set[str]] = defaultdict(set)
        participles: dict[str, set[str]] = defaultdict(set)
        verbs = self.verbiste / "verbs-fr.xml"
        if not verbs.is_file():
            return forms, participles
        infinitives = re.findall(r"<i>([^<]+)</i>", verbs.read_text(encoding="utf-8"))
        conjugated = subprocess.run(
            ["french-conjugator"], input="\n".join(infinitives) + "\n", capture_output=True, text=True, check=True
        ).stdout
        verb = tense = None
        for line in conjugated.splitlines():
            if line.startswith("- ") and line.endswith(":"):
                tense, verb = line[2:-1], (None if line == "- infinitive present:" else verb)
            elif line and line != "-" and tense == "infinitive present":
                verb = None if line in AUXILIARIES else single_term(line, "fr")
            elif line and line != "-" and verb is not None and not is_stopword(line):
                form = single_term(line, "fr")
                if form is not None and form != verb:
                    forms[verb].add(form)
                    if tense == "participle past":
                        participles[verb].add(form)
        return forms, participles

    def _irregular_forms(self) -> dict[str, tuple[str, bool]]:
        """English irregular verb forms by index term: (the lemma's index term, whether the form is a
        common word of its own); empty without WordNet."""
        exceptions = self.wordnet / "verb.exc"
        if not exceptions.is_file():
            return {}
        own_words = {
            cells[0]
            for part in ("noun", "verb")
            for cells in (line.split() for line in (self.wordnet / f"index.{part}").open(encoding="utf-8"))
            if not cells[0].isdigit() and int(cells[5 + int(cells[3])]) >= OWN_WORD_SENSES  # tagsense_cnt
        }
        found: dict[str, tuple[str, bool]] = {}
        for line in exceptions.open(encoding="utf-8"):
            form, lemma = line.split()[:2]
            form_term, lemma_term = single_term(form, "en"), single_term(lemma, "en")
            # A form stemming changes (*initialled*: "initial") is another word's term.
            if form_term == form and lemma_term not in (None, form_term):
                found.setdefault(form_term, (lemma_term, form in own_words))
        return found

    def _irregular_plurals(self) -> dict[str, str]:
        """English irregular plurals' index terms -> their singular's; empty without WordNet."""
        exceptions = self.wordnet / "noun.exc"
        found: dict[str, str] = {}
        for line in exceptions.open(encoding="utf-8") if exceptions.is_file() else ():
            plural, singular = (single_term(word, "en") for word in line.split()[:2])
            if plural is not None and singular not in (None, plural):
                found.setdefault(plural, singular)
        return found

    # -- FreeDict --------------------------------------------------------------------------

    def _read(self, name: str, source, target) -> Edges:
        """One dictionary as (headword key -> translation key -> sense weight); {} when not installed."""
        index = self.dictd / f"freedict-{name}.index"
        edges: Edges = defaultdict(dict)
        if not index.is_file():
            return edges
        for headword, senses in read_freedict(index, self.dictd / f"freedict-{name}.dict.dz"):
            key = source(headword)
            for rank, sense in enumerate(senses if key is not None else ()):
                for translation in sense:
                    other = target(translation)
                    if other is not None and SENSE_DECAY**rank > edges[key].get(other, 0.0):
                        edges[key][other] = SENSE_DECAY**rank
        return edges

    def _dictionary(self, source: str, target: str) -> Edges:
        """``source``->``target`` probabilities from the dictionary of that direction and the other read backwards."""
        keys = {"eng": lambda w: self._term(w, "en"), "fra": lambda w: self._term(w, "fr")}
        key = lambda code: keys.get(code, _pivot_word)  # noqa: E731
        forward = self._read(f"{source}-{target}", key(source), key(target))
        backward = self._read(f"{target}-{source}", key(target), key(source))
        return _normalised(_both_ways(forward, backward))

    def _direct(self) -> Source:
        return self._dictionary("eng", "fra"), self._dictionary("fra", "eng")

    def _through(self, pivot: str) -> Source:
        return (
            _compose(self._dictionary("eng", pivot), self._dictionary(pivot, "fra")),
            _compose(self._dictionary("fra", pivot), self._dictionary(pivot, "eng")),
        )

    # -- Apertium --------------------------------------------------------------------------

    def _apertium(self, paths: tuple[str, str, str, str], english: set[str], french: set[str]) -> Source:
        to_fr, from_en = self._lookup(paths[0], english, "en"), self._lookup(paths[2], french, "fr")
        return (
            _normalised(_compose(to_fr, self._lookup_pivot(paths[1], _targets(to_fr), "fr"))),
            _normalised(_compose(from_en, self._lookup_pivot(paths[3], _targets(from_en), "en"))),
        )

    def _lookup(self, name: str, words: set[str], lang: str) -> Edges:
        """Each word's pivot translations (``lemma<tag>``), keyed by its index term."""
        edges: Edges = defaultdict(dict)
        entries = [(word.lower(), tag) for word in sorted(words) for tag in APERTIUM_TAGS]
        for key, translations in _lt_proc(self.apertium / name, entries) if name else ():
            term = self._term(key.split("<", 1)[0], lang)
            for pivot in translations if term is not None else ():
                edges[term][pivot] = max(edges[term].get(pivot, 0.0), 1.0 / len(translations))
        return edges

    def _lookup_pivot(self, name: str, lemmas: set[str], lang: str) -> Edges:
        """Pivot ``lemma<tag>`` -> index terms of ``lang``."""
        edges: Edges = defaultdict(dict)
        entries = [tuple(lemma.rstrip(">").split("<", 1)) for lemma in sorted(lemmas)]
        for pivot, translations in _lt_proc(self.apertium / name, entries) if name else ():
            for word in translations:
                term = self._term(word.split("<", 1)[0], lang)
                if term is not None:
                    edges[pivot][term] = max(edges[pivot].get(term, 0.0), 1.0 / len(translations))
        return edges


def _lt_proc(path: Path, entries) -> list[tuple[str, list[str]]]:
    """``lt-proc -b`` on ``(lemma, tag)`` entries: each entry found and its translations, both as ``lemma<tag>``."""
    entries = [(lemma, tag) for lemma, tag in entries if lemma.isalpha()]
    text = "".join(f"^{lemma}<{tag}>$\n" for lemma, tag in entries)
    lines = subprocess.run(
        ["lt-proc", "-b", str(path)], input=text, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    if len(lines) != len(entries):
        raise RuntimeError(f"lt-proc -b {path}: {len(lines)} lines for {len(entries)} entries")
    found = []
    for (lemma, tag), line in zip(entries, lines):
        cells = line.strip().strip("^$").split("/")[1:]  # "^house<n>/casa<n><f>$": the source, then translations
        lemmas = dict.fromkeys(cell.split("<", 1)[0] for cell in cells if cell and not cell.startswith("@"))
        translations = [f"{word}<{tag}>" for word in lemmas if word.replace("-", "").isalpha()]
        if translations:
            found.append((f"{lemma}<{tag}>", translations))
    return found


def _pivot_word(word: str) -> str | None:
    word = fold(word.strip())
    return word if len(word) > 1 and " " not in word else None


def _targets(edges: Edges) -> set[str]:
    return {target for targets in edges.values() for target in targets}


def _both_ways(forward: Edges, backward: Edges) -> Edges:
    """``forward`` merged with ``backward`` read from the other side at ``BACKWARD``."""
    merged: Edges = defaultdict(dict)
    for key, targets in forward.items():
        merged[key].update(targets)
    for other, keys in backward.items():
        for key, weight in keys.items():
            merged[key][other] = max(merged[key].get(other, 0.0), BACKWARD * weight)
    return merged


def _normalised(edges: Edges) -> Edges:
    return {key: {other: w / sum(targets.values()) for other, w in targets.items()} for key, targets in edges.items()}


def _compose(first: Edges, second: Edges) -> Edges:
    """``P(c | a) = sum over b of P(b | a) P(c | b)``."""
    composed: Edges = {}
    for key, middles in first.items():
        found: dict[str, float] = defaultdict(float)
        for middle, p in middles.items():
            for other, q in second.get(middle, {}).items():
                found[other] += p * q
        if found:
            composed[key] = dict(found)
    return composed


def _between(source: Source, known: dict[str, set[str]]) -> Source:
    """A source's pairs between known English and known French terms only."""

    def kept(edges: Edges, keys: set[str], others: set[str]) -> Edges:
        found = {
            key: {o: p for o, p in targets.items() if o in others} for key, targets in edges.items() if key in keys
        }
        return {key: targets for key, targets in found.items() if targets}

    en_fr, fr_en = source
    return kept(en_fr, known["en"], known["fr"]), kept(fr_en, known["fr"], known["en"])


def combine(sources: dict[str, Source]) -> dict[str, dict[str, list[tuple[str, float]]]]:
    """Both directions' tables: each pair scored over every source and both directions, cut and normalised."""
    weights = {name: DIRECT_WEIGHT if name == "direct" else 1.0 for name in sources}
    total = sum(weights.values())
    scores: dict[tuple[str, str], float] = defaultdict(float)
    for name, (en_fr, fr_en) in sources.items():
        for en, targets in en_fr.items():
            for fr, p in targets.items():
                scores[en, fr] += weights[name] * p / (2 * total)
        for fr, targets in fr_en.items():
            for en, p in targets.items():
                scores[en, fr] += weights[name] * p / (2 * total)
    by_lang: dict[str, dict[str, dict[str, float]]] = {"en": defaultdict(dict), "fr": defaultdict(dict)}
    for (en, fr), score in scores.items():
        by_lang["en"][en][fr] = score
        by_lang["fr"][fr][en] = score
    return {lang: {term: _cut(targets) for term, targets in terms.items()} for lang, terms in by_lang.items()}


def with_inflected_forms(table: dict[str, list[tuple[str, float]]], forms: dict[str, set[str]]):
    """``table`` (French terms) with each verb's inflected forms that have no entry of their own
    given the verb's: a question says *payées*, *pris*, dictionaries list *payer*, *prendre*."""
    merged = dict(table)
    for verb, inflected in forms.items():
        for form in inflected if verb in table else ():
            merged.setdefault(form, table[verb])
    return merged


def with_irregular_forms(
    table: dict[str, list[tuple[str, float]]], forms: dict[str, tuple[str, bool]], french_verbs: set[str]
):
    """``table`` (English terms) with each irregular verb form given the French verbs among its
    lemma's translations: in place of its own, or beside them at ``LEMMA_SHARE`` when the form is a
    word of its own."""
    merged = dict(table)
    for form, (lemma, own_word) in forms.items():
        verbs = {target: p for target, p in table.get(lemma, ()) if target in french_verbs}
        if not verbs:
            continue
        total = sum(verbs.values())
        share = LEMMA_SHARE if own_word and form in table else 1.0
        scores = {target: (1 - share) * p for target, p in table.get(form, ())}
        for target, p in verbs.items():
            scores[target] = scores.get(target, 0.0) + share * p / total
        merged[form] = _cut(scores)
    return merged


def with_plurals(table: dict[str, list[tuple[str, float]]], plurals: dict[str, str]):
    """``table`` (English terms) with each irregular plural that has no entry given its singular's,
    those ``plurals`` lists and the *-men* of a *-man* (*women*, *chairmen*: WordNet makes them by rule)."""
    merged = dict(table)
    men = {term[: -len("man")] + "men": term for term in table if term.endswith("man")}
    for plural, singular in {**men, **plurals}.items():
        if singular in table:
            merged.setdefault(plural, table[singular])
    return merged


def with_participles(table: dict[str, list[tuple[str, float]]], participles: dict[str, set[str]]):
    """``table`` (English terms) with each French verb translation joined by its past participles
    at the verb's probability: passages say *payé*, *versées*, *pris*, dictionaries *payer*."""
    merged = {}
    for term, targets in table.items():
        scores = dict(targets)
        for verb, p in targets:
            for form in sorted(participles.get(verb, ())):
                scores.setdefault(form, p)
        total = sum(scores.values())
        merged[term] = [(other, round(p / total, 4)) for other, p in scores.items()]
    return merged


def _cut(targets: dict[str, float]) -> list[tuple[str, float]]:
    ranked = sorted(targets.items(), key=lambda item: (-item[1], item[0]))[:MAX_TRANSLATIONS]
    ranked = [(term, score) for term, score in ranked if score >= RELATIVE_FLOOR * ranked[0][1]]
    total = sum(score for _, score in ranked)
    return [(term, round(score / total, 4)) for term, score in ranked]


def main(argv: list[str] | None = None) -> int:
    """Build the lexicon and write it (by default over the shipped file)."""
    parser = argparse.ArgumentParser(
        prog="python -m indexer.crosslang.dictionaries", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--out", type=Path, default=SHIPPED_FILE)
    parser.add_argument("--dictd", type=Path, default=DICTD_DIR)
    parser.add_argument("--apertium", type=Path, default=APERTIUM_DIR)
    options = parser.parse_args(argv)
    lexicon = Builder(options.dictd, options.apertium).lexicon()
    lexicon.save(options.out)
    print(f"{lexicon!r} -> {options.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
