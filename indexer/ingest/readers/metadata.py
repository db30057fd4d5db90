"""Document metadata: the fields a sidecar or front matter may set, and how sources combine.

A sidecar is ``<stem>.meta.toml`` beside the document (``wecaps.txt`` + ``wecaps.meta.toml``).
Markdown front matter uses the same keys. Precedence, highest first: sidecar, front matter,
the format's own metadata (HTML ``<title>``/``lang``, PDF or DOCX properties), the first heading.

Dates are kept as precise as they were written: ``2023``, ``2023-05`` or ``2023-05-04`` (a time is
dropped, the day it was written in kept), text that sorts in date order (``read_date``).
"""

from __future__ import annotations

import datetime
import re
import tomllib
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import fields
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

from indexer.errors import UnreadableDocument
from indexer.models import LANGUAGES
from indexer.models import Section

Warn = Callable[[str], None]

KNOWN_KEYS = ("title", "lang", "publisher", "source_url", "tags", "date")
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
    )


# An ISO 8601 date, as precise as written, optionally followed by a time ("2023-05-04T10:00:00Z"),
# or the compact forms of PDF dates ("D:20230504103000+02'00'") and of "20230504".
_ISO_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:[T ][\d:.]+(?:Z|[+-][\d:]+)?)?")
_COMPACT_DATE = re.compile(r"(?:D:)?(\d{4})(\d{2})?(\d{2})?(?:\d{2,6}(?:Z|[+-]\d{2}'?(?:\d{2}'?)?)?)?")
EARLIEST_YEAR = 1000  # "0001" is a tool's placeholder, not a document's date


def read_date(value: object) -> str | None:
    """``value`` as a sortable date of the precision it was written in (``2023``, ``2023-05``,
    ``2023-05-04``), or None when it is not a real date (``2023-13``, ``2023-02-30``, "soon").

    Takes text, a year as a number (YAML reads ``date: 2023`` so), and dates and times (TOML and
    YAML read unquoted dates so; python-docx gives its properties so).
    """
    if isinstance(value, datetime.datetime | datetime.date):
        return _checked(value.year, value.month, value.day)
    if isinstance(value, int) and not isinstance(value, bool):
        return _checked(value, None, None)
    if not isinstance(value, str):
        return None
    text = value.strip()
    found = _ISO_DATE.fullmatch(text) or _COMPACT_DATE.fullmatch(text)
    if found is None:
        return None
    year, month, day = found.groups()
    return _checked(int(year), int(month) if month else None, int(day) if day else None)


def _checked(year: int, month: int | None, day: int | None) -> str | None:
    if not EARLIEST_YEAR <= year <= 9999:
        return None
    try:
        datetime.date(year, month or 1, day or 1)
    except ValueError:
        return None
    return f"{year:04d}" + (f"-{month:02d}" if month else "") + (f"-{day:02d}" if month and day else "")


def date_bounds(date: str) -> tuple[str, str]:
    """The first and last day of the period a date names: ``2023-05`` is 2023-05-01 to 2023-05-31."""
    year, _, rest = date.partition("-")
    month, _, day = rest.partition("-")
    if day:
        return date, date
    if month:
        after = datetime.date(int(year) + int(month) // 12, int(month) % 12 + 1, 1)
        return f"{date}-01", (after - datetime.timedelta(days=1)).isoformat()
    return f"{year}-01-01", f"{year}-12-31"


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
