"""The README documents every command, setting and API endpoint a user can reach, and names no flag,
option or make target that does not exist (its shell examples run in tests/web/test_readme_examples.py)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import click
import pytest

from bench.report import repo_path
from indexer.settings import SETTINGS
from web import create_app
from web.cli import main

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(main.commands))
def test_every_command_is_in_the_readme_and_has_help(name):
    assert f"passerelle {name}" in README
    assert main.commands[name].help


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.name)
def test_every_setting_is_documented(setting):
    assert f"PASSERELLE_{setting.name.upper()}" in README


def test_every_api_endpoint_is_documented(tmp_path):
    app = create_app({"INDEX_DIR": str(tmp_path), "TESTING": True})
    rules = {rule.rule.split("<")[0].rstrip("/") for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")}
    for rule in rules:
        assert rule in README, rule


ROOT = Path(__file__).resolve().parent.parent
# The top of a machine's own folders: a committed file naming one only makes sense on that machine.
MACHINE_PATH = re.compile(r"(?<![\w.])/(?:work|home|root|tmp|Users|srv|mnt)/[\w.-]+")


@pytest.mark.parametrize(
    "path",
    sorted([*ROOT.glob("bench/results/*-latest.*"), ROOT / "docs" / "performance.md"]),
    ids=lambda path: path.name,
)
def test_committed_results_name_paths_relative_to_the_repository(path):
    assert not MACHINE_PATH.findall(path.read_text(encoding="utf-8"))


def test_the_speed_benchmark_names_its_data_relative_to_the_repository():
    assert repo_path(ROOT.parent / "shared" / "data" / "passages.jsonl") == "../shared/data/passages.jsonl"


def test_the_project_is_mit_licensed():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE", "NOTICE"]
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("MIT License") and "Copyright (c) 2026 the Passerelle authors" in licence


def test_the_data_that_ships_names_its_sources_and_licences():
    notice = (ROOT / "NOTICE").read_text(encoding="utf-8")
    sources = (ROOT / "indexer" / "crosslang" / "data" / "README.md").read_text(encoding="utf-8")
    assert "indexer/crosslang/data/README.md" in notice and "corpus/" in notice
    for licence in ("GPL-2+", "GPL-2", "CC-BY-SA-3.0"):
        assert f"| {licence} |" in sources, licence
    installed = (ROOT / ".ci" / "install-dictionaries").read_text(encoding="utf-8")
    for package in ("apertium-eng-spa", "apertium-fr-es", "apertium-eng-cat", "apertium-fra-cat", "apertium-eo-en"):
        assert package in installed and package in sources, package


def _leaf_commands(group=main, path=("passerelle",)):
    """(words that name it, command) of every command that runs (``passerelle lexicon learn``…)."""
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from _leaf_commands(command, (*path, name))
        else:
            yield " ".join((*path, name)), command


COMMANDS = dict(_leaf_commands())
FENCED = re.compile(r"^```.*?^```", flags=re.S | re.M)
CODE = re.findall(r"`([^`]+)`", FENCED.sub("", README)) + [
    line for block in re.findall(r"^```sh\n(.*?)^```", README, flags=re.S | re.M) for line in block.splitlines()
]
FLAG = re.compile(r"(?<![\w-])(--?[a-z][a-z-]*)")


def _options(command) -> set[str]:
    return {opt for param in command.params for opt in param.opts if opt.startswith("-")}


def _mentions():
    """(command words, the code after them) for each command named in a code span or shell line."""
    for code in CODE:
        for words, command in sorted(COMMANDS.items(), key=lambda item: -len(item[0])):
            at = code.find(words)
            if at >= 0 and not code[at + len(words) :][:1].isalnum():
                yield words, command, code[at + len(words) :].split("#")[0]
                break


@pytest.mark.parametrize(("words", "command", "rest"), list(_mentions()), ids=lambda value: str(value)[:40])
def test_every_flag_the_readme_gives_a_command_is_one_of_its_options(words, command, rest):
    assert set(FLAG.findall(rest)) <= _options(command), f"{words}{rest}"


@pytest.mark.parametrize(
    ("words", "command", "rest"), [m for m in _mentions() if "[" in m[2]], ids=lambda value: str(value)[:40]
)
def test_a_synopsis_in_the_readme_lists_every_option_of_its_command(words, command, rest):
    missing = {
        param.opts[0]
        for param in command.params
        if param.opts[0].startswith("-") and not set(param.opts) & set(FLAG.findall(rest))
    }
    assert not missing, f"{words}: {sorted(missing)} missing from the synopsis"


def test_every_flag_written_alone_in_the_readme_is_an_option_of_a_command():
    every = set().union(*(_options(command) for command in COMMANDS.values()))
    alone = {FLAG.match(code).group(1) for code in CODE if code.startswith("--") and FLAG.match(code)}
    assert alone and alone <= every, alone - every


def test_every_make_target_the_readme_names_exists():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"\bmake ([a-z][\w-]*)", README))
    assert targets and all(re.search(rf"^{re.escape(t)}:", makefile, flags=re.M) for t in targets), targets
