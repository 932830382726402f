"""`tsudoi serve` and `tsudoi demo`: the maps and the API over a store."""

from __future__ import annotations

import os
from typing import Annotated, Any

import typer

from geo.errors import InputError
from geo.store import DEFAULT_STORE, open_store
from geo.store.gpkg import GpkgStore
from service.asgi import STORE_ENV
from service.cli.common import (
    USAGE,
    DbOption,
    HostOption,
    PortOption,
    exit_code,
    fail,
    opened,
    out,
)

LOG_LEVELS = ("critical", "error", "warning", "info", "debug")
MAX_WORKERS = 64

WorkersOption = Annotated[
    int,
    typer.Option(
        min=1,
        max=MAX_WORKERS,
        help="Server processes (default 1); each opens the store itself",
    ),
]
LogLevelOption = Annotated[
    str, typer.Option(help="critical, error, warning, info (default) or debug")
]
AccessLogOption = Annotated[
    bool,
    typer.Option("--access-log/--no-access-log", help="Log every request (default: off)"),
]
ForwardedOption = Annotated[
    str | None,
    typer.Option(
        "--forwarded-allow-ips",
        help="Proxies whose X-Forwarded-Proto/-For are believed (comma-separated addresses or "
        "networks, '*' for any; default: uvicorn's FORWARDED_ALLOW_IPS, else 127.0.0.1,::1)",
    ),
]


def _serve(
    store_url: str | None,
    host: str,
    port: int,
    workers: int = 1,
    log_level: str = "info",
    access_log: bool = False,
    forwarded_allow_ips: str | None = None,
) -> None:
    import uvicorn

    from service.app import create_app

    if log_level not in LOG_LEVELS:
        fail(f"--log-level must be one of {', '.join(LOG_LEVELS)}, not {log_level!r}", USAGE)
    store = open_store(store_url)
    out.print(
        f"Tsudoi serving {store.url} on http://{host}:{port}"
        f"{f' with {workers} processes' if workers > 1 else ''}  (Ctrl+C stops)"
    )
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": log_level,
        "access_log": access_log,
        # a request a trusted proxy received over https is https here: the session cookie
        # is then Secure, and the client's address is the one the rate limit counts
        "proxy_headers": True,
        "forwarded_allow_ips": forwarded_allow_ips or None,
    }
    if workers == 1:
        app = create_app(store)
        app.state.server_process = True  # settles its heap once started (service.app)
        uvicorn.run(app, **options)
        return
    if isinstance(store, GpkgStore):
        store.use_wal()  # readers in other processes go on while one of them writes
    from service.auth.secret import ENV, secret_key

    # the key is made here, before the workers start, so they cannot each make a different one
    secret_key(store, os.environ.get(ENV, "").strip() or None)
    store.close()
    os.environ[STORE_ENV] = store_url or DEFAULT_STORE  # what each worker process opens
    uvicorn.run("service.asgi:app_from_env", factory=True, workers=workers, **options)


def serve(
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    db: DbOption = None,
    workers: WorkersOption = 1,
    log_level: LogLevelOption = "info",
    access_log: AccessLogOption = False,
    forwarded_allow_ips: ForwardedOption = None,
) -> None:
    """Serve the current store's maps and API."""
    _serve(db, host, port, workers, log_level, access_log, forwarded_allow_ips)


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
