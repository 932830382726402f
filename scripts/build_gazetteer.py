"""Build geo/japan/data/towns.zip, the bundled gazetteer of every 町丁目/大字 of Japan.

Why a build step: places given only by an address are placed at their town's representative
point, in every city, without a GIS file at run time. This script distils Geolonia's address
data (``town_points_geolonia.csv.gz``: ``prefecture,municipality,town,koaza,lat,lon``, municipality
names as N03 writes them) into one small zip that the service reads one municipality at a time.

Credit: Geolonia 住所データ, CC BY 4.0, © Geolonia (keep it with anything built from the file).

Municipality names are mapped to JIS codes with the bundled list (geo/japan/municipalities.py,
which also says which wards belong to which designated city); a name it lacks or holds twice
(the island municipalities its simplified source dropped; 泊村 in two 郡 of 北海道) is looked up in
the full N03 outline file, whose names keep the 郡.

Format of the zip (members deflated, fixed timestamps: the same input gives the same bytes):
- ``index.tsv``: ``code, prefecture, county, name, parent, towns`` per municipality, designated
  cities included (name ``京都市``, no towns of their own) and their wards (name ``京都市中京区``,
  parent ``26100``); ``county`` is the 郡 (``三重郡``, name ``川越町``) or empty.
- ``towns/{code}.tsv``: ``town, koaza, lat, lon`` per row, sorted by town then koaza; an empty
  town repeats the previous one; lat/lon are integers in 1e-6° as deltas from the previous row
  that had a point; both empty when the source has no point for the row.
- ``CREDITS.txt``.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import re
import sys
import unicodedata
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.errors import UnknownCity  # noqa: E402
from geo.japan import municipalities  # noqa: E402

DEFAULT_SOURCE = Path("/work/shared/data/japan/town_points_geolonia.csv.gz")
DEFAULT_OUTLINES = Path("/work/shared/data/japan/municipal_outlines_n03.geojson.gz")
DEFAULT_OUTPUT = ROOT / "geo" / "japan" / "data" / "towns.zip"
CREDIT = "Geolonia 住所データ (geolonia/japanese-addresses), CC BY 4.0, © Geolonia"
SCALE = 1_000_000
HEADER = ["prefecture", "municipality", "town", "koaza", "lat", "lon"]
_COUNTY = re.compile(r"^(.+?郡)(.+)$")
_PREFECTURE = re.compile(r"^(北海道|.+?[都府県])")
#: Spellings that differ between Geolonia/N03 and the bundled list (ヶ/ケ, 檮/梼).
_VARIANTS = str.maketrans({"ヶ": "ケ", "檮": "梼"})


class BuildError(Exception):
    """The source does not look like the Geolonia data this script expects."""


@dataclass(frozen=True)
class Muni:
    code: str
    prefecture: str
    county: str
    name: str
    parent: str


def _key(text: str) -> str:
    return unicodedata.normalize("NFKC", text).translate(_VARIANTS)


def _split_county(name: str) -> tuple[str, str]:
    m = _COUNTY.match(name)
    return (m.group(1), m.group(2)) if m else ("", name)


def _n03_names(outlines: Path) -> dict[tuple[str, str], str]:
    """(prefecture, county + name) → code from the full N03 outline file (支庁 left out)."""
    with gzip.open(outlines, "rt", encoding="utf-8") as fh:
        doc = json.load(fh)
    names: dict[tuple[str, str], str] = {}
    for feat in doc["features"]:
        full = feat["properties"]["name"]
        code = feat["properties"]["code"]
        m = _PREFECTURE.match(full)
        if not m:
            raise BuildError(f"{outlines}: no prefecture in {full!r}")
        rest = re.sub(r"^.+?(支庁|振興局)", "", full[m.end():])
        names[(m.group(1), _key(rest))] = code
    return names


class _Mapper:
    """Geolonia (prefecture, municipality) → Muni, by the bundled list, else by N03 names."""

    def __init__(self, outlines: Path) -> None:
        self.by_name: dict[tuple[str, str], list[str]] = defaultdict(list)
        for city in municipalities.all_cities():
            self.by_name[(city.prefecture, _key(city.name))].append(city.code)
        self.outlines = outlines
        self._n03: dict[tuple[str, str], str] | None = None
        self.from_n03: list[str] = []
        self._seen: dict[tuple[str, str], Muni] = {}

    def _fallback(self, prefecture: str, name: str) -> str:
        if self._n03 is None:
            self._n03 = _n03_names(self.outlines)
        code = self._n03.get((prefecture, _key(name)))
        if code is None:
            raise BuildError(f"no JIS code for {prefecture}{name}")
        self.from_n03.append(f"{code} {prefecture}{name}")
        return code

    def muni(self, prefecture: str, name: str) -> Muni:
        if (prefecture, name) not in self._seen:
            self._seen[(prefecture, name)] = self._map(prefecture, name)
        return self._seen[(prefecture, name)]

    def _map(self, prefecture: str, name: str) -> Muni:
        county, short = _split_county(name)
        codes = self.by_name.get((prefecture, _key(name))) or self.by_name.get(
            (prefecture, _key(short)), []
        )
        code = codes[0] if len(codes) == 1 else self._fallback(prefecture, name)
        try:
            parent = municipalities.get_city(code).parent_code or ""
        except UnknownCity:  # not in the bundled list: an island municipality, never a ward
            parent = ""
        return Muni(code, prefecture, county, short, parent)


def _read(source: Path) -> list[dict[str, str]]:
    with gzip.open(source, "rt", encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames != HEADER:
            raise BuildError(f"{source}: header {reader.fieldnames}, expected {HEADER}")
        return list(reader)


def _micro(value: str) -> int:
    number = float(value)
    if not -180.0 <= number <= 180.0:
        raise BuildError(f"coordinate out of range: {value!r}")
    return round(number * SCALE)


def _encode_towns(rows: list[dict[str, str]]) -> str:
    lines: list[str] = []
    previous = None
    plat = plon = 0
    for row in sorted(rows, key=lambda r: (r["town"], r["koaza"])):
        town = "" if row["town"] == previous else row["town"]
        previous = row["town"]
        if not row["lat"] or not row["lon"]:
            lines.append(f"{town}\t{row['koaza']}\t\t")
            continue
        lat, lon = _micro(row["lat"]), _micro(row["lon"])
        lines.append(f"{town}\t{row['koaza']}\t{lat - plat}\t{lon - plon}")
        plat, plon = lat, lon
    return "\n".join(lines) + "\n"


def _add(zf: zipfile.ZipFile, name: str, text: str) -> None:
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    zf.writestr(info, text.encode("utf-8"), compresslevel=9)


def build(source: Path, outlines: Path) -> tuple[bytes, dict[str, int | list[str]]]:
    """The zip bytes for ``source`` and a summary of what went in."""
    mapper = _Mapper(outlines)
    groups: dict[Muni, list[dict[str, str]]] = defaultdict(list)
    for row in _read(source):
        if not row["town"]:
            raise BuildError(f"row without a town: {row}")
        groups[mapper.muni(row["prefecture"], row["municipality"])].append(row)
    if len({m.code for m in groups}) != len(groups):
        raise BuildError("two Geolonia municipality names map to one JIS code")
    index: dict[str, list[str]] = {}
    for muni, rows in groups.items():
        index[muni.code] = [muni.code, muni.prefecture, muni.county, muni.name, muni.parent,
                            str(len({r["town"] for r in rows}))]
        if muni.parent and muni.parent not in index:
            city = municipalities.get_city(muni.parent)
            index[muni.parent] = [city.code, city.prefecture, "", city.name, "", "0"]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        _add(zf, "CREDITS.txt", f"{CREDIT}\nBuilt by scripts/build_gazetteer.py from "
             f"{source.name}; see its docstring for the format.\n")
        _add(zf, "index.tsv", "".join("\t".join(index[c]) + "\n" for c in sorted(index)))
        for muni in sorted(groups, key=lambda m: m.code):
            _add(zf, f"towns/{muni.code}.tsv", _encode_towns(groups[muni]))
    rows_total = sum(len(r) for r in groups.values())
    no_point = sum(1 for r in groups.values() for x in r if not x["lat"])
    summary: dict[str, int | list[str]] = {
        "rows": rows_total, "rows_without_point": no_point, "municipalities": len(groups),
        "from_n03": sorted(mapper.from_n03),
    }
    return buf.getvalue(), summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="Geolonia CSV.gz")
    parser.add_argument("--outlines", type=Path, default=DEFAULT_OUTLINES,
                        help="N03 outline GeoJSON.gz, for names the bundled list lacks")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="zip to write")
    args = parser.parse_args(argv)
    for path in (args.source, args.outlines):
        if not path.is_file():
            print(f"not found: {path}", file=sys.stderr)
            return 2
    try:
        data, summary = build(args.source, args.outlines)
    except BuildError as exc:
        print(f"build failed: {exc}", file=sys.stderr)
        return 1
    args.output.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.output.with_suffix(".tmp")
    tmp.write_bytes(data)
    tmp.replace(args.output)
    print(f"wrote {args.output} ({len(data):,} bytes): {json.dumps(summary, ensure_ascii=False)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
