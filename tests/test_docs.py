"""The README documents every command, setting and API endpoint a user can reach."""

from __future__ import annotations

from pathlib import Path

import pytest

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
