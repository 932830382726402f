"""The town gazetteer: towns of a city, and addresses placed at their town's point.

Real files with real coordinates (tests/data/addresses, see CREDITS.md there) are placed from
their 住所 alone and compared with the publisher's point: every row must land in the ward and
town its address names, and most within 1.5 km. Rows beyond 1.5 km lie in large rural 大字
(周南市大字鹿野上, 高松市塩江町安原下第二号 …) whose one representative point cannot be nearer
to every building in them; they are bounded too, so a matching regression still fails.
"""

from __future__ import annotations

import csv
import gzip
import importlib.util
import io
import math
import re
import statistics
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from geo.errors import UnknownCity
from geo.japan import town_data
from geo.japan.address import normalise, parse_municipality
from geo.japan.gazetteer import CREDIT, NoMatch, TownMatch, match_town, towns
from geo.japan.municipalities import all_cities
from geo.japan.town_data import index

DATA = Path(__file__).parent / "data" / "addresses"
SUPPORT_CENTERS = Path(__file__).parent / "data" / "imports" / "takamatsu_support_centers.csv"


def metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine), ample for errors of a few km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


@dataclass(frozen=True)
class RealFile:
    path: Path
    city: str
    columns: tuple[str, str, str, str]  # name, address, lat, lon
    median_m: float  # upper bounds, a little above what is measured today
    max_m: float
    within_1500: float  # share of rows within 1.5 km, at least


_PLAIN = ("name", "address", "lat", "lon")
_STANDARD = ("name", "address", "latitude", "longitude")  # 自治体標準オープンデータセット
#: file, city, columns, and the bounds: median, max, share within 1.5 km (measured today:
#: 566 m, 2,706 m, 48/52 for 高松市's community centres; see summary()).
_REAL: list[tuple[Path, str, tuple[str, str, str, str], float, float, float]] = [
    (DATA / "takamatsu_community_center.csv", "37201", _STANDARD, 650, 3000, 0.92),
    (SUPPORT_CENTERS, "37201", _STANDARD, 1200, 2500, 0.7),
    (DATA / "niigata_gsi_shelters.csv", "15100", _PLAIN, 350, 3000, 0.96),
    (DATA / "niigata_junior_high_schools.csv", "15100", _PLAIN, 400, 2000, 0.96),
    (DATA / "niigata_elementary_schools.csv", "15100", _PLAIN, 350, 3000, 0.96),
    (DATA / "shunan_gsi_shelters.csv", "35215", _PLAIN, 1000, 5000, 0.7),
]
REAL_FILES = {row[0].stem: RealFile(*row) for row in _REAL}


@dataclass(frozen=True)
class Placed:
    name: str
    address: str
    match: TownMatch | NoMatch
    error_m: float | None


def place(spec: RealFile) -> list[Placed]:
    """Every row of a real file placed from its address, with its error against its point."""
    name_col, address_col, lat_col, lon_col = spec.columns
    out = []
    with spec.path.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            match = match_town(spec.city, row[address_col])
            error = None
            if isinstance(match, TownMatch):
                error = metres(float(row[lat_col]), float(row[lon_col]), match.lat, match.lon)
            out.append(Placed(row[name_col], row[address_col], match, error))
    return out


def summary(placed: list[Placed]) -> dict[str, float]:
    """Share placed, median and max error, share within 1.5 km (the figures the report gives)."""
    errors = [p.error_m for p in placed if p.error_m is not None]
    return {
        "rows": len(placed),
        "placed": len(errors) / len(placed),
        "median_m": statistics.median(errors),
        "max_m": max(errors),
        "within_1500": sum(e <= 1500 for e in errors) / len(placed),
    }


@pytest.mark.parametrize("key", sorted(REAL_FILES))
def test_real_addresses_land_near_their_real_points(key: str) -> None:
    spec = REAL_FILES[key]
    placed = place(spec)
    failed = [(p.name, p.address, p.match) for p in placed if isinstance(p.match, NoMatch)]
    assert failed == []
    figures = summary(placed)
    assert figures["median_m"] <= spec.median_m, figures
    assert figures["max_m"] <= spec.max_m, figures
    assert figures["within_1500"] >= spec.within_1500, figures


@pytest.mark.parametrize("key", sorted(REAL_FILES))
def test_real_addresses_land_in_the_ward_and_town_they_name(key: str) -> None:
    for p in place(REAL_FILES[key]):
        assert isinstance(p.match, TownMatch)
        named = parse_municipality(p.address)
        if named is not None and named.code not in (None, REAL_FILES[key].city):
            assert p.match.code == named.code, p  # the ward the address gives
        assert p.match.matched in normalise(p.address), p
        # the town's name (without its number: 扇町二丁目 for 扇町2-8-7) is in the address
        base = re.sub(r"\d+(丁目|番町|の町)$", "", normalise(p.match.town))
        assert base.removesuffix("町") in normalise(p.address), p


def test_every_chome_lands_within_1500_m() -> None:
    """Every 丁目 (a small urban block) lands within 1.5 km, in every real file."""
    for spec in REAL_FILES.values():
        for p in place(spec):
            assert isinstance(p.match, TownMatch) and p.error_m is not None
            if "丁目" in p.match.town:
                assert p.error_m <= 1500, p


def test_every_town_of_takamatsus_own_table_is_in_the_gazetteer() -> None:
    """The city's population table names its 235 町 its own way (塩上町１丁目): each is found,
    as the town of that name, near the city's point (one point in the table is a typo)."""
    far = []
    with (DATA / "takamatsu_towns.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 235
    for row in rows:
        match = match_town("37201", row["regionName"])
        assert isinstance(match, TownMatch), row
        assert normalise(match.town) == normalise(row["regionName"])
        if metres(float(row["lat"]), float(row["lon"]), match.lat, match.lon) > 1500:
            far.append(row["regionName"])
    assert len(far) <= 10, far
    assert "松島町３丁目" in far  # the table's point has its longitude as latitude


def test_niigata_model_houses_are_placed_in_their_wards() -> None:
    codes = {"東区": "15102", "秋葉区": "15105", "西蒲区": "15108", "南区": "15106"}
    with (DATA / "niigata_model_houses_real.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    placed = {row["name"]: match_town("15100", row["address"]) for row in rows}
    for row in rows:
        match = placed[row["name"]]
        if row["address"] == "(住所不明)":
            assert isinstance(match, NoMatch) and match.reason == "no_town"
            continue
        assert isinstance(match, TownMatch), row
        assert match.code == codes[row["ward"]]
    jikka = placed["実家の茶の間・紫竹 (基幹型地域包括ケア推進モデルハウス)"]
    assert isinstance(jikka, TownMatch) and jikka.town == "紫竹四丁目"
    nishikan = placed["にしかんの茶の間"]
    assert isinstance(nishikan, TownMatch)
    assert (nishikan.town, nishikan.koaza, nishikan.precision) == ("巻", "甲", "koaza")


# --- towns() -----------------------------------------------------------------------------


def test_towns_of_a_city_and_of_a_designated_city() -> None:
    takamatsu = towns("37201")
    names = {t.name for t in takamatsu}
    assert {"番町一丁目", "男木町", "女木町", "サンポート"} <= names
    assert all(t.ward_code is None for t in takamatsu)
    niigata = towns("15100")
    assert {t.ward_code for t in niigata} == {f"1510{i}" for i in range(1, 9)}
    assert [t for t in niigata if t.name == "紫竹四丁目"][0].ward_code == "15102"
    east = towns("15102")
    assert {t.ward_code for t in east} == {"15102"}
    assert len(east) < len(niigata)
    for t in niigata:
        assert 37.5 < t.lat < 38.1 and 138.7 < t.lon < 139.4, t


def test_towns_without_a_point_are_left_out_and_unknown_codes_refused() -> None:
    assert "さくらの丘" not in {t.name for t in towns("24205")}  # 桑名市: no point in the source
    with pytest.raises(UnknownCity):
        towns("99999")
    with pytest.raises(UnknownCity):
        match_town("99999", "どこか1-1")


def test_credit_names_geolonia() -> None:
    assert "Geolonia" in CREDIT and "CC BY 4.0" in CREDIT


# --- match_town: the cases real lists hold --------------------------------------------------


def _town(city: str, address: str) -> TownMatch:
    match = match_town(city, address)
    assert isinstance(match, TownMatch), (address, match)
    return match


@pytest.mark.parametrize(
    ("city", "address", "ward", "town"),
    [
        ("26100", "京都市中京区河原町通三条上る下丸屋町", "26104", "下丸屋町"),
        ("26100", "京都府京都市上京区今出川通烏丸東入玄武町601", "26102", "玄武町"),
        ("26100", "京都市下京区烏丸通七条下る東塩小路町721-1", "26106", "東塩小路町"),
        ("26100", "京都市下京区烏丸通塩小路下ル東塩小路町", "26106", "東塩小路町"),
        ("26104", "京都市中京区下丸屋町394（河原町通三条上る）", "26104", "下丸屋町"),
        ("26104", "河原町通三条上る下丸屋町", "26104", "下丸屋町"),  # a ward's own list
        ("15100", "新潟市中央区東入船町1", "15103", "東入船町"),  # 東入 is part of the name
    ],
)
def test_kyoto_street_directions(city: str, address: str, ward: str, town: str) -> None:
    match = _town(city, address)
    assert (match.code, match.town, match.precision) == (ward, town, "town")


@pytest.mark.parametrize(
    "address",
    ["高松市番町一丁目8-15", "高松市番町1丁目8番15号", "高松市番町1-8-15", "高松市番町１－８－１５",
     "香川県高松市番町一丁目8-15 高松市役所本庁舎4階", "〒760-8571 香川県高松市番町1丁目8-15",
     "高松市　番町　１丁目８－１５", "番町1-8-15"],
)
def test_chome_numerals_width_building_and_postcode(address: str) -> None:
    match = _town("37201", address)
    assert (match.town, match.precision) == ("番町一丁目", "town")


def test_twelfth_chome_and_hokkaido_jo() -> None:
    for chome in ("十二丁目", "12丁目", "12-3", "１２－３"):
        assert _town("01101", f"札幌市中央区大通西{chome}").town == "大通西十二丁目"
    assert _town("01100", "札幌市中央区北1条西2丁目").town == "北一条西二丁目"
    assert _town("01101", "札幌市中央区大通西1-3").town == "大通西一丁目"  # not 十二


@pytest.mark.parametrize("spelling", ["旭ヶ丘", "旭ケ丘", "旭が丘", "旭ガ丘"])
def test_ke_variants(spelling: str) -> None:
    assert _town("01101", f"札幌市中央区{spelling}1丁目5").town == "旭ケ丘一丁目"


def test_no_variants_and_numbered_no_machi() -> None:
    assert _town("15100", "新潟市中央区礎町通３ノ町2086").town == "礎町通三ノ町"
    assert _town("15100", "新潟市中央区礎町通三の町2086").town == "礎町通三ノ町"
    assert _town("15100", "新潟市西区五十嵐２の町8050").town == "五十嵐二の町"
    assert _town("15100", "新潟市中央区古町通13-2900-2").town == "古町通十三番町"
    assert _town("15100", "新潟市江南区大淵1760-1").town == "大渕"  # 淵/渕


def test_ooaza_prefix_written_or_not() -> None:
    for address in ("周南市大字久米2812-1", "周南市久米2812-1", "山口県周南市字久米2812"):
        assert _town("35215", address).town == "大字久米"
    for address in ("三重県三重郡川越町大字当新田123", "川越町当新田123", "三重郡川越町当新田"):
        match = _town("24344", address)
        assert (match.town, match.precision) == ("大字当新田", "town")


def test_koaza_after_the_town() -> None:
    match = _town("24344", "三重郡川越町大字当新田字北川原5")
    assert (match.town, match.koaza, match.precision) == ("大字当新田", "北川原", "koaza")
    assert match.matched == "当新田北川原"


def test_name_without_its_chome_is_ooaza_at_the_mean_of_its_chome() -> None:
    match = _town("37201", "高松市朝日町")
    chome = [t for t in towns("37201") if t.name.startswith("朝日町") and "丁目" in t.name]
    assert len(chome) == 6
    assert (match.town, match.precision) == ("朝日町", "ooaza")
    assert match.lat == pytest.approx(sum(t.lat for t in chome) / 6)
    assert match.lon == pytest.approx(sum(t.lon for t in chome) / 6)
    assert _town("37201", "高松市朝日町3丁目").precision == "town"


def test_machi_dropped_before_the_number() -> None:
    assert _town("15100", "新潟県新潟市中央区関屋下川原2-664").town == "関屋下川原町二丁目"


def test_chome_without_a_point_falls_back_to_its_name() -> None:
    match = _town("26206", "亀岡市大井町並河四丁目1")  # 四丁目 has no point in the source
    assert (match.town, match.precision) == ("大井町並河", "ooaza")
    gone = match_town("24205", "桑名市さくらの丘1")
    assert isinstance(gone, NoMatch) and gone.reason == "no_point"


def test_town_named_like_its_city_or_like_another_municipality() -> None:
    assert _town("01394", "北海道磯谷郡蘭越町蘭越町123").town == "蘭越町"
    # 栄町 is also 千葉県印旛郡栄町; in 札幌市東区 it is a town.
    assert _town("01103", "栄町1-2").town == "栄町"


def test_address_of_another_city_is_refused_with_its_name() -> None:
    uji = match_town("26100", "京都府宇治市宇治琵琶45")
    assert isinstance(uji, NoMatch)
    assert (uji.reason, uji.named) == ("other_municipality", ("26204",))
    ward = match_town("26104", "京都市下京区烏丸通七条下る東塩小路町")
    assert isinstance(ward, NoMatch) and ward.named == ("26106",)
    other = match_town("37201", "大阪府大阪市北区梅田1-1")
    assert isinstance(other, NoMatch) and other.named == ("27127",)
    pref = match_town("37201", "愛媛県番町1-1")
    assert isinstance(pref, NoMatch) and pref.reason == "other_prefecture"


def test_shared_municipality_names_resolve_by_the_city() -> None:
    assert _town("13206", "府中市宮西町2-24").code == "13206"
    assert _town("34208", "府中市府川町315").code == "34208"
    shared = match_town("37201", "府中市宮西町2-24")
    assert isinstance(shared, NoMatch) and shared.named == ("13206", "34208")


def test_same_town_name_in_two_wards_needs_the_ward() -> None:
    match = match_town("26100", "京都市大黒町")
    assert isinstance(match, NoMatch) and match.reason == "ambiguous_town"
    assert {"中京区大黒町", "下京区大黒町"} <= set(match.hints)
    assert _town("26100", "京都市中京区大黒町").code == "26104"


def test_unknown_town_is_refused_with_the_nearest_names() -> None:
    typo = match_town("37201", "高松市番長1-2")
    assert isinstance(typo, NoMatch) and typo.reason == "no_town" and "番町" in typo.hints
    near = match_town("26104", "下丸尾町")
    assert isinstance(near, NoMatch) and near.hints[0] == "下丸屋町"
    empty = match_town("37201", "  ")
    assert isinstance(empty, NoMatch) and empty.reason == "empty"


# --- the bundled file and the script that builds it -------------------------------------------


def test_every_municipality_of_the_bundled_list_has_towns() -> None:
    """Every municipality has its towns (a designated city through its wards), except the six
    villages of the Northern Territories (01695–01700) and 利島村 (13362, one island with no
    大字), for which Geolonia has no towns; and each town count of the index has its member in
    the zip."""
    known = index()
    missing = []
    for city in all_cities():
        muni = known.get(city.code)
        if muni is None or not (muni.towns or town_data.wards(city.code)):
            missing.append(city.code)
    assert missing == ["01695", "01696", "01697", "01698", "01699", "01700", "13362"]
    members = set(town_data._archive().namelist())
    assert {f"towns/{c}.tsv" for c, m in known.items() if m.towns} == members - {
        "index.tsv", "CREDITS.txt"
    }
    assert sum(m.towns for m in known.values()) > 190_000


def test_build_script_round_trip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows written by scripts/build_gazetteer.py read back as they went in: names, 小字,
    points to 1e-6°, rows without a point; municipality names mapped to their JIS codes."""
    spec = importlib.util.spec_from_file_location(
        "build_gazetteer", Path(__file__).parent.parent / "scripts" / "build_gazetteer.py"
    )
    assert spec is not None and spec.loader is not None
    build = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "build_gazetteer", build)  # its dataclass needs it
    spec.loader.exec_module(build)
    source = [
        ("香川県", "高松市", "番町一丁目", "", "34.343957", "134.046523"),
        ("香川県", "高松市", "春日町", "川尻", "34.328952", "134.091892"),
        ("香川県", "高松市", "春日町", "", "34.33", "134.09"),
        ("京都府", "京都市中京区", "下丸屋町", "", "35.015535", "135.75422"),
        ("三重県", "三重郡川越町", "大字当新田", "北川原", "35.035638", "136.681631"),
        ("三重県", "桑名市", "さくらの丘", "", "", ""),
    ]
    path = tmp_path / "towns.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(build.HEADER)
        writer.writerows(source)
    data, summary = build.build(path, tmp_path / "no-outlines-needed.geojson.gz")
    assert summary["rows"] == 6 and summary["rows_without_point"] == 1
    archive = zipfile.ZipFile(io.BytesIO(data))
    monkeypatch.setattr(town_data, "_archive", lambda: archive)
    for cached in (town_data.index, town_data.rows, town_data._wards):
        cached.cache_clear()
    try:
        assert set(town_data.index()) == {"37201", "26100", "26104", "24344", "24205"}
        assert town_data.municipality("24344").county == "三重郡"
        assert town_data.municipality("26104").parent == "26100"
        assert town_data.rows("37201") == (
            town_data.Row("春日町", "", 34.33, 134.09),
            town_data.Row("春日町", "川尻", 34.328952, 134.091892),
            town_data.Row("番町一丁目", "", 34.343957, 134.046523),
        )
        assert town_data.rows("24205") == (town_data.Row("さくらの丘", "", None, None),)
    finally:
        for cached in (town_data.index, town_data.rows, town_data._wards):
            cached.cache_clear()
