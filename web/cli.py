"""`passerelle`: the indexer's commands plus `serve`, which runs the web app.

``python -m indexer`` still gives the indexing commands without importing Flask.
"""

from __future__ import annotations

from pathlib import Path

import click

from indexer.cli import main
from indexer.settings import load_settings
from indexer.store import current_generation
from web import create_app

DEFAULT_THREADS = 8


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option("--index", "index_dir", type=click.Path(path_type=Path), help="Index folder [default: var/index].")
@click.option(
    "--threads", default=DEFAULT_THREADS, show_default=True, type=click.IntRange(1, 256), help="Worker threads."
)
@click.option(
    "--debug", is_flag=True, help="Use Flask's development server, with reloader and debugger (never in production)."
)
def serve(host, port, index_dir, threads, debug):
    """Serve the search pages and the JSON API (waitress; the Flask development server with --debug)."""
    settings = load_settings({"index": index_dir})
    app = create_app({"INDEX_DIR": settings["index"]})
    if current_generation(Path(settings["index"])) is None:
        warning = f"warning: no index at {settings['index']} yet; searches answer 503 until `passerelle index` runs"
        click.secho(warning, fg="yellow", err=True)
    click.echo(f"Serving Passerelle on http://{host}:{port}/ (index: {settings['index']})")
    if debug:
        app.run(host=host, port=port, debug=True)
        return
    import waitress  # imported here: only the production path needs it

    waitress.serve(app, host=host, port=port, threads=threads)


main.add_command(serve)
