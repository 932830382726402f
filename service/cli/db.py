"""`tsudoi db upgrade`: the PostGIS schema at the latest revision."""

from __future__ import annotations

import typer

from service.cli.common import DbOption, out

app = typer.Typer(help="Manage the PostGIS schema.", no_args_is_help=True)


@app.command("upgrade")
def db_upgrade(db: DbOption = None) -> None:
    """Create or migrate the PostGIS schema (Alembic); the GeoPackage store needs no step."""
    target = db or ""
    if not target.startswith(("postgresql", "postgres://")):
        out.print("the embedded GeoPackage store creates its schema itself; nothing to do")
        return
    from geo.store.migrate import upgrade

    upgrade(target)
    out.print("database schema is at the latest revision")
