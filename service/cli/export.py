"""`tsudoi export`: files made for others — each command in its own module, joined here."""

from __future__ import annotations

import typer

from service.cli import export_print

app = typer.Typer(help="Write files for city websites, paper and other tools.",
                  no_args_is_help=True)
app.command("print")(export_print.export_print)
