"""The README is a contract: every command, option and route the service offers is documented."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
import typer.main
from fastapi import FastAPI

from service.cli import app as cli_app

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _commands() -> list[tuple[str, click.Command]]:
    root = typer.main.get_command(cli_app)
    found: list[tuple[str, click.Command]] = []

    def walk(prefix: str, cmd: click.Command) -> None:
        if hasattr(cmd, "commands"):
            for name, sub in cmd.commands.items():  # type: ignore[attr-defined]
                walk(f"{prefix} {name}", sub)
        else:
            found.append((prefix, cmd))

    walk("tsudoi", root)
    return found


def test_readme_starts_with_the_two_commands() -> None:
    block = re.search(r"```sh\n(.*?)```", README, re.S)
    assert block is not None
    lines = [ln for ln in block.group(1).splitlines() if ln.strip()]
    assert len(lines) == 2
    assert "tsudoi demo" in lines[0] and "bash .ci/run" in lines[1]


@pytest.mark.parametrize(
    ("name", "command"), _commands(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_command_and_option_is_in_the_readme(name: str, command: click.Command) -> None:
    assert f"`{name}" in README, f"{name} is not documented"
    for param in command.params:
        for opt in getattr(param, "opts", []):
            if opt.startswith("--") and opt != "--help":
                assert opt in README, f"{name} {opt} is not documented"


def test_every_route_is_in_the_readme() -> None:
    """Routes come from the OpenAPI document (FastAPI nests included routers out of app.routes)."""
    import tempfile

    from geo.store.gpkg import GpkgStore
    from service.app import create_app

    with tempfile.TemporaryDirectory() as tmp:
        store = GpkgStore(Path(tmp) / "d.gpkg")
        app: FastAPI = create_app(store)
        paths = app.openapi()["paths"]
        store.close()
    assert len(paths) >= 10
    for path, methods in paths.items():
        for method in methods:
            assert f"`{method.upper()} {path}" in README, (
                f"{method.upper()} {path} is not documented"
            )


def test_ci_runs_the_readme_test_command() -> None:
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text(encoding="utf-8")
    assert ".venv/bin/python -m pytest" in ci
    assert ".venv/bin/python -m pytest" in README
