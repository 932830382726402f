"""Categories: the layers of the map, with labels in both languages and colours."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from geo.store.base import Store
from service.deps import get_store
from service.routes.cities import held_city
from service.serialize import category_json

router = APIRouter(prefix="/api/categories", tags=["categories"])


@router.get("", summary="Place categories: the default catalogue and a city's own")
def list_categories(
    store: Annotated[Store, Depends(get_store)],
    city: Annotated[str | None, Query(description="Include this city's own categories")] = None,
) -> list[dict[str, Any]]:
    """Each category's slug, Japanese and English labels, colour and kind."""
    if city is not None:
        held_city(store, city)
    return [category_json(c) for c in store.categories(city)]
