"""Whoosh's face of ``indexer.analysis``: the analyzers named in the schema.

The backend hands Whoosh terms already analysed; the schema still needs an analyzer per field,
which Whoosh pickles into the index by class path (moving this class means a new index format).
"""

from __future__ import annotations

from whoosh.analysis import Analyzer
from whoosh.analysis import Token

from indexer.analysis import LANGUAGE_SPECS
from indexer.analysis import WORDS
from indexer.analysis import analyze_with_offsets


class TermAnalyzer(Analyzer):
    """The Whoosh face of ``analyze`` (the schema needs one; the backend passes terms pre-analysed).

    Picklable by name, since Whoosh pickles the schema into the index.
    """

    def __init__(self, kind: str):
        self.kind = kind

    def __getstate__(self):
        return {"kind": self.kind}

    def __setstate__(self, state):
        self.kind = state["kind"]

    def __eq__(self, other):
        return type(other) is type(self) and other.kind == self.kind

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for pos, (term, start, end) in enumerate(analyze_with_offsets(value, self.kind), start_pos):
            token.text, token.boost, token.stopped = term, 1.0, False
            if positions:
                token.pos = pos
            if chars:
                token.startchar, token.endchar = start_char + start, start_char + end
            yield token


ANALYZERS = {kind: TermAnalyzer(kind) for kind in (*LANGUAGE_SPECS, WORDS)}
