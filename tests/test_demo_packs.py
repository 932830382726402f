"""The demo packs: small enough to ship, and exactly what their builders make of the real files.

The builders (scripts/demo/) read ../shared/data; the files they read are committed under
tests/data/source, so this runs in any clone (the real_data fixture lays them out).
"""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKS = [("15100", "niigata"), ("35202", "ube"), ("35215", "shunan")]


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file())


def _content(path: Path) -> bytes:
    """A file's bytes; a gzip's unpacked bytes (zlib builds may compress differently)."""
    return gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()


@pytest.mark.parametrize(("code", "builder"), PACKS)
def test_pack_is_small(code: str, builder: str) -> None:
    assert sum(p.stat().st_size for p in _files(REPO / "service" / "demo_data" / code)) < 1_500_000


@pytest.mark.parametrize(("code", "builder"), PACKS)
def test_pack_builds_reproducibly(
    tmp_path: Path, real_data: Path, code: str, builder: str
) -> None:
    """The builder, run on the real files it was run on, gives the committed pack."""
    done = subprocess.run(
        [sys.executable, "-m", f"scripts.demo.{builder}", "--shared", str(real_data),
         "--out", str(tmp_path)],
        cwd=REPO, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    pack = REPO / "service" / "demo_data" / code
    assert [p.name for p in _files(tmp_path)] == [p.name for p in _files(pack)]
    for name in (p.name for p in _files(pack)):
        assert _content(tmp_path / name) == _content(pack / name), name
