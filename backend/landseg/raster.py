"""Opening rasters and turning their windows into 8-bit model input.

Validation happens once, up front, with errors that say what to change. Scaling of 16-bit
(or float) rasters to 8-bit uses robust statistics from a sample of windows over the whole
raster, never per tile, so neighbouring tiles see the same colours.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import rasterio
from rasterio.enums import MaskFlags
from rasterio.errors import NotGeoreferencedWarning, RasterioIOError
from rasterio.windows import Window

from landseg.errors import InvalidParameterError, RasterReadError

STRETCH_PERCENTILES = (2.0, 98.0)  # QGIS's default cumulative cut for display, too
_SAMPLE_GRID = 6  # sample windows per side when computing statistics
_SAMPLE_WINDOW_PX = 256


def open_raster(path: str | Path) -> rasterio.DatasetReader:
    """Open a georeferenced raster for reading, with a clear error for each way it can fail."""
    path = Path(path)
    if not path.exists():
        raise RasterReadError(f"Raster '{path}' does not exist: check the path.")
    try:
        with warnings.catch_warnings():  # LandSeg says it better, below
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            src = rasterio.open(path)
    except RasterioIOError:
        raise RasterReadError(
            f"'{path}' is not a raster GDAL can read: give a GeoTIFF, VRT or other GDAL raster."
        ) from None
    if src.crs is None or src.transform.is_identity:
        src.close()
        raise RasterReadError(
            f"Raster '{path}' has no georeferencing (CRS and geotransform): georeference it "
            "first (QGIS Georeferencer, or gdal_translate -a_srs EPSG:XXXX -a_ullr ...)."
        )
    return src


def select_bands(
    src: rasterio.DatasetReader, bands: Sequence[int] | None, needed: int = 3
) -> list[int]:
    """The 1-based raster bands that feed the model's ``needed`` input channels.

    Without a choice: the first three bands (RGB, RGBA or more), or one band repeated three
    times for panchromatic/greyscale rasters. A single chosen band is repeated likewise.
    """
    if bands is None:
        if src.count >= needed:
            return list(range(1, needed + 1))
        if src.count == 1:
            return [1] * needed
        raise RasterReadError(
            f"Raster '{src.name}' has {src.count} bands but the model needs {needed}: choose "
            f"bands with --bands (e.g. --bands 1,1,1), or use a raster with {needed} bands."
        )
    chosen = list(bands)
    if any(b < 1 or b > src.count for b in chosen):
        raise InvalidParameterError(
            f"Bands {chosen} do not exist in '{src.name}', which has bands 1 to {src.count}."
        )
    if len(chosen) == 1:
        return chosen * needed
    if len(chosen) != needed:
        raise InvalidParameterError(
            f"{len(chosen)} bands were chosen but the model needs {needed} (or 1, repeated)."
        )
    return chosen


@dataclass(frozen=True)
class Scaling:
    """Linear map of raw values to 0-255, per model channel."""

    low: np.ndarray
    high: np.ndarray

    def apply(self, data: np.ndarray) -> np.ndarray:
        """``data`` (channels, rows, cols) to uint8."""
        if data.dtype == np.uint8 and not self.low.any() and (self.high == 255).all():
            return data
        low, high = self.low[:, None, None], self.high[:, None, None]
        scaled = (data.astype(np.float32) - low) * (255.0 / np.maximum(high - low, 1e-6))
        return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)


def _sample_windows(src: rasterio.DatasetReader) -> list[Window]:
    size = min(_SAMPLE_WINDOW_PX, src.width, src.height)
    cols = np.linspace(0, src.width - size, min(_SAMPLE_GRID, max(1, src.width // size))).astype(
        int
    )
    rows = np.linspace(0, src.height - size, min(_SAMPLE_GRID, max(1, src.height // size))).astype(
        int
    )
    return [Window(int(c), int(r), size, size) for r in rows for c in cols]


def compute_scaling(src: rasterio.DatasetReader, bands: Sequence[int]) -> Scaling:
    """8-bit data passes through; other types are stretched between robust percentiles.

    The percentiles come from a grid of windows spread over the whole raster, ignoring nodata.
    """
    n = len(bands)
    if all(src.dtypes[b - 1] == "uint8" for b in bands):
        return Scaling(np.zeros(n, np.float32), np.full(n, 255, np.float32))
    samples: list[np.ndarray] = []
    for window in _sample_windows(src):
        data = src.read(list(bands), window=window)
        valid = valid_mask(src, data, window)
        samples.append(data[:, valid])
    values = np.concatenate(samples, axis=1) if samples else np.empty((n, 0))
    if values.shape[1] == 0:
        return Scaling(np.zeros(n, np.float32), np.full(n, 255, np.float32))
    low, high = np.percentile(values, STRETCH_PERCENTILES, axis=1).astype(np.float32)
    return Scaling(low, high)


def valid_mask(src: rasterio.DatasetReader, data: np.ndarray, window: Window) -> np.ndarray:
    """Rows x cols bool: pixels that hold data (not nodata, not transparent, not masked)."""
    if src.nodata is not None:
        nodata = src.nodata
        if np.isnan(nodata):
            return ~np.isnan(data).all(axis=0)
        return (data != nodata).any(axis=0)
    flags = src.mask_flag_enums[0]
    if MaskFlags.all_valid in flags:
        return np.ones(data.shape[1:], dtype=bool)
    return src.dataset_mask(window=window, boundless=True) > 0
