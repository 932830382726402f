"""The Leaflet pieces the Folium map adds itself: JSON-escaped popups and tooltips, credits,
the banner, raw header markup and the page frame.

Folium's ``Popup``/``Tooltip`` put their HTML inside a JavaScript template literal (so ``${…}``
in a place name would run) and need jQuery; these bind JSON strings instead.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from branca.element import Element, MacroElement
from folium.template import Template


class Raw(Element):
    """Markup put in the page as is (not through Jinja: Leaflet's source is not a template)."""

    def __init__(self, markup: str) -> None:
        super().__init__()
        self._markup = markup

    def render(self, **kwargs: Any) -> str:
        return self._markup


def js(value: object) -> str:
    """JSON for inside a <script>: no '<', '>', '&' or quote can end it, and Japanese text stays
    as UTF-8 (folium's \\uXXXX escapes make a city's popups six times larger)."""
    return (
        json.dumps(value, ensure_ascii=False)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("'", "\\u0027")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


class Bind(MacroElement):
    """``layer.bindPopup(html)`` / ``bindTooltip``, the HTML passed as an escaped JSON string."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.{{ this.method }}({{ this.args }});
        {% endmacro %}
        """
    )

    def __init__(
        self, method: Literal["bindPopup", "bindTooltip"], content: str, **options: Any
    ) -> None:
        super().__init__()
        self._name = "Bind"
        self.method = method
        self.args = f"{js(content)}, {js(options)}"


class Attribution(MacroElement):
    """Adds the credits line to Leaflet's attribution control."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.content }});
        {% endmacro %}
        """
    )

    def __init__(self, content: str) -> None:
        super().__init__()
        self._name = "Attribution"
        self.content = js(content)


class Banner(MacroElement):
    """The title and the demo notice, in a bar above the map (not hidden in a control, and
    never covering a popup)."""

    _template = Template(
        """
        {% macro html(this, kwargs) %}{{ this.markup }}{% endmacro %}
        """
    )

    def __init__(self, markup: str) -> None:
        super().__init__()
        self._name = "Banner"
        self.markup = markup


FIGURE_TEMPLATE = (
    "<!DOCTYPE html>\n"
    '<html lang="{{ this.lang }}">\n'
    "<head>\n"
    "{% if this.title %}<title>{{ this.title }}</title>{% endif %}"
    "    {{ this.header.render(**kwargs) }}\n"
    "</head>\n"
    "<body>\n"
    "    {{ this.html.render(**kwargs) }}\n"
    "</body>\n"
    "<script>\n"
    "    {{ this.script.render(**kwargs) }}\n"
    "</script>\n"
    "</html>\n"
)
"""The page frame: folium's, with the page language and title set."""
