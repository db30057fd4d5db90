"""Blueprint "files": a document's original file, read-only, so a citation can point at its page.

``/files/<doc_id>`` serves the file the indexed document was read from, and nothing else: the id is
looked up in the index (a path typed in the URL is never opened), the file must still be a regular
file inside the corpus folder once every symlink is resolved, and folders are never listed. A JSON
Lines collection is not a document's original, so it is not served. Anything else is a 404.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from pathlib import PurePosixPath
from urllib.parse import quote

from flask import Blueprint
from flask import current_app
from flask import send_from_directory
from werkzeug.exceptions import NotFound
from werkzeug.utils import safe_join

from indexer import DocumentInfo
from web.engine import get_index
from web.i18n import translate

# Files a document page links to as its original; a .jsonl holds thousands of documents.
ORIGINAL_SUFFIXES = frozenset({".pdf", ".docx", ".html", ".htm", ".md", ".markdown", ".txt"})
# Text the browser should show as text, in the encoding it was most likely written in.
TEXT_TYPES = {".md": "text/plain; charset=utf-8", ".markdown": "text/plain; charset=utf-8"}

bp = Blueprint("files", __name__)


def original_url(info: DocumentInfo, page: int = 0) -> str:
    """The URL of a document's original file (at ``page`` for a PDF), "" when it has none to serve."""
    if PurePosixPath(info.path).suffix.lower() not in ORIGINAL_SUFFIXES:
        return ""
    return f"/files/{quote(info.doc_id, safe='/')}" + (f"#page={page}" if page else "")


@bp.get("/files/<path:doc_id>")
def original(doc_id: str):
    """The original file of an indexed document, with the content type of its kind.

    :raises NotFound: for an unknown document, one without an original to serve, or a file that is
        gone or now lies outside the corpus (a symlink changed since indexing).
    """
    found = get_index().document(doc_id)
    if found is None or not original_url(found.info):
        raise NotFound(translate("doc_not_found", doc_id=doc_id))
    corpus = Path(current_app.config["CORPUS_DIR"]).resolve()
    joined = safe_join(str(corpus), found.info.path)  # None for "..", absolute paths and the like
    if joined is None or not _inside(Path(joined).resolve(), corpus) or not Path(joined).is_file():
        raise NotFound(translate("original_not_found", doc_id=doc_id))
    suffix = Path(joined).suffix.lower()
    mimetype = TEXT_TYPES.get(suffix) or mimetypes.guess_type(joined)[0] or "application/octet-stream"
    return send_from_directory(corpus, found.info.path, mimetype=mimetype, max_age=0)


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents
