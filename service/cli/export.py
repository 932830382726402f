"""`tsudoi export …`: files made from the store for people without the service — the listing
for My Maps, Excel and QGIS (export_places), a single-file map (export_map), the printed A4
sheet (export_print).

Each command lives in its own module and is added here, one line each.
"""

from __future__ import annotations

import typer

from service.cli import export_map, export_places, export_print

app = typer.Typer(help="Write files for city websites, paper and other tools.",
                  no_args_is_help=True)
app.command("places")(export_places.places)
app.command("map")(export_map.map_file)
app.command("print")(export_print.export_print)
