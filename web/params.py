"""Request parameters -> SearchQuery: one reading shared by the page, the feed and the JSON API.

Only the shape is checked here (integers are integers); ranges and values are checked by
``indexer.search``, which raises ``BadParameter`` naming the culprit.
"""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from indexer import FACETS
from indexer import BadParameter
from indexer import SearchQuery

DEFAULT_PER_PAGE = SearchQuery.per_page
DEFAULT_SORT = SearchQuery.sort
DEFAULT_GROUP = SearchQuery.group  # the JSON API's, kept for today's clients
PAGE_GROUP = "document"  # the pages show a document once, with its best passages


def search_query_from(
    args: MultiDict, per_page: int = DEFAULT_PER_PAGE, sort: str = DEFAULT_SORT, group: str = DEFAULT_GROUP
) -> SearchQuery:
    """The SearchQuery described by URL parameters ``q``, filters, ``from`` and ``to`` (dates), ``page``,
    ``per_page``, ``sort`` and ``group``.

    :raises BadParameter: when ``page`` or ``per_page`` is not a whole number.
    """
    filters = {facet: _values(args, facet) for facet in FACETS}
    return SearchQuery(
        text=args.get("q", "").strip(),
        page=integer_param(args, "page", 1),
        per_page=integer_param(args, "per_page", per_page),
        sort=args.get("sort") or sort,
        group=args.get("group") or group,
        expand=_switch(args, "expand", True),
        date_from=args.get("from", "").strip(),
        date_to=args.get("to", "").strip(),
        **filters,
    )


def integer_param(args: MultiDict, name: str, default: int) -> int:
    """The whole number in ``args[name]``, or ``default`` when absent or empty.

    :raises BadParameter: when the value is not a whole number.
    """
    value = args.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise BadParameter(name, value[:40], "must be a whole number") from None


SWITCH_VALUES = {
    "1": True,
    "true": True,
    "yes": True,
    "on": True,
    "0": False,
    "false": False,
    "no": False,
    "off": False,
}


def _switch(args: MultiDict, name: str, default: bool) -> bool:
    """An on/off parameter: 1 or 0 (true/false, yes/no, on/off too); absent or empty is ``default``.

    :raises BadParameter: for any other value.
    """
    value = args.get(name, "").strip().lower()
    if not value:
        return default
    if value not in SWITCH_VALUES:
        raise BadParameter(name, value[:40], "must be 0 or 1")
    return SWITCH_VALUES[value]


def _values(args: MultiDict, name: str) -> tuple[str, ...]:
    """Non-empty values of a repeatable parameter, without duplicates, in order."""
    return tuple(dict.fromkeys(value.strip() for value in args.getlist(name) if value.strip()))
