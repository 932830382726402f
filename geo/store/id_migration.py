"""Moving a store written before ids carried their source to today's ids, keeping the old ones.

Until GeoPackage schema 6 / PostGIS revision 0009 a place was ``{city}-{category}-{source id}``
and an area ``{city}-{source id}`` or a bare ward code, so two files numbered 1…N overwrote each
other. Both stores run this one plan: each record gets the id today's import gives it
(`geo.ingest.ids`), so a re-import of its file finds it again (its content hash is made anew,
since the hash covers the id and source), and every old id goes to ``id_aliases`` (old id →
new id, kind) so a link to it still answers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from geo.ingest.ids import area_id, area_prefix, area_source_id, source_of_file, url_safe
from geo.model import Area, Place

ALIAS_KINDS = ("place", "area")
TEMPORARY = "(moving) "  # ids are unique at every row: moved rows pass through this prefix,
# which no id holds (ids are URL-safe: no space, no parenthesis)


@dataclass(frozen=True)
class Moved:
    """One record's move: old id, new id, and its row's new source and content hash."""

    old: str
    new: str
    source: str | None
    parent: str | None
    content_hash: str

    @property
    def key(self) -> str:
        """The row's id between the two steps of a move (old ids first go out of the way)."""
        return self.old if self.new == self.old else TEMPORARY + self.old


def place_id_now(p: Place) -> tuple[str, str | None]:
    """A stored place's id and source as today's import makes them (a place without a source
    keeps its id: nothing says what to scope it by)."""
    if not p.source:
        return p.id, p.source
    source = source_of_file(p.source)
    head = f"{p.city}-{url_safe(p.category)}-"
    if p.id.startswith(head):
        rest = p.id[len(head) :]
    elif p.source_id:
        rest = url_safe(p.source_id)
    else:
        rest = p.id[len(p.city) + 1 :] if p.id.startswith(f"{p.city}-") else p.id
    return f"{p.city}-{source}-{rest}", source


def area_id_now(a: Area) -> str:
    """A stored area's id with its level (ids made without a source id already have it)."""
    if a.id.startswith(area_prefix(a.city, a.level)):
        return a.id
    return area_id(a.city, area_source_id(a.city, a.id), a.level, "")


def _settle(wanted: dict[str, str]) -> dict[str, str]:
    """old → new with no new id taken twice: a record whose id already is the new one keeps
    it, else the first; the others keep their old ids (old ids never collide)."""
    out = dict(wanted)
    while True:
        owners: dict[str, list[str]] = {}
        for old, new in out.items():
            owners.setdefault(new, []).append(old)
        clashes = {new: olds for new, olds in owners.items() if len(olds) > 1}
        if not clashes:
            return out
        for new, olds in clashes.items():
            keep = new if new in olds else olds[0]
            out.update({o: o for o in olds if o != keep})


def move_places(places: Iterable[Place]) -> list[Moved]:
    """Every place whose id, source or hash changes, with its new values."""
    records = list(places)
    now = {p.id: place_id_now(p) for p in records}
    ids = _settle({old: new for old, (new, _) in now.items()})
    out = []
    for p in records:
        source = now[p.id][1]
        moved = replace(p, id=ids[p.id], source=source)
        out.append(Moved(p.id, moved.id, source, None, moved.content_hash()))
    return out


def move_areas(areas: Iterable[Area]) -> list[Moved]:
    """Every area with its new id, its parent's new id, and its new hash."""
    records = list(areas)
    ids = _settle({a.id: area_id_now(a) for a in records})
    out = []
    for a in records:
        parent = ids.get(a.parent, a.parent) if a.parent else None
        moved = replace(a, id=ids[a.id], parent=parent)
        out.append(Moved(a.id, moved.id, a.source, parent, moved.content_hash()))
    return out


def aliases(kind: str, moved: Iterable[Moved]) -> list[tuple[str, str, str]]:
    """(old id, new id, kind) of each record whose id changed."""
    return [(m.old, m.new, kind) for m in moved if m.old != m.new]
