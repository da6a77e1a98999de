"""Writing the land-cover GeoPackage: one polygon layer, run metadata and a QGIS style.

The style is stored the way QGIS stores it (a ``layer_styles`` table holding QML, marked as
default), so the layer opens coloured by class in QGIS with no further step.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import quoteattr

# Colours per known class (Okabe-Ito's colour-blind-safe palette), each far from the imagery
# it lies on (roofs grey or red, fields green or brown, paddies green or teal, bare land brown)
# for every kind of colour vision: tests/test_class_colours.py measures it. Other classes get
# colours from a fallback cycle.
CLASS_COLOURS = {
    "roof": "#d55e00",
    "farm": "#cc79a7",
    "rice-fields": "#f0e442",
    "Baren-Land": "#0072b2",
}
_FALLBACK_COLOURS = ("#7570b3", "#e7298a", "#66a61e", "#666666", "#1f78b4", "#fb9a99")

_STYLES_TABLE = """
CREATE TABLE IF NOT EXISTS layer_styles (
    id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT, f_table_schema TEXT,
    f_table_name TEXT, f_geometry_column TEXT, styleName TEXT, styleQML TEXT, styleSLD TEXT,
    useAsDefault BOOLEAN, description TEXT, owner TEXT, ui TEXT,
    update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))
"""


def class_colour(name: str, index: int) -> str:
    """Hex colour of a class: fixed for the reference classes, cycled for others."""
    return CLASS_COLOURS.get(name, _FALLBACK_COLOURS[index % len(_FALLBACK_COLOURS)])


def _rgba(hex_colour: str, alpha: int = 255) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"{r},{g},{b},{alpha}"


def categorized_qml(class_names: Sequence[str], *, field: str = "class") -> str:
    """QML of a categorized fill renderer: one semi-transparent colour per class."""
    categories, symbols = [], []
    for i, name in enumerate(class_names):
        colour = class_colour(name, i)
        categories.append(
            f'<category symbol="{i}" value={quoteattr(name)} label={quoteattr(name)} '
            'render="true"/>'
        )
        symbols.append(
            f'<symbol type="fill" name="{i}" alpha="1" clip_to_extent="1" force_rhr="0">'
            '<layer class="SimpleFill" enabled="1" locked="0" pass="0"><Option type="Map">'
            f'<Option type="QString" name="color" value="{_rgba(colour, 110)}"/>'
            f'<Option type="QString" name="outline_color" value="{_rgba(colour)}"/>'
            '<Option type="QString" name="outline_style" value="solid"/>'
            '<Option type="QString" name="outline_width" value="0.5"/>'
            '<Option type="QString" name="outline_width_unit" value="MM"/>'
            '<Option type="QString" name="style" value="solid"/>'
            "</Option></layer></symbol>"
        )
    return (
        "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
        '<qgis version="3.22.0" styleCategories="Symbology">'
        f'<renderer-v2 type="categorizedSymbol" attr={quoteattr(field)} forceraster="0" '
        'symbollevels="0" enableorderby="0">'
        f"<categories>{''.join(categories)}</categories>"
        f"<symbols>{''.join(symbols)}</symbols>"
        "</renderer-v2></qgis>"
    )


def add_style(path: Path, layer: str, class_names: Sequence[str]) -> None:
    """Store the layer's categorized style in the GeoPackage, as QGIS stores styles."""
    qml = categorized_qml(class_names)
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        (geometry_column,) = db.execute(
            "SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?", (layer,)
        ).fetchone()
        db.execute(_STYLES_TABLE)
        db.execute(  # a resumed run styles its output again: one style, not two
            "DELETE FROM layer_styles WHERE f_table_name = ? AND styleName = ?",
            (layer, f"{layer} by class"),
        )
        db.execute(
            "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
            "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, "
            "owner, ui) VALUES ('', '', ?, ?, ?, ?, '', 1, ?, '', '')",
            (layer, geometry_column, f"{layer} by class", qml, "LandSeg class colours"),
        )
        db.execute(
            "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, "
            "last_change) VALUES ('layer_styles', 'attributes', 'layer_styles', "
            "strftime('%Y-%m-%dT%H:%M:%fZ','now'))"
        )
