"""Paper: the A4 sheet for the 回覧板 and the 民生委員's bag (/print and `tsudoi export print`).

* ``sheet`` — the numbered entries (schedule in words, the next three dates from the one schedule
  engine) and the area's contacts, as plain text the template escapes;
* ``map_svg`` — the area drawn as inline SVG (outline, streets when the city has a walking network,
  numbered markers matching the list), so a sheet needs no tiles and no network;
* ``fit`` — the sheet's pages estimated from the font's widths, so the map is drawn shorter only
  when that keeps the sheet a page shorter (English words take more room than Japanese);
* ``pdf`` — the same page as a PDF with WeasyPrint and the vendored BIZ UDPGothic, fetching
  nothing but the package's own files.
"""
