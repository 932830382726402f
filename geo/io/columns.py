"""Finding a field among a file's columns by its many names (English, Japanese, standard)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from geo.errors import Problem, UsageError
from geo.text import fold


def _key(name: str) -> str:
    return fold(name).lstrip("#").replace("_", "").replace("（", "(").replace("）", ")")


def find_column(
    columns: Sequence[str], aliases: Iterable[str], explicit: str | None = None
) -> str | None:
    """The column that holds a field: the one named explicitly, else the first alias present.

    Matching folds width, case, kana and separators, so 'Telephone_Number', 'telephoneNumber'
    and '電話番号' style variants are all found. An explicit name that is absent is a usage error.
    """
    if explicit:
        if explicit in columns:
            return explicit
        wanted = _key(explicit)
        for col in columns:
            if _key(col) == wanted:
                return col
        raise UsageError(
            f"no column named {explicit!r}; the file has: {', '.join(map(str, columns))}"
        )
    keyed = {_key(c): c for c in reversed(columns)}
    for alias in aliases:
        hit = keyed.get(_key(alias))
        if hit is not None:
            return hit
    return None


def problems_for_duplicates(
    file: str, row_label: str, keyed_rows: Iterable[tuple[int, str]], field: str
) -> list[Problem]:
    """One problem per row whose id repeats an earlier row's id."""
    seen: dict[str, int] = {}
    out: list[Problem] = []
    for number, key in keyed_rows:
        if key in seen:
            out.append(
                Problem(
                    file=file,
                    row=number,
                    row_label=row_label,
                    field=field,
                    value=key,
                    reason=f"duplicate id: {row_label} {seen[key]} has the same id",
                )
            )
        else:
            seen[key] = number
    return out
