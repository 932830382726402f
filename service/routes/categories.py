"""Categories: the layers of the map, with labels in both languages and colours."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from service.deps import OptionalCityDep, StoreDep
from service.serialize import category_json

router = APIRouter(prefix="/api/categories", tags=["categories"])


@router.get("", summary="Place categories: the default catalogue and a city's own")
def list_categories(store: StoreDep, city: OptionalCityDep) -> list[dict[str, Any]]:
    """Each category's slug, Japanese and English labels, colour and kind; with ``city=``, also
    that city's own categories."""
    return [category_json(c) for c in store.categories(city.code if city else None)]
