"""Passerelle's web app: search pages and a JSON API over the index built by ``indexer``."""

from __future__ import annotations

from flask import Flask

from indexer import BadParameter
from indexer import is_web_url
from indexer import load_settings
from web import admin
from web import engine
from web import i18n
from web import security
from web.api import bp as api_bp
from web.errors import register_error_handlers
from web.files import bp as files_bp
from web.links import TrustedProxies
from web.links import proxy_list
from web.pages import bp as pages_bp


def create_app(config: dict | None = None) -> Flask:
    """Build the app: config, the live index, interface language, security headers, blueprints, errors.

    :param config: overrides, e.g. ``{"INDEX_DIR": "var/index", "UI_DEFAULT_LOCALE": "fr"}``;
        ``INDEX_DIR`` defaults to the ``index`` setting (passerelle.toml, PASSERELLE_INDEX), ``CORPUS_DIR``
        to the ``corpus`` setting; ``PUBLIC_URL`` and ``TRUSTED_PROXIES`` (comma-separated) to the
        ``public_url`` and ``trusted_proxies`` settings; ``ADMIN_TOKEN``, ``UPLOAD_DIR`` and
        ``UPLOAD_MAX_BYTES`` are read by ``web.admin.init_app``.

    :raises BadParameter: for a ``public_url`` that is not an http(s) address, or a malformed ``trusted_proxies``.
    """
    app = Flask(__name__)
    app.config.from_mapping(UI_DEFAULT_LOCALE=i18n.LOCALES[0])
    app.config.update(config or {})
    if not {"INDEX_DIR", "PUBLIC_URL", "TRUSTED_PROXIES"} <= set(app.config):
        settings = load_settings()
        app.config.setdefault("INDEX_DIR", settings["index"])
        app.config.setdefault("PUBLIC_URL", settings["public_url"])
        app.config.setdefault("TRUSTED_PROXIES", settings["trusted_proxies"])
    if app.config["PUBLIC_URL"] and not is_web_url(app.config["PUBLIC_URL"]):
        raise BadParameter("public_url", app.config["PUBLIC_URL"], "must be an http or https address")
    proxies = proxy_list(app.config["TRUSTED_PROXIES"])
    if proxies:
        app.wsgi_app = TrustedProxies(app.wsgi_app, proxies)
    app.json.sort_keys = False  # keep the documented field order of SearchResult.to_dict()
    app.json.ensure_ascii = False
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    engine.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    admin.init_app(app)
    app.register_blueprint(pages_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(files_bp)
    register_error_handlers(app)
    return app
