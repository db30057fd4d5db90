"""Documents' dates as people cite them: ``2023``, ``2023-05`` or ``2023-05-04``.

A date keeps the precision it was written in (a time is dropped, the day it was written in kept)
and is stored as that text, which sorts in date order. A partial date names a period:
``date_bounds`` gives its first and last day, which is how ranges compare with it.
"""

from __future__ import annotations

import datetime
import re

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


def range_bounds(first: str, last: str) -> tuple[str, str]:
    """The days a range of dates covers, both periods included: ``("2022", "2023-06")`` is
    2022-01-01 to 2023-06-30; "" leaves that end open."""
    return (date_bounds(first)[0] if first else "", date_bounds(last)[1] if last else "")
