"""Settings in one table, in layers: defaults < passerelle.toml < PASSERELLE_* variables < flags."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from indexer.errors import BadParameter

CONFIG_FILE = "passerelle.toml"
ENV_PREFIX = "PASSERELLE_"


@dataclass(frozen=True)
class Setting:
    """One setting: its name, default and what it is for."""

    name: str
    default: str
    help: str


SETTINGS = (
    Setting("corpus", "corpus", "Folder of source documents, taxonomy.toml and glossary.toml."),
    Setting("index", "var/index", "Folder where the index lives (created on first indexing)."),
    Setting(
        "lexicons",
        "",
        "Translation lexicon files, comma-separated, copied into the index when indexing "
        "[default: lexicon.tsv.gz in the corpus folder, if there is one].",
    ),
    Setting("freedict", "off", "on: also translate with the installed Debian FreeDict dictionaries."),
    Setting(
        "dictionaries",
        "on",
        "off: do not translate with the dictionary lexicon that ships with Passerelle "
        "(built from FreeDict and Apertium; indexer/crosslang/data/README.md).",
    ),
    Setting(
        "task_timeout_seconds",
        "600",
        "An upload or deletion still being applied after this many seconds is stopped and fails.",
    ),
    Setting(
        "task_retries",
        "5",
        "Tries of a task whose indexing hits a file-system error (a full disk) before it fails.",
    ),
    Setting(
        "task_retry_seconds", "1", "Wait before the second try of such a task, doubled at each try (at most 60 s)."
    ),
    Setting(
        "public_url",
        "",
        "The site's address as users reach it (https://search.example.org), for absolute links "
        "[default: the address the server listens on].",
    ),
    Setting(
        "trusted_proxies",
        "",
        "Addresses of reverse proxies, comma-separated, whose X-Forwarded-* headers name the site's address.",
    ),
)


def load_settings(flags: dict | None = None, cwd: Path | None = None) -> dict[str, str]:
    """Resolve every setting: a flag given wins over the environment, which wins over the file.

    :raises BadParameter: for an unknown key or a malformed ``passerelle.toml``.
    """
    values = {setting.name: setting.default for setting in SETTINGS}
    values.update(_from_file(Path(cwd or Path.cwd()) / CONFIG_FILE))
    for setting in SETTINGS:
        env = os.environ.get(ENV_PREFIX + setting.name.upper())
        if env:
            values[setting.name] = env
    values.update({key: value for key, value in (flags or {}).items() if value is not None})
    return values


def number_setting(settings: dict[str, str], name: str, low: float = 0) -> float:
    """Setting ``name`` as a number of at least ``low``.

    :raises BadParameter: naming the setting when it is not such a number.
    """
    try:
        value = float(settings[name])
    except ValueError:
        value = None
    if value is None or not value >= low or value == float("inf"):
        raise BadParameter(name, str(settings[name]), f"must be a number of at least {low:g}")
    return value


def _from_file(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise BadParameter(str(path), "", f"invalid TOML: {error}") from None
    known = {setting.name for setting in SETTINGS}
    unknown = sorted(set(data) - known)
    if unknown:
        raise BadParameter(str(path), unknown[0], f"unknown setting (known: {', '.join(sorted(known))})")
    return {key: str(value) for key, value in data.items()}
