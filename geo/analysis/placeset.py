"""Places as parallel arrays, the form coverage, gaps and suggestions work in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import ArrayLike, NDArray

from geo.analysis.params import GATHERING
from geo.model import Place


@dataclass(frozen=True)
class PlaceSet:
    """Places as parallel arrays (WGS84 degrees), the form the analyses work in.

    Attributes
    ----------
    id, kind, category : (n,) str
        ``kind`` is ``gathering`` (counts as coverage) or ``venue`` (a candidate site only);
        the candidate sites siting makes up are ``node`` (a street node) or ``cell``.
    lon, lat : (n,) float64
    """

    id: NDArray[np.str_]
    kind: NDArray[np.str_]
    category: NDArray[np.str_]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]

    def __len__(self) -> int:
        return int(self.id.size)

    @classmethod
    def from_places(cls, places: Sequence[Place], *, include_paused: bool = False) -> PlaceSet:
        """Active places (and paused ones if asked); closed places are never included."""
        keep = [
            p for p in places if p.status == "active" or (include_paused and p.status == "paused")
        ]
        return cls(
            id=np.array([p.id for p in keep], dtype=str).reshape(len(keep)),
            kind=np.array([p.kind for p in keep], dtype=str).reshape(len(keep)),
            category=np.array([p.category for p in keep], dtype=str).reshape(len(keep)),
            lon=np.array([p.lon for p in keep], dtype=np.float64).reshape(len(keep)),
            lat=np.array([p.lat for p in keep], dtype=np.float64).reshape(len(keep)),
        )

    @classmethod
    def from_arrays(
        cls,
        lon: ArrayLike,
        lat: ArrayLike,
        *,
        ids: ArrayLike | None = None,
        kind: ArrayLike | str = GATHERING,
        category: ArrayLike | str = "",
    ) -> PlaceSet:
        """Places from arrays; ``kind`` and ``category`` may be one value for all."""
        lon_a = np.atleast_1d(np.asarray(lon, dtype=np.float64))
        lat_a = np.atleast_1d(np.asarray(lat, dtype=np.float64))
        n = lon_a.size
        id_a = np.arange(n).astype(str) if ids is None else np.asarray(ids).astype(str)
        return cls(
            id=id_a.reshape(n),
            kind=np.broadcast_to(np.asarray(kind).astype(str), (n,)).copy(),
            category=np.broadcast_to(np.asarray(category).astype(str), (n,)).copy(),
            lon=lon_a,
            lat=lat_a,
        )

    def take(self, index: NDArray[np.int64]) -> PlaceSet:
        """The places at ``index``, in that order."""
        return PlaceSet(*(getattr(self, f.name)[index] for f in fields(self)))

    def select(self, kind: str, categories: Sequence[str] | None) -> NDArray[np.int64]:
        """Indices of places of ``kind`` in ``categories`` (all categories when ``None``)."""
        mask = self.kind == kind
        if categories is not None:
            mask &= np.isin(self.category, np.asarray(list(categories), dtype=str))
        return np.flatnonzero(mask)


def as_place_set(places: PlaceSet | Sequence[Place]) -> PlaceSet:
    """Accept either form the callers hold."""
    return places if isinstance(places, PlaceSet) else PlaceSet.from_places(places)
