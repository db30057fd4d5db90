"""Blueprint "api" at /api: the JSON twin of the pages, with the same search parameters.

Errors (bad parameters, unknown documents, no index yet) are turned into the one JSON error
shape by ``web.errors``.
"""

from __future__ import annotations

import os
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version
from pathlib import Path

from flask import Blueprint
from flask import current_app
from flask import jsonify
from flask import request
from werkzeug.exceptions import NotFound
from werkzeug.exceptions import ServiceUnavailable

from indexer import TaskQueue
from indexer import index_stats
from indexer import search as run_search
from web.document import document_dict
from web.engine import get_index
from web.params import search_query_from

DRAIN_FILE = "drain"

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/search")
def search():
    """Exactly ``SearchResult.to_dict()``, as ``passerelle search --json`` prints it.

    Parameters: ``q``, ``lang``, ``project``, ``partner``, ``topic`` (repeatable), ``page``,
    ``per_page``, ``sort`` (relevance or newest). A bad one gives a 400 naming it.
    """
    return jsonify(run_search(search_query_from(request.args), get_index()).to_dict())


@bp.get("/documents/<path:doc_id>")
def document(doc_id: str):
    """A document's metadata, tags and sections with their passages (ids, language, tags, text).

    :raises NotFound: for an unknown document id (a JSON 404).
    """
    found = get_index().document(doc_id)
    if found is None:
        raise NotFound(f"no document with id {doc_id!r}")
    return jsonify(document_dict(found))


@bp.get("/taxonomy")
def taxonomy():
    """Projects, partners and topics the index was tagged with: id, English and French labels, aliases."""
    return jsonify(get_index().taxonomy.to_dict())


@bp.get("/health")
def health():
    """Index size and freshness, the running version and the process answering; 503 when no index exists
    yet, and when the index is damaged (with ``damaged``: each damaged file and what is wrong with it).

    ``generation`` is the number of the last indexing run that changed the index (passages,
    taxonomy, glossary or lexicons): every worker answers with the same number within moments of
    a commit, which is how a person or a load balancer sees that all have it. While a file
    named ``drain`` exists in the index folder, the answer is 503, so a load balancer sends the
    server no new requests (planned maintenance) while it goes on answering the others.
    ``tasks`` gives the task runner's state (running, restarting, dead, or none when this server
    started none), the tasks waiting and the age of the oldest; a dead runner is a 503 too.
    """
    drain = Path(current_app.config["INDEX_DIR"]) / DRAIN_FILE
    if drain.exists():
        raise ServiceUnavailable(f"draining: remove {drain} to take requests again")
    # The runner that applies uploads: a dead one would let uploads be accepted and never applied.
    tasks = None if current_app.config.get("REPLICA") else TaskQueue(Path(current_app.config["INDEX_DIR"])).health()
    if tasks and tasks["runner"] == "dead":
        raise ServiceUnavailable("the task runner stopped and could not be restarted: uploads are not applied")
    stats = index_stats(get_index())
    return jsonify(
        {
            "ok": True,
            "version": _version(),
            "passages": stats.passages,
            "documents": stats.documents,
            "generation": stats.generation,
            "updated": stats.updated,
            "warm": stats.warm,
            "pid": os.getpid(),
            **({"tasks": tasks} if tasks else {}),
        }
    )


def _version() -> str:
    try:
        return version("passerelle")
    except PackageNotFoundError:  # running from a checkout that was never installed
        return "unknown"
