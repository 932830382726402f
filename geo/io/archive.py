"""Compressed inputs: a zipped shapefile (or other file), a KMZ, and any .gz of a readable format.

Cities mail shapefiles as zips made on Windows (CP932 member names, __MACOSX debris, several
files in one archive); the member to read is chosen here and handed to its format's reader.
Archives that would unpack to more than 2 GB are refused before anything is written.
"""

from __future__ import annotations

import gzip
import tempfile
import zipfile
import zlib
from pathlib import Path

from geo.io._dispatch import IN_MEMORY, read_data, read_local
from geo.io._files import file_kind
from geo.io._problems import fail
from geo.io.source import FeatureSource, ReadOptions

_SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
_MAX_UNPACKED = 2 * 1024**3  # refuse archives that unpack to more than this (zip bombs)
_ZIP_ORDER = ("shapefile", "gpkg", "geojson", "kml", "csv", "xlsx")  # first kind found is read

Member = tuple[zipfile.ZipInfo, str]  # an archive entry and its decoded name


def read_gzip(local: Path, name: str, inner: str, opts: ReadOptions) -> FeatureSource:
    """Unpack a .gz: GeoJSON/KML/CSV are read from memory, a GeoPackage via a temp file."""
    try:
        with gzip.open(local, "rb") as fh:
            data = fh.read(_MAX_UNPACKED + 1)
    except (OSError, EOFError) as e:
        fail(name, f"not a readable gzip file: {e}")
    if len(data) > _MAX_UNPACKED:
        fail(name, "the compressed file unpacks to more than 2 GB")
    if not data:
        fail(name, "file is empty", hint="ファイルが空です")
    if inner in IN_MEMORY:
        return read_data(inner, data, name, opts)
    with tempfile.TemporaryDirectory(prefix="tsudoi-read-") as tmp:
        target = Path(tmp) / "data.gpkg"
        target.write_bytes(data)
        return read_local("gpkg", target, name, opts)


def read_zip(local: Path, name: str, opts: ReadOptions, *, kmz: bool) -> FeatureSource:
    """The one readable file in a zip (or the KML of a KMZ); ``opts.layer`` picks among several."""
    try:
        archive = zipfile.ZipFile(local)
    except (zipfile.BadZipFile, OSError) as e:
        fail(name, f"not a readable {'KMZ' if kmz else 'zip'} file: {e}")
    with archive:
        members = [
            (i, _zip_member_name(i))
            for i in archive.infolist()
            if not i.is_dir()
            and not _zip_member_name(i).startswith("__MACOSX/")
            and not Path(_zip_member_name(i)).name.startswith("._")
        ]
        kind, candidates = _kind_to_read(name, members, kmz=kmz)
        info, member = _pick_member(name, kind, candidates, opts.layer, kmz=kmz)
        if kind == "shapefile":
            stem = member[:-4].lower()
            parts = [(i, m) for i, m in members if m[:-4].lower() == stem]
            parts = [(i, m) for i, m in parts if m[-4:].lower() in _SHAPEFILE_PARTS]
        else:
            parts = [(info, member)]
        if sum(i.file_size for i, _ in parts) > _MAX_UNPACKED:
            fail(name, "the archive unpacks to more than 2 GB")
        try:
            return _read_member(archive, name, kind, parts, (info, member), opts)
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as e:
            fail(name, f"cannot unpack {member} from the archive: {e}")


def _kind_to_read(name: str, members: list[Member], *, kmz: bool) -> tuple[str, list[Member]]:
    """The first kind in order of preference the archive holds, and its members of that kind."""
    by_kind: dict[str, list[Member]] = {}
    for info, member in members:
        kind = file_kind(member)
        if kind is not None:
            by_kind.setdefault(kind, []).append((info, member))
    order = ("kml",) if kmz else _ZIP_ORDER
    chosen = next((k for k in order if k in by_kind), None)
    if chosen is None:
        listed = ", ".join(m for _, m in members[:10]) or "nothing"
        wanted = ".kml file" if kmz else ".shp (nor any other supported file)"
        fail(name, f"the archive holds no {wanted}", hint=f"it holds: {listed}")
    return chosen, by_kind[chosen]


def _read_member(
    archive: zipfile.ZipFile,
    name: str,
    kind: str,
    parts: list[Member],
    chosen: Member,
    opts: ReadOptions,
) -> FeatureSource:
    """Read the chosen member: text formats from memory, the others unpacked to a temp folder."""
    info, member = chosen
    if kind in IN_MEMORY:
        data = archive.read(info)
        if not data:
            fail(name, f"{member} in the archive is empty")
        return read_data(kind, data, name, opts)
    with tempfile.TemporaryDirectory(prefix="tsudoi-read-") as tmp:
        target = Path(tmp) / f"data{Path(member).suffix.lower()}"
        for part, part_name in parts:
            dest = Path(tmp) / f"data{Path(part_name).suffix.lower()}"
            dest.write_bytes(archive.read(part))
        return read_local(kind, target, name, opts, member=member)


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


def _pick_member(
    name: str,
    kind: str,
    candidates: list[Member],
    layer: str | None,
    *,
    kmz: bool,
) -> Member:
    """Which of several files of the chosen kind to read."""
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
        fail(
            name,
            f"no file '{layer}' in the archive",
            hint="files: " + ", ".join(sorted(Path(m).stem for _, m in candidates)),
        )
    stems = ", ".join(sorted(Path(m).stem for _, m in candidates))
    fail(
        name,
        f"the archive holds {len(candidates)} {kind} files; choose one with layer",
        hint=f"ファイルを選んでください (layer): {stems}",
    )
