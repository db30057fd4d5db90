"""Reading the corpus's TOML files (taxonomy, glossary) with errors that name the file."""

from __future__ import annotations

import tomllib
from pathlib import Path


def read_toml(path: Path, error: type[Exception]) -> dict | None:
    """The parsed file, or None when it does not exist.

    :raises error: built as ``error(path, reason)`` when the file is unreadable or not valid TOML.
    """
    try:
        text = Path(path).read_bytes().decode("utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise error(str(path), f"cannot read the file: {exc}") from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # The message ends with "(at line N, column M)".
        raise error(str(path), f"TOML syntax error: {exc}") from exc
