"""Importing places from the files cities keep: each row mapped to a Place, all or nothing."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from shapely.geometry import MultiPoint, Point

from geo.analysis.prepared import keep_prepared
from geo.errors import Problem, UsageError
from geo.ingest import pipeline
from geo.ingest.changes import ChangeSet
from geo.ingest.duplicates import Located
from geo.ingest.edit_conflicts import keep_edits
from geo.ingest.extent import CityExtent
from geo.ingest.ids import place_id, source_of_file
from geo.ingest.rejects import Rejects, SkipOptions, source_name
from geo.ingest.report import ImportReport
from geo.io.features import read_features
from geo.io.source import FeatureSource, Row
from geo.japan.coords import japan_point_problem
from geo.model import KINDS, STATUSES, Category, Place
from geo.store.base import PlaceChanges, PlaceQuery, Store
from geo.text import clean
from layers.categories import DEFAULT_CATEGORIES, CategoryMatcher
from layers.place_address import Refusal, address_elsewhere, place_by_address
from layers.place_privacy import TownPoints, needs_town_point, public_place
from layers.schedule import schedule_from_columns

# Each field's names in the files cities bring: our own, the 自治体標準オープンデータセット layout
# (English and Japanese headers), Google My Maps KML, and common Japanese list headers.
FIELDS: dict[str, tuple[str, ...]] = {
    "id": ("id", "共通ID", "#property", "property", "ID番号", "NO", "No.", "番号", "kml_id"),
    "name": (
        "name", "名称", "施設名", "施設名称", "施設・場所名", "名前", "場所名", "事業所名",
        "団体名", "学校名", "会場名", "title", "タイトル",
    ),
    "kana": (
        "kana",
        "name_kana",
        "名称_カナ",
        "名称カナ",
        "ふりがな",
        "フリガナ",
        "よみがな",
        "読み",
    ),
    # 区分 and 種別 say which kind of place in the city's words (サロン, 通いの場 …): a category,
    # never the gathering/venue kind, which only a column of that name holds
    "category": ("category", "カテゴリ", "カテゴリー", "種別", "区分", "分類", "folder"),
    "kind": ("kind",),
    "address": ("address", "住所", "所在地", "所在地_連結表記", "開催場所住所"),
    "phone": ("phone", "tel", "telephone", "telephoneNumber", "電話番号", "電話", "連絡先電話番号"),
    "email": ("email", "mail", "メールアドレス"),
    "url": ("url", "website", "ホームページ", "URL"),
    "reference": ("referenceObject", "参照URL"),
    "fee": ("fee", "料金", "参加費", "料金（基本）", "利用料金", "会費"),
    "organiser": (
        "organiser",
        "organizer",
        "主催",
        "主催者",
        "運営",
        "運営団体",
        "実施団体",
        "団体名",
    ),
    "schedule": ("schedule", "開催日時", "開催日", "日時", "開催曜日", "開催頻度"),
    "schedule_rules": ("schedule_rules",),
    "days": ("availableDate", "利用可能曜日"),
    "start": ("startTime", "開始時間"),
    "end": ("endTime", "終了時間"),
    "days_note": ("availableDateNote", "利用可能日時特記事項"),
    "description": ("description", "説明", "内容", "活動内容", "概要"),
    "note": ("note", "備考"),
    "accessibility": ("accessibility", "バリアフリー情報", "バリアフリー", "アクセシビリティ"),
    "status": ("status", "状態", "開催状況"),
    "location_precision": ("location_precision", "位置精度"),
    "last_verified": ("last_verified", "最終確認日", "確認日"),
    "internal_contact": ("internal_contact", "内部連絡先", "代表者連絡先"),
    "demo": ("demo",),
    # Tsudoi's own exports (layers.exports.columns): the id and source a place had, kept as given
    "place_id": ("place_id",),
    "place_source": ("place_source",),
    # read and not kept: the city is --city's, 次回開催 is computed from the rules when shown
    "city_code": ("都道府県コード又は市区町村コード", "市区町村コード"),
    "city_name": ("市区町村名",),
    "next_date": ("次回開催",),
}

_STATUS_WORDS = {
    "active": "active",
    "活動中": "active",
    "開催中": "active",
    "実施中": "active",
    "paused": "paused",
    "休止": "paused",
    "休止中": "paused",
    "中止中": "paused",
    "closed": "closed",
    "終了": "closed",
    "閉鎖": "closed",
    "廃止": "closed",
}
_PRECISION_WORDS = {"exact": "exact", "town": "town", "町丁目": "town", "町丁目のみ": "town"}
_TRUE = {"true", "1", "yes", "y", "t", "はい", "○", "〇"}


@dataclass(frozen=True)
class PlaceImportOptions:
    """What the caller said about the file, beyond its contents."""

    city: str
    category: str | None = None  # one category for every row
    category_field: str | None = None
    kind: str | None = None  # gathering or venue for every row (else the category's kind)
    id_field: str | None = None
    name_field: str | None = None
    lat_field: str | None = None
    lon_field: str | None = None
    layer: str | None = None
    source: str | None = None  # what ids and the missing-rows list are scoped to; default: stem
    create_categories: bool = False
    prune: bool = False
    dry_run: bool = False
    overwrite_edits: bool = False  # take the file's value over a field edited since (conflicts)
    fields: Mapping[str, str] = field(default_factory=dict)  # --field NAME=COLUMN
    skip: SkipOptions = SkipOptions()


def import_places(store: Store, path: str | Path, opts: PlaceImportOptions) -> ImportReport:
    """Read, check and apply a places file; raise InputError (store untouched) on any bad row,
    or with --skip-invalid apply the good rows and write the others to a rejects file."""
    if opts.kind is not None and opts.kind not in KINDS:
        raise UsageError(f"--kind must be one of {', '.join(KINDS)}, not {opts.kind!r}")
    named = pipeline.named_fields(
        opts.fields, [*FIELDS, "lat", "lon"], id=opts.id_field, name=opts.name_field,
        category=opts.category_field, lat=opts.lat_field, lon=opts.lon_field,
    )  # fmt: skip
    src = read_features(path, layer=opts.layer, lat_field=named.get("lat"),
                        lon_field=named.get("lon"))  # fmt: skip
    report = ImportReport(
        file=src.name, what="places", city=opts.city, rows=len(src.rows), dry_run=opts.dry_run
    )
    rejects: Rejects[tuple[list[Place], _PlaceReader, CategoryMatcher, list[Category]]]
    rejects = Rejects(src, report, opts.skip)
    src = rejects.src
    # a fixed rejects file (centres.rejected.csv) belongs to its original's source (centres)
    source = source_of_file(opts.source or source_name(src.name) or src.name)
    cols = _columns(src, opts, named)
    extent = CityExtent(store, opts.city)

    def read(rows: FeatureSource) -> tuple[
        list[Problem], tuple[list[Place], _PlaceReader, CategoryMatcher, list[Category]]
    ]:
        matcher, seed = _catalogue(store, opts.city)
        fixed = _fixed_category(matcher, opts)
        reader = _PlaceReader(rows, opts, matcher, fixed, cols, source, extent)
        batch = reader.read()
        pipeline.explain_guesses(batch.problems, cols, named)
        return batch.problems, (batch.records, reader, matcher, seed)

    records, reader, matcher, seed = rejects.collect(read)
    rejects.accept()
    _report_locations(report, records, reader.across, reader.wide)
    places = _at_town_points(store, opts.city, records, report)
    # a field corrected in the editor since this source last wrote it keeps the correction
    places, report.conflicts = keep_edits(
        store, opts.city, source, places, overwrite=opts.overwrite_edits
    )
    if matcher.created:
        report.notes.append(
            "new categories: " + ", ".join(f"{c.slug} ({c.label_ja})" for c in matcher.created)
        )
    target = _Places(store, opts.city, source, prune=opts.prune, categories=seed + matcher.created)
    pipeline.apply(
        report, places, target, dry_run=opts.dry_run, part_of_source=rejects.part_of_source
    )
    return report


def _catalogue(store: Store, city: str) -> tuple[CategoryMatcher, list[Category]]:
    """The categories a file can name, and the defaults the store still lacks.

    The default catalogue is seeded with the import, not before it: a refused import or a dry
    run must leave the store untouched.
    """
    stored_categories = store.categories(city)
    have_defaults = {c.slug for c in stored_categories if c.city is None}
    seed = [c for c in DEFAULT_CATEGORIES if c.slug not in have_defaults]
    present = {c.slug for c in stored_categories}
    matcher = CategoryMatcher(
        sorted(
            stored_categories + [c for c in seed if c.slug not in present],
            key=lambda c: (c.sort, c.slug),
        )
    )
    return matcher, seed


def report_rows(rows: list[int]) -> str:
    """'rows 3, 5, 8' as the report lists them."""
    return ("row " if len(rows) == 1 else "rows ") + ", ".join(str(n) for n in rows)


def _report_locations(
    report: ImportReport, places: list[Place], across: list[tuple[int, str]], wide: list[int]
) -> None:
    """Count the places placed from their address (naming those placed at a wide town's one
    point) and list those assigned across a border."""
    report.placed_from_address = sum(1 for p in places if p.placed_from == "address")
    report.across_border = [f"{src_row}: {note}" for src_row, note in across]
    if report.placed_from_address:
        report.notes.append(
            f"{report.placed_from_address} place(s) placed from their address at their "
            "town's point (location_precision: town, placed_from: address)"
        )
    if wide:
        report.notes.append(
            f"{len(wide)} of them at the one point of a 大字 or a town without 丁目, which may "
            f"lie a few km from the place: check them on the map or give their coordinates "
            f"({report_rows(wide)})"
        )
    if across:
        report.notes.append(
            f"{len(across)} place(s) assigned across a border: " + "; ".join(report.across_border)
        )


def _at_town_points(
    store: Store, city: str, places: list[Place], report: ImportReport
) -> list[Place]:
    """A salon in a private home is stored at its town's point: the home never enters the
    store, so no query (bbox, area, nearby) can narrow it down."""
    private = [i for i, p in enumerate(places) if needs_town_point(p)]
    if not private:
        return places
    towns = TownPoints(store.towns(city))
    out = list(places)
    for i in private:
        out[i] = public_place(places[i], towns)
    report.notes.append(
        f"{len(private)} place(s) held in private homes stored at their town's point"
        + ("" if len(towns.lons) else " (no towns imported: at a ~500 m grid cell's centre)")
    )
    return out


class _Places(pipeline.Destination[Place, tuple[str, str | None, str]]):
    """Places of one source: those it no longer lists are closed with --prune; the categories
    the import seeds or creates go in the places' own transaction (all or nothing)."""

    def __init__(
        self, store: Store, city: str, source: str, *, prune: bool, categories: list[Category]
    ) -> None:
        super().__init__(store, city, source)
        self.prune = prune
        self.categories = categories

    def stored(self) -> dict[str, tuple[str, str | None, str]]:
        return self.store.place_hashes(self.city)

    def unchanged(self, record: Place, old: tuple[str, str | None, str]) -> bool:
        return old[0] == record.content_hash()

    def missing(
        self, stored: Mapping[str, tuple[str, str | None, str]], in_file: AbstractSet[str]
    ) -> pipeline.Named:
        gone = sorted(
            pid
            for pid, (_, source, status) in stored.items()
            if source == self.source and pid not in in_file and status != "closed"
        )
        return [(pid, found.name if (found := self.store.place(pid)) else "") for pid in gone]

    def closes(self, missing: pipeline.Named) -> list[str]:
        return [pid for pid, _ in missing] if self.prune else []

    def located(self, records: Sequence[Place]) -> list[Located]:
        return [Located(p.id, p.source, p.name, p.lon, p.lat) for p in records]

    def others(self) -> list[Located]:
        query = PlaceQuery(city=self.city, kinds=KINDS, statuses=STATUSES)
        return [
            Located(p.id, p.source, p.name, p.lon, p.lat)
            for p in self.store.places(query)
            if p.source != self.source
        ]

    def must_write(self, changes: ChangeSet[Place]) -> bool:
        return changes.any or bool(self.categories)

    def write(self, changes: ChangeSet[Place]) -> None:
        self.store.apply_places(
            PlaceChanges(
                upsert=changes.records if changes.any else [],
                close=changes.closed,
                categories=self.categories,
                source=self.source,  # each place's history names the import it came with
            )
        )
        keep_prepared(self.store, self.city)  # the new places snapped to the streets, kept


def _fixed_category(matcher: CategoryMatcher, opts: PlaceImportOptions) -> str | None:
    if opts.category is None:
        return None
    slug = matcher.match(opts.category)
    if slug is None:
        if not opts.create_categories:
            raise UsageError(
                f"unknown category {opts.category!r}; known: {matcher.known()}; "
                "or add --create-categories"
            )
        slug = matcher.create(opts.category, opts.city, opts.kind or "gathering")
    return slug


def _columns(
    src: FeatureSource, opts: PlaceImportOptions, named: Mapping[str, str]
) -> dict[str, str | None]:
    cols = pipeline.find_columns(src.columns, FIELDS, named)
    if cols["name"] is None:
        raise pipeline.no_name_column(src.name, FIELDS["name"])
    if src.format in ("csv", "xlsx") and not src.geometry_columns and cols["address"] is None:
        raise pipeline.file_error(
            src.name,
            "no latitude/longitude columns and no address column",
            "name them with --field lat=COLUMN --field lon=COLUMN (緯度・経度の列名), or give a "
            "住所 column (--field address=COLUMN) to place each row at its town; "
            "columns: " + ", ".join(src.columns),
        )
    if opts.category is None and cols["category"] is None:
        raise pipeline.file_error(
            src.name,
            "no category column and no --category",
            "give --category SLUG for the whole file, or --field category=COLUMN",
        )
    return cols


@dataclass
class _PlaceReader:
    """Maps a file's rows to Places with everything the mapping needs: options, categories,
    the columns found and the city's extent."""

    src: FeatureSource
    opts: PlaceImportOptions
    matcher: CategoryMatcher
    fixed_category: str | None
    cols: dict[str, str | None]
    source: str
    extent: CityExtent
    across: list[tuple[int, str]] = field(default_factory=list)  # (row, note) just outside
    wide: list[int] = field(default_factory=list)  # rows placed at a 大字's one point

    def read(self) -> pipeline.Batch[Place]:
        """Every row as a Place, or its problems; then one problem per repeated id."""
        batch: pipeline.Batch[Place] = pipeline.Batch.of(self.src, self.place_columns())
        flagged = {p.row for p in self.src.problems}
        for row in self.src.rows:
            cells = {f: pipeline.text_of(row.props, c) for f, c in self.cols.items()}
            reading = _Reading(batch, row, cells)
            place = self.place(reading, row.number in flagged)
            if not reading.failed and place is not None and row.number not in flagged:
                batch.keep(row.number, place)
        batch.refuse_repeats(self.cols.get("id") or "id")
        return batch

    def place_columns(self) -> dict[str, str | None]:
        """Each Place field's column, where its name differs from the field's."""
        c = self.cols
        return {
            **c, "source_id": c["id"], "source": c["place_source"],
            "description": c["description"] or c["note"], "url": c["url"] or c["reference"],
        }  # fmt: skip

    def place(self, r: _Reading, reader_flagged: bool) -> Place | None:
        """The row's Place; None when any of its cells is wrong (the batch's problems say why)."""
        name = r.v["name"]
        if not name:
            r.refuse(self.cols["name"], "empty name")
        category = self.category(r)
        kind = self.kind(r, category)
        lon, lat = self.location(r, reader_flagged)
        status = _word(r, self.cols["status"], "status", _STATUS_WORDS,
                       "status must be active, paused or closed", "active")  # fmt: skip
        precision = _word(r, self.cols["location_precision"], "location_precision",
                          _PRECISION_WORDS, "must be exact or town", "exact")  # fmt: skip
        schedule, rules = self.schedule(r)
        if r.failed or name is None or category is None or kind is None:
            return None
        v = r.v
        given = self.given_id(r)
        if r.failed:
            return None
        place = Place(
            id=given or place_id(self.opts.city, self.source, v["id"], name, lon, lat),
            city=self.opts.city,
            kind=kind,  # type: ignore[arg-type]
            category=category,
            name=name,
            lon=lon,
            lat=lat,
            kana=v["kana"],
            address=v["address"],
            schedule=schedule,
            schedule_rules=rules,
            fee=v["fee"],
            organiser=v["organiser"],
            phone=v["phone"],
            email=v["email"],
            description=v["description"] if v["description"] is not None else v["note"],
            url=v["url"] or v["reference"],
            accessibility=v["accessibility"],
            status=status,  # type: ignore[arg-type]
            location_precision=precision,  # type: ignore[arg-type]
            last_verified=_date(v["last_verified"]),
            internal_contact=v["internal_contact"],
            source=v["place_source"] or self.source,
            source_id=v["id"],
            extra=self.extra(r.row),
            demo=_is_true(r.row.props.get(self.cols["demo"]) if self.cols["demo"] else None),
        )
        if r.placed_from_address:
            place = replace(place, location_precision="town", placed_from="address")
        return place

    def given_id(self, r: _Reading) -> str | None:
        """The id a Tsudoi export wrote (``place_id``), kept so the place keeps its id; it must
        be one of this city's (``{city}-…``)."""
        given = r.v["place_id"]
        if given and not given.startswith(f"{self.opts.city}-"):
            r.refuse(self.cols["place_id"], f"not an id of city {self.opts.city}", given)
        return given

    def category(self, r: _Reading) -> str | None:
        """The row's category slug: --category's, else the row's (created when asked to)."""
        if self.fixed_category is not None:
            return self.fixed_category
        text = r.v["category"]
        if not text:
            r.refuse(self.cols["category"], "empty category")
            return None
        slug = self.matcher.match(text)
        if slug is None:
            if self.opts.create_categories:
                return self.matcher.create(text, self.opts.city, self.opts.kind or "gathering")
            src = self.src
            r.batch.problems.append(self.matcher.problem(
                src.name, r.row.number, src.row_label, self.cols["category"] or "", text
            ))  # fmt: skip
        return slug

    def kind(self, r: _Reading, category: str | None) -> str | None:
        """--kind, else the row's own, else its category's."""
        own = r.v["kind"]
        kind = self.opts.kind or (own if own in KINDS else None)
        if kind is None and category is not None:
            kind = self.matcher.categories[category].kind
        if own and own not in KINDS and self.opts.kind is None:
            r.refuse(self.cols["kind"], "kind must be gathering or venue", own)
        return kind

    def location(self, r: _Reading, reader_flagged: bool) -> tuple[float, float]:
        """The row's point as (lon, lat); (0, 0) with a problem when it has none or a bad one."""
        src = self.src
        # the field a location problem is about: the lat/lon columns, KML coordinates or geometry
        geo_field = "/".join(src.geometry_columns) or (
            "coordinates" if src.format == "kml" else "geometry"
        )
        geom = r.row.geometry
        if geom is None or geom.is_empty:
            if reader_flagged:  # the reader has said why (swapped, not a number …)
                return 0.0, 0.0
            if r.v["address"]:
                return self.from_address(r)
            r.refuse(geo_field, "no location (empty or missing geometry / coordinates)")
            return 0.0, 0.0
        if isinstance(geom, MultiPoint) and len(geom.geoms) == 1:
            geom = geom.geoms[0]
        if not isinstance(geom, Point):
            r.refuse(geo_field, f"a place must be a point, not a {geom.geom_type}")
            return 0.0, 0.0
        lon, lat = float(geom.x), float(geom.y)
        bad = japan_point_problem(lon, lat)
        if bad is not None:
            r.refuse(geo_field, bad[0], f"lat {lat}, lon {lon}", bad[1])
            return lon, lat
        elsewhere = address_elsewhere(self.opts.city, r.v["address"])
        if elsewhere is not None:
            r.refuse(self.cols["address"], elsewhere.reason, r.v["address"], elsewhere.hint)
            return lon, lat
        where = self.extent.where(lon, lat)
        if where.refused:
            r.refuse(geo_field, where.reason(), f"lat {lat}, lon {lon}", _OUTSIDE_HINT)
        elif where.across_border:
            self.across.append((r.row.number, where.note()))
        return lon, lat

    def from_address(self, r: _Reading) -> tuple[float, float]:
        """The point of the town the row's address names (its 町丁目's representative point)."""
        address = r.v["address"] or ""
        found = place_by_address(self.opts.city, address)
        if isinstance(found, Refusal):
            r.refuse(self.cols["address"], found.reason, address, found.hint)
            return 0.0, 0.0
        r.placed_from_address = True
        if found.koaza is None and "丁目" not in found.town:
            self.wide.append(r.row.number)
        return found.lon, found.lat

    def schedule(self, r: _Reading) -> tuple[str | None, list[Any] | None]:
        """Free text and rules: given as such, or made from 利用可能曜日 and times."""
        col = self.cols["schedule_rules"]
        rules = None
        raw = r.row.props.get(col) if col else None
        if raw not in (None, ""):
            try:
                rules = json.loads(raw) if isinstance(raw, str) else raw
                if not isinstance(rules, list):
                    raise ValueError("not a list")
            except ValueError as exc:
                r.refuse(col, f"not a JSON list of rules ({exc})", raw)
                rules = None
        v = r.v
        schedule = v["schedule"]
        if schedule is None and (v["days"] or v["start"]):
            schedule, from_days = schedule_from_columns(
                v["days"], v["start"], v["end"], v["days_note"]
            )
            rules = rules or from_days
        return schedule, rules

    def extra(self, row: Row) -> dict[str, Any]:
        """The row's other columns, kept as given (text trimmed, as the rest)."""
        used = {c for c in self.cols.values() if c} | set(self.src.geometry_columns)
        return {
            k: (x if isinstance(x, (int, float, bool)) else clean(x))
            for k, x in row.props.items()
            if k not in used and clean(x) is not None
        }


_OUTSIDE_HINT = (
    "check the coordinates and --city (緯度経度と市区町村コードを確認してください); a place up "
    "to 200 m outside is taken as on the border and assigned to the nearest area"
)


@dataclass
class _Reading:
    """One row being read: its cells by field; its problems go to the batch."""

    batch: pipeline.Batch[Place]
    row: Row
    v: dict[str, str | None]

    def __post_init__(self) -> None:
        self._first = len(self.batch.problems)
        self.placed_from_address = False

    @property
    def failed(self) -> bool:
        """Whether any problem was found in this row."""
        return len(self.batch.problems) > self._first

    def refuse(
        self, column: str | None, reason: str, value: object = None, hint: str | None = None
    ) -> None:
        self.batch.refuse(self.row.number, reason, field=column, value=value, hint=hint)


def _word(
    r: _Reading, column: str | None, key: str, words: dict[str, str], reason: str, default: str
) -> str:
    """A cell's word (状態, 位置精度 …) as its English value; the default when blank."""
    text = r.v[key]
    if not text:
        return default
    word = words.get(text.lower(), "")
    if not word:
        r.refuse(column, reason, text)
    return word


def _is_true(raw: object) -> bool:
    return raw is True or (isinstance(raw, str) and raw.strip().lower() in _TRUE)


def _date(text: str | None) -> str | None:
    """Dates as ISO (YYYY-MM-DD) when they look like one; other text is kept as given."""
    if not text:
        return None
    t = text.strip().replace("/", "-").replace(".", "-")
    return t[:10] if len(t) >= 10 and t[4] == "-" else text
