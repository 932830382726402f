"""`tsudoi serve` and `tsudoi demo`: the maps and the API over a store."""

from __future__ import annotations

from typing import Annotated

import typer

from geo.errors import InputError
from geo.store import open_store
from service.cli.common import DbOption, HostOption, PortOption, exit_code, fail, opened, out


def _serve(store_url: str | None, host: str, port: int) -> None:
    import uvicorn

    from service.app import create_app

    store = open_store(store_url)
    out.print(f"Tsudoi serving {store.url} on http://{host}:{port}  (Ctrl+C stops)")
    uvicorn.run(create_app(store), host=host, port=port, log_level="info")


def serve(host: HostOption = "127.0.0.1", port: PortOption = 8000, db: DbOption = None) -> None:
    """Serve the current store's maps and API."""
    _serve(db, host, port)


def demo(
    port: PortOption = 8000,
    host: HostOption = "127.0.0.1",
    db: DbOption = None,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Load the demo and stop")] = False,
) -> None:
    """Load the bundled demo cities (新潟市, 宇部市 with its streets, 周南市) into the store, then
    serve."""
    from service.demo import load_demo

    with opened(db) as store:
        try:
            for report in load_demo(store):
                out.print(report.summary(), highlight=False, soft_wrap=True)
        except InputError as exc:
            fail(f"the demo pack did not load: {exc}", exit_code(exc))
    if not no_serve:
        _serve(db, host, port)
