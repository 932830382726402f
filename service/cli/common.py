"""What every command shares: the consoles, the options they repeat, opening the store, and the
one mapping from error type to exit code (0 done, 1 the input was refused, 2 a usage error)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from geo.errors import (
    InputError,
    InvalidParameter,
    MissingData,
    NotFound,
    StoreError,
    TsudoiError,
    UnknownCity,
    UsageError,
    Withheld,
)
from geo.store import open_store
from geo.store.base import Store

REFUSED = 1  # the input was refused (nothing changed), or the store failed
USAGE = 2  # the command cannot be meant as given: an option, a city, data to import first

# The most specific type wins: an exception exits with the first of its classes (MRO) listed.
EXIT_CODES: dict[type[TsudoiError], int] = {
    InputError: REFUSED,
    StoreError: REFUSED,
    NotFound: REFUSED,
    Withheld: REFUSED,
    UsageError: USAGE,  # InvalidParameter among them
    UnknownCity: USAGE,
    MissingData: USAGE,
}

out = Console()
err = Console(stderr=True)


def exit_code(exc: TsudoiError) -> int:
    """The exit code the table gives this error (1 for a type it does not list)."""
    for cls in type(exc).__mro__:
        if cls in EXIT_CODES:
            return EXIT_CODES[cls]
    return REFUSED


def message(exc: TsudoiError) -> str:
    """The error in the words of the command line: options as --name, and what to run first."""
    if isinstance(exc, InvalidParameter):
        return exc.as_option()
    if isinstance(exc, MissingData) and exc.remedy:
        return f"{exc}; {exc.remedy}"
    return str(exc)


def fail(text: str, code: int) -> NoReturn:
    """Print the error and exit with ``code``."""
    # escaped: file names, values and hints may hold "[...]", which rich would take as markup
    err.print(f"[bold red]error:[/] {escape(text)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


class ErrorExits(TyperGroup):
    """The root command: a typed error raised by any command exits by the table, in one place."""

    def invoke(self, ctx: Any) -> Any:  # Any: typer's vendored click Context is not public
        try:
            return super().invoke(ctx)
        except TsudoiError as exc:
            fail(message(exc), exit_code(exc))


def plain(text: str) -> None:
    """A line of a report: file names, area names and values are not console markup."""
    out.print(text, highlight=False, soft_wrap=True, markup=False)


@contextmanager
def opened(db: str | None) -> Iterator[Store]:
    """The store for --db, closed when the block ends, however it ends."""
    store = open_store(db)
    try:
        yield store
    finally:
        store.close()


DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="TSUDOI_DATABASE_URL",
        help="Store: a .gpkg path (default ./tsudoi.gpkg) or postgresql+psycopg://…",
    ),
]
CityOption = Annotated[str, typer.Option("--city", help="JIS municipal code, e.g. 15100")]
DryRunOption = Annotated[bool, typer.Option("--dry-run", help="Check and report only")]
JsonReportOption = Annotated[bool, typer.Option("--json", help="Print the report as JSON")]
HostOption = Annotated[str, typer.Option(help="Address to listen on")]
PortOption = Annotated[int, typer.Option(help="Port to listen on")]
MinutesOption = Annotated[float, typer.Option(help="Walking minutes (default 10)")]
SpeedOption = Annotated[float, typer.Option(help="Walking speed in km/h (default 3)")]
AgeOption = Annotated[int, typer.Option(help="65 or 75: whose coverage")]
