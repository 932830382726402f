"""Stable ids: a record is identified within its source.

A place is ``{city}-{source}-{source id}``: two files that both number their rows 1…N (as every
自治体標準オープンデータセット file does) never share an id, and a re-import of one source updates
its own places only. An area is ``{city}-L{level}-{source id}``: a 自治会 file and a 中学校区 file
that both number from 1 keep both sets.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import PurePath

from geo.text import fold

_UNSAFE = re.compile(r"[^0-9A-Za-z._~\-]+")


def url_safe(value: str) -> str:
    """Keep ids URL-safe; other characters become a short hash so distinct values stay distinct."""
    text = value.strip()
    if _UNSAFE.search(text):
        digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]
        stem = _UNSAFE.sub("-", text).strip("-")
        return f"{stem}-{digest}" if stem else digest
    return text


def source_slug(name: str) -> str:
    """A source's name as id characters: ``--source`` as given, or a file's stem
    (``takamatsu_community_center.csv`` → ``takamatsu_community_center``); full-width letters
    become ASCII, and any other character a short hash so two Japanese names stay apart."""
    text = unicodedata.normalize("NFKC", name).strip()
    return url_safe(text) or "source"


_FILE_SUFFIXES = frozenset(
    ".csv .tsv .txt .xlsx .xls .json .geojson .kml .kmz .gpkg .shp .zip .gz .pbf".split()
)


def source_of_file(file_name: str) -> str:
    """The default source of a file: its name without its data suffixes, slugged
    (``salons.geojson.gz`` → ``salons``; ``サロン一覧.xlsx`` → a hash)."""
    path = PurePath(file_name)
    while path.suffix.lower() in _FILE_SUFFIXES and path.stem:
        path = PurePath(path.stem)
    return source_slug(path.name)


def place_id(
    city: str, source: str, source_id: str | None, name: str, lon: float, lat: float
) -> str:
    """`{city}-{source}-{source id}`, or a hash of name and location (to ~1 m) without one."""
    if source_id:
        return f"{city}-{source}-{url_safe(source_id)}"
    return f"{city}-{source}-{location_hash(name, lon, lat)}"


def location_hash(name: str, lon: float, lat: float) -> str:
    """What tells apart the rows of a file without ids: the folded name and the point."""
    body = f"{fold(name)}|{lon:.5f}|{lat:.5f}"
    return hashlib.sha1(body.encode("utf-8")).hexdigest()[:12]


def area_prefix(city: str, level: int) -> str:
    return f"{city}-L{level}-"


def area_id(city: str, source_id: str | None, level: int, name: str) -> str:
    """`{city}-L{level}-{source id}`; without one, `{city}-L{level}-{hash of the folded name}`.

    A source id written with the city in front (``35202-d01``, as Tsudoi's own files do) is
    read as ``d01``; one already in this form is kept.
    """
    prefix = area_prefix(city, level)
    if not source_id:
        return prefix + hashlib.sha1(fold(name).encode("utf-8")).hexdigest()[:10]
    return prefix + area_source_id(city, url_safe(source_id))


def area_source_id(city: str, area: str) -> str:
    """The file's own id of an area id (or of an id as a file writes it): ``15100-L1-15101``,
    ``15100-15101`` and ``15101`` are all ``15101``."""
    m = re.fullmatch(rf"{re.escape(city)}-L\d+-(.+)", area)
    if m:
        return m.group(1)
    if area.startswith(f"{city}-") and len(area) > len(city) + 1:
        return area[len(city) + 1 :]
    return area


def parent_area_id(
    city: str, parent: str, level: int, known: Mapping[str, Sequence[tuple[int, str]]]
) -> str:
    """The id of an area's parent, which a file names by its own id (``15101``, ``c01``,
    ``35202-c01``): the area of that id at the nearest wider level among ``known`` (the file's
    own id → (level, area id) of the areas in the file and the store); else the level above."""
    sid = url_safe(parent)
    if re.fullmatch(rf"{re.escape(city)}-L\d+-.+", sid):
        return sid
    key = area_source_id(city, sid)
    wider = [(lv, aid) for lv, aid in known.get(key, ()) if lv < level]
    return max(wider)[1] if wider else area_id(city, key, max(level - 1, 1), "")


def population_id(
    city: str, kind: str, source_id: str | None, name: str, ward: str | None = None
) -> str:
    """`{city}-mesh-{mesh code}`, `{city}-town-{source id}`, or for a town without an id
    `{city}-town-{hash of its folded name}` (with its ward, when the file gives one, since town
    names repeat across a designated city's wards)."""
    if source_id:
        return f"{city}-{kind}-{url_safe(source_id)}"
    key = f"{fold(ward)}|{fold(name)}" if ward else fold(name)
    return f"{city}-{kind}-{hashlib.sha1(key.encode('utf-8')).hexdigest()[:10]}"
