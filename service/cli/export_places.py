"""`tsudoi export places`: the listing as GeoJSON, CSV, KML or GeoPackage, the same bytes the
API gives for ``/api/cities/{code}/places?format=`` with the same filters."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from geo.errors import InvalidParameter, NotFound, UnknownCity
from geo.japan.municipalities import get_city
from geo.store.base import Store
from service.cli.common import CityOption, DbOption, opened, plain
from service.deps import PlaceFilterParams
from service.place_export import EXPORT_FORMATS, check_area, export_places
from service.serialize import now_in_japan

CategoryFilter = Annotated[
    str | None, typer.Option(help="Category slugs, comma-separated (e.g. salon,chanoma)")
]
AreaFilter = Annotated[str | None, typer.Option(help="Only places inside this area (its id)")]
KindFilter = Annotated[str, typer.Option(help="gathering, venue or all")]
StatusFilter = Annotated[str, typer.Option(help="active, paused, closed, comma-separated, or all")]
LangOption = Annotated[str, typer.Option(help="ja or en: the labels' language")]


def places(
    city: CityOption,
    fmt: Annotated[str, typer.Option("--format", help="geojson, csv, kml or gpkg")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The file to write")],
    category: CategoryFilter = None,
    area: AreaFilter = None,
    kind: KindFilter = "gathering",
    status: StatusFilter = "active",
    q: Annotated[str | None, typer.Option(help="Text in name, kana or address")] = None,
    lang: LangOption = "ja",
    db: DbOption = None,
) -> None:
    """Write the city's places (by default the active gathering places) as a file."""
    if fmt not in EXPORT_FORMATS:
        raise InvalidParameter("format", f"must be one of {', '.join(EXPORT_FORMATS)}")
    if lang not in ("ja", "en"):
        raise InvalidParameter("lang", "must be ja or en")
    with opened(db) as store:
        code = held_code(store, city)
        check_area_option(store, code, area)
        query = PlaceFilterParams(category=category, kind=kind, status=status, q=q).query(code)
        query = replace(query, area=area)
        now = now_in_japan().replace(second=0, microsecond=0, tzinfo=None)
        file = export_places(store, code, query, fmt, now, lang)  # type: ignore[arg-type]
    output.write_bytes(file.body)
    plain(f"wrote {output} ({fmt}, {len(file.body):,} bytes)")


def held_code(store: Store, city: str) -> str:
    """The 5-digit code of --city when the store holds that city (UnknownCity otherwise: exit 2)."""
    code = get_city(city).code
    if code not in {c.code for c in store.cities()}:
        raise UnknownCity(code, f"the store holds no data for city {code}; import it first")
    return code


def check_area_option(store: Store, code: str, area: str | None) -> None:
    """--area must name one of the city's areas: a usage error (exit 2) otherwise."""
    try:
        check_area(store, code, area)
    except NotFound as exc:
        raise InvalidParameter("area", str(exc)) from exc
