"""The lexicons `make eval` compares (issue 8): FreeDict, one learned from all pairs, one learned from half.

The learned lexicons are learned from a data set's ``pairs.jsonl`` (the Canadian laws), once
with every pair and once with the pairs of half of the instruments (every other instrument id
in sorted order), so that a split run can score only the queries of the other half: there the
lexicon has never seen the relevant passage nor its translation. Learned files are kept in the
work folder (``--keep-index``) and reused while the pairs file is unchanged.

The systems differ only at query time: each is the one open index with another ``Expander``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from pathlib import Path

from bench.report import log

PAIRS_FILE = "pairs.jsonl"
# system -> which lexicons its Expander gets ("learned" means the learned lexicon of the run)
LEXICON_SYSTEMS = {
    "dictionary": ("dictionary",),
    "learned": ("learned",),
    "both": ("learned", "dictionary"),
}


@dataclass
class Lexicons:
    """What a run translates with; a missing source is None and its systems equal glossary only."""

    dictionary: object = None  # indexer.lexicon.Lexicon
    learned: object = None
    learned_half: object = None  # learned from the instruments *not* in held_out
    held_out: frozenset[str] = frozenset()  # instrument ids the half lexicon never saw
    source: str = ""  # the data set the learned lexicons come from
    notes: list[str] = field(default_factory=list)


def prepare(folders: dict[str, Path] | None, work: Path) -> Lexicons:
    """FreeDict (when installed) and the learned lexicons of the first selected data set with pairs."""
    from indexer.lexicon_store import installed_freedict_lexicon

    found = Lexicons(dictionary=installed_freedict_lexicon())
    if found.dictionary is None:
        found.notes.append("FreeDict not installed (.ci/install-freedict): '+ dictionary' equals glossary only")
    with_pairs = [(name, folder) for name, folder in (folders or {}).items() if (folder / PAIRS_FILE).is_file()]
    if not with_pairs:
        found.notes.append("no data set with pairs.jsonl selected: '+ learned lexicon' equals glossary only")
        return found
    name, folder = with_pairs[0]
    instruments = sorted(_instruments(folder / PAIRS_FILE))
    learning_half = set(instruments[0::2])
    found.held_out = frozenset(instruments[1::2])
    found.source = name
    found.learned = _learned(folder, work / "lexicons" / f"{name}-all.tsv.gz", None)
    found.learned_half = _learned(folder, work / "lexicons" / f"{name}-half.tsv.gz", learning_half)
    return found


def _instruments(pairs: Path) -> set[str]:
    with pairs.open(encoding="utf-8") as lines:
        return {json.loads(line).get("instrument", "") for line in lines if line.strip()}


def _learned(folder: Path, path: Path, instruments: set[str] | None):
    """The lexicon learned from the folder's pairs (of ``instruments`` only), reused when kept and current."""
    from indexer.lexicon import Lexicon
    from indexer.lexicon_learn import learn_lexicon

    pairs = folder / PAIRS_FILE
    stamp = f"{pairs.stat().st_size}-{len(instruments) if instruments else 'all'}"
    if path.is_file():
        kept = Lexicon.load(path)
        if kept.meta.get("eval_stamp") == stamp:
            log(f"  reusing {path}")
            return kept
    what = f"{len(instruments)} instruments" if instruments else "all pairs"
    log(f"  learning a lexicon from {folder.name} ({what})…")
    learned = learn_lexicon(pairs, folder / "passages.jsonl", instruments=instruments)
    learned.meta["eval_stamp"] = stamp
    learned.save(path)
    log(f"  {learned!r} in {learned.meta['seconds']} s -> {path}")
    return learned


def expanders(index, lexicons: Lexicons, half: bool = False) -> dict[str, object]:
    """An open index per lexicon system, sharing the backend; ``half`` uses the half-learned lexicon."""
    from indexer.expansion import Expander
    from indexer.lexicon_store import combine

    learned = lexicons.learned_half if half else lexicons.learned
    sources = {"learned": learned, "dictionary": lexicons.dictionary}
    glossary = index.expander.glossary
    out = {}
    for system, names in LEXICON_SYSTEMS.items():
        chosen = [sources[name] for name in names if sources[name] is not None]
        out[system] = replace(index, expander=Expander(glossary, combine(chosen)))
    return out
