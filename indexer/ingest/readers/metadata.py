"""Document metadata: the fields a sidecar or front matter may set, and how sources combine.

A sidecar is ``<stem>.meta.toml`` beside the document (``wecaps.txt`` + ``wecaps.meta.toml``).
Markdown front matter uses the same keys. Precedence, highest first: sidecar, front matter,
the format's own metadata (HTML ``<title>``/``lang``, PDF or DOCX properties), the first heading.

A ``date`` is kept as precise as it was written (``indexer.dates.read_date``).
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import fields
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

from indexer.dates import read_date
from indexer.errors import UnreadableDocument
from indexer.models import LANGUAGES
from indexer.models import Section

Warn = Callable[[str], None]

KNOWN_KEYS = ("title", "lang", "publisher", "source_url", "tags", "date", "translation_of")
SIDECAR_SUFFIX = ".meta.toml"
MAX_SIDECAR_BYTES = 1024 * 1024  # a few fields; anything bigger is not a sidecar, and is not read whole


@dataclass(frozen=True)
class Metadata:
    """Document fields declared by one source; empty values mean "not set here"."""

    title: str = ""
    lang: str | None = None
    publisher: str = ""
    source_url: str = ""
    tags: tuple[str, ...] = ()
    date: str = ""  # "YYYY", "YYYY-MM" or "YYYY-MM-DD"
    translation_of: str = ""  # the id of the document this one translates (indexer.crosslang.parallel)

    def over(self, other: Metadata) -> Metadata:
        """These values where set, ``other``'s elsewhere."""
        changes = {f.name: getattr(other, f.name) for f in fields(self) if not getattr(self, f.name)}
        return replace(self, **changes)


class Parsed(NamedTuple):
    """What a single-document reader found: sections in reading order and the format's own metadata."""

    sections: tuple[Section, ...]
    metadata: Metadata


def sidecar_path(path: Path) -> Path:
    """Where the sidecar of ``path`` would be."""
    return path.with_name(path.stem + SIDECAR_SUFFIX)


def load_sidecar(path: Path, relpath: str, warn: Warn) -> Metadata:
    """Metadata from the sidecar at ``path`` (relpath names it in messages); empty when there is none."""
    if not path.is_file():
        return Metadata()
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_SIDECAR_BYTES + 1)
        if len(raw) > MAX_SIDECAR_BYTES:
            raise UnreadableDocument(relpath, f"malformed sidecar: larger than {MAX_SIDECAR_BYTES // 1024} KB")
        data = tomllib.loads(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UnreadableDocument(relpath, f"malformed sidecar: {exc}") from exc
    return metadata_from_mapping(data, relpath, warn)


def metadata_from_mapping(data: Mapping[str, object], origin: str, warn: Warn) -> Metadata:
    """Validate a sidecar or front-matter mapping; bad or unknown entries are reported and ignored."""
    for key in data:
        if key not in KNOWN_KEYS:
            warn(f"{origin}: unknown metadata key {key!r} ignored")
    return Metadata(
        title=_string(data, "title", origin, warn),
        lang=_language(data, origin, warn),
        publisher=_string(data, "publisher", origin, warn),
        source_url=_source_url(data, origin, warn),
        tags=_tags(data, origin, warn),
        date=_date(data, origin, warn),
        translation_of=_string(data, "translation_of", origin, warn),
    )


def title_from_stem(path: Path) -> str:
    """The last-resort title: the file name without suffix, dashes and underscores read as spaces."""
    return " ".join(path.stem.replace("-", " ").replace("_", " ").split())


def _string(data: Mapping[str, object], key: str, origin: str, warn: Warn) -> str:
    value = data.get(key, "")
    if not isinstance(value, str):
        warn(f"{origin}: {key!r} should be a string, ignored")
        return ""
    return " ".join(value.split())


def is_web_url(url: str) -> bool:
    """True for an absolute http or https address: the only kind a ``source_url`` may be (never javascript:)."""
    parts = urlsplit(url.strip())
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def _source_url(data: Mapping[str, object], origin: str, warn: Warn) -> str:
    value = _string(data, "source_url", origin, warn)
    if value and not is_web_url(value):
        warn(f"{origin}: 'source_url' should be an http or https address, ignored")
        return ""
    return value


def _language(data: Mapping[str, object], origin: str, warn: Warn) -> str | None:
    value = data.get("lang")
    if value is None:
        return None
    lang = value.strip().lower() if isinstance(value, str) else value
    if lang not in LANGUAGES:
        warn(f"{origin}: lang {value!r} is not one of {', '.join(LANGUAGES)}, ignored")
        return None
    return lang


def _date(data: Mapping[str, object], origin: str, warn: Warn) -> str:
    value = data.get("date")
    if value is None or value == "":
        return ""
    date = read_date(value)
    if date is None:
        warn(f"{origin}: date {str(value)[:40]!r} is not a date (YYYY, YYYY-MM or YYYY-MM-DD), ignored")
        return ""
    return date


def _tags(data: Mapping[str, object], origin: str, warn: Warn) -> tuple[str, ...]:
    value = data.get("tags", [])
    if not isinstance(value, list) or not all(isinstance(tag, str) for tag in value):
        warn(f"{origin}: 'tags' should be a list of taxonomy ids, ignored")
        return ()
    return tuple(dict.fromkeys(tag.strip() for tag in value if tag.strip()))
