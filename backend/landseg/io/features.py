"""Polygons and their fields as plain arrays, and their GeoPackage writes.

A run writes its polygons in many small batches; building a pandas frame for each would cost
more than writing it, so batches stay as arrays and become a ``GeoDataFrame`` only where a
caller asks for one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import shapely
from pyproj import CRS

if TYPE_CHECKING:
    import geopandas as gpd


@dataclass
class Features:
    """Geometries (map coordinates) with one array per field, in field order."""

    fields: dict[str, np.ndarray]
    geometry: np.ndarray  # shapely geometries
    crs: CRS | None

    def __len__(self) -> int:
        return len(self.geometry)

    @classmethod
    def concat(cls, parts: list[Features]) -> Features:
        """One batch of the features of ``parts`` (at least one), in order."""
        fields = {name: np.concatenate([p.fields[name] for p in parts]) for name in parts[0].fields}
        return cls(fields, np.concatenate([p.geometry for p in parts]), parts[0].crs)

    def to_geodataframe(self) -> gpd.GeoDataFrame:
        """The same features as a ``GeoDataFrame``."""
        import geopandas as gpd

        return gpd.GeoDataFrame(dict(self.fields), geometry=list(self.geometry), crs=self.crs)


def write_gpkg_layer(
    features: Features, path: Path, layer: str, *, metadata: dict[str, str] | None = None
) -> None:
    """Create the GeoPackage layer (with ``metadata``) or, without it, append to it.

    Polygons are stored as MultiPolygons, as QGIS expects of one layer.

    Raises:
        OSError: The file cannot be written.
    """
    from landseg.io import writer_process

    writer_process.write(
        str(path),
        shapely.to_wkb(features.geometry),
        list(features.fields.values()),
        list(features.fields),
        layer=layer,
        driver="GPKG",
        geometry_type="MultiPolygon",
        crs=features.crs.to_wkt() if features.crs is not None else None,
        promote_to_multi=True,
        append=metadata is None,
        layer_metadata=metadata,
    )
