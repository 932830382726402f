"""One reader for every file format cities bring: rows of properties plus a lon/lat geometry.

The area, place, population and network imports all call `read_features` and only map columns to
their own model, so the quirks of real files (Shift_JIS CSVs, shapefiles in a plane-rectangular CRS
without a .cpg, Google My Maps KML folders, Excel title rows) are handled once, here.

Whole-file failures raise `InputError`; problems in single rows (an unreadable coordinate) are
collected in `FeatureSource.problems` and the row is kept with `geometry=None`, so the importing
domain can report every problem at once and decide what is fatal.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import math
import re
import tempfile
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from shapely.errors import GEOSException
from shapely.geometry import (
    GeometryCollection,
    LineString,
    MultiLineString,
    MultiPoint,
    MultiPolygon,
    Point,
    Polygon,
    shape,
)
from shapely.geometry.base import BaseGeometry

from geo.errors import InputError, Problem, UsageError
from geo.japan.coords import SWAPPED_HINT, swapped

FORMATS = ("geojson", "gpkg", "shapefile", "kml", "csv", "xlsx")

SUPPORTED_HINT = (
    "supported: GeoJSON (.geojson/.json/.geojson.gz), GeoPackage (.gpkg), "
    "Shapefile (.shp or .zip), KML/KMZ, CSV/TSV, Excel (.xlsx)"
)
_SUFFIXES: tuple[tuple[str, str], ...] = (
    (".geojson", "geojson"),
    (".json", "geojson"),
    (".gpkg", "gpkg"),
    (".shp", "shapefile"),
    (".zip", "zip"),
    (".kml", "kml"),
    (".kmz", "kmz"),
    (".csv", "csv"),
    (".tsv", "csv"),
    (".txt", "csv"),
    (".xlsx", "xlsx"),
    (".xlsm", "xlsx"),
)
_SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
_MAX_UNPACKED = 2 * 1024**3  # refuse archives that unpack to more than this (zip bombs)
_GPKG_META_TABLES = {"layer_styles", "qgis_projects"}  # QGIS keeps styles/projects beside the data


@dataclass
class Row:
    """One feature, placemark or spreadsheet line."""

    number: int  # 1-based feature/placemark number; for CSV/XLSX the line (header = line 1)
    props: dict[str, Any]
    geometry: BaseGeometry | None  # always EPSG:4326 lon/lat, 2D


@dataclass
class FeatureSource:
    """Everything read from one file, in the same shape whatever the format was."""

    path: Path
    name: str
    format: str  # one of FORMATS
    row_label: str  # "row" for csv/xlsx, "placemark" for kml, "feature" otherwise
    columns: list[str]
    rows: list[Row]
    encoding: str | None = None  # the text encoding actually used (CSV, shapefile .dbf)
    problems: list[Problem] = field(default_factory=list)
    geometry_columns: list[str] = field(default_factory=list)  # CSV/XLSX columns geometry came from
    source_crs: str | None = None  # CRS the file declared, before transforming to EPSG:4326
    # column → label, from a second header line of labels (read with label_line=True), as in
    # e-Stat statistics CSVs: line 1 holds codes (T001102001 …), line 2 their names (人口（総数）…)
    labels: dict[str, str] = field(default_factory=dict)


@dataclass
class _Options:
    layer: str | None
    lat_field: str | None
    lon_field: str | None
    label_line: bool = False


def read_features(
    path: str | Path,
    *,
    layer: str | None = None,
    lat_field: str | None = None,
    lon_field: str | None = None,
    label_line: bool = False,
) -> FeatureSource:
    """Read any supported file into rows with EPSG:4326 geometry; InputError if it cannot be.

    ``label_line``: in a CSV/XLSX, a line right under the header that holds only text (no
    numbers) is a second header line of column labels, as e-Stat writes; it is taken into
    ``FeatureSource.labels`` instead of being read as a row. Row numbers stay file lines.
    """
    if (lat_field is None) != (lon_field is None):
        raise UsageError(
            "give both lat_field and lon_field "
            "(the same column twice for a combined 'lat,lon' column)"
        )
    p = Path(path)
    name = p.name or str(p)
    if not p.exists():
        _fail(name, "file not found", hint=f"ファイルが見つかりません: {p}")
    if p.is_dir():
        _fail(
            name,
            "is a folder, not a file",
            hint="give the .shp inside it, or a .zip of the shapefile",
        )
    kind = _kind(name)
    if kind is None:
        _fail_unknown(name)
    try:
        size = p.stat().st_size
    except OSError as e:
        _fail(name, f"cannot read the file: {e.strerror or e}")
    if size == 0:
        _fail(name, "file is empty", hint="ファイルが空です (0 bytes)")
    source = _read_kind(kind, p, name, _Options(layer, lat_field, lon_field, label_line))
    source.path = p
    source.name = name
    return source


def vector_layer(path: str | Path, layer: str | None = None) -> str | None:
    """Check a vector file as `read_features` would, and name the GeoPackage layer to read.

    For readers that take a file straight into arrays (the walking-network build reads road
    lines with pyogrio): the file must exist, be non-empty and be GeoJSON, GeoPackage or a
    Shapefile (.shp or .zip); a GeoPackage's layer is chosen as the imports choose it (the only
    data layer, else the one named, else an error listing them). Returns ``layer`` unchanged for
    other formats. Raises InputError naming the file.
    """
    p = Path(path)
    name = p.name or str(p)
    if not p.exists():
        _fail(name, "file not found", hint=f"ファイルが見つかりません: {p}")
    if p.is_dir():
        _fail(name, "is a folder, not a file", hint="give the .shp inside it, or a .zip of it")
    kind = _kind(name)
    if kind not in ("geojson", "gpkg", "shapefile", "zip"):
        _fail(
            name,
            f"unknown line file type '{p.suffix or name}'",
            hint="road lines: GeoJSON (.geojson), GeoPackage (.gpkg), Shapefile (.shp or .zip)",
        )
    try:
        size = p.stat().st_size
    except OSError as e:
        _fail(name, f"cannot read the file: {e.strerror or e}")
    if size == 0:
        _fail(name, "file is empty", hint="ファイルが空です (0 bytes)")
    if kind == "gpkg":
        return _choose_gpkg_layer(p, name, layer)
    return layer


# --- dispatch --------------------------------------------------------------------------------


def _kind(name: str) -> str | None:
    lower = name.lower()
    if lower.endswith(".gz"):
        inner = _kind(name[:-3])
        return f"gz:{inner}" if inner in ("geojson", "gpkg", "kml", "csv") else None
    for suffix, kind in _SUFFIXES:
        if lower.endswith(suffix):
            return kind
    return None


def _fail_unknown(name: str) -> NoReturn:
    suffix = Path(name).suffix.lower()
    if suffix in (".xls", ".ods"):
        _fail(
            name,
            f"the {suffix} spreadsheet format is not supported",
            hint="Excel で .xlsx または CSV (UTF-8) として保存してください",
        )
    if suffix in (".dbf", ".shx", ".prj", ".cpg"):
        _fail(
            name,
            f"a {suffix} file is only one part of a shapefile",
            hint="give the .shp (with .shx, .dbf and .prj beside it) or a .zip of all the parts",
        )
    _fail(name, f"unknown file type '{suffix or name}'", hint=SUPPORTED_HINT)


def _read_kind(kind: str, local: Path, name: str, opts: _Options) -> FeatureSource:
    if kind == "geojson":
        return _read_geojson(_read_bytes(local, name), name)
    if kind == "kml":
        return _read_kml(_read_bytes(local, name), name)
    if kind == "csv":
        return _read_csv(_read_bytes(local, name), name, opts)
    if kind == "xlsx":
        return _read_xlsx(local, name, opts)
    if kind in ("gpkg", "shapefile"):
        return _read_ogr(local, name, kind, opts)
    if kind in ("zip", "kmz"):
        return _read_zip(local, name, opts, kmz=kind == "kmz")
    if kind.startswith("gz:"):
        return _read_gzip(local, name, kind[3:], opts)
    raise AssertionError(kind)  # pragma: no cover - _kind only returns the kinds above


def _read_bytes(local: Path, name: str) -> bytes:
    try:
        return local.read_bytes()
    except OSError as e:
        _fail(name, f"cannot read the file: {e.strerror or e}")


def _read_gzip(local: Path, name: str, inner: str, opts: _Options) -> FeatureSource:
    """Unpack a .gz: GeoJSON/KML/CSV are read from memory, a GeoPackage via a temp file."""
    try:
        with gzip.open(local, "rb") as fh:
            data = fh.read(_MAX_UNPACKED + 1)
    except (OSError, EOFError) as e:
        _fail(name, f"not a readable gzip file: {e}")
    if len(data) > _MAX_UNPACKED:
        _fail(name, "the compressed file unpacks to more than 2 GB")
    if not data:
        _fail(name, "file is empty", hint="ファイルが空です")
    if inner == "geojson":
        return _read_geojson(data, name)
    if inner == "kml":
        return _read_kml(data, name)
    if inner == "csv":
        return _read_csv(data, name, opts)
    with tempfile.TemporaryDirectory(prefix="tsudoi-read-") as tmp:
        target = Path(tmp) / "data.gpkg"
        target.write_bytes(data)
        return _read_ogr(target, name, "gpkg", opts)


# --- zip / kmz -------------------------------------------------------------------------------


def _zip_member_name(info: zipfile.ZipInfo) -> str:
    """Japanese zips made on Windows hold CP932 names without the UTF-8 flag; Python reads CP437."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    for encoding in ("utf-8", "cp932"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def _read_zip(local: Path, name: str, opts: _Options, *, kmz: bool) -> FeatureSource:
    try:
        archive = zipfile.ZipFile(local)
    except (zipfile.BadZipFile, OSError) as e:
        _fail(name, f"not a readable {'KMZ' if kmz else 'zip'} file: {e}")
    with archive:
        members = [
            (i, _zip_member_name(i))
            for i in archive.infolist()
            if not i.is_dir()
            and not _zip_member_name(i).startswith("__MACOSX/")
            and not Path(_zip_member_name(i)).name.startswith("._")
        ]
        by_kind: dict[str, list[tuple[zipfile.ZipInfo, str]]] = {}
        for info, member in members:
            kind = _kind(member)
            if kind is not None:
                by_kind.setdefault(kind, []).append((info, member))
        order = ("kml",) if kmz else ("shapefile", "gpkg", "geojson", "kml", "csv", "xlsx")
        kind = next((k for k in order if k in by_kind), None)
        if kind is None:
            listed = ", ".join(m for _, m in members[:10]) or "nothing"
            wanted = ".kml file" if kmz else ".shp (nor any other supported file)"
            _fail(name, f"the archive holds no {wanted}", hint=f"it holds: {listed}")
        info, member = _pick_member(name, kind, by_kind[kind], opts.layer, kmz=kmz)
        if kind == "shapefile":
            stem = member[:-4].lower()
            parts = [(i, m) for i, m in members if m[:-4].lower() == stem]
            parts = [(i, m) for i, m in parts if m[-4:].lower() in _SHAPEFILE_PARTS]
        else:
            parts = [(info, member)]
        if sum(i.file_size for i, _ in parts) > _MAX_UNPACKED:
            _fail(name, "the archive unpacks to more than 2 GB")
        try:
            if kind in ("kml", "geojson", "csv"):
                data = archive.read(info)
                if not data:
                    _fail(name, f"{member} in the archive is empty")
                if kind == "kml":
                    return _read_kml(data, name)
                if kind == "geojson":
                    return _read_geojson(data, name)
                return _read_csv(data, name, opts)
            with tempfile.TemporaryDirectory(prefix="tsudoi-read-") as tmp:
                target = Path(tmp) / f"data{Path(member).suffix.lower()}"
                for part, part_name in parts:
                    dest = Path(tmp) / f"data{Path(part_name).suffix.lower()}"
                    dest.write_bytes(archive.read(part))
                if kind == "xlsx":
                    return _read_xlsx(target, name, opts)
                return _read_ogr(target, name, kind, opts, member=member)
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as e:
            _fail(name, f"cannot unpack {member} from the archive: {e}")


def _pick_member(
    name: str,
    kind: str,
    candidates: list[tuple[zipfile.ZipInfo, str]],
    layer: str | None,
    *,
    kmz: bool,
) -> tuple[zipfile.ZipInfo, str]:
    if kmz:  # Google Earth reads doc.kml, else the first .kml in the archive
        for info, member in candidates:
            if member.lower() == "doc.kml":
                return info, member
        return candidates[0]
    if len(candidates) == 1:  # then `layer` is for the file itself (a GeoPackage layer, a sheet)
        return candidates[0]
    if layer is not None:
        for info, member in candidates:
            if layer in (member, Path(member).name, Path(member).stem):
                return info, member
        for info, member in candidates:
            if layer.casefold() == Path(member).stem.casefold():
                return info, member
        _fail(
            name,
            f"no file '{layer}' in the archive",
            hint="files: " + ", ".join(sorted(Path(m).stem for _, m in candidates)),
        )
    stems = ", ".join(sorted(Path(m).stem for _, m in candidates))
    _fail(
        name,
        f"the archive holds {len(candidates)} {kind} files; choose one with layer",
        hint=f"ファイルを選んでください (layer): {stems}",
    )


# --- GeoJSON ---------------------------------------------------------------------------------

_GEOMETRY_TYPES = {
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
}


def _decode_json(data: bytes, name: str) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings: tuple[str, ...] = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "cp932")  # RFC 7946 says UTF-8; old Japanese tools wrote SJIS
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    _fail(name, "cannot decode the text as UTF-8", hint="UTF-8 で保存してください")


def _read_geojson(data: bytes, name: str) -> FeatureSource:
    text = _decode_json(data, name)
    if not text.strip():
        _fail(name, "file is empty", hint="ファイルが空です")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        _fail(
            name,
            f"not valid JSON (line {e.lineno}, column {e.colno}: {e.msg})",
            hint="the file may be cut off or not GeoJSON",
        )
    crs_member = doc.get("crs") if isinstance(doc, dict) else None
    kind = doc.get("type") if isinstance(doc, dict) else None
    if isinstance(doc, list) and all(
        isinstance(f, dict) and f.get("type") == "Feature" for f in doc
    ):
        features: list[Any] = doc
    elif kind == "FeatureCollection":
        features = doc.get("features") or []
        if not isinstance(features, list):
            _fail(name, "'features' is not a list", hint="not a valid GeoJSON FeatureCollection")
    elif kind == "Feature":
        features = [doc]
    elif kind in _GEOMETRY_TYPES:
        features = [{"type": "Feature", "geometry": doc, "properties": {}}]
    else:
        _fail(
            name,
            "not GeoJSON: no FeatureCollection, Feature or geometry at the top level",
            hint='expected {"type": "FeatureCollection", "features": [...]}',
        )
    source_crs = _legacy_crs(crs_member, name) if crs_member else None

    rows: list[Row] = []
    problems: list[Problem] = []
    columns: dict[str, None] = {}
    for number, feature in enumerate(features, 1):
        if not isinstance(feature, dict):
            problems.append(Problem(name, "not a GeoJSON Feature", row=number, row_label="feature"))
            rows.append(Row(number, {}, None))
            continue
        raw = feature.get("properties")
        props = _clean_props(raw if isinstance(raw, dict) else {})
        if feature.get("id") is not None and "id" not in props:
            props["id"] = feature["id"]
        columns.update(dict.fromkeys(props))
        geometry: BaseGeometry | None = None
        gj = feature.get("geometry")
        if gj is not None:
            try:
                geometry = shape(gj)
            except Exception as e:  # shapely raises many types for malformed input
                problems.append(
                    Problem(
                        name,
                        f"unreadable geometry: {_short(e)}",
                        row=number,
                        row_label="feature",
                        field="geometry",
                        value=_clip(json.dumps(gj, ensure_ascii=False)),
                    )
                )
            if geometry is not None:
                geometry = None if geometry.is_empty else shapely.force_2d(geometry)
        rows.append(Row(number, props, geometry))

    crs_text = _to_lonlat(rows, source_crs, name)
    _check_lonlat(rows, name, "feature", problems, declared=source_crs is not None)
    return FeatureSource(
        path=Path(name),
        name=name,
        format="geojson",
        row_label="feature",
        columns=list(columns),
        rows=rows,
        encoding=None,
        problems=problems,
        source_crs=crs_text,
    )


def _legacy_crs(member: Any, name: str) -> CRS:
    """The pre-RFC 7946 "crs" member, still written by QGIS/GDAL for non-WGS84 GeoJSON."""
    props = member.get("properties", {}) if isinstance(member, dict) else {}
    value: Any = None
    if isinstance(props, dict):
        if member.get("type") == "EPSG" and props.get("code") is not None:
            value = f"EPSG:{props['code']}"
        else:
            value = props.get("name")
    if not value:
        _fail(name, "the 'crs' member names no coordinate reference system", hint=str(member))
    try:
        return CRS.from_user_input(value)
    except CRSError:
        _fail(
            name,
            f"unknown coordinate reference system {value!r}",
            hint="EPSG:4326 で保存してください",
        )


# --- GeoPackage / Shapefile (pyogrio) --------------------------------------------------------


def _sibling(path: Path, suffix: str) -> Path | None:
    """The shapefile part beside `path`, whatever the case of its extension (.DBF, .Prj ...)."""
    wanted = (path.stem + suffix).lower()
    try:
        for candidate in path.parent.iterdir():
            if candidate.name.lower() == wanted:
                return candidate
    except OSError:
        return None
    return None


def _choose_gpkg_layer(local: Path, name: str, layer: str | None) -> str:
    import pyogrio

    try:
        listed = pyogrio.list_layers(str(local))
    except Exception as e:  # pyogrio.errors.DataSourceError and GDAL errors
        _fail(name, f"not a readable GeoPackage: {_short(e)}")
    names = [str(row[0]) for row in listed]
    if not names:
        _fail(name, "the GeoPackage holds no layers")
    if layer is not None:
        for candidate in names:
            if candidate == layer:
                return candidate
        for candidate in names:
            if candidate.casefold() == layer.casefold():
                return candidate
        _fail(name, f"no layer '{layer}' in the GeoPackage", hint="layers: " + ", ".join(names))
    data_layers = [n for n in names if n.lower() not in _GPKG_META_TABLES]
    if len(data_layers) == 1:
        return data_layers[0]
    _fail(
        name,
        f"the GeoPackage has {len(names)} layers; choose one with layer",
        hint="レイヤーを選んでください (layer): " + ", ".join(names),
    )


def _read_ogr(
    local: Path, name: str, fmt: str, opts: _Options, *, member: str | None = None
) -> FeatureSource:
    layer = _choose_gpkg_layer(local, name, opts.layer) if fmt == "gpkg" else None
    encoding = _dbf_encoding(local) if fmt == "shapefile" else None
    recode: str | None = None
    try:
        meta, wkbs, field_data = _ogr_arrays(local, layer, encoding, fmt)
    except UnicodeDecodeError:
        # A .dbf field name or value cut inside a multibyte character (field names hold only
        # 10 bytes) makes pyogrio fail; read the bytes as Latin-1 and decode them ourselves.
        recode = encoding or _cpg_encoding(local) or _dbf_guess(local) or "utf-8"
        try:
            meta, wkbs, field_data = _ogr_arrays(local, layer, "ISO-8859-1", fmt)
        except Exception as e:  # pyogrio.errors.* wrap every GDAL failure
            _fail(name, f"not a readable shapefile: {_short(e)}", hint=member)
    except Exception as e:  # pyogrio.errors.* wrap every GDAL failure
        what = "GeoPackage" if fmt == "gpkg" else "shapefile"
        _fail(name, f"not a readable {what}: {_short(e)}", hint=member)

    def text(value: Any) -> Any:
        if recode is None or not isinstance(value, str):
            return value
        decoded = value.encode("latin-1", errors="replace").decode(recode, errors="replace")
        return decoded.rstrip("\ufffd")

    keys = _unique_keys([text(f) for f in meta["fields"]])
    geometries = shapely.from_wkb(np.asarray(wkbs, dtype=object), on_invalid="ignore")
    label = "feature"
    rows: list[Row] = []
    for index in range(len(geometries)):
        props = {
            key: text(_native(values[index])) for key, values in zip(keys, field_data, strict=True)
        }
        geometry = geometries[index]
        if geometry is not None and geometry.is_empty:
            geometry = None
        rows.append(Row(index + 1, props, geometry))

    source_crs = None
    if meta.get("crs"):
        try:
            source_crs = CRS.from_user_input(meta["crs"])
        except CRSError:
            _fail(name, f"unknown coordinate reference system {meta['crs']!r}")
    problems: list[Problem] = []
    crs_text = _to_lonlat(rows, source_crs, name)
    no_prj = fmt == "shapefile" and source_crs is None
    _check_lonlat(rows, name, label, problems, declared=source_crs is not None, no_prj=no_prj)
    text_encoding = None
    if fmt == "shapefile" and keys:
        text_encoding = (recode or encoding or meta.get("encoding") or "").lower() or None
    return FeatureSource(
        path=Path(name),
        name=name,
        format=fmt,
        row_label=label,
        columns=keys,
        rows=rows,
        encoding=text_encoding,
        problems=problems,
        source_crs=crs_text,
    )


def _ogr_arrays(
    local: Path, layer: str | None, encoding: str | None, fmt: str
) -> tuple[dict[str, Any], Any, list[Any]]:
    """pyogrio's raw arrays; a lost .shx (common) is rebuilt by GDAL from the .shp."""
    import pyogrio
    import pyogrio.raw

    restore_shx = fmt == "shapefile" and _sibling(local, ".shx") is None
    previous = pyogrio.get_gdal_config_option("SHAPE_RESTORE_SHX") if restore_shx else None
    if restore_shx:
        pyogrio.set_gdal_config_options({"SHAPE_RESTORE_SHX": True})
    try:
        result = pyogrio.raw.read(
            str(local), layer=layer, encoding=encoding, force_2d=True, datetime_as_string=True
        )
    finally:
        if restore_shx:
            pyogrio.set_gdal_config_options({"SHAPE_RESTORE_SHX": previous})
    meta, _, wkbs, field_data = result[:4]
    return meta, wkbs, field_data


def _cpg_encoding(shp: Path) -> str | None:
    """The code page a .cpg names ('UTF-8', 'CP932', '932', 'SJIS'), if Python knows it."""
    cpg = _sibling(shp, ".cpg")
    if cpg is None:
        return None
    try:
        declared = cpg.read_text(encoding="ascii", errors="ignore").strip()
    except OSError:
        return None
    if declared.isdigit():
        declared = "utf-8" if declared == "65001" else f"cp{declared}"
    try:
        return codecs.lookup(declared).name
    except LookupError:
        return None


def _dbf_guess(shp: Path) -> str | None:
    dbf = _sibling(shp, ".dbf")
    if dbf is None:
        return None
    try:
        with dbf.open("rb") as fh:
            return _guess_encoding(_dbf_texts(fh.read(8 * 1024 * 1024)))
    except OSError:
        return None


def _dbf_encoding(shp: Path) -> str | None:
    """Guess the .dbf code page when no .cpg says it.

    Without a .cpg (and with no code-page byte) GDAL decodes as ISO-8859-1, which turns the CP932
    text of most Japanese shapefiles into mojibake without any error, so look at the bytes.
    """
    if _sibling(shp, ".cpg") is not None:
        return None
    return _dbf_guess(shp)


def _dbf_texts(data: bytes) -> list[bytes]:
    """Field names and character-field values of a dBASE file, as raw bytes."""
    if len(data) < 32:
        return []
    header_len = int.from_bytes(data[8:10], "little")
    record_len = int.from_bytes(data[10:12], "little")
    texts: list[bytes] = []
    text_fields: list[tuple[int, int]] = []
    offset = 1  # each record starts with the deletion flag
    for start in range(32, min(header_len, len(data)) - 31, 32):
        if data[start] == 0x0D:
            break
        descriptor = data[start : start + 32]
        texts.append(descriptor[:11].split(b"\x00", 1)[0])
        length = descriptor[16]
        if chr(descriptor[11]) in "CM":
            text_fields.append((offset, length))
        offset += length
    if record_len <= 0:
        return texts
    for record_start in range(header_len, len(data) - record_len + 1, record_len):
        record = data[record_start : record_start + record_len]
        texts.extend(record[a : a + n] for a, n in text_fields)
    return texts


def _guess_encoding(texts: Iterable[bytes]) -> str | None:
    """UTF-8 if every non-ASCII text decodes as UTF-8, else CP932 if that decodes more of them.

    A fixed-width field may cut the last multibyte character, so an error at the very end of a
    value does not count against either encoding.
    """
    non_ascii = utf8_bad = cp932_bad = 0
    for raw in texts:
        value = raw.rstrip(b" \x00")
        if value.isascii():
            continue
        non_ascii += 1
        try:
            value.decode("utf-8")
        except UnicodeDecodeError as e:
            if e.reason != "unexpected end of data":
                utf8_bad += 1
        try:
            value.decode("cp932")
        except UnicodeDecodeError as e:
            if e.reason != "incomplete multibyte sequence":
                cp932_bad += 1
    if not non_ascii:
        return None
    if not utf8_bad:
        return "UTF-8"
    if cp932_bad < utf8_bad:
        return "CP932"
    return None


def _native(value: Any) -> Any:
    """numpy scalars to plain Python values; NaN (a null number) to None."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


# --- CRS -------------------------------------------------------------------------------------


def _to_lonlat(rows: list[Row], crs: CRS | None, name: str) -> str | None:
    """Transform every geometry to EPSG:4326 lon/lat in place; return the source CRS as text."""
    if crs is None:
        return None
    text = crs.to_string()
    if crs.to_epsg() == 4326 or crs.equals(CRS.from_user_input("OGC:CRS84")):
        return text
    try:
        transformer = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    except CRSError as e:
        _fail(name, f"cannot transform from {text} to longitude/latitude: {_short(e)}")

    def project(xy: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    geometries = np.array([row.geometry for row in rows], dtype=object)
    if len(geometries):
        transformed = shapely.transform(geometries, project)
        for row, geometry in zip(rows, transformed, strict=True):
            row.geometry = geometry
    return text


def _check_lonlat(
    rows: list[Row],
    name: str,
    label: str,
    problems: list[Problem],
    *,
    declared: bool,
    no_prj: bool = False,
) -> None:
    """Catch coordinates that are not lon/lat, file-wide (an undeclared CRS) or per feature."""
    located = [row for row in rows if row.geometry is not None]
    if not located:
        return
    bounds = shapely.bounds(np.array([row.geometry for row in located], dtype=object))
    bad: list[tuple[Row, Sequence[float]]] = []
    for row, (minx, miny, maxx, maxy) in zip(located, bounds, strict=True):
        finite = all(math.isfinite(v) for v in (minx, miny, maxx, maxy))
        if not finite or minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
            bad.append((row, (minx, miny, maxx, maxy)))
    if not bad:
        return
    all_swapped = all(_box_swapped(b) for _, b in bad)
    if len(bad) == len(located) and not declared:
        if all_swapped:
            box = bad[0][1]
            hint = _swap_hint((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
            _fail(name, "coordinates are in latitude, longitude order", hint=hint)
        file_hint = (
            "the .prj file is missing: give all parts of the shapefile (.shp .shx .dbf .prj)"
            if no_prj
            else "the file seems to use a projected CRS (平面直角座標系?) without declaring it; "
            "save it as EPSG:4326 (WGS84)"
        )
        _fail(name, "coordinates are not longitude/latitude", hint=file_hint)
    for row, box in bad:
        hint = (
            _swap_hint((box[0] + box[2]) / 2, (box[1] + box[3]) / 2) if _box_swapped(box) else None
        )
        problems.append(
            Problem(
                name,
                "coordinates are not longitude/latitude",
                row=row.number,
                row_label=label,
                field="geometry",
                value=", ".join(f"{v:g}" for v in box[:2]),
                hint=hint,
            )
        )
        row.geometry = None


def _swap_hint(lon: float, lat: float) -> str | None:
    """The Japanese hint when exchanging the two would give a point in Japan (or at least valid)."""
    if swapped(lon, lat):
        return SWAPPED_HINT
    if math.isfinite(lon) and math.isfinite(lat) and abs(lon) <= 90 and abs(lat) <= 180:
        return "latitude and longitude may be swapped: 緯度と経度が逆かもしれません"
    return None


def _box_swapped(box: Sequence[float]) -> bool:
    minx, miny, maxx, maxy = box
    return (
        all(math.isfinite(v) for v in box)
        and -90 <= minx <= maxx <= 90
        and (-180 <= miny <= maxy <= 180)
    )


# --- KML / KMZ -------------------------------------------------------------------------------

_KML_OWN_KEYS = ("name", "description", "folder", "folder_path", "kml_id", "style_url")
_KML_NAMESPACES = {"http://www.opengis.net/kml/2.2", "http://www.opengis.net/kml/2.3"}
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


class _CoordinateError(ValueError):
    """A KML coordinate string that cannot be read; carries the offending text."""

    def __init__(self, reason: str, value: str | None = None, hint: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.value = value
        self.hint = hint


def _kml_tag(tag: object) -> str | None:
    """Local name of a KML element; None for other namespaces (gx:, atom:, xal:) and comments."""
    if not isinstance(tag, str):
        return None
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        if namespace in _KML_NAMESPACES or namespace.startswith("http://earth.google.com/kml/"):
            return local
        return None
    return tag


def _children(element: Any, tag: str) -> list[Any]:
    return [child for child in element if _kml_tag(child.tag) == tag]


def _child_text(element: Any, tag: str) -> str | None:
    found = _children(element, tag)
    return found[0].text if found and found[0].text is not None else None


def _parse_xml(data: bytes, name: str) -> Any:
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        return fromstring(data)
    except DefusedXmlException:
        _fail(name, "the KML declares XML entities or a DTD, which are refused for safety")
    except ParseError as e:
        _fail(name, f"not valid XML: {e}", hint="the file may be cut off or not KML")
    except ValueError:  # expat cannot read multi-byte encodings such as Shift_JIS itself
        match = _XML_ENCODING.match(data)
        try:
            text = data.decode(match.group(1).decode("ascii") if match else "utf-8")
        except (LookupError, UnicodeDecodeError):
            _fail(name, "cannot decode the KML text", hint="UTF-8 で保存してください")
        text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
        try:
            return fromstring(text)
        except DefusedXmlException:
            _fail(name, "the KML declares XML entities or a DTD, which are refused for safety")
        except ParseError as e:
            _fail(name, f"not valid XML: {e}")


def _read_kml(data: bytes, name: str) -> FeatureSource:
    root = _parse_xml(data, name)
    label = "placemark"
    rows: list[Row] = []
    problems: list[Problem] = []
    extra_columns: dict[str, None] = {}

    def placemark(element: Any, folders: list[str | None]) -> None:
        number = len(rows) + 1
        props: dict[str, Any] = {
            "name": _strip_or_none(_child_text(element, "name")),
            "description": _child_text(element, "description") or None,
        }
        for extended in _children(element, "ExtendedData"):
            for data_el in _children(extended, "Data"):
                key = _clean_key(data_el.get("name"))
                if key:
                    key = _free_key(props, key, _KML_OWN_KEYS)
                    props[key] = _child_text(data_el, "value")
                    extra_columns[key] = None
            for schema_data in _children(extended, "SchemaData"):
                for simple in _children(schema_data, "SimpleData"):
                    key = _clean_key(simple.get("name"))
                    if key:
                        key = _free_key(props, key, _KML_OWN_KEYS)
                        props[key] = simple.text
                        extra_columns[key] = None
        named = [f for f in folders if f]
        props["folder"] = folders[-1] if folders else None
        props["folder_path"] = " / ".join(named) if named else None
        if element.get("id"):
            props["kml_id"] = element.get("id")
        props["style_url"] = _strip_or_none(_child_text(element, "styleUrl"))
        geometry: BaseGeometry | None = None
        try:
            parts = [g for child in element if (g := _kml_geometry(child)) is not None]
            geometry = _combine(parts) if parts else None
        except _CoordinateError as e:
            problems.append(
                Problem(
                    name,
                    e.reason,
                    row=number,
                    row_label=label,
                    field="coordinates",
                    value=_clip(e.value),
                    hint=e.hint,
                )
            )
        rows.append(Row(number, props, geometry))

    def walk(element: Any, folders: list[str | None]) -> None:
        for child in element:
            tag = _kml_tag(child.tag)
            if tag == "Placemark":
                placemark(child, folders)
            elif tag == "Folder":
                walk(child, [*folders, _strip_or_none(_child_text(child, "name"))])
            elif tag in ("Document", "kml"):
                walk(child, folders)

    root_tag = _kml_tag(root.tag)
    if root_tag == "Placemark":
        placemark(root, [])
    elif root_tag in ("kml", "Document", "Folder"):
        walk(root, [_strip_or_none(_child_text(root, "name"))] if root_tag == "Folder" else [])
    else:
        _fail(name, f"not KML: the root element is <{root.tag}>", hint="expected <kml>")

    base = ["name", "description"]
    tail = ["folder", "folder_path", "kml_id", "style_url"]
    if not any("kml_id" in row.props for row in rows):
        tail.remove("kml_id")
    columns = base + [c for c in extra_columns if c not in base and c not in tail] + tail
    return FeatureSource(
        path=Path(name),
        name=name,
        format="kml",
        row_label=label,
        columns=columns,
        rows=rows,
        encoding=None,
        problems=problems,
        source_crs=None,
    )


def _kml_coordinates(element: Any) -> list[tuple[float, float]]:
    """'lon,lat[,alt] lon,lat[,alt] …'; altitude dropped; spaces after commas tolerated."""
    text = _child_text(element, "coordinates")
    if text is None or not text.strip():
        raise _CoordinateError("geometry without coordinates", text)
    cleaned = re.sub(r"\s*,\s*", ",", unicodedata.normalize("NFKC", text).strip())
    points: list[tuple[float, float]] = []
    for chunk in cleaned.split():
        parts = chunk.split(",")
        try:
            lon, lat = float(parts[0]), float(parts[1])
        except (ValueError, IndexError):
            raise _CoordinateError("unreadable coordinate (expected 'lon,lat')", chunk) from None
        if not (math.isfinite(lon) and math.isfinite(lat)) or abs(lat) > 90 or abs(lon) > 180:
            hint = _swap_hint(lon, lat)
            raise _CoordinateError("coordinate out of range (KML order is lon,lat)", chunk, hint)
        points.append((lon, lat))
    return points


def _kml_geometry(element: Any) -> BaseGeometry | None:
    tag = _kml_tag(element.tag)
    try:
        if tag == "Point":
            return Point(_kml_coordinates(element)[0])
        if tag in ("LineString", "LinearRing"):
            coords = _kml_coordinates(element)
            return LineString(coords) if len(coords) >= 2 else Point(coords[0])
        if tag == "Polygon":
            outer = [r for b in _children(element, "outerBoundaryIs") for r in b]
            inner = [r for b in _children(element, "innerBoundaryIs") for r in b]
            rings = [_kml_coordinates(r) for r in outer if _kml_tag(r.tag) == "LinearRing"]
            if not rings:
                raise _CoordinateError("polygon without an outer boundary")
            holes = [_kml_coordinates(r) for r in inner if _kml_tag(r.tag) == "LinearRing"]
            return Polygon(rings[0], holes)
    except _CoordinateError:
        raise
    except (ValueError, GEOSException) as e:
        raise _CoordinateError(f"unreadable {tag}: {_short(e)}") from None
    if tag == "MultiGeometry":
        parts = [g for child in element if (g := _kml_geometry(child)) is not None]
        return _combine(parts) if parts else None
    return None  # Model, gx:Track and the like carry no usable geometry here


def _combine(parts: list[BaseGeometry]) -> BaseGeometry:
    flat: list[BaseGeometry] = []
    for part in parts:
        flat.extend(getattr(part, "geoms", [part]))
    if len(flat) == 1:
        return flat[0]
    kinds = {g.geom_type for g in flat}
    if kinds == {"Point"}:
        return MultiPoint(flat)
    if kinds == {"LineString"}:
        return MultiLineString(flat)
    if kinds == {"Polygon"}:
        return MultiPolygon(flat)
    return GeometryCollection(flat)


# --- CSV / XLSX ------------------------------------------------------------------------------


def _decode_text(data: bytes, name: str) -> tuple[str, str]:
    """Decode a text table: BOM first, then UTF-8, then CP932 (Shift_JIS as Excel writes it)."""
    if data.startswith(codecs.BOM_UTF8):
        candidates: tuple[str, ...] = ("utf-8-sig",)
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ("utf-16",)  # Excel's "Unicode text"
    else:
        candidates = ("utf-8", "cp932", "euc_jp")
    for encoding in candidates:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    _fail(
        name,
        "cannot decode the text: it is neither UTF-8 nor Shift_JIS (CP932)",
        hint="UTF-8 で保存してください",
    )


def _sniff_delimiter(text: str) -> str:
    """Comma, tab or semicolon: whichever the first lines use most (a title line may have none)."""
    lines = [line for line in text.splitlines()[:200] if line.strip()][:20]
    counts = {d: sum(line.count(d) for line in lines) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_csv(data: bytes, name: str, opts: _Options) -> FeatureSource:
    text, encoding = _decode_text(data, name)
    if not text.strip():
        _fail(name, "file is empty", hint="ファイルが空です")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text))
    lines: list[tuple[int, list[Any]]] = []
    previous_end = 0
    try:
        for cells in reader:
            lines.append((previous_end + 1, list(cells)))  # the line the record starts on
            previous_end = reader.line_num
    except csv.Error as e:
        _fail(name, f"unreadable CSV at line {reader.line_num}: {e}")
    return _table_source(name, "csv", lines, opts, encoding=encoding, strict_width=True)


def _read_xlsx(local: Path, name: str, opts: _Options) -> FeatureSource:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(local, read_only=True, data_only=True)
    except Exception as e:  # BadZipFile, KeyError, InvalidFileException ... for non-xlsx files
        _fail(
            name,
            f"not a readable .xlsx file: {_short(e)}",
            hint="Excel で .xlsx として保存し直してください",
        )
    try:
        sheets = workbook.worksheets
        if not sheets:
            _fail(name, "the workbook has no worksheets")
        sheet = sheets[0]
        if opts.layer is not None:
            matches = [s for s in sheets if s.title == opts.layer] or [
                s for s in sheets if s.title.casefold() == opts.layer.strip().casefold()
            ]
            if not matches:
                _fail(
                    name,
                    f"no sheet '{opts.layer}' in the workbook",
                    hint="sheets: " + ", ".join(s.title for s in sheets),
                )
            sheet = matches[0]
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()  # a wrong <dimension> would otherwise cut columns off
        lines = [
            (number, [_xlsx_value(v) for v in values])
            for number, values in enumerate(sheet.iter_rows(values_only=True), 1)
        ]
    except InputError:
        raise
    except Exception as e:  # corrupt sheet XML
        _fail(name, f"cannot read the workbook: {_short(e)}")
    finally:
        workbook.close()
    return _table_source(name, "xlsx", lines, opts, encoding=None, strict_width=False)


def _xlsx_value(value: Any) -> Any:
    """Dates to ISO text (a date-only cell without 'T00:00:00'); blank text to None."""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


_COMMA_HINT = 'a value may contain an unquoted comma: カンマを含む値は "…" で囲んでください'
_DECIMAL = re.compile(r"^[+-]?\d+\.\d+$")


def _looks_like_data(cells: list[Any]) -> bool:
    """A first line of numbers (or with a decimal such as 34.34) is data, not column names."""
    filled = [c for c in cells if not _is_blank(c)]
    if not filled:
        return True
    texts = [unicodedata.normalize("NFKC", str(c)).strip() for c in filled]
    if any(_DECIMAL.match(t) for t in texts) or any(isinstance(c, float) for c in filled):
        return True
    return all(
        isinstance(c, int | float) or _is_number(t) for c, t in zip(filled, texts, strict=True)
    )


def _is_label_line(cells: list[Any]) -> bool:
    """A line of column labels: some text, and not one cell that is a number."""
    filled = [c for c in cells if not _is_blank(c)]
    if not filled:
        return False
    for cell in filled:
        if isinstance(cell, int | float):
            return False
        if _is_number(unicodedata.normalize("NFKC", str(cell)).strip().replace(",", "")):
            return False
    return True


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _header_index(lines: list[tuple[int, list[Any]]]) -> int:
    """Skip one-cell title lines above the header, as Japanese spreadsheets often have."""

    def filled(cells: list[Any]) -> int:
        return sum(not _is_blank(c) for c in cells)

    head = lines[:20]
    if head and filled(head[0][1]) == 1 and any(filled(cells) >= 2 for _, cells in head):
        for index, (_, cells) in enumerate(head):
            if filled(cells) >= 2:
                return index
    return 0


def _table_source(
    name: str,
    fmt: str,
    all_lines: list[tuple[int, list[Any]]],
    opts: _Options,
    *,
    encoding: str | None,
    strict_width: bool,
) -> FeatureSource:
    lines = [(n, cells) for n, cells in all_lines if any(not _is_blank(c) for c in cells)]
    if not lines:
        what = "sheet" if fmt == "xlsx" else "file"
        _fail(
            name,
            f"the {what} has no header line",
            hint="1行目に列名 (name, latitude, longitude …) を入れてください",
        )
    start = _header_index(lines)
    header_number, header_cells = lines[start]
    while header_cells and _is_blank(header_cells[-1]):
        header_cells = header_cells[:-1]
    if _looks_like_data(header_cells):
        _fail(
            name,
            f"no header: line {header_number} looks like data, not column names",
            hint="1行目に列名 (name, latitude, longitude …) を入れてください",
        )
    columns = _unique_keys([None if _is_blank(c) else str(c) for c in header_cells])
    spec = _geometry_spec(columns, opts, name)
    problems: list[Problem] = []
    rows: list[Row] = []
    width = len(columns)
    labels: dict[str, str] = {}
    body = lines[start + 1 :]
    if opts.label_line and body and _is_label_line(body[0][1][:width]):
        labels = {
            column: _clean_key(cell)
            for column, cell in zip(columns, body[0][1], strict=False)
            if not _is_blank(cell)
        }
        body = body[1:]
    for number, cells in body:
        values = [None if _is_blank(c) else c for c in cells]
        extra = [v for v in values[width:] if v is not None]
        if extra and strict_width:
            problems.append(
                Problem(
                    name,
                    f"{width + len(values[width:])} values but the header has {width} columns",
                    row=number,
                    row_label="row",
                    value=_clip(", ".join(str(v) for v in extra)),
                    hint=_COMMA_HINT,
                )
            )
        values = (values + [None] * width)[:width]
        props = dict(zip(columns, values, strict=True))
        geometry = _row_geometry(spec, props, number, name, problems) if spec else None
        rows.append(Row(number, props, geometry))
    return FeatureSource(
        path=Path(name),
        name=name,
        format=fmt,
        row_label="row",
        columns=columns,
        rows=rows,
        encoding=encoding,
        problems=problems,
        geometry_columns=spec.columns if spec else [],
        source_crs=None,
        labels=labels,
    )


# --- geometry from table columns -------------------------------------------------------------


@dataclass
class _GeometrySpec:
    kind: str  # "pair" | "combined" | "wkt"
    lat: str = ""
    lon: str = ""
    column: str = ""

    @property
    def columns(self) -> list[str]:
        return [self.lat, self.lon] if self.kind == "pair" else [self.column]


_LAT_NAMES = ("latitude", "lat", "緯度", "ido")
_LON_NAMES = ("longitude", "lon", "lng", "long", "経度", "keido")
_COMBINED_NAMES = {
    "location",
    "位置",
    "座標",
    "coordinates",
    "coordinate",
    "coords",
    "latlon",
    "latlng",
    "latlong",
    "緯度経度",
    "位置情報",
    "座標値",
}
# not "shape": ArcGIS table exports have a Shape column that only says "Point"
_WKT_NAMES = {"geometry", "wkt", "geom", "thegeom", "wktgeom", "geometrywkt"}


def _norm(column: str) -> str:
    """Column name folded for matching: NFKC, lower case, no (…) suffix, no spaces or _-・/,."""
    text = unicodedata.normalize("NFKC", column).lower().strip()
    bare = re.sub(r"[(\[].*?[)\]]", "", text)
    return re.sub(r"[\s_\-・/,.]+", "", bare or text)


def _preference(column: str) -> int:
    """Prefer WGS84/JGD columns; avoid the old Tokyo datum (日本測地系) when both are present."""
    text = unicodedata.normalize("NFKC", column).lower()
    if any(k in text for k in ("世界", "wgs", "jgd", "10進", "十進")):
        return 0
    if any(k in text for k in ("日本測地", "tokyo", "旧")):
        return 2
    return 1


def _find_column(columns: list[str], wanted: str, name: str) -> str:
    for column in columns:
        if column == wanted:
            return column
    for column in columns:
        if _norm(column) == _norm(wanted) or column.strip().casefold() == wanted.strip().casefold():
            return column
    # A column the caller named is missing: the call is wrong, not the file (exit 2, not 1).
    raise UsageError(f"{name}: no column named '{wanted}'; the file has: {', '.join(columns)}")


def _geometry_spec(columns: list[str], opts: _Options, name: str) -> _GeometrySpec | None:
    if opts.lat_field is not None and opts.lon_field is not None:
        lat = _find_column(columns, opts.lat_field, name)
        lon = _find_column(columns, opts.lon_field, name)
        if lat == lon:
            return _GeometrySpec("combined", column=lat)
        return _GeometrySpec("pair", lat=lat, lon=lon)
    normed = [(c, _norm(c)) for c in columns]

    def best(matches: list[str]) -> str:
        return min(matches, key=_preference) if matches else ""

    for lat_name in _LAT_NAMES[:2]:  # latitude/longitude, lat/lon|lng|long
        lat = best([c for c, n in normed if n == lat_name])
        lon = best([c for c, n in normed if n in _LON_NAMES[:4]])
        if lat and lon:
            return _GeometrySpec("pair", lat=lat, lon=lon)
    lat = best([c for c, n in normed if ("緯度" in n and "経度" not in n) or n == "ido"])
    lon = best([c for c, n in normed if ("経度" in n and "緯度" not in n) or n == "keido"])
    if lat and lon:
        return _GeometrySpec("pair", lat=lat, lon=lon)
    combined = best([c for c, n in normed if n in _COMBINED_NAMES])
    if combined:
        return _GeometrySpec("combined", column=combined)
    wkt = next((c for c, n in normed if n in _WKT_NAMES), None)
    if wkt:
        return _GeometrySpec("wkt", column=wkt)
    y = next((c for c, n in normed if n in ("y", "pointy")), None)  # POINT_Y: ArcGIS "Add XY"
    x = next((c for c, n in normed if n in ("x", "pointx")), None)
    if y and x:
        return _GeometrySpec("pair", lat=y, lon=x)
    return None


_DMS = re.compile(
    r"^(?P<pre>[NSEW]|北緯|南緯|東経|西経)?\s*(?P<d>\d+(?:\.\d+)?)\s*(?:°|度|:|\s)\s*"
    r"(?:(?P<m>\d+(?:\.\d+)?)\s*(?:'|′|分|:|\s)?\s*)?"
    r"(?:(?P<s>\d+(?:\.\d+)?)\s*(?:\"|″|′′|''|秒)?\s*)?(?P<post>[NSEW])?$",
    re.IGNORECASE,
)


def _degrees(value: Any) -> float | None:
    """A coordinate cell in degrees: numbers, full-width digits, 34°20′51″N, 北緯34度20分51秒."""
    if _is_blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError("not a number")
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip()
        text = text.replace("\u2212", "-").replace("\u2010", "-")
        try:
            number = float(text)
        except ValueError:
            try:
                number = _dms(text)
            except ValueError:
                number = float(text.replace(" ", ""))  # '134. 05', '- 34.5'; raises if not a number
    if not math.isfinite(number):
        raise ValueError("not a finite number")
    return number


def _dms(text: str) -> float:
    match = _DMS.match(text)
    if not match or (
        match["m"] is None and match["s"] is None and "°" not in text and "度" not in text
    ):
        raise ValueError("not a number")
    minutes = float(match["m"] or 0)
    seconds = float(match["s"] or 0)
    if minutes >= 60 or seconds >= 60:
        raise ValueError("minutes or seconds of 60 or more")
    number = float(match["d"]) + minutes / 60 + seconds / 3600
    hemisphere = (match["pre"] or match["post"] or "").upper()
    return -number if hemisphere in ("S", "W", "南緯", "西経") else number


def _row_geometry(
    spec: _GeometrySpec, props: dict[str, Any], number: int, name: str, problems: list[Problem]
) -> BaseGeometry | None:
    def problem(column: str, reason: str, hint: str | None = None) -> None:
        problems.append(
            Problem(
                name,
                reason,
                row=number,
                row_label="row",
                field=column,
                value=props.get(column),
                hint=hint,
            )
        )

    if spec.kind == "pair":
        return _pair_geometry(spec.lat, spec.lon, props, problem)
    value = props.get(spec.column)
    if _is_blank(value):
        return None
    if spec.kind == "combined":
        return _combined_geometry(spec.column, value, problem)
    return _wkt_geometry(spec.column, value, problem)


def _pair_geometry(
    lat_col: str, lon_col: str, props: dict[str, Any], problem: Callable[..., None]
) -> BaseGeometry | None:
    lat_raw, lon_raw = props.get(lat_col), props.get(lon_col)
    if _is_blank(lat_raw) and _is_blank(lon_raw):
        return None
    if _is_blank(lat_raw) or _is_blank(lon_raw):
        missing, given = (lat_col, "longitude") if _is_blank(lat_raw) else (lon_col, "latitude")
        what = "latitude" if missing == lat_col else "longitude"
        problem(
            missing, f"{what} is empty while {given} is given", "緯度と経度の両方を入力してください"
        )
        return None
    ok = True
    lat = lon = None
    try:
        lat = _degrees(lat_raw)
    except ValueError:
        problem(
            lat_col, "latitude is not a number", "緯度は 34.3421 のような十進の度で入力してください"
        )
        ok = False
    try:
        lon = _degrees(lon_raw)
    except ValueError:
        problem(
            lon_col,
            "longitude is not a number",
            "経度は 134.0550 のような十進の度で入力してください",
        )
        ok = False
    if not ok or lat is None or lon is None:
        return None
    return _checked_point(lat, lon, lat_col, lon_col, problem)


def _checked_point(
    lat: float, lon: float, lat_col: str, lon_col: str, problem: Callable[..., None]
) -> Point | None:
    if abs(lat) <= 90 and abs(lon) <= 180:
        return Point(lon, lat)
    hint = _swap_hint(lon, lat)
    if abs(lat) > 90:
        problem(lat_col, "latitude out of range -90..90", hint)
    if abs(lon) > 180:
        problem(lon_col, "longitude out of range -180..180", hint)
    return None


def _combined_geometry(
    column: str, value: Any, problem: Callable[..., None]
) -> BaseGeometry | None:
    """'34.342286,134.055021': latitude first, as in the 自治体標準オープンデータセット."""
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if re.match(r"^[A-Za-z]", text) and not re.match(r"^[NSEW]\s*\d", text, re.IGNORECASE):
        return _wkt_geometry(column, value, problem)
    parts = [p for p in re.split(r"[,\s、;]+", text.strip("()[] ")) if p]
    if len(parts) not in (2, 3):
        problem(
            column, "expected 'latitude,longitude'", "「34.3422,134.0550」の形で入力してください"
        )
        return None
    try:
        lat, lon = _degrees(parts[0]), _degrees(parts[1])
    except ValueError:
        problem(
            column,
            "expected 'latitude,longitude' in degrees",
            "「34.3422,134.0550」の形で入力してください",
        )
        return None
    if lat is None or lon is None:
        return None
    return _checked_point(lat, lon, column, column, problem)


def _wkt_geometry(column: str, value: Any, problem: Callable[..., None]) -> BaseGeometry | None:
    """WKT, EWKT ('SRID=6677;POINT(…)'), GeoJSON or hex WKB in one cell."""
    text = str(value).strip()
    srid = None
    match = re.match(r"^SRID=(\d+);(.*)$", text, re.IGNORECASE | re.DOTALL)
    if match:
        srid, text = int(match.group(1)), match.group(2)
    try:
        if text.startswith("{"):
            geometry = shapely.from_geojson(text)
        elif re.fullmatch(r"[0-9A-Fa-f]+", text) and len(text) % 2 == 0:
            geometry = shapely.from_wkb(bytes.fromhex(text))
        else:
            geometry = shapely.from_wkt(text)
    except Exception as e:  # shapely.errors.GEOSException and friends
        problem(
            column,
            f"unreadable geometry: {_short(e)}",
            "WKT (POINT (134.05 34.34)) で入力してください",
        )
        return None
    if geometry is None or geometry.is_empty:
        return None
    if srid is not None and srid != 4326:
        try:
            transformer = Transformer.from_crs(f"EPSG:{srid}", "EPSG:4326", always_xy=True)
        except CRSError:
            problem(column, f"unknown SRID {srid}")
            return None
        geometry = shapely.transform(
            geometry, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
        )
    geometry = shapely.force_2d(geometry)
    minx, miny, maxx, maxy = geometry.bounds
    if not all(math.isfinite(v) for v in (minx, miny, maxx, maxy)) or (
        minx < -180 or maxx > 180 or miny < -90 or maxy > 90
    ):
        box = (minx, miny, maxx, maxy)
        hint = _swap_hint((minx + maxx) / 2, (miny + maxy) / 2) if _box_swapped(box) else None
        problem(column, "coordinates are not longitude/latitude (WKT order is lon lat)", hint)
        return None
    return geometry


# --- small helpers ---------------------------------------------------------------------------


def _fail(name: str, reason: str, hint: str | None = None) -> NoReturn:
    raise InputError([Problem(file=name, reason=reason, hint=hint)])


_KEY_STRIP = " \t\r\n\u3000\ufeff\"'“”‘’"


def _clean_key(key: Any) -> str:
    """Column name without surrounding whitespace, BOM or quotes ('#property' keeps its '#')."""
    if key is None:
        return ""
    return str(key).strip(_KEY_STRIP)


def _unique_keys(raw: Sequence[Any]) -> list[str]:
    """Clean names; name blank ones column_N and number repeats name_2, so no value is lost."""
    keys: list[str] = []
    seen: set[str] = set()
    for index, value in enumerate(raw, 1):
        key = _clean_key(value) or f"column_{index}"
        candidate, n = key, 1
        while candidate in seen:
            n += 1
            candidate = f"{key}_{n}"
        seen.add(candidate)
        keys.append(candidate)
    return keys


def _clean_props(raw: dict[Any, Any]) -> dict[str, Any]:
    keys = _unique_keys(list(raw))
    return dict(zip(keys, raw.values(), strict=True))


def _free_key(props: dict[str, Any], key: str, reserved: Iterable[str] = ()) -> str:
    """`key`, or key_2, key_3 … when it is taken, so a value never overwrites another."""
    taken = set(props) | set(reserved)
    candidate, n = key, 1
    while candidate in taken:
        n += 1
        candidate = f"{key}_{n}"
    return candidate


def _strip_or_none(text: str | None) -> str | None:
    if text is None:
        return None
    return text.strip() or None


def _clip(value: Any, limit: int = 120) -> Any:
    if isinstance(value, str) and len(value) > limit:
        return value[: limit - 1] + "…"
    return value


def _short(error: BaseException) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return _clip(text, 200)
