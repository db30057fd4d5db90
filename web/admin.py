"""Blueprint "admin": upload and delete documents over HTTP, and the /admin page that does it for people.

``POST /api/documents`` and ``DELETE /api/documents/<doc_id>`` change the corpus folder, then run
the same incremental ``index_corpus`` as ``passerelle index``. Both need ``Authorization: Bearer
<token>`` with the token of config ``ADMIN_TOKEN`` or env ``PASSERELLE_ADMIN_TOKEN``; with no token
configured they answer 404 "admin endpoints are disabled", as does the /admin page.
"""

from __future__ import annotations

import hmac
import os
from pathlib import Path

from flask import Blueprint
from flask import Flask
from flask import current_app
from flask import jsonify
from flask import render_template
from flask import request
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import BadRequest
from werkzeug.exceptions import Conflict
from werkzeug.exceptions import NotFound
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.exceptions import ServiceUnavailable
from werkzeug.exceptions import Unauthorized
from werkzeug.exceptions import UnprocessableEntity
from werkzeug.exceptions import UnsupportedMediaType

from indexer.errors import CorpusNotFound
from indexer.errors import DocumentNotFound
from indexer.errors import IndexBusy
from indexer.errors import NotDeletable
from indexer.errors import UnsupportedFileType
from indexer.intake import check_metadata
from indexer.intake import find_source
from indexer.intake import is_inside
from indexer.intake import remove_source
from indexer.intake import store_file
from indexer.manifest import Manifest
from indexer.pipeline import index_corpus
from indexer.settings import load_settings
from indexer.store import current_generation
from web.engine import live_index
from web.i18n import translate

TOKEN_ENV = "PASSERELLE_ADMIN_TOKEN"
DEFAULT_UPLOAD_MAX_BYTES = 20 * 1024 * 1024
DISABLED_MESSAGE = f"admin endpoints are disabled: set {TOKEN_ENV} (or ADMIN_TOKEN) on the server to enable them"

bp = Blueprint("admin", __name__)


def init_app(app: Flask) -> None:
    """Resolve the corpus folder, the upload folder, the token and the upload size limit once.

    :raises ValueError: when ``UPLOAD_DIR`` is not inside the corpus folder.
    """
    app.config.setdefault("CORPUS_DIR", load_settings()["corpus"])
    app.config.setdefault("ADMIN_TOKEN", os.environ.get(TOKEN_ENV, ""))
    app.config.setdefault("UPLOAD_MAX_BYTES", DEFAULT_UPLOAD_MAX_BYTES)
    app.config["MAX_CONTENT_LENGTH"] = int(app.config["UPLOAD_MAX_BYTES"])
    corpus = Path(app.config["CORPUS_DIR"])
    upload_dir = app.config.get("UPLOAD_DIR")
    folder = corpus / upload_dir if upload_dir else corpus
    if not is_inside(folder, corpus):
        raise ValueError(f"UPLOAD_DIR {upload_dir!r} must be a folder inside the corpus folder {corpus}")
    app.config["UPLOAD_FOLDER"] = str(folder)


@bp.post("/api/documents")
def upload():
    """Store the multipart field ``file`` in the corpus, index it, answer 201 with its id and passage count.

    Optional fields ``title``, ``lang`` (en or fr), ``publisher``, ``source_url`` go to a sidecar.
    Errors: 401 bad token, 400 bad field (named), 413 too large, 415 unsupported type,
    422 unreadable file (nothing is kept), 503 index busy (the file is kept for the next run).
    """
    require_token()
    try:
        upload_file = request.files.get("file")
        fields = request.form
    except RequestEntityTooLarge:
        raise RequestEntityTooLarge(f"the upload is larger than the limit of {_limit_text()}") from None
    if upload_file is None or not upload_file.filename:
        raise BadRequest("file: send the document in a multipart form field named 'file'")
    metadata = check_metadata(fields)
    corpus = Path(current_app.config["CORPUS_DIR"])
    if not corpus.is_dir():
        raise ServiceUnavailable(f"the corpus folder {corpus.name!r} does not exist on the server")
    try:
        folder = Path(current_app.config["UPLOAD_FOLDER"])
        stored = store_file(corpus, folder, upload_file.filename, upload_file.stream, metadata)
    except UnsupportedFileType as error:
        raise UnsupportedMediaType(str(error)) from None
    try:
        report = _reindex(corpus)
    except ServiceUnavailable as error:
        # The file stays: the run that holds the lock, or the next one, indexes it.
        raise ServiceUnavailable(f"{error.description} (the file is stored as {stored.rel})") from None
    skipped = dict(report.skipped)
    if stored.rel in skipped:
        stored.discard()
        raise UnprocessableEntity(f"{stored.rel}: {skipped[stored.rel]}")
    doc_ids = _doc_ids_of(stored.rel)
    if not doc_ids:
        stored.discard()
        _reindex(corpus)  # forget the empty record the run kept for it
        reasons = [w for w in report.warnings if w.startswith(stored.rel)] or [f"{stored.rel}: no document in it"]
        raise UnprocessableEntity("; ".join(reasons))
    index = live_index().get()
    index.backend.refresh()  # the very next search must see the new document
    passages = sum(len(found.passages) for found in map(index.backend.get_document, doc_ids) if found)
    body = {"ok": True, "doc_id": doc_ids[0], "passages": passages, "path": stored.rel}
    if len(doc_ids) > 1:
        body["doc_ids"] = doc_ids
    return jsonify(body), 201


@bp.delete("/api/documents/<path:doc_id>")
def delete(doc_id: str):
    """Delete the source file (and sidecar) of document ``doc_id`` and re-index; 404 unknown, 409 .jsonl record."""
    require_token()
    corpus = Path(current_app.config["CORPUS_DIR"])
    try:
        rel = find_source(Path(current_app.config["INDEX_DIR"]), doc_id)
        remove_source(corpus, rel)
    except DocumentNotFound as error:
        raise NotFound(str(error)) from None
    except NotDeletable as error:
        raise Conflict(str(error)) from None
    _reindex(corpus)
    live_index().get().backend.refresh()
    return jsonify({"ok": True, "deleted": doc_id})


@bp.get("/admin")
def page():
    """The upload form and the list of indexed documents, each with a delete button."""
    if not current_app.config.get("ADMIN_TOKEN"):
        raise NotFound(translate("admin_disabled"))
    return render_template("admin.html", files=_indexed_files(), max_size=_limit_text())


def require_token() -> None:
    """Check the bearer token (constant-time).

    :raises NotFound: when no token is configured (the admin endpoints are disabled).
    :raises Unauthorized: for a missing or wrong token, with ``WWW-Authenticate: Bearer``.
    """
    expected = current_app.config.get("ADMIN_TOKEN") or ""
    if not expected:
        raise NotFound(DISABLED_MESSAGE)
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected.encode()):
        raise Unauthorized(
            "a valid admin token is required: send 'Authorization: Bearer <token>'",
            www_authenticate=WWWAuthenticate("bearer", {"realm": "passerelle"}),
        )


def _reindex(corpus: Path):
    try:
        return index_corpus(corpus, Path(current_app.config["INDEX_DIR"]))
    except IndexBusy as error:
        raise ServiceUnavailable(f"{error}; try again later") from None
    except CorpusNotFound:
        raise ServiceUnavailable(f"the corpus folder {corpus.name!r} does not exist on the server") from None


def _doc_ids_of(rel: str) -> list[str]:
    live = current_generation(Path(current_app.config["INDEX_DIR"]))
    record = Manifest.load(live.manifest_path).files.get(rel) if live else None
    return list(record.doc_ids) if record else []


def _indexed_files() -> list[dict]:
    """(path, document ids, deletable) of every indexed file, sorted by path."""
    live = current_generation(Path(current_app.config["INDEX_DIR"]))
    if live is None:
        return []
    manifest = Manifest.load(live.manifest_path)
    return [
        {"path": rel, "doc_ids": record.doc_ids, "deletable": not rel.lower().endswith(".jsonl")}
        for rel, record in sorted(manifest.files.items())
        if record.doc_ids
    ]


def _limit_text() -> str:
    size = int(current_app.config["MAX_CONTENT_LENGTH"])
    return f"{size / 1024 / 1024:.0f} MB" if size >= 1024 * 1024 else f"{size} bytes"

