"""Suggested sites as a table and a map layer: what each is (a hall, or a street point where no
hall is near), where (its address, else the nearest town; its area) and what it adds."""

from __future__ import annotations

from typing import Any

from geo.errors import UnknownCity
from geo.japan import gazetteer
from geo.japan.town_search import nearest_town
from geo.store.base import Store
from layers.messages import translator
from service.coverage_formats import PARAM_COLUMNS, CsvLang, write_csv

PICK_COLUMNS = (
    "rank",
    "kind",
    "site_name",
    "address",
    "area_id",
    "area_name",
    "newly_covered",
    "cumulative",
    "lon",
    "lat",
)
#: What a pick is, as the CSV and the page say it (msgids of layers/locale).
KINDS = {
    "venue": "Existing hall or venue",
    "node": "Street point (no hall near)",
    "cell": "Middle of a cell (no street network)",
}


def _town_points(store: Store, city: str) -> list[tuple[str, float, float]]:
    """The city's town points: its imported towns, else the bundled gazetteer's."""
    stored = store.towns(city)
    if stored:
        return [(t.name, t.lon, t.lat) for t in stored]
    try:
        return [(t.name, t.lon, t.lat) for t in gazetteer.towns(city)]
    except UnknownCity:
        return []


def describe_picks(store: Store, city: str, picks: list[dict[str, Any]]) -> None:
    """Name, address (a street point's nearest town, with 付近) and area of each pick, in place."""
    towns: list[tuple[str, float, float]] | None = None
    for pick in picks:
        venue = store.place(pick["id"]) if pick.get("kind") == "venue" else None
        pick["name"] = venue.name if venue is not None else None
        address = venue.address if venue is not None else None
        if address is None:
            towns = _town_points(store, city) if towns is None else towns
            town = nearest_town(towns, pick["lon"], pick["lat"])
            address = f"{town}付近" if town is not None else None
        pick["address"] = address
        areas = store.areas_at(city, pick["lon"], pick["lat"])
        narrowest = areas[-1] if areas else None  # widest first
        pick["area_id"] = narrowest.id if narrowest else None
        pick["area_name"] = narrowest.name if narrowest else None


def suggestions_csv(body: dict[str, Any], lang: CsvLang = "en") -> str:
    """One row per pick, in pick order, with the walk's parameters on every row."""
    t = translator(lang)
    params = {k: body.get(k) for k in PARAM_COLUMNS}
    rows = [
        {
            **pick,
            "kind": t(KINDS.get(pick["kind"], pick["kind"])) if lang == "ja" else pick["kind"],
            "site_name": pick.get("name"),
            **params,
        }
        for pick in body["picks"]
    ]
    return write_csv([*PICK_COLUMNS, *PARAM_COLUMNS], rows, lang)


def suggestions_geojson(body: dict[str, Any]) -> dict[str, Any]:
    """The picks as points, with the answer's other fields at the top."""
    features = [
        {
            "type": "Feature",
            "id": pick["id"],
            "geometry": {"type": "Point", "coordinates": [pick["lon"], pick["lat"]]},
            "properties": pick,
        }
        for pick in body["picks"]
    ]
    meta = {k: v for k, v in body.items() if k not in ("picks", "greedy")}
    return {"type": "FeatureCollection", **meta, "features": features}
