"""`tsudoi export print`: the A4 sheet as a PDF, read back as a person would — at most two A4
pages for an area of 30 places, every place's phone and address in its text (pdftotext), a QR
code that a reader (zbarimg, on pdftoppm's picture of page 1) takes to the area's live map, and
only the vendored font inside (pdffonts)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from geo.store.base import PlaceQuery
from geo.store.gpkg import GpkgStore
from layers.schedule import describe, next_occurrences, short_date_text
from service.serialize import now_in_japan
from tests.conftest import Tsudoi, demo_in

PUBLIC = "https://map.example.jp/tsudoi"
A4_PT = (595.28, 841.89)


@pytest.fixture(scope="module")
def demo_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("export-print")
    demo_in("gpkg", request, folder).close()
    return folder / "demo.gpkg"


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is missing (poppler-utils / zbar-tools; .ci/run installs them)")
    return found


def _run(*args: str) -> str:
    return subprocess.run(list(args), capture_output=True, text=True, check=True,
                          timeout=120).stdout


def _flat(text: str) -> str:
    """Text without spaces and line breaks: a wrapped address reads as one."""
    return re.sub(r"\s+", "", text)


def _qr(pdf: Path, tmp_path: Path) -> str:
    _run(_tool("pdftoppm"), "-r", "150", "-f", "1", "-l", "1", "-png", str(pdf),
         str(tmp_path / "page"))
    png = next(tmp_path.glob("page*.png"))
    return _run(_tool("zbarimg"), "--quiet", "--raw", str(png)).strip()


def _fonts(pdf: Path) -> list[tuple[str, str]]:
    """Each font's name and whether it is embedded ('yes')."""
    lines = _run(_tool("pdffonts"), str(pdf)).splitlines()[2:]
    return [(line.split()[0], line.split()[-5]) for line in lines if line.strip()]


def test_thirty_places_on_two_a4_pages_with_phones_addresses_and_a_qr_code(
    tsudoi: Tsudoi, demo_db: Path, tmp_path: Path
) -> None:
    out = tmp_path / "nishi.pdf"
    done = tsudoi("export", "print", "--city", "15100", "--area", "15100-L1-15107", "-o", out,
                  "--public-url", PUBLIC + "/", "--db", demo_db, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"QR code to {PUBLIC}/map/15100?area=15100-L1-15107" in done.stdout
    pages = PdfReader(out).pages
    assert 1 <= len(pages) <= 2
    for page in pages:
        box = page.mediabox
        assert abs(float(box.width) - A4_PT[0]) < 1 and abs(float(box.height) - A4_PT[1]) < 1
    text = _flat(_run(_tool("pdftotext"), str(out), "-"))
    # the list's name-and-address column alone (points from the left edge), so a wrapped name
    # reads on without the next column's words in between
    column = _flat(_run(_tool("pdftotext"), "-x", "50", "-y", "0", "-W", "187", "-H", "842",
                        str(out), "-"))
    store = GpkgStore(demo_db)
    places = store.places(PlaceQuery(city="15100", area="15100-L1-15107"))
    store.close()
    assert len(places) == 30
    for place in places:
        assert _flat(place.name) in column
        assert place.address and _flat(place.address) in column
        if place.phone:
            assert place.phone in text
    assert "西区の集いの場" in text and "作成" in text
    assert _qr(out, tmp_path) == f"{PUBLIC}/map/15100?area=15100-L1-15107"
    fonts = _fonts(out)
    assert fonts and all("BIZ-UDPGothic" in name and emb == "yes" for name, emb in fonts), fonts


def test_english_sheet_of_thirty_places_also_fits_two_pages(
    tsudoi: Tsudoi, demo_db: Path, tmp_path: Path
) -> None:
    """English schedules are words ("1st and 3rd Fridays, 13:30–15:30"), longer than
    「毎月第1・第3金曜」: the same 30 places still fit two A4 pages, each with its name, address,
    phone, schedule in words and next dates, and the QR code still reads."""
    out = tmp_path / "nishi-en.pdf"
    done = tsudoi("export", "print", "--city", "15100", "--area", "15100-L1-15107", "--lang", "en",
                  "-o", out, "--public-url", PUBLIC, "--db", demo_db, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert 1 <= len(PdfReader(out).pages) <= 2
    text = _flat(_run(_tool("pdftotext"), str(out), "-"))
    column = _flat(_run(_tool("pdftotext"), "-x", "50", "-y", "0", "-W", "187", "-H", "842",
                        str(out), "-"))
    when = _flat(_run(_tool("pdftotext"), "-x", "238", "-y", "0", "-W", "224", "-H", "842",
                      str(out), "-"))  # the schedule column alone, its wrapped lines in order
    store = GpkgStore(demo_db)
    places = store.places(PlaceQuery(city="15100", area="15100-L1-15107"))
    store.close()
    assert len(places) == 30
    now = now_in_japan()
    for place in places:
        assert _flat(place.name) in column
        assert place.address and _flat(place.address) in column
        if place.phone:
            assert place.phone in text
        assert _flat(describe(place.schedule_rules, "en", brief=True)) in when
        coming = next_occurrences(place.schedule_rules, now, 3)
        assert _flat("next " + ", ".join(short_date_text(o.date, "en") for o in coming)) in when
    assert _flat("Places to gather in 西区") in text and "Madeon" in text
    assert _qr(out, tmp_path) == f"{PUBLIC}/map/15100?area=15100-L1-15107&lang=en"


def test_english_sheet_with_streets_and_contacts(
    tsudoi: Tsudoi, demo_db: Path, tmp_path: Path
) -> None:
    out = tmp_path / "onda.pdf"
    done = tsudoi("export", "print", "--city", "35202", "--area", "35202-L2-d03", "--category",
                  "salon,community-cafe", "--lang", "en", "-o", out, "--public-url", PUBLIC,
                  "--db", demo_db, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert len(PdfReader(out).pages) <= 2
    text = _flat(_run(_tool("pdftotext"), str(out), "-"))
    assert _flat("Places to gather in 恩田圏域（デモ）") in text
    assert "0836-000-0109" in text  # the 包括's phone
    assert "OpenStreetMap" in text  # streets drawn from the network, credited
    link = f"{PUBLIC}/map/35202?category=salon%2Ccommunity-cafe&area=35202-L2-d03&lang=en"
    assert _qr(out, tmp_path) == link


@pytest.mark.parametrize(("args", "words"), [
    (["--city", "15100", "--area", "15100-L1-15107"], "TSUDOI_PUBLIC_URL"),  # no public address
    (["--city", "15100", "--area", "nope", "--public-url", PUBLIC], "no area 'nope'"),
    (["--city", "15100", "--area", "35202-L2-d03", "--public-url", PUBLIC], "no area"),
    (["--city", "10202", "--area", "x", "--public-url", PUBLIC], "10202"),
    (["--city", "15100", "--area", "15100-L1-15107", "--public-url", "map.example.jp"],
     "TSUDOI_PUBLIC_URL"),
    (["--city", "15100", "--area", "15100-L1-15107", "--public-url", PUBLIC, "--lang", "fr"],
     "--lang"),
    (["--city", "15100", "--area", "15100-L1-15107", "--public-url", PUBLIC, "--category", "nope"],
     "unknown category"),
])
def test_wrong_options_exit_2_and_write_nothing(
    tsudoi: Tsudoi, demo_db: Path, tmp_path: Path, args: list[str], words: str
) -> None:
    out = tmp_path / "sheet.pdf"
    done = tsudoi("export", "print", *args, "-o", out, "--db", demo_db, cwd=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert words in done.stderr
    assert not out.exists()
