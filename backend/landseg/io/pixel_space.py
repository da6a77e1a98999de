"""Images without georeference (a photo, a JPG or PNG tile) segmented in pixel coordinates.

The image is read on a stand-in metric grid, one image pixel to one pixel of the model's size,
so every step of a run (tiles, seams, ``--min-area``, simplification) works as on a
georeferenced raster; the polygons come back as x = column, y = −row, where QGIS shows an
image that has no georeference.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely

from landseg.errors import InvalidParameterError
from landseg.io.rasters import open_raster
from landseg.messages import Message

STAND_IN_CRS = "EPSG:32631"  # UTM zone 31N: the image is centred on its central meridian
CENTRAL_EASTING_M = 500_000.0


@dataclass(frozen=True)
class PixelSpace:
    """Where an image without georeference lies on the stand-in grid."""

    uri: str  # what GDAL opens: the image with the stand-in georeference
    pixel_m: float  # the ground size each image pixel stands for (the model's)
    left: float  # the stand-in coordinates of the image's top-left corner
    top: float

    def to_pixels(self, geometries: np.ndarray) -> np.ndarray:
        """Stand-in map geometries in pixel coordinates (x = column, y = −row)."""
        origin = np.array([self.left, self.top])
        return shapely.transform(geometries, lambda xy: (xy - origin) / self.pixel_m)


def pixel_space(uri: str, pixel_m: float) -> PixelSpace:
    """The image at ``uri`` on the stand-in grid of ``pixel_m`` pixels.

    Raises:
        InvalidParameterError: The raster has a CRS or a geotransform (then it is segmented
            on the map as it is, or given its CRS with ``--crs``).
    """
    with open_raster(uri, georeferenced=False) as src:
        if src.crs is not None:
            crs = src.crs.to_string()
            raise InvalidParameterError(Message("pixel_space.georeferenced", uri=uri, crs=crs))
        if not src.transform.is_identity:
            raise InvalidParameterError(Message("pixel_space.geotransform_only", uri=uri))
        width_m, height_m = src.width * pixel_m, src.height * pixel_m
    left, top = CENTRAL_EASTING_M - width_m / 2, height_m
    path = str(Path(uri).absolute()) if Path(uri).exists() else uri
    corners = f"{left!r},{top!r},{left + width_m!r},0"
    return PixelSpace(f"vrt://{path}?a_srs={STAND_IN_CRS}&a_ullr={corners}", pixel_m, left, top)
