"""URLs the pages link to: the search page with filters added or removed, passages, original sources,
and the site's own address for the links that must be absolute (feeds, OpenSearch, permalinks).

The site's address never comes from a ``Host`` header a client chose: it is the ``public_url``
setting; else, for a request through one of the ``trusted_proxies``, the address that proxy
forwarded (``X-Forwarded-Host``, ``-Proto``, ``-Port``, ``-Prefix``); else the address the server
listens on.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from dataclasses import replace
from urllib.parse import quote
from urllib.parse import urlencode

from flask import current_app
from flask import request
from flask import url_for
from werkzeug.middleware.proxy_fix import ProxyFix

from indexer import FACETS
from indexer import SearchQuery
from web.params import DEFAULT_PER_PAGE
from web.params import DEFAULT_SORT
from web.params import PAGE_GROUP

FRAGMENT_START_WORDS = 8  # text fragments: first words of the passage ...
FRAGMENT_END_WORDS = 4  # ... and its last words, so the whole passage is selected
TRUSTED_PROXY = "passerelle.trusted_proxy"  # set in the WSGI environ of a request a trusted proxy forwarded
DEFAULT_PORTS = {"http": "80", "https": "443"}


@dataclass(frozen=True)
class SearchLinks:
    """URLs of the search page derived from the current query; defaults are left out to keep URLs short."""

    query: SearchQuery
    ui: str | None = None  # an explicit ?ui= is carried along, so shared links keep the language

    def params(self, **changes) -> dict:
        """URL parameters of the current query with ``changes`` (SearchQuery fields) applied."""
        query = replace(self.query, **changes)
        params = {"q": query.text, **{facet: list(getattr(query, facet)) for facet in FACETS}}
        params["from"], params["to"] = query.date_from, query.date_to
        params["page"] = query.page if query.page != 1 else None
        params["per_page"] = query.per_page if query.per_page != DEFAULT_PER_PAGE else None
        params["sort"] = query.sort if query.sort != DEFAULT_SORT else None
        params["expand"] = None if query.expand else "0"
        params["group"] = query.group if query.group != PAGE_GROUP else None
        params["ui"] = self.ui
        return {name: value for name, value in params.items() if value}

    def url(self, endpoint: str = "pages.search", **changes) -> str:
        """The URL of ``endpoint`` for the current query with ``changes``."""
        return url_for(endpoint, **self.params(**changes))

    def add(self, facet: str, value: str) -> str:
        """The first page of results with one more filter value."""
        values = getattr(self.query, facet)
        return self.url(page=1, **{facet: values if value in values else values + (value,)})

    def remove(self, facet: str, value: str) -> str:
        """The first page of results without this filter value."""
        return self.url(page=1, **{facet: tuple(v for v in getattr(self.query, facet) if v != value)})

    def clear(self) -> str:
        """The first page of results without any filter."""
        return self.url(page=1, date_from="", date_to="", **{facet: () for facet in FACETS})

    def page(self, number: int) -> str:
        """Result page ``number``."""
        return self.url(page=number)

    def with_text(self, text: str) -> str:
        """The first page of results for another query text, filters kept (the "did you mean" link)."""
        return self.url(page=1, text=text)

    def toggle_grouping(self) -> str:
        """The same search with passages grouped by document, or every passage on its own."""
        return self.url(page=1, group="none" if self.query.group == PAGE_GROUP else PAGE_GROUP)

    def toggle_expansion(self) -> str:
        """The same results with cross-language expansion switched off, or back on."""
        return self.url(page=1, expand=not self.query.expand)

    def active(self) -> list[tuple[str, str]]:
        """Every (facet, value) filter of the query, in facet order."""
        return [(facet, value) for facet in FACETS for value in getattr(self.query, facet)]


def passage_link(hit_url: str, q: str, ui: str | None = None) -> str:
    """A hit's permalink with ``?q=`` (and ``ui``) before the fragment, so the page marks the query."""
    path, _, fragment = hit_url.partition("#")
    return f"{document_link(path, q, ui)}#{fragment}"


def document_link(document_url: str, q: str, ui: str | None = None) -> str:
    """A document page with ``?q=`` (and ``ui``), so the page marks the query."""
    params = {name: value for name, value in (("q", q), ("ui", ui)) if value}
    query = f"?{urlencode(params)}" if params else ""
    return f"{request.script_root}{document_url}{query}"


def text_fragment_url(source_url: str, text: str) -> str:
    """``source_url`` with a text fragment selecting ``text`` (first words, then last words).

    See https://wicg.github.io/scroll-to-text-fragment/: ``#:~:text=start,end``, where "-", ","
    and "&" inside a term must be percent-encoded.
    """
    words = text.split()
    if len(words) <= FRAGMENT_START_WORDS + FRAGMENT_END_WORDS:
        directive = _fragment_term(words)
    else:
        start, end = words[:FRAGMENT_START_WORDS], words[-FRAGMENT_END_WORDS:]
        directive = f"{_fragment_term(start)},{_fragment_term(end)}"
    return f"{source_url.partition('#')[0]}#:~:text={directive}"


def _fragment_term(words: list[str]) -> str:
    # quote() leaves "-" alone (it is unreserved in URLs), but the directive syntax gives it a meaning.
    return quote(" ".join(words), safe="").replace("-", "%2D")


def site_root() -> str:
    """The site's address for absolute links, without the trailing "/" (see the module's doc)."""
    public = current_app.config.get("PUBLIC_URL") or ""
    if public:
        return public.rstrip("/")
    if request.environ.get(TRUSTED_PROXY):
        return request.url_root.rstrip("/")
    scheme = request.scheme
    name, port = request.environ.get("SERVER_NAME", "localhost"), str(request.environ.get("SERVER_PORT", ""))
    host = f"[{name}]" if ":" in name else name
    if port and port != DEFAULT_PORTS.get(scheme):
        host = f"{host}:{port}"
    return f"{scheme}://{host}{request.script_root}"


def absolute_url(endpoint: str, **values) -> str:
    """``url_for(endpoint, **values)`` under ``site_root()``."""
    return site_root() + url_for(endpoint, **values)[len(request.script_root) :]


def this_url() -> str:
    """The URL of the current request under ``site_root()``."""
    return site_root() + request.full_path.rstrip("?")


class TrustedProxies:
    """WSGI middleware: werkzeug's ``ProxyFix`` for requests from the configured proxies only
    (anyone else could send X-Forwarded-Host too)."""

    def __init__(self, app, proxies: list[str]):
        self.app = app
        self.fixed = ProxyFix(app, x_for=1, x_proto=1, x_host=1, x_port=1, x_prefix=1)
        self.networks = [ipaddress.ip_network(proxy, strict=False) for proxy in proxies]

    def __call__(self, environ, start_response):
        if self._trusted(environ.get("REMOTE_ADDR", "")):
            environ[TRUSTED_PROXY] = True
            return self.fixed(environ, start_response)
        return self.app(environ, start_response)

    def _trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.networks)


def proxy_list(value: str) -> list[str]:
    """The ``trusted_proxies`` setting as a list of addresses or networks.

    :raises BadParameter: naming an entry that is neither.
    """
    from indexer import BadParameter

    proxies = [entry.strip() for entry in str(value or "").split(",") if entry.strip()]
    for proxy in proxies:
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError:
            raise BadParameter("trusted_proxies", proxy, "must be IP addresses or networks, comma-separated") from None
    return proxies
