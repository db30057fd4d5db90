"""Blueprint "admin": upload and delete documents over HTTP as tasks, and the /admin page that does it for people.

``POST /api/documents`` stores the file in the corpus folder and ``DELETE /api/documents/<doc_id>``
checks the document; both record a task and answer ``202`` at once. The ``TaskRunner`` beside
the server (``passerelle serve`` starts it) applies tasks in order with the same incremental
``index_corpus`` as ``passerelle index``; ``GET /api/tasks/<id>`` follows one. ``?wait=N``
(seconds, at most ``MAX_WAIT_SECONDS``) answers as a synchronous call would once the task ends
(201 or 200, 422 for a file the indexer refused), or 202 if it has not ended by then.
``DELETE /api/tasks/<id>`` cancels a task that has not ended. An upload the server has no room
for (any error of the file system storing it or recording its task) is a 507 and leaves nothing behind.
Everything here needs ``Authorization: Bearer <token>`` with the token of config ``ADMIN_TOKEN``
or env ``PASSERELLE_ADMIN_TOKEN``; with no token configured it answers 404 "admin endpoints are
disabled", as does the /admin page.
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
from flask import url_for
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import BadRequest
from werkzeug.exceptions import Conflict
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import InternalServerError
from werkzeug.exceptions import NotFound
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.exceptions import ServiceUnavailable
from werkzeug.exceptions import Unauthorized
from werkzeug.exceptions import UnprocessableEntity
from werkzeug.exceptions import UnsupportedMediaType

from indexer import BadParameter
from indexer import DocumentNotFound
from indexer import FileNotIndexed
from indexer import Task
from indexer import TaskQueue
from indexer import UnsupportedFileType
from indexer import check_metadata
from indexer import find_file
from indexer import find_source
from indexer import forget_replacement
from indexer import indexed_files
from indexer import is_inside
from indexer import load_settings
from indexer import replace_file
from indexer import store_file
from web.i18n import api_messages
from web.i18n import translate

TOKEN_ENV = "PASSERELLE_ADMIN_TOKEN"
DEFAULT_UPLOAD_MAX_BYTES = 20 * 1024 * 1024
MAX_WAIT_SECONDS = 60
DISABLED_MESSAGE = f"admin endpoints are disabled: set {TOKEN_ENV} (or ADMIN_TOKEN) on the server to enable them"
REPLICA_MESSAGE = "this server is a read-only replica: upload to the indexer, then `passerelle publish`"
TASK_WORDS = ("upload", "replace", "delete", "enqueued", "processing", "succeeded", "failed", "cancelled")
CANCEL_WAIT_SECONDS = 10  # a task being applied is stopped within the runner's poll: this is ample
# The status a synchronous answer gives for each reason a task fails.
FAILURE_ERRORS = {"corpus_missing": ServiceUnavailable, "internal": InternalServerError}


class InsufficientStorage(HTTPException):
    """507: the server could not store an upload or record its task (a full disk, most often)."""

    code = 507
    description = "the server could not store the upload"
    error_code = "disk_full"  # the JSON error's "code"


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
    """Store the multipart field ``file`` in the corpus and enqueue its indexing: 202 with the task.

    Optional fields ``title``, ``lang`` (en or fr), ``publisher``, ``source_url`` go to a sidecar;
    ``replace`` names a document whose file the upload replaces (as ``PUT /api/documents/<id>``).
    Errors at once: 401 bad token, 400 bad field (named), 404 unknown document to replace, 413 too
    large, 415 unsupported type, 503 no corpus folder. The indexer's refusal of an unreadable file
    comes in the task (or as a 422 with ``?wait=``), and the file is then removed again (a replaced
    file is put back).
    """
    require_token()
    wait = _wait_seconds()
    upload_file, fields = _upload_fields()
    replaced = str(fields.get("replace") or "").strip()
    if replaced:
        return _replace(replaced, upload_file, fields, wait)
    metadata = check_metadata(fields)
    corpus = _corpus()
    try:
        folder = Path(current_app.config["UPLOAD_FOLDER"])
        stored = store_file(corpus, folder, upload_file.filename, upload_file.stream, metadata)
    except UnsupportedFileType as error:
        raise UnsupportedMediaType(str(error)) from None
    except OSError as error:
        raise _no_room(upload_file.filename, error) from None
    try:
        task = _queue().enqueue_upload(stored)
    except OSError as error:
        stored.discard()
        raise _no_room(upload_file.filename, error) from None
    return _answer(task, wait, _uploaded)


@bp.put("/api/documents/<path:doc_id>")
def replace(doc_id: str):
    """Replace the file that gave document ``doc_id`` with the multipart field ``file``: 202 with the task.

    The new file takes the old one's path, so its documents keep their ids (for a record of a
    ``.jsonl`` collection, the upload is a ``.jsonl`` file replacing the whole collection). Sidecar
    fields as for an upload replace the sidecar; without any, it is kept. Errors as for an upload,
    and 404 for an unknown document.
    """
    require_token()
    wait = _wait_seconds()
    upload_file, fields = _upload_fields()
    return _replace(doc_id, upload_file, fields, wait)


def _replace(doc_id: str, upload_file, fields, wait: float):
    metadata = check_metadata(fields)
    corpus = _corpus()
    try:
        source = find_source(Path(current_app.config["INDEX_DIR"]), doc_id)
        replacement = replace_file(corpus, source, upload_file.filename, upload_file.stream, metadata)
    except DocumentNotFound as error:
        raise NotFound(str(error)) from None
    except UnsupportedFileType as error:
        raise UnsupportedMediaType(str(error)) from None
    except OSError as error:
        raise _no_room(upload_file.filename, error) from None
    try:
        task = _queue().enqueue_replace(replacement)
    except OSError as error:
        forget_replacement(corpus, replacement)
        raise _no_room(upload_file.filename, error) from None
    return _answer(task, wait, lambda task: _uploaded(task, status=200))


def _no_room(filename: str, error: OSError) -> InsufficientStorage:
    current_app.logger.error("upload of %r refused: %s", filename, error)
    reason = error.strerror or type(error).__name__
    return InsufficientStorage(f"{filename}: the server could not store the upload ({reason}); nothing was kept")


def _upload_fields():
    try:
        upload_file = request.files.get("file")
        fields = request.form
    except RequestEntityTooLarge:
        raise RequestEntityTooLarge(f"the upload is larger than the limit of {_limit_text()}") from None
    if upload_file is None or not upload_file.filename:
        raise BadRequest("file: send the document in a multipart form field named 'file'")
    return upload_file, fields


def _corpus() -> Path:
    corpus = Path(current_app.config["CORPUS_DIR"])
    if not corpus.is_dir():
        raise ServiceUnavailable(f"the corpus folder {corpus.name!r} does not exist on the server")
    return corpus


@bp.delete("/api/documents/<path:doc_id>")
def delete(doc_id: str):
    """Enqueue the deletion of document ``doc_id``: its source file (and sidecar), or for a record of
    a ``.jsonl`` collection, that record's line of the file. 202 with the task; 404 unknown document.
    """
    require_token()
    wait = _wait_seconds()
    try:
        source = find_source(Path(current_app.config["INDEX_DIR"]), doc_id)
    except DocumentNotFound as error:
        raise NotFound(str(error)) from None
    task = _queue().enqueue_delete(source.rel, [doc_id], record=doc_id if source.collection else "")
    return _answer(task, wait, lambda task: ({"ok": True, "deleted": doc_id}, 200))


@bp.delete("/api/files/<path:rel>")
def delete_file(rel: str):
    """Enqueue the deletion of the indexed file ``rel`` (and its sidecar) with every document it gave
    (a whole ``.jsonl`` collection): 202 with the task; 404 when no indexed file has that path."""
    require_token()
    wait = _wait_seconds()
    try:
        source = find_file(Path(current_app.config["INDEX_DIR"]), rel)
    except FileNotIndexed as error:
        raise NotFound(str(error)) from None
    task = _queue().enqueue_delete(source.rel, source.doc_ids)
    return _answer(task, wait, lambda task: ({"ok": True, "deleted": list(source.doc_ids), "path": rel}, 200))


@bp.get("/api/tasks")
def tasks():
    """The newest tasks (at most ``limit``, default 50), newest first."""
    require_token()
    limit = _bounded_int("limit", 50, 1, 1000)
    return jsonify({"tasks": [task.to_dict() for task in _queue().recent(limit)]})


@bp.get("/api/tasks/<int:task_id>")
def task(task_id: int):
    """One task: its status, and once it ended its documents and passage counts or its error."""
    require_token()
    found = _queue().get(task_id)
    if found is None:
        raise NotFound(f"no task {task_id}")
    return jsonify(found.to_dict())


@bp.delete("/api/tasks/<int:task_id>")
def cancel_task(task_id: int):
    """Cancel a task that has not ended: 200 with the task once ``cancelled`` (what it stored is
    removed), 202 if the runner has not stopped it yet, 409 when it has ended or is a deletion being
    applied, 404 for an unknown task."""
    require_token()
    queue = _queue()
    task = queue.get(task_id)
    if task is None:
        raise NotFound(f"no task {task_id}")
    if task.finished:
        raise Conflict(f"task {task_id} has already ended ({task.status}): there is nothing to cancel")
    task = queue.cancel(task_id, Path(current_app.config["CORPUS_DIR"])) or task
    if task.status == "processing" and task.type == "delete":
        raise Conflict(f"task {task_id} is a deletion being applied: it can no longer be cancelled")
    if not task.finished:
        task = queue.wait(task_id, CANCEL_WAIT_SECONDS) or task
    if task.status == "cancelled":
        return jsonify({"ok": True, **task.to_dict()})
    if task.finished:
        raise Conflict(f"task {task_id} ended ({task.status}) before it could be cancelled")
    url = url_for("admin.task", task_id=task.id)
    return jsonify({"ok": True, **task.to_dict(), "url": url}), 202, {"Location": url}


@bp.get("/api/documents")
def documents():
    """Every indexed file: its path, the documents it gave, and whether it is a .jsonl collection."""
    require_token()
    return jsonify({"files": _indexed_files()})


@bp.get("/admin")
def page():
    """The token field and the upload form; the indexed files and the tasks appear once the token is given.

    The page itself holds nothing of the index: ``admin.js`` fetches the files and the tasks from
    the token-protected API, as ``/api/tasks`` would answer anyone else 401.
    """
    if current_app.config.get("REPLICA") or not current_app.config.get("ADMIN_TOKEN"):
        raise NotFound(translate("admin_disabled"))
    return render_template("admin.html", max_size=_limit_text(local=True), strings=_page_strings())


def _page_strings() -> dict:
    """What admin.js shows, in the interface language."""
    keys = ("working", "delete", "delete_file", "replace", "wrong_token", "cancel")
    strings = {key: translate(f"admin_{key}") for key in keys}
    strings |= {key: translate(f"task_{key}") for key in TASK_WORDS}
    doc, path = {"doc_id": "{doc_id}"}, {"path": "{path}"}
    strings |= {
        "uploaded": translate("admin_uploaded", doc_id="{doc_id}", passages="{passages}"),
        "replaced": translate("admin_replaced", doc_id="{doc_id}", passages="{passages}"),
        "replacing": translate("admin_replacing", **doc),
        "replace_label": translate("admin_replace_label", **doc),
        "delete_file_label": translate("admin_delete_file_label", n="{n}", **path),
        "delete_record_label": translate("admin_delete_record_label", **doc),
        "confirm_file": translate("admin_confirm_delete_file", **path),
        "confirm_record": translate("admin_confirm_delete_record", **doc, **path),
        "deleted_file": translate("admin_deleted_file", **path),
        "deleted": translate("admin_deleted", doc_id="{doc_id}"),
        "queued": translate("admin_queued", task="{task}"),
        "confirm": translate("admin_confirm_delete", doc_id="{doc_id}"),
        "too_large": translate("admin_too_large", max=_limit_text(local=True)),
        "messages": [list(pair) for pair in api_messages()],
    }
    return strings


def require_token() -> None:
    """Check the bearer token (constant-time).

    :raises NotFound: when no token is configured (the admin endpoints are disabled).
    :raises Unauthorized: for a missing or wrong token, with ``WWW-Authenticate: Bearer``.
    """
    if current_app.config.get("REPLICA"):
        raise NotFound(REPLICA_MESSAGE)
    expected = current_app.config.get("ADMIN_TOKEN") or ""
    if not expected:
        raise NotFound(DISABLED_MESSAGE)
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected.encode()):
        raise Unauthorized(
            "a valid admin token is required: send 'Authorization: Bearer <token>'",
            www_authenticate=WWWAuthenticate("bearer", {"realm": "passerelle"}),
        )


def _queue() -> TaskQueue:
    return TaskQueue(Path(current_app.config["INDEX_DIR"]))


def _wait_seconds() -> float:
    return _bounded_int("wait", 0, 0, MAX_WAIT_SECONDS)


def _bounded_int(name: str, default: int, low: int, high: int) -> int:
    value = request.args.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or not low <= int(value) <= high:
        raise BadParameter(name, value[:40], f"must be a whole number from {low} to {high}")
    return int(value)


def _answer(task: Task, wait: float, succeeded):
    """202 with the task; with ``wait``, the synchronous answer if the task ends in time."""
    if wait:
        task = _queue().wait(task.id, wait) or task
    if task.failed:
        error = FAILURE_ERRORS.get(task.error["code"], UnprocessableEntity)
        raise error(task.error["message"])
    if task.finished:
        body, status = succeeded(task)
        return jsonify({**body, "task": task.id}), status
    url = url_for("admin.task", task_id=task.id)
    return jsonify({"ok": True, **task.to_dict(), "url": url}), 202, {"Location": url}


def _uploaded(task: Task, status: int = 201) -> tuple[dict, int]:
    doc_ids = [document["doc_id"] for document in task.documents]
    body = {"ok": True, "doc_id": doc_ids[0], "passages": sum(d["passages"] for d in task.documents), "path": task.path}
    if len(doc_ids) > 1:
        body["doc_ids"] = doc_ids
    return body, status


def _indexed_files() -> list[dict]:
    """(path, document ids, whether it is a collection) of every indexed file, sorted by path."""
    return [
        {"path": f.path, "doc_ids": f.doc_ids, "collection": f.path.lower().endswith(".jsonl")}
        for f in indexed_files(Path(current_app.config["INDEX_DIR"]))
    ]


def _limit_text(local: bool = False) -> str:
    """The upload limit: "20 MB" for the API, in the interface language (20 Mo) for the page."""
    size = int(current_app.config["MAX_CONTENT_LENGTH"])
    if size >= 1024 * 1024:
        megabytes = f"{size / 1024 / 1024:.0f}"
        return translate("size_megabytes", n=megabytes) if local else f"{megabytes} MB"
    return translate("size_bytes", n=size) if local else f"{size} bytes"
