"""The one message catalogue of the map's labels, Japanese and English, read from gettext .po files.

Message ids are English; ``layers/locale/{lang}/LC_MESSAGES/tsudoi.po`` holds each language's text.
The pages use it through ``messages(lang)`` and hand the same dictionary to the page script, so a
label is written once for the server and the browser alike. Placeholders are ``{name}``.

Entries flagged ``#, editor`` are used by the editor (/edit) alone: :func:`page_messages` leaves
them out of what the residents' pages send to the browser, which keeps those pages light.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from importlib.resources import as_file, files
from pathlib import Path

from babel.messages.pofile import read_po

LANGUAGES: tuple[str, ...] = ("ja", "en")
DEFAULT_LANGUAGE = "ja"
DOMAIN = "tsudoi"
EDITOR_FLAG = "editor"


def catalogue_path(lang: str) -> Path:
    """Where a language's .po file lives in the installed package."""
    with as_file(files("layers") / "locale" / lang / "LC_MESSAGES" / f"{DOMAIN}.po") as path:
        return Path(path)


@cache
def _read(lang: str) -> tuple[dict[str, str], frozenset[str]]:
    """msgid → text, and the msgids flagged for the editor alone."""
    with catalogue_path(lang).open("rb") as fh:
        catalog = read_po(fh, locale=lang, domain=DOMAIN)
    out: dict[str, str] = {}
    editor: set[str] = set()
    for msg in catalog:
        if not msg.id or not isinstance(msg.id, str):
            continue  # the header, and plural forms (the map has none)
        text = msg.string if isinstance(msg.string, str) else ""
        out[msg.id] = text or msg.id  # English may leave msgstr empty: the id is the text
        if EDITOR_FLAG in msg.flags:
            editor.add(msg.id)
    return out, frozenset(editor)


def _load(lang: str) -> dict[str, str]:
    return _read(lang)[0]


def pick_language(requested: str | None) -> str:
    """The language asked for when the catalogue has it, else Japanese."""
    return requested if requested in LANGUAGES else DEFAULT_LANGUAGE


def messages(lang: str) -> dict[str, str]:
    """msgid → text in the language (a copy: callers may not change the cached catalogue)."""
    return dict(_load(pick_language(lang)))


def page_messages(lang: str) -> dict[str, str]:
    """What a residents' page sends its scripts: the catalogue without the editor's entries."""
    labels, editor = _read(pick_language(lang))
    return {k: v for k, v in labels.items() if k not in editor}


def msgids(lang: str) -> set[str]:
    """The ids a language's catalogue defines, for the test that every used label exists."""
    return set(_load(pick_language(lang)))


def translator(lang: str) -> Callable[..., str]:
    """``t(msgid, **values)``: the label in the language with its ``{name}`` placeholders filled.

    Values are put in as plain text (no format spec is read from them); a msgid the catalogue
    lacks is shown as is, as the pages do.
    """
    labels = _load(pick_language(lang))

    def t(msgid: str, **values: object) -> str:
        text = labels.get(msgid, msgid)
        for key, value in values.items():
            text = text.replace("{" + key + "}", str(value))
        return text

    return t
