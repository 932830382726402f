"""`tsudoi settings`: a city's settings kept in the store (today: its verification months)."""

from __future__ import annotations

from typing import Annotated

import typer

from geo.japan.municipalities import get_city
from layers.verification import check_months, setting_name, stale_months
from service.cli.common import CityOption, DbOption, opened, plain

app = typer.Typer(help="A city's settings kept in the store.", no_args_is_help=True)


@app.command("set")
def settings_set(
    city: CityOption,
    stale_months_value: Annotated[
        int,
        typer.Option("--stale-months", help="Months after which a place needs verifying again"),
    ],
    db: DbOption = None,
) -> None:
    """Change a city's setting."""
    check_months(stale_months_value)
    code = get_city(city).code
    with opened(db) as store:
        store.put_setting(setting_name(code), str(stale_months_value))
    plain(f"{code}: stale-months = {stale_months_value}")


@app.command("show")
def settings_show(city: CityOption, db: DbOption = None) -> None:
    """A city's settings (defaults included)."""
    code = get_city(city).code
    with opened(db) as store:
        months = stale_months(store, code)
        stored = store.setting(setting_name(code)) is not None
    plain(f"{code}: stale-months = {months}{'' if stored else ' (default)'}")
