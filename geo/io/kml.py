"""KML (and the KML inside a KMZ), as Google Earth and Google My Maps export it.

Parsed with defusedxml (entities and DTDs refused); My Maps layers become a ``folder`` and
``folder_path`` column, ExtendedData/SchemaData become columns, and a placemark whose coordinates
cannot be read is kept unlocated with a problem, so one typo does not lose the file.
"""

from __future__ import annotations

import math
import re
import unicodedata
from pathlib import Path
from typing import Any

from shapely.errors import GEOSException
from shapely.geometry import (
    GeometryCollection,
    LineString,
    MultiLineString,
    MultiPoint,
    MultiPolygon,
    Point,
    Polygon,
)
from shapely.geometry.base import BaseGeometry

from geo.errors import Problem
from geo.io._keys import clean_key, free_key, strip_or_none
from geo.io._lonlat import swap_hint
from geo.io._problems import clip, fail, short
from geo.io.source import FeatureSource, Row

_KML_OWN_KEYS = ("name", "description", "folder", "folder_path", "kml_id", "style_url")
_KML_NAMESPACES = {"http://www.opengis.net/kml/2.2", "http://www.opengis.net/kml/2.3"}
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_LABEL = "placemark"


class _CoordinateError(ValueError):
    """A KML coordinate string that cannot be read; carries the offending text."""

    def __init__(self, reason: str, value: str | None = None, hint: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.value = value
        self.hint = hint


def read_kml(data: bytes, name: str) -> FeatureSource:
    """Every placemark of a KML document, in document order; InputError if it is not KML."""
    root = _parse_xml(data, name)
    placemarks = _Placemarks(name)
    root_tag = _kml_tag(root.tag)
    if root_tag == "Placemark":
        placemarks.add(root, [])
    elif root_tag in ("kml", "Document", "Folder"):
        placemarks.walk(
            root, [strip_or_none(_child_text(root, "name"))] if root_tag == "Folder" else []
        )
    else:
        fail(name, f"not KML: the root element is <{root.tag}>", hint="expected <kml>")
    rows = placemarks.rows
    base = ["name", "description"]
    tail = ["folder", "folder_path", "kml_id", "style_url"]
    if not any("kml_id" in row.props for row in rows):
        tail.remove("kml_id")
    extra = [c for c in placemarks.extra_columns if c not in base and c not in tail]
    return FeatureSource(
        path=Path(name),
        name=name,
        format="kml",
        row_label=_LABEL,
        columns=base + extra + tail,
        rows=rows,
        encoding=None,
        problems=placemarks.problems,
        source_crs=None,
    )


class _Placemarks:
    """Rows, problems and ExtendedData columns gathered while walking one KML tree."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.rows: list[Row] = []
        self.problems: list[Problem] = []
        self.extra_columns: dict[str, None] = {}

    def walk(self, element: Any, folders: list[str | None]) -> None:
        """Placemarks under ``element``, with the names of the folders they sit in."""
        for child in element:
            tag = _kml_tag(child.tag)
            if tag == "Placemark":
                self.add(child, folders)
            elif tag == "Folder":
                self.walk(child, [*folders, strip_or_none(_child_text(child, "name"))])
            elif tag in ("Document", "kml"):
                self.walk(child, folders)

    def add(self, element: Any, folders: list[str | None]) -> None:
        """One placemark as a row."""
        number = len(self.rows) + 1
        props: dict[str, Any] = {
            "name": strip_or_none(_child_text(element, "name")),
            "description": _child_text(element, "description") or None,
        }
        for extended in _children(element, "ExtendedData"):
            self._extended(extended, props)
        named = [f for f in folders if f]
        props["folder"] = folders[-1] if folders else None
        props["folder_path"] = " / ".join(named) if named else None
        if element.get("id"):
            props["kml_id"] = element.get("id")
        props["style_url"] = strip_or_none(_child_text(element, "styleUrl"))
        self.rows.append(Row(number, props, self._geometry(element, number)))

    def _extended(self, extended: Any, props: dict[str, Any]) -> None:
        """<Data name><value> and <SchemaData><SimpleData name> as columns beside KML's own."""
        pairs = [(d.get("name"), _child_text(d, "value")) for d in _children(extended, "Data")]
        pairs += [
            (simple.get("name"), simple.text)
            for schema_data in _children(extended, "SchemaData")
            for simple in _children(schema_data, "SimpleData")
        ]
        for raw_key, value in pairs:
            key = clean_key(raw_key)
            if key:
                key = free_key(props, key, _KML_OWN_KEYS)
                props[key] = value
                self.extra_columns[key] = None

    def _geometry(self, element: Any, number: int) -> BaseGeometry | None:
        """The placemark's geometry; None, with a problem, if its coordinates are unreadable."""
        try:
            parts = [g for child in element if (g := _kml_geometry(child)) is not None]
            return _combine(parts) if parts else None
        except _CoordinateError as e:
            self.problems.append(
                Problem(
                    self.name,
                    e.reason,
                    row=number,
                    row_label=_LABEL,
                    field="coordinates",
                    value=clip(e.value),
                    hint=e.hint,
                )
            )
            return None


def _kml_tag(tag: object) -> str | None:
    """Local name of a KML element; None for other namespaces (gx:, atom:, xal:) and comments."""
    if not isinstance(tag, str):
        return None
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        if namespace in _KML_NAMESPACES or namespace.startswith("http://earth.google.com/kml/"):
            return local
        return None
    return tag


def _children(element: Any, tag: str) -> list[Any]:
    return [child for child in element if _kml_tag(child.tag) == tag]


def _child_text(element: Any, tag: str) -> str | None:
    found = _children(element, tag)
    return found[0].text if found and found[0].text is not None else None


def _parse_xml(data: bytes, name: str) -> Any:
    """The root element; a Shift_JIS (or other multi-byte) declared encoding is decoded first."""
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        return fromstring(data)
    except DefusedXmlException:
        fail(name, "the KML declares XML entities or a DTD, which are refused for safety")
    except ParseError as e:
        fail(name, f"not valid XML: {e}", hint="the file may be cut off or not KML")
    except ValueError:  # expat cannot read multi-byte encodings such as Shift_JIS itself
        match = _XML_ENCODING.match(data)
        try:
            text = data.decode(match.group(1).decode("ascii") if match else "utf-8")
        except (LookupError, UnicodeDecodeError):
            fail(name, "cannot decode the KML text", hint="UTF-8 で保存してください")
        text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
        try:
            return fromstring(text)
        except DefusedXmlException:
            fail(name, "the KML declares XML entities or a DTD, which are refused for safety")
        except ParseError as e:
            fail(name, f"not valid XML: {e}")


def _kml_coordinates(element: Any) -> list[tuple[float, float]]:
    """'lon,lat[,alt] lon,lat[,alt] …'; altitude dropped; spaces after commas tolerated."""
    text = _child_text(element, "coordinates")
    if text is None or not text.strip():
        raise _CoordinateError("geometry without coordinates", text)
    cleaned = re.sub(r"\s*,\s*", ",", unicodedata.normalize("NFKC", text).strip())
    points: list[tuple[float, float]] = []
    for chunk in cleaned.split():
        parts = chunk.split(",")
        try:
            lon, lat = float(parts[0]), float(parts[1])
        except (ValueError, IndexError):
            raise _CoordinateError("unreadable coordinate (expected 'lon,lat')", chunk) from None
        if not (math.isfinite(lon) and math.isfinite(lat)) or abs(lat) > 90 or abs(lon) > 180:
            hint = swap_hint(lon, lat)
            raise _CoordinateError("coordinate out of range (KML order is lon,lat)", chunk, hint)
        points.append((lon, lat))
    return points


def _kml_geometry(element: Any) -> BaseGeometry | None:
    tag = _kml_tag(element.tag)
    try:
        if tag == "Point":
            return Point(_kml_coordinates(element)[0])
        if tag in ("LineString", "LinearRing"):
            coords = _kml_coordinates(element)
            return LineString(coords) if len(coords) >= 2 else Point(coords[0])
        if tag == "Polygon":
            outer = [r for b in _children(element, "outerBoundaryIs") for r in b]
            inner = [r for b in _children(element, "innerBoundaryIs") for r in b]
            rings = [_kml_coordinates(r) for r in outer if _kml_tag(r.tag) == "LinearRing"]
            if not rings:
                raise _CoordinateError("polygon without an outer boundary")
            holes = [_kml_coordinates(r) for r in inner if _kml_tag(r.tag) == "LinearRing"]
            return Polygon(rings[0], holes)
    except _CoordinateError:
        raise
    except (ValueError, GEOSException) as e:
        raise _CoordinateError(f"unreadable {tag}: {short(e)}") from None
    if tag == "MultiGeometry":
        parts = [g for child in element if (g := _kml_geometry(child)) is not None]
        return _combine(parts) if parts else None
    return None  # Model, gx:Track and the like carry no usable geometry here


def _combine(parts: list[BaseGeometry]) -> BaseGeometry:
    flat: list[BaseGeometry] = []
    for part in parts:
        flat.extend(getattr(part, "geoms", [part]))
    if len(flat) == 1:
        return flat[0]
    kinds = {g.geom_type for g in flat}
    if kinds == {"Point"}:
        return MultiPoint(flat)
    if kinds == {"LineString"}:
        return MultiLineString(flat)
    if kinds == {"Polygon"}:
        return MultiPolygon(flat)
    return GeometryCollection(flat)
