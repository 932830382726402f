"""`tsudoi export print`: an area's A4 sheet as a PDF, the page /print shows, made with WeasyPrint.

The QR code must lead residents to the live map from paper, so the public address is needed:
``--public-url`` or TSUDOI_PUBLIC_URL (a command has no request to take one from).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from geo.errors import UsageError
from geo.japan.municipalities import get_city
from geo.walk.city_network import load_network
from layers.paper.pdf import html_to_pdf
from service.cli.common import CityOption, DbOption, opened, plain
from service.print_sheet import choose, sheet_html
from service.serialize import now_in_japan
from service.settings import public_url


def export_print(
    city: CityOption,
    area: Annotated[str, typer.Option("--area", help="The area's id, e.g. 15100-d08")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The PDF to write")],
    category: Annotated[
        str | None, typer.Option("--category", help="Category slugs, comma-separated")
    ] = None,
    lang: Annotated[str, typer.Option("--lang", help="ja (default) or en")] = "ja",
    public: Annotated[
        str | None,
        typer.Option("--public-url", envvar="TSUDOI_PUBLIC_URL",
                     help="Where residents reach the map (for the QR code), e.g. https://map.example.jp"),
    ] = None,
    db: DbOption = None,
) -> None:
    """Write an area's A4 sheet (map, numbered list, next dates, contacts, QR code) as a PDF."""
    if lang not in ("ja", "en"):
        raise UsageError(f"--lang must be ja or en, not {lang!r}")
    base = public_url(public or "")
    if base is None:
        raise UsageError("the sheet's QR code needs the map's public address: give --public-url "
                         "https://… or set TSUDOI_PUBLIC_URL")
    code = get_city(city).code
    with opened(db) as store:
        choice = choose(store, code, area, category, lang)
        loaded = load_network(store, code)
        html = sheet_html(store, choice, base, now_in_japan(), loaded[0] if loaded else None)
    pdf = html_to_pdf(html, base + "/")
    output.write_bytes(pdf)
    plain(f"{choice.area.name} ({choice.area.id}): {output} ({len(pdf) / 1e6:.2f} MB), "
          f"QR code to {base}{choice.map_path()}")
