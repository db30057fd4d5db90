"""The task API: an upload or deletion answers 202 with a task at once; the task tells how it ended."""

from __future__ import annotations

import time

import pytest
from test_api import assert_error
from web_helpers import AUTH
from web_helpers import delete
from web_helpers import upload

TASK_DEADLINE_SECONDS = 60


def follow(client, url: str) -> dict:
    """GET the task at ``url`` until it has ended (bounded)."""
    deadline = time.monotonic() + TASK_DEADLINE_SECONDS
    while True:
        task = client.get(url, headers=AUTH).get_json()
        if task["status"] in ("succeeded", "failed"):
            return task
        assert time.monotonic() < deadline, f"the task never ended: {task}"
        time.sleep(0.05)


def test_an_upload_answers_202_with_a_task_that_reaches_succeeded(admin_client):
    response = upload(admin_client, wait=0)
    assert response.status_code == 202
    body = response.get_json()
    assert body["status"] in ("enqueued", "processing") and response.headers["Location"] == body["url"]
    task = follow(admin_client, body["url"])
    assert task["status"] == "succeeded" and task["type"] == "upload" and task["path"] == "zanzibar.md"
    assert task["documents"] == [{"doc_id": "zanzibar", "passages": 1}] and task["error"] is None
    assert admin_client.get("/api/search?q=xylophone").get_json()["total"] == 1


def test_a_deletion_answers_202_and_its_task_removes_the_document(admin_client):
    upload(admin_client)
    response = delete(admin_client, "zanzibar", wait=0)
    assert response.status_code == 202
    task = follow(admin_client, response.get_json()["url"])
    assert (task["status"], task["type"], task["documents"]) == ("succeeded", "delete", [{"doc_id": "zanzibar"}])
    assert admin_client.get("/api/search?q=xylophone").get_json()["total"] == 0


def test_a_refused_file_fails_its_task_with_the_indexers_reason(admin_client, admin_corpus):
    response = upload(admin_client, name="blob.txt", data=b"\x00\x01\x02\xff" * 50, wait=0)
    task = follow(admin_client, response.get_json()["url"])
    assert task["status"] == "failed" and task["error"]["code"] == "unreadable_file"
    assert "blob.txt" in task["error"]["message"] and not (admin_corpus / "blob.txt").exists()


def test_the_task_list_shows_the_newest_first_and_the_admin_page_not_before_the_token(admin_client):
    upload(admin_client)
    upload(admin_client, name="<b>bold</b>.md", data=b"# Bold\n\nWalrus tusks.\n")
    tasks = admin_client.get("/api/tasks", headers=AUTH).get_json()["tasks"]
    assert [task["task"] for task in tasks] == [2, 1]
    html = admin_client.get("/admin?ui=en").get_data(as_text=True)
    assert "Recent tasks" in html and "zanzibar.md" not in html  # admin.js fetches it with the token


def test_task_endpoints_need_the_token_and_name_an_unknown_task(admin_client):
    assert_error(admin_client.get("/api/tasks/1"), 401, "token")
    assert_error(admin_client.get("/api/tasks"), 401, "token")
    assert_error(admin_client.get("/api/tasks/99", headers=AUTH), 404, "99")


@pytest.mark.parametrize("wait", ["abc", "-1", "61", "1.5"])
def test_a_bad_wait_is_a_400_naming_it(admin_client, admin_corpus, wait):
    response = admin_client.post(f"/api/documents?wait={wait}", headers=AUTH, data={})
    assert_error(response, 400, "wait")
    assert_error(admin_client.delete(f"/api/documents/zanzibar?wait={wait}", headers=AUTH), 400, "wait")
