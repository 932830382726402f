"""Importing places from the files cities keep: each row mapped to a Place, all or nothing."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shapely.geometry import MultiPoint, Point

from geo.errors import InputError, Problem, UsageError
from geo.ingest.extent import outside_city
from geo.ingest.ids import place_id
from geo.ingest.report import ImportReport
from geo.io.columns import find_column, problems_for_duplicates
from geo.io.features import read_features
from geo.io.source import FeatureSource, Row
from geo.japan.coords import japan_point_problem
from geo.model import KINDS, PRECISIONS, Place
from geo.store.base import PlaceChanges, Store
from geo.text import clean
from layers.categories import DEFAULT_CATEGORIES, CategoryMatcher
from layers.place_privacy import TownPoints, needs_town_point, public_place
from layers.schedule import schedule_from_columns

# Each field's names in the files cities bring: our own, the 自治体標準オープンデータセット layout
# (English and Japanese headers), Google My Maps KML, and common Japanese list headers.
FIELDS: dict[str, tuple[str, ...]] = {
    "id": ("id", "共通ID", "#property", "property", "ID番号", "NO", "No.", "番号", "kml_id"),
    "name": ("name", "名称", "施設名", "施設・場所名", "名前", "場所名", "title", "タイトル"),
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
    "category": ("category", "カテゴリ", "カテゴリー", "種別", "分類", "folder"),
    "kind": ("kind", "区分"),
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
    source: str | None = None  # what the missing-rows list is scoped to; default: the file name
    create_categories: bool = False
    prune: bool = False
    dry_run: bool = False


def import_places(store: Store, path: str | Path, opts: PlaceImportOptions) -> ImportReport:
    """Read, check and apply a places file; raise InputError (store untouched) on any bad row."""
    if opts.kind is not None and opts.kind not in KINDS:
        raise UsageError(f"--kind must be one of {', '.join(KINDS)}, not {opts.kind!r}")
    src = read_features(path, layer=opts.layer, lat_field=opts.lat_field, lon_field=opts.lon_field)
    source = opts.source or src.name
    report = ImportReport(file=src.name, what="places", city=opts.city, rows=len(src.rows))
    report.dry_run = opts.dry_run
    # The default catalogue is seeded with the import, not before it: a refused import or a dry
    # run must leave the store untouched.
    stored_categories = store.categories(opts.city)
    have_defaults = {c.slug for c in stored_categories if c.city is None}
    seed = [c for c in DEFAULT_CATEGORIES if c.slug not in have_defaults]
    present = {c.slug for c in stored_categories}
    matcher = CategoryMatcher(
        sorted(
            stored_categories + [c for c in seed if c.slug not in present],
            key=lambda c: (c.sort, c.slug),
        )
    )
    fixed_category = _fixed_category(matcher, opts)
    cols = _columns(src, opts)
    outside = outside_city(store, opts.city)

    problems: list[Problem] = list(src.problems)
    bad_rows = {p.row for p in problems}
    places: list[tuple[int, Place]] = []
    for row in src.rows:
        place, row_problems = _place_from_row(
            src, row, cols, opts, matcher, fixed_category, source, outside, row.number in bad_rows
        )
        problems.extend(row_problems)
        if row_problems:
            bad_rows.add(row.number)
        elif place is not None and row.number not in bad_rows:
            places.append((row.number, place))
    problems.extend(
        problems_for_duplicates(
            src.name, src.row_label, [(n, p.id) for n, p in places], cols.get("id") or "id"
        )
    )
    if problems:
        report.problems = problems
        report.rejected = len({p.row for p in problems})
        raise InputError(problems)

    # A salon in a private home is stored at its town's point: the home never enters the store,
    # so no query (bbox, area, nearby) can narrow it down.
    private = [i for i, (_, p) in enumerate(places) if needs_town_point(p)]
    if private:
        towns = TownPoints(store.towns(opts.city))
        for i in private:
            n, p = places[i]
            places[i] = (n, public_place(p, towns))
        report.notes.append(
            f"{len(private)} place(s) held in private homes stored at their town's point"
            + ("" if len(towns.lons) else " (no towns imported: at a ~500 m grid cell's centre)")
        )

    stored = store.place_hashes(opts.city)
    for _, p in places:
        old = stored.get(p.id)
        if old is None:
            report.added += 1
        elif old[0] == p.content_hash():
            report.unchanged += 1
        else:
            report.updated += 1
    in_file = {p.id for _, p in places}
    missing = sorted(
        pid
        for pid, (_, src_name, status) in stored.items()
        if src_name == source and pid not in in_file and status != "closed"
    )
    for pid in missing:
        found = store.place(pid)
        report.missing.append((pid, found.name if found else ""))
    if opts.prune:
        report.closed = len(missing)
    if matcher.created:
        report.notes.append(
            "new categories: " + ", ".join(f"{c.slug} ({c.label_ja})" for c in matcher.created)
        )
    if not opts.dry_run and (report.changed or seed or matcher.created):
        # New categories go in the places' own transaction: an import applies wholly or not at all
        store.apply_places(PlaceChanges(
            upsert=[p for _, p in places] if report.changed else [],
            close=missing if opts.prune else [],
            categories=seed + matcher.created,
        ))
    return report


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


def _columns(src: FeatureSource, opts: PlaceImportOptions) -> dict[str, str | None]:
    explicit = {"id": opts.id_field, "name": opts.name_field, "category": opts.category_field}
    cols = {f: find_column(src.columns, names, explicit.get(f)) for f, names in FIELDS.items()}
    if cols["name"] is None:
        raise InputError(
            [
                Problem(
                    file=src.name,
                    reason="no name column",
                    hint="name a column with --name-field; looked for: "
                    + ", ".join(FIELDS["name"]),
                )
            ]
        )
    if src.format in ("csv", "xlsx") and not src.geometry_columns:
        raise InputError(
            [
                Problem(
                    file=src.name,
                    reason="no latitude/longitude columns",
                    hint="name them with --lat-field and --lon-field (緯度・経度の列名); "
                    "columns: " + ", ".join(src.columns),
                )
            ]
        )
    if opts.category is None and cols["category"] is None:
        raise InputError(
            [
                Problem(
                    file=src.name,
                    reason="no category column and no --category",
                    hint="give --category SLUG for the whole file, or --category-field FIELD",
                )
            ]
        )
    return cols


def _value(row: Row, col: str | None) -> str | None:
    return clean(row.props.get(col)) if col else None


def _place_from_row(
    src: FeatureSource,
    row: Row,
    cols: dict[str, str | None],
    opts: PlaceImportOptions,
    matcher: CategoryMatcher,
    fixed_category: str | None,
    source: str,
    outside: Any,
    reader_flagged: bool = False,
) -> tuple[Place | None, list[Problem]]:
    def problem(
        field: str | None, reason: str, value: object = None, hint: str | None = None
    ) -> Problem:
        return Problem(
            file=src.name,
            row=row.number,
            row_label=src.row_label,
            field=field,
            value=value,
            reason=reason,
            hint=hint,
        )

    out: list[Problem] = []
    v = {f: _value(row, c) for f, c in cols.items()}
    name = v["name"]
    if not name:
        out.append(problem(cols["name"], "empty name"))

    category = fixed_category
    if category is None:
        text = v["category"]
        if not text:
            out.append(problem(cols["category"], "empty category"))
        else:
            category = matcher.match(text)
            if category is None:
                if opts.create_categories:
                    category = matcher.create(text, opts.city, opts.kind or "gathering")
                else:
                    out.append(
                        matcher.problem(
                            src.name, row.number, src.row_label, cols["category"] or "", text
                        )
                    )

    kind = opts.kind or (v["kind"] if v["kind"] in KINDS else None)
    if kind is None and category is not None:
        kind = matcher.categories[category].kind
    if v["kind"] and v["kind"] not in KINDS and opts.kind is None:
        out.append(problem(cols["kind"], "kind must be gathering or venue", v["kind"]))

    geom = row.geometry
    lon = lat = 0.0
    # the field a location problem is about: the lat/lon columns, KML coordinates or geometry
    geo_field = "/".join(src.geometry_columns) or (
        "coordinates" if src.format == "kml" else "geometry"
    )
    if geom is None or geom.is_empty:
        if not reader_flagged:  # else the reader has said why (swapped, not a number …)
            out.append(problem(geo_field, "no location (empty or missing geometry / coordinates)"))
    else:
        if isinstance(geom, MultiPoint) and len(geom.geoms) == 1:
            geom = geom.geoms[0]
        if not isinstance(geom, Point):
            out.append(problem(geo_field, f"a place must be a point, not a {geom.geom_type}"))
        else:
            lon, lat = float(geom.x), float(geom.y)
            bad = japan_point_problem(lon, lat)
            if bad is not None:
                out.append(problem(geo_field, bad[0], f"lat {lat}, lon {lon}", bad[1]))
            else:
                why = outside(lon, lat)
                if why:
                    out.append(
                        problem(
                            geo_field,
                            why,
                            f"lat {lat}, lon {lon}",
                            "check the coordinates and --city "
                            "(緯度経度と市区町村コードを確認してください); if the place is right "
                            "(e.g. on an island the bundled outline lacks), import the city's "
                            "areas first: the check then uses them",
                        )
                    )

    status = "active"
    if v["status"]:
        status = _STATUS_WORDS.get(v["status"].lower(), "")
        if not status:
            out.append(
                problem(cols["status"], "status must be active, paused or closed", v["status"])
            )
    precision = "exact"
    if v["location_precision"]:
        precision = _PRECISION_WORDS.get(v["location_precision"].lower(), "")
        if precision not in PRECISIONS:
            out.append(
                problem(
                    cols["location_precision"], "must be exact or town", v["location_precision"]
                )
            )

    rules = None
    raw_rules = row.props.get(cols["schedule_rules"]) if cols["schedule_rules"] else None
    if raw_rules not in (None, ""):
        try:
            rules = json.loads(raw_rules) if isinstance(raw_rules, str) else raw_rules
            if not isinstance(rules, list):
                raise ValueError("not a list")
        except ValueError as exc:
            out.append(
                problem(cols["schedule_rules"], f"not a JSON list of rules ({exc})", raw_rules)
            )
            rules = None
    schedule = v["schedule"]
    if schedule is None and (v["days"] or v["start"]):
        schedule, rules_from_days = schedule_from_columns(
            v["days"], v["start"], v["end"], v["days_note"]
        )
        rules = rules or rules_from_days

    if out or name is None or category is None or kind is None:
        return None, out

    used = {c for c in cols.values() if c} | set(src.geometry_columns)  # the Point holds those
    extra = {
        k: (x if isinstance(x, (int, float, bool)) else clean(x))  # text trimmed, as the rest
        for k, x in row.props.items()
        if k not in used and clean(x) is not None
    }
    description = v["description"]
    if description is None and v["note"]:
        description = v["note"]
    demo_raw = row.props.get(cols["demo"]) if cols["demo"] else None
    demo = demo_raw is True or (isinstance(demo_raw, str) and demo_raw.strip().lower() in _TRUE)
    return (
        Place(
            id=place_id(opts.city, category, v["id"], name, lon, lat),
            city=opts.city,
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
            description=description,
            url=v["url"] or v["reference"],
            accessibility=v["accessibility"],
            status=status,  # type: ignore[arg-type]
            location_precision=precision,  # type: ignore[arg-type]
            last_verified=_date(v["last_verified"]),
            internal_contact=v["internal_contact"],
            source=source,
            source_id=v["id"],
            extra=extra,
            demo=demo,
        ),
        [],
    )


def _date(text: str | None) -> str | None:
    """Dates as ISO (YYYY-MM-DD) when they look like one; other text is kept as given."""
    if not text:
        return None
    t = text.strip().replace("/", "-").replace(".", "-")
    return t[:10] if len(t) >= 10 and t[4] == "-" else text
