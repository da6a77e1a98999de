"""A QGIS raster layer's source as the string the backend opens (a file or a GDAL dataset).

GDAL file layers give their path; XYZ tile layers (``wms`` provider, ``type=xyz``) become a
GDAL_WMS TMS description, which GDAL reads tile by tile (an area must then be given).
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from qgis.core import QgsProviderRegistry, QgsRasterLayer

from .translation import tr

DEFAULT_XYZ_ZMAX = 19
WEB_MERCATOR_HALF = "20037508.342789244"


def xyz_parts(layer: QgsRasterLayer | None) -> dict | None:
    """The decoded source of an XYZ tile layer (``url``, ``zmax``...), None for other layers."""
    if layer is None or layer.providerType() != "wms":
        return None
    parts = QgsProviderRegistry.instance().decodeUri("wms", layer.source())
    return parts if str(parts.get("type") or "") == "xyz" else None


def is_xyz(layer: QgsRasterLayer | None) -> bool:
    """Whether the layer is an XYZ tile layer (the backend needs an area for those)."""
    return xyz_parts(layer) is not None


def xyz_gdal_wms(url: str, zmax: int = DEFAULT_XYZ_ZMAX) -> str:
    """The GDAL_WMS TMS description of an XYZ tile URL with ``{x}``, ``{y}``, ``{z}``."""
    for key in "xyz":
        url = url.replace("{" + key + "}", "${" + key + "}")
    return (
        '<GDAL_WMS><Service name="TMS">'
        f"<ServerUrl>{escape(url)}</ServerUrl></Service>"
        "<DataWindow>"
        f"<UpperLeftX>-{WEB_MERCATOR_HALF}</UpperLeftX><UpperLeftY>{WEB_MERCATOR_HALF}</UpperLeftY>"
        f"<LowerRightX>{WEB_MERCATOR_HALF}</LowerRightX>"
        f"<LowerRightY>-{WEB_MERCATOR_HALF}</LowerRightY>"
        f"<TileLevel>{int(zmax)}</TileLevel><TileCountX>1</TileCountX><TileCountY>1</TileCountY>"
        "<YOrigin>top</YOrigin></DataWindow>"
        "<Projection>EPSG:3857</Projection><BlockSizeX>256</BlockSizeX>"
        "<BlockSizeY>256</BlockSizeY><BandsCount>3</BandsCount>"
        "<ZeroBlockHttpCodes>204,404</ZeroBlockHttpCodes></GDAL_WMS>"
    )


def backend_source(layer: QgsRasterLayer | None) -> str:
    """What the backend opens for ``layer``; ``ValueError`` (a message) when it cannot."""
    if layer is None:
        raise ValueError(tr("Choose a raster layer to segment (add one to the project first)."))
    provider = layer.providerType()
    if provider == "gdal":
        return layer.source().split("|", 1)[0]
    parts = xyz_parts(layer)
    if parts is not None:
        url = str(parts.get("url") or "")
        if not url:
            raise ValueError(tr("XYZ layer '{name}' has no tile URL.").format(name=layer.name()))
        try:
            zmax = int(str(parts.get("zmax") or DEFAULT_XYZ_ZMAX))
        except ValueError:
            zmax = DEFAULT_XYZ_ZMAX
        return xyz_gdal_wms(url, zmax)
    if provider == "wms":
        raise ValueError(
            tr(
                "Raster layer '{name}' is a WMS/WMTS service: LandSeg does not read those yet. "
                "Use an XYZ tile layer or save the area as a GeoTIFF (Export ▸ Save As…)."
            ).format(name=layer.name())
        )
    raise ValueError(
        tr(
            "Raster layer '{name}' is not a file GDAL can read (provider {provider}): "
            "save it as a GeoTIFF first (Export ▸ Save As…)."
        ).format(name=layer.name(), provider=provider)
    )


def assigned_crs(layer: QgsRasterLayer | None) -> str | None:
    """The CRS QGIS gives a raster file that has none of its own (for ``--crs``), else None.

    Only the file path reaches the backend: a CRS set on the layer in QGIS must travel with it.
    """
    if layer is None or layer.providerType() != "gdal" or not layer.crs().isValid():
        return None
    from osgeo import gdal

    dataset = gdal.Open(layer.source().split("|", 1)[0])
    if dataset is None or dataset.GetProjection():
        return None
    return layer.crs().authid() or layer.crs().toWkt()
