"""The e-Stat 地域メッシュ統計 CSV layout (2020 census, T001102), as a demo pack writes it.

Why apart from the city: the layout (codes and labels, Shift_JIS, CRLF, ``*`` for secret cells
and ``-`` for none, HTKSYORI/HTKSAKI/GASSAN for cells merged into a neighbour) is e-Stat's, not
宇部市's; a city module only decides how many people each cell holds.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from geo.japan import mesh

SECRET_BELOW = 10  # e-Stat hides cells with very few people (秘匿) and adds them to a neighbour

# The columns of e-Stat's 2020 census mesh table (国勢調査 人口及び世帯, T001102), as downloaded.
ESTAT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("T001102001", "人口（総数）"), ("T001102002", "人口（総数）　男"),
    ("T001102003", "人口（総数）　女"), ("T001102004", "０～１４歳人口　総数"),
    ("T001102005", "０～１４歳人口　男"), ("T001102006", "０～１４歳人口　女"),
    ("T001102007", "１５歳以上人口　総数"), ("T001102008", "１５歳以上人口　男"),
    ("T001102009", "１５歳以上人口　女"), ("T001102010", "１５～６４歳人口　総数"),
    ("T001102011", "１５～６４歳人口　男"), ("T001102012", "１５～６４歳人口　女"),
    ("T001102013", "２０歳以上人口　総数"), ("T001102014", "２０歳以上人口　男"),
    ("T001102015", "２０歳以上人口　女"), ("T001102016", "６５歳以上人口　総数"),
    ("T001102017", "６５歳以上人口　男"), ("T001102018", "６５歳以上人口　女"),
    ("T001102019", "７５歳以上人口　総数"), ("T001102020", "７５歳以上人口　男"),
    ("T001102021", "７５歳以上人口　女"), ("T001102022", "８５歳以上人口　総数"),
    ("T001102023", "８５歳以上人口　男"), ("T001102024", "８５歳以上人口　女"),
    ("T001102025", "９５歳以上人口　総数"), ("T001102026", "９５歳以上人口　男"),
    ("T001102027", "９５歳以上人口　女"), ("T001102028", "外国人人口　総数"),
    ("T001102029", "外国人人口　男"), ("T001102030", "外国人人口　女"),
    ("T001102031", "世帯総数"), ("T001102032", "一般世帯数"),
    ("T001102033", "１人世帯数　一般世帯数"), ("T001102034", "２人世帯数　一般世帯数"),
)  # fmt: skip
# disjoint age groups; the table's columns are sums of them
GROUPS = ("0-14", "15-19", "20-64", "65-74", "75-84", "85-94", "95+")


@dataclass
class MeshCell:
    code: str
    street_m: float
    groups: dict[str, tuple[int, int]] = field(default_factory=dict)  # group -> (men, women)
    foreign: tuple[int, int] = (0, 0)
    households: tuple[int, int, int, int] = (0, 0, 0, 0)  # all, general, 1-person, 2-person
    secret: bool = False
    merged_into: str | None = None
    merged_from: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(m + f for m, f in self.groups.values())


def merge_secret_cells(cells: list[MeshCell]) -> None:
    """As e-Stat does: a cell with very few people is hidden (``*``, HTKSYORI 1) and its people
    are added to its most populous open neighbour (HTKSYORI 2, which lists it in GASSAN)."""
    by_code = {c.code: c for c in cells}
    for c in cells:
        if c.total >= SECRET_BELOW or c.total == 0:
            continue
        w, s, e, n = mesh.mesh_bounds(c.code)
        dx, dy = e - w, n - s
        lon0, lat0 = (w + e) / 2, (s + n) / 2
        neighbours = [
            by_code.get(mesh.mesh_code(lon0 + i * dx, lat0 + j * dy, "1/4"))
            for i in (-1, 0, 1)
            for j in (-1, 0, 1)
            if (i, j) != (0, 0)
        ]
        open_ = [
            x for x in neighbours if x is not None and not x.secret and x.total >= SECRET_BELOW
        ]
        if not open_:
            continue
        target = max(open_, key=lambda x: (x.total, x.code))
        for g in GROUPS:
            (m1, f1), (m2, f2) = target.groups[g], c.groups[g]
            target.groups[g] = (m1 + m2, f1 + f2)
        target.foreign = (target.foreign[0] + c.foreign[0], target.foreign[1] + c.foreign[1])
        target.households = tuple(  # type: ignore[assignment]
            a + b for a, b in zip(target.households, c.households, strict=True)
        )
        target.merged_from.append(c.code)
        c.secret, c.merged_into = True, target.code


def row_values(c: MeshCell) -> list[int]:
    """The table's counts of a cell, in the order of ESTAT_COLUMNS."""

    def both(*groups: str) -> tuple[int, int]:
        return sum(c.groups[g][0] for g in groups), sum(c.groups[g][1] for g in groups)

    sets = [
        both(*GROUPS), both("0-14"), both(*GROUPS[1:]), both("15-19", "20-64"),
        both(*GROUPS[2:]), both(*GROUPS[3:]), both(*GROUPS[4:]), both(*GROUPS[5:]),
        both("95+"), c.foreign,
    ]  # fmt: skip
    values: list[int] = []
    for m, f in sets:
        values += [m + f, m, f]
    return values + list(c.households)


def population_csv(cells: list[MeshCell], note: str) -> bytes:
    """The e-Stat layout: Shift_JIS (CP932), CRLF, a line of codes and a line of labels, ``*``
    for secret cells and ``-`` for none; plus a DEMO column whose label is ``note``."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(
        ["KEY_CODE", "HTKSYORI", "HTKSAKI", "GASSAN", *(c for c, _ in ESTAT_COLUMNS), "DEMO"]
    )
    w.writerow(["", "", "", "", *(label for _, label in ESTAT_COLUMNS), note])
    for c in cells:
        if c.secret:
            w.writerow([c.code, 1, c.merged_into, "", *["*"] * len(ESTAT_COLUMNS), "true"])
            continue
        values = ["-" if v == 0 else str(v) for v in row_values(c)]
        flag = 2 if c.merged_from else 0
        w.writerow([c.code, flag, "", ";".join(sorted(c.merged_from)), *values, "true"])
    return buf.getvalue().encode("cp932")


