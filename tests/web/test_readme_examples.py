"""Every example in the README's shell blocks is run, in order, as a user would type it.

``passerelle`` lines run the command in a folder holding a copy of the corpus (its defaults,
``corpus/`` and ``var/index/``, as the README says); ``curl`` lines are sent to the app over that
index, with the admin token the block exports and a task runner beside it, and must answer the
status the comment after them gives (2xx without one); ``make`` lines name a Makefile target.
A line of any other kind fails, so the README cannot grow an example nothing runs.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner
from readers_helpers import make_files
from web_helpers import ROOT
from web_helpers import app_over
from web_helpers import copy_corpus
from web_helpers import running_tasks

from indexer import index_corpus
from web.cli import main

README = (ROOT / "README.md").read_text(encoding="utf-8")
MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")
BLOCKS = re.findall(r"^```sh\n(.*?)^```", README, flags=re.S | re.M)
RECORDS = [
    {"id": "rec-1", "lang": "en", "title": "One", "text": "Walrus tusks seized at the port."},
    {"id": "rec-2", "lang": "en", "title": "Two", "text": "Narwhal tusks seized at the port."},
]


def commands(block: str) -> list[tuple[str, int | None]]:
    """Each command line of ``block`` (continuations joined) with the status its next comment gives."""
    lines = block.replace("\\\n", " ").splitlines()
    found = []
    for line in lines:
        status = re.match(r"#\s*(\d{3})\b", line.strip())
        if status and found:
            found[-1] = (found[-1][0], int(status.group(1)))
        elif line.strip() and not line.lstrip().startswith("#"):
            found.append((line, None))
    return found


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """A working folder as the README's user has: corpus/, an empty var/, report.pdf and records.jsonl."""
    copy_corpus(tmp_path / "corpus")
    (tmp_path / "report.pdf").write_bytes(
        make_files.make_pdf(["Port security review", "Customs officers inspected containers at the port."] * 3)
    )
    (tmp_path / "records.jsonl").write_text("".join(json.dumps(r) + "\n" for r in RECORDS), encoding="utf-8")
    for name in ("PASSERELLE_INDEX", "PASSERELLE_CORPUS", "PASSERELLE_ADMIN_TOKEN", "PASSERELLE_LEXICONS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_readme_has_shell_examples():
    assert len(BLOCKS) >= 4 and sum("curl " in block for block in BLOCKS) >= 2


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block{n}" for n in range(len(BLOCKS))])
def test_every_example_of_the_block_runs(folder, block):
    variables: dict[str, str] = {}
    steps = commands(block)
    index_dir = folder / "var" / "index"
    if any(shlex.split(line, comments=True)[0] == "curl" for line, _ in steps) and not index_dir.exists():
        index_corpus(folder / "corpus", index_dir)
    for line, status in steps:
        words = [_expand(word, variables) for word in shlex.split(line, comments=True)]
        program = words[0]
        if program == "export" or re.fullmatch(r"[A-Z_]+=.*", program, flags=re.S):
            name, _, value = (words[1] if program == "export" else program).partition("=")
            variables[name] = value
        elif program == "make":
            assert re.search(rf"^{re.escape(words[1])}:", MAKEFILE, flags=re.M), line
        elif program.endswith("passerelle"):
            result = CliRunner().invoke(main, words[1:])
            assert result.exit_code == 0, (line, result.output)
        elif program == "curl":
            _curl(folder, index_dir, words[1:], variables, status, line)
        else:
            pytest.fail(f"the README shows a command no test runs: {line}")


def _expand(word: str, variables: dict[str, str]) -> str:
    return re.sub(r"\$(\w+)", lambda match: variables.get(match.group(1), match.group(0)), word)


def _curl(folder: Path, index_dir: Path, args: list[str], variables: dict, status: int | None, line: str) -> None:
    headers, fields, method, url = {}, {}, None, None
    arguments = iter(args)
    for arg in arguments:
        if arg == "-H":
            name, _, value = next(arguments).partition(":")
            headers[name.strip()] = value.strip()
        elif arg == "-F":
            name, _, value = next(arguments).partition("=")
            fields[name] = (open(folder / value[1:], "rb"), value[1:]) if value.startswith("@") else value  # noqa: SIM115
        elif arg == "-X":
            method = next(arguments)
        elif arg.startswith("http"):
            url = urlsplit(arg)
        else:
            pytest.fail(f"an option the README's curl examples should not need: {arg} in {line}")
    token = variables.get("PASSERELLE_ADMIN_TOKEN", "")
    with (
        running_tasks(folder / "corpus", index_dir),
        app_over(index_dir, CORPUS_DIR=str(folder / "corpus"), ADMIN_TOKEN=token) as app,
    ):
        client = app.test_client()
        path = url.path + (f"?{url.query}" if url.query else "")
        response = client.open(path, method=method or ("POST" if fields else "GET"), headers=headers, data=fields)
        for value in fields.values():
            if isinstance(value, tuple):
                value[0].close()
        if status is None:
            assert 200 <= response.status_code < 300, (line, response.get_data(as_text=True))
        else:
            assert response.status_code == status, (line, response.get_data(as_text=True))
        if "/api/tasks/" in url.path:
            assert response.get_json()["status"] in ("enqueued", "processing", "succeeded"), line
