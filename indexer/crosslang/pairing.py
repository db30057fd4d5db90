"""Documents that are translations of each other, found among those of the other language.

Each document is summed up in a ``Profile``: its index terms (title words count thrice), its
anchors (numbers and names, spelt alike in both languages: ``indexer.crosslang.align.anchors``),
its length in characters and passages. Two documents of different languages score

- the cosine of their terms, one side translated into the other's terms by the dictionary
  lexicon (a term without a translation stands for itself: names, cognates), tf-idf weighted,
  averaged over both directions;
- the cosine of their anchors, idf weighted;
- their mean, lowered when their lengths differ more than translations do (``LENGTH_SLACK``).

A pair is kept when each is the other's best and the score reaches ``MIN_SCORE``: a document
whose translation is not in the collection then stays alone, as its best match scores low.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from indexer.analysis import analyze
from indexer.crosslang.align import anchors
from indexer.models import IndexedDocument

PROFILE_TERMS = 300  # the most frequent terms of a document are enough to recognise its translation
TITLE_WEIGHT = 3
TRANSLATIONS_PER_TERM = 3
MIN_SCORE = 0.15  # unrelated documents score near 0: the threshold sweep is in docs/alignment.md
LENGTH_SLACK = math.log(1.6)  # lengths of a translation and its original differ by less than this factor
LENGTH_PENALTY = 2.0  # per unit of log length ratio beyond the slack


@dataclass(frozen=True)
class Profile:
    """What pairing compares of a document: plain values, stored between indexing runs."""

    doc_id: str
    lang: str
    chars: int
    passages: int
    terms: dict[str, float]
    anchors: dict[str, int]

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in ("doc_id", "lang", "chars", "passages", "terms", "anchors")}

    @classmethod
    def from_dict(cls, data: dict) -> Profile:
        return cls(**data)


@dataclass(frozen=True)
class FoundPair:
    """An English and a French document found to be translations of each other, and how surely."""

    en: str
    fr: str
    score: float


def profile(document: IndexedDocument) -> Profile:
    """A document's profile, from its indexed passages."""
    info = document.info
    terms: Counter = Counter()
    found_anchors: Counter = Counter()
    for passage in document.passages:
        terms.update(analyze(passage.text, info.lang))
        found_anchors.update(anchors(passage.text))
    for _ in range(TITLE_WEIGHT):
        terms.update(analyze(info.title, info.lang))
    kept = dict(terms.most_common(PROFILE_TERMS))
    return Profile(
        doc_id=info.doc_id,
        lang=info.lang,
        chars=sum(len(p.text) for p in document.passages),
        passages=len(document.passages),
        terms=kept,
        anchors=dict(found_anchors.most_common(PROFILE_TERMS)),
    )


def find_pairs(profiles: Iterable[Profile], lexicon) -> list[FoundPair]:
    """Mutually best English-French pairs scoring at least ``MIN_SCORE``.

    :param lexicon: translates index terms (``translate(term, lang, limit)``), or None.
    """
    by_lang = {"en": [], "fr": []}
    for item in profiles:
        if item.lang in by_lang:
            by_lang[item.lang].append(item)
    english, french = by_lang["en"], by_lang["fr"]
    if not english or not french:
        return []
    # English translated into French terms against French, and the other way round.
    into_french = _cosines([_translated(p.terms, "en", lexicon) for p in english], [p.terms for p in french])
    into_english = _cosines([_translated(p.terms, "fr", lexicon) for p in french], [p.terms for p in english])
    same = _cosines([p.anchors for p in english], [p.anchors for p in french], both=True)
    score = ((into_french + into_english.T) / 2 + same) / 2
    score *= _length_factor([p.chars for p in english], [p.chars for p in french])
    score *= _length_factor([p.passages for p in english], [p.passages for p in french])
    best_french = score.argmax(axis=1)
    best_english = score.argmax(axis=0)
    pairs = []
    for row, column in enumerate(best_french):
        if best_english[column] == row and score[row, column] >= MIN_SCORE:
            pairs.append(FoundPair(english[row].doc_id, french[column].doc_id, round(float(score[row, column]), 4)))
    return pairs


def _translated(terms: dict[str, float], lang: str, lexicon) -> dict[str, float]:
    out: dict[str, float] = {}
    for term, count in terms.items():
        translations = lexicon.translate(term, lang, limit=TRANSLATIONS_PER_TERM) if lexicon is not None else []
        if not translations:
            out[term] = out.get(term, 0.0) + count
            continue
        total = sum(t.prob for t in translations)
        for translation in translations:
            out[translation.term] = out.get(translation.term, 0.0) + count * translation.prob / total
    return out


def _cosines(rows: list[dict[str, float]], columns: list[dict[str, float]], both: bool = False):
    """Cosines of tf-idf vectors (idf from ``columns``, or from both sides), through postings of the columns."""
    import numpy as np

    native = columns + rows if both else columns
    frequency = Counter(term for bag in native for term in bag)
    idf = {term: math.log(1 + len(native) / df) for term, df in frequency.items()}
    postings: dict[str, tuple[list[int], list[float]]] = {}
    for number, bag in enumerate(columns):
        for term, weight in _unit(bag, idf).items():
            entry = postings.setdefault(term, ([], []))
            entry[0].append(number)
            entry[1].append(weight)
    arrays = {term: (np.array(ids), np.array(weights)) for term, (ids, weights) in postings.items()}
    result = np.zeros((len(rows), len(columns)))
    for number, bag in enumerate(rows):
        line = result[number]
        for term, weight in _unit(bag, idf).items():
            found = arrays.get(term)
            if found is not None:
                line[found[0]] += weight * found[1]
    return result


def _unit(bag: dict[str, float], idf: dict[str, float]) -> dict[str, float]:
    """Sublinear tf times idf (terms unknown to the idf side are dropped), of length 1."""
    weighted = {term: (1 + math.log(count)) * idf[term] for term, count in bag.items() if term in idf and count >= 1}
    norm = math.sqrt(sum(w * w for w in weighted.values())) or 1.0
    return {term: w / norm for term, w in weighted.items()}


def _length_factor(left: list[int], right: list[int]):
    """1 while two lengths differ by less than ``LENGTH_SLACK`` (in log), then falling off."""
    import numpy as np

    ratio = np.abs(np.log((np.array(left, dtype=float)[:, None] + 1) / (np.array(right, dtype=float)[None, :] + 1)))
    return np.exp(-LENGTH_PENALTY * np.maximum(0.0, ratio - LENGTH_SLACK))
