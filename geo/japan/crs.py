"""JGD2011 plane-rectangular zones (EPSG:6669–6687), so metric work never measures in degrees.

The zones follow the GSI table (平成十四年国土交通省告示第九号, 平面直角座標系). Most prefectures
lie in one zone; for the split ones (北海道, 東京都, 沖縄県, 鹿児島県) the zone is chosen from a
representative point of the municipality, with the statutory rules written out below. Where a
rule is approximated the comment says how.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypedDict, TypeVar, Unpack, cast

import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import Transformer

G = TypeVar("G", bound=shapely.Geometry)

#: Zone number → (origin longitude, origin latitude) in degrees, as GSI publishes them.
ZONE_ORIGINS: dict[int, tuple[float, float]] = {
    1: (129 + 30 / 60, 33.0),
    2: (131.0, 33.0),
    3: (132 + 10 / 60, 36.0),
    4: (133 + 30 / 60, 33.0),
    5: (134 + 20 / 60, 36.0),
    6: (136.0, 36.0),
    7: (137 + 10 / 60, 36.0),
    8: (138 + 30 / 60, 36.0),
    9: (139 + 50 / 60, 36.0),
    10: (140 + 50 / 60, 40.0),
    11: (140 + 15 / 60, 44.0),
    12: (142 + 15 / 60, 44.0),
    13: (144 + 15 / 60, 44.0),
    14: (142.0, 26.0),
    15: (127 + 30 / 60, 26.0),
    16: (124.0, 26.0),
    17: (131.0, 26.0),
    18: (136.0, 20.0),
    19: (154.0, 26.0),
}
EPSG_ZONE_I = 6669  # JGD2011 / Japan Plane Rectangular CS I; zone n is 6668 + n
PLANE_EPSGS: frozenset[int] = frozenset(EPSG_ZONE_I - 1 + z for z in ZONE_ORIGINS)

#: Prefectures that lie wholly in one zone.
_SINGLE_ZONE: dict[str, int] = {
    "長崎県": 1,
    "福岡県": 2, "佐賀県": 2, "熊本県": 2, "大分県": 2, "宮崎県": 2,
    "山口県": 3, "島根県": 3, "広島県": 3,
    "香川県": 4, "愛媛県": 4, "徳島県": 4, "高知県": 4,
    "兵庫県": 5, "鳥取県": 5, "岡山県": 5,
    "京都府": 6, "大阪府": 6, "福井県": 6, "滋賀県": 6, "三重県": 6, "奈良県": 6, "和歌山県": 6,
    "石川県": 7, "富山県": 7, "岐阜県": 7, "愛知県": 7,
    "新潟県": 8, "長野県": 8, "山梨県": 8, "静岡県": 8,
    "福島県": 9, "栃木県": 9, "茨城県": 9, "埼玉県": 9, "千葉県": 9, "群馬県": 9, "神奈川県": 9,
    "青森県": 10, "秋田県": 10, "山形県": 10, "岩手県": 10, "宮城県": 10,
}
_SPLIT = ("北海道", "東京都", "沖縄県", "鹿児島県")
PREFECTURES: frozenset[str] = frozenset((*_SINGLE_ZONE, *_SPLIT))

# 北海道 per the GSI table: XI and XIII are listed by municipality and 振興局; XII is the rest.
_HOKKAIDO_XI_MUNICIPALITIES = frozenset({"小樽市", "函館市", "伊達市", "北斗市"})
_HOKKAIDO_XI_SUBPREFECTURES = frozenset({"後志総合振興局", "渡島総合振興局", "檜山振興局"})
_HOKKAIDO_XI_IBURI = frozenset({"豊浦町", "壮瞥町", "洞爺湖町"})  # only these in 胆振
_HOKKAIDO_XIII_MUNICIPALITIES = frozenset({"北見市", "帯広市", "釧路市", "網走市", "根室市"})
_HOKKAIDO_XIII_SUBPREFECTURES = frozenset({"十勝総合振興局", "釧路総合振興局", "根室振興局"})
_HOKKAIDO_XIII_OKHOTSK = frozenset(
    {"美幌町", "津別町", "斜里町", "清里町", "小清水町", "訓子府町", "置戸町", "佐呂間町", "大空町"}
)


def epsg_for_zone(zone: int) -> int:
    """EPSG code of a zone number (1–19)."""
    if zone not in ZONE_ORIGINS:
        raise ValueError(f"no plane-rectangular zone {zone}: zones are 1 to 19")
    return EPSG_ZONE_I - 1 + zone


def _canonical_prefecture(prefecture: str) -> str:
    """Accept '新潟' as well as '新潟県' (and 東京/京都/大阪), since callers type either."""
    name = prefecture.strip()
    if name in PREFECTURES:
        return name
    for suffix in ("県", "都", "府"):
        if name + suffix in PREFECTURES:
            return name + suffix
    raise ValueError(f"unknown prefecture {prefecture!r}: give a name such as '新潟県'")


def _nearest_origin(lon: float, candidates: tuple[int, ...]) -> int:
    return min(candidates, key=lambda z: abs(ZONE_ORIGINS[z][0] - lon))


def _hokkaido_zone(lon: float, municipality: str | None, subprefecture: str | None) -> int:
    """The statutory list when the names are known, else the nearest origin longitude.

    The nearest-origin fallback (boundaries at 141°15'E and 143°15'E) errs near the lines:
    室蘭市 and 利尻・礼文 would fall in XI and 紋別市 in XIII, though the table puts them in XII.
    """
    if municipality is None:
        return _nearest_origin(lon, (11, 12, 13))
    if municipality in _HOKKAIDO_XI_MUNICIPALITIES or subprefecture in _HOKKAIDO_XI_SUBPREFECTURES:
        return 11
    if subprefecture == "胆振総合振興局" and municipality in _HOKKAIDO_XI_IBURI:
        return 11
    if municipality in _HOKKAIDO_XIII_MUNICIPALITIES:
        return 13
    if subprefecture in _HOKKAIDO_XIII_SUBPREFECTURES:
        return 13
    if subprefecture == "オホーツク総合振興局" and municipality in _HOKKAIDO_XIII_OKHOTSK:
        return 13
    return 12


def _tokyo_zone(lon: float, lat: float) -> int:
    """IX for the mainland and 伊豆諸島; south of 28°N: XVIII west of 140°30'E, XIX east of 143°E,
    XIV between (小笠原村 as a whole, whose representative point lies on 父島/母島/硫黄島)."""
    if lat >= 28.0:
        return 9
    if lon < 140.5:
        return 18
    if lon > 143.0:
        return 19
    return 14


def _okinawa_zone(lon: float) -> int:
    """XVI west of 126°E (先島), XVII east of 130°E (大東), XV between (本島 and nearby)."""
    if lon < 126.0:
        return 16
    if lon > 130.0:
        return 17
    return 15


def _kagoshima_zone(lon: float, lat: float) -> int:
    """I for the islands in the box 27°–32°N, 128°18'–130°E (奄美群島 to 130°13'E), else II.

    The GSI rule is per island; a municipality takes the zone of its representative point, so
    e.g. 薩摩川内市 (mainland plus 甑島) is II. 屋久島 and 種子島 lie east of 130°E and are II;
    a plain "south of 30.5°N" rule would wrongly put them in I.
    """
    in_amami = 27.0 <= lat < 28.6 and 128.3 <= lon <= 130 + 13 / 60
    in_box = 27.0 <= lat <= 32.0 and 128.3 <= lon <= 130.0
    return 1 if in_box or in_amami else 2


class ZoneNames(TypedDict, total=False):
    """The names that place a 北海道 municipality in its zone (see :func:`plane_zone`)."""

    municipality: str | None
    subprefecture: str | None


def plane_zone(prefecture: str, lon: float, lat: float, **names: Unpack[ZoneNames]) -> int:
    """Zone number (1–19) for a place, given its prefecture and a representative WGS84 point.

    ``municipality`` and ``subprefecture`` (N03_004 / N03_002) only matter in 北海道, whose
    zones the GSI table assigns by name; without them the nearest origin longitude is used.
    """
    pref = _canonical_prefecture(prefecture)
    if pref in _SINGLE_ZONE:
        return _SINGLE_ZONE[pref]
    if pref == "北海道":
        return _hokkaido_zone(lon, names.get("municipality"), names.get("subprefecture"))
    if pref == "東京都":
        return _tokyo_zone(lon, lat)
    if pref == "沖縄県":
        return _okinawa_zone(lon)
    return _kagoshima_zone(lon, lat)


def plane_epsg(prefecture: str, lon: float, lat: float, **names: Unpack[ZoneNames]) -> int:
    """EPSG code (6669–6687) of the plane-rectangular zone for a place (see :func:`plane_zone`)."""
    return epsg_for_zone(plane_zone(prefecture, lon, lat, **names))


# pyproj Transformers are safe to share since 3.1, but each thread still builds its own PROJ
# context on first use; a per-thread cache keeps that cost to once per thread and zone.
_local = threading.local()


def plane_transformer(epsg: int) -> Transformer:
    """WGS84 lon/lat → CRS ``epsg`` (x, y in metres for a plane zone), cached per thread.

    Creating a transformer costs ~10 ms, too much per request; the walking engine and the
    analyses take theirs here (any EPSG code, unlike :func:`to_plane`).
    """
    return _transformer(4326, int(epsg))


def _transformer(src: int, dst: int) -> Transformer:
    cache: dict[tuple[int, int], Transformer] | None = getattr(_local, "cache", None)
    if cache is None:
        cache = _local.cache = {}
    key = (src, dst)
    tr = cache.get(key)
    if tr is None:
        tr = cache[key] = Transformer.from_crs(src, dst, always_xy=True)
    return tr


def _check(epsg: int) -> int:
    if epsg not in PLANE_EPSGS:
        raise ValueError(f"EPSG:{epsg} is not a JGD2011 plane-rectangular zone (6669–6687)")
    return epsg


def to_plane(epsg: int) -> Callable[..., Any]:
    """``f(lon, lat) -> (x_east_m, y_north_m)`` into the zone (scalars or arrays)."""
    return _transformer(4326, _check(epsg)).transform


def from_plane(epsg: int) -> Callable[..., Any]:
    """``f(x_east_m, y_north_m) -> (lon, lat)`` back to WGS84 (scalars or arrays)."""
    return _transformer(_check(epsg), 4326).transform


def coords_fn(fn: Callable[..., Any]) -> Callable[[NDArray[np.float64]], NDArray[np.float64]]:
    """A ``shapely.transform`` callback from a ``transform(x, y) -> (x, y)`` function."""

    def inner(coords: NDArray[np.float64]) -> NDArray[np.float64]:
        x, y = fn(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return inner


def project_geometry(geom: G, epsg: int) -> G:
    """A WGS84 (lon, lat) geometry in the zone's metres."""
    return cast(G, shapely.transform(geom, coords_fn(to_plane(epsg))))


def unproject_geometry(geom: G, epsg: int) -> G:
    """A geometry in the zone's metres back in WGS84 (lon, lat)."""
    return cast(G, shapely.transform(geom, coords_fn(from_plane(epsg))))
