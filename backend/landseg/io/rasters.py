"""Opening rasters and turning their windows into 8-bit model input.

Validation happens once, up front, with errors that say what to change. Scaling of 16-bit
(or float) rasters to 8-bit uses robust statistics from a sample of windows over the whole
raster, never per tile, so neighbouring tiles see the same colours.
"""

from __future__ import annotations

import contextlib
import math
import os
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import rasterio
from affine import Affine
from pyproj import CRS
from rasterio.enums import ColorInterp, MaskFlags, Resampling
from rasterio.errors import NotGeoreferencedWarning, RasterioError, RasterioIOError
from rasterio.vrt import WarpedVRT
from rasterio.warp import transform_bounds
from rasterio.windows import Window

from landseg.errors import InvalidParameterError, RasterReadError
from landseg.messages import Message

STRETCH_PERCENTILES = (2.0, 98.0)  # QGIS's default cumulative cut for display, too
_SAMPLE_GRID = 6  # sample windows per side when computing statistics
_SAMPLE_WINDOW_PX = 256


# A server that does not answer fails the run within this many seconds.
HTTP_TIMEOUT_S = int(os.environ.get("LANDSEG_HTTP_TIMEOUT_S", "20"))

# A raster without georeferencing gets LandSeg's own error below, with what to do; rasterio's
# warning about it is silenced by a filter set once (``warnings.catch_warnings`` is not
# thread-safe, and rasters are read on a thread of their own).
warnings.filterwarnings("ignore", category=NotGeoreferencedWarning, module="rasterio")


def _is_local_path(uri: str) -> bool:
    return not (uri.startswith(("/vsi", "<")) or "://" in uri or uri.upper().startswith("WMS:"))


# GDAL's block cache defaults to 5% of RAM and fills up on a large raster, so memory would grow
# with raster size. Tiles are read row by row: a few rows of blocks are all that is ever reused.
GDAL_CACHE_BYTES = 32 * 2**20  # rasterio passes integers to GDAL as bytes


def _gdal_environment() -> rasterio.Env:
    """A bounded block cache, network time-outs, and no probing of side-car files on servers."""
    return rasterio.Env(
        GDAL_CACHEMAX=GDAL_CACHE_BYTES,
        GDAL_HTTP_TIMEOUT=HTTP_TIMEOUT_S,
        GDAL_HTTP_CONNECTTIMEOUT=HTTP_TIMEOUT_S,
        GDAL_HTTP_MAX_RETRY=1,
        GDAL_HTTP_RETRY_DELAY=1,
        GDAL_DISABLE_READDIR_ON_OPEN="EMPTY_DIR",
    )


@contextlib.contextmanager
def open_raster(
    path: str | Path, *, georeferenced: bool = True
) -> Iterator[rasterio.DatasetReader]:
    """Open a georeferenced raster (any raster, without ``georeferenced``) for reading, with a
    clear error for each way it can fail.

    ``path`` is anything GDAL opens: a file, a VRT, ``/vsicurl/`` or ``https://`` URLs (a COG
    on a server), or a GDAL WMS/XYZ XML description. Use it as a context manager: network
    time-outs apply to every read inside the block.
    """
    uri = str(path)
    if _is_local_path(uri) and not Path(uri).exists():
        raise RasterReadError(Message("raster.missing", path=uri))
    with _gdal_environment():
        try:
            with warnings.catch_warnings():  # said below, in LandSeg's words
                warnings.simplefilter("ignore", NotGeoreferencedWarning)
                src = rasterio.open(uri)
        except RasterioIOError as error:
            if _is_local_path(uri):
                raise RasterReadError(Message("raster.not_raster", path=uri)) from None
            cause = str(error).strip()[:200]
            raise RasterReadError(Message("raster.source", path=_short(uri), error=cause)) from None
        with src:
            if georeferenced:
                _check_georeferencing(src, uri)
            yield src


def _check_georeferencing(src: rasterio.DatasetReader, uri: str) -> None:
    """Say exactly what is missing: the CRS, the geotransform, or both."""
    missing = [
        what
        for what, absent in (("CRS", src.crs is None), ("geotransform", src.transform.is_identity))
        if absent
    ]
    if missing == ["CRS"]:
        raise RasterReadError(Message("raster.no_crs", path=_short(uri)))
    if missing:
        absent = " and ".join(missing)
        raise RasterReadError(Message("raster.no_georeferencing", path=_short(uri), absent=absent))


def with_crs(uri: str, crs: str | None) -> str:
    """``uri`` read with ``crs`` assigned (for a raster that has none); ``uri`` when ``None``.

    Raises:
        InvalidParameterError: ``crs`` is not a CRS, or the raster already has another one.
    """
    if crs is None:
        return uri
    try:
        wanted = CRS.from_user_input(crs)
    except Exception:
        raise InvalidParameterError(Message("raster.bad_crs", crs=crs)) from None
    if uri.startswith("<"):
        raise InvalidParameterError(Message("raster.crs_mosaic"))
    if _is_local_path(uri):
        if not Path(uri).exists():
            raise RasterReadError(Message("raster.missing", path=uri))
        with rasterio.open(uri) as src:
            if src.crs is not None and CRS.from_user_input(src.crs) != wanted:
                raise InvalidParameterError(
                    Message("raster.has_crs", path=_short(uri), crs=src.crs.to_string())
                )
    return f"vrt://{uri}?a_srs={wanted.to_string()}"


def resampled(uri: str, scale: float) -> str:
    """``uri`` read with pixels ``scale`` times as large (averaged when coarser), through
    GDAL's ``vrt://`` connection; ``uri`` itself at scale 1."""
    if abs(scale - 1) < 1e-9:
        return uri
    share = f"{100 / scale:.8g}%"
    options = f"outsize={share},{share}&r={'average' if scale > 1 else 'bilinear'}"
    if uri.startswith("vrt://") and "?" in uri:
        return f"{uri}&{options}"
    return f"vrt://{uri}?{options}"


def _short(uri: str) -> str:
    return uri if len(uri) < 120 else f"{uri[:117]}..."


@dataclass(frozen=True)
class Grid:
    """A pixel grid to read a raster on: its CRS (WKT), transform coefficients and size.

    Plain values, so a grid travels to Dask workers as it is.
    """

    crs_wkt: str
    transform: tuple[float, float, float, float, float, float]
    width: int
    height: int
    resampling: str  # a rasterio Resampling name: "average" when coarsening, else "bilinear"


def scaled_grid(src, scale: float) -> Grid:
    """The raster's own grid with pixels ``scale`` times larger (averaged when coarser)."""
    width, height = round(src.width / scale), round(src.height / scale)
    if min(width, height) < 1:
        raise InvalidParameterError(Message("raster.too_small", path=_short(src.name)))
    transform = src.transform @ Affine.scale(src.width / width, src.height / height)
    return Grid(
        CRS.from_user_input(src.crs).to_wkt(),
        tuple(transform)[:6],
        width,
        height,
        "average" if scale > 1 else "bilinear",
    )


def reprojected_grid(
    src, crs: CRS, extent, pixel_m: float, native_m: float, *, lattice_m: float
) -> Grid:
    """``extent`` (in the raster's CRS) on a grid of ``crs`` with square ``pixel_m`` pixels,
    its origin on a lattice of ``lattice_m`` (so that grids of overlapping extents share
    their pixels)."""
    left, bottom, right, top = transform_bounds(src.crs, crs, *extent, densify_pts=21)
    left, top = math.floor(left / lattice_m) * lattice_m, math.ceil(top / lattice_m) * lattice_m
    width = max(1, math.ceil((right - left) / pixel_m))
    height = max(1, math.ceil((top - bottom) / pixel_m))
    transform = Affine(pixel_m, 0.0, left, 0.0, -pixel_m, top)
    return Grid(
        crs.to_wkt(),
        tuple(transform)[:6],
        width,
        height,
        "average" if pixel_m > native_m else "bilinear",
    )


@dataclass(frozen=True)
class RasterSource:
    """What the pipeline reads: one GDAL source, as it is or on another grid.

    Another grid is read through a ``WarpedVRT``, so windows are read already resampled
    (averaged when coarsening) and memory stays bounded. Where the grid reaches past the
    source, its pixels are nodata (or transparent, for a source without nodata).
    """

    uri: str
    grid: Grid | None = None

    @contextlib.contextmanager
    def open(self) -> Iterator[rasterio.DatasetReader | WarpedVRT]:
        """The dataset to read (on the grid when one is given), with network time-outs."""
        with open_raster(self.uri) as src:
            if self.grid is None:
                yield src
                return
            grid = self.grid
            crs = CRS.from_wkt(grid.crs_wkt)
            reprojected = crs != CRS.from_user_input(src.crs)
            unmasked = src.nodata is None and MaskFlags.all_valid in src.mask_flag_enums[0]
            with WarpedVRT(
                src,
                crs=crs if reprojected else src.crs,
                transform=Affine(*grid.transform),
                width=grid.width,
                height=grid.height,
                resampling=Resampling[grid.resampling],
                add_alpha=reprojected and unmasked,
            ) as vrt:
                yield vrt


def mosaic_vrt(paths: Sequence[str | Path]) -> str:
    """A VRT (XML text) that joins orthophoto sheets sharing a CRS into one raster.

    Raises:
        RasterReadError: The sheets differ in CRS, band count or data type.
    """
    sheets = []
    for path in paths:
        with open_raster(path) as src:
            sheets.append(
                (
                    str(Path(path).absolute()) if _is_local_path(str(path)) else str(path),
                    src.crs,
                    src.count,
                    src.dtypes[0],
                    src.transform,
                    src.width,
                    src.height,
                    src.nodata,
                    src.bounds,
                )
            )
    first = sheets[0]
    for key, what in ((1, "CRS"), (2, "band count"), (3, "data type")):
        differing = [s[0] for s in sheets if s[key] != first[key]]
        if differing:
            others = ", ".join(differing[:3]) + (" ..." if len(differing) > 3 else "")
            message = "raster.sheets_differ" if len(differing) > 1 else "raster.sheet_differs"
            raise RasterReadError(
                Message(message, property=what, first=first[0], value=first[key], others=others)
            )
    res_x = min(abs(s[4].a) for s in sheets)
    res_y = min(abs(s[4].e) for s in sheets)
    left, bottom = min(s[8].left for s in sheets), min(s[8].bottom for s in sheets)
    right, top = max(s[8].right for s in sheets), max(s[8].top for s in sheets)
    width, height = round((right - left) / res_x), round((top - bottom) / res_y)
    nodata = first[7]
    bands = []
    for band in range(1, first[2] + 1):
        sources = []
        for uri, _, _, _, transform, w, h, _, bounds in sheets:
            x_off = (bounds.left - left) / res_x
            y_off = (top - bounds.top) / res_y
            sources.append(
                f'<ComplexSource><SourceFilename relativeToVRT="0">{escape(uri)}</SourceFilename>'
                f"<SourceBand>{band}</SourceBand>"
                f'<SrcRect xOff="0" yOff="0" xSize="{w}" ySize="{h}"/>'
                f'<DstRect xOff="{x_off:.6f}" yOff="{y_off:.6f}" '
                f'xSize="{w * abs(transform.a) / res_x:.6f}" '
                f'ySize="{h * abs(transform.e) / res_y:.6f}"/>'
                + (f"<NODATA>{nodata}</NODATA>" if nodata is not None else "")
                + "</ComplexSource>"
            )
        nodata_xml = f"<NoDataValue>{nodata}</NoDataValue>" if nodata is not None else ""
        bands.append(
            f'<VRTRasterBand dataType="{_GDAL_TYPES[first[3]]}" band="{band}">'
            f"{nodata_xml}{''.join(sources)}</VRTRasterBand>"
        )
    return (
        f'<VRTDataset rasterXSize="{width}" rasterYSize="{height}">'
        f"<SRS>{escape(first[1].to_wkt())}</SRS>"
        f"<GeoTransform>{left}, {res_x}, 0, {top}, 0, {-res_y}</GeoTransform>"
        f"{''.join(bands)}</VRTDataset>"
    )


_GDAL_TYPES = {
    "uint8": "Byte",
    "uint16": "UInt16",
    "int16": "Int16",
    "uint32": "UInt32",
    "int32": "Int32",
    "float32": "Float32",
    "float64": "Float64",
}


def _image_band_count(src) -> int:
    """The raster's bands less a last alpha band (which says where data is, not what)."""
    has_alpha = src.count > 1 and src.colorinterp[-1] == ColorInterp.alpha
    return src.count - 1 if has_alpha else src.count


def select_bands(
    src: rasterio.DatasetReader, bands: Sequence[int] | None, needed: int = 3
) -> list[int]:
    """The 1-based raster bands that feed the model's ``needed`` input channels.

    Without a choice: the first three bands (RGB, RGBA or more), or one band repeated three
    times for panchromatic/greyscale rasters. A single chosen band is repeated likewise.
    """
    if bands is None:
        count = _image_band_count(src)
        if count >= needed:
            return list(range(1, needed + 1))
        if count == 1:
            return [1] * needed
        raise RasterReadError(
            Message("raster.band_count", path=src.name, count=count, needed=needed)
        )
    chosen = list(bands)
    if any(b < 1 or b > src.count for b in chosen):
        path = _short(src.name)
        raise InvalidParameterError(
            Message("raster.no_bands_one", chosen=chosen, path=path)
            if src.count == 1
            else Message("raster.no_bands", chosen=chosen, path=path, count=src.count)
        )
    if len(chosen) == 1:
        return chosen * needed
    if len(chosen) != needed:
        raise InvalidParameterError(
            Message("raster.chosen_count", chosen=len(chosen), needed=needed)
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


def _sample_windows(area: Window) -> list[Window]:
    width, height = int(area.width), int(area.height)
    size = min(_SAMPLE_WINDOW_PX, width, height)
    cols = np.linspace(0, width - size, min(_SAMPLE_GRID, max(1, width // size)))
    rows = np.linspace(0, height - size, min(_SAMPLE_GRID, max(1, height // size)))
    return [
        Window(int(area.col_off + c), int(area.row_off + r), size, size)
        for r in rows.astype(int)
        for c in cols.astype(int)
    ]


def compute_scaling(
    src: rasterio.DatasetReader, bands: Sequence[int], *, within: Window | None = None
) -> Scaling:
    """8-bit data passes through; other types are stretched between robust percentiles.

    The percentiles come from a grid of windows spread over the whole raster (or the part
    ``within`` that is segmented), ignoring nodata.
    """
    n = len(bands)
    if all(src.dtypes[b - 1] == "uint8" for b in bands):
        return Scaling(np.zeros(n, np.float32), np.full(n, 255, np.float32))
    samples: list[np.ndarray] = []
    area = (within or Window(0, 0, src.width, src.height)).intersection(
        Window(0, 0, src.width, src.height)
    )
    for window in _sample_windows(area):
        data = read_window(src, bands, window)
        valid = valid_mask(src, data, window)
        samples.append(data[:, valid])
    values = np.concatenate(samples, axis=1) if samples else np.empty((n, 0))
    if values.shape[1] == 0:
        return Scaling(np.zeros(n, np.float32), np.full(n, 255, np.float32))
    low, high = np.percentile(values, STRETCH_PERCENTILES, axis=1).astype(np.float32)
    return Scaling(low, high)


def read_window(src: rasterio.DatasetReader, bands: Sequence[int], window: Window) -> np.ndarray:
    """The pixels of ``bands`` in ``window``; one clear error when the file cannot give them.

    Raises:
        RasterReadError: A damaged block, a mosaic sheet that went missing, a server that
            stopped answering: the message names the file and the window.
    """
    try:
        return src.read(list(bands), window=window)
    except RasterioError as error:
        where = {
            "row_start": int(window.row_off),
            "row_end": int(window.row_off + window.height),
            "column_start": int(window.col_off),
            "column_end": int(window.col_off + window.width),
            "path": _short(src.name),
        }
        missing = [f for f in src.files if _is_local_path(f) and not Path(f).exists()]
        if missing:
            files = ", ".join(missing[:5])
            raise RasterReadError(Message("raster.read_missing", **where, files=files)) from None
        cause = _cause(error)
        raise RasterReadError(Message("raster.read_damaged", **where, cause=cause)) from None


def _cause(error: BaseException) -> str:
    """GDAL's own words for a read error: rasterio's "See previous exception" is replaced by
    the exception it points to."""
    behind = error.__cause__ or error.__context__
    if "previous exception" in str(error) and behind is not None and str(behind).strip():
        error = behind
    text = str(error).strip()
    return text.splitlines()[0][:200] if text else "read failed"


def _in_dtype(value: float, dtype: np.dtype) -> np.generic | None:
    """``value`` as a pixel of ``dtype``, as GDAL compares nodata; ``None`` where no pixel of
    that type can hold it (GDAL then counts every pixel as data)."""
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        if not (float(value).is_integer() and info.min <= value <= info.max):
            return None
    elif np.isfinite(value) and abs(value) > np.finfo(dtype).max:
        return None
    return dtype.type(value)


def valid_mask(src: rasterio.DatasetReader, data: np.ndarray, window: Window) -> np.ndarray:
    """Rows x cols bool: pixels that hold data (not nodata, not transparent, not masked)."""
    if src.nodata is not None:
        if np.isnan(src.nodata):
            return ~np.isnan(data).all(axis=0)
        nodata = _in_dtype(src.nodata, data.dtype)
        if nodata is None:  # no pixel of this type can hold it
            return np.ones(data.shape[1:], dtype=bool)
        return (data != nodata).any(axis=0)
    flags = src.mask_flag_enums[0]
    if MaskFlags.all_valid in flags:
        return np.ones(data.shape[1:], dtype=bool)
    # a warped raster is read on its own grid, where windows never reach past it
    return src.dataset_mask(window=window, boundless=not isinstance(src, WarpedVRT)) > 0
