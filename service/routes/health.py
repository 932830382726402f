"""Liveness for load balancers and the CLI's own checks."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from geo.store.base import Store
from service.deps import get_store

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Whether the service and its store answer")
def healthz(store: Annotated[Store, Depends(get_store)]) -> dict[str, Any]:
    """Answer ok when the store can be read."""
    return {"status": "ok", "cities": len(store.cities())}
