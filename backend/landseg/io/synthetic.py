"""Seeded, georeferenced, aerial-like scenes with ground-truth polygons.

Used by tests, the demo and benchmarks. A scene is laid out once (polygons in pixel
coordinates) and then rendered window by window, so even very large scenes are written with
bounded memory. Every pixel's colour is a pure function of its position and the layout,
which makes rendering seamless across windows and exactly reproducible per seed.

Classes and their look:
    roof         small rotated rectangles, solid terracotta / slate / concrete, lit ridge
    farm         large fields with crop stripes (brown and green), some with a courtyard hole
    rice-fields  bright blue-green paddies with a grid of light dikes
    Baren-Land   irregular sandy patches with coarse speckle
"""

from __future__ import annotations

import math
import shutil
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
import shapely
from affine import Affine
from pyproj import CRS, Transformer
from rasterio.features import rasterize
from rasterio.windows import Window
from shapely.geometry import Polygon, box

from landseg.errors import InvalidParameterError, OutputNotWritableError
from landseg.geodesy import map_crs, units_spanning
from landseg.io.atomic import atomic_output, check_output, check_writable_folder
from landseg.messages import Message

CLASS_NAMES: tuple[str, ...] = ("roof", "farm", "rice-fields", "Baren-Land")
# Instance share per class, as in the reference deployment's labels.
CLASS_MIX: dict[str, float] = {"roof": 0.50, "farm": 0.21, "rice-fields": 0.16, "Baren-Land": 0.13}
# Base colours per class (8-bit RGB); instances pick one and vary it slightly.
PALETTE: dict[str, tuple[tuple[int, int, int], ...]] = {
    "roof": ((178, 74, 52), (96, 104, 140), (200, 200, 196)),
    "farm": ((146, 104, 62), (120, 150, 62)),
    "rice-fields": ((64, 170, 130),),
    "Baren-Land": ((212, 186, 140),),
}
BACKGROUND_RGB = (86, 108, 74)
NODATA = 0
RASTER_NAME = "scene.tif"
LABELS_NAME = "labels.gpkg"
LABELS_LAYER = "labels"

_COVERAGE = 0.40  # share of the scene covered by objects
_MEAN_AREA_M2 = 3640.0  # expected instance area under the size ranges below, mix-weighted
_GAP_M = 2.0  # minimum clearance between objects
_DIKE_PERIOD_PX = 16
_BLOCK_PX = 256
_WINDOW_PX = 1024


@dataclass(frozen=True)
class SyntheticScene:
    """Paths and georeferencing of a written scene."""

    raster_path: Path
    labels_path: Path
    crs: CRS
    transform: Affine
    size_px: int
    class_counts: dict[str, int]


@dataclass(frozen=True)
class _Layout:
    """Instances in pixel coordinates (x = column, y = row) with their drawing parameters."""

    polygons: list[Polygon]
    class_ids: np.ndarray  # per instance
    colours: np.ndarray  # (n, 3) float RGB per instance
    colours_alt: np.ndarray  # (n, 3) second stripe colour (farms)
    centres: np.ndarray  # (n, 2) x, y
    angles: np.ndarray  # radians
    periods: np.ndarray  # crop stripe period in pixels (farms)


def _hash_noise(rows: np.ndarray, cols: np.ndarray, seed: int) -> np.ndarray:
    """Deterministic white noise in [-1, 1] from integer pixel coordinates."""
    h = cols.astype(np.uint32) * np.uint32(374761393) + rows.astype(np.uint32) * np.uint32(
        668265263
    )
    h = h + np.uint32((seed * 2654435761) & 0xFFFFFFFF)
    h = (h ^ (h >> np.uint32(13))) * np.uint32(1274126177)
    h = h ^ (h >> np.uint32(16))
    return (h & np.uint32(0xFFFF)).astype(np.float32) / 32767.5 - 1.0


def _rotated_rectangle(cx: float, cy: float, w: float, h: float, angle: float) -> Polygon:
    rect = box(-w / 2, -h / 2, w / 2, h / 2)
    return shapely.affinity.translate(
        shapely.affinity.rotate(rect, angle, use_radians=True), cx, cy
    )


def _shape(class_name: str, rng: np.random.Generator, m: float, cx: float, cy: float, angle: float):
    """One instance outline of ``class_name`` centred on (cx, cy); ``m`` is pixels per metre."""
    if class_name == "roof":
        return _rotated_rectangle(cx, cy, rng.uniform(7, 22) * m, rng.uniform(7, 16) * m, angle)
    if class_name == "farm":
        w, h = rng.uniform(50, 170) * m, rng.uniform(50, 170) * m
        field = _rotated_rectangle(cx, cy, w, h, angle)
        if rng.random() < 0.3:
            side = min(w, h) * rng.uniform(0.25, 0.4)
            field = field.difference(_rotated_rectangle(cx, cy, side, side, angle))
        return field
    if class_name == "rice-fields":
        return _rotated_rectangle(
            cx, cy, rng.uniform(35, 100) * m, rng.uniform(35, 100) * m, rng.uniform(-0.17, 0.17)
        )
    radius = rng.uniform(15, 45) * m  # Baren-Land: a smoothed irregular star
    n = int(rng.integers(9, 15))
    theta = np.sort(rng.uniform(0, 2 * math.pi, n))
    r = radius * rng.uniform(0.6, 1.0, n)
    star = Polygon(np.c_[cx + r * np.cos(theta), cy + r * np.sin(theta)]).buffer(0)
    return star.buffer(radius / 5).buffer(-radius / 5)


def _class_counts(total: int) -> dict[str, int]:
    """Split ``total`` instances by :data:`CLASS_MIX` with the largest-remainder method."""
    raw = {name: total * share for name, share in CLASS_MIX.items()}
    counts = {name: int(value) for name, value in raw.items()}
    for name in sorted(raw, key=lambda k: raw[k] - counts[k], reverse=True)[
        : total - sum(counts.values())
    ]:
        counts[name] += 1
    return counts


def _layout(size_px: int, seed: int, pixel_size_m: float, border_px: int) -> _Layout:
    rng = np.random.default_rng(seed)
    m = 1.0 / pixel_size_m
    valid = box(border_px, border_px, size_px - border_px, size_px - border_px)
    valid_m2 = valid.area * pixel_size_m**2
    counts = _class_counts(max(4, round(_COVERAGE * valid_m2 / _MEAN_AREA_M2)))
    # Large classes first, so small roofs fill the gaps (and farm courtyards) afterwards.
    order = ["farm", "rice-fields", "Baren-Land", "roof"]
    placed: list[Polygon] = []
    classes: list[int] = []
    grid = _SpatialHash(cell_px=200 * m)
    for name in order:
        for _ in range(counts[name]):
            for _attempt in range(60):
                cx, cy = rng.uniform(valid.bounds[0], valid.bounds[2], 2)
                candidate = _shape(name, rng, m, cx, cy, rng.uniform(0, math.pi))
                grown = candidate.buffer(_GAP_M * m)
                if not valid.contains(candidate) or grid.intersects(grown):
                    continue
                grid.add(candidate)
                placed.append(shapely.set_precision(candidate, 0.01))
                classes.append(CLASS_NAMES.index(name))
                break
    n = len(placed)
    choices = [int(rng.integers(len(PALETTE[CLASS_NAMES[c]]))) for c in classes]
    colours = np.array(
        [PALETTE[CLASS_NAMES[c]][k] for c, k in zip(classes, choices, strict=True)],
        dtype=np.float32,
    ).reshape(-1, 3)
    colours += rng.uniform(-8, 8, (n, 3)).astype(np.float32)
    # The second stripe colour of a field is the palette's next colour (farms only use it).
    alt = np.array(
        [
            PALETTE[CLASS_NAMES[c]][(k + 1) % len(PALETTE[CLASS_NAMES[c]])]
            for c, k in zip(classes, choices, strict=True)
        ],
        dtype=np.float32,
    ).reshape(-1, 3)
    centres = np.array([p.centroid.coords[0] for p in placed], dtype=np.float32).reshape(-1, 2)
    angles = np.array([_orientation(p) for p in placed], dtype=np.float32)
    periods = rng.uniform(6, 10, n).astype(np.float32)
    return _Layout(
        placed, np.array(classes, dtype=np.int64), colours, alt, centres, angles, periods
    )


class _SpatialHash:
    """Placed polygons bucketed by grid cell, for fast overlap checks during layout."""

    def __init__(self, cell_px: float) -> None:
        self.cell_px = cell_px
        self.cells: dict[tuple[int, int], list[Polygon]] = {}

    def _keys(self, polygon: Polygon) -> list[tuple[int, int]]:
        x0, y0, x1, y1 = (int(v // self.cell_px) for v in polygon.bounds)
        return [(i, j) for i in range(x0, x1 + 1) for j in range(y0, y1 + 1)]

    def add(self, polygon: Polygon) -> None:
        for key in self._keys(polygon):
            self.cells.setdefault(key, []).append(polygon)

    def intersects(self, polygon: Polygon) -> bool:
        return any(
            polygon.intersects(other)
            for key in self._keys(polygon)
            for other in self.cells.get(key, ())
        )


def _orientation(poly: Polygon) -> float:
    """Angle of the longest side of the polygon's minimum rotated rectangle."""
    corners = np.asarray(poly.minimum_rotated_rectangle.exterior.coords)[:3]
    sides = np.diff(corners, axis=0)
    longest = sides[np.argmax(np.hypot(sides[:, 0], sides[:, 1]))]
    return float(math.atan2(longest[1], longest[0]))


def _render(layout: _Layout, tree: shapely.STRtree, window: Window, seed: int) -> np.ndarray:
    """RGB float image of one window, before nodata and bit depth are applied."""
    h, w = int(window.height), int(window.width)
    rows, cols = np.mgrid[window.row_off : window.row_off + h, window.col_off : window.col_off + w]
    x, y = cols.astype(np.float32) + 0.5, rows.astype(np.float32) + 0.5
    noise = _hash_noise(rows, cols, seed)[..., None]
    image = np.empty((h, w, 3), dtype=np.float32)
    image[:] = BACKGROUND_RGB
    image += (6 * np.sin(x / 37.0) + 6 * np.sin(y / 53.0))[..., None] + 8 * noise

    hits = tree.query(box(window.col_off, window.row_off, window.col_off + w, window.row_off + h))
    if len(hits) == 0:
        return image
    ids = rasterize(
        ((layout.polygons[i], i + 1) for i in hits),
        out_shape=(h, w),
        transform=Affine.translation(window.col_off, window.row_off),
        fill=0,
        dtype="int32",
    )
    inside = ids > 0
    idx = ids[inside] - 1
    cls = layout.class_ids[idx]
    px, py = x[inside] - layout.centres[idx, 0], y[inside] - layout.centres[idx, 1]
    along = px * np.cos(layout.angles[idx]) + py * np.sin(layout.angles[idx])
    across = -px * np.sin(layout.angles[idx]) + py * np.cos(layout.angles[idx])
    base = layout.colours[idx]
    n = noise[inside]
    phase = np.sin(2 * math.pi * across / layout.periods[idx])[:, None]
    half = _DIKE_PERIOD_PX / 2
    dike = (np.abs(along % _DIKE_PERIOD_PX - half) > half - 1) | (
        np.abs(across % _DIKE_PERIOD_PX - half) > half - 1
    )
    colour = np.select(
        [cls[:, None] == 0, cls[:, None] == 1, cls[:, None] == 2],
        [
            base + np.where(across[:, None] > 0, 14.0, -10.0) + 4 * n,
            np.where(phase > 0, base, layout.colours_alt[idx]) + 6 * n,
            np.where(dike[:, None], (170.0, 192.0, 150.0), base) + 5 * n,
        ],
        default=base + 26 * n,
    )
    image[inside] = colour
    return image


def _origin(crs: CRS, near: tuple[float, float] | None) -> tuple[float, float]:
    """A plausible upper-left corner: ``near`` (longitude, latitude), else the centre of the
    CRS's area of use, rounded."""
    area = crs.area_of_use
    if near is not None:
        lon, lat = near
    elif area is None:
        return 0.0, 0.0
    else:
        lon, lat = (area.west + area.east) / 2, (area.south + area.north) / 2
    x, y = Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(lon, lat)
    step = 0.01 if crs.is_geographic else 1000.0
    return round(x / step) * step, round(y / step) * step


def _validate(size_px: int, pixel_size_m: float, bits: int, nodata_border_px: int) -> None:
    if size_px < 64:
        raise InvalidParameterError(Message("synth.size", size=size_px))
    if not pixel_size_m > 0:
        raise InvalidParameterError(Message("synth.pixel_size", pixel_size=pixel_size_m))
    if bits not in (8, 16):
        raise InvalidParameterError(Message("synth.bits", bits=bits))
    if not 0 <= nodata_border_px < size_px // 4:
        raise InvalidParameterError(
            Message("synth.border", border=nodata_border_px, size=size_px // 4 - 1)
        )


def write_scene(
    out_dir: str | Path,
    *,
    size_px: int = 2048,
    seed: int = 0,
    crs: str | CRS = "EPSG:32654",
    pixel_size_m: float = 0.5,
    bits: int = 8,
    nodata_border_px: int = 0,
    overwrite: bool = False,
    near: tuple[float, float] | None = None,
) -> SyntheticScene:
    """Write ``scene.tif`` (tiled, compressed RGB GeoTIFF) and ``labels.gpkg`` into ``out_dir``.

    Args:
        out_dir: Folder to write into; created if missing.
        size_px: Width and height of the square scene in pixels.
        seed: Seed of the layout and the textures; equal seeds give identical files.
        crs: Any CRS pyproj understands. Pixels are ``pixel_size_m`` wide and high on the
            ground at the scene's corner, in any CRS (degrees, Web Mercator metres).
        pixel_size_m: Ground size of a pixel in metres.
        bits: 8 or 16 (16-bit values span 12 bits, like many aerial sensors).
        nodata_border_px: Width of a nodata (0) frame around the scene; no object lies in it.
        overwrite: Replace existing scene files.
        near: (longitude, latitude) of the scene's upper-left corner, roughly; default the
            middle of the CRS's area of use.
    """
    _validate(size_px, pixel_size_m, bits, nodata_border_px)
    parsed_crs = map_crs(crs)
    out = Path(out_dir).absolute()
    created = not out.exists()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputNotWritableError(
            Message("synth.folder", folder=out, error=error.strerror)
        ) from None
    try:
        check_writable_folder(out)
        raster_path, labels_path = out / RASTER_NAME, out / LABELS_NAME
        check_output(raster_path, overwrite=overwrite)
        check_output(labels_path, overwrite=overwrite)
        layout = _layout(size_px, seed, pixel_size_m, nodata_border_px)
        x0, y0 = _origin(parsed_crs, near)
        step_x, step_y = units_spanning(pixel_size_m, parsed_crs, x0, y0)
        transform = Affine(step_x, 0, x0, 0, -step_y, y0)
        with atomic_output(labels_path, overwrite=overwrite) as tmp_labels:
            _labels_frame(layout, transform, parsed_crs).to_file(
                tmp_labels, layer=LABELS_LAYER, driver="GPKG"
            )
            with atomic_output(raster_path, overwrite=overwrite) as tmp_raster:
                _write_raster(
                    tmp_raster, layout, size_px, seed, bits, nodata_border_px, parsed_crs, transform
                )
    except BaseException:
        if created:
            shutil.rmtree(out, ignore_errors=True)
        raise
    counts = {name: int(np.sum(layout.class_ids == i)) for i, name in enumerate(CLASS_NAMES)}
    return SyntheticScene(raster_path, labels_path, parsed_crs, transform, size_px, counts)


def _labels_frame(layout: _Layout, transform: Affine, crs: CRS) -> gpd.GeoDataFrame:
    matrix = [transform.a, transform.b, transform.d, transform.e, transform.xoff, transform.yoff]
    geometries = [shapely.affinity.affine_transform(p, matrix) for p in layout.polygons]
    names = [CLASS_NAMES[c] for c in layout.class_ids]
    return gpd.GeoDataFrame({"class": names}, geometry=geometries, crs=crs)


def _write_raster(
    path: Path,
    layout: _Layout,
    size_px: int,
    seed: int,
    bits: int,
    border_px: int,
    crs: CRS,
    transform: Affine,
) -> None:
    dtype = "uint8" if bits == 8 else "uint16"
    profile = {
        "driver": "GTiff",
        "width": size_px,
        "height": size_px,
        "count": 3,
        "dtype": dtype,
        "crs": crs,
        "transform": transform,
        "nodata": NODATA,
        "tiled": True,
        "blockxsize": _BLOCK_PX,
        "blockysize": _BLOCK_PX,
        "compress": "deflate",
        "predictor": 2,
        "interleave": "pixel",
    }
    if bits == 8:
        profile["photometric"] = "RGB"
    tree = shapely.STRtree(layout.polygons)
    valid = Window(border_px, border_px, size_px - 2 * border_px, size_px - 2 * border_px)
    with rasterio.open(path, "w", **profile) as dst:
        for row in range(0, size_px, _WINDOW_PX):
            for col in range(0, size_px, _WINDOW_PX):
                window = Window(
                    col, row, min(_WINDOW_PX, size_px - col), min(_WINDOW_PX, size_px - row)
                )
                rgb = np.clip(_render(layout, tree, window, seed), 1, 255)
                if bits == 16:
                    rgb = rgb * 16.0 + 8.0
                data = np.rint(rgb).astype(dtype).transpose(2, 0, 1)
                _blank_outside(data, window, valid)
                dst.write(data, window=window)
        dst.update_tags(LANDSEG_SYNTHETIC_SEED=str(seed))
        for band, name in enumerate(("red", "green", "blue"), start=1):
            dst.set_band_description(band, name)


def _blank_outside(data: np.ndarray, window: Window, valid: Window) -> None:
    """Set pixels of ``data`` (bands, rows, cols at ``window``) outside ``valid`` to nodata."""
    rows = np.arange(window.row_off, window.row_off + window.height)
    cols = np.arange(window.col_off, window.col_off + window.width)
    row_out = (rows < valid.row_off) | (rows >= valid.row_off + valid.height)
    col_out = (cols < valid.col_off) | (cols >= valid.col_off + valid.width)
    data[:, row_out, :] = NODATA
    data[:, :, col_out] = NODATA
