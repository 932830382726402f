"""The default catalogue of place categories, and matching a file's category text to one."""

from __future__ import annotations

import hashlib
from dataclasses import replace

from geo.errors import Problem
from geo.model import Category
from geo.store.base import Store
from geo.text import fold
from layers.category_slugs import one_line, slug_of

# Colours chosen to stay distinguishable for the common colour-vision deficiencies and to keep
# white text readable on them; the UI never relies on colour alone (labels and icons go with it).
DEFAULT_CATEGORIES: tuple[Category, ...] = (
    Category("salon", "サロン", "Salon", "#c2255c", "gathering", "salon", None, 10),
    Category(
        "chanoma",
        "地域の茶の間",
        "Community living room",
        "#237a35",
        "gathering",
        "chanoma",
        None,
        20,
    ),
    Category(
        "community-cafe",
        "コミュニティカフェ",
        "Community café",
        "#1864ab",
        "gathering",
        "cafe",
        None,
        30,
    ),
    Category(
        "dementia-cafe",
        "認知症カフェ",
        "Dementia café",
        "#c05600",
        "gathering",
        "dementia-cafe",
        None,
        40,
    ),
    Category(
        "kayoinoba",
        "通いの場",
        "Kayoi-no-ba (weekly group)",
        "#6741d9",
        "gathering",
        "kayoinoba",
        None,
        50,
    ),
    Category(
        "model-house",
        "モデルハウス",
        "Model house",
        "#0b7285",
        "gathering",
        "model-house",
        None,
        60,
    ),
    Category("hall", "集会所・公民館", "Hall (venue)", "#495057", "venue", "hall", None, 90),
)

# Other names the same categories go by in cities' lists (matched after folding).
ALIASES: dict[str, tuple[str, ...]] = {
    "salon": ("ふれあい・いきいきサロン", "いきいきサロン", "ふれあいサロン", "サロン活動"),
    "chanoma": ("茶の間", "地域の茶の間", "実家の茶の間"),
    "community-cafe": ("カフェ", "地域カフェ", "コミュニティ・カフェ"),
    "dementia-cafe": ("オレンジカフェ", "認知症カフェ", "dementia cafe", "memory cafe"),
    "kayoinoba": ("通いの場", "住民主体の通いの場", "体操教室", "介護予防の通いの場"),
    "model-house": ("地域包括ケア推進モデルハウス", "モデルハウス"),
    "hall": ("公民館", "集会所", "会館", "コミュニティセンター", "地区センター", "venue"),
}

_PALETTE = ("#a61e4d", "#087f5b", "#364fc7", "#9c36b5", "#5c940d", "#862e9c", "#1c7ed6")


def ensure_default_categories(store: Store) -> None:
    """Seed the default catalogue once; a city's own categories are added beside it."""
    have = {c.slug for c in store.categories(None) if c.city is None}
    missing = [c for c in DEFAULT_CATEGORIES if c.slug not in have]
    if missing:
        store.put_categories(missing)


class CategoryMatcher:
    """Resolves a file's category text (slug, either label, or an alias) to a category slug."""

    def __init__(self, categories: list[Category]) -> None:
        self.categories = {c.slug: c for c in categories}
        self._index: dict[str, str] = {}
        for c in categories:
            for name in (c.slug, c.label_ja, c.label_en, *ALIASES.get(c.slug, ())):
                self._index.setdefault(fold(name), c.slug)
        self.created: list[Category] = []

    def match(self, text: str) -> str | None:
        """The slug for the text, or None."""
        return self._index.get(fold(text))

    def known(self) -> str:
        """The known categories, for an error message."""
        return ", ".join(f"{c.slug} ({c.label_ja})" for c in self.categories.values())

    def create(self, label: str, city: str, kind: str) -> str:
        """Add a city category named by the file (with --create-categories): its label on one
        line, its slug ASCII from the label's reading (layers.category_slugs)."""
        label = one_line(label)
        slug = slug_of(label) or "c-" + hashlib.sha1(label.encode()).hexdigest()[:8]
        if slug in self.categories:
            slug = f"{slug}-{hashlib.sha1(label.encode()).hexdigest()[:4]}"
        cat = Category(
            slug=slug,
            label_ja=label,
            label_en=label,
            color=_PALETTE[len(self.created) % len(_PALETTE)],
            kind=kind,  # type: ignore[arg-type]
            city=city,
            sort=200 + len(self.created),
        )
        self.categories[slug] = cat
        self._index[fold(label)] = slug
        self.created.append(cat)
        return slug

    def problem(self, file: str, row: int, row_label: str, field: str, value: str) -> Problem:
        """The problem for an unknown category, listing the known ones."""
        return Problem(
            file=file,
            row=row,
            row_label=row_label,
            field=field,
            value=value,
            reason="unknown category",
            hint=f"known: {self.known()}; or add --create-categories to create it",
        )


def city_category(cat: Category, city: str) -> Category:
    """A copy of a category owned by a city (to rename a default one for that city)."""
    return replace(cat, city=city)
