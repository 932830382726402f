"""The stand-in gathering places both demo cities share: names, schedules, details and props.

Why shared: a place's record is drawn from one seeded ``random.Random`` in a fixed order, so the
words, the schedule rules and the order in which details are drawn live here once; a city module
only decides where its places go and what their addresses say.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from shapely.geometry import Point

from scripts.demo.common import PhoneBook, Town, allocate, feature, town_base

NICKNAMES: tuple[tuple[str, str], ...] = (
    ("ひまわり", "ひまわり"), ("たんぽぽ", "たんぽぽ"), ("なごみ", "なごみ"),
    ("ひだまり", "ひだまり"), ("すずらん", "すずらん"), ("あじさい", "あじさい"),
    ("コスモス", "こすもす"), ("さくら", "さくら"), ("もみじ", "もみじ"), ("わかば", "わかば"),
    ("やすらぎ", "やすらぎ"), ("えがお", "えがお"), ("よりみち", "よりみち"),
    ("なかよし", "なかよし"), ("あおぞら", "あおぞら"), ("にこにこ", "にこにこ"),
    ("ぽかぽか", "ぽかぽか"), ("つばき", "つばき"), ("菜の花", "なのはな"), ("寿", "ことぶき"),
    ("陽だまり", "ひだまり"), ("結", "ゆい"), ("憩", "いこい"), ("楓", "かえで"),
    ("若竹", "わかたけ"), ("福寿草", "ふくじゅそう"), ("千歳", "ちとせ"), ("どんぐり", "どんぐり"),
    ("ゆうがお", "ゆうがお"), ("すみれ", "すみれ"), ("やまぶき", "やまぶき"), ("青空", "あおぞら"),
)  # fmt: skip
# (name with {town} or {nick}, kana with {kana} or None)
NAME_TEMPLATES: dict[str, tuple[tuple[str, str | None], ...]] = {
    "salon": (
        ("{town}ふれあいサロン（デモ）", None),
        ("{town}いきいきサロン（デモ）", None),
        ("{town}お茶のみサロン（デモ）", None),
        ("ふれあいサロン{nick}（デモ）", "ふれあいさろん{kana}"),
        ("いきいきサロン{nick}（デモ）", "いきいきさろん{kana}"),
        ("サロン{nick}（デモ）", "さろん{kana}"),
    ),
    "chanoma": (
        ("地域の茶の間　{town}（デモ）", None),
        ("{town}の茶の間（デモ）", None),
        ("地域の茶の間　{nick}（デモ）", "ちいきのちゃのま　{kana}"),
        ("茶の間{nick}（デモ）", "ちゃのま{kana}"),
    ),
    "community-cafe": (
        ("{town}コミュニティカフェ（デモ）", None),
        ("まちの縁側カフェ {town}（デモ）", None),
        ("コミュニティカフェ{nick}（デモ）", "こみゅにてぃかふぇ{kana}"),
        ("カフェ{nick}（デモ）", "かふぇ{kana}"),
    ),
    "dementia-cafe": (
        ("オレンジカフェ{town}（デモ）", None),
        ("{town}認知症カフェ（デモ）", None),
        ("オレンジカフェ{nick}（デモ）", "おれんじかふぇ{kana}"),
        ("認知症カフェ{nick}（デモ）", "にんちしょうかふぇ{kana}"),
    ),
    "kayoinoba": (
        ("{town}いきいき百歳体操（デモ）", None),
        ("{town}元気アップ体操の会（デモ）", None),
        ("{town}脳トレ教室（デモ）", None),
        ("{nick}体操クラブ（デモ）", "{kana}たいそうくらぶ"),
        ("いきいき体操{nick}（デモ）", "いきいきたいそう{kana}"),
    ),
}
ORGANISERS: dict[str, tuple[str, ...]] = {
    "salon": (
        "{town}町内会（デモ）", "{town}自治会（デモ）", "{nick}ボランティアの会（デモ）",
        "{area}地区社会福祉協議会（デモ）",
    ),
    "chanoma": ("{nick}の会（デモ）", "{town}茶の間運営委員会（デモ）"),
    "community-cafe": ("NPO法人{nick}ネット（デモ）", "{area}まちづくり協議会（デモ）"),
    "dementia-cafe": ("地域包括支援センター{area}（デモ）", "{nick}介護者の会（デモ）"),
    "kayoinoba": ("{town}町内会（デモ）", "{area}地区社会福祉協議会（デモ）", "{nick}の会（デモ）"),
}  # fmt: skip
FEES: dict[str, tuple[str, ...]] = {
    "salon": ("無料", "100円", "200円", "300円（お茶代）"),
    "chanoma": ("300円（お茶代）", "100円", "無料"),
    "community-cafe": ("飲み物200円", "300円（お茶代）", "ランチ500円"),
    "dementia-cafe": ("無料", "100円"),
    "kayoinoba": ("無料", "無料", "100円"),
    "model-house": ("300円（お茶代）",),
}
DESCRIPTIONS: dict[str, tuple[str, ...]] = {
    "salon": (
        "地域の方が気軽に集まり、おしゃべりや季節の行事を楽しむサロンです。",
        "お茶を飲みながら近所の方と交流するサロンで、どなたでも参加できます。",
        "折り紙や脳トレ、健康チェックなどを楽しむ地域の憩いの場です。",
    ),
    "chanoma": (
        "誰でも立ち寄れて、お茶を飲みながら思い思いに過ごせる地域の茶の間です。",
        "子どもから高齢者まで、誰でも自由に過ごせる地域の居場所です。",
    ),
    "community-cafe": (
        "手作りのお菓子と飲み物で、世代を問わず交流できるカフェです。",
        "地域の人が店番をする、誰でも入れるまちの縁側のようなカフェです。",
    ),
    "dementia-cafe": (
        "認知症の方やご家族、地域の方が一緒に過ごし、専門職に相談もできるカフェです。",
        "介護の悩みを気軽に話せる、認知症の方とご家族のためのオレンジカフェです。",
    ),
    "kayoinoba": (
        "DVDを見ながらいきいき百歳体操に取り組む通いの場です。",
        "ストレッチや筋力体操で、みんなで楽しく介護予防に取り組んでいます。",
    ),
    "model-house": (
        "地域包括ケア推進モデルハウスとして、誰でも利用できる常設の茶の間を開いています。",
    ),
}
ACCESSIBILITY = (
    "段差なし", "車いす可", "2階・エレベーターなし", "段差なし・車いす可",
    "入口に段差あり（手すりあり）", "駐車場あり",
)  # fmt: skip
WEEKDAY_JA = "月火水木金土日"
TIMES: dict[str, tuple[tuple[str, str], ...]] = {
    "salon": (("10:00", "12:00"), ("13:30", "15:30"), ("10:00", "11:30"), ("9:30", "11:30")),
    "chanoma": (("10:00", "15:00"), ("10:00", "16:00"), ("9:30", "14:00")),
    "community-cafe": (("11:00", "16:00"), ("10:00", "15:00"), ("13:00", "16:00")),
    "dementia-cafe": (("13:30", "15:30"), ("10:00", "12:00"), ("14:00", "16:00")),
    "kayoinoba": (("10:00", "11:00"), ("9:30", "10:30"), ("13:30", "14:30")),
    "model-house": (("10:00", "15:00"), ("10:00", "16:00")),
}
MONTHLY_WEEKS: tuple[tuple[int, ...], ...] = ((1,), (2,), (3,), (4,), (1, 3), (2, 4))


@dataclass
class Rule:
    weekdays: list[int]
    weeks: list[int] | None
    start: str
    end: str

    def as_json(self) -> dict[str, Any]:
        return {
            "weekdays": self.weekdays,
            "weeks": self.weeks,
            "start": _hhmm(self.start),
            "end": _hhmm(self.end),
        }


def _hhmm(t: str) -> str:
    h, m = t.split(":")
    return f"{int(h):02d}:{m}"


def _days_text(weekdays: list[int]) -> str:
    if len(weekdays) >= 3 and weekdays == list(range(weekdays[0], weekdays[-1] + 1)):
        return f"{WEEKDAY_JA[weekdays[0]]}〜{WEEKDAY_JA[weekdays[-1]]}"
    return "・".join(WEEKDAY_JA[d] for d in weekdays) + "曜"


def _rule_text(rule: Rule, with_prefix: bool = True) -> str:
    days = _days_text(rule.weekdays)
    times = f"{rule.start}〜{rule.end}"
    if rule.weeks is None:
        return f"{'毎週' if with_prefix else ''}{days} {times}"
    weeks = "・".join(f"第{w}" for w in rule.weeks)
    return f"{'毎月' if with_prefix else ''}{weeks}{days} {times}"


def schedule_text(rules: list[Rule]) -> str:
    parts = [_rule_text(rules[0])]
    for prev, rule in zip(rules, rules[1:], strict=False):
        same_kind = (prev.weeks is None) == (rule.weeks is None)
        parts.append(_rule_text(rule, with_prefix=not same_kind))
    return "、".join(parts)


def make_rules(category: str, rng: random.Random) -> list[Rule]:
    times = TIMES[category]
    start, end = rng.choice(times)
    if category == "model-house":
        days = rng.choice([[0, 1, 2, 3, 4], [0, 2, 4], [1, 2, 3, 4]])
        return [Rule(days, None, start, end)]
    if category == "chanoma":
        if rng.random() < 0.7:
            return [Rule(sorted(rng.sample(range(6), rng.choice([1, 2]))), None, start, end)]
        return [Rule([rng.randrange(6)], list(rng.choice(MONTHLY_WEEKS[4:])), start, end)]
    if category == "community-cafe":
        if rng.random() < 0.6:
            return [Rule(sorted(rng.sample(range(6), 2)), None, start, end)]
        return [Rule([rng.randrange(6)], list(rng.choice(MONTHLY_WEEKS)), start, end)]
    if category == "dementia-cafe":
        return [Rule([rng.randrange(6)], list(rng.choice(MONTHLY_WEEKS[:4])), start, end)]
    if category == "kayoinoba":
        n = rng.choice([1, 1, 2])
        days = sorted(rng.sample([0, 1, 2, 3, 4], n)) if n == 2 else [rng.randrange(5)]
        if n == 2 and days[1] - days[0] < 2:
            days = [days[0], days[0] + 3] if days[0] + 3 <= 4 else [max(days[0] - 3, 0), days[0]]
        return [Rule(days, None, start, end)]
    # salon
    r = rng.random()
    if r < 0.15:
        return [Rule([rng.randrange(5)], None, start, end)]
    if r < 0.22:  # two different meetings a month
        d1, d2 = rng.sample(range(6), 2)
        s2, e2 = rng.choice([t for t in times if t != (start, end)])
        return [Rule([d1], [1], start, end), Rule([d2], [3], s2, e2)]
    return [Rule([rng.randrange(6)], list(rng.choice(MONTHLY_WEEKS)), start, end)]


def verified_date(rng: random.Random) -> str:
    if rng.random() < 0.2:  # stale: older than a year before TODAY_REF
        lo, hi = dt.date(2025, 1, 6), dt.date(2025, 2, 20)
    else:
        lo, hi = dt.date(2025, 4, 1), dt.date(2026, 2, 27)
    return (lo + dt.timedelta(days=rng.randrange((hi - lo).days + 1))).isoformat()



# ---------------------------------------------------------------------------------------------
# one place's record, drawn in a fixed order


def unique_name(
    category: str, town: Town, rng: random.Random, used: set[str]
) -> tuple[str, str | None]:
    """A name (and its kana when the name has a nickname) not given to another place yet."""
    templates = NAME_TEMPLATES[category]
    for _ in range(30):
        tmpl, kana_tmpl = rng.choice(templates)
        nick, nick_kana = rng.choice(NICKNAMES)
        name = tmpl.format(town=town_base(town.town), nick=nick)
        if name not in used:
            used.add(name)
            return name, (kana_tmpl.format(kana=nick_kana) if kana_tmpl else None)
    raise RuntimeError(f"no unique name for {category} in {town.town}")


def identity(
    category: str, town: Town, area_base: str, rng: random.Random, used: set[str]
) -> tuple[str, str | None, str]:
    """Name, kana and organiser of a stand-in place near ``town`` in the area ``area_base``."""
    name, kana = unique_name(category, town, rng, used)
    nick = rng.choice(NICKNAMES)[0]
    organiser = rng.choice(ORGANISERS[category]).format(
        town=town_base(town.town), nick=nick, area=area_base
    )
    return name, kana, organiser


def details(
    category: str, name: str, kana: str | None, organiser: str, rng: random.Random
) -> dict[str, Any]:
    """The rest of a stand-in gathering place: fee, schedule, description, access, status."""
    return {
        "name": name,
        "kana": kana,
        "organiser": organiser,
        "fee": rng.choice(FEES[category]),
        "rules": make_rules(category, rng),
        "description": rng.choice(DESCRIPTIONS[category]),
        "accessibility": rng.choice(ACCESSIBILITY) if rng.random() < 0.4 else None,
        "status": "paused" if rng.random() < 0.06 else "active",
    }


def model_house_details(name: str, organiser: str, rng: random.Random) -> dict[str, Any]:
    """A 地域包括ケア推進モデルハウス: open on weekdays, step-free, always active."""
    return {
        "name": name,
        "kana": None,
        "organiser": organiser,
        "fee": FEES["model-house"][0],
        "rules": make_rules("model-house", rng),
        "description": DESCRIPTIONS["model-house"][0],
        "accessibility": "段差なし・車いす可",
        "status": "active",
    }


class _Area(Protocol):
    id: str


A = TypeVar("A", bound=_Area)


def place_plan(
    areas: Sequence[A], sizes: dict[str, int], totals: dict[str, int], minimum: int,
    rng: random.Random,
) -> list[tuple[A, str]]:
    """(area, category) for every stand-in place but the model houses: each area gets places
    in proportion to ``sizes`` (at least ``minimum``), one salon each, the rest shuffled."""
    slots = allocate(sizes, sum(totals.values()), minimum=minimum)
    pool = [c for c, n in sorted(totals.items()) for _ in range(n)]
    for _ in areas:
        pool.remove("salon")  # one salon reserved per area
    rng.shuffle(pool)
    plan: list[tuple[A, str]] = []
    for a in areas:
        plan.append((a, "salon"))
        plan.extend((a, pool.pop()) for _ in range(slots[a.id] - 1))
    assert not pool
    return plan


def category_order(totals: dict[str, int]) -> dict[str, int]:
    """Model houses first, then the categories alphabetically: the order places are numbered."""
    return {c: i for i, c in enumerate(["model-house", *sorted(totals)])}


@dataclass
class Where:
    """Where a numbered place is written: its point, address and location precision."""

    lon: float
    lat: float
    address: str
    precision: str


def place_feature(
    n: int, city: str, category: str, d: dict[str, Any], where: Where, phones: PhoneBook,
    rng: random.Random, source: str,
) -> dict[str, Any]:
    """The ``n``-th place as a feature, in the layout the place import reads."""
    rules: list[Rule] = d["rules"]
    props = {
        "id": f"d{n:04d}",
        "city": city,
        "kind": "gathering",
        "category": category,
        "name": d["name"],
        "kana": d["kana"],
        "address": where.address,
        "phone": phones.take() if (category == "model-house" or rng.random() < 0.88) else None,
        "organiser": d["organiser"],
        "fee": d["fee"],
        "schedule": schedule_text(rules),
        "schedule_rules": [r.as_json() for r in rules],
        "description": d["description"],
        "accessibility": d["accessibility"],
        "url": None,
        "status": d["status"],
        "location_precision": where.precision,
        "last_verified": verified_date(rng),
        "internal_contact": (
            "代表者 携帯 000-0000-0000（内部用・デモ）" if rng.random() < 0.3 else None
        ),
        "demo": True,
        "source": source,
    }
    return feature(Point(where.lon, where.lat), props)


@dataclass
class Spot:
    """Where a stand-in place goes: a town point, possibly jittered ("exact") or not ("town")."""

    town: Town
    lon: float
    lat: float
    precision: str
