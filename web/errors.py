"""Errors converted once, at the edge: one JSON shape under /api, an escaped error.html elsewhere.

JSON errors are always ``{"ok": false, "error": message, "errors": [messages], "status": code}``
(a damaged index adds ``"damaged": [files and what is wrong]``); no response ever carries a stack trace.
"""

from __future__ import annotations

from flask import Flask
from flask import current_app
from flask import jsonify
from flask import render_template
from flask import request
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import MethodNotAllowed
from werkzeug.exceptions import Unauthorized

from indexer import MAX_PAGE
from indexer import MAX_PER_PAGE
from indexer import MAX_QUERY_CHARS
from indexer import BadParameter
from indexer import IndexDamaged
from indexer import IndexNotFound
from indexer import IndexOutdated
from indexer import NothingToSearch
from indexer import UnknownFilterValue
from web.i18n import STRINGS
from web.i18n import translate

API_PREFIX = "/api"
NO_INDEX_MESSAGE = "no index yet: nothing has been indexed on this server (run `passerelle index`), try again later"
SERVER_ERROR_MESSAGE = "internal server error: the problem was logged"
# The largest allowed value named in each parameter's page message.
LIMITS = {"q": MAX_QUERY_CHARS, "page": MAX_PAGE, "per_page": MAX_PER_PAGE}


def register_error_handlers(app: Flask) -> None:
    """Install the handlers: bad parameters 400, missing or damaged index 503, HTTP errors as such, anything else 500."""
    app.register_error_handler(BadParameter, handle_bad_parameter)
    app.register_error_handler(IndexNotFound, handle_index_not_found)
    app.register_error_handler(IndexOutdated, handle_index_not_found)
    app.register_error_handler(IndexDamaged, handle_index_damaged)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected)


def is_api_request() -> bool:
    """True when the request is for the JSON API (also for unknown paths under /api)."""
    return request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/")


def api_error(status: int, *messages: str, code: str | None = None):
    """The one JSON error shape, with ``status`` as both the HTTP status and a field (and ``code``
    when a client must tell one reason for that status from others)."""
    body = {"ok": False, "error": messages[0], "errors": list(messages), "status": status}
    if code:
        body["code"] = code
    return jsonify(body), status


def error_page(status: int, message: str):
    """error.html with ``message`` (escaped by the template) and ``status``."""
    return render_template("error.html", status=status, message=message), status


def bad_parameter_message(error: BadParameter) -> str:
    """A message for people, in the interface language, naming what to fix."""
    if isinstance(error, NothingToSearch):
        return translate("nothing_to_search", q=error.value)
    if isinstance(error, UnknownFilterValue):
        return translate("unknown_filter", facet=translate(f"filter_name_{error.name}"), value=error.value)
    key = f"bad_{error.name}"
    if key not in STRINGS["en"]:
        return str(error)
    return translate(key, max=LIMITS.get(error.name, ""))


def handle_bad_parameter(error: BadParameter):
    """400, naming the parameter."""
    if is_api_request():
        return api_error(400, str(error))
    return error_page(400, bad_parameter_message(error))


def handle_index_not_found(error: IndexNotFound | IndexOutdated):
    """503: the server runs, but nothing has been indexed yet (the folder is logged, not shown)."""
    current_app.logger.warning("%s", error)
    if is_api_request():
        return api_error(503, NO_INDEX_MESSAGE)
    return error_page(503, translate("error_503"))


def handle_index_damaged(error: IndexDamaged):
    """503 naming the damaged files and the command that repairs them (``damaged`` lists them all)."""
    current_app.logger.error("%s", error, exc_info=error.__cause__ is not None)
    if is_api_request():
        body = {
            "ok": False,
            "error": str(error),
            "errors": [str(error)],
            "status": 503,
            "damaged": list(error.problems),
        }
        return jsonify(body), 503
    return error_page(503, str(error))


def handle_http_error(error: HTTPException):
    """An HTTP error (404, 405...) in the shape the client expects."""
    status = error.code or 500
    custom = error.description != type(error).description
    if is_api_request():
        message = error.description if custom else f"{status} {error.name}"
        response, status = api_error(status, message, code=getattr(error, "error_code", None))
    else:
        known = f"error_{status}" in STRINGS["en"]
        message = error.description if custom or not known else translate(f"error_{status}")
        response, status = error_page(status, message)
    return _with_allow(response, error), status


def handle_unexpected(error: Exception):
    """500 with a generic message; the traceback goes to the log only."""
    current_app.logger.exception("unexpected error on %s %s", request.method, request.path)
    if is_api_request():
        return api_error(500, SERVER_ERROR_MESSAGE)
    return error_page(500, translate("error_500"))


def _with_allow(response, error: HTTPException):
    """Keep the Allow header a 405 must carry, and the WWW-Authenticate a 401 must carry."""
    headers = {}
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    if isinstance(error, Unauthorized) and error.www_authenticate:
        headers["WWW-Authenticate"] = ", ".join(str(challenge) for challenge in error.www_authenticate)
    if headers:
        if isinstance(response, str):
            response = current_app.make_response(response)
        response.headers.update(headers)
    return response
