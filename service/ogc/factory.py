"""OGC API – Features (Part 1: Core) at /ogc, for GIS clients such as GDAL's OAPIF driver.

One factory builds the router, as tipg's endpoint factories do: the landing page, conformance,
the API definition, the collections, one collection, its items and one item. Each answers JSON
(GeoJSON with links for items) or, for ``f=html`` or a browser's Accept header, an HTML page in
the site's style. Links are absolute, made from the address the request came to.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse, Response

from geo.store.base import Store
from layers.messages import pick_language, translator
from service.deps import MAX_ID, StoreDep, Text
from service.ogc.collections import (
    AREAS,
    CRS84,
    PLACES,
    CollectionDep,
    OgcCollection,
    area_items,
    collections_of,
    extent,
    one_item,
    place_items,
)
from service.ogc.params import (
    AREA_FILTERS,
    GEOJSON,
    HTML,
    JSON,
    PLACE_FILTERS,
    AreaFilters,
    ItemsPage,
    OutputFormat,
    PlaceFilters,
    refuse_filters_of_the_other_kind,
    refuse_unknown_parameters,
)
from service.routes.pages import _render
from service.serialize import now_in_japan

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
]
OPENAPI_TYPE = "application/vnd.oai.openapi+json;version=3.1"
TAG = "OGC API – Features"

FormatDep = Annotated[OutputFormat, Depends()]
PageDep = Annotated[ItemsPage, Depends()]
PlaceFiltersDep = Annotated[PlaceFilters, Depends()]
AreaFiltersDep = Annotated[AreaFilters, Depends()]
FeatureId = Annotated[Text, Path(max_length=MAX_ID, description="A place's or an area's id")]

# What the HTML list of items shows of each feature (every property is on the item's page).
COLUMNS = {
    PLACES: ("name", "category", "address", "schedule", "next_date", "status"),
    AREAS: ("name", "level", "parent", "geometry_source"),
}


def link(href: str, rel: str, media: str, title: str | None = None) -> dict[str, str]:
    """One link object as OGC API documents carry them."""
    out = {"href": href, "rel": rel, "type": media}
    if title:
        out["title"] = title
    return out


def _self_links(request: Request, media: str) -> list[dict[str, str]]:
    """This document (as JSON) and its HTML alternate, keeping the query."""
    return [
        link(str(request.url.include_query_params(f="json")), "self", media),
        link(str(request.url.include_query_params(f="html")), "alternate", HTML),
    ]


class OgcFeatures:
    """The endpoints of OGC API – Features on the store, under ``prefix``."""

    def __init__(self, prefix: str = "/ogc") -> None:
        self.prefix = prefix
        self.router = APIRouter(
            prefix=prefix, tags=[TAG], dependencies=[Depends(refuse_unknown_parameters)]
        )
        self._register()

    # -- answers -----------------------------------------------------------------------------
    def answer(
        self, request: Request, fmt: OutputFormat, data: dict[str, Any], template: str,
        media: str = JSON, **context: Any,
    ) -> Response:  # fmt: skip
        """JSON, or the HTML view rendered from the same data."""
        if fmt.html:
            lang = pick_language(fmt.lang)
            return _render(request, template, lang=lang, data=data, **context)
        return JSONResponse(data, media_type=media)

    def collection_json(self, request: Request, store: Store, coll: OgcCollection,
                        lang: str) -> dict[str, Any]:  # fmt: skip
        """A collection's description with its links and extent."""
        items = str(request.url_for("ogc_items", collection_id=coll.id))
        here = str(request.url_for("ogc_collection", collection_id=coll.id))
        bbox = extent(store, coll)
        return {
            "id": coll.id,
            "title": coll.title(lang),
            "description": coll.description(lang),
            "itemType": "feature",
            "crs": [CRS84],
            **({"extent": {"spatial": {"bbox": [bbox], "crs": CRS84}}} if bbox else {}),
            "links": [
                link(here, "self", JSON),
                link(f"{here}?f=html", "alternate", HTML),
                link(items, "items", GEOJSON),
                link(f"{items}?f=html", "items", HTML),
            ],
        }

    # -- routes ------------------------------------------------------------------------------
    def _register(self) -> None:
        router = self.router

        @router.get("", name="ogc_landing", summary="OGC API – Features: the landing page")
        def landing(request: Request, fmt: FormatDep) -> Response:
            """Links to the API definition, the conformance classes and the collections."""
            t = translator(pick_language(fmt.lang))
            data = {
                "title": t("Tsudoi: gathering places and daily-living areas"),
                "description": t(
                    "Each city's gathering places and areas as OGC API – Features, "
                    "with the same public fields as the JSON API."
                ),
                "links": [
                    *_self_links(request, JSON),
                    link(str(request.url_for("ogc_api")), "service-desc", OPENAPI_TYPE,
                         t("The API definition (OpenAPI)")),
                    link(str(request.url_for("swagger_ui")), "service-doc", HTML,
                         t("The API documentation")),
                    link(str(request.url_for("ogc_conformance")), "conformance", JSON,
                         t("Conformance classes")),
                    link(str(request.url_for("ogc_collections")), "data", JSON,
                         t("Collections")),
                ],
            }  # fmt: skip
            return self.answer(request, fmt, data, "ogc_landing.html")

        @router.get("/conformance", name="ogc_conformance",
                    summary="OGC API – Features: the conformance classes")  # fmt: skip
        def conformance(request: Request, fmt: FormatDep) -> Response:
            """The parts of the standard this API implements."""
            data = {"conformsTo": CONFORMANCE, "links": _self_links(request, JSON)}
            return self.answer(request, fmt, data, "ogc_conformance.html")

        @router.get("/api", name="ogc_api", summary="OGC API – Features: its OpenAPI definition")
        def api(request: Request) -> Response:
            """The OpenAPI 3.1 document of the routes under /ogc (the app's, narrowed)."""
            whole = request.app.openapi()
            doc = {
                **whole,
                "info": {**whole["info"], "title": f"{request.app.title} — {TAG}"},
                "paths": {p: v for p, v in whole["paths"].items() if p.startswith(self.prefix)},
            }
            return JSONResponse(doc, media_type=OPENAPI_TYPE)

        @router.get("/collections", name="ogc_collections",
                    summary="OGC API – Features: every city's places and areas")  # fmt: skip
        def collections(request: Request, fmt: FormatDep, store: StoreDep) -> Response:
            """Two collections per city held: ``{code}-places`` and ``{code}-areas``."""
            lang = pick_language(fmt.lang)
            data = {
                "links": _self_links(request, JSON),
                "collections": [
                    self.collection_json(request, store, c, lang) for c in collections_of(store)
                ],
            }
            return self.answer(request, fmt, data, "ogc_collections.html")

        @router.get("/collections/{collection_id}", name="ogc_collection",
                    summary="OGC API – Features: one collection")  # fmt: skip
        def collection(
            request: Request, coll: CollectionDep, fmt: FormatDep, store: StoreDep
        ) -> Response:
            """A collection's title, description, extent and links."""
            data = self.collection_json(request, store, coll, pick_language(fmt.lang))
            return self.answer(request, fmt, data, "ogc_collection.html")

        @router.get("/collections/{collection_id}/items", name="ogc_items",
                    summary="OGC API – Features: a page of a collection's features")  # fmt: skip
        def items(
            request: Request, coll: CollectionDep, store: StoreDep, fmt: FormatDep,
            page: PageDep, places: PlaceFiltersDep, areas: AreaFiltersDep,
        ) -> Response:  # fmt: skip
            """GeoJSON with numberMatched, numberReturned and next/prev links.

            ``limit`` defaults to 100; more than 1000 is answered with 1000. Place filters
            (category, kind, status, area, q) and area filters (level, parent) apply to their
            own kind of collection only.
            """
            now = now_in_japan().replace(second=0, microsecond=0)
            if coll.kind == PLACES:
                refuse_filters_of_the_other_kind(request, AREA_FILTERS, PLACES)
                features, matched = place_items(store, coll, page, places, now)
            else:
                refuse_filters_of_the_other_kind(request, PLACE_FILTERS, AREAS)
                features, matched = area_items(store, coll, page, areas)
            data = {
                "type": "FeatureCollection",
                "numberMatched": matched,
                "numberReturned": len(features),
                "timeStamp": now.isoformat(),
                "links": [*_self_links(request, GEOJSON), *_paging(request, page, matched),
                          link(str(request.url_for("ogc_collection", collection_id=coll.id)),
                               "collection", JSON)],
                "features": features,
            }  # fmt: skip
            return self.answer(request, fmt, data, "ogc_items.html", GEOJSON,
                               collection=coll.title(pick_language(fmt.lang)),
                               collection_id=coll.id, columns=COLUMNS[coll.kind],
                               offset=page.offset)  # fmt: skip

        @router.get("/collections/{collection_id}/items/{feature_id}", name="ogc_item",
                    summary="OGC API – Features: one feature")  # fmt: skip
        def item(
            request: Request, coll: CollectionDep, feature_id: FeatureId, store: StoreDep,
            fmt: FormatDep,
        ) -> Response:  # fmt: skip
            """One place or area of the collection as GeoJSON, with its links."""
            now = now_in_japan().replace(second=0, microsecond=0)
            feature = one_item(store, coll, feature_id, now)
            items_url = str(request.url_for("ogc_items", collection_id=coll.id))
            data = {
                **feature,
                "links": [*_self_links(request, GEOJSON),
                          link(items_url, "collection", GEOJSON)],
            }  # fmt: skip
            return self.answer(request, fmt, data, "ogc_item.html", GEOJSON,
                               collection=coll.title(pick_language(fmt.lang)),
                               collection_id=coll.id)  # fmt: skip


def _paging(request: Request, page: ItemsPage, matched: int) -> list[dict[str, str]]:
    """next while items remain after this page, prev when this page skipped some."""
    out = []
    size = page.size
    if page.offset + size < matched:
        href = request.url.include_query_params(offset=page.offset + size, limit=size)
        out.append(link(str(href), "next", GEOJSON))
    if page.offset > 0:
        href = request.url.include_query_params(offset=max(page.offset - size, 0), limit=size)
        out.append(link(str(href), "prev", GEOJSON))
    return out
