"""The `tsudoi` command: serve, load the demo, import areas and places, export them, upgrade the
database.

Exit codes: 0 done, 1 the input was refused (nothing changed), 2 a usage error; commands raise
typed errors and service/cli/common.py maps them to codes and messages in one place.
"""

from __future__ import annotations

import typer

from service.cli import analysis, batch, db, export, imports, network, serve, settings, stale, users
from service.cli.common import ErrorExits

app = typer.Typer(
    cls=ErrorExits,
    help="Tsudoi (集い): gathering places and daily-living areas.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(imports.app, name="import")
app.add_typer(db.app, name="db")
app.add_typer(export.app, name="export")
app.add_typer(network.app, name="network")
app.add_typer(settings.app, name="settings")
app.add_typer(batch.app, name="batch")
app.add_typer(users.users_app, name="users")
app.add_typer(users.tokens_app, name="tokens")
app.add_typer(export.app, name="export")
app.command()(analysis.coverage)
app.command()(analysis.suggest)
app.command()(stale.stale)
app.command()(serve.serve)
app.command()(serve.demo)


def main() -> None:
    """Entry point for `python -m service.cli`."""
    app(prog_name="tsudoi")
