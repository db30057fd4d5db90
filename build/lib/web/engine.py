"""The index a web process searches: one LiveIndex per app, shared by every request and thread.

``LiveIndex.get()`` is cheap when nothing changed: it reopens only after a rebuild swapped the
index generation, and the backend itself picks up new commits to the live generation.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask import current_app

from indexer import LiveIndex
from indexer import OpenIndex

EXTENSION = "passerelle.index"


def init_app(app: Flask) -> None:
    """Attach the app's LiveIndex over ``INDEX_DIR`` (opened lazily, on the first search)."""
    app.extensions[EXTENSION] = LiveIndex(Path(app.config["INDEX_DIR"]))


def live_index(app: Flask | None = None) -> LiveIndex:
    """The LiveIndex of ``app`` (default: the current app)."""
    return (app or current_app).extensions[EXTENSION]


def get_index() -> OpenIndex:
    """The open index for the current request.

    :raises IndexNotFound: when nothing has been indexed in ``INDEX_DIR`` yet (a 503 at the edge).
    """
    return live_index().get()
