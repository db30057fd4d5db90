"""The README documents every command, setting and API endpoint a user can reach."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

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
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("MIT License") and "Copyright (c) 2026 the Passerelle authors" in licence
