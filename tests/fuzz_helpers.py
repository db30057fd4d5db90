"""Shared by the fuzz tests: the Hypothesis profile, the query strategies, and what every answer must satisfy.

The profile makes runs deterministic (``derandomize``: the same examples on every machine, so CI
never fails on a draw it cannot repeat), keeps no example database in the working tree, and sets
no deadline: these tests check that queries are answered, never how fast. ``HYPOTHESIS_PROFILE=dev``
draws fresh random examples and more of them, to hunt locally.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from hypothesis import HealthCheck
from hypothesis import settings

from indexer.models import SearchResult

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # bench/ is not an installed package
    sys.path.insert(0, str(ROOT))

from bench.querygen import filter_values  # noqa: E402,F401 - re-exported for the test modules
from bench.querygen import queries  # noqa: E402,F401
from bench.querygen import result_problems  # noqa: E402

_COMMON = dict(deadline=None, database=None, print_blob=False, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", max_examples=50, derandomize=True, **_COMMON)
settings.register_profile("dev", max_examples=2000, derandomize=False, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def assert_sound_result(result: SearchResult) -> None:
    """What any answer must be: a page within bounds, escaped snippets true to the text, a JSON twin."""
    assert result_problems(result) == []
