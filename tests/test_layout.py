"""The house rules a reader relies on: arrows one way, rooms of a readable size, lint and types.

The README's "Where things live" promises these; this file keeps the promise from drifting.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("geo", "boundaries", "layers", "service")
# What each package may import from the others: service → layers, boundaries → geo.
ALLOWED = {
    "geo": {"geo"},
    "boundaries": {"boundaries", "geo"},
    "layers": {"layers", "geo"},
    "service": {"service", "layers", "boundaries", "geo"},
}
MAX_LINES = 700
MAX_GEO_TOP_MODULES = 8


def _python_files(*folders: str) -> list[Path]:
    found: list[Path] = []
    for folder in folders:
        found += sorted(p for p in (ROOT / folder).rglob("*.py") if "migrations" not in p.parts)
    return found


def _imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names & set(PACKAGES)


@pytest.mark.parametrize("package", PACKAGES)
def test_dependencies_point_one_way(package: str) -> None:
    wrong = {
        str(path.relative_to(ROOT)): sorted(_imported_packages(path) - ALLOWED[package])
        for path in _python_files(package)
    }
    assert {k: v for k, v in wrong.items() if v} == {}


def test_no_module_is_over_700_lines() -> None:
    long = {
        str(p.relative_to(ROOT)): n
        for p in _python_files(*PACKAGES, "scripts")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_geo_keeps_its_concerns_in_subpackages() -> None:
    top = sorted(p.name for p in (ROOT / "geo").glob("*.py") if p.name != "__init__.py")
    assert len(top) <= MAX_GEO_TOP_MODULES, top
    for sub in (ROOT / "geo").iterdir():
        if sub.is_dir() and any(sub.glob("*.py")):
            init = sub / "__init__.py"
            assert init.exists() and ast.get_docstring(ast.parse(init.read_text())), (
                f"{sub.name}/__init__.py should say what the package holds"
            )


def _tool(name: str) -> str:
    found = Path(sys.executable).with_name(name)
    if found.exists():
        return str(found)
    which = shutil.which(name)
    if which is None:
        pytest.fail(f"{name} is not installed (pip install -e '.[test]')")
    return which


def test_ruff_is_clean() -> None:
    run = subprocess.run(
        [_tool("ruff"), "check", "--no-cache", "--output-format", "concise", "."],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_mypy_strict_passes_on_geo() -> None:
    run = subprocess.run(
        [_tool("mypy"), "--strict", "--no-incremental", "geo"],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_mypy_passes_on_every_package() -> None:
    run = subprocess.run(
        [_tool("mypy"), "--no-incremental", *PACKAGES],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr
