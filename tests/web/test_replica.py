"""A server over a published copy: it never writes, and it can be drained for maintenance."""

from __future__ import annotations

import pytest
from test_api import assert_error
from web_helpers import app_over

from indexer.publish import publish

TOKEN = "s3cret-token"


@pytest.fixture
def replica(web_index_dir, tmp_path):
    publish(web_index_dir, tmp_path / "replica")
    with app_over(tmp_path / "replica", REPLICA=True, ADMIN_TOKEN=TOKEN, CORPUS_DIR=str(tmp_path)) as app:
        yield app.test_client(), tmp_path / "replica"


def test_a_replica_searches_but_refuses_every_write_even_with_the_token(replica):
    client, folder = replica
    assert client.get("/api/search?q=customs").get_json()["total"] > 0
    auth = {"Authorization": f"Bearer {TOKEN}"}
    upload = client.post("/api/documents", headers=auth, data={"file": (b"text", "new.txt")})
    assert_error(upload, 404, "read-only replica")
    assert_error(client.delete("/api/documents/anything", headers=auth), 404, "read-only replica")
    assert client.get("/admin").status_code == 404
    assert not (folder / "tasks").exists()


def test_a_drain_file_turns_health_to_503_until_it_is_removed(replica):
    client, folder = replica
    assert client.get("/api/health").status_code == 200
    (folder / "drain").touch()
    assert_error(client.get("/api/health"), 503, "draining")
    assert client.get("/api/search?q=customs").status_code == 200  # requests it still gets are answered
    (folder / "drain").unlink()
    assert client.get("/api/health").status_code == 200
