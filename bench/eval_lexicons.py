"""The translation lexicon `make eval`'s cross-language rows search with: learned from a data set's pairs.

The lexicon is learned (IBM Model 1, both directions averaged: ``passerelle lexicon learn``) from
the ``pairs.jsonl`` of the first selected data set that has one (the Canadian laws), kept in the
work folder (``--keep-index``) and reused while the pairs file is unchanged. It changes only how
queries are expanded: the evaluation opens the one index again with another ``Expander``.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from bench.report import log

PAIRS_FILE = "pairs.jsonl"


def learned_lexicon(folders: dict[str, Path], work: Path):
    """``(lexicon, note)``: the lexicon learned from the first selected set with pairs, or None and why."""
    from indexer.crosslang.learn import learn_lexicon
    from indexer.crosslang.lexicon import Lexicon

    with_pairs = [(name, folder) for name, folder in folders.items() if (folder / PAIRS_FILE).is_file()]
    if not with_pairs:
        return None, "no data set with pairs.jsonl selected: no learned lexicon, no target-language rows"
    name, folder = with_pairs[0]
    pairs = folder / PAIRS_FILE
    path = work / "lexicons" / f"{name}.tsv.gz"
    stamp = str(pairs.stat().st_size)
    if path.is_file():
        kept = Lexicon.load(path)
        if kept.meta.get("eval_stamp") == stamp:
            log(f"  reusing {path}")
            return kept, None
    log(f"  learning a lexicon from {folder.name}…")
    learned = learn_lexicon(pairs, folder / "passages.jsonl")
    learned.meta["eval_stamp"] = stamp
    path.parent.mkdir(parents=True, exist_ok=True)
    learned.save(path)
    log(f"  {learned!r} in {learned.meta['seconds']} s -> {path}")
    return learned, None


def with_lexicon(index, lexicon):
    """The open index again, its queries translated with ``lexicon`` as well as the glossary."""
    from indexer.crosslang.expansion import Expander

    return replace(index, expander=Expander(index.expander.glossary, lexicon))
