"""Uploading and deleting documents over HTTP, the /admin page, and `serve --watch`."""

from __future__ import annotations

import io
import time
import tomllib
from pathlib import Path

import pytest
from test_api import assert_error
from web_helpers import ADMIN_TOKEN as TOKEN
from web_helpers import AUTH
from web_helpers import EN_DOC
from web_helpers import JS_LINK_DOC
from web_helpers import NEW_TEXT
from web_helpers import app_over
from web_helpers import copy_corpus
from web_helpers import delete
from web_helpers import running_tasks
from web_helpers import upload

from indexer import index_corpus
from indexer.ingest.intake import safe_stem
from indexer.ingest.intake import sidecar_text
from indexer.ingest.intake import toml_string
from web.cli import main


def test_an_uploaded_document_is_searchable_right_after_the_201(admin_client, admin_corpus):
    response = upload(admin_client)
    assert response.status_code == 201
    assert response.get_json() == {"ok": True, "doc_id": "zanzibar", "passages": 1, "path": "zanzibar.md", "task": 1}
    assert (admin_corpus / "zanzibar.md").read_bytes() == NEW_TEXT
    results = admin_client.get("/api/search?q=xylophone").get_json()["results"]
    assert [hit["doc_id"] for hit in results] == ["zanzibar"]


def test_upload_metadata_goes_to_an_escaped_sidecar(admin_client, admin_corpus):
    title = 'Quotes " and \\ backslash\nnew line \x01 and = [brackets]'
    response = upload(admin_client, title=title, lang="fr", publisher="Évian & Co", source_url="")
    assert response.status_code == 201
    sidecar = tomllib.loads((admin_corpus / "zanzibar.meta.toml").read_text(encoding="utf-8"))
    assert sidecar == {"title": title.strip(), "lang": "fr", "publisher": "Évian & Co"}
    document = admin_client.get("/api/documents/zanzibar").get_json()
    assert document["title"].startswith('Quotes " and \\ backslash')  # the indexer folds whitespace


def test_uploading_the_same_file_with_new_metadata_updates_the_index(admin_client, admin_corpus):
    upload(admin_client, title="First title", source_url="https://example.org/first")
    response = upload(admin_client, title="Second title", source_url="https://example.org/second")
    assert response.status_code == 201 and response.get_json()["doc_id"] == "zanzibar"
    document = admin_client.get("/api/documents/zanzibar").get_json()
    assert (document["title"], document["source_url"]) == ("Second title", "https://example.org/second")


def test_upload_without_optional_fields_writes_no_sidecar(admin_client, admin_corpus):
    assert upload(admin_client).status_code == 201
    assert not (admin_corpus / "zanzibar.meta.toml").exists()


@pytest.mark.parametrize("value", ["plain", 'a"b', "back\\slash", "tab\tnewline\ncr\r", "\x00\x1f\x7f", "é ü 漢字"])
def test_toml_string_round_trips_through_tomllib(value):
    assert tomllib.loads(f"v = {toml_string(value)}")["v"] == value


def test_sidecar_text_keeps_the_documented_key_order():
    assert sidecar_text({"lang": "en", "title": "T"}) == 'title = "T"\nlang = "en"\n'


def test_a_bad_lang_is_a_400_naming_lang(admin_client, admin_corpus):
    assert_error(upload(admin_client, lang="de"), 400, "lang")
    assert not (admin_corpus / "zanzibar.md").exists()


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,<b>x</b>", "/relative", "ftp://example.org/a"])
def test_a_source_url_that_is_not_http_or_https_is_a_400_and_nothing_is_stored(admin_client, admin_corpus, url):
    assert_error(upload(admin_client, source_url=url), 400, "source_url")
    assert not (admin_corpus / "zanzibar.md").exists() and not (admin_corpus / "zanzibar.meta.toml").exists()


def test_a_sidecar_source_url_that_is_not_http_or_https_is_not_stored(hostile_client):
    assert hostile_client.get(f"/api/documents/{JS_LINK_DOC}").get_json()["source_url"] == ""


def test_an_unsupported_type_is_a_415_naming_the_suffix(admin_client, admin_corpus):
    assert_error(upload(admin_client, name="tool.EXE"), 415, ".exe")
    assert not list(admin_corpus.glob("tool*"))


def test_an_oversized_upload_is_a_413_in_the_json_shape(admin_corpus, admin_index_dir):
    with app_over(admin_index_dir, CORPUS_DIR=str(admin_corpus), ADMIN_TOKEN=TOKEN, UPLOAD_MAX_BYTES=1000) as app:
        response = upload(app.test_client(), data=b"word " * 1000)
    assert_error(response, 413, "limit")
    assert not (admin_corpus / "zanzibar.md").exists()


@pytest.mark.parametrize("name", ["../../escape.md", "..\\..\\escape.md", "/etc/escape.md", "sub/../../escape.md"])
def test_a_name_with_dot_dot_stays_inside_the_corpus(admin_client, admin_corpus, name):
    response = upload(admin_client, name=name)
    assert response.status_code == 201, response.get_json()
    path = response.get_json()["path"]
    assert "/" not in path and not path.startswith(".")
    assert (admin_corpus / path).is_file()
    assert not (admin_corpus.parent / "escape.md").exists()


def test_a_name_that_sanitises_to_nothing_gets_a_fallback_stem():
    assert safe_stem("../...md") == "document"
    assert safe_stem("日本語.md") == "document"


def test_a_different_file_with_the_same_name_gets_a_suffix_and_overwrites_nothing(admin_client, admin_corpus):
    first = upload(admin_client).get_json()
    second = upload(admin_client, data=NEW_TEXT + b"\nA second, different version about walruses.\n").get_json()
    assert (first["path"], second["path"]) == ("zanzibar.md", "zanzibar-2.md")
    assert (admin_corpus / "zanzibar.md").read_bytes() == NEW_TEXT
    assert upload(admin_client).get_json()["path"] == "zanzibar.md"  # the identical file is reused


def test_a_stem_taken_by_another_format_is_not_reused(admin_client, admin_corpus):
    (admin_corpus / "zanzibar.txt").write_text("Dhow text about harbours.\n", encoding="utf-8")
    assert upload(admin_client).get_json()["path"] == "zanzibar-2.md"


def test_uploads_go_to_the_upload_dir_inside_the_corpus(admin_corpus, admin_index_dir):
    config = {"CORPUS_DIR": str(admin_corpus), "ADMIN_TOKEN": TOKEN, "UPLOAD_DIR": "inbox"}
    with running_tasks(admin_corpus, admin_index_dir), app_over(admin_index_dir, **config) as app:
        body = upload(app.test_client()).get_json()
    assert body["path"] == "inbox/zanzibar.md" and body["doc_id"] == "inbox/zanzibar"


def test_an_upload_dir_outside_the_corpus_is_refused_at_start(admin_corpus, admin_index_dir):
    with pytest.raises(ValueError, match="UPLOAD_DIR"):
        with app_over(admin_index_dir, CORPUS_DIR=str(admin_corpus), ADMIN_TOKEN=TOKEN, UPLOAD_DIR="../elsewhere"):
            pass


def test_an_unreadable_upload_is_a_422_and_nothing_is_kept(admin_client, admin_corpus):
    before = sorted(path.name for path in admin_corpus.iterdir())
    response = upload(admin_client, name="blob.txt", data=b"\x00\x01\x02\xff" * 50, title="Blob")
    assert_error(response, 422, "blob.txt")
    assert sorted(path.name for path in admin_corpus.iterdir()) == before


def test_a_missing_file_field_is_a_400(admin_client):
    assert_error(admin_client.post("/api/documents", headers=AUTH, data={"title": "x"}), 400, "file")


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}])
def test_a_missing_or_wrong_token_is_a_401_with_a_bearer_challenge(admin_client, admin_corpus, headers):
    response = upload(admin_client, headers=headers)
    assert_error(response, 401, "token")
    assert response.headers["WWW-Authenticate"].lower().startswith("bearer")
    assert not (admin_corpus / "zanzibar.md").exists()
    assert_error(admin_client.delete(f"/api/documents/{EN_DOC}", headers=headers), 401)
    assert (admin_corpus / f"{EN_DOC}.txt").exists()


def test_the_token_may_come_from_the_environment(admin_corpus, admin_index_dir, monkeypatch):
    monkeypatch.setenv("PASSERELLE_ADMIN_TOKEN", "from-env")
    with running_tasks(admin_corpus, admin_index_dir), app_over(admin_index_dir, CORPUS_DIR=str(admin_corpus)) as app:
        response = upload(app.test_client(), headers={"Authorization": "Bearer from-env"})
    assert response.status_code == 201


def test_without_a_configured_token_the_admin_endpoints_are_disabled(admin_corpus, admin_index_dir, monkeypatch):
    monkeypatch.delenv("PASSERELLE_ADMIN_TOKEN", raising=False)
    with app_over(admin_index_dir, CORPUS_DIR=str(admin_corpus)) as app:
        client = app.test_client()
        assert_error(upload(client), 404, "disabled")
        assert_error(client.delete(f"/api/documents/{EN_DOC}", headers=AUTH), 404, "disabled")
        assert client.get("/admin").status_code == 404
    assert not (admin_corpus / "zanzibar.md").exists()


def test_delete_removes_the_file_its_sidecar_and_its_passages(admin_client, admin_corpus):
    upload(admin_client, title="To be deleted")
    response = delete(admin_client, "zanzibar")
    assert response.status_code == 200
    assert response.get_json() == {"ok": True, "deleted": "zanzibar", "task": 2}
    assert not (admin_corpus / "zanzibar.md").exists() and not (admin_corpus / "zanzibar.meta.toml").exists()
    assert admin_client.get("/api/search?q=xylophone").get_json()["total"] == 0
    assert_error(admin_client.get("/api/documents/zanzibar"), 404)


def test_health_stops_counting_a_document_once_it_is_deleted(admin_client, admin_corpus, admin_index_dir):
    before = admin_client.get("/api/health").get_json()["documents"]
    upload(admin_client)
    assert admin_client.get("/api/health").get_json()["documents"] == before + 1
    assert delete(admin_client, "zanzibar").status_code == 200
    assert admin_client.get("/api/health").get_json()["documents"] == before
    (admin_corpus / f"{EN_DOC}.txt").unlink()  # removed from the folder, then indexed
    index_corpus(admin_corpus, admin_index_dir)
    assert admin_client.get("/api/health").get_json()["documents"] == before - 1


def test_deleting_an_unknown_document_is_a_404(admin_client):
    assert_error(admin_client.delete("/api/documents/no/such/doc", headers=AUTH), 404, "no/such/doc")


TUSKS = (
    b'{"id": "rec-1", "lang": "en", "title": "One", "text": "Walrus tusks seized."}\n'
    b'{"id": "rec-2", "lang": "en", "title": "Two", "text": "Narwhal tusks seized."}\n'
)


def found(client, q) -> list[str]:
    return [hit["doc_id"] for hit in client.get(f"/api/search?q={q}&expand=0").get_json()["results"]]


def test_one_record_of_a_jsonl_collection_is_deleted_from_its_file(admin_client, admin_corpus):
    body = upload(admin_client, name="tusks.jsonl", data=TUSKS).get_json()
    assert body["doc_ids"] == ["rec-1", "rec-2"] and body["passages"] == 2
    response = delete(admin_client, "rec-1")
    assert response.status_code == 200 and response.get_json()["deleted"] == "rec-1"
    assert found(admin_client, "tusks") == ["rec-2"]
    assert (admin_corpus / "tusks.jsonl").read_bytes() == TUSKS.splitlines(keepends=True)[1]
    assert admin_client.get("/api/documents/rec-1").status_code == 404
    assert delete(admin_client, "rec-2").status_code == 200  # the last record takes the file with it
    assert not (admin_corpus / "tusks.jsonl").exists() and found(admin_client, "tusks") == []


def test_a_whole_collection_file_is_deleted_with_its_documents(admin_client, admin_corpus):
    upload(admin_client, name="tusks.jsonl", data=TUSKS)
    response = admin_client.delete("/api/files/tusks.jsonl?wait=30", headers=AUTH)
    assert response.status_code == 200
    assert response.get_json() | {"task": 0} == {
        "ok": True,
        "deleted": ["rec-1", "rec-2"],
        "path": "tusks.jsonl",
        "task": 0,
    }
    assert not (admin_corpus / "tusks.jsonl").exists() and found(admin_client, "tusks") == []
    assert_error(admin_client.delete("/api/files/tusks.jsonl", headers=AUTH), 404, "tusks.jsonl")
    assert_error(admin_client.delete("/api/files/tusks.jsonl"), 401, "token")


def replace(client, doc_id, name, data, wait=30, **fields):
    return client.put(
        f"/api/documents/{doc_id}?wait={wait}", headers=AUTH, data={"file": (io.BytesIO(data), name), **fields}
    )


def test_a_changed_file_replaces_its_document_under_the_same_id(admin_client, admin_corpus):
    upload(admin_client, name="rapport-abidjan.md", data=b"# Abidjan\n\nXylophone seizures at the port.\n")
    response = replace(
        admin_client, "rapport-abidjan", "rapport-abidjan.md", b"# Abidjan\n\nMarimba seizures at the port.\n"
    )
    assert response.status_code == 200
    assert response.get_json() | {"task": 0} == {
        "ok": True, "doc_id": "rapport-abidjan", "passages": 1, "path": "rapport-abidjan.md", "task": 0,
    }  # fmt: skip
    assert found(admin_client, "marimba") == ["rapport-abidjan"] and found(admin_client, "xylophone") == []
    assert sorted(p.name for p in admin_corpus.glob("rapport-abidjan*")) == ["rapport-abidjan.md"]
    assert not list(admin_corpus.glob(".replaced-*"))


def test_the_upload_form_replaces_with_its_replace_field_even_with_another_format(admin_client, admin_corpus):
    upload(admin_client, name="rapport-abidjan.md", data=b"# Abidjan\n\nXylophone seizures at the port.\n")
    response = upload(
        admin_client, name="rapport.txt", data=b"Marimba seizures at the port.\n", replace="rapport-abidjan"
    )
    assert response.status_code == 200 and response.get_json()["doc_id"] == "rapport-abidjan"
    assert sorted(p.name for p in admin_corpus.glob("rapport*")) == ["rapport-abidjan.txt"]
    assert found(admin_client, "marimba") == ["rapport-abidjan"] and found(admin_client, "xylophone") == []


def test_a_refused_replacement_puts_the_old_file_back(admin_client, admin_corpus):
    original = b"# Abidjan\n\nXylophone seizures at the port.\n"
    upload(admin_client, name="rapport-abidjan.md", data=original)
    assert_error(replace(admin_client, "rapport-abidjan", "rapport-abidjan.md", b""), 422, "rapport-abidjan.md")
    assert (admin_corpus / "rapport-abidjan.md").read_bytes() == original
    assert found(admin_client, "xylophone") == ["rapport-abidjan"] and not list(admin_corpus.glob(".replaced-*"))


def test_replacing_is_refused_for_an_unknown_document_or_a_collection_by_another_format(admin_client, admin_corpus):
    assert_error(replace(admin_client, "no-such-doc", "a.md", b"text"), 404, "no-such-doc")
    upload(admin_client, name="tusks.jsonl", data=TUSKS)
    assert_error(replace(admin_client, "rec-1", "rec.md", b"text"), 400, ".jsonl")
    assert replace(admin_client, "rec-1", "new.jsonl", TUSKS.splitlines(keepends=True)[0]).status_code == 200
    assert found(admin_client, "tusks") == ["rec-1"]  # the whole collection was replaced


def test_the_admin_page_shows_nothing_of_the_index_before_the_token(admin_client, admin_corpus):
    upload(admin_client, name="<b>bold</b>.md")
    upload(admin_client, name="broken.txt", data=b"")  # a failed task, with its reason
    for ui in ("en", "fr"):
        response = admin_client.get(f"/admin?ui={ui}")
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert 'enctype="multipart/form-data"' in html and 'name="file"' in html and 'type="password"' in html
        for secret in (EN_DOC, "bold", "broken.txt", "zanzibar"):
            assert secret not in html, secret
        assert "admin.js" in html and "<script>" not in html
    assert "Supprimer" in html


def test_the_indexed_files_are_listed_with_the_token_only(admin_client):
    assert_error(admin_client.get("/api/documents"), 401, "token")
    files = admin_client.get("/api/documents", headers=AUTH).get_json()["files"]
    paths = {file["path"]: file for file in files}
    assert paths[f"{EN_DOC}.txt"] == {"path": f"{EN_DOC}.txt", "doc_ids": [EN_DOC], "collection": False}
    assert all(file["doc_ids"] for file in files)


def test_serve_watch_indexes_the_corpus_beside_the_server(tmp_path, runner, monkeypatch):
    corpus = copy_corpus(tmp_path / "corpus")
    index_dir = tmp_path / "index"
    started, reports = [], []

    def fake_serve(app, **options):
        """Stands in for waitress: returns once the watcher observes and has reported its first run (bounded)."""
        assert Path(app.config["CORPUS_DIR"]) == corpus
        deadline = time.monotonic() + 60
        while not (reports and started and all(thread.is_alive() for _, thread in started)):
            assert time.monotonic() < deadline, "the watcher never reported its first run"
            time.sleep(0.05)

    import waitress

    import web.cli

    def keep(start):
        return lambda *args: started.append(start(*args)) or started[-1]

    real_echo = web.cli._echo_report
    monkeypatch.setattr(waitress, "serve", fake_serve)
    monkeypatch.setattr(web.cli, "start_watcher", keep(web.cli.start_watcher))
    monkeypatch.setattr(web.cli, "start_task_runner", keep(web.cli.start_task_runner))
    monkeypatch.setattr(web.cli, "_echo_report", lambda report: real_echo(report) or reports.append(report))
    try:
        result = runner.invoke(
            main, ["serve", "--workers", "1", "--watch", "--corpus", str(corpus), "--index", str(index_dir)]
        )
    finally:
        for worker, thread in started:
            worker.stop()
            thread.join(timeout=10)
    assert result.exit_code == 0, result.output
    assert len(started) == 2  # the task runner and the watcher
    assert "Watching" in result.output and "watch: files: 2 added" in result.output
    assert (index_dir / "current").exists()
