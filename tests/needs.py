"""What a test needs from the machine: skipped with the reason on a developer's machine, a failure under CI=true.

CI installs every tool the suite uses (``make test`` runs .ci/install-*), so a missing one there
is a broken set-up to report, never a reason to pass quietly.
"""

from __future__ import annotations

import importlib
import os

import pytest


def missing(reason: str) -> None:
    """Skip the test with ``reason``, or fail it under ``CI=true``."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: a missing tool is an error)", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


def require_module(name: str, reason: str):
    """Import ``name``, or ``missing(reason)`` when it is not installed."""
    try:
        return importlib.import_module(name)
    except ImportError:
        missing(reason)
