"""The one interface both stores implement; the contract tests hold them to the same answers."""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

from geo.accounts import ApiToken, User
from geo.analysis.stored import StoredCoverage
from geo.history import Change
from geo.model import Area, Category, City, Place, PopulationCell, Town


@dataclass(frozen=True)
class PlaceQuery:
    """What a list of places is narrowed by; every field is optional and they combine with AND."""

    city: str | None = None
    categories: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ("gathering",)
    statuses: tuple[str, ...] = ("active",)
    area: str | None = None  # an area id: places covered by its polygon
    bbox: tuple[float, float, float, float] | None = None  # min lon, min lat, max lon, max lat
    q: str | None = None  # folded (geo.text.fold) and matched in name, kana or address
    source: str | None = None
    limit: int | None = None
    offset: int = 0


@dataclass
class CityCounts:
    """How much a store holds for one city, for the city list."""

    areas_by_level: dict[int, int] = field(default_factory=dict)
    places_by_kind: dict[str, int] = field(default_factory=dict)  # active places only


@dataclass
class AreaChanges:
    """One import's areas, applied in a single transaction."""

    upsert: list[Area] = field(default_factory=list)


@dataclass
class PlaceChanges:
    """One import's places, applied in a single transaction."""

    upsert: list[Place] = field(default_factory=list)
    close: list[str] = field(default_factory=list)  # ids whose status becomes 'closed'
    categories: list[Category] = field(default_factory=list)  # created by this import
    source: str | None = None  # the import's source id, recorded in each place's history


class Store(ABC):
    """Cities, categories, areas, places, towns, walking networks and population cells.

    Spatial queries (areas at a point, places in an area or box, the nearest places) run in the
    store. Ordering is part of the contract: areas by (level, id), places by id unless a
    distance orders them, then by (distance, id), towns as :meth:`towns` says, population cells
    by id. Coordinates are WGS84; distances are geodesic metres. Every committed write moves
    :meth:`revision` on.
    """

    url: str

    # -- lifecycle -------------------------------------------------------------------------
    @abstractmethod
    def close(self) -> None:
        """Release connections and file handles."""

    @abstractmethod
    def revision(self) -> int:
        """A number that grows with every committed write, by any process: caches key on it."""

    # -- reads for a server's event loop ---------------------------------------------------
    async def open_async(self) -> None:
        """Get ready for :meth:`page_now` and :meth:`nearby_now` on the running event loop (a
        server calls it at start-up); a store whose reads need no network has nothing to do."""
        return None

    async def close_async(self) -> None:
        """Release what :meth:`open_async` took for the running event loop."""
        return None

    def read_page(self, query: PlaceQuery) -> tuple[int, list[Place], int]:
        """The revision, a page of places (ordered by id) and how many match in all.

        The revision is read first: rows newer than it may be kept under it, never older ones.
        """
        revision = self.revision()
        found = self.places(query)
        full = query.limit is not None and len(found) == query.limit
        matched = self.count_places(query) if full or query.offset else len(found)
        return revision, found, matched

    def read_nearby(
        self, lon: float, lat: float, limit: int, query: PlaceQuery
    ) -> tuple[int, list[tuple[Place, float]]]:
        """The revision and :meth:`nearby`, the revision read first."""
        return self.revision(), self.nearby(lon, lat, limit, query)

    async def revision_now(self) -> int:
        """:meth:`revision` for a request on the event loop, from a read that begins after
        the call (so it sees every write committed before). This default reads in a thread."""
        return await asyncio.to_thread(self.revision)

    async def page_now(self, query: PlaceQuery) -> tuple[int, list[Place], int]:
        """:meth:`read_page` for a request on the event loop: a small page (a bbox, a limit)
        is answered in about one round trip. This default reads in the caller's thread."""
        return self.read_page(query)

    async def nearby_now(
        self, lon: float, lat: float, limit: int, query: PlaceQuery
    ) -> tuple[int, list[tuple[Place, float]]]:
        """:meth:`read_nearby` for a request on the event loop (see :meth:`page_now`)."""
        return self.read_nearby(lon, lat, limit, query)

    # -- cities ----------------------------------------------------------------------------
    @abstractmethod
    def put_city(self, city: City) -> None:
        """Insert or update a city (idempotent)."""

    @abstractmethod
    def cities(self) -> list[City]:
        """Every city the store holds, ordered by code."""

    @abstractmethod
    def city_counts(self, code: str) -> CityCounts:
        """Counts of areas per level and of active places per kind."""

    # -- categories ------------------------------------------------------------------------
    @abstractmethod
    def put_categories(self, categories: list[Category]) -> None:
        """Insert or update categories keyed by (city or default, slug)."""

    @abstractmethod
    def categories(self, city: str | None = None) -> list[Category]:
        """The default catalogue with the city's own categories over it (a city's slug wins).

        Ordered by (sort, slug).
        """

    # -- areas -----------------------------------------------------------------------------
    @abstractmethod
    def areas(self, city: str, level: int | None = None) -> list[Area]:
        """The city's areas, optionally of one level, ordered by (level, id)."""

    @abstractmethod
    def area(self, area_id: str) -> Area | None:
        """One area by id."""

    @abstractmethod
    def areas_at(self, city: str, lon: float, lat: float) -> list[Area]:
        """The city's areas whose polygon covers the point (boundary included)."""

    @abstractmethod
    def area_hashes(self, city: str) -> dict[str, str]:
        """id → content hash of the city's stored areas, for an import's diff."""

    @abstractmethod
    def apply_areas(self, changes: AreaChanges) -> None:
        """Write all of it in one transaction, or nothing."""

    # -- places ----------------------------------------------------------------------------
    @abstractmethod
    def places(self, query: PlaceQuery) -> list[Place]:
        """Places matching the query, ordered by id."""

    @abstractmethod
    def count_places(self, query: PlaceQuery) -> int:
        """How many places match (limit and offset ignored)."""

    @abstractmethod
    def place(self, place_id: str) -> Place | None:
        """One place by id, internal fields included (the web layer decides what to show)."""

    @abstractmethod
    def nearby(
        self, lon: float, lat: float, limit: int, query: PlaceQuery
    ) -> list[tuple[Place, float]]:
        """The nearest matching places with their geodesic distance in metres, nearest first."""

    @abstractmethod
    def place_hashes(self, city: str) -> dict[str, tuple[str, str | None, str]]:
        """id → (content hash, source, status) of the city's stored places, for an import's diff."""

    @abstractmethod
    def apply_places(self, changes: PlaceChanges) -> None:
        """Write all of it in one transaction, or nothing."""

    # -- ids records had before -------------------------------------------------------------
    @abstractmethod
    def renamed(self, kind: str, old_id: str) -> str | None:
        """The id a place or area (``kind``) has now that had ``old_id`` before ids carried
        their source (see geo.store.id_migration); None when ``old_id`` was never one."""

    # -- towns -----------------------------------------------------------------------------
    @abstractmethod
    def towns(self, city: str, q: str | None = None, limit: int | None = None) -> list[Town]:
        """The city's towns; with q (any text, folded here), those whose name, kana or area hold it.

        Without q ordered by id; with q, names that start with it first, then shorter names,
        then by name and id, so 「本町」 comes before 「本町通一番町」.
        """

    @abstractmethod
    def put_towns(self, towns: list[Town]) -> None:
        """Insert or update towns by id, in one transaction."""

    # -- walking networks --------------------------------------------------------------------
    @abstractmethod
    def put_network(self, city: str, blob: bytes, meta: dict[str, Any]) -> None:
        """Keep the city's walking network (a WalkNetwork.to_bytes() blob), replacing any other.

        ``meta`` is JSON-able: source file, built_at, node/edge counts, total length, the
        fragments summary, epsg … (see :func:`geo.walk.city_network.network_meta`).
        """

    @abstractmethod
    def network(self, city: str) -> tuple[bytes, dict[str, Any]] | None:
        """The city's network blob and its meta as stored, or None when it has none."""

    @abstractmethod
    def network_meta(self, city: str) -> dict[str, Any] | None:
        """Only the meta (a few hundred bytes), to tell whether a cached network is current."""

    # -- population ------------------------------------------------------------------------
    @abstractmethod
    def put_population(self, cells: list[PopulationCell]) -> None:
        """Insert or update cells by id, in one transaction (all of them or none)."""

    @abstractmethod
    def population(self, city: str) -> list[PopulationCell]:
        """The city's population cells, ordered by id."""

    @abstractmethod
    def population_hashes(self, city: str) -> dict[str, str]:
        """id → PopulationCell.content_hash() of the city's stored cells, for an import's diff."""

    # -- writes one record at a time, with their history ----------------------------------
    @abstractmethod
    def write_place(self, place: Place, expected: str | None, change: Change) -> Place:
        """Create or change one place, in one transaction with its history.

        ``expected`` is the content hash (ETag) the writer read: the write applies only if the
        stored place still has it, else :class:`~geo.errors.StaleWrite` (nothing written).
        ``expected=None`` creates: :class:`~geo.errors.AlreadyExists` if the id is taken.
        ``change`` says who, through what and which action; the store fills its fields (the
        diff), ``at`` and ``id``. A write that changes nothing records nothing. Returns the
        place as stored (``updated_at`` set).
        """

    @abstractmethod
    def write_area(self, area: Area, expected: str, change: Change) -> Area:
        """Change one area's contacts (its other fields and polygon come by import only), as
        :meth:`write_place` does: ``expected`` is the area's content hash."""

    @abstractmethod
    def changes(
        self, kind: str, record_id: str | None = None, city: str | None = None
    ) -> list[Change]:
        """The recorded changes to places or areas (``kind``), of one record or of a city's,
        oldest first (by ``id``). :meth:`apply_places` records imports (``via='import'``)."""

    # -- people, tokens and settings ---------------------------------------------------------
    @abstractmethod
    def put_user(self, user: User) -> None:
        """Insert or update a person by (lower-cased) email; ``created_at`` is kept once set."""

    @abstractmethod
    def user(self, email: str) -> User | None:
        """One person by email (any case)."""

    @abstractmethod
    def users(self, city: str | None = None) -> list[User]:
        """Everyone, or a city's people, ordered by email."""

    @abstractmethod
    def put_token(self, token: ApiToken) -> None:
        """Insert or update a token by id (revoking sets ``revoked_at``)."""

    @abstractmethod
    def token(self, token_id: str) -> ApiToken | None:
        """One token by its public id."""

    @abstractmethod
    def token_by_hash(self, token_hash: str) -> ApiToken | None:
        """The token whose secret hashes to ``token_hash`` (revoked ones included)."""

    @abstractmethod
    def tokens(self, city: str | None = None) -> list[ApiToken]:
        """Every token, or a city's, ordered by id."""

    @abstractmethod
    def setting(self, name: str) -> str | None:
        """A value kept in the store (the generated secret key, a city's stale months …)."""

    @abstractmethod
    def put_setting(self, name: str, value: str) -> None:
        """Keep a value under ``name``, replacing any other."""


    # -- coverage kept by a batch (geo.analysis.batch) ----------------------------------------
    @abstractmethod
    def put_coverage(self, record: StoredCoverage) -> None:
        """Keep a city's coverage, replacing the city's previous one, in one transaction."""

    @abstractmethod
    def stored_coverage(self, city: str) -> StoredCoverage | None:
        """The city's kept coverage with its areas and cells, or None when none was computed."""

    @abstractmethod
    def coverage_summaries(self) -> list[StoredCoverage]:
        """Every kept coverage without its areas and cells (the overview's), ordered by city."""
