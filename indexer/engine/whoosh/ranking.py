"""Ranking a query's matches into the page a plan asks for: the second stage, and grouping by document.

The first stage (``arrays.evaluate``) scores every match; here the ``proximity.DEPTH`` best are
re-scored by ``indexer.engine.proximity`` and the page is cut, of passages or of documents.
Only the Whoosh backend imports this.
"""

from __future__ import annotations

import numpy as np

from indexer.engine import proximity
from indexer.engine.contract import SearchPlan
from indexer.engine.whoosh.arrays import Match
from indexer.engine.whoosh.arrays import QueryArrays
from indexer.engine.whoosh.arrays import evaluate
from indexer.engine.whoosh.arrays import top
from indexer.engine.whoosh.arrays import translated_words
from indexer.engine.whoosh.arrays import with_translation_weights
from indexer.engine.whoosh.queries import Marks
from indexer.engine.whoosh.queries import word_slots
from indexer.engine.whoosh.writing import read_terms_column

# Translations chosen by the best passages (training halves, docs/relevance.md): 5 passages and a
# floor of 0.05 against 10 / 0.05, 10 / 0.01, 20 / 0.2.
FEEDBACK_PASSAGES = 5
FEEDBACK_FLOOR = 0.05


def with_translations_chosen(query, found: Match, arrays: QueryArrays) -> Match:
    """The query's matches again, each translation weighed by how many of the best passages hold it.

    Pseudo-relevance feedback after translation that adds no word: the passages the translated
    query ranks first tell which of a word's translations the collection uses with the others
    (*montant* beside *prêt*, not *monter*), and the query is evaluated again with those weights.
    A translation none of them holds keeps ``FEEDBACK_FLOOR`` of its weight. Only for a query
    with two translated words or more.
    """
    if not FEEDBACK_PASSAGES or max(translated_words(query).values(), default=0) < 2:
        return found  # one word: the best passages would only confirm its likeliest translation
    best = top(found, FEEDBACK_PASSAGES)
    if not best:
        return found
    held: dict[tuple[str, str], int] = {}
    for docnum, _ in best:
        lang, terms, _ = read_terms_column(arrays.column_value("terms", docnum))
        for term in set(terms.split()):
            held[f"body_{lang}", term] = held.get((f"body_{lang}", term), 0) + 1

    def factor(fieldname: str, term: str) -> float:
        return FEEDBACK_FLOOR + held.get((fieldname, term), 0) / len(best)

    return evaluate(with_translation_weights(query, factor), arrays)


def passage_page(found: Match, plan: SearchPlan, arrays: QueryArrays, marks: Marks) -> list[tuple[int, float]]:
    """The (docnum, score) of ``plan``'s page, the first ``proximity.DEPTH`` passages re-scored by the second stage."""
    wanted = plan.offset + plan.limit
    candidates = top(found, max(proximity.DEPTH, wanted))
    rescored = second_stage(candidates[: proximity.DEPTH], plan, arrays, marks)
    return (rescored + candidates[proximity.DEPTH :])[plan.offset : wanted]


def second_stage(candidates, plan: SearchPlan, arrays: QueryArrays, marks: Marks) -> list[tuple[int, float]]:
    """``candidates`` (the first stage's best, best first) re-scored by ``indexer.engine.proximity``, re-sorted."""
    slots = word_slots(plan.query.tree) if plan.query.tree is not None and candidates else {}
    scorers = {
        lang: proximity.PassageScorer(
            lang_slots,
            lambda term, lang=lang: arrays.idf(f"body_{lang}", term),
            marks.terms[lang],
            marks.phrases[lang],
        )
        for lang, lang_slots in slots.items()
        if len(lang_slots)
    }
    if not scorers:
        return candidates
    rescored = []
    for docnum, score in candidates:
        lang, terms, named_terms = read_terms_column(arrays.column_value("terms", docnum))
        scorer = scorers.get(lang)
        rescored.append((docnum, scorer.rescore(score, terms, named_terms) if scorer else score))
    rescored.sort(key=lambda item: (-item[1], item[0]))
    return rescored


def document_page(found: Match, plan: SearchPlan, arrays: QueryArrays, marks: Marks):
    """The page of documents ``plan`` asks for, ordered by their best passage, and how many documents match.

    Each document of the page comes as ([(docnum, score)] of its ``plan.group_size`` best
    passages, its number of matching passages, the docnum of its first matching passage in
    reading order that is not among the best, or None). Passages are ranked exactly as ungrouped
    (the second stage's first), so a document's place is its best passage's. Only a prefix of
    the ranking is sorted, long enough to hold the page's documents: sorting every match took
    a third of a grouped search.
    """
    docnums = np.flatnonzero(found.mask)
    if not len(docnums):
        return [], 0
    owner_of = arrays.document_numbers()
    counts = np.bincount(owner_of[docnums])
    ranks = arrays.column_ranks("date") if plan.sort == "newest" else None
    first = [] if ranks is not None else second_stage(top(found, proximity.DEPTH), plan, arrays, marks)
    rest = found
    if first:
        rest = Match(found.mask.copy(), found.scores)
        rest.mask[[docnum for docnum, _ in first]] = False
    wanted, size = plan.offset + plan.limit, 4 * (plan.offset + plan.limit)
    while True:
        ranked = first + top(rest, size, ranks=ranks)
        owners = list(dict.fromkeys(int(owner_of[docnum]) for docnum, _ in ranked))
        if len(owners) >= wanted or len(ranked) >= len(docnums):
            break
        size *= 4
    page = owners[plan.offset : wanted]
    best = _best_passages(page, docnums, owner_of, found.scores, first, ranks, plan.group_size)
    unshown = _first_unshown(page, docnums, owner_of, best)
    return [(best[owner], int(counts[owner]), unshown.get(owner)) for owner in page], int(np.count_nonzero(counts))


def _first_unshown(owners, docnums, owner_of, best) -> dict[int, int]:
    """Each document's first matching passage in reading order (its passages' docnums are in that
    order) that is not among its best ones: where "n more passages" opens the document."""
    shown = {docnum for members in best.values() for docnum, _ in members}
    first: dict[int, int] = {}
    for docnum in docnums[np.isin(owner_of[docnums], owners)].tolist():  # ascending
        owner = int(owner_of[docnum])
        if owner not in first and docnum not in shown:
            first[owner] = docnum
    return first


def _best_passages(owners, docnums, owner_of, scores, first, ranks, size) -> dict[int, list[tuple[int, float]]]:
    """The ``size`` best (docnum, score) of each document in ``owners``, among the matches ``docnums``."""
    chosen = docnums[np.isin(owner_of[docnums], owners)]
    chosen_scores = scores[chosen]
    if ranks is not None:
        primary = -ranks[chosen]
    else:
        rescored = dict(first)
        primary = np.array([0 if docnum in rescored else 1 for docnum in chosen.tolist()], dtype=np.int8)
        for i in np.flatnonzero(primary == 0).tolist():
            chosen_scores[i] = rescored[int(chosen[i])]
    best: dict[int, list[tuple[int, float]]] = {owner: [] for owner in owners}
    for i in np.lexsort((chosen, -chosen_scores, primary)).tolist():
        members = best[int(owner_of[chosen[i]])]
        if len(members) < size:
            members.append((int(chosen[i]), float(chosen_scores[i])))
    return best
