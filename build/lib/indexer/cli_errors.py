"""One conversion of library errors for every command group."""

from __future__ import annotations

import click

from indexer.errors import PasserelleError


class PasserelleGroup(click.Group):
    """Turns library errors into one-line messages instead of tracebacks."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except PasserelleError as error:
            raise click.ClickException(str(error)) from None
