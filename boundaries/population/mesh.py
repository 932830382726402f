"""e-Stat 地域メッシュ統計 files: each row a JIS X 0410 cell, its polygon computed from its code.

An e-Stat file covers a whole first mesh (80 km), so cells that do not touch the city are
skipped and counted. Secret cells (``*``, 秘匿) count 0: e-Stat adds their people to the cell
named in HTKSAKI, so totals stay right.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import shapely
from shapely.geometry import Polygon
from shapely.ops import unary_union

from boundaries.population.common import PopulationFile
from boundaries.population.counts import Counted, count_row
from geo.ingest.extent import OUTLINE_TOLERANCE_M
from geo.ingest.ids import population_id
from geo.japan import mesh
from geo.japan.crs import project_geometry
from geo.japan.municipalities import get_city, outline
from geo.model import PopulationCell
from geo.store.base import Store
from geo.text import clean

MESH_CODE_FIELDS = (
    "KEY_CODE", "メッシュコード", "地域メッシュコード", "mesh_code", "meshcode", "mesh",
)  # fmt: skip


def mesh_cells(file: PopulationFile, code_col: str) -> list[PopulationCell]:
    """The file's cells that touch the city; none when any row has a problem (in the batch)."""
    batch, opts = file.batch, file.opts
    found = _read_rows(file, code_col)
    main = _one_level(file, code_col, found)
    batch.refuse_repeats(code_col, [(n, m.code) for n, m, _ in found])
    if batch.problems:
        return []
    if not found:
        batch.refuse(None, "no rows")
        return []
    touches = _touch_city(file.store, opts.city, [m.polygon for _, m, _ in found])
    kept = [f for f, t in zip(found, touches, strict=True) if t]
    if not kept:
        firsts = ", ".join(sorted({m.code[:4] for _, m, _ in found}))
        batch.refuse(
            None, f"none of the {len(found):,} mesh cells lies in the city {opts.city}",
            hint=f"check --city: the file covers first mesh {firsts}",
        )  # fmt: skip
        return []
    _note(file, main, len(found), kept)
    cells = [
        (n, PopulationCell(
            id=population_id(opts.city, "mesh", m.code, m.code), city=opts.city, kind="mesh",
            code=m.code, total=c.total, age65=c.age65, age75=c.age75, geometry=m.polygon,
            year=opts.year, source=file.src.name,
        ))
        for n, m, c in kept
    ]  # fmt: skip
    return [cell for n, cell in cells if batch.storable(n, cell)]


def _read_rows(file: PopulationFile, code_col: str) -> list[tuple[int, mesh.Mesh, Counted]]:
    """Each row's cell and counts, with its row number."""
    batch = file.batch
    found: list[tuple[int, mesh.Mesh, Counted]] = []
    for row in file.src.rows:
        raw = row.props.get(code_col)
        if clean(raw) is None:
            batch.refuse(row.number, "empty mesh code", field=code_col)
            continue
        try:
            cell = mesh.parse(raw)
        except mesh.MeshCodeError as exc:
            batch.refuse(row.number, str(exc), field=code_col, value=raw)
            continue
        counted = count_row(batch, row.number, row.props, file.counts)
        if counted is not None:
            found.append((row.number, cell, counted))
    return found


def _one_level(
    file: PopulationFile, code_col: str, found: list[tuple[int, mesh.Mesh, Counted]]
) -> str:
    """The file's mesh level (that of most rows); a row of another would count people twice."""
    levels = Counter(m.level for _, m, _ in found)
    main = levels.most_common(1)[0][0] if levels else "3"
    for number, m, _ in found:
        if m.level != main:
            file.batch.refuse(
                number, f"a {_LEVEL_WORDS[m.level]} cell among {_LEVEL_WORDS[main]} cells",
                field=code_col, value=m.code,
                hint="one file, one mesh level: cells of two levels would count people twice",
            )  # fmt: skip
    return main


def _note(
    file: PopulationFile, main: str, read: int, kept: list[tuple[int, mesh.Mesh, Counted]]
) -> None:
    """What the report says of a mesh file: its level, cells skipped, secret cells, no year."""
    notes = file.report.notes
    notes.insert(0, f"e-Stat mesh file: {_LEVEL_WORDS[main]} cells")
    if len(kept) < read:
        notes.append(
            f"{read - len(kept):,} cells away from the city were skipped (an e-Stat "
            "file covers a whole first mesh)"
        )
    secret = sum(1 for _, _, c in kept if c.secret)
    if secret:
        notes.append(
            f"{secret:,} cells are secret (秘匿, *) and count 0: e-Stat adds their people to "
            "the neighbouring cell named in HTKSAKI"
        )
    if file.opts.year is None:
        notes.append("the file gives no survey year: --year records it")


def _touch_city(store: Store, city: str, polygons: list[Polygon]) -> np.ndarray:
    """Which cells touch the city: its imported areas when it has any (exact), else the bundled
    simplified outline widened by 2 km (in the city's plane metres, as for places)."""
    areas = store.areas(city)
    if areas:
        union = unary_union([a.geometry for a in areas])
        shapely.prepare(union)
        return np.asarray(shapely.intersects(union, polygons))
    epsg = get_city(city).crs_epsg
    plane = project_geometry(outline(city), epsg)
    shapely.prepare(plane)
    cells = project_geometry(np.asarray(polygons, dtype=object), epsg)
    return np.asarray(shapely.dwithin(plane, cells, OUTLINE_TOLERANCE_M))


_LEVEL_WORDS = {
    "1": "1st mesh", "2": "2nd mesh", "3": "3rd mesh (1 km)", "1/2": "1/2 mesh (500 m)",
    "1/4": "1/4 mesh (250 m)", "1/8": "1/8 mesh (125 m)",
}  # fmt: skip
