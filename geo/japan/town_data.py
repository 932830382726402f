"""Reading the bundled gazetteer file ``geo/japan/data/towns.zip``, one municipality at a time.

The file (built by scripts/build_gazetteer.py from Geolonia 住所データ, CC BY 4.0, © Geolonia)
holds every 町丁目/大字 of Japan with a representative point. A lookup reads the small index and
the one member for the municipality it needs, so placing one city's addresses never parses the
whole country. The text rules for matching live in geo/japan/address.py; the matching itself in
geo/japan/gazetteer.py.
"""

from __future__ import annotations

import functools
import io
import zipfile
from dataclasses import dataclass
from importlib import resources

from geo.errors import UnknownCity

DATA_FILE = "data/towns.zip"
CREDIT = "Geolonia 住所データ (CC BY 4.0, © Geolonia)"
_SCALE = 1_000_000


@dataclass(frozen=True)
class Municipality:
    """A municipality as the gazetteer names it: N03's prefecture, 郡 and name."""

    code: str
    prefecture: str
    county: str  # the 郡 ('三重郡'), '' when there is none
    name: str  # '川越町'; a ward keeps its city: '京都市中京区'
    parent: str | None  # the designated city of a ward
    towns: int  # 0 for a designated city: its towns are its wards'

    @property
    def ward_name(self) -> str | None:
        """'中京区' for the ward 京都市中京区, None for anything else."""
        if self.parent is None:
            return None
        return self.name.removeprefix(index()[self.parent].name)


@dataclass(frozen=True)
class Row:
    """One row of the source: a town, or a 小字 (koaza) of it; the point may be missing."""

    town: str
    koaza: str
    lat: float | None
    lon: float | None


@functools.cache
def _archive() -> zipfile.ZipFile:
    """The zip, its bytes held in memory (3–4 MB; no open file to share across a fork) and its
    directory read once; members are inflated one at a time, when asked for."""
    raw = resources.files("geo.japan").joinpath(DATA_FILE).read_bytes()
    return zipfile.ZipFile(io.BytesIO(raw))


def _member(name: str) -> str:
    return _archive().read(name).decode("utf-8")


@functools.cache
def index() -> dict[str, Municipality]:
    """Every municipality the gazetteer knows, designated cities and wards included, by code."""
    result: dict[str, Municipality] = {}
    for line in _member("index.tsv").splitlines():
        code, prefecture, county, name, parent, towns = line.split("\t")
        result[code] = Municipality(code, prefecture, county, name, parent or None, int(towns))
    return result


def municipality(code: str) -> Municipality:
    """The gazetteer's record for a 5-digit JIS code, else UnknownCity."""
    found = index().get(code)
    if found is None:
        raise UnknownCity(code, f"the town gazetteer has no municipality {code!r}")
    return found


@functools.cache
def _wards() -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    for code, muni in index().items():
        if muni.parent:
            found.setdefault(muni.parent, []).append(code)
    return {city: tuple(sorted(codes)) for city, codes in found.items()}


def wards(code: str) -> tuple[str, ...]:
    """The ward codes of a designated city, by code; () for any other municipality."""
    return _wards().get(code, ())


@functools.lru_cache(maxsize=256)
def rows(code: str) -> tuple[Row, ...]:
    """The rows of one municipality (a ward, or a city without wards), as the source has them."""
    if municipality(code).towns == 0:
        return ()
    out: list[Row] = []
    town = ""
    lat = lon = 0
    for line in _member(f"towns/{code}.tsv").splitlines():
        name, koaza, dlat, dlon = line.split("\t")
        town = name or town
        if not dlat:
            out.append(Row(town, koaza, None, None))
            continue
        lat += int(dlat)
        lon += int(dlon)
        out.append(Row(town, koaza, lat / _SCALE, lon / _SCALE))
    return tuple(out)
