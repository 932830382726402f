"""Liveness for load balancers and the CLI's own checks."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from service.deps import StoreDep

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Whether the service and its store answer")
def healthz(store: StoreDep) -> dict[str, Any]:
    """Answer ok when the store can be read."""
    return {"status": "ok", "cities": len(store.cities())}
