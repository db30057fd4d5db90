"""``passerelle check``: whether the live index is sound, file by file, and deeply on request.

Every file of the live generation is read whole and compared with the checksum recorded when it
was written (``indexer.integrity``); the format number must be the one this Passerelle reads; with
``deep``, the backend decodes every posting list, stored record and column.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from indexer.errors import IndexDamaged
from indexer.errors import IndexNotFound
from indexer.integrity import ALL
from indexer.store import CURRENT
from indexer.store import INDEX_FORMAT
from indexer.store import current_generation
from indexer.store import link_problems


@dataclass(frozen=True)
class IndexCheck:
    """What ``passerelle check`` found: the damaged files, how many were verified, and a note when
    the checksums could not vouch for them."""

    root: Path
    problems: tuple[str, ...]
    files: int = 0
    note: str = ""

    def summary(self) -> str:
        verdict = f"damaged ({len(self.problems)} problems)" if self.problems else "sound"
        return f"index at {self.root}: {self.files} files verified against their checksums: {verdict}"


def check_index(root: Path, deep: bool = False) -> IndexCheck:
    """Verify every file of the live generation against its checksum (each file read whole), and
    with ``deep`` decode every posting list, stored record and column of the backend."""
    root = Path(root)
    problems = link_problems(root)
    generation = current_generation(root)
    if problems or generation is None:
        return IndexCheck(root, problems or (f"{root}: nothing indexed there (no {CURRENT} link)",))
    found = generation.verify(ALL)
    problems = list(found.problems)
    number = None if problems else generation.format_number()
    if not problems and number != INDEX_FORMAT:
        problems.append(f"{generation.format_path}: format {number}, this Passerelle reads {INDEX_FORMAT}")
    if deep and not problems:
        try:
            backend = generation.open_backend()
        except (IndexDamaged, IndexNotFound) as error:
            problems.append(str(error))
        else:
            try:
                problems += backend.verify()
            finally:
                backend.close()
    notes = {
        "unsealed": "the last indexing run on this generation did not finish: its checksums vouch for nothing "
        "(the next `passerelle index` records them)",
        "unrecorded": "no checksums recorded (an index written before they were): the next `passerelle index` "
        "records them",
    }
    return IndexCheck(root, tuple(problems), found.files, notes.get(found.state, ""))
