"""The columns of a population file that count people: total, 65+ and 75+, found by name or
label (full-width digits folded), and each row's counts read from them."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from geo.errors import InputError, Problem
from geo.ingest.pipeline import Batch
from geo.io.columns import find_column
from geo.io.source import FeatureSource

# whole-population and per-sex totals, compared after _fold_label
_TOTAL_NAMES = frozenset({
    "totalpopulation", "total", "population", "pop", "人口", "総人口", "人口総数", "総数",
    "人口(総数)", "人口総数(人)", "総数(人)", "人口計", "合計", "男女計", "総計",
})  # fmt: skip
_MALE_NAMES = frozenset({"male", "man", "men", "男", "男性", "男計", "人口男", "人口(総数)男"})
_FEMALE_NAMES = frozenset({
    "female", "woman", "women", "女", "女性", "女計", "人口女", "人口(総数)女",
})  # fmt: skip
# what statistics tables write in a cell that holds no number: secret (秘匿) or none (該当なし)
_SECRET = frozenset({"*", "x", "×", "…", "***", "秘", "秘匿", "χ"})
_NONE = frozenset({"-", "‐", "―", "—", "ー", "−", "–"})

_BAND = re.compile(r"^(man|men|male|woman|women|female)_?(\d{1,2})$")
_RANGE = re.compile(r"(\d+)歳?[~〜～\-ー―‐–](\d+)歳")
_OPEN = re.compile(r"(\d+)歳以上|(?:age)?_?(\d+)(?:\+|plus|over|以上)|over_?(\d+)")
_NOISE = re.compile(r"人口|総数|うち|再掲|の|\(人\)|人$|[()「」_・]|計$")


@dataclass(frozen=True)
class _Band:
    column: str
    sex: str  # "t" both, "m", "f"
    lo: int
    hi: int | None  # None: open-ended ("65歳以上")


#: The count fields --field names: ``--field total=人口 --field 65+=高齢者数 --field 75+=…``.
COUNT_FIELDS = ("total", "65+", "75+")


@dataclass
class CountColumns:
    """The columns summed into a row's total, 65+ and 75+."""

    total: list[str]
    age65: list[str]
    age75: list[str]
    labels: dict[str, str] = field(default_factory=dict)

    def guessed(self) -> dict[str, list[str]]:
        """Each count field's columns, for saying which were found by their names."""
        return {"total": self.total, "65+": self.age65, "75+": self.age75}

    def describe(self) -> str:
        def one(cols: list[str]) -> str:
            named = [f"{c} {self.labels[c]}" if self.labels.get(c) else c for c in cols]
            if len(named) == 1:
                return named[0]
            return f"{named[0]} … {named[-1]} ({len(named)} columns)"

        return f"total = {one(self.total)}; 65+ = {one(self.age65)}; 75+ = {one(self.age75)}"


def _fold_label(text: str) -> str:
    """NFKC (full-width digits and brackets to ASCII), lower case, no spaces."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text).lower())


def _sex_of(rest: str) -> str | None:
    """'t', 'm' or 'f' for what is left of a label once its age is removed; None if more is."""
    rest = _NOISE.sub("", rest)
    if rest in ("", "男女", "総", "total", "both"):
        return "t"
    if rest in ("男", "男性", "male", "men", "man"):
        return "m"
    if rest in ("女", "女性", "female", "women", "woman"):
        return "f"
    return None


def age_band(column: str, label: str = "") -> tuple[str, int, int | None] | None:
    """(sex, from age, to age or None for "and over") of a count column, from its name or label.

    ``man14`` → ('m', 65, 69) (5-year band 14 of 18; band 18 is 85+); ``６５歳以上人口　総数`` →
    ('t', 65, None); ``７０～７４歳　女`` → ('f', 70, 74). None when the column is not an age count.
    """
    match = _BAND.match(_fold_label(column))
    if match:
        k = int(match.group(2))
        if not 1 <= k <= 18:
            return None
        by_sex = "f" if match.group(1).startswith(("w", "f")) else "m"
        return (by_sex, 5 * (k - 1), None if k == 18 else 5 * k - 1)
    for text in (label, column):
        folded = _fold_label(text)
        if not folded or "世帯" in folded or "household" in folded:
            continue
        found = _RANGE.search(folded)
        if found:
            lo, hi = int(found.group(1)), int(found.group(2))
            sex = _sex_of(folded[: found.start()] + folded[found.end() :])
            if sex is not None and hi >= lo:
                return (sex, lo, hi)
            continue
        opened = _OPEN.search(folded)
        if opened:
            lo = int(next(g for g in opened.groups() if g is not None))
            sex = _sex_of(folded[: opened.start()] + folded[opened.end() :])
            if sex is not None:
                return (sex, lo, None)
    return None


def _tile(bands: list[_Band], start: int) -> list[str] | None:
    """Columns whose bands cover the ages start… exactly once (an open-ended band preferred)."""
    by_lo: dict[int, list[_Band]] = {}
    for b in bands:
        by_lo.setdefault(b.lo, []).append(b)

    def walk(lo: int, depth: int) -> list[str] | None:
        if depth > 60:
            return None
        for b in sorted(by_lo.get(lo, []), key=lambda b: (b.hi is not None, -(b.hi or 0))):
            if b.hi is None:
                return [b.column]
            rest = walk(b.hi + 1, depth + 1)
            if rest is not None:
                return [b.column, *rest]
        return None

    return walk(start, 0)


def _from_age(bands: list[_Band], start: int) -> list[str] | None:
    """Columns counting everyone aged start and over: both sexes, else men plus women."""
    both = _tile([b for b in bands if b.sex == "t"], start)
    if both:
        return both
    male = _tile([b for b in bands if b.sex == "m"], start)
    female = _tile([b for b in bands if b.sex == "f"], start)
    return male + female if male and female else None


def count_columns(src: FeatureSource, named: Mapping[str, str] | None = None) -> CountColumns:
    """Find the total, 65+ and 75+ columns (those ``named`` by --field as given); InputError
    naming what was looked for otherwise."""
    labels = src.labels
    named = named or {}
    chosen = {
        f: [find_column(src.columns, (), named[f]) or named[f]] for f in COUNT_FIELDS if f in named
    }
    bands: list[_Band] = []
    total: list[str] | None = None
    male: str | None = None
    female: str | None = None
    for column in src.columns:
        label = labels.get(column, "")
        keys = {_fold_label(column), _fold_label(label)} - {""}
        if total is None and keys & _TOTAL_NAMES:
            total = [column]
        elif male is None and keys & _MALE_NAMES:
            male = column
        elif female is None and keys & _FEMALE_NAMES:
            female = column
        elif (band := age_band(column, label)) is not None:
            bands.append(_Band(column, *band))
    if total is None:
        total = _from_age(bands, 0) or ([male, female] if male and female else None)
    total = chosen.get("total", total)
    age65 = chosen.get("65+") or _from_age(bands, 65)
    age75 = chosen.get("75+") or _from_age(bands, 75)
    missing = [
        what
        for what, found in (("the total", total), ("65+", age65), ("75+", age75))
        if not found
    ]
    if missing or not (total and age65 and age75):
        shown = ", ".join(f"{c} ({labels[c]})" if labels.get(c) else c for c in src.columns[:40])
        raise InputError([Problem(
            file=src.name,
            reason=f"no column for {' or '.join(missing)} of the population",
            hint=(
                "looked for a total (人口（総数）, totalPopulation, 総数 …), 65+ and 75+ columns "
                "(６５歳以上人口　総数, 75歳以上 …) or 5-year bands (man1…man18 and "
                f"woman1…woman18, 65～69歳 …), or name them with --field total=COLUMN, "
                f"--field 65+=COLUMN, --field 75+=COLUMN; the file has: {shown}"
            ),
        )])
    return CountColumns(total, age65, age75, labels={c: labels.get(c, "") for c in src.columns})


@dataclass
class Counted:
    """One row's counts, and how many of its cells were read as 0."""

    total: float
    age65: float
    age75: float
    secret: int  # cells marked secret (*) read as 0
    blank: int  # empty cells read as 0


def count_value(value: Any) -> tuple[float | None, str]:
    """(number, kind) of a count cell; kind is 'ok', 'secret', 'none', 'blank' or 'bad'."""
    if value is None:
        return 0.0, "blank"
    if isinstance(value, bool):
        return None, "bad"
    if isinstance(value, int | float):
        return (float(value), "ok") if value == value else (0.0, "blank")
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if not text:
        return 0.0, "blank"
    if text.lower() in _SECRET:
        return 0.0, "secret"
    if text in _NONE:
        return 0.0, "none"
    try:
        number = float(text.replace(",", "").removesuffix("人"))
    except ValueError:
        return None, "bad"
    return (number, "ok") if number == number and abs(number) != float("inf") else (None, "bad")


def count_row(
    batch: Batch[Any], number: int, props: dict[str, Any], cols: CountColumns
) -> Counted | None:
    """A row's total, 65+ and 75+; None when a count is unreadable or they contradict."""
    kinds: Counter[str] = Counter()
    values: dict[str, float] = {}
    ok = True
    for column in dict.fromkeys([*cols.total, *cols.age65, *cols.age75]):
        value, kind = count_value(props.get(column))
        kinds[kind] += 1
        if value is None or value < 0:
            label = cols.labels.get(column)
            reason = "not a count of people" if value is None else "a negative count"
            batch.refuse(
                number, reason + (f" ({label})" if label else ""), field=column,
                value=props.get(column),
                hint="人数は 0 以上の数で入力してください (秘匿は * のまま)",
            )  # fmt: skip
            ok = False
            continue
        values[column] = value
    if not ok:
        return None
    total = sum(values[c] for c in cols.total)
    age65 = sum(values[c] for c in cols.age65)
    age75 = sum(values[c] for c in cols.age75)
    if not kinds["secret"] and not kinds["blank"]:  # hidden cells make these checks meaningless
        for part, whole, reason, column in (
            (age65, total, "more people aged 65+ than in total", cols.age65[0]),
            (age75, age65, "more people aged 75+ than aged 65+", cols.age75[0]),
        ):
            if part > whole + 1e-9:
                batch.refuse(number, reason, field=column, value=f"{part:g} > {whole:g}")
                return None
    return Counted(total, age65, age75, kinds["secret"], kinds["blank"])
