"""Raising and wording file problems, shared by every reader so messages read the same."""

from __future__ import annotations

from typing import NoReturn

from geo.errors import InputError, Problem


def fail(name: str, reason: str, hint: str | None = None) -> NoReturn:
    """Reject the whole file ``name``: one problem, raised as InputError."""
    raise InputError([Problem(file=name, reason=reason, hint=hint)])


def clip_text(text: str, limit: int = 120) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis, so a problem stays one line."""
    if len(text) > limit:
        return text[: limit - 1] + "…"
    return text


def clip(value: object, limit: int = 120) -> object:
    """A cell value for a problem: long text clipped, anything else unchanged."""
    if isinstance(value, str):
        return clip_text(value, limit)
    return value


def short(error: BaseException) -> str:
    """The first line of a library's error message (or its type), clipped."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return clip_text(text, 200)
