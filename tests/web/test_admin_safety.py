"""The admin endpoints under attack: tokens, upload types and sizes, names, errors.

test_admin.py covers the documented behaviour (an upload indexed, a 401 for a wrong token, a 413,
``../`` names); this adds the hostile variants and checks that a refused upload leaves nothing behind.
"""

from __future__ import annotations

import hmac
import io
from pathlib import Path

import pytest
from readers_helpers import make_files
from test_api import assert_error
from web_helpers import ADMIN_TOKEN as TOKEN
from web_helpers import AUTH
from web_helpers import EN_DOC
from web_helpers import NEW_TEXT
from web_helpers import app_over
from web_helpers import upload


def corpus_files(corpus: Path) -> set[str]:
    """Every file under the corpus, hidden ones (an upload's ``.part``) included."""
    return {path.relative_to(corpus).as_posix() for path in corpus.rglob("*")}


# -- tokens -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [
        "",
        "Bearer",
        "Bearer ",
        f"Basic {TOKEN}",
        f"Token {TOKEN}",
        f"Bearer {TOKEN[:-1]}",  # a prefix
        f"Bearer {TOKEN}x",  # an extension
        f"Bearer {TOKEN.upper()}",
        f"Bearer {TOKEN} {TOKEN}",
        "Bearer " + "A" * 10_000,
        f"Bearer {TOKEN}\u00e9",
    ],
    ids=[
        "empty",
        "scheme only",
        "scheme and space",
        "basic",
        "other scheme",
        "prefix",
        "extension",
        "upper case",
        "twice",
        "10 kB",
        "non-ascii",
    ],  # fmt: skip
)
def test_a_wrong_token_of_any_shape_is_a_401_and_changes_nothing(admin_client, admin_corpus, authorization):
    before = corpus_files(admin_corpus)
    headers = {"Authorization": authorization} if authorization else {}
    assert_error(upload(admin_client, headers=headers), 401, "token")
    assert_error(admin_client.delete(f"/api/documents/{EN_DOC}", headers=headers), 401, "token")
    assert corpus_files(admin_corpus) == before


def test_the_token_decision_is_made_by_a_constant_time_comparison(admin_client, monkeypatch):
    compared = []

    def spy(given, expected):
        compared.append((given, expected))
        return True  # whatever it says goes: proves no other comparison decides

    monkeypatch.setattr(hmac, "compare_digest", spy)
    response = upload(admin_client, headers={"Authorization": "Bearer not-the-token"})
    assert response.status_code == 201
    assert compared == [(b"not-the-token", TOKEN.encode())]


def test_the_scheme_is_case_insensitive_and_spaces_around_the_token_are_ignored(admin_client):
    assert upload(admin_client, headers={"Authorization": f"bearer  {TOKEN} "}).status_code == 201


# -- upload types and sizes ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("taxonomy.toml", ".toml"),  # never replaces the taxonomy
        ("glossary.toml", ".toml"),
        ("zanzibar.meta.toml", ".toml"),  # nor writes a sidecar
        ("README", "no suffix"),
        ("report.pdf.exe", ".exe"),
        ("shell.php", ".php"),
        ("page.svg", ".svg"),
    ],
)
def test_a_suffix_the_readers_do_not_know_is_a_415_and_nothing_is_stored(admin_client, admin_corpus, name, words):
    before = corpus_files(admin_corpus)
    assert_error(upload(admin_client, name=name), 415, words)
    assert corpus_files(admin_corpus) == before


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("photo.pdf", b"\x89PNG\r\n\x1a\n" + bytes(200), "not a PDF"),
        ("report.docx", make_files.make_zip_bomb(), "zip bomb"),
        ("report.docx", b"PK\x03\x04 not a zip at all", "corrupt DOCX"),
        ("notes.md", bytes(range(256)) * 8, "binary"),
        ("notes.txt", b"", "empty"),
        ("secret.pdf", make_files.encrypt_pdf(make_files.make_pdf(["Port security"]), "pw"), "encrypted"),
        ("records.jsonl", b'not json\n{"id": 1}\n', "no valid record"),
    ],
    ids=["png as pdf", "zip bomb", "broken docx", "binary markdown", "empty", "encrypted pdf", "bad jsonl"],
)
def test_a_file_whose_content_does_not_match_its_type_is_a_422_and_nothing_is_kept(
    admin_client, admin_corpus, name, data, words
):
    before = corpus_files(admin_corpus)
    assert_error(upload(admin_client, name=name, data=data, title="Kept?"), 422, words)
    assert corpus_files(admin_corpus) == before


def test_an_oversized_upload_is_a_413_and_leaves_no_partial_file(admin_corpus, admin_index_dir):
    before = corpus_files(admin_corpus)
    with app_over(admin_index_dir, CORPUS_DIR=str(admin_corpus), ADMIN_TOKEN=TOKEN, UPLOAD_MAX_BYTES=4096) as app:
        response = upload(app.test_client(), data=b"word " * 1000)
    assert_error(response, 413, "limit")
    assert corpus_files(admin_corpus) == before


@pytest.mark.parametrize(
    "send",
    [
        lambda client: client.post("/api/documents", headers=AUTH, json={"file": "zanzibar.md"}),
        lambda client: client.post("/api/documents", headers=AUTH, data={"file": "not a file, a field"}),
        lambda client: client.post("/api/documents", headers=AUTH, data=NEW_TEXT, content_type="text/markdown"),
        lambda client: client.post("/api/documents", headers=AUTH, data={"file": (io.BytesIO(NEW_TEXT), "")}),
    ],
    ids=["json body", "text field", "raw body", "empty file name"],
)
def test_an_upload_without_a_file_part_is_a_400_naming_file(admin_client, admin_corpus, send):
    before = corpus_files(admin_corpus)
    assert_error(send(admin_client), 400, "file")
    assert corpus_files(admin_corpus) == before


# -- names --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "..%2F..%2Fescape.md",
        "C:\\Windows\\escape.md",
        "/../../escape.md",
        "a\x00b.md",
        ".hidden.md",
        "..md",
        "~/escape.md",
    ],  # fmt: skip
)
def test_no_upload_name_leaves_the_corpus_or_hides_itself(admin_client, admin_corpus, name):
    response = upload(admin_client, name=name)
    assert response.status_code == 201, response.get_json()
    path = response.get_json()["path"]
    assert "/" not in path and not path.startswith(".") and "\x00" not in path
    assert (admin_corpus / path).is_file()
    assert not list(admin_corpus.parent.glob("*escape*"))


def test_an_upload_never_writes_through_a_symlink_in_the_corpus(admin_client, admin_corpus, tmp_path):
    target = tmp_path / "outside.md"
    target.write_text("Outside the corpus.\n", encoding="utf-8")
    (admin_corpus / "zanzibar.md").symlink_to(target)
    assert upload(admin_client).get_json()["path"] == "zanzibar-2.md"
    assert target.read_text(encoding="utf-8") == "Outside the corpus.\n"


def test_an_upload_folder_that_links_outside_the_corpus_is_refused_at_start(admin_corpus, admin_index_dir, tmp_path):
    (tmp_path / "elsewhere").mkdir()
    (admin_corpus / "inbox").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(ValueError, match="UPLOAD_DIR"):
        with app_over(admin_index_dir, CORPUS_DIR=str(admin_corpus), ADMIN_TOKEN=TOKEN, UPLOAD_DIR="inbox"):
            pass


@pytest.mark.parametrize("doc_id", ["../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "/etc/passwd", "taxonomy"])
def test_delete_only_knows_indexed_documents(admin_client, admin_corpus, doc_id):
    before = corpus_files(admin_corpus)
    assert admin_client.delete(f"/api/documents/{doc_id}", headers=AUTH, follow_redirects=True).status_code == 404
    assert corpus_files(admin_corpus) == before


# -- errors -------------------------------------------------------------------------------------


def test_an_unexpected_failure_while_indexing_an_upload_is_a_500_without_details(admin_client, monkeypatch):
    def broken(corpus, index_root):
        raise RuntimeError(f"disk on fire under {index_root}")

    monkeypatch.setattr("indexer.ingest.runner.index_corpus", broken)
    body = assert_error(upload(admin_client), 500)
    assert "fire" not in body["error"] and "index" not in body["error"]
